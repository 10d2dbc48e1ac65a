/*
 * bench: ntosim's side-by-side benchmark (`make bench`). The orchestrator:
 * runs each section's cases as fresh child processes with bounded waits,
 * keeps their results, prints the tables, the targets and a key=value
 * summary, and writes the report to -o FILE. A report, not a test: nothing
 * here asserts a time.
 *
 *	bench [-o FILE] [-s SECTION,...] [-t REP_SECONDS] [-T TIMEOUT] [-l]
 *	bench --case NAME ARGS...	(internal: one measurement)
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* The sections, in report order. Add new ones here (see bench.h). */
static const struct bench_section sections[] = {
	{"rt", "round trips: MsgSend vs the floor, futex, Unix socket, pipe",
	 rt_section},
	{"tput", "throughput with 1, 2, 8 clients, vs Unix-socket clients",
	 tput_section},
	{"idle", "CPU burnt by blocked servers and clients", idle_section},
	{"connect",
	 "connection set-up: ConnectAttach, open, name_open vs "
	 "Unix connect",
	 connect_section},
	{"scale", "round trip with many idle connections; ipcd, server RSS",
	 scale_section},
	{"recovery", "server SIGKILL to first recovered reply (libha)",
	 recovery_section},
};

/* The cases a child can be asked to run (`bench --case NAME ...`). */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cases[] = {
	{"rt-msg", rt_msg_case},     {"rt-base", rt_base_case},
	{"rt-floor", rt_floor_case}, {"idle", idle_case},
	{"scale", scale_case},	     {"tput", tput_case},
	{"connect", connect_case},   {"recovery", recovery_case},
	{"server", recovery_server},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

double bench_rep_s = 0.3;
double bench_timeout_s = 60;
const char *bench_self;

/* ---- report text ---- */

static char *rpt_buf;
static size_t rpt_len;
static FILE *rpt_mem;
static int progress_open; /* a line of progress dots is open on stderr */

void rpt(const char *fmt, ...)
{
	va_list ap;

	if (progress_open) {
		fputc('\n', stderr);
		progress_open = 0;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (!rpt_mem)
		rpt_mem = open_memstream(&rpt_buf, &rpt_len);
	if (rpt_mem) {
		va_start(ap, fmt);
		vfprintf(rpt_mem, fmt, ap);
		va_end(ap);
	}
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	if (progress_open) {
		fputc('\n', stderr);
		progress_open = 0;
	}
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- result store ---- */

enum { RES_OK, RES_FAILED, RES_SKIPPED };

#define RES_MAX 1024
static struct res {
	char key[64];
	double v;
	int state;
	char why[96];
} res[RES_MAX];
static int nres;

static struct res *res_slot(const char *key)
{
	int i;

	for (i = 0; i < nres; i++)
		if (!strcmp(res[i].key, key))
			return &res[i];
	if (nres == RES_MAX) {
		bench_note("result store full: %s dropped (raise RES_MAX)",
			   key);
		return NULL;
	}
	snprintf(res[nres].key, sizeof(res[nres].key), "%s", key);
	return &res[nres++];
}

void res_set(const char *key, double v)
{
	struct res *r = res_slot(key);

	if (r) {
		r->v = v;
		r->state = RES_OK;
		r->why[0] = 0;
	}
}

static void res_mark(const char *key, int state, const char *why)
{
	struct res *r = res_slot(key);

	if (r) {
		r->state = state;
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
	}
}

void res_fail(const char *key, const char *why)
{
	res_mark(key, RES_FAILED, why);
}

void res_skip(const char *key, const char *why)
{
	res_mark(key, RES_SKIPPED, why);
}

int res_get(const char *key, double *v)
{
	int i;

	for (i = 0; i < nres; i++)
		if (!strcmp(res[i].key, key) && res[i].state == RES_OK) {
			*v = res[i].v;
			return 0;
		}
	return -1;
}

const char *res_fmt(const char *key, int width, int prec, double scale)
{
	static char ring[8][48];
	static int next;
	char *s = ring[next++ % 8];
	double v;
	int i;

	if (res_get(key, &v) == 0) {
		snprintf(s, 48, "%*.*f", width, prec, v * scale);
		return s;
	}
	for (i = 0; i < nres; i++)
		if (!strcmp(res[i].key, key))
			break;
	snprintf(s, 48, "%*s", width,
		 i == nres		       ? "-"
		 : res[i].state == RES_SKIPPED ? "skip"
					       : "FAILED");
	return s;
}

/* ---- helpers for the sections ---- */

const char *bench_size_label(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%zum", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%zuk", n / 1024);
	else
		snprintf(buf, len, "%zu", n);
	return buf;
}

const char *bench_size_human(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu B", n);
	return buf;
}

void bench_ratio(const char *key, const char *num, const char *den)
{
	double a, b;

	if (res_get(num, &a) == 0 && res_get(den, &b) == 0 && b > 0)
		res_set(key, a / b);
}

/* ---- cases as child processes ---- */

int bench_val(const struct bench_vals *v, const char *key, double *out)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->key[i], key)) {
			*out = v->val[i];
			return 0;
		}
	return -1;
}

