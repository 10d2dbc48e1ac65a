/*
 * libha internals, shared by the libha sources only (never installed; nothing
 * outside libha/ includes it). libha itself uses only ntosim's public
 * headers. Functions named ha__x return 0 / a value, or -errno, and leave
 * errno alone unless their comment says otherwise.
 */
#ifndef NTOSIM_LIBHA_INTERNAL_H
#define NTOSIM_LIBHA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <ha/cover.h>

#define HA_EXPORT __attribute__((visibility("default")))

/* $NTOSIM_HA_DEBUG set (not "0"): libha logs its recovery decisions to
 * stderr, one line each, prefixed "libha[pid]: ". */
extern int ha__debug;
#define HA_DBG(...)                                                 \
	do {                                                        \
		if (ha__debug)                                      \
			fprintf(stderr, "libha[%d]: " __VA_ARGS__); \
	} while (0)

/*
 * One recovery record: what ha_attach creates and ha_dup shares. Numbers
 * (fds, coids) point at it through the table in record.c; each such entry
 * holds a reference, and so does every thread working with it.
 * Everything below `lock` is guarded by it.
 */
struct ha_rec {
	_Atomic int refs;
	uint64_t serial; /* identity that outlives the address */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled when a recovery finishes */
	RFp rfn;
	void *rhdl;
	int enabled;	  /* HA_RECOVERY_SUSPEND / ENABLE */
	int acount_limit; /* < 0: unlimited */
	int icount_limit;
	int acount; /* recovery function calls ever (since RESET_ACOUNT) */
	int icount; /* calls in the current failure (since the last success) */
	int unconfirmed; /* a recovery returned the coid; re-send outcome due */
	int recovering;	 /* a thread is running rfn */
	int last_ok;	 /* the last finished rfn call succeeded */
	int recovered;	 /* some rfn call ever succeeded */
	int at_most_once;
	int wait_ms;	/* HA_RECOVERY_WAIT_MS */
	char *name;	/* ha_name_open: the name and flags, for the */
	int name_flags; /* built-in recovery function */
	/* exactly-once (once.c) */
	int exactly_once;
	int eo_fallbacks;   /* calls refused (HA_ENOTRESENT): no reply cache */
	pid_t eo_pid;	    /* the process eo_client was made for */
	uint64_t eo_client; /* pid << 32 | random: sent with every request */
	uint64_t eo_next;   /* next seq to hand out */
	uint64_t *eo_open;  /* seqs handed out, their calls not over */
	unsigned eo_nopen, eo_capopen;
};

/* ---- record.c: records and the number -> record table ---- */
/* A new record with no references (the first ha__ent_add takes one).
 * NULL on ENOMEM. */
struct ha_rec *ha__rec_new(RFp rfn, void *rhdl);
/* Take / drop a reference; the last drop frees the record. */
void ha__rec_ref(struct ha_rec *r);
void ha__rec_put(struct ha_rec *r);
/* The record `coid` points at, with a reference taken, or NULL. */
struct ha_rec *ha__ent_get(int coid);
/* 1 if `coid` points at `r` now. */
int ha__ent_is(int coid, const struct ha_rec *r);
/* Point `coid` at `r` (taking a reference). replace = 0: -EEXIST if coid
 * already points somewhere; replace = 1: an old entry is dropped. */
int ha__ent_add(int coid, struct ha_rec *r, int replace);
/* Remove coid's entry, if it still points at `r` (r NULL: whatever it
 * points at). Returns 0 or -EBADF. */
int ha__ent_del(int coid, const struct ha_rec *r);
/*
 * ha_attach's core: attach, or with HAREPLACERECOVERYFN replace. name,
 * if given, is copied into a new record for the built-in name recovery.
 * fresh = 1 (the cover functions, for a number just opened): always a new
 * record, replacing any stale entry. Returns 0 or -EINVAL, -EBADF,
 * -EEXIST, -ENOMEM.
 */
int ha__attach(int coid, RFp rfn, void *rhdl, unsigned flags, const char *name,
	       int name_flags, int fresh);
/* 1 if coid is an open connection of this process or an open fd. */
int ha__coid_valid(int coid);
/* 1 if coid holds a connection whose server is not known to be dead. */
int ha__coid_alive(int coid);

/* ---- recover.c: the send-failure hook ---- */
/* Mark the calling thread as recovering `r` (sends it makes on r's
 * numbers then never recurse into recovery). Returns 1 if pushed, 0 if it
 * was already marked (or the nesting limit was hit): pop only if 1. */
int ha__recovering_push(struct ha_rec *r);
void ha__recovering_pop(struct ha_rec *r);
/* 1 if the calling thread is running r's recovery function (or is nested
 * too deep to recover anything more). */
int ha__recovering_here(const struct ha_rec *r);
/* The record's wait (HA_RECOVERY_WAIT_MS) for coid; 0 if not HA-aware. */
int ha__wait_ms(int coid);
/* A wait budget for one re-open: the record's HA_RECOVERY_WAIT_MS, from
 * now. */
struct ha_wait {
	int wait_ms;
	uint64_t start_ns;
};
void ha__wait_begin(struct ha_wait *w, int coid);
/*
 * Wait until `path` is registered (nto_path_wait, woken by ipcd) within
 * what is left of the budget. Returns 0 (registered, or the path is not
 * one the pathname space answers for), -ENOENT (not registered, no wait
 * configured) or -ETIMEDOUT (the budget ran out).
 */
int ha__path_wait(const struct ha_wait *w, const char *path);
/* 1 if some of the budget is left: an open that found no server (ENOENT:
 * it registered and died again) may wait and try once more. */
int ha__wait_more(const struct ha_wait *w);
/* 1 for the errors of an open/attach whose server is missing, dying or
 * just died (ENOENT, ESRCH, EBADF, ENXIO): worth waiting for the next. */
int ha__server_gone(int neg_errno);

/* ---- once.c: the exactly-once policy, client side ---- */
/* HA_RECOVERY_EXACTLY_ONCE on (1) or off (0) for r (locked): a client id
 * for the process, and libnto's identity hook installed. 0 or -EINVAL. */
int ha__once_set(struct ha_rec *r, int on);
/* For a call on coid (record r, locked) that the dead server had
 * received: 1 if it may be re-sent (it carries an identity and coid's
 * connection, recovered, is to a server with a reply cache), else 0 (and
 * the fallback is counted). */
int ha__once_resend_ok(struct ha_rec *r, int coid);
/* Free r's exactly-once state (the record is being freed). */
void ha__once_free(struct ha_rec *r);

/* ---- cover_conn.c ---- */
/*
 * Attach a connection to (pid, chid) on exactly number `want`, which the
 * caller has just freed. Returns want, or -errno (EBUSY: the number is
 * taken by something else).
 */
int ha__attach_at(int want, pid_t pid, int chid, unsigned flags);

#endif /* NTOSIM_LIBHA_INTERNAL_H */
