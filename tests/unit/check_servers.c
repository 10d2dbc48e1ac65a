/*
 * The shipped servers, as real exec'd processes against a private ipcd:
 * ntosim-pattern (every byte of a multi-MiB read checked against
 * pattern.h), ntosim-filesrv (every POSIX entry point, path confinement,
 * offsets lost on restart) and ntosim-kvsrv (the kvproto.h operations,
 * durability across restarts and torn writes, the -K at-most-once hook).
 * Also what clients see when a server dies (EBADF, ESRCH) and what a server
 * sees when a client dies (its opens closed), and cat/dd under LD_PRELOAD.
 * Servers are found in $NTOSIM_BUILDDIR; readiness is nto_path_wait().
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/iomsg.h>
#include <sys/dispatch.h>
#include <sys/ntosim.h>

#include "servers/file/file.h"
#include "servers/kv/kvproto.h"
#include "servers/pattern/pattern.h"
#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

/* Assert that `expr` returns -1 with errno `err`. */
#define ASSERT_FAILS(expr, err)                                               \
	do {                                                                  \
		errno = 0;                                                    \
		long long r_ = (long long)(expr);                             \
		int e_ = errno;                                               \
		ck_assert_msg(r_ == -1 && e_ == (err),                        \
			      "%s: got %lld errno %d (%s), want -1 errno %d " \
			      "(%s)",                                         \
			      #expr, r_, e_, strerror(e_), (err),             \
			      strerror(err));                                 \
	} while (0)

/* ---- server processes ---- */

#define MAX_SRV 8
static pid_t srv_pids[MAX_SRV];

static const char *builddir(void)
{
	const char *b = getenv("NTOSIM_BUILDDIR");

	return b && *b ? b : ".";
}

/* buf = a/b (asserting it fits); returns buf. */
static char *join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	ck_assert_msg(n > 0 && (size_t)n < len, "path too long: %s/%s", a, b);
	return buf;
}

static void srv_forget(pid_t pid)
{
	for (int i = 0; i < MAX_SRV; i++)
		if (srv_pids[i] == pid)
			srv_pids[i] = 0;
}

/* Fork and exec $NTOSIM_BUILDDIR/prog with args (NULL-terminated); the
 * server dies with this test process (PDEATHSIG). With errfd, its stderr
 * goes to a pipe whose read end is put there. Returns its pid. */
static pid_t srv_spawn_err(const char *prog, const char *const *args,
			   int *errfd)
{
	int ep[2] = {-1, -1};

	char path[PATH_MAX];
	char *argv[16];
	pid_t parent = getpid(), pid;
	int n = 0, i;

	join(path, sizeof path, builddir(), prog);
	ck_assert_msg(access(path, X_OK) == 0, "%s: %s", path, strerror(errno));
	argv[n++] = path;
	for (i = 0; args && args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (errfd)
		ck_assert_int_eq(pipe2(ep, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (errfd && dup2(ep[1], STDERR_FILENO) < 0)
			_exit(127);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (errfd) {
		close(ep[1]);
		*errfd = ep[0];
	}
	for (i = 0; i < MAX_SRV; i++)
		if (!srv_pids[i]) {
			srv_pids[i] = pid;
			break;
		}
	return pid;
}

static pid_t srv_spawn(const char *prog, const char *const *args)
{
	return srv_spawn_err(prog, args, NULL);
}

/* Read fd (a server's stderr) until a line containing `what` arrives;
 * bounded by W. */
static void wait_line(int fd, const char *what)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = nto_test_now_ns();
		ssize_t r;

		ck_assert_msg(now < end, "no '%s' from the server in %d ms",
			      what, W);
		if (poll(&p, 1, (int)((end - now) / 1000000u) + 1) <= 0)
			continue;
		r = read(fd, buf + len, sizeof buf - 1 - len);
		ck_assert_msg(r > 0, "server stderr closed before '%s'", what);
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, what))
			return;
		if (len > sizeof buf / 2) { /* keep the tail only */
			memmove(buf, buf + len - 64, 64);
			len = 64;
		}
	}
}

/* Wait until the server registered `regpath` (it does so once ready). */
static void srv_ready(pid_t pid, const char *regpath)
{
	if (nto_path_wait(regpath, W) == 0)
		return;
	int e = errno, st = nto_test_waitpid(pid, 0);
	ck_abort_msg("%s not registered by pid %d: %s (server %s, status "
		     "0x%x)",
		     regpath, (int)pid, strerror(e),
		     st == -ETIMEDOUT ? "still running" : "exited",
		     st < 0 ? 0 : st);
}

static pid_t srv_start(const char *prog, const char *const *args,
		       const char *regpath)
{
	pid_t pid = srv_spawn(prog, args);

	srv_ready(pid, regpath);
	return pid;
}

/* SIGKILL a server and reap it; returns once it is gone (not necessarily
 * processed by ipcd yet: see wait_dead). */
static void srv_kill(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	st = nto_test_waitpid(pid, W);
	srv_forget(pid);
	ck_assert_msg(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "server %d: status %d", (int)pid, st);
}

/* Reap a server that is expected to exit by itself; returns its status. */
static int srv_reap(pid_t pid)
{
	int st = nto_test_waitpid(pid, W);

	srv_forget(pid);
	ck_assert_msg(st >= 0, "server %d did not exit: %s", (int)pid,
		      strerror(-st));
	return st;
}

static void srv_teardown(void)
{
	for (int i = 0; i < MAX_SRV; i++)
		if (srv_pids[i] > 0) {
			kill(srv_pids[i], SIGKILL);
			nto_test_waitpid(srv_pids[i], W);
			srv_pids[i] = 0;
		}
}

/* Run prog with args to completion (bounded); its exit code, or -1 if it
 * did not exit normally. */
