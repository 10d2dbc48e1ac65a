/*
 * The recovery engine: the send-failure hook libnto calls when any MsgSend*
 * on a coid fails with EBADF or ESRCH (so also the sends behind read(),
 * write(), lseek()... on an fd), the per-record serialisation of recovery
 * functions, the ACOUNT/ICOUNT limits, the at-most-once policy, and the
 * per-thread "in recovery" marker that keeps a recovery function's own
 * sends from recursing. Not here: the cover functions (cover_*.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "internal.h"

/*
 * How the hook tells a failed re-send from a new failure. libnto calls the
 * hook again, inside the same MsgSend*, when the send it asked to be
 * retried fails again; when the MsgSend* returns, libnto ends the kernel
 * call and clears the thread's one-shot TimerTimeout. So before asking for
 * a re-send the hook arms a TimerTimeout on a state no send ever uses
 * (JOIN) as a marker: found still armed on the next call, this is the
 * re-send failing; gone, the earlier MsgSend* finished with something
 * other than EBADF/ESRCH, i.e. its recovery succeeded.
 */
#define HA_MARK_STATE _NTO_TIMEOUT_JOIN
#define HA_NEST_MAX   8 /* nested recoveries of different records */

struct ha_tls {
	struct ha_rec *stack[HA_NEST_MAX]; /* records this thread recovers */
	int depth;
	uint64_t retry_serial; /* the re-send the marker stands for */
	int retry_coid;
};

static __thread struct ha_tls tls;
int ha__debug; /* $NTOSIM_HA_DEBUG: log each decision to stderr */

static void mark_arm(int coid, const struct ha_rec *r)
{
	_Uint64t hour = 3600ull * 1000000000ull;

	tls.retry_serial = r->serial;
	tls.retry_coid = coid;
	TimerTimeout_r(CLOCK_MONOTONIC, (int)HA_MARK_STATE, NULL, &hour, NULL);
}

/* Take the marker; returns the serial of the record whose re-send on
 * `coid` just failed again, or 0. */
__attribute__((noinline)) static uint64_t mark_take(int coid)
{
	int old = TimerTimeout_r(CLOCK_MONOTONIC, 0, NULL, NULL, NULL);
	uint64_t serial = tls.retry_serial;

	tls.retry_serial = 0;
	if (old < 0 || !((unsigned)old & HA_MARK_STATE) ||
	    tls.retry_coid != coid)
		return 0;
	return serial;
}

int ha__recovering_push(struct ha_rec *r)
{
	int i;

	for (i = 0; i < tls.depth; i++)
		if (tls.stack[i] == r)
			return 0;
	if (tls.depth == HA_NEST_MAX)
		return 0;
	tls.stack[tls.depth++] = r;
	return 1;
}

void ha__recovering_pop(struct ha_rec *r)
{
	int i;

	for (i = tls.depth - 1; i >= 0; i--)
		if (tls.stack[i] == r) {
			tls.stack[i] = tls.stack[--tls.depth];
			return;
		}
}

int ha__recovering_here(const struct ha_rec *r)
{
	int i;

	for (i = 0; i < tls.depth; i++)
		if (tls.stack[i] == r)
			return 1;
	/* too deep: refuse further nesting rather than overflow */
	return tls.depth == HA_NEST_MAX;
}

static int limits_allow(const struct ha_rec *r)
{
	return (r->acount_limit < 0 || r->acount < r->acount_limit) &&
	       (r->icount_limit < 0 || r->icount < r->icount_limit);
}

struct run_ctx {
	struct ha_rec *r;
	int pushed;
};

/* Cancellation of the recovering thread must not leave the record
 * "recovering" forever: the other threads would wait on it. Leaves the
 * lock held for recover()'s own cleanup handler to release. */
static void run_cleanup(void *arg)
{
	struct run_ctx *c = arg;

	if (c->pushed)
		ha__recovering_pop(c->r);
	pthread_mutex_lock(&c->r->lock);
	c->r->recovering = 0;
	c->r->last_ok = 0;
	pthread_cond_broadcast(&c->r->cond);
}

