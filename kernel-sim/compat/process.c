/*
 * QNX process creation and priorities on Linux: spawn()/spawnp() with
 * struct inheritance (over posix_spawn), the spawn* family of <process.h>
 * with its P_* modes, and getprio()/setprio() (over ntosim's per-thread
 * message priority). Nothing here talks to ipcd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <process.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/netmgr.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "compat/unsupported.h"

#define NTO_EXPORT __attribute__((visibility("default")))

extern char **environ;

/* Flags spawn() honours; the rest of the known set is refused (ENOTSUP)
 * and unknown bits are EINVAL. */
#define SPAWN_HONOURED                                                       \
	(SPAWN_SETGROUP | SPAWN_SETSIGMASK | SPAWN_SETSIGDEF | SPAWN_SETND | \
	 SPAWN_SETSID | SPAWN_EXPLICIT_SCHED | SPAWN_SETSTACKMAX |           \
	 SPAWN_NOZOMBIE | SPAWN_EXEC | SPAWN_SEARCH_PATH |                   \
	 SPAWN_CHECK_SCRIPT | SPAWN_ALIGN_MASK | SPAWN_PADDR64_SAFE)
#define SPAWN_REFUSED                                               \
	(SPAWN_SETSIGIGN | SPAWN_TCSETPGROUP | SPAWN_EXPLICIT_CPU | \
	 SPAWN_DEBUG | SPAWN_HOLD)

/* Build the posix_spawn attributes and file actions for inherit/fd_map.
 * Returns 0 or an errno value. */
static int spawn_prepare(const char *call, int fd_count, const int fd_map[],
			 const struct inheritance *inh, posix_spawnattr_t *attr,
			 posix_spawn_file_actions_t *fa)
{
	unsigned long fl = inh ? inh->flags : 0;
	short pf = 0;
	int r;

	if (fl & ~(unsigned long)(SPAWN_HONOURED | SPAWN_REFUSED))
		return EINVAL;
	if (fl & SPAWN_REFUSED) {
		return nto__unsupportedf(
			ENOTSUP, "%s(%s)", call,
			fl & SPAWN_SETSIGIGN	  ? "SPAWN_SETSIGIGN"
			: fl & SPAWN_TCSETPGROUP  ? "SPAWN_TCSETPGROUP"
			: fl & SPAWN_EXPLICIT_CPU ? "SPAWN_EXPLICIT_CPU"
						  : "SPAWN_DEBUG/SPAWN_HOLD");
	}
	if ((fl & SPAWN_SETND) && inh->nd != ND_LOCAL_NODE)
		return ENOREMOTE;
	if (fd_count < 0 || (fd_count > 0 && fd_map == NULL))
		return EINVAL;

	if (fl & SPAWN_SETGROUP) {
		pf |= POSIX_SPAWN_SETPGROUP;
		if ((r = posix_spawnattr_setpgroup(attr, inh->pgroup)) != 0)
			return r;
	}
	if (fl & SPAWN_SETSIGMASK) {
		pf |= POSIX_SPAWN_SETSIGMASK;
		if ((r = posix_spawnattr_setsigmask(attr, &inh->sigmask)) != 0)
			return r;
	}
	if (fl & SPAWN_SETSIGDEF) {
		pf |= POSIX_SPAWN_SETSIGDEF;
		r = posix_spawnattr_setsigdefault(attr, &inh->sigdefault);
		if (r != 0)
			return r;
	}
	if (fl & SPAWN_SETSID)
		pf |= POSIX_SPAWN_SETSID;
	if (fl & SPAWN_EXPLICIT_SCHED) {
		pf |= POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSCHEDPARAM;
		if ((r = posix_spawnattr_setschedpolicy(attr, inh->policy)) ||
		    (r = posix_spawnattr_setschedparam(attr, &inh->param)))
			return r;
	}
	if ((r = posix_spawnattr_setflags(attr, pf)) != 0)
		return r;

	if (fd_count > 0) {
		/* Two steps so any permutation works (fd_map {1, 0} swaps):
		 * park every source above all targets and sources, then move
		 * each into place, then close everything from fd_count up. */
		int base = fd_count;

		for (int i = 0; i < fd_count; i++) {
			if (fd_map[i] < SPAWN_FDCLOSED)
				return EBADF;
			if (fd_map[i] >= base)
				base = fd_map[i] + 1;
		}
		for (int i = 0; i < fd_count; i++) {
			if (fd_map[i] == SPAWN_FDCLOSED)
				continue;
			if (fcntl(fd_map[i], F_GETFD) == -1)
				return EBADF;
			r = posix_spawn_file_actions_adddup2(fa, fd_map[i],
							     base + i);
			if (r != 0)
				return r;
		}
		for (int i = 0; i < fd_count; i++) {
			if (fd_map[i] == SPAWN_FDCLOSED)
				continue;
			r = posix_spawn_file_actions_adddup2(fa, base + i, i);
			if (r != 0)
				return r;
		}
		r = posix_spawn_file_actions_addclosefrom_np(fa, fd_count);
		if (r != 0)
			return r;
	}
	return 0;
}

