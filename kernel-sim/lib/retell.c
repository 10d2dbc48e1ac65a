/*
 * What this process owns in ipcd, kept so a new ipcd can be re-told after
 * the old one died: channels (with every fd ChannelCreate was given),
 * server connections and client coids (with their region fds), path
 * registrations, procmgr event registrations, the procmgr_daemon mark and
 * secure event registrations. Fed
 * from the replies of successful control requests (nto__retell_note, under the
 * control lock); replayed by nto__retell. Not on the message path;
 * docs/protocol.md section 7.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define CHAN_MAP ((sizeof(struct nto_chan_region) + 4095) & ~(size_t)4095)

struct rt_region { /* a client's connection region, shared by its coids */
	struct rt_region *next;
	int fd;
	dev_t dev;
	ino_t ino;
	int refs;
};

struct rt_coid {
	struct rt_coid *next;
	int coid;
	uint32_t flags;
	pid_t server_pid;
	int chid;
	int scoid;
	struct rt_region *reg;
	/* Qnet: .what 0 (a plain coid), NTO_RS_NET_REMOTE (a remote coid:
	 * what its ConnectAttach named) or NTO_RS_NET_PROXY (the network
	 * manager's coid for a remote client) */
	struct nto_ctl_rs_net net;
};

struct rt_chan {
	struct rt_chan *next;
	int chid;
	uint32_t flags;
	int fds[NTO_RS_FDS_MAX];
	int nfds;
	const struct nto_chan_region *map; /* read-only view of its table */
};

struct rt_sconn {
	struct rt_sconn *next;
	int chid;
	int scoid;
	unsigned tindex; /* its entry in the channel's table */
	uint32_t gen;
	pid_t client_pid;
	int fd;
	dev_t dev; /* the region's memfd (0/0: not known) */
	ino_t ino;
	/* Qnet: a proxy connection's remote client and its holder (0: a
	 * local client) */
	uint32_t nd, srcnd, uid, gid;
	pid_t px_pid;
};

struct rt_path {
	struct rt_path *next;
	size_t len; /* of req, path and NUL included */
	struct nto_ctl_rs_path *req;
};

struct rt_pev { /* a procmgr_event_notify*() registration (hamsoak) */
	struct rt_pev *next;
	struct nto_ctl_proc_event ev; /* as sent; .id the one ipcd gave */
};

static struct rt_region *regions;
static struct rt_coid *coids;
static struct rt_chan *chans;
static struct rt_sconn *sconns;
static struct rt_path *paths;
static struct rt_pev *pevs;
static struct rt_sev { /* a MsgRegisterEvent registration (hamsoak) */
	struct rt_sev *next;
	struct nto_ctl_rs_event rs; /* the request, with ipcd's handle */
} * sevs;
static int daemon_mark;	     /* procmgr_daemon() was called */
static int netmgr_chid = -1; /* nto_netmgr_register()'s channel (Qnet) */

/* Keep a copy of fd at a high number, so the numbers a program sees from
 * open() and ConnectAttach do not move. -1 if it cannot be kept. */
static int keep_fd(int fd)
{
	/* issue 10: the limit is read once (the first kept fd), not per
	 * attach, and again when a program lowered it (F_DUPFD: EINVAL) */
	static long base;
	struct rlimit rl;
	int nfd;

	if (base == 0) {
		base = 512;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY)
			base = (long)rl.rlim_cur / 2;
		if (base < 64)
			base = 64;
	}
	nfd = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, base);
	if (nfd < 0 && errno == EINVAL) { /* the limit went down */
		base = 0;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 >= 64)
			nfd = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC,
					   (long)rl.rlim_cur / 2);
	}
	return nfd;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		nto__sys_close(fd);
}

/* Issue 10: regions of ours no coid uses any more, their kept fd still
 * open (newest last): ipcd hands a detached connection's region back for
 * our next connection to that channel (connect.c keeps the mapping as a
 * spare), and then no fd is duplicated or closed. Oldest out first. */
#define RT_CFREE 8
static struct rt_region *cfree[RT_CFREE];
static unsigned ncfree;

