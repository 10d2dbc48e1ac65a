/*
 * ntosim-kvsrv as a real exec'd process against a private ipcd: the
 * kvproto.h operations and their limits, durability across kills, restarts
 * and torn writes, the -K at-most-once hook, startup failures, and
 * connections released by name_close and by a client's death. The server
 * is found in $NTOSIM_BUILDDIR; readiness is nto_path_wait().
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/iomsg.h>
#include <sys/dispatch.h>
#include <sys/ntosim.h>

#include "servers/kv/kvproto.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"
#include "tests/unit/servers_common.h"

/* ---- ntosim-kvsrv ---- */

#define KVNAME "kvtest"
#define KVPATH "/dev/name/local/" KVNAME

static char kv_file[PATH_MAX];

static pid_t kv_start(const char *kill_n)
{
	const char *args[8] = {"-n", KVNAME, "-f", kv_file};
	int n = 4;

	if (kill_n) {
		args[n++] = "-K";
		args[n++] = kill_n;
	}
	args[n] = NULL;
	return srv_start("ntosim-kvsrv", args, KVPATH);
}

struct kv_result {
	int status; /* MsgSend's return: 0, or -1 */
	int err;    /* its errno */
	int64_t value;
	uint32_t vallen;
	char val[KV_VAL_MAX + 1];
};

/* One request; res->val is NUL-terminated. */
static void kv_call(int coid, unsigned op, const char *key, const void *val,
		    uint32_t vallen, int64_t arg, struct kv_result *res)
{
	struct kv_req req = {.type = KV_MSG_TYPE,
			     .op = (uint16_t)op,
			     .keylen = (uint32_t)strlen(key),
			     .vallen = vallen,
			     .arg = arg};
	struct kv_rep rep;
	iov_t siov[3], riov[2];

	memset(&rep, 0, sizeof rep);
	SETIOV(&siov[0], &req, sizeof req);
	SETIOV(&siov[1], key, req.keylen);
	SETIOV(&siov[2], val ? val : "", vallen);
	SETIOV(&riov[0], &rep, sizeof rep);
	SETIOV(&riov[1], res->val, KV_VAL_MAX);
	errno = 0;
	res->status = MsgSendv(coid, siov, 3, riov, 2);
	res->err = errno;
	res->value = rep.value;
	res->vallen = rep.vallen;
	res->val[res->status == 0 && rep.vallen <= KV_VAL_MAX ? rep.vallen
							      : 0] = '\0';
}

static struct kv_result kr; /* big: not on the stack */

static void kv_ok(int coid, unsigned op, const char *key, const char *val,
		  int64_t arg)
{
	kv_call(coid, op, key, val, val ? (uint32_t)strlen(val) : 0, arg, &kr);
	ck_assert_msg(kr.status == 0, "op %u on %s: %s", op, key,
		      strerror(kr.err));
}

static void kv_fails(int coid, unsigned op, const char *key, const char *val,
		     int64_t arg, int err)
{
	kv_call(coid, op, key, val, val ? (uint32_t)strlen(val) : 0, arg, &kr);
	ck_assert_msg(kr.status == -1 && kr.err == err,
		      "op %u on %s: status %d %s, want %s", op, key, kr.status,
		      strerror(kr.err), strerror(err));
}

static void kv_expect(int coid, const char *key, const char *val)
{
	kv_ok(coid, KV_GET, key, NULL, 0);
	ck_assert_str_eq(kr.val, val);
	ck_assert_uint_eq(kr.vallen, strlen(val));
}

static int kv_open(void)
{
	int coid = name_open(KVNAME, 0);

	ck_assert_msg(coid >= 0, "name_open: %s", strerror(errno));
	return coid;
}

static void kv_setup(void)
{
	path_in(kv_file, sizeof kv_file, "kv.db");
}

