/*
 * The round-trip section (orchestrator side): MsgSend beside the floor (a
 * futex hand-off with libnto's spin policy, floor.c), a plain futex
 * hand-off, a Unix socket and a pipe, for every size; where the time goes
 * (sleeps and CPU per round trip on each side); and the 64 B round trip
 * with the spin budget at 0, the default and 100 us. The cases live in
 * msg.c, floor.c and baselines.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char *const spin0_env[] = {"NTOSIM_SPIN_US=0", NULL};
static const char *const spin100_env[] = {"NTOSIM_SPIN_US=100", NULL};
static const char *const spin1000_env[] = {"NTOSIM_SPIN_US=1000", NULL};
static const char *const start_off_env[] = {"NTOSIM_BENCH_SPIN_START_OFF=1",
					    NULL};

/* The columns of the main table: key part, case, method arg, env. */
static const struct method {
	const char *key, *head, *cas, *arg;
	const char *const *env;
} methods[] = {
	{"msgsend", "MsgSend", "rt-msg", NULL, NULL},
	{"msgsend_spin0", "Msg spin0", "rt-msg", NULL, spin0_env},
	{"floor", "floor", "rt-floor", NULL, NULL},
	{"futex", "futex", "rt-base", "futex", NULL},
	{"unix", "unix", "rt-base", "unix", NULL},
	{"pipe", "pipe", "rt-base", "pipe", NULL},
};
#define NMETHODS (int)(sizeof(methods) / sizeof(methods[0]))

/* Extra 64 B jobs: the spin budget at 0, 100 us and 1 ms (the most
 * libnto allows: with a CPU each, nobody sleeps, and what is left is the
 * path itself). */
static const struct method spin100[] = {
	{"floor_spin0", "", "rt-floor", NULL, spin0_env},
	{"msgsend_spin100", "", "rt-msg", NULL, spin100_env},
	{"floor_spin100", "", "rt-floor", NULL, spin100_env},
	{"msgsend_spin1000", "", "rt-msg", NULL, spin1000_env},
	{"floor_spin1000", "", "rt-floor", NULL, spin1000_env},
	{"floor_start_off", "", "rt-floor", NULL, start_off_env},
};
#define NSPIN100 (int)(sizeof(spin100) / sizeof(spin100[0]))

#define MAXJOBS (8 * NMETHODS + NSPIN100)

/* Per-round-trip usage values each case prints, stored beside rt_us. */
static const char *const usage_vals[] = {"rt_cli_sleeps", "rt_srv_sleeps",
					 "rt_cli_cpu_ns", "rt_srv_cpu_ns"};
static const char *const usage_keys[] = {"cli_sleeps", "srv_sleeps",
					 "cli_cpu_us", "srv_cpu_us"};

static void add_job(struct bench_job *jobs, int *n, const struct method *m,
		    size_t size)
{
	static char sz[MAXJOBS][24], keys[MAXJOBS * 5][64];
	static const char *argv[MAXJOBS][4];
	char lab[24];
	int j = *n, u;

	bench_size_label(size, lab, sizeof(lab));
	snprintf(sz[j], sizeof(sz[j]), "%zu", size);
	argv[j][0] = m->cas;
	argv[j][1] = m->arg ? m->arg : sz[j];
	argv[j][2] = m->arg ? sz[j] : NULL;
	argv[j][3] = NULL;
	snprintf(keys[j * 5], sizeof(keys[0]), "rt.%s.%s_us", lab, m->key);
	memset(&jobs[j], 0, sizeof(jobs[j]));
	jobs[j].argv = argv[j];
	jobs[j].env = m->env;
	jobs[j].key = keys[j * 5];
	jobs[j].val = "rt_ns";
	jobs[j].scale = 1e-3;
	for (u = 0; u < 4; u++) {
		snprintf(keys[j * 5 + 1 + u], sizeof(keys[0]), "rt.%s.%s.%s",
			 lab, m->key, usage_keys[u]);
		jobs[j].more[u] = usage_vals[u];
		jobs[j].more_key[u] = keys[j * 5 + 1 + u];
		jobs[j].more_scale[u] = u < 2 ? 1 : 1e-3;
	}
	*n = j + 1;
}

