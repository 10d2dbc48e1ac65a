/*
 * Links to the other nodes: one nng byte stream (tcp:// or tls+tcp://) per
 * pair of nodes, dialed by the node whose name sorts first, framed by
 * wire.h, kept alive by PINGs and declared dead after Q.timeout_ms of
 * silence. nng does the transport, TLS and asynchronous I/O; what runs on
 * a link is cproxy.c's and sproxy.c's business.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnet/qnet.h"

/* One stream. Freed by qn_links_tick (main thread) once closed and no aio
 * is in flight: nng_aio_free must not run inside the aio's callback. */
struct qstream {
	TAILQ_ENTRY(qstream) glink;
	nng_stream *s;
	struct qlink *l; /* NULL until its HELLO named it */
	int inbound;
	int closed;
	uint64_t born_ms; /* an inbound stream must say HELLO in time */
	int rx_busy, tx_busy;
	nng_aio *rx, *tx;
	/* receive: header, then body */
	struct qn_hdr h;
	unsigned char *body;
	size_t want, got;
	int in_body;
	/* send */
	struct qframe_list q;
	struct qframe *cur;
	size_t cur_off;
};
TAILQ_HEAD(qstream_list, qstream);
static struct qstream_list streams = TAILQ_HEAD_INITIALIZER(streams);

static void rx_cb(void *arg);
static void tx_cb(void *arg);

struct qframe *qn_frame_new(uint32_t type, uint64_t id, size_t payload)
{
	struct qframe *f;

	if (payload > QN_FRAME_MAX)
		return NULL;
	f = malloc(sizeof(*f) + sizeof(struct qn_hdr) + payload);
	if (!f)
		return NULL;
	f->len = sizeof(struct qn_hdr) + payload;
	f->pid = 0;
	f->h = (struct qn_hdr *)f->buf;
	memset(f->h, 0, sizeof(*f->h));
	f->h->magic = QN_MAGIC;
	f->h->type = type;
	f->h->len = (uint32_t)payload;
	f->h->id = id;
	return f;
}

struct qlink *qn_link_by_nd(uint32_t nd)
{
	if (nd == 0 || nd > Q.nlinks)
		return NULL;
	return &Q.links[nd - 1];
}

static struct qstream *stream_new(nng_stream *s, int inbound)
{
	struct qstream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (nng_aio_alloc(&st->rx, rx_cb, st) != 0 ||
	    nng_aio_alloc(&st->tx, tx_cb, st) != 0) {
		nng_aio_free(st->rx);
		free(st);
		return NULL;
	}
	st->s = s;
	st->inbound = inbound;
	st->born_ms = qn_now_ms();
	TAILQ_INIT(&st->q);
	TAILQ_INSERT_TAIL(&streams, st, glink);
	return st;
}

static void tx_next(struct qstream *st);

/* Start (or continue) reading: header first, then the body. Q.mu held. */
static void rx_arm(struct qstream *st)
{
	nng_iov iov;

	if (st->closed)
		return;
	if (!st->in_body) {
		iov.iov_buf = (char *)&st->h + st->got;
		iov.iov_len = sizeof(st->h) - st->got;
	} else {
		iov.iov_buf = st->body + st->got;
		iov.iov_len = st->want - st->got;
	}
	nng_aio_set_iov(st->rx, 1, &iov);
	st->rx_busy = 1;
	nng_stream_recv(st->s, st->rx);
}

/* A link that went down, and the generation that ended. */
struct qdown {
	struct qlink *l;
	unsigned gen;
};

/* Close a stream; if it was its link's, the link goes down and the calls
 * it carried fail (outside the lock). Q.mu held; *down gets the link. */
static void stream_close_locked(struct qstream *st, struct qdown *down)
{
	down->l = NULL;
	if (st->closed)
		return;
	st->closed = 1;
	nng_stream_close(st->s);
	if (st->l && st->l->st == st) {
		struct qlink *l = st->l;

		l->st = NULL;
		if (l->up) {
			l->up = 0;
			l->downs++;
			down->l = l;
			down->gen = l->gen;
		}
		l->next_dial_ms = qn_now_ms() + l->backoff_ms;
	}
}

static void link_went_down(const struct qdown *d, const char *why)
{
	if (!d->l)
		return;
	qn_log("link to %s down: %s", d->l->node.name, why);
	qn_cproxy_link_down(d->l, d->gen);
	qn_sproxy_link_down(d->l, d->gen);
}

