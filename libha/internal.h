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

#include <ha/cover.h>

#define HA_EXPORT __attribute__((visibility("default")))

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
/* The record's wait (HA_RECOVERY_WAIT_MS) for coid; 0 if not HA-aware. */
int ha__wait_ms(int coid);
/*
 * Wait until `path` is registered (nto_path_wait) for up to wait_ms (< 0:
 * forever). Returns 0 (registered, or the path is not one the pathname
 * space can answer for), -ENOENT (not registered, wait_ms 0) or
 * -ETIMEDOUT.
 */
int ha__path_wait(const char *path, int wait_ms);

/* ---- cover_conn.c ---- */
/*
 * Attach a connection to (pid, chid) on exactly number `want`, which the
 * caller has just freed. Returns want, or -errno (EBUSY: the number is
 * taken by something else).
 */
int ha__attach_at(int want, pid_t pid, int chid, unsigned flags);

#endif /* NTOSIM_LIBHA_INTERNAL_H */
