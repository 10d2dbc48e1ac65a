/*
 * The case side of the benchmark: the common timing helper (warm-up,
 * repetitions sized by time, median), result lines for the orchestrator,
 * forked helpers that die with their parent, and raw-syscall I/O for the
 * baselines. No libnto calls here.
 */
#include "config.h"

#include <dirent.h>
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

	st->total = 0;
	st->have_usage = 0;
	/* warm up, and learn roughly what one op costs */
	for (;;) {
		r = run_batch(op, ctx, n, &ns);
		if (r < 0)
			return r;
		st->total += n;
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
		st->total += n;
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
	snprintf(k, sizeof(k), "%s_total", prefix);
	bench_emit(k, (double)st->total);
	if (!st->have_usage)
		return;
	snprintf(k, sizeof(k), "%s_cli_cpu_ns", prefix);
	bench_emit(k, st->cli_cpu_ns);
	snprintf(k, sizeof(k), "%s_srv_cpu_ns", prefix);
	bench_emit(k, st->srv_cpu_ns);
	snprintf(k, sizeof(k), "%s_cli_sleeps", prefix);
	bench_emit(k, st->cli_sleeps);
	snprintf(k, sizeof(k), "%s_srv_sleeps", prefix);
	bench_emit(k, st->srv_sleeps);
}

/* CPU time and context switches of one task, from /proc/PID/task/TID. */
static void task_usage(const char *dir, struct bench_usage *u)
{
	char path[360], line[128];
	unsigned long long run, ut, st;
	unsigned long v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/schedstat", dir);
	f = fopen(path, "r");
	if (f && fscanf(f, "%llu", &run) == 1) {
		u->cpu_ns += (double)run;
	} else {
		/* no schedstat: utime + stime in clock ticks (coarse) */
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "%s/stat", dir);
		f = fopen(path, "r");
		if (f && fscanf(f,
				"%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %llu %llu",
				&ut, &st) == 2)
			u->cpu_ns += (double)(ut + st) * 1e9 /
				     (double)sysconf(_SC_CLK_TCK);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/status", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %lu", &v) == 1)
			u->vcsw += (double)v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %lu", &v) ==
			 1)
			u->ivcsw += (double)v;
	}
	if (f)
		fclose(f);
}

int bench_usage(pid_t pid, struct bench_usage *u)
{
	char path[64], dir[320];
	struct dirent *e;
	DIR *d;

	memset(u, 0, sizeof(*u));
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", path, e->d_name);
		task_usage(dir, u);
	}
	closedir(d);
	return 0;
}

long bench_rss_kib(pid_t pid)
{
	char path[64], line[128];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int bench_time_op_usage(bench_op_fn op, void *ctx, pid_t peer,
			struct bench_stat *st)
{
	struct bench_usage c0, c1, s0, s1;
	int r, ok;

	ok = bench_usage(getpid(), &c0) == 0 && bench_usage(peer, &s0) == 0;
	r = bench_time_op(op, ctx, st);
	st->have_usage = 0;
	if (r < 0 || !ok || st->total <= 0 || bench_usage(getpid(), &c1) < 0 ||
	    bench_usage(peer, &s1) < 0)
		return r;
	st->have_usage = 1;
	st->cli_cpu_ns = (c1.cpu_ns - c0.cpu_ns) / (double)st->total;
	st->srv_cpu_ns = (s1.cpu_ns - s0.cpu_ns) / (double)st->total;
	st->cli_sleeps = (c1.vcsw - c0.vcsw) / (double)st->total;
	st->srv_sleeps = (s1.vcsw - s0.vcsw) / (double)st->total;
	return r;
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

pid_t bench_ipcd_pid(void)
{
	const char *sock = getenv("NTOSIM_SOCKET");
	char path[4200];
	FILE *f;
	int pid = -1;

	if (!sock || !*sock)
		return -1;
	snprintf(path, sizeof(path), "%s.pid", sock);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &pid) != 1)
		pid = -1;
	if (f)
		fclose(f);
	return pid;
}
