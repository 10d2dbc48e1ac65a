/*
 * ntosim-ham's process handling: spawning a server (fork, its own process
 * group, stdin from /dev/null, the NTOSIM_HAM_* environment that
 * nto_heartbeat reads; it execs only once the state file names it),
 * signalling it, and watching it with a pidfd, which
 * works the same for our children and for adopted processes that are not.
 * Deciding what a death means is ham.c's job.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* NTOSIM_HAM_FAULT=POINT=N (tests only; docs/ham.md): the manager
 * SIGKILLs itself at the Nth spawn, at POINT "spawned" (the child exists,
 * the state file does not name it yet) or "saved" (named, not released).
 * Servers never see the variable (NTOSIM_HAM_* is not passed on). */
static void spawn_fault(const char *point)
{
	static int parsed;
	static unsigned want, count;
	static char where[16];
	const char *v;

	if (!parsed) {
		parsed = 1;
		v = getenv("NTOSIM_HAM_FAULT");
		if (v && sscanf(v, "%15[a-z]=%u", where, &want) != 2)
			want = 0;
	}
	if (!want || strcmp(point, where))
		return;
	if (++count == want)
		raise(SIGKILL);
}

/* The child, between fork and exec: async-signal-safe calls only. It
 * waits for the manager's go (one byte on gate) and exits without running
 * the server if the manager died first; an exec failure goes back as an
 * errno on errp (close-on-exec: EOF means the exec worked). */
static void __attribute__((noreturn))
spawn_child(const struct ent *e, char **envp, int gate, int errp)
{
	struct sigaction dfl;
	sigset_t none;
	char go = 0;
	int err, fd;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	/* the manager ignores SIGPIPE and catches the rest; a server
	 * starts with every disposition at its default */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0); /* its own group: ^C is ours */
	while (read(gate, &go, 1) < 0 && errno == EINTR)
		;
	if (go != 'g')
		_exit(127); /* the manager died before naming us */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		goto fail;
	if (fd > 0)
		close(fd);
	if (e->spec.dir && chdir(e->spec.dir) < 0)
		goto fail;
	execvpe(e->spec.argv[0], e->spec.argv, envp);
fail:
	err = errno;
	if (write(errp, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int ent_spawn(struct ent *e)
{
	int gate[2], errp[2], err = 0, st;
	size_t first = 0;
	char **envp;
	ssize_t n;
	pid_t pid;

	envp = build_env(e, &first);
	if (!envp)
		return -ENOMEM;
	if (pipe2(gate, O_CLOEXEC) < 0) {
		err = errno;
		goto out;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		err = errno;
		close(gate[0]);
		close(gate[1]);
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(gate[1]);
		close(errp[0]);
		spawn_child(e, envp, gate[0], errp[1]);
	}
	close(gate[0]);
	close(errp[1]);
	if (pid < 0) {
		err = errno;
		close(gate[1]);
		close(errp[0]);
		goto out;
	}
	/* The server runs only once the state file names it: a manager
	 * killed before that leaves no unrecorded server behind (the child
	 * sees EOF and exits), so a new manager never starts a second one. */
	e->pid = pid;
	e->own = 1;
	e->adopted = 0;
	if (ham_proc_stat(pid, &e->proc_start, NULL) < 0)
		e->proc_start = 0;
	spawn_fault("spawned");
	ham_state_save(e->ham);
	spawn_fault("saved");
	/* a child that died already is noticed like any other death */
	if (write(gate[1], "g", 1) != 1)
		ham_dbg(e->ham, e, "pid %d gone before its start", (int)pid);
	close(gate[1]);
	do
		n = read(errp[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n != (ssize_t)sizeof(err))
		err = 0; /* EOF: the exec worked (or it died: a death) */
	if (err) {
		/* it never ran the server: collect it now */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		e->pid = 0;
		e->own = 0;
	}
out:
	for (size_t i = first; envp[i]; i++)
		free(envp[i]);
	free(envp);
	return -err;
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
