/*
 * Client-side connections: the coid tables (fd-space coids are real fd
 * numbers held by a /dev/null placeholder; side-channel coids are ipcd ids),
 * the mapped connection regions they share, and ConnectAttach/Detach/
 * ServerInfo/Flags/ClientInfo. The message path itself is in msgsend.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define FDTAB_CAP (1u << 20)
#define COF_KNOWN                                                \
	(_NTO_COF_CLOEXEC | _NTO_COF_NOSHARE | _NTO_COF_NETCON | \
	 _NTO_COF_NONBLOCK | _NTO_COF_ASYNC | _NTO_COF_GLOBAL |  \
	 _NTO_COF_INSECURE)

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct nto_coid *) *_Atomic fdtab; /* mmap'd, fdtab_n entries */
static size_t fdtab_n;
static _Atomic(struct nto_coid *) sidetab[NTO_IDS_MAX];
static struct nto_coid *coid_freelist; /* coids are type-stable: never freed */
static struct nto_conn *conns;

static int tables_init_locked(void)
{
	struct rlimit rl;
	size_t n = FDTAB_CAP;
	void *p;

	if (fdtab)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n)
		n = (size_t)rl.rlim_cur;
	/* calloc of a table this size is backed by fresh zero pages, so
	 * untouched entries cost nothing; unlike a private mmap, leak
	 * checkers scan it, so what it points to is never reported */
	p = calloc(n, sizeof(*fdtab));
	if (!p)
		return -ENOMEM;
	fdtab_n = n;
	atomic_store(&fdtab, (_Atomic(struct nto_coid *) *)p);
	return 0;
}

static _Atomic(struct nto_coid *) *entry_of(int coid)
{
	_Atomic(struct nto_coid *) *t =
		atomic_load_explicit(&fdtab, memory_order_acquire);

	if (coid < 0)
		return NULL;
	if (coid & _NTO_SIDE_CHANNEL) {
		int idx = coid & ~_NTO_SIDE_CHANNEL;

		return idx > 0 && idx < NTO_IDS_MAX ? &sidetab[idx] : NULL;
	}
	return t && (size_t)coid < fdtab_n ? &t[coid] : NULL;
}

int nto__coid_is_fd(int fd)
{
	_Atomic(struct nto_coid *) *t =
		atomic_load_explicit(&fdtab, memory_order_acquire);

	return t && fd >= 0 && (size_t)fd < fdtab_n &&
	       atomic_load_explicit(&t[fd], memory_order_acquire) != NULL;
}

struct nto_coid *nto__coid_get(int coid)
{
	_Atomic(struct nto_coid *) *e = entry_of(coid);
	struct nto_coid *c;

	if (!e)
		return NULL;
	for (;;) {
		c = atomic_load_explicit(e, memory_order_acquire);
		if (!c)
			return NULL;
		atomic_fetch_add(&c->busy, 1);
		if (atomic_load(e) == c)
			return c;
		/* raced with a detach; the struct is type-stable, so undo */
		atomic_fetch_sub(&c->busy, 1);
	}
}

void nto__coid_put(struct nto_coid *c)
{
	atomic_fetch_sub(&c->busy, 1);
}

void nto__conn_ref(struct nto_conn *conn)
{
	atomic_fetch_add(&conn->refs, 1);
}

static void conn_destroy(struct nto_conn *conn)
{
	munmap(conn->region, NTO_CONN_SIZE);
	munmap(conn->doorbell, NTO_DOORBELL_SIZE);
	munmap((void *)conn->wait, NTO_WAITPAGE_SIZE);
	pthread_mutex_destroy(&conn->lock);
	free(conn);
}

static void conn_unlink_locked(struct nto_conn *conn)
{
	struct nto_conn **pp;

	for (pp = &conns; *pp; pp = &(*pp)->next)
		if (*pp == conn) {
			*pp = conn->next;
			break;
		}
}

