/*
 * tests/bench internal header: the section list, the result store, case
 * spawning (orchestrator side) and the common timing helper, emission and
 * fork helpers (case side). Included by the bench sources only; nothing here
 * is part of libnto.
 */
#ifndef NTOSIM_BENCH_BENCH_H
#define NTOSIM_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * How the benchmark runs. `bench` (the orchestrator) never calls libnto
 * itself: every measurement is a "case", a fresh fork+exec of the same
 * binary (`bench --case NAME ARGS...`) in its own process group, so that
 * NTOSIM_SPIN_US is read fresh, a hung case can be killed with everything
 * it forked, and one case cannot warm or poison another. A case prints
 * "key value" lines on stdout; the orchestrator stores them, prints the
 * section's table and the final key=value summary.
 *
 * To add a section: write `void foo_section(void)` that runs its cases
 * with bench_case() and prints with rpt(), and a case function
 * `int foo_case(int argc, char **argv)`; list both in bench.c.
 */

/* ---- orchestrator side ---- */

struct bench_section {
	const char *name; /* selects it with -s */
	const char *what; /* one line for -l */
	void (*run)(void);
};

/* Values a case printed, looked up by key. */
#define BENCH_MAX_VALS 40
struct bench_vals {
	int n;
	char key[BENCH_MAX_VALS][32];
	double val[BENCH_MAX_VALS];
	char why[96]; /* why the case failed, "" if it did not */
};

/*
 * bench_case: run `bench --case argv...` with `env` (NULL-terminated
 * "NAME=VALUE" list added to the environment, may be NULL), kill its whole
 * process group after timeout_s (<= 0: the default), and collect its
 * values. Returns 0, or -1 with out->why set (timeout, exit status, no
 * value). A progress mark goes to stderr.
 */
int bench_case(const char *const argv[], const char *const env[],
	       double timeout_s, struct bench_vals *out);
/*
 * bench_interleave: run n jobs (cases) BENCH_REPS rounds, round-robin, each
 * run with NTOSIM_BENCH_REPS=1, and store under job->key the median over
 * the rounds of the value job->val (times job->scale). Interleaving makes
 * every row see the same machine, so ratios between rows hold up on a
 * noisy one. A job that fails once is not run again and is stored failed.
 */
#define BENCH_MAX_JOBS 64
struct bench_job {
	const char *const *argv; /* case name and args, NULL-terminated */
	const char *const *env;	 /* extra environment, or NULL */
	const char *key;	 /* result key */
	const char *val;	 /* the case's value to take */
	double scale;
	/* up to 4 more values to store the same way (NULL: none) */
	const char *more[4], *more_key[4];
	double more_scale[4];
};
void bench_interleave(const struct bench_job *jobs, int n);

/* The value of `key` in v, or -1 if the case did not print it. */
int bench_val(const struct bench_vals *v, const char *key, double *out);

/* Result store, printed as the key=value summary in insertion order. */
void res_set(const char *key, double v);
void res_fail(const char *key, const char *why); /* "failed" in summary */
void res_skip(const char *key, const char *why); /* "skipped" */
/* 0 with *v set if key holds a value; -1 if failed, skipped or unknown. */
int res_get(const char *key, double *v);
/* Format key's value as "%*.*f", or its state ("FAILED", "skip", "-"). */
const char *res_fmt(const char *key, int width, int prec, double scale);

/* Store key = num / den when both hold values (den > 0). */
void bench_ratio(const char *key, const char *num, const char *den);
/* Sizes as key parts ("64", "1k", "1m") and for people ("1 KiB"). */
const char *bench_size_label(size_t n, char *buf, size_t len);
const char *bench_size_human(size_t n, char *buf, size_t len);
/* The 1-minute load average, stored under key and printed. */
void bench_loadavg(const char *key);

/* Report text: goes to stdout and to the -o file. */
void rpt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line on stderr ("bench: ..."), after any progress dots. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Options every section sees. */
extern double bench_rep_s;     /* seconds per repetition (-t) */
extern double bench_timeout_s; /* per case (-T) */
extern const char *bench_self; /* path of this binary */

/* ---- case side ---- */

/* One operation; 0, or -errno to stop the measurement. */
typedef int (*bench_op_fn)(void *ctx);

