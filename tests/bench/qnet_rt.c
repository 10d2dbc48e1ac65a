/*
 * Remote round trips for `make bench-qnet` (tests/bench/qnet-bench.sh):
 * a MsgSend echo server under a global name and its client on another
 * node, and, as the baseline on the same two endpoints, a TCP ping-pong
 * over loopback. Each client prints the median round trip (ns) of each
 * round, or its rate with several clients; the script interleaves rounds.
 * nng-rt is the TCP ping-pong with the client's end an nng stream used as
 * ntosim-qnet uses its links (an aio without a callback, waited on): what
 * nng's I/O adds to one end of one link.
 *
 *   qnet_rt serve NAME | tcp-serve PORT
 *   qnet_rt rt NAME SIZE ROUNDS ITERS        (remote MsgSend)
 *   qnet_rt tcp-rt PORT SIZE ROUNDS ITERS    (TCP ping-pong)
 *   qnet_rt nng-rt PORT SIZE ROUNDS ITERS    (the same, client via nng)
 *   qnet_rt first NAME TIMEOUT_MS            (ms until a send succeeds)
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#define MAXSZ 65536

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int serve(const char *name)
{
	static char buf[MAXSZ];
	name_attach_t *na = name_attach(NULL, name, NAME_FLAG_ATTACH_GLOBAL);

	if (!na)
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct _msg_info info;
		int rcvid = MsgReceive(na->chid, buf, sizeof(buf), &info);

		if (rcvid <= 0)
			continue;
		if (info.msglen >= 2 && *(uint16_t *)buf == _IO_CONNECT)
			MsgReply(rcvid, EOK, NULL, 0);
		else
			MsgReply(rcvid, 0, buf, info.msglen);
	}
}

static int full_io(int fd, char *p, size_t n, int wr)
{
	while (n) {
		ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int tcp_serve(int port)
{
	static char buf[MAXSZ];
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 64))
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int s = accept(ls, NULL, NULL);
		uint32_t n;

		if (s < 0)
			continue;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fork() == 0) {
			while (full_io(s, (char *)&n, 4, 0) == 0 &&
			       n <= MAXSZ && full_io(s, buf, n, 0) == 0 &&
			       full_io(s, (char *)&n, 4, 1) == 0 &&
			       full_io(s, buf, n, 1) == 0)
				;
			_exit(0);
		}
		close(s);
	}
}

/* One round trip of sz bytes on h (a coid, or a TCP socket): 0 or -1. */
static int rt_msg(int coid, char *buf, size_t sz)
{
	return MsgSend(coid, buf, (int)sz, buf, (int)sz) < 0 ? -1 : 0;
}

static int rt_tcp(int s, char *buf, size_t sz)
{
	uint32_t n = (uint32_t)sz;

	return full_io(s, (char *)&n, 4, 1) || full_io(s, buf, sz, 1) ||
			       full_io(s, (char *)&n, 4, 0) ||
			       full_io(s, buf, n, 0)
		       ? -1
		       : 0;
}

/* nng-rt: the client's end of the ping-pong is this nng stream. */
static nng_stream *ns;
static nng_aio *naio;

static int nng_io(char *p, size_t n, int wr)
{
	while (n) {
		nng_iov iov = {p, n};

		nng_aio_set_iov(naio, 1, &iov);
		if (wr)
			nng_stream_send(ns, naio);
		else
			nng_stream_recv(ns, naio);
		nng_aio_wait(naio);
		if (nng_aio_result(naio))
			return -1;
		p += nng_aio_count(naio);
		n -= nng_aio_count(naio);
	}
	return 0;
}

static int rt_nng(int unused, char *buf, size_t sz)
{
	uint32_t n = (uint32_t)sz;

	(void)unused;
	return nng_io((char *)&n, 4, 1) || nng_io(buf, sz, 1) ||
			       nng_io((char *)&n, 4, 0) || nng_io(buf, n, 0)
		       ? -1
		       : 0;
}

static int nng_connect(const char *port)
{
	char url[64];
	nng_stream_dialer *d;

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%s", port);
	if (nng_stream_dialer_alloc(&d, url) ||
	    nng_aio_alloc(&naio, NULL, NULL))
		return -1;
	nng_stream_dialer_dial(d, naio);
	nng_aio_wait(naio);
	if (nng_aio_result(naio))
		return -1;
	ns = nng_aio_get_output(naio, 0);
	nng_stream_set_bool(ns, NNG_OPT_TCP_NODELAY, true);
	return 0;
}

/* One round: ITERS round trips, the median in ns (0: one failed). */
static uint64_t round_of(int (*rt)(int, char *, size_t), int h, char *buf,
			 size_t sz, int iters)
{
	uint64_t *t = malloc(sizeof(*t) * (size_t)iters), m = 0;
	int i;

	for (i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();

		if (rt(h, buf, sz) < 0)
			goto out;
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp);
	m = t[iters / 2];
out:
	free(t);
	return m;
}

int main(int argc, char **argv)
{
	static char buf[MAXSZ];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 3 && strcmp(argv[1], "tcp-serve") == 0)
		return tcp_serve(atoi(argv[2]));
	if (argc == 6 &&
	    (strcmp(argv[1], "rt") == 0 || strcmp(argv[1], "tcp-rt") == 0 ||
	     strcmp(argv[1], "nng-rt") == 0)) {
		int (*rt)(int, char *, size_t) = rt_tcp;
		size_t sz = strtoul(argv[3], NULL, 10);
		int rounds = atoi(argv[4]), iters = atoi(argv[5]), r, h;

		if (sz > MAXSZ || sz < 4 || rounds < 1 || iters < 1)
			return 2;
		memset(buf, 'x', sz);
		if (argv[1][0] == 'r') {
			h = name_open(argv[2], NAME_FLAG_ATTACH_GLOBAL);
			rt = rt_msg;
		} else if (argv[1][0] == 'n') {
			h = nng_connect(argv[2]);
			rt = rt_nng;
		} else {
			struct sockaddr_in a = {
				.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(argv[2])),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
			int one = 1;

			h = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(h, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			if (connect(h, (struct sockaddr *)&a, sizeof(a)) < 0)
				h = -1;
		}
		if (h < 0) {
			fprintf(stderr, "qnet_rt: connect: %s\n",
				strerror(errno));
			return 1;
		}
		for (r = 0; r < rounds; r++) {
			uint64_t m = round_of(rt, h, buf, sz, iters);

			if (!m)
				return 1;
			printf("%llu\n", (unsigned long long)m);
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "first") == 0) {
		uint64_t t0 = now_ns(), lim = strtoull(argv[3], NULL, 10);

		while ((now_ns() - t0) / 1000000u < lim) {
			int coid = name_open(argv[2], NAME_FLAG_ATTACH_GLOBAL);

			if (coid >= 0 &&
			    MsgSend(coid, "ping", 4, buf, 4) >= 0) {
				printf("%llu\n",
				       (unsigned long long)((now_ns() - t0) /
							    1000000u));
				return 0;
			}
			if (coid >= 0)
				name_close(coid);
			usleep(5000);
		}
		return 1;
	}
	fprintf(stderr, "usage: see the top of tests/bench/qnet_rt.c\n");
	return 2;
}
