/*
 * The unit-test fixture (see fixture.h): a private ipcd per test with a
 * watchdog that cleans up after a crashed test, forked children with bounded
 * waits, pipe handshakes, and object counts and blocked states read from
 * `pidin --json` (parsed with pidin's own reader, tools/json.c). It tests
 * nothing itself and never links against ntosim internals.
 */
#include "config.h"

#include "tests/unit/fixture.h"

#include <sys/neutrino.h>

#include "proto/ctl.h"
#include "tools/json.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_WAIT_MS  5000
#define RUN_WAIT_MS   10000
#define STATE_POLL_MS 2 /* period of bounded condition polls */

/* ---- time and small utilities ---- */

uint64_t nto_test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Milliseconds left until deadline (ns), never negative. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = nto_test_now_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999u) / 1000000u);
}

static uint64_t deadline_in(int ms)
{
	return nto_test_now_ns() + (uint64_t)(ms < 0 ? 0 : ms) * 1000000u;
}

/* A short pause between polls of a condition; never synchronisation. */
static void poll_pause(void)
{
	struct timespec ts = {0, STATE_POLL_MS * 1000000L};

	nanosleep(&ts, NULL);
}

static uint8_t pattern_byte(uint32_t seed, size_t off)
{
	uint32_t x = seed * 2654435761u ^ (uint32_t)off ^ (uint32_t)(off >> 13);

	x ^= x >> 7;
	x *= 0x9e3779b1u;
	return (uint8_t)(x >> 24);
}

void nto_test_fill(void *buf, size_t n, uint32_t seed, size_t base)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(seed, base + i);
}

size_t nto_test_verify(const void *buf, size_t n, uint32_t seed, size_t base)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(seed, base + i))
			return i;
	return n;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The fixture must not perturb what it measures: libnto interposes libc's
 * path calls (open, access, unlink, ...) and resolves them through ipcd,
 * which registers the calling process there. So the fixture's own path
 * operations are raw system calls.
 */
static int raw_open(const char *path, int flags)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

static int raw_access(const char *path, int mode)
{
	return (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

static void close_quiet(int fd)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	errno = e;
}

/* ---- process waits ---- */

int nto_test_waitpid(pid_t pid, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int pfd = pidfd_open_(pid);
	int st, rc;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			rc = st;
			break;
		}
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		int left = ms_left(deadline);
		if (left == 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			poll(&p, 1, left);
		} else {
			poll_pause(); /* no pidfd: a bounded poll of waitpid */
		}
	}
	close_quiet(pfd);
	return rc;
}

/* Wait for a process that is not our child to exit (pidfd becomes readable
 * when it does). Returns 0, -ETIMEDOUT or -errno. */
