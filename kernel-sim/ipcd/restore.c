/*
 * A new ipcd re-told by the survivors of the old one (RESTORE_* requests,
 * docs/protocol.md section 7): channels, server connections, coids and
 * paths rebuilt under the ids the processes know them by, each claim
 * checked against what ipcd can check (SO_PEERCRED pid, the memfd it
 * presents, the ids and table entries already known). Processes known only
 * from others' reports are "ghosts" watched through a pidfd; a ghost that
 * died in the gap is reaped as if ipcd had seen it die.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/neutrino.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcd/internal.h"

#define CHAN_REGION_SIZE \
	((sizeof(struct nto_chan_region) + 4095) & ~(size_t)4095)
#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

int restore_takes_fds(uint32_t type)
{
	return type == NTO_CTL_RESTORE_CHAN || type == NTO_CTL_RESTORE_SCONN ||
	       type == NTO_CTL_RESTORE_COID || type == NTO_CTL_RESTORE_NET;
}

/* Take a presented memfd as a region: the size ipcd gives that kind of
 * region, sealed as ipcd seals them, mapped like ipcd maps its own. On
 * success the fd belongs to rg (the caller marks it taken). */
static int rs_region(int fd, uint64_t size, size_t maplen, struct region *rg)
{
	struct stat st;
	void *map;
	int seals;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size)
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & SEALS_NEEDED) != SEALS_NEEDED)
		return -EINVAL;
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	rg->fd = fd;
	rg->map = map;
	rg->maplen = maplen;
	rg->ino = (uint64_t)st.st_ino;
	return 0;
}

static int same_file(int a, const struct stat *b)
{
	struct stat st;

	return a >= 0 && fstat(a, &st) == 0 && st.st_dev == b->st_dev &&
	       st.st_ino == b->st_ino;
}

/* Every connection ipcd holds, by the memfd behind it (NULL: none). */
static struct conn *conn_by_file(int fd)
{
	struct stat st;
	struct proc *p;
	struct chan *ch;
	struct conn *c;
	unsigned i;

	if (fstat(fd, &st) < 0)
		return NULL;
	TAILQ_FOREACH(p, &ipcd.procs, link)
	{
		TAILQ_FOREACH(c, &p->cconns, clink)
		{
			if (same_file(c->reg.fd, &st))
				return c;
		}
		TAILQ_FOREACH(ch, &p->chans, link)
		{
			for (i = 0; i < ch->conns_cap; i++)
				if (ch->conns[i] &&
				    same_file(ch->conns[i]->reg.fd, &st))
					return ch->conns[i];
		}
	}
	return NULL;
}

static int chan_file_known(int fd)
{
	struct stat st;
	struct proc *p;
	struct chan *ch;

	if (fstat(fd, &st) < 0)
		return 1;
	TAILQ_FOREACH(p, &ipcd.procs, link)
	{
		TAILQ_FOREACH(ch, &p->chans, link)
		{
			if (same_file(ch->reg.fd, &st) ||
			    same_file(ch->bell.fd, &st) ||
			    same_file(ch->wait.fd, &st))
				return 1;
		}
	}
	return 0;
}

/* An id of p's pool, claimed at exactly idx. */
static int id_claim(struct proc *p, int idx, enum id_kind kind, void *obj)
{
	return proc_id_claim(p, idx, kind, obj);
}

/* ---- ghosts ---- */

static void ghost_reap(struct proc *p)
{
	log_info("pid %d: died while no ipcd ran (or since): reaped now",
		 (int)p->pid);
	restore_proc_death(p);
	reaper_proc_death(p);
}

static void ghost_death_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;

	/* without pidfds (an old kernel) a timer asks kill(pid, 0) */
	if (p->pidfd == -2 && (kill(p->pid, 0) == 0 || errno == EPERM))
		return;
	ghost_reap(p);
}

/* The process pid as ipcd knows it, or a ghost for it: a pidfd tells
 * ipcd when it dies; one that is gone already is reaped from the loop
 * (after the request naming it). NULL only without memory. */
static struct proc *ghost_get(pid_t pid)
{
	struct peer tmp = {0};
	char path[32];
	struct stat st;
	struct proc *p = proc_find(pid);
	int fd;

