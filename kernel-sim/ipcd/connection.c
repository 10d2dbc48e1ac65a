/*
 * Server connections and the coids that reference them: ConnectAttach with
 * connection sharing (and NOSHARE), ConnectDetach of coids and of released
 * scoids, handing a connection region to its server, pulse delivery to a
 * client coid, and the two ends of a connection going away.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/neutrino.h>
#include <time.h>

#include "ipcd/internal.h"

#define COF_KNOWN                                               \
	(_NTO_COF_CLOEXEC | _NTO_COF_DEAD | _NTO_COF_NOSHARE |  \
	 _NTO_COF_NETCON | _NTO_COF_NONBLOCK | _NTO_COF_ASYNC | \
	 _NTO_COF_GLOBAL | _NTO_COF_INSECURE)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct coid *coid_lookup(struct proc *p, int id)
{
	struct coid *co;

	if (id < 0)
		return NULL;
	if (id & SIDE_BIT)
		return proc_id_get(p, id & ~SIDE_BIT, ID_COID);
	TAILQ_FOREACH(co, &p->coids, link)
	{
		if (co->coid == id)
			return co;
	}
	return NULL;
}

/* One of p's scoids, given with or without the side-channel bit. */
struct conn *scoid_lookup(struct proc *p, int scoid)
{
	if (scoid < 0)
		return NULL;
	return proc_id_get(p, scoid & ~SIDE_BIT, ID_SCOID);
}

static void conn_free(struct conn *c)
{
	if (c->drain_ev)
		event_free(c->drain_ev);
	region_destroy(&c->reg);
	ipcd.nconns--;
	free(c);
	quota_freed(sizeof(*c));
}

/* Take the connection out of its channel: table entry FREE, scoid freed. */
static void conn_unlink_server(struct conn *c)
{
	struct chan *ch = c->chan;
	struct nto_chan_conn *e;

	if (!ch)
		return;
	e = &ch->r->conn[c->tindex];
	atomic_store_explicit(&e->state, NTO_CCONN_FREE, memory_order_release);
	atomic_fetch_add_explicit(&ch->r->hdr.conn_gen, 1,
				  memory_order_acq_rel);
	ch->conns[c->tindex] = NULL;
	if ((unsigned)c->tindex < ch->conns_hint)
		ch->conns_hint = (unsigned)c->tindex;
	ch->nconns--;
	proc_id_free(ch->proc, c->scoid);
	c->chan = NULL;
	if (c->drain_ev) {
		event_free(c->drain_ev);
		c->drain_ev = NULL;
	}
	if (!c->client)
		conn_free(c);
}

static int slot_busy(uint32_t st)
{
	return st == NTO_SLOT_SEND || st == NTO_SLOT_RECEIVED ||
	       st == NTO_SLOT_REPLYING;
}

static int conn_drained(struct conn *c)
{
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		if (slot_busy(atomic_load_explicit(&c->r->slot[i].state,
						   memory_order_acquire)))
			return 0;
	}
	/* a pulse outlives its sender: keep the entry until it is taken */
	for (i = 0; i < NTO_CONN_PULSES; i++) {
		if (atomic_load_explicit(&c->r->pulse[i].state,
					 memory_order_acquire) ==
		    NTO_PULSE_READY)
			return 0;
	}
	return 1;
}

/* Whatever a slot holds, only FREE, CLAIMED (its client is filling it) and
 * DONE (its client will consume it) need nothing from a server: every
 * other value, garbage included, may have a client waiting on it. */
static int slot_needs_fail(uint32_t st)
{
	return st != NTO_SLOT_FREE && st != NTO_SLOT_CLAIMED &&
	       st != NTO_SLOT_DONE;
}

/* Fail every slot a client may be waiting on with ESRCH (server side gone),
 * whatever garbage a scribbling server left in its state. */
