/*
 * The process table: one record per registered (non-AUX) control socket,
 * found by pid, and each process's id pool (lowest free index >= 1, shared by
 * chids, scoid indices and side-channel coid indices). Death is reaper.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd/internal.h"

static unsigned proc_hash(pid_t pid)
{
	return (unsigned)pid % PROC_HASH;
}

struct proc *proc_find(pid_t pid)
{
	struct proc *p;

	LIST_FOREACH(p, &ipcd.phash[proc_hash(pid)], hlink)
	{
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

/* The command name, for pidin; best effort. */
static void proc_read_name(struct proc *p)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(p->name, sizeof(p->name), "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, p->name, sizeof(p->name) - 1);
	close(fd);
	if (n <= 0) {
		snprintf(p->name, sizeof(p->name), "?");
		return;
	}
	p->name[n] = '\0';
	p->name[strcspn(p->name, "\n")] = '\0';
}

int proc_create(struct peer *pe, struct proc **out)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->serial = ++ipcd.next_proc_serial;
	p->pid = pe->pid;
	p->uid = pe->uid;
	p->gid = pe->gid;
	p->peer = pe;
	TAILQ_INIT(&p->chans);
	TAILQ_INIT(&p->coids);
	TAILQ_INIT(&p->cconns);
	proc_read_name(p);
	TAILQ_INSERT_TAIL(&ipcd.procs, p, link);
	LIST_INSERT_HEAD(&ipcd.phash[proc_hash(p->pid)], p, hlink);
	ipcd.nprocs++;
	*out = p;
	return 0;
}

/* Frees the record only; reaper_proc_death() has emptied it first. */
void proc_free(struct proc *p)
{
	size_t sz;

	if (!p)
		return;
	sz = sizeof(*p) + p->nids * sizeof(*p->ids);
	conn_spare_drop(p);
	TAILQ_REMOVE(&ipcd.procs, p, link);
	LIST_REMOVE(p, hlink);
	ipcd.nprocs--;
	free(p->ids);
	free(p);
	quota_freed(sz);
}

/* Room for ids below `need` (the pool grows by doubling, as ids are
 * taken: most processes use a handful). */
static int ids_grow(struct proc *p, unsigned need)
{
	unsigned cap = p->nids ? p->nids : 16;
	struct id_ent *n;

	if (need <= p->nids)
		return 0;
	if (need > NTO_IDS_MAX)
		return -EMFILE;
	while (cap < need)
		cap *= 2;
	if (cap > NTO_IDS_MAX)
		cap = NTO_IDS_MAX;
	n = realloc(p->ids, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n + p->nids, 0, (cap - p->nids) * sizeof(*n));
	p->ids = n;
	p->nids = cap;
	return 0;
}

int proc_id_alloc(struct proc *p, enum id_kind kind, void *obj)
{
	unsigned i;

	for (i = p->ids_hint > 1 ? p->ids_hint : 1; i < p->nids; i++)
		if (p->ids[i].kind == ID_FREE)
			break;
	if (i >= p->nids && ids_grow(p, i + 1) < 0)
		return -EMFILE;
	p->ids[i].kind = (uint8_t)kind;
	p->ids[i].obj = obj;
	p->ids_hint = i + 1;
	return (int)i;
}

int proc_id_claim(struct proc *p, int idx, enum id_kind kind, void *obj)
{
	if (idx <= 0 || idx >= NTO_IDS_MAX || ids_grow(p, (unsigned)idx + 1))
		return -EBUSY;
	if (p->ids[idx].kind != ID_FREE)
		return -EBUSY;
	p->ids[idx].kind = (uint8_t)kind;
	p->ids[idx].obj = obj;
	return 0;
}

int proc_id_is_free(const struct proc *p, int idx)
{
	return idx > 0 && idx < NTO_IDS_MAX &&
	       ((unsigned)idx >= p->nids || p->ids[idx].kind == ID_FREE);
}

void proc_id_free(struct proc *p, int idx)
{
	if (idx <= 0 || (unsigned)idx >= p->nids)
		return;
	p->ids[idx].kind = ID_FREE;
	p->ids[idx].obj = NULL;
	if ((unsigned)idx < p->ids_hint)
		p->ids_hint = (unsigned)idx;
}

void *proc_id_get(struct proc *p, int idx, enum id_kind kind)
{
	if (idx <= 0 || (unsigned)idx >= p->nids || p->ids[idx].kind != kind)
		return NULL;
	return p->ids[idx].obj;
}

/* A process continues under another pid (procmgr_daemon's child). */
void proc_rekey(struct proc *p, pid_t pid)
{
	LIST_REMOVE(p, hlink);
	p->pid = pid;
	LIST_INSERT_HEAD(&ipcd.phash[proc_hash(pid)], p, hlink);
	proc_read_name(p);
}
