/*
 * Server-side objects: our channels (ChannelCreate/Destroy), the client
 * connections of each channel mapped on demand from ipcd (CONN_FD), the
 * scoid table rcvids resolve through, and THREADDEATH notices. Receiving
 * and replying are in msgrecv.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CHAN_REGION_MAP \
	((sizeof(struct nto_chan_region) + 4095) & ~(size_t)4095)

static pthread_rwlock_t srv_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nto_chan *chans[NTO_IDS_MAX];
static struct nto_srv_conn *scoids[NTO_IDS_MAX];
static _Atomic int have_thread_death;
static _Atomic uint64_t chan_serial; /* nto_chan.serial */
/* Destroyed channels: a receiver may still hold the pointer, so they are
 * kept (small: the struct, the channel region and the doorbell mappings). */
static struct nto_chan *graveyard[NTO_IDS_MAX];
static unsigned ngrave;
static pthread_key_t td_key;
static pthread_once_t td_once = PTHREAD_ONCE_INIT;

void nto__srv_rdlock(void)
{
	pthread_rwlock_rdlock(&srv_lock);
}

void nto__srv_wrlock(void)
{
	pthread_rwlock_wrlock(&srv_lock);
}

void nto__srv_unlock(void)
{
	pthread_rwlock_unlock(&srv_lock);
}

struct nto_chan *nto__chan_find(int chid)
{
	if (chid <= 0 || chid >= NTO_IDS_MAX)
		return NULL;
	return chans[chid];
}

struct nto_srv_conn *nto__srv_conn_by_scoid(int scoid)
{
	int idx = scoid & 0xffff;

	if (idx <= 0 || idx >= NTO_IDS_MAX)
		return NULL;
	return scoids[idx];
}

static void thread_gone(void *arg)
{
	struct nto_ctl_id req = {(int32_t)(intptr_t)arg};

	if (atomic_load(&have_thread_death))
		nto__ctl_call(NTO_CTL_THREAD_DEATH, &req, sizeof(req), NULL, 0,
			      NULL, NULL, 0, NULL);
}

static void td_init(void)
{
	pthread_key_create(&td_key, thread_gone);
}

void nto__thread_register(void)
{
	pthread_once(&td_once, td_init);
	/* the value is the tid: the destructor runs when the thread exits */
	pthread_setspecific(td_key, (void *)(intptr_t)nto__tid());
}

NTO_EXPORT int ChannelCreate_r(unsigned flags)
{
	struct nto_ctl_chan req = {0, flags}, rep;
	struct nto_chan *ch;
	int fds[NTO_CTL_FDS_MAX], nfds = 0, rc, i;
	size_t got = 0;

	rc = nto__ctl_call(NTO_CTL_CHANNEL_CREATE, &req, sizeof(req), &rep,
			   sizeof(rep), &got, fds, NTO_CTL_FDS_MAX, &nfds);
	if (rc < 0)
		return rc;
	rc = -EPROTO;
	if (got < sizeof(rep) || nfds < 3 || rep.chid <= 0 ||
	    rep.chid >= NTO_IDS_MAX)
		goto out;
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		rc = -ENOMEM;
		goto out;
	}
	ch->serial = atomic_fetch_add(&chan_serial, 1) + 1;
	ch->region = mmap(NULL, CHAN_REGION_MAP, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fds[0], 0);
	ch->db = mmap(NULL, NTO_DOORBELL_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, fds[1], 0);
	ch->wait = mmap(NULL, NTO_WAITPAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED, fds[2], 0);
	if (ch->region == MAP_FAILED || ch->db == MAP_FAILED ||
	    ch->wait == MAP_FAILED || ch->region->hdr.magic != NTO_CHAN_MAGIC) {
		if (ch->region != MAP_FAILED)
			munmap(ch->region, CHAN_REGION_MAP);
		if (ch->db != MAP_FAILED)
			munmap(ch->db, NTO_DOORBELL_SIZE);
		if (ch->wait != MAP_FAILED)
			munmap(ch->wait, NTO_WAITPAGE_SIZE);
		free(ch);
		goto out;
	}
	/* no new writable mapping of the waiter page from now on: clients
	 * can only ever read it (ipcd seals it too if this fails) */
	(void)fcntl(fds[2], F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL);
	ch->chid = rep.chid;
	ch->flags = flags;
	nto__srv_wrlock();
	chans[ch->chid] = ch;
	nto__srv_unlock();
	if (flags & _NTO_CHF_THREAD_DEATH)
		atomic_store(&have_thread_death, 1);
	nto__tid(); /* registers this thread for THREADDEATH */
	rc = ch->chid;
