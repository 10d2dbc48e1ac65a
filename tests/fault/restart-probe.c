/*
 * restart-probe: the process side of the ipcd restart scenarios
 * (tests/fault/ipcd-restart-*.sh). It holds a connection across ipcd's
 * death and restart and does one step per SIGUSR1, printing one line per
 * result, so a script can act between steps without sleeping. Every wait
 * for a signal is bounded (60 s). Test code only.
 *
 *	restart-probe client NAME
 *	    name_open(NAME), print "connected pid=P", then on each SIGUSR1 send
 *	    a batch of 100 fault_msg requests and print "batch K ok=N err=E
 *	    first=ERRNO" (first=OK when none failed); exits on SIGTERM.
 *	restart-probe stall NAME
 *	    name_open(NAME), print "ready pid=P"; on SIGUSR1 (ipcd stopped by
 *	    then) ChannelCreate and name_open, printing "chan rc=.." and
 *	    "open rc=.."; on the next SIGUSR1 (ipcd running again) name_open
 *	    and one request, "reopen rc=.." and "send rc=.. data=ok|bad".
 *	restart-probe forge NAME
 *	    a hostile re-tell: connects to NAME and creates a channel through
 *	    libnto, then speaks the control protocol raw (NTOSIM_SOCKET) and
 *	    claims what it may not, printing "CLAIM rc=ERRNO" for each (see
 *	    tests/fault/ipcd-restart-forge.sh), then checks its own connection
 *	    still works: "send rc=.. data=ok|bad".
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "kernel-sim/proto/ctl.h"
#include "kernel-sim/proto/shm.h"
#include "servers/pattern/pattern.h"
#include "tests/fault/fault.h"

#define BATCH 100
#define RLEN  64

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* The next SIGUSR1 (1) or SIGTERM (0); -1 after 60 s without either. */
static int next_step(void)
{
	struct timespec limit = {60, 0};
	sigset_t set;
	int sig;

	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sig = sigtimedwait(&set, NULL, &limit);
	if (sig == SIGUSR1)
		return 1;
	return sig == SIGTERM ? 0 : -1;
}

/* One request; 0 with exact reply bytes, else the errno (EBADMSG: bytes
 * wrong). */
static int one(int coid, uint32_t seq)
{
	struct fault_msg m = {FAULT_MSG_TYPE, FAULT_OP_ECHO, seq, RLEN, seq};
	char rbuf[RLEN];

	memset(rbuf, 0, sizeof(rbuf));
	if (MsgSend(coid, &m, sizeof(m), rbuf, sizeof(rbuf)) == -1)
		return errno ? errno : EIO;
	return pattern_check(m.seed, 0, rbuf, RLEN) == RLEN ? 0 : EBADMSG;
}

static int cmd_client(const char *name)
{
	int coid = name_open(name, 0), k, i, step;
	uint32_t seq = 0;

	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	printf("connected pid=%d\n", (int)getpid());
	for (k = 1; (step = next_step()) == 1; k++) {
		int ok = 0, err = 0, first = 0;

		for (i = 0; i < BATCH; i++) {
			int rc = one(coid, ++seq);

			if (rc == 0) {
				ok++;
				continue;
			}
			err++;
			if (!first)
				first = rc;
		}
		printf("batch %d ok=%d err=%d first=%s\n", k, ok, err,
		       first ? ename(first) : "OK");
	}
	return step < 0 ? 1 : 0;
}

static int cmd_stall(const char *name)
{
	int coid = name_open(name, 0), chid, rc;

	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	printf("ready pid=%d\n", (int)getpid());
	if (next_step() != 1)
		return 1;
	chid = ChannelCreate(0);
	printf("chan rc=%s\n", chid == -1 ? ename(errno) : "OK");
	rc = name_open(name, 0);
	printf("open rc=%s\n", rc == -1 ? ename(errno) : "OK");
	if (next_step() != 1)
		return 1;
	coid = name_open(name, 0);
	printf("reopen rc=%s\n", coid == -1 ? ename(errno) : "OK");
	if (coid == -1)
		return 1;
	rc = one(coid, 1);
	printf("send rc=%s data=%s\n", rc && rc != EBADMSG ? ename(rc) : "OK",
	       rc == EBADMSG ? "bad"
	       : rc	     ? "none"
			     : "ok");
	/* one more call, so the last late reply is read and undone */
	name_close(coid);
	printf("done\n");
	return next_step() < 0 ? 1 : 0;
}

/* ---- forge: the raw protocol ---- */