static void ratios(void)
{
	static const char *const vs[] = {"floor", "unix", "futex"};
	char lab[24], key[64], num[64], den[64];
	int i, k;

	for (i = 0; i < bench_nsizes; i++) {
		bench_size_label(bench_sizes[i], lab, sizeof(lab));
		snprintf(num, sizeof(num), "rt.%s.msgsend_us", lab);
		for (k = 0; k < 3; k++) {
			snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_%s",
				 lab, vs[k]);
			snprintf(den, sizeof(den), "rt.%s.%s_us", lab, vs[k]);
			bench_ratio(key, num, den);
		}
		snprintf(key, sizeof(key), "rt.%s.ratio_floor_unix", lab);
		snprintf(num, sizeof(num), "rt.%s.floor_us", lab);
		snprintf(den, sizeof(den), "rt.%s.unix_us", lab);
		bench_ratio(key, num, den);
	}
}

static void target(const char *what, const char *key, double limit)
{
	double v;

	if (res_get(key, &v) == 0)
		rpt("  %-34s %6.2f  (target <= %.1f: %s)\n", what, v, limit,
		    v <= limit ? "met" : "missed");
	else
		rpt("  %-34s %6s  (target <= %.1f)\n", what, "n/a", limit);
}

static void usage_cell(const char *lab, const char *m, const char *a,
		       const char *b, int prec)
{
	char k1[64], k2[64];

	snprintf(k1, sizeof(k1), "rt.%s.%s.%s", lab, m, a);
	snprintf(k2, sizeof(k2), "rt.%s.%s.%s", lab, m, b);
	rpt(" %s/%s", res_fmt(k1, 5, prec, 1), res_fmt(k2, -5, prec, 1));
}

