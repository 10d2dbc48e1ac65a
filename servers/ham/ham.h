/*
 * ntosim-ham internals shared by the files of servers/ham: a server's
 * configuration (struct ham_spec, config.c), the pure restart policy
 * (policy.c), and the running manager (struct ham, struct ent: ham.c,
 * spawn.c, ready.c, control.c, state.c). Private to servers/ham and
 * tests/unit/check_ham.c (which links config.c and policy.c alone).
 */
#ifndef NTOSIM_SERVERS_HAM_HAM_H
#define NTOSIM_SERVERS_HAM_HAM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "hamproto.h"

/* ---- configuration (config.c) ---- */

enum ham_restart {
	HAM_RESTART_ALWAYS,
	HAM_RESTART_ON_FAILURE,
	HAM_RESTART_NEVER
};

/* One server's stanza. Durations are milliseconds. */
struct ham_spec {
	char name[HAM_NAME_MAX];
	char **argv; /* NULL-terminated, malloc'd (argv[0] looked up in PATH) */
	char **env;  /* NULL-terminated KEY=VALUE additions, may be NULL */
	char *dir;   /* working directory, or NULL */
	char *ready; /* absolute path whose registration means ready, or NULL */
	enum ham_restart restart;
	unsigned intensity;	   /* at most this many restarts ... */
	uint64_t period_ms;	   /* ... within this window; then give up */
	uint64_t backoff_ms;	   /* second consecutive restart waits this, */
	uint64_t backoff_max_ms;   /* doubling up to this */
	uint64_t backoff_reset_ms; /* up this long: failures count afresh */
	uint64_t ready_timeout_ms;
	uint64_t heartbeat_ms;	  /* 0: no heartbeat expected */
	uint64_t stop_timeout_ms; /* SIGTERM, this long, then SIGKILL */
	int permanent_exit;	  /* exit code meaning "don't restart"; -1 */
	int autostart;		  /* start=yes */
};

/* Every setting but name/argv, as [defaults] and -o carry them. */
void ham_spec_defaults(struct ham_spec *s);
/* Apply one KEY=VALUE (or key, value) to s. Returns 0, or -1 with a
 * message in err (errlen bytes). */
int ham_spec_set(struct ham_spec *s, const char *key, const char *value,
		 char *err, size_t errlen);
/* Deep copy (for [defaults] templates). Returns 0 or -ENOMEM. */
int ham_spec_copy(struct ham_spec *dst, const struct ham_spec *src);
void ham_spec_free(struct ham_spec *s);
/* 1 if name is a valid server name (1..31 of [A-Za-z0-9._-]). */
int ham_name_ok(const char *name);

/* The parsed configuration: specs in file order. */
struct ham_config {
	struct ham_spec *spec;
	int n;
	struct ham_spec defaults; /* -o options and [defaults] */
};

void ham_config_init(struct ham_config *c);
void ham_config_free(struct ham_config *c);
/* Parse a config file's text (name for messages). Returns 0, or -1 with
 * "FILE:LINE: what" in err. */
int ham_config_parse(struct ham_config *c, const char *text, const char *name,
		     char *err, size_t errlen);
int ham_config_load(struct ham_config *c, const char *path, char *err,
		    size_t errlen);
/* Add a one-off server from a command line (name NULL: basename of
 * argv[0]) with the current defaults. Returns 0 or -1 with err. */
int ham_config_add_argv(struct ham_config *c, const char *name,
			char *const argv[], char *err, size_t errlen);
/* Split a command line into words: blanks separate, '...' is literal,
 * "..." allows \" \\ \$ \`, a backslash outside quotes escapes the next
 * character. No expansion of any kind. Returns a malloc'd NULL-terminated
 * vector, or NULL with errno EINVAL (unbalanced quote, empty) or ENOMEM. */
char **ham_split_words(const char *line);
void ham_free_words(char **v);
/* "250", "250ms", "2s", "1.5s", "1m" -> ms. Returns 0 or -1. */
int ham_parse_duration(const char *s, uint64_t *ms);

/* ---- policy (policy.c): pure functions, no processes ---- */

/* Delay before restart number `streak` of a run of consecutive failures
 * (1 = the first failure after a stable run: immediate). */
uint64_t ham_backoff_delay(const struct ham_spec *s, unsigned streak);

/* The restart times (ms) inside the intensity window. */
struct ham_window {
	uint64_t *t;
	unsigned n, cap;
};
/* May another restart happen at `now`? Drops times older than the
 * period; 1 if fewer than `intensity` remain (then records now), else 0. */
int ham_window_admit(struct ham_window *w, const struct ham_spec *s,
		     uint64_t now_ms);
void ham_window_clear(struct ham_window *w);
void ham_window_free(struct ham_window *w);

enum ham_verdict {
	HAM_V_RESTART,	 /* restart after ham_backoff_delay */
	HAM_V_EXITED,	 /* done: clean exit and the policy does not restart */
	HAM_V_NEVER,	 /* failed and restart=never */
	HAM_V_PERMANENT, /* exited with the permanent-failure code */
};
/* What to do about a death: kind/code as in struct ham_ent_status
 * (exit_kind, exit_code); forced = the manager killed it itself for a
 * missed heartbeat or readiness timeout (a failure whatever the status). */
enum ham_verdict ham_verdict(const struct ham_spec *s, int kind, int code,
			     int forced);

const char *ham_state_name(unsigned st);
/* enum ham_state from its name; -1 if none. */
int ham_state_parse(const char *name);

/* ---- the manager (ham.c and friends) ---- */

struct event_base;
struct event;

/* Why the manager itself is killing an instance. */
enum ham_kill {
	HAM_KILL_NONE,
	HAM_KILL_HEARTBEAT,
	HAM_KILL_READY,
	HAM_KILL_STOP
};

