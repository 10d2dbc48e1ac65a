/*
 * The helpers the check_servers_*.c binaries share (see servers_common.h):
 * server processes from the build tree, host files, and the checks both
 * resource managers must pass.
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

#include "servers/pattern/pattern.h"
#include "tests/unit/fixture.h"
#include "tests/unit/servers_common.h"

/* ---- server processes ---- */

#define MAX_SRV 8
static pid_t srv_pids[MAX_SRV];

const char *builddir(void)
{
	const char *b = getenv("NTOSIM_BUILDDIR");

	return b && *b ? b : ".";
}

/* buf = a/b (asserting it fits); returns buf. */
char *join(char *buf, size_t len, const char *a, const char *b)
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
pid_t srv_spawn_err(const char *prog, const char *const *args, int *errfd)
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

pid_t srv_spawn(const char *prog, const char *const *args)
{
	return srv_spawn_err(prog, args, NULL);
}

/* Read fd (a server's stderr) until a line containing `what` arrives;
 * bounded by W. */
void wait_line(int fd, const char *what)
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
void srv_ready(pid_t pid, const char *regpath)
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

pid_t srv_start(const char *prog, const char *const *args, const char *regpath)
{
	pid_t pid = srv_spawn(prog, args);

	srv_ready(pid, regpath);
	return pid;
}

/* SIGKILL a server and reap it; returns once it is gone (not necessarily
 * processed by ipcd yet: see wait_dead). */
void srv_kill(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	st = nto_test_waitpid(pid, W);
	srv_forget(pid);
	ck_assert_msg(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "server %d: status %d", (int)pid, st);
}

/* Reap a server that is expected to exit by itself; returns its status. */
int srv_reap(pid_t pid)
{
	int st = nto_test_waitpid(pid, W);

	srv_forget(pid);
	ck_assert_msg(st >= 0, "server %d did not exit: %s", (int)pid,
		      strerror(-st));
	return st;
}

void srv_teardown(void)
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
int run_status(const char *prog, const char *const *args)
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

/* The server's open count, through the debug devctl (raw _IO_DEVCTL on
 * the fd, which is the coid). */
int ocb_count(int fd)
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
void ocb_count_wait(int fd, int want)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	int got;

	while ((got = ocb_count(fd)) != want && nto_test_now_ns() < end)
		usleep(1000); /* poll period, not synchronisation */
	ck_assert_int_eq(got, want);
}

/* 1 if plain open() is libnto's (the POSIX layer is built in). */
int posix_layer(void)
{
	Dl_info di;
	void *fn = dlsym(RTLD_DEFAULT, "open");

	return fn && dladdr(fn, &di) && di.dli_fname &&
	       strstr(di.dli_fname, "libnto") != NULL;
}

char *path_in(char *buf, size_t len, const char *name)
{
	return join(buf, len, nto_test_dir(), name);
}

ssize_t read_full(int fd, void *buf, size_t n)
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

void host_write(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* The content of a host file (malloc'd, NUL-terminated; *n its size). */
char *host_read(const char *path, size_t *n)
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

/* Start ntosim-pattern at PAT_PATH (NULL: the default); with errfd, -v
 * and its stderr on a pipe (see srv_spawn_err). */
pid_t pattern_start_err(const char *size, const char *delay, const char *seed,
			int *errfd)
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

pid_t pattern_start(const char *size, const char *delay, const char *seed)
{
	return pattern_start_err(size, delay, seed, NULL);
}

/* A raw _IO_READ asking for more than its reply buffer holds gets (and
 * moves the offset by) only what fits. Same for the file server. */
void short_reply_buffer(int fd)
{
	struct _io_read m = {
		.type = _IO_READ, .combine_len = sizeof m, .nbytes = 1000};
	uint8_t buf[100];

	ck_assert_int_eq(MsgSend(fd, &m, sizeof m, buf, 100), 100);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 100);
}

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
void client_death_closes(const char *path)
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

TCase *tcase(const char *name)
{
	TCase *tc = nto_test_tcase(name);

	tcase_add_checked_fixture(tc, NULL, srv_teardown);
	return tc;
}