static int wait_exit_pidfd(int pfd, int timeout_ms)
{
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	uint64_t deadline = deadline_in(timeout_ms);

	for (;;) {
		int r = poll(&p, 1, ms_left(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static const char *describe_status(int st, char *buf, size_t len)
{
	if (st == -ETIMEDOUT)
		snprintf(buf, len, "still running");
	else if (st < 0)
		snprintf(buf, len, "wait failed: %s", strerror(-st));
	else if (WIFEXITED(st))
		snprintf(buf, len, "exited with %d%s", WEXITSTATUS(st),
			 WEXITSTATUS(st) == NTO_TEST_CHILD_FAILED
				 ? " (a child assertion failed, see stderr)"
				 : "");
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "status 0x%x", st);
	return buf;
}

static void info_child(int out);

/* Nothing of ours (Check's files, pipes) leaks into an exec'd program. */
static void close_inherited(void)
{
#ifdef SYS_close_range
	syscall(SYS_close_range, 3u, ~0u, 0u);
#endif
}

/* Run a child (exec argv, or info_child when argv is NULL) to completion,
 * bounded, capturing its stdout into *out if out is set. */
static int run_child(char *const argv[], int timeout_ms, char **out)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int p[2] = {-1, -1};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t parent = getpid();
	pid_t pid;
	int rc;

	if (out) {
		*out = NULL;
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close_quiet(p[0]);
		close_quiet(p[1]);
		return rc;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (out && dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		if (!argv)
			info_child(STDOUT_FILENO);
		close_inherited();
		execv(argv[0], argv);
		fprintf(stderr, "fixture: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (out) {
		close(p[1]);
		for (;;) {
			struct pollfd pf = {.fd = p[0], .events = POLLIN};
			int left = ms_left(deadline);
			if (left == 0 || poll(&pf, 1, left) == 0)
				break; /* timeout: the wait below kills it */
			if (len + 4096 + 1 > cap) {
				size_t ncap = cap ? cap * 2 : 16384;
				char *nb = realloc(buf, ncap);
				if (!nb)
					break;
				buf = nb;
				cap = ncap;
			}
			ssize_t n = read(p[0], buf + len, cap - len - 1);
			if (n == 0)
				break;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			len += (size_t)n;
		}
		close(p[0]);
	}
	rc = nto_test_waitpid(pid, ms_left(deadline));
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		nto_test_waitpid(pid, STOP_WAIT_MS);
	}
	if (out && rc >= 0) {
		if (!buf)
			buf = calloc(1, 1);
		else
			buf[len] = '\0';
		*out = buf;
	} else {
		free(buf);
	}
	return rc;
}

int nto_test_run(char *const argv[], int timeout_ms, char **out)
{
	return run_child(argv, timeout_ms, out);
}

static int run_info(int timeout_ms, char **out)
{
	return run_child(NULL, timeout_ms, out);
}

/* ---- paths ---- */

static const char *build_path(char *buf, size_t len, const char *env,
			      const char *name)
{
	const char *v = env ? getenv(env) : NULL;
	const char *bd = getenv("NTOSIM_BUILDDIR");

	if (v && *v)
		snprintf(buf, len, "%s", v);
	else if (bd && *bd)
		snprintf(buf, len, "%s/%s", bd, name);
	else
		snprintf(buf, len, "./%s", name);
	return buf;
}

const char *nto_test_ipcd_path(void)
{
	static char path[PATH_MAX];

	return build_path(path, sizeof path, "NTOSIM_IPCD", "ipcd");
}

const char *nto_test_pidin_path(void)
{
	static char path[PATH_MAX];

	return build_path(path, sizeof path, NULL, "pidin");
}

int nto_test_have_pidin(void)
{
	return raw_access(nto_test_pidin_path(), X_OK) == 0;
}

/* ---- the private ipcd and its watchdog ---- */

static struct {
	pid_t owner; /* the test process that started ipcd */
	pid_t ipcd;
	int ipcd_pidfd;
	pid_t watchdog;
	int watchdog_wr;
	char dir[PATH_MAX];
	char sock[PATH_MAX + 16];
} fx = {.ipcd_pidfd = -1, .watchdog_wr = -1};

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	syscall(SYS_unlinkat, AT_FDCWD, path,
		flag == FTW_DP ? AT_REMOVEDIR : 0);
	return 0;
}

static void rm_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The ipcd started for `dir`, from its pid file, if that process really is
 * an ipcd serving DIR/ipcd.sock (its command line names the socket). */
static int ipcd_of_dir(const char *dir)
{
	char path[PATH_MAX + 32], buf[PATH_MAX + 64], sock[PATH_MAX + 16];
	ssize_t n;
	int fd, pfd = -1;
	long pid;

	snprintf(sock, sizeof sock, "%s/ipcd.sock", dir);
	snprintf(path, sizeof path, "%s.pid", sock);
	fd = raw_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || (pfd = pidfd_open_((pid_t)pid)) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	fd = raw_open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	close_quiet(fd);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (n <= 0 || (buf[n] = '\0', !strstr(buf, sock))) {
		close(pfd);
		return -1;
	}
	return pfd;
}

/*
 * The watchdog: in its own session (Check killpg()s the test's process group
 * when a test ends or times out), it waits for the owner to die or for a
 * command on `rd`: a pid > 0 is the ipcd to guard, 0 forgets it (stopped
 * cleanly), -1 means "clean up and exit". On owner death or EOF it SIGKILLs
 * the guarded ipcd (found from the pid file if the owner died before
 * telling), waits for it, removes the dir and exits.
 */
static void watchdog_main(pid_t owner, int rd, const char *dir)
{
	int opfd, ipfd = -1, told = 0;

	setsid();
	for (int fd = 3; fd < 1024; fd++)
		if (fd != rd)
			close(fd);
	opfd = pidfd_open_(owner);
	if (opfd < 0 || getppid() != owner)
		goto cleanup;
	for (;;) {
		struct pollfd p[2] = {{.fd = opfd, .events = POLLIN},
				      {.fd = rd, .events = POLLIN}};
		int64_t v;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Commands first: the owner may have died just after one. */
		if (p[1].revents) {
			if (nto_test_get(rd, &v, RUN_WAIT_MS) < 0 || v < 0)
				break;
			close_quiet(ipfd);
			ipfd = v > 0 ? pidfd_open_((pid_t)v) : -1;
			told = 1;
			continue;
		}
		if (p[0].revents)
			break; /* the owner died */
	}
cleanup:
	if (ipfd < 0 && !told)
		ipfd = ipcd_of_dir(dir);
	if (ipfd >= 0) {
#ifdef SYS_pidfd_send_signal
		syscall(SYS_pidfd_send_signal, ipfd, SIGKILL, NULL, 0);
#endif
		wait_exit_pidfd(ipfd, STOP_WAIT_MS);
	}
	rm_tree(dir);
	_exit(0);
}

static void watchdog_start(void)
{
	int p[2];
	pid_t owner = getpid();

	ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fx.watchdog = fork();
	ck_assert_msg(fx.watchdog >= 0, "fork: %s", strerror(errno));
	if (fx.watchdog == 0) {
		close(p[1]);
		watchdog_main(owner, p[0], fx.dir);
	}
	close(p[0]);
	fx.watchdog_wr = p[1];
}

static void watchdog_stop(void)
{
	if (fx.watchdog <= 0)
		return;
	nto_test_put(fx.watchdog_wr, -1);
	close_quiet(fx.watchdog_wr);
	fx.watchdog_wr = -1;
	int st = nto_test_waitpid(fx.watchdog, STOP_WAIT_MS);
	if (st == -ETIMEDOUT) {
		kill(fx.watchdog, SIGKILL);
		nto_test_waitpid(fx.watchdog, STOP_WAIT_MS);
	}
	fx.watchdog = 0;
}

void nto_test_ipcd_start(void)
{
	const char *tmp = getenv("TMPDIR");
	char pidpath[PATH_MAX + 32], pidbuf[32] = "";
	char st_buf[96];
	char *argv[4];
	int st, fd;
	ssize_t n;

	ck_assert_msg(fx.ipcd <= 0, "nto_test_ipcd_start: already running");
	fx.owner = getpid();
	snprintf(fx.dir, sizeof fx.dir, "%s/ntosim-test-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(fx.dir) != NULL, "mkdtemp %s: %s", fx.dir,
		      strerror(errno));
	snprintf(fx.sock, sizeof fx.sock, "%s/ipcd.sock", fx.dir);
	watchdog_start();

	argv[0] = (char *)nto_test_ipcd_path();
	argv[1] = (char *)"-s";
	argv[2] = fx.sock;
	argv[3] = NULL;
	st = run_child(argv, RUN_WAIT_MS, NULL);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s -s %s: %s", argv[0], fx.sock,
		      describe_status(st, st_buf, sizeof st_buf));

	snprintf(pidpath, sizeof pidpath, "%s.pid", fx.sock);
	fd = raw_open(pidpath, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", pidpath, strerror(errno));
	n = read(fd, pidbuf, sizeof pidbuf - 1);
	close(fd);
	ck_assert_msg(n > 0, "empty pid file %s", pidpath);
	pidbuf[n] = '\0';
	fx.ipcd = (pid_t)strtol(pidbuf, NULL, 10);
	ck_assert_msg(fx.ipcd > 1, "bad pid file %s: '%s'", pidpath, pidbuf);
	fx.ipcd_pidfd = pidfd_open_(fx.ipcd);
	ck_assert_msg(fx.ipcd_pidfd >= 0, "ipcd pid %d not running: %s",
		      (int)fx.ipcd, strerror(errno));
	fcntl(fx.ipcd_pidfd, F_SETFD, FD_CLOEXEC);
	nto_test_put(fx.watchdog_wr, fx.ipcd);
	ck_assert_msg(setenv("NTOSIM_SOCKET", fx.sock, 1) == 0, "setenv");
}

int nto_test_ipcd_alive(void)
{
	struct pollfd p = {.fd = fx.ipcd_pidfd, .events = POLLIN};

	if (fx.ipcd_pidfd < 0)
		return 0;
	return poll(&p, 1, 0) == 0;
}

/* Signal ipcd through its pidfd, so a recycled pid is never hit. */
static void ipcd_signal(int sig)
{
#ifdef SYS_pidfd_send_signal
	if (syscall(SYS_pidfd_send_signal, fx.ipcd_pidfd, sig, NULL, 0) == 0 ||
	    errno != ENOSYS)
		return;
#endif
	kill(fx.ipcd, sig);
}

void nto_test_ipcd_kill(int sig)
{
	int rc;

	ck_assert_msg(fx.ipcd_pidfd >= 0, "no ipcd");
	ipcd_signal(sig);
	rc = wait_exit_pidfd(fx.ipcd_pidfd, NTO_TEST_WAIT_MS);
	ck_assert_msg(rc == 0, "ipcd %d did not exit on signal %d: %s",
		      (int)fx.ipcd, sig, strerror(-rc));
}

void nto_test_ipcd_stop(void)
{
	int rc = 0;

	if (getpid() != fx.owner)
		return; /* a forked child never stops its parent's ipcd */
	if (fx.ipcd_pidfd >= 0) {
		ipcd_signal(SIGTERM);
		rc = wait_exit_pidfd(fx.ipcd_pidfd, STOP_WAIT_MS);
		if (rc != 0)
			ipcd_signal(SIGKILL);
		nto_test_put(fx.watchdog_wr, rc == 0 ? 0 : fx.ipcd);
		close(fx.ipcd_pidfd);
		fx.ipcd_pidfd = -1;
	}
	watchdog_stop(); /* kills ipcd if it ignored SIGTERM; removes dir */
	fx.ipcd = 0;
	fx.dir[0] = '\0';
	ck_assert_msg(rc == 0, "ipcd did not exit within %d ms of SIGTERM",
		      STOP_WAIT_MS);
}

pid_t nto_test_ipcd_pid(void)
{
	return fx.ipcd;
}

const char *nto_test_socket(void)
{
	return fx.sock;
}

const char *nto_test_dir(void)
{
	return fx.dir;
}

int nto_test_ipcd_nfds(void)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)fx.ipcd);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void nto_test_ipcd_fds_dump(const char *why)
{
	char path[64], link[PATH_MAX], target[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)fx.ipcd);
	d = opendir(path);
	if (!d)
		return;
	fprintf(stderr, "ipcd %d fds (%s):", (int)fx.ipcd, why);
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, " %s=%s", e->d_name, target);
	}
	fprintf(stderr, "\n");
	closedir(d);
}