int conn_fail_slots(struct conn *c)
{
	unsigned i, tries;
	int n = 0;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		struct nto_slot *s = &c->r->slot[i];

		/* the client may be moving the state; retry a few times */
		for (tries = 0; tries < 16; tries++) {
			uint32_t st = atomic_load_explicit(
				&s->state, memory_order_acquire);

			if (!slot_needs_fail(st))
				break;
			if (!atomic_compare_exchange_strong_explicit(
				    &s->state, &st, NTO_SLOT_KERNEL,
				    memory_order_acq_rel, memory_order_relaxed))
				continue;
			s->status = -1;
			s->err = ESRCH;
			s->reply_len = 0;
			/* the server had taken it (REPLY-blocked): say so even
			 * if it died before marking the slot itself, so libha's
			 * at-most-once policy never re-sends a received request
			 */
			if (st != NTO_SLOT_SEND)
				atomic_fetch_or_explicit(&s->flags,
							 NTO_SLOTF_RECEIVED,
							 memory_order_relaxed);
			atomic_store_explicit(&s->state, NTO_SLOT_DONE,
					      memory_order_release);
			futex_wake(&s->state, INT_MAX);
			n++;
			break;
		}
		/* a client may sleep on a state the server scribbled to one
		 * we leave alone: wake it to see the dead flag */
		if (tries == 0 &&
		    atomic_load_explicit(&s->sleeping, memory_order_relaxed))
			futex_wake(&s->state, INT_MAX);
	}
	return n;
}

static void conn_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval tv = {0, IPCD_DRAIN_TICK_MS * 1000};

	if (conn_drained(c)) {
		conn_unlink_server(c);
		return;
	}
	if (now_ms() - c->drain_start >= IPCD_DRAIN_MAX_MS) {
		log_err("connection %u (server %d chid %d scoid %d): sends "
			"still pending after %d ms, freeing it anyway",
			c->id, (int)c->server_pid, c->chid, c->scoid,
			IPCD_DRAIN_MAX_MS);
		conn_unlink_server(c);
		return;
	}
	evtimer_add(c->drain_ev, &tv);
}

/* The channel is being destroyed: the connection goes dead for its client. */
void conn_server_gone(struct conn *c)
{
	struct coid *co;
	struct chan *dc;

	atomic_store_explicit(&c->r->hdr.dead, NTO_CONN_SERVER_GONE,
			      memory_order_release);
	conn_fail_slots(c);
	if (c->client) {
		dc = c->client->death_chan;
		if (dc && (dc->flags & _NTO_CHF_COID_DISCONNECT)) {
			TAILQ_FOREACH(co, &c->client->coids, link)
			{
				if (co->conn == c)
					chan_kpulse(dc, _PULSE_CODE_COIDDEATH,
						    co->coid, -1);
			}
		}
	}
	conn_unlink_server(c);
}

/* Drop p's spare i (its region, and the quota unit it held). */
static void conn_spare_drop_one(struct proc *p, unsigned i)
{
	region_destroy(&p->spare[i].reg);
	p->nspare--;
	memmove(&p->spare[i], &p->spare[i + 1],
		(p->nspare - i) * sizeof(p->spare[0]));
	quota_give(p->uid, &p->quse, QUOTA_CONNECTIONS, 1);
}

/* The client let go of its spares (death, or it needs the quota). */
void conn_spare_drop(struct proc *p)
{
	while (p->nspare)
		conn_spare_drop_one(p, p->nspare - 1);
}

/* Every slot and pulse entry FREE: nothing in flight, nothing owed. */
static int conn_idle(const struct conn *c)
{
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++)
		if (atomic_load(&c->r->slot[i].state) != NTO_SLOT_FREE)
			return 0;
	for (i = 0; i < NTO_CONN_PULSES; i++)
		if (atomic_load(&c->r->pulse[i].state) != NTO_PULSE_FREE)
			return 0;
	return 1;
}

