/*
 * ctl-abuse: speaks ipcd's control protocol (kernel-sim/proto/ctl.h) raw,
 * to feed it malformed and hostile requests, and to read its INFO snapshot
 * without libnto. Each malformed case runs on its own connection and must
 * end with ipcd dropping that connection; after every case ipcd must still
 * answer a fresh INFO request. Test code only.
 *
 *	ctl-abuse cases         run the fixed malformed cases (exit 1 if one
 *	                        was not dropped or ipcd stopped answering)
 *	ctl-abuse storm SEED N  N connections of random, mostly framed,
 *	                        requests; ipcd must answer INFO afterwards
 *	ctl-abuse info          print ipcd's INFO JSON (as pidin --json)
 *	ctl-abuse stuck N R C   N AUX peers and a registered one send R
 *	                        requests each, the registered one then C
 *	                        CHANNEL_CREATEs; none reads until SIGUSR1;
 *	                        after SIGUSR1 all replies must arrive, in
 *	                        order, the channels' with their two fds
 *	ctl-abuse flood N       N AUX peers send without reading until ipcd
 *	                        drops each (exit 1 if one was not dropped)
 *	ctl-abuse hog C K PID CHID [P]  a registered peer creates up to C
 *	                        channels, then up to K NOSHARE connections to
 *	                        PID/CHID, then up to P long paths on its first
 *	                        channel, each stopping at the first error;
 *	                        prints the counts and errnos, holds them until
 *	                        SIGUSR1
 *	ctl-abuse peers N       open up to N AUX control sockets, stopping at
 *	                        the first refused HELLO; prints how many and
 *	                        the HELLO status
 *
 * The socket is $NTOSIM_SOCKET.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/ctl.h"

#define WAIT_MS 3000 /* bound on any one wait for ipcd */

static const char *sock_path;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ctl_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send one packet: header (len = hdr_len, or the payload's length if
 * hdr_len < 0) and payload; with sendfd >= 0 that fd rides along. */
