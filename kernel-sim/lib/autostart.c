/*
 * The embedded default: when no ipcd answers on the per-user default socket,
 * the first connection of a process starts one (like a D-Bus session bus),
 * detached and race-free; and when none can be had, the one stderr line that
 * names the socket and says how to start one. Not used for reconnects after
 * an ipcd died (retell.c waits for whoever restarts ipcd), nor ever when
 * NTOSIM_SOCKET is set or NTOSIM_AUTOSTART=0.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "proto/sockpath.h"

#ifndef NTOSIM_IPCD_PATH
#define NTOSIM_IPCD_PATH "/usr/bin/ipcd"
#endif
#define SUN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

extern char **environ;

/* why the last autostart did not give us an ipcd, for nto__autostart_tell */
static char fail_why[600];
/* after a failed start, none is tried again before this (CLOCK_MONOTONIC) */
#define RETRY_NS 1000000000ull
static uint64_t retry_ns;

/* ---- raw system calls: libnto interposes open, fcntl, dup2, flock,
 * mkdir, read and close, and the caller holds the control lock ---- */
static int sys_openat(int dfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dfd, path, flags, mode);
}

static void sys_close_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0)
		syscall(SYS_close, fd);
	errno = saved;
}

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

/* The ipcd program: $NTOSIM_IPCD, else the configured install path. */
static const char *ipcd_program(void)
{
	const char *p = getenv("NTOSIM_IPCD");

	return p && *p ? p : NTOSIM_IPCD_PATH;
}

int nto__autostart_enabled(void)
{
	const char *s = getenv(NTO_SOCKET_ENV), *a = getenv("NTOSIM_AUTOSTART");

	if (s && *s)
		return 0; /* an explicit socket: the caller chose an ipcd */
	return !(a && strcmp(a, "0") == 0);
}

/* Does an ipcd answer at path? 0 yes, else connect's -errno (-ENOENT,
 * -ECONNREFUSED: nobody; -EPERM: refused and already told). */
static int probe(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	rc = nto__socket_connect(fd, path, "libnto");
	sys_close_keep_errno(fd);
	return rc;
}

/* The environment ipcd gets: ours without LD_PRELOAD (ntosim-run preloads
 * libnto into the caller; ipcd must not carry it). NULL-terminated, one
 * malloc; NULL when out of memory. */
static char **ipcd_environ(void)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = malloc((n + 1) * sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	return env;
}

/* What the child needs, prepared before it exists (it may not allocate). */
struct spawn {
	const char *prog;
	char *const *argv;
	char *const *envp;
	const char *log;
	int errfd; /* close-on-exec pipe: an exec failure's errno */
};

/* The child of a fork without the atfork handlers (libnto's would take the
 * control lock we hold): only raw system calls, then exec. Never returns. */
static void spawn_child(const struct spawn *s)
{
	struct sigaction dfl;
	sigset_t none;
	int null, log, err, sig, w;

	/* the caller's handlers do not exist in ipcd; nothing runs until
	 * exec (every signal is blocked by our parent). All zero (SIG_DFL,
	 * no flags, empty mask) reads the same as the kernel's struct. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, NSIG / 8);
	syscall(SYS_setsid); /* its own session: not in the caller's process
				group */
	/* the error pipe to fd 3, stdio to /dev/null and the log, and no
	 * other fd of the caller's (a pipe it waits on, a lock it holds) */
	w = (int)syscall(SYS_fcntl, s->errfd, F_DUPFD_CLOEXEC, 10);
	null = sys_openat(AT_FDCWD, "/dev/null", O_RDWR, 0);
	log = sys_openat(AT_FDCWD, s->log,
			 O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
	if (w < 0 || null < 0)
		goto fail;
	syscall(SYS_dup3, null, 0, 0);
	syscall(SYS_dup3, null, 1, 0);
	syscall(SYS_dup3, log >= 0 ? log : null, 2, 0);
	syscall(SYS_dup3, w, 3, O_CLOEXEC);
	w = 3;
	if (syscall(SYS_close_range, 4u, ~0u, 0) < 0) {
		int fd;

		for (fd = 4; fd < 65536; fd++)
			syscall(SYS_close, fd);
	}
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, NSIG / 8);
	syscall(SYS_execve, s->prog, s->argv, s->envp);
fail:
	err = errno;
	if (w >= 0)
		syscall(SYS_write, w, &err, sizeof(err));
	syscall(SYS_exit_group, 127);
	for (;;)
		;
}

