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
	p->ids = calloc(NTO_IDS_MAX, sizeof(*p->ids));
	if (!p->ids) {
		free(p);
		return -ENOMEM;
	}
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
	if (!p)
		return;
	conn_spare_drop(p);
	TAILQ_REMOVE(&ipcd.procs, p, link);
	LIST_REMOVE(p, hlink);
	ipcd.nprocs--;
	free(p->ids);
	free(p);
	quota_freed(sizeof(*p) + NTO_IDS_MAX * sizeof(*p->ids));
}

int proc_id_alloc(struct proc *p, enum id_kind kind, void *obj)
{
	int i;

	for (i = 1; i < NTO_IDS_MAX; i++) {
		if (p->ids[i].kind == ID_FREE) {
			p->ids[i].kind = (uint8_t)kind;
			p->ids[i].obj = obj;
			return i;
		}
	}
	return -EMFILE;
}

void proc_id_free(struct proc *p, int idx)
{
	if (idx <= 0 || idx >= NTO_IDS_MAX)
		return;
	p->ids[idx].kind = ID_FREE;
	p->ids[idx].obj = NULL;
}

void *proc_id_get(struct proc *p, int idx, enum id_kind kind)
{
	if (idx <= 0 || idx >= NTO_IDS_MAX || p->ids[idx].kind != kind)
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
