/*
 * Throughput: client processes looping on 64 B round trips to one server
 * process, all counted together, MsgSend (1 or 2 receiving threads, spin on
 * or off) beside Unix-socket clients of one epoll echo server; the server's
 * sleeps and CPU per message say whether the spin holds. The 1-client row
 * is compared with the 64 B round-trip row of the rt section.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "bench.h"

#define TPUT_MAX_CLIENTS 64
#define TPUT_SIZE	 64

struct tput_shm {
	_Atomic int stop;
	_Atomic int ready;
	_Atomic int err;
	char pad[52];
	struct {
		_Atomic long n;
		char pad[56];
	} cnt[TPUT_MAX_CLIENTS];
};

struct tput_client {
	struct tput_shm *shm;
	int idx, chid;
	pid_t server;
	int fd; /* unix: this client's socket; -1 for MsgSend */
};

static int tput_client_main(void *arg)
{
	struct tput_client *c = arg;
	struct tput_shm *m = c->shm;
	char sbuf[TPUT_SIZE], rbuf[TPUT_SIZE];
	long k = 0;
	int coid = -1, r;

	bench_fill(sbuf, sizeof(sbuf), 7);
	if (c->fd < 0) {
		coid = ConnectAttach(0, c->server, c->chid, _NTO_SIDE_CHANNEL,
				     0);
		if (coid < 0) {
			atomic_store(&m->err, errno);
			return 1;
		}
	}
	atomic_fetch_add(&m->ready, 1);
	while (!atomic_load_explicit(&m->stop, memory_order_relaxed)) {
		if (c->fd < 0)
			r = MsgSend(coid, sbuf, sizeof(sbuf), rbuf,
				    sizeof(rbuf)) < 0
				    ? -errno
				    : 0;
		else if ((r = bench_writeall(c->fd, sbuf, sizeof(sbuf))) == 0)
			r = bench_readall(c->fd, rbuf, sizeof(rbuf));
		if (r < 0) {
			atomic_store(&m->err, -r);
			return 1;
		}
		atomic_store_explicit(&m->cnt[c->idx].n, ++k,
				      memory_order_relaxed);
	}
	if (coid >= 0)
		ConnectDetach(coid);
	return 0;
}

/* ---- the Unix-socket baseline: one epoll echo server ---- */

struct unix_srv {
	int n;
	int *fds; /* the server ends */
};

/* Raw syscalls: libnto interposes read/write and the epoll calls. */
static int unix_echo_server(void *arg)
{
	struct unix_srv *s = arg;
	struct epoll_event ev, evs[TPUT_MAX_CLIENTS];
	char buf[TPUT_SIZE];
	long ep = syscall(SYS_epoll_create1, EPOLL_CLOEXEC), k, i;

	if (ep < 0)
		return 1;
	for (i = 0; i < s->n; i++) {
		ev.events = EPOLLIN;
		ev.data.fd = s->fds[i];
		if (syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, s->fds[i], &ev) <
		    0)
			return 1;
	}
	for (;;) {
		k = syscall(SYS_epoll_pwait, ep, evs, TPUT_MAX_CLIENTS, -1,
			    NULL, (size_t)8);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return 1;
		for (i = 0; i < k; i++)
			if (bench_readall(evs[i].data.fd, buf, sizeof(buf)) <
				    0 ||
			    bench_writeall(evs[i].data.fd, buf, sizeof(buf)) <
				    0)
				return 0; /* a client went: we are done */
	}
}

static long tput_sum(struct tput_shm *m, int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += atomic_load_explicit(&m->cnt[i].n, memory_order_relaxed);
	return s;
}

/* argv: tput {msg|unix} CLIENTS SERVER_THREADS. Prints rate (round trips/s,
 * all clients together; median of the repetitions), rate_min, rate_max,
 * and per message: srv_sleeps, srv_cpu_ns, cli_sleeps, cli_cpu_ns (all
 * clients). */
