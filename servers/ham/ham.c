/*
 * ntosim-ham's supervisor: one libevent loop that owns every server's
 * state. It starts servers, learns of each death at once (pidfd, with
 * SIGCHLD as a second path), applies the restart policy (policy.c), times
 * back-off, readiness (ready.c), heartbeats and stops, and shuts down
 * cleanly on SIGTERM. Helper threads never touch this state: they post
 * notes through a pipe (ham_note_post). Options are main.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ham.h"

#define MS(ns) ((double)(ns) / 1e6)

uint64_t ham_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void log_v(struct ham *h, const struct ent *e, const char *fmt,
		  va_list ap) __attribute__((format(printf, 3, 0)));
static void log_v(struct ham *h, const struct ent *e, const char *fmt,
		  va_list ap)
{
	char buf[1024];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, sizeof(buf),
		     "%02d:%02d:%02d.%03ld ntosim-ham: ", tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000);
	if (e)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "%s: ", e->spec.name);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	/* one write per line: lines from the manager and its servers, which
	 * share the stream, never interleave mid-line */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		(void)h;
}

void ham_log(struct ham *h, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(h, e, fmt, ap);
	va_end(ap);
}

void ham_dbg(struct ham *h, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	if (!h->verbose)
		return;
	va_start(ap, fmt);
	log_v(h, e, fmt, ap);
	va_end(ap);
}

void ham_note_post(struct ham *h, const struct ham_note *n)
{
	const char *p = (const char *)n;
	size_t left = sizeof(*n);

	/* sizeof(*n) < PIPE_BUF: one write is atomic */
	while (left > 0) {
		ssize_t w = write(h->note_wr, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		left -= (size_t)w;
	}
}

struct ent *ham_find(struct ham *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (!strcmp(h->ent[i].spec.name, name))
			return &h->ent[i];
	return NULL;
}

void ent_set_state(struct ent *e, enum ham_state st)
{
	if (e->state != st)
		ham_dbg(e->ham, e, "state %s -> %s", ham_state_name(e->state),
			ham_state_name(st));
	e->state = st;
	ham_waiters_check(e->ham, e);
}

static void ham_check_done(struct ham *h)
{
	if (!h->shutting_down)
		return;
	for (int i = 0; i < h->n; i++)
		if (h->ent[i].pid > 0)
			return;
	event_base_loopbreak(h->base);
}

static const char *restart_name(enum ham_restart r)
{
	return r == HAM_RESTART_ALWAYS	     ? "always"
	       : r == HAM_RESTART_ON_FAILURE ? "on-failure"
					     : "never";
}

static void hb_arm(struct ent *e)
{
	struct timeval tv = {(time_t)(e->spec.heartbeat_ms / 1000),
			     (suseconds_t)(e->spec.heartbeat_ms % 1000) * 1000};

	if (e->spec.heartbeat_ms && e->ham->ipc_ok && e->pid > 0)
		evtimer_add(e->ev_hb, &tv);
}

static void timer_arm(struct ent *e, uint64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000),
			     (suseconds_t)(ms % 1000) * 1000};

	evtimer_add(e->ev_timer, &tv);
}

void ent_ready(struct ent *e, uint64_t t_ns)
{
	struct ham *h = e->ham;

	if (t_ns < e->start_ns)
		t_ns = e->start_ns;
	e->ready_ns = t_ns;
	e->spawn_ms = (int64_t)((t_ns - e->start_ns) / 1000000);
	if (e->recovering && e->death_ns && t_ns >= e->death_ns) {
		e->ready_ms = (int64_t)((t_ns - e->death_ns) / 1000000);
		ham_log(h, e,
			"ready: pid %d%s%s, %.3f ms after the death of pid "
			"%d (%.3f ms after spawn)",
			(int)e->pid, e->spec.ready ? " registered " : "",
			e->spec.ready ? e->spec.ready : "",
			MS(t_ns - e->death_ns), (int)e->dead_pid,
			MS(t_ns - e->start_ns));
	} else if (e->adopted) {
		e->ready_ms = e->spawn_ms = -1;
		ham_log(h, e, "ready: adopted pid %d%s%s", (int)e->pid,
			e->spec.ready ? " has registered " : "",
			e->spec.ready ? e->spec.ready : "");
	} else {
		e->ready_ms = e->spawn_ms;
		ham_log(h, e, "ready: pid %d%s%s, %.3f ms after spawn",
			(int)e->pid, e->spec.ready ? " registered " : "",
			e->spec.ready ? e->spec.ready : "",
			MS(t_ns - e->start_ns));
	}
	e->recovering = 0;
	e->beat_ns = ham_now_ns();
	hb_arm(e);
	ent_set_state(e, HAM_ST_RUNNING);
}