int nto_test_ipcd_nfds_wait(int want, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int n;

	while ((n = nto_test_ipcd_nfds()) > want && ms_left(deadline) > 0)
		poll_pause();
	return n;
}

void nto_test_setup(void)
{
	nto_test_ipcd_start();
}

void nto_test_teardown(void)
{
	nto_test_ipcd_stop();
}

TCase *nto_test_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, nto_test_setup, nto_test_teardown);
	tcase_set_timeout(tc, 30);
	return tc;
}

int nto_test_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- forked children ---- */

pid_t nto_test_fork(struct nto_test_child *c, nto_test_fn fn, void *arg)
{
	int down[2], up[2];
	pid_t parent = getpid();

	ck_assert_msg(pipe2(down, O_CLOEXEC) == 0 && pipe2(up, O_CLOEXEC) == 0,
		      "pipe: %s", strerror(errno));
	fflush(NULL);
	c->pid = fork();
	ck_assert_msg(c->pid >= 0, "fork: %s", strerror(errno));
	if (c->pid == 0) {
		struct nto_test_link l = {.rd = down[0], .wr = up[1]};
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(NTO_TEST_CHILD_FAILED);
		close(down[1]);
		close(up[0]);
		rc = fn(&l, arg);
		fflush(NULL);
		_exit(rc & 0xff);
	}
	close(down[0]);
	close(up[1]);
	c->rd = up[0];
	c->wr = down[1];
	return c->pid;
}

