/*
 * Thread pools (thread_pool_create/start/destroy): threads that each loop
 * block_func / handler_func on their own context, grown by `increment`
 * when fewer than lo_water are blocked and shrunk when more than hi_water
 * would be, never more than `maximum`. Knows nothing of dispatch itself:
 * the functions come from thread_pool_attr_t.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The pool calls the attr functions with untyped contexts. */
#define THREAD_POOL_PARAM_T void
#include "dispatch-internal.h"

struct pool_thr {
	struct pool_thr *next;
	thread_pool_t *pool;
	pthread_t tid;
	void *ctp;   /* its context once allocated */
	int blocked; /* inside block_func */
	int self;    /* thread_pool_start's caller (POOL_FLAG_USE_SELF) */
};

struct pool_props {
	pthread_mutex_t lock; /* the pool's counters and the thread list */
	pthread_cond_t cond;  /* a thread exited */
	int started;
	int destroying;
	int orphaned; /* destroy returned: the last thread frees the pool */
	struct pool_thr *threads;
};

static struct pool_props *props_of(thread_pool_t *pool)
{
	return pool->props;
}

static void pool_free(thread_pool_t *pool)
{
	struct pool_props *pp = props_of(pool);

	pthread_cond_destroy(&pp->cond);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
	free(pool);
}

static void *pool_thread(void *arg);

/* Start up to n more threads (never past maximum); lock held. Returns how
 * many started. */
static unsigned spawn(thread_pool_t *pool, unsigned n)
{
	struct pool_props *pp = props_of(pool);
	struct pool_thr *t;
	unsigned done = 0;

	while (done < n && pool->created < pool->pool_attr.maximum) {
		t = calloc(1, sizeof(*t));
		if (!t)
			break;
		t->pool = pool;
		if (pthread_create(&t->tid, pool->pool_attr.attr, pool_thread,
				   t) != 0) {
			free(t);
			break;
		}
		pthread_detach(t->tid);
		t->next = pp->threads;
		pp->threads = t;
		pool->created++;
		done++;
	}
	return done;
}

static void unlist(struct pool_props *pp, struct pool_thr *t)
{
	struct pool_thr **p;

	for (p = &pp->threads; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
}

/* The body of every pool thread (and of a POOL_FLAG_USE_SELF caller). */
static void run(thread_pool_t *pool, struct pool_thr *t)
{
	thread_pool_attr_t *a = &pool->pool_attr;
	struct pool_props *pp = props_of(pool);
	void (*context_free)(void *) = a->context_free;
	struct timespec nap = {0, 10 * 1000 * 1000};
	void *ctp, *got;
	unsigned grow;
	int free_it;

	ctp = a->context_alloc(a->handle);
	pthread_mutex_lock(&pp->lock);
	t->ctp = ctp;
	while (ctp && !pp->destroying) {
		pool->waiting++;
		t->blocked = 1;
		pthread_mutex_unlock(&pp->lock);

		got = a->block_func(ctp);

		pthread_mutex_lock(&pp->lock);
		t->blocked = 0;
		pool->waiting--;
		if (got)
			t->ctp = ctp = got;
		if (!pp->destroying && pool->waiting < a->lo_water) {
			/* keep lo_water receivers ready while we work */
			grow = a->increment;
			(void)spawn(pool, grow);
		}
		pthread_mutex_unlock(&pp->lock);

		if (got)
			(void)a->handler_func(got);
		else
			nanosleep(&nap, NULL); /* a failing block: don't spin */

		pthread_mutex_lock(&pp->lock);
		if (!t->self && pool->waiting >= a->hi_water)
			break; /* enough receivers: this one retires */
	}
	/* Off the list (nobody unblocks us any more) but still counted
	 * while the context is freed: thread_pool_destroy waits for that. */
	unlist(pp, t);
	t->ctp = NULL;
	pthread_mutex_unlock(&pp->lock);
	if (ctp && context_free)
		context_free(ctp);
	pthread_mutex_lock(&pp->lock);
	pool->created--;
	pthread_cond_broadcast(&pp->cond);
	free_it = pp->orphaned && pool->created == 0;
	pthread_mutex_unlock(&pp->lock);
	free(t);
	if (free_it)
		pool_free(pool);
}

static void *pool_thread(void *arg)
{
	struct pool_thr *t = arg;

	run(t->pool, t);
	return NULL;
}

NTO_EXPORT thread_pool_t *thread_pool_create(thread_pool_attr_t *attr,
					     unsigned flags)
{
	thread_pool_attr_t *a;
	struct pool_props *pp;
	thread_pool_t *pool;

	if (!attr || !attr->block_func || !attr->handler_func ||
	    !attr->context_alloc) {
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool));
	pp = calloc(1, sizeof(*pp));
	if (!pool || !pp) {
		free(pool);
		free(pp);
		errno = ENOMEM;
		return NULL;
	}
	pool->pool_attr = *attr;
	pool->flags = flags & (POOL_FLAG_EXIT_SELF | POOL_FLAG_USE_SELF);
	pool->props = pp;
	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);

	a = &pool->pool_attr;
	if (a->lo_water < 1)
		a->lo_water = 1;
	if (a->increment < 1)
		a->increment = 1;
	if (a->hi_water < a->lo_water)
		a->hi_water = a->lo_water;
	if (a->maximum < a->hi_water)
		a->maximum = a->hi_water;
	return pool;
}