static int raw_open(uint32_t flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = getenv("NTOSIM_SOCKET");
	struct {
		struct nto_ctl_hdr h;
		struct nto_ctl_hello b;
	} pkt = {{NTO_CTL_HELLO, sizeof(struct nto_ctl_hello), 0, 0},
		 {NTO_CTL_VERSION, (int32_t)getpid(), flags}};
	struct nto_ctl_hdr rep;
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, &pkt, sizeof(pkt), MSG_NOSIGNAL) != sizeof(pkt) ||
	    recv(fd, &rep, sizeof(rep), 0) < (ssize_t)sizeof(rep) ||
	    rep.status < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One request with fds; the reply's status (0 / -errno), or -EPIPE. */
static int raw_call(int fd, uint32_t type, const void *req, size_t len,
		    const int *fds, int nfds, void *rep, size_t replen)
{
	static uint32_t seq = 1;
	struct nto_ctl_hdr h = {type, (uint32_t)len, ++seq, 0}, rh;
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)req, len}};
	struct iovec riov[2] = {{&rh, sizeof(rh)}, {rep, replen}};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf.b;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0)
		return -EPIPE;
	memset(&m, 0, sizeof(m));
	m.msg_iov = riov;
	m.msg_iovlen = rep ? 2 : 1;
	if (recvmsg(fd, &m, 0) < (ssize_t)sizeof(rh))
		return -EPIPE;
	return rh.status;
}

static void said(const char *claim, int rc)
{
	printf("%s rc=%s\n", claim, rc < 0 ? ename(-rc) : "OK");
}

/* The first fd of ours whose target names `what` (libnto keeps them). */
static int find_fd(const char *what)
{
	char path[64], target[256];
	int fd;

	for (fd = 0; fd < 65536; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, what))
			return fd;
	}
	return -1;
}

/* A memfd of `size` bytes, sealed as ipcd seals its own if `seal`, with a
 * channel header claiming chid 1 of this process. */
