/*
 * ham_recovery: recovery time through the real restart manager. A private
 * ipcd and ntosim-ham run the pattern device and the key-value server; a
 * libha client (an HA fd reading the pattern; an ha_name_open connection
 * to kv) is idle when the bench SIGKILLs the server, then issues its next
 * request and times the first successful reply. Beside it, the floor: the
 * time to exec the same server and have it register (posix_spawn to
 * nto_path_wait), measured alternately in the same run. Reports medians,
 * the ratio, and the manager's own death-to-ready time. `make bench` runs
 * it (bench-ham); never part of make check.
 *
 *	ham_recovery [-n REPS] [-v]     (NTOSIM_BUILDDIR: where the programs
 *are)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/ham/hamproto.h"
#include "servers/kv/kvproto.h"

#define WAIT_MS	 10000
#define PAT_PATH "/dev/bench-pattern"
#define KV_BENCH "bench-kv"
#define CHUNK	 4096

extern char **environ;

static const char *builddir;
static char tmp[256], sock[300];
static pid_t ham_pid = -1;
static int ham_coid = -1, verbose;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The real program behind a libtool wrapper (an exec of the wrapper would
 * add a shell's start-up to every restart). */
static char *prog(const char *name)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ & 3];

	snprintf(b, sizeof(buf[0]), "%s/.libs/%s", builddir, name);
	if (access(b, X_OK) != 0)
		snprintf(b, sizeof(buf[0]), "%s/%s", builddir, name);
	return b;
}

static pid_t spawn_proc(char *const argv[], const char *errlog)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	posix_spawn_file_actions_init(&fa);
	if (errlog)
		posix_spawn_file_actions_addopen(
			&fa, 2, errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		fprintf(stderr, "ham_recovery: %s: %s\n", argv[0], strerror(r));
		return -1;
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static int ham_req(int op, const char *name, int state, unsigned min,
		   struct ham_ent_status *st)
{
	struct ham_req q;

	memset(&q, 0, sizeof(q));
	q.type = HAM_MSG_TYPE;
	q.op = (uint16_t)op;
	q.timeout_ms = WAIT_MS;
	q.state = (uint32_t)state;
	q.min = min;
	snprintf(q.name, sizeof(q.name), "%s", name);
	return MsgSend(ham_coid, &q, sizeof(q), st, st ? sizeof(*st) : 0) < 0
		       ? -errno
		       : 0;
}

static void cleanup(void)
{
	char path[400];
	FILE *f;
	int pid, st;

	if (ham_coid >= 0) {
		struct ham_req q;

		memset(&q, 0, sizeof(q));
		q.type = HAM_MSG_TYPE;
		q.op = HAM_OP_SHUTDOWN;
		MsgSend(ham_coid, &q, sizeof(q), NULL, 0);
		ham_coid = -1;
	}
	if (ham_pid > 0) {
		for (int i = 0; i < 100 && waitpid(ham_pid, &st, WNOHANG) == 0;
		     i++)
			usleep(50000);
		reap(ham_pid);
	}
	snprintf(path, sizeof(path), "%s.pid", sock);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) == 1 && pid > 0)
			kill(pid, SIGTERM);
		fclose(f);
	}
	if (tmp[0] && !getenv("NTOSIM_BENCH_KEEP")) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "ham_recovery: could not remove %s\n",
				tmp);
	}
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- the clients ---- */

struct fdstate {
	off_t off;
};

static int fd_recover(int fd, void *h)
{
	struct fdstate *s = h;

	if (ha_reopen(fd, PAT_PATH, O_RDONLY) != fd)
		return -1;
	if (lseek(fd, s->off, SEEK_SET) != s->off)
		return -1;
	return fd;
}

static int fd_op(int fd, struct fdstate *s)
{
	char buf[CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != (ssize_t)sizeof(buf))
		return -1;
	s->off += n;
	return 0;
}

static int kv_op(int coid, int op)
{
	static const char key[] = "bench";
	struct kv_req req = {KV_MSG_TYPE,
			     (uint16_t)op,
			     sizeof(key) - 1,
			     op == KV_PUT ? 1u : 0u,
			     0,
			     0};
	struct kv_rep rep;
	char val[64];
	iov_t s[3], r[2];

	SETIOV(&s[0], &req, sizeof(req));
	SETIOV(&s[1], key, sizeof(key) - 1);
	SETIOV(&s[2], "1", 1);
	SETIOV(&r[0], &rep, sizeof(rep));
	SETIOV(&r[1], val, sizeof(val));
	return MsgSendv(coid, s, op == KV_PUT ? 3 : 2, r, 2) < 0 ? -1 : 0;
}

