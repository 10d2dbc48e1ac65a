/*
 * ntosim-ham, the restart manager: its configuration parser and restart
 * policy as pure functions, then the real manager (exec'd, with a private
 * ipcd) supervising real processes: each restart policy, intensity
 * give-up, back-off values, the permanent-failure exit code, readiness
 * logged with its timing, heartbeat restart of a SIGSTOPped server, the
 * control protocol, SIGTERM stopping children, and adoption after SIGKILL.
 * The supervised server is this binary again (--serve NAME): it attaches
 * NAME, exits with the code a message asks for, and can heartbeat.
 * Every wait is on the manager's answer (HAM_OP_WAIT) or nto_path_wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/ham/ham.h"
#include "tests/unit/fixture.h"

#define W	     NTO_TEST_WAIT_MS
#define SRV_MSG_EXIT 0x3001u /* --serve: reply, then _exit(code) */

static char self[PATH_MAX];

/* ---- the supervised test server: check_ham --serve NAME [--hb]
 * [--ignore-term] ---- */

struct srv_msg {
	uint16_t type;
	uint16_t zero;
	int32_t code;
};

static int serve_main(int argc, char **argv)
{
	union {
		struct _pulse pulse;
		uint16_t type;
		struct srv_msg m;
		char bytes[256];
	} msg;
	struct _msg_info info;
	name_attach_t *att;
	int hb = 0;

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--hb"))
			hb = 1;
		else if (!strcmp(argv[i], "--ignore-term"))
			signal(SIGTERM, SIG_IGN);
	}
	att = name_attach(NULL, argv[2], 0);
	if (!att) {
		fprintf(stderr, "check_ham --serve %s: name_attach: %s\n",
			argv[2], strerror(errno));
		return 1;
	}
	for (;;) {
		uint64_t ns = 20000000; /* 20 ms: heartbeat pacing */
		int rcvid;

		if (hb) {
			nto_heartbeat();
			TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
				     NULL, &ns, NULL);
		}
		rcvid = MsgReceive(att->chid, &msg, sizeof(msg), &info);
		if (rcvid < 0) {
			if (errno == ETIMEDOUT || errno == EINTR)
				continue;
			return 2;
		}
		if (rcvid == 0) {
			if (msg.pulse.code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(msg.pulse.scoid);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0);
		} else if (msg.type == SRV_MSG_EXIT &&
			   info.msglen >= (int)sizeof(msg.m)) {
			MsgReply(rcvid, EOK, NULL, 0);
			_exit(msg.m.code);
		} else {
			MsgError(rcvid, ENOSYS);
		}
	}
}

/* Ask the --serve server `name` to exit with `code`. */
static void srv_exit(const char *name, int code)
{
	struct srv_msg m = {SRV_MSG_EXIT, 0, code};
	int coid = name_open(name, 0);

	ck_assert_msg(coid >= 0, "name_open %s: %s", name, strerror(errno));
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), NULL, 0), 0);
	name_close(coid);
}

/* ---- pure functions: config.c, policy.c ---- */

static const char conf_ok[] =
	"# a comment\n"
	"[defaults]\n"
	"restart = on-failure\n"
	"backoff = 50ms 2s\n"
	"\n"
	"[a]\n"
	"command = /bin/echo 'hello world' \"x\\\"y\" z\\ w\n"
	"ready = kv\n"
	"intensity = 3 5s\n"
	"heartbeat = 250\n"
	"[b.2]\n"
	"  command = prog  \n"
	"restart = never\n"
	"ready = /dev/b\n"
	"permanent-exit = none\n"
	"start = no\n"
	"env = FOO=bar\n"
	"stop-timeout = 1.5s\n";