out:
	for (i = 0; i < nfds; i++)
		nto__sys_close(fds[i]);
	return rc;
}

NTO_EXPORT int ChannelCreate(unsigned flags)
{
	return nto__ret_val(ChannelCreate_r(flags));
}

/*
 * Mappings of released connections, kept by their memfd's identity: ipcd
 * hands a detached connection's region back for its client's next
 * connection to the channel, and then we map nothing. Oldest out first.
 * (sync_lock)
 */
#define SRV_SPARES 16
static struct srv_spare {
	dev_t dev;
	ino_t ino;
	struct nto_conn_region *region;
	/* issue 10: its last connection's client, as ipcd said (a region
	 * is only ever handed back to the same client process) */
	pid_t client_pid;
	uid_t client_uid;
	gid_t client_gid;
	pid_t client_sid; /* 0: not asked */
	uint32_t nd;
} spares[SRV_SPARES];
static unsigned nspares;

static struct nto_conn_region *spare_take(dev_t dev, ino_t ino)
{
	unsigned i;

	for (i = 0; i < nspares; i++)
		if (spares[i].dev == dev && spares[i].ino == ino) {
			struct nto_conn_region *r = spares[i].region;

			memmove(&spares[i], &spares[i + 1],
				(nspares - i - 1) * sizeof(spares[0]));
			nspares--;
			return r;
		}
	return NULL;
}

static void spare_put(const struct nto_srv_conn *sc)
{
	struct srv_spare *s;

	if (nspares == SRV_SPARES) {
		munmap(spares[0].region, NTO_CONN_SIZE);
		memmove(&spares[0], &spares[1],
			(SRV_SPARES - 1) * sizeof(spares[0]));
		nspares--;
	}
	s = &spares[nspares++];
	s->dev = sc->reg_dev;
	s->ino = sc->reg_ino;
	s->region = sc->region;
	s->client_pid = sc->client_pid;
	s->client_uid = sc->client_uid;
	s->client_gid = sc->client_gid;
	s->client_sid = __atomic_load_n(&sc->client_sid, __ATOMIC_RELAXED);
	s->nd = sc->nd;
}

static void srv_conn_free(struct nto_srv_conn *sc)
{
	int idx = sc->scoid & 0xffff;

	if (idx > 0 && idx < NTO_IDS_MAX && scoids[idx] == sc)
		scoids[idx] = NULL;
	if (sc->reg_ino)
		spare_put(sc);
	else
		munmap(sc->region, NTO_CONN_SIZE);
	free(sc);
}

NTO_EXPORT int ChannelDestroy_r(int chid)
{
	struct nto_ctl_chan req = {chid, 0};
	struct nto_chan *ch;
	unsigned i;
	int rc;

	nto__srv_rdlock();
	ch = nto__chan_find(chid);
	nto__srv_unlock();
	if (!ch)
		return EINVAL;
	rc = nto__ctl_call(NTO_CTL_CHANNEL_DESTROY, &req, sizeof(req), NULL, 0,
			   NULL, NULL, 0, NULL);
	if (rc < 0 && rc != -ENOTCONN)
		return -rc;
	pthread_mutex_lock(&sync_lock);
	nto__srv_wrlock();
	atomic_store(&ch->dead, 1);
	chans[chid] = NULL;
	for (i = 0; i < ch->nact; i++)
		srv_conn_free(ch->act[i]);
	free(ch->act);
	ch->act = NULL;
	ch->nact = 0;
	memset(ch->by_index, 0, sizeof(ch->by_index));
	if (ngrave < NTO_IDS_MAX)
		graveyard[ngrave++] = ch;
	nto__srv_unlock();
	pthread_mutex_unlock(&sync_lock);
	/* wake our own receivers; the struct and its two small mappings stay
	 * (a receiver may still hold the pointer) */
	atomic_fetch_add(&ch->db->seq, 1);
	nto__futex_wake(&ch->db->seq, INT32_MAX);
	return EOK;
}