void ent_start(struct ent *e)
{
	struct ham *h = e->ham;
	int rc;

	if (h->shutting_down)
		return;
	evtimer_del(e->ev_timer);
	evtimer_del(e->ev_hb);
	e->gen++;
	e->hb_id = h->next_hb_id++;
	e->killing = HAM_KILL_NONE;
	e->after_stop = 0;
	e->beats = 0;
	e->reason[0] = '\0';
	e->start_ns = ham_now_ns();
	rc = ent_spawn(e);
	if (rc < 0) {
		e->pid = 0;
		e->exit_kind = HAM_EXIT_EXEC;
		e->exit_code = -rc;
		snprintf(e->reason, sizeof(e->reason), "cannot execute: %s",
			 strerror(-rc));
		ham_log(h, e, "cannot execute %s: %s; not retrying",
			e->spec.argv[0], strerror(-rc));
		ent_set_state(e, HAM_ST_FAILED);
		ham_state_save(h);
		return;
	}
	rc = ent_watch(e);
	if (rc < 0)
		ham_log(h, e, "pidfd_open(%d): %s; SIGCHLD alone will tell",
			(int)e->pid, strerror(-rc));
	ham_log(h, e, "started pid %d: %s%s", (int)e->pid, e->spec.argv[0],
		e->spec.argv[1] ? " ..." : "");
	if (e->spec.ready) {
		ent_set_state(e, HAM_ST_STARTING);
		ent_ready_wait(e);
	} else {
		ent_ready(e, e->start_ns);
	}
	ham_state_save(h);
}

/* "exited with code 3", "killed by signal 9 (Killed)", ... */
static void describe_exit(const struct ent *e, char *buf, size_t len)
{
	switch (e->exit_kind) {
	case HAM_EXIT_CODE:
		snprintf(buf, len, "exited with code %d", e->exit_code);
		break;
	case HAM_EXIT_SIGNAL:
		snprintf(buf, len, "killed by signal %d (%s)", e->exit_code,
			 strsignal(e->exit_code));
		break;
	case HAM_EXIT_UNKNOWN:
		snprintf(buf, len,
			 "died (adopted, not our child: exit status unknown)");
		break;
	default:
		snprintf(buf, len, "ended");
		break;
	}
}

static void ent_died(struct ent *e, int kind, int code)
{
	struct ham *h = e->ham;
	uint64_t now = ham_now_ns(), up = now - e->start_ns, delay;
	int forced = e->killing == HAM_KILL_HEARTBEAT ||
		     e->killing == HAM_KILL_READY;
	char what[128];

	ent_unwatch(e);
	evtimer_del(e->ev_hb);
	evtimer_del(e->ev_timer);
	e->dead_pid = e->pid;
	e->pid = 0;
	e->own = 0;
	e->death_ns = now;
	e->exit_kind = kind;
	e->exit_code = code;
	describe_exit(e, what, sizeof(what));
	ham_log(h, e, "pid %d %s, up %.3f s", (int)e->dead_pid, what,
		(double)up / 1e9);

	if (e->state == HAM_ST_STOPPING || h->shutting_down) {
		if (e->after_stop && !h->shutting_down) {
			e->recovering = 0;
			ent_start(e);
		} else {
			ent_set_state(e, HAM_ST_STOPPED);
		}
		ham_state_save(h);
		ham_check_done(h);
		return;
	}
	switch (ham_verdict(&e->spec, kind, code, forced)) {
	case HAM_V_EXITED:
		snprintf(e->reason, sizeof(e->reason), "%.40s (restart=%s)",
			 what, restart_name(e->spec.restart));
		ham_log(h, e, "done: not restarted (restart=%s)",
			restart_name(e->spec.restart));
		ent_set_state(e, HAM_ST_EXITED);
		break;
	case HAM_V_NEVER:
		snprintf(e->reason, sizeof(e->reason), "%.40s (restart=never)",
			 what);
		ham_log(h, e, "failed: not restarted (restart=never)");
		ent_set_state(e, HAM_ST_FAILED);
		break;
	case HAM_V_PERMANENT:
		snprintf(e->reason, sizeof(e->reason),
			 "permanent failure (exit %d)", code);
		ham_log(h, e,
			"permanent failure: exit code %d means do not "
			"restart",
			code);
		ent_set_state(e, HAM_ST_FAILED);
		break;
	case HAM_V_RESTART:
		e->streak = up >= e->spec.backoff_reset_ms * 1000000u
				    ? 1
				    : e->streak + 1;
		if (!ham_window_admit(&e->window, &e->spec, now / 1000000u)) {
			snprintf(e->reason, sizeof(e->reason),
				 "gave up: %u restarts in %.3g s",
				 e->spec.intensity,
				 (double)e->spec.period_ms / 1000);
			ham_log(h, e,
				"giving up: already %u restarts within %.3g s "
				"(intensity %u/%.3g s); not restarted",
				e->spec.intensity,
				(double)e->spec.period_ms / 1000,
				e->spec.intensity,
				(double)e->spec.period_ms / 1000);
			ent_set_state(e, HAM_ST_FAILED);
			break;
		}
		delay = ham_backoff_delay(&e->spec, e->streak);
		e->backoff_ms = delay;
		e->recovering = 1;
		if (delay == 0) {
			ham_log(h, e,
				"restarting now (restart %u, failure streak "
				"%u, back-off 0 ms)",
				e->restarts + 1, e->streak);
			e->restarts++;
			ent_start(e);
		} else {
			ham_log(h, e,
				"restarting in %llu ms (restart %u, failure "
				"streak %u, back-off %llu ms)",
				(unsigned long long)delay, e->restarts + 1,
				e->streak, (unsigned long long)delay);
			e->restart_at_ns = now + delay * 1000000u;
			ent_set_state(e, HAM_ST_BACKOFF);
			timer_arm(e, delay);
		}
		break;
	}
	ham_state_save(h);
}