static int send_pkt(int fd, uint32_t type, uint32_t seq, const void *payload,
		    size_t len, long hdr_len, int sendfd)
{
	struct nto_ctl_hdr h = {
		type, hdr_len < 0 ? (uint32_t)len : (uint32_t)hdr_len, seq, 0};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr mh = {0};

	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
	if (sendfd >= 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sendfd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Send raw bytes as one packet (no header added). */
static int send_raw(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Read one reply packet within ms. Returns its length, 0 on EOF, -1 on a
 * reset, -2 on timeout. Up to 2 fds that came with it go to fds (their
 * count to *nfds) if fds is not NULL; any others are closed. */
static long recv_pkt_fds(int fd, void *buf, size_t cap, int ms, int *fds,
			 int *nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct pollfd pfd = {fd, POLLIN, 0};
	struct iovec iov = {buf, cap};
	struct msghdr mh = {0};
	struct cmsghdr *cm;
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return -2;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	if (nfds)
		*nfds = 0;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			int k, nf = (int)((cm->cmsg_len - CMSG_LEN(0)) /
					  sizeof(int));

			for (k = 0; k < nf; k++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(cm) + k * sizeof(int),
				       sizeof(int));
				if (fds && *nfds < (int)NTO_CTL_FDS_MAX)
					fds[(*nfds)++] = rfd;
				else
					close(rfd);
			}
		}
	return (long)n;
}

static long recv_pkt(int fd, void *buf, size_t cap, int ms)
{
	return recv_pkt_fds(fd, buf, cap, ms, NULL, NULL);
}

/* HELLO (AUX if aux); returns the reply status, or -1000 on no reply. */
static int hello(int fd, int aux)
{
	struct nto_ctl_hello in = {NTO_CTL_VERSION, 0, aux ? NTO_HELLO_AUX : 0};
	unsigned char buf[256];
	struct nto_ctl_hdr h;
	long n;

	if (send_pkt(fd, NTO_CTL_HELLO, 1, &in, sizeof(in), -1, -1) < 0)
		return -1000;
	n = recv_pkt(fd, buf, sizeof(buf), WAIT_MS);
	if (n < (long)sizeof(h))
		return -1000;
	memcpy(&h, buf, sizeof(h));
	return h.status;
}

/* Wait for ipcd to close fd, reading (and counting) any replies first.
 * Returns 1 if it closed within WAIT_MS, else 0. */
static int dropped(int fd, int *nreplies)
{
	unsigned char buf[NTO_CTL_REPLY_MAX];
	int64_t end = now_ms() + WAIT_MS;

	*nreplies = 0;
	for (;;) {
		int left = (int)(end - now_ms());
		long n;

		if (left <= 0)
			return 0;
		n = recv_pkt(fd, buf, sizeof(buf), left);
		if (n == 0 || n == -1)
			return 1;
		if (n == -2)
			return 0;
		(*nreplies)++;
	}
}

/* INFO on a fresh AUX connection; the JSON goes to out (if not NULL).
 * Returns 0 if ipcd answered completely. */
static int info(FILE *out)
{
	static unsigned char buf[NTO_CTL_REPLY_MAX];
	struct nto_ctl_id id = {NTO_INFO_JSON};
	int fd = ctl_connect(), rc = -1;
	struct nto_ctl_hdr h;

	if (fd < 0)
		return -1;
	if (hello(fd, 1) != 0 ||
	    send_pkt(fd, NTO_CTL_INFO, 2, &id, sizeof(id), -1, -1) < 0)
		goto out;
	for (;;) {
		long n = recv_pkt(fd, buf, sizeof(buf), WAIT_MS);

		if (n < (long)sizeof(h))
			goto out;
		memcpy(&h, buf, sizeof(h));
		if (h.seq != 2 || h.status < 0)
			goto out;
		if (out)
			fwrite(buf + sizeof(h), 1, (size_t)n - sizeof(h), out);
		if (h.status == 0)
			break;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

enum pre { PRE_NONE, PRE_HELLO, PRE_AUX };

struct mcase {
	const char *name;
	enum pre pre;
	int (*send)(int fd);
};

static int c_short(int fd)
{
	static const unsigned char b[7] = {1, 0, 0, 0, 4};

	return send_raw(fd, b, sizeof(b));
}

static int c_empty(int fd)
{
	return send_raw(fd, "", 0);
}

static int c_oversized(int fd)
{
	static unsigned char b[NTO_CTL_MAX + 512];

	return send_pkt(fd, NTO_CTL_INFO, 2, b, sizeof(b), -1, -1);
}

static int c_len_mismatch(int fd)
{
	struct nto_ctl_id id = {NTO_INFO_JSON};

	return send_pkt(fd, NTO_CTL_INFO, 2, &id, sizeof(id), 400, -1);
}

static int c_len_huge(int fd)
{
	struct nto_ctl_id id = {NTO_INFO_JSON};

	return send_pkt(fd, NTO_CTL_INFO, 2, &id, sizeof(id), 0xffffffffl, -1);
}

static int c_first_not_hello(int fd)
{
	struct nto_ctl_chan ch = {0, 0};

	return send_pkt(fd, NTO_CTL_CHANNEL_CREATE, 1, &ch, sizeof(ch), -1, -1);
}

static int c_hello_short(int fd)
{
	uint32_t v = NTO_CTL_VERSION;

	return send_pkt(fd, NTO_CTL_HELLO, 1, &v, sizeof(v), -1, -1);
}

static int c_hello_version(int fd)
{
	struct nto_ctl_hello in = {NTO_CTL_VERSION + 77, 0, 0};

	return send_pkt(fd, NTO_CTL_HELLO, 1, &in, sizeof(in), -1, -1);
}

static int c_hello_pid(int fd)
{
	struct nto_ctl_hello in = {NTO_CTL_VERSION, 1, 0}; /* init's pid */

	return send_pkt(fd, NTO_CTL_HELLO, 1, &in, sizeof(in), -1, -1);
}

static int c_second_hello(int fd)
{
	struct nto_ctl_hello in = {NTO_CTL_VERSION, 0, 0};

	return send_pkt(fd, NTO_CTL_HELLO, 2, &in, sizeof(in), -1, -1);
}

static int c_type_zero(int fd)
{
	struct nto_ctl_id id = {1};

	return send_pkt(fd, 0, 2, &id, sizeof(id), -1, -1);
}

static int c_type_unknown(int fd)
{
	struct nto_ctl_id id = {1};

	return send_pkt(fd, NTO_CTL_TYPE_MAX + 50, 2, &id, sizeof(id), -1, -1);
}

static int c_type_max(int fd)
{
	struct nto_ctl_id id = {1};

	return send_pkt(fd, 0xffffffffu, 2, &id, sizeof(id), -1, -1);
}

static int c_fixed_short(int fd)
{
	uint16_t half = 0;

	return send_pkt(fd, NTO_CTL_CHANNEL_CREATE, 2, &half, sizeof(half), -1,
			-1);
}

static int c_fixed_long(int fd)
{
	unsigned char b[sizeof(struct nto_ctl_attach) + 8] = {0};

	return send_pkt(fd, NTO_CTL_CONNECT_ATTACH, 2, b, sizeof(b), -1, -1);
}

static int c_path_empty(int fd)
{
	struct nto_ctl_path p = {0};

	/* a path request with no path bytes at all */
	return send_pkt(fd, NTO_CTL_RESOLVE, 2, &p, sizeof(p), -1, -1);
}

static int c_list_empty(int fd)
{
	struct nto_ctl_path p = {0};

	return send_pkt(fd, NTO_CTL_PATH_LIST, 2, &p, sizeof(p), -1, -1);
}

static int c_list_unterminated(int fd)
{
	unsigned char b[sizeof(struct nto_ctl_path) + 8];

	memset(b, 0, sizeof(struct nto_ctl_path));
	memset(b + sizeof(struct nto_ctl_path), 'a', 8); /* no NUL */
	b[sizeof(struct nto_ctl_path)] = '/';
	return send_pkt(fd, NTO_CTL_PATH_LIST, 2, b, sizeof(b), -1, -1);
}

static int c_fd_hello(int fd)
{
	struct nto_ctl_hello in = {NTO_CTL_VERSION, 0, 0};
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC), rc;

	rc = send_pkt(fd, NTO_CTL_HELLO, 1, &in, sizeof(in), -1, nul);
	close(nul);
	return rc;
}

static int c_fd_request(int fd)
{
	struct nto_ctl_id id = {NTO_INFO_JSON};
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC), rc;

	rc = send_pkt(fd, NTO_CTL_INFO, 2, &id, sizeof(id), -1, nul);
	close(nul);
	return rc;
}

/* Send `max` requests at most without reading a reply, stopping when
 * ipcd hangs up; then wait (bounded) for the hang-up, since reading would
 * let ipcd carry on. Returns how many were sent. */
static int send_unread(int fd, uint32_t type, const void *req, size_t len,
		       int max)
{
	struct pollfd hup = {fd, POLLRDHUP, 0};
	int i;

	for (i = 0; i < max; i++) {
		struct pollfd pfd = {fd, POLLOUT, 0};

		if (poll(&pfd, 1, WAIT_MS) <= 0 || (pfd.revents & ~POLLOUT))
			break;
		if (send_pkt(fd, type, (uint32_t)i + 2, req, len, -1, -1) < 0)
			break;
	}
	poll(&hup, 1, WAIT_MS);
	return i;
}

/* Requests without reading a reply: once the socket is full ipcd queues
 * the replies, and when its queue for this peer passes the high-water mark
 * (outq.c) it drops the peer instead of blocking on it. */
static int c_no_reader(int fd)
{
	struct nto_ctl_id id = {NTO_INFO_JSON};

	send_unread(fd, NTO_CTL_INFO, &id, sizeof(id), 200000);
	return 0;
}

/* procmgr requests (ipcd/procevent.c) with operations libnto never sends */
static int c_procev_op(int fd)
{
	struct nto_ctl_proc_event ev = {
		.op = 77, .events = 0x00100000, .notify = NTO_PROC_NOTIFY_NONE};

	return send_pkt(fd, NTO_CTL_PROC_EVENT, 2, &ev, sizeof(ev), -1, -1);
}

static int c_procev_notify(int fd)
{
	struct nto_ctl_proc_event ev = {
		.op = NTO_PROC_EVENT_ADD, .events = 0x00100000, .notify = 99};

	return send_pkt(fd, NTO_CTL_PROC_EVENT, 2, &ev, sizeof(ev), -1, -1);
}

static int c_handover_op(int fd)
{
	struct nto_ctl_handover h = {.op = 99, .pid = 1, .token = 1};

	return send_pkt(fd, NTO_CTL_PROC_HANDOVER, 2, &h, sizeof(h), -1, -1);
}

/* RESOLVE_ATTACH (issue 10): no path, an unterminated one, unknown flags */
static int c_ra_empty(int fd)
{
	struct nto_ctl_resolve_attach r = {0};

	return send_pkt(fd, NTO_CTL_RESOLVE_ATTACH, 2, &r, sizeof(r), -1, -1);
}

static int c_ra_unterminated(int fd)
{
	unsigned char b[sizeof(struct nto_ctl_resolve_attach) + 8];

	memset(b, 0, sizeof(struct nto_ctl_resolve_attach));
	memset(b + sizeof(struct nto_ctl_resolve_attach), 'a', 8);
	b[sizeof(struct nto_ctl_resolve_attach)] = '/';
	return send_pkt(fd, NTO_CTL_RESOLVE_ATTACH, 2, b, sizeof(b), -1, -1);
}

static int c_ra_flags(int fd)
{
	unsigned char b[sizeof(struct nto_ctl_resolve_attach) + 2] = {0};
	struct nto_ctl_resolve_attach r = {0};

	r.att.coid = -1;
	r.ra_flags = 0x80000000u;
	memcpy(b, &r, sizeof(r));
	b[sizeof(r)] = '/';
	return send_pkt(fd, NTO_CTL_RESOLVE_ATTACH, 2, b, sizeof(b), -1, -1);
}

static const struct mcase cases[] = {
	{"short packet", PRE_NONE, c_short},
	{"empty packet", PRE_NONE, c_empty},
	{"short packet after HELLO", PRE_HELLO, c_short},
	{"oversized packet", PRE_HELLO, c_oversized},
	{"length field larger than the packet", PRE_HELLO, c_len_mismatch},
	{"length field 0xffffffff", PRE_HELLO, c_len_huge},
	{"first request not HELLO", PRE_NONE, c_first_not_hello},
	{"HELLO of the wrong size", PRE_NONE, c_hello_short},
	{"HELLO with a wrong version", PRE_NONE, c_hello_version},
	{"HELLO claiming another pid", PRE_NONE, c_hello_pid},
	{"second HELLO", PRE_HELLO, c_second_hello},
	{"second HELLO on an AUX socket", PRE_AUX, c_second_hello},
	{"type 0", PRE_HELLO, c_type_zero},
	{"unknown type", PRE_HELLO, c_type_unknown},
	{"type 0xffffffff", PRE_AUX, c_type_max},
	{"fixed request too short", PRE_HELLO, c_fixed_short},
	{"fixed request too long", PRE_HELLO, c_fixed_long},
	{"path request without a path", PRE_AUX, c_path_empty},
	{"PATH_LIST without a path", PRE_AUX, c_list_empty},
	{"PATH_LIST with an unterminated path", PRE_HELLO, c_list_unterminated},
	{"fd passed with HELLO", PRE_NONE, c_fd_hello},
	{"fd passed with a request", PRE_HELLO, c_fd_request},
	{"peer that never reads its replies", PRE_AUX, c_no_reader},
	{"procmgr event with an unknown op", PRE_HELLO, c_procev_op},
	{"procmgr event with an unknown notify type", PRE_HELLO,
	 c_procev_notify},
	{"handover with an unknown op", PRE_AUX, c_handover_op},
	{"RESOLVE_ATTACH without a path", PRE_HELLO, c_ra_empty},
	{"RESOLVE_ATTACH with an unterminated path", PRE_HELLO,
	 c_ra_unterminated},
	{"RESOLVE_ATTACH with unknown flags", PRE_HELLO, c_ra_flags},
};

static int run_cases(void)
{
	unsigned i;
	int bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *mc = &cases[i];
		int fd = ctl_connect(), nrep = 0, d;
		int64_t t0 = now_ms();

		if (fd < 0) {
			printf("case %s: cannot connect: %s\n", mc->name,
			       strerror(errno));
			return 1;
		}
		if (mc->pre != PRE_NONE && hello(fd, mc->pre == PRE_AUX) != 0) {
			printf("case %s: HELLO refused\n", mc->name);
			return 1;
		}
		if (mc->send(fd) < 0 && errno != EPIPE && errno != ECONNRESET) {
			printf("case %s: send: %s\n", mc->name,
			       strerror(errno));
			bad = 1;
		}
		d = dropped(fd, &nrep);
		close(fd);
		printf("case %s: %s after %lld ms (%d replies)\n", mc->name,
		       d ? "dropped" : "NOT DROPPED",
		       (long long)(now_ms() - t0), nrep);
		if (!d)
			bad = 1;
		if (info(NULL) != 0) {
			printf("case %s: ipcd no longer answers INFO\n",
			       mc->name);
			return 1;
		}
	}
	printf("%s\n", bad ? "cases FAILED" : "cases ok");
	return bad;
}