static int run_status(const char *prog, const char *const *args)
{
	char path[PATH_MAX];
	char *argv[16];
	int n = 0, st;

	join(path, sizeof path, builddir(), prog);
	argv[n++] = path;
	for (int i = 0; args && args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	st = nto_test_run(argv, W, NULL);
	ck_assert_msg(st >= 0, "%s: %s", path, strerror(-st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Wait (a bounded poll of the condition) until ipcd has marked the
 * connection of coid dead after its server's death. */
static void wait_dead(int coid)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	struct _server_info info;

	for (;;) {
		if (ConnectServerInfo(0, coid, &info) == coid &&
		    (info.flags & _NTO_COF_DEAD))
			return;
		ck_assert_msg(nto_test_now_ns() < end,
			      "coid %d not dead after %d ms", coid, W);
		usleep(1000); /* poll period, not synchronisation */
	}
}

/* The server's open count, through the debug devctl (raw _IO_DEVCTL on
 * the fd, which is the coid). */
static int ocb_count(int fd)
{
	struct _io_devctl m = {.type = _IO_DEVCTL,
			       .combine_len = sizeof m,
			       .dcmd = PATTERN_DCMD_OCB_COUNT};
	struct _io_devctl_reply r;

	memset(&r, 0, sizeof r);
	ck_assert_int_eq(MsgSend(fd, &m, sizeof m, &r, sizeof r), 0);
	return r.ret_val;
}

/* Poll the count (bounded) until it is `want`. */
static void ocb_count_wait(int fd, int want)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	int got;

	while ((got = ocb_count(fd)) != want && nto_test_now_ns() < end)
		usleep(1000); /* poll period, not synchronisation */
	ck_assert_int_eq(got, want);
}

/* 1 if plain open() is libnto's (the POSIX layer is built in). */
static int posix_layer(void)
{
	Dl_info di;
	void *fn = dlsym(RTLD_DEFAULT, "open");

	return fn && dladdr(fn, &di) && di.dli_fname &&
	       strstr(di.dli_fname, "libnto") != NULL;
}

static char *path_in(char *buf, size_t len, const char *name)
{
	return join(buf, len, nto_test_dir(), name);
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void host_write(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* The content of a host file (malloc'd, NUL-terminated; *n its size). */
static char *host_read(const char *path, size_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read_full(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (n)
		*n = (size_t)st.st_size;
	return buf;
}

/* ---- pattern.h (no server) ---- */

START_TEST(test_pattern_function)
{
	static uint8_t buf[4099];

	/* The documented formula, pinned: word 0 of seed 0. */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	x *= 0xC4CEB9FE1A85EC53ull;
	x ^= x >> 33;
	for (unsigned b = 0; b < 8; b++)
		ck_assert_uint_eq(pattern_byte(b), (uint8_t)(x >> (8 * b)));
	/* fill/check agree with the byte function at any alignment */
	for (uint64_t off = 0; off < 17; off += 3) {
		pattern_fill(5, off * 1000 + off, buf, sizeof buf);
		for (size_t i = 0; i < sizeof buf; i++)
			ck_assert_uint_eq(
				buf[i],
				pattern_byte_seed(5, off * 1000 + off + i));
		ck_assert_uint_eq(
			pattern_check(5, off * 1000 + off, buf, sizeof buf),
			sizeof buf);
		buf[100] ^= 1;
		ck_assert_uint_eq(
			pattern_check(5, off * 1000 + off, buf, sizeof buf),
			100);
	}
	/* a shifted copy is caught at once: no period */
	pattern_fill(0, 1 << 21, buf, 64);
	ck_assert_uint_lt(pattern_check(0, 0, buf, 64), 8);
	ck_assert_uint_ne(pattern_word(0, 1), pattern_word(1, 1));
}
END_TEST

/* ---- ntosim-pattern ---- */

#define PAT_PATH "/dev/pattern"

/* Start ntosim-pattern at PAT_PATH (NULL: the default); with errfd, -v
 * and its stderr on a pipe (see srv_spawn_err). */
static pid_t pattern_start_err(const char *size, const char *delay,
			       const char *seed, int *errfd)
{
	const char *args[12] = {"-p", PAT_PATH};
	pid_t pid;
	int n = 2;

	if (errfd)
		args[n++] = "-v";

	if (size) {
		args[n++] = "-s";
		args[n++] = size;
	}
	if (delay) {
		args[n++] = "-d";
		args[n++] = delay;
	}
	if (seed) {
		args[n++] = "-x";
		args[n++] = seed;
	}
	args[n] = NULL;
	pid = srv_spawn_err("ntosim-pattern", args, errfd);
	srv_ready(pid, PAT_PATH);
	return pid;
}

static pid_t pattern_start(const char *size, const char *delay,
			   const char *seed)
{
	return pattern_start_err(size, delay, seed, NULL);
}

START_TEST(test_pattern_every_byte)
{
	static const size_t sizes[] = {1,	7,	4096, 65536 + 3,
				       1 << 20, 333333, 5};
	const size_t total = 6u << 20; /* 6 MiB */
	uint8_t *buf = malloc(2u << 20);
	size_t off = 0, i = 0;
	char sz[32];
	int fd;

	ck_assert_ptr_nonnull(buf);
	snprintf(sz, sizeof sz, "%zu", total);
	pattern_start(sz, NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	for (;;) {
		size_t want = sizes[i++ % (sizeof sizes / sizeof sizes[0])];
		ssize_t r = read(fd, buf, want);

		ck_assert_msg(r >= 0, "read at %zu: %s", off, strerror(errno));
		if (r == 0)
			break;
		ck_assert_uint_eq(pattern_check(0, off, buf, (size_t)r),
				  (size_t)r);
		off += (size_t)r;
	}
	ck_assert_uint_eq(off, total); /* every byte once, then EOF */
	ck_assert_int_eq(read(fd, buf, 10), 0);
	/* one read longer than the server's chunk and the POSIX layer's */
	ck_assert_int_eq(lseek(fd, 12345, SEEK_SET), 12345);
	ck_assert_int_eq(read_full(fd, buf, 2u << 20), 2u << 20);
	ck_assert_uint_eq(pattern_check(0, 12345, buf, 2u << 20), 2u << 20);
	ck_assert_int_eq(close(fd), 0);
	free(buf);
}
END_TEST

START_TEST(test_pattern_lseek_fstat)
{
	uint8_t buf[64];
	struct stat st;
	int fd;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 1 << 20);
	ck_assert(S_ISCHR(st.st_mode));

	ck_assert_int_eq(lseek(fd, 1000, SEEK_SET), 1000);
	ck_assert_int_eq(read(fd, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 1000, buf, 10), 10);
	ck_assert_int_eq(lseek(fd, 5, SEEK_CUR), 1015);
	ck_assert_int_eq(read(fd, buf, 3), 3);
	ck_assert_uint_eq(pattern_check(0, 1015, buf, 3), 3);
	ck_assert_int_eq(lseek(fd, -7, SEEK_END), (1 << 20) - 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 7); /* short at the end */
	ck_assert_uint_eq(pattern_check(0, (1 << 20) - 7, buf, 7), 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(lseek(fd, 5 << 20, SEEK_SET), 5 << 20);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0); /* past the end */
	ASSERT_FAILS(lseek(fd, -1, SEEK_SET), EINVAL);
	ck_assert_int_eq(pread(fd, buf, 16, 77), 16);
	ck_assert_uint_eq(pattern_check(0, 77, buf, 16), 16);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5 << 20); /* pread kept it */
	ASSERT_FAILS(write(fd, buf, 1), EBADF);
	ck_assert_int_eq(close(fd), 0);

	ASSERT_FAILS(open(PAT_PATH, O_WRONLY), EROFS);
	ASSERT_FAILS(open(PAT_PATH, O_RDWR), EROFS);
}
END_TEST

START_TEST(test_pattern_seed)
{
	uint8_t buf[4096];
	int fd;

	pattern_start("64k", NULL, "7");
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read_full(fd, buf, sizeof buf), sizeof buf);
	ck_assert_uint_eq(pattern_check(7, 0, buf, sizeof buf), sizeof buf);
	ck_assert_uint_lt(pattern_check(0, 0, buf, sizeof buf), 8);
	close(fd);
}
END_TEST

START_TEST(test_pattern_dup_shares_offset)
{
	uint8_t buf[100];
	int fd, fd2;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ocb_count(fd), 1);
	fd2 = dup(fd);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(ocb_count(fd), 1); /* one open, two fds */
	ck_assert_int_eq(read(fd, buf, 40), 40);
	ck_assert_int_eq(read(fd2, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 40, buf, 10), 10);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(ocb_count(fd2), 1);
	ck_assert_int_eq(read(fd2, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 50, buf, 10), 10);
	ck_assert_int_eq(close(fd2), 0);
}
END_TEST

/* A raw _IO_READ asking for more than its reply buffer holds gets (and
 * moves the offset by) only what fits. Same for the file server. */
static void short_reply_buffer(int fd)
{
	struct _io_read m = {
		.type = _IO_READ, .combine_len = sizeof m, .nbytes = 1000};
	uint8_t buf[100];

	ck_assert_int_eq(MsgSend(fd, &m, sizeof m, buf, 100), 100);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 100);
}

START_TEST(test_pattern_short_reply_buffer)
{
	uint8_t buf[100];
	int fd;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	short_reply_buffer(fd);
	ck_assert_int_eq(read(fd, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 100, buf, 10), 10);
	close(fd);
}
END_TEST

/* Server death: a client's later I/O on its fd fails with EBADF. */
START_TEST(test_pattern_server_death_ebadf)
{
	uint8_t buf[16];
	pid_t srv = pattern_start("1M", NULL, NULL);
	int fd = open(PAT_PATH, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), sizeof buf);
	srv_kill(srv);
	wait_dead(fd);
	ASSERT_FAILS(read(fd, buf, sizeof buf), EBADF);
	ASSERT_FAILS(lseek(fd, 0, SEEK_SET), EBADF);
	errno = 0;
	int rc = close(fd); /* QNX: -1/EBADF, but the fd is freed */
	ck_assert(rc == 0 || errno == EBADF);
	ASSERT_FAILS(open(PAT_PATH, O_RDONLY), ENOENT); /* name vanished */
}
END_TEST

static int slow_reader(const struct nto_test_link *l, void *arg)
{
	uint8_t buf[16];
	int fd = open(PAT_PATH, O_RDONLY);
	ssize_t r;

	NTO_CHILD_ASSERT(fd >= 0);
	nto_test_put(l->wr, 1);
	r = read(fd, buf, sizeof buf); /* the server sleeps 20 s first */
	nto_test_put(l->wr, r < 0 ? errno : 0);
	return 0;
}

/* A client REPLY-blocked in read() when the server dies gets ESRCH at
 * once, not after the server's delay. */
START_TEST(test_pattern_death_while_reading)
{
	struct nto_test_child c;
	int errfd;
	pid_t srv = pattern_start_err("1M", "20000000", NULL, &errfd);
	uint64_t t0;
	int64_t err;

	nto_test_fork(&c, slow_reader, NULL);
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	/* -v logs each read as it is received, before the delay: from then
	 * on the client is REPLY-blocked */
	wait_line(errfd, "read of 16 bytes");
	ck_assert_int_eq(nto_test_wait_state(c.pid, 0, "REPLY", W), 0);
	t0 = nto_test_now_ns();
	srv_kill(srv);
	err = nto_test_take(c.rd, W);
	ck_assert_msg(err == ESRCH, "read failed with %s, want ESRCH",
		      strerror((int)err));
	ck_assert_uint_lt(nto_test_now_ns() - t0, 5000000000ull);
	nto_test_wait_ok(&c, W);
	close(errfd);
}
END_TEST

static int opener_then_hang(const struct nto_test_link *l, void *arg)
{
	const char *path = arg;
	int64_t go;

	for (int i = 0; i < 3; i++)
		NTO_CHILD_ASSERT(open(path, O_RDONLY) >= 0);
	nto_test_put(l->wr, 1);
	nto_test_get(l->rd, &go, W); /* killed while waiting here */
	return 0;
}

/* Client death: the server gets the dead client's opens closed. */
static void client_death_closes(const char *path)
{
	struct nto_test_child c;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ocb_count(fd), 1);
	nto_test_fork(&c, opener_then_hang, (void *)path);
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	ck_assert_int_eq(ocb_count(fd), 4);
	nto_test_kill(&c);
	ocb_count_wait(fd, 1);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_pattern_client_death_closes)
{
	pattern_start("1M", NULL, NULL);
	client_death_closes(PAT_PATH);
}
END_TEST