static void stream_fail(struct qstream *st, const char *why)
{
	struct qdown down;

	qn_dbg("stream %p (%s, %s): %s", (void *)st,
	       st->inbound ? "accepted" : "dialed",
	       st->l ? st->l->node.name : "not yet named", why);
	pthread_mutex_lock(&Q.mu);
	/* a dialed link that fails before HELLO (TLS refused, say): say so
	 * once per reason, as a failed dial is */
	if (!st->inbound && st->l && !st->l->up && !st->closed &&
	    strncmp(st->l->fail_why, why, sizeof(st->l->fail_why) - 1)) {
		snprintf(st->l->fail_why, sizeof(st->l->fail_why), "%s", why);
		qn_log("link to %s (%s) failed before it was up: %s",
		       st->l->node.name, st->l->node.url, why);
	}
	stream_close_locked(st, &down);
	pthread_mutex_unlock(&Q.mu);
	link_went_down(&down, why);
}

static void hello_send_locked(struct qstream *st)
{
	struct qframe *f = qn_frame_new(QN_HELLO, 0, sizeof(struct qn_hello));
	struct qn_hello *hl;

	if (!f)
		return;
	hl = qn_frame_body(f);
	memset(hl, 0, sizeof(*hl));
	hl->version = QN_VERSION;
	hl->endian = QN_ENDIAN_TAG;
	snprintf(hl->name, sizeof(hl->name), "%s", Q.nodes.local);
	TAILQ_INSERT_TAIL(&st->q, f, link);
	tx_next(st);
}

/* A HELLO on st: name the stream's link. 0, or -1 (refused; logged). */
static int hello_take(struct qstream *st, const struct qn_hello *hl,
		      struct qdown *down)
{
	char name[sizeof(hl->name) + 1];
	struct qlink *l = NULL;
	unsigned i;

	down->l = NULL;
	memcpy(name, hl->name, sizeof(hl->name));
	name[sizeof(hl->name)] = '\0';
	if (hl->version != QN_VERSION || hl->endian != QN_ENDIAN_TAG) {
		qn_log("refused %s: protocol version %u or byte order differs",
		       name, hl->version);
		return -1;
	}
	for (i = 0; i < Q.nlinks; i++)
		if (strcmp(Q.links[i].node.name, name) == 0)
			l = &Q.links[i];
	if (!l) {
		qn_log("refused a link from unknown node '%s'", name);
		return -1;
	}
	if (st->inbound) {
		if (l->dial) {
			qn_log("refused %s: this node dials it, not the "
			       "other way round",
			       name);
			return -1;
		}
		if (l->st && l->st != st) /* it restarted: the old is dead */
			stream_close_locked(l->st, down);
		l->st = st;
		st->l = l;
		hello_send_locked(st);
	} else if (st->l != l) {
		qn_log("refused: dialed %s, but '%s' answered",
		       st->l ? st->l->node.name : "?", name);
		return -1;
	}
	l->up = 1;
	l->fail_why[0] = '\0';
	l->gen++;
	l->backoff_ms = 100;
	l->last_rx_ms = qn_now_ms();
	qn_log("link to %s up (%s)", name, st->inbound ? "accepted" : "dialed");
	return 0;
}

/* One whole frame arrived on st. Returns 0, or -1 to close the stream. */
static int frame_take(struct qstream *st)
{
	struct qdown down = {NULL, 0};
	struct qlink *l;
	int rc = 0;

	const char *why = qn_frame_check(&st->h, st->body);

	if (why) {
		qn_log("malformed frame (type %u, %u bytes) from %s: %s",
		       st->h.type, st->h.len,
		       st->l ? st->l->node.name : "a node not yet named", why);
		return -1;
	}
	pthread_mutex_lock(&Q.mu);
	if (st->h.type == QN_HELLO) {
		if (st->l && st->l->st == st && st->l->up)
			rc = -1;
		else
			rc = hello_take(st, (struct qn_hello *)st->body, &down);
		pthread_mutex_unlock(&Q.mu);
		link_went_down(&down, "the node connected again");
		return rc;
	}
	l = st->l;
	if (!l || l->st != st || !l->up) {
		pthread_mutex_unlock(&Q.mu);
		return -1; /* nothing but HELLO before HELLO */
	}
	l->last_rx_ms = qn_now_ms();
	pthread_mutex_unlock(&Q.mu);
	switch (st->h.type) {
	case QN_PING:
		break;
	case QN_ATTACH_REP:
	case QN_REPLY:
	case QN_EVENT:
	case QN_RESOLVE_REP:
	case QN_NAME_REP:
		qn_cproxy_frame(l, &st->h, &st->body);
		break;
	case QN_ATTACH:
	case QN_SEND:
	case QN_UNBLOCK:
	case QN_PULSE:
	case QN_DETACH:
	case QN_RESOLVE:
	case QN_NAME:
		qn_sproxy_frame(l, &st->h, &st->body);
		break;
	}
	return 0;
}

