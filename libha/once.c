/*
 * The exactly-once policy, client side: the client id a record keeps
 * across recoveries, the sequence numbers of its calls (and the `done`
 * mark that lets the server forget finished ones), the identity hook that
 * has libnto carry them in each message slot, and the decision whether a
 * request the dead server had received may be re-sent.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <sys/ntosim.h>

#include "internal.h"

#define ONCE_NEST 8 /* calls with identity in progress in one thread */

/* The calls with identity this thread is inside, innermost last: the
 * recovery hook runs inside such a call and asks whether it carries one. */
static __thread struct {
	int coid[ONCE_NEST];
	int depth;
} calls;

static uint64_t new_client_id(void)
{
	uint32_t rnd = 0;

	while (rnd == 0) {
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			rnd = (uint32_t)ts.tv_nsec ^
			      (uint32_t)((uintptr_t)&ts >> 4);
		}
	}
	return (uint64_t)(uint32_t)getpid() << 32 | rnd;
}

/* A client id for this process: a forked child (or a record made before a
 * fork) gets its own, so it never answers for its parent's requests. */
static void own_client(struct ha_rec *r)
{
	if (r->eo_pid == getpid() && r->eo_client)
		return;
	r->eo_pid = getpid();
	r->eo_client = new_client_id();
	r->eo_next = 1;
	r->eo_nopen = 0;
}

static uint64_t done_mark(const struct ha_rec *r)
{
	uint64_t d = r->eo_next;

	for (unsigned i = 0; i < r->eo_nopen; i++)
		if (r->eo_open[i] < d)
			d = r->eo_open[i];
	return d;
}

static int open_add(struct ha_rec *r, uint64_t seq)
{
	if (r->eo_nopen == r->eo_capopen) {
		unsigned n = r->eo_capopen ? r->eo_capopen * 2 : 8;
		uint64_t *a = realloc(r->eo_open, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		r->eo_open = a;
		r->eo_capopen = n;
	}
	r->eo_open[r->eo_nopen++] = seq;
	return 0;
}

static void open_del(struct ha_rec *r, uint64_t seq)
{
	for (unsigned i = 0; i < r->eo_nopen; i++)
		if (r->eo_open[i] == seq) {
			r->eo_open[i] = r->eo_open[--r->eo_nopen];
			return;
		}
}

/* libnto's identity hook: a new identity at the start of each call on an
 * exactly-once record, kept for its re-sends; finished at its end. */
static int ident_hook(int coid, int end, struct nto_reqid *id)
{
	struct ha_rec *r;
	int rc = 0;

	if (end) {
		if (calls.depth > 0)
			calls.depth--;
	} else if (calls.depth == ONCE_NEST) {
		return 0; /* too deep: no identity, so never re-sent */
	}
	r = ha__ent_get(coid);
	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	if (end) {
		if (r->eo_pid == getpid() && r->eo_client == id->client)
			open_del(r, id->seq);
	} else if (r->exactly_once && !ha__recovering_here(r)) {
		own_client(r);
		if (open_add(r, r->eo_next) == 0) {
			id->client = r->eo_client;
			id->seq = r->eo_next++;
			id->done = done_mark(r);
			calls.coid[calls.depth++] = coid;
			rc = 1;
		}
	}
	pthread_mutex_unlock(&r->lock);
	ha__rec_put(r);
	return rc;
}

int ha__once_set(struct ha_rec *r, int on)
{
	if (on != 0 && on != 1)
		return -EINVAL;
	r->exactly_once = on;
	if (on) {
		own_client(r);
		nto_set_send_ident(ident_hook);
	}
	return 0;
}

int ha__once_resend_ok(struct ha_rec *r, int coid)
{
	if (calls.depth > 0 && calls.coid[calls.depth - 1] == coid &&
	    nto_coid_reqid_ok(coid) == 1)
		return 1;
	r->eo_fallbacks++;
	return 0;
}

void ha__once_free(struct ha_rec *r)
{
	free(r->eo_open);
	r->eo_open = NULL;
}
