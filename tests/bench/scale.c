/*
 * Scale: N idle connections (coids) from P client processes to one echo
 * server; then the 64 B round trip of one more client against the round
 * trip with that client alone, and the resident memory of ipcd and the
 * server. A limit that stops the connections is reported with its errno,
 * never hidden. NTOSIM_BENCH_SCALE="N/P" (default 1000/100; the issue's
 * target is 10000/1000).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "bench.h"

#define SCALE_MAX_PROCS 4096

struct scale_shm {
	_Atomic int ready;  /* idle processes done attaching (or failed) */
	_Atomic int failed; /* processes that hit an error */
	_Atomic int err;    /* the first errno hit */
	_Atomic int coids;  /* coids attached and used, all processes */
};

struct scale_cli {
	struct scale_shm *m;
	pid_t server;
	int chid, per; /* coids per process */
};

/* Attach c->per coids, send one 64 B message on each (so the server maps
 * the connection), then stay idle, holding them. */
static int scale_idle(void *arg)
{
	struct scale_cli *c = arg;
	char buf[64] = "scale";
	int i, coid, e = 0;

	for (i = 0; i < c->per; i++) {
		coid = ConnectAttach(0, c->server, c->chid, _NTO_SIDE_CHANNEL,
				     0);
		if (coid < 0 ||
		    MsgSend(coid, buf, sizeof(buf), buf, sizeof(buf)) < 0) {
			e = errno;
			break;
		}
		atomic_fetch_add(&c->m->coids, 1);
	}
	if (e) {
		int zero = 0;

		atomic_compare_exchange_strong(&c->m->err, &zero, e);
		atomic_fetch_add(&c->m->failed, 1);
	}
	atomic_fetch_add(&c->m->ready, 1);
	for (;;)
		pause();
	return 0;
}

struct rt_probe {
	pid_t server;
	int chid, pfd;
};

static int rt_probe_op(void *arg)
{
	int coid = *(int *)arg;
	char s[64], r[64];

	memset(s, 7, sizeof(s));
	return MsgSend(coid, s, sizeof(s), r, sizeof(r)) < 0 ? -errno : 0;
}

/* One more client: a 64 B round trip, median ns written to pfd (or -1). */
static int rt_probe(void *arg)
{
	struct rt_probe *p = arg;
	struct bench_stat st;
	double ns = -1;
	int coid = ConnectAttach(0, p->server, p->chid, _NTO_SIDE_CHANNEL, 0);

	if (coid >= 0 && bench_time_op(rt_probe_op, &coid, &st) == 0)
		ns = st.med_ns;
	else
		fprintf(stderr, "bench: scale probe: %s\n", strerror(errno));
	return bench_writeall(p->pfd, &ns, sizeof(ns)) < 0 || ns < 0;
}

static double probe(pid_t server, int chid)
{
	struct rt_probe p = {server, chid, -1};
	double ns = -1;
	int fd[2];
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	p.pfd = fd[1];
	pid = bench_fork(rt_probe, &p);
	close(fd[1]);
	if (pid < 0 || bench_readall(fd[0], &ns, sizeof(ns)) < 0)
		ns = -1;
	close(fd[0]);
	bench_kill(pid);
	return ns;
}

/* argv: scale NCONN NPROC. Prints rt1_ns and rt1_after_ns (one client
 * alone, before the others came and after they were killed),
 * rtn_ns (one more client with the idle ones attached), coids, failed,
 * err, ipcd_rss0/ipcd_rss_kib, srv_rss0/srv_rss_kib, setup_s. */
int scale_case(int argc, char **argv)
{
	static pid_t pids[SCALE_MAX_PROCS];
	struct scale_shm *m;
	struct scale_cli c;
	pid_t server, ipcd = bench_ipcd_pid();
	int nconn, nproc, chid, i, r = 0;
	uint64_t t0, limit;
	double rt1, rtn;

	if (argc != 3)
		return 2;
	nconn = atoi(argv[1]);
	nproc = atoi(argv[2]);
	if (nproc < 1 || nproc > SCALE_MAX_PROCS || nconn < nproc)
		return 2;
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	server = bench_start_server(1, &chid);
	if (server < 0)
		return 1;
	rt1 = probe(server, chid);
	bench_emit("ipcd_rss0_kib", (double)bench_rss_kib(ipcd));
	bench_emit("srv_rss0_kib", (double)bench_rss_kib(server));

	c.m = m;
	c.server = server;
	c.chid = chid;
	t0 = bench_now_ns();
	for (i = 0; i < nproc; i++) {
		/* spread nconn over nproc: the first ones take the rest */
		c.per = nconn / nproc + (i < nconn % nproc);
		pids[i] = bench_fork(scale_idle, &c);
		if (pids[i] < 0) {
			int zero = 0;

			atomic_compare_exchange_strong(&m->err, &zero, errno);
			atomic_fetch_add(&m->failed, 1);
			atomic_fetch_add(&m->ready, 1);
		}
	}
	limit = bench_now_ns() + 1000000000ull * (30 + (uint64_t)nproc / 5);
	while (atomic_load(&m->ready) < nproc && bench_now_ns() < limit)
		bench_sleep_s(0.005);
	bench_emit("setup_s", (double)(bench_now_ns() - t0) / 1e9);
	bench_emit("coids", atomic_load(&m->coids));
	bench_emit("procs_failed",
		   atomic_load(&m->failed) + (nproc - atomic_load(&m->ready)));
	bench_emit("err", atomic_load(&m->err));
	bench_emit("ipcd_rss_kib", (double)bench_rss_kib(ipcd));
	bench_emit("srv_rss_kib", (double)bench_rss_kib(server));
	/* NTOSIM_BENCH_SCALE_SETTLE=S: wait S seconds before timing the one
	 * more client (does the cost fade once the newcomers settle?) */
	if (getenv("NTOSIM_BENCH_SCALE_SETTLE"))
		bench_sleep_s(atof(getenv("NTOSIM_BENCH_SCALE_SETTLE")));
	rtn = probe(server, chid);
	if (rt1 > 0)
		bench_emit("rt1_ns", rt1);
	if (rtn > 0)
		bench_emit("rtn_ns", rtn);
	if (rt1 <= 0 || rtn <= 0)
		r = 1;
	for (i = 0; i < nproc; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < nproc; i++)
		bench_kill(pids[i]);
	/* alone again, once ipcd has had time to reap them: a burst of
	 * other work on the machine then shows as a difference between
	 * before and after, not as an effect of the connections */
	bench_sleep_s(0.5 + nproc / 1000.0);
	rt1 = probe(server, chid);
	if (rt1 > 0)
		bench_emit("rt1_after_ns", rt1);
	bench_kill(server);
	return r;
}

