/*
 * The server side of the exactly-once policy: ha_request_id (a request's
 * identity, from its message slot through libnto) and the reply cache that
 * answers a re-sent request instead of applying it twice, with its
 * eviction rule (see <ha/server.h> and docs/libha.md).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <sys/ntosim.h>

#include <ha/server.h>

#include "internal.h"

#define RC_DEF_ENTRIES 4096u
#define RC_DEF_BYTES   (16u << 20)
#define RC_PER_CLIENT  64u /* unfinished entries one client id may hold */
#define RC_MAX_REPLY   (256u << 20)

struct rc_ent {
	struct rc_ent *next;
	uint64_t seq;
	int status;
	size_t len;
	unsigned char data[];
};

struct rc_client {
	struct rc_client *next;
	uint64_t client;
	uint64_t done; /* highest `done` seen */
	unsigned n;
	struct rc_ent *ents;
};

struct _ha_reply_cache {
	struct rc_client **tab;
	size_t nbuckets; /* power of two */
	size_t nclients;
	unsigned count, max_entries;
	size_t bytes, max_bytes;
};

HA_EXPORT int ha_request_id(int rcvid, ha_reqid_t *id)
{
	struct nto_reqid v;

	if (!id) {
		errno = EFAULT;
		return -1;
	}
	if (nto_rcvid_reqid(rcvid, &v) < 0)
		return -1;
	id->client = v.client;
	id->seq = v.seq;
	id->done = v.done;
	return 0;
}

HA_EXPORT ha_reply_cache_t *ha_reply_cache_create(unsigned max_entries,
						  size_t max_bytes)
{
	ha_reply_cache_t *c = calloc(1, sizeof(*c));

	if (!c)
		goto nomem;
	c->nbuckets = 64;
	c->tab = calloc(c->nbuckets, sizeof(*c->tab));
	if (!c->tab) {
		free(c);
		goto nomem;
	}
	c->max_entries = max_entries ? max_entries : RC_DEF_ENTRIES;
	c->max_bytes = max_bytes ? max_bytes : RC_DEF_BYTES;
	return c;
nomem:
	errno = ENOMEM;
	return NULL;
}

static size_t bucket(const ha_reply_cache_t *c, uint64_t client)
{
	return (size_t)((client * 0x9E3779B97F4A7C15ull) >> 32) &
	       (c->nbuckets - 1);
}

static struct rc_client **client_slot(ha_reply_cache_t *c, uint64_t client)
{
	struct rc_client **pp;

	for (pp = &c->tab[bucket(c, client)]; *pp; pp = &(*pp)->next)
		if ((*pp)->client == client)
			break;
	return pp;
}

static void ent_drop(ha_reply_cache_t *c, struct rc_client *cl,
		     struct rc_ent **pp)
{
	struct rc_ent *e = *pp;

	*pp = e->next;
	cl->n--;
	c->count--;
	c->bytes -= e->len;
	free(e);
}

/* Forget cl's entries below done; free cl (unlinking it at pp) if it is
 * left empty. Returns 1 if cl was freed. */
static int client_prune(ha_reply_cache_t *c, struct rc_client **pp,
			uint64_t done)
{
	struct rc_client *cl = *pp;
	struct rc_ent **ep = &cl->ents;

	if (done > cl->done)
		cl->done = done;
	while (*ep) {
		if ((*ep)->seq < cl->done)
			ent_drop(c, cl, ep);
		else
			ep = &(*ep)->next;
	}
	if (cl->ents)
		return 0;
	*pp = cl->next;
	c->nclients--;
	free(cl);
	return 1;
}

HA_EXPORT void ha_reply_cache_destroy(ha_reply_cache_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++)
		while (c->tab[i])
			client_prune(c, &c->tab[i], UINT64_MAX);
	free(c->tab);
	free(c);
}

static int full(const ha_reply_cache_t *c)
{
	return c->count >= c->max_entries || c->bytes >= c->max_bytes;
}

/* Drop every entry of clients whose process is gone: they can never
 * re-send. A live process (or one we may not signal) keeps its entries. */
static void evict_dead(ha_reply_cache_t *c)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct rc_client **pp = &c->tab[i];

		while (*pp) {
			pid_t pid = (pid_t)((*pp)->client >> 32);

			if (kill(pid, 0) < 0 && errno == ESRCH)
				client_prune(c, pp, UINT64_MAX);
			else
				pp = &(*pp)->next;
		}
	}
}