/* xorshift64*: a seeded, reproducible stream for the storm */
static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return n ? (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n : 0;
}

/* One random request: a real type mostly, a plausible size mostly. */
static void storm_packet(int fd, uint32_t seq)
{
	static const size_t sizes[] = {0, 4, 8, 12, 16, 20, 24, 32, 64};
	unsigned char b[NTO_CTL_MAX + 64];
	uint32_t type = rnd(8) ? 1 + rnd(NTO_CTL_TYPE_MAX) : rnd(1000);
	size_t len, i;
	long hl = -1;

	len = rnd(4) ? sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))]
		     : rnd(sizeof(b) - sizeof(struct nto_ctl_hdr));
	for (i = 0; i < len; i++)
		b[i] = (unsigned char)(rnd(3) ? rnd(4) : rnd(256));
	if (len >= sizeof(struct nto_ctl_path) + 2 && rnd(2)) {
		/* a NUL-terminated path, sometimes */
		size_t p = sizeof(struct nto_ctl_path), k;

		b[p] = '/';
		for (k = p + 1; k < len - 1; k++)
			b[k] = (unsigned char)('a' + rnd(26));
		b[len - 1] = rnd(8) ? '\0' : 'z';
	}
	if (!rnd(16))
		hl = (long)rnd(8192);
	send_pkt(fd, type, seq, b, len, hl, -1);
}