/*
 * A connection its client detached and that holds nothing (every slot and
 * pulse FREE): keep its region as one of the client's spares (the oldest
 * goes when there are IPCD_CONN_SPARES), so a later connection of that
 * client to that channel reuses it and neither side maps or unmaps
 * anything (the expensive part of set-up under shadow paging; both keep
 * their mapping, libnto by the memfd's identity). Only those two processes
 * ever had it mapped. The server may still hold its old mapping for a
 * while: it uses a mapping only while the table entry (index, generation)
 * is the one it mapped. A spare keeps the connection's quota unit until it
 * is reused or dropped.
 */
static void conn_keep_spare(struct conn *c, struct proc *p)
{
	struct conn_spare *s;

	if (!p || p->serial != c->client_serial || !c->detaching ||
	    c->noshare || !c->chan || !conn_idle(c))
		return;
	if (p->nspare == IPCD_CONN_SPARES)
		conn_spare_drop_one(p, 0);
	if (quota_take(p->uid, &p->quse, p->pid, QUOTA_CONNECTIONS, 1) < 0)
		return;
	s = &p->spare[p->nspare++];
	s->reg = c->reg;
	s->chan = c->chan;
	s->serial = c->chan->serial;
	c->reg.fd = -1;
	c->reg.map = NULL;
}

/* Drop p's spares for channels other than ch (a spare must not cost a
 * connection elsewhere) and those of a channel that is gone. */
static void conn_spare_prune(struct proc *p, const struct chan *ch)
{
	unsigned i = p->nspare;

	while (i-- > 0)
		if (p->spare[i].chan != ch || p->spare[i].serial != ch->serial)
			conn_spare_drop_one(p, i);
}

/* The client's newest spare region for ch, if it has one (else 0). */
static int conn_take_spare(struct proc *p, struct chan *ch, struct region *out)
{
	conn_spare_prune(p, ch);
	if (!p->nspare)
		return 0;
	*out = p->spare[--p->nspare].reg;
	quota_give(p->uid, &p->quse, QUOTA_CONNECTIONS, 1);
	/* whatever the client left there: a clean header and tables (the
	 * data extents are the same two processes' own bytes) */
	memset(out->map, 0, sizeof(struct nto_conn_region));
	return 1;
}

void conn_client_release(struct conn *c)
{
	struct timeval tv = {0, IPCD_DRAIN_TICK_MS * 1000};
	struct proc *p = c->client;
	struct nto_chan_conn *e;
	struct chan *ch;

	if (!c->client)
		return;
	TAILQ_REMOVE(&c->client->cconns, c, clink);
	quota_give(c->client->uid, &c->client->quse, QUOTA_CONNECTIONS, 1);
	c->client = NULL;
	ch = c->chan;
	if (!ch) {
		conn_free(c); /* already dead on the server side */
		return;
	}
	atomic_store_explicit(&c->r->hdr.dead, NTO_CONN_CLIENT_GONE,
			      memory_order_release);
	e = &ch->r->conn[c->tindex];
	atomic_store_explicit(&e->state, NTO_CCONN_GONE, memory_order_release);
	atomic_fetch_add_explicit(&ch->r->hdr.conn_gen, 1,
				  memory_order_acq_rel);
	log_dbg("connection %u released by client %d", c->id,
		(int)c->client_pid);
	/* With DISCONNECT the scoid stays reserved until ConnectDetach(scoid);
	 * if the pulse cannot be queued, fall back to draining. */
	if ((ch->flags & _NTO_CHF_DISCONNECT) &&
	    chan_kpulse(ch, _PULSE_CODE_DISCONNECT, 0, c->scoid | SIDE_BIT) ==
		    0)
		return;
	doorbell_ring(ch->db);
	if (conn_drained(c)) {
		conn_keep_spare(c, p);
		conn_unlink_server(c);
		return;
	}
	c->drain_ev = evtimer_new(ipcd.base, conn_drain_cb, c);
	if (!c->drain_ev) {
		conn_unlink_server(c);
		return;
	}
	c->drain_start = now_ms();
	evtimer_add(c->drain_ev, &tv);
}

