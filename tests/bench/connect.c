/*
 * Connection set-up cost: ConnectAttach + ConnectDetach (a new connection,
 * a shared one, one with a message), open() + close() of a resource
 * manager's path, and name_open + name_close, each against a Unix-socket
 * connect + close to a listening server in the same case, as ratios.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iofunc.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>
#include <sys/resmgr.h>

#include "bench.h"

struct conn_ctx {
	pid_t pid;
	int chid;
	const char *name; /* name_open's name */
	const char *path; /* a resource manager's path, for open() */
	const char *sock; /* a listening Unix socket's path */
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

static int open_op(void *arg)
{
	struct conn_ctx *c = arg;
	int fd = open(c->path, O_RDONLY);

	if (fd < 0)
		return -errno;
	return close(fd) < 0 ? -errno : 0;
}

/* Raw syscalls: libnto interposes close() (and checks every fd). */
static int unix_op(void *arg)
{
	struct conn_ctx *c = arg;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return -errno;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", c->sock);
	if (syscall(SYS_connect, fd, &a, sizeof(a)) < 0)
		r = -errno;
	syscall(SYS_close, fd);
	return r;
}

/* A listening Unix socket's server: accept and close, forever. */
static int unix_server(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		long fd = syscall(SYS_accept4, lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			syscall(SYS_close, fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return 1;
	}
}

/* A resource manager with the iofunc defaults on path. */
static int rm_server(void *arg)
{
	const char *path = arg;
	resmgr_connect_funcs_t cf;
	resmgr_io_funcs_t iof;
	resmgr_attr_t ra;
	iofunc_attr_t attr;
	dispatch_context_t *ctp;
	dispatch_t *dpp = dispatch_create();

	if (!dpp)
		return 1;
	memset(&ra, 0, sizeof(ra));
	ra.nparts_max = 1;
	ra.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cf, _RESMGR_IO_NFUNCS, &iof);
	iofunc_attr_init(&attr, S_IFNAM | 0666, NULL, NULL);
	if (resmgr_attach(dpp, &ra, path, _FTYPE_ANY, 0, &cf, &iof, &attr) < 0)
		return 1;
	ctp = dispatch_context_alloc(dpp);
	if (!ctp)
		return 1;
	for (;;) {
		ctp = dispatch_block(ctp);
		if (!ctp)
			return 1;
		dispatch_handler(ctp);
	}
}

/* 1 if argv (connect [ROW...]) asks for row, or names no rows at all. */
static int want(int argc, char **argv, const char *row)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], row))
			return 1;
	return argc < 2;
}

/* argv: connect [ROW...]. Prints unix_ns, attach_ns, attach_shared_ns,
 * attach_send_ns, open_ns and name_ns (with min/max), or only the ROWs
 * named (unix attach attach_send attach_shared open name: profile.sh
 * times one loop). */
int connect_case(int argc, char **argv)
{
	struct conn_ctx c = {0};
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char name[64], npath[128], rpath[128], sock[108];
	pid_t npid = -1, rpid = -1, upid = -1;
	int held, lfd, r = 0;

	/* the baseline: a Unix socket server on a temp path */
	snprintf(sock, sizeof(sock), "/tmp/ntosim-bench-%d.sock",
		 (int)getpid());
	unlink(sock);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 128) < 0) {
		fprintf(stderr, "bench: unix listen %s: %s\n", sock,
			strerror(errno));
		return 1;
	}
	upid = bench_fork(unix_server, (void *)(intptr_t)lfd);
	syscall(SYS_close, lfd);
	c.sock = sock;

	c.pid = bench_start_server(1, &c.chid);
	if (c.pid < 0 || upid < 0) {
		r = -1;
		goto out;
	}
	snprintf(name, sizeof(name), "ntosim-bench-conn-%d", (int)getpid());
	snprintf(npath, sizeof(npath), "/dev/name/local/%s", name);
	snprintf(rpath, sizeof(rpath), "/dev/ntosim-bench-%d", (int)getpid());
	c.name = name;
	c.path = rpath;
	npid = bench_fork(name_server, name);
	rpid = bench_fork(rm_server, rpath);
	if (npid < 0 || nto_path_wait(npath, 5000) < 0 || rpid < 0 ||
	    nto_path_wait(rpath, 5000) < 0) {
		fprintf(stderr, "bench: %s or %s not registered\n", npath,
			rpath);
		r = -1;
		goto out;
	}
	if (want(argc, argv, "unix"))
		r |= conn_time("unix", unix_op, &c);
	if (want(argc, argv, "attach"))
		r |= conn_time("attach", attach_op, &c);
	if (want(argc, argv, "attach_send"))
		r |= conn_time("attach_send", attach_send_op, &c);
	/* with another coid held, attach shares the existing connection */
	if (want(argc, argv, "attach_shared")) {
		held = ConnectAttach(0, c.pid, c.chid, _NTO_SIDE_CHANNEL, 0);
		if (held >= 0)
			r |= conn_time("attach_shared", attach_op, &c);
		ConnectDetach(held);
	}
	if (want(argc, argv, "open"))
		r |= conn_time("open", open_op, &c);
	if (want(argc, argv, "name"))
		r |= conn_time("name", name_op, &c);
	/* the baseline once more, after: the median of the two */
	if (want(argc, argv, "unix"))
		r |= conn_time("unix2", unix_op, &c);