/*
 * The last coid of a connection went: keep its mappings as a spare (up to
 * NTO_CLI_SPARES, like ipcd's: on a DISCONNECT channel the server lets go
 * of a connection only after our next open, so ipcd alternates regions),
 * since ipcd hands the same region back for a later connection of ours to
 * that channel; beyond that the oldest spare is unmapped.
 */
#define NTO_CLI_SPARES 4

void nto__conn_unref(struct nto_conn *conn)
{
	struct nto_conn *old = NULL, *c;
	unsigned n = 0;

	if (atomic_fetch_sub(&conn->refs, 1) != 1)
		return;
	pthread_mutex_lock(&tab_lock);
	if (atomic_load(&conn->refs) != 0) { /* revived by an attach */
		pthread_mutex_unlock(&tab_lock);
		return;
	}
	/* the list is newest first: the last spare found is the oldest */
	for (c = conns; c; c = c->next)
		if (c->spare && c != conn) {
			old = c;
			n++;
		}
	if (n < NTO_CLI_SPARES)
		old = NULL;
	if (old)
		conn_unlink_locked(old);
	conn->spare = 1;
	pthread_mutex_unlock(&tab_lock);
	if (old)
		conn_destroy(old);
}

/* A spare whose region ipcd handed back: a new connection in it. */
static int conn_revive(struct nto_conn *c, const struct nto_ctl_attach_rep *rep)
{
	unsigned i;

	if (c->region->hdr.magic != NTO_CONN_MAGIC ||
	    c->region->hdr.version != NTO_SHM_VERSION)
		return -EPROTO;
	c->spare = 0;
	c->nd = 0;
	c->conn_id = rep->conn_id;
	c->server_pid = rep->server_pid;
	c->chid = c->region->hdr.chid;
	c->scoid = rep->scoid;
	c->chflags = rep->chflags;
	c->tindex = c->region->hdr.conn_index;
	c->bump = NTO_CONN_BULK;
	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		c->ext_off[i] = NTO_CONN_DATA + (uint64_t)i * NTO_CONN_INLINE;
		c->ext_cap[i] = NTO_CONN_INLINE;
	}
	atomic_store(&c->slot_waiters, 0);
	atomic_store(&c->abandoned, 0);
	atomic_store(&c->refs, 1);
	return 0;
}

/* Find the process's mapping of a connection, or map the fds ipcd sent. */
static int conn_get_or_map(const struct nto_ctl_attach_rep *rep, int *fds,
			   int nfds, struct nto_conn **out)
{
	struct nto_conn *c;
	struct stat st;
	unsigned i;

	/* restart area: a new ipcd numbers connections afresh, so the
	 * mapping is found by its memfd, never by conn_id alone */
	if (nfds < 1 || nto__sys_fstat(fds[0], &st) < 0)
		return -EPROTO;
	for (c = conns; c; c = c->next) {
		int r = atomic_load(&c->refs);

		if (c->reg_dev != st.st_dev || c->reg_ino != st.st_ino)
			continue;
		if (r == 0 && c->spare && rep->fresh) {
			if (conn_revive(c, rep) < 0)
				return -EPROTO;
			*out = c;
			return 0;
		}
		while (r > 0)
			if (atomic_compare_exchange_weak(&c->refs, &r, r + 1)) {
				*out = c;
				return 0;
			}
	}
	if (nfds < 3) /* issue 10: the region only: ask for the rest */
		return nfds == 1 ? -ENOENT : -EPROTO;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->region = mmap(NULL, NTO_CONN_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, fds[0], 0);
	if (c->region == MAP_FAILED)
		goto fail_free;
	c->doorbell = mmap(NULL, NTO_DOORBELL_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fds[1], 0);
	if (c->doorbell == MAP_FAILED)
		goto fail_region;
	/* read-only: the fd ipcd sent cannot be mapped writable at all */
	c->wait =
		mmap(NULL, NTO_WAITPAGE_SIZE, PROT_READ, MAP_SHARED, fds[2], 0);
	if (c->wait == MAP_FAILED)
		goto fail_bell;
	if (c->region->hdr.magic != NTO_CONN_MAGIC ||
	    c->region->hdr.version != NTO_SHM_VERSION) {
		munmap((void *)c->wait, NTO_WAITPAGE_SIZE);
		goto fail_bell;
	}
	c->conn_id = rep->conn_id;
	c->reg_dev = st.st_dev;
	c->reg_ino = st.st_ino;
	atomic_init(&c->refs, 1);
	c->server_pid = rep->server_pid;
	c->chid = c->region->hdr.chid;
	c->scoid = rep->scoid;
	c->chflags = rep->chflags;
	c->tindex = c->region->hdr.conn_index; /* ipcd's; checked at use */
	pthread_mutex_init(&c->lock, NULL);
	c->bump = NTO_CONN_BULK;
	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		c->ext_off[i] = NTO_CONN_DATA + (uint64_t)i * NTO_CONN_INLINE;
		c->ext_cap[i] = NTO_CONN_INLINE;
	}
	c->next = conns;
	conns = c;
	*out = c;
	return 0;
