/*
 * The two example programs of the QNX guide's libha chapter, built
 * unchanged (tests/unit/ha_guide_*_hooked: their sleep() hands control to
 * this test), run against ntosim-pattern / ntosim-filesrv that the test
 * kills and restarts during chosen sleeps; their printed output must show
 * the recoveries and the right "total recoveries" count. Also
 * examples/ha_reader through two kills, every byte checked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W	NTO_TEST_WAIT_MS
#define TEXT	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
#define SYNC_RD 100 /* the program's ends of the hand-off pipes */
#define SYNC_WR 101

/* ---- servers ---- */

struct srv {
	struct nto_test_child ch;
	const char *path;
	char *argv[8];
	char dir[600];
};

static void srv_run(struct srv *s)
{
	nto_test_fork(&s->ch, nto_test_exec, s->argv);
	ck_assert_msg(nto_path_wait(s->path, W) == 0, "%s not registered: %s",
		      s->path, strerror(errno));
}

static void pattern_start(struct srv *s, const char *delay_us)
{
	memset(s, 0, sizeof(*s));
	s->path = "/dev/pattern";
	s->argv[0] = nto_test_bin("ntosim-pattern");
	s->argv[1] = (char *)"-s";
	s->argv[2] = (char *)"64M";
	if (delay_us) {
		s->argv[3] = (char *)"-d";
		s->argv[4] = (char *)delay_us;
	}
	srv_run(s);
}

