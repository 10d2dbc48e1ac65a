/*
 * Idle cost: the CPU time blocked processes burn over a fixed window when
 * nobody sends (a server in MsgReceive, a server holding unreplied
 * messages, REPLY-blocked and SEND-blocked clients, ipcd), beside a process
 * blocked in read() on a Unix socket. The target is 0: no core burnt by
 * spinning when nobody is sending.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "bench.h"

#define IDLE_MAX_CLIENTS 32

struct idle_shm {
	_Atomic int received; /* messages the slow server holds */
	_Atomic int ready;    /* clients about to block */
	_Atomic int err;
};

struct idle_srv {
	int pfd;     /* write the chid here */
	int receive; /* 1: receive and hold; 0: never receive */
	struct idle_shm *m;
};

static int idle_server(void *arg)
{
	struct idle_srv *s = arg;
	char buf[64];
	int chid = ChannelCreate(0), rcvid;

	if (bench_writeall(s->pfd, &chid, sizeof(chid)) < 0 || chid < 0)
		return 1;
	while (!s->receive)
		pause(); /* never receives: its clients stay SEND-blocked */
	for (;;) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (rcvid > 0)
			atomic_fetch_add(&s->m->received, 1); /* no reply */
		else if (rcvid < 0 && errno != EINTR)
			return 1;
	}
}