int tput_case(int argc, char **argv)
{
	struct tput_shm *m;
	struct tput_client c;
	struct unix_srv us = {0, NULL};
	struct bench_usage s0, s1, c0, c1;
	pid_t server = -1, pids[TPUT_MAX_CLIENTS];
	int sfd[TPUT_MAX_CLIENTS], cfd[TPUT_MAX_CLIENTS];
	double rate[BENCH_MAX_REPS], msgs;
	uint64_t t0, t1, limit;
	long s0n, s1n, a0, a1;
	int nc, nt, chid = -1, i, r = 0, is_unix = 0;

	if (argc != 4)
		return 2;
	is_unix = !strcmp(argv[1], "unix");
	nc = atoi(argv[2]);
	nt = atoi(argv[3]);
	if (nc < 1 || nc > TPUT_MAX_CLIENTS || nt < 1 || nt > 64)
		return 2;
	memset(pids, 0, sizeof(pids));
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	if (is_unix) {
		for (i = 0; i < nc; i++) {
			int sv[2];

			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				       sv) < 0)
				return 1;
			sfd[i] = sv[0];
			cfd[i] = sv[1];
		}
		us.n = nc;
		us.fds = sfd;
		server = bench_fork(unix_echo_server, &us);
	} else {
		server = bench_start_server(nt, &chid);
	}
	if (server < 0)
		return 1;
	c.shm = m;
	c.chid = chid;
	c.server = server;
	for (i = 0; i < nc; i++) {
		c.idx = i;
		c.fd = is_unix ? cfd[i] : -1;
		pids[i] = bench_fork(tput_client_main, &c);
	}
	limit = bench_now_ns() + 10000000000ull;
	while (atomic_load(&m->ready) < nc && !atomic_load(&m->err) &&
	       bench_now_ns() < limit)
		bench_sleep_s(0.001);
	if (atomic_load(&m->ready) < nc) {
		fprintf(stderr, "bench: tput: clients not ready: %s\n",
			strerror(atomic_load(&m->err)));
		r = 1;
		goto out;
	}
	bench_sleep_s(0.2 > bench_rep_s ? bench_rep_s : 0.2); /* warm-up */
	a0 = tput_sum(m, nc);
	bench_usage(server, &s0);
	memset(&c0, 0, sizeof(c0));
	for (i = 0; i < nc; i++) {
		struct bench_usage u;

		if (bench_usage(pids[i], &u) == 0) {
			c0.cpu_ns += u.cpu_ns;
			c0.vcsw += u.vcsw;
		}
	}
	for (i = 0; i < bench_reps; i++) {
		s0n = tput_sum(m, nc);
		t0 = bench_now_ns();
		bench_sleep_s(bench_rep_s);
		s1n = tput_sum(m, nc);
		t1 = bench_now_ns();
		rate[i] = (double)(s1n - s0n) * 1e9 / (double)(t1 - t0);
	}
	bench_usage(server, &s1);
	memset(&c1, 0, sizeof(c1));
	for (i = 0; i < nc; i++) {
		struct bench_usage u;

		if (bench_usage(pids[i], &u) == 0) {
			c1.cpu_ns += u.cpu_ns;
			c1.vcsw += u.vcsw;
		}
	}
	a1 = tput_sum(m, nc);
	if (atomic_load(&m->err)) {
		fprintf(stderr, "bench: tput: %s: %s\n",
			is_unix ? "unix" : "MsgSend",
			strerror(atomic_load(&m->err)));
		r = 1;
		goto out;
	}
	bench_emit("rate", bench_median(rate, bench_reps));
	bench_emit("rate_min", rate[0]);
	bench_emit("rate_max", rate[bench_reps - 1]);
	msgs = (double)(a1 - a0);
	if (msgs > 0) {
		bench_emit("srv_sleeps", (s1.vcsw - s0.vcsw) / msgs);
		bench_emit("srv_cpu_ns", (s1.cpu_ns - s0.cpu_ns) / msgs);
		bench_emit("cli_sleeps", (c1.vcsw - c0.vcsw) / msgs);
		bench_emit("cli_cpu_ns", (c1.cpu_ns - c0.cpu_ns) / msgs);
	}
out:
	atomic_store(&m->stop, 1);
	/* MsgSend clients leave the loop; a Unix one may wait for a reply
	 * the killed server will not send (every client holds every socket,
	 * so no EOF): kill those */
	bench_kill(server);
	for (i = 0; i < nc; i++)
		if (is_unix)
			bench_kill(pids[i]);
		else if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	return r;
}

/* ---- the section ---- */

static const char *const spin0_env[] = {"NTOSIM_SPIN_US=0", NULL};

static const struct tput_cfg {
	const char *mode;
	int clients, threads, spin0;
} cfgs[] = {
	{"msg", 1, 1, 0}, {"msg", 2, 1, 0},  {"msg", 8, 1, 0},
	{"msg", 1, 2, 0}, {"msg", 8, 2, 0},  {"msg", 1, 1, 1},
	{"msg", 8, 1, 1}, {"unix", 1, 1, 0}, {"unix", 8, 1, 0},
};
#define NCFG (int)(sizeof(cfgs) / sizeof(cfgs[0]))