START_TEST(test_pattern_bad_options)
{
	const char *rel[] = {"-p", "dev/pattern", NULL};
	const char *size[] = {"-s", "12Q", NULL};
	const char *extra[] = {"-p", "/dev/p", "junk", NULL};

	ck_assert_int_eq(run_status("ntosim-pattern", rel), 1);
	ck_assert_int_eq(run_status("ntosim-pattern", size), 1);
	ck_assert_int_eq(run_status("ntosim-pattern", extra), 1);
}
END_TEST

/* ---- ntosim-filesrv: path resolution (no server) ---- */

START_TEST(test_file_resolve)
{
	char root[PATH_MAX], p[PATH_MAX], name[NAME_MAX + 1];
	char longname[NAME_MAX + 2];
	int rfd, fd;

	path_in(root, sizeof root, "export");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	join(p, sizeof p, root, "sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	join(p, sizeof p, root, "sub/f");
	host_write(p, "x", 1);
	host_write(path_in(p, sizeof p, "secret"), "s", 1);
	join(p, sizeof p, root, "out");
	ck_assert_int_eq(symlink(nto_test_dir(), p), 0);
	join(p, sizeof p, root, "in");
	ck_assert_int_eq(symlink("sub/f", p), 0);
	join(p, sizeof p, root, "fifo");
	ck_assert_int_eq(mkfifo(p, 0644), 0);

	rfd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(rfd, 0);
	fd = filesrv_resolve(rfd, "sub/f", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = filesrv_resolve(rfd, "/sub/./x/../f", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0); /* ".." is lexical */
	close(fd);
	fd = filesrv_resolve(rfd, "", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0); /* the root itself */
	close(fd);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "../secret", O_RDONLY, 0, 0, NULL, 0),
		-EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "sub/../../secret", O_RDONLY, 0,
					 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "out/secret", O_RDONLY, 0, 0, NULL, 0),
		-EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "out", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "in", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "in", O_PATH, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "fifo", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "nope", O_RDONLY, 0, 0, NULL, 0),
			 -ENOENT);
	ck_assert_int_eq(filesrv_resolve(rfd, "nope/f", O_RDONLY | O_CREAT,
					 0644, 0, NULL, 0),
			 -ENOENT);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "sub/f/g", O_RDONLY, 0, 0, NULL, 0),
		-ENOTDIR);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(
		filesrv_resolve(rfd, longname, O_RDONLY, 0, 0, NULL, 0),
		-ENAMETOOLONG);
	fd = filesrv_resolve(rfd, "sub/new", O_WRONLY | O_CREAT | O_EXCL, 0600,
			     0, NULL, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(filesrv_resolve(rfd, "sub/new",
					 O_WRONLY | O_CREAT | O_EXCL, 0600, 0,
					 NULL, 0),
			 -EEXIST);
	/* parents, for unlink */
	fd = filesrv_resolve(rfd, "sub/f", 0, 0, 1, name, sizeof name);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(name, "f");
	close(fd);
	ck_assert_int_eq(filesrv_resolve(rfd, "", 0, 0, 1, name, sizeof name),
			 -EINVAL);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "out/secret", 0, 0, 1, name, sizeof name),
		-EACCES);
	close(rfd);
}
END_TEST