START_TEST(test_kv_ops)
{
	static char big[KV_VAL_MAX + 2];
	char longkey[KV_KEY_MAX + 2];
	int coid;

	kv_setup();
	kv_start(NULL);
	coid = kv_open();

	kv_fails(coid, KV_GET, "a", NULL, 0, ENOENT);
	kv_ok(coid, KV_PUT, "a", "41", 0);
	ck_assert_uint_eq(kr.vallen, 0);
	kv_expect(coid, "a", "41");
	ck_assert_int_eq(kr.value, 41);
	kv_ok(coid, KV_INCR, "a", NULL, 1);
	ck_assert_int_eq(kr.value, 42);
	kv_expect(coid, "a", "42");
	kv_ok(coid, KV_INCR, "fresh", NULL, -5); /* absent counts as 0 */
	ck_assert_int_eq(kr.value, -5);
	kv_ok(coid, KV_APPEND, "s", "foo", 0);
	ck_assert_str_eq(kr.val, "foo");
	kv_ok(coid, KV_APPEND, "s", "bar", 0);
	ck_assert_str_eq(kr.val, "foobar");
	kv_expect(coid, "s", "foobar");
	ck_assert_int_eq(kr.value, 0); /* not a counter */
	kv_fails(coid, KV_INCR, "s", NULL, 1, EINVAL);
	kv_ok(coid, KV_PUT, "max", "9223372036854775807", 0);
	kv_fails(coid, KV_INCR, "max", NULL, 1, EOVERFLOW);
	kv_ok(coid, KV_PUT, "empty", "", 0);
	kv_expect(coid, "empty", "");

	/* limits and malformed requests */
	memset(big, 'v', KV_VAL_MAX);
	kv_call(coid, KV_PUT, "big", big, KV_VAL_MAX, 0, &kr);
	ck_assert_int_eq(kr.status, 0);
	kv_call(coid, KV_GET, "big", NULL, 0, 0, &kr);
	ck_assert_int_eq(kr.status, 0);
	ck_assert_uint_eq(kr.vallen, KV_VAL_MAX);
	ck_assert_int_eq(memcmp(kr.val, big, KV_VAL_MAX), 0);
	kv_fails(coid, KV_APPEND, "big", "x", 0, EMSGSIZE);
	kv_call(coid, KV_PUT, "big", big, KV_VAL_MAX + 1, 0, &kr);
	ck_assert_int_eq(kr.err, EMSGSIZE);
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	kv_fails(coid, KV_PUT, longkey, "v", 0, ENAMETOOLONG);
	longkey[KV_KEY_MAX] = '\0';
	kv_ok(coid, KV_PUT, longkey, "v", 0); /* exactly the maximum */
	kv_fails(coid, KV_PUT, "", "v", 0, EINVAL);
	kv_fails(coid, 99, "a", NULL, 0, EINVAL);

	union {
		struct kv_req req;
		char bytes[sizeof(struct kv_req) + 2];
	} m = {.req = {.type = KV_MSG_TYPE, .op = KV_GET, .keylen = 10}};
	ASSERT_FAILS(MsgSend(coid, &m, sizeof m, NULL, 0), EBADMSG);
	ASSERT_FAILS(MsgSend(coid, &m, 6, NULL, 0), EBADMSG);
	struct _io_read rd = {.type = _IO_READ, .nbytes = 10};
	ASSERT_FAILS(MsgSend(coid, &rd, sizeof rd, NULL, 0), ENOSYS);
	uint16_t other = 0x3000;
	ASSERT_FAILS(MsgSend(coid, &other, sizeof other, NULL, 0), ENOSYS);
	kv_expect(coid, "a", "42"); /* still serving */
	ck_assert_int_eq(name_close(coid), 0);
}
END_TEST

START_TEST(test_kv_persistence)
{
	pid_t srv;
	int coid;

	kv_setup();
	srv = kv_start(NULL);
	coid = kv_open();
	kv_ok(coid, KV_PUT, "p", "one", 0);
	kv_ok(coid, KV_PUT, "p", "two", 0); /* the last value wins */
	for (int i = 0; i < 10; i++)
		kv_ok(coid, KV_INCR, "n", NULL, 3);
	kv_ok(coid, KV_APPEND, "s", "ab", 0);
	kv_ok(coid, KV_APPEND, "s", "cd", 0);
	srv_kill(srv); /* SIGKILL right after the replies */
	nto_test_wait_dead(coid);
	kv_fails(coid, KV_GET, "p", NULL, 0, EBADF);
	name_close(coid);

	srv = kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "p", "two");
	kv_expect(coid, "n", "30");
	kv_expect(coid, "s", "abcd");
	kv_ok(coid, KV_INCR, "n", NULL, 1);
	name_close(coid);

	/* a polite stop too */
	kill(srv, SIGTERM);
	srv_reap(srv);
	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "n", "31");
	name_close(coid);
}
END_TEST