	if (p)
		return p;
	tmp.pid = pid;
	tmp.uid = geteuid();
	tmp.gid = getegid();
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == 0) {
		tmp.uid = st.st_uid;
		tmp.gid = st.st_gid;
	}
	if (pid <= 0 || proc_create(&tmp, &p) < 0)
		return NULL;
	p->peer = NULL;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->pidfd = fd;
	if (fd < 0 && errno != ESRCH && (kill(pid, 0) == 0 || errno == EPERM))
		p->pidfd = -2; /* alive, but no pidfd: poll it */
	if (fd >= 0)
		p->ghost_ev =
			event_new(ipcd.base, fd, EV_READ, ghost_death_cb, p);
	else
		p->ghost_ev = event_new(ipcd.base, -1,
					p->pidfd == -2 ? EV_PERSIST : 0,
					ghost_death_cb, p);
	if (!p->ghost_ev) {
		if (fd >= 0)
			close(fd);
		proc_free(p);
		return NULL;
	}
	if (fd >= 0) {
		event_add(p->ghost_ev, NULL);
	} else if (p->pidfd == -2) {
		struct timeval tv = {1, 0};

		event_add(p->ghost_ev, &tv);
	} else {
		event_active(p->ghost_ev, EV_TIMEOUT, 0); /* dead already */
	}
	log_info("pid %d: known from a survivor's report only%s", (int)pid,
		 fd >= 0 || p->pidfd == -2 ? "" : " (gone)");
	return p;
}

static void ghost_unwatch(struct proc *p)
{
	if (!p->ghost_ev)
		return;
	event_free(p->ghost_ev);
	p->ghost_ev = NULL;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

int restore_adopt(struct proc *g, struct peer *pe)
{
	if (g->uid != pe->uid)
		return -EPERM;
	ghost_unwatch(g);
	g->peer = pe;
	g->gid = pe->gid;
	pe->proc = g;
	log_info("pid %d: back, was known from others' reports", (int)pe->pid);
	return 0;
}

/* A connection re-told by its client only, its server not yet heard
 * from: no channel, tindex -1 (a released connection keeps its index). */
static int conn_pending(const struct conn *c)
{
	return !c->chan && c->client && c->tindex == -1;
}

void restore_proc_death(struct proc *p)
{
	struct proc *q;
	struct conn *c;

	ghost_unwatch(p);
	TAILQ_FOREACH(q, &ipcd.procs, link)
	{
		TAILQ_FOREACH(c, &q->cconns, clink)
		{
			if (conn_pending(c) && c->server_pid == p->pid) {
				c->tindex = 0;
				conn_server_gone(c); /* ESRCH, COIDDEATH */
			}
		}
	}
}

/* ---- the claims ---- */

int rs_check(struct req *rq, int nfds)
{
	if (!rq->proc->restoring)
		return -EPERM;
	return rq->in_nfds >= nfds ? 0 : -EBADF;
}

int rs_result(struct req *rq, int rc, const char *what, int id)
{
	if (rc < 0) {
		rq->proc->rs_refused++;
		log_err("pid %d: re-told %s %d refused: %s", (int)rq->proc->pid,
			what, id, strerror(-rc));
	} else {
		rq->proc->rs_ok++;
		log_dbg("pid %d: re-told %s %d", (int)rq->proc->pid, what, id);
	}
	return rc;
}

/* The fds of a channel, in CHANNEL_CREATE's order: [region, doorbell].
 * The one place that knows which fd is which. */
/* The waiter page the owner re-tells: the right size, and no new writable
 * mapping possible (sealed now if the owner had not). ipcd only reads it. */
static int rs_waitpage(int fd, struct chan *ch)
{
	struct stat st;
	void *map;
	int rc;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != NTO_WAITPAGE_SIZE)
		return -EINVAL;
	ch->wait.fd = fd;
	rc = region_seal_writers(&ch->wait);
	if (rc < 0) {
		ch->wait.fd = -1;
		return -EINVAL;
	}
	map = mmap(NULL, NTO_WAITPAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ch->wait.fd = -1;
		return -errno;
	}
	ch->wait_ro = region_reopen_ro(&ch->wait);
	if (ch->wait_ro < 0) {
		munmap(map, NTO_WAITPAGE_SIZE);
		ch->wait.fd = -1;
		return ch->wait_ro;
	}
	ch->wait.map = map;
	ch->wait.maplen = NTO_WAITPAGE_SIZE;
	return 0;
}

