/*
 * The server half of the message path: MsgReceive*, MsgReply*, MsgError,
 * MsgRead*, MsgWrite*, MsgInfo. Everything read from a connection region is
 * client-written and checked against one snapshot before use.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "internal.h"
#include "proto/netmgr.h"

enum cand_kind { CAND_NONE, CAND_KPULSE, CAND_PULSE, CAND_SLOT };

struct cand {
	unsigned n; /* items offered (all ready ones the scan saw) */
	enum cand_kind kind;
	int prio;
	uint64_t ticket;
	struct nto_srv_conn *sc;
	unsigned idx;
};

static void consider(struct cand *best, enum cand_kind kind, int prio,
		     uint64_t ticket, struct nto_srv_conn *sc, unsigned idx)
{
	best->n++;
	if (best->kind != CAND_NONE &&
	    (prio < best->prio ||
	     (prio == best->prio && ticket >= best->ticket)))
		return;
	best->kind = kind;
	best->prio = prio;
	best->ticket = ticket;
	best->sc = sc;
	best->idx = idx;
}

/* Is marked slot i of sc in SEND? A slot's sendmask bit stays set while
 * its client thread keeps sending (take does not clear it, so the
 * client's next post need not write the connection header); a slot found
 * idle twice in a row loses its bit, and is looked at once more after the
 * clear, since a sender marks only after posting. seq_cst loads: the
 * other half of nto_mask_set32's check. */
static int slot_sent(struct nto_srv_conn *sc, unsigned i)
{
	struct nto_conn_region *r = sc->region;

	if (atomic_load(&r->slot[i].state) == NTO_SLOT_SEND) {
		atomic_store_explicit(&sc->idle_looks[i], 0,
				      memory_order_relaxed);
		return 1;
	}
	if (atomic_load_explicit(&sc->idle_looks[i], memory_order_relaxed) ==
	    0) {
		atomic_store_explicit(&sc->idle_looks[i], 1,
				      memory_order_relaxed);
		return 0;
	}
	atomic_store_explicit(&sc->idle_looks[i], 0, memory_order_relaxed);
	atomic_fetch_and(&r->hdr.sendmask, ~(1u << i));
	if (atomic_load(&r->slot[i].state) != NTO_SLOT_SEND)
		return 0;
	atomic_fetch_or(&r->hdr.sendmask, 1u << i); /* posted meanwhile */
	return 1;
}

/* Under the srv read lock: offer one connection's ready items to best.
 * Looks where the connection's send and pulse masks point; with `oldest`
 * (a full scan) at every slot and entry, and lowers *oldest to the oldest
 * ticket among them. Returns 1 if it had any. */
static int scan_conn(struct nto_srv_conn *sc, int pulses_only,
		     struct cand *best, uint64_t *oldest)
{
	struct nto_conn_region *r = sc->region;
	uint32_t sm = oldest ? UINT32_MAX : atomic_load(&r->hdr.sendmask);
	uint64_t pm = oldest ? UINT64_MAX : atomic_load(&r->hdr.pulsemask);
	uint64_t t;
	unsigned i;
	int any = 0;

	if (pulses_only)
		sm = 0;
	for (; sm; sm &= sm - 1) {
		i = (unsigned)__builtin_ctz(sm);
		if (i >= NTO_CONN_SLOTS || (!oldest && !slot_sent(sc, i)))
			continue;
		if (oldest && atomic_load(&r->slot[i].state) != NTO_SLOT_SEND)
			continue;
		t = r->slot[i].ticket;
		consider(best, CAND_SLOT, r->slot[i].priority, t, sc, i);
		if (oldest && t < *oldest)
			*oldest = t;
		any = 1;
	}
	for (; pm; pm &= pm - 1) {
		i = (unsigned)__builtin_ctzll(pm);
		if (i >= NTO_CONN_PULSES ||
		    atomic_load_explicit(&r->pulse[i].state,
					 memory_order_acquire) !=
			    NTO_PULSE_READY)
			continue;
		t = r->pulse[i].ticket;
		consider(best, CAND_PULSE, r->pulse[i].priority, t, sc, i);
		if (oldest && t < *oldest)
			*oldest = t;
		any = 1;
	}
	return any;
}

static int scan_index(struct nto_chan *ch, unsigned idx, int pulses_only,
		      struct cand *best, int *mapped)
{
	struct nto_srv_conn *sc;
	int any = 0, cur = 0;

	for (sc = ch->by_index[idx]; sc; sc = sc->same)
		if (nto__chan_conn_current(ch, sc)) {
			cur = 1;
			any |= scan_conn(sc, pulses_only, best, NULL);
		}
	if (mapped)
		*mapped = cur;
	return any;
}