/* The process may have ended: collect its status if it is our child. */
static void ent_reap(struct ent *e)
{
	int st, kind = HAM_EXIT_UNKNOWN, code = 0;

	if (e->pid <= 0)
		return;
	if (e->own) {
		pid_t r = waitpid(e->pid, &st, WNOHANG);

		if (r == 0)
			return; /* still running: a spurious wake-up */
		if (r == e->pid && WIFEXITED(st)) {
			kind = HAM_EXIT_CODE;
			code = WEXITSTATUS(st);
		} else if (r == e->pid && WIFSIGNALED(st)) {
			kind = HAM_EXIT_SIGNAL;
			code = WTERMSIG(st);
		}
	}
	ent_died(e, kind, code);
}

void ent_pidfd_cb(evutil_socket_t fd, short what, void *arg)
{
	ent_reap(arg);
}

static void sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ham *h = arg;

	for (int i = 0; i < h->n; i++)
		if (h->ent[i].own && h->ent[i].pid > 0)
			ent_reap(&h->ent[i]);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ent *e = arg;

	if (e->state == HAM_ST_BACKOFF) {
		e->restarts++;
		ent_start(e);
	} else if (e->state == HAM_ST_STOPPING && e->pid > 0) {
		ham_log(e->ham, e,
			"pid %d still running %llu ms after SIGTERM: SIGKILL",
			(int)e->pid,
			(unsigned long long)e->spec.stop_timeout_ms);
		ent_signal(e, SIGKILL);
	}
}

static void hb_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ent *e = arg;
	char st = '?';

	if (e->state != HAM_ST_RUNNING || e->pid <= 0 || !e->ham->ipc_ok)
		return;
	ham_proc_stat(e->pid, NULL, &st);
	ham_log(e->ham, e,
		"no heartbeat for %.0f ms (period %llu ms, process state "
		"%c%s): killing pid %d",
		MS(ham_now_ns() - e->beat_ns),
		(unsigned long long)e->spec.heartbeat_ms, st,
		st == 'T' ? ", stopped" : "", (int)e->pid);
	e->killing = HAM_KILL_HEARTBEAT;
	ent_signal(e, SIGKILL);
}

