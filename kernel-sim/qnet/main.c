/*
 * ntosim-qnet: the network manager of one node. Reads the node table,
 * registers with this node's ipcd as its network manager, links to the
 * other nodes (link.c) and carries remote message passing both ways
 * (cproxy.c, sproxy.c). libevent runs the clock (liveness, re-dials) and
 * the signals; nng's threads run the links; libnto threads the messages.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <sys/neutrino.h>

#include "qnet/qnet.h"

#define GAP_MS_DEF 5000 /* -g: a gone ipcd is waited for this long */
/* recursive: nng may (rarely) finish an aborted aio inside the call that
 * aborted it, and that callback takes the lock again */
struct qnet Q = {.mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
		 .chid = -1,
		 .gap_ms = GAP_MS_DEF};
int qn_verbose;

#define TICK_MS	     100
#define GAP_RETRY_MS 100

uint64_t qn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void qn_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ntosim-qnet[%s]: %s\n",
		Q.nodes.local[0] ? Q.nodes.local : "?", buf);
}

/* MsgReceive fails once this node's ipcd has been gone longer than
 * libnto's reconnect bound (or when our channel is gone). An ipcd that is
 * restarted comes back with everything we own re-told by libnto: asking
 * it to register us again (a no-op for the network manager it was told
 * of) proves it knows our channel. One thread asks; the others queue
 * behind it and find the answer at once. */
int qn_ipcd_gone(int err)
{
	static pthread_mutex_t gm = PTHREAD_MUTEX_INITIALIZER;
	uint64_t deadline;
	int rc = -1, r = -ENOTCONN, said = 0;

	pthread_mutex_lock(&gm);
	if (Q.stopping || atomic_load(&Q.lost))
		goto out;
	deadline = qn_now_ms() + Q.gap_ms;
	for (;;) {
		r = nto_netmgr_register(Q.chid);
		if (r == 0) {
			rc = 0;
			if (said)
				qn_log("this node's ipcd is back");
			break;
		}
		/* ENOTCONN: no ipcd; ETIMEDOUT: one that does not answer.
		 * Anything else: an ipcd that does not know our channel */
		if ((r != -ENOTCONN && r != -ETIMEDOUT) ||
		    qn_now_ms() >= deadline || Q.stopping)
			break;
		if (!said++)
			qn_log("MsgReceive: %s: waiting up to %u ms for this "
			       "node's ipcd",
			       strerror(err), Q.gap_ms);
		usleep(GAP_RETRY_MS * 1000);
	}
	if (rc < 0 && !Q.stopping && !atomic_exchange(&Q.lost, 1)) {
		qn_log("MsgReceive: %s (then %s): this node's ipcd is gone; "
		       "stopping",
		       strerror(err), strerror(-r));
		kill(getpid(), SIGTERM); /* main's handler ends the loop */
	}
out:
	pthread_mutex_unlock(&gm);
	return rc;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	qn_links_tick();
	qn_cproxy_tick();
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	qn_log("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ntosim-qnet [-v] [-c FILE] [-g MS] [-t THREADS]\n"
		"  -c FILE     the node table (default $%s, else %s)\n"
		"  -g MS       wait this long for a restarted ipcd (%u)\n"
		"  -t THREADS  receiving threads for local clients (4)\n"
		"  -v          log every dropped frame and failed delivery\n"
		"See ntosim-qnet(8) and docs/qnet.md.\n",
		NTO_QNET_CONF_ENV, NTOSIM_QNET_CONF_DEFAULT, GAP_MS_DEF);
}

int main(int argc, char **argv)
{
	struct event_base *base = NULL;
	struct event *tick = NULL, *sint = NULL, *sterm = NULL;
	struct timeval tv = {0, TICK_MS * 1000};
	int nthreads = 4, c, rc = 1;

	while ((c = getopt(argc, argv, "c:g:t:vh")) != -1) {
		switch (c) {
		case 'g': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v > 3600000) {
				fprintf(stderr, "ntosim-qnet: -g: 0 to 3600000 "
						"ms\n");
				return 2;
			}
			Q.gap_ms = (unsigned)v;
			break;
		}
		case 'c':
			setenv(NTO_QNET_CONF_ENV, optarg, 1);
			break;
		case 't':
			nthreads = atoi(optarg);
			if (nthreads < 1 || nthreads > 64) {
				fprintf(stderr, "ntosim-qnet: -t: 1 to 64\n");
				return 2;
			}
			break;
		case 'v':
			qn_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	rc = nto_node_table_load(&Q.nodes);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"ntosim-qnet: no node table (set %s or create %s): "
			"this node has no other nodes to talk to\n",
			NTO_QNET_CONF_ENV, NTOSIM_QNET_CONF_DEFAULT);
		return 1;
	}
	if (rc < 0)
		return 1; /* the loader said why */
	Q.timeout_ms =
		Q.nodes.timeout_ms ? Q.nodes.timeout_ms : NTO_QNET_TIMEOUT_DEF;
	Q.chid = ChannelCreate(_NTO_CHF_DISCONNECT | _NTO_CHF_UNBLOCK);
	if (Q.chid < 0) {
		qn_log("ChannelCreate: %s (is ipcd running?)", strerror(errno));
		return 1;
	}
	rc = nto_netmgr_register(Q.chid);
	if (rc < 0) {
		qn_log("cannot register as this node's network manager: %s%s",
		       strerror(-rc),
		       rc == -EBUSY ? " (another ntosim-qnet runs)" : "");
		return 1;
	}
	rc = 1;
	if (qn_links_start() < 0 || qn_sproxy_start() < 0 ||
	    qn_cproxy_start(nthreads) < 0 || qn_netdir_start() < 0)
		goto out;
	base = event_base_new();
	if (!base)
		goto out;
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	sint = evsignal_new(base, SIGINT, stop_cb, base);
	sterm = evsignal_new(base, SIGTERM, stop_cb, base);
	if (!tick || !sint || !sterm || event_add(tick, &tv) ||
	    event_add(sint, NULL) || event_add(sterm, NULL))
		goto out;
	qn_log("node %s ready (nd table of %u nodes, link timeout %u ms%s)",
	       Q.nodes.local, Q.nodes.n, Q.timeout_ms,
	       Q.nodes.cert[0] ? ", TLS" : "");
	event_base_dispatch(base);
	rc = atomic_load(&Q.lost) ? 1 : 0;
out:
	qn_links_stop();
	if (Q.chid >= 0)
		ChannelDestroy(Q.chid);
	if (tick)
		event_free(tick);
	if (sint)
		event_free(sint);
	if (sterm)
		event_free(sterm);
	if (base)
		event_base_free(base);
	return rc;
}