NTO_EXPORT int ChannelDestroy(int chid)
{
	return nto__ret_eok(ChannelDestroy_r(chid));
}

/* Map one connection of ch through ipcd. */
static struct nto_srv_conn *srv_conn_map(struct nto_chan *ch, unsigned idx,
					 int scoid)
{
	struct nto_ctl_connfd req = {ch->chid, scoid, 0, 0, 0, 0, 0, 0, 0}, rep;
	struct nto_srv_conn *sc;
	struct stat st;
	size_t got = 0;
	int fd = -1, nfds = 0, rc;

	rc = nto__ctl_call(NTO_CTL_CONN_FD, &req, sizeof(req), &rep,
			   sizeof(rep), &got, &fd, 1, &nfds);
	if (rc < 0 || nfds < 1 || got < sizeof(rep))
		goto fail;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		goto fail;
	if (nto__sys_fstat(fd, &st) == 0) {
		sc->reg_dev = st.st_dev;
		sc->reg_ino = st.st_ino;
		sc->region = spare_take(st.st_dev, st.st_ino);
	}
	if (!sc->region)
		sc->region = mmap(NULL, NTO_CONN_SIZE, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_NORESERVE, fd, 0);
	nto__sys_close(fd);
	if (sc->region == MAP_FAILED) {
		free(sc);
		return NULL;
	}
	sc->chan = ch;
	sc->index = idx;
	sc->gen = rep.gen;
	sc->scoid = scoid | _NTO_SIDE_CHANNEL;
	sc->client_pid = rep.client_pid;
	sc->client_uid = rep.client_uid;
	sc->client_gid = rep.client_gid;
	sc->nd = rep.nd; /* a proxy's remote client (netctl.c), ipcd's word */
	sc->srcnd = rep.srcnd;
	return sc;
fail:
	if (nfds > 0)
		nto__sys_close(fd);
	return NULL;
}

/*
 * Issue 10: entry idx is a connection in a region we still map as a spare
 * (ipcd wrote the region's inode in the entry; it hands a detached region
 * back only to the same client process, for the same channel): take that
 * mapping and the client's identity without a CONN_FD round trip, and
 * have retell.c note it with the fd it kept. NULL: ask ipcd. The entry is
 * ipcd's (only this process and ipcd map the channel region); it is read
 * between two looks at its state and generation. (sync_lock)
 */
static struct nto_srv_conn *srv_conn_from_spare(struct nto_chan *ch,
						unsigned idx)
{
	struct nto_chan_conn *e = &ch->region->conn[idx];
	struct nto_srv_conn *sc;
	struct srv_spare *s;
	uint64_t ino;
	uint32_t gen;
	int32_t scoid;
	pid_t pid;
	unsigned i;
	int rc;

	if (atomic_load(&e->state) != NTO_CCONN_LIVE)
		return NULL;
	gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
	scoid = __atomic_load_n(&e->scoid, __ATOMIC_RELAXED);
	pid = __atomic_load_n(&e->client_pid, __ATOMIC_RELAXED);
	ino = __atomic_load_n(&e->reg_ino, __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load(&e->state) != NTO_CCONN_LIVE ||
	    __atomic_load_n(&e->gen, __ATOMIC_RELAXED) != gen || ino == 0 ||
	    (scoid & 0xffff) <= 0)
		return NULL;
	for (i = 0; i < nspares; i++)
		if (spares[i].ino == ino && spares[i].client_pid == pid &&
		    spares[i].nd == 0)
			break;
	if (i == nspares)
		return NULL;
	s = &spares[i];
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	nto__ctl_lock();
	rc = nto__retell_sconn_spare(ch->chid, scoid | _NTO_SIDE_CHANNEL, idx,
				     gen, pid, s->dev, s->ino);
	nto__ctl_unlock();
	if (rc < 0) {
		free(sc);
		return NULL;
	}
	sc->chan = ch;
	sc->index = idx;
	sc->gen = gen;
	sc->scoid = scoid | _NTO_SIDE_CHANNEL;
	sc->client_pid = pid;
	sc->client_uid = s->client_uid;
	sc->client_gid = s->client_gid;
	sc->client_sid = s->client_sid;
	sc->reg_dev = s->dev;
	sc->reg_ino = s->ino;
	sc->region = s->region;
	memmove(&spares[i], &spares[i + 1],
		(nspares - i - 1) * sizeof(spares[0]));
	nspares--;
	return sc;
}