NTO_EXPORT int thread_pool_start(void *arg)
{
	thread_pool_t *pool = arg;
	struct pool_thr *self = NULL;
	struct pool_props *pp;
	unsigned want, got;

	if (!pool) {
		errno = EINVAL;
		return -1;
	}
	pp = props_of(pool);
	if ((pool->flags & POOL_FLAG_USE_SELF) &&
	    !(self = calloc(1, sizeof(*self)))) {
		errno = EAGAIN;
		return -1;
	}
	pthread_mutex_lock(&pp->lock);
	if (pp->started || pp->destroying) {
		pthread_mutex_unlock(&pp->lock);
		free(self);
		errno = EINVAL;
		return -1;
	}
	pp->started = 1;
	want = pool->pool_attr.lo_water;
	if (self) {
		self->pool = pool;
		self->self = 1;
		self->tid = pthread_self();
		self->next = pp->threads;
		pp->threads = self;
		pool->created++;
		want--;
	}
	got = spawn(pool, want);
	if (!self && got == 0) {
		pp->started = 0;
		pthread_mutex_unlock(&pp->lock);
		errno = EAGAIN;
		return -1;
	}
	pthread_mutex_unlock(&pp->lock);

	if (self) {
		run(pool, self); /* until thread_pool_destroy */
		return 0;
	}
	if (pool->flags & POOL_FLAG_EXIT_SELF)
		pthread_exit(NULL);
	return 0;
}

NTO_EXPORT int thread_pool_destroy(thread_pool_t *pool)
{
	struct pool_props *pp;
	struct pool_thr *t;
	struct timespec until;
	unsigned mine;

	if (!pool) {
		errno = EINVAL;
		return -1;
	}
	pp = props_of(pool);
	pthread_mutex_lock(&pp->lock);
	pp->destroying = 1;
	pool->flags |= POOL_FLAG_EXITING;
	mine = 0;
	for (t = pp->threads; t; t = t->next)
		if (pthread_equal(t->tid, pthread_self()))
			mine = 1;
	while (pool->created > mine) {
		/* wake the blocked ones; busy ones leave after their message */
		if (pool->pool_attr.unblock_func)
			for (t = pp->threads; t; t = t->next)
				if (t->blocked && t->ctp)
					pool->pool_attr.unblock_func(t->ctp);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pp->cond, &pp->lock, &until);
	}
	if (mine) {
		/* called from a pool thread: it frees the pool as it leaves */
		pp->orphaned = 1;
		pthread_mutex_unlock(&pp->lock);
		return 0;
	}
	pthread_mutex_unlock(&pp->lock);
	pool_free(pool);
	return 0;
}