/* [channel region, doorbell, waiter page], as CHANNEL_CREATE gave them */
static int rs_chan_fds(struct req *rq, struct chan *ch)
{
	int rc;

	if (rq->in_nfds != 3 || chan_file_known(rq->in_fds[0]) ||
	    chan_file_known(rq->in_fds[1]) || chan_file_known(rq->in_fds[2]))
		return -EINVAL;
	rc = rs_region(rq->in_fds[0], CHAN_REGION_SIZE, CHAN_REGION_SIZE,
		       &ch->reg);
	if (rc < 0)
		return rc;
	rc = rs_region(rq->in_fds[1], NTO_DOORBELL_SIZE, NTO_DOORBELL_SIZE,
		       &ch->bell);
	if (rc < 0)
		goto fail_reg;
	rc = rs_waitpage(rq->in_fds[2], ch);
	if (rc < 0)
		goto fail_bell;
	ch->r = ch->reg.map;
	ch->db = ch->bell.map;
	/* the channel's now */
	rq->in_fds[0] = rq->in_fds[1] = rq->in_fds[2] = -1;
	return 0;
fail_bell:
	munmap(ch->bell.map, ch->bell.maplen);
	ch->bell.fd = -1;
fail_reg:
	munmap(ch->reg.map, ch->reg.maplen);
	ch->reg.fd = -1;
	return rc;
}

int dispatch_restore_chan(struct req *rq)
{
	const struct nto_ctl_rs_chan *in = rq->data;
	struct proc *p = rq->proc;
	uint32_t death =
		in->flags & (_NTO_CHF_THREAD_DEATH | _NTO_CHF_COID_DISCONNECT);
	struct chan *ch;
	unsigned i;
	int rc;

	rc = rs_check(rq, 3);
	if (rc == 0 && death && p->death_chan)
		rc = -EBUSY;
	if (rc < 0)
		return rs_result(rq, rc, "channel", in->chid);
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return rs_result(rq, -ENOMEM, "channel", in->chid);
	ch->serial = ++ipcd.next_chan_serial;
	ch->reg.fd = ch->bell.fd = ch->wait.fd = ch->wait_ro = -1;
	rc = id_claim(p, in->chid, ID_CHAN, ch);
	if (rc == 0) {
		rc = rs_chan_fds(rq, ch);
		if (rc < 0)
			proc_id_free(p, in->chid);
	}
	/* what the server could have written: only its own claim hangs on it
	 */
	if (rc == 0 &&
	    (ch->r->hdr.magic != NTO_CHAN_MAGIC ||
	     ch->r->hdr.chid != in->chid || ch->r->hdr.pid != p->pid ||
	     atomic_load(&ch->r->hdr.dead))) {
		region_destroy(&ch->reg);
		region_destroy(&ch->bell);
		region_destroy(&ch->wait);
		close(ch->wait_ro);
		proc_id_free(p, in->chid);
		rc = -EINVAL;
	}
	if (rc < 0) {
		free(ch);
		return rs_result(rq, rc, "channel", in->chid);
	}
	if (conn_table_reserve(ch, NTO_CHAN_CONNS) < 0) {
		region_destroy(&ch->reg);
		region_destroy(&ch->bell);
		region_destroy(&ch->wait);
		close(ch->wait_ro);
		proc_id_free(p, in->chid);
		free(ch);
		return rs_result(rq, -ENOMEM, "channel", in->chid);
	}
	/* it owned the channel before: charge it, past the limit or not */
	(void)quota_take(p->uid, &p->quse, p->pid, QUOTA_CHANNELS, 1);
	ch->proc = p;
	ch->chid = in->chid;
	ch->flags = in->flags;
	/* new connections continue each entry's generations: a server's
	 * stale view of an entry must never match a new connection */
	for (i = 0; i < NTO_CHAN_CONNS; i++)
		ch->tgen[i] = ch->r->conn[i].gen;
	ch->r->hdr.flags = in->flags;
	TAILQ_INSERT_TAIL(&p->chans, ch, link);
	ipcd.nchans++;
	if (death)
		p->death_chan = ch;
	log_info("pid %d: channel %d re-told (flags %#x)", (int)p->pid,
		 ch->chid, ch->flags);
	return rs_result(rq, 0, "channel", in->chid);
}