/* ---- one server's run ---- */

struct row {
	const char *label;
	double rec[101], floor[101], ham[101];
	int n;
};

/* Exec the server under a fresh path/name until it has registered: the
 * floor any restart has to pay. ms, or -1. */
static double floor_once(const char *server, int i)
{
	char name[64], path[128], store[400];
	char *argv[8];
	uint64_t t0;
	pid_t pid;
	double ms;

	if (!strcmp(server, "pattern")) {
		snprintf(path, sizeof(path), "/dev/bench-floor-%d", i);
		argv[0] = prog("ntosim-pattern");
		argv[1] = (char *)"-p";
		argv[2] = path;
		argv[3] = NULL;
	} else {
		snprintf(name, sizeof(name), "bench-floor-%d", i);
		snprintf(path, sizeof(path), "/dev/name/local/%s", name);
		snprintf(store, sizeof(store), "%s/floor-%d.kv", tmp, i);
		argv[0] = prog("ntosim-kvsrv");
		argv[1] = (char *)"-n";
		argv[2] = name;
		argv[3] = (char *)"-f";
		argv[4] = store;
		argv[5] = NULL;
	}
	t0 = now_ns();
	pid = spawn_proc(argv, NULL);
	if (pid < 0 || nto_path_wait(path, WAIT_MS) < 0) {
		reap(pid);
		return -1;
	}
	ms = (double)(now_ns() - t0) / 1e6;
	reap(pid);
	return ms;
}