struct bench_stat {
	double med_ns, min_ns, max_ns; /* per op, over the repetitions */
	long iters;		       /* per repetition */
	long total;		       /* ops run, warm-up included */
	/* bench_time_op_usage only: per op, over all `total` ops */
	int have_usage;
	double cli_cpu_ns, srv_cpu_ns; /* CPU time of this process, the peer */
	double cli_sleeps, srv_sleeps; /* voluntary context switches */
};

/*
 * bench_time_op: warm op up (doubling batches until one lasts the warm-up
 * time), size a repetition to last bench_rep_s, time bench_reps
 * repetitions and give the median (and min, max) ns per op. Returns 0 or
 * op's -errno.
 */
#define BENCH_REPS     3
#define BENCH_MAX_REPS 16
extern int bench_reps; /* repetitions inside a case: NTOSIM_BENCH_REPS */
int bench_time_op(bench_op_fn op, void *ctx, struct bench_stat *st);
/*
 * bench_time_op_usage: bench_time_op, and also the CPU time and voluntary
 * context switches (sleeps) per op of this process and of peer (all their
 * threads), from /proc. Printed by bench_emit_stat as <prefix>_cli_cpu_ns,
 * _srv_cpu_ns, _cli_sleeps, _srv_sleeps.
 */
int bench_time_op_usage(bench_op_fn op, void *ctx, pid_t peer,
			struct bench_stat *st);
/* CPU time (ns) and context switches of all threads of pid, from /proc
 * (schedstat; utime+stime where there is none). 0 or -errno. */
struct bench_usage {
	double cpu_ns, vcsw, ivcsw;
};
int bench_usage(pid_t pid, struct bench_usage *u);
/* The private ipcd's pid ($NTOSIM_SOCKET.pid, as run-bench.sh starts
 * it), or -1. */
pid_t bench_ipcd_pid(void);
/* VmRSS of pid in KiB, or -1. */
long bench_rss_kib(pid_t pid);
/* Print the stat as "<prefix>_ns", "<prefix>_min_ns", "<prefix>_max_ns". */
void bench_emit_stat(const char *prefix, const struct bench_stat *st);
/* Print one "key value" line for the orchestrator. */
void bench_emit(const char *key, double v);

uint64_t bench_now_ns(void);
void bench_sleep_s(double s);
double bench_median(double *v, int n); /* sorts v */

/* fork() a child that dies with its parent; fn's return is its exit code. */
pid_t bench_fork(int (*fn)(void *), void *arg);
/* SIGKILL and reap a child (pid <= 0: nothing). */
void bench_kill(pid_t pid);
/* read/write exactly n bytes with raw syscalls (libnto interposes read and
 * write; the baselines must not pay for that check). 0, or -errno (-EPIPE
 * on EOF). */
int bench_readall(int fd, void *buf, size_t n);
int bench_writeall(int fd, const void *buf, size_t n);
/* Fill buf with a pattern seeded by seed; check it. */
void bench_fill(void *buf, size_t n, unsigned seed);
int bench_check(const void *buf, size_t n, unsigned seed);
/* The payload sizes of the round-trip table. */
extern const size_t bench_sizes[];
extern const int bench_nsizes;
#define BENCH_MAX_SIZE (1024 * 1024)

/* A MsgReceive/MsgReply echo server on chid (msg.c): echoes messages,
 * answers _IO_CONNECT with EOK, detaches DISCONNECTed scoids. Returns 1
 * only when MsgReceive fails for good. */
int bench_serve(int chid);
/* Fork an echo server (bench_serve) with nthreads receiving threads on one
 * new channel; its chid in *chid. The pid, or -1. */
pid_t bench_start_server(int nthreads, int *chid);

/* ---- sections and cases (one file each) ---- */

void rt_section(void);
void tput_section(void);
void idle_section(void);
void connect_section(void);
void scale_section(void);
void recovery_section(void);
/* The closing table: issue 10's ratios from the store (targets.c). */
void targets_report(void);

int rt_msg_case(int argc, char **argv);
int rt_base_case(int argc, char **argv); /* pipe, unix, futex */
int rt_floor_case(int argc, char **argv);
int idle_case(int argc, char **argv);
int scale_case(int argc, char **argv);
int tput_case(int argc, char **argv);
int connect_case(int argc, char **argv);
int recovery_case(int argc, char **argv);
int recovery_server(int argc, char **argv);

#endif /* NTOSIM_BENCH_BENCH_H */