void coid_remove(struct coid *co, int release)
{
	struct proc *p = co->proc;
	struct conn *c = co->conn;

	TAILQ_REMOVE(&p->coids, co, link);
	p->ncoids--;
	ipcd.ncoids--;
	if (co->coid & SIDE_BIT)
		proc_id_free(p, co->coid & ~SIDE_BIT);
	free(co);
	c->refs--;
	if (c->refs == 0 && release)
		conn_client_release(c);
}

static struct conn *conn_find_shared(struct proc *p, struct chan *ch)
{
	struct conn *c;

	TAILQ_FOREACH(c, &p->cconns, clink)
	{
		if (c->chan == ch && !c->noshare)
			return c;
	}
	return NULL;
}

int conn_table_reserve(struct chan *ch, unsigned cap)
{
	struct conn **nc;
	uint32_t *ng;

	if (cap <= ch->conns_cap)
		return 0;
	if (cap > NTO_CHAN_CONNS)
		return -EAGAIN;
	nc = realloc(ch->conns, cap * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	ch->conns = nc;
	ng = realloc(ch->tgen, cap * sizeof(*ng));
	if (!ng)
		return -ENOMEM;
	ch->tgen = ng;
	memset(nc + ch->conns_cap, 0, (cap - ch->conns_cap) * sizeof(*nc));
	memset(ng + ch->conns_cap, 0, (cap - ch->conns_cap) * sizeof(*ng));
	ch->conns_cap = cap;
	return 0;
}

/* A free entry of the channel's connection table (grown by doubling up to
 * NTO_CHAN_CONNS), or -EAGAIN when it is full. */
static int conn_table_slot(struct chan *ch)
{
	unsigned t, cap;
	int rc;

	for (t = ch->conns_hint; t < ch->conns_cap; t++)
		if (!ch->conns[t])
			return (int)t;
	t = ch->conns_cap;
	cap = t ? t * 2 : 64;
	rc = conn_table_reserve(ch,
				cap > NTO_CHAN_CONNS ? NTO_CHAN_CONNS : cap);
	if (rc < 0 || t >= ch->conns_cap)
		return rc < 0 ? rc : -EAGAIN;
	return (int)t;
}

int conn_create(struct proc *p, struct chan *ch, int noshare, struct conn **out)
{
	struct proc *sp = ch->proc;
	struct nto_chan_conn *e;
	struct conn *c;
	int t, sc, rc;

	t = conn_table_slot(ch);
	if (t < 0)
		return t;
	/* quota.c: no client may take a channel's table or ipcd's fds */
	rc = quota_chan_conns(p, ch);
	if (rc == 0)
		conn_spare_prune(p, ch);
	if (rc == 0)
		rc = quota_take(p->uid, &p->quse, p->pid, QUOTA_CONNECTIONS, 1);
	if (rc < 0 && p->nspare) { /* its own spares must not cost it one */
		conn_spare_drop(p);
		rc = quota_chan_conns(p, ch);
		if (rc == 0)
			rc = quota_take(p->uid, &p->quse, p->pid,
					QUOTA_CONNECTIONS, 1);
	}
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto fail_quota;
	}
	sc = proc_id_alloc(sp, ID_SCOID, c);
	if (sc < 0) {
		free(c);
		rc = -EAGAIN;
		goto fail_quota;
	}
	c->from_spare = conn_take_spare(p, ch, &c->reg);
	rc = c->from_spare ? 0
			   : region_create(&c->reg, "ntosim-conn",
					   NTO_CONN_SIZE, NTO_CONN_BULK);
	if (rc < 0) {
		proc_id_free(sp, sc);
		free(c);
		goto fail_quota;
	}
	c->r = c->reg.map;
	do
		c->id = ++ipcd.next_conn_id;
	while (c->id == 0);
	c->chan = ch;
	c->server_pid = sp->pid;
	c->client_pid = p->pid;
	c->client_uid = p->uid;
	c->client_gid = p->gid;
	c->client_serial = p->serial;
	c->chid = ch->chid;
	c->scoid = sc;
	c->tindex = t;
	c->chflags = ch->flags;
	c->noshare = noshare;
	c->r->hdr.magic = NTO_CONN_MAGIC;
	c->r->hdr.version = NTO_SHM_VERSION;
	c->r->hdr.server_pid = sp->pid;
	c->r->hdr.client_pid = p->pid;
	c->r->hdr.chid = ch->chid;
	c->r->hdr.scoid = sc | SIDE_BIT;
	c->r->hdr.chflags = ch->flags;
	c->r->hdr.conn_index = (uint32_t)t;
	ch->conns[t] = c;
	ch->conns_hint = (unsigned)t + 1;
	ch->nconns++;
	e = &ch->r->conn[t];
	e->scoid = sc | SIDE_BIT;
	e->client_pid = p->pid;
	e->reg_ino = c->reg.ino; /* issue 10: a server's spare, by this */
	e->gen = ++ch->tgen[t];
	atomic_store_explicit(&e->state, NTO_CCONN_LIVE, memory_order_release);
	/* receivers look at table entries below the high-water mark only */
	if ((uint32_t)t + 1 > atomic_load(&ch->r->hdr.conn_hiwater))
		atomic_store(&ch->r->hdr.conn_hiwater, (uint32_t)t + 1);
	atomic_fetch_add_explicit(&ch->r->hdr.conn_gen, 1,
				  memory_order_acq_rel);
	/* no ring: the server maps a connection when it first has work */
	c->client = p;
	TAILQ_INSERT_TAIL(&p->cconns, c, clink);
	ipcd.nconns++;
	*out = c;
	return 0;
fail_quota:
	quota_give(p->uid, &p->quse, QUOTA_CONNECTIONS, 1);
	return rc;
}