static struct conn *conn_new(struct req *rq)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (rs_region(rq->in_fds[0], NTO_CONN_SIZE, NTO_CONN_BULK, &c->reg) <
	    0) {
		free(c);
		return NULL;
	}
	rq->in_fds[0] = -1;
	c->r = c->reg.map;
	if (c->r->hdr.magic != NTO_CONN_MAGIC ||
	    c->r->hdr.version != NTO_SHM_VERSION) {
		region_destroy(&c->reg);
		free(c);
		return NULL;
	}
	do
		c->id = ++ipcd.next_conn_id;
	while (c->id == 0);
	ipcd.nconns++;
	return c;
}

/* Put c in the server's table at t with scoid idx. */
static void conn_link_server(struct conn *c, struct chan *ch, int idx, int t,
			     uint32_t gen)
{
	c->chan = ch;
	c->server_pid = ch->proc->pid;
	c->chid = ch->chid;
	c->scoid = idx;
	c->tindex = t;
	c->chflags = ch->flags;
	ch->conns[t] = c;
	ch->tgen[t] = gen;
	ch->nconns++;
	if ((uint32_t)t + 1 > atomic_load(&ch->r->hdr.conn_hiwater))
		atomic_store(&ch->r->hdr.conn_hiwater, (uint32_t)t + 1);
}

/*
 * A connection its client re-told but its server never will: servers map a
 * connection when it first has work and re-tell only what they mapped, so
 * one made just before the old ipcd died (its message posted, the server's
 * CONN_FD not yet asked) would stay pending, and its client SEND-blocked
 * for good. Once the server has re-told all it has (RESTORE_DONE), link
 * such a connection at the entry of the server's own channel table that
 * names it (same scoid and client pid, live, free in ipcd). The table is
 * the server's to write: a lie there only misroutes its own clients.
 */
static void conn_adopt_pending(struct conn *c)
{
	struct proc *sp = proc_find(c->server_pid);
	struct chan *ch;
	unsigned t, hi;

	if (!conn_pending(c) || !sp || !sp->peer || sp->restoring)
		return;
	ch = chan_lookup(sp, c->chid);
	if (!ch || !proc_id_is_free(sp, c->scoid))
		return;
	hi = atomic_load(&ch->r->hdr.conn_hiwater);
	if (hi > NTO_CHAN_CONNS)
		hi = NTO_CHAN_CONNS;
	for (t = 0; t < hi; t++) {
		struct nto_chan_conn *e = &ch->r->conn[t];

		if (ch->conns[t] || atomic_load(&e->state) != NTO_CCONN_LIVE ||
		    (e->scoid & ~SIDE_BIT) != c->scoid ||
		    e->client_pid != c->client_pid)
			continue;
		id_claim(sp, c->scoid, ID_SCOID, c);
		conn_link_server(c, ch, c->scoid, (int)t, e->gen);
		log_info("pid %d: connection scoid %d of pid %d adopted from "
			 "its channel's table (the server had not mapped it)",
			 (int)sp->pid, c->scoid, (int)c->client_pid);
		return;
	}
}

/* Every pending connection to server p (it has just re-told all). */
static void conns_adopt_for(struct proc *sp)
{
	struct proc *q;
	struct conn *c, *next;

	TAILQ_FOREACH(q, &ipcd.procs, link)
	{
		for (c = TAILQ_FIRST(&q->cconns); c; c = next) {
			next = TAILQ_NEXT(c, clink);
			if (c->server_pid == sp->pid)
				conn_adopt_pending(c);
		}
	}
}

int dispatch_restore_sconn(struct req *rq)
{
	return restore_sconn(rq, rq->data, NULL);
}

/* A proxy connection's remote client (Qnet) agrees with the claim px. */
static int px_agrees(const struct conn *c, const struct nto_ctl_rs_net *px)
{
	if (!px)
		return !c->proxy;
	return c->proxy && c->px_nd == px->nd && c->client_pid == px->rpid;
}

/* px: a server's proxy connection (RESTORE_NET SCONN): its client is the
 * network manager px->px_pid, the process it stands for px->rpid (never
 * a local process: ipcd/netmgr.c). */