/* An item this old that a receiver had not been told about was hidden
 * from it: an honest sender sets its ready bit and rings within
 * nanoseconds of posting. */
#define LOST_WAKE_AGE_NS 1000000ull /* 1 ms */

/* Under the srv read lock: the highest-priority, oldest ready item. The
 * doorbell's ready bits say which connections to look at; full (after a
 * sleep that ran out, or while the channel distrusts its bits) looks at
 * every connection and returns 1 if one had work its bit had not shown
 * for LOST_WAKE_AGE_NS. */
static int scan_best(struct nto_chan *ch, int pulses_only, int full,
		     struct cand *best)
{
	_Atomic uint64_t *ready = ch->db->ready;
	uint64_t oldest = UINT64_MAX;
	unsigned i, w;

	memset(best, 0, sizeof(*best));
	best->kind = CAND_NONE;
	if (atomic_load(&ch->region->hdr.kready) > 0)
		for (i = 0; i < NTO_CHAN_KPULSES; i++) {
			struct nto_pulse_ent *p = &ch->region->kpulse[i];

			if (atomic_load_explicit(&p->state,
						 memory_order_acquire) ==
			    NTO_PULSE_READY)
				consider(best, CAND_KPULSE, p->priority,
					 p->ticket, NULL, i);
		}
	for (w = 0; w < NTO_READY_WORDS; w++) {
		uint64_t bits =
			atomic_load_explicit(&ready[w], memory_order_acquire);

		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			unsigned idx = w * 64 + b;
			int mapped;

			bits &= bits - 1;
			/* one walk of the index's mappings: work, and whether
			 * any mapping is the entry's current connection */
			if (scan_index(ch, idx, pulses_only, best, &mapped)) {
				atomic_store_explicit(&ch->empty_looks[idx], 0,
						      memory_order_relaxed);
				continue;
			}
			/* a connection's first work: not mapped yet, so keep
			 * the bit and have chan_sync map it */
			if (!mapped && nto__chan_entry_live(ch, idx)) {
				atomic_store(&ch->need_map, 1);
				continue;
			}
			/* empty once: keep the bit (the client is likely
			 * between two messages, and its next post then leaves
			 * the ready word alone) */
			if (atomic_load_explicit(&ch->empty_looks[idx],
						 memory_order_relaxed) == 0) {
				atomic_store_explicit(&ch->empty_looks[idx], 1,
						      memory_order_relaxed);
				continue;
			}
			/* empty twice: clear, then look once more, since a
			 * sender sets the bit only after posting */
			atomic_store_explicit(&ch->empty_looks[idx], 0,
					      memory_order_relaxed);
			atomic_fetch_and(&ready[w], ~(1ull << b));
			if (scan_index(ch, idx, pulses_only, best, NULL))
				atomic_fetch_or(&ready[w], 1ull << b);
		}
	}
	if (!full)
		return 0;
	for (i = 0; i < ch->nact; i++) {
		struct nto_srv_conn *sc = ch->act[i];
		unsigned idx = sc->index;

		if (idx < NTO_CHAN_CONNS &&
		    (atomic_load(&ready[idx / 64]) & (1ull << (idx % 64))))
			continue; /* looked at above */
		if (nto__chan_conn_current(ch, sc))
			scan_conn(sc, pulses_only, best, &oldest);
	}
	return oldest != UINT64_MAX &&
	       nto__now_ns() - oldest > LOST_WAKE_AGE_NS;
}

static size_t iov_len(const iov_t *iov, int parts)
{
	size_t t = 0;
	int i;

	for (i = 0; i < parts; i++)
		t += iov[i].iov_len;
	return t;
}

/* Take a pulse entry (READY -> TAKEN -> FREE); -EAGAIN if we lost it. */
static int take_pulse(struct nto_pulse_ent *p, struct _pulse *out)
{
	uint32_t expect = NTO_PULSE_READY;

	if (!atomic_compare_exchange_strong(&p->state, &expect,
					    NTO_PULSE_TAKEN))
		return -EAGAIN;
	memset(out, 0, sizeof(*out));
	out->type = _PULSE_TYPE;
	out->subtype = _PULSE_SUBTYPE;
	out->code = (int8_t)p->code;
	out->value.sival_ptr =
		(void *)(uintptr_t)(((uint64_t)p->value_hi << 32) |
				    (uint32_t)p->value);
	out->scoid = p->scoid;
	atomic_store(&p->state, NTO_PULSE_FREE);
	return 0;
}