static void unlock_cleanup(void *arg)
{
	pthread_mutex_unlock(arg);
}

/* Run r's recovery function for coid (r->lock held, recovering claimed by
 * the caller); returns with the lock held and the outcome in last_ok. */
static int run_rfn(struct ha_rec *r, int coid)
{
	struct run_ctx c = {r, 0};
	RFp rfn = r->rfn;
	void *rhdl = r->rhdl;
	int n, ok;

	pthread_mutex_unlock(&r->lock);
	c.pushed = ha__recovering_push(r);
	pthread_cleanup_push(run_cleanup, &c);
	n = rfn(coid, rhdl);
	pthread_cleanup_pop(0);
	HA_DBG("recovery function for coid %#x returned %d (errno %d)\n",
	       (int)getpid(), coid, n, errno);
	if (c.pushed)
		ha__recovering_pop(r);
	/* the coid must be the one that failed, and still this record's
	 * (the function may have ha_detached or ha_closed it) */
	ok = n == coid && ha__ent_is(coid, r);
	pthread_mutex_lock(&r->lock);
	r->recovering = 0;
	r->last_ok = ok;
	if (ok)
		r->recovered = 1;
	pthread_cond_broadcast(&r->cond);
	return ok;
}

/* 1 if the failed call on coid, which the dead server had `received`,
 * must not be sent again: at-most-once, or exactly-once without what makes
 * the re-send safe (an identity, and a reply cache on the new server). */
static int refuse_resend(struct ha_rec *r, int coid, int received)
{
	if (!received)
		return 0;
	if (r->exactly_once)
		return !ha__once_resend_ok(r, coid);
	return r->at_most_once;
}

/*
 * Decide for one send on coid (record r, locked) that failed with err
 * (EBADF or ESRCH); `received`: the server had taken it; `again`: this is
 * the re-send we asked for, failing once more. Returns what the hook
 * returns: 1 re-send, 0 fail with the original error, or HA_ENOTRESENT.
 */
static int recover_locked(struct ha_rec *r, int coid, int err, int received,
			  int again)
{
	int rc = 0, alive, waited = 0, refuse;

	/* EBADF from a death is never "received": the kernel fails pending
	 * sends with ESRCH. This is the server's own MsgError(EBADF): passed
	 * on, unless a recovery is running: then it is a request that reached
	 * the new server before the recovery's open did (no open-file context
	 * yet), and is sent again once the recovery is done. */
	if (!r->enabled || (err == EBADF && received && !r->recovering))
		goto out;
	if (r->recovering) {
		/* one recovery at a time: wait for the running one, then
		 * follow its outcome */
		while (r->recovering)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->last_ok || !r->enabled)
			goto out;
		waited = 1;
		again = 0; /* our failure predates that recovery */
	}
	if (again) {
		/* the re-send after our recovery failed too: not a success */
		r->unconfirmed = 0;
	} else if (r->unconfirmed) {
		/* the last recovery's re-send did not fail with EBADF/ESRCH
		 * (as far as we know): that recovery succeeded */
		r->unconfirmed = 0;
		r->icount = 0;
	}
	alive = ha__coid_alive(coid);
	if (alive) {
		/* a live server received the request and answered ESRCH
		 * itself (a death marks the connection dead before failing
		 * its sends) */
		if (!waited && received && (again || !r->recovered))
			goto out;
		/* the send failed on a connection that has been replaced
		 * since (by the recovery we waited for, or one before):
		 * send again, no new recovery */
		if (!again)
			goto resend;
	}
	/* this coid's own connection is dead (for an ha_dup'd fd, the
	 * recovery we may have waited for was of another number) */
	if (!limits_allow(r))
		goto out;
	/* counting point: each call of the recovery function counts once in
	 * both counters, just before the call */
	r->acount++;
	r->icount++;
	r->recovering = 1;
	if (!run_rfn(r, coid))
		goto out;
	refuse = refuse_resend(r, coid, received);
	if (!refuse)
		r->unconfirmed = 1;
	goto decide;