static void child_close(struct nto_test_child *c)
{
	close_quiet(c->rd);
	close_quiet(c->wr);
	c->rd = c->wr = -1;
}

int nto_test_wait(struct nto_test_child *c, int timeout_ms)
{
	int st = nto_test_waitpid(c->pid, timeout_ms);

	if (st == -ETIMEDOUT) {
		kill(c->pid, SIGKILL);
		nto_test_waitpid(c->pid, STOP_WAIT_MS);
		child_close(c);
		ck_abort_msg("child %d still running after %d ms (killed)",
			     (int)c->pid, timeout_ms);
	}
	child_close(c);
	ck_assert_msg(st >= 0, "waitpid %d: %s", (int)c->pid, strerror(-st));
	return st;
}

void nto_test_wait_ok(struct nto_test_child *c, int timeout_ms)
{
	char buf[96];
	pid_t pid = c->pid;
	int st = nto_test_wait(c, timeout_ms);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d %s",
		      (int)pid, describe_status(st, buf, sizeof buf));
}

void nto_test_kill(struct nto_test_child *c)
{
	char buf[96];
	pid_t pid = c->pid;
	int st;

	kill(c->pid, SIGKILL);
	st = nto_test_wait(c, NTO_TEST_WAIT_MS);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "child %d %s, expected SIGKILL", (int)pid,
		      describe_status(st, buf, sizeof buf));
}

void nto_test_child_fail(const char *file, int line, const char *what,
			 long long a, long long b, int with_values)
{
	int e = errno;

	if (with_values)
		fprintf(stderr,
			"child %d: %s:%d: assertion '%s' failed (%lld vs %lld; "
			"errno %d: %s)\n",
			(int)getpid(), file, line, what, a, b, e, strerror(e));
	else
		fprintf(stderr,
			"child %d: %s:%d: assertion '%s' failed (errno %d: "
			"%s)\n",
			(int)getpid(), file, line, what, e, strerror(e));
	fflush(NULL);
	_exit(NTO_TEST_CHILD_FAILED);
}