static void file_start(struct srv *s)
{
	char p[700];
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/fsroot", nto_test_dir());
	ck_assert_int_eq(mkdir(s->dir, 0700), 0);
	snprintf(p, sizeof(p), "%s/remote_file", s->dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(TEXT, f);
	fclose(f);
	s->path = "/fs";
	s->argv[0] = nto_test_bin("ntosim-filesrv");
	s->argv[1] = (char *)"-d";
	s->argv[2] = s->dir;
	s->argv[3] = (char *)"-p";
	s->argv[4] = (char *)"/fs";
	srv_run(s);
}

/* SIGKILL the server, wait until ipcd has processed the death (seen on a
 * probe connection), start it again. */
static void srv_restart(struct srv *s)
{
	int probe = open(s->path, O_RDONLY);

	ck_assert_int_ge(probe, 0);
	nto_test_kill(&s->ch);
	nto_test_wait_dead(probe);
	close(probe);
	srv_run(s);
}

/* ---- running a program with its stdout captured ---- */

struct prog {
	struct nto_test_child ch;
	char **argv;
	int out; /* the read end of its stdout */
};

static int prog_main(const struct nto_test_link *l, void *arg)
{
	struct prog *p = arg;

	if (dup2(l->rd, SYNC_RD) < 0 || dup2(l->wr, SYNC_WR) < 0)
		return 126;
	setenv("HA_TEST_SLEEP_FDS", "100,101", 1);
	execv(p->argv[0], p->argv);
	fprintf(stderr, "exec %s: %s\n", p->argv[0], strerror(errno));
	return 127;
}

static void prog_start(struct prog *p, char **argv)
{
	int fds[2], saved;

	p->argv = argv;
	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(1);
	ck_assert_int_eq(dup2(fds[1], 1), 1); /* inherited as its stdout */
	nto_test_fork(&p->ch, prog_main, p);
	ck_assert_int_eq(dup2(saved, 1), 1);
	close(saved);
	close(fds[1]);
	p->out = fds[0];
}

/* Wait for the exit (asserting 0) and return its whole output (static). */
static const char *prog_finish(struct prog *p)
{
	static char out[1 << 17];
	size_t got = 0;
	ssize_t n;
	pid_t pid = p->ch.pid;
	int st = nto_test_wait(&p->ch, W);

	while ((n = read(p->out, out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p->out);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "pid %d status %#x, output:\n%s", (int)pid, st, out);
	return out;
}

/* The program reached its next sleep(): returns the seconds it asked. */
static int at_sleep(struct prog *p)
{
	return (int)nto_test_take(p->ch.rd, W);
}

static void wake(struct prog *p)
{
	ck_assert_int_eq(nto_test_put(p->ch.wr, 1), 0);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

/* the number printed after `label` */
static int num_after(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	ck_assert_msg(p != NULL, "no \"%s\" in:\n%s", label, out);
	return atoi(p + strlen(label));
}

/* ---- the simple example ---- */

/*
 * _i is a mask of the two sleep(15)s during which the server dies and
 * comes back. Recoveries expected (the guide's comments):
 *   sleep 1: read(fd2) recovers through recover_conn;
 *   sleep 2: read(fd3) through recover_conn (fd's new record), then
 *            read(fd2) through recover_conn2 (replaced via fd2).
 */
START_TEST(test_guide_simple)
{
	char *argv[] = {nto_test_bin("tests/unit/ha_guide_simple_hooked"),
			NULL};
	char line[128];
	const char *out;
	struct prog p;
	struct srv s;
	int fd2, fd3, want = 0;

	pattern_start(&s, NULL);
	prog_start(&p, argv);
	ck_assert_int_eq(at_sleep(&p), 15);
	if (_i & 1)
		srv_restart(&s);
	wake(&p);
	ck_assert_int_eq(at_sleep(&p), 15);
	if (_i & 2)
		srv_restart(&s);
	wake(&p);
	out = prog_finish(&p);

	fd2 = num_after(out, "dup-ped fd2 = ");
	ck_assert_int_gt(fd2, 0);
	ck_assert_int_eq(count_of(out, "error:"), 0);
	snprintf(line, sizeof(line), "recovering for fd %d inside function\n",
		 fd2);
	ck_assert_int_eq(count_of(out, line), (_i & 1) ? 1 : 0);
	if (_i & 2) {
		/* fd3 is the one read after the second sleep */
		snprintf(line, sizeof(line),
			 "trying to read from /dev/pattern using fd ");
		fd3 = atoi(strstr(strstr(out, "before sleeping again"), line) +
			   strlen(line));
		snprintf(line, sizeof(line),
			 "recovering for fd %d inside function\n", fd3);
		ck_assert_int_eq(count_of(out, line), 1);
		snprintf(line, sizeof(line),
			 "recovering for fd %d inside function 2\n", fd2);
		ck_assert_int_eq(count_of(out, line), 1);
	}
	ck_assert_int_eq(count_of(out, "inside function 2"), (_i & 2) ? 1 : 0);
	want = ((_i & 1) ? 1 : 0) + ((_i & 2) ? 2 : 0);
	ck_assert_int_eq(count_of(out, "recovering for fd"), want);
	ck_assert_int_eq(num_after(out, "total recoveries, "), want);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- the state reconstruction example ---- */

/* _i: whether the file server dies and comes back during the sleep(18).
 * The HA fd resumes at offset 15 either way; the plain fd2 is not
 * recovered (error: Bad file descriptor). */
START_TEST(test_guide_state)
{
	char *argv[] = {nto_test_bin("tests/unit/ha_guide_state_hooked"), NULL};
	const char *label = "trying to read from file using fd ";
	char want[256], rec[64] = "";
	const char *out, *last, *q;
	struct prog p;
	struct srv s;
	int fd, fd2;

	file_start(&s);
	prog_start(&p, argv);
	ck_assert_int_eq(at_sleep(&p), 18);
	if (_i)
		srv_restart(&s);
	wake(&p);
	out = prog_finish(&p);

	fd = num_after(out, label);
	for (last = q = strstr(out, label); q; q = strstr(q + 1, label))
		last = q;
	fd2 = atoi(last + strlen(label));
	ck_assert_int_ne(fd, fd2);
	snprintf(want, sizeof(want), "before sleeping first time\n%.15s\n",
		 TEXT);
	ck_assert_msg(strstr(out, want), "first read wrong:\n%s", out);
	/* the HA fd resumes at offset 15, recovered or not */
	if (_i)
		snprintf(rec, sizeof(rec),
			 "recovering for fd %d inside function\n", fd);
	snprintf(want, sizeof(want), "after sleeping\n%s%.15s\n", rec,
		 TEXT + 15);
	ck_assert_msg(strstr(out, want), "second read wrong:\n%s", out);
	/* the plain fd2 is not HA-aware */
	snprintf(want, sizeof(want), "%s%d\n%s\n", label, fd2,
		 _i ? "error: Bad file descriptor" : "ABCDEFGHIJKLMNO");
	ck_assert_msg(strstr(out, want), "fd2 read wrong:\n%s", out);
	ck_assert_int_eq(count_of(out, "recovering for fd"), _i ? 1 : 0);
	ck_assert_int_eq(num_after(out, "total recoveries, "), _i ? 1 : 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- examples/ha_reader ---- */

/* Read the reader's output up to the next line starting with `prefix`. */
static void next_line(int fd, const char *prefix)
{
	char c;
	char line[128];
	size_t n = 0;

	for (;;) {
		ck_assert_int_eq(read(fd, &c, 1), 1);
		if (c != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		if (!strncmp(line, prefix, strlen(prefix)))
			return;
		n = 0;
	}
}

/* examples/ha_reader checks every byte of 16 MiB while the server dies
 * twice under it (each time once the previous recovery is done). */
START_TEST(test_reader_example)
{
	char *argv[] = {nto_test_bin("examples/ha_reader"),
			(char *)"-n",
			(char *)"16M",
			(char *)"-c",
			(char *)"16384",
			(char *)"-w",
			(char *)"10000",
			(char *)"-v",
			NULL};
	struct prog p;
	struct srv s;
	const char *out;

	argv[2] = (char *)"16777216";
	pattern_start(&s, "1000"); /* 1 ms per read: 1024 reads */
	prog_start(&p, argv);
	next_line(p.out, "progress ");
	srv_restart(&s);
	next_line(p.out, "recovered fd ");
	srv_restart(&s);
	next_line(p.out, "recovered fd ");
	out = prog_finish(&p);
	ck_assert_msg(strstr(out, "ok 16777216 bytes verified, 2 recoveries"),
		      "reader output tail:\n%s",
		      strlen(out) > 300 ? out + strlen(out) - 300 : out);
	nto_test_kill(&s.ch);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha_guide");
	TCase *tc = nto_test_tcase("core");

	tcase_add_loop_test(tc, test_guide_simple, 0, 4);
	tcase_add_loop_test(tc, test_guide_state, 0, 2);
	tcase_add_test(tc, test_reader_example);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