/* A pulse from a client's table is client-written. The kernel's codes
 * cannot come from there, except the UNBLOCK libnto posts for a sender
 * that wants out: valid only for a message of this connection that we
 * hold (RECEIVED, not yet answered) and whose sender asked. An UNBLOCK
 * whose message was answered meanwhile is dropped, as QNX removes it. */
static int client_pulse_ok(struct nto_srv_conn *sc, const struct _pulse *p)
{
	unsigned v = (unsigned)p->value.sival_int, sl = v >> 16;
	const struct nto_slot *s;

	if (!nto__kernel_pulse_code(p->code))
		return 1;
	if (p->code != _PULSE_CODE_UNBLOCK ||
	    (v & 0xffffu) != ((unsigned)sc->scoid & 0xffffu) || sl == 0 ||
	    sl > NTO_CONN_SLOTS)
		return 0;
	s = &sc->region->slot[sl - 1];
	return atomic_load(&((struct nto_slot *)s)->state) ==
		       NTO_SLOT_RECEIVED &&
	       (atomic_load(&((struct nto_slot *)s)->flags) &
		NTO_SLOTF_UNBLOCK_REQ);
}

static int valid_snap(const struct nto_rcv_snap *sn)
{
	if (sn->sbytes < 0 || sn->sbytes > NTO_MSG_MAX || sn->rbytes < 0 ||
	    sn->rbytes > NTO_MSG_MAX)
		return 0;
	if (sn->off < NTO_CONN_DATA || sn->cap > NTO_CONN_SIZE ||
	    sn->off > NTO_CONN_SIZE - sn->cap)
		return 0;
	if (sn->rbase < (uint64_t)sn->sbytes || sn->rbase > sn->cap ||
	    (uint64_t)sn->rbytes > sn->cap - sn->rbase)
		return 0;
	return 1;
}

static void fill_info(struct _msg_info *info, struct nto_srv_conn *sc,
		      const struct nto_slot *s, const struct nto_rcv_snap *sn,
		      size_t msglen)
{
	memset(info, 0, sizeof(*info));
	info->nd = sc->nd;
	info->srcnd = sc->srcnd;
	info->pid = sc->client_pid;
	info->tid = s->tid;
	info->chid = sc->chan->chid;
	info->scoid = sc->scoid;
	info->coid = s->coid;
	info->msglen = (int32_t)msglen;
	info->srcmsglen = sn->sbytes;
	info->dstmsglen = sn->rbytes;
	info->priority = (int16_t)s->priority;
	if (atomic_load(&((struct nto_slot *)s)->flags) & NTO_SLOTF_UNBLOCK_REQ)
		info->flags |= _NTO_MI_UNBLOCK_REQ;
}

static void slot_finish(struct nto_slot *s)
{
	atomic_store(&s->state, NTO_SLOT_DONE);
	if (atomic_load(&s->sleeping))
		nto__futex_wake(&s->state, 1);
}

/* Claim the candidate. Returns rcvid (> 0), 0 for a pulse, -EAGAIN to
 * rescan, or -errno. Under the srv read lock. */