/* A coid record for p: number `want` (fd space, checked free by the
 * caller) or, for -1, a new side-channel one. 0, -ENOMEM or -EMFILE;
 * coid_abandon frees it unlinked, coid_link links it to c. */
int coid_new(struct proc *p, int want, struct coid **out)
{
	struct coid *co;
	int idx;

	if (p->ncoids >= IPCD_COIDS_MAX)
		return -EMFILE;
	co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->proc = p;
	co->coid = want;
	if (want == -1) {
		idx = proc_id_alloc(p, ID_COID, co);
		if (idx < 0) {
			free(co);
			return -EMFILE;
		}
		co->coid = idx | SIDE_BIT;
	}
	*out = co;
	return 0;
}

void coid_abandon(struct coid *co)
{
	if (co->coid & SIDE_BIT)
		proc_id_free(co->proc, co->coid & ~SIDE_BIT);
	free(co);
}

void coid_link(struct coid *co, struct conn *c, uint32_t flags)
{
	struct proc *p = co->proc;

	co->conn = c;
	co->flags = flags & _NTO_COF_CLOEXEC;
	TAILQ_INSERT_TAIL(&p->coids, co, link);
	p->ncoids++;
	ipcd.ncoids++;
}

/* The argument checks CONNECT_ATTACH and CONNECT_REBIND share. */
static int attach_args(const struct nto_ctl_attach *in)
{
	return in->flags & ~(uint32_t)COF_KNOWN ? -EINVAL : 0;
}

/* The channel a CONNECT_ATTACH or CONNECT_REBIND names (0 or -ESRCH). */
static int attach_target(struct proc *p, const struct nto_ctl_attach *in,
			 struct proc **sp, struct chan **ch)
{
	*sp = in->pid == 0 ? p : proc_find(in->pid);
	if (!*sp)
		return -ESRCH;
	*ch = chan_lookup(*sp, in->chid);
	return *ch ? 0 : -ESRCH;
}