void ent_stop(struct ent *e, int after)
{
	struct ham *h = e->ham;

	switch (e->state) {
	case HAM_ST_STARTING:
	case HAM_ST_RUNNING:
		if (e->pid <= 0)
			break;
		e->after_stop = after;
		e->killing = HAM_KILL_STOP;
		evtimer_del(e->ev_hb);
		ham_log(h, e, "stopping pid %d: SIGTERM, SIGKILL after %llu ms",
			(int)e->pid,
			(unsigned long long)e->spec.stop_timeout_ms);
		ent_set_state(e, HAM_ST_STOPPING);
		ent_signal(e, SIGTERM);
		ent_signal(e, SIGCONT); /* a stopped process must see it */
		timer_arm(e, e->spec.stop_timeout_ms);
		return;
	case HAM_ST_STOPPING:
		e->after_stop = after;
		return;
	case HAM_ST_BACKOFF:
		evtimer_del(e->ev_timer);
		if (after && !h->shutting_down) {
			e->restarts++;
			ent_start(e);
		} else {
			ent_set_state(e, HAM_ST_STOPPED);
		}
		return;
	default:
		if (after && !h->shutting_down)
			ent_start(e);
		return;
	}
}

void ham_shutdown(struct ham *h)
{
	if (h->shutting_down)
		return;
	h->shutting_down = 1;
	ham_log(h, NULL, "shutting down: stopping every server");
	for (int i = 0; i < h->n; i++)
		ent_stop(&h->ent[i], 0);
	ham_check_done(h);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ham *h = arg;

	if (sig == SIGHUP) {
		ham_log(h, NULL,
			"SIGHUP: configuration reload is not "
			"supported; ignored");
		return;
	}
	ham_log(h, NULL, "%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	ham_shutdown(h);
}

static void note_ready(struct ham *h, const struct ham_note *n)
{
	struct ent *e;

	if (n->idx < 0 || n->idx >= h->n)
		return;
	e = &h->ent[n->idx];
	if (e->gen != n->gen || e->state != HAM_ST_STARTING || e->pid <= 0)
		return; /* an instance that is gone already */
	if (n->err == 0) {
		ent_ready(e, n->t_ns);
	} else if (n->err == ETIMEDOUT) {
		ham_log(h, e,
			"%s not registered within %llu ms: killing pid %d",
			e->spec.ready,
			(unsigned long long)e->spec.ready_timeout_ms,
			(int)e->pid);
		e->killing = HAM_KILL_READY;
		ent_signal(e, SIGKILL);
	} else {
		ham_log(h, e, "cannot wait for %s (%s): taking it as ready",
			e->spec.ready, strerror(n->err));
		ent_ready(e, n->t_ns);
	}
	ham_state_save(h);
}

static void note_beat(struct ham *h, const struct ham_note *n)
{
	for (int i = 0; i < h->n; i++) {
		struct ent *e = &h->ent[i];

		if (e->pid <= 0 || e->hb_id != n->value)
			continue;
		e->beat_ns = n->t_ns;
		e->beats++;
		if (e->state == HAM_ST_RUNNING)
			hb_arm(e); /* pushes the deadline out */
		return;
	}
}

static void note_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ham *h = arg;
	struct ham_note n;

	for (;;) {
		ssize_t r = read(fd, &n, sizeof(n));

		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(n))
			return;
		switch (n.kind) {
		case HAM_NOTE_READY:
			note_ready(h, &n);
			break;
		case HAM_NOTE_BEAT:
			note_beat(h, &n);
			break;
		case HAM_NOTE_REQ:
		case HAM_NOTE_UNBLOCK:
			ham_control_request(h, &n);
			break;
		case HAM_NOTE_IPC_DOWN:
			/* ipcd is the kernel: without it no server can
			 * work, and a new ipcd needs new servers. Stop
			 * them and let whoever runs us decide. */
			h->ipc_ok = 0;
			ham_log(h, NULL,
				"control channel lost (%s): ipcd is "
				"gone; stopping",
				strerror(n.err));
			for (int i = 0; i < h->n; i++)
				evtimer_del(h->ent[i].ev_hb);
			h->exit_code = 1;
			ham_shutdown(h);
			break;
		default:
			break;
		}
	}
}