static void region_put(struct rt_region *r)
{
	struct rt_region **pp;

	if (--r->refs > 0)
		return;
	for (pp = &regions; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (ncfree == RT_CFREE) {
		close_fd(cfree[0]->fd);
		free(cfree[0]);
		memmove(&cfree[0], &cfree[1],
			(RT_CFREE - 1) * sizeof(cfree[0]));
		ncfree--;
	}
	cfree[ncfree++] = r;
}

/* A region no coid used, taken back (NULL: none kept). */
static struct rt_region *cfree_take(dev_t dev, ino_t ino)
{
	struct rt_region *r;
	unsigned i;

	for (i = 0; i < ncfree; i++)
		if (cfree[i]->dev == dev && cfree[i]->ino == ino) {
			r = cfree[i];
			memmove(&cfree[i], &cfree[i + 1],
				(ncfree - i - 1) * sizeof(cfree[0]));
			ncfree--;
			return r;
		}
	return NULL;
}

/* The kept region for the memfd `fd` (same inode), kept now if new. */
static struct rt_region *region_get(int fd)
{
	struct rt_region *r;
	struct stat st;

	if (nto__sys_fstat(fd, &st) < 0)
		return NULL;
	for (r = regions; r; r = r->next)
		if (r->dev == st.st_dev && r->ino == st.st_ino) {
			r->refs++;
			return r;
		}
	r = cfree_take(st.st_dev, st.st_ino);
	if (r) {
		r->refs = 1;
		r->next = regions;
		regions = r;
		return r;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = keep_fd(fd);
	if (r->fd < 0) {
		free(r);
		return NULL;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->refs = 1;
	r->next = regions;
	regions = r;
	return r;
}

static void coid_drop(int coid)
{
	struct rt_coid **pp, *c;

	for (pp = &coids; (c = *pp); pp = &c->next)
		if (c->coid == coid) {
			*pp = c->next;
			region_put(c->reg);
			free(c);
			return;
		}
}

/*
 * Issue 10: the kept fds of released server connections, by memfd, so a
 * connection ipcd makes in the same region again (a client's spare) is
 * noted without CONN_FD (nto__retell_sconn_spare). Oldest out first; the
 * same bound as channel.c's spare mappings.
 */
#define RT_SFREE 16
static struct rt_sfree {
	dev_t dev;
	ino_t ino;
	int fd;
} sfree[RT_SFREE];
static unsigned nsfree;

/* Keep a released connection's fd (or close it: unknown region, or the
 * whole channel goes). */
static void sconn_release(struct rt_sconn *s, int keep)
{
	if (!keep || s->ino == 0 || s->nd != 0 || s->fd < 0) {
		close_fd(s->fd);
		return;
	}
	if (nsfree == RT_SFREE) {
		close_fd(sfree[0].fd);
		memmove(&sfree[0], &sfree[1],
			(RT_SFREE - 1) * sizeof(sfree[0]));
		nsfree--;
	}
	sfree[nsfree].dev = s->dev;
	sfree[nsfree].ino = s->ino;
	sfree[nsfree++].fd = s->fd;
}

/* The kept fd of the released region (dev, ino), taken out; -1: none. */
static int sfree_take(dev_t dev, ino_t ino)
{
	unsigned i;
	int fd;

	for (i = 0; i < nsfree; i++)
		if (sfree[i].dev == dev && sfree[i].ino == ino) {
			fd = sfree[i].fd;
			memmove(&sfree[i], &sfree[i + 1],
				(nsfree - i - 1) * sizeof(sfree[0]));
			nsfree--;
			return fd;
		}
	return -1;
}

static int sconn_drop_if(int chid, int scoid_idx)
{
	struct rt_sconn **pp, *s;
	int n = 0;

	for (pp = &sconns; (s = *pp);) {
		if ((chid == 0 || s->chid == chid) &&
		    (scoid_idx < 0 || (s->scoid & 0xffff) == scoid_idx)) {
			*pp = s->next;
			sconn_release(s, scoid_idx >= 0);
			free(s);
			n++;
		} else {
			pp = &s->next;
		}
	}
	return n;
}

static struct rt_chan *chan_get(int chid)
{
	struct rt_chan *c;

	for (c = chans; c; c = c->next)
		if (c->chid == chid)
			return c;
	return NULL;
}

static void chan_free(struct rt_chan *c)
{
	int i;

	for (i = 0; i < c->nfds; i++)
		close_fd(c->fds[i]);
	if (c->map)
		munmap((void *)c->map, CHAN_MAP);
	free(c);
}

/* Whether entry i of a channel's table is the connection s (LIVE or
 * GONE, same scoid and generation). */
static int entry_is(const struct rt_chan *c, unsigned i,
		    const struct rt_sconn *s, int *gone)
{
	const struct nto_chan_conn *e;
	uint32_t st;

	if (!c || !c->map || i >= NTO_CHAN_CONNS)
		return 0;
	e = &c->map->conn[i];
	st = atomic_load(&e->state);
	if ((st != NTO_CCONN_LIVE && st != NTO_CCONN_GONE) ||
	    e->gen != s->gen || (e->scoid & 0xffff) != (s->scoid & 0xffff))
		return 0;
	*gone = st == NTO_CCONN_GONE;
	return 1;
}

/* The table index of a server connection, if the channel's table still
 * holds it; else -1. */
static int sconn_index(const struct rt_sconn *s, int *gone)
{
	return entry_is(chan_get(s->chid), s->tindex, s, gone) ? (int)s->tindex
							       : -1;
}

/* Forget the server connections of chid its table no longer holds (ipcd
 * frees released entries without telling the server). */
static void sconn_prune(int chid)
{
	struct rt_sconn **pp, *s;
	int gone;

	for (pp = &sconns; (s = *pp);) {
		if (s->chid == chid && sconn_index(s, &gone) < 0) {
			*pp = s->next;
			sconn_release(s, 1);
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

static void path_drop_if(int id, int chid)
{
	struct rt_path **pp, *p;

	for (pp = &paths; (p = *pp);) {
		if ((id && p->req->id == id) ||
		    (chid && p->req->chid == chid)) {
			*pp = p->next;
			free(p->req);
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

static void note_channel(const struct nto_ctl_chan *rep, const int *fds,
			 int nfds)
{
	struct rt_chan *c = calloc(1, sizeof(*c));
	void *map;
	int i;

	if (!c)
		return;
	c->chid = rep->chid;
	c->flags = rep->flags;
	for (i = 0; i < nfds && i < NTO_RS_FDS_MAX; i++) {
		c->fds[c->nfds] = keep_fd(fds[i]);
		if (c->fds[c->nfds] >= 0)
			c->nfds++;
	}
	map = nfds > 0 ? mmap(NULL, CHAN_MAP, PROT_READ, MAP_SHARED, fds[0], 0)
		       : MAP_FAILED;
	c->map = map == MAP_FAILED ? NULL : map;
	c->next = chans;
	chans = c;
}

static struct rt_coid *coid_find(int coid)
{
	struct rt_coid *c;

	for (c = coids; c && c->coid != coid; c = c->next)
		;
	return c;
}

/* The channel a connection region names (ipcd wrote it at creation): a
 * remote or alias coid's request names another. */
static int region_chid(int fd, int dflt)
{
	struct nto_conn_hdr h;

	if (syscall(SYS_pread64, fd, &h, sizeof(h), 0) != (long)sizeof(h) ||
	    h.magic != NTO_CONN_MAGIC)
		return dflt;
	return h.chid;
}

/* Qnet: what a remote (or alias of a remote) coid's request named */
static void note_remote(struct rt_coid *c, const struct nto_ctl_attach *req)
{
	const struct rt_coid *src;

	if (req->nd != 0) {
		c->net.what = NTO_RS_NET_REMOTE;
		c->net.nd = req->nd;
		c->net.rpid = req->pid;
		c->net.rchid = req->chid;
		c->net.rflags = req->flags;
	} else if (req->pid == NTO_REBIND_ALIAS &&
		   (src = coid_find(req->chid)) &&
		   src->net.what == NTO_RS_NET_REMOTE) {
		c->net = src->net;
	}
}

/* A new record for coid (replacing any), on the region of fd. */
static struct rt_coid *coid_record(int coid, int fd)
{
	struct rt_coid *c;
	struct rt_region *r = region_get(fd);

	if (!r)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		region_put(r);
		return NULL;
	}
	c->coid = coid;
	c->reg = r;
	return c;
}

static void note_coid(const struct nto_ctl_attach *req,
		      const struct nto_ctl_attach_rep *rep, int fd)
{
	struct rt_coid *c = coid_record(rep->coid, fd);

	if (!c)
		return;
	note_remote(c, req); /* before the drop: an alias may name itself */
	coid_drop(rep->coid);
	c->flags = req->flags;
	c->server_pid = rep->server_pid;
	/* a plain local attach names its channel itself (issue 10: no
	 * read of the region per attach) */
	c->chid = req->nd == 0 && req->pid != NTO_REBIND_ALIAS
			  ? req->chid
			  : region_chid(fd, req->chid);
	c->scoid = rep->scoid;
	c->next = coids;
	coids = c;
}

/* The network manager's proxy coid (NETMGR_ATTACH). */
static void note_proxy(const struct nto_ctl_netmgr_attach *req,
		       const struct nto_ctl_attach_rep *rep, int fd)
{
	struct rt_coid *c = coid_record(rep->coid, fd);

	if (!c)
		return;
	coid_drop(rep->coid);
	c->flags = req->flags;
	c->server_pid = rep->server_pid;
	c->chid = req->chid;
	c->scoid = rep->scoid;
	c->net.what = NTO_RS_NET_PROXY;
	c->net.nd = req->nd;
	c->net.srcnd = req->srcnd;
	c->net.rpid = req->rpid;
	c->net.uid = req->uid;
	c->net.gid = req->gid;
	c->next = coids;
	coids = c;
}

/* RESOLVE_ATTACH: its attach, as CONNECT_ATTACH to the entry it names. */
static void note_resolve_attach(const struct nto_ctl_resolve_attach *req,
				const struct nto_ctl_resolve_attach_rep *rep,
				size_t replen, const int *fds, int nfds)
{
	struct nto_ctl_attach att;

	if (replen < sizeof(*rep) || rep->index < 0 || nfds < 1 ||
	    (uint32_t)rep->index >= rep->n ||
	    replen < sizeof(*rep) + (rep->index + 1) * sizeof(rep->ent[0]))
		return;
	att = req->att;
	att.pid = rep->ent[rep->index].pid;
	att.chid = rep->ent[rep->index].chid;
	note_coid(&att, &rep->att, fds[0]);
}

/* A new record of server connection scoid on chid (any older record of
 * the scoid dropped, the channel's released ones pruned), not yet linked
 * into sconns; NULL without memory. */
static struct rt_sconn *sconn_new(int chid, int scoid, uint32_t gen,
				  pid_t client_pid)
{
	struct rt_sconn *s;

	sconn_drop_if(chid, scoid & 0xffff);
	sconn_prune(chid);
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->chid = chid;
	s->scoid = scoid;
	s->gen = gen;
	s->client_pid = client_pid;
	return s;
}

static void note_sconn(const struct nto_ctl_connfd *rep, int fd)
{
	struct rt_chan *c = chan_get(rep->chid);
	struct rt_sconn *s;
	struct stat st;
	unsigned i, hi;
	int gone;

	s = sconn_new(rep->chid, rep->scoid, rep->gen, rep->client_pid);
	if (!s)
		return;
	/* found once here, so re-checking it later costs one entry */
	hi = c && c->map ? atomic_load(&c->map->hdr.conn_hiwater) : 0;
	for (i = 0; i < hi && i < NTO_CHAN_CONNS; i++)
		if (entry_is(c, i, s, &gone))
			break;
	if (i >= hi || i >= NTO_CHAN_CONNS) {
		free(s);
		return;
	}
	s->tindex = i;
	s->fd = keep_fd(fd);
	if (s->fd < 0) {
		free(s);
		return;
	}
	if (nto__sys_fstat(s->fd, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (rep->nd != 0) { /* a proxy connection (Qnet) */
		s->nd = rep->nd;
		s->srcnd = rep->srcnd;
		s->uid = rep->client_uid;
		s->gid = rep->client_gid;
		s->px_pid = rep->px_pid;
	}
	s->next = sconns;
	sconns = s;
}

int nto__retell_sconn_spare(int chid, int scoid, unsigned tindex, uint32_t gen,
			    pid_t client_pid, dev_t dev, ino_t ino)
{
	struct rt_sconn *s;
	int fd = sfree_take(dev, ino);

	if (fd < 0)
		return -ENOENT;
	s = sconn_new(chid, scoid, gen, client_pid);
	if (!s) {
		close_fd(fd);
		return -ENOMEM;
	}
	s->tindex = tindex;
	s->fd = fd;
	s->dev = dev;
	s->ino = ino;
	s->next = sconns;
	sconns = s;
	return 0;
}

static void note_path(const struct nto_ctl_path *req, size_t reqlen, int id)
{
	size_t plen = strnlen(req->path, reqlen - sizeof(*req));
	struct rt_path *p;

	if (plen >= reqlen - sizeof(*req))
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->len = sizeof(*p->req) + plen + 1;
	p->req = calloc(1, p->len);
	if (!p->req) {
		free(p);
		return;
	}
	p->req->id = id;
	p->req->chid = req->chid;
	p->req->handle = req->handle;
	p->req->flags = req->flags;
	p->req->ftype = req->ftype;
	memcpy(p->req->path, req->path, plen + 1);
	/* re-told in attach order: append */
	{
		struct rt_path **pp = &paths;

		while (*pp)
			pp = &(*pp)->next;
		*pp = p;
	}
}

/* ---- procmgr state (hamsoak) ---- */

static int tell(int fd, uint32_t type, const void *req, size_t len,
		const int *fds, int nfds, unsigned *refused);

static void pev_drop(int id)
{
	struct rt_pev **pp, *e;

	for (pp = &pevs; (e = *pp); pp = &e->next)
		if (e->ev.id == id) {
			*pp = e->next;
			free(e);
			return;
		}
}

static void note_pev(const struct nto_ctl_proc_event *in, const void *rep,
		     size_t replen)
{
	struct rt_pev *e;
	int id;

	switch (in->op) {
	case NTO_PROC_EVENT_NOTIFY:
		id = 0;
		break;
	case NTO_PROC_EVENT_ADD:
		if (replen < sizeof(struct nto_ctl_id))
			return;
		id = ((const struct nto_ctl_id *)rep)->id;
		break;
	case NTO_PROC_EVENT_DELETE:
		pev_drop(in->id);
		return;
	default:
		return; /* TRIGGER leaves nothing behind */
	}
	pev_drop(id);
	if (in->op == NTO_PROC_EVENT_NOTIFY && in->events == 0)
		return; /* procmgr_event_notify(0, NULL): none any more */
	e = calloc(1, sizeof(*e));
	if (!e)
		return; /* a new ipcd will not know it (see protocol.md 7) */
	e->ev = *in;
	e->ev.id = id;
	e->next = pevs;
	pevs = e;
}

static void sev_drop(int32_t handle)
{
	struct rt_sev **pp, *e;

	for (pp = &sevs; (e = *pp); pp = &e->next)
		if (e->rs.handle == handle) {
			*pp = e->next;
			free(e);
			return;
		}
}

static void note_sev(const struct nto_ctl_evreg *in, const void *rep,
		     size_t replen)
{
	struct rt_sev *e;

	if (replen < sizeof(struct nto_ctl_id))
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		return; /* a new ipcd will not know it (see protocol.md 7) */
	e->rs.handle = ((const struct nto_ctl_id *)rep)->id;
	e->rs.ev = *in;
	e->next = sevs;
	sevs = e;
}

void nto__retell_daemon(void)
{
	daemon_mark = 1;
	nto__ctl_keeper_start();
}

static int retell_procmgr(int fd, unsigned *refused)
{
	struct nto_ctl_rs_proc req;
	struct rt_pev *e;
	int rc;

	if (daemon_mark) {
		memset(&req, 0, sizeof(req));
		req.what = NTO_RS_PROC_DAEMON;
		rc = tell(fd, NTO_CTL_RESTORE_PROC, &req, sizeof(req), NULL, 0,
			  refused);
		if (rc < 0)
			return rc;
	}
	for (e = pevs; e; e = e->next) {
		memset(&req, 0, sizeof(req));
		req.what = NTO_RS_PROC_EVENT;
		req.ev = e->ev;
		rc = tell(fd, NTO_CTL_RESTORE_PROC, &req, sizeof(req), NULL, 0,
			  refused);
		if (rc < 0)
			return rc;
	}
	for (struct rt_sev *s = sevs; s; s = s->next) {
		rc = tell(fd, NTO_CTL_RESTORE_EVENT, &s->rs, sizeof(s->rs),
			  NULL, 0, refused);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void nto__retell_note(uint32_t type, const void *req, size_t reqlen,
		      const void *rep, size_t replen, const int *fds, int nfds)
{
	const struct nto_ctl_id *id = req;

	switch (type) {
	case NTO_CTL_CHANNEL_CREATE:
		if (replen >= sizeof(struct nto_ctl_chan))
			note_channel(rep, fds, nfds);
		break;
	case NTO_CTL_CHANNEL_DESTROY: {
		const struct nto_ctl_chan *in = req;
		struct rt_chan **pp, *c;

		for (pp = &chans; (c = *pp); pp = &c->next)
			if (c->chid == in->chid) {
				*pp = c->next;
				chan_free(c);
				break;
			}
		sconn_drop_if(in->chid, -1);
		path_drop_if(0, in->chid);
		if (in->chid == netmgr_chid)
			netmgr_chid = -1;
		break;
	}
	case NTO_CTL_CONNECT_ATTACH:
	case NTO_CTL_CONNECT_REBIND:
		if (replen >= sizeof(struct nto_ctl_attach_rep) && nfds >= 1)
			note_coid(req, rep, fds[0]);
		break;
	case NTO_CTL_RESOLVE_ATTACH: /* issue 10: an attach, if it made one */
		note_resolve_attach(req, rep, replen, fds, nfds);
		break;
	case NTO_CTL_CONNECT_DETACH: {
		struct rt_coid *c = coid_find(id->id);

		if (c)
			coid_drop(id->id);
		else if (id->id & _NTO_SIDE_CHANNEL) /* a scoid of ours */
			sconn_drop_if(0, id->id & 0xffff);
		break;
	}
	case NTO_CTL_NETMGR_ATTACH: /* Qnet: the network manager's proxy */
		if (replen >= sizeof(struct nto_ctl_attach_rep) && nfds >= 1)
			note_proxy(req, rep, fds[0]);
		break;
	case NTO_CTL_CONN_FD:
		if (replen >= sizeof(struct nto_ctl_connfd) && nfds >= 1)
			note_sconn(rep, fds[0]);
		break;
	case NTO_CTL_PATH_ATTACH:
		if (replen >= sizeof(struct nto_ctl_id) &&
		    reqlen > sizeof(struct nto_ctl_path))
			note_path(req, reqlen,
				  ((const struct nto_ctl_id *)rep)->id);
		break;
	case NTO_CTL_PATH_DETACH:
		path_drop_if(id->id, 0);
		break;
	case NTO_CTL_PROC_EVENT:
		if (reqlen >= sizeof(struct nto_ctl_proc_event))
			note_pev(req, rep, replen);
		break;
	case NTO_CTL_EVENT_REGISTER:
		if (reqlen >= sizeof(struct nto_ctl_evreg))
			note_sev(req, rep, replen);
		break;
	case NTO_CTL_EVENT_UNREGISTER:
		sev_drop(id->id);
		break;
	case NTO_CTL_NETMGR: { /* the network manager's registration */
		const struct nto_ctl_netmgr *nm = req;

		if (nm->op != NTO_NETMGR_REGISTER)
			return;
		netmgr_chid = nm->id;
		break;
	}
	default:
		return;
	}
	if (nto__retell_owns())
		nto__ctl_keeper_start();
}

int nto__retell_owns(void)
{
	return chans || coids || paths || pevs || sevs || daemon_mark;
}

/* One claim; ENOTCONN/ETIMEDOUT end the re-tell, a refusal is counted. */
static int tell(int fd, uint32_t type, const void *req, size_t len,
		const int *fds, int nfds, unsigned *refused)
{
	int rc =
		nto__ctl_exchange(fd, type, req, len, fds, nfds, NULL, 0, NULL);

	if (rc == -ENOTCONN || rc == -ETIMEDOUT)
		return rc;
	if (rc < 0)
		(*refused)++;
	return 0;
}

/* ---- Qnet (docs/protocol.md section 7, RESTORE_NET) ---- */

/* A remote coid: the coid (a NOSHARE connection to the network manager's
 * channel), then its target. A proxy coid: one RESTORE_NET claim. */
static int tell_net_coid(int fd, const struct rt_coid *co,
			 const struct nto_ctl_rs_coid *req, unsigned *refused)
{
	struct nto_ctl_rs_net net = co->net;
	int rc;

	net.coid = *req;
	if (net.what == NTO_RS_NET_PROXY)
		return tell(fd, NTO_CTL_RESTORE_NET, &net, sizeof(net),
			    &co->reg->fd, 1, refused);
	net.coid.flags |= _NTO_COF_NOSHARE;
	rc = tell(fd, NTO_CTL_RESTORE_COID, &net.coid, sizeof(net.coid),
		  &co->reg->fd, 1, refused);
	if (rc < 0)
		return rc;
	return tell(fd, NTO_CTL_RESTORE_NET, &net, sizeof(net), NULL, 0,
		    refused);
}

/* A server's proxy connection: held by the network manager, for a
 * process of another node. */
static int tell_proxy_sconn(int fd, const struct rt_sconn *s,
			    const struct nto_ctl_rs_sconn *req,
			    unsigned *refused)
{
	struct nto_ctl_rs_net net;

	memset(&net, 0, sizeof(net));
	net.what = NTO_RS_NET_SCONN;
	net.sconn = *req;
	net.nd = s->nd;
	net.srcnd = s->srcnd;
	net.rpid = s->client_pid;
	net.uid = s->uid;
	net.gid = s->gid;
	net.px_pid = s->px_pid;
	return tell(fd, NTO_CTL_RESTORE_NET, &net, sizeof(net), (int *)&s->fd,
		    1, refused);
}

int nto__retell(int fd)
{
	struct nto_ctl_rs_done done;
	struct rt_chan *c;
	struct rt_sconn *s, **pp;
	struct rt_coid *co;
	struct rt_path *p;
	unsigned refused = 0;
	size_t got = 0;
	int rc;

	for (c = chans; c; c = c->next) {
		struct nto_ctl_rs_chan req = {c->chid, c->flags,
					      (uint32_t)c->nfds};

		rc = tell(fd, NTO_CTL_RESTORE_CHAN, &req, sizeof(req), c->fds,
			  c->nfds, &refused);
		if (rc < 0)
			return rc;
	}
	for (pp = &sconns; (s = *pp);) {
		struct nto_ctl_rs_sconn req = {s->chid, s->scoid,      0,
					       s->gen,	s->client_pid, 0};
		int gone = 0, t = sconn_index(s, &gone);

		if (t < 0) { /* released while ipcd was away */
			*pp = s->next;
			sconn_release(s, 1);
			free(s);
			continue;
		}
		req.tindex = (uint32_t)t;
		req.flags = gone ? NTO_RS_GONE : 0;
		if (s->nd) /* Qnet: a proxy connection */
			rc = tell_proxy_sconn(fd, s, &req, &refused);
		else
			rc = tell(fd, NTO_CTL_RESTORE_SCONN, &req, sizeof(req),
				  &s->fd, 1, &refused);
		if (rc < 0)
			return rc;
		pp = &s->next;
	}
	for (co = coids; co; co = co->next) {
		struct nto_ctl_rs_coid req = {co->coid, co->flags,
					      co->server_pid, co->chid,
					      co->scoid};

		if (co->net.what) { /* Qnet: a remote or a proxy coid */
			rc = tell_net_coid(fd, co, &req, &refused);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = tell(fd, NTO_CTL_RESTORE_COID, &req, sizeof(req),
			  &co->reg->fd, 1, &refused);
		if (rc < 0)
			return rc;
	}
	for (p = paths; p; p = p->next) {
		rc = tell(fd, NTO_CTL_RESTORE_PATH, p->req, p->len, NULL, 0,
			  &refused);
		if (rc < 0)
			return rc;
	}
	rc = retell_procmgr(fd, &refused); /* after the coids they name */
	if (rc < 0)
		return rc;
	if (netmgr_chid >= 0) { /* after its channel */
		struct nto_ctl_netmgr req = {NTO_NETMGR_REGISTER, netmgr_chid};

		rc = tell(fd, NTO_CTL_NETMGR, &req, sizeof(req), NULL, 0,
			  &refused);
		if (rc < 0)
			return rc;
	}
	rc = nto__ctl_exchange(fd, NTO_CTL_RESTORE_DONE, NULL, 0, NULL, 0,
			       &done, sizeof(done), &got);
	if (rc == -ENOTCONN || rc == -ETIMEDOUT)
		return rc;
	return 0;
}

void nto__retell_fork_reset(void)
{
	/* the parent's objects are not the child's; close our copies */
	while (coids)
		coid_drop(coids->coid);
	while (chans) {
		struct rt_chan *c = chans;

		chans = c->next;
		chan_free(c);
	}
	sconn_drop_if(0, -1);
	while (nsfree > 0)
		close_fd(sfree[--nsfree].fd);
	while (ncfree > 0) {
		close_fd(cfree[--ncfree]->fd);
		free(cfree[ncfree]);
	}
	while (paths) {
		struct rt_path *p = paths;

		paths = p->next;
		free(p->req);
		free(p);
	}
	while (pevs)
		pev_drop(pevs->ev.id);
	while (sevs)
		sev_drop(sevs->rs.handle);
	daemon_mark = 0;
	netmgr_chid = -1;
}