/* p's connection to ch, shared unless NOSHARE, else a new one; its refs
 * count the caller's new coid. */
static int attach_conn(struct proc *p, struct chan *ch, uint32_t flags,
		       struct conn **out, int *fresh)
{
	struct conn *c = NULL;
	int rc;

	*fresh = 0;
	if (!(flags & _NTO_COF_NOSHARE))
		c = conn_find_shared(p, ch);
	if (!c) {
		rc = conn_create(p, ch, !!(flags & _NTO_COF_NOSHARE), &c);
		if (rc < 0)
			return rc;
		*fresh = 1;
	}
	c->refs++;
	*out = c;
	return 0;
}

/* The reply both requests give: ids plus the region and doorbell fds
 * (always attached; a client that already maps them closes them). */
void attach_reply(struct req *rq, const struct coid *co, const struct conn *c,
		  struct chan *ch, pid_t server_pid, int fresh)
{
	struct nto_ctl_attach_rep *out = rq->rbuf;

	out->coid = co->coid;
	out->scoid = c->scoid | SIDE_BIT;
	out->conn_id = c->id;
	out->chflags = ch->flags;
	out->server_pid = server_pid;
	out->fresh = (uint32_t)fresh;
	rq->rlen = sizeof(*out);
	/* the owner seals its waiter page once mapped; one that has not yet
	 * (or never will) is sealed now, before a client sees it */
	if (!ch->wait_sealed && region_seal_writers(&ch->wait) < 0)
		log_err("chid %d: cannot seal the waiter page", ch->chid);
	else /* issue 10: a seal is for good; looked at once */
		ch->wait_sealed = 1;
	rq->fds[0] = c->reg.fd;
	rq->fds[1] = ch->bell.fd;
	rq->fds[2] = ch->wait_ro; /* clients may look, never write */
	rq->nfds = 3;
}

int dispatch_connect_attach(struct req *rq)
{
	const struct nto_ctl_attach *in = rq->data;
	struct proc *p = rq->proc, *sp;
	struct conn *c;
	struct coid *co;
	struct chan *ch;
	int fresh, rc;

	rc = attach_args(in);
	if (rc < 0)
		return rc;
	if (in->coid != -1 &&
	    (in->coid < 0 || in->coid >= SIDE_BIT || coid_lookup(p, in->coid)))
		return -EINVAL;
	/* netmgr.c: a remote target is a NOSHARE connection to the network
	 * manager's channel, or ENOREMOTE */
	rc = in->nd ? netmgr_remote_target(&sp, &ch)
		    : attach_target(p, in, &sp, &ch);
	if (rc == 0)
		rc = coid_new(p, in->coid, &co);
	if (rc < 0)
		return rc;
	rc = attach_conn(p, ch, in->flags | (in->nd ? _NTO_COF_NOSHARE : 0), &c,
			 &fresh);
	if (rc < 0) {
		coid_abandon(co);
		return rc;
	}
	if (in->nd)
		netmgr_coid_note(co, in);
	coid_link(co, c, in->flags);
	attach_reply(rq, co, c, ch, sp->pid, fresh);
	/* issue 10: the caller maps this connection already (shared), or
	 * kept the spare region it was made in: the region fd only, which
	 * names it (a caller that has let go asks CONN_FDS) */
	if (!in->nd && (!fresh || c->from_spare))
		rq->nfds = 1;
	log_dbg("pid %d: coid %#x -> pid %d chid %d (conn %u scoid %d%s)",
		(int)p->pid, co->coid, (int)sp->pid, ch->chid, c->id, c->scoid,
		fresh ? ", new" : "");
	return 0;
}

