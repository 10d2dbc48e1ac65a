/*
 * HA recovery records and the table that maps connection numbers (fds and
 * coids) to them: creation, reference counting, ha_dup sharing, and the
 * public ha_attach / ha_detach. The recovery itself is in recover.c; the
 * commands that tune a record are in ctrl.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "internal.h"

/* Numbers hash into buckets; the table is small (one entry per HA number)
 * and only touched on ha_* calls and failed sends, never on the fast path. */
#define HA_BUCKETS 256

struct ha_ent {
	int coid;
	struct ha_rec *rec;
	struct ha_ent *next;
};

/* Lock order: tab_lock before any record's lock, never the reverse. */
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ha_ent *buckets[HA_BUCKETS];
static _Atomic uint64_t next_serial = 1;

/* A fork() while another thread holds the table lock must not leave the
 * child's copy locked forever. (A record lock held across fork is the
 * forking program's race, as with any library lock.) */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&tab_lock);
}

static void atfork_release(void)
{
	pthread_mutex_unlock(&tab_lock);
}

__attribute__((constructor)) static void record_init(void)
{
	pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

static struct ha_ent **bucket_of(int coid)
{
	unsigned h = (unsigned)coid;

	h ^= h >> 16; /* side-channel coids differ from fds in bit 30 */
	return &buckets[(h * 2654435761u) >> 24 & (HA_BUCKETS - 1)];
}

struct ha_rec *ha__rec_new(RFp rfn, void *rhdl)
{
	struct ha_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	if (pthread_cond_init(&r->cond, NULL) != 0) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return NULL;
	}
	atomic_init(&r->refs, 0);
	r->serial = atomic_fetch_add(&next_serial, 1);
	r->rfn = rfn;
	r->rhdl = rhdl;
	r->enabled = 1;
	r->acount_limit = -1;
	r->icount_limit = -1;
	return r;
}

void ha__rec_ref(struct ha_rec *r)
{
	atomic_fetch_add(&r->refs, 1);
}

void ha__rec_put(struct ha_rec *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	ha__once_free(r);
	free(r->name);
	free(r);
}

static struct ha_ent *find_locked(int coid, struct ha_ent ***prevp)
{
	struct ha_ent **pp;

	for (pp = bucket_of(coid); *pp; pp = &(*pp)->next)
		if ((*pp)->coid == coid) {
			if (prevp)
				*prevp = pp;
			return *pp;
		}
	return NULL;
}

struct ha_rec *ha__ent_get(int coid)
{
	struct ha_rec *r = NULL;
	struct ha_ent *e;

	pthread_mutex_lock(&tab_lock);
	e = find_locked(coid, NULL);
	if (e) {
		r = e->rec;
		ha__rec_ref(r);
	}
	pthread_mutex_unlock(&tab_lock);
	return r;
}

int ha__ent_is(int coid, const struct ha_rec *r)
{
	struct ha_ent *e;
	int is;

	pthread_mutex_lock(&tab_lock);
	e = find_locked(coid, NULL);
	is = e && e->rec == r;
	pthread_mutex_unlock(&tab_lock);
	return is;
}

int ha__ent_add(int coid, struct ha_rec *r, int replace)
{
	struct ha_rec *old = NULL;
	struct ha_ent *e, **pp;

	pthread_mutex_lock(&tab_lock);
	e = find_locked(coid, NULL);
	if (e) {
		if (!replace) {
			pthread_mutex_unlock(&tab_lock);
			return -EEXIST;
		}
		old = e->rec;
	} else {
		e = malloc(sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&tab_lock);
			return -ENOMEM;
		}
		e->coid = coid;
		pp = bucket_of(coid);
		e->next = *pp;
		*pp = e;
	}
	ha__rec_ref(r);
	e->rec = r;
	pthread_mutex_unlock(&tab_lock);
	ha__rec_put(old);
	return 0;
}

int ha__ent_del(int coid, const struct ha_rec *r)
{
	struct ha_ent *e, **pp = NULL;
	struct ha_rec *old;

	pthread_mutex_lock(&tab_lock);
	e = find_locked(coid, &pp);
	if (!e || (r && e->rec != r)) {
		pthread_mutex_unlock(&tab_lock);
		return -EBADF;
	}
	*pp = e->next;
	old = e->rec;
	pthread_mutex_unlock(&tab_lock);
	free(e);
	ha__rec_put(old);
	return 0;
}

int ha__coid_valid(int coid)
{
	struct _server_info info;

	if (coid < 0)
		return 0;
	if (ConnectServerInfo_r(0, coid, &info) == coid)
		return 1;
	/* a real fd (a host file opened through ha_open): never fails over,
	 * but attaching it is harmless and keeps ha_open/ha_fopen general */
	return !(coid & _NTO_SIDE_CHANNEL) && fcntl(coid, F_GETFD) != -1;
}

int ha__coid_alive(int coid)
{
	struct _server_info info;

	return ConnectServerInfo_r(0, coid, &info) == coid &&
	       !(info.flags & _NTO_COF_DEAD);
}

int ha__attach(int coid, RFp rfn, void *rhdl, unsigned flags, const char *name,
	       int name_flags, int fresh)
{
	struct ha_rec *r;
	int rc;

	if (!rfn || (flags & ~(unsigned)HAREPLACERECOVERYFN))
		return -EINVAL;
	if (!ha__coid_valid(coid))
		return -EBADF;
	for (;;) {
		if ((flags & HAREPLACERECOVERYFN) && !fresh) {
			r = ha__ent_get(coid);
			if (r) {
				pthread_mutex_lock(&r->lock);
				r->rfn = rfn;
				r->rhdl = rhdl;
				pthread_mutex_unlock(&r->lock);
				ha__rec_put(r);
				return 0;
			}
		}
		r = ha__rec_new(rfn, rhdl);
		if (!r)
			return -ENOMEM;
		ha__rec_ref(r); /* ours, dropped below */
		if (name) {
			r->name = strdup(name);
			r->name_flags = name_flags;
			if (!r->name) {
				ha__rec_put(r);
				return -ENOMEM;
			}
		}
		/* a number fresh from open/dup/ConnectAttach cannot be
		 * HA-aware yet: an entry left on it (a plain close() of an HA
		 * fd) is stale and replaced */
		rc = ha__ent_add(coid, r, fresh);
		ha__rec_put(r);
		/* a racing attach of the same number won: with the flag,
		 * replace the winner's function instead */
		if (rc != -EEXIST || !(flags & HAREPLACERECOVERYFN))
			return rc;
	}
}

/*
 * ha_attach: see <ha/cover.h>. Returns 0, or -1 with errno EINVAL, EBADF,
 * EEXIST or ENOMEM.
 */
HA_EXPORT int ha_attach(int coid, RFp rfn, void *rhdl, unsigned flags)
{
	int rc = ha__attach(coid, rfn, rhdl, flags, NULL, 0, 0);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/*
 * ha_detach: see <ha/cover.h>. Returns 0, or -1 with errno EBADF.
 */
HA_EXPORT int ha_detach(int coid)
{
	int rc = ha__ent_del(coid, NULL);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