int nto__chan_conn_current(struct nto_chan *ch, struct nto_srv_conn *sc)
{
	struct nto_chan_conn *e = &ch->region->conn[sc->index];
	uint32_t st = atomic_load(&e->state);

	return (st == NTO_CCONN_LIVE || st == NTO_CCONN_GONE) &&
	       e->gen == sc->gen && (e->scoid & 0xffff) == (sc->scoid & 0xffff);
}

int nto__chan_entry_live(struct nto_chan *ch, unsigned idx)
{
	uint32_t st = atomic_load(&ch->region->conn[idx].state);

	return st == NTO_CCONN_LIVE || st == NTO_CCONN_GONE;
}

int nto__chan_index_mapped(struct nto_chan *ch, unsigned idx)
{
	struct nto_srv_conn *m;

	for (m = ch->by_index[idx]; m; m = m->same)
		if (nto__chan_conn_current(ch, m))
			return 1;
	return 0;
}

/* Map the live entry idx unless it is mapped; 1 if added to fresh, 0 if
 * nothing to do, -1 if it could not be mapped. */
static int sync_map_one(struct nto_chan *ch, unsigned idx,
			struct nto_srv_conn ***fresh, unsigned *nfresh)
{
	struct nto_chan_conn *e = &ch->region->conn[idx];
	struct nto_srv_conn *sc, **t;

	if (!nto__chan_entry_live(ch, idx) || nto__chan_index_mapped(ch, idx))
		return 0;
	sc = srv_conn_from_spare(ch, idx);
	if (!sc)
		sc = srv_conn_map(ch, idx, e->scoid);
	if (!sc)
		return -1;
	t = realloc(*fresh, (*nfresh + 1) * sizeof(*t));
	if (!t) {
		srv_conn_free(sc);
		return -1;
	}
	*fresh = t;
	t[(*nfresh)++] = sc;
	return 1;
}

/*
 * Bring ch's mappings up to date. A connection is mapped when it first
 * has work (its ready bit) or, with `full`, every live one (after a sleep
 * that ran out, when ready bits are not trusted); ipcd does not wake the
 * server for a connection that was only made. A change of the table
 * (conn_gen) unmaps released connections once nothing is owed on them:
 * that walks the mapped connections, never the whole table. Returns the
 * number of connections that could not be mapped, or -ENOMEM.
 */
/* A message still SEND or a pulse still READY in a released connection:
 * keep it mapped until they are taken. Slow path (a table change). */
static int conn_has_work(struct nto_conn_region *r)
{
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++)
		if (atomic_load(&r->slot[i].state) == NTO_SLOT_SEND)
			return 1;
	for (i = 0; i < NTO_CONN_PULSES; i++)
		if (atomic_load(&r->pulse[i].state) == NTO_PULSE_READY)
			return 1;
	return 0;
}

/* Issue 10: ipcd made a new connection in sc's region at sc's own table
 * entry (a client's spare, the usual case: same index), so nothing of sc
 * is left in it (ipcd reuses only a region whose every slot and pulse is
 * FREE) and its slots and pulses are the new connection's. ipcd's entry. */
static int region_reused(struct nto_chan *ch, const struct nto_srv_conn *sc)
{
	struct nto_chan_conn *e = &ch->region->conn[sc->index];

	return sc->reg_ino != 0 && atomic_load(&e->state) == NTO_CCONN_LIVE &&
	       __atomic_load_n(&e->gen, __ATOMIC_RELAXED) != sc->gen &&
	       __atomic_load_n(&e->reg_ino, __ATOMIC_RELAXED) ==
		       (uint64_t)sc->reg_ino;
}

/* A released connection stays mapped while the server still owes replies
 * or its pulses have not been taken. */
static int sync_keep(struct nto_chan *ch, struct nto_srv_conn *sc)
{
	if (nto__chan_conn_current(ch, sc))
		return 1;
	if (atomic_load(&sc->outstanding) > 0)
		return 1;
	return !region_reused(ch, sc) && conn_has_work(sc->region);
}