/* CONNECT_REBIND with .pid NTO_REBIND_ALIAS: co takes the very
 * connection of the caller's coid .chid (a dup that needs no _IO_DUP:
 * both numbers share one connection, as they share one open file). */
static int rebind_alias(struct req *rq, struct coid *co,
			const struct nto_ctl_attach *in)
{
	struct coid *src = coid_lookup(rq->proc, in->chid);
	struct conn *c, *old;

	if (in->flags & ~(uint32_t)_NTO_COF_CLOEXEC)
		return -EINVAL;
	if (!src || src == co || !src->conn->chan)
		return -EBADF;
	c = src->conn;
	old = co->conn;
	c->refs++;
	co->conn = c;
	co->flags = in->flags;
	co->nd = src->nd;
	co->rpid = src->rpid;
	co->rchid = src->rchid;
	co->rflags = src->rflags;
	if (--old->refs == 0)
		conn_client_release(old);
	attach_reply(rq, co, c, c->chan, c->server_pid, 0);
	return 0;
}

/* Point one of the caller's coids at another channel, keeping its number
 * (libnto's dup2 onto a simulated fd and libha's same-number re-attach):
 * the coid record moves from its old connection to the (shared or new)
 * connection to the target, and the old one is released if that was its
 * last coid. The number is never free, so nobody can take it meanwhile. */
int dispatch_connect_rebind(struct req *rq)
{
	const struct nto_ctl_attach *in = rq->data;
	struct proc *p = rq->proc, *sp;
	struct coid *co = coid_lookup(p, in->coid);
	struct conn *c, *old;
	struct chan *ch;
	int fresh, rc;

	if (!co)
		return -EBADF;
	if (in->pid == NTO_REBIND_ALIAS)
		return rebind_alias(rq, co, in);
	rc = attach_args(in);
	/* a remote target: a NOSHARE connection to the network manager, as
	 * CONNECT_ATTACH makes (netmgr.c) */
	if (rc == 0)
		rc = in->nd ? netmgr_remote_target(&sp, &ch)
			    : attach_target(p, in, &sp, &ch);
	if (rc == 0)
		rc = attach_conn(p, ch,
				 in->flags | (in->nd ? _NTO_COF_NOSHARE : 0),
				 &c, &fresh);
	if (rc < 0)
		return rc;
	old = co->conn;
	co->conn = c;
	co->flags = in->flags & _NTO_COF_CLOEXEC;
	netmgr_coid_note(co, in); /* nd 0: a local coid again */
	if (--old->refs == 0)
		conn_client_release(old);
	attach_reply(rq, co, c, ch, sp->pid, fresh);
	log_dbg("pid %d: coid %#x rebound -> pid %d chid %d (conn %u)",
		(int)p->pid, co->coid, (int)sp->pid, ch->chid, c->id);
	return 0;
}

int dispatch_connect_detach(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct proc *p = rq->proc;
	struct coid *co = coid_lookup(p, in->id);
	struct conn *c;

	if (co) {
		co->conn->detaching = 1;
		coid_remove(co, 1);
		return 0;
	}
	/* a server freeing the scoid of a released connection */
	c = scoid_lookup(p, in->id);
	if (!c || c->client)
		return -EINVAL;
	/* after DISCONNECT: its client may still be there to reuse it */
	conn_keep_spare(c, proc_find(c->client_pid));
	conn_unlink_server(c);
	return 0;
}

