/*
 * ntosim-ham's control protocol: what hamctl (and the tests) send with
 * MsgSend to name_open("ntosim-ham"), the name the manager attaches. Shared
 * by servers/ham, tools/hamctl.c and tests/unit/check_ham.c; not installed.
 * The heartbeat pulse servers send is part of the public API instead
 * (<sys/ntosim.h>, nto_heartbeat).
 *
 * Request: struct ham_req. Reply: status 0 and a body (below), or MsgError
 * with ENOENT (no such server), EINVAL (bad request), ETIMEDOUT (a WAIT, or
 * a START/RESTART/STOP whose bound passed), ESHUTDOWN (the manager is
 * stopping) or ENOSYS (unknown message).
 */
#ifndef NTOSIM_SERVERS_HAM_HAMPROTO_H
#define NTOSIM_SERVERS_HAM_HAMPROTO_H

#include <stdint.h>

#define HAM_DEFAULT_NAME "ntosim-ham" /* /dev/name/local/ntosim-ham */
#define HAM_MSG_TYPE	 0x2100u      /* outside _IO_BASE.._IO_MAX */
#define HAM_NAME_MAX	 32 /* server names: 1..31 of [A-Za-z0-9._-] */
#define HAM_REASON_MAX	 64
/* The exit code a server uses to say "do not restart me" (sysexits.h's
 * EX_CONFIG: restarting cannot fix a configuration error). */
#define HAM_EXIT_PERMANENT 78

enum ham_op {
	HAM_OP_STATUS = 1,   /* name "" = every server; reply ham_status_rep */
	HAM_OP_START = 2,    /* start a stopped/exited/failed server */
	HAM_OP_STOP = 3,     /* SIGTERM, bounded wait, SIGKILL; no restart */
	HAM_OP_RESTART = 4,  /* stop (if running), then start at once */
	HAM_OP_WAIT = 5,     /* until state == .state && restarts >= .min */
	HAM_OP_SHUTDOWN = 6, /* stop everything and exit 0 (as SIGTERM) */
};

/* START and RESTART reply once the new instance is ready (or has ended in
 * a terminal state) unless HAM_F_NOWAIT; STOP once the process is gone. */
#define HAM_F_NOWAIT 0x1u

enum ham_state {
	HAM_ST_STOPPED = 0,  /* not started (start=no) or stopped by hamctl */
	HAM_ST_STARTING = 1, /* spawned, its ready= path not registered yet */
	HAM_ST_RUNNING = 2,  /* ready (or no ready= path: spawned) */
	HAM_ST_BACKOFF = 3,  /* died; restart pending after a delay */
	HAM_ST_STOPPING = 4, /* SIGTERM sent, waiting for it to exit */
	HAM_ST_EXITED = 5,   /* exited and the policy says done */
	HAM_ST_FAILED = 6,   /* gave up: intensity, permanent exit, exec */
	HAM_ST_MAX
};

/* How the last instance ended (ham_ent_status.exit_kind). */
enum ham_exit_kind {
	HAM_EXIT_NONE = 0,    /* has not ended yet */
	HAM_EXIT_CODE = 1,    /* exit_code = its exit status */
	HAM_EXIT_SIGNAL = 2,  /* exit_code = the signal that killed it */
	HAM_EXIT_UNKNOWN = 3, /* adopted: not our child, status unknown */
	HAM_EXIT_EXEC = 4,    /* could not be executed; exit_code = errno */
};

struct ham_req {
	uint16_t type; /* HAM_MSG_TYPE */
	uint16_t op;   /* enum ham_op */
	uint32_t flags;
	int32_t timeout_ms; /* bound for waiting ops; <= 0: 30 s */
	uint32_t state;	    /* WAIT: enum ham_state wanted */
	uint32_t min;	    /* WAIT: minimum restart count */
	uint32_t zero;
	char name[HAM_NAME_MAX]; /* NUL-terminated */
};

/* One server, as STATUS lists it and START/STOP/RESTART/WAIT return it.
 * Times are milliseconds; -1 means "not applicable". */
struct ham_ent_status {
	char name[HAM_NAME_MAX];
	int32_t pid; /* 0: no process */
	uint32_t state;
	uint32_t restarts; /* automatic restarts so far */
	uint32_t streak;   /* consecutive failures (drives back-off) */
	uint32_t exit_kind;
	int32_t exit_code;
	uint32_t flags;	       /* HAM_EF_* */
	uint32_t beats;	       /* heartbeats from the current instance */
	int64_t uptime_ms;     /* current instance, since its start */
	int64_t backoff_ms;    /* delay chosen for the last/pending restart */
	int64_t restart_in_ms; /* BACKOFF: time left before the restart */
	int64_t ready_ms;      /* last death (or first start) to ready */
	int64_t spawn_ms;      /* last spawn to ready */
	int64_t heartbeat_ms;  /* configured period, 0 = none */
	int64_t beat_age_ms;   /* since the last heartbeat */
	char reason[HAM_REASON_MAX]; /* FAILED/EXITED: why */
};

#define HAM_EF_ADOPTED	 0x1u /* taken over from a previous manager */
#define HAM_EF_HEARTBEAT 0x2u /* heartbeat= configured */

struct ham_status_rep {
	uint32_t n;	/* entries in this reply */
	uint32_t total; /* servers configured (n < total: buffer too small) */
	int32_t ham_pid;
	uint32_t zero;
	int64_t ham_uptime_ms;
	struct ham_ent_status ent[];
};

#endif /* NTOSIM_SERVERS_HAM_HAMPROTO_H */
