/*
 * ntosim-ham's state file and adoption. The manager records which process
 * runs each server (name, pid, start time, heartbeat id, restarts),
 * rewriting the file atomically on every change, so that if it is killed
 * its servers keep running and the next manager adopts them: it checks
 * each pid against its /proc start time (pid reuse), watches it with a
 * pidfd (it is not our child: no exit status), and carries on. A clean
 * shutdown removes the file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ham.h"

#define STATE_MAGIC "# ntosim-ham state v1"

char *ham_state_default_path(const char *name)
{
	const char *sock = getenv("NTOSIM_SOCKET"), *rt, *slash;
	struct stat st;
	char *p = NULL;
	int rc;

	/* next to ipcd's socket (docs/protocol.md's rules): one state file
	 * per ipcd instance and manager name */
	if (sock && *sock) {
		slash = strrchr(sock, '/');
		if (!slash)
			rc = asprintf(&p, "%s.state", name);
		else
			rc = asprintf(&p, "%.*s/%s.state", (int)(slash - sock),
				      sock, name);
	} else if ((rt = getenv("XDG_RUNTIME_DIR")) && *rt) {
		rc = asprintf(&p, "%s/ntosim/%s.state", rt, name);
	} else if (geteuid() == 0 && stat("/run", &st) == 0 &&
		   S_ISDIR(st.st_mode) && st.st_uid == 0 &&
		   !(st.st_mode & (S_IWGRP | S_IWOTH))) {
		rc = asprintf(&p, "/run/ntosim/%s.state", name); /* root's */
	} else {
		rc = asprintf(&p, "/tmp/ntosim-%u/%s.state", (unsigned)getuid(),
			      name);
	}
	return rc < 0 ? NULL : p;
}

void ham_state_save(struct ham *h)
{
	char *tmp;
	FILE *f;
	int fd;

	if (!h->state_path)
		return;
	if (asprintf(&tmp, "%s.tmp", h->state_path) < 0)
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		static int told;
		if (!told++)
			ham_log(h, NULL,
				"cannot write the state file %s: %s (a new "
				"manager will not adopt the servers)",
				tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return;
	}
	fprintf(f, "%s: name pid starttime heartbeat-id restarts\n",
		STATE_MAGIC);
	fprintf(f, "ham %d\n", (int)getpid());
	for (int i = 0; i < h->n; i++) {
		const struct ent *e = &h->ent[i];

		if (e->pid > 0)
			fprintf(f, "%s %d %llu %u %u\n", e->spec.name,
				(int)e->pid, (unsigned long long)e->proc_start,
				e->hb_id, e->restarts);
	}
	if (fclose(f) != 0 || rename(tmp, h->state_path) < 0)
		unlink(tmp);
	free(tmp);
}

void ham_state_remove(struct ham *h)
{
	if (h->state_path)
		unlink(h->state_path);
}

/* CLOCK_MONOTONIC time at which a process with /proc starttime `ticks`
 * (clock ticks since boot) started. */
static uint64_t start_from_ticks(uint64_t ticks)
{
	struct timespec bt;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t boot_ns, started_ns, now = ham_now_ns();

	if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return now;
	boot_ns = (uint64_t)bt.tv_sec * 1000000000u + (uint64_t)bt.tv_nsec;
	started_ns = ticks * (1000000000u / (uint64_t)hz);
	if (started_ns > boot_ns || boot_ns - started_ns > now)
		return now;
	return now - (boot_ns - started_ns);
}

static int adopt_one(struct ham *h, struct ent *e, pid_t pid,
		     unsigned long long start, unsigned id, unsigned restarts)
{
	uint64_t st = 0;
	char state = '?';
	int rc;

	if (ham_proc_stat(pid, &st, &state) < 0 || st != start ||
	    state == 'Z' || state == 'X') {
		ham_log(h, e, "pid %d of the previous manager is gone",
			(int)pid);
		return 0;
	}
	e->pid = pid;
	e->own = 0;
	e->adopted = 1;
	e->proc_start = st;
	e->hb_id = id;
	e->restarts = restarts;
	e->gen++;
	e->start_ns = start_from_ticks(st);
	rc = ent_watch(e);
	if (rc < 0) {
		ham_log(h, e, "cannot watch pid %d (%s): not adopted", (int)pid,
			strerror(-rc));
		e->pid = 0;
		e->adopted = 0;
		return 0;
	}
	ham_log(h, e,
		"adopted pid %d, running for %.1f s, from the previous "
		"manager (not our child: its exit status will be unknown)",
		(int)pid, (double)(ham_now_ns() - e->start_ns) / 1e9);
	if (e->spec.ready) {
		ent_set_state(e, HAM_ST_STARTING);
		ent_ready_wait(e);
	} else {
		ent_ready(e, ham_now_ns());
	}
	return 1;
}

int ham_state_adopt(struct ham *h)
{
	char line[512], name[HAM_NAME_MAX + 1];
	unsigned long long start;
	unsigned id, restarts;
	int pid, n = 0, lineno = 0;
	FILE *f;

	if (!h->state_path)
		return 0;
	f = fopen(h->state_path, "re");
	if (!f)
		return 0;
	/* the ids the old manager handed out stay valid: start above them */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%32s %d %llu %u %u", name, &pid, &start, &id,
			   &restarts) == 5 &&
		    id >= h->next_hb_id)
			h->next_hb_id = id + 1;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		struct ent *e;

		if (lineno++ == 0 &&
		    strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC))) {
			ham_log(h, NULL, "%s: not a state file; ignored",
				h->state_path);
			break;
		}
		if (sscanf(line, "%32s %d %llu %u %u", name, &pid, &start, &id,
			   &restarts) != 5 ||
		    pid <= 0)
			continue;
		e = ham_find(h, name);
		if (!e) {
			ham_log(h, NULL,
				"%s (pid %d) of the previous manager is not in "
				"the configuration: left running, unmanaged",
				name, pid);
			continue;
		}
		if (e->pid > 0)
			continue;
		n += adopt_one(h, e, (pid_t)pid, start, id, restarts);
	}
	fclose(f);
	return n;
}