resend:
	refuse = refuse_resend(r, coid, received);
decide:
	if (!refuse) {
		rc = 1;
		goto out;
	}
	/* never re-send what the dead server may have applied; the call
	 * ends here, so a recovery that led here succeeded */
	r->icount = 0;
	r->unconfirmed = 0;
	rc = HA_ENOTRESENT;
out:
	return rc;
}

/* recover_locked under r->lock, released also if the thread is cancelled
 * while it waits or while the recovery function runs. */
static int recover(struct ha_rec *r, int coid, int err, int received, int again)
{
	volatile int rc; /* set between the cleanup push and pop */

	pthread_mutex_lock(&r->lock);
	pthread_cleanup_push(unlock_cleanup, &r->lock);
	rc = recover_locked(r, coid, err, received, again);
	pthread_cleanup_pop(1);
	return rc;
}

static void put_cleanup(void *arg)
{
	ha__rec_put(arg);
}

static int send_recover_hook(int coid, int err, int received)
{
	const uint64_t again = mark_take(coid);
	const int saved = errno;
	volatile int rc;
	struct ha_rec *r;

	r = ha__ent_get(coid);
	if (!r)
		return 0;
	if (ha__recovering_here(r)) {
		/* a send made by this record's own recovery function */
		ha__rec_put(r);
		errno = saved;
		return 0;
	}
	pthread_cleanup_push(put_cleanup, r);
	rc = recover(r, coid, err, received, again == r->serial);
	HA_DBG("coid %#x err %d received %d again %d -> %d\n", (int)getpid(),
	       coid, err, received, again == r->serial, rc);
	if (rc == 1)
		mark_arm(coid, r);
	pthread_cleanup_pop(1);
	errno = saved;
	return rc;
}

int ha__wait_ms(int coid)
{
	struct ha_rec *r = ha__ent_get(coid);
	int ms = 0;

	if (r) {
		pthread_mutex_lock(&r->lock);
		ms = r->wait_ms;
		pthread_mutex_unlock(&r->lock);
		ha__rec_put(r);
	}
	return ms;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ha__wait_begin(struct ha_wait *w, int coid)
{
	w->wait_ms = ha__wait_ms(coid);
	w->start_ns = now_ns();
}

/* Milliseconds left of the budget: -1 unlimited, else >= 0. */
static int wait_left(const struct ha_wait *w)
{
	uint64_t spent;

	if (w->wait_ms < 0)
		return -1;
	spent = (now_ns() - w->start_ns) / 1000000u;
	return spent >= (uint64_t)w->wait_ms ? 0 : w->wait_ms - (int)spent;
}

int ha__server_gone(int neg_errno)
{
	return neg_errno == -ENOENT || neg_errno == -ESRCH ||
	       neg_errno == -EBADF || neg_errno == -ENXIO;
}

int ha__wait_more(const struct ha_wait *w)
{
	return w->wait_ms != 0 && wait_left(w) != 0;
}

int ha__path_wait(const struct ha_wait *w, const char *path)
{
	int e = errno, left = wait_left(w), rc;

	if (w->wait_ms > 0 && left == 0)
		return -ETIMEDOUT;
	rc = nto_path_wait(path, left);
	if (rc == 0) {
		errno = e;
		return 0;
	}
	rc = errno;
	errno = e;
	if (rc != ETIMEDOUT)
		return 0; /* not a pathname-space path (EINVAL), no ipcd: let
			   * the open itself report */
	/* not registered; a host file opened through ha_open is fine */
	if (access(path, F_OK) == 0)
		return 0;
	return w->wait_ms == 0 ? -ENOENT : -ETIMEDOUT;
}

/* The hook is process-wide: libnto has one send implementation, and this
 * is the one library that recovers. */
__attribute__((constructor)) static void ha_init(void)
{
	const char *d = getenv("NTOSIM_HA_DEBUG");

	ha__debug = d && *d && *d != '0';
	nto_set_send_recover(send_recover_hook);
}

__attribute__((destructor)) static void ha_fini(void)
{
	nto_set_send_recover(NULL);
}