/* ---- bounded receives ---- */

int nto_test_receive(int chid, void *buf, int len, struct _msg_info *info,
		     int ms)
{
	uint64_t ns = (uint64_t)(ms < 0 ? 0 : ms) * 1000000u;

	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL);
	return MsgReceive(chid, buf, len, info);
}

void nto_test_expect_empty(int chid, int ms)
{
	char buf[256];
	int r = nto_test_receive(chid, buf, sizeof buf, NULL, ms);

	ck_assert_msg(r == -1 && errno == ETIMEDOUT,
		      "chid %d: expected nothing within %d ms, MsgReceive "
		      "returned %d (%s; pulse code %d)",
		      chid, ms, r, r < 0 ? strerror(errno) : "received",
		      r == 0 ? ((struct _pulse *)(void *)buf)->code : 0);
}

/* ---- pipe handshakes ---- */

int nto_test_put(int fd, int64_t v)
{
	for (;;) {
		ssize_t n = write(fd, &v, sizeof v);
		if (n == (ssize_t)sizeof v)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : -EIO;
	}
}

/* Read exactly len bytes within timeout_ms: 0, -ETIMEDOUT, -EPIPE, -errno. */
static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	size_t got = 0;
	char *p = buf;

	while (got < len) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int r = poll(&pf, 1, timeout_ms < 0 ? -1 : ms_left(deadline));

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ssize_t n = read(fd, p + got, len - got);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

int nto_test_get(int fd, int64_t *v, int timeout_ms)
{
	return read_full(fd, v, sizeof *v, timeout_ms);
}

int64_t nto_test_take(int fd, int timeout_ms)
{
	int64_t v = 0;
	int rc = nto_test_get(fd, &v, timeout_ms);

	ck_assert_msg(rc == 0, "reading from child: %s",
		      rc == -EPIPE ? "EOF (the child exited early)"
				   : strerror(-rc));
	return v;
}

void nto_test_quiet(int fd, int ms)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	uint64_t deadline = deadline_in(ms);
	int r;

	do
		r = poll(&pf, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	ck_assert_msg(r == 0, "fd %d became readable/closed within %d ms", fd,
		      ms);
}

/* ---- actors ---- */

#define ACTOR_IDLE_MS 120000 /* an actor left without commands gives up */
#define ACTOR_BUF     (64 * 1024)

struct actor {
	struct _msg_info info;
	struct _pulse pulse;
	uint64_t done_ns;
	int last_rcvid; /* of the last RECEIVE that got a message */
	char *buf;
};

static int64_t actor_field(const struct actor *s, int f)
{
	switch (f) {
	case NTO_F_PID:
		return getpid();
	case NTO_F_DONE_NS:
		return (int64_t)s->done_ns;
	case NTO_F_PULSE_CODE:
		return s->pulse.code;
	case NTO_F_PULSE_VALUE:
		return s->pulse.value.sival_int;
	case NTO_F_PULSE_SCOID:
		return s->pulse.scoid;
	case NTO_F_INFO_PID:
		return s->info.pid;
	case NTO_F_INFO_TID:
		return s->info.tid;
	case NTO_F_INFO_CHID:
		return s->info.chid;
	case NTO_F_INFO_SCOID:
		return s->info.scoid;
	case NTO_F_INFO_COID:
		return s->info.coid;
	case NTO_F_INFO_MSGLEN:
		return s->info.msglen;
	case NTO_F_INFO_SRCMSGLEN:
		return s->info.srcmsglen;
	case NTO_F_INFO_DSTMSGLEN:
		return s->info.dstmsglen;
	case NTO_F_INFO_FLAGS:
		return s->info.flags;
	case NTO_F_INFO_PRIORITY:
		return s->info.priority;
	default:
		return -EINVAL;
	}
}

