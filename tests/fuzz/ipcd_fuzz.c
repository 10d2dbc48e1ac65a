/*
 * libFuzzer harness for ipcd's request decoding: the real daemon code (every
 * kernel-sim/ipcd file but main.c) runs in this process on a private socket,
 * and each input is replayed as one client connection: a sequence of
 * packets, then EOF (a process death, so the reaper runs too). Nothing is
 * mocked: requests create real channels, connections and memfds, and the
 * client side reads the replies and closes the fds they carry.
 *
 * Input: byte 0 = mode; then records [u16 little-endian length][bytes],
 * at most MAX_RECORDS.
 *   mode & 1: a valid HELLO first (mode & 2: as an AUX socket)
 *   mode & 4: records are framed here: byte 0 is the type, the rest the
 *             payload, and the header's len and seq are filled in right;
 *             otherwise each record is sent as a raw packet
 *   mode & 8: the first packet carries a file descriptor (SCM_RIGHTS)
 * Built with clang -fsanitize=fuzzer,address by `make fuzz`, and with the
 * normal compiler as tests/fuzz/ipcd-replay (replay.c), which replays the
 * seed corpus and every past crash in make check.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipcd/internal.h"

#define MAX_RECORDS 64
#define PUMP_MAX    256

struct ipcd ipcd; /* main.c's, which is not linked in */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char sock_path[108];
static char dir_path[64];

static void cleanup_dir(void)
{
	peer_shutdown(); /* closes and unlinks the socket */
	pathspace_shutdown();
	rmdir(dir_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int i;

	(void)argc;
	(void)argv;
	log_level = -1; /* quiet: even log_err() */
	snprintf(dir_path, sizeof(dir_path), "%s/ipcd-fuzz-XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(dir_path)) {
		perror("ipcd_fuzz: mkdtemp");
		exit(1);
	}
	snprintf(sock_path, sizeof(sock_path), "%s/s", dir_path);
	ipcd.listen_fd = -1;
	ipcd.next_link_id = 1;
	TAILQ_INIT(&ipcd.peers);
	TAILQ_INIT(&ipcd.procs);
	TAILQ_INIT(&ipcd.paths);
	TAILQ_INIT(&ipcd.waiters);
	for (i = 0; i < PROC_HASH; i++)
		LIST_INIT(&ipcd.phash[i]);
	ipcd.base = event_base_new();
	if (!ipcd.base || peer_listen(sock_path) < 0) {
		fprintf(stderr, "ipcd_fuzz: cannot listen on %s\n", sock_path);
		exit(1);
	}
	atexit(cleanup_dir);
	return 0;
}

/* Read every reply waiting on the client side; close the fds they carry.
 * Returns 1 if the connection is closed (ipcd dropped us). */
static int drain(int fd)
{
	static unsigned char buf[NTO_CTL_REPLY_MAX];

	for (;;) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(8 * sizeof(int))];
		} cbuf;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {0};
		struct cmsghdr *cm;
		ssize_t n;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return errno != EAGAIN && errno != EWOULDBLOCK;
		if (n == 0)
			return 1;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k, nf;

			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			nf = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < nf; k++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(cm) + k * sizeof(int),
				       sizeof(int));
				close(rfd);
			}
		}
	}
}

/* Something is still to be done inside ipcd: input on the listening
 * socket or a peer's socket, or a drop scheduled. */
static int ipcd_busy(void)
{
	struct pollfd pfd = {ipcd.listen_fd, POLLIN, 0};
	struct peer *pe;

	if (poll(&pfd, 1, 0) > 0)
		return 1;
	TAILQ_FOREACH(pe, &ipcd.peers, link)
	{
		if (pe->closing)
			return 1;
		pfd.fd = pe->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0)
			return 1;
	}
	return 0;
}

/* Run ipcd's loop until it has handled everything we sent. */
static void pump(int fd)
{
	int i;

	for (i = 0; i < PUMP_MAX; i++) {
		event_base_loop(ipcd.base, EVLOOP_NONBLOCK);
		if (fd >= 0)
			drain(fd);
		if (!ipcd_busy())
			break;
	}
}

static void send_packet(int fd, const void *buf, size_t len, int with_fd)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {0};
	int nul = -1, tries;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (with_fd) {
		struct cmsghdr *cm;

		nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &nul, sizeof(int));
	}
	for (tries = 0; tries < 8; tries++) {
		if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ||
		    (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		pump(fd); /* our send buffer is full: let ipcd read */
	}
	if (nul >= 0)
		close(nul);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char pkt[NTO_CTL_MAX + 256];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t off = 1;
	unsigned mode, nrec = 0;
	uint32_t seq = 1;
	int fd, i;

	if (size < 1)
		return 0;
	mode = data[0];
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return 0;
	}
	pump(fd);
	if (mode & 3) {
		struct nto_ctl_hdr h = {NTO_CTL_HELLO,
					sizeof(struct nto_ctl_hello), seq++, 0};
		struct nto_ctl_hello hello = {NTO_CTL_VERSION, 0,
					      (mode & 2) ? NTO_HELLO_AUX : 0};

		memcpy(pkt, &h, sizeof(h));
		memcpy(pkt + sizeof(h), &hello, sizeof(hello));
		send_packet(fd, pkt, sizeof(h) + sizeof(hello), 0);
		pump(fd);
	}
	while (off + 2 <= size && nrec < MAX_RECORDS) {
		size_t len = (size_t)data[off] | ((size_t)data[off + 1] << 8);
		const uint8_t *rec = data + off + 2;
		size_t plen;

		off += 2;
		if (len > size - off)
			len = size - off;
		off += len;
		if (mode & 4) {
			struct nto_ctl_hdr h = {0};

			if (len < 1)
				continue;
			plen = len - 1;
			if (plen > sizeof(pkt) - sizeof(h))
				plen = sizeof(pkt) - sizeof(h);
			h.type = rec[0];
			h.len = (uint32_t)plen;
			h.seq = seq++;
			memcpy(pkt, &h, sizeof(h));
			memcpy(pkt + sizeof(h), rec + 1, plen);
			plen += sizeof(h);
		} else {
			plen = len < sizeof(pkt) ? len : sizeof(pkt);
			memcpy(pkt, rec, plen);
		}
		send_packet(fd, pkt, plen, (mode & 8) && nrec == 0);
		pump(fd);
		nrec++;
	}
	if (getenv("IPCD_FUZZ_VERBOSE"))
		fprintf(stderr,
			"%u records: %u procs %u chans %u conns %u coids "
			"%u paths %u peers\n",
			nrec, ipcd.nprocs, ipcd.nchans, ipcd.nconns,
			ipcd.ncoids, ipcd.npaths, ipcd.npeers);
	close(fd); /* EOF: the death of whatever this connection registered */
	for (i = 0; i < PUMP_MAX && (ipcd.npeers > 0 || ipcd_busy()); i++)
		pump(-1);
	if (getenv("IPCD_FUZZ_VERBOSE"))
		fprintf(stderr,
			"after EOF: %u procs %u chans %u conns %u coids "
			"%u paths %u peers\n",
			ipcd.nprocs, ipcd.nchans, ipcd.nconns, ipcd.ncoids,
			ipcd.npaths, ipcd.npeers);
	return 0;
}