void scale_section(void)
{
	const char *env = getenv("NTOSIM_BENCH_SCALE");
	char nc[16], np[16];
	const char *argv[] = {"scale", nc, np, NULL};
	struct bench_vals v;
	int nconn = 1000, nproc = 100, ok;
	double x, y, err = 0, failed = 0;

	if (env && sscanf(env, "%d/%d", &nconn, &nproc) != 2)
		bench_note("NTOSIM_BENCH_SCALE=%s: want N/P", env);
	if (nproc < 1 || nproc > SCALE_MAX_PROCS || nconn < nproc) {
		nconn = 1000;
		nproc = 100;
	}
	snprintf(nc, sizeof(nc), "%d", nconn);
	snprintf(np, sizeof(np), "%d", nproc);
	ok = bench_case(argv, NULL, 120 + nproc / 2, &v) == 0;
	if (!ok)
		bench_note("scale failed: %s", v.why);
	res_set("scale.conns_wanted", nconn);
	res_set("scale.procs", nproc);
	if (bench_val(&v, "coids", &x) == 0)
		res_set("scale.conns", x);
	if (bench_val(&v, "procs_failed", &failed) == 0)
		res_set("scale.procs_failed", failed);
	if (bench_val(&v, "err", &err) == 0)
		res_set("scale.errno", err);
	if (bench_val(&v, "setup_s", &x) == 0)
		res_set("scale.setup_s", x);
	if (bench_val(&v, "rt1_ns", &x) == 0)
		res_set("scale.rt1_before_us", x / 1000);
	if (bench_val(&v, "rt1_after_ns", &y) == 0)
		res_set("scale.rt1_after_us", y / 1000);
	if (bench_val(&v, "rt1_ns", &x) == 0 &&
	    bench_val(&v, "rt1_after_ns", &y) == 0)
		res_set("scale.rt1_us", (x + y) / 2000);
	else
		res_fail("scale.rt1_us", ok ? "no value" : v.why);
	if (bench_val(&v, "rtn_ns", &x) == 0)
		res_set("scale.rtn_us", x / 1000);
	else
		res_fail("scale.rtn_us", ok ? "no value" : v.why);
	bench_ratio("scale.ratio", "scale.rtn_us", "scale.rt1_us");
	if (bench_val(&v, "ipcd_rss0_kib", &x) == 0)
		res_set("scale.ipcd_rss0_mib", x / 1024);
	if (bench_val(&v, "ipcd_rss_kib", &x) == 0)
		res_set("scale.ipcd_rss_mib", x / 1024);
	if (bench_val(&v, "srv_rss0_kib", &x) == 0)
		res_set("scale.srv_rss0_mib", x / 1024);
	if (bench_val(&v, "srv_rss_kib", &x) == 0)
		res_set("scale.srv_rss_mib", x / 1024);

	rpt("Scale: %d idle connections (coids) from %d client processes to "
	    "one server (NTOSIM_BENCH_SCALE=N/P)\n",
	    nconn, nproc);
	rpt("%-50s %9s of %d", "connections made (attached + one message)",
	    res_fmt("scale.conns", 9, 0, 1), nconn);
	if (failed > 0)
		rpt("; %.0f processes stopped early: errno %.0f (%s)", failed,
		    err, strerror((int)err));
	rpt("\n%-50s %9s s\n", "time to set them up",
	    res_fmt("scale.setup_s", 9, 2, 1));
	rpt("%-50s %9s us (before %s, after %s)\n",
	    "64 B round trip, one client alone",
	    res_fmt("scale.rt1_us", 9, 2, 1),
	    res_fmt("scale.rt1_before_us", 1, 2, 1),
	    res_fmt("scale.rt1_after_us", 1, 2, 1));
	rpt("%-50s %9s us  x %s",
	    "64 B round trip, one more client beside them",
	    res_fmt("scale.rtn_us", 9, 2, 1), res_fmt("scale.ratio", 1, 2, 1));
	if (res_get("scale.ratio", &x) == 0)
		rpt("  (target <= 1.1: %s)", x <= 1.1 ? "met" : "missed");
	rpt("\n%-50s %9s MiB (before: %s)", "ipcd RSS",
	    res_fmt("scale.ipcd_rss_mib", 9, 1, 1),
	    res_fmt("scale.ipcd_rss0_mib", 1, 1, 1));
	if (res_get("scale.ipcd_rss_mib", &x) == 0)
		rpt("  (target <= 50: %s)", x <= 50 ? "met" : "missed");
	rpt("\n%-50s %9s MiB (before: %s)\n\n", "server RSS",
	    res_fmt("scale.srv_rss_mib", 9, 1, 1),
	    res_fmt("scale.srv_rss0_mib", 1, 1, 1));
}