fail_bell:
	munmap(c->doorbell, NTO_DOORBELL_SIZE);
fail_region:
	munmap(c->region, NTO_CONN_SIZE);
fail_free:
	free(c);
	return -EPROTO;
}

/* The lowest free real fd >= index, held by a /dev/null placeholder. */
static int placeholder(unsigned index)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
			      O_RDWR | O_CLOEXEC);
	int nfd;

	if (fd < 0)
		fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((unsigned)fd >= index)
		return fd; /* already the lowest free number >= index */
	nfd = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, (long)index);
	if (nfd < 0)
		nfd = -errno;
	nto__sys_close(fd);
	return nfd;
}

static struct nto_coid *coid_alloc_locked(void)
{
	struct nto_coid *c = coid_freelist;

	if (c) {
		coid_freelist = (struct nto_coid *)c->conn;
		c->conn = NULL;
		return c;
	}
	return calloc(1, sizeof(*c));
}

int nto__attach_begin(unsigned index, int *ph)
{
	int rc;

	*ph = -1;
	pthread_mutex_lock(&tab_lock);
	rc = tables_init_locked();
	pthread_mutex_unlock(&tab_lock);
	if (rc < 0)
		return rc;
	if (!(index & _NTO_SIDE_CHANNEL)) {
		if (index >= fdtab_n)
			return -EINVAL;
		rc = placeholder(index);
		if (rc < 0)
			return rc == -EINVAL ? -EMFILE : rc;
		if ((size_t)rc >= fdtab_n) {
			nto__sys_close(rc);
			return -EMFILE;
		}
		*ph = rc;
	}
	return 0;
}

/* Issue 10: ipcd attached only the region fd (a connection it takes us to
 * map already), but we let go of that mapping: ask for all of its fds.
 * Replaces fds[0..*nfds). 0 or -errno. */
static int conn_fds_refetch(int coid, int *fds, int *nfds)
{
	struct nto_ctl_id req = {coid};
	int i, rc;

	for (i = 0; i < *nfds; i++)
		nto__sys_close(fds[i]);
	*nfds = 0;
	rc = nto__ctl_call(NTO_CTL_CONN_FDS, &req, sizeof(req), NULL, 0, NULL,
			   fds, NTO_CTL_FDS_MAX, nfds);
	if (rc == 0 && *nfds < 3)
		rc = -EPROTO;
	return rc;
}

