/*
 * posix_overhead: what libnto's interposed read() costs on a real fd. It
 * times read() of 4 KiB from /dev/zero in a child run plain and in a child
 * run with LD_PRELOAD=libnto.so, alternating, several rounds, and reports
 * the medians and their ratio (the goal: within 5%). Not linked with libnto.
 *
 * usage: posix_overhead [-n READS] [-r ROUNDS] [LIBNTO.so]
 * LIBNTO.so defaults to $NTOSIM_BUILDDIR/kernel-sim/.libs/libnto.so.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_ENV "NTOSIM_BENCH_CHILD"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The measured loop: ns per read(). */
static int child(long n)
{
	static char buf[4096];
	double t0, t1;
	long i;
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	for (i = 0; i < n / 10; i++) /* warm up */
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			return 1;
	t1 = now_ns();
	printf("%.2f\n", (t1 - t0) / (double)n);
	return 0;
}

/* Run ourselves as a child (preloading lib if non-NULL); ns per read. */
static double run_child(const char *self, const char *lib, long n)
{
	extern char **environ;
	char nbuf[32], pre[4096], out[64] = {0}, opt[] = "-n",
				  mark[] = CHILD_ENV "=1";
	char *argv[] = {(char *)self, opt, nbuf, NULL};
	char *env[256];
	posix_spawn_file_actions_t fa;
	int p[2], i, k = 0, st;
	pid_t pid;
	ssize_t r;

	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	for (i = 0; environ[i] && k < 250; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], CHILD_ENV "=", sizeof(CHILD_ENV)))
			env[k++] = environ[i];
	env[k++] = mark;
	if (lib) {
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", lib);
		env[k++] = pre;
	}
	env[k] = NULL;
	if (pipe(p) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (posix_spawn(&pid, self, &fa, NULL, argv, env) != 0)
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	r = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || r <= 0)
		return -1;
	return atof(out);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char self[4096], libbuf[4096];
	const char *lib = NULL, *b;
	double plain[64], pre[64], mp, mq;
	long n = 200000;
	int rounds = 11, c, i;
	ssize_t len;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (getenv(CHILD_ENV))
		return child(n);
	if (rounds < 1 || rounds > 64 || n < 10)
		return 2;
	if (optind < argc) {
		lib = argv[optind];
	} else {
		b = getenv("NTOSIM_BUILDDIR");
		snprintf(libbuf, sizeof(libbuf),
			 "%s/kernel-sim/.libs/libnto.so", b ? b : ".");
		lib = libbuf;
	}
	if (access(lib, R_OK) < 0) {
		fprintf(stderr, "posix_overhead: %s: %s\n", lib,
			strerror(errno));
		return 1;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return 1;
	self[len] = '\0';
	for (i = 0; i < rounds; i++) {
		/* alternate the order so drift hurts both sides alike */
		if (i & 1) {
			pre[i] = run_child(self, lib, n);
			plain[i] = run_child(self, NULL, n);
		} else {
			plain[i] = run_child(self, NULL, n);
			pre[i] = run_child(self, lib, n);
		}
		if (plain[i] <= 0 || pre[i] <= 0) {
			fprintf(stderr, "posix_overhead: a child failed\n");
			return 1;
		}
	}
	qsort(plain, (size_t)rounds, sizeof(double), cmp_double);
	qsort(pre, (size_t)rounds, sizeof(double), cmp_double);
	mp = plain[rounds / 2];
	mq = pre[rounds / 2];
	printf("read(4 KiB) from /dev/zero, %ld reads x %d rounds (medians):\n",
	       n, rounds);
	printf("  plain libc          %8.1f ns/read\n", mp);
	printf("  LD_PRELOAD=libnto   %8.1f ns/read\n", mq);
	printf("  ratio               %8.3f\n", mq / mp);
	return 0;
}