/* Start `ipcd -s path` (it daemonizes and its first process exits once the
 * daemon listens) and reap that first process by the deadline. 0 when it
 * reported success; else -errno with fail_why set. */
static int spawn_ipcd(const char *path, const char *log, uint64_t deadline)
{
	const char *prog = ipcd_program();
	char *argv[] = {(char *)"ipcd", (char *)"-s", (char *)path, NULL};
	char **envp = ipcd_environ();
	struct spawn s = {prog, argv, envp, log, -1};
	sigset_t all, old;
	int pfd[2], err = 0, st = 0, rc;
	ssize_t n;
	pid_t pid;

	if (!envp)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		free(envp);
		return rc;
	}
	s.errfd = pfd[1];
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* a fork with exit signal 0: no SIGCHLD to the caller, and no wait()
	 * of the caller's can reap it (only __WALL/__WCLONE waits see it);
	 * all arguments are 0 but the flags, so their order does not matter */
	pid = (pid_t)syscall(SYS_clone, 0ul, 0ul, 0ul, 0ul, 0ul);
	if (pid == 0)
		spawn_child(&s);
	rc = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sys_close_keep_errno(pfd[1]);
	free(envp);
	if (rc < 0) {
		sys_close_keep_errno(pfd[0]);
		snprintf(fail_why, sizeof(fail_why), "cannot fork: %s",
			 strerror(-rc));
		return rc;
	}
	/* EOF: it exec'd (or died before: then waitpid says so) */
	do
		n = (ssize_t)syscall(SYS_read, pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	sys_close_keep_errno(pfd[0]);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG | __WALL);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			st = -1;
			break;
		}
		if (nto__now_ns() >= deadline) {
			/* only ipcd's launcher: the daemon (if any) lives on */
			kill(pid, SIGKILL);
			waitpid(pid, &st, __WALL);
			snprintf(fail_why, sizeof(fail_why),
				 "%s -s %s did not report within %d ms (its "
				 "log: %s)",
				 prog, path, nto__ctl_timeout_ms(), log);
			return -ETIMEDOUT;
		}
		nap_ms(2); /* a bounded wait for its start-up, not a sync */
	}
	if (n == (ssize_t)sizeof(err)) {
		snprintf(fail_why, sizeof(fail_why),
			 "cannot run %s: %s (set NTOSIM_IPCD to the ipcd "
			 "program)",
			 prog, strerror(err));
		return -err;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(fail_why, sizeof(fail_why),
			 "%s -s %s failed (%s %d; its log: %s)", prog, path,
			 WIFEXITED(st) ? "exit status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log);
		return -ECHILD;
	}
	return 0;
}