int nto__attach_end(int rc, const struct nto_ctl_attach_rep *rep, size_t got,
		    int *fds, int nfds, int flags, int ph)
{
	struct nto_conn *conn = NULL;
	struct nto_coid *c;
	int i;

	if (rc >= 0 && got < sizeof(*rep))
		rc = -EPROTO;
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&tab_lock);
	rc = conn_get_or_map(rep, fds, nfds, &conn);
	if (rc == -ENOENT) {
		pthread_mutex_unlock(&tab_lock);
		rc = conn_fds_refetch(rep->coid, fds, &nfds);
		pthread_mutex_lock(&tab_lock);
		if (rc == 0)
			rc = conn_get_or_map(rep, fds, nfds, &conn);
	}
	if (rc == 0) {
		c = coid_alloc_locked();
		if (!c) {
			rc = -ENOMEM;
		} else {
			c->conn = conn;
			c->flags = flags & _NTO_COF_CLOEXEC;
			atomic_store(&c->busy, 0);
			atomic_store(entry_of(rep->coid), c);
			rc = rep->coid;
		}
	}
	pthread_mutex_unlock(&tab_lock);
	if (rc < 0) {
		struct nto_ctl_id d = {rep->coid};

		if (conn)
			nto__conn_unref(conn);
		nto__ctl_call(NTO_CTL_CONNECT_DETACH, &d, sizeof(d), NULL, 0,
			      NULL, NULL, 0, NULL);
	}
out:
	for (i = 0; i < nfds; i++)
		nto__sys_close(fds[i]);
	if (rc < 0 && ph >= 0)
		nto__sys_close(ph);
	if (rc >= 0)
		NTO_FAULT(NTO_FP_CONNECT, NULL);
	return rc;
}

/* ConnectAttach and the network manager's proxy attach (netctl.c): send
 * `req` (type CONNECT_ATTACH or NETMGR_ATTACH; *req_coid is its coid
 * field, filled here) and map what ipcd gives. The coid, or -errno. */
int nto__attach_ctl(uint32_t type, void *req, size_t reqlen, int32_t *req_coid,
		    unsigned index, int flags)
{
	struct nto_ctl_attach_rep rep;
	int fds[NTO_CTL_FDS_MAX], nfds = 0, ph, rc;
	size_t got = 0;

	if ((unsigned)flags & ~(unsigned)COF_KNOWN)
		return -EINVAL;
	rc = nto__attach_begin(index, &ph);
	if (rc < 0)
		return rc;
	*req_coid = ph >= 0 ? ph : -1;
	rc = nto__ctl_call(type, req, reqlen, &rep, sizeof(rep), &got, fds,
			   NTO_CTL_FDS_MAX, &nfds);
	return nto__attach_end(rc, &rep, got, fds, nfds, flags, ph);
}

NTO_EXPORT int ConnectAttach_r(_Uint32t nd, pid_t pid, int chid, unsigned index,
			       int flags)
{
	struct nto_ctl_attach req = {nd, pid, chid, -1, (uint32_t)flags};
	int rc = nto__attach_ctl(NTO_CTL_CONNECT_ATTACH, &req, sizeof(req),
				 &req.coid, index, flags);

	if (rc >= 0 && nd != 0) { /* netctl.c: ask the network manager */
		int r = nto__netctl_check(rc, nd, pid, chid);

		if (r < 0) {
			ConnectDetach_r(rc);
			return r;
		}
	}
	return rc;
}

NTO_EXPORT int ConnectAttach(_Uint32t nd, pid_t pid, int chid, unsigned index,
			     int flags)
{
	return nto__ret_val(ConnectAttach_r(nd, pid, chid, index, flags));
}

/* Make threads blocked on `coid` notice the detach (see msgsend.c). */
static void kick_senders(struct nto_conn *conn, int coid)
{
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		struct nto_slot *s = &conn->region->slot[i];
		uint32_t st = atomic_load(&s->state);

		if (s->coid == coid && st != NTO_SLOT_FREE)
			nto__futex_wake(&s->state, INT32_MAX);
	}
	nto__futex_wake(&conn->slot_free_seq, INT32_MAX);
}