static int storm(uint64_t seed, int n)
{
	unsigned char buf[NTO_CTL_REPLY_MAX];
	int i, k;

	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	for (i = 0; i < n; i++) {
		int fd = ctl_connect(), npk = 1 + (int)rnd(8);

		if (fd < 0) {
			printf("storm %d: cannot connect: %s\n", i,
			       strerror(errno));
			return 1;
		}
		if (rnd(8))
			hello(fd, (int)rnd(3) == 0);
		for (k = 0; k < npk; k++) {
			storm_packet(fd, (uint32_t)k + 2);
			/* drain what came back, without waiting long */
			while (recv_pkt(fd, buf, sizeof(buf), 2) > 0)
				;
		}
		close(fd);
		if (i % 50 == 49 && info(NULL) != 0) {
			printf("storm %d: ipcd no longer answers INFO\n", i);
			return 1;
		}
	}
	if (info(NULL) != 0) {
		printf("storm: ipcd no longer answers INFO\n");
		return 1;
	}
	printf("storm ok: %d connections\n", n);
	return 0;
}

/* ---- hostile but well-formed peers: non-readers and floods ---- */

#define NONE_PATH "/ctl-abuse/nothing-here"

/* A RESOLVE of a path nobody registers (reply: -ENOENT, no payload). */
static size_t resolve_req(unsigned char *b)
{
	struct nto_ctl_path p = {0};

	memcpy(b, &p, sizeof(p));
	memcpy(b + sizeof(p), NONE_PATH, sizeof(NONE_PATH));
	return sizeof(p) + sizeof(NONE_PATH);
}

