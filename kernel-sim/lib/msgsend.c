/*
 * The client half of the message path: all eight MsgSend variants and
 * their _r forms over one implementation (nto__msgsendv), plus the send
 * failure hook libha uses. See docs/protocol.md section 4 for the slot
 * state machine this follows.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static _Atomic(nto_send_recover_fn) send_recover;
static __thread int thread_prio = NTO_DEFAULT_PRIO;

NTO_EXPORT void nto_set_send_recover(nto_send_recover_fn fn)
{
	atomic_store(&send_recover, fn);
}

/* ---- request identity (libha's exactly-once policy) ---- */
static _Atomic(nto_send_ident_fn) send_ident;

NTO_EXPORT void nto_set_send_ident(nto_send_ident_fn fn)
{
	atomic_store(&send_ident, fn);
}

NTO_EXPORT int nto_coid_reqid_ok(int coid)
{
	struct nto_coid *c = nto__coid_get(coid);
	int ok;

	if (!c) {
		errno = EBADF;
		return -1;
	}
	ok = (c->conn->chflags & _NTO_CHF_NTOSIM_REQID) != 0;
	nto__coid_put(c);
	return ok;
}

NTO_EXPORT int nto_thread_priority(void)
{
	return thread_prio;
}

NTO_EXPORT int nto_set_thread_priority(int prio)
{
	if (prio < 1 || prio > 255) {
		errno = EINVAL;
		return -1;
	}
	thread_prio = prio;
	return 0;
}

void nto__doorbell_ring(struct nto_conn *conn)
{
	/* seq_cst pair with the receiver's waiters++ before its futex check:
	 * either it sees our bump or we see it waiting. Only the server can
	 * write the waiter count, so no client can make us skip this wake. */
	if (conn->tindex < NTO_CHAN_CONNS)
		nto_mask_set64(&conn->doorbell->ready[conn->tindex / 64],
			       1ull << (conn->tindex % 64));
	atomic_fetch_add(&conn->doorbell->seq, 1);
	if (atomic_load(&conn->wait->waiters) > 0)
		nto__futex_wake(&conn->doorbell->seq, 1);
}

static int iov_total(const iov_t *iov, int parts, size_t *total)
{
	size_t t = 0;
	int i;

	if (parts < 0)
		return -EINVAL;
	if (parts > 0 && !iov)
		return -EFAULT;
	for (i = 0; i < parts; i++) {
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EFAULT;
		t += iov[i].iov_len;
		if (t > NTO_MSG_MAX)
			return -EOVERFLOW;
	}
	*total = t;
	return 0;
}

struct send_ctx {
	uint64_t send_deadline; /* 0: none */
	uint64_t reply_deadline;
	int has_send_to, has_reply_to;
	int received; /* the server had taken the message */
	int hard;     /* NTO__TIMEOUT_HARD: leave even an UNBLOCK channel */
	int has_id;   /* id goes into the slot (the identity hook said so) */
	struct nto_reqid id;
	const struct nto__send_opts *o; /* netctl.c's extras, or NULL */
};

/* Take one slot: a FREE one, or one we abandoned that the server has since
 * finished (DONE, nobody else will consume it). */
static int slot_take(struct nto_conn *conn)
{
	uint32_t ab = atomic_load(&conn->abandoned);
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		_Atomic uint32_t *st = &conn->region->slot[i].state;
		uint32_t expect = NTO_SLOT_FREE;

		if (atomic_compare_exchange_strong(st, &expect,
						   NTO_SLOT_CLAIMED))
			return (int)i;
		expect = NTO_SLOT_DONE;
		if ((ab & (1u << i)) &&
		    atomic_compare_exchange_strong(st, &expect,
						   NTO_SLOT_CLAIMED)) {
			atomic_fetch_and(&conn->abandoned, ~(1u << i));
			return (int)i;
		}
	}
	return -EAGAIN;
}

/* Claim a slot; while all are busy the thread is SEND-blocked as far as
 * QNX is concerned: its send timeout and signals end the wait. */
