/*
 * ntosim-ham's restart policy as pure functions: the verdict on a death
 * (restart, done, or give up), the back-off delay for a run of consecutive
 * failures, and the restart-intensity window. No processes and no clocks of
 * its own: ham.c passes the time in, and check_ham tests these directly.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ham.h"

uint64_t ham_backoff_delay(const struct ham_spec *s, unsigned streak)
{
	uint64_t d = s->backoff_ms;

	/* The first failure after a stable run restarts at once: a one-off
	 * crash should cost clients only the time to exec and register. */
	if (streak <= 1 || d == 0)
		return 0;
	for (unsigned i = 2; i < streak && d < s->backoff_max_ms; i++)
		d *= 2;
	return d < s->backoff_max_ms ? d : s->backoff_max_ms;
}

int ham_window_admit(struct ham_window *w, const struct ham_spec *s,
		     uint64_t now_ms)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < w->n; i++)
		if (now_ms - w->t[i] < s->period_ms)
			w->t[keep++] = w->t[i];
	w->n = keep;
	if (w->n >= s->intensity)
		return 0;
	if (w->n == w->cap) {
		unsigned cap = w->cap ? w->cap * 2 : 8;
		uint64_t *t = realloc(w->t, cap * sizeof(*t));

		if (!t)
			return 1; /* admit without recording: never hang on
				     ENOMEM */
		w->t = t;
		w->cap = cap;
	}
	w->t[w->n++] = now_ms;
	return 1;
}

void ham_window_clear(struct ham_window *w)
{
	w->n = 0;
}

void ham_window_free(struct ham_window *w)
{
	free(w->t);
	memset(w, 0, sizeof(*w));
}

enum ham_verdict ham_verdict(const struct ham_spec *s, int kind, int code,
			     int forced)
{
	int clean = !forced && kind == HAM_EXIT_CODE && code == 0;

	if (!forced && kind == HAM_EXIT_CODE && s->permanent_exit > 0 &&
	    code == s->permanent_exit)
		return HAM_V_PERMANENT;
	switch (s->restart) {
	case HAM_RESTART_ALWAYS:
		return HAM_V_RESTART;
	case HAM_RESTART_ON_FAILURE:
		/* an adopted process's status is unknown: count it as a
		 * failure, so a server that must stay up does */
		return clean ? HAM_V_EXITED : HAM_V_RESTART;
	case HAM_RESTART_NEVER:
	default:
		return clean ? HAM_V_EXITED : HAM_V_NEVER;
	}
}

static const char *const state_names[HAM_ST_MAX] = {
	[HAM_ST_STOPPED] = "stopped",	[HAM_ST_STARTING] = "starting",
	[HAM_ST_RUNNING] = "running",	[HAM_ST_BACKOFF] = "backoff",
	[HAM_ST_STOPPING] = "stopping", [HAM_ST_EXITED] = "exited",
	[HAM_ST_FAILED] = "failed",
};

const char *ham_state_name(unsigned st)
{
	return st < HAM_ST_MAX ? state_names[st] : "?";
}

int ham_state_parse(const char *name)
{
	for (int i = 0; i < HAM_ST_MAX; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}
