/*
 * <sys/procmgr.h> on Linux: procmgr_daemon (a fork whose child takes over
 * the process in ipcd, so channels and paths made before it survive) and
 * the procmgr_event_* registrations ipcd delivers. Abilities are in
 * ability.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procmgr.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/internal.h"

#define DAEMON_FLAGS                                       \
	(PROCMGR_DAEMON_NOCHDIR | PROCMGR_DAEMON_NOCLOSE | \
	 PROCMGR_DAEMON_NODEVNULL | PROCMGR_DAEMON_KEEPUMASK)

/* Close every descriptor but 0-2 and libnto's control socket; simulated
 * fds through close(), so their resource managers see the _IO_CLOSE. */
static void close_others(void)
{
	int keep = nto__ctl_fd(), n = 0, cap = 0, i;
	int *fds = NULL;
	struct dirent *de;
	DIR *d;

	closelog(); /* syslog reopens its socket when next used */
	d = opendir("/proc/self/fd");
	if (!d) {
		long max = sysconf(_SC_OPEN_MAX);

		for (i = 3; i < (max > 0 && max < 65536 ? max : 65536); i++)
			if (i != keep)
				close(i);
		return;
	}
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd < 3 || fd == keep ||
		    fd == dirfd(d))
			continue;
		if (n == cap) {
			int *nf = realloc(fds, (size_t)(cap ? cap * 2 : 64) *
						       sizeof(*fds));

			if (!nf)
				break;
			fds = nf;
			cap = cap ? cap * 2 : 64;
		}
		fds[n++] = (int)fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static int to_devnull(void)
{
	int fd = open("/dev/null", O_RDWR), i;

	if (fd < 0)
		return -1;
	for (i = 0; i <= 2; i++)
		if (fd != i && dup2(fd, i) < 0) {
			if (fd > 2)
				close(fd);
			return -1;
		}
	if (fd > 2)
		close(fd);
	return 0;
}

NTO_EXPORT int procmgr_daemon(int status, unsigned flags)
{
	pid_t parent = 0, pid;
	uint64_t token = 0;
	int rc, err = 0;

	flags &= DAEMON_FLAGS;
	/* ipcd unreachable: nothing of ours survives in it anyway */
	if (nto__ctl_handover_prepare(&parent, &token) < 0)
		token = 0;
	fflush(NULL); /* what was printed before shows once, in the parent */
	pid = token ? nto__ctl_fork_keep() : fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(status); /* QNX reports status as if exit() were called */
	(void)setsid();
	if (token) {
		rc = nto__ctl_adopt(parent, token, NTO_HANDOVER_ADOPT);
		if (rc < 0) {
			err = -rc;
			fprintf(stderr,
				"procmgr_daemon: ipcd refused the handover "
				"(%s): "
				"the daemon starts without its channels\n",
				strerror(err));
		}
	} else {
		/* registers the new process, unless there is no ipcd */
		(void)nto__ctl_adopt(0, 0, NTO_HANDOVER_DAEMON);
	}
	if (!(flags & PROCMGR_DAEMON_NOCHDIR) && chdir("/") < 0 && !err)
		err = errno;
	if (!(flags & PROCMGR_DAEMON_KEEPUMASK))
		umask(0);
	if (!(flags & PROCMGR_DAEMON_NOCLOSE))
		close_others();
	if (!(flags & PROCMGR_DAEMON_NODEVNULL) && to_devnull() < 0 && !err)
		err = errno;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- procmgr_event_* ---- */

/* One PROC_EVENT request; xflags: NTO_PROC_EVF_HAS_VALUE for a trigger
 * with a value. Returns the ADD's id, 0, or -errno. */
static int event_call(uint32_t op, unsigned flags, const struct sigevent *ev,
		      int id, int value, uint32_t xflags)
{
	struct nto_ctl_proc_event req;
	struct nto_ctl_id rep = {0};
	size_t got = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.events = flags;
	req.id = id;
	req.value = value;
	req.flags = xflags;
	if (ev) {
		switch (SIGEV_GET_TYPE(ev)) {
		case SIGEV_PULSE:
			req.notify = NTO_PROC_NOTIFY_PULSE;
			req.coid = ev->sigev_coid;
			req.priority = ev->sigev_priority;
			if (req.priority == SIGEV_PULSE_PRIO_INHERIT)
				req.priority = nto_thread_priority();
			req.code = ev->sigev_code;
			req.value = ev->sigev_value.sival_int;
			break;
		case SIGEV_SIGNAL:
		case SIGEV_SIGNAL_CODE:
		case SIGEV_SIGNAL_THREAD:
			req.notify = NTO_PROC_NOTIFY_SIGNAL;
			req.signo = ev->sigev_signo;
			req.value = ev->sigev_value.sival_int;
			break;
		case SIGEV_NONE:
			req.notify = NTO_PROC_NOTIFY_NONE;
			break;
		default:
			return -EINVAL;
		}
		if (ev->sigev_notify & SIGEV_FLAG_UPDATEABLE)
			req.flags |= NTO_PROC_EVF_UPDATEABLE;
	}
	rc = nto__ctl_call(NTO_CTL_PROC_EVENT, &req, sizeof(req), &rep,
			   sizeof(rep), &got, NULL, 0, NULL);
	if (rc < 0)
		return rc;
	return op == NTO_PROC_EVENT_ADD ? rep.id : 0;
}

static int ret_errno(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

NTO_EXPORT int procmgr_event_notify(unsigned flags,
				    const struct sigevent *event)
{
	if (!event)
		flags = 0;
	return ret_errno(
		event_call(NTO_PROC_EVENT_NOTIFY, flags, event, 0, 0, 0));
}

NTO_EXPORT int procmgr_event_notify_add(unsigned flags,
					const struct sigevent *event)
{
	if (!event || flags == 0)
		return ret_errno(-EINVAL);
	return ret_errno(event_call(NTO_PROC_EVENT_ADD, flags, event, 0, 0, 0));
}

NTO_EXPORT int procmgr_event_notify_delete(int id)
{
	if (id <= 0)
		return ret_errno(-ESRCH);
	return ret_errno(event_call(NTO_PROC_EVENT_DELETE, 0, NULL, id, 0, 0));
}

NTO_EXPORT int procmgr_event_trigger(unsigned flags)
{
	return ret_errno(
		event_call(NTO_PROC_EVENT_TRIGGER, flags, NULL, 0, 0, 0));
}

NTO_EXPORT int procmgr_event_trigger_updateable(unsigned flags, int value)
{
	return ret_errno(event_call(NTO_PROC_EVENT_TRIGGER, flags, NULL, 0,
				    value, NTO_PROC_EVF_HAS_VALUE));
}