START_TEST(test_config_parse)
{
	struct ham_config c;
	char err[256] = "";

	ham_config_init(&c);
	ck_assert_msg(
		ham_config_parse(&c, conf_ok, "t.conf", err, sizeof(err)) == 0,
		"%s", err);
	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.spec[0].name, "a");
	ck_assert_str_eq(c.spec[0].argv[0], "/bin/echo");
	ck_assert_str_eq(c.spec[0].argv[1], "hello world");
	ck_assert_str_eq(c.spec[0].argv[2], "x\"y");
	ck_assert_str_eq(c.spec[0].argv[3], "z w");
	ck_assert_ptr_null(c.spec[0].argv[4]);
	ck_assert_str_eq(c.spec[0].ready, "/dev/name/local/kv");
	ck_assert_int_eq(c.spec[0].restart, HAM_RESTART_ON_FAILURE);
	ck_assert_uint_eq(c.spec[0].intensity, 3);
	ck_assert_uint_eq(c.spec[0].period_ms, 5000);
	ck_assert_uint_eq(c.spec[0].backoff_ms, 50);
	ck_assert_uint_eq(c.spec[0].backoff_max_ms, 2000);
	ck_assert_uint_eq(c.spec[0].heartbeat_ms, 250);
	ck_assert_int_eq(c.spec[0].permanent_exit, HAM_EXIT_PERMANENT);
	ck_assert_int_eq(c.spec[0].autostart, 1);

	ck_assert_str_eq(c.spec[1].name, "b.2");
	ck_assert_str_eq(c.spec[1].argv[0], "prog");
	ck_assert_int_eq(c.spec[1].restart, HAM_RESTART_NEVER);
	ck_assert_str_eq(c.spec[1].ready, "/dev/b");
	ck_assert_int_eq(c.spec[1].permanent_exit, -1);
	ck_assert_int_eq(c.spec[1].autostart, 0);
	ck_assert_str_eq(c.spec[1].env[0], "FOO=bar");
	ck_assert_uint_eq(c.spec[1].stop_timeout_ms, 1500);
	ck_assert_uint_eq(c.spec[1].heartbeat_ms, 0);
	ham_config_free(&c);
}
END_TEST

/* Each bad configuration is refused with its line number and reason. */
START_TEST(test_config_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[a]\ncommand = x\nbogus = 1\n", "t:3: unknown key 'bogus'"},
		{"command = x\n", "t:1: 'command' outside a [server]"},
		{"[a]\ncommand = x\n[a]\ncommand = y\n", "t:3: server 'a' "
							 "defined twice"},
		{"[a]\nrestart = always\n", "server 'a' has no command"},
		{"[a b]\ncommand = x\n", "t:1: bad server name"},
		{"[a]\ncommand = x 'y\n", "unbalanced quote"},
		{"[a]\ncommand = x\nrestart = sometimes\n", "t:3: restart:"},
		{"[a]\ncommand = x\nintensity = 5\n", "t:3: intensity:"},
		{"[a]\ncommand = x\nbackoff = 2s 1s\n", "t:3: backoff:"},
		{"[a]\ncommand = x\nheartbeat = 5 s\n", "t:3: heartbeat:"},
		{"[a]\ncommand = x\npermanent-exit = 0\n", "permanent-exit"},
		{"[defaults]\ncommand = x\n", "t:2: 'command' belongs"},
		{"[a\ncommand = x\n", "t:1: bad stanza header"},
		{"[a]\ncommand = x\nnovalue\n", "t:3: want KEY = VALUE"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ham_config c;
		char err[256] = "";

		ham_config_init(&c);
		ck_assert_msg(ham_config_parse(&c, cases[i].text, "t", err,
					       sizeof(err)) < 0,
			      "case %zu accepted", i);
		ck_assert_msg(strstr(err, cases[i].want), "case %zu: '%s'", i,
			      err);
		ham_config_free(&c);
	}
}
END_TEST

START_TEST(test_config_oneoff)
{
	struct ham_config c;
	char *argv[] = {(char *)"/usr/sbin/ntosim-pattern", (char *)"-p",
			(char *)"/dev/pattern", NULL};
	char err[256] = "";

	ham_config_init(&c);
	ck_assert_int_eq(ham_spec_set(&c.defaults, "ready", "/dev/pattern", err,
				      sizeof(err)),
			 0);
	ck_assert_int_eq(ham_spec_set(&c.defaults, "restart", "on-failure", err,
				      sizeof(err)),
			 0);
	ck_assert_msg(ham_config_add_argv(&c, NULL, argv, err, sizeof(err)) ==
			      0,
		      "%s", err);
	ck_assert_str_eq(c.spec[0].name, "ntosim-pattern");
	ck_assert_str_eq(c.spec[0].argv[2], "/dev/pattern");
	ck_assert_str_eq(c.spec[0].ready, "/dev/pattern");
	ck_assert_int_eq(c.spec[0].restart, HAM_RESTART_ON_FAILURE);
	ck_assert_int_lt(ham_config_add_argv(&c, NULL, argv, err, sizeof(err)),
			 0);
	ck_assert_ptr_nonnull(strstr(err, "defined twice"));
	ham_config_free(&c);
}
END_TEST

