/*
 * The case side of the benchmark: the common timing helper (warm-up,
 * repetitions sized by time, median), result lines for the orchestrator,
 * forked helpers that die with their parent, and raw-syscall I/O for the
 * baselines. No libnto calls here.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARM_S 0.1 /* at least this long warming up, per case */

int bench_reps = BENCH_REPS;
const size_t bench_sizes[] = {64, 1024, 64 * 1024, 1024 * 1024};
const int bench_nsizes = (int)(sizeof(bench_sizes) / sizeof(bench_sizes[0]));

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run op n times; elapsed ns in *ns. */
static int run_batch(bench_op_fn op, void *ctx, long n, double *ns)
{
	uint64_t t0 = bench_now_ns();
	long i;
	int r;

	for (i = 0; i < n; i++) {
		r = op(ctx);
		if (r < 0)
			return r;
	}
	*ns = (double)(bench_now_ns() - t0);
	return 0;
}

int bench_time_op(bench_op_fn op, void *ctx, struct bench_stat *st)
{
	double ns = 0, per, v[BENCH_MAX_REPS];
	long n = 1;
	int i, r;

	/* warm up, and learn roughly what one op costs */
	for (;;) {
		r = run_batch(op, ctx, n, &ns);
		if (r < 0)
			return r;
		if (ns >= WARM_S * 1e9 || n >= (1L << 30))
			break;
		n *= 2;
	}
	per = ns / (double)n;
	n = (long)(bench_rep_s * 1e9 / (per > 1 ? per : 1));
	if (n < 5)
		n = 5;
	for (i = 0; i < bench_reps; i++) {
		r = run_batch(op, ctx, n, &ns);
		if (r < 0)
			return r;
		v[i] = ns / (double)n;
	}
	st->iters = n;
	st->med_ns = bench_median(v, bench_reps);
	st->min_ns = v[0];
	st->max_ns = v[bench_reps - 1];
	return 0;
}

void bench_emit(const char *key, double v)
{
	printf("%s %.6g\n", key, v);
	fflush(stdout);
}

void bench_emit_stat(const char *prefix, const struct bench_stat *st)
{
	char k[32];

	snprintf(k, sizeof(k), "%s_ns", prefix);
	bench_emit(k, st->med_ns);
	snprintf(k, sizeof(k), "%s_min_ns", prefix);
	bench_emit(k, st->min_ns);
	snprintf(k, sizeof(k), "%s_max_ns", prefix);
	bench_emit(k, st->max_ns);
	snprintf(k, sizeof(k), "%s_iters", prefix);
	bench_emit(k, (double)st->iters);
}

pid_t bench_fork(int (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	_exit(fn(arg));
}

void bench_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int bench_readall(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		long r = syscall(SYS_read, fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int bench_writeall(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		long r = syscall(SYS_write, fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void bench_fill(void *buf, size_t n, unsigned seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

int bench_check(const void *buf, size_t n, unsigned seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return -1;
	return 0;
}