static void rx_cb(void *arg)
{
	struct qstream *st = arg;
	int err = nng_aio_result(st->rx);
	size_t n = nng_aio_count(st->rx);

	pthread_mutex_lock(&Q.mu);
	st->rx_busy = 0;
	if (err || st->closed) {
		pthread_mutex_unlock(&Q.mu);
		stream_fail(st, err ? nng_strerror(err) : "closed");
		return;
	}
	st->got += n;
	if (!st->in_body && st->got == sizeof(st->h)) {
		const char *why = qn_frame_hdr_check(&st->h);

		if (why) {
			pthread_mutex_unlock(&Q.mu);
			qn_log("malformed frame header (type %u, %u bytes): %s",
			       st->h.type, st->h.len, why);
			stream_fail(st, "malformed frame");
			return;
		}
		st->in_body = 1;
		st->want = st->h.len;
		st->got = 0;
		st->body = malloc(st->want ? st->want : 1);
		if (!st->body) {
			pthread_mutex_unlock(&Q.mu);
			stream_fail(st, "out of memory");
			return;
		}
	}
	if (st->in_body && st->got == st->want) {
		pthread_mutex_unlock(&Q.mu);
		if (frame_take(st) < 0) {
			free(st->body);
			st->body = NULL;
			stream_fail(st, "bad frame from the peer");
			return;
		}
		pthread_mutex_lock(&Q.mu);
		free(st->body);
		st->body = NULL;
		st->in_body = 0;
		st->got = 0;
	}
	rx_arm(st);
	pthread_mutex_unlock(&Q.mu);
}

/* Send the next queued frame if none is in flight. Q.mu held. */
static void tx_next(struct qstream *st)
{
	nng_iov iov;

	if (st->tx_busy || st->closed)
		return;
	if (!st->cur) {
		st->cur = TAILQ_FIRST(&st->q);
		if (!st->cur)
			return;
		TAILQ_REMOVE(&st->q, st->cur, link);
		st->cur_off = 0;
	}
	iov.iov_buf = st->cur->buf + st->cur_off;
	iov.iov_len = st->cur->len - st->cur_off;
	nng_aio_set_iov(st->tx, 1, &iov);
	st->tx_busy = 1;
	if (st->l)
		st->l->last_tx_ms = qn_now_ms();
	nng_stream_send(st->s, st->tx);
}

static void tx_cb(void *arg)
{
	struct qstream *st = arg;
	int err = nng_aio_result(st->tx);

	pthread_mutex_lock(&Q.mu);
	st->tx_busy = 0;
	if (err || st->closed) {
		pthread_mutex_unlock(&Q.mu);
		stream_fail(st, err ? nng_strerror(err) : "closed");
		return;
	}
	st->cur_off += nng_aio_count(st->tx);
	if (st->cur_off >= st->cur->len) {
		free(st->cur);
		st->cur = NULL;
	}
	tx_next(st);
	pthread_mutex_unlock(&Q.mu);
}

int qn_link_send_locked(struct qlink *l, struct qframe *f)
{
	if (!l || !l->up || !l->st || l->st->closed) {
		free(f);
		return -ENOTCONN;
	}
	TAILQ_INSERT_TAIL(&l->st->q, f, link);
	tx_next(l->st);
	return 0;
}

int qn_link_send(struct qlink *l, struct qframe *f)
{
	int rc;

	pthread_mutex_lock(&Q.mu);
	rc = qn_link_send_locked(l, f);
	pthread_mutex_unlock(&Q.mu);
	return rc;
}

/* ---- connecting ---- */