/* A record torn by a kill mid-write is dropped on load, the rest kept. */
START_TEST(test_kv_torn_tail)
{
	static const char junk[] = "KVR1\x05\0\0\0garbage that is not a record";
	pid_t srv;
	int coid, fd;

	kv_setup();
	srv = kv_start(NULL);
	coid = kv_open();
	kv_ok(coid, KV_PUT, "k", "v", 0);
	kv_ok(coid, KV_INCR, "c", NULL, 7);
	srv_kill(srv);
	name_close(coid);
	fd = open(kv_file, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof junk - 1),
			 (ssize_t)sizeof junk - 1);
	close(fd);

	srv = kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "k", "v");
	kv_expect(coid, "c", "7");
	kv_ok(coid, KV_INCR, "c", NULL, 1);
	srv_kill(srv);
	name_close(coid);
	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "c", "8"); /* updates after the repair persist */
	name_close(coid);
}
END_TEST

/* -K 3: the server exits right after persisting the 3rd INCR, before the
 * reply. The client saw it die REPLY-blocked (ESRCH), and the increment
 * is applied exactly once: re-sending it would apply it twice, which is
 * what libha's at-most-once policy prevents. */
START_TEST(test_kv_kill_hook)
{
	pid_t srv;
	int coid, st;

	kv_setup();
	srv = kv_start("3");
	coid = kv_open();
	kv_ok(coid, KV_INCR, "x", NULL, 1);
	kv_ok(coid, KV_INCR, "x", NULL, 1);
	kv_fails(coid, KV_INCR, "x", NULL, 1, ESRCH);
	st = srv_reap(srv);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 9, "status 0x%x", st);
	name_close(coid);

	kv_start(NULL);
	coid = kv_open();
	kv_expect(coid, "x", "3"); /* applied (and durable), exactly once */
	name_close(coid);
}
END_TEST

START_TEST(test_kv_startup_failures)
{
	char p[PATH_MAX], other[PATH_MAX];
	const char *nodir[] = {"-n", "kvx", "-f",
			       path_in(p, sizeof p, "no/such/dir/kv.db"), NULL};
	const char *nofile[] = {"-n", "kvx", NULL};
	const char *badname[] = {"-n", "/abs", "-f", kv_file, NULL};
	const char *foreign[] = {"-n", "kvx", "-f", other, NULL};
	const char *same_file[] = {"-n", "kvy", "-f", kv_file, NULL};
	const char *same_name[] = {"-n", KVNAME, "-f", other, NULL};

	kv_setup();
	ck_assert_int_eq(run_status("ntosim-kvsrv", nodir), 1);
	ck_assert_int_eq(run_status("ntosim-kvsrv", nofile), 1);
	ck_assert_int_eq(run_status("ntosim-kvsrv", badname), 1);
	host_write(path_in(other, sizeof other, "foreign"), "not a store", 11);
	ck_assert_int_eq(run_status("ntosim-kvsrv", foreign), 1);
	unlink(other);

	kv_start(NULL);
	ck_assert_int_eq(run_status("ntosim-kvsrv", same_file), 1); /* lock */
	ck_assert_int_eq(run_status("ntosim-kvsrv", same_name), 1); /* EEXIST */
}
END_TEST

/* name_close and a client's death release the server's connections:
 * pidin's counts come back to the baseline. */
static int kv_client(const struct nto_test_link *l, void *arg)
{
	int64_t go;

	for (int i = 0; i < 5; i++)
		NTO_CHILD_ASSERT(name_open(KVNAME, 0) >= 0);
	nto_test_put(l->wr, 1);
	nto_test_get(l->rd, &go, W);
	return 0;
}

START_TEST(test_kv_disconnect)
{
	struct nto_test_counts base, now;
	struct nto_test_child c;
	int coid;

	kv_setup();
	kv_start(NULL);
	nto_test_counts(&base);
	for (int i = 0; i < 20; i++) {
		coid = kv_open();
		kv_ok(coid, KV_INCR, "n", NULL, 1);
		ck_assert_int_eq(name_close(coid), 0);
	}
	nto_test_counts_wait(&base, W);
	nto_test_fork(&c, kv_client, NULL);
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	nto_test_counts(&now);
	ck_assert_int_gt(now.connections, base.connections);
	nto_test_kill(&c);
	nto_test_counts_wait(&base, W);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("servers_kv");
	TCase *tc;

	tc = tcase("kv");
	tcase_add_test(tc, test_kv_ops);
	tcase_add_test(tc, test_kv_persistence);
	tcase_add_test(tc, test_kv_torn_tail);
	tcase_add_test(tc, test_kv_kill_hook);
	tcase_add_test(tc, test_kv_startup_failures);
	tcase_add_test(tc, test_kv_disconnect);
	suite_add_tcase(s, tc);

	return nto_test_main(s);
}