START_TEST(test_durations_words)
{
	uint64_t ms;
	char **v;

	ck_assert_int_eq(ham_parse_duration("250", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(ham_parse_duration("250ms", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(ham_parse_duration("2s", &ms), 0);
	ck_assert_uint_eq(ms, 2000);
	ck_assert_int_eq(ham_parse_duration("1.5s", &ms), 0);
	ck_assert_uint_eq(ms, 1500);
	ck_assert_int_eq(ham_parse_duration("1m", &ms), 0);
	ck_assert_uint_eq(ms, 60000);
	ck_assert_int_lt(ham_parse_duration("x", &ms), 0);
	ck_assert_int_lt(ham_parse_duration("-1", &ms), 0);
	ck_assert_int_lt(ham_parse_duration("5 s", &ms), 0);
	ck_assert_int_lt(ham_parse_duration("5d", &ms), 0);

	v = ham_split_words("  a\t'b c'\"d\\\\e\"  f\\'g ");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b cd\\e");
	ck_assert_str_eq(v[2], "f'g");
	ck_assert_ptr_null(v[3]);
	ham_free_words(v);
	v = ham_split_words("''");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "");
	ham_free_words(v);
	errno = 0;
	ck_assert_ptr_null(ham_split_words("   "));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(ham_split_words("a \"b"));
	ck_assert_ptr_null(ham_split_words("a \\"));
}
END_TEST

START_TEST(test_policy_backoff)
{
	struct ham_spec s;
	static const uint64_t want[] = {0, 0, 100, 200, 400, 800, 1000, 1000};

	ham_spec_defaults(&s);
	s.backoff_ms = 100;
	s.backoff_max_ms = 1000;
	for (unsigned k = 1; k < sizeof(want) / sizeof(want[0]); k++)
		ck_assert_msg(ham_backoff_delay(&s, k) == want[k],
			      "streak %u: %llu, want %llu", k,
			      (unsigned long long)ham_backoff_delay(&s, k),
			      (unsigned long long)want[k]);
	ck_assert_uint_eq(ham_backoff_delay(&s, 1000), 1000);
	s.backoff_ms = 0;
	ck_assert_uint_eq(ham_backoff_delay(&s, 5), 0);
}
END_TEST

START_TEST(test_policy_window)
{
	struct ham_window w = {0};
	struct ham_spec s;

	ham_spec_defaults(&s);
	s.intensity = 3;
	s.period_ms = 1000;
	ck_assert_int_eq(ham_window_admit(&w, &s, 0), 1);
	ck_assert_int_eq(ham_window_admit(&w, &s, 10), 1);
	ck_assert_int_eq(ham_window_admit(&w, &s, 20), 1);
	ck_assert_int_eq(ham_window_admit(&w, &s, 30), 0);   /* 4th in 1 s */
	ck_assert_int_eq(ham_window_admit(&w, &s, 999), 0);  /* still */
	ck_assert_int_eq(ham_window_admit(&w, &s, 1000), 1); /* t=0 aged */
	ck_assert_int_eq(ham_window_admit(&w, &s, 1001), 0);
	ham_window_clear(&w);
	ck_assert_int_eq(ham_window_admit(&w, &s, 1002), 1);
	s.intensity = 0; /* never restart */
	ham_window_clear(&w);
	ck_assert_int_eq(ham_window_admit(&w, &s, 5000), 0);
	ham_window_free(&w);
}
END_TEST

START_TEST(test_policy_verdict)
{
	struct ham_spec s;

	ham_spec_defaults(&s);
	s.restart = HAM_RESTART_ALWAYS;
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 0, 0), HAM_V_RESTART);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_SIGNAL, 9, 0), HAM_V_RESTART);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 78, 0),
			 HAM_V_PERMANENT);
	s.restart = HAM_RESTART_ON_FAILURE;
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 0, 0), HAM_V_EXITED);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 0, 1), HAM_V_RESTART);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 3, 0), HAM_V_RESTART);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_UNKNOWN, 0, 0),
			 HAM_V_RESTART);
	s.restart = HAM_RESTART_NEVER;
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 0, 0), HAM_V_EXITED);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_SIGNAL, 9, 0), HAM_V_NEVER);
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 78, 0),
			 HAM_V_PERMANENT);
	s.permanent_exit = -1;
	ck_assert_int_eq(ham_verdict(&s, HAM_EXIT_CODE, 78, 0), HAM_V_NEVER);
	ck_assert_int_eq(ham_state_parse("backoff"), HAM_ST_BACKOFF);
	ck_assert_int_eq(ham_state_parse("nope"), -1);
	ck_assert_str_eq(ham_state_name(HAM_ST_FAILED), "failed");
}
END_TEST