static int run(const char *server, struct row *row, int reps)
{
	struct ham_ent_status st;
	struct fdstate fs = {0};
	int is_pat = !strcmp(server, "pattern");
	int h = -1, i;

	if (ham_req(HAM_OP_WAIT, server, HAM_ST_RUNNING, 0, &st) < 0) {
		fprintf(stderr, "ham_recovery: %s never ran\n", server);
		return -1;
	}
	if (is_pat) {
		h = ha_open(PAT_PATH, O_RDONLY, fd_recover, &fs, 0);
		if (h < 0)
			goto fail;
	} else {
		h = ha_name_open(KV_BENCH, 0, NULL, NULL, 0);
		if (h < 0 || kv_op(h, KV_PUT) < 0)
			goto fail;
	}
	if (ha_connection_ctrl(h, HA_RECOVERY_WAIT_MS,
			       (void *)(intptr_t)WAIT_MS) < 0)
		goto fail;
	for (i = 0; i < 200; i++) /* warm: connection, caches, spin */
		if ((is_pat ? fd_op(h, &fs) : kv_op(h, KV_GET)) < 0)
			goto fail;
	for (i = 0; i < reps; i++) {
		uint64_t t0;
		pid_t pid = st.pid;

		row->floor[i] = floor_once(server, i);
		if (row->floor[i] < 0) {
			fprintf(stderr, "ham_recovery: %s floor run failed\n",
				server);
			return -1;
		}
		t0 = now_ns();
		kill(pid, SIGKILL);
		if ((is_pat ? fd_op(h, &fs) : kv_op(h, KV_GET)) < 0)
			goto fail;
		row->rec[i] = (double)(now_ns() - t0) / 1e6;
		/* the manager's view of the same restart */
		if (ham_req(HAM_OP_WAIT, server, HAM_ST_RUNNING,
			    (unsigned)i + 1, &st) < 0 ||
		    st.pid == pid) {
			fprintf(stderr, "ham_recovery: %s not restarted\n",
				server);
			return -1;
		}
		row->ham[i] = (double)st.ready_ms;
		if (verbose)
			fprintf(stderr,
				"%s %2d: kill to reply %7.3f ms, floor %7.3f "
				"ms, manager death to ready %3lld ms\n",
				server, i, row->rec[i], row->floor[i],
				(long long)st.ready_ms);
	}
	row->n = reps;
	if (is_pat)
		ha_close(h);
	else
		ha_ConnectDetach(h);
	return 0;
fail:
	fprintf(stderr, "ham_recovery: %s client: %s\n", server,
		strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct row rows[2] = {{.label = "pattern: read() on an HA fd"},
			      {.label = "kv: MsgSend on ha_name_open"}};
	char conf[2048], path[400], log[400] = "", ldp[2048];
	const char *old_ldp = getenv("LD_LIBRARY_PATH");
	int reps = 21, c, rc = 1;
	char *ham_argv[8], *ipcd_argv[4];
	FILE *f;
	pid_t p;
	int st;

	while ((c = getopt(argc, argv, "n:v")) != -1) {
		if (c == 'n')
			reps = atoi(optarg);
		else if (c == 'v')
			verbose = 1;
		else
			return 2;
	}
	if (reps < 1 || reps > 101) {
		fprintf(stderr, "ham_recovery: -n 1..101\n");
		return 2;
	}
	builddir = getenv("NTOSIM_BUILDDIR");
	if (!builddir)
		builddir = ".";
	snprintf(ldp, sizeof(ldp), "%s/kernel-sim/.libs:%s/libha/.libs%s%s",
		 builddir, builddir, old_ldp ? ":" : "",
		 old_ldp ? old_ldp : "");
	setenv("LD_LIBRARY_PATH", ldp, 1);
	snprintf(tmp, sizeof(tmp), "%s/ntosim-hambench-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		tmp[0] = '\0';
		return 99;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	snprintf(sock, sizeof(sock), "%s/ipcd.sock", tmp);
	setenv("NTOSIM_SOCKET", sock, 1);

	snprintf(path, sizeof(path), "%s/ipcd", builddir);
	ipcd_argv[0] = path;
	ipcd_argv[1] = (char *)"-s";
	ipcd_argv[2] = sock;
	ipcd_argv[3] = NULL;
	p = spawn_proc(ipcd_argv, NULL); /* returns once ipcd listens */
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "ham_recovery: ipcd did not start\n");
		goto out;
	}

	snprintf(conf, sizeof(conf), "%s/ham.conf", tmp);
	f = fopen(conf, "w");
	if (!f)
		goto out;
	/* back-off 0: every restart immediate, as for a one-off crash */
	fprintf(f,
		"[defaults]\nintensity = 1000 60s\nbackoff = 0 0\n"
		"[pattern]\ncommand = '%s' -p " PAT_PATH "\nready = " PAT_PATH
		"\n"
		"[kv]\ncommand = '%s' -n " KV_BENCH " -f '%s/bench.kv'\n"
		"ready = " KV_BENCH "\n",
		prog("ntosim-pattern"), prog("ntosim-kvsrv"), tmp);
	fclose(f);
	snprintf(log, sizeof(log), "%s/ham.log", tmp);
	ham_argv[0] = prog("ntosim-ham");
	ham_argv[1] = (char *)"-f";
	ham_argv[2] = conf;
	ham_argv[3] = NULL;
	ham_pid = spawn_proc(ham_argv, log);
	if (ham_pid < 0 ||
	    nto_path_wait("/dev/name/local/" HAM_DEFAULT_NAME, WAIT_MS) < 0 ||
	    (ham_coid = name_open(HAM_DEFAULT_NAME, 0)) < 0) {
		fprintf(stderr, "ham_recovery: ntosim-ham did not start\n");
		goto out;
	}
	if (run("pattern", &rows[0], reps) < 0 || run("kv", &rows[1], reps) < 0)
		goto out;

	printf("Recovery through ntosim-ham: SIGKILL of the server -> the "
	       "libha client's first\nsuccessful reply, against the floor "
	       "(exec the same server until it has\nregistered). ms, median "
	       "of %d, same run\n",
	       reps);
	printf("%-30s %10s %10s %8s %10s %12s\n", "", "kill->reply", "floor",
	       "ratio", "beyond", "ham d->ready");
	for (int i = 0; i < 2; i++) {
		struct row *r = &rows[i];
		double rec = median(r->rec, r->n), fl = median(r->floor, r->n),
		       hm = median(r->ham, r->n);

		printf("%-30s %10.3f %10.3f %7.2fx %+10.3f %12.0f\n", r->label,
		       rec, fl, rec / fl, rec - fl, hm);
	}
	printf("(ham d->ready: the manager's own death-to-ready time, whole "
	       "ms)\n");
	rc = 0;
out:
	if (rc)
		fprintf(stderr,
			"ham_recovery: see %s (NTOSIM_BENCH_KEEP=1 keeps "
			"it)\n",
			log);
	cleanup();
	return rc;
}
