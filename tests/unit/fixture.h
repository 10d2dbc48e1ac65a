/*
 * Test support for ntosim's Check unit tests (tests/unit/libfixture.la): a
 * private ipcd per test, forked helper processes with bounded waits, pipe
 * handshakes between them, and pidin-based leak and blocked-state checks.
 * Nothing here mocks ntosim: tests run real processes against a real ipcd.
 *
 * Typical use, one Check binary per module:
 *
 *	static void test_x(void) { ... }
 *	int main(void)
 *	{
 *		Suite *s = suite_create("x");
 *		TCase *tc = nto_test_tcase("core");   // fresh ipcd per test
 *		tcase_add_test(tc, test_x);
 *		suite_add_tcase(s, tc);
 *		return nto_test_main(s);
 *	}
 *
 * Rules the helpers follow, and tests should too: every wait is bounded, and
 * no sleep is used as synchronisation (use pipes, nto_test_wait_state, or a
 * bounded poll of a condition).
 *
 * Functions named nto_test_* that return void assert with Check (ck_assert)
 * and must only be called from the Check test process. Functions returning
 * int never call Check and may be used in forked children too; in children,
 * use NTO_CHILD_ASSERT and friends instead of ck_assert.
 */
#ifndef NTOSIM_TESTS_UNIT_FIXTURE_H
#define NTOSIM_TESTS_UNIT_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default bound for waits on other processes (ms); generous for slow CI. */
#define NTO_TEST_WAIT_MS 10000
/* Exit code of a forked child whose NTO_CHILD_ASSERT failed. */
#define NTO_TEST_CHILD_FAILED 99

/* ---- the private ipcd ---- */

/*
 * Start a private ipcd: make a temp dir (mkdtemp under $TMPDIR or /tmp), run
 * `$NTOSIM_IPCD -s DIR/ipcd.sock` (fallback $NTOSIM_BUILDDIR/ipcd, then
 * ./ipcd), which returns once ipcd accepts connections; read DIR/ipcd.sock.pid
 * and setenv NTOSIM_SOCKET. A watchdog process (own session, so Check's
 * killpg does not reach it) kills ipcd and removes the dir if this test
 * process dies or fails before nto_test_ipcd_stop. Asserts on failure.
 */
void nto_test_ipcd_start(void);
/*
 * Stop it: SIGTERM, wait (bounded, pidfd poll) for exit, assert it exited
 * within NTO_TEST_WAIT_MS (else SIGKILL and fail); then remove the dir.
 * Harmless if ipcd is already gone (a test killed it).
 */
void nto_test_ipcd_stop(void);
/* Send `sig` to ipcd and wait (bounded) for it to exit; asserts it did. */
void nto_test_ipcd_kill(int sig);
/* 1 while ipcd is running, else 0. */
int nto_test_ipcd_alive(void);
pid_t nto_test_ipcd_pid(void);
const char *nto_test_ipcd_path(void); /* the ipcd executable */
const char *nto_test_socket(void);    /* DIR/ipcd.sock */
const char *nto_test_dir(void);	      /* the private temp dir */
/* Number of open fds of ipcd (entries in /proc/PID/fd), or -errno. */
int nto_test_ipcd_nfds(void);
/* Print ipcd's open fds (number=target) to stderr, for leak diagnostics. */
void nto_test_ipcd_fds_dump(const char *why);
/*
 * Wait until ipcd's fd count is at most `want`; returns the last count seen.
 * "At most": a baseline sample may include a transient fd (the socket of a
 * pidin that just exited), while a leak only ever adds fds.
 */
int nto_test_ipcd_nfds_wait(int want, int timeout_ms);

/* Check fixture pair: nto_test_ipcd_start / nto_test_ipcd_stop. */
void nto_test_setup(void);
void nto_test_teardown(void);
/* A TCase with the fixture as a checked (per-test, in the forked test
 * process) fixture and a 30 s timeout. */
TCase *nto_test_tcase(const char *name);
/* Run the suite (CK_FORK unless CK_FORK=no), print, return the exit code. */
int nto_test_main(Suite *s);

/* ---- forked helper processes ---- */

/* The child's ends of the two pipes nto_test_fork makes. */
struct nto_test_link {
	int rd; /* what the parent puts on nto_test_child.wr */
	int wr; /* read by the parent on nto_test_child.rd */
};