static int take(struct nto_chan *ch, struct cand *c, const iov_t *iov,
		int parts, size_t bufsize, struct _msg_info *info)
{
	struct nto_srv_conn *sc = c->sc;
	struct _pulse pulse;
	struct nto_rcv_snap sn;
	struct nto_slot *s;
	uint32_t expect;
	size_t n;
	int rc;

	if (c->kind != CAND_SLOT) {
		if (bufsize < sizeof(pulse))
			return -EFAULT;
		if (c->kind == CAND_KPULSE) {
			rc = take_pulse(&ch->region->kpulse[c->idx], &pulse);
			if (rc == 0)
				atomic_fetch_sub(&ch->region->hdr.kready, 1);
		} else {
			/* unmark first: once claimed, the entry may be
			 * posted (and marked) again at any moment */
			atomic_fetch_and(&sc->region->hdr.pulsemask,
					 ~(1ull << c->idx));
			rc = take_pulse(&sc->region->pulse[c->idx], &pulse);
			if (rc == 0) {
				pulse.scoid =
					sc->scoid; /* never trust the peer's */
				if (!client_pulse_ok(sc, &pulse))
					return -EAGAIN; /* dropped */
			}
		}
		if (rc < 0)
			return rc;
		nto__iov_scatter(iov, parts, (const char *)&pulse,
				 sizeof(pulse));
		if (info)
			memset(info, 0, sizeof(*info));
		return 0;
	}
	s = &sc->region->slot[c->idx];
	expect = NTO_SLOT_SEND;
	/* the slot's sendmask bit stays: slot_sent clears idle ones */
	if (!atomic_compare_exchange_strong(&s->state, &expect,
					    NTO_SLOT_RECEIVED))
		return -EAGAIN;
	sn.off = s->ext_off;
	sn.cap = s->ext_cap;
	sn.rbase = s->rbase;
	sn.sbytes = s->sbytes;
	sn.rbytes = s->rbytes;
	if (!valid_snap(&sn)) {
		/* a malformed slot: fail that client's send, keep serving */
		expect = NTO_SLOT_RECEIVED;
		if (atomic_compare_exchange_strong(&s->state, &expect,
						   NTO_SLOT_REPLYING)) {
			s->status = -1;
			s->err = EFAULT;
			s->reply_len = 0;
			slot_finish(s);
		}
		return -EAGAIN;
	}
	atomic_fetch_or(&s->flags, NTO_SLOTF_RECEIVED);
	sc->snap[c->idx] = sn;
	atomic_fetch_add(&sc->outstanding, 1);
	n = (size_t)sn.sbytes < bufsize ? (size_t)sn.sbytes : bufsize;
	nto__iov_scatter(iov, parts, (const char *)sc->region + sn.off, n);
	if (info)
		fill_info(info, sc, s, &sn, n);
	return (int)(((c->idx + 1) << 16) | ((unsigned)sc->scoid & 0xffffu));
}

/* A sleep ran out and old work was waiting (a wake was lost), or a full
 * scan found old work whose ready bit was clear. With honest peers neither can
 * happen (see the doorbell in proto/shm.h); a live client that keeps
 * rewriting the doorbell can cause both. Bound the damage: for a while this
 * channel scans every connection and sleeps in short slices. */
#define LOST_WAKE_POLL_NS 1000000ull	 /* 1 ms */
#define LOST_WAKE_HOLD_NS 10000000000ull /* 10 s */

static void lost_wake(struct nto_chan *ch)
{
	uint64_t now = nto__now_ns();

	if (now >= atomic_load(&ch->short_sleep_until))
		nto__log("chid %d: a receiver missed a message; scanning "
			 "every connection and sleeping in 1 ms slices for "
			 "10 s (a client may be rewriting the doorbell)",
			 ch->chid);
	atomic_store(&ch->short_sleep_until, now + LOST_WAKE_HOLD_NS);
}

/* What this thread's last scan of a channel left behind: at doorbell
 * value `seq` it saw nothing, or only the item it took. Every post bumps
 * seq after it is visible, so while seq still reads the same there is
 * nothing new and the next MsgReceive spins at once instead of looking
 * again (a look reads the slot lines the client is about to write: one
 * cache-line transfer per message fewer). Full scans ignore it. */
static __thread struct {
	uint64_t chan; /* the channel's serial: a pointer may be reused */
	uint32_t seq;
} quiet;

static int receive(int chid, const iov_t *iov, int parts,
		   struct _msg_info *info, int pulses_only)
{
	uint64_t deadline = 0;
	int has_dl, rc, rslot, slept_out = 0;
	struct nto_slot *taken = NULL;
	struct nto_chan *ch;
	size_t bufsize;

