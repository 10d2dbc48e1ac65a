/*
 * ntosim-ham's process handling: spawning a server (posix_spawnp, its own
 * process group, stdin from /dev/null, the NTOSIM_HAM_* environment that
 * nto_heartbeat reads), signalling it, and watching it with a pidfd, which
 * works the same for our children and for adopted processes that are not.
 * Deciding what a death means is ham.c's job.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <sys/ntosim.h>

#include "ham.h"

extern char **environ;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* environ, minus any NTOSIM_HAM_* of our own, plus the server's env= and
 * the manager's variables. Returns a malloc'd vector of (partly) malloc'd
 * strings; *nalloc strings from index *first on must be freed. */
static char **build_env(const struct ent *e, size_t *first)
{
	size_t n = 0, k = 0, extra = 0;
	char **v;

	while (environ[n])
		n++;
	while (e->spec.env && e->spec.env[extra])
		extra++;
	v = calloc(n + extra + 4, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NTOSIM_HAM_", 11))
			v[k++] = environ[i];
	*first = k;
	for (size_t i = 0; i < extra; i++)
		if (!(v[k++] = strdup(e->spec.env[i])))
			goto nomem;
	if (asprintf(&v[k++], "%s=%s", NTO_HAM_ENV_NAME, e->ham->name) < 0)
		goto nomem_last;
	if (asprintf(&v[k++], "%s=%u", NTO_HAM_ENV_ID, e->hb_id) < 0)
		goto nomem_last;
	if (asprintf(&v[k++], "%s=%llu", NTO_HAM_ENV_PERIOD,
		     (unsigned long long)e->spec.heartbeat_ms) < 0)
		goto nomem_last;
	return v;
nomem_last:
	v[--k] = NULL;
nomem:
	for (size_t i = *first; i < k; i++)
		free(v[i]);
	free(v);
	return NULL;
}

int ent_spawn(struct ent *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, deflt;
	size_t first = 0;
	char **envp;
	pid_t pid;
	int rc;

	envp = build_env(e, &first);
	if (!envp)
		return -ENOMEM;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 29)
	if (e->spec.dir)
		posix_spawn_file_actions_addchdir_np(&fa, e->spec.dir);
#endif
	sigemptyset(&none);
	/* the manager ignores SIGPIPE and SIGHUP and catches the rest; a
	 * server starts with every disposition at its default */
	sigfillset(&deflt);
	sigdelset(&deflt, SIGKILL);
	sigdelset(&deflt, SIGSTOP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setpgroup(&at, 0); /* its own group: ^C is ours */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, e->spec.argv[0], &fa, &at, e->spec.argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	for (size_t i = first; envp[i]; i++)
		free(envp[i]);
	free(envp);
	if (rc)
		return -rc;
	e->pid = pid;
	e->own = 1;
	e->adopted = 0;
	if (ham_proc_stat(pid, &e->proc_start, NULL) < 0)
		e->proc_start = 0;
	return 0;
}

void ent_signal(struct ent *e, int sig)
{
	if (e->pid <= 0)
		return;
	/* A server runs in its own process group (we made it one): signal
	 * the group, so a wrapper's children go too. An adopted process is
	 * checked first, in case it changed group since. */
	if (getpgid(e->pid) == e->pid)
		kill(-e->pid, sig);
	else
		kill(e->pid, sig);
}

int ham_proc_stat(pid_t pid, uint64_t *starttime, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	if (state)
		*state = *p;
	/* p is field 3 (state); starttime is field 22 */
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &st) != 1)
		return -EIO;
	if (starttime)
		*starttime = st;
	return 0;
}

void ent_unwatch(struct ent *e)
{
	if (e->ev_pid) {
		event_free(e->ev_pid);
		e->ev_pid = NULL;
	}
	if (e->pidfd >= 0) {
		close(e->pidfd);
		e->pidfd = -1;
	}
}

int ent_watch(struct ent *e)
{
	int fd = pidfd_open_(e->pid);

	if (fd < 0)
		return -errno;
	e->pidfd = fd;
	e->ev_pid = event_new(e->ham->base, fd, EV_READ | EV_PERSIST,
			      ent_pidfd_cb, e);
	if (!e->ev_pid || event_add(e->ev_pid, NULL) < 0) {
		ent_unwatch(e);
		return -ENOMEM;
	}
	return 0;
}