/* posix_spawn(p) into *pid; 0 or an errno value. */
static int spawn_start(pid_t *pid, const char *path, int search,
		       const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[],
		       char *const envp[])
{
	if (search)
		return posix_spawnp(pid, path, fa, attr, argv, envp);
	return posix_spawn(pid, path, fa, attr, argv, envp);
}

/*
 * SPAWN_NOZOMBIE: an intermediate child starts the real one and exits at
 * once; the real child is then adopted by init (or the nearest
 * subreaper), so it never becomes our zombie. Its pid comes back through
 * a pipe.
 */
static int spawn_nozombie(pid_t *out, const char *path, int search,
			  const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[],
			  char *const envp[])
{
	int p[2];
	pid_t mid;
	int st;
	struct {
		int err;
		pid_t pid;
	} res = {0, 0};

	if (pipe2(p, O_CLOEXEC) == -1)
		return errno;
	mid = fork();
	if (mid == -1) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return e;
	}
	if (mid == 0) {
		res.err = spawn_start(&res.pid, path, search, fa, attr, argv,
				      envp);
		_exit(write(p[1], &res, sizeof res) == (ssize_t)sizeof res ? 0
									   : 1);
	}
	close(p[1]);
	ssize_t n;
	do
		n = read(p[0], &res, sizeof res);
	while (n == -1 && errno == EINTR);
	close(p[0]);
	while (waitpid(mid, &st, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof res)
		return ECHILD;
	if (res.err == 0)
		*out = res.pid;
	return res.err;
}