/* ---- the manager, exec'd ---- */

struct hamrun {
	pid_t pid;
	int coid;
	char conf[PATH_MAX], log[PATH_MAX], state[PATH_MAX];
};

static const char *bindir(void)
{
	const char *d = getenv("NTOSIM_BUILDDIR");

	return d ? d : ".";
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Start ntosim-ham -f CONF -S STATE, its stderr appended to LOG; wait
 * for its name. It gets SIGTERM if this test process dies. */
static void ham_start(struct hamrun *r, const char *conf)
{
	char path[PATH_MAX];
	pid_t parent = getpid();

	snprintf(r->conf, sizeof(r->conf), "%s/ham.conf", nto_test_dir());
	snprintf(r->log, sizeof(r->log), "%s/ham.log", nto_test_dir());
	snprintf(r->state, sizeof(r->state), "%s/ham.state", nto_test_dir());
	if (conf)
		write_file(r->conf, conf);
	snprintf(path, sizeof(path), "%s/ntosim-ham", bindir());
	fflush(NULL);
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		int fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent || fd < 0)
			_exit(99);
		dup2(fd, 2);
		execl(path, "ntosim-ham", "-v", "-f", r->conf, "-S", r->state,
		      (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(nto_path_wait("/dev/name/local/" HAM_DEFAULT_NAME, W),
			 0);
	r->coid = name_open(HAM_DEFAULT_NAME, 0);
	ck_assert_msg(r->coid >= 0, "name_open: %s", strerror(errno));
}

static char *log_text(const struct hamrun *r)
{
	static char buf[1 << 18];
	int fd = open(r->log, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int log_has(const struct hamrun *r, const char *needle)
{
	return strstr(log_text(r), needle) != NULL;
}

#define ASSERT_LOG(r, needle)                                                  \
	ck_assert_msg(log_has((r), (needle)), "log lacks '%s':\n%s", (needle), \
		      log_text(r))

/* One request. Returns 0 or -errno; *st filled on success. */
static int ham_req(struct hamrun *r, int op, const char *name, int state,
		   unsigned min, struct ham_ent_status *st)
{
	struct ham_req q;
	struct ham_ent_status tmp;

	memset(&q, 0, sizeof(q));
	q.type = HAM_MSG_TYPE;
	q.op = (uint16_t)op;
	q.timeout_ms = W;
	q.state = (uint32_t)state;
	q.min = min;
	snprintf(q.name, sizeof(q.name), "%s", name);
	if (MsgSend(r->coid, &q, sizeof(q), st ? st : &tmp, sizeof(tmp)) < 0)
		return -errno;
	return 0;
}

/* Wait for `name` to reach `state` with >= min restarts. */
static struct ham_ent_status ham_wait(struct hamrun *r, const char *name,
				      int state, unsigned min)
{
	struct ham_ent_status st;
	int rc = ham_req(r, HAM_OP_WAIT, name, state, min, &st);

	ck_assert_msg(rc == 0, "wait %s %s/%u: %s\nlog:\n%s", name,
		      ham_state_name((unsigned)state), min, strerror(-rc),
		      log_text(r));
	return st;
}

static struct ham_ent_status ham_status(struct hamrun *r, const char *name)
{
	struct {
		struct ham_status_rep h;
		struct ham_ent_status e[1];
	} rep;
	struct ham_req q;

	memset(&q, 0, sizeof(q));
	q.type = HAM_MSG_TYPE;
	q.op = HAM_OP_STATUS;
	snprintf(q.name, sizeof(q.name), "%s", name);
	ck_assert_int_ge(MsgSend(r->coid, &q, sizeof(q), &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.h.n, 1);
	return rep.e[0];
}

/* The manager exits: SIGTERM, then its status (asserts a clean exit). */
static void ham_term(struct hamrun *r)
{
	int st;

	name_close(r->coid);
	ck_assert_int_eq(kill(r->pid, SIGTERM), 0);
	st = nto_test_waitpid(r->pid, W);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "ntosim-ham status %#x\nlog:\n%s", st, log_text(r));
	r->pid = 0;
}

/* pid is gone (or a zombie nobody reaped yet). */
static int proc_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static char *conf_serve(const char *name, const char *extra_args,
			const char *settings)
{
	static char buf[PATH_MAX + 1024];

	snprintf(buf, sizeof(buf),
		 "[%s]\ncommand = '%s' --serve %s %s\nready = %s\n%s\n", name,
		 self, name, extra_args, name, settings);
	return buf;
}

/* restart=always: a SIGKILLed server is restarted; the restart counts as
 * done when the new instance has registered its name, and the manager
 * logs that moment with the time since the death. */
START_TEST(test_always_ready_logged)
{
	struct hamrun r;
	struct ham_ent_status a, b;
	char want[256];

	ham_start(&r, conf_serve("t1", "", "restart = always"));
	a = ham_wait(&r, "t1", HAM_ST_RUNNING, 0);
	ck_assert_int_gt(a.pid, 0);
	ck_assert_int_ge(a.ready_ms, 0);
	ck_assert_int_eq(kill(a.pid, SIGKILL), 0);
	b = ham_wait(&r, "t1", HAM_ST_RUNNING, 1);
	ck_assert_int_ne(b.pid, a.pid);
	ck_assert_uint_eq(b.restarts, 1);
	ck_assert_uint_eq(b.exit_kind, HAM_EXIT_SIGNAL);
	ck_assert_int_eq(b.exit_code, SIGKILL);
	ck_assert_int_ge(b.ready_ms, 0);
	ck_assert_int_le(b.spawn_ms, b.ready_ms);
	ck_assert_int_eq(nto_path_wait("/dev/name/local/t1", 0), 0);
	snprintf(want, sizeof(want), "t1: pid %d killed by signal 9", a.pid);
	ASSERT_LOG(&r, want);
	snprintf(want, sizeof(want),
		 "t1: ready: pid %d registered /dev/name/local/t1, ", b.pid);
	ASSERT_LOG(&r, want);
	snprintf(want, sizeof(want), " ms after the death of pid %d (", a.pid);
	ASSERT_LOG(&r, want);
	ham_term(&r);
	ck_assert(proc_gone(b.pid));
}
END_TEST

/* restart=on-failure: exit 3 is restarted, exit 0 is left alone. */
START_TEST(test_on_failure)
{
	struct hamrun r;
	struct ham_ent_status st;

	ham_start(&r, conf_serve("t2", "", "restart = on-failure"));
	ham_wait(&r, "t2", HAM_ST_RUNNING, 0);
	srv_exit("t2", 3);
	st = ham_wait(&r, "t2", HAM_ST_RUNNING, 1);
	ck_assert_uint_eq(st.exit_kind, HAM_EXIT_CODE);
	ck_assert_int_eq(st.exit_code, 3);
	srv_exit("t2", 0);
	st = ham_wait(&r, "t2", HAM_ST_EXITED, 0);
	ck_assert_uint_eq(st.restarts, 1);
	ck_assert_int_eq(st.pid, 0);
	ck_assert_int_eq(st.exit_code, 0);
	ASSERT_LOG(&r, "t2: done: not restarted (restart=on-failure)");
	ham_term(&r);
}
END_TEST

/* restart=never: a kill is final (state failed), a clean exit too
 * (state exited). */
START_TEST(test_never)
{
	struct hamrun r;
	struct ham_ent_status st;

	ham_start(&r, conf_serve("t3", "", "restart = never"));
	st = ham_wait(&r, "t3", HAM_ST_RUNNING, 0);
	kill(st.pid, SIGKILL);
	st = ham_wait(&r, "t3", HAM_ST_FAILED, 0);
	ck_assert_uint_eq(st.restarts, 0);
	ck_assert_ptr_nonnull(strstr(st.reason, "restart=never"));
	ASSERT_LOG(&r, "t3: failed: not restarted (restart=never)");
	ham_term(&r);
}
END_TEST

/* A server that dies at once is restarted `intensity` times within the
 * period, then given up and reported. */
START_TEST(test_intensity_gives_up)
{
	struct hamrun r;
	struct ham_ent_status st;

	ham_start(&r, "[crash]\ncommand = sh -c 'exit 1'\n"
		      "intensity = 3 60s\nbackoff = 0 0\n");
	st = ham_wait(&r, "crash", HAM_ST_FAILED, 0);
	ck_assert_uint_eq(st.restarts, 3);
	ck_assert_int_eq(st.exit_code, 1);
	ck_assert_msg(strstr(st.reason, "gave up: 3 restarts in 60 s"), "%s",
		      st.reason);
	ASSERT_LOG(&r, "crash: giving up: already 3 restarts within 60 s");
	ham_term(&r);
}
END_TEST

/* Back-off: consecutive failures wait 0, INITIAL, 2x ... up to MAX. The
 * manager reports each delay; wall time is only checked as a lower
 * bound. */
START_TEST(test_backoff_values)
{
	struct hamrun r;
	struct ham_ent_status st;
	static const unsigned want[] = {0, 40, 80, 100, 100};
	uint64_t t0 = nto_test_now_ns(), el;
	const char *p;

	ham_start(&r, "[crash]\ncommand = sh -c 'exit 2'\n"
		      "intensity = 5 60s\nbackoff = 40ms 100ms\n");
	st = ham_wait(&r, "crash", HAM_ST_FAILED, 0);
	el = (nto_test_now_ns() - t0) / 1000000;
	ck_assert_uint_eq(st.restarts, 5);
	ck_assert_uint_eq(st.streak, 6);
	p = log_text(&r);
	for (unsigned i = 0; i < 5; i++) {
		unsigned got;

		p = strstr(p, "crash: restart");
		ck_assert_msg(p, "restart %u not logged:\n%s", i + 1,
			      log_text(&r));
		p = strstr(p, "back-off ");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(sscanf(p, "back-off %u ms", &got), 1);
		ck_assert_msg(got == want[i],
			      "restart %u: back-off %u, want %u", i + 1, got,
			      want[i]);
	}
	ck_assert_msg(el >= 320,
		      "5 restarts with 320 ms of back-off took %llu "
		      "ms",
		      (unsigned long long)el);
	ham_term(&r);
}
END_TEST

/* Exit code 78 means "permanent failure": never restarted, even with
 * restart=always. permanent-exit = none makes it an ordinary failure. */
START_TEST(test_permanent_exit)
{
	struct hamrun r;
	struct ham_ent_status st;

	ham_start(&r, "[perm]\ncommand = sh -c 'exit 78'\n"
		      "restart = always\n"
		      "[plain]\ncommand = sh -c 'exit 78'\n"
		      "permanent-exit = none\nintensity = 1 60s\n"
		      "backoff = 0 0\n");
	st = ham_wait(&r, "perm", HAM_ST_FAILED, 0);
	ck_assert_uint_eq(st.restarts, 0);
	ck_assert_str_eq(st.reason, "permanent failure (exit 78)");
	ASSERT_LOG(&r, "perm: permanent failure: exit code 78");
	st = ham_wait(&r, "plain", HAM_ST_FAILED, 1);
	ck_assert_ptr_nonnull(strstr(st.reason, "gave up"));
	ham_term(&r);
}
END_TEST

/* A SIGSTOPped server stops heartbeating: after the heartbeat period the
 * manager SIGKILLs it and restarts it. Heartbeats come through
 * nto_heartbeat() and are counted. */
START_TEST(test_heartbeat_sigstop)
{
	struct hamrun r;
	struct ham_ent_status a, b;
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	struct timespec ts = {0, 10000000};
	char want[128];

	ham_start(&r, conf_serve("hb", "--hb", "heartbeat = 300ms"));
	a = ham_wait(&r, "hb", HAM_ST_RUNNING, 0);
	ck_assert_int_eq(a.heartbeat_ms, 300);
	/* bounded poll until heartbeats arrive (nothing to block on) */
	while ((a = ham_status(&r, "hb")).beats < 2 && nto_test_now_ns() < end)
		nanosleep(&ts, NULL);
	ck_assert_uint_ge(a.beats, 2);
	ck_assert_uint_eq(a.restarts, 0);
	ck_assert_int_eq(kill(a.pid, SIGSTOP), 0);
	b = ham_wait(&r, "hb", HAM_ST_RUNNING, 1);
	ck_assert_int_ne(b.pid, a.pid);
	ck_assert_uint_eq(b.exit_kind, HAM_EXIT_SIGNAL);
	ck_assert_int_eq(b.exit_code, SIGKILL);
	ck_assert(proc_gone(a.pid));
	snprintf(want, sizeof(want),
		 "process state T, stopped): killing pid %d", a.pid);
	ASSERT_LOG(&r, "hb: no heartbeat for ");
	ASSERT_LOG(&r, want);
	ham_term(&r);
}
END_TEST

/* The control protocol: stop (SIGTERM), start, restart, an unknown name,
 * and a server that ignores SIGTERM (SIGKILL after stop-timeout). */
START_TEST(test_control)
{
	struct hamrun r;
	struct ham_ent_status a, b;
	char conf[3 * PATH_MAX];

	snprintf(conf, sizeof(conf), "%s%s",
		 conf_serve("c1", "", "restart = always"), "");
	strcat(conf, conf_serve("c2", "--ignore-term", "stop-timeout = 200ms"));
	ham_start(&r, conf);
	a = ham_wait(&r, "c1", HAM_ST_RUNNING, 0);
	ham_wait(&r, "c2", HAM_ST_RUNNING, 0);

	ck_assert_int_eq(ham_req(&r, HAM_OP_STOP, "c1", 0, 0, &b), 0);
	ck_assert_uint_eq(b.state, HAM_ST_STOPPED);
	ck_assert_int_eq(b.pid, 0);
	ck_assert_int_eq(b.exit_code, SIGTERM);
	ck_assert(proc_gone(a.pid));
	ck_assert_int_eq(ham_req(&r, HAM_OP_START, "c1", 0, 0, &b), 0);
	ck_assert_uint_eq(b.state, HAM_ST_RUNNING);
	ck_assert_int_gt(b.pid, 0);
	ck_assert_int_eq(nto_path_wait("/dev/name/local/c1", 0), 0);
	a = b;
	ck_assert_int_eq(ham_req(&r, HAM_OP_RESTART, "c1", 0, 0, &b), 0);
	ck_assert_uint_eq(b.state, HAM_ST_RUNNING);
	ck_assert_int_ne(b.pid, a.pid);
	ck_assert_uint_eq(b.restarts, 0); /* operator restarts don't count */
	ck_assert_int_eq(ham_req(&r, HAM_OP_STOP, "nope", 0, 0, NULL), -ENOENT);

	ck_assert_int_eq(ham_req(&r, HAM_OP_STOP, "c2", 0, 0, &b), 0);
	ck_assert_uint_eq(b.state, HAM_ST_STOPPED);
	ck_assert_uint_eq(b.exit_kind, HAM_EXIT_SIGNAL);
	ck_assert_int_eq(b.exit_code, SIGKILL);
	ASSERT_LOG(&r, "c2: pid ");
	ASSERT_LOG(&r, "still running 200 ms after SIGTERM: SIGKILL");
	ham_term(&r);
}
END_TEST

/* SIGTERM: the manager stops every server and exits 0; nothing is left
 * and the state file is gone. */
START_TEST(test_sigterm_stops_children)
{
	struct hamrun r;
	struct ham_ent_status a, b;
	char conf[3 * PATH_MAX];

	snprintf(conf, sizeof(conf), "%s", conf_serve("s1", "", ""));
	strcat(conf, conf_serve("s2", "--hb", "heartbeat = 1s"));
	ham_start(&r, conf);
	a = ham_wait(&r, "s1", HAM_ST_RUNNING, 0);
	b = ham_wait(&r, "s2", HAM_ST_RUNNING, 0);
	ck_assert_int_eq(access(r.state, F_OK), 0);
	ham_term(&r);
	ck_assert(proc_gone(a.pid));
	ck_assert(proc_gone(b.pid));
	ck_assert_int_ne(access(r.state, F_OK), 0);
	ck_assert_int_eq(nto_path_wait("/dev/name/local/s1", 0), -1);
	ASSERT_LOG(&r, "SIGTERM received");
	ASSERT_LOG(&r, "all servers stopped; exiting");
}
END_TEST

/* SIGKILL of the manager leaves its servers running; a new manager with
 * the same state file adopts them, keeps their heartbeats (same ids),
 * restarts one when it dies (status unknown: not its child), and stops
 * them on SIGTERM. */
START_TEST(test_sigkill_adopt)
{
	struct hamrun r;
	struct ham_ent_status a, b, c;
	char conf[3 * PATH_MAX];
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	struct timespec ts = {0, 10000000};
	int st;

	/* orphans come to us, not to init, so they are reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(conf, sizeof(conf), "%s", conf_serve("k1", "", ""));
	strcat(conf, conf_serve("k2", "--hb", "heartbeat = 300ms"));
	ham_start(&r, conf);
	a = ham_wait(&r, "k1", HAM_ST_RUNNING, 0);
	b = ham_wait(&r, "k2", HAM_ST_RUNNING, 0);
	name_close(r.coid);
	kill(r.pid, SIGKILL);
	st = nto_test_waitpid(r.pid, W);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(kill(a.pid, 0), 0);
	ck_assert_int_eq(kill(b.pid, 0), 0);
	ck_assert_int_eq(nto_path_wait("/dev/name/local/k1", 0), 0);

	ham_start(&r, NULL); /* same config, same state file */
	c = ham_wait(&r, "k1", HAM_ST_RUNNING, 0);
	ck_assert_int_eq(c.pid, a.pid);
	ck_assert(c.flags & HAM_EF_ADOPTED);
	c = ham_wait(&r, "k2", HAM_ST_RUNNING, 0);
	ck_assert_int_eq(c.pid, b.pid);
	ASSERT_LOG(&r, "k1: adopted pid ");
	ASSERT_LOG(&r, "managing 2 servers (2 adopted)");
	/* its heartbeats find the new manager (bounded poll) */
	while ((c = ham_status(&r, "k2")).beats < 2 && nto_test_now_ns() < end)
		nanosleep(&ts, NULL);
	ck_assert_uint_ge(c.beats, 2);
	ck_assert_int_eq(c.pid, b.pid);

	kill(a.pid, SIGKILL);
	c = ham_wait(&r, "k1", HAM_ST_RUNNING, 1);
	ck_assert_int_ne(c.pid, a.pid);
	ck_assert_uint_eq(c.exit_kind, HAM_EXIT_UNKNOWN);
	ck_assert(!(c.flags & HAM_EF_ADOPTED));
	ASSERT_LOG(&r, "(adopted, not our child: exit status unknown)");
	while (waitpid(-1, NULL, WNOHANG) > 0) /* the orphan we inherited */
		;
	ham_term(&r);
	ck_assert(proc_gone(b.pid));
	ck_assert(proc_gone(c.pid));
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	ssize_t n;

	if (argc >= 3 && !strcmp(argv[1], "--serve"))
		return serve_main(argc, argv);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 99;
	self[n] = '\0';

	s = suite_create("ham");
	tc = tcase_create("policy");
	tcase_add_test(tc, test_config_parse);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_config_oneoff);
	tcase_add_test(tc, test_durations_words);
	tcase_add_test(tc, test_policy_backoff);
	tcase_add_test(tc, test_policy_window);
	tcase_add_test(tc, test_policy_verdict);
	suite_add_tcase(s, tc);

	tc = nto_test_tcase("manager");
	tcase_add_test(tc, test_always_ready_logged);
	tcase_add_test(tc, test_on_failure);
	tcase_add_test(tc, test_never);
	tcase_add_test(tc, test_intensity_gives_up);
	tcase_add_test(tc, test_backoff_values);
	tcase_add_test(tc, test_permanent_exit);
	tcase_add_test(tc, test_heartbeat_sigstop);
	tcase_add_test(tc, test_control);
	tcase_add_test(tc, test_sigterm_stops_children);
	tcase_add_test(tc, test_sigkill_adopt);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