static int slot_claim(struct nto_conn *conn, struct nto_coid *c,
		      uint32_t my_gen, const struct send_ctx *ctx)
{
	for (;;) {
		uint32_t seq = atomic_load(&conn->slot_free_seq);
		struct timespec ts;
		int i = slot_take(conn), w;

		if (i >= 0)
			return i;
		if (atomic_load(&c->detach_seq) != my_gen)
			return -EBADF;
		if (atomic_load(&conn->region->hdr.dead) ==
		    NTO_CONN_SERVER_GONE)
			return -EBADF;
		if (ctx->has_send_to && nto__now_ns() >= ctx->send_deadline)
			return -ETIMEDOUT;
		if (!nto__ipcd_alive())
			return -ESRCH;
		if (ctx->o && ctx->o->call) { /* netctl.c: cancellable */
			nto__call_waiting(ctx->o, &conn->slot_free_seq);
			if (nto__call_cancelled(ctx->o))
				return -EINTR;
		}
		atomic_fetch_add(&conn->slot_waiters, 1);
		nto__poll_until(ctx->has_send_to ? ctx->send_deadline : 0, &ts);
		w = nto__futex_wait(&conn->slot_free_seq, seq, &ts);
		atomic_fetch_sub(&conn->slot_waiters, 1);
		if (w == -EINTR)
			return -EINTR;
	}
}

static void slot_release(struct nto_conn *conn, struct nto_slot *s)
{
	atomic_store(&s->state, NTO_SLOT_FREE);
	if (atomic_load(&conn->slot_waiters) > 0) {
		atomic_fetch_add(&conn->slot_free_seq, 1);
		nto__futex_wake(&conn->slot_free_seq, 1);
	}
}

/* Make the slot's extent hold `need` bytes. Old bulk extents are returned
 * to the kernel (MADV_REMOVE frees shmem pages). */
static int slot_extent(struct nto_conn *conn, unsigned i, uint64_t need)
{
	uint64_t size = 65536, off;

	if (need <= conn->ext_cap[i])
		return 0;
	while (size < need)
		size <<= 1;
	pthread_mutex_lock(&conn->lock);
	off = conn->bump;
	if (off + size > NTO_CONN_SIZE) {
		pthread_mutex_unlock(&conn->lock);
		return -ENOMEM;
	}
	conn->bump = off + size;
	pthread_mutex_unlock(&conn->lock);
	if (conn->ext_off[i] >= NTO_CONN_BULK)
		madvise((char *)conn->region + conn->ext_off[i],
			conn->ext_cap[i], MADV_REMOVE);
	conn->ext_off[i] = off;
	conn->ext_cap[i] = size;
	return 0;
}

static void post_unblock_pulse(struct nto_conn *conn, unsigned slot)
{
	struct nto_conn_region *r = conn->region;

	if (nto_pulse_post(r->pulse, NTO_CONN_PULSES, &r->hdr.pulsemask,
			   r->slot[slot].priority, _PULSE_CODE_UNBLOCK,
			   (int32_t)(((slot + 1) << 16) |
				     ((unsigned)conn->scoid & 0xffffu)),
			   0, conn->scoid, nto__now_ns()) < 0)
		return; /* no room: the server still sees _NTO_MI_UNBLOCK_REQ */
	nto__doorbell_ring(conn);
}

/* Why a sender leaves its wait early. */
struct leave {
	int err;     /* errno to leave with */
	int force;   /* the server is gone or broke the protocol: leave from
			any state, nobody honest will answer */
	uint32_t st; /* out: the state the slot was left in */
};

static void slot_freed(struct nto_conn *conn)
{
	if (atomic_load(&conn->slot_waiters) > 0) {
		atomic_fetch_add(&conn->slot_free_seq, 1);
		nto__futex_wake(&conn->slot_free_seq, 1);
	}
}

/* Leave the wait early (timeout, signal, detach, server gone) as QNX does:
 * a SEND-blocked sender always can; a REPLY-blocked one only without
 * _NTO_CHF_UNBLOCK, else the server gets an UNBLOCK pulse and we wait on.
 * The slot state is server-writable: a state no honest party would leave
 * there counts as the server breaking the protocol, and we leave. Returns
 * the error to leave with, or 0 to keep waiting. */