static void dial_cb(void *arg)
{
	struct qlink *l = arg;
	int err = nng_aio_result(l->dial_aio);
	nng_stream *s;
	struct qstream *st;

	pthread_mutex_lock(&Q.mu);
	l->dialing = 0;
	if (err || Q.stopping) {
		l->next_dial_ms = qn_now_ms() + l->backoff_ms;
		if (l->backoff_ms < 1000)
			l->backoff_ms *= 2;
		if (err != l->dial_err) /* each new reason once */
			qn_log("dial %s (%s): %s", l->node.name, l->node.url,
			       nng_strerror(err));
		l->dial_err = err;
		pthread_mutex_unlock(&Q.mu);
		return;
	}
	s = nng_aio_get_output(l->dial_aio, 0);
	st = stream_new(s, 0);
	if (!st) {
		nng_stream_free(s);
		pthread_mutex_unlock(&Q.mu);
		return;
	}
	l->dial_err = 0;
	st->l = l;
	l->st = st;
	hello_send_locked(st);
	rx_arm(st);
	pthread_mutex_unlock(&Q.mu);
}

static void accept_cb(void *arg)
{
	int err = nng_aio_result(Q.accept_aio);
	struct qstream *st;

	(void)arg;
	pthread_mutex_lock(&Q.mu);
	if (!err) {
		nng_stream *s = nng_aio_get_output(Q.accept_aio, 0);

		st = stream_new(s, 1);
		if (st)
			rx_arm(st);
		else
			nng_stream_free(s);
	} else if (err != NNG_ECLOSED) {
		qn_log("accept: %s", nng_strerror(err));
	}
	if (!Q.stopping && err != NNG_ECLOSED)
		nng_stream_listener_accept(Q.listener, Q.accept_aio);
	pthread_mutex_unlock(&Q.mu);
}

/* One end's TLS config: this node's certificate and key, the cluster CA,
 * and a certificate required of the other end. A client config also
 * names the node it dials (its certificate must say so). */
static int tls_config(nng_tls_config **cfg, nng_tls_mode mode, const char *peer)
{
	int rc;

	if ((rc = nng_tls_config_alloc(cfg, mode)) ||
	    (rc = nng_tls_config_ca_file(*cfg, Q.nodes.ca)) ||
	    (rc = nng_tls_config_cert_key_file(*cfg, Q.nodes.cert, NULL)) ||
	    (rc = nng_tls_config_auth_mode(*cfg, NNG_TLS_AUTH_MODE_REQUIRED)) ||
	    (peer && (rc = nng_tls_config_server_name(*cfg, peer))))
		qn_log("TLS set-up (cert %s, CA %s): %s", Q.nodes.cert,
		       Q.nodes.ca, nng_strerror(rc));
	return rc;
}

static int tls_client_config(nng_tls_config **cfg, const char *peer)
{
	return tls_config(cfg, NNG_TLS_MODE_CLIENT, peer);
}

static int tls_setup(void)
{
	if (!Q.nodes.cert[0])
		return 0;
	return tls_config(&Q.tls_srv, NNG_TLS_MODE_SERVER, NULL) ? -EINVAL : 0;
}

int qn_links_start(void)
{
	const char *url = NULL;
	unsigned i, k = 0;
	int rc;

	pthread_mutex_lock(&Q.mu);
	if (tls_setup() < 0)
		goto fail;
	Q.links = calloc(Q.nodes.n, sizeof(*Q.links));
	if (!Q.links)
		goto fail;
	for (i = 0; i < Q.nodes.n; i++) {
		const struct nto_node *n = &Q.nodes.node[i];
		struct qlink *l;

		if (n->nd == 0) {
			url = n->url;
			continue;
		}
		if (n->nd > Q.nodes.n) /* nd is 1..n-1: the table says so */
			goto fail;
		l = &Q.links[n->nd - 1];
		l->node = *n;
		l->dial = strcmp(Q.nodes.local, n->name) < 0;
		l->backoff_ms = 100;
		if (n->nd > k)
			k = n->nd;
		if (!l->dial)
			continue;
		if ((rc = nng_stream_dialer_alloc(&l->dialer, n->url)) ||
		    (rc = nng_aio_alloc(&l->dial_aio, dial_cb, l))) {
			qn_log("node %s: address %s: %s", n->name, n->url,
			       nng_strerror(rc));
			goto fail;
		}
		/* a TLS config of its own: the server name it checks is
		 * a property of the config, not of the dialer */
		if (Q.nodes.cert[0] &&
		    ((rc = tls_client_config(&l->tls, n->name)) ||
		     (rc = nng_stream_dialer_set_ptr(
			      l->dialer, NNG_OPT_TLS_CONFIG, l->tls)))) {
			qn_log("node %s: TLS: %s", n->name, nng_strerror(rc));
			goto fail;
		}
		nng_aio_set_timeout(l->dial_aio, (nng_duration)Q.timeout_ms);
	}
	Q.nlinks = k;
	if (!url) {
		qn_log("this node (%s) has no `node` line with its address",
		       Q.nodes.local);
		goto fail;
	}
	if ((rc = nng_stream_listener_alloc(&Q.listener, url)) ||
	    (Q.tls_srv &&
	     (rc = nng_stream_listener_set_ptr(Q.listener, NNG_OPT_TLS_CONFIG,
					       Q.tls_srv))) ||
	    (rc = nng_stream_listener_listen(Q.listener)) ||
	    (rc = nng_aio_alloc(&Q.accept_aio, accept_cb, NULL))) {
		qn_log("listen on %s: %s", url, nng_strerror(rc));
		goto fail;
	}
	nng_stream_listener_accept(Q.listener, Q.accept_aio);
	pthread_mutex_unlock(&Q.mu);
	qn_links_tick();
	return 0;
fail:
	pthread_mutex_unlock(&Q.mu);
	return -EINVAL;
}

