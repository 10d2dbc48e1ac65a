/*
 * Internals of the server framework (dispatch.c, resmgr*.c, iofunc.c,
 * iofunc_default.c, threadpool.c, name.c) only: the dispatch_t layout, the
 * open-file binding table and the registration (link) table. Never
 * installed; the kernel-call files do not include it. What only the
 * resmgr*.c files share is resmgr-internal.h.
 */
#ifndef NTOSIM_LIB_DISPATCH_INTERNAL_H
#define NTOSIM_LIB_DISPATCH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* iofunc.h first: the tables are typed with iofunc_attr_t / iofunc_ocb_t. */
#include <sys/iofunc.h>
#include <sys/dispatch.h>

#include "lib/internal.h"

/* dispatch_t.flags (QNX's private values where QNX has them) */
#define _DISPATCH_BLOCK_RECEIVE 1
#define _DISPATCH_TIMEOUT	0x00000004
#define _DISPATCH_RESMGR	0x00000100 /* resmgr routing attached */
#define _DISPATCH_CHANNEL_COIDDEATH \
	0x40000000 /* has _NTO_CHF_COID_DISCONNECT */
#define _DISPATCH_CONTEXT_ALLOCED 0x80000000

#define _VEC_VALID 0x80000000u

/* Smallest receive buffer a resmgr context gets: the largest I/O header or
 * an _IO_CONNECT with a full path and some extra. */
#define NTO_RESMGR_MSG_MIN \
	(offsetof(struct _io_connect, path) + NTO_PATH_MAX + 256)

/* Ids of registrations that are not in ipcd's pathname space (a NULL path
 * or RESMGR_FLAG_ATTACH_LOCAL): kept apart from ipcd's link ids. */
#define NTO_LOCAL_ID_BASE 0x20000000

/* dispatch_unblock's wake-up pulse. QNX sends _PULSE_CODE_UNBLOCK with
 * value 0, but ntosim's kernel drops UNBLOCK pulses that name no rcvid of
 * the sending connection (anti-spoofing), so a code from the kernel's
 * reserved negative range that the kernel itself never uses is taken
 * instead; dispatch_handler and resmgr_handler ignore it. */
#define NTO_PULSE_CODE_DISPATCH_WAKE (-64)

/* One message_attach / pulse_attach entry. */
struct nto_msgvec {
	unsigned flags; /* _VEC_VALID | MSG_FLAG_TYPE_PULSE |
			   MSG_FLAG_TYPE_RESMGR | MSG_FLAG_DEFAULT_FUNC */
	int lo;
	int hi;
	int (*func)(message_context_t *ctp, int code, unsigned flags,
		    void *handle);
	void *handle;
};

/*
 * An open-file binding: one OCB with the I/O table serving it. Each
 * (scoid, coid) that refers to it (the opening coid and its dups) holds one
 * reference, and so does every handler running on it; close_ocb runs when
 * the last reference goes.
 */
struct nto_binding {
	atomic_int count;
	int id;	     /* resmgr id of the attach it was opened through */
	int noclose; /* resmgr_detach without _RESMGR_DETACH_CLOSE */
	void *ocb;
	const resmgr_io_funcs_t *funcs;
};

struct nto_bindent {
	struct nto_bindent *next;
	int scoid; /* without _NTO_SIDE_CHANNEL */
	int coid;
	pid_t pid;
	struct nto_binding *b;
};

#define NTO_BIND_BUCKETS 64

struct _dispatch {
	pthread_mutex_t lock; /* everything below */
	int chid;
	unsigned flags; /* _DISPATCH_* */
	unsigned nparts_max;
	unsigned msg_max_size;
	int (*other_func)(resmgr_context_t *ctp, void *msg);
	struct timespec timeout;
	struct nto_msgvec *vec;
	int nvec;
	int self_coid; /* dispatch_unblock's connection to our channel, or -1 */
	struct nto_bindent *bind[NTO_BIND_BUCKETS];
	struct nto_select *select; /* select_attach state (select.c), or NULL */
};

/* ---- dispatch.c ---- */
/*
 * Make dpp ready to receive: create its channel if it has none, grow the
 * context sizes, and with `resmgr` set install the resmgr routing (_IO_*
 * messages, DISCONNECT and UNBLOCK pulses). Returns 0 or -errno.
 */
int nto__dispatch_attach(dispatch_t *dpp, unsigned nparts, unsigned msgmax,
			 int resmgr);

/* ---- resmgr_route.c ---- */
/* The resmgr routing of one received message or pulse (replies for it). */
void nto__resmgr_handler(resmgr_context_t *ctp);
int nto__resmgr_msg_handler(message_context_t *ctp, int code, unsigned flags,
			    void *handle);

/* ---- resmgr.c ---- */
/*
 * Register `path` (NULL: a local-only registration) for dpp with these
 * tables; returns the resmgr id or -errno. Used by resmgr_attach and
 * name_attach.
 */
int nto__link_add(dispatch_t *dpp, const char *path, unsigned ftype,
		  unsigned flags, const resmgr_connect_funcs_t *connect_funcs,
		  const resmgr_io_funcs_t *io_funcs, void *handle);
/* Detach every registration of dpp and free its bindings (no close
 * handlers run): dispatch_destroy. */
void nto__resmgr_forget(dispatch_t *dpp);

/* ---- select.c ---- */
/* Stop dpp's select_attach helper thread and free its attachments
 * (dispatch_destroy). */
void nto__select_destroy(dispatch_t *dpp);

/* ---- notify.c ---- */
/* Drop every notification entry iofunc_notify armed for client connection
 * (scoid, coid) (coid -1: every coid of scoid): the connection closed or
 * its client is gone. */
void nto__notify_forget(int scoid, int coid);

/* ---- iofunc.c ---- */
/* The ioflag an open grants: the message's ioflag with the access bits
 * masked by .access (0 from a sender that leaves it unset: no mask). */
unsigned nto__connect_ioflag(const struct _io_connect *c);

#endif /* NTOSIM_LIB_DISPATCH_INTERNAL_H */