static int try_leave(struct nto_conn *conn, unsigned i, struct leave *lv,
		     int *unblocked)
{
	struct nto_slot *s = &conn->region->slot[i];
	uint32_t st = atomic_load(&s->state);

	lv->st = st;
	switch (st) {
	case NTO_SLOT_SEND:
		if (!atomic_compare_exchange_strong(&s->state, &st,
						    NTO_SLOT_FREE))
			return 0; /* taken meanwhile: look again */
		slot_freed(conn);
		return lv->err;
	case NTO_SLOT_DONE:
		return 0; /* the answer is there: take it */
	case NTO_SLOT_RECEIVED:
		if ((conn->chflags & _NTO_CHF_UNBLOCK) && !lv->force) {
			if (!*unblocked) {
				atomic_fetch_or(&s->flags,
						NTO_SLOTF_UNBLOCK_REQ);
				post_unblock_pulse(conn, i);
				*unblocked = 1;
			}
			return 0;
		}
		/* the server frees it when it replies */
		return atomic_compare_exchange_strong(&s->state, &st,
						      NTO_SLOT_ABANDONED)
			       ? lv->err
			       : 0;
	case NTO_SLOT_REPLYING:
	case NTO_SLOT_KERNEL:
		if (!lv->force)
			return 0; /* the answer is imminent */
		break;
	default: /* FREE, CLAIMED, ABANDONED or garbage: scribbled */
		break;
	}
	/* Nobody will hand this slot back: if it ever ends DONE, our next
	 * claim takes it (slot_take). */
	atomic_fetch_or(&conn->abandoned, 1u << i);
	return lv->err;
}

/* Wait for the slot to reach DONE, or leave early. Every wait is bounded
 * by one poll interval, after which the conditions are looked at again:
 * the caller's deadlines, ConnectDetach, the connection's dead flag (the
 * server is gone whatever its slot says) and ipcd's liveness. Returns 0
 * at DONE, or -errno having left the slot. */
static int wait_result(struct nto_conn *conn, struct nto_coid *c,
		       uint32_t my_gen, unsigned i, struct send_ctx *ctx)
{
	struct nto_slot *s = &conn->region->slot[i];
	uint64_t stuck_since = 0; /* REPLYING past our reason to leave */
	int unblocked = 0, first = 1;
	struct leave lv;

	for (;;) {
		struct timespec ts;
		uint64_t dl = 0, now;
		uint32_t st;
		int w, has_dl;

		memset(&lv, 0, sizeof(lv));
		st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st == NTO_SLOT_DONE)
			return 0;
		if (st == NTO_SLOT_SEND) {
			has_dl = ctx->has_send_to;
			dl = ctx->send_deadline;
		} else {
			has_dl = ctx->has_reply_to && (!unblocked || ctx->hard);
			dl = ctx->reply_deadline;
		}
		/* the clock only when a deadline needs it: not on the hot path
		 */
		now = has_dl ? nto__now_ns() : 0;
		if (atomic_load(&conn->region->hdr.dead) ==
		    NTO_CONN_SERVER_GONE) {
			/* a death sweep ran before our post (the send never
			 * reached a channel: EBADF), or the server scribbled
			 * the slot after it swept */
			lv.err = first && st == NTO_SLOT_SEND ? EBADF : ESRCH;
			lv.force = st != NTO_SLOT_KERNEL;
		} else if (atomic_load(&c->detach_seq) != my_gen) {
			lv.err = EBADF;
		} else if (has_dl && now >= dl) {
			lv.err = ETIMEDOUT; /* dl 0 is an immediate timeout */
			lv.force =
				ctx->hard; /* leave even an UNBLOCK channel */
		} else if (ctx->o && ctx->o->call &&
			   nto__call_cancelled(ctx->o)) {
			lv.err = EINTR; /* nto_netmgr_cancel: as a signal */
		}
		if (lv.err) {
			if (!now)
				now = nto__now_ns();
			/* an honest REPLYING ends in microseconds; a server
			 * stuck in it past a poll interval is not answering */
			if (st == NTO_SLOT_REPLYING && !stuck_since)
				stuck_since = now;
			if (stuck_since && now - stuck_since >= nto__poll_ns())
				lv.force = 1;
			if (try_leave(conn, i, &lv, &unblocked))
				goto left;
			if (lv.st != st)
				continue; /* it moved: look again */
		}
		first = 0;
		if (ctx->o && ctx->o->call) /* a cancel wakes this word */
			nto__call_waiting(ctx->o, &s->state);
		if (nto__spin_while(&s->state, st))
			continue;
		atomic_store(&s->sleeping, 1);
		nto__poll_until(has_dl && !lv.err ? dl : 0, &ts);
		w = nto__futex_wait(&s->state, st, &ts);
		atomic_store(&s->sleeping, 0);
		if (w == -EINTR) {
			lv.err = EINTR;
			lv.force = 0;
			if (try_leave(conn, i, &lv, &unblocked))
				goto left;
		} else if (w == -ETIMEDOUT && !nto__ipcd_alive()) {
			/* the kernel is gone: nothing will ever answer, not
			 * even on an UNBLOCK channel */
			lv.err = ESRCH;
			lv.force = 1;
			if (try_leave(conn, i, &lv, &unblocked))
				goto left;
		}
	}
