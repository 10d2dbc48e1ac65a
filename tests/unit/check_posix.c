/*
 * Check tests of the POSIX layer: a program linked with -lnto opens, reads,
 * writes, dups and closes paths served by posix_rm (a raw in-memory
 * resource manager, tests/unit/posix_rm.c) through plain libc calls, against
 * a private ipcd. Each test starts its own servers as real processes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "fixture.h"

#define MAXSRV 8

static pid_t servers[MAXSRV];

/* ---- helpers ---- */

static const char *rm_path(void)
{
	static char buf[PATH_MAX];
	const char *b = getenv("NTOSIM_BUILDDIR");

	snprintf(buf, sizeof(buf), "%s/tests/unit/posix_rm", b ? b : ".");
	return buf;
}

/* Start posix_rm with the given arguments (NULL-terminated) and return
 * once it has registered its path. */
static pid_t srv_start(const char *arg0, ...)
{
	const char *argv[32];
	char fdarg[16];
	struct pollfd p;
	char buf[8] = {0};
	va_list ap;
	int pfd[2], n = 0, i;
	pid_t pid;

	argv[n++] = rm_path();
	argv[n++] = "-R";
	argv[n++] = fdarg;
	va_start(ap, arg0);
	for (const char *a = arg0; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fcntl(pfd[1], F_SETFD, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	ck_assert_msg(poll(&p, 1, NTO_TEST_WAIT_MS) == 1,
		      "posix_rm did not become ready");
	ck_assert_msg(read(pfd[0], buf, sizeof(buf) - 1) == 6 &&
			      !strcmp(buf, "ready\n"),
		      "posix_rm failed to start (%s)", rm_path());
	close(pfd[0]);
	for (i = 0; i < MAXSRV; i++)
		if (!servers[i]) {
			servers[i] = pid;
			break;
		}
	return pid;
}

static void srv_kill(pid_t pid)
{
	int i;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_ge(nto_test_waitpid(pid, NTO_TEST_WAIT_MS), 0);
	for (i = 0; i < MAXSRV; i++)
		if (servers[i] == pid)
			servers[i] = 0;
}

static void setup(void)
{
	memset(servers, 0, sizeof(servers));
	nto_test_setup();
	umask(022);
}

static void teardown(void)
{
	int i;

	for (i = 0; i < MAXSRV; i++)
		if (servers[i]) {
			kill(servers[i], SIGKILL);
			nto_test_waitpid(servers[i], NTO_TEST_WAIT_MS);
		}
	nto_test_teardown();
}

/* 1 if fd is a live simulated fd (a connection libnto owns). */
static int is_sim(int fd)
{
	return ConnectServerInfo(0, fd, NULL) == fd;
}

/* The number the next open() will get. */
static int lowest_free(void)
{
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert(!is_sim(fd));
	close(fd);
	return fd;
}

/* Read a whole small file into a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(close(fd), 0);
	return buf;
}

static int ocbs(const char *prefix)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/.ocbs", prefix);
	return atoi(slurp(p));
}

/* Wait (bounded) until ipcd has marked fd's connection dead. */
static void wait_dead(int fd)
{
	struct _server_info info;
	uint64_t end = nto_test_now_ns() + NTO_TEST_WAIT_MS * 1000000ull;
	struct timespec ts = {0, 1000000};

	for (;;) {
		ck_assert_int_eq(ConnectServerInfo(0, fd, &info), fd);
		if (info.flags & _NTO_COF_DEAD)
			return;
		ck_assert_msg(nto_test_now_ns() < end, "fd %d never died", fd);
		nanosleep(&ts, NULL); /* polling a condition, bounded */
	}
}

/* ---- tests ---- */

START_TEST(test_open_read_close)
{
	char buf[64];
	int want, fd;

	srv_start("-d", "-f", "a=hello", "/t", NULL);
	want = lowest_free();
	fd = open("/t/a", O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	ck_assert_int_eq(fd, want);
	ck_assert(is_sim(fd));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 5);
	ck_assert(!memcmp(buf, "hello", 5));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert(!is_sim(fd));
	ck_assert_int_eq(lowest_free(), fd);
	/* a file the server does not have, and one it may not create */
	errno = 0;
	ck_assert_int_eq(open("/t/none", O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(ocbs("/t"), 0);
}
END_TEST

START_TEST(test_fd_numbering)
{
	int r[4], fd, i, want;

	srv_start("-d", "-f", "a=hello", "/t", NULL);
	for (i = 0; i < 4; i++)
		ck_assert_int_ge(r[i] = open("/dev/null", O_RDONLY), 0);
	/* a hole in the middle of the real fds is the lowest free number */
	ck_assert_int_eq(close(r[1]), 0);
	fd = open("/t/a", O_RDONLY);
	ck_assert_int_eq(fd, r[1]);
	/* real fds never take a simulated fd's number */
	want = open("/dev/null", O_RDONLY);
	ck_assert_int_gt(want, r[3]);
	close(want);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(lowest_free(), r[1]);
	for (i = 0; i < 4; i++)
		if (i != 1)
			close(r[i]);
}
END_TEST

START_TEST(test_write_seek_stat)
{
	char buf[64];
	struct iovec iov[2];
	struct stat st;
	int fd;

	srv_start("-d", "/t", NULL);
	fd = open("/t/new", O_RDWR | O_CREAT | O_EXCL, 0666);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	ck_assert_int_eq(write(fd, "abcdef", 6), 6);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 6);
	ck_assert_int_eq(lseek64(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(pread(fd, buf, 3, 2), 3);
	ck_assert(!memcmp(buf, "cde", 3));
	ck_assert_int_eq(pwrite(fd, "XY", 2, 1), 2);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0); /* p* keep the offset */
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 6);
	ck_assert(!memcmp(buf, "aXYdef", 6));
	iov[0].iov_base = (char *)"12";
	iov[0].iov_len = 2;
	iov[1].iov_base = (char *)"345";
	iov[1].iov_len = 3;
	ck_assert_int_eq(writev(fd, iov, 2), 5);
	ck_assert_int_eq(lseek(fd, -5, SEEK_END), 6);
	iov[0].iov_base = buf;
	iov[0].iov_len = 1;
	iov[1].iov_base = buf + 10;
	iov[1].iov_len = 10;
	ck_assert_int_eq(readv(fd, iov, 2), 5);
	ck_assert(buf[0] == '1' && !memcmp(buf + 10, "2345", 4));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0644); /* 0666 & ~umask 022 */
	ck_assert_int_eq(st.st_size, 11);
	ck_assert_int_eq(st.st_blksize, 4096);
	ck_assert_int_eq(major(st.st_dev), 77);
	ck_assert_int_eq(fsync(fd), 0);
	ck_assert_int_eq(fdatasync(fd), 0);
	ck_assert_int_eq(ftruncate(fd, 3), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	ck_assert_int_eq(ftruncate(fd, 8), 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), 8);
	ck_assert(!memcmp(buf, "aXY\0\0\0\0\0", 8));
	ck_assert_int_eq(close(fd), 0);
	/* O_EXCL on an existing file; O_TRUNC empties it */
	errno = 0;
	ck_assert_int_eq(open("/t/new", O_RDWR | O_CREAT | O_EXCL, 0666), -1);
	ck_assert_int_eq(errno, EEXIST);
	fd = creat("/t/new", 0666);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	/* a write-only fd cannot be read (the server says EBADF) */
	errno = 0;
	ck_assert_int_eq(read(fd, buf, 1), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(ocbs("/t"), 0);
}
END_TEST

START_TEST(test_big_io)
{
	size_t n = 10u << 20, done = 0;
	char *out = malloc(n), *in = malloc(n);
	ssize_t r;
	int fd;

	ck_assert(out && in);
	nto_test_fill(out, n, 7, 0);
	srv_start("-d", "/t", NULL);
	fd = open("/t/big", O_RDWR | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	/* larger than one message: split, but all written */
	ck_assert_int_eq(write(fd, out, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	while (done < n) {
		r = read(fd, in + done, n - done);
		ck_assert_int_gt(r, 0);
		done += (size_t)r;
	}
	ck_assert_int_eq(read(fd, in, 1), 0);
	ck_assert_uint_eq(nto_test_verify(in, n, 7, 0), n);
	ck_assert_int_eq(close(fd), 0);
	free(in);
	free(out);
}
END_TEST

START_TEST(test_dup_shares_offset)
{
	char buf[16];
	int fd, fd2, want;

	srv_start("-d", "-f", "a=0123456789", "/t", NULL);
	fd = open("/t/a", O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	want = lowest_free();
	fd2 = dup(fd);
	ck_assert_int_eq(fd2, want);
	ck_assert(is_sim(fd2));
	ck_assert_int_eq(read(fd, buf, 2), 2);
	ck_assert_int_eq(lseek(fd2, 0, SEEK_CUR), 2); /* one OCB */
	ck_assert_int_eq(read(fd2, buf, 3), 3);
	ck_assert(!memcmp(buf, "234", 3));
	ck_assert_int_eq(fcntl(fd2, F_GETFL), O_RDONLY | O_NONBLOCK);
	ck_assert_int_eq(fcntl(fd2, F_GETFD), 0);
	ck_assert_int_eq(ocbs("/t"), 1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(read(fd2, buf, 5), 5);
	ck_assert(!memcmp(buf, "56789", 5));
	ck_assert_int_eq(ocbs("/t"), 1);
	ck_assert_int_eq(close(fd2), 0);
	ck_assert_int_eq(ocbs("/t"), 0);
}
END_TEST

START_TEST(test_dup2_dup3_fcntl)
{
	char buf[16];
	int s1, s2, r, z, d;

	srv_start("-d", "-f", "a=AAAA", "-f", "b=BBBB", "/t", NULL);
	s1 = open("/t/a", O_RDONLY);
	ck_assert_int_ge(s1, 0);
	/* onto a real fd's number: the real fd is closed, the number reused */
	r = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(dup2(s1, r), r);
	ck_assert(is_sim(r));
	ck_assert_int_eq(read(r, buf, 2), 2);
	ck_assert(!memcmp(buf, "AA", 2));
	ck_assert_int_eq(lseek(s1, 0, SEEK_CUR), 2);
	/* onto a simulated number: that fd's OCB is closed */
	s2 = open("/t/b", O_RDONLY);
	ck_assert_int_eq(ocbs("/t"), 2);
	ck_assert_int_eq(dup2(s1, s2), s2);
	ck_assert_int_eq(ocbs("/t"), 1);
	ck_assert_int_eq(read(s2, buf, 2), 2);
	ck_assert(!memcmp(buf, "AA", 2));
	/* a real fd onto a simulated number */
	z = open("/dev/zero", O_RDONLY);
	ck_assert_int_eq(dup2(z, s2), s2);
	ck_assert(!is_sim(s2));
	memset(buf, 1, sizeof(buf));
	ck_assert_int_eq(read(s2, buf, 4), 4);
	ck_assert(!memcmp(buf, "\0\0\0\0", 4));
	ck_assert_int_eq(close(s2), 0);
	ck_assert_int_eq(close(z), 0);
	/* same number; dup3's flags */
	ck_assert_int_eq(dup2(s1, s1), s1);
	errno = 0;
	ck_assert_int_eq(dup3(s1, s1, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	d = dup3(s1, 40, O_CLOEXEC);
	ck_assert_int_eq(d, 40);
	ck_assert_int_eq(fcntl(d, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fcntl(d, F_SETFD, 0), 0);
	ck_assert_int_eq(fcntl(d, F_GETFD), 0);
	ck_assert_int_eq(close(d), 0);
	d = fcntl(s1, F_DUPFD, 30);
	ck_assert_int_ge(d, 30);
	ck_assert(is_sim(d));
	ck_assert_int_eq(fcntl(d, F_GETFD), 0);
	ck_assert_int_eq(close(d), 0);
	d = fcntl(s1, F_DUPFD_CLOEXEC, 30);
	ck_assert_int_eq(fcntl(d, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(close(d), 0);
	/* F_GETFL / F_SETFL from the flags kept per open */
	ck_assert_int_eq(fcntl(s1, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(fcntl(s1, F_SETFL, O_NONBLOCK | O_APPEND), 0);
	ck_assert_int_eq(fcntl(r, F_GETFL), O_RDONLY | O_NONBLOCK | O_APPEND);
	ck_assert_int_eq(close(r), 0);
	ck_assert_int_eq(close(s1), 0);
	ck_assert_int_eq(ocbs("/t"), 0);
	/* bad fds */
	errno = 0;
	ck_assert_int_eq(dup2(s1, 50), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_dead_server)
{
	struct _server_info info;
	char buf[8];
	pid_t pid;
	int fd, fd2, r;

	pid = srv_start("-d", "-f", "a=hello", "/t", NULL);
	fd = open("/t/a", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	fd2 = dup(fd);
	ck_assert_int_ge(fd2, 0);
	srv_kill(pid);
	wait_dead(fd);
	errno = 0;
	ck_assert_int_eq(read(fd, buf, 1), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(dup(fd), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(dup2(fd, 60), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(ConnectServerInfo(0, fd, &info), fd);
	/* QNX: close() reports EBADF but frees the number all the same */
	errno = 0;
	ck_assert_int_eq(close(fd), -1);
	ck_assert_int_eq(errno, EBADF);
	r = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(r, fd);
	close(r);
	/* a restarted server: the next open gets the freed number again */
	srv_start("-d", "-f", "a=again", "/t", NULL);
	r = open("/t/a", O_RDONLY);
	ck_assert_int_eq(r, fd);
	ck_assert_int_eq(read(r, buf, sizeof(buf)), 5);
	ck_assert(!memcmp(buf, "again", 5));
	ck_assert_int_eq(close(r), 0);
	errno = 0;
	ck_assert_int_eq(close(fd2), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(lowest_free(), fd < fd2 ? fd : fd2);
}
END_TEST

START_TEST(test_stdio)
{
	char line[64], real[PATH_MAX];
	FILE *f;
	int fd;

	srv_start("-d", "/t", NULL);
	f = fopen("/t/f", "w+");
	ck_assert_msg(f != NULL, "fopen: %s", strerror(errno));
	fd = fileno(f);
	ck_assert(is_sim(fd));
	ck_assert_int_eq(fprintf(f, "x=%d\nsecond line\n", 42), 17);
	ck_assert_int_eq(fflush(f), 0);
	rewind(f);
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert_str_eq(line, "x=42\n");
	ck_assert_int_eq(fseeko(f, 5, SEEK_SET), 0);
	ck_assert_int_eq(ftello(f), 5);
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert_str_eq(line, "second line\n");
	ck_assert(fgets(line, sizeof(line), f) == NULL && feof(f));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(!is_sim(fd));
	ck_assert_int_eq(ocbs("/t"), 0);
	/* append mode, then read it back through fdopen */
	f = fopen("/t/f", "a");
	ck_assert(f != NULL);
	ck_assert_int_ge(fputs("third\n", f), 0);
	ck_assert_int_eq(fclose(f), 0);
	fd = open("/t/f", O_RDONLY);
	f = fdopen(fd, "r");
	ck_assert(f != NULL);
	ck_assert_int_eq(fileno(f), fd);
	ck_assert(fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f));
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert_str_eq(line, "third\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(!is_sim(fd));
	/* errors and real files still work */
	errno = 0;
	ck_assert(fopen("/t/missing", "r") == NULL);
	ck_assert_int_eq(errno, ENOENT);
	snprintf(real, sizeof(real), "%s/real.txt", nto_test_dir());
	f = fopen(real, "w");
	ck_assert(f != NULL);
	ck_assert(!is_sim(fileno(f)));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(unlink(real), 0);
}
END_TEST

START_TEST(test_paths)
{
	struct stat st, nul1, nul2;
	struct statx sx;
	char buf[16];
	int dfd, fd;

	srv_start("-d", "-i", "5", "-f", "a=hello", "-f", "b=bee", "/t", NULL);
	ck_assert_int_eq(stat("/t/a", &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 5);
	ck_assert(st.st_dev == makedev(77, 5));
	ck_assert_int_eq(lstat("/t//a", &st), 0);
	ck_assert_int_eq(stat("/t/./x/../a", &st), 0); /* normalised */
	ck_assert_int_eq(fstatat(AT_FDCWD, "/t/a", &st, 0), 0);
	ck_assert_int_eq(statx(AT_FDCWD, "/t/a", 0, STATX_BASIC_STATS, &sx), 0);
	ck_assert_int_eq(sx.stx_size, 5);
	ck_assert_int_eq(sx.stx_dev_major, 77);
	ck_assert_int_eq(stat("/t", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	errno = 0;
	ck_assert_int_eq(stat("/t/nothere", &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(access("/t/a", R_OK | W_OK), 0);
	ck_assert_int_eq(faccessat(AT_FDCWD, "/t/a", F_OK, 0), 0);
	errno = 0;
	ck_assert_int_eq(access("/t/nothere", F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* metadata goes to the server, never to the /dev/null placeholder */
	ck_assert_int_eq(stat("/dev/null", &nul1), 0);
	ck_assert_int_eq(chmod("/t/a", 0600), 0);
	ck_assert_int_eq(stat("/t/a", &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	fd = open("/t/a", O_RDWR);
	ck_assert_int_eq(fchmod(fd, 0640), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(futimens(fd, NULL), 0);
	ck_assert_int_eq(fchown(fd, getuid(), getgid()), 0);
	ck_assert_int_eq(stat("/dev/null", &nul2), 0);
	ck_assert(nul1.st_mode == nul2.st_mode && nul1.st_uid == nul2.st_uid);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(truncate("/t/a", 2), 0);
	ck_assert_int_eq(stat("/t/a", &st), 0);
	ck_assert_int_eq(st.st_size, 2);
	/* a directory fd: O_DIRECTORY, openat relative to it, fstatat "" */
	dfd = open("/t", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(fstatat(dfd, "", &st, AT_EMPTY_PATH), 0);
	ck_assert(S_ISDIR(st.st_mode));
	fd = openat(dfd, "b", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(fstatat(dfd, "b", &st, 0), 0);
	ck_assert_int_eq(st.st_size, 3);
	errno = 0;
	ck_assert_int_eq(openat(dfd, "nothere", O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(open("/t/b", O_RDONLY | O_DIRECTORY), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	/* unlink */
	ck_assert_int_eq(unlinkat(dfd, "b", 0), 0);
	errno = 0;
	ck_assert_int_eq(stat("/t/b", &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(unlink("/t/a"), 0);
	errno = 0;
	ck_assert_int_eq(unlink("/t/a"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(close(dfd), 0);
	ck_assert_int_eq(ocbs("/t"), 0);
}
END_TEST

START_TEST(test_resolution)
{
	char enosys[8], eacces[8];
	struct stat st;

	snprintf(enosys, sizeof(enosys), "%d", ENOSYS);
	snprintf(eacces, sizeof(eacces), "%d", EACCES);
	srv_start("-d", "-i", "1", "-f", "x=A", "-f", "sub/z=Az", "-f",
		  "deny/q=Aq", "-f", "exact/foo=Af", "/t", NULL);
	srv_start("-d", "-i", "2", "-f", "y=B", "/t/sub", NULL);
	/* longest prefix first */
	ck_assert_str_eq(slurp("/t/sub/y"), "B");
	ck_assert_str_eq(slurp("/t/x"), "A");
	/* ENOENT from the longer prefix falls through to the shorter one */
	ck_assert_str_eq(slurp("/t/sub/z"), "Az");
	/* ENOSYS falls through too (a BEFORE registration at /t/sub) */
	srv_start("-d", "-b", "-i", "3", "-e", enosys, "/t/sub", NULL);
	ck_assert_str_eq(slurp("/t/sub/y"), "B");
	/* any other error ends the search */
	srv_start("-d", "-i", "4", "-e", eacces, "/t/deny", NULL);
	errno = 0;
	ck_assert_int_eq(open("/t/deny/q", O_RDONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	/* an exact (non-directory) registration matches only itself */
	srv_start("-i", "6", "-f", "=EXACT", "/t/exact", NULL);
	ck_assert_str_eq(slurp("/t/exact"), "EXACT");
	ck_assert_str_eq(slurp("/t/exact/foo"), "Af");
	ck_assert_int_eq(stat("/t/exact", &st), 0);
	ck_assert(st.st_dev == makedev(77, 6));
	/* nobody has it: libc decides (and there is no /t on disk) */
	errno = 0;
	ck_assert_int_eq(open("/t/zzz", O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_fallbacks)
{
	char buf[16], out[PATH_MAX];
	struct stat st;
	int fd, o, n;

	srv_start("-d", "-f", "a=0123456789", "/t", NULL);
	fd = open("/t/a", O_RDONLY);
	snprintf(out, sizeof(out), "%s/out", nto_test_dir());
	o = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert(fd >= 0 && o >= 0);
	errno = 0;
	ck_assert_int_eq(copy_file_range(fd, NULL, o, NULL, 10, 0), -1);
	ck_assert_int_eq(errno, EXDEV);
	ck_assert_int_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	errno = 0;
	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), -1);
	ck_assert_int_eq(errno, ENOTTY);
	errno = 0;
	ck_assert_int_eq(lseek(fd, 0, SEEK_DATA), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sendfile(o, fd, NULL, 4), 4);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 4);
	ck_assert_int_eq(pread(o, buf, sizeof(buf), 0), 4);
	ck_assert(!memcmp(buf, "0123", 4));
	ck_assert_int_eq(fstat(o, &st), 0);
	ck_assert(!S_ISCHR(st.st_mode));
	ck_assert_int_eq(close(o), 0);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

struct fork_arg {
	int fd;
	FILE *f;
};

static int child_after_fork(const struct nto_test_link *l, void *arg)
{
	struct fork_arg *a = arg;
	int n = fileno(a->f);
	char b;

	/* the parent's connections are not the child's */
	NTO_CHILD_ASSERT(!is_sim(a->fd) && !is_sim(n));
	NTO_CHILD_ASSERT(read(a->fd, &b, 1) == -1 && errno == EBADF);
	/* a stale FILE must not close whatever now has its number */
	NTO_CHILD_ASSERT(dup2(l->wr, n) == n);
	NTO_CHILD_ASSERT(fclose(a->f) == 0);
	NTO_CHILD_ASSERT(fcntl(n, F_GETFD) >= 0);
	return 0;
}

START_TEST(test_fork_exec)
{
	struct nto_test_child c;
	char cmd[128], sh[] = "sh", dc[] = "-c";
	char *argv[] = {sh, dc, cmd, NULL};
	struct fork_arg a;
	pid_t pid;
	int fd, d, st;

	srv_start("-d", "-f", "a=hello", "/t", NULL);
	fd = open("/t/a", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	a.fd = fd;
	a.f = fopen("/t/a", "r");
	ck_assert(a.f != NULL);
	nto_test_fork(&c, child_after_fork, &a);
	nto_test_wait_ok(&c, NTO_TEST_WAIT_MS);
	ck_assert_int_eq(fclose(a.f), 0);
	/* exec (posix_spawn runs no atfork handlers): the placeholder is
	 * close-on-exec whatever F_GETFD reports */
	d = dup2(fd, 50);
	ck_assert_int_eq(d, 50);
	ck_assert_int_eq(fcntl(d, F_GETFD), 0);
	snprintf(cmd, sizeof(cmd), "test -e /proc/$$/fd/%d && exit 1; exit 0",
		 d);
	ck_assert_int_eq(
		posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0);
	st = nto_test_waitpid(pid, NTO_TEST_WAIT_MS);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "fd %d survived exec (status %#x)", d, st);
	ck_assert_int_eq(close(d), 0);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

START_TEST(test_ipcd_gone)
{
	char path[PATH_MAX], buf[8];
	struct stat st;
	int fd, r, i;

	srv_start("-d", "-f", "a=hello", "/t", NULL);
	fd = open("/t/a", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	nto_test_ipcd_kill(SIGKILL);
	/* the server may still answer until it notices; close frees the
	 * number whatever happens */
	(void)read(fd, buf, 1);
	close(fd);
	/* (the dead control socket is closed too, so the number is free,
	 * not necessarily the lowest) */
	errno = 0;
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	/* every path is libc's now, and stays cheap */
	snprintf(path, sizeof(path), "%s/f", nto_test_dir());
	for (i = 0; i < 100; i++) {
		r = open(path, O_RDWR | O_CREAT, 0600);
		ck_assert_int_ge(r, 0);
		ck_assert_int_eq(close(r), 0);
	}
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(unlink(path), 0);
	errno = 0;
	ck_assert_int_eq(open("/t/a", O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_no_ipcd)
{
	char path[PATH_MAX];
	int r;

	/* a process that never reached ipcd: nothing is simulated */
	nto_test_ipcd_stop();
	setenv("NTOSIM_SOCKET", "/nonexistent/ipcd.sock", 1);
	snprintf(path, sizeof(path), "/tmp/ntosim-posix-%d", (int)getpid());
	r = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(write(r, "x", 1), 1);
	ck_assert_int_eq(close(r), 0);
	ck_assert_int_eq(unlink(path), 0);
	errno = 0;
	ck_assert_int_eq(open("/t/a", O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

struct thr {
	int fd;
	int ok;
};

/* Each thread reads the whole file through its own fd, byte-checked. */
static void *reader(void *arg)
{
	struct thr *t = arg;
	char buf[1000];
	size_t done = 0;
	ssize_t r;
	int i;

	for (i = 0; i < 50; i++) {
		done = 0;
		if (lseek(t->fd, 0, SEEK_SET) != 0)
			return NULL;
		while ((r = read(t->fd, buf, sizeof(buf))) > 0) {
			if (nto_test_verify(buf, (size_t)r, 3, done) !=
			    (size_t)r)
				return NULL;
			done += (size_t)r;
		}
		if (r < 0 || done != 100000)
			return NULL;
	}
	t->ok = 1;
	return NULL;
}

START_TEST(test_threads)
{
	char host[PATH_MAX], spec[PATH_MAX + 8];
	static char data[100000];
	struct thr t[4];
	pthread_t th[4];
	int fd, i;

	/* the server loads its file from the host */
	nto_test_fill(data, sizeof(data), 3, 0);
	snprintf(host, sizeof(host), "%s/data", nto_test_dir());
	fd = open(host, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_eq(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	ck_assert_int_eq(close(fd), 0);
	snprintf(spec, sizeof(spec), "d=%s", host);
	srv_start("-d", "-F", spec, "/t", NULL);
	for (i = 0; i < 4; i++) {
		/* two simulated fds, a dup of one, and a real fd */
		t[i].fd = i == 3   ? open(host, O_RDONLY)
			  : i == 2 ? dup(t[0].fd)
				   : open("/t/d", O_RDONLY);
		t[i].ok = 0;
		ck_assert_int_ge(t[i].fd, 0);
	}
	/* t[2] shares t[0]'s offset: give it its own file instead */
	ck_assert_int_eq(close(t[2].fd), 0);
	t[2].fd = open("/t/d", O_RDONLY);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, &t[i]),
				 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(t[i].ok, "reader %d saw wrong data", i);
		ck_assert_int_eq(close(t[i].fd), 0);
	}
	ck_assert_int_eq(ocbs("/t"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("posix");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_read_close);
	tcase_add_test(tc, test_fd_numbering);
	tcase_add_test(tc, test_write_seek_stat);
	tcase_add_test(tc, test_big_io);
	tcase_add_test(tc, test_dup_shares_offset);
	tcase_add_test(tc, test_dup2_dup3_fcntl);
	tcase_add_test(tc, test_dead_server);
	tcase_add_test(tc, test_stdio);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_resolution);
	tcase_add_test(tc, test_fallbacks);
	tcase_add_test(tc, test_fork_exec);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_ipcd_gone);
	tcase_add_test(tc, test_no_ipcd);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
