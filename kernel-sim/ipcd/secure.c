/*
 * QNX 7.1 secure events and shared-memory handles, kept by ipcd because
 * both are promises between two processes that neither may forge.
 *
 * Secure events: a client registers a sigevent and the server allowed to
 * deliver it (by the client's coid to that server, or any server); it gets
 * a handle it sends to the server instead of the event. A server's
 * MsgDeliverEvent on a handle reaches ipcd, which checks that the server
 * has a channel the client is connected to and is the one allowed, then
 * delivers the registered event: a pulse on the client's coid, or a signal.
 *
 * Shm handles: the creator names an open fd and the one process that may
 * open it; ipcd opens the same object through /proc/<creator>/fd/<fd> (the
 * access mode the handle grants, no more than the fd had) and hands that
 * fd, once, to the named process. Unused handles die with their creator.
 * A new ipcd is re-told the secure events by their clients (RESTORE_EVENT);
 * shm handles are lost if ipcd restarts (documented).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "internal.h"

#define EVENTS_PER_PROC	 1024u
#define HANDLES_PER_PROC 256u

struct secevent {
	TAILQ_ENTRY(secevent) link;
	pid_t client;
	pid_t server; /* 0: any server */
	int32_t handle;
	struct nto_ctl_evreg ev;
};

struct shmh {
	TAILQ_ENTRY(shmh) link;
	pid_t creator;
	pid_t target;
	uint32_t handle;
	int flags; /* access mode granted */
	int fd;	   /* ipcd's own open of the object */
};

static TAILQ_HEAD(, secevent) events = TAILQ_HEAD_INITIALIZER(events);
static TAILQ_HEAD(, shmh) handles = TAILQ_HEAD_INITIALIZER(handles);
static int32_t next_event_handle = 1;

void secure_drop_proc(struct proc *p)
{
	struct secevent *e, *en;
	struct shmh *h, *hn;

	for (e = TAILQ_FIRST(&events); e; e = en) {
		en = TAILQ_NEXT(e, link);
		if (e->client == p->pid) {
			TAILQ_REMOVE(&events, e, link);
			free(e);
		}
	}
	for (h = TAILQ_FIRST(&handles); h; h = hn) {
		hn = TAILQ_NEXT(h, link);
		if (h->creator == p->pid || h->target == p->pid) {
			TAILQ_REMOVE(&handles, h, link);
			close(h->fd);
			free(h);
		}
	}
}

/* ---- secure events ---- */

static struct secevent *event_find(pid_t client, int32_t handle)
{
	struct secevent *e;

	TAILQ_FOREACH(e, &events, link)
	{
		if (e->client == client && e->handle == handle)
			return e;
	}
	return NULL;
}

/* A registration's event and server, checked for p; the server's pid (0:
 * any) in *server. Shared by EVENT_REGISTER and the restart area. */
static int evreg_check(struct proc *p, const struct nto_ctl_evreg *in,
		       pid_t *server)
{
	unsigned n = 0;
	struct secevent *e;

	*server = 0;
	switch (in->notify) {
	case SIGEV_PULSE:
		if (!coid_lookup(p, in->coid))
			return -EBADF;
		if (in->priority < -1 || in->priority > 255 ||
		    in->code < -128 || in->code > 127)
			return -EINVAL;
		break;
	case SIGEV_SIGNAL:
	case SIGEV_SIGNAL_CODE:
	case SIGEV_SIGNAL_THREAD:
		if (in->signo <= 0 || in->signo >= NSIG)
			return -EINVAL;
		break;
	case SIGEV_NONE:
		break;
	default:
		return -EINVAL;
	}
	if (in->server_coid != -1) {
		struct coid *co = coid_lookup(p, in->server_coid);

		if (!co)
			return -EBADF;
		*server = co->conn->server_pid;
	}
	TAILQ_FOREACH(e, &events, link)
	{
		if (e->client == p->pid)
			n++;
	}
	return n >= EVENTS_PER_PROC ? -EAGAIN : 0;
}

/* restart area (hamsoak): a registration re-told under its handle */
int secure_restore_event(struct proc *p, int32_t handle,
			 const struct nto_ctl_evreg *in)
{
	struct secevent *e;
	pid_t server;
	int rc;

	if (handle <= 0)
		return -EINVAL;
	rc = evreg_check(p, in, &server);
	if (rc < 0)
		return rc;
	if (event_find(p->pid, handle))
		return -EEXIST;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->client = p->pid;
	e->server = server;
	e->ev = *in;
	e->handle = handle;
	TAILQ_INSERT_TAIL(&events, e, link);
	return 0;
}

int dispatch_event_register(struct req *rq)
{
	const struct nto_ctl_evreg *in = rq->data;
	struct nto_ctl_id *out = rq->rbuf;
	struct secevent *e;
	pid_t server = 0;
	int rc = evreg_check(rq->proc, in, &server);

	if (rc < 0)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->client = rq->proc->pid;
	e->server = server;
	e->ev = *in;
	do {
		e->handle = next_event_handle++;
		if (next_event_handle <= 0)
			next_event_handle = 1;
	} while (event_find(e->client, e->handle));
	TAILQ_INSERT_TAIL(&events, e, link);
	out->id = e->handle;
	rq->rlen = sizeof(*out);
	return 0;
}