/* Send one request, waiting (bounded) for room; -1 if ipcd hung up. */
static int send_wait(int fd, uint32_t type, uint32_t seq, const void *req,
		     size_t len)
{
	struct pollfd pfd = {fd, POLLOUT, 0};

	if (poll(&pfd, 1, WAIT_MS) <= 0 || (pfd.revents & ~POLLOUT))
		return -1;
	return send_pkt(fd, type, seq, req, len, -1, -1);
}

/* SIGUSR1 (blocked since the start) within 120 s: 0, else -1. */
static int wait_usr1(void)
{
	struct timespec ts = {120, 0};
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	return sigtimedwait(&ss, NULL, &ts) == SIGUSR1 ? 0 : -1;
}

/* Read reply seq `want` of `type`; returns its status (-1000 if it did not
 * come, or came out of order), fds and payload length as the caller asks. */
static int read_reply(int fd, uint32_t type, uint32_t want, int *fds, int *nfds,
		      uint32_t *len)
{
	unsigned char buf[NTO_CTL_REPLY_MAX];
	struct nto_ctl_hdr h;
	long n = recv_pkt_fds(fd, buf, sizeof(buf), WAIT_MS, fds, nfds);

	if (n < (long)sizeof(h))
		return -1000;
	memcpy(&h, buf, sizeof(h));
	if (h.type != type || h.seq != want ||
	    h.len != (uint32_t)n - sizeof(h)) {
		printf("reply out of order: type %u seq %u, expected %u seq "
		       "%u\n",
		       h.type, h.seq, type, want);
		return -1000;
	}
	if (len)
		*len = h.len;
	return h.status;
}