HA_EXPORT int ha_reply_cache_check(ha_reply_cache_t *c, const ha_reqid_t *id,
				   int *status, const void **reply, size_t *len)
{
	struct rc_client **pp;
	struct rc_ent *e;
	int saved = errno;

	if (!c || !id || !status || !reply || !len) {
		errno = EFAULT;
		return -1;
	}
	pp = client_slot(c, id->client);
	if (id->seq < id->done || (*pp && id->seq < (*pp)->done)) {
		errno = ESTALE;
		return -1;
	}
	if (*pp && !client_prune(c, pp, id->done)) {
		for (e = (*pp)->ents; e; e = e->next)
			if (e->seq == id->seq) {
				*status = e->status;
				*reply = e->data;
				*len = e->len;
				return 1;
			}
		if ((*pp)->n >= RC_PER_CLIENT) {
			errno = EAGAIN;
			return -1;
		}
	}
	if (full(c))
		evict_dead(c);
	if (full(c)) {
		errno = EAGAIN;
		return -1;
	}
	errno = saved;
	return 0;
}

static int grow(ha_reply_cache_t *c)
{
	size_t n = c->nbuckets * 2, i;
	struct rc_client **t = calloc(n, sizeof(*t)), *cl, *next;
	struct rc_client **old = c->tab;
	size_t oldn = c->nbuckets;

	if (!t)
		return -ENOMEM;
	c->tab = t;
	c->nbuckets = n;
	for (i = 0; i < oldn; i++)
		for (cl = old[i]; cl; cl = next) {
			next = cl->next;
			cl->next = t[bucket(c, cl->client)];
			t[bucket(c, cl->client)] = cl;
		}
	free(old);
	return 0;
}

HA_EXPORT int ha_reply_cache_add(ha_reply_cache_t *c, const ha_reqid_t *id,
				 int status, const void *reply, size_t len)
{
	struct rc_client **pp, *cl;
	struct rc_ent *e, **ep;

	if (!c || !id || (len && !reply)) {
		errno = EFAULT;
		return -1;
	}
	if (len > RC_MAX_REPLY) {
		errno = EINVAL;
		return -1;
	}
	pp = client_slot(c, id->client);
	if (*pp && client_prune(c, pp, id->done))
		pp = client_slot(c, id->client);
	cl = *pp;
	if (cl && id->seq < cl->done)
		return 0; /* finished already (a log replayed out of order) */
	if (!cl) {
		if (c->nclients >= c->nbuckets && grow(c) == 0)
			pp = client_slot(c, id->client);
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			errno = ENOMEM;
			return -1;
		}
		cl->client = id->client;
		cl->done = id->done;
		*pp = cl;
		c->nclients++;
	}
	for (ep = &cl->ents; *ep; ep = &(*ep)->next)
		if ((*ep)->seq == id->seq) {
			ent_drop(c, cl, ep); /* replaced by the newer record */
			break;
		}
	e = malloc(sizeof(*e) + len);
	if (!e) {
		if (!cl->ents)
			client_prune(c, client_slot(c, id->client), 0);
		errno = ENOMEM;
		return -1;
	}
	e->seq = id->seq;
	e->status = status;
	e->len = len;
	if (len)
		memcpy(e->data, reply, len);
	e->next = cl->ents;
	cl->ents = e;
	cl->n++;
	c->count++;
	c->bytes += len;
	return 0;
}

HA_EXPORT int ha_reply_cache_walk(ha_reply_cache_t *c,
				  int (*fn)(void *arg, const ha_reqid_t *id,
					    int status, const void *reply,
					    size_t len),
				  void *arg)
{
	if (!c || !fn)
		return 0;
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct rc_client *cl = c->tab[i]; cl; cl = cl->next)
			for (struct rc_ent *e = cl->ents; e; e = e->next) {
				ha_reqid_t id = {cl->client, e->seq, cl->done};
				int rc = fn(arg, &id, e->status, e->data,
					    e->len);
				if (rc)
					return rc;
			}
	return 0;
}

HA_EXPORT unsigned ha_reply_cache_count(const ha_reply_cache_t *c)
{
	return c ? c->count : 0;
}
