/*
 * Links to the other nodes: one nng byte stream (tcp:// or tls+tcp://) per
 * pair of nodes, dialed by the node whose name sorts first, framed by
 * wire.h, kept alive by PINGs and declared dead after Q.timeout_ms of
 * silence. nng does the transport, TLS, dialing and sends; each stream is
 * read by one thread of a leader/follower pool at a time, which handles
 * what it reads itself: a SEND it runs as the remote client's thread after
 * handing the stream to another thread (no reader -> worker hand-off).
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
	uint64_t born_ms;     /* an inbound stream must say HELLO in time */
	int rx_busy, tx_busy; /* rx_busy: a reader owns it, or is wanted */
	nng_aio *rx, *tx;     /* rx: no callback (its reader waits on it) */
	nng_aio *txs;	      /* qn_link_send's: no callback (it waits) */
	TAILQ_ENTRY(qstream) nlink; /* in `needq` */
	/* send */
	struct qframe_list q;
	struct qframe *cur;
	size_t cur_off;
};
TAILQ_HEAD(qstream_list, qstream);
static struct qstream_list streams = TAILQ_HEAD_INITIALIZER(streams);

static void tx_cb(void *arg);

/* The reader pool: threads waiting for a stream to read (needq). */
#define READERS_MAX    1024u /* streams read + remote sends run at once */
#define READER_IDLE_MS 10000
static TAILQ_HEAD(, qstream) needq = TAILQ_HEAD_INITIALIZER(needq);
static TAILQ_HEAD(, qjob) jobs = TAILQ_HEAD_INITIALIZER(jobs);
static pthread_cond_t need_cv = PTHREAD_COND_INITIALIZER;
static unsigned nreaders, nidle, nneed;

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
	f->gen = 0;
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
	if (nng_aio_alloc(&st->rx, NULL, NULL) != 0 ||
	    nng_aio_alloc(&st->tx, tx_cb, st) != 0 ||
	    nng_aio_alloc(&st->txs, NULL, NULL) != 0) {
		nng_aio_free(st->rx);
		nng_aio_free(st->tx);
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

static void *reader_main(void *arg);

/* st needs a reader: queue it for an idle thread, starting one if none is
 * idle. Q.mu held. 0, or -1 if no thread could be started (st waits in
 * needq for the next thread that comes back to the pool). */
static int reader_want_locked(struct qstream *st)
{
	st->rx_busy = 1;
	TAILQ_INSERT_TAIL(&needq, st, nlink);
	nneed++;
	if (nneed > nidle) {
		pthread_attr_t a;
		pthread_t th;
		int rc = -1;

		if (nreaders < READERS_MAX) {
			pthread_attr_init(&a);
			pthread_attr_setdetachstate(&a,
						    PTHREAD_CREATE_DETACHED);
			if (pthread_create(&th, &a, reader_main, NULL) == 0) {
				nreaders++;
				nidle++; /* it counts as idle until it looks */
				rc = 0;
			}
			pthread_attr_destroy(&a);
		}
		if (rc < 0)
			return -1;
	}
	pthread_cond_signal(&need_cv);
	return 0;
}

int qn_link_handoff(struct qstream *st)
{
	int handed = 0;

	pthread_mutex_lock(&Q.mu);
	if (!st->closed && (nneed < nidle || nreaders < READERS_MAX)) {
		if (reader_want_locked(st) == 0) {
			handed = 1;
		} else { /* not handed after all: this thread reads on */
			TAILQ_REMOVE(&needq, st, nlink);
			nneed--;
		}
	}
	pthread_mutex_unlock(&Q.mu);
	return handed;
}

/* One whole frame arrived on st. Returns 0, 1 (a SEND: st was handed to
 * another reader and this thread ran the send), or -1 to close st. */
static int frame_take(struct qstream *st, const struct qn_hdr *h,
		      unsigned char **body)
{
	struct qdown down = {NULL, 0};
	struct qlink *l;
	int rc = 0;
	const char *why = qn_frame_check(h, *body);

	if (why) {
		qn_log("malformed frame (type %u, %u bytes) from %s: %s",
		       h->type, h->len,
		       st->l ? st->l->node.name : "a node not yet named", why);
		return -1;
	}
	pthread_mutex_lock(&Q.mu);
	if (h->type == QN_HELLO) {
		if (st->l && st->l->st == st && st->l->up)
			rc = -1;
		else
			rc = hello_take(st, (struct qn_hello *)*body, &down);
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
	switch (h->type) {
	case QN_PING:
		break;
	case QN_ATTACH_REP:
	case QN_REPLY:
	case QN_EVENT:
	case QN_RESOLVE_REP:
	case QN_NAME_REP:
		qn_cproxy_frame(l, h, body);
		break;
	case QN_SEND:
		return qn_sproxy_send(l, h->id, body, h->len, st);
	case QN_ATTACH:
	case QN_UNBLOCK:
	case QN_PULSE:
	case QN_DETACH:
	case QN_RESOLVE:
	case QN_NAME:
		qn_sproxy_frame(l, h, body);
		break;
	}
	return 0;
}

/* Move exactly n bytes through aio with op (nng_stream_recv or
 * nng_stream_send), this thread waiting on each part. */
static int aio_full(struct qstream *st, nng_aio *aio,
		    void (*op)(nng_stream *, nng_aio *), void *buf, size_t n,
		    const char **why)
{
	size_t done = 0;

	while (done < n) {
		nng_iov iov = {(char *)buf + done, n - done};
		int err;

		nng_aio_set_iov(aio, 1, &iov);
		op(st->s, aio);
		nng_aio_wait(aio);
		if ((err = nng_aio_result(aio))) {
			*why = nng_strerror(err);
			return -1;
		}
		done += nng_aio_count(aio);
	}
	return 0;
}

/* Read exactly n bytes of st (this thread waits: st's reader). */
static int rx_full(struct qstream *st, void *buf, size_t n, const char **why)
{
	return aio_full(st, st->rx, nng_stream_recv, buf, n, why);
}

/* Be st's reader until st fails or this thread hands it on to run a
 * remote send. */
static void read_stream(struct qstream *st)
{
	const char *why = "bad frame from the peer";
	unsigned char *body = NULL;
	struct qn_hdr h;
	int rc;

	for (;;) {
		if (rx_full(st, &h, sizeof(h), &why) < 0)
			break;
		if (qn_frame_hdr_check(&h)) {
			qn_log("malformed frame header (type %u, %u bytes): %s",
			       h.type, h.len, qn_frame_hdr_check(&h));
			why = "malformed frame";
			break;
		}
		body = malloc(h.len ? h.len : 1);
		if (!body) {
			why = "out of memory";
			break;
		}
		if (rx_full(st, body, h.len, &why) < 0)
			break;
		rc = frame_take(st, &h, &body);
		free(body);
		body = NULL;
		if (rc > 0)
			return; /* another thread reads st now */
		if (rc < 0) {
			why = "bad frame from the peer";
			break;
		}
	}
	free(body);
	stream_fail(st, why);
	pthread_mutex_lock(&Q.mu);
	st->rx_busy = 0; /* qn_links_tick may free it */
	pthread_mutex_unlock(&Q.mu);
}

void qn_pool_queue_locked(struct qjob *j)
{
	TAILQ_INSERT_TAIL(&jobs, j, jl);
	pthread_cond_signal(&need_cv);
}

static void *reader_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&Q.mu);
	for (;;) {
		struct qstream *st = TAILQ_FIRST(&needq);
		struct qjob *j = TAILQ_FIRST(&jobs);

		if (!st && j) {
			TAILQ_REMOVE(&jobs, j, jl);
			nidle--;
			pthread_mutex_unlock(&Q.mu);
			j->run(j);
			pthread_mutex_lock(&Q.mu);
			nidle++;
			continue;
		}
		if (!st) {
			struct timespec ts;
			int rc;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += READER_IDLE_MS / 1000;
			rc = pthread_cond_timedwait(&need_cv, &Q.mu, &ts);
			if (rc == ETIMEDOUT && TAILQ_EMPTY(&needq) &&
			    TAILQ_EMPTY(&jobs) && nreaders > 4)
				break;
			continue;
		}
		TAILQ_REMOVE(&needq, st, nlink);
		nneed--;
		nidle--;
		pthread_mutex_unlock(&Q.mu);
		read_stream(st);
		pthread_mutex_lock(&Q.mu);
		nidle++;
	}
	nidle--;
	nreaders--;
	pthread_mutex_unlock(&Q.mu);
	return NULL;
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

/* Write all of f on st from this thread (st's sender for now). A socket
 * that takes none of it for the link timeout means a dead link. */
static int tx_full(struct qstream *st, struct qframe *f, const char **why)
{
	nng_aio_set_timeout(st->txs, (nng_duration)Q.timeout_ms);
	return aio_full(st, st->txs, nng_stream_send, f->buf, f->len, why);
}

/* As qn_link_send_locked, but when nothing else is being sent on the
 * stream this thread writes f itself (nng writes it inline and, with no
 * callback, wakes no thread of its own), else f is queued. Q.mu not held.
 * A write that fails takes the link down (its calls fail as for any
 * frame lost with the link), so once queued or written, 0. */
int qn_link_send(struct qlink *l, struct qframe *f)
{
	const char *why = NULL;
	struct qstream *st;

	pthread_mutex_lock(&Q.mu);
	st = l ? l->st : NULL;
	if (l && f->gen && f->gen != l->gen) { /* its generation ended */
		pthread_mutex_unlock(&Q.mu);
		free(f);
		return -ENOTCONN;
	}
	if (!st || !l->up || st->closed || st->tx_busy || st->cur ||
	    !TAILQ_EMPTY(&st->q)) {
		int rc = qn_link_send_locked(l, f);

		pthread_mutex_unlock(&Q.mu);
		return rc;
	}
	st->tx_busy = 1; /* tx_next waits; qn_links_tick keeps st */
	l->last_tx_ms = qn_now_ms();
	pthread_mutex_unlock(&Q.mu);
	if (tx_full(st, f, &why) < 0)
		stream_fail(st, why);
	free(f);
	pthread_mutex_lock(&Q.mu);
	st->tx_busy = 0;
	tx_next(st); /* what was queued meanwhile */
	pthread_mutex_unlock(&Q.mu);
	return 0;
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
	if (reader_want_locked(st) < 0)
		qn_log("link to %s: no thread to read it yet", l->node.name);
	pthread_mutex_unlock(&Q.mu);
}

/* Accepted streams not yet named by a HELLO: each has a reader thread, so
 * a peer that opens connections and says nothing may hold at most this
 * many (until the HELLO timeout closes them). Q.mu held. */
#define UNNAMED_MAX NTO_NODES_MAX
static int unnamed_full_locked(void)
{
	static int said;
	struct qstream *st;
	unsigned n = 0;

	TAILQ_FOREACH(st, &streams, glink)
	n += st->inbound && !st->l && !st->closed;
	if (n < UNNAMED_MAX) {
		said = 0;
		return 0;
	}
	if (!said++)
		qn_log("refusing connections: %u accepted ones have not said "
		       "HELLO yet",
		       n);
	return 1;
}

static void accept_cb(void *arg)
{
	int err = nng_aio_result(Q.accept_aio);
	struct qstream *st;

	(void)arg;
	pthread_mutex_lock(&Q.mu);
	if (!err) {
		nng_stream *s = nng_aio_get_output(Q.accept_aio, 0);

		if (unnamed_full_locked()) {
			nng_stream_close(s);
			nng_stream_free(s);
		} else if (!(st = stream_new(s, 1))) {
			nng_stream_free(s);
		} else if (reader_want_locked(st) < 0) {
			qn_log("accepted link: no thread to read it yet");
		}
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
		nng_aio_free(st->txs);
		nng_stream_free(st->s);
		pthread_mutex_lock(&Q.mu);
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