int restore_sconn(struct req *rq, const struct nto_ctl_rs_sconn *in,
		  const struct nto_ctl_rs_net *px)
{
	struct proc *p = rq->proc, *cp = NULL;
	int idx = in->scoid & ~SIDE_BIT, t = (int)in->tindex, rc;
	struct nto_chan_conn *e;
	struct chan *ch;
	struct conn *c;

	rc = rs_check(rq, 1);
	ch = rc == 0 ? chan_lookup(p, in->chid) : NULL;
	if (rc == 0 && !ch)
		rc = -ESRCH;
	if (rc == 0 && (in->tindex >= NTO_CHAN_CONNS || ch->conns[t] ||
			!proc_id_is_free(p, idx)))
		rc = -EBUSY;
	if (rc < 0)
		return rs_result(rq, rc, "scoid", in->scoid);
	/* the channel's own table must say the same (the server could
	 * have written it, but only its own channel depends on it) */
	e = &ch->r->conn[t];
	if ((e->scoid & ~SIDE_BIT) != idx || e->client_pid != in->client_pid ||
	    e->gen != in->gen ||
	    atomic_load(&e->state) != ((in->flags & NTO_RS_GONE)
					       ? NTO_CCONN_GONE
					       : NTO_CCONN_LIVE))
		return rs_result(rq, -EINVAL, "scoid", in->scoid);
	c = conn_by_file(rq->in_fds[0]);
	if (c) {
		/* its client re-told it first: the same connection? */
		if (!conn_pending(c) || c->server_pid != p->pid ||
		    c->chid != in->chid || c->scoid != idx ||
		    c->client_pid != in->client_pid || !px_agrees(c, px))
			return rs_result(rq, -EINVAL, "scoid", in->scoid);
		id_claim(p, idx, ID_SCOID, c);
		conn_link_server(c, ch, idx, t, in->gen);
		return rs_result(rq, 0, "scoid", in->scoid);
	}
	if (px && px->px_pid <= 0)
		return rs_result(rq, -EINVAL, "scoid", in->scoid);
	if (!(in->flags & NTO_RS_GONE)) {
		cp = ghost_get(px ? px->px_pid : in->client_pid);
		if (!cp)
			return rs_result(rq, -ENOMEM, "scoid", in->scoid);
	}
	c = conn_new(rq);
	if (!c)
		return rs_result(rq, -EINVAL, "scoid", in->scoid);
	if (c->r->hdr.server_pid != p->pid || c->r->hdr.chid != in->chid ||
	    (c->r->hdr.scoid & ~SIDE_BIT) != idx ||
	    c->r->hdr.client_pid != in->client_pid) {
		ipcd.nconns--;
		region_destroy(&c->reg);
		free(c);
		return rs_result(rq, -EINVAL, "scoid", in->scoid);
	}
	id_claim(p, idx, ID_SCOID, c);
	conn_link_server(c, ch, idx, t, in->gen);
	c->client_pid = in->client_pid;
	if (cp) {
		c->client = cp;
		c->client_uid = cp->uid;
		c->client_gid = cp->gid;
		TAILQ_INSERT_TAIL(&cp->cconns, c, clink);
	}
	if (px)
		restore_proxy_mark(c, px);
	return rs_result(rq, 0, "scoid", in->scoid);
}

int dispatch_restore_coid(struct req *rq)
{
	return restore_coid(rq, rq->data, NULL);
}

/* px: the network manager's proxy coid (RESTORE_NET PROXY): the
 * connection's client is the caller, standing for px->rpid. */