/* Every tick (main thread): PING quiet links, close silent ones, dial the
 * ones that are down, free closed streams. */
void qn_links_tick(void)
{
	uint64_t now = qn_now_ms();
	struct qdown down[NTO_NODES_MAX];
	struct qstream *st, *nx;
	unsigned i, ndown = 0;

	pthread_mutex_lock(&Q.mu);
	for (i = 0; i < Q.nlinks; i++) {
		struct qlink *l = &Q.links[i];

		if (!l->node.name[0])
			continue;
		/* other threads stamp last_rx/tx after `now` was read */
		if (l->up && now > l->last_rx_ms &&
		    now - l->last_rx_ms > Q.timeout_ms) {
			qn_log("link to %s silent for %llu ms", l->node.name,
			       (unsigned long long)(now - l->last_rx_ms));
			stream_close_locked(l->st, &down[ndown]);
			if (down[ndown].l)
				ndown++;
		} else if (l->up && now > l->last_tx_ms &&
			   now - l->last_tx_ms >= Q.timeout_ms / 4) {
			struct qframe *f = qn_frame_new(QN_PING, 0, 0);

			if (f)
				qn_link_send_locked(l, f);
		}
		if (l->dial && !l->st && !l->dialing && !Q.stopping &&
		    now >= l->next_dial_ms) {
			l->dialing = 1;
			nng_stream_dialer_dial(l->dialer, l->dial_aio);
		}
	}
	/* a stream that never said HELLO within the timeout is dropped */
	TAILQ_FOREACH(st, &streams, glink)
	{
		if (!st->closed && !st->l && st->inbound &&
		    now - st->born_ms > Q.timeout_ms) {
			struct qdown d;

			stream_close_locked(st, &d);
		}
	}
	for (st = TAILQ_FIRST(&streams); st; st = nx) {
		nx = TAILQ_NEXT(st, glink);
		if (!st->closed || st->rx_busy || st->tx_busy)
			continue;
		TAILQ_REMOVE(&streams, st, glink);
		pthread_mutex_unlock(&Q.mu);
		nng_aio_free(st->rx);
		nng_aio_free(st->tx);
		nng_stream_free(st->s);
		pthread_mutex_lock(&Q.mu);
		free(st->body);
		free(st->cur);
		while (!TAILQ_EMPTY(&st->q)) {
			struct qframe *f = TAILQ_FIRST(&st->q);

			TAILQ_REMOVE(&st->q, f, link);
			free(f);
		}
		free(st);
	}
	pthread_mutex_unlock(&Q.mu);
	for (i = 0; i < ndown; i++)
		link_went_down(&down[i], "silent");
}

void qn_links_stop(void)
{
	struct qstream *st;
	unsigned i;

	pthread_mutex_lock(&Q.mu);
	Q.stopping = 1;
	TAILQ_FOREACH(st, &streams, glink)
	{
		if (!st->closed) {
			st->closed = 1;
			nng_stream_close(st->s);
		}
	}
	pthread_mutex_unlock(&Q.mu);
	if (Q.listener)
		nng_stream_listener_close(Q.listener);
	for (i = 0; i < Q.nlinks; i++)
		if (Q.links[i].dialer)
			nng_stream_dialer_close(Q.links[i].dialer);
}
