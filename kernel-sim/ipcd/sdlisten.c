/*
 * Socket activation: ipcd takes its listening socket from whoever started
 * it (systemd's ipcd.socket) by the sd_listen_fds(3) protocol, read here
 * without libsystemd: LISTEN_PID names us, LISTEN_FDS counts fds from 3.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipcd/internal.h"

#define SD_LISTEN_FDS_START 3

/* Parse a whole decimal number; -1 if str is not one. */
static long parse_num(const char *str)
{
	char *end;
	long v;

	if (!str || !*str)
		return -1;
	errno = 0;
	v = strtol(str, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	return v;
}

/* The fd is a listening AF_UNIX SOCK_SEQPACKET socket bound to a path;
 * its path goes to path[len]. why gets the reason it is not. */
static int check_socket(int fd, char *path, size_t len, char *why, size_t wlen)
{
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	int v = 0;
	socklen_t vl = sizeof(v);

	if (fcntl(fd, F_GETFD) < 0) {
		snprintf(why, wlen, "fd %d is not open", fd);
		return -EBADF;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &vl) < 0 ||
	    v != AF_UNIX) {
		snprintf(why, wlen, "fd %d is not an AF_UNIX socket", fd);
		return -ENOTSOCK;
	}
	vl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl) < 0 ||
	    v != SOCK_SEQPACKET) {
		snprintf(why, wlen,
			 "fd %d is not a SOCK_SEQPACKET socket (the unit "
			 "needs ListenSequentialPacket=)",
			 fd);
		return -EPROTOTYPE;
	}
	vl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) < 0 || !v) {
		snprintf(why, wlen, "fd %d is not listening", fd);
		return -EINVAL;
	}
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 ||
	    sl <= offsetof(struct sockaddr_un, sun_path) ||
	    sa.sun_path[0] == '\0') {
		snprintf(why, wlen,
			 "fd %d is not bound to a path (an abstract or "
			 "unnamed socket)",
			 fd);
		return -EINVAL;
	}
	sa.sun_path[sizeof(sa.sun_path) - 1] = '\0';
	if (strlen(sa.sun_path) >= len) {
		snprintf(why, wlen, "fd %d: its path is too long", fd);
		return -ENAMETOOLONG;
	}
	strcpy(path, sa.sun_path);
	return 0;
}

int sdlisten_take(char *path, size_t len, char *why, size_t wlen)
{
	const char *spid = getenv("LISTEN_PID");
	long pid, n;
	int fd, rc, fl;

	if (wlen)
		*why = '\0';
	if (!spid)
		return 0;
	pid = parse_num(spid);
	n = parse_num(getenv("LISTEN_FDS"));
	/* not for us (a parent's variables leaked through): ignore them */
	if (pid != (long)getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n == 0)
		return 0;
	if (n != 1) {
		snprintf(why, wlen,
			 "LISTEN_FDS is %s: ipcd takes exactly one listening "
			 "socket",
			 n < 0 ? "not a number" : "more than 1");
		return -EINVAL;
	}
	fd = SD_LISTEN_FDS_START;
	rc = check_socket(fd, path, len, why, wlen);
	if (rc < 0)
		return rc;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(why, wlen, "fd %d: fcntl: %s", fd, strerror(-rc));
		return rc;
	}
	return fd;
}
