/*
 * notify_cli: a plain POSIX client of notify_dev, built twice: linked with
 * libnto, and without it (run under LD_PRELOAD=libnto.so). It waits with
 * select(), poll() or epoll on the device beside a pipe and checks what a user
 * sees: a timeout returns 0 with nothing ready, data written to either
 * side wakes a waiter blocked on both (the writer waits until the waiter
 * is blocked in the kernel, seen in /proc), both ready at once count 2,
 * the device is writable, and nothing stays armed afterwards.
 * Usage: notify_cli select|poll|epoll PATH   (the scenario)
 *        notify_cli arm PATH           (print "waiting", block in select)
 *        notify_cli stats PATH         (print PATH-stats)
 *        notify_cli write PATH TEXT    (write TEXT to the device)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int use_poll, use_epoll;

#define DEV_READY  1
#define PIPE_READY 2

static void die(const char *what)
{
	fprintf(stderr, "notify_cli: %s (errno %d: %s)\n", what, errno,
		strerror(errno));
	exit(1);
}

/* epoll: a fresh set per wait (so a closed set's number is reused);
 * returns what epoll_wait returned, the ready bits in *bits. */
static int epoll_wait2(int dev, int pfd, int ms, int *bits)
{
	struct epoll_event ev, out[4];
	int ep, rc, i;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.u32 = DEV_READY;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, dev, &ev) < 0)
		die("epoll_ctl dev");
	ev.data.u32 = PIPE_READY;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev) < 0)
		die("epoll_ctl pipe");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, dev, &ev) != -1 || errno != EEXIST)
		die("epoll_ctl ADD twice");
	rc = epoll_wait(ep, out, 4, ms);
	if (rc < 0)
		die("epoll_wait");
	*bits = 0;
	for (i = 0; i < rc; i++) {
		if (out[i].events != EPOLLIN || (*bits & (int)out[i].data.u32))
			die("epoll_wait: unexpected event");
		*bits |= (int)out[i].data.u32;
	}
	close(ep);
	return rc;
}

/* Wait up to ms for dev or pfd to be readable: the DEV_READY/PIPE_READY
 * bits, 0 on timeout. Checks the count the call returned. */
static int wait2(int dev, int pfd, int ms)
{
	int rc, bits = 0, n = 0;

	if (use_epoll) {
		rc = epoll_wait2(dev, pfd, ms, &bits);
		n = (bits & DEV_READY ? 1 : 0) + (bits & PIPE_READY ? 1 : 0);
	} else if (use_poll) {
		struct pollfd p[2] = {{dev, POLLIN, 0}, {pfd, POLLIN, 0}};

		rc = poll(p, 2, ms);
		if (rc < 0)
			die("poll");
		if (p[0].revents & POLLIN)
			bits |= DEV_READY, n++;
		if (p[1].revents & POLLIN)
			bits |= PIPE_READY, n++;
		if ((p[0].revents | p[1].revents) & ~POLLIN)
			die("poll: unexpected revents");
	} else {
		struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
		fd_set r;

		FD_ZERO(&r);
		FD_SET(dev, &r);
		FD_SET(pfd, &r);
		rc = select((dev > pfd ? dev : pfd) + 1, &r, NULL, NULL, &tv);
		if (rc < 0)
			die("select");
		if (FD_ISSET(dev, &r))
			bits |= DEV_READY, n++;
		if (FD_ISSET(pfd, &r))
			bits |= PIPE_READY, n++;
	}
	if (rc != n) {
		fprintf(stderr, "notify_cli: returned %d, %d ready\n", rc, n);
		exit(1);
	}
	return bits;
}

static void expect_read(int fd, const char *want)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n) != 0) {
		fprintf(stderr, "notify_cli: read %zd bytes, want \"%s\"\n", n,
			want);
		exit(1);
	}
}

static void xwrite(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write");
}

/* Is system call nr one a poll/select/epoll wait blocks in? */
static int waiting_call(int nr)
{
	return nr == SYS_ppoll || nr == SYS_pselect6 || nr == SYS_epoll_pwait
#ifdef SYS_poll
	       || nr == SYS_poll || nr == SYS_select || nr == SYS_epoll_wait
#endif
#ifdef SYS_epoll_pwait2
	       || nr == SYS_epoll_pwait2
#endif
		;
}

/* Wait (bounded) until process pid sleeps in poll/select: read from
 * /proc/PID/syscall; where that is not readable, until it sleeps. */
static void wait_blocked(pid_t pid)
{
	struct timespec tick = {0, 2000000};
	char path[64], buf[128];
	int i, fd, nr;
	ssize_t n;

	for (i = 0; i < 10000; i++) { /* 20 s */
		snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				nr = atoi(buf);
				if (buf[0] >= '0' && buf[0] <= '9' &&
				    waiting_call(nr))
					return;
				nanosleep(&tick, NULL);
				continue;
			}
		}
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("open /proc/PID/stat");
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			char *p;

			buf[n] = '\0';
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "notify_cli: child never blocked\n");
	exit(1);
}

/* A child opens the device itself (a fork does not inherit simulated
 * fds), waits on it and the pipe, checks the side that woke it and
 * exits 10 + its bits. */