int dispatch_event_unregister(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct secevent *e = event_find(rq->proc->pid, in->id);

	if (!e)
		return -ESRCH;
	TAILQ_REMOVE(&events, e, link);
	free(e);
	return 0;
}

int dispatch_event_deliver(struct req *rq)
{
	const struct nto_ctl_evdeliver *in = rq->data;
	struct proc *client = proc_find(in->client_pid);
	struct secevent *e;
	union sigval v;

	if (!client || !conn_is_client_of(client, rq->proc))
		return -ESRCH;
	e = event_find(client->pid, in->handle);
	if (!e)
		return -ESRCH;
	if (e->server && e->server != rq->proc->pid) {
		log_info("pid %d: delivering pid %d's event %d: not the "
			 "server it was registered for",
			 (int)rq->proc->pid, (int)client->pid, (int)in->handle);
		return -EACCES;
	}
	if (in->flags & NTO_EVDELIVER_VERIFY)
		return 0;
	switch (e->ev.notify) {
	case SIGEV_PULSE:
		return conn_deliver_pulse(client, e->ev.coid,
					  e->ev.priority == -1 ? KPULSE_PRIO
							       : e->ev.priority,
					  e->ev.code, e->ev.value);
	case SIGEV_NONE:
		return 0;
	default: /* the signal kinds */
		v.sival_ptr =
			(void *)(uintptr_t)(((uint64_t)(uint32_t)e->ev.value_hi
					     << 32) |
					    (uint32_t)e->ev.value);
		return sigqueue(client->pid, e->ev.signo, v) < 0 ? -errno : 0;
	}
}

/* ---- shm handles ---- */

static struct shmh *handle_find(uint32_t handle)
{
	struct shmh *h;

	TAILQ_FOREACH(h, &handles, link)
	{
		if (h->handle == handle)
			return h;
	}
	return NULL;
}

static uint32_t handle_new(void)
{
	uint32_t v;

	do {
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			v = (uint32_t)random();
	} while (v == 0 || handle_find(v));
	return v;
}

/* The access mode of fd `fd` of process `pid` (from its fdinfo), or -1. */
static int fd_accmode(pid_t pid, int fd)
{
	char path[64], line[128];
	unsigned long flags;
	int mode = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %lo", &flags) == 1) {
			mode = (int)(flags & O_ACCMODE);
			break;
		}
	fclose(f);
	return mode;
}

/* 1 if access mode `want` is no more than `have` grants. */
static int acc_within(int want, int have)
{
	return want == have || have == O_RDWR;
}

int dispatch_shm_handle_create(struct req *rq)
{
	const struct nto_ctl_shmh *in = rq->data;
	struct nto_ctl_shmh *out = rq->rbuf;
	char path[64];
	struct shmh *h;
	unsigned n = 0;
	int fd, have, acc = in->flags & O_ACCMODE;

	if ((in->flags & ~O_ACCMODE) != 0 || acc == O_ACCMODE)
		return -EINVAL;
	if (in->pid <= 0 || kill(in->pid, 0) < 0)
		return -ESRCH;
	if (in->fd < 0)
		return -EBADF;
	TAILQ_FOREACH(h, &handles, link)
	{
		if (h->creator == rq->proc->pid)
			n++;
	}
	if (n >= HANDLES_PER_PROC)
		return -EAGAIN;
	/* The creator's own fd bounds what it can grant (checked here, not
	 * only in its library: ipcd may run with more rights than it). */
	have = fd_accmode(rq->proc->pid, in->fd);
	if (have < 0)
		return -EBADF;
	if (!acc_within(acc, have))
		return -EACCES;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)rq->proc->pid,
		 (int)in->fd);
	fd = open(path, acc | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -EBADF : -EACCES;
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->creator = rq->proc->pid;
	h->target = in->pid;
	h->flags = acc;
	h->fd = fd;
	h->handle = handle_new();
	TAILQ_INSERT_TAIL(&handles, h, link);
	*out = *in;
	out->handle = h->handle;
	rq->rlen = sizeof(*out);
	return 0;
}

int dispatch_shm_handle_open(struct req *rq)
{
	const struct nto_ctl_shmh *in = rq->data;
	struct shmh *h = handle_find(in->handle);
	int acc = in->flags & O_ACCMODE, fd, rc;

	if (!h || h->target != rq->proc->pid)
		return -EINVAL; /* unknown, used, or someone else's */
	if (acc == O_ACCMODE || !acc_within(acc, h->flags))
		return -EACCES;
	TAILQ_REMOVE(&handles, h, link); /* a handle opens once */
	fd = h->fd;
	if (acc != h->flags) { /* less than granted: a new open of it */
		char path[64];
		int lesser;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		lesser = open(path, acc | O_CLOEXEC | O_NOCTTY);
		close(fd);
		if (lesser < 0) {
			free(h);
			return -EACCES;
		}
		fd = lesser;
	}
	free(h);
	rq->noreply = 1;
	rc = peer_send(rq->peer, rq->type, rq->seq, 0, NULL, 0, &fd, 1);
	close(fd);
	if (rc < 0)
		peer_drop(rq->peer,
			  rc == -EAGAIN ? "reply buffer full" : "reply failed");
	return 0;
}
