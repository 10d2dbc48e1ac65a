/*
 * Internals of the resource-manager layer, shared by resmgr.c (registrations
 * and the public API), resmgr_bind.c (the open-file binding table) and
 * resmgr_route.c (message routing) only; every other file goes through
 * dispatch-internal.h. Never installed.
 */
#ifndef NTOSIM_LIB_RESMGR_INTERNAL_H
#define NTOSIM_LIB_RESMGR_INTERNAL_H

#include "dispatch-internal.h"

/* One registration ("link"): a path (or a local-only id) and its tables. */
struct nto_link {
	struct nto_link *next;
	unsigned handle; /* _io_connect.handle of this registration */
	int id;		 /* resmgr id */
	int ready;	 /* 0 while ipcd is being told */
	int registered;	 /* in ipcd's pathname space */
	int dead;	 /* detached: freed once refs is 0 */
	int refs;
	dispatch_t *dpp;
	unsigned ftype;
	const resmgr_connect_funcs_t *connect_funcs;
	const resmgr_io_funcs_t *io_funcs;
	void *handle_ptr;
	char *path;
};

/* ---- resmgr.c ---- */
/* The live registration of dpp with this connect handle, referenced
 * (release with nto__link_put), or NULL; waits while its registration with
 * ipcd is in flight. */
struct nto_link *nto__link_get_handle(dispatch_t *dpp, unsigned handle);
/* Drop a reference from nto__link_get_handle; frees a detached link. */
void nto__link_put(struct nto_link *l);

/* ---- resmgr_bind.c ---- */
/* The binding info's (scoid, coid) refers to, referenced, or NULL. */
struct nto_binding *nto__bind_find(dispatch_t *dpp,
				   const struct _msg_info *info);
/* Make info's (scoid, coid) refer to b (taking over one reference); a
 * replaced stale entry's binding comes back in *stale. 0, -EINVAL, -ENOMEM. */
int nto__bind_set(dispatch_t *dpp, const struct _msg_info *info,
		  struct nto_binding *b, struct nto_binding **stale);
/* Remove info's entry (only if it refers to hint, when given) and return
 * its binding with the entry's reference, or NULL. */
struct nto_binding *nto__bind_remove(dispatch_t *dpp,
				     const struct _msg_info *info,
				     struct nto_binding *hint);
/* Remove any one entry of scoid, reporting its coid and pid, or NULL. */
struct nto_binding *nto__bind_remove_scoid(dispatch_t *dpp, int scoid,
					   int *coid, pid_t *pid);
/* The I/O handler for message `type` (_IO_READ.._IO_POWER) in f, or NULL. */
_resmgr_func_t nto__io_func(const resmgr_io_funcs_t *f, unsigned type);
/* Drop one reference to b; the last runs close_ocb and frees it. */
void nto__bind_release(resmgr_context_t *ctp, struct nto_binding *b);
/* Drop every entry of dpp bound through resmgr id `id` (resmgr_detach);
 * close_ocb runs only with run_close set. */
void nto__bind_drop_id(dispatch_t *dpp, int id, int run_close);
/* Free every entry and binding of dpp, running no handlers. */
void nto__bind_clear(dispatch_t *dpp);

#endif /* NTOSIM_LIB_RESMGR_INTERNAL_H */