void rt_section(void)
{
	struct bench_job jobs[MAXJOBS];
	char key[64], k2[64], k3[64], lab[24], hum[24];
	int i, m, n = 0;

	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < bench_nsizes && i < 8; i++)
		for (m = 0; m < NMETHODS; m++)
			add_job(jobs, &n, &methods[m], bench_sizes[i]);
	for (m = 0; m < NSPIN100; m++)
		add_job(jobs, &n, &spin100[m], 64);
	bench_interleave(jobs, n);
	ratios();

	rpt("Round trip between two processes: send N bytes, reply N bytes "
	    "(us, median)\n");
	rpt("%-8s", "size");
	for (m = 0; m < NMETHODS; m++)
		rpt(" %9s", methods[m].head);
	rpt(" %9s %9s %9s\n", "Msg/floor", "Msg/unix", "floor/unix");
	for (i = 0; i < bench_nsizes; i++) {
		bench_size_label(bench_sizes[i], lab, sizeof(lab));
		rpt("%-8s", bench_size_human(bench_sizes[i], hum, sizeof(hum)));
		for (m = 0; m < NMETHODS; m++) {
			snprintf(key, sizeof(key), "rt.%s.%s_us", lab,
				 methods[m].key);
			rpt(" %s", res_fmt(key, 9, 2, 1));
		}
		snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_floor", lab);
		rpt(" %s", res_fmt(key, 9, 2, 1));
		snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_unix", lab);
		rpt(" %s", res_fmt(key, 9, 2, 1));
		snprintf(key, sizeof(key), "rt.%s.ratio_floor_unix", lab);
		rpt(" %s\n", res_fmt(key, 9, 2, 1));
	}
	rpt("(MsgSend: default spin; Msg spin0: NTOSIM_SPIN_US=0; floor: "
	    "shared-memory futex hand-off with libnto's spin policy and the "
	    "same 4 copies; futex: the same with no spin; unix: socketpair; "
	    "pipe: two pipes)\n");
	rpt("targets (reported, not asserted):\n");
	target("64 B MsgSend / floor", "rt.64.ratio_msgsend_floor", 2.0);
	target("1 KiB MsgSend / floor", "rt.1k.ratio_msgsend_floor", 2.0);
	target("64 KiB MsgSend / floor", "rt.64k.ratio_msgsend_floor", 1.3);
	target("1 MiB MsgSend / floor", "rt.1m.ratio_msgsend_floor", 1.3);
	for (i = 0; i < bench_nsizes; i++) {
		char what[64];

		bench_size_label(bench_sizes[i], lab, sizeof(lab));
		snprintf(what, sizeof(what), "%s MsgSend / unix",
			 bench_size_human(bench_sizes[i], hum, sizeof(hum)));
		snprintf(key, sizeof(key), "rt.%s.ratio_msgsend_unix", lab);
		target(what, key, 1.0);
	}

	rpt("\nWhere a round trip goes: sleeps (voluntary context switches) "
	    "and CPU us per round trip, client/server\n");
	rpt("%-8s %11s %11s %11s %11s %11s %11s\n", "size", "Msg sleeps",
	    "floor sleeps", "unix sleeps", "Msg CPU", "floor CPU", "unix CPU");
	for (i = 0; i < bench_nsizes; i++) {
		bench_size_label(bench_sizes[i], lab, sizeof(lab));
		rpt("%-8s", bench_size_human(bench_sizes[i], hum, sizeof(hum)));
		usage_cell(lab, "msgsend", "cli_sleeps", "srv_sleeps", 2);
		usage_cell(lab, "floor", "cli_sleeps", "srv_sleeps", 2);
		usage_cell(lab, "unix", "cli_sleeps", "srv_sleeps", 2);
		usage_cell(lab, "msgsend", "cli_cpu_us", "srv_cpu_us", 1);
		usage_cell(lab, "floor", "cli_cpu_us", "srv_cpu_us", 1);
		usage_cell(lab, "unix", "cli_cpu_us", "srv_cpu_us", 1);
		rpt("\n");
	}
	rpt("(sleeps: waits that blocked, near 0 when the spin catches the "
	    "peer; when nobody can spin, about 0.5 a side, the other half "
	    "of the hand-offs finding the answer already there)\n");

	rpt("\nThe spin budget, 64 B round trip (us; sleeps per round trip "
	    "client/server)\n");
	rpt("%-16s %9s %11s %9s %11s %9s\n", "NTOSIM_SPIN_US", "MsgSend",
	    "sleeps", "floor", "sleeps", "Msg/floor");
	{
		static const struct {
			const char *what, *msg, *flr;
		} rows[] = {
			{"0", "msgsend_spin0", "floor_spin0"},
			{"20 (default)", "msgsend", "floor"},
			{"100", "msgsend_spin100", "floor_spin100"},
			{"1000", "msgsend_spin1000", "floor_spin1000"},
			{"20, floor off", "msgsend", "floor_start_off"},
		};

		for (i = 0; i < 5; i++) {
			rpt("%-16s", rows[i].what);
			snprintf(key, sizeof(key), "rt.64.%s_us", rows[i].msg);
			rpt(" %s", res_fmt(key, 9, 2, 1));
			usage_cell("64", rows[i].msg, "cli_sleeps",
				   "srv_sleeps", 2);
			snprintf(key, sizeof(key), "rt.64.%s_us", rows[i].flr);
			rpt(" %s", res_fmt(key, 9, 2, 1));
			usage_cell("64", rows[i].flr, "cli_sleeps",
				   "srv_sleeps", 2);
			snprintf(key, sizeof(key), "rt.64.ratio_%s",
				 rows[i].msg);
			snprintf(k2, sizeof(k2), "rt.64.%s_us", rows[i].msg);
			snprintf(k3, sizeof(k3), "rt.64.%s_us", rows[i].flr);
			bench_ratio(key, k2, k3);
			rpt(" %s\n", res_fmt(key, 9, 2, 1));
		}
	}
	rpt("(\"20, floor off\": the floor's spin budgets start at 0, as "
	    "after a run of spins that did not pay; MsgSend repeated)\n\n");
}