int ham_init(struct ham *h, struct ham_config *cfg)
{
	int fds[2];

	h->base = event_base_new();
	if (!h->base)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	h->note_rd = fds[0];
	h->note_wr = fds[1];
	fcntl(h->note_rd, F_SETFL, O_NONBLOCK);
	h->ev_note = event_new(h->base, h->note_rd, EV_READ | EV_PERSIST,
			       note_cb, h);
	h->ev_sigchld = evsignal_new(h->base, SIGCHLD, sigchld_cb, h);
	h->ev_sigterm = evsignal_new(h->base, SIGTERM, signal_cb, h);
	h->ev_sigint = evsignal_new(h->base, SIGINT, signal_cb, h);
	h->ev_sighup = evsignal_new(h->base, SIGHUP, signal_cb, h);
	if (!h->ev_note || !h->ev_sigchld || !h->ev_sigterm || !h->ev_sigint ||
	    !h->ev_sighup)
		return -ENOMEM;
	event_add(h->ev_note, NULL);
	event_add(h->ev_sigchld, NULL);
	event_add(h->ev_sigterm, NULL);
	event_add(h->ev_sigint, NULL);
	event_add(h->ev_sighup, NULL);
	signal(SIGPIPE, SIG_IGN);

	h->ent = calloc((size_t)(cfg->n ? cfg->n : 1), sizeof(*h->ent));
	if (!h->ent)
		return -ENOMEM;
	h->n = cfg->n;
	h->next_hb_id = 1;
	h->start_ns = ham_now_ns();
	for (int i = 0; i < cfg->n; i++) {
		struct ent *e = &h->ent[i];

		e->ham = h;
		e->idx = i;
		e->spec = cfg->spec[i]; /* moved: the config forgets it */
		memset(&cfg->spec[i], 0, sizeof(cfg->spec[i]));
		e->pidfd = -1;
		e->ready_ms = e->spawn_ms = -1;
		e->state = HAM_ST_STOPPED;
		e->ev_timer = evtimer_new(h->base, timer_cb, e);
		e->ev_hb = evtimer_new(h->base, hb_cb, e);
		if (!e->ev_timer || !e->ev_hb)
			return -ENOMEM;
	}
	return 0;
}

int ham_run(struct ham *h)
{
	int adopted, rc;

	rc = ham_control_start(h);
	if (rc < 0)
		return 1;
	adopted = ham_state_adopt(h);
	for (int i = 0; i < h->n; i++) {
		struct ent *e = &h->ent[i];

		if (e->pid > 0)
			continue; /* adopted */
		if (e->spec.autostart)
			ent_start(e);
		else
			ham_log(h, e, "not started (start=no)");
	}
	ham_state_save(h);
	ham_log(h, NULL, "managing %d server%s (%d adopted); control name %s",
		h->n, h->n == 1 ? "" : "s", adopted, h->name);
	event_base_dispatch(h->base);
	ham_state_remove(h);
	ham_log(h, NULL, "all servers stopped; exiting");
	ham_control_stop(h);
	return h->exit_code;
}

void ham_free(struct ham *h)
{
	ham_control_stop(h); /* ham_run's early returns */
	for (int i = 0; i < h->n; i++) {
		struct ent *e = &h->ent[i];

		ent_unwatch(e);
		if (e->ev_timer)
			event_free(e->ev_timer);
		if (e->ev_hb)
			event_free(e->ev_hb);
		ham_window_free(&e->window);
		ham_spec_free(&e->spec);
	}
	free(h->ent);
	if (h->ev_note)
		event_free(h->ev_note);
	if (h->ev_sigchld)
		event_free(h->ev_sigchld);
	if (h->ev_sigterm)
		event_free(h->ev_sigterm);
	if (h->ev_sigint)
		event_free(h->ev_sigint);
	if (h->ev_sighup)
		event_free(h->ev_sighup);
	if (h->base)
		event_base_free(h->base);
}

void ent_fill_status(const struct ent *e, struct ham_ent_status *st)
{
	uint64_t now = ham_now_ns();

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", e->spec.name);
	st->pid = e->pid;
	st->state = e->state;
	st->restarts = e->restarts;
	st->streak = e->streak;
	st->exit_kind = (uint32_t)e->exit_kind;
	st->exit_code = e->exit_code;
	st->beats = e->beats;
	st->flags = (e->adopted ? HAM_EF_ADOPTED : 0) |
		    (e->spec.heartbeat_ms ? HAM_EF_HEARTBEAT : 0);
	st->uptime_ms =
		e->pid > 0 ? (int64_t)((now - e->start_ns) / 1000000) : -1;
	st->backoff_ms = (int64_t)e->backoff_ms;
	st->restart_in_ms =
		e->state == HAM_ST_BACKOFF && e->restart_at_ns > now
			? (int64_t)((e->restart_at_ns - now) / 1000000)
			: -1;
	st->ready_ms = e->ready_ms;
	st->spawn_ms = e->spawn_ms;
	st->heartbeat_ms = (int64_t)e->spec.heartbeat_ms;
	st->beat_age_ms = e->pid > 0 && e->beat_ns
				  ? (int64_t)((now - e->beat_ns) / 1000000)
				  : -1;
	snprintf(st->reason, sizeof(st->reason), "%s", e->reason);
}