static void parse_line(struct bench_vals *out, char *line)
{
	char key[32];
	double v;

	if (sscanf(line, "%31s %lf", key, &v) != 2 || out->n == BENCH_MAX_VALS)
		return;
	snprintf(out->key[out->n], sizeof(out->key[0]), "%s", key);
	out->val[out->n++] = v;
}

/* Read what the pipe has and parse its complete lines. Returns the read
 * count: 0 at EOF (or on an error), > 0 otherwise. */
static ssize_t read_lines(int fd, char *buf, size_t *have, size_t size,
			  struct bench_vals *out)
{
	ssize_t r = read(fd, buf + *have, size - 1 - *have);
	char *nl;

	if (r <= 0)
		return r < 0 && errno == EINTR ? 1 : 0;
	*have += (size_t)r;
	buf[*have] = 0;
	while ((nl = strchr(buf, '\n'))) {
		*nl = 0;
		parse_line(out, buf);
		*have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *have + 1);
	}
	if (*have == size - 1)
		*have = 0; /* an overlong line: drop it */
	return r;
}

/* Exit status of pid without reaping it (so its pid, our pgid, stays ours
 * until we have killed the group); -1 while it runs. */
static int peek_exit(pid_t pid, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	if (waitid(P_PID, (id_t)pid, si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	return si->si_pid == pid ? 0 : -1;
}

int bench_case(const char *const argv[], const char *const env[],
	       double timeout_s, struct bench_vals *out)
{
	const char *args[24];
	char buf[4096];
	size_t have = 0;
	uint64_t deadline;
	siginfo_t si;
	int p[2], i, n = 0, eof = 0, timed_out = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (timeout_s <= 0)
		timeout_s = bench_timeout_s;
	args[n++] = bench_self;
	args[n++] = "--case";
	for (i = 0; argv[i] && n < (int)NELEM(args) - 1; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (pipe(p) < 0) {
		snprintf(out->why, sizeof(out->why), "pipe: %s",
			 strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(out->why, sizeof(out->why), "fork: %s",
			 strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execv(bench_self, (char *const *)args);
		fprintf(stderr, "bench: exec %s: %s\n", bench_self,
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* also done by the child: no window either way */
	close(p[1]);
	deadline = bench_now_ns() + (uint64_t)(timeout_s * 1e9);
	/* Until the case exits or its time is up. Not until EOF: something
	 * it forked and left behind may still hold the pipe. */
	for (;;) {
		uint64_t now = bench_now_ns();
		struct pollfd pfd = {p[0], POLLIN, 0};

		if (peek_exit(pid, &si) == 0)
			break;
		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		if (eof) {
			bench_sleep_s(0.005);
			continue;
		}
		if (poll(&pfd, 1, 50) > 0 &&
		    read_lines(p[0], buf, &have, sizeof(buf), out) == 0)
			eof = 1;
	}
	/* the case's whole group: whatever it forked and did not reap; then
	 * every writer is gone and the rest of the pipe ends in EOF */
	kill(-pid, SIGKILL);
	while (!eof && read_lines(p[0], buf, &have, sizeof(buf), out) > 0)
		;
	close(p[0]);
	waitpid(pid, NULL, 0);
	fputc('.', stderr);
	progress_open = 1;
	if (timed_out) {
		snprintf(out->why, sizeof(out->why), "timeout after %.1f s",
			 timeout_s);
		return -1;
	}
	if (si.si_code != CLD_EXITED || si.si_status != 0) {
		snprintf(out->why, sizeof(out->why), "%s %d",
			 si.si_code == CLD_EXITED ? "exit" : "signal",
			 si.si_status);
		return -1;
	}
	if (out->n == 0) {
		snprintf(out->why, sizeof(out->why), "no result");
		return -1;
	}
	return 0;
}

void bench_interleave(const struct bench_job *jobs, int n)
{
	static double v[BENCH_MAX_JOBS][5][BENCH_REPS];
	int got[BENCH_MAX_JOBS][5] = {{0}}, failed[BENCH_MAX_JOBS] = {0};
	const char *env[16];
	struct bench_vals vals;
	double x;
	int r, j, k;

	if (n > BENCH_MAX_JOBS)
		n = BENCH_MAX_JOBS;
	for (r = 0; r < BENCH_REPS; r++)
		for (j = 0; j < n; j++) {
			if (failed[j])
				continue;
			k = 0;
			while (jobs[j].env && jobs[j].env[k] && k < 14) {
				env[k] = jobs[j].env[k];
				k++;
			}
			env[k++] = "NTOSIM_BENCH_REPS=1";
			env[k] = NULL;
			if (bench_case(jobs[j].argv, env, 0, &vals) < 0 ||
			    bench_val(&vals, jobs[j].val, &x) < 0) {
				failed[j] = 1;
				res_fail(jobs[j].key,
					 vals.why[0] ? vals.why : "no value");
				bench_note("%s failed: %s", jobs[j].key,
					   vals.why[0] ? vals.why : "no value");
				continue;
			}
			v[j][0][got[j][0]++] = x * jobs[j].scale;
			for (k = 0; k < 4 && jobs[j].more[k]; k++)
				if (bench_val(&vals, jobs[j].more[k], &x) == 0)
					v[j][k + 1][got[j][k + 1]++] =
						x * jobs[j].more_scale[k];
		}
	for (j = 0; j < n; j++) {
		if (failed[j] || !got[j][0])
			continue;
		res_set(jobs[j].key, bench_median(v[j][0], got[j][0]));
		for (k = 0; k < 4 && jobs[j].more[k]; k++)
			if (got[j][k + 1])
				res_set(jobs[j].more_key[k],
					bench_median(v[j][k + 1],
						     got[j][k + 1]));
	}
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [-o FILE] [-s SECTION,...] [-t REP_SECONDS] "
		"[-T CASE_TIMEOUT] [-l]\n");
	exit(2);
}

static int selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!list)
		return 1;
	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

/* Record the 1-minute load average: other work on a small machine is the
 * first suspect when numbers move. */
void bench_loadavg(const char *key)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l;

	if (f && fscanf(f, "%lf", &l) == 1) {
		res_set(key, l);
		rpt("load average (1 min): %.2f\n", l);
	}
	if (f)
		fclose(f);
}

static void header(void)
{
	struct utsname u;
	char date[64];
	time_t t = time(NULL);
	const char *spin = getenv("NTOSIM_SPIN_US");

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %z", localtime(&t));
	uname(&u);
	rpt("ntosim bench  %s\n", date);
	rpt("machine: %s %s %s, nproc %ld; spin %s; %.2f s per repetition; "
	    "medians of %d\n",
	    u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	    spin && *spin ? spin : "default", bench_rep_s, BENCH_REPS);
	res_set("host.nproc", (double)sysconf(_SC_NPROCESSORS_ONLN));
	bench_loadavg("host.loadavg_start");
	rpt("\n");
}

static void summary(const char *date_uname)
{
	int i, failed = 0;

	for (i = 0; i < nres; i++)
		if (res[i].state == RES_FAILED)
			rpt("%s%s: %s\n", failed++ ? "" : "\nfailed rows:\n",
			    res[i].key, res[i].why);
	failed = 0;
	rpt("\n--- summary (key=value) ---\n");
	rpt("%s", date_uname);
	for (i = 0; i < nres; i++) {
		if (res[i].state == RES_OK)
			rpt("%s=%.4g\n", res[i].key, res[i].v);
		else if (res[i].state == RES_SKIPPED)
			rpt("%s=skipped\n", res[i].key);
		else {
			rpt("%s=failed\n", res[i].key);
			failed++;
		}
	}
	rpt("failed=%d\n--- end summary ---\n", failed);
}

static int write_file(const char *path)
{
	FILE *f;

	if (!path || !rpt_mem)
		return 0;
	fflush(rpt_mem);
	f = fopen(path, "w");
	if (!f || fwrite(rpt_buf, 1, rpt_len, f) != rpt_len || fclose(f)) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char self[4096];
	const char *out = NULL, *only = NULL;
	char meta[512], date[64];
	struct utsname u;
	time_t t;
	ssize_t n;
	size_t i;
	int c, failed = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	bench_self = n > 0 ? (self[n] = 0, self) : argv[0];
	if (getenv("NTOSIM_BENCH_REP_S"))
		bench_rep_s = atof(getenv("NTOSIM_BENCH_REP_S"));
	if (bench_rep_s <= 0)
		bench_rep_s = 0.3;

	if (argc >= 3 && !strcmp(argv[1], "--case")) {
		if (getenv("NTOSIM_BENCH_REPS"))
			bench_reps = atoi(getenv("NTOSIM_BENCH_REPS"));
		if (bench_reps < 1 || bench_reps > BENCH_MAX_REPS)
			bench_reps = BENCH_REPS;
		for (i = 0; i < NELEM(cases); i++)
			if (!strcmp(cases[i].name, argv[2]))
				return cases[i].fn(argc - 2, argv + 2);
		fprintf(stderr, "bench: unknown case %s\n", argv[2]);
		return 2;
	}

	while ((c = getopt(argc, argv, "o:s:t:T:l")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			only = optarg;
			break;
		case 't':
			bench_rep_s = atof(optarg);
			if (bench_rep_s <= 0)
				usage();
			break;
		case 'T':
			bench_timeout_s = atof(optarg);
			if (bench_timeout_s <= 0)
				usage();
			break;
		case 'l':
			for (i = 0; i < NELEM(sections); i++)
				printf("%-10s %s\n", sections[i].name,
				       sections[i].what);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* the cases read it from the environment */
	snprintf(meta, sizeof(meta), "%g", bench_rep_s);
	setenv("NTOSIM_BENCH_REP_S", meta, 1);

	t = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	uname(&u);
	snprintf(meta, sizeof(meta), "date=%s\nhost.kernel=%s\nspin_us=%s\n",
		 date, u.release,
		 getenv("NTOSIM_SPIN_US") && *getenv("NTOSIM_SPIN_US")
			 ? getenv("NTOSIM_SPIN_US")
			 : "default");
	header();
	for (i = 0; i < NELEM(sections); i++)
		if (selected(only, sections[i].name)) {
			fprintf(stderr, "bench: %s ", sections[i].name);
			progress_open = 1;
			sections[i].run();
		}
	bench_loadavg("host.loadavg_end");
	rpt("\n");
	targets_report();
	summary(meta);
	for (c = 0; c < nres; c++)
		failed += res[c].state == RES_FAILED;
	if (write_file(out) < 0)
		return 1;
	return failed ? 1 : 0;
}