/* Run one command; returns the call's value or -errno. */
static int64_t actor_do(struct actor *s, const struct nto_test_cmd *c)
{
	static char reply[ACTOR_BUF];
	uint64_t ns = (uint64_t)c->b * 1000000u;
	int rcvid = c->a ? c->a : s->last_rcvid;
	int r;

	errno = 0;
	switch (c->op) {
	case NTO_OP_CHANNEL:
		r = ChannelCreate((unsigned)c->a);
		break;
	case NTO_OP_DESTROY:
		r = ChannelDestroy(c->a);
		break;
	case NTO_OP_ATTACH:
		r = ConnectAttach(0, c->a, c->b, (unsigned)c->c, c->d);
		break;
	case NTO_OP_DETACH:
		r = ConnectDetach(c->a);
		break;
	case NTO_OP_SEND:
		if (c->b > ACTOR_BUF || c->c > ACTOR_BUF)
			return -EINVAL;
		r = MsgSend(c->a, s->buf, c->b, reply, c->c);
		break;
	case NTO_OP_PULSE:
		r = MsgSendPulse(c->a, c->b, c->c, c->d);
		break;
	case NTO_OP_RECEIVE:
		r = MsgReceive(c->a, s->buf, ACTOR_BUF, &s->info);
		if (r == 0)
			memcpy(&s->pulse, s->buf, sizeof s->pulse);
		if (r > 0)
			s->last_rcvid = r;
		break;
	case NTO_OP_REPLY:
		if (c->c > ACTOR_BUF)
			return -EINVAL;
		r = MsgReply(rcvid, c->b, reply, c->c);
		break;
	case NTO_OP_ERROR:
		r = MsgError(rcvid, c->b);
		break;
	case NTO_OP_TIMEOUT:
		r = TimerTimeout(CLOCK_MONOTONIC, c->a, NULL, c->c ? NULL : &ns,
				 NULL);
		break;
	case NTO_OP_SERVER_INFO:
		r = ConnectServerInfo(0, c->a, &s->info);
		break;
	case NTO_OP_INFO:
		r = MsgInfo(rcvid, &s->info);
		break;
	case NTO_OP_GET:
		return actor_field(s, c->a);
	default:
		return -EINVAL;
	}
	s->done_ns = nto_test_now_ns();
	return r == -1 ? -(int64_t)errno : r;
}

int nto_test_actor_main(const struct nto_test_link *link, void *arg)
{
	struct actor s;
	struct nto_test_cmd c;

	(void)arg;
	memset(&s, 0, sizeof s);
	s.buf = calloc(1, ACTOR_BUF);
	if (!s.buf)
		return NTO_TEST_CHILD_FAILED;
	for (;;) {
		int rc = read_full(link->rd, &c, sizeof c, ACTOR_IDLE_MS);
		if (rc == -EPIPE)
			return 0; /* the parent is done with us */
		if (rc < 0) {
			fprintf(stderr, "actor %d: no command: %s\n",
				(int)getpid(), strerror(-rc));
			return NTO_TEST_CHILD_FAILED;
		}
		if (c.op == NTO_OP_EXIT)
			return c.a;
		if (nto_test_put(link->wr, actor_do(&s, &c)) < 0)
			return NTO_TEST_CHILD_FAILED;
	}
}

pid_t nto_test_actor(struct nto_test_child *c)
{
	return nto_test_fork(c, nto_test_actor_main, NULL);
}

void nto_test_post_(struct nto_test_child *c, struct nto_test_cmd cmd)
{
	ssize_t n = write(c->wr, &cmd, sizeof cmd); /* < PIPE_BUF: atomic */

	ck_assert_msg(n == (ssize_t)sizeof cmd, "command to actor %d: %s",
		      (int)c->pid, strerror(errno));
}

int64_t nto_test_result(struct nto_test_child *c, int timeout_ms)
{
	int64_t v = 0;
	int rc = nto_test_get(c->rd, &v, timeout_ms);

	ck_assert_msg(rc == 0, "result from actor %d: %s", (int)c->pid,
		      rc == -EPIPE ? "EOF (the actor exited)" : strerror(-rc));
	return v;
}

int64_t nto_test_act_(struct nto_test_child *c, struct nto_test_cmd cmd)
{
	nto_test_post_(c, cmd);
	return nto_test_result(c, NTO_TEST_WAIT_MS);
}

void nto_test_actor_exit(struct nto_test_child *c)
{
	NTO_POST(c, NTO_OP_EXIT, 0);
	nto_test_wait_ok(c, NTO_TEST_WAIT_MS);
}

/* ---- reading pidin --json (the reader is tools/json.c, pidin's) ---- */

/* Parse text, which must hold one JSON value and nothing else but white
 * space; returns the tree (jv_free) or NULL. */
static struct jv *json_parse(const char *text)
{
	const char *end;
	struct jv *root = jv_parse(text, strlen(text), &end);

	if (root && end[strspn(end, " \t\n\r")]) {
		jv_free(root);
		return NULL;
	}
	return root;
}

static int name_in(const char *k, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(k, *names))
			return 1;
	return 0;
}

/* Sum of the lengths of arrays stored under any of `names`, anywhere. */
static int jcount_arrays(const struct jv *v, const char *const *names)
{
	int n = 0;

	if (v->t != J_OBJ && v->t != J_ARR)
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct jv *it = v->vals[i];
		if (v->t == J_OBJ && it->t == J_ARR &&
		    name_in(v->keys[i], names))
			n += (int)it->n;
		n += jcount_arrays(it, names);
	}
	return n;
}

/* ---- pidin --json ---- */