out:
	bench_kill(npid);
	bench_kill(rpid);
	bench_kill(upid);
	bench_kill(c.pid);
	unlink(sock);
	return r ? 1 : 0;
}

void connect_section(void)
{
	static const struct {
		const char *val, *key, *what;
		double target; /* x the Unix connect + close; 0: none */
	} rows[] = {
		{"unix_ns", "connect.unix_connect_close_us",
		 "Unix socket connect + close (baseline)", 0},
		{"attach_ns", "connect.attach_detach_us",
		 "ConnectAttach + ConnectDetach (new connection)", 2},
		{"attach_shared_ns", "connect.attach_shared_us",
		 "ConnectAttach + ConnectDetach (connection shared)", 0},
		{"attach_send_ns", "connect.attach_send_detach_us",
		 "ConnectAttach + MsgSend 64 B + ConnectDetach", 0},
		{"open_ns", "connect.open_close_us",
		 "open() + close() of a resource manager's path", 3},
		{"name_ns", "connect.name_open_close_us",
		 "name_open + name_close", 3},
	};
	const char *argv[] = {"connect", NULL};
	const char *env[] = {"NTOSIM_BENCH_REPS=1", NULL};
	double x, y, v[BENCH_REPS][6];
	struct bench_vals vals;
	char key[64];
	int got[6] = {0}, round, i, ok = 1;

	/* BENCH_REPS cases, one repetition each: medians of rounds, as the
	 * other sections */
	for (round = 0; round < BENCH_REPS; round++) {
		if (bench_case(argv, env, 0, &vals) < 0) {
			ok = 0;
			bench_note("connect failed: %s", vals.why);
		}
		for (i = 0; i < 6; i++) {
			if (bench_val(&vals, rows[i].val, &x) < 0)
				continue;
			/* the baseline: mean of the runs before and after */
			if (i == 0 && bench_val(&vals, "unix2_ns", &y) == 0)
				x = (x + y) / 2;
			v[got[i]++][i] = x / 1000;
		}
	}
	for (i = 0; i < 6; i++) {
		double col[BENCH_REPS];
		int k;

		for (k = 0; k < got[i]; k++)
			col[k] = v[k][i];
		if (got[i])
			res_set(rows[i].key, bench_median(col, got[i]));
		else
			res_fail(rows[i].key, ok ? "no value" : vals.why);
		snprintf(key, sizeof(key), "%s_ratio_unix", rows[i].key);
		if (i > 0)
			bench_ratio(key, rows[i].key, rows[0].key);
	}
	rpt("Connection set-up (us per pair, median of %d rounds; ratio to "
	    "the Unix socket connect + close)\n",
	    BENCH_REPS);
	for (i = 0; i < 6; i++) {
		rpt("%-50s %9s", rows[i].what, res_fmt(rows[i].key, 9, 1, 1));
		snprintf(key, sizeof(key), "%s_ratio_unix", rows[i].key);
		if (i > 0)
			rpt(" %8sx", res_fmt(key, 8, 2, 1));
		if (rows[i].target > 0 && res_get(key, &x) == 0)
			rpt("  (target <= %.0fx: %s)", rows[i].target,
			    x <= rows[i].target ? "met" : "missed");
		rpt("\n");
	}
	rpt("\n");
}