/* A regular-file fd ipcd handed out (a memfd region): 1 if usable. */
static int region_fd_ok(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int stuck_run(int npeers, int nreq, int nchan, int *fd)
{
	unsigned char req[sizeof(struct nto_ctl_path) + sizeof(NONE_PATH)];
	struct nto_ctl_chan cc = {0, 0};
	size_t rl = resolve_req(req);
	int i, k, bad = 0, chfd;

	for (i = 0; i <= npeers; i++) {
		fd[i] = ctl_connect();
		if (fd[i] < 0 || hello(fd[i], i < npeers) != 0) {
			printf("stuck: peer %d: no connection or HELLO\n", i);
			return 1;
		}
	}
	chfd = fd[npeers]; /* the registered one */
	for (i = 0; i <= npeers; i++)
		for (k = 0; k < nreq; k++)
			if (send_wait(fd[i], NTO_CTL_RESOLVE, (uint32_t)k + 2,
				      req, rl) < 0) {
				printf("stuck: peer %d dropped while sending "
				       "request %d\n",
				       i, k);
				return 1;
			}
	/* behind its R requests, so the channels' replies queue in ipcd */
	for (k = nreq; k < nreq + nchan; k++)
		if (send_wait(chfd, NTO_CTL_CHANNEL_CREATE, (uint32_t)k + 2,
			      &cc, sizeof(cc)) < 0) {
			printf("stuck: registered peer dropped while sending "
			       "request %d\n",
			       k);
			return 1;
		}
	printf("stuck sent\n");
	if (wait_usr1() < 0) {
		printf("stuck: no SIGUSR1\n");
		return 1;
	}
	for (i = 0; i <= npeers && !bad; i++)
		for (k = 0; k < nreq && !bad; k++) {
			uint32_t len = 1;
			int st = read_reply(fd[i], NTO_CTL_RESOLVE,
					    (uint32_t)k + 2, NULL, NULL, &len);

			if (st != -ENOENT || len != 0) {
				printf("stuck: peer %d reply %d: status %d "
				       "len %u\n",
				       i, k, st, len);
				bad = 1;
			}
		}
	for (k = nreq; k < nreq + nchan && !bad; k++) {
		int rf[NTO_CTL_FDS_MAX], nrf = 0, st;
		uint32_t len = 0;

		st = read_reply(chfd, NTO_CTL_CHANNEL_CREATE, (uint32_t)k + 2,
				rf, &nrf, &len);
		if (st != 0 || len != sizeof(cc) ||
		    nrf != (int)NTO_CTL_FDS_MAX || !region_fd_ok(rf[0]) ||
		    !region_fd_ok(rf[1]) || !region_fd_ok(rf[2])) {
			printf("stuck: channel reply %d: status %d len %u, "
			       "%d fds\n",
			       k, st, len, nrf);
			bad = 1;
		}
		while (nrf > 0)
			close(rf[--nrf]);
	}
	if (bad)
		return 1;
	printf("stuck ok: %d peers x %d replies, %d channels with their "
	       "fds, all in order\n",
	       npeers, nreq, nchan);
	return 0;
}

/* The peers' array is freed on every way out (a sanitizer build checks). */
static int stuck(int npeers, int nreq, int nchan)
{
	int *fd = calloc((size_t)npeers + 1, sizeof(int));
	int rc;

	if (!fd)
		return 2;
	rc = stuck_run(npeers, nreq, nchan, fd);
	free(fd);
	return rc;
}

static int flood(int npeers)
{
	unsigned char req[sizeof(struct nto_ctl_path) + sizeof(NONE_PATH)];
	size_t rl = resolve_req(req);
	int i, ndropped = 0;

	for (i = 0; i < npeers; i++) {
		int fd = ctl_connect(), nrep;

		if (fd < 0 || hello(fd, 1) != 0) {
			printf("flood: peer %d: no connection or HELLO\n", i);
			return 1;
		}
		send_unread(fd, NTO_CTL_RESOLVE, req, rl, 1000000);
		ndropped += dropped(fd, &nrep);
		close(fd);
	}
	printf("flood dropped %d/%d\n", ndropped, npeers);
	return ndropped == npeers ? 0 : 1;
}

/* Create objects on one request/reply at a time until the first error;
 * returns how many were made and the error in *err (0 if none). */
static int make_until(int fd, uint32_t type, const void *req, size_t len,
		      int max, int *err)
{
	int i;

	*err = 0;
	for (i = 0; i < max; i++) {
		int st;

		if (send_pkt(fd, type, (uint32_t)i + 2, req, len, -1, -1) < 0) {
			*err = -EPIPE;
			break;
		}
		st = read_reply(fd, type, (uint32_t)i + 2, NULL, NULL, NULL);
		if (st < 0) {
			*err = st;
			break;
		}
	}
	return i;
}

/* Register up to max paths of about 900 bytes on chid: how many, and the
 * first error in *err. */
static int attach_paths(int fd, int chid, int max, int *err)
{
	unsigned char b[sizeof(struct nto_ctl_path) + 1024];
	struct nto_ctl_path p = {chid, 0, 0, 0};
	int i;

	*err = 0;
	memcpy(b, &p, sizeof(p));
	for (i = 0; i < max; i++) {
		char *path = (char *)b + sizeof(p);
		int n, st;

		n = snprintf(path, 1024, "/ctl-abuse/%0900d", i);
		if (send_pkt(fd, NTO_CTL_PATH_ATTACH, (uint32_t)i + 2, b,
			     sizeof(p) + (size_t)n + 1, -1, -1) < 0) {
			*err = -EPIPE;
			break;
		}
		st = read_reply(fd, NTO_CTL_PATH_ATTACH, (uint32_t)i + 2, NULL,
				NULL, NULL);
		if (st < 0) {
			*err = st;
			break;
		}
	}
	return i;
}

static int hog(int nchan, int nconn, int pid, int chid, int npath)
{
	struct nto_ctl_chan cc = {0, 0};
	struct nto_ctl_attach at = {0, pid, chid, -1, 0x0040 /* NOSHARE */};
	int fd = ctl_connect(), n, err;

	if (fd < 0 || hello(fd, 0) != 0) {
		printf("hog: no connection or HELLO\n");
		return 1;
	}
	n = make_until(fd, NTO_CTL_CHANNEL_CREATE, &cc, sizeof(cc), nchan,
		       &err);
	printf("channels %d error %s\n", n, err ? strerror(-err) : "none");
	n = make_until(fd, NTO_CTL_CONNECT_ATTACH, &at, sizeof(at), nconn,
		       &err);
	printf("connections %d error %s\n", n, err ? strerror(-err) : "none");
	if (npath > 0) {
		n = attach_paths(fd, 1, npath, &err);
		printf("paths %d error %s\n", n, err ? strerror(-err) : "none");
	}
	printf("holding\n");
	return wait_usr1() < 0 ? 1 : 0;
}

static int peers(int max)
{
	int i, st = 0;

	for (i = 0; i < max; i++) {
		int fd = ctl_connect();

		if (fd < 0) {
			st = -errno;
			break;
		}
		st = hello(fd, 1);
		if (st != 0)
			break; /* the refused socket stays open: ipcd closes it
				*/
	}
	printf("peers %d status %d\n", i, st);
	return 0; /* exiting closes them all */
}

int main(int argc, char **argv)
{
	sigset_t ss;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sock_path = getenv(NTO_SOCKET_ENV);
	if (!sock_path) {
		fprintf(stderr, "ctl-abuse: $%s is not set\n", NTO_SOCKET_ENV);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "cases") == 0)
		return run_cases();
	if (argc == 4 && strcmp(argv[1], "storm") == 0)
		return storm(strtoull(argv[2], NULL, 0), atoi(argv[3]));
	if (argc == 5 && strcmp(argv[1], "stuck") == 0)
		return stuck(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "peers") == 0)
		return peers(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "flood") == 0)
		return flood(atoi(argv[2]));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "hog") == 0)
		return hog(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
			   atoi(argv[5]), argc == 7 ? atoi(argv[6]) : 0);
	/* "--json": so the scripts can use this where pidin is not built */
	if (argc == 2 &&
	    (strcmp(argv[1], "info") == 0 || strcmp(argv[1], "--json") == 0))
		return info(stdout) == 0 ? 0 : 1;
	fprintf(stderr, "usage: ctl-abuse cases | storm SEED N | info | "
			"stuck N R C | flood N | hog C K PID CHID [P] | "
			"peers N\n");
	return 2;
}