/* ---- ntosim-filesrv over the POSIX layer ---- */

#define FS "/fs"

static char fs_root[PATH_MAX];

static pid_t filesrv_start(void)
{
	const char *args[] = {"-d", fs_root, "-p", FS, NULL};

	return srv_start("ntosim-filesrv", args, FS);
}

/* Host path of a file under the export. */
static char *hp(char *buf, size_t len, const char *name)
{
	return join(buf, len, fs_root, name);
}

static void fs_setup(void)
{
	path_in(fs_root, sizeof fs_root, "export");
	ck_assert_int_eq(mkdir(fs_root, 0755), 0);
}

START_TEST(test_file_rw)
{
	char h[PATH_MAX], buf[64], *content;
	mode_t um = umask(022);
	struct stat st;
	int fd;

	umask(um); /* the server, exec'd from here, creates with ours */
	fs_setup();
	filesrv_start();
	fd = open(FS "/a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	ck_assert_int_eq(write(fd, "hello, world", 12), 12);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 12);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0640 & ~um);
	ck_assert_int_eq(lseek(fd, 7, SEEK_SET), 7);
	ck_assert_int_eq(write(fd, "W", 1), 1);
	ASSERT_FAILS(read(fd, buf, 1), EBADF); /* write-only */
	ck_assert_int_eq(close(fd), 0);
	content = host_read(hp(h, sizeof h, "a.txt"), NULL);
	ck_assert_str_eq(content, "hello, World"); /* on the host disk */
	free(content);

	fd = open(FS "/a.txt", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, 5), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5);
	ck_assert_int_eq(lseek(fd, -5, SEEK_END), 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 5);
	ck_assert_int_eq(memcmp(buf, "World", 5), 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(pread(fd, buf, 4, 2), 4);
	ck_assert_int_eq(memcmp(buf, "llo,", 4), 0);
	ASSERT_FAILS(lseek(fd, -100, SEEK_CUR), EINVAL);
	ASSERT_FAILS(write(fd, "x", 1), EBADF); /* read-only */
	ck_assert_int_eq(close(fd), 0);

	/* creat(): O_WRONLY | O_CREAT | O_TRUNC */
	fd = creat(FS "/a.txt", 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(write(fd, "new", 3), 3);
	ck_assert_int_eq(close(fd), 0);
	content = host_read(h, NULL);
	ck_assert_str_eq(content, "new");
	free(content);
}
END_TEST

START_TEST(test_file_open_flags)
{
	char h[PATH_MAX], buf[64], *content;
	int fd, fd2;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();

	ASSERT_FAILS(open(FS "/f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	ASSERT_FAILS(open(FS "/missing", O_RDONLY), ENOENT);
	ASSERT_FAILS(open(FS "/missing/x", O_RDWR | O_CREAT, 0644), ENOENT);

	/* O_APPEND: every write at the end, whatever the offset */
	fd = open(FS "/f", O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(write(fd, "ab", 2), 2);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 12);
	fd2 = open(FS "/f", O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(write(fd2, "cd", 2), 2);
	ck_assert_int_eq(write(fd, "ef", 2), 2);
	close(fd);
	close(fd2);
	content = host_read(h, NULL);
	ck_assert_str_eq(content, "0123456789abcdef");
	free(content);

	/* O_TRUNC on O_RDWR */
	fd = open(FS "/f", O_RDWR | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(write(fd, "xy", 2), 2);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 2);
	close(fd);

	/* O_EXCL on a new name creates it */
	fd = open(FS "/g", O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(access(hp(h, sizeof h, "g"), F_OK), 0);
}
END_TEST

START_TEST(test_file_dirs_and_confinement)
{
	char h[PATH_MAX], o[PATH_MAX], buf[8];
	int fd;

	fs_setup();
	ck_assert_int_eq(mkdir(hp(h, sizeof h, "d"), 0755), 0);
	host_write(hp(h, sizeof h, "d/x"), "x", 1);
	host_write(path_in(o, sizeof o, "outside"), "secret", 6);
	ck_assert_int_eq(symlink(o, hp(h, sizeof h, "esc")), 0);
	ck_assert_int_eq(symlink(nto_test_dir(), hp(h, sizeof h, "escdir")), 0);
	filesrv_start();

	fd = open(FS "/d/x", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(FS "/d", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ASSERT_FAILS(read(fd, buf, sizeof buf), EISDIR);
	close(fd);
	ASSERT_FAILS(open(FS "/d", O_WRONLY), EISDIR);
	ASSERT_FAILS(open(FS "/esc", O_RDONLY), EACCES);
	ASSERT_FAILS(open(FS "/escdir/outside", O_RDONLY), EACCES);
	ASSERT_FAILS(open(FS "/d/x/y", O_RDONLY), ENOTDIR);
}
END_TEST

START_TEST(test_file_unlink)
{
	char h[PATH_MAX];
	int fd;

	fs_setup();
	filesrv_start();
	fd = open(FS "/u", O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(access(hp(h, sizeof h, "u"), F_OK), 0);
	ck_assert_int_eq(unlink(FS "/u"), 0);
	ASSERT_FAILS(access(h, F_OK), ENOENT);
	ASSERT_FAILS(unlink(FS "/u"), ENOENT);
	ASSERT_FAILS(open(FS "/u", O_RDONLY), ENOENT);
	/* an open file stays readable after its unlink (host semantics) */
	fd = open(FS "/v", O_RDWR | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(unlink(FS "/v"), 0);
	ck_assert_int_eq(pread(fd, h, 3, 0), 3);
	close(fd);
}
END_TEST

START_TEST(test_file_large)
{
	const size_t n = (3u << 20) + 17;
	uint8_t *buf = malloc(n), *back = malloc(n), *host;
	char h[PATH_MAX];
	size_t hn;
	int fd;

	ck_assert(buf && back);
	pattern_fill(3, 0, buf, n);
	fs_setup();
	filesrv_start();
	fd = open(FS "/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read_full(fd, back, n), (ssize_t)n);
	ck_assert_uint_eq(pattern_check(3, 0, back, n), n);
	ck_assert_int_eq(read(fd, back, 1), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	short_reply_buffer(fd);
	close(fd);
	host = (uint8_t *)host_read(hp(h, sizeof h, "big"), &hn);
	ck_assert_uint_eq(hn, n);
	ck_assert_uint_eq(pattern_check(3, 0, host, n), n);
	free(host);
	free(buf);
	free(back);
}
END_TEST

START_TEST(test_file_offsets_per_open)
{
	char h[PATH_MAX], buf[8];
	int a, b, c;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();
	a = open(FS "/f", O_RDONLY);
	b = open(FS "/f", O_RDONLY);
	ck_assert(a >= 0 && b >= 0);
	ck_assert_int_eq(ocb_count(a), 2);
	ck_assert_int_eq(read(a, buf, 3), 3);
	ck_assert_int_eq(read(b, buf, 1), 1);
	ck_assert_int_eq(buf[0], '0'); /* b has its own offset */
	c = dup(a);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(ocb_count(a), 2); /* dup shares a's open */
	ck_assert_int_eq(read(c, buf, 1), 1);
	ck_assert_int_eq(buf[0], '3'); /* ... and its offset */
	ck_assert_int_eq(lseek(a, 0, SEEK_CUR), 4);
	close(a);
	close(b);
	close(c);
}
END_TEST

/* The data is on disk, the offsets were in the dead server. */
START_TEST(test_file_restart)
{
	char h[PATH_MAX], buf[8];
	pid_t srv;
	int fd;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	srv = filesrv_start();
	fd = open(FS "/f", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, 4), 4);
	ck_assert_int_eq(write(fd, "X", 1), 1);
	srv_kill(srv);
	wait_dead(fd);
	ASSERT_FAILS(read(fd, buf, 1), EBADF);
	ASSERT_FAILS(write(fd, "Y", 1), EBADF);
	ASSERT_FAILS(fstat(fd, &(struct stat){0}), EBADF);
	close(fd);
	ASSERT_FAILS(open(FS "/f", O_RDONLY), ENOENT);

	filesrv_start();
	fd = open(FS "/f", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0); /* a fresh offset */
	ck_assert_int_eq(read(fd, buf, 6), 6);
	ck_assert_int_eq(memcmp(buf, "0123X5", 6), 0); /* the write stayed */
	close(fd);
}
END_TEST

START_TEST(test_file_client_death_closes)
{
	char h[PATH_MAX];

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();
	client_death_closes(FS "/f");
}
END_TEST

START_TEST(test_file_bad_options)
{
	char missing[PATH_MAX];
	const char *nodir[] = {"-d", path_in(missing, sizeof missing, "nope"),
			       "-p", "/fs", NULL};
	const char *rel[] = {"-d", "/", "-p", "fs", NULL};
	const char *noprefix[] = {"-d", "/", NULL};

	ck_assert_int_eq(run_status("ntosim-filesrv", nodir), 1);
	ck_assert_int_eq(run_status("ntosim-filesrv", rel), 1);
	ck_assert_int_eq(run_status("ntosim-filesrv", noprefix), 1);
}
END_TEST

/* ---- unmodified programs under LD_PRELOAD ---- */

static int preload_path(char *buf, size_t len)
{
	/* no ck_assert here: main() calls this outside any test */
	int n = snprintf(buf, len, "%s/kernel-sim/.libs/libnto.so", builddir());

	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

/* 1 if libnto.so is built and preloadable (an ASan build is not: the ASan
 * runtime must come first in a program that was not linked with it). */
static int preload_ok(void)
{
#ifdef __SANITIZE_ADDRESS__
	return 0;
#else
	char lib[PATH_MAX];

	return preload_path(lib, sizeof lib);
#endif
}

static char *run_preloaded(const char *const *cmd)
{
	char lib[PATH_MAX], env[PATH_MAX + 16], *out = NULL;
	char *argv[16];
	int n = 0, st;

	ck_assert_msg(preload_path(lib, sizeof lib), "no %s", lib);
	ck_assert_int_lt(snprintf(env, sizeof env, "LD_PRELOAD=%s", lib),
			 (int)sizeof env);
	argv[n++] = (char *)"/usr/bin/env";
	argv[n++] = env;
	for (int i = 0; cmd[i] && n < 15; i++)
		argv[n++] = (char *)cmd[i];
	argv[n] = NULL;
	st = nto_test_run(argv, W, &out);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s: status 0x%x", cmd[0], st);
	return out;
}

START_TEST(test_preload_cat_dd)
{
	const char *cat[] = {"/bin/cat", FS "/hello", NULL};
	const char *dd[] = {"/bin/dd",	"if=" PAT_PATH, "bs=65536",
			    "count=16", "status=none",	NULL};
	const char *ddw[] = {"/bin/dd", "if=" PAT_PATH, "of=" FS "/copy",
			     "bs=4096", "count=64",	"status=none",
			     NULL};
	char h[PATH_MAX], *out;
	size_t n;

	fs_setup();
	host_write(hp(h, sizeof h, "hello"), "hello from the host\n", 20);
	filesrv_start();
	pattern_start("1M", NULL, NULL);

	out = run_preloaded(cat);
	ck_assert_str_eq(out, "hello from the host\n");
	free(out);
	out = run_preloaded(dd); /* binary, but no NUL is needed: compare */
	ck_assert_uint_eq(pattern_check(0, 0, out, 1u << 20), 1u << 20);
	free(out);
	free(run_preloaded(ddw));
	out = host_read(hp(h, sizeof h, "copy"), &n);
	ck_assert_uint_eq(n, 256u << 10);
	ck_assert_uint_eq(pattern_check(0, 0, out, n), n);
	free(out);
}
END_TEST

/* ---- ntosim-kvsrv ---- */

#define KVNAME "kvtest"
#define KVPATH "/dev/name/local/" KVNAME

static char kv_file[PATH_MAX];

static pid_t kv_start(const char *kill_n)
{
	const char *args[8] = {"-n", KVNAME, "-f", kv_file};
	int n = 4;

	if (kill_n) {
		args[n++] = "-K";
		args[n++] = kill_n;
	}
	args[n] = NULL;
	return srv_start("ntosim-kvsrv", args, KVPATH);
}

struct kv_result {
	int status; /* MsgSend's return: 0, or -1 */
	int err;    /* its errno */
	int64_t value;
	uint32_t vallen;
	char val[KV_VAL_MAX + 1];
};

/* One request; res->val is NUL-terminated. */
static void kv_call(int coid, unsigned op, const char *key, const void *val,
		    uint32_t vallen, int64_t arg, struct kv_result *res)
{
	struct kv_req req = {.type = KV_MSG_TYPE,
			     .op = (uint16_t)op,
			     .keylen = (uint32_t)strlen(key),
			     .vallen = vallen,
			     .arg = arg};
	struct kv_rep rep;
	iov_t siov[3], riov[2];

	memset(&rep, 0, sizeof rep);
	SETIOV(&siov[0], &req, sizeof req);
	SETIOV(&siov[1], key, req.keylen);
	SETIOV(&siov[2], val ? val : "", vallen);
	SETIOV(&riov[0], &rep, sizeof rep);
	SETIOV(&riov[1], res->val, KV_VAL_MAX);
	errno = 0;
	res->status = MsgSendv(coid, siov, 3, riov, 2);
	res->err = errno;
	res->value = rep.value;
	res->vallen = rep.vallen;
	res->val[res->status == 0 && rep.vallen <= KV_VAL_MAX ? rep.vallen
							      : 0] = '\0';
}

static struct kv_result kr; /* big: not on the stack */

static void kv_ok(int coid, unsigned op, const char *key, const char *val,
		  int64_t arg)
{
	kv_call(coid, op, key, val, val ? (uint32_t)strlen(val) : 0, arg, &kr);
	ck_assert_msg(kr.status == 0, "op %u on %s: %s", op, key,
		      strerror(kr.err));
}

static void kv_fails(int coid, unsigned op, const char *key, const char *val,
		     int64_t arg, int err)
{
	kv_call(coid, op, key, val, val ? (uint32_t)strlen(val) : 0, arg, &kr);
	ck_assert_msg(kr.status == -1 && kr.err == err,
		      "op %u on %s: status %d %s, want %s", op, key, kr.status,
		      strerror(kr.err), strerror(err));
}

static void kv_expect(int coid, const char *key, const char *val)
{
	kv_ok(coid, KV_GET, key, NULL, 0);
	ck_assert_str_eq(kr.val, val);
	ck_assert_uint_eq(kr.vallen, strlen(val));
}

static int kv_open(void)
{
	int coid = name_open(KVNAME, 0);

	ck_assert_msg(coid >= 0, "name_open: %s", strerror(errno));
	return coid;
}

static void kv_setup(void)
{
	path_in(kv_file, sizeof kv_file, "kv.db");
}

START_TEST(test_kv_ops)
{
	static char big[KV_VAL_MAX + 2];
	char longkey[KV_KEY_MAX + 2];
	int coid;

	kv_setup();
	kv_start(NULL);
	coid = kv_open();

	kv_fails(coid, KV_GET, "a", NULL, 0, ENOENT);
	kv_ok(coid, KV_PUT, "a", "41", 0);
	ck_assert_uint_eq(kr.vallen, 0);
	kv_expect(coid, "a", "41");
	ck_assert_int_eq(kr.value, 41);
	kv_ok(coid, KV_INCR, "a", NULL, 1);
	ck_assert_int_eq(kr.value, 42);
	kv_expect(coid, "a", "42");
	kv_ok(coid, KV_INCR, "fresh", NULL, -5); /* absent counts as 0 */
	ck_assert_int_eq(kr.value, -5);
	kv_ok(coid, KV_APPEND, "s", "foo", 0);
	ck_assert_str_eq(kr.val, "foo");
	kv_ok(coid, KV_APPEND, "s", "bar", 0);
	ck_assert_str_eq(kr.val, "foobar");
	kv_expect(coid, "s", "foobar");
	ck_assert_int_eq(kr.value, 0); /* not a counter */
	kv_fails(coid, KV_INCR, "s", NULL, 1, EINVAL);
	kv_ok(coid, KV_PUT, "max", "9223372036854775807", 0);
	kv_fails(coid, KV_INCR, "max", NULL, 1, EOVERFLOW);
	kv_ok(coid, KV_PUT, "empty", "", 0);
	kv_expect(coid, "empty", "");

	/* limits and malformed requests */
	memset(big, 'v', KV_VAL_MAX);
	kv_call(coid, KV_PUT, "big", big, KV_VAL_MAX, 0, &kr);
	ck_assert_int_eq(kr.status, 0);
	kv_call(coid, KV_GET, "big", NULL, 0, 0, &kr);
	ck_assert_int_eq(kr.status, 0);
	ck_assert_uint_eq(kr.vallen, KV_VAL_MAX);
	ck_assert_int_eq(memcmp(kr.val, big, KV_VAL_MAX), 0);
	kv_fails(coid, KV_APPEND, "big", "x", 0, EMSGSIZE);
	kv_call(coid, KV_PUT, "big", big, KV_VAL_MAX + 1, 0, &kr);
	ck_assert_int_eq(kr.err, EMSGSIZE);
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	kv_fails(coid, KV_PUT, longkey, "v", 0, ENAMETOOLONG);
	longkey[KV_KEY_MAX] = '\0';
	kv_ok(coid, KV_PUT, longkey, "v", 0); /* exactly the maximum */
	kv_fails(coid, KV_PUT, "", "v", 0, EINVAL);
	kv_fails(coid, 99, "a", NULL, 0, EINVAL);

	union {
		struct kv_req req;
		char bytes[sizeof(struct kv_req) + 2];
	} m = {.req = {.type = KV_MSG_TYPE, .op = KV_GET, .keylen = 10}};
	ASSERT_FAILS(MsgSend(coid, &m, sizeof m, NULL, 0), EBADMSG);
	ASSERT_FAILS(MsgSend(coid, &m, 6, NULL, 0), EBADMSG);
	struct _io_read rd = {.type = _IO_READ, .nbytes = 10};
	ASSERT_FAILS(MsgSend(coid, &rd, sizeof rd, NULL, 0), ENOSYS);
	uint16_t other = 0x3000;
	ASSERT_FAILS(MsgSend(coid, &other, sizeof other, NULL, 0), ENOSYS);
	kv_expect(coid, "a", "42"); /* still serving */
	ck_assert_int_eq(name_close(coid), 0);
}
END_TEST

START_TEST(test_kv_persistence)
{
	pid_t srv;
	int coid;

	kv_setup();
	srv = kv_start(NULL);
	coid = kv_open();
	kv_ok(coid, KV_PUT, "p", "one", 0);
	kv_ok(coid, KV_PUT, "p", "two", 0); /* the last value wins */
	for (int i = 0; i < 10; i++)
		kv_ok(coid, KV_INCR, "n", NULL, 3);
	kv_ok(coid, KV_APPEND, "s", "ab", 0);
	kv_ok(coid, KV_APPEND, "s", "cd", 0);
	srv_kill(srv); /* SIGKILL right after the replies */
	wait_dead(coid);
	kv_fails(coid, KV_GET, "p", NULL, 0, EBADF);
	name_close(coid);

	srv = kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "p", "two");
	kv_expect(coid, "n", "30");
	kv_expect(coid, "s", "abcd");
	kv_ok(coid, KV_INCR, "n", NULL, 1);
	name_close(coid);

	/* a polite stop too */
	kill(srv, SIGTERM);
	srv_reap(srv);
	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "n", "31");
	name_close(coid);
}
END_TEST

/* A record torn by a kill mid-write is dropped on load, the rest kept. */
START_TEST(test_kv_torn_tail)
{
	static const char junk[] = "KVR1\x05\0\0\0garbage that is not a record";
	pid_t srv;
	int coid, fd;

	kv_setup();
	srv = kv_start(NULL);
	coid = kv_open();
	kv_ok(coid, KV_PUT, "k", "v", 0);
	kv_ok(coid, KV_INCR, "c", NULL, 7);
	srv_kill(srv);
	name_close(coid);
	fd = open(kv_file, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof junk - 1),
			 (ssize_t)sizeof junk - 1);
	close(fd);

	srv = kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "k", "v");
	kv_expect(coid, "c", "7");
	kv_ok(coid, KV_INCR, "c", NULL, 1);
	srv_kill(srv);
	name_close(coid);
	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "c", "8"); /* updates after the repair persist */
	name_close(coid);
}
END_TEST

/* -K 3: the server exits right after persisting the 3rd INCR, before the
 * reply. The client saw it die REPLY-blocked (ESRCH), and the increment
 * is applied exactly once: re-sending it would apply it twice, which is
 * what libha's at-most-once policy prevents. */
START_TEST(test_kv_kill_hook)
{
	pid_t srv;
	int coid, st;

	kv_setup();
	srv = kv_start("3");
	coid = kv_open();
	kv_ok(coid, KV_INCR, "x", NULL, 1);
	kv_ok(coid, KV_INCR, "x", NULL, 1);
	kv_fails(coid, KV_INCR, "x", NULL, 1, ESRCH);
	st = srv_reap(srv);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 9, "status 0x%x", st);
	name_close(coid);

	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "x", "3"); /* applied (and durable), exactly once */
	name_close(coid);
}
END_TEST

START_TEST(test_kv_startup_failures)
{
	char p[PATH_MAX], other[PATH_MAX];
	const char *nodir[] = {"-n", "kvx", "-f",
			       path_in(p, sizeof p, "no/such/dir/kv.db"), NULL};
	const char *nofile[] = {"-n", "kvx", NULL};
	const char *badname[] = {"-n", "/abs", "-f", kv_file, NULL};
	const char *foreign[] = {"-n", "kvx", "-f", other, NULL};
	const char *same_file[] = {"-n", "kvy", "-f", kv_file, NULL};
	const char *same_name[] = {"-n", KVNAME, "-f", other, NULL};

	kv_setup();
	ck_assert_int_eq(run_status("ntosim-kvsrv", nodir), 1);
	ck_assert_int_eq(run_status("ntosim-kvsrv", nofile), 1);
	ck_assert_int_eq(run_status("ntosim-kvsrv", badname), 1);
	host_write(path_in(other, sizeof other, "foreign"), "not a store", 11);
	ck_assert_int_eq(run_status("ntosim-kvsrv", foreign), 1);
	unlink(other);

	kv_start(NULL);
	ck_assert_int_eq(run_status("ntosim-kvsrv", same_file), 1); /* lock */
	ck_assert_int_eq(run_status("ntosim-kvsrv", same_name), 1); /* EEXIST */
}
END_TEST

/* name_close and a client's death release the server's connections:
 * pidin's counts come back to the baseline. */
static int kv_client(const struct nto_test_link *l, void *arg)
{
	int64_t go;

	for (int i = 0; i < 5; i++)
		NTO_CHILD_ASSERT(name_open(KVNAME, 0) >= 0);
	nto_test_put(l->wr, 1);
	nto_test_get(l->rd, &go, W);
	return 0;
}

START_TEST(test_kv_disconnect)
{
	struct nto_test_counts base, now;
	struct nto_test_child c;
	int coid;

	kv_setup();
	kv_start(NULL);
	nto_test_counts(&base);
	for (int i = 0; i < 20; i++) {
		coid = kv_open();
		kv_ok(coid, KV_INCR, "n", NULL, 1);
		ck_assert_int_eq(name_close(coid), 0);
	}
	nto_test_counts_wait(&base, W);
	nto_test_fork(&c, kv_client, NULL);
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	nto_test_counts(&now);
	ck_assert_int_gt(now.connections, base.connections);
	nto_test_kill(&c);
	nto_test_counts_wait(&base, W);
}
END_TEST

static TCase *tcase(const char *name)
{
	TCase *tc = nto_test_tcase(name);

	tcase_add_checked_fixture(tc, NULL, srv_teardown);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("servers");
	TCase *tc;
	int posix = posix_layer();

	tc = tcase("pattern");
	tcase_add_test(tc, test_pattern_function);
	tcase_add_test(tc, test_pattern_bad_options);
	if (posix) {
		tcase_add_test(tc, test_pattern_every_byte);
		tcase_add_test(tc, test_pattern_lseek_fstat);
		tcase_add_test(tc, test_pattern_seed);
		tcase_add_test(tc, test_pattern_dup_shares_offset);
		tcase_add_test(tc, test_pattern_short_reply_buffer);
		tcase_add_test(tc, test_pattern_server_death_ebadf);
		tcase_add_test(tc, test_pattern_death_while_reading);
		tcase_add_test(tc, test_pattern_client_death_closes);
	}
	suite_add_tcase(s, tc);

	tc = tcase("file");
	tcase_add_test(tc, test_file_resolve);
	tcase_add_test(tc, test_file_bad_options);
	if (posix) {
		tcase_add_test(tc, test_file_rw);
		tcase_add_test(tc, test_file_open_flags);
		tcase_add_test(tc, test_file_dirs_and_confinement);
		tcase_add_test(tc, test_file_unlink);
		tcase_add_test(tc, test_file_large);
		tcase_add_test(tc, test_file_offsets_per_open);
		tcase_add_test(tc, test_file_restart);
		tcase_add_test(tc, test_file_client_death_closes);
		if (preload_ok())
			tcase_add_test(tc, test_preload_cat_dd);
	}
	suite_add_tcase(s, tc);

	tc = tcase("kv");
	tcase_add_test(tc, test_kv_ops);
	tcase_add_test(tc, test_kv_persistence);
	tcase_add_test(tc, test_kv_torn_tail);
	tcase_add_test(tc, test_kv_kill_hook);
	tcase_add_test(tc, test_kv_startup_failures);
	tcase_add_test(tc, test_kv_disconnect);
	suite_add_tcase(s, tc);

	if (!posix)
		fprintf(stderr, "check_servers: libnto has no POSIX layer yet: "
				"the file and pattern I/O tests are not run\n");
	return nto_test_main(s);
}