static pid_t start_idle_server(int receive, struct idle_shm *m, int *chid)
{
	struct idle_srv s = {-1, receive, m};
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	s.pfd = p[1];
	pid = bench_fork(idle_server, &s);
	close(p[1]);
	if (pid > 0 &&
	    (bench_readall(p[0], chid, sizeof(*chid)) < 0 || *chid < 0)) {
		bench_kill(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

struct idle_cli {
	pid_t server;
	int chid;
	struct idle_shm *m;
};

static int idle_client(void *arg)
{
	struct idle_cli *c = arg;
	char buf[64] = "idle";
	int coid = ConnectAttach(0, c->server, c->chid, _NTO_SIDE_CHANNEL, 0);

	if (coid < 0) {
		atomic_store(&c->m->err, errno);
		return 1;
	}
	atomic_fetch_add(&c->m->ready, 1);
	if (MsgSend(coid, buf, sizeof(buf), buf, sizeof(buf)) < 0) {
		atomic_store(&c->m->err, errno);
		return 1;
	}
	for (;;)
		pause();
	return 0;
}

static int reader(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char b;

	return bench_readall(fd, &b, 1) < 0; /* blocks: nobody writes */
}

/* The sum of the usage of n pids. */
static void usage_sum(const pid_t *pids, int n, struct bench_usage *u)
{
	struct bench_usage one;
	int i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < n; i++)
		if (pids[i] > 0 && bench_usage(pids[i], &one) == 0) {
			u->cpu_ns += one.cpu_ns;
			u->vcsw += one.vcsw;
			u->ivcsw += one.ivcsw;
		}
}

enum { G_IDLE_SRV, G_HOLD_SRV, G_REPLY_CLI, G_SEND_CLI, G_IPCD, G_READER, G_N };
static const char *const group_key[G_N] = {"srv_recv",	"srv_holding",
					   "cli_reply", "cli_send",
					   "ipcd",	"unix_reader"};

/* argv: idle WINDOW_S NCLIENTS. For each group prints <g>_cpu_pct (% of
 * one CPU, per process) and <g>_wakes (voluntary context switches per
 * second, per process). */
int idle_case(int argc, char **argv)
{
	pid_t pids[G_N][IDLE_MAX_CLIENTS + 1];
	int np[G_N] = {0};
	struct bench_usage u0[G_N], u1[G_N];
	struct idle_cli cli;
	struct idle_shm *m;
	int chid_a, chid_b, chid_c, sv[2], n, i, g, r = 0;
	pid_t a, b, c;
	uint64_t limit, t0, t1;
	double w, secs;
	char key[48];

	if (argc != 3)
		return 2;
	w = atof(argv[1]);
	n = atoi(argv[2]);
	if (w <= 0 || n < 1 || n > IDLE_MAX_CLIENTS)
		return 2;
	memset(pids, 0, sizeof(pids));
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	a = start_idle_server(1, m, &chid_a); /* nobody sends to it */
	b = start_idle_server(1, m, &chid_b);
	c = start_idle_server(0, m, &chid_c);
	if (a < 0 || b < 0 || c < 0) {
		fprintf(stderr, "bench: idle: servers did not start\n");
		r = 1;
		goto out;
	}
	pids[G_IDLE_SRV][np[G_IDLE_SRV]++] = a;
	pids[G_HOLD_SRV][np[G_HOLD_SRV]++] = b;
	pids[G_IPCD][np[G_IPCD]++] = bench_ipcd_pid();
	pids[G_READER][np[G_READER]++] =
		bench_fork(reader, (void *)(intptr_t)sv[0]);
	cli.m = m;
	for (i = 0; i < n; i++) {
		cli.server = b;
		cli.chid = chid_b;
		pids[G_REPLY_CLI][np[G_REPLY_CLI]++] =
			bench_fork(idle_client, &cli);
		cli.server = c;
		cli.chid = chid_c;
		pids[G_SEND_CLI][np[G_SEND_CLI]++] =
			bench_fork(idle_client, &cli);
	}
	/* server a: no client sends; it sits in MsgReceive with none */
	limit = bench_now_ns() + 20000000000ull;
	while ((atomic_load(&m->ready) < 2 * n ||
		atomic_load(&m->received) < n) &&
	       !atomic_load(&m->err) && bench_now_ns() < limit)
		bench_sleep_s(0.002);
	if (atomic_load(&m->ready) < 2 * n || atomic_load(&m->received) < n) {
		fprintf(stderr, "bench: idle: clients not blocked: %s\n",
			strerror(atomic_load(&m->err)));
		r = 1;
		goto out;
	}
	bench_sleep_s(0.3); /* past every spin and back-off */
	for (g = 0; g < G_N; g++)
		usage_sum(pids[g], np[g], &u0[g]);
	t0 = bench_now_ns();
	bench_sleep_s(w);
	for (g = 0; g < G_N; g++)
		usage_sum(pids[g], np[g], &u1[g]);
	t1 = bench_now_ns();
	secs = (double)(t1 - t0) / 1e9;
	for (g = 0; g < G_N; g++) {
		if (np[g] == 0 || pids[g][0] <= 0)
			continue;
		snprintf(key, sizeof(key), "%s_cpu_pct", group_key[g]);
		bench_emit(key, (u1[g].cpu_ns - u0[g].cpu_ns) / 1e9 / secs *
					100 / np[g]);
		snprintf(key, sizeof(key), "%s_wakes", group_key[g]);
		bench_emit(key, (u1[g].vcsw - u0[g].vcsw) / secs / np[g]);
	}
	bench_emit("window_s", secs);
out:
	for (g = 0; g < G_N; g++)
		for (i = 0; i < np[g]; i++)
			if (g != G_IPCD)
				bench_kill(pids[g][i]);
	return r;
}

void idle_section(void)
{
	static const char *const what[G_N] = {
		"server in MsgReceive, nobody sending",
		"server holding N unreplied messages, in MsgReceive",
		"client REPLY-blocked (slow reply)",
		"client SEND-blocked (server not receiving)",
		"ipcd",
		"baseline: process blocked in read() on a Unix socket",
	};
	const char *env = getenv("NTOSIM_BENCH_IDLE_S");
	char win[32], nc[8] = "4", key[64], k2[64];
	const char *argv[] = {"idle", win, nc, NULL};
	struct bench_vals v;
	double x, w = env && atof(env) > 0 ? atof(env) : 3;
	int g, ok;

	snprintf(win, sizeof(win), "%g", w);
	ok = bench_case(argv, NULL, w + 60, &v) == 0;
	for (g = 0; g < G_N; g++) {
		snprintf(key, sizeof(key), "idle.%s_cpu_pct", group_key[g]);
		snprintf(k2, sizeof(k2), "%s_cpu_pct", group_key[g]);
		if (bench_val(&v, k2, &x) == 0)
			res_set(key, x);
		else
			res_fail(key, ok ? "no value" : v.why);
		snprintf(key, sizeof(key), "idle.%s_wakes", group_key[g]);
		snprintf(k2, sizeof(k2), "%s_wakes", group_key[g]);
		if (bench_val(&v, k2, &x) == 0)
			res_set(key, x);
	}
	if (!ok)
		bench_note("idle failed: %s", v.why);
	rpt("Idle cost over a %.0f s window, nobody sending (per process: %% "
	    "of one CPU, wake-ups per second; N = %s clients each)\n",
	    w, nc);
	for (g = 0; g < G_N; g++) {
		snprintf(key, sizeof(key), "idle.%s_cpu_pct", group_key[g]);
		snprintf(k2, sizeof(k2), "idle.%s_wakes", group_key[g]);
		rpt("%-54s %7s %% %7s /s\n", what[g], res_fmt(key, 7, 3, 1),
		    res_fmt(k2, 7, 1, 1));
	}
	rpt("(target: 0 %%, as the read() baseline: no core burnt by "
	    "spinning when nobody is sending; the wake-ups are the bounded "
	    "waits re-checking ipcd)\n\n");
}