/* The daemon's pid from ipcd's pid file, 0 if unreadable. */
static long ipcd_pid(const char *path)
{
	char file[SUN_MAX + 8], buf[32];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "%s.pid", path);
	fd = sys_openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return 0;
	n = (ssize_t)syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	sys_close_keep_errno(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Wait for the autostart lock (flock on <socket>.lock in the trusted
 * directory) until the deadline. The fd, or -errno. */
static int lock_take(const char *path, uint64_t deadline)
{
	char file[SUN_MAX + 8];
	int fd;

	snprintf(file, sizeof(file), "%s.lock", path);
	fd = sys_openat(AT_FDCWD, file,
			O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (syscall(SYS_flock, fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		if (err != EWOULDBLOCK && err != EINTR) {
			sys_close_keep_errno(fd);
			return -err;
		}
		if (nto__now_ns() >= deadline) {
			sys_close_keep_errno(fd);
			return -ETIMEDOUT;
		}
		nap_ms(5); /* another process is starting ipcd: bounded */
	}
	return fd;
}

int nto__autostart(void)
{
	char path[SUN_MAX], dir[SUN_MAX], log[SUN_MAX + 8], why[512], *slash;
	uint64_t deadline =
		nto__now_ns() + (uint64_t)nto__ctl_timeout_ms() * 1000000ull;
	int lock, rc;

	if (!nto__autostart_enabled())
		return -ENOTCONN;
	/* a start failed just now: not again at every call (ms later) */
	if (retry_ns && nto__now_ns() < retry_ns)
		return -ENOTCONN;
	fail_why[0] = '\0';
	rc = nto__socket_path(NULL, 0, path, sizeof(path));
	if (rc < 0) {
		snprintf(fail_why, sizeof(fail_why), "socket path: %s",
			 strerror(-rc));
		return rc;
	}
	/* the default directory, private (mkdir is interposed: raw) */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (syscall(SYS_mkdirat, AT_FDCWD, dir, 0700) < 0 &&
		    errno != EEXIST) {
			rc = -errno;
			snprintf(fail_why, sizeof(fail_why), "mkdir %s: %s",
				 dir, strerror(-rc));
			return rc;
		}
	}
	/* files go there only if another user cannot pose as ipcd there */
	rc = nto__socket_trust_dir(path, 1, why, sizeof(why));
	if (rc < 0) {
		snprintf(fail_why, sizeof(fail_why), "%s",
			 rc == -EPERM ? why : strerror(-rc));
		return rc;
	}
	lock = lock_take(path, deadline);
	if (lock < 0) {
		snprintf(fail_why, sizeof(fail_why), "lock %s.lock: %s", path,
			 strerror(-lock));
		return lock;
	}
	/* the winner of a race started it while we waited for the lock */
	rc = probe(path);
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		snprintf(log, sizeof(log), "%s.log", path);
		rc = spawn_ipcd(path, log, deadline);
		if (rc == 0)
			nto__log("no ipcd was running: started %s (pid %ld) "
				 "on %s; it stays up for your later programs "
				 "(log %s; stop it with kill %ld)",
				 ipcd_program(), ipcd_pid(path), path, log,
				 ipcd_pid(path));
	} else if (rc < 0) {
		snprintf(fail_why, sizeof(fail_why), "%s", strerror(-rc));
	}
	sys_close_keep_errno(lock); /* releases the lock */
	retry_ns = rc < 0 ? nto__now_ns() + RETRY_NS : 0;
	return rc;
}

void nto__autostart_tell(void)
{
	static atomic_int told;
	const char *s = getenv(NTO_SOCKET_ENV);
	char path[SUN_MAX];
	int rc;

	if (atomic_exchange(&told, 1))
		return;
	if (nto__socket_path(NULL, 0, path, sizeof(path)) < 0)
		return;
	rc = probe(path);
	if (rc == -EPERM)
		return; /* nto__socket_connect said why */
	if (s && *s)
		nto__log("no ipcd at %s (%s); start one with: ipcd -s %s "
			 "(NTOSIM_SOCKET is set, so none is started for you)",
			 path, rc ? strerror(-rc) : "it does not answer", path);
	else if (fail_why[0])
		nto__log("no ipcd at %s, and starting one failed: %s; start "
			 "one with: ipcd",
			 path, fail_why);
	else
		nto__log("no ipcd at %s (%s); start one with: ipcd "
			 "(NTOSIM_AUTOSTART=0: none is started for you)",
			 path, rc ? strerror(-rc) : "it does not answer");
}