	has_dl = nto__timeout_take(_NTO_TIMEOUT_RECEIVE, &deadline);
	nto__timeout_clear();
	if (parts < 0 || (parts > 0 && !iov))
		return -EFAULT;
	bufsize = iov_len(iov, parts);
	nto__srv_rdlock();
	ch = nto__chan_find(chid);
	nto__srv_unlock();
	if (!ch)
		return -ESRCH;
	rslot = nto__rcvr_enter(ch);
	for (;;) {
		struct timespec ts;
		struct cand best = {0};
		uint64_t bound;
		uint32_t seq;
		int w, full, unmapped;

		if (atomic_load(&ch->dead)) {
			rc = -ESRCH;
			break;
		}
		seq = atomic_load(&ch->db->seq);
		/* the clock only when a lost wake was seen: not per message */
		full = slept_out ||
		       (atomic_load(&ch->short_sleep_until) &&
			nto__now_ns() < atomic_load(&ch->short_sleep_until));
		unmapped = nto__chan_sync(ch, full);
		if (!full && !pulses_only && quiet.chan == ch->serial &&
		    quiet.seq == seq && !atomic_load(&ch->need_map))
			goto wait; /* nothing posted since that scan */
		nto__srv_rdlock();
		if (nto__chan_find(chid) != ch) {
			nto__srv_unlock();
			rc = -ESRCH;
			break;
		}
		if (scan_best(ch, pulses_only, full, &best) && !slept_out)
			lost_wake(ch); /* a hidden ready bit */
		/* a connection's first message: map it and look again before
		 * taking anything (it may be the most urgent); one that cannot
		 * be mapped waits for the next pass */
		if (unmapped == 0 && atomic_load(&ch->need_map)) {
			nto__srv_unlock();
			continue;
		}
		rc = best.kind == CAND_NONE
			     ? -EAGAIN
			     : take(ch, &best, iov, parts, bufsize, info);
		if (rc > 0)
			taken = &best.sc->region->slot[best.idx];
		nto__srv_unlock();
		quiet.chan = 0;
		if (!pulses_only && !full &&
		    (best.n == 0 || (best.n == 1 && rc >= 0))) {
			quiet.chan = ch->serial;
			quiet.seq = seq;
		}
		if (best.kind != CAND_NONE) {
			/* the sleep ran out with old work waiting: its wake
			 * was lost */
			if (slept_out &&
			    nto__now_ns() - best.ticket > LOST_WAKE_AGE_NS)
				lost_wake(ch);
			if (rc == -EAGAIN)
				continue;
			break;
		}
	wait:
		slept_out = 0;
		if (has_dl && nto__now_ns() >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		if (nto__spin_while(&ch->db->seq, seq))
			continue;
		bound = has_dl ? deadline : 0;
		if (nto__now_ns() < atomic_load(&ch->short_sleep_until)) {
			uint64_t t = nto__now_ns() + LOST_WAKE_POLL_NS;

			if (!bound || t < bound)
				bound = t;
		}
		nto__poll_until(bound, &ts);
		/* seq_cst: a sender bumps seq then reads waiters; we publish
		 * ourselves then let the kernel compare seq. The count lives
		 * in our private waiter page: no client can hide us. */
		atomic_fetch_add(&ch->wait->waiters, 1);
		w = nto__futex_wait(&ch->db->seq, seq, &ts);
		atomic_fetch_sub(&ch->wait->waiters, 1);
		if (w == -EINTR) {
			rc = -EINTR;
			break;
		}
		if (w == -ETIMEDOUT && !nto__ipcd_alive()) {
			rc = -ESRCH; /* the kernel is gone */
			break;
		}
		slept_out = w == -ETIMEDOUT;
	}
	nto__rcvr_leave(ch, rslot);
	if (rc > 0)
		NTO_FAULT(NTO_FP_RECV, taken);
	return rc;
}

NTO_EXPORT int MsgReceivev_r(int chid, const iov_t *iov, int parts,
			     struct _msg_info *info)
{
	return receive(chid, iov, parts, info, 0);
}

NTO_EXPORT int MsgReceive_r(int chid, void *msg, int bytes,
			    struct _msg_info *info)
{
	iov_t iov = {msg, bytes < 0 ? 0 : (size_t)bytes};

	if (bytes < 0)
		return -EINVAL;
	return receive(chid, &iov, 1, info, 0);
}

NTO_EXPORT int MsgReceivePulsev_r(int chid, const iov_t *iov, int parts,
				  struct _msg_info *info)
{
	return receive(chid, iov, parts, info, 1);
}

NTO_EXPORT int MsgReceivePulse_r(int chid, void *pulse, int bytes,
				 struct _msg_info *info)
{
	iov_t iov = {pulse, bytes < 0 ? 0 : (size_t)bytes};