/* The parent's handle on a forked child. */
struct nto_test_child {
	pid_t pid;
	int rd; /* what the child puts on its link->wr */
	int wr; /* read by the child on its link->rd */
};

/* Body of a forked child; its return value is the child's exit code. */
typedef int (*nto_test_fn)(const struct nto_test_link *link, void *arg);

/*
 * Fork a child that runs fn(link, arg) and _exits with its return value
 * (stdio flushed first; atexit handlers do not run). The child gets
 * PR_SET_PDEATHSIG(SIGKILL), so it dies with the forking thread: fork from a
 * thread that outlives it (the test's main thread). Asserts on failure;
 * returns the pid (also in c->pid).
 */
pid_t nto_test_fork(struct nto_test_child *c, nto_test_fn fn, void *arg);
/*
 * Wait for the child to exit, at most timeout_ms. Returns its wait status;
 * on timeout SIGKILLs and reaps it and fails the test. Closes c's pipe ends.
 */
int nto_test_wait(struct nto_test_child *c, int timeout_ms);
/* nto_test_wait, then assert the child exited with code 0. */
void nto_test_wait_ok(struct nto_test_child *c, int timeout_ms);
/* SIGKILL the child, reap it (bounded), assert it died of SIGKILL. */
void nto_test_kill(struct nto_test_child *c);
/*
 * Run a program (argv[0] is a path) to completion, at most timeout_ms (then
 * SIGKILL). With `out`, capture its stdout (NUL-terminated, malloc'd, caller
 * frees). Returns the wait status, -ETIMEDOUT or -errno. Never asserts.
 */
int nto_test_run(char *const argv[], int timeout_ms, char **out);
/* Wait for any pid that is our child (bounded, pidfd based). Returns the wait
 * status, or -ETIMEDOUT (child left running), or -errno. Never asserts. */
int nto_test_waitpid(pid_t pid, int timeout_ms);

/* Print "child PID: FILE:LINE: what (errno N: text)" to stderr and _exit
 * with NTO_TEST_CHILD_FAILED. For NTO_CHILD_ASSERT*. */
void nto_test_child_fail(const char *file, int line, const char *what,
			 long long a, long long b, int with_values)
	__attribute__((noreturn));