static const char *cfg_key(const struct tput_cfg *c, const char *what)
{
	static char ring[8][64];
	static int next;
	char *s = ring[next++ % 8];

	snprintf(s, 64, "tput.%s.c%d.t%d%s.%s", c->mode, c->clients, c->threads,
		 c->spin0 ? ".spin0" : "", what);
	return s;
}

void tput_section(void)
{
	static char nc[NCFG][8], nt[NCFG][8], keys[NCFG][5][64];
	static const char *argv[NCFG][5];
	static const char *const more[4] = {"srv_sleeps", "srv_cpu_ns",
					    "cli_sleeps", "cli_cpu_ns"};
	struct bench_job jobs[NCFG];
	double x, y;
	int i, k;

	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < NCFG; i++) {
		snprintf(nc[i], sizeof(nc[i]), "%d", cfgs[i].clients);
		snprintf(nt[i], sizeof(nt[i]), "%d", cfgs[i].threads);
		argv[i][0] = "tput";
		argv[i][1] = cfgs[i].mode;
		argv[i][2] = nc[i];
		argv[i][3] = nt[i];
		argv[i][4] = NULL;
		snprintf(keys[i][0], sizeof(keys[i][0]), "%s",
			 cfg_key(&cfgs[i], "rps"));
		jobs[i].argv = argv[i];
		jobs[i].env = cfgs[i].spin0 ? spin0_env : NULL;
		jobs[i].key = keys[i][0];
		jobs[i].val = "rate";
		jobs[i].scale = 1;
		for (k = 0; k < 4; k++) {
			snprintf(keys[i][k + 1], sizeof(keys[i][0]), "%s",
				 cfg_key(&cfgs[i], more[k]));
			jobs[i].more[k] = more[k];
			jobs[i].more_key[k] = keys[i][k + 1];
			jobs[i].more_scale[k] = k % 2 ? 1e-3 : 1;
		}
	}
	bench_interleave(jobs, NCFG);
	for (i = 0; i < NCFG; i++)
		if (res_get(cfg_key(&cfgs[i], "rps"), &x) == 0 && x > 0)
			res_set(cfg_key(&cfgs[i], "us_per_msg"), 1e6 / x);

	rpt("Throughput: %d B round trips per second, all client processes "
	    "together, one server process (median)\n",
	    TPUT_SIZE);
	rpt("%-7s %-7s %-7s %-5s %12s %9s %9s %11s\n", "method", "clients",
	    "threads", "spin", "round trips/s", "us/msg", "srv sleeps",
	    "srv CPU us");
	for (i = 0; i < NCFG; i++)
		rpt("%-7s %-7d %-7d %-5s %12s %9s %9s %11s\n",
		    cfgs[i].mode[0] == 'm' ? "MsgSend" : "unix",
		    cfgs[i].clients, cfgs[i].threads,
		    cfgs[i].mode[0] == 'u' ? "-"
		    : cfgs[i].spin0	   ? "off"
					   : "on",
		    res_fmt(cfg_key(&cfgs[i], "rps"), 12, 0, 1),
		    res_fmt(cfg_key(&cfgs[i], "us_per_msg"), 9, 2, 1),
		    res_fmt(cfg_key(&cfgs[i], "srv_sleeps"), 9, 2, 1),
		    res_fmt(cfg_key(&cfgs[i], "srv_cpu_ns"), 11, 2, 1));
	rpt("(srv sleeps / CPU: the server's voluntary context switches and "
	    "CPU time per message)\n");
	if (res_get("tput.msg.c1.t1.us_per_msg", &x) == 0 &&
	    res_get("rt.64.msgsend_us", &y) == 0 && y > 0) {
		res_set("tput.ratio_c1_rt64", x / y);
		rpt("1 client looping vs the 64 B round-trip row: %.2f us / "
		    "%.2f us = %.2f  (target: the same, ~1.0)\n",
		    x, y, x / y);
	}
	bench_ratio("tput.ratio_c8_unix8", "tput.msg.c8.t1.us_per_msg",
		    "tput.unix.c8.t1.us_per_msg");
	if (res_get("tput.ratio_c8_unix8", &x) == 0)
		rpt("8 MsgSend clients vs 8 Unix-socket clients, per message: "
		    "%.2f  (target <= 1.0: %s)\n",
		    x, x <= 1.0 ? "met" : "missed");
	rpt("\n");
}