static int fake_region(size_t size, int seal)
{
	int fd = memfd_create("forged", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct nto_chan_hdr *h;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h != MAP_FAILED) {
		h->magic = NTO_CHAN_MAGIC;
		h->version = NTO_SHM_VERSION;
		h->chid = 1;
		h->pid = getpid();
		munmap(h, 4096);
	}
	if (seal)
		fcntl(fd, F_ADD_SEALS,
		      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	return fd;
}

/* Qnet claims (RESTORE_NET): the parent's local connection passed off
 * as a network manager's proxy coid and as a server's proxy connection,
 * and a remote target for a coid the forger does not have. */
static void forge_net(int fd, pid_t victim, int conn)
{
	struct nto_ctl_rs_net net;

	memset(&net, 0, sizeof(net));
	net.what = NTO_RS_NET_PROXY;
	net.coid =
		(struct nto_ctl_rs_coid){0x40000001, 0, victim, 1, 0x40000001};
	net.nd = 1;
	net.rpid = 4242;
	said("net-proxy-coid", raw_call(fd, NTO_CTL_RESTORE_NET, &net,
					sizeof(net), &conn, 1, NULL, 0));
	net.what = NTO_RS_NET_SCONN;
	net.sconn = (struct nto_ctl_rs_sconn){1, 0x40000001, 0, 0, 4242, 0};
	net.px_pid = getpid();
	said("net-proxy-sconn", raw_call(fd, NTO_CTL_RESTORE_NET, &net,
					 sizeof(net), &conn, 1, NULL, 0));
	net.what = NTO_RS_NET_REMOTE;
	net.rpid = victim;
	net.rchid = 1;
	said("net-remote", raw_call(fd, NTO_CTL_RESTORE_NET, &net, sizeof(net),
				    NULL, 0, NULL, 0));
}

static int forge_child(const char *name, pid_t victim, int chan, int bell,
		       int conn)
{
	size_t chsize = (sizeof(struct nto_chan_region) + 4095) & ~(size_t)4095;
	int fd, fds[3];
	char pbuf[sizeof(struct nto_ctl_rs_path) + 128];
	struct nto_ctl_rs_path *pr = (struct nto_ctl_rs_path *)pbuf;
	struct nto_ctl_rs_chan rc1 = {1, 0, 3};
	struct nto_ctl_rs_coid co = {0x40000001, 0, victim, 1, 0x40000001};
	struct nto_ctl_rs_done done = {0, 0};

	fd = raw_open(NTO_HELLO_RESTORE);
	if (fd < 0) {
		printf("raw hello failed\n");
		return 1;
	}
	/* the parent's channel: ipcd holds that region already */
	fds[0] = chan;
	fds[1] = bell;
	fds[2] = fake_region(NTO_WAITPAGE_SIZE, 1); /* a waiter page */
	said("parent-channel", raw_call(fd, NTO_CTL_RESTORE_CHAN, &rc1,
					sizeof(rc1), fds, 3, NULL, 0));
	/* a memfd of the wrong size, then a right-sized unsealed one */
	fds[0] = fake_region(4096, 1);
	fds[1] = fake_region(NTO_DOORBELL_SIZE, 1);
	said("small-channel", raw_call(fd, NTO_CTL_RESTORE_CHAN, &rc1,
				       sizeof(rc1), fds, 3, NULL, 0));
	fds[0] = fake_region(chsize, 0);
	said("unsealed-channel", raw_call(fd, NTO_CTL_RESTORE_CHAN, &rc1,
					  sizeof(rc1), fds, 3, NULL, 0));
	/* the parent's connection, claimed as this process's coid */
	said("parent-coid", raw_call(fd, NTO_CTL_RESTORE_COID, &co, sizeof(co),
				     &conn, 1, NULL, 0));
	/* the victim's name, on a channel this process does not have */
	memset(pbuf, 0, sizeof(pbuf));
	pr->id = 1;
	pr->chid = 1;
	pr->ftype = 12; /* _FTYPE_NAME */
	snprintf(pr->path, 100, "/dev/name/local/%s", name);
	said("name-steal",
	     raw_call(fd, NTO_CTL_RESTORE_PATH, pr,
		      sizeof(*pr) + strlen(pr->path) + 1, NULL, 0, NULL, 0));
	forge_net(fd, victim, conn);
	said("done", raw_call(fd, NTO_CTL_RESTORE_DONE, NULL, 0, NULL, 0, &done,
			      sizeof(done)));
	printf("accepted=%u refused=%u\n", done.accepted, done.refused);
	/* after RESTORE_DONE no claim is taken */
	said("late-path",
	     raw_call(fd, NTO_CTL_RESTORE_PATH, pr,
		      sizeof(*pr) + strlen(pr->path) + 1, NULL, 0, NULL, 0));
	close(fd);
	return 0;
}

static int cmd_forge(const char *name)
{
	struct _server_info si;
	int coid = name_open(name, 0), st, rc, aux, chan, bell, conn;
	pid_t child;

	if (coid == -1 || ChannelCreate(0) == -1 ||
	    ConnectServerInfo(0, coid, &si) == -1) {
		printf("setup rc=%s\n", ename(errno));
		return 1;
	}
	/* the registered process itself, on an AUX socket, outside any
	 * re-tell: refused */
	aux = raw_open(NTO_HELLO_AUX);
	{
		char pbuf[sizeof(struct nto_ctl_rs_path) + 16] = {0};
		struct nto_ctl_rs_path *pr = (struct nto_ctl_rs_path *)pbuf;

		pr->id = 77;
		pr->chid = 1;
		strcpy(pr->path, "/dev/forged");
		said("not-restoring",
		     aux < 0 ? -EPIPE
			     : raw_call(aux, NTO_CTL_RESTORE_PATH, pr,
					sizeof(*pr) + strlen(pr->path) + 1,
					NULL, 0, NULL, 0));
	}
	if (aux >= 0)
		close(aux);
	/* the copies libnto keeps; a forked child's libnto closes those, so
	 * the forger gets duplicates */
	chan = fcntl(find_fd("ntosim-chan"), F_DUPFD_CLOEXEC, 0);
	bell = fcntl(find_fd("ntosim-bell"), F_DUPFD_CLOEXEC, 0);
	conn = fcntl(find_fd("ntosim-conn"), F_DUPFD_CLOEXEC, 0);
	if (chan < 0 || bell < 0 || conn < 0) {
		printf("kept fds not found\n");
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child == 0)
		_exit(forge_child(name, si.pid, chan, bell, conn));
	if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		printf("forger failed\n");
		return 1;
	}
	rc = one(coid, 7);
	printf("send rc=%s data=%s\n", rc && rc != EBADMSG ? ename(rc) : "OK",
	       rc == EBADMSG ? "bad"
	       : rc	     ? "none"
			     : "ok");
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	sigset_t set;

	/* blocked from the start: a signal before the wait is not lost */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "client") == 0)
		return cmd_client(argv[2]);
	if (argc == 3 && strcmp(argv[1], "stall") == 0)
		return cmd_stall(argv[2]);
	if (argc == 3 && strcmp(argv[1], "forge") == 0)
		return cmd_forge(argv[2]);
	fprintf(stderr, "usage: restart-probe client|stall|forge NAME\n");
	return 2;
}
