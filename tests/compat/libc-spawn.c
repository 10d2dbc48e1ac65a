/*
 * <process.h> and <spawn.h> as QNX programs use them: spawnl/spawnlp
 * P_WAIT returning the waitpid() status, spawnv P_NOWAIT returning a pid
 * to wait for, spawnle passing an environment, P_NOWAITO leaving no
 * zombie, P_OVERLAY replacing the caller, spawn() with an fd_map, the
 * errors (ENOENT, EINVAL, ENOTSUP, ENOREMOTE), execlpe, gettid, and
 * getprio()/setprio().
 * Run with "overlay" as argv[1], it P_OVERLAYs itself into `sh -c 'exit 7'`.
 */
#include <errno.h>
#include <fcntl.h>
#include <process.h>
#include <sched.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/neutrino.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libc-check.h"

/* argv/envp vectors hold char *; the literals are never written. */
#define S(lit) ((char *)(lit))

/* A pipe whose ends are close-on-exec (QNX has no pipe2). */
static int cloexec_pipe(int p[2])
{
	if (pipe(p) == -1)
		return -1;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static char *const envp_foo[] = {S("FOO=bar"), S("PATH=/bin:/usr/bin"), NULL};

/* Read a pipe to EOF into buf (NUL-terminated); returns the length. */
static size_t slurp(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		CHECK(r > 0);
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	int st;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "overlay") == 0) {
		spawnl(P_OVERLAY, "/bin/sh", "sh", "-c", "exit 7", NULL);
		return 99; /* only reached if the overlay failed */
	}
	if (argc > 1 && strcmp(argv[1], "execlpe") == 0) {
		execlpe("sh", "sh", "-c", "test \"$FOO\" = bar && exit 8", NULL,
			envp_foo);
		return 99;
	}

	/* P_WAIT: the return value is the child's waitpid() status */
	st = spawnl(P_WAIT, "/bin/sh", "sh", "-c", "exit 3", NULL);
	CHECK(st != -1 && WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 3);
	st = spawnlp(P_WAIT, "sh", "sh", "-c", "exit 0", NULL);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = spawnl(P_WAIT, "/bin/sh", "sh", "-c", "kill -TERM $$", NULL);
	CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

	/* P_NOWAIT: a pid the caller waits for */
	char *const av[] = {S("sh"), S("-c"), S("exit 5"), NULL};
	pid = spawnv(P_NOWAIT, "/bin/sh", av);
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);

	/* spawnle / spawnvpe: the child sees exactly envp */
	st = spawnle(P_WAIT, "/bin/sh", "sh", "-c",
		     "test \"$FOO\" = bar && test -z \"$HOME\"", NULL,
		     envp_foo);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *const av2[] = {S("sh"), S("-c"), S("test \"$FOO\" = bar"), NULL};
	st = spawnvpe(P_WAIT, "sh", av2, envp_foo);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* P_NOWAITO: runs (it writes to our pipe) and is never our zombie */
	int p[2];
	char out[64], cmd[64];
	CHECK(pipe(p) == 0); /* not close-on-exec: the child inherits p[1] */
	snprintf(cmd, sizeof cmd, "echo nowaito >&%d", p[1]);
	pid = spawnl(P_NOWAITO, "/bin/sh", "sh", "-c", cmd, NULL);
	CHECK(pid > 0);
	close(p[1]);
	slurp(p[0], out, sizeof out);
	close(p[0]);
	CHECK_STR(out, "nowaito\n");
	errno = 0;
	CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);

	/* spawn() with fd_map: child fd 1 = our pipe, 0 and 2 as ours, fd 3
	 * closed; SPAWN_NOZOMBIE through the inheritance flags */
	CHECK(cloexec_pipe(p) == 0);
	{
		int map[] = {0, p[1], 2, SPAWN_FDCLOSED};
		struct inheritance inh;
		char *const av3[] = {S("sh"), S("-c"),
				     S("echo mapped; (echo x >&3) 2>/dev/null "
				       "|| echo closed"),
				     NULL};

		memset(&inh, 0, sizeof inh);
		inh.flags = SPAWN_NOZOMBIE;
		pid = spawn("/bin/sh", 4, map, &inh, av3, NULL);
		CHECK(pid > 0);
		close(p[1]);
		slurp(p[0], out, sizeof out);
		close(p[0]);
		CHECK_STR(out, "mapped\nclosed\n");
		errno = 0;
		CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);
	}

	/* fd_map can swap descriptors */
	{
		int a[2], b[2];
		CHECK(cloexec_pipe(a) == 0 && cloexec_pipe(b) == 0);
		int map[] = {0, b[1], a[1]}; /* child 1 -> b, child 2 -> a */
		char *const av4[] = {S("sh"), S("-c"),
				     S("echo one; echo two >&2"), NULL};
		pid = spawn("/bin/sh", 3, map, NULL, av4, NULL);
		CHECK(pid > 0);
		close(a[1]);
		close(b[1]);
		slurp(b[0], out, sizeof out);
		CHECK_STR(out, "one\n");
		slurp(a[0], out, sizeof out);
		CHECK_STR(out, "two\n");
		CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
		close(a[0]);
		close(b[0]);
	}

	/* P_OVERLAY: a copy of us replaces itself with sh -c 'exit 7' */
	st = spawnl(P_WAIT, "/proc/self/exe", argv[0], "overlay", NULL);
	CHECK(st != -1 && WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 7);

	/* execlpe: PATH search and the given environment */
	st = spawnl(P_WAIT, "/proc/self/exe", argv[0], "execlpe", NULL);
	CHECK(st != -1 && WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 8);
	CHECK(gettid() == getpid()); /* the main thread */

	/* errors */
	errno = 0;
	CHECK(spawnl(P_WAIT, "/nonexistent/prog", "prog", NULL) == -1);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK(spawnlp(P_NOWAIT, "ntosim-no-such-program", "x", NULL) == -1);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK(spawnl(42, "/bin/sh", "sh", NULL) == -1);
	CHECK_INT(errno, EINVAL);
	{
		struct inheritance inh;
		char *const av5[] = {S("true"), NULL};

		memset(&inh, 0, sizeof inh);
		inh.flags = SPAWN_SETSIGIGN;
		errno = 0;
		CHECK(spawnp("true", 0, NULL, &inh, av5, NULL) == -1);
		CHECK_INT(errno, ENOTSUP);
		inh.flags = SPAWN_SETND;
		inh.nd = 5;
		errno = 0;
		CHECK(spawnp("true", 0, NULL, &inh, av5, NULL) == -1);
		CHECK_INT(errno, ENOREMOTE);
		inh.flags = SPAWN_SETGROUP | SPAWN_SEARCH_PATH;
		inh.pgroup = SPAWN_NEWPGROUP;
		pid = spawn("true", 0, NULL, &inh, av5, NULL);
		CHECK(pid > 0);
		CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
		int bad[] = {0, 1000};
		errno = 0;
		CHECK(spawnp("true", 2, bad, NULL, av5, NULL) == -1);
		CHECK_INT(errno, EBADF);
	}

	/* getprio/setprio: the calling thread's priority, QNX default 10 */
	CHECK_INT(getprio(0), 10);
	CHECK_INT(setprio(0, 20), 10);
	CHECK_INT(getprio(getpid()), 20);
	errno = 0;
	CHECK(setprio(0, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setprio(0, 256) == -1 && errno == EINVAL);
	CHECK_INT(getprio(0), 20);
	errno = 0;
	CHECK(getprio(-5) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(getprio(1) == -1 && errno == ENOTSUP); /* init: not ours */
	return 0;
}