int dispatch_conn_fd(struct req *rq)
{
	const struct nto_ctl_connfd *in = rq->data;
	struct nto_ctl_connfd *out = rq->rbuf;
	struct chan *ch = chan_lookup(rq->proc, in->chid);
	struct conn *c;

	if (!ch)
		return -ESRCH;
	c = scoid_lookup(rq->proc, in->scoid);
	if (!c || c->chan != ch)
		return -ESRCH;
	out->chid = ch->chid;
	out->scoid = c->scoid | SIDE_BIT;
	out->gen = ch->tgen[c->tindex];
	out->client_pid = c->client_pid;
	out->client_uid = c->client_uid;
	out->client_gid = c->client_gid;
	out->nd = c->proxy ? c->px_nd : 0;
	out->srcnd = c->proxy ? c->px_srcnd : 0;
	/* who holds a proxy connection (a re-tell names it) */
	out->px_pid = c->proxy && c->client ? c->client->pid : 0;
	rq->rlen = sizeof(*out);
	rq->fds[0] = c->reg.fd;
	rq->nfds = 1;
	return 0;
}

/* Issue 10: all the fds of one of the caller's coids (after an attach
 * reply that left out the doorbell and waiter page). EBADF: no such coid,
 * or its channel is gone. */
int dispatch_conn_fds(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct coid *co = coid_lookup(rq->proc, in->id);
	struct chan *ch = co ? co->conn->chan : NULL;

	if (!ch)
		return -EBADF;
	rq->rlen = 0;
	rq->fds[0] = co->conn->reg.fd;
	rq->fds[1] = ch->bell.fd;
	rq->fds[2] = ch->wait_ro; /* sealed at the attach */
	rq->nfds = 3;
	return 0;
}

int dispatch_client_info(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct nto_ctl_client *out = rq->rbuf;
	struct conn *c = scoid_lookup(rq->proc, in->id);

	if (!c)
		return -ESRCH;
	out->pid = c->client_pid;
	out->uid = c->client_uid;
	out->gid = c->client_gid;
	out->nd = c->proxy ? c->px_nd : 0;
	rq->rlen = sizeof(*out);
	return 0;
}

/* Queue a pulse on a coid as if its owner had sent it (MsgDeliverEvent,
 * procmgr events). EBADF: the connection is dead; EAGAIN: pulses full. */
int coid_post_pulse(struct coid *co, int prio, int code, int value)
{
	struct conn *c = co->conn;
	int rc;

	if (!c->chan)
		return -EBADF;
	rc = pulse_enqueue(c->r->pulse, NTO_CONN_PULSES, &c->r->hdr.pulsemask,
			   prio, code, value, c->scoid | SIDE_BIT);
	if (rc < 0)
		return rc;
	conn_ring(c);
	return 0;
}

void conn_ring(struct conn *c)
{
	/* the connection's ready bit, set after the post (proto/shm.h) */
	nto_mask_set64(&c->chan->db->ready[c->tindex / 64],
		       1ull << (c->tindex % 64));
	doorbell_ring(c->chan->db);
}

/* 1 if `server` has a channel `client` is connected to, else 0. */
int conn_is_client_of(struct proc *client, struct proc *server)
{
	struct conn *c;

	TAILQ_FOREACH(c, &client->cconns, clink)
	{
		if (c->chan && c->chan->proc == server)
			return 1;
	}
	return 0;
}

/* Queue a pulse on `coid` of `target` as if it had sent it. ESRCH: no such
 * coid; EBADF: the coid's connection is dead; EAGAIN: its pulses are full. */
int conn_deliver_pulse(struct proc *target, int coid, int prio, int code,
		       int value)
{
	struct coid *co = coid_lookup(target, coid);

	if (!co)
		return -ESRCH;
	return coid_post_pulse(co, prio, code, value);
}

/* MsgDeliverEvent(SIGEV_PULSE): the pulse goes on the client's coid as if
 * the client had sent it. ESRCH: no such client of the caller, or no such
 * coid; EBADF: the coid's connection is dead; EAGAIN: its pulses are full. */
int dispatch_deliver_pulse(struct req *rq)
{
	const struct nto_ctl_event *in = rq->data;
	struct proc *target = proc_find(in->client_pid);

	if (!target || !conn_is_client_of(target, rq->proc))
		return -ESRCH;
	return conn_deliver_pulse(target, in->coid, in->priority, in->code,
				  in->value);
}
