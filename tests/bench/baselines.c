/*
 * The baselines MsgSend is compared with: a round trip of N bytes each way
 * between two processes over two pipes, over a SOCK_STREAM socketpair, and
 * through a MAP_SHARED buffer with a plain FUTEX_WAIT/FUTEX_WAKE hand-off
 * (no spin). Raw read/write syscalls, so libnto's interposed read() and
 * write() are not on these paths. No libnto calls.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

/* ---- pipe and Unix socket: a byte stream each way ---- */

struct stream {
	int rfd, wfd; /* this side's ends */
	size_t n;
	char *sbuf, *rbuf;
};

static int stream_server(void *arg)
{
	struct stream *s = arg;
	size_t n;

	/* the first 8 bytes announce the size; then echo n-byte messages */
	if (bench_readall(s->rfd, &n, sizeof(n)) < 0)
		return 1;
	for (;;) {
		if (bench_readall(s->rfd, s->rbuf, n) < 0)
			return 0; /* EOF: the client is done */
		if (bench_writeall(s->wfd, s->rbuf, n) < 0)
			return 1;
	}
}

static int stream_op(void *arg)
{
	struct stream *s = arg;
	int r = bench_writeall(s->wfd, s->sbuf, s->n);

	return r < 0 ? r : bench_readall(s->rfd, s->rbuf, s->n);
}

/* ---- futex hand-off through shared memory ---- */

enum { TURN_CLIENT, TURN_SERVER, TURN_REPLY, TURN_QUIT };

struct fshm {
	_Atomic uint32_t turn;
	uint32_t len;
	char pad[56];
	char buf[BENCH_MAX_SIZE];
};

struct futex_ctx {
	struct fshm *shm;
	size_t n;
	char *sbuf, *rbuf;
};

static void fwait(_Atomic uint32_t *w, uint32_t v)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void fwake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int futex_server(void *arg)
{
	struct futex_ctx *c = arg;
	struct fshm *m = c->shm;
	uint32_t v;
	size_t n;

	for (;;) {
		while ((v = atomic_load(&m->turn)) != TURN_SERVER) {
			if (v == TURN_QUIT)
				return 0;
			fwait(&m->turn, v);
		}
		n = m->len;
		memcpy(c->rbuf, m->buf, n); /* as MsgReceive copies out */
		memcpy(m->buf, c->rbuf, n); /* as MsgReply copies in */
		atomic_store(&m->turn, TURN_REPLY);
		fwake(&m->turn);
	}
}

static int futex_op(void *arg)
{
	struct futex_ctx *c = arg;
	struct fshm *m = c->shm;

	memcpy(m->buf, c->sbuf, c->n);
	m->len = (uint32_t)c->n;
	atomic_store(&m->turn, TURN_SERVER);
	fwake(&m->turn);
	while (atomic_load(&m->turn) != TURN_REPLY)
		fwait(&m->turn, TURN_SERVER);
	memcpy(c->rbuf, m->buf, c->n);
	return 0;
}

/* ---- the case ---- */

/* argv: rt-base {pipe|unix|futex} SIZE. Prints rt_ns (and min/max). */
int rt_base_case(int argc, char **argv)
{
	struct stream cli = {0}, srv = {0};
	struct futex_ctx fc = {0}, fs = {0};
	struct bench_stat st;
	bench_op_fn op;
	void *ctx;
	size_t n;
	pid_t pid;
	int fd[4], r;

	if (argc != 3)
		return 2;
	n = strtoul(argv[2], NULL, 10);
	if (n == 0 || n > BENCH_MAX_SIZE)
		return 2;
	cli.sbuf = malloc(n);
	cli.rbuf = malloc(n);
	srv.sbuf = malloc(n);
	srv.rbuf = malloc(n);
	if (!cli.sbuf || !cli.rbuf || !srv.sbuf || !srv.rbuf)
		return 1;
	bench_fill(cli.sbuf, n, 7);

	if (!strcmp(argv[1], "futex")) {
		fc.shm = mmap(NULL, sizeof(struct fshm), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (fc.shm == MAP_FAILED)
			return 1;
		fc.n = n;
		fc.sbuf = cli.sbuf;
		fc.rbuf = cli.rbuf;
		fs = fc;
		fs.sbuf = srv.sbuf;
		fs.rbuf = srv.rbuf;
		pid = bench_fork(futex_server, &fs);
		op = futex_op;
		ctx = &fc;
	} else {
		if (!strcmp(argv[1], "pipe")) {
			/* fd[0..1]: client to server; fd[2..3]: back */
			if (pipe(fd) < 0 || pipe(fd + 2) < 0)
				return 1;
			srv.rfd = fd[0];
			srv.wfd = fd[3];
			cli.rfd = fd[2];
			cli.wfd = fd[1];
		} else if (!strcmp(argv[1], "unix")) {
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) < 0)
				return 1;
			srv.rfd = srv.wfd = fd[0];
			cli.rfd = cli.wfd = fd[1];
		} else {
			return 2;
		}
		cli.n = n;
		pid = bench_fork(stream_server, &srv);
		close(srv.rfd);
		if (srv.wfd != srv.rfd)
			close(srv.wfd);
		if (bench_writeall(cli.wfd, &n, sizeof(n)) < 0)
			return 1;
		op = stream_op;
		ctx = &cli;
	}
	if (pid < 0)
		return 1;
	/* one checked round trip before timing */
	r = op(ctx);
	if (r == 0 && bench_check(cli.rbuf, n, 7) < 0) {
		fprintf(stderr, "bench: %s %zu: reply differs\n", argv[1], n);
		r = -EPROTO;
	}
	if (r == 0)
		r = bench_time_op_usage(op, ctx, pid, &st);
	if (r < 0) {
		fprintf(stderr, "bench: %s %zu: %s\n", argv[1], n,
			strerror(-r));
		bench_kill(pid);
		return 1;
	}
	bench_emit_stat("rt", &st);
	if (fc.shm) {
		atomic_store(&fc.shm->turn, TURN_QUIT);
		fwake(&fc.shm->turn);
	}
	bench_kill(pid);
	return 0;
}