/* Assertions for forked children (never use ck_assert there). */
#define NTO_CHILD_ASSERT(expr) \
	((expr) ? (void)0      \
		: nto_test_child_fail(__FILE__, __LINE__, #expr, 0, 0, 0))
#define NTO_CHILD_ASSERT_INT(a, op, b)                                         \
	do {                                                                   \
		long long nto_a_ = (long long)(a), nto_b_ = (long long)(b);    \
		if (!(nto_a_ op nto_b_))                                       \
			nto_test_child_fail(__FILE__, __LINE__,                \
					    #a " " #op " " #b, nto_a_, nto_b_, \
					    1);                                \
	} while (0)

/* Assert that `call` returns -1 with errno `err` (test process only). */
#define NTO_ASSERT_FAILS(call, err)                                            \
	do {                                                                   \
		errno = 0;                                                     \
		long long nto_r_ = (long long)(call);                          \
		int nto_e_ = errno, nto_w_ = (err);                            \
		ck_assert_msg(nto_r_ == -1 && nto_e_ == nto_w_,                \
			      "%s returned %lld errno %d (%s), want -1 errno " \
			      "%d (%s)",                                       \
			      #call, nto_r_, nto_e_, strerror(nto_e_), nto_w_, \
			      strerror(nto_w_));                               \
	} while (0)
/* The same for forked children. */
#define NTO_CHILD_ASSERT_FAILS(call, err)                                      \
	do {                                                                   \
		errno = 0;                                                     \
		long long nto_r_ = (long long)(call);                          \
		if (nto_r_ != -1 || errno != (err))                            \
			nto_test_child_fail(__FILE__, __LINE__,                \
					    #call " fails with " #err, nto_r_, \
					    errno, 1);                         \
	} while (0)

/* ---- bounded receives ---- */

struct _msg_info;
/* MsgReceive bounded by a _NTO_TIMEOUT_RECEIVE of `ms` (0: do not block),
 * so a missing message or pulse fails instead of hanging. Returns what
 * MsgReceive returns (errno ETIMEDOUT when nothing came). */
int nto_test_receive(int chid, void *buf, int len, struct _msg_info *info,
		     int ms);
/* Test process only: assert nothing arrives on chid within `ms`. */
void nto_test_expect_empty(int chid, int ms);

/* ---- pipe handshakes (usable in parent and children) ---- */

/* Write one int64 (atomically: 8 bytes < PIPE_BUF). Returns 0 or -errno. */
int nto_test_put(int fd, int64_t v);
/* Read one int64, waiting at most timeout_ms. Returns 0, -ETIMEDOUT, -EPIPE
 * (writer closed: the peer exited), or -errno. */
int nto_test_get(int fd, int64_t *v, int timeout_ms);
/* Parent only: nto_test_get that asserts success and returns the value. */
int64_t nto_test_take(int fd, int timeout_ms);
/* Parent only: assert nothing is readable on fd for `ms` (e.g. a client
 * must still be blocked). This is a negative check, so it must wait. */
void nto_test_quiet(int fd, int ms);

/* ---- actors: children that run kernel calls on command ---- */

/*
 * An actor is a forked child that executes one kernel call per command from
 * the parent and puts the result: the call's value if >= 0, else -errno (so a
 * negative MsgSend status cannot be told from an error here). Commands that
 * block (SEND, RECEIVE) can be posted and their result taken later, which is
 * how a test holds a client SEND- or REPLY-blocked while it kills a peer.
 * The actor keeps the last _msg_info / pulse / server info for NTO_OP_GET,
 * and the last rcvid: REPLY, ERROR and INFO with rcvid 0 use it, so a reply
 * can be posted behind a RECEIVE that has not returned yet.
 */
enum nto_test_op {
	NTO_OP_EXIT = 1, /* _exit(a); no result */
	NTO_OP_CHANNEL,	 /* ChannelCreate(a) */
	NTO_OP_DESTROY,	 /* ChannelDestroy(a) */
	NTO_OP_ATTACH,	/* ConnectAttach(0, a, b, c, d): pid, chid, index, flags
			 */
	NTO_OP_DETACH,	/* ConnectDetach(a) */
	NTO_OP_SEND,	/* MsgSend(a, b-byte message, c-byte reply buffer) */
	NTO_OP_PULSE,	/* MsgSendPulse(a, b, c, d): coid, prio, code, value */
	NTO_OP_RECEIVE, /* MsgReceive(a, 64 KiB buffer): rcvid, 0 = pulse */
	NTO_OP_REPLY,	/* MsgReply(a, b, c-byte reply): rcvid, status */
	NTO_OP_ERROR,	/* MsgError(a, b) */
	NTO_OP_TIMEOUT, /* TimerTimeout(CLOCK_MONOTONIC, a, NULL, b ms) for
			 * the next op; c != 0: NULL ntime (immediate) */
	NTO_OP_SERVER_INFO, /* ConnectServerInfo(0, a, &info) */
	NTO_OP_INFO,	    /* MsgInfo(a, &info) */
	NTO_OP_GET,	    /* a: enum nto_test_field */
};

enum nto_test_field {
	NTO_F_PID = 1,	  /* the actor's pid */
	NTO_F_DONE_NS,	  /* nto_test_now_ns() when the last call returned */
	NTO_F_PULSE_CODE, /* last pulse received */
	NTO_F_PULSE_VALUE,
	NTO_F_PULSE_SCOID,
	NTO_F_INFO_PID, /* last _msg_info (RECEIVE, INFO, SERVER_INFO) */
	NTO_F_INFO_TID,
	NTO_F_INFO_CHID,
	NTO_F_INFO_SCOID,
	NTO_F_INFO_COID,
	NTO_F_INFO_MSGLEN,
	NTO_F_INFO_SRCMSGLEN,
	NTO_F_INFO_DSTMSGLEN,
	NTO_F_INFO_FLAGS,
	NTO_F_INFO_PRIORITY,
};

struct nto_test_cmd {
	int32_t op, a, b, c, d;
};

/* Fork an actor (its body is nto_test_actor_main). */
pid_t nto_test_actor(struct nto_test_child *c);
int nto_test_actor_main(const struct nto_test_link *link, void *arg);
/* Post a command without waiting for its result. */
void nto_test_post_(struct nto_test_child *c, struct nto_test_cmd cmd);
/* Take the result of the oldest posted command (bounded, asserts). */
int64_t nto_test_result(struct nto_test_child *c, int timeout_ms);
/* Post and take within NTO_TEST_WAIT_MS. */
int64_t nto_test_act_(struct nto_test_child *c, struct nto_test_cmd cmd);
/* NTO_ACT(&child, NTO_OP_x, a, b, c, d): trailing arguments default to 0. */
#define NTO_CMD5_(op, a, b, c, d, ...) \
	((struct nto_test_cmd){(op), (a), (b), (c), (d)})
#define NTO_CMD_(...)	 NTO_CMD5_(__VA_ARGS__, 0, 0, 0, 0, 0)
#define NTO_POST(c, ...) nto_test_post_((c), NTO_CMD_(__VA_ARGS__))
#define NTO_ACT(c, ...)	 nto_test_act_((c), NTO_CMD_(__VA_ARGS__))
/* Ask the actor to exit 0 and reap it (asserts a clean exit). */
void nto_test_actor_exit(struct nto_test_child *c);

/* ---- pidin --json: object counts and blocked states ---- */

/*
 * Object counts from `pidin --json`, for leak checks against a baseline.
 * Note: libnto interposes libc's path calls (open, stat, access, chmod...)
 * and resolves them through ipcd, so the first such call in a process
 * registers it with ipcd (one more proc, one more ipcd fd). Make those calls,
 * or any kernel call, before taking a baseline. The fixture itself never
 * does (it uses raw system calls).
 */
struct nto_test_counts {
	int procs;
	int channels;
	int connections; /* server connections (scoids) */
	int coids;
	int paths; /* registered names and resmgr paths */
};

/* Path of pidin ($NTOSIM_BUILDDIR/pidin, else ./pidin). */
const char *nto_test_pidin_path(void);
/* 1 if pidin exists and is executable. */
int nto_test_have_pidin(void);
/*
 * Run `pidin --json` (bounded) and return its stdout, NUL-terminated, malloc'd
 * (caller frees), or NULL with errno set. If pidin is not built, the same
 * JSON is read from ipcd's INFO request by a forked child instead (noted
 * once on stderr); tests of pidin itself check nto_test_have_pidin().
 */
char *nto_test_pidin_json(void);
/* Counts from one pidin run. Returns 0 or -errno. */
int nto_test_counts_get(struct nto_test_counts *c);
/* Asserting form of nto_test_counts_get. */
void nto_test_counts(struct nto_test_counts *c);
/* Poll pidin until the counts equal *want; assert they do within
 * timeout_ms (death cleanup in ipcd is asynchronous to waitpid). */
void nto_test_counts_wait(const struct nto_test_counts *want, int timeout_ms);
/*
 * Wait until pidin shows a thread of process `pid` (tid 0: any thread; else
 * that thread id as pidin reports it) in `state` ("SEND", "RECEIVE",
 * "REPLY"; case-insensitive, a "STATE_" prefix is ignored). Returns 0, or
 * -ETIMEDOUT, or -errno if pidin cannot run. Use this, not a sleep, to know a
 * peer is blocked.
 */
int nto_test_wait_state(pid_t pid, int tid, const char *state, int timeout_ms);
/* How many threads of `pid` pidin shows in `state` now (-errno on error). */
int nto_test_count_state(pid_t pid, const char *state);
/* Asserting form: wait for `n` threads of pid in state. */
void nto_test_await_state(pid_t pid, const char *state, int n, int timeout_ms);
/* Wait until pidin no longer lists process `pid` (ipcd processed its death).
 * Returns 0 or -ETIMEDOUT / -errno. */
int nto_test_wait_gone(pid_t pid, int timeout_ms);

/* ---- small utilities ---- */

/* CLOCK_MONOTONIC in ns (system-wide, so comparable across processes). */
uint64_t nto_test_now_ns(void);
/* Fill buf with a pattern derived from seed and each byte's offset, and
 * check it: returns the offset of the first mismatch, or n if all match.
 * `base` is the offset of buf[0] in the whole pattern. */
void nto_test_fill(void *buf, size_t n, uint32_t seed, size_t base);
size_t nto_test_verify(const void *buf, size_t n, uint32_t seed, size_t base);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_TESTS_UNIT_FIXTURE_H */
