/*
 * Recovery time: a name_attach echo server (this binary, exec'd) is
 * SIGKILLed and restarted at once, as a restart manager would; a libha
 * client (ha_name_open, built-in recovery waiting for the name) sends its
 * next message. Reported: kill to first recovered reply, beside the time
 * to exec a server until its name is registered, and their difference.
 * Skipped if libnto has no name_attach.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "bench.h"

/* name_attach is checked as msg.c checks name_open; libha is linked in
 * (a weak reference alone would let --as-needed drop it). */
#pragma weak name_attach

#define RECOVERY_REPS 11
#define WAIT_MS	      5000

extern char **environ;

/* argv: server NAME. name_attach NAME (retrying while a killed
 * predecessor's registration is still being cleaned up) and echo. */
int recovery_server(int argc, char **argv)
{
	name_attach_t *att = NULL;
	uint64_t limit = bench_now_ns() + 5000000000ull;

	if (argc != 2 || !name_attach)
		return 2;
	while (!(att = name_attach(NULL, argv[1], 0)) && errno == EEXIST &&
	       bench_now_ns() < limit)
		bench_sleep_s(0.0001);
	if (!att) {
		fprintf(stderr, "bench: name_attach %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	return bench_serve(att->chid);
}

static pid_t spawn_server(const char *name)
{
	char *argv[] = {(char *)bench_self, (char *)"--case", (char *)"server",
			(char *)name, NULL};
	pid_t pid;
	int r = posix_spawn(&pid, bench_self, NULL, NULL, argv, environ);

	if (r) {
		fprintf(stderr, "bench: spawn server: %s\n", strerror(r));
		return -1;
	}
	return pid;
}

static int send64(int coid)
{
	char s[64], r[64];

	bench_fill(s, sizeof(s), 3);
	if (MsgSend(coid, s, sizeof(s), r, sizeof(r)) < 0)
		return -errno;
	return bench_check(r, sizeof(r), 3) < 0 ? -EPROTO : 0;
}

/* The restart alone: exec a server under a fresh name until the name is
 * registered. ms, or -1. */
static double restart_once(const char *base, int i)
{
	char n2[80], p2[144];
	uint64_t t0 = bench_now_ns();
	pid_t pid;
	double ms;

	snprintf(n2, sizeof(n2), "%s-x%d", base, i);
	snprintf(p2, sizeof(p2), "/dev/name/local/%s", n2);
	pid = spawn_server(n2);
	if (pid < 0 || nto_path_wait(p2, WAIT_MS) < 0) {
		fprintf(stderr, "bench: %s did not register\n", n2);
		bench_kill(pid);
		return -1;
	}
	ms = (double)(bench_now_ns() - t0) / 1e6;
	bench_kill(pid);
	return ms;
}

/* argv: recovery. Prints recover_ms (and min, max), restart_ms, reap_ms
 * (medians), or skip 1. The restart-alone and the recovery samples
 * alternate, so both see the same machine. */
int recovery_case(int argc, char **argv)
{
	double rec[RECOVERY_REPS], rst[RECOVERY_REPS], reap[RECOVERY_REPS];
	int verbose = getenv("NTOSIM_BENCH_VERBOSE") != NULL;
	char name[64], path[128];
	uint64_t t0, t1, t2;
	pid_t srv;
	int coid, i, e, r = 1;

	(void)argc;
	(void)argv;
	if (!name_attach) {
		bench_emit("skip", 1);
		return 0;
	}
	snprintf(name, sizeof(name), "ntosim-bench-rec-%d", (int)getpid());
	snprintf(path, sizeof(path), "/dev/name/local/%s", name);
	srv = spawn_server(name);
	if (srv < 0 || nto_path_wait(path, WAIT_MS) < 0) {
		fprintf(stderr, "bench: server did not register %s\n", name);
		goto out;
	}
	coid = ha_name_open(name, 0, NULL, NULL, 0);
	if (coid < 0 || ha_connection_ctrl(coid, HA_RECOVERY_WAIT_MS,
					   (void *)(intptr_t)WAIT_MS) < 0) {
		fprintf(stderr, "bench: ha_name_open %s: %s\n", name,
			strerror(errno));
		goto out;
	}
	for (i = 0; i < 1000; i++) {
		e = send64(coid);
		if (e < 0) {
			fprintf(stderr, "bench: MsgSend: %s\n", strerror(-e));
			goto out;
		}
	}

	for (i = 0; i < RECOVERY_REPS; i++) {
		rst[i] = restart_once(name, i);
		if (rst[i] < 0)
			goto out;
		bench_sleep_s(0.01); /* let the last server settle */
		t0 = bench_now_ns();
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
		t1 = bench_now_ns();
		srv = spawn_server(name);
		e = send64(coid); /* fails, recovers through libha, resends */
		t2 = bench_now_ns();
		if (srv < 0 || e < 0) {
			fprintf(stderr, "bench: recovered MsgSend: %s\n",
				strerror(-e));
			goto out;
		}
		reap[i] = (double)(t1 - t0) / 1e6;
		rec[i] = (double)(t2 - t0) / 1e6;
		if (verbose)
			fprintf(stderr,
				"recovery %d: restart alone %.3f ms, reap "
				"%.3f ms, kill to reply %.3f ms\n",
				i, rst[i], reap[i], rec[i]);
	}
	bench_emit("recover_ms", bench_median(rec, RECOVERY_REPS));
	bench_emit("recover_min_ms", rec[0]);
	bench_emit("recover_max_ms", rec[RECOVERY_REPS - 1]);
	bench_emit("restart_ms", bench_median(rst, RECOVERY_REPS));
	bench_emit("reap_ms", bench_median(reap, RECOVERY_REPS));
	r = 0;
out:
	bench_kill(srv);
	return r;
}

void recovery_section(void)
{
	const char *argv[] = {"recovery", NULL};
	struct bench_vals v;
	double rec, rst, reap, lo, hi, x;
	static const char *const keys[] = {"recovery.kill_to_reply_ms",
					   "recovery.kill_to_reply_min_ms",
					   "recovery.kill_to_reply_max_ms",
					   "recovery.restart_ms",
					   "recovery.reap_ms",
					   "recovery.beyond_restart_ms"};
	size_t i;

	if (bench_case(argv, NULL, 0, &v) < 0) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			res_fail(keys[i], v.why);
		bench_note("recovery failed: %s", v.why);
	} else if (bench_val(&v, "skip", &x) == 0) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			res_skip(keys[i], "no name_attach in libnto");
	} else if (bench_val(&v, "recover_ms", &rec) == 0 &&
		   bench_val(&v, "recover_min_ms", &lo) == 0 &&
		   bench_val(&v, "recover_max_ms", &hi) == 0 &&
		   bench_val(&v, "restart_ms", &rst) == 0 &&
		   bench_val(&v, "reap_ms", &reap) == 0) {
		res_set(keys[0], rec);
		res_set(keys[1], lo);
		res_set(keys[2], hi);
		res_set(keys[3], rst);
		res_set(keys[4], reap);
		res_set(keys[5], rec - rst);
	} else {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			res_fail(keys[i], "no value");
	}
	rpt("Recovery after SIGKILL of a name_attach server, libha client "
	    "(ms, median of %d)\n",
	    RECOVERY_REPS);
	rpt("%-50s %9s\n", "kill -> killed server reaped",
	    res_fmt(keys[4], 9, 2, 1));
	rpt("%-50s %9s\n", "exec server -> name registered (restart alone)",
	    res_fmt(keys[3], 9, 2, 1));
	rpt("%-50s %9s  (min %s, max %s)\n",
	    "kill -> first recovered reply (restart included)",
	    res_fmt(keys[0], 9, 2, 1), res_fmt(keys[1], 0, 2, 1),
	    res_fmt(keys[2], 0, 2, 1));
	rpt("%-50s %9s\n", "recovery beyond the restart",
	    res_fmt(keys[5], 9, 2, 1));
	rpt("\n");
}