/* Issue 10: unmap released connections before mapping new ones, so a new
 * connection in a released one's region (a client's spare, which ipcd
 * hands back only once nothing is left in it) finds that mapping among
 * the spares. (sync_lock) */
static void sync_release(struct nto_chan *ch)
{
	unsigned i, n = 0;

	nto__srv_wrlock();
	for (i = 0; i < ch->nact; i++) {
		struct nto_srv_conn *sc = ch->act[i], **pp;

		if (sync_keep(ch, sc)) {
			ch->act[n++] = sc;
			continue;
		}
		for (pp = &ch->by_index[sc->index]; *pp; pp = &(*pp)->same)
			if (*pp == sc) {
				*pp = sc->same;
				break;
			}
		srv_conn_free(sc);
	}
	ch->nact = n;
	nto__srv_unlock();
}

int nto__chan_sync(struct nto_chan *ch, int full)
{
	uint32_t gen = atomic_load(&ch->region->hdr.conn_gen);
	struct nto_srv_conn **fresh = NULL, **nact;
	unsigned hi, i, w, nfresh = 0, n;
	int failed = 0;

	if (!full && !atomic_load(&ch->need_map) &&
	    gen == __atomic_load_n(&ch->seen_conn_gen, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&sync_lock);
	if (atomic_load(&ch->dead)) {
		pthread_mutex_unlock(&sync_lock);
		return 0;
	}
	atomic_store(&ch->need_map, 0);
	if (gen != __atomic_load_n(&ch->seen_conn_gen, __ATOMIC_ACQUIRE))
		sync_release(ch);
	hi = atomic_load(&ch->region->hdr.conn_hiwater);
	if (hi == 0 || hi > NTO_CHAN_CONNS)
		hi = NTO_CHAN_CONNS;
	/* only this thread changes ch->act (sync_lock), so reading it here
	 * without the srv lock is safe */
	if (full) {
		for (i = 0; i < hi; i++)
			failed += sync_map_one(ch, i, &fresh, &nfresh) < 0;
	} else {
		for (w = 0; w < NTO_READY_WORDS; w++) {
			uint64_t bits = atomic_load(&ch->db->ready[w]);

			while (bits) {
				i = w * 64 + (unsigned)__builtin_ctzll(bits);
				bits &= bits - 1;
				if (i < hi)
					failed += sync_map_one(ch, i, &fresh,
							       &nfresh) < 0;
			}
		}
	}
	if (nfresh == 0 &&
	    gen == __atomic_load_n(&ch->seen_conn_gen, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&sync_lock);
		return failed;
	}
	nact = calloc(ch->nact + nfresh + 1, sizeof(*nact));
	if (!nact) {
		for (i = 0; i < nfresh; i++)
			srv_conn_free(fresh[i]);
		free(fresh);
		pthread_mutex_unlock(&sync_lock);
		return -ENOMEM;
	}
	nto__srv_wrlock();
	n = 0;
	for (i = 0; i < ch->nact; i++) {
		struct nto_srv_conn *sc = ch->act[i];

		if (sync_keep(ch, sc))
			nact[n++] = sc;
		else
			srv_conn_free(sc);
	}
	for (i = 0; i < nfresh; i++) {
		int idx = fresh[i]->scoid & 0xffff;

		if (idx > 0 && idx < NTO_IDS_MAX)
			scoids[idx] = fresh[i];
		nact[n++] = fresh[i];
	}
	free(ch->act);
	ch->act = nact;
	ch->nact = n;
	memset(ch->by_index, 0, sizeof(ch->by_index));
	for (i = 0; i < n; i++) {
		struct nto_srv_conn *sc = nact[i];

		sc->same = ch->by_index[sc->index];
		ch->by_index[sc->index] = sc;
	}
	__atomic_store_n(&ch->seen_conn_gen, gen, __ATOMIC_RELEASE);
	nto__srv_unlock();
	free(fresh);
	pthread_mutex_unlock(&sync_lock);
	return failed;
}

/* ConnectClientInfo without asking ipcd: what it said when we mapped the
 * connection scoid names, while the channel's table entry (index,
 * generation, scoid: written by ipcd only) still is that connection.
 * 0, or -ESRCH: ask ipcd. */
int nto__srv_client_cached(int scoid, struct nto_ctl_client *out, pid_t *sid)
{
	struct nto_srv_conn *sc;
	int rc = -ESRCH;

	if (scoid <= 0)
		return rc;
	nto__srv_rdlock();
	sc = nto__srv_conn_by_scoid(scoid & 0xffff);
	if (sc && (sc->scoid & 0xffff) == (scoid & 0xffff) &&
	    !atomic_load(&sc->chan->dead) &&
	    nto__chan_conn_current(sc->chan, sc)) {
		memset(out, 0, sizeof(*out));
		out->pid = sc->client_pid;
		out->uid = sc->client_uid;
		out->gid = sc->client_gid;
		out->nd = sc->nd; /* a proxy's remote client (Qnet) */
		/* issue 10: asked once per client process while its
		 * connections (and their spare regions) last */
		*sid = __atomic_load_n(&sc->client_sid, __ATOMIC_RELAXED);
		if (*sid <= 0 && !sc->nd) {
			*sid = getsid(sc->client_pid);
			if (*sid > 0)
				__atomic_store_n(&sc->client_sid, *sid,
						 __ATOMIC_RELAXED);
		}
		rc = 0;
	}
	nto__srv_unlock();
	return rc;
}

/* Issue 10: whether ipcd will take ConnectDetach(scoid) (its client is
 * gone, ipcd wrote GONE in the entry of a connection we map): then the
 * detach needs no reply. Only our own channel's table says so; if we
 * scribbled there, only our own ConnectDetach's result is wrong. */
static int scoid_released(int scoid)
{
	struct nto_srv_conn *sc;
	int yes = 0;

	nto__srv_rdlock();
	sc = nto__srv_conn_by_scoid(scoid & 0xffff);
	if (sc && (sc->scoid & 0xffff) == (scoid & 0xffff) &&
	    !atomic_load(&sc->chan->dead) &&
	    nto__chan_conn_current(sc->chan, sc))
		yes = atomic_load(&sc->chan->region->conn[sc->index].state) ==
		      NTO_CCONN_GONE;
	nto__srv_unlock();
	return yes;
}

int nto__srv_detach_scoid(int scoid)
{
	struct nto_ctl_id req = {scoid};
	int rc = 0;

	/* posted: noted for a re-tell first, so a new ipcd never hears of
	 * it even if this one is gone (as the client's ConnectDetach) */
	if (scoid > 0 && scoid_released(scoid))
		(void)nto__ctl_post(NTO_CTL_CONNECT_DETACH, &req, sizeof(req));
	else
		rc = nto__ctl_call(NTO_CTL_CONNECT_DETACH, &req, sizeof(req),
				   NULL, 0, NULL, NULL, 0, NULL);
	if (rc < 0)
		return rc == -ENOTCONN ? EINVAL : -rc;
	/* rcvids on it fail from now on; ipcd freed the table entry, so the
	 * next table sync unmaps it, as for every released connection, once
	 * no reply is owed and no pulse is left in it */
	nto__srv_wrlock();
	if (nto__srv_conn_by_scoid(scoid))
		scoids[scoid & 0xffff] = NULL;
	nto__srv_unlock();
	return EOK;
}

int nto__rcvr_enter(struct nto_chan *ch)
{
	int32_t tid = nto__tid();
	unsigned i;

	for (i = 0; i < NTO_CHAN_RCVRS; i++) {
		int32_t expect = 0;

		if (atomic_compare_exchange_strong(&ch->region->rcvr_tid[i],
						   &expect, tid))
			return (int)i;
	}
	return -1;
}

void nto__rcvr_leave(struct nto_chan *ch, int slot)
{
	if (slot >= 0)
		atomic_store(&ch->region->rcvr_tid[slot], 0);
}

void nto__srv_fork_reset(void)
{
	pthread_rwlock_init(&srv_lock, NULL);
	pthread_mutex_init(&sync_lock, NULL);
	memset(chans, 0, sizeof(chans));
	memset(scoids, 0, sizeof(scoids));
	nspares = 0; /* the parent's; left mapped */
	atomic_store(&have_thread_death, 0);
}
