/*
 * Process death, in QNX's order (docs/protocol.md section 5): destroy the
 * dead process's channels, withdraw its sends, close its fd-space coids on
 * its behalf with _IO_CLOSE, release its connections, drop its paths and
 * ids. Runs on EOF of a non-AUX control socket (or when ipcd drops one).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/neutrino.h>

#include "ipcd/internal.h"

#define IO_CLOSE    0x116u
#define CLOSE_RBASE 64u /* reply area offset of a kernel _IO_CLOSE slot */

/* Step 2 for one of the dead client's connections. The server is alive and
 * may move slots under us, so every change is a CAS from the state seen. */
static void withdraw_sends(struct conn *c)
{
	struct chan *ch = c->chan;
	unsigned i, tries;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		struct nto_slot *s = &c->r->slot[i];

		for (tries = 0; tries < 16; tries++) {
			uint32_t st = atomic_load_explicit(
				&s->state, memory_order_acquire);
			uint32_t want;

			switch (st) {
			case NTO_SLOT_SEND:
				want = NTO_SLOT_FREE;
				break;
			case NTO_SLOT_RECEIVED:
			case NTO_SLOT_REPLYING:
				if (ch->flags & _NTO_CHF_UNBLOCK) {
					int rcvid =
						(int)((i + 1) << 16) | c->scoid;

					/* the client stays REPLY-blocked,
					 * as a QNX thread with kill pending */
					atomic_fetch_or_explicit(
						&s->flags,
						NTO_SLOTF_UNBLOCK_REQ,
						memory_order_acq_rel);
					chan_kpulse(ch, _PULSE_CODE_UNBLOCK,
						    rcvid, c->scoid | SIDE_BIT);
					goto next;
				}
				if (st == NTO_SLOT_REPLYING)
					goto next; /* reply in progress */
				want = NTO_SLOT_ABANDONED;
				break;
			case NTO_SLOT_CLAIMED:
			case NTO_SLOT_DONE:
				/* only the dead client would have moved these
				 */
				want = NTO_SLOT_FREE;
				break;
			default:
				goto next;
			}
			if (atomic_compare_exchange_strong_explicit(
				    &s->state, &st, want, memory_order_acq_rel,
				    memory_order_relaxed))
				break;
		}
	next:;
	}
}

/* Step 3: post an _IO_CLOSE for fd-space coid `fd` of the dead client. */
static int post_close(struct conn *c, int fd)
{
	const uint16_t msg[2] = {IO_CLOSE, 0}; /* type, combine_len */
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		struct nto_slot *s = &c->r->slot[i];
		uint32_t expect = NTO_SLOT_FREE;

		if (!atomic_compare_exchange_strong_explicit(
			    &s->state, &expect, NTO_SLOT_CLAIMED,
			    memory_order_acq_rel, memory_order_relaxed))
			continue;
		s->gen++;
		s->coid = fd;
		s->tid = 0;
		s->priority = KPULSE_PRIO;
		s->sbytes = sizeof(msg);
		s->rbytes = 0;
		s->ext_off = NTO_CONN_DATA + i * NTO_CONN_INLINE;
		s->ext_cap = NTO_CONN_INLINE;
		s->rbase = CLOSE_RBASE;
		s->ticket = ticket_next();
		s->status = 0;
		s->err = 0;
		s->reply_len = 0;
		atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
		atomic_store_explicit(&s->flags, NTO_SLOTF_KERNEL_MSG,
				      memory_order_relaxed);
		memcpy((char *)c->r + s->ext_off, msg, sizeof(msg));
		nto_slot_post(c->r, i);
		conn_ring(c);
		return 0;
	}
	log_err("pid %d: no free slot for the _IO_CLOSE of fd %d (server %d "
		"chid %d)",
		(int)c->client_pid, fd, (int)c->server_pid, c->chid);
	return -1;
}

void reaper_proc_death(struct proc *p)
{
	unsigned nchans = 0;
	struct conn *c;
	struct coid *co;
	struct chan *ch;

	TAILQ_FOREACH(ch, &p->chans, link)
	nchans++;
	log_info("pid %d (%s) died: %u channels, %u coids, %u paths",
		 (int)p->pid, p->name, nchans, p->ncoids, p->npaths);
	/* 1. its channels are destroyed */
	while (!TAILQ_EMPTY(&p->chans))
		chan_destroy(TAILQ_FIRST(&p->chans));
	/* 2. its sends are withdrawn */
	TAILQ_FOREACH(c, &p->cconns, clink)
	{
		if (c->chan)
			withdraw_sends(c);
	}
	/* 3. its fd-space coids are closed on its behalf */
	TAILQ_FOREACH(co, &p->coids, link)
	{
		if (!(co->coid & SIDE_BIT) && co->conn->chan)
			post_close(co->conn, co->coid);
	}
	/* 4. its connections are released (DISCONNECT after the closes) */
	while (!TAILQ_EMPTY(&p->coids))
		coid_remove(TAILQ_FIRST(&p->coids), 0);
	while (!TAILQ_EMPTY(&p->cconns))
		conn_client_release(TAILQ_FIRST(&p->cconns));
	/* 5. its names and paths vanish, and its ids are freed */
	pathspace_drop_proc(p);
	/* 6. its procmgr event registrations go; the others hear of it */
	procevent_proc_death(p);
	secure_drop_proc(p); /* its secure events and shm handles */
	if (p->peer)
		p->peer->proc = NULL;
	proc_free(p);
}