static pid_t waiter(const char *path, int pfd, const char *want)
{
	pid_t pid = fork();
	int fd, bits;

	if (pid < 0)
		die("fork");
	if (pid > 0)
		return pid;
	fd = open(path, O_RDWR);
	if (fd < 0)
		die("child open");
	bits = wait2(fd, pfd, 20000);
	if (bits == DEV_READY)
		expect_read(fd, want);
	else if (bits == PIPE_READY)
		expect_read(pfd, want);
	close(fd);
	_exit(10 + bits);
}

static void reap(pid_t pid, int want)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
		fprintf(stderr, "notify_cli: waiter exit %d, want %d\n",
			WIFEXITED(st) ? WEXITSTATUS(st) : -1, want);
		exit(1);
	}
}

static void expect_stats(const char *path, const char *want)
{
	char spath[256];
	int fd;

	snprintf(spath, sizeof(spath), "%s-stats", path);
	fd = open(spath, O_RDONLY);
	if (fd < 0)
		die("open stats");
	expect_read(fd, want);
	close(fd);
}

static int scenario(const char *path)
{
	int dev, p[2], bits;
	pid_t pid;

	dev = open(path, O_RDWR);
	if (dev < 0)
		die("open");
	if (pipe(p) < 0)
		die("pipe");

	/* 1. nothing ready: the timeout returns 0, nothing set */
	if ((bits = wait2(dev, p[0], 50)) != 0) {
		fprintf(stderr, "notify_cli: timeout gave %d\n", bits);
		return 1;
	}
	printf("timeout: 0\n");

	/* 2. a write to the device wakes a waiter blocked on both */
	pid = waiter(path, p[0], "dev");
	wait_blocked(pid);
	xwrite(dev, "dev");
	reap(pid, 10 + DEV_READY);
	printf("device woke it\n");

	/* 3. a write to the pipe wakes it */
	pid = waiter(path, p[0], "pipe");
	wait_blocked(pid);
	xwrite(p[1], "pipe");
	reap(pid, 10 + PIPE_READY);
	printf("pipe woke it\n");

	/* 4. both ready before the call: both reported */
	xwrite(dev, "ab");
	xwrite(p[1], "cd");
	if ((bits = wait2(dev, p[0], 20000)) != (DEV_READY | PIPE_READY)) {
		fprintf(stderr, "notify_cli: both ready gave %d\n", bits);
		return 1;
	}
	expect_read(dev, "ab");
	expect_read(p[0], "cd");
	printf("both: 2\n");

	/* 5. the device is always writable */
	if (use_epoll) {
		struct epoll_event ev = {EPOLLOUT, {0}}, out[2];
		int ep = epoll_create1(0);

		ev.data.u32 = 7;
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, dev, &ev) < 0 ||
		    epoll_wait(ep, out, 2, 20000) != 1 ||
		    out[0].events != EPOLLOUT || out[0].data.u32 != 7)
			die("epoll EPOLLOUT");
		if (epoll_ctl(ep, EPOLL_CTL_DEL, dev, NULL) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_DEL, dev, NULL) != -1 ||
		    errno != ENOENT)
			die("epoll_ctl DEL");
		close(ep);
	} else if (use_poll) {
		struct pollfd w = {dev, POLLOUT, 0};

		if (poll(&w, 1, 20000) != 1 || w.revents != POLLOUT)
			die("poll POLLOUT");
	} else {
		struct timeval tv = {20, 0};
		fd_set ws;

		FD_ZERO(&ws);
		FD_SET(dev, &ws);
		if (select(dev + 1, NULL, &ws, NULL, &tv) != 1 ||
		    !FD_ISSET(dev, &ws))
			die("select writable");
	}
	printf("writable\n");

	/* 6. every waiter disarmed what it armed */
	expect_stats(path, "armed=0\n");
	printf("armed=0\n");
	close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write")) {
		int fd = open(argv[2], O_WRONLY);

		if (fd < 0)
			die("open");
		xwrite(fd, argv[3]);
		return close(fd) == 0 ? 0 : 1;
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: notify_cli select|poll|epoll|arm|stats PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "select") || !strcmp(argv[1], "poll") ||
	    !strcmp(argv[1], "epoll")) {
		use_poll = argv[1][0] == 'p';
		use_epoll = argv[1][0] == 'e';
		return scenario(argv[2]);
	}
	if (!strcmp(argv[1], "arm")) {
		int fd = open(argv[2], O_RDWR), p[2];

		if (fd < 0 || pipe(p) < 0)
			die("open");
		printf("waiting\n");
		return wait2(fd, p[0], 60000) ? 1 : 3;
	}
	if (!strcmp(argv[1], "stats")) {
		char spath[256], buf[64];
		ssize_t n;
		int fd;

		snprintf(spath, sizeof(spath), "%s-stats", argv[2]);
		fd = open(spath, O_RDONLY);
		if (fd < 0)
			die("open stats");
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			die("read stats");
		fwrite(buf, 1, (size_t)n, stdout);
		return 0;
	}
	return 2;
}