int restore_coid(struct req *rq, const struct nto_ctl_rs_coid *in,
		 const struct nto_ctl_rs_net *px)
{
	struct proc *p = rq->proc;
	struct coid *co;
	struct conn *c;
	int rc, side = (in->coid & SIDE_BIT) != 0;

	rc = rs_check(rq, 1);
	if (rc == 0 && px && p->uid != 0 && p->uid != geteuid())
		rc = -EPERM; /* as NETMGR REGISTER */
	if (rc == 0 && (in->coid < 0 || coid_lookup(p, in->coid) ||
			(side && (in->coid & ~SIDE_BIT) >= NTO_IDS_MAX) ||
			p->ncoids >= IPCD_COIDS_MAX))
		rc = -EBUSY;
	if (rc < 0)
		return rs_result(rq, rc, "coid", in->coid);
	co = calloc(1, sizeof(*co));
	if (!co)
		return rs_result(rq, -ENOMEM, "coid", in->coid);
	if (side && id_claim(p, in->coid & ~SIDE_BIT, ID_COID, co) < 0) {
		free(co);
		return rs_result(rq, -EBUSY, "coid", in->coid);
	}
	c = conn_by_file(rq->in_fds[0]);
	if (c) {
		/* re-told by its server, or by another coid of ours */
		if (c->client != p || c->server_pid != in->server_pid ||
		    c->chid != in->chid ||
		    c->scoid != (in->scoid & ~SIDE_BIT) || !px_agrees(c, px))
			rc = -EINVAL;
	} else {
		c = conn_new(rq);
		if (!c)
			rc = -EINVAL;
		else if (c->r->hdr.client_pid != (px ? px->rpid : p->pid) ||
			 c->r->hdr.server_pid != in->server_pid ||
			 c->r->hdr.chid != in->chid ||
			 (c->r->hdr.scoid & ~SIDE_BIT) !=
				 (in->scoid & ~SIDE_BIT)) {
			ipcd.nconns--;
			region_destroy(&c->reg);
			free(c);
			rc = -EINVAL;
		} else {
			c->client = p;
			c->client_pid = p->pid;
			c->client_uid = p->uid;
			c->client_gid = p->gid;
			c->server_pid = in->server_pid;
			c->chid = in->chid;
			c->scoid = in->scoid & ~SIDE_BIT;
			c->chflags = c->r->hdr.chflags;
			c->noshare = !!(in->flags & _NTO_COF_NOSHARE);
			if (px)
				restore_proxy_mark(c, px);
			TAILQ_INSERT_TAIL(&p->cconns, c, clink);
			if (atomic_load(&c->r->hdr.dead) ==
			    NTO_CONN_SERVER_GONE) {
				c->tindex = 0; /* dead: sends get EBADF */
			} else {
				c->tindex = -1; /* until its server re-tells */
				ghost_get(in->server_pid);
				conn_adopt_pending(c); /* it has re-told */
			}
		}
	}
	if (rc < 0) {
		if (side)
			proc_id_free(p, in->coid & ~SIDE_BIT);
		free(co);
		return rs_result(rq, rc, "coid", in->coid);
	}
	co->proc = p;
	co->coid = in->coid;
	co->flags = in->flags & _NTO_COF_CLOEXEC;
	co->conn = c;
	c->refs++;
	TAILQ_INSERT_TAIL(&p->coids, co, link);
	p->ncoids++;
	ipcd.ncoids++;
	return rs_result(rq, 0, "coid", in->coid);
}

int dispatch_restore_path(struct req *rq)
{
	const struct nto_ctl_rs_path *in = rq->data;
	size_t max = rq->len - sizeof(*in);
	int rc = rs_check(rq, 0);

	if (!memchr(in->path, '\0', max))
		return IPCD_DROP;
	if (rc == 0 && in->id <= 0)
		rc = -EINVAL;
	if (rc == 0) {
		rc = pathspace_attach(rq->proc, in->path, in->chid, in->handle,
				      in->flags, in->ftype, in->id);
		if (rc > 0)
			rc = 0;
	}
	return rs_result(rq, rc, "path id", in->id);
}

int dispatch_restore_done(struct req *rq)
{
	struct nto_ctl_rs_done *out = rq->rbuf;
	struct proc *p = rq->proc;

	if (!p->restoring)
		return -EPERM;
	p->restoring = 0;
	conns_adopt_for(p);
	out->accepted = p->rs_ok;
	out->refused = p->rs_refused;
	rq->rlen = sizeof(*out);
	log_info("pid %d: re-told %u objects (%u refused)", (int)p->pid,
		 p->rs_ok, p->rs_refused);
	p->rs_ok = p->rs_refused = 0;
	return 0;
}

/* ---- procmgr state and secure events (hamsoak) ---- */

int dispatch_restore_proc(struct req *rq)
{
	const struct nto_ctl_rs_proc *in = rq->data;
	int rc = rs_check(rq, 0);

	if (rc < 0)
		return rs_result(rq, rc, "procmgr state", 0);
	switch (in->what) {
	case NTO_RS_PROC_EVENT:
		rc = procevent_restore(rq->proc, &in->ev);
		if (rc == IPCD_DROP)
			return rc;
		return rs_result(rq, rc, "procmgr event", in->ev.id);
	case NTO_RS_PROC_DAEMON:
		rq->proc->daemon = 1;
		return rs_result(rq, 0, "procmgr daemon mark", 0);
	default:
		return IPCD_DROP;
	}
}

int dispatch_restore_event(struct req *rq)
{
	const struct nto_ctl_rs_event *in = rq->data;
	int rc = rs_check(rq, 0);

	if (rc == 0)
		rc = secure_restore_event(rq->proc, in->handle, &in->ev);
	return rs_result(rq, rc, "secure event", in->handle);
}
