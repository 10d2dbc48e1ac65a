/*
 * ntosim-ham's readiness: one short-lived helper thread per starting
 * instance blocks in nto_path_wait() until ipcd sees the server's ready=
 * path (or name) registered, then posts a note with the moment it woke.
 * ipcd wakes it; nothing polls. The loop decides what the note means (an
 * instance that died meanwhile makes it stale: ham.c checks the gen).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sys/ntosim.h>

#include "ham.h"

struct ready_job {
	struct ham *h;
	int idx;
	uint32_t gen;
	int timeout_ms;
	char path[];
};

static void *ready_thread(void *arg)
{
	struct ready_job *j = arg;
	struct ham_note n;

	memset(&n, 0, sizeof(n));
	n.kind = HAM_NOTE_READY;
	n.idx = j->idx;
	n.gen = j->gen;
	n.err = nto_path_wait(j->path, j->timeout_ms) == 0 ? 0 : errno;
	n.t_ns = ham_now_ns();
	ham_note_post(j->h, &n);
	free(j);
	return NULL;
}

void ent_ready_wait(struct ent *e)
{
	size_t len = strlen(e->spec.ready);
	struct ready_job *j = malloc(sizeof(*j) + len + 1);
	pthread_attr_t at;
	pthread_t t;
	struct ham_note n;
	int rc = ENOMEM;

	if (j) {
		j->h = e->ham;
		j->idx = e->idx;
		j->gen = e->gen;
		j->timeout_ms = e->spec.ready_timeout_ms > INT_MAX
					? INT_MAX
					: (int)e->spec.ready_timeout_ms;
		memcpy(j->path, e->spec.ready, len + 1);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		rc = pthread_create(&t, &at, ready_thread, j);
		pthread_attr_destroy(&at);
		if (rc == 0)
			return;
		free(j);
	}
	/* no thread: say so through the same path, as "cannot wait" */
	memset(&n, 0, sizeof(n));
	n.kind = HAM_NOTE_READY;
	n.idx = e->idx;
	n.gen = e->gen;
	n.err = rc;
	n.t_ns = ham_now_ns();
	ham_note_post(e->ham, &n);
}
