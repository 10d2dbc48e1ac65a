/*
 * sock-probe: the squatter, the victim and the silent server of the socket
 * trust and name_open bound scenarios (sock-squat.sh, name-open-hang.sh).
 * Each mode prints one line per event on stdout for the scripts to assert
 * on. Test code only.
 *
 *	sock-probe listen PATH [UID]  a fake ipcd: bind PATH (mode 0777), drop
 *	    to UID (if given) before listen() so SO_PEERCRED shows UID, print
 *	    "listening uid=U"; then take connections one at a time, read each
 *	    to EOF and print "conn N bytes=B" (+ " sentinel" for poke's); exit
 *	    0 after the sentinel, 1 if none came within 60 s
 *	sock-probe poke PATH          connect and send the sentinel
 *	sock-probe as UID CMD...      run CMD as UID (gid UID, no groups)
 *	sock-probe client             ChannelCreate(0) through libnto: print
 *	    "rc=ok" (exit 0) or "rc=ERRNO" (exit 1)
 *	sock-probe hang-srv NAME      a resource manager on /dev/name/local/NAME
 *	    whose open handler prints "open received" and never returns (its
 *	    channel has _NTO_CHF_UNBLOCK; the pulse is never read)
 *	sock-probe name-open NAME [MS] name_open(NAME), after TimerTimeout(SEND
 *	    | REPLY, MS) if given: print "rc=ok" or "rc=ERRNO"
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iofunc.h>
#include <sys/neutrino.h>

#define SENTINEL "SENTINEL"

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void usage(void)
{
	fprintf(stderr, "usage: sock-probe listen PATH [UID] | poke PATH | "
			"as UID CMD... | client | hang-srv NAME | "
			"name-open NAME [MS]\n");
	exit(2);
}

static int sun_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "sock-probe: path too long\n");
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static int drop_to(uid_t uid)
{
	if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 ||
	    setuid(uid) < 0) {
		perror("sock-probe: setuid");
		return -1;
	}
	return 0;
}

/* Read one connection to EOF (bounded); returns the bytes received. */
static long drain(int c, int *sentinel)
{
	char buf[4096];
	long total = 0;

	*sentinel = 0;
	for (;;) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break; /* a peer that neither talks nor closes */
		n = recv(c, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		if (total == 0 && (size_t)n == strlen(SENTINEL) &&
		    memcmp(buf, SENTINEL, (size_t)n) == 0)
			*sentinel = 1;
		total += n;
	}
	return total;
}

static int do_listen(const char *path, const char *uid)
{
	struct sockaddr_un sa;
	time_t until = time(NULL) + 60;
	int fd, n = 0;

	if (sun_of(path, &sa) < 0)
		return 2;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0777) < 0) {
		perror("sock-probe: bind");
		return 2;
	}
	/* the kernel records the listener's credentials at listen() */
	if (uid && drop_to((uid_t)strtoul(uid, NULL, 10)) < 0)
		return 2;
	if (listen(fd, 16) < 0) {
		perror("sock-probe: listen");
		return 2;
	}
	printf("listening uid=%u\n", (unsigned)geteuid());
	fflush(stdout);
	while (time(NULL) < until) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int c, sentinel;
		long got;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		got = drain(c, &sentinel);
		close(c);
		printf("conn %d bytes=%ld%s\n", ++n, got,
		       sentinel ? " sentinel" : "");
		fflush(stdout);
		if (sentinel)
			return 0;
	}
	return 1;
}

static int do_poke(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (sun_of(path, &sa) < 0)
		return 2;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, SENTINEL, strlen(SENTINEL), MSG_NOSIGNAL) < 0) {
		perror("sock-probe: poke");
		return 1;
	}
	close(fd);
	return 0;
}

static int hang_open(resmgr_context_t *ctp, io_open_t *msg,
		     RESMGR_HANDLE_T *handle, void *extra)
{
	(void)ctp;
	(void)msg;
	(void)handle;
	(void)extra;
	printf("open received\n");
	fflush(stdout);
	for (;;)
		pause(); /* never answers, never reads its UNBLOCK pulse */
	return EOK;
}

static int do_hang_srv(const char *name)
{
	static resmgr_connect_funcs_t cf;
	static resmgr_io_funcs_t iof;
	static iofunc_attr_t attr;
	char path[256];
	dispatch_context_t *ctp;
	dispatch_t *dpp;

	snprintf(path, sizeof(path), "/dev/name/local/%s", name);
	dpp = dispatch_create();
	if (!dpp) {
		perror("sock-probe: dispatch_create");
		return 1;
	}
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cf, _RESMGR_IO_NFUNCS, &iof);
	cf.open = hang_open;
	iofunc_attr_init(&attr, S_IFCHR | 0666, NULL, NULL);
	if (resmgr_attach(dpp, NULL, path, _FTYPE_ANY, 0, &cf, &iof, &attr) <
	    0) {
		perror("sock-probe: resmgr_attach");
		return 1;
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp)
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (!dispatch_block(ctp))
			return 1;
		dispatch_handler(ctp);
	}
}

static int do_name_open(const char *name, const char *ms)
{
	int coid;

	if (ms) {
		_Uint64t ns = strtoull(ms, NULL, 10) * 1000000ull;

		TimerTimeout(CLOCK_MONOTONIC,
			     _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, NULL, &ns,
			     NULL);
	}
	coid = name_open(name, 0);
	if (coid < 0) {
		printf("rc=%s\n", ename(errno));
		return 1;
	}
	printf("rc=ok\n");
	name_close(coid);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "listen") == 0 && (argc == 3 || argc == 4))
		return do_listen(argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(argv[1], "poke") == 0 && argc == 3)
		return do_poke(argv[2]);
	if (strcmp(argv[1], "as") == 0 && argc >= 4) {
		if (drop_to((uid_t)strtoul(argv[2], NULL, 10)) < 0)
			return 2;
		execvp(argv[3], argv + 3);
		perror("sock-probe: exec");
		return 127;
	}
	if (strcmp(argv[1], "client") == 0 && argc == 2) {
		int chid = ChannelCreate(0);

		if (chid < 0) {
			printf("rc=%s\n", ename(errno));
			return 1;
		}
		printf("rc=ok\n");
		return 0;
	}
	if (strcmp(argv[1], "hang-srv") == 0 && argc == 3)
		return do_hang_srv(argv[2]);
	if (strcmp(argv[1], "name-open") == 0 && (argc == 3 || argc == 4))
		return do_name_open(argv[2], argc == 4 ? argv[3] : NULL);
	usage();
	return 2;
}