NTO_EXPORT int ConnectDetach_r(int coid)
{
	_Atomic(struct nto_coid *) *e = entry_of(coid);
	struct nto_ctl_id d = {coid};
	struct nto_coid *c = NULL;
	struct nto_conn *conn;
	uint64_t deadline;

	pthread_mutex_lock(&tab_lock);
	if (e)
		c = atomic_load(e);
	if (!c) {
		pthread_mutex_unlock(&tab_lock);
		/* not a coid of ours: perhaps one of our scoids */
		return nto__srv_detach_scoid(coid);
	}
	atomic_store(e, NULL);
	atomic_fetch_add(&c->detach_seq, 1);
	conn = c->conn;
	kick_senders(conn, coid);
	pthread_mutex_unlock(&tab_lock);

	/* senders only hold `busy` for the instant it takes to pin the
	 * connection; bounded anyway */
	deadline = nto__now_ns() + 1000000000ull;
	while (atomic_load(&c->busy) > 0 && nto__now_ns() < deadline)
		sched_yield();
	/* not waited for: the coid is ours and known (checked above), and
	 * ipcd takes our later requests after this one */
	nto__ctl_post(NTO_CTL_CONNECT_DETACH, &d, sizeof(d));
	if (!(coid & _NTO_SIDE_CHANNEL))
		nto__sys_close(coid); /* frees the fd number */
	nto__conn_unref(conn);
	pthread_mutex_lock(&tab_lock);
	c->conn = (struct nto_conn *)coid_freelist;
	coid_freelist = c;
	pthread_mutex_unlock(&tab_lock);
	return EOK;
}

/*
 * Point an existing coid at another channel without ever letting go of its
 * number: ipcd moves the coid record (CONNECT_REBIND), an fd-space coid
 * keeps its placeholder fd open, and the table entry is
 * swapped in one store, so a thread using the number meanwhile reaches
 * either the old connection (dead or not: EBADF/ESRCH, which libha
 * recovers) or the new one, never libc or someone else's connection.
 * Returns 0 or -errno; if ipcd refuses (no such target), coid is left as it
 * was.
 */
int nto__coid_rebind(int coid, pid_t pid, int chid, int flags)
{
	return nto__coid_rebind_nd(coid, ND_LOCAL_NODE, pid, chid, flags);
}

int nto__coid_rebind_nd(int coid, uint32_t nd, pid_t pid, int chid, int flags)
{
	_Atomic(struct nto_coid *) *e = entry_of(coid);
	struct nto_ctl_attach req = {nd, pid, chid, coid, (uint32_t)flags};
	struct nto_ctl_attach_rep rep;
	struct nto_conn *conn = NULL, *old;
	struct nto_coid *c;
	int fds[NTO_CTL_FDS_MAX], nfds = 0, rc, i;
	size_t got = 0;
	uint64_t deadline;

	if (!e || !atomic_load(e))
		return -EBADF;
	if ((unsigned)flags & ~(unsigned)COF_KNOWN)
		return -EINVAL;
	if (pid == NTO_REBIND_ALIAS) /* nto__coid_alias: not a target */
		nd = ND_LOCAL_NODE;
	/* ipcd moves the coid record; the number is never free */
	rc = nto__ctl_call(NTO_CTL_CONNECT_REBIND, &req, sizeof(req), &rep,
			   sizeof(rep), &got, fds, NTO_CTL_FDS_MAX, &nfds);
	if (rc >= 0 && got < sizeof(rep))
		rc = -EPROTO;
	if (rc < 0) { /* ipcd left the coid as it was (dead or alive) */
		for (i = 0; i < nfds; i++)
			nto__sys_close(fds[i]);
		return rc;
	}
	pthread_mutex_lock(&tab_lock);
	c = atomic_load(e);
	rc = conn_get_or_map(&rep, fds, nfds, &conn);
	if (rc < 0 || !c) {
		pthread_mutex_unlock(&tab_lock);
		if (conn)
			nto__conn_unref(conn);
		for (i = 0; i < nfds; i++)
			nto__sys_close(fds[i]);
		ConnectDetach_r(coid); /* ipcd moved it; we cannot follow */
		return rc < 0 ? rc : -EBADF;
	}
	old = c->conn;
	c->conn = conn;
	c->flags = flags & _NTO_COF_CLOEXEC;
	atomic_fetch_add(&c->detach_seq, 1);
	kick_senders(old, coid);
	pthread_mutex_unlock(&tab_lock);
	for (i = 0; i < nfds; i++)
		nto__sys_close(fds[i]);
	/* a sender may be between reading c->conn and pinning it */
	deadline = nto__now_ns() + 1000000000ull;
	while (atomic_load(&c->busy) > 0 && nto__now_ns() < deadline)
		sched_yield();
	nto__conn_unref(old);
	/* a remote target: the network manager binds it (as after a remote
	 * ConnectAttach); if it cannot, the coid is dead for its user */
	if (nd != ND_LOCAL_NODE)
		return nto__netctl_check(coid, nd, pid, chid);
	return 0;
}

