/*
 * The MsgSend sections: round trips beside the baselines (with the adaptive
 * spin and with NTOSIM_SPIN_US=0), throughput with 1, 2 and 8 client
 * processes against one server process with 1 or 2 receiving threads,
 * and the cost of setting up a connection. Each has an orchestrator part
 * (*_section: run cases, print the table) and a case part (*_case).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "bench.h"

/* name_open may be missing from a libnto without the dispatch layer: the
 * name rows are then skipped. */
#pragma weak name_attach
#pragma weak name_open
#pragma weak name_close

static const char *const spin0_env[] = {"NTOSIM_SPIN_US=0", NULL};

/* ---- a MsgReceive/MsgReply echo server ---- */

/* Echo every message back (EOK, same length); answer name_open's
 * _IO_CONNECT with EOK and no data; detach DISCONNECTed scoids. Returns
 * only if MsgReceive fails for good. */
int bench_serve(int chid)
{
	struct _msg_info info;
	char *buf = malloc(BENCH_MAX_SIZE);
	int rcvid;

	if (!buf)
		return 1;
	for (;;) {
		rcvid = MsgReceive(chid, buf, BENCH_MAX_SIZE, &info);
		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)(void *)buf;

			if (p->code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(p->scoid);
			continue;
		}
		if (info.msglen >= 2 && *(uint16_t *)(void *)buf == _IO_CONNECT)
			MsgReply(rcvid, EOK, NULL, 0);
		else
			MsgReply(rcvid, EOK, buf, info.msglen);
	}
}

struct msg_srv {
	int pfd;      /* write the chid here */
	int nthreads; /* receiving threads on the one chid */
};

static void *serve_thread(void *arg)
{
	bench_serve((int)(intptr_t)arg);
	return NULL;
}

static int msg_server(void *arg)
{
	struct msg_srv *s = arg;
	pthread_t t;
	int chid = ChannelCreate(0), i;

	if (bench_writeall(s->pfd, &chid, sizeof(chid)) < 0 || chid < 0)
		return 1;
	for (i = 1; i < s->nthreads; i++)
		if (pthread_create(&t, NULL, serve_thread,
				   (void *)(intptr_t)chid) != 0)
			return 1;
	return bench_serve(chid);
}

