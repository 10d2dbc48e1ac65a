/*
 * ntosim-qnet internals, shared by the files of kernel-sim/qnet only: the
 * links to other nodes (link.c), the client side that stands in for remote
 * servers (cproxy.c), the server side that stands in for remote clients
 * (sproxy.c). One lock guards all of it; nothing blocks while holding it.
 */
#ifndef NTOSIM_QNET_QNET_H
#define NTOSIM_QNET_QNET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "proto/netmgr.h"
#include "qnet/wire.h"

/* ---- main.c ---- */
extern int qn_verbose;
void qn_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define qn_dbg(...)                          \
	do {                                 \
		if (qn_verbose)              \
			qn_log(__VA_ARGS__); \
	} while (0)
uint64_t qn_now_ms(void);
/* A receiving thread's MsgReceive failed with err: wait (bounded, -g)
 * for a new ipcd that knows this network manager (0: receive again), or
 * stop the node (-1, Q.lost set, exit status 1). */
int qn_ipcd_gone(int err);

/* ---- link.c ---- */
struct qframe {
	TAILQ_ENTRY(qframe) link;
	size_t len;   /* header + payload */
	uint64_t pid; /* QN_SEND: the pending request it carries, else 0 */
	unsigned gen; /* qn_link_send: only on this link generation (0: any) */
	struct qn_hdr *h;
	unsigned char buf[]; /* h points here; payload follows it */
};
TAILQ_HEAD(qframe_list, qframe);

/* Work for the pool of link.c's threads (the links' readers). */
struct qjob {
	TAILQ_ENTRY(qjob) jl;
	void (*run)(struct qjob *j);
};
/* j runs in the next pool thread free (links waiting for a reader
 * first). Q.mu held. */
void qn_pool_queue_locked(struct qjob *j);
struct qstream;
/* st's reader is about to block: give st to another pool thread. 1 if
 * given, 0 if none can take it (the caller stays st's reader). */
int qn_link_handoff(struct qstream *st);

struct qlink {
	struct nto_node node; /* nd (this node's name for it), name, url */
	int dial;	      /* this node dials it (its name sorts higher) */
	nng_stream_dialer *dialer;
	nng_aio *dial_aio;
	int dialing;
	int dial_err;	   /* the last dial's nng error (logged once) */
	char fail_why[64]; /* why its last dialed stream failed (logged once) */
	nng_tls_config *tls; /* TLS: this link's client config */
	uint64_t next_dial_ms;
	unsigned backoff_ms;
	struct qstream *st; /* the current stream, or NULL */
	int up;		    /* HELLO exchanged on st */
	unsigned gen;	    /* bumped each time the link comes up */
	uint64_t last_rx_ms, last_tx_ms;
	uint64_t downs; /* times it went down (pidin, tests) */
};

struct qnet {
	pthread_mutex_t mu;
	struct nto_node_table nodes;
	struct qlink *links; /* one per remote node, indexed by nd - 1 */
	unsigned nlinks;
	nng_stream_listener *listener;
	nng_aio *accept_aio;
	nng_tls_config *tls_srv;
	int chid;
	unsigned timeout_ms;
	unsigned gap_ms; /* how long a gone ipcd is waited for (-g) */
	int stopping;
	_Atomic int lost; /* this node's ipcd is gone: exit 1 */
};
extern struct qnet Q;

/* A frame with room for `payload` bytes; h filled with type and id. */
struct qframe *qn_frame_new(uint32_t type, uint64_t id, size_t payload);
static inline void *qn_frame_body(struct qframe *f)
{
	return f->h + 1;
}
/* Queue f on l (takes f). 0, or -ENOTCONN (link down: f freed). Caller
 * holds Q.mu. */
int qn_link_send_locked(struct qlink *l, struct qframe *f);
/* Q.mu not held: writes f in this thread when the stream is idle (waits
 * at most the link timeout), else queues it. 0, or -ENOTCONN as above. */
int qn_link_send(struct qlink *l, struct qframe *f);
struct qlink *qn_link_by_nd(uint32_t nd);
int qn_links_start(void);
void qn_links_tick(void);
void qn_links_stop(void);

/* ---- cproxy.c: the client's node (stands in for remote servers) ---- */
int qn_cproxy_start(int nthreads);
/* A frame for the client side arrived on l (valid: frame.c); the
 * handler may keep *body (malloc'd, h->len bytes) by setting it NULL. */
void qn_cproxy_frame(struct qlink *l, const struct qn_hdr *h,
		     unsigned char **body);
/* l's generation gen went down: the calls it carried fail */
void qn_cproxy_link_down(struct qlink *l, unsigned gen);
void qn_cproxy_tick(void);

/* ---- sproxy.c: the server's node (stands in for remote clients) ---- */
int qn_sproxy_start(void);
void qn_sproxy_frame(struct qlink *l, const struct qn_hdr *h,
		     unsigned char **body);
/* A SEND frame read by st's reader (takes *body). Once the call is
 * registered, the reader hands st on (qn_link_handoff) and runs it: 1;
 * else (no thread to hand st to, or a bad binding answered) 0, the call
 * queued (qn_pool_queue_locked) and the caller still st's reader. */
int qn_sproxy_send(struct qlink *l, uint64_t id, unsigned char **body,
		   size_t len, struct qstream *st);
void qn_sproxy_link_down(struct qlink *l, unsigned gen);
/* a local server's MsgDeliverEvent to a remote client (netctl EVENT) */
int qn_sproxy_event(pid_t server_pid, const struct nto_netctl_event *ev);

/* ---- netdir.c: /net/NODE for every node (ls /net) ---- */
int qn_netdir_start(void);

#endif /* NTOSIM_QNET_QNET_H */