int nto__coid_alias(int coid, int src, int flags)
{
	int rc = nto__coid_rebind_nd(coid, ND_LOCAL_NODE, NTO_REBIND_ALIAS, src,
				     flags);
	struct nto_coid *c;

	if (rc == 0 && (c = nto__coid_get(coid))) {
		atomic_fetch_add(&c->conn->aliases, 1);
		nto__coid_put(c);
	}
	return rc;
}

int nto__coid_unalias(int coid)
{
	struct nto_coid *c = nto__coid_get(coid);
	int shared = 0;

	if (c) {
		int n = atomic_load(&c->conn->aliases);

		while (n > 0 && !shared)
			shared = atomic_compare_exchange_weak(&c->conn->aliases,
							      &n, n - 1);
		nto__coid_put(c);
	}
	return shared;
}

NTO_EXPORT int nto_connect_rebind(int coid, uint32_t nd, pid_t pid, int chid,
				  int flags)
{
	int rc = nto__coid_rebind_nd(coid, nd, pid, chid, flags);

	return nto__ret_val(rc < 0 ? rc : coid);
}

NTO_EXPORT int ConnectDetach(int coid)
{
	return nto__ret_eok(ConnectDetach_r(coid));
}

static int conn_dead(const struct nto_conn *conn)
{
	return atomic_load(&conn->region->hdr.dead) == NTO_CONN_SERVER_GONE;
}

/* Fill info for one coid; returns 1 if it was reported. */
static int server_info(int coid, struct _server_info *info)
{
	struct nto_coid *c = nto__coid_get(coid);
	int dead;

	if (!c)
		return 0;
	dead = conn_dead(c->conn);
	if (!info) {
		nto__coid_put(c);
		return !dead;
	}
	memset(info, 0, sizeof(*info));
	info->pid = c->conn->server_pid;
	info->chid = c->conn->chid;
	if (c->conn->nd) { /* a remote coid: its target (netctl.c) */
		info->nd = c->conn->nd;
		info->pid = c->conn->rpid;
		info->chid = c->conn->rchid;
	}
	info->scoid = c->conn->scoid;
	info->coid = coid;
	info->flags = (int16_t)((c->flags & _NTO_COF_CLOEXEC) |
				(dead ? _NTO_COF_DEAD : 0));
	nto__coid_put(c);
	return 1;
}

NTO_EXPORT int ConnectServerInfo_r(pid_t pid, int coid,
				   struct _server_info *info)
{
	size_t i;