/*
 * Without a built pidin, fetch the same INFO JSON ipcd gives pidin, from a
 * forked child (an AUX control connection of its own, so the test process
 * is never registered): writes it to `out` and _exits.
 */
static void info_child(int out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct {
		struct nto_ctl_hdr h;
		struct nto_ctl_hello b;
	} hello = {{NTO_CTL_HELLO, sizeof hello.b, 1, 0},
		   {NTO_CTL_VERSION, (int32_t)getpid(), NTO_HELLO_AUX}};
	struct {
		struct nto_ctl_hdr h;
		struct nto_ctl_id b;
	} info = {{NTO_CTL_INFO, sizeof info.b, 2, 0}, {NTO_INFO_JSON}};
	static char buf[NTO_CTL_REPLY_MAX];
	const struct nto_ctl_hdr *h = (const void *)buf;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t n;

	if (strlen(fx.sock) >= sizeof sa.sun_path)
		_exit(1);
	memcpy(sa.sun_path, fx.sock, strlen(fx.sock) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    send(fd, &hello, sizeof hello, MSG_NOSIGNAL) != sizeof hello)
		_exit(1);
	n = recv(fd, buf, sizeof buf, 0);
	if (n < (ssize_t)sizeof *h || h->status < 0 ||
	    send(fd, &info, sizeof info, MSG_NOSIGNAL) != sizeof info)
		_exit(1);
	do {
		n = recv(fd, buf, sizeof buf, 0);
		if (n < (ssize_t)sizeof *h || h->status < 0)
			_exit(1);
		if (write(out, buf + sizeof *h, (size_t)n - sizeof *h) < 0)
			_exit(1);
	} while (h->status == 1);
	_exit(0);
}

char *nto_test_pidin_json(void)
{
	static int noted;
	char *argv[] = {(char *)nto_test_pidin_path(), (char *)"--json", NULL};
	char *out = NULL;
	int st;

	if (nto_test_have_pidin()) {
		st = nto_test_run(argv, RUN_WAIT_MS, &out);
	} else {
		if (!noted++)
			fprintf(stderr,
				"fixture: %s is not built; reading ipcd's "
				"INFO directly\n",
				argv[0]);
		st = run_info(RUN_WAIT_MS, &out);
	}
	if (st < 0) {
		errno = -st;
		return NULL;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (out && *out)
			fprintf(stderr, "pidin output: %s\n", out);
		free(out);
		errno = ECHILD;
		return NULL;
	}
	return out;
}

static int pidin_parse(struct jv **root)
{
	char *text = nto_test_pidin_json();

	if (!text)
		return -errno;
	*root = json_parse(text);
	if (!*root)
		fprintf(stderr, "fixture: pidin --json is not JSON:\n%s\n",
			text);
	free(text);
	return *root ? 0 : -EPROTO;
}

static const char *const k_procs[] = {"procs", "processes", NULL};
static const char *const k_channels[] = {"channels", NULL};
static const char *const k_conns[] = {"connections", "conns", "scoids", NULL};
static const char *const k_coids[] = {"coids", NULL};
static const char *const k_paths[] = {"paths", "names", NULL};

/* A count from a summary object ("counts": {"procs": N, ...}) if pidin
 * prints one, else the total length of the arrays of that name. */
static int count_of(const struct jv *root, const char *const *names)
{
	const struct jv *sum = jget(root, "counts");

	if (!sum)
		sum = jget(root, "totals");
	for (const char *const *k = names; sum && *k; k++) {
		const struct jv *v = jget(sum, *k);
		if (v && v->t == J_NUM)
			return (int)v->num;
	}
	return jcount_arrays(root, names);
}

int nto_test_counts_get(struct nto_test_counts *c)
{
	struct jv *root;
	int rc = pidin_parse(&root);

	if (rc < 0)
		return rc;
	c->procs = count_of(root, k_procs);
	c->channels = count_of(root, k_channels);
	c->connections = count_of(root, k_conns);
	c->coids = count_of(root, k_coids);
	c->paths = count_of(root, k_paths);
	jv_free(root);
	return 0;
}

void nto_test_counts(struct nto_test_counts *c)
{
	int rc = nto_test_counts_get(c);

	ck_assert_msg(rc == 0, "pidin --json (%s): %s", nto_test_pidin_path(),
		      rc == -ECHILD ? "failed (see its stderr)"
				    : strerror(-rc));
}

static int counts_eq(const struct nto_test_counts *a,
		     const struct nto_test_counts *b)
{
	return a->procs == b->procs && a->channels == b->channels &&
	       a->connections == b->connections && a->coids == b->coids &&
	       a->paths == b->paths;
}