struct ent {
	struct ham *ham;
	struct ham_spec spec;
	int idx;
	enum ham_state state;
	pid_t pid;		/* 0: none */
	pid_t dead_pid;		/* the instance that died last */
	int pidfd;		/* -1: none */
	int own;		/* our child: waitpid() gives the status */
	int adopted;		/* taken over from a previous manager */
	uint64_t proc_start;	/* /proc/PID/stat starttime (pid reuse guard) */
	uint32_t gen;		/* instance number (stale ready notes) */
	uint32_t hb_id;		/* NTOSIM_HAM_ID of the current instance */
	struct event *ev_pid;	/* pidfd readable: it died */
	struct event *ev_timer; /* BACKOFF: restart; STOPPING: SIGKILL */
	struct event *ev_hb;	/* heartbeat deadline */
	uint64_t start_ns, ready_ns, death_ns, beat_ns; /* CLOCK_MONOTONIC */
	uint64_t restart_at_ns;	    /* BACKOFF: when the restart is due */
	int64_t ready_ms, spawn_ms; /* last measured, -1 none */
	unsigned restarts, streak;
	unsigned beats; /* heartbeats from the current instance */
	uint64_t backoff_ms;
	struct ham_window window;
	enum ham_kill killing; /* set when the manager sent the kill */
	int after_stop;	       /* STOPPING: 1 = start again when gone */
	int recovering;	       /* this start replaces a dead instance */
	int exit_kind, exit_code;
	char reason[HAM_REASON_MAX];
};

struct waiter;

struct ham {
	struct event_base *base;
	const char *name;	/* control name (name_attach) */
	const char *state_path; /* NULL: no state file */
	int verbose;
	struct ent *ent;
	int n;
	int note_rd, note_wr; /* helper threads -> loop (pipe) */
	struct event *ev_note, *ev_sigchld, *ev_sigterm, *ev_sigint, *ev_sighup;
	void *attach;	       /* name_attach_t * */
	int ipc_ok;	       /* control thread running */
	int ctl_chid;	       /* the name's channel */
	pthread_t ctl_thread;  /* joined by ham_control_stop */
	int ctl_started;       /* ctl_thread exists */
	atomic_int ctl_ending; /* ham_control_stop: the thread must not post */
	atomic_int ctl_done;   /* the thread has returned (or is about to) */
	uint64_t start_ns;
	uint32_t next_hb_id;
	int shutting_down;
	int exit_code;
	struct waiter *waiters;
};

/* Notes the helper threads hand to the loop through the pipe. */
enum ham_note_kind {
	HAM_NOTE_READY = 1,
	HAM_NOTE_BEAT,
	HAM_NOTE_REQ,
	HAM_NOTE_UNBLOCK,
	HAM_NOTE_IPC_DOWN
};
struct ham_note {
	int32_t kind;
	int32_t idx;	/* READY: entity */
	uint32_t gen;	/* READY: instance */
	int32_t err;	/* READY: 0 or errno */
	int32_t rcvid;	/* REQ, UNBLOCK */
	uint32_t value; /* BEAT: hb_id */
	uint64_t t_ns;	/* when it happened */
	struct ham_req req;
};

uint64_t ham_now_ns(void);
void ham_log(struct ham *h, const struct ent *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ham_dbg(struct ham *h, const struct ent *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Deliver a note to the loop (any thread). */
void ham_note_post(struct ham *h, const struct ham_note *n);

/* ham.c: lifecycle */
int ham_init(struct ham *h, struct ham_config *cfg);
int ham_run(struct ham *h);
void ham_free(struct ham *h);
struct ent *ham_find(struct ham *h, const char *name);
void ent_start(struct ent *e); /* spawn now (STARTING/RUNNING) */
/* The instance registered its ready= path (or has none) at t_ns. */
void ent_ready(struct ent *e, uint64_t t_ns);
void ent_stop(struct ent *e, int after); /* STOPPING; after: restart */
void ent_set_state(struct ent *e, enum ham_state st);
void ent_fill_status(const struct ent *e, struct ham_ent_status *st);
void ham_shutdown(struct ham *h);

/* spawn.c: processes */
int ent_spawn(struct ent *e); /* 0 or -errno (exec failure) */
void ent_signal(struct ent *e, int sig);
/* Open a pidfd for e->pid and watch it. 0 or -errno. */
int ent_watch(struct ent *e);
void ent_unwatch(struct ent *e);
/* ham.c: the pidfd became readable (evutil_socket_t is int here). */
void ent_pidfd_cb(int fd, short what, void *arg);
/* /proc/PID/stat: starttime (clock ticks since boot) and state char.
 * Returns 0 or -errno. */
int ham_proc_stat(pid_t pid, uint64_t *starttime, char *state);

/* ready.c */
void ent_ready_wait(struct ent *e);

/* control.c: the name, the receive thread, requests and waiters */
int ham_control_start(struct ham *h);
/* Fail the waiters, end the receive thread and detach the name (with ipcd
 * gone too: nothing of the name is left allocated). Safe to call twice. */
void ham_control_stop(struct ham *h);
void ham_control_request(struct ham *h, const struct ham_note *n);
void ham_waiters_check(struct ham *h, struct ent *e);
void ham_waiters_fail(struct ham *h, int err);

/* state.c: the state file and adoption */
void ham_state_save(struct ham *h);
void ham_state_remove(struct ham *h);
/* Adopt the live processes the state file lists; returns how many. */
int ham_state_adopt(struct ham *h);
/* The default state file: DIR-of-ipcd-socket/NAME.state (malloc'd). */
char *ham_state_default_path(const char *name);

#endif /* NTOSIM_SERVERS_HAM_HAM_H */
