/*
 * The MsgSend side of the benchmark's cases: the MsgReceive/MsgReply echo
 * server every section uses, and the round-trip case (rt-msg). The tables
 * are printed by rt.c, tput.c, connect.c and the other sections.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "bench.h"

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
pid_t bench_start_server(int nthreads, int *chid)
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
	pid = bench_start_server(1, &chid);
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
		r = bench_time_op_usage(rt_op, &c, pid, &st);
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