void nto_test_counts_wait(const struct nto_test_counts *want, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	struct nto_test_counts got;

	for (;;) {
		nto_test_counts(&got);
		if (counts_eq(&got, want) || ms_left(deadline) == 0)
			break;
		poll_pause();
	}
	ck_assert_msg(counts_eq(&got, want),
		      "pidin counts procs/channels/connections/coids/paths "
		      "%d/%d/%d/%d/%d, want %d/%d/%d/%d/%d",
		      got.procs, got.channels, got.connections, got.coids,
		      got.paths, want->procs, want->channels, want->connections,
		      want->coids, want->paths);
}

/* Normalise a state name: upper case, without a "STATE_" prefix. */
static void state_norm(const char *in, char *out, size_t len)
{
	size_t i = 0;

	if (!strncasecmp(in, "STATE_", 6))
		in += 6;
	for (; in[i] && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[i] = '\0';
}

static const char *state_name_of(const struct jv *v)
{
	/* QNX's numbering: STATE_SEND 4, STATE_RECEIVE 5, STATE_REPLY 6 */
	static const char *const names[] = {"SEND", "RECEIVE", "REPLY"};

	if (v->t == J_STR)
		return v->str;
	if (v->t == J_NUM && v->num >= 4 && v->num <= 6)
		return names[(int)v->num - 4];
	return "";
}

/* Count objects with a "state" equal to want, belonging to pid (their own
 * "pid", else the nearest enclosing object's), and to tid if tid != 0. */
static int jcount_state(const struct jv *v, pid_t ctx_pid, pid_t pid, int tid,
			const char *want)
{
	int n = 0;

	if (v->t == J_OBJ) {
		const struct jv *pv = jget(v, "pid");
		const struct jv *sv = jget(v, "state");
		const struct jv *tv = jget(v, "tid");
		char norm[32];

		if (pv && pv->t == J_NUM)
			ctx_pid = (pid_t)pv->num;
		if (sv && ctx_pid == pid &&
		    (tid == 0 || (tv && tv->t == J_NUM && tv->num == tid))) {
			state_norm(state_name_of(sv), norm, sizeof norm);
			if (!strcmp(norm, want))
				n++;
		}
	}
	if (v->t == J_OBJ || v->t == J_ARR)
		for (size_t i = 0; i < v->n; i++)
			n += jcount_state(v->vals[i], ctx_pid, pid, tid, want);
	return n;
}

static int count_state_tid(pid_t pid, int tid, const char *state)
{
	struct jv *root;
	char want[32];
	int rc = pidin_parse(&root);

	if (rc < 0)
		return rc;
	state_norm(state, want, sizeof want);
	rc = jcount_state(root, 0, pid, tid, want);
	jv_free(root);
	return rc;
}

int nto_test_count_state(pid_t pid, const char *state)
{
	return count_state_tid(pid, 0, state);
}

int nto_test_wait_state(pid_t pid, int tid, const char *state, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);

	for (;;) {
		int n = count_state_tid(pid, tid, state);
		if (n < 0)
			return n;
		if (n > 0)
			return 0;
		if (ms_left(deadline) == 0)
			return -ETIMEDOUT;
		poll_pause();
	}
}

void nto_test_await_state(pid_t pid, const char *state, int n, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int got;

	for (;;) {
		got = count_state_tid(pid, 0, state);
		ck_assert_msg(got >= 0, "pidin --json: %s", strerror(-got));
		if (got >= n || ms_left(deadline) == 0)
			break;
		poll_pause();
	}
	ck_assert_msg(got >= n,
		      "pidin shows %d thread(s) of pid %d %s-blocked after %d "
		      "ms, want %d",
		      got, (int)pid, state, timeout_ms, n);
}

/* 1 if the JSON lists a process object with this pid. */
static int jhas_proc(const struct jv *v, pid_t pid)
{
	if (v->t == J_OBJ) {
		for (size_t i = 0; i < v->n; i++) {
			if (v->vals[i]->t == J_ARR &&
			    name_in(v->keys[i], k_procs)) {
				const struct jv *a = v->vals[i];
				for (size_t j = 0; j < a->n; j++) {
					const struct jv *pv =
						jget(a->vals[j], "pid");
					if (pv && pv->t == J_NUM &&
					    pv->num == pid)
						return 1;
				}
			}
		}
	}
	if (v->t == J_OBJ || v->t == J_ARR)
		for (size_t i = 0; i < v->n; i++)
			if (jhas_proc(v->vals[i], pid))
				return 1;
	return 0;
}

int nto_test_wait_gone(pid_t pid, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);

	for (;;) {
		struct jv *root;
		int rc = pidin_parse(&root);

		if (rc < 0)
			return rc;
		rc = jhas_proc(root, pid);
		jv_free(root);
		if (!rc)
			return 0;
		if (ms_left(deadline) == 0)
			return -ETIMEDOUT;
		poll_pause();
	}
}