left:
	/* anything but a withdrawn SEND may have reached the server: libha's
	 * at-most-once policy must not re-send it */
	ctx->received = lv.st != NTO_SLOT_SEND;
	return -lv.err;
}

/* One attempt: post on the coid's connection and wait for the result. */
static int send_once(int coid, const iov_t *siov, int sparts, size_t sbytes,
		     const iov_t *riov, int rparts, size_t rbytes,
		     struct send_ctx *ctx, int *status)
{
	struct nto_coid *c = nto__coid_get(coid);
	struct nto_conn *conn;
	struct nto_slot *s;
	uint32_t my_gen;
	uint64_t rbase, off;
	int rc, idx;
	unsigned i;

	ctx->received = 0;
	if (!c)
		return -EBADF;
	conn = c->conn;
	nto__conn_ref(conn);
	my_gen = atomic_load(&c->detach_seq);
	nto__coid_put(c);
	if (atomic_load(&conn->region->hdr.dead) == NTO_CONN_SERVER_GONE) {
		rc = -EBADF;
		goto out;
	}
	/* QNX: an immediate REPLY timeout with a receiver already waiting
	 * fails at once, without delivering the message */
	if (ctx->has_reply_to && ctx->reply_deadline == 0 &&
	    !(conn->chflags & _NTO_CHF_UNBLOCK) &&
	    atomic_load(&conn->wait->waiters) > 0) {
		rc = -ETIMEDOUT;
		goto out;
	}
	idx = slot_claim(conn, c, my_gen, ctx);
	if (idx < 0) {
		rc = idx;
		goto out;
	}
	i = (unsigned)idx;
	s = &conn->region->slot[i];
	rbase = (sbytes + 63) & ~(uint64_t)63;
	rc = slot_extent(conn, i, rbase + rbytes);
	if (rc < 0) {
		slot_release(conn, s);
		goto out;
	}
	off = conn->ext_off[i];
	nto__iov_gather((char *)conn->region + off, siov, sparts, sbytes);
	s->coid = coid;
	s->tid = ctx->o && ctx->o->tid ? ctx->o->tid : nto__tid();
	s->priority = ctx->o && ctx->o->prio ? ctx->o->prio : thread_prio;
	s->sbytes = (int32_t)sbytes;
	s->rbytes = (int32_t)rbytes;
	s->ext_off = (uint32_t)off; /* < NTO_CONN_SIZE */
	s->ext_cap = (uint32_t)conn->ext_cap[i];
	s->rbase = (uint32_t)rbase;
	s->req_set = (uint32_t)ctx->has_id; /* the rest is read only if 1 */
	if (ctx->has_id) {
		s->req_client = ctx->id.client;
		s->req_seq = ctx->id.seq;
		s->req_done = ctx->id.done;
	}
	/* relaxed: the post's seq_cst store of SEND publishes the slot */
	atomic_store_explicit(&s->flags, ctx->o ? ctx->o->slot_flags : 0,
			      memory_order_relaxed);
repost:
	s->status = 0;
	s->err = 0;
	s->reply_len = 0;
	s->ticket = nto__now_ns();
	atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
	nto_slot_post(conn->region, i);
	nto__doorbell_ring(conn);
	NTO_FAULT(NTO_FP_SEND_QUEUED, s);
	rc = wait_result(conn, c, my_gen, i, ctx);
	if (rc < 0)
		goto out;
	ctx->received = (atomic_load(&s->flags) & NTO_SLOTF_RECEIVED) != 0;
	if (s->err == ERESTART) {
		/* the server asked for the send to be issued again */
		atomic_store(&s->state, NTO_SLOT_CLAIMED);
		atomic_store(&s->flags, ctx->o ? ctx->o->slot_flags : 0);
		goto repost;
	}
	if (s->err) {
		rc = -s->err;
	} else {
		int32_t rl = s->reply_len;
		size_t n = rl < 0 ? 0 : (size_t)rl;

		if (n > rbytes)
			n = rbytes; /* never trust the peer's length */
		if (atomic_load(&s->flags) & NTO_SLOTF_REPLY_INPLACE)
			rbase = 0; /* the server replied over the message */
		nto__iov_scatter(riov, rparts,
				 (char *)conn->region + off + rbase, n);
		if (ctx->o && ctx->o->reply_len)
			*ctx->o->reply_len = n;
		*status = s->status;
		rc = 0;
	}
	slot_release(conn, s);
out:
	nto__conn_unref(conn);
	return rc;
}