	if (bytes < 0)
		return -EINVAL;
	return receive(chid, &iov, 1, info, 1);
}

NTO_EXPORT int MsgReceive(int chid, void *msg, int bytes,
			  struct _msg_info *info)
{
	return nto__ret_val(MsgReceive_r(chid, msg, bytes, info));
}

NTO_EXPORT int MsgReceivev(int chid, const iov_t *iov, int parts,
			   struct _msg_info *info)
{
	return nto__ret_val(MsgReceivev_r(chid, iov, parts, info));
}

NTO_EXPORT int MsgReceivePulse(int chid, void *pulse, int bytes,
			       struct _msg_info *info)
{
	return nto__ret_val(MsgReceivePulse_r(chid, pulse, bytes, info));
}

NTO_EXPORT int MsgReceivePulsev(int chid, const iov_t *iov, int parts,
				struct _msg_info *info)
{
	return nto__ret_val(MsgReceivePulsev_r(chid, iov, parts, info));
}

/* Under the srv read lock: the connection and slot an rcvid names. */
static int rcvid_lookup(int rcvid, struct nto_srv_conn **scp, unsigned *slot)
{
	unsigned sl = ((unsigned)rcvid >> 16);

	if (rcvid <= 0 || sl == 0 || sl > NTO_CONN_SLOTS)
		return -ESRCH;
	*scp = nto__srv_conn_by_scoid(rcvid & 0xffff);
	if (!*scp)
		return -ESRCH;
	*slot = sl - 1;
	return 0;
}

/* Same, for a message we hold (RECEIVED or REPLYING), else -ESRCH. */
static int held_lookup(int rcvid, struct nto_srv_conn **scp, unsigned *slot)
{
	int rc = rcvid_lookup(rcvid, scp, slot);
	uint32_t st;

	if (rc < 0)
		return rc;
	st = atomic_load(&(*scp)->region->slot[*slot].state);
	return st == NTO_SLOT_RECEIVED || st == NTO_SLOT_REPLYING ? 0 : -ESRCH;
}

/* Where MsgReply writes n bytes in a held message's extent: at the start,
 * over the message (the server is done with it: no MsgRead after
 * MsgReply), and the client sees NTO_SLOTF_REPLY_INPLACE and copies from
 * there. Then each side writes the cache lines it has just read: with two
 * areas, every line written had last been read on the other CPU and had
 * to be taken back from it (docs/bench.md, "Large messages"). Not after a
 * MsgWrite: its data is at rbase, where the reply must join it. Under the
 * srv read lock, while the message is held (RECEIVED). */
static uint64_t reply_at(struct nto_srv_conn *sc, unsigned i,
			 const struct nto_rcv_snap *sn, size_t n, int *inplace)
{
	uint32_t bit = 1u << i;

	*inplace = 0;
	if (atomic_load(&sc->wrote) & bit) {
		atomic_fetch_and(&sc->wrote, ~bit);
		return sn->rbase;
	}
	if (n == 0)
		return sn->rbase; /* nothing to place: no flag to set */
	*inplace = 1;
	return 0;
}

/* MsgReply / MsgError: finish the client's send. err 0 = reply. */
static int reply(int rcvid, int status, int err, const iov_t *iov, int parts)
{
	struct nto_srv_conn *sc;
	struct nto_rcv_snap *sn;
	struct nto_slot *s;
	uint32_t expect = NTO_SLOT_RECEIVED;
	size_t n = 0;
	unsigned i;
	int rc, inplace;

	nto__timeout_clear();
	if (parts < 0 || (parts > 0 && !iov))
		return -EFAULT;
	nto__srv_rdlock();
	rc = rcvid_lookup(rcvid, &sc, &i);
	if (rc < 0)
		goto out;
	s = &sc->region->slot[i];
	sn = &sc->snap[i];
	/* The reply's bytes go into the reply area while we still hold the
	 * message (RECEIVED), as MsgWrite's do: the slot's state, result and
	 * DONE then follow within nanoseconds, so the client, spinning on
	 * that line, gives it up once per reply instead of twice. */
	if (err == 0 && atomic_load(&s->state) == NTO_SLOT_RECEIVED) {
		n = iov_len(iov, parts);
		if (n > (size_t)sn->rbytes)
			n = (size_t)sn->rbytes; /* truncated to the client's
						   buffer */
		uint64_t at = reply_at(sc, i, sn, n, &inplace);

		nto__iov_gather((char *)sc->region + sn->off + at, iov, parts,
				n);
		/* the flag after the copy: the line the client polls is
		 * written once, with the state, not before a long copy */
		if (inplace)
			atomic_fetch_or(&s->flags, NTO_SLOTF_REPLY_INPLACE);
	}
	if (!atomic_compare_exchange_strong(&s->state, &expect,
					    NTO_SLOT_REPLYING)) {
		if (expect == NTO_SLOT_ABANDONED &&
		    atomic_compare_exchange_strong(&s->state, &expect,
						   NTO_SLOT_FREE))
			atomic_fetch_sub(&sc->outstanding, 1);
		rc = -ESRCH;
		goto out;
	}
	/* REPLYING: a kill here is a server dying mid-reply; garbage leaves
	 * a lying reply_len the client must clamp */
	NTO_FAULT(NTO_FP_REPLY_BEFORE, s);
	if (err == 0) {
		if ((int32_t)n > s->reply_len)
			s->reply_len = (int32_t)n;
		s->status = status;
		s->err = 0;
	} else {
		s->status = -1;
		s->err = err == EOK ? 0 : err;
	}
	slot_finish(s);
	atomic_fetch_sub(&sc->outstanding, 1);
	rc = 0;
out:
	nto__srv_unlock();
	if (rc == 0)
		NTO_FAULT(NTO_FP_REPLY_AFTER, NULL);
	return rc;
}

NTO_EXPORT int MsgReplyv_r(int rcvid, int status, const iov_t *iov, int parts)
{
	return reply(rcvid, status, 0, iov, parts);
}

NTO_EXPORT int MsgReply_r(int rcvid, int status, const void *msg, int bytes)
{
	iov_t iov = {(void *)msg, bytes < 0 ? 0 : (size_t)bytes};

	if (bytes < 0)
		return -EINVAL;
	return reply(rcvid, status, 0, &iov, 1);
}

NTO_EXPORT int MsgError_r(int rcvid, int error)
{
	/* MsgError(EOK) completes the send with status 0 */
	int rc = error == EOK ? reply(rcvid, 0, 0, NULL, 0)
			      : reply(rcvid, -1, error, NULL, 0);

	return rc < 0 ? -rc : EOK;
}

NTO_EXPORT int MsgReply(int rcvid, int status, const void *msg, int bytes)
{
	return nto__ret_val(MsgReply_r(rcvid, status, msg, bytes));
}

NTO_EXPORT int MsgReplyv(int rcvid, int status, const iov_t *iov, int parts)
{
	return nto__ret_val(MsgReplyv_r(rcvid, status, iov, parts));
}

NTO_EXPORT int MsgError(int rcvid, int error)
{
	return nto__ret_eok(MsgError_r(rcvid, error));
}

/* MsgRead / MsgWrite: copy at an offset while the client is REPLY-blocked. */
static int rw_at(int rcvid, const iov_t *iov, int parts, int offset, int write)
{
	struct nto_srv_conn *sc;
	struct nto_rcv_snap *sn;
	struct nto_slot *s;
	size_t n, limit;
	unsigned i;
	int rc;

	nto__timeout_clear();
	if (parts < 0 || (parts > 0 && !iov))
		return -EFAULT;
	if (offset < 0)
		return -EINVAL;
	nto__srv_rdlock();
	rc = rcvid_lookup(rcvid, &sc, &i);
	if (rc < 0)
		goto out;
	s = &sc->region->slot[i];
	sn = &sc->snap[i];
	if (write) /* before the state check: a racing MsgReply sees it */
		atomic_fetch_or(&sc->wrote, 1u << i);
	if (atomic_load(&s->state) != NTO_SLOT_RECEIVED) {
		rc = -ESRCH;
		goto out;
	}
	limit = (size_t)(write ? sn->rbytes : sn->sbytes);
	n = iov_len(iov, parts);
	if ((size_t)offset >= limit)
		n = 0;
	else if (n > limit - (size_t)offset)
		n = limit - (size_t)offset;
	if (write && __builtin_expect(nto__fault_armed, 0) && n > 1) {
		/* die, stop or scribble with half of the data copied */
		char *dst = (char *)sc->region + sn->off + sn->rbase +
			    (size_t)offset;

		nto__iov_gather(dst, iov, parts, n / 2);
		nto__fault_hit(NTO_FP_WRITE_MID, s);
		nto__iov_gather(dst, iov, parts, n);
		if ((int32_t)((size_t)offset + n) > s->reply_len)
			s->reply_len = (int32_t)((size_t)offset + n);
	} else if (write) {
		nto__iov_gather((char *)sc->region + sn->off + sn->rbase +
					(size_t)offset,
				iov, parts, n);
		if ((int32_t)((size_t)offset + n) > s->reply_len)
			s->reply_len = (int32_t)((size_t)offset + n);
	} else {
		nto__iov_scatter(
			iov, parts,
			(const char *)sc->region + sn->off + (size_t)offset, n);
	}
	rc = (int)n;
out:
	nto__srv_unlock();
	return rc;
}

NTO_EXPORT int MsgReadv_r(int rcvid, const iov_t *iov, int parts, int offset)
{
	return rw_at(rcvid, iov, parts, offset, 0);
}

NTO_EXPORT int MsgRead_r(int rcvid, void *msg, int bytes, int offset)
{
	iov_t iov = {msg, bytes < 0 ? 0 : (size_t)bytes};

	return rw_at(rcvid, &iov, 1, offset, 0);
}

NTO_EXPORT int MsgWritev_r(int rcvid, const iov_t *iov, int parts, int offset)
{
	return rw_at(rcvid, iov, parts, offset, 1);
}

NTO_EXPORT int MsgWrite_r(int rcvid, const void *msg, int bytes, int offset)
{
	iov_t iov = {(void *)msg, bytes < 0 ? 0 : (size_t)bytes};

	return rw_at(rcvid, &iov, 1, offset, 1);
}

NTO_EXPORT int MsgRead(int rcvid, void *msg, int bytes, int offset)
{
	return nto__ret_val(MsgRead_r(rcvid, msg, bytes, offset));
}

NTO_EXPORT int MsgReadv(int rcvid, const iov_t *iov, int parts, int offset)
{
	return nto__ret_val(MsgReadv_r(rcvid, iov, parts, offset));
}

NTO_EXPORT int MsgWrite(int rcvid, const void *msg, int bytes, int offset)
{
	return nto__ret_val(MsgWrite_r(rcvid, msg, bytes, offset));
}

NTO_EXPORT int MsgWritev(int rcvid, const iov_t *iov, int parts, int offset)
{
	return nto__ret_val(MsgWritev_r(rcvid, iov, parts, offset));
}

NTO_EXPORT int MsgInfo_r(int rcvid, struct _msg_info *info)
{
	struct nto_srv_conn *sc;
	unsigned i;
	int rc;

	if (!info)
		return EFAULT;
	nto__srv_rdlock();
	rc = held_lookup(rcvid, &sc, &i);
	if (rc == 0)
		fill_info(info, sc, &sc->region->slot[i], &sc->snap[i],
			  (size_t)sc->snap[i].sbytes);
	nto__srv_unlock();
	return rc < 0 ? -rc : EOK;
}

NTO_EXPORT int MsgInfo(int rcvid, struct _msg_info *info)
{
	return nto__ret_eok(MsgInfo_r(rcvid, info));
}

/* ---- request identity (libha's exactly-once policy) ---- */

/* The identity the client wrote into the slot with its message: read once
 * (the client can rewrite its own slot at any time, which only changes the
 * identity of its own request); the pid half must be the sender's, which
 * ipcd told us, so no process can claim another's client id. */
NTO_EXPORT int nto_rcvid_reqid(int rcvid, struct nto_reqid *id)
{
	struct nto_srv_conn *sc;
	struct nto_slot *s;
	struct nto_reqid v;
	uint32_t set = 0;
	unsigned i;
	int rc;

	if (!id)
		return nto__ret_eok(EFAULT);
	nto__srv_rdlock();
	rc = held_lookup(rcvid, &sc, &i);
	if (rc == 0) {
		s = &sc->region->slot[i];
		set = *(volatile uint32_t *)&s->req_set;
		v.client = *(volatile uint64_t *)&s->req_client;
		v.seq = *(volatile uint64_t *)&s->req_seq;
		v.done = *(volatile uint64_t *)&s->req_done;
		if (rc == 0 && set != 1)
			rc = -ENOENT;
		else if (rc == 0 &&
			 (v.client >> 32) != (uint32_t)sc->client_pid)
			rc = -EPERM;
	}
	nto__srv_unlock();
	if (rc == 0)
		*id = v;
	return nto__ret_eok(-rc);
}

/* ---- Qnet (proto/netmgr.h): the network manager answers for a remote
 * server. A message the remote server never took is failed as not
 * received (the flag the client's libha reads), as a local server's death
 * before MsgReceive would leave it. ---- */
NTO_EXPORT int nto_netmgr_unreceive(int rcvid)
{
	struct nto_srv_conn *sc;
	unsigned i;
	int rc;

	nto__srv_rdlock();
	rc = held_lookup(rcvid, &sc, &i);
	if (rc == 0)
		atomic_fetch_and(&sc->region->slot[i].flags,
				 ~NTO_SLOTF_RECEIVED);
	nto__srv_unlock();
	return rc;
}

NTO_EXPORT int nto_netmgr_error(int rcvid, int err, int received)
{
	if (!received)
		nto_netmgr_unreceive(rcvid);
	return MsgError(rcvid, err);
}

/* netctl (proto/netmgr.h): was the held message sent as a libnto request
 * to the network manager? The flag is the sender's word, like the rest of
 * its slot: it says how to parse the message, never who sent it. */
NTO_EXPORT int nto_netmgr_is_netctl(int rcvid)
{
	struct nto_srv_conn *sc;
	unsigned i;
	int rc;

	nto__srv_rdlock();
	rc = held_lookup(rcvid, &sc, &i);
	if (rc == 0)
		rc = (atomic_load(&sc->region->slot[i].flags) &
		      NTO_SLOTF_NETCTL) != 0;
	nto__srv_unlock();
	return rc < 0 ? 0 : rc;
}