	nto__timeout_clear(); /* a kernel call spends the timeout */
	if (pid != 0 && pid != nto__pid())
		return -ESRCH; /* only the caller's own connections are visible
				*/
	if (coid < 0)
		return -EINVAL;
	if (!(coid & _NTO_SIDE_CHANNEL)) {
		for (i = (size_t)coid; fdtab && i < fdtab_n; i++)
			if (atomic_load_explicit(&fdtab[i],
						 memory_order_relaxed) &&
			    server_info((int)i, info))
				return (int)i;
		coid = _NTO_SIDE_CHANNEL;
	}
	for (i = (size_t)(coid & ~_NTO_SIDE_CHANNEL); i < NTO_IDS_MAX; i++)
		if (atomic_load_explicit(&sidetab[i], memory_order_relaxed) &&
		    server_info((int)i | _NTO_SIDE_CHANNEL, info))
			return (int)i | _NTO_SIDE_CHANNEL;
	return -EINVAL;
}

NTO_EXPORT int ConnectServerInfo(pid_t pid, int coid, struct _server_info *info)
{
	return nto__ret_val(ConnectServerInfo_r(pid, coid, info));
}

NTO_EXPORT int ConnectFlags_r(pid_t pid, int coid, unsigned mask, unsigned bits)
{
	struct nto_coid *c;
	int old;

	nto__timeout_clear(); /* a kernel call spends the timeout */
	if (pid != 0 && pid != nto__pid())
		return -ESRCH;
	c = nto__coid_get(coid);
	if (!c)
		return -EBADF;
	mask &= _NTO_COF_CLOEXEC;
	old = c->flags;
	c->flags = (int)(((unsigned)old & ~mask) | (bits & mask));
	nto__coid_put(c);
	return old;
}

NTO_EXPORT int ConnectFlags(pid_t pid, int coid, unsigned mask, unsigned bits)
{
	return nto__ret_val(ConnectFlags_r(pid, coid, mask, bits));
}

NTO_EXPORT int ConnectClientInfo_r(int scoid, struct _client_info *info,
				   int ngroups)
{
	struct nto_ctl_id req = {scoid};
	struct nto_ctl_client rep;
	size_t got = sizeof(rep);
	pid_t sid = 0;
	int rc;

	(void)ngroups;
	if (!info)
		return EFAULT;
	/* a connection we have mapped: no ipcd round trip (channel.c) */
	rc = nto__srv_client_cached(scoid, &rep, &sid);
	if (rc < 0)
		rc = nto__ctl_call(NTO_CTL_CLIENT_INFO, &req, sizeof(req), &rep,
				   sizeof(rep), &got, NULL, 0, NULL);
	if (rc < 0)
		return -rc;
	if (got < sizeof(rep))
		return EPROTO;
	memset(info, 0, sizeof(*info));
	info->pid = rep.pid;
	info->cred.ruid = info->cred.euid = info->cred.suid = rep.uid;
	info->cred.rgid = info->cred.egid = info->cred.sgid = rep.gid;
	info->nd = rep.nd; /* a remote client through the network manager */
	/* not a local process: no session here */
	info->sid = rep.nd ? 0 : sid > 0 ? sid : getsid(rep.pid);
	return EOK;
}

NTO_EXPORT int ConnectClientInfo(int scoid, struct _client_info *info,
				 int ngroups)
{
	return nto__ret_eok(ConnectClientInfo_r(scoid, info, ngroups));
}

void nto__conn_fork_reset(void)
{
	size_t i;

	/* The parent's connections are not the child's: forget them and free
	 * their fd numbers (mappings are left; they cost only address space).
	 */
	pthread_mutex_init(&tab_lock, NULL);
	for (i = 0; fdtab && i < fdtab_n; i++)
		if (atomic_load_explicit(&fdtab[i], memory_order_relaxed)) {
			atomic_store(&fdtab[i], NULL);
			nto__sys_close((int)i);
		}
	for (i = 0; i < NTO_IDS_MAX; i++)
		atomic_store(&sidetab[i], NULL);
	conns = NULL;
	coid_freelist = NULL;
}