int nto__msgsendv_st(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		     int rparts, int *status)
{
	return nto__msgsendv_opts(coid, siov, sparts, riov, rparts, NULL,
				  status);
}

int nto__msgsendv_opts(int coid, const iov_t *siov, int sparts,
		       const iov_t *riov, int rparts,
		       const struct nto__send_opts *o, int *status)
{
	struct send_ctx ctx = {.o = o};
	nto_send_ident_fn idfn;
	size_t sbytes, rbytes;
	int rc;

	rc = iov_total(siov, sparts, &sbytes);
	if (rc == 0)
		rc = iov_total(riov, rparts, &rbytes);
	if (rc < 0)
		goto out;
	ctx.has_send_to =
		nto__timeout_take(_NTO_TIMEOUT_SEND, &ctx.send_deadline);
	ctx.has_reply_to =
		nto__timeout_take(_NTO_TIMEOUT_REPLY, &ctx.reply_deadline);
	ctx.hard = ctx.has_reply_to &&
		   nto__timeout_take(NTO__TIMEOUT_HARD, &ctx.reply_deadline);
	nto__timeout_clear();
	/* a proxied send carries its remote client's identity, never ours */
	idfn = o && o->call ? NULL
			    : atomic_load_explicit(&send_ident,
						   memory_order_relaxed);
	if (idfn)
		ctx.has_id = idfn(coid, 0, &ctx.id) == 1;
	else if (o && o->id) {
		ctx.has_id = 1;
		ctx.id = *o->id;
	}
	for (;;) {
		nto_send_recover_fn fn;
		int r;

		rc = send_once(coid, siov, sparts, sbytes, riov, rparts, rbytes,
			       &ctx, status);
		if (rc != -EBADF && rc != -ESRCH)
			break;
		fn = atomic_load(&send_recover);
		if (!fn)
			break;
		r = fn(coid, -rc, ctx.received);
		if (r == 1)
			continue; /* recovered: the same coid, send again */
		if (r > 1)
			rc = -r;
		break;
	}
	if (ctx.has_id && idfn)
		idfn(coid, 1, &ctx.id);
	if (o && o->received)
		*o->received = ctx.received;
out:
	nto__timeout_clear();
	return rc;
}

int nto__msgsendv(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		  int rparts)
{
	int status = 0,
	    rc = nto__msgsendv_st(coid, siov, sparts, riov, rparts, &status);

	return rc < 0 ? rc : status;
}

/* Public sends: the server's status comes back as is, even if negative
 * (QNX passes MsgReply's status through untouched); only failures of the
 * call itself set errno (plain forms) or return -errno (_r forms). */