static pid_t spawn_common(const char *call, const char *path, int search,
			  int fd_count, const int fd_map[],
			  const struct inheritance *inh, char *const argv[],
			  char *const envp[])
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	unsigned long fl = inh ? inh->flags : 0;
	pid_t pid = -1;
	int r;

	if (path == NULL || argv == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (envp == NULL)
		envp = environ;
	if (fl & SPAWN_SEARCH_PATH)
		search = 1;
	if ((r = posix_spawnattr_init(&attr)) != 0) {
		errno = r;
		return -1;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		errno = r;
		return -1;
	}
	r = spawn_prepare(call, fd_count, fd_map, inh, &attr, &fa);
	if (r == 0 && (fl & SPAWN_EXEC)) {
		/* Only the plain case can exec in place: attributes and fd
		 * maps need the child setup posix_spawn does. */
		if (fd_count > 0 ||
		    (fl &
		     ~(unsigned long)(SPAWN_EXEC | SPAWN_SEARCH_PATH |
				      SPAWN_CHECK_SCRIPT | SPAWN_ALIGN_MASK |
				      SPAWN_PADDR64_SAFE)) != 0) {
			r = EINVAL;
		} else {
			if (search)
				execvpe(path, argv, envp);
			else
				execve(path, argv, envp);
			r = errno;
		}
	} else if (r == 0 && (fl & SPAWN_NOZOMBIE)) {
		r = spawn_nozombie(&pid, path, search, &fa, &attr, argv, envp);
	} else if (r == 0) {
		r = spawn_start(&pid, path, search, &fa, &attr, argv, envp);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return pid;
}

NTO_EXPORT pid_t spawn(const char *path, int fd_count, const int fd_map[],
		       const struct inheritance *inherit, char *const argv[],
		       char *const envp[])
{
	return spawn_common("spawn", path, 0, fd_count, fd_map, inherit, argv,
			    envp);
}

NTO_EXPORT pid_t spawnp(const char *file, int fd_count, const int fd_map[],
			const struct inheritance *inherit, char *const argv[],
			char *const envp[])
{
	return spawn_common("spawnp", file, 1, fd_count, fd_map, inherit, argv,
			    envp);
}

/* ---- <process.h>: the spawn* family ---- */

static int spawn_mode(int mode, const char *path, int search,
		      char *const argv[], char *const envp[])
{
	struct inheritance inh = {0};
	pid_t pid;
	int st;

	switch (mode) {
	case P_WAIT:
	case P_NOWAIT:
		break;
	case P_OVERLAY:
		inh.flags = SPAWN_EXEC;
		break;
	case P_NOWAITO:
		inh.flags = SPAWN_NOZOMBIE;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	pid = spawn_common(search ? "spawnvpe" : "spawnve", path, search, 0,
			   NULL, &inh, argv, envp);
	if (pid == -1 || mode != P_WAIT)
		return pid;
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return st;
}

NTO_EXPORT int spawnve(int mode, const char *path, char *const *argv,
		       char *const *envp)
{
	return spawn_mode(mode, path, 0, argv, envp);
}

NTO_EXPORT int spawnv(int mode, const char *path, char *const *argv)
{
	return spawn_mode(mode, path, 0, argv, NULL);
}

NTO_EXPORT int spawnvpe(int mode, const char *file, char *const *argv,
			char *const *envp)
{
	return spawn_mode(mode, file, 1, argv, envp);
}

NTO_EXPORT int spawnvp(int mode, const char *file, char *const *argv)
{
	return spawn_mode(mode, file, 1, argv, NULL);
}

/*
 * The list forms' arguments: arg0..NULL into a malloc'd vector (*argvp,
 * the caller frees it) and, with_env, the envp that follows the NULL.
 * 0 or -1 with errno ENOMEM.
 */
static int collect_args(const char *arg0, va_list ap, int with_env,
			char ***argvp, char *const **envpp)
{
	va_list cp;
	size_t n = 1;
	char **argv;

	va_copy(cp, ap);
	if (arg0 != NULL)
		while (va_arg(cp, const char *) != NULL)
			n++;
	va_end(cp);
	argv = malloc((n + 1) * sizeof *argv);
	if (argv == NULL) {
		errno = ENOMEM;
		return -1;
	}
	argv[0] = (char *)arg0;
	if (arg0 != NULL) {
		for (size_t i = 1; i < n; i++)
			argv[i] = va_arg(ap, char *);
		(void)va_arg(ap, char *); /* the terminating NULL */
	}
	argv[arg0 != NULL ? n : 0] = NULL;
	*envpp = with_env ? va_arg(ap, char *const *) : NULL;
	*argvp = argv;
	return 0;
}

static int spawn_list(int mode, const char *path, int search, int with_env,
		      const char *arg0, va_list ap)
{
	char **argv;
	char *const *envp;
	int r;

	if (collect_args(arg0, ap, with_env, &argv, &envp) == -1)
		return -1;
	r = spawn_mode(mode, path, search, argv, envp);
	free(argv);
	return r;
}

NTO_EXPORT int spawnl(int mode, const char *path, const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = spawn_list(mode, path, 0, 0, arg0, ap);
	va_end(ap);
	return r;
}

NTO_EXPORT int spawnle(int mode, const char *path, const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = spawn_list(mode, path, 0, 1, arg0, ap);
	va_end(ap);
	return r;
}

NTO_EXPORT int spawnlp(int mode, const char *file, const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = spawn_list(mode, file, 1, 0, arg0, ap);
	va_end(ap);
	return r;
}

NTO_EXPORT int spawnlpe(int mode, const char *file, const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = spawn_list(mode, file, 1, 1, arg0, ap);
	va_end(ap);
	return r;
}

NTO_EXPORT int execlpe(const char *file, const char *arg0, ...)
{
	va_list ap;
	char **argv;
	char *const *envp;
	int r, e;

	va_start(ap, arg0);
	r = collect_args(arg0, ap, 1, &argv, &envp);
	va_end(ap);
	if (r == -1)
		return -1;
	execvpe(file, argv, envp ? envp : environ);
	e = errno;
	free(argv);
	errno = e;
	return -1;
}

/* ---- <sched.h>: getprio / setprio ---- */

/* 0 when pid names the caller, else -1 with errno ESRCH or ENOTSUP. */
static int prio_target(const char *call, pid_t pid)
{
	if (pid == 0 || pid == getpid())
		return 0;
	if (pid < 0 || (kill(pid, 0) == -1 && errno == ESRCH)) {
		errno = ESRCH;
		return -1;
	}
	errno = nto__unsupportedf(ENOTSUP, "%s(%d): another process's priority",
				  call, (int)pid);
	return -1;
}

NTO_EXPORT int getprio(pid_t pid)
{
	if (prio_target("getprio", pid) == -1)
		return -1;
	return nto_thread_priority();
}

NTO_EXPORT int setprio(pid_t pid, int prio)
{
	int old;

	if (prio_target("setprio", pid) == -1)
		return -1;
	old = nto_thread_priority();
	if (nto_set_thread_priority(prio) == -1)
		return -1;
	return old;
}