/* Fork an echo server with nthreads receivers; its chid in *chid. */
static pid_t start_server(int nthreads, int *chid)
{
	struct msg_srv s = {-1, nthreads};
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	s.pfd = p[1];
	pid = bench_fork(msg_server, &s);
	close(p[1]);
	if (pid > 0 &&
	    (bench_readall(p[0], chid, sizeof(*chid)) < 0 || *chid < 0)) {
		fprintf(stderr, "bench: server did not create a channel\n");
		bench_kill(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* ---- round trips ---- */

struct rt_ctx {
	int coid;
	size_t n;
	char *sbuf, *rbuf;
};

static int rt_op(void *arg)
{
	struct rt_ctx *c = arg;

	if (MsgSend(c->coid, c->sbuf, (int)c->n, c->rbuf, (int)c->n) < 0)
		return -errno;
	return 0;
}

/* argv: rt-msg SIZE. Prints rt_ns (and min/max). */
int rt_msg_case(int argc, char **argv)
{
	struct rt_ctx c;
	struct bench_stat st;
	int chid, r;
	pid_t pid;

	if (argc != 2)
		return 2;
	c.n = strtoul(argv[1], NULL, 10);
	if (c.n == 0 || c.n > BENCH_MAX_SIZE)
		return 2;
	c.sbuf = malloc(c.n);
	c.rbuf = malloc(c.n);
	if (!c.sbuf || !c.rbuf)
		return 1;
	bench_fill(c.sbuf, c.n, 7);
	pid = start_server(1, &chid);
	if (pid < 0)
		return 1;
	c.coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (c.coid < 0) {
		fprintf(stderr, "bench: ConnectAttach: %s\n", strerror(errno));
		bench_kill(pid);
		return 1;
	}
	r = rt_op(&c);
	if (r == 0 && bench_check(c.rbuf, c.n, 7) < 0) {
		fprintf(stderr, "bench: MsgSend %zu: reply differs\n", c.n);
		r = -EPROTO;
	}
	if (r == 0)
		r = bench_time_op(rt_op, &c, &st);
	if (r < 0) {
		fprintf(stderr, "bench: MsgSend %zu: %s\n", c.n, strerror(-r));
		bench_kill(pid);
		return 1;
	}
	bench_emit_stat("rt", &st);
	ConnectDetach(c.coid);
	bench_kill(pid);
	return 0;
}

static const char *size_label(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%zum", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%zuk", n / 1024);
	else
		snprintf(buf, len, "%zu", n);
	return buf;
}

static const char *size_human(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu B", n);
	return buf;
}

static void ratio(const char *key, const char *num, const char *den)
{
	double a, b;

	if (res_get(num, &a) == 0 && res_get(den, &b) == 0 && b > 0)
		res_set(key, a / b);
}

static const char *const methods[] = {"msgsend", "msgsend_spin0", "pipe",
				      "unix", "futex"};

void rt_section(void)
{
	static char sz[8][32], keys[8 * 5][64];
	static const char *argv[8 * 5][4];
	struct bench_job jobs[8 * 5] = {{0}};
	char key[64], lab[24], hum[24], k2[64], k3[64];
	int i, m, n = 0;

	for (i = 0; i < bench_nsizes && i < 8; i++) {
		size_label(bench_sizes[i], lab, sizeof(lab));
		snprintf(sz[i], sizeof(sz[i]), "%zu", bench_sizes[i]);
		for (m = 0; m < 5; m++, n++) {
			argv[n][0] = m < 2 ? "rt-msg" : "rt-base";
			argv[n][1] = m < 2 ? sz[i] : methods[m];
			argv[n][2] = m < 2 ? NULL : sz[i];
			argv[n][3] = NULL;
			snprintf(keys[n], sizeof(keys[n]), "rt.%s.%s_us", lab,
				 methods[m]);
			jobs[n] = (struct bench_job){argv[n],
						     m == 1 ? spin0_env : NULL,
						     keys[n], "rt_ns", 1e-3};
		}
	}
	bench_interleave(jobs, n);
	for (i = 0; i < bench_nsizes && i < 8; i++) {
		size_label(bench_sizes[i], lab, sizeof(lab));
		snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_unix", lab);
		snprintf(k2, sizeof(k2), "rt.%s.msgsend_us", lab);
		snprintf(k3, sizeof(k3), "rt.%s.unix_us", lab);
		ratio(key, k2, k3);
		snprintf(key, sizeof(key), "rt.%s.ratio_spin0_unix", lab);
		snprintf(k2, sizeof(k2), "rt.%s.msgsend_spin0_us", lab);
		ratio(key, k2, k3);
	}

	rpt("Round trip between two processes: send N bytes, reply N bytes "
	    "(us, median)\n");
	rpt("%-8s %9s %9s %9s %9s %9s %9s %9s\n", "size", "MsgSend",
	    "Msg spin0", "pipe", "unix", "futex", "Msg/unix", "spin0/unix");
	for (i = 0; i < bench_nsizes; i++) {
		size_label(bench_sizes[i], lab, sizeof(lab));
		rpt("%-8s", size_human(bench_sizes[i], hum, sizeof(hum)));
		for (m = 0; m < 5; m++) {
			snprintf(key, sizeof(key), "rt.%s.%s_us", lab,
				 methods[m]);
			rpt(" %s", res_fmt(key, 9, 2, 1));
		}
		snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_unix", lab);
		rpt(" %s", res_fmt(key, 9, 2, 1));
		snprintf(key, sizeof(key), "rt.%s.ratio_spin0_unix", lab);
		rpt(" %s\n", res_fmt(key, 9, 2, 1));
	}
	rpt("(MsgSend: default adaptive spin; Msg spin0: NTOSIM_SPIN_US=0; "
	    "futex: plain WAIT/WAKE, no spin)\n");
	{
		double a, b;

		rpt("targets (reported, not asserted): 64 B MsgSend/unix <= "
		    "1.0, aim 0.5: ");
		if (res_get("rt.64.ratio_msgsend_unix", &a) == 0)
			rpt("%.2f (%s)", a,
			    a <= 0.5   ? "met, aim too"
			    : a <= 1.0 ? "met"
				       : "missed");
		else
			rpt("n/a");
		rpt("; 1 MiB MsgSend/unix <= 2.0: ");
		if (res_get("rt.1m.ratio_msgsend_unix", &b) == 0)
			rpt("%.2f (%s)\n\n", b, b <= 2.0 ? "met" : "missed");
		else
			rpt("n/a\n\n");
	}
}

/* ---- throughput ---- */

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
};

static int tput_client_main(void *arg)
{
	struct tput_client *c = arg;
	struct tput_shm *m = c->shm;
	char sbuf[TPUT_SIZE], rbuf[TPUT_SIZE];
	long k = 0;
	int coid = ConnectAttach(0, c->server, c->chid, _NTO_SIDE_CHANNEL, 0);

	bench_fill(sbuf, sizeof(sbuf), 7);
	if (coid < 0) {
		atomic_store(&m->err, errno);
		return 1;
	}
	atomic_fetch_add(&m->ready, 1);
	while (!atomic_load_explicit(&m->stop, memory_order_relaxed)) {
		if (MsgSend(coid, sbuf, sizeof(sbuf), rbuf, sizeof(rbuf)) < 0) {
			atomic_store(&m->err, errno);
			return 1;
		}
		atomic_store_explicit(&m->cnt[c->idx].n, ++k,
				      memory_order_relaxed);
	}
	ConnectDetach(coid);
	return 0;
}

static long tput_sum(struct tput_shm *m, int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += atomic_load_explicit(&m->cnt[i].n, memory_order_relaxed);
	return s;
}

/* argv: tput CLIENTS SERVER_THREADS. Prints rate (round trips/s, all
 * clients together; median of the repetitions), rate_min, rate_max. */
int tput_case(int argc, char **argv)
{
	struct tput_shm *m;
	struct tput_client c;
	pid_t server, pids[TPUT_MAX_CLIENTS];
	double rate[BENCH_MAX_REPS];
	uint64_t t0, t1, limit;
	long s0, s1;
	int nc, nt, chid, i, r = 0;

	if (argc != 3)
		return 2;
	nc = atoi(argv[1]);
	nt = atoi(argv[2]);
	if (nc < 1 || nc > TPUT_MAX_CLIENTS || nt < 1 || nt > 64)
		return 2;
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	server = start_server(nt, &chid);
	if (server < 0)
		return 1;
	c.shm = m;
	c.chid = chid;
	c.server = server;
	for (i = 0; i < nc; i++) {
		c.idx = i;
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
	for (i = 0; i < bench_reps; i++) {
		s0 = tput_sum(m, nc);
		t0 = bench_now_ns();
		bench_sleep_s(bench_rep_s);
		s1 = tput_sum(m, nc);
		t1 = bench_now_ns();
		rate[i] = (double)(s1 - s0) * 1e9 / (double)(t1 - t0);
	}
	if (atomic_load(&m->err)) {
		fprintf(stderr, "bench: tput: MsgSend: %s\n",
			strerror(atomic_load(&m->err)));
		r = 1;
		goto out;
	}
	bench_emit("rate", bench_median(rate, bench_reps));
	bench_emit("rate_min", rate[0]);
	bench_emit("rate_max", rate[bench_reps - 1]);
out:
	atomic_store(&m->stop, 1);
	for (i = 0; i < nc; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	bench_kill(server);
	return r;
}

void tput_section(void)
{
	static const int clients[] = {1, 2, 8};
	static const struct {
		int threads, spin0;
	} cfg[] = {{1, 0}, {2, 0}, {1, 1}};
	static char nc[3][8], nt[3][8], keys[9][64];
	static const char *argv[9][4];
	struct bench_job jobs[9] = {{0}};
	char key[64], base[64], rkey[64];
	size_t g, i, n = 0;

	for (g = 0; g < 3; g++) {
		snprintf(nt[g], sizeof(nt[g]), "%d", cfg[g].threads);
		for (i = 0; i < 3; i++, n++) {
			snprintf(nc[i], sizeof(nc[i]), "%d", clients[i]);
			argv[n][0] = "tput";
			argv[n][1] = nc[i];
			argv[n][2] = nt[g];
			argv[n][3] = NULL;
			snprintf(keys[n], sizeof(keys[n]), "tput.c%d.t%d%s.rps",
				 clients[i], cfg[g].threads,
				 cfg[g].spin0 ? ".spin0" : "");
			jobs[n] = (struct bench_job){
				argv[n], cfg[g].spin0 ? spin0_env : NULL,
				keys[n], "rate", 1};
		}
	}
	bench_interleave(jobs, (int)n);
	for (g = 0; g < 3; g++)
		for (i = 0; i < 3; i++) {
			const char *sfx = cfg[g].spin0 ? ".spin0" : "";

			snprintf(key, sizeof(key), "tput.c%d.t%d%s.rps",
				 clients[i], cfg[g].threads, sfx);
			snprintf(base, sizeof(base), "tput.c1.t%d%s.rps",
				 cfg[g].threads, sfx);
			snprintf(rkey, sizeof(rkey), "tput.c%d.t%d%s.ratio",
				 clients[i], cfg[g].threads, sfx);
			ratio(rkey, key, base);
		}

	rpt("MsgSend throughput: %d B round trips per second, all client "
	    "processes together, one server process (median)\n",
	    TPUT_SIZE);
	rpt("%-8s %-14s %-6s %12s %12s\n", "clients", "server threads", "spin",
	    "round trips/s", "x 1 client");
	for (g = 0; g < 3; g++)
		for (i = 0; i < 3; i++) {
			const char *sfx = cfg[g].spin0 ? ".spin0" : "";

			snprintf(key, sizeof(key), "tput.c%d.t%d%s.rps",
				 clients[i], cfg[g].threads, sfx);
			snprintf(base, sizeof(base), "tput.c%d.t%d%s.ratio",
				 clients[i], cfg[g].threads, sfx);
			rpt("%-8d %-14d %-6s %12s %12s\n", clients[i],
			    cfg[g].threads, cfg[g].spin0 ? "off" : "on",
			    res_fmt(key, 12, 0, 1), res_fmt(base, 12, 2, 1));
		}
	rpt("\n");
}

/* ---- connection setup ---- */

struct conn_ctx {
	pid_t pid;
	int chid;
	const char *name;
	char sbuf[64], rbuf[64];
};

static int attach_op(void *arg)
{
	struct conn_ctx *c = arg;
	int coid = ConnectAttach(0, c->pid, c->chid, _NTO_SIDE_CHANNEL, 0);

	if (coid < 0)
		return -errno;
	return ConnectDetach(coid) < 0 ? -errno : 0;
}

static int attach_send_op(void *arg)
{
	struct conn_ctx *c = arg;
	int coid = ConnectAttach(0, c->pid, c->chid, _NTO_SIDE_CHANNEL, 0);
	int r = 0;

	if (coid < 0)
		return -errno;
	if (MsgSend(coid, c->sbuf, sizeof(c->sbuf), c->rbuf, sizeof(c->rbuf)) <
	    0)
		r = -errno;
	if (ConnectDetach(coid) < 0 && r == 0)
		r = -errno;
	return r;
}

static int name_op(void *arg)
{
	struct conn_ctx *c = arg;
	int coid = name_open(c->name, 0);

	if (coid < 0)
		return -errno;
	return name_close(coid) < 0 ? -errno : 0;
}

static int name_server(void *arg)
{
	const char *name = arg;
	name_attach_t *att = name_attach(NULL, name, 0);

	return att ? bench_serve(att->chid) : 1;
}

/* Time op and print "<key>_ns"; on failure say so on stderr. */
static int conn_time(const char *key, bench_op_fn op, struct conn_ctx *c)
{
	struct bench_stat st;
	int r = bench_time_op(op, c, &st);

	if (r < 0) {
		fprintf(stderr, "bench: %s: %s\n", key, strerror(-r));
		return -1;
	}
	bench_emit_stat(key, &st);
	return 0;
}

/* argv: connect. Prints attach_ns, attach_shared_ns, attach_send_ns and
 * name_ns (or name_skip 1). */
int connect_case(int argc, char **argv)
{
	struct conn_ctx c = {0};
	char name[64], path[128];
	pid_t npid = -1;
	int held = -1, r = 0;

	(void)argc;
	(void)argv;
	c.pid = start_server(1, &c.chid);
	if (c.pid < 0)
		return 1;
	r |= conn_time("attach", attach_op, &c);
	r |= conn_time("attach_send", attach_send_op, &c);
	/* with another coid held, attach shares the existing connection */
	held = ConnectAttach(0, c.pid, c.chid, _NTO_SIDE_CHANNEL, 0);
	if (held >= 0)
		r |= conn_time("attach_shared", attach_op, &c);
	ConnectDetach(held);

	if (!name_open || !name_close || !name_attach) {
		bench_emit("name_skip", 1);
		goto out;
	}
	snprintf(name, sizeof(name), "ntosim-bench-conn-%d", (int)getpid());
	snprintf(path, sizeof(path), "/dev/name/local/%s", name);
	c.name = name;
	npid = bench_fork(name_server, name);
	if (npid < 0 || nto_path_wait(path, 5000) < 0) {
		fprintf(stderr, "bench: name server did not register %s\n",
			name);
		r = -1;
		goto out;
	}
	r |= conn_time("name", name_op, &c);
out:
	bench_kill(npid);
	bench_kill(c.pid);
	return r ? 1 : 0;
}

void connect_section(void)
{
	static const struct {
		const char *val, *key, *what;
	} rows[] = {
		{"attach_ns", "connect.attach_detach_us",
		 "ConnectAttach + ConnectDetach (new connection)"},
		{"attach_shared_ns", "connect.attach_shared_us",
		 "ConnectAttach + ConnectDetach (connection shared)"},
		{"attach_send_ns", "connect.attach_send_detach_us",
		 "ConnectAttach + MsgSend 64 B + ConnectDetach"},
		{"name_ns", "connect.name_open_close_us",
		 "name_open + name_close"},
	};
	const char *argv[] = {"connect", NULL};
	struct bench_vals v;
	double x;
	size_t i;
	int ok = bench_case(argv, NULL, 0, &v) == 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (bench_val(&v, rows[i].val, &x) == 0)
			res_set(rows[i].key, x / 1000);
		else if (i == 3 && bench_val(&v, "name_skip", &x) == 0)
			res_skip(rows[i].key, "name_open not in libnto");
		else
			res_fail(rows[i].key, ok ? "no value" : v.why);
	}
	if (!ok)
		bench_note("connect failed: %s", v.why);
	rpt("Connection setup (us per pair, median)\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		rpt("%-50s %9s\n", rows[i].what, res_fmt(rows[i].key, 9, 1, 1));
	rpt("\n");
}