static int send_r(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		  int rparts)
{
	int status = 0,
	    rc = nto__msgsendv_st(coid, siov, sparts, riov, rparts, &status);

	return rc < 0 ? rc : status;
}

static int send_plain(int coid, const iov_t *siov, int sparts,
		      const iov_t *riov, int rparts)
{
	int saved = errno, status = 0,
	    rc = nto__msgsendv_st(coid, siov, sparts, riov, rparts, &status);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved; /* QNX: a status, even a negative one, leaves errno */
	return status;
}

#define ONE_IOV(_name, _buf, _len) \
	iov_t _name = {(void *)(_buf), (size_t)((_len) < 0 ? 0 : (_len))}

/* The eight variants differ only in buffer shape (and cancellation,
 * which ntosim does not model). Single buffers become one-element iovs. */
#define SS(_f, coid, smsg, sbytes, rmsg, rbytes)                              \
	do {                                                                  \
		if ((sbytes) < 0 || (rbytes) < 0)                             \
			return _f == send_r ? -EINVAL : (errno = EINVAL, -1); \
		ONE_IOV(si, smsg, sbytes);                                    \
		ONE_IOV(ri, rmsg, rbytes);                                    \
		return _f(coid, &si, 1, &ri, 1);                              \
	} while (0)
#define SV(_f, coid, smsg, sbytes, riov, rparts)                              \
	do {                                                                  \
		if ((sbytes) < 0)                                             \
			return _f == send_r ? -EINVAL : (errno = EINVAL, -1); \
		ONE_IOV(si, smsg, sbytes);                                    \
		return _f(coid, &si, 1, riov, rparts);                        \
	} while (0)
#define VS(_f, coid, siov, sparts, rmsg, rbytes)                              \
	do {                                                                  \
		if ((rbytes) < 0)                                             \
			return _f == send_r ? -EINVAL : (errno = EINVAL, -1); \
		ONE_IOV(ri, rmsg, rbytes);                                    \
		return _f(coid, siov, sparts, &ri, 1);                        \
	} while (0)

#define DEFINE_SS(name, f)                                          \
	NTO_EXPORT int name(int coid, const void *smsg, int sbytes, \
			    void *rmsg, int rbytes)                 \
	{                                                           \
		SS(f, coid, smsg, sbytes, rmsg, rbytes);            \
	}
#define DEFINE_VV(name, f)                                           \
	NTO_EXPORT int name(int coid, const iov_t *siov, int sparts, \
			    const iov_t *riov, int rparts)           \
	{                                                            \
		return f(coid, siov, sparts, riov, rparts);          \
	}
#define DEFINE_SV(name, f)                                          \
	NTO_EXPORT int name(int coid, const void *smsg, int sbytes, \
			    const iov_t *riov, int rparts)          \
	{                                                           \
		SV(f, coid, smsg, sbytes, riov, rparts);            \
	}
#define DEFINE_VS(name, f)                                           \
	NTO_EXPORT int name(int coid, const iov_t *siov, int sparts, \
			    void *rmsg, int rbytes)                  \
	{                                                            \
		VS(f, coid, siov, sparts, rmsg, rbytes);             \
	}

DEFINE_SS(MsgSend_r, send_r)
DEFINE_SS(MsgSendnc_r, send_r)
DEFINE_SS(MsgSend, send_plain)
DEFINE_SS(MsgSendnc, send_plain)
DEFINE_VV(MsgSendv_r, send_r)
DEFINE_VV(MsgSendvnc_r, send_r)
DEFINE_VV(MsgSendv, send_plain)
DEFINE_VV(MsgSendvnc, send_plain)
DEFINE_SV(MsgSendsv_r, send_r)
DEFINE_SV(MsgSendsvnc_r, send_r)
DEFINE_SV(MsgSendsv, send_plain)
DEFINE_SV(MsgSendsvnc, send_plain)
DEFINE_VS(MsgSendvs_r, send_r)
DEFINE_VS(MsgSendvsnc_r, send_r)
DEFINE_VS(MsgSendvs, send_plain)
DEFINE_VS(MsgSendvsnc, send_plain)
