/*
 * libha's at-most-once policy against the real key-value server
 * (ntosim-kvsrv), whose -K N hook makes it _exit right after applying and
 * persisting the Nth INCR, before replying: the client was REPLY-blocked,
 * so the dead server had received the request. With
 * HA_RECOVERY_AT_MOST_ONCE the client gets HA_ENOTRESENT and the counter
 * moved exactly once; with QNX's default the request is re-sent and
 * applied twice. Also runs examples/ha_kv_client through the same death,
 * and HA_RECOVERY_EXACTLY_ONCE with several threads through it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
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

#include "servers/kv/kvproto.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W     NTO_TEST_WAIT_MS
#define KVDEV "/dev/name/local/" KV_NAME

struct kvsrv {
	struct nto_test_child ch;
	char store[600];
	int probe; /* a plain connection, to see the death processed */
};

/* Start ntosim-kvsrv on the test's store; kill_n > 0 adds -K kill_n. */
static void kv_start(struct kvsrv *s, int kill_n)
{
	char kn[16];
	char *argv[] = {nto_test_bin("ntosim-kvsrv"),
			(char *)"-f",
			s->store,
			NULL,
			NULL,
			NULL};

	snprintf(s->store, sizeof(s->store), "%s/kv.store", nto_test_dir());
	if (kill_n > 0) {
		snprintf(kn, sizeof(kn), "%d", kill_n);
		argv[3] = (char *)"-K";
		argv[4] = kn;
	}
	nto_test_fork(&s->ch, nto_test_exec, argv);
	ck_assert_int_eq(nto_path_wait(KVDEV, W), 0);
	s->probe = name_open(KV_NAME, 0);
	ck_assert_int_ge(s->probe, 0);
}

/* Wait until the probe connection is dead: ipcd has processed the server's
 * death (the name is gone then too). */
static void kv_wait_dead(struct kvsrv *s)
{
	nto_test_wait_dead(s->probe);
	name_close(s->probe);
	s->probe = -1;
}

/* The -K hook fired: the server exited 9 by itself. */
static void kv_wait_hook_exit(struct kvsrv *s)
{
	int st = nto_test_wait(&s->ch, W);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 9,
		      "kvsrv status %#x, want exit 9", st);
	kv_wait_dead(s);
}

static void kv_stop(struct kvsrv *s)
{
	nto_test_kill(&s->ch);
	if (s->probe >= 0)
		name_close(s->probe);
}

/* One request: returns the reply status (0) with *value set, or -1/errno. */
static int kv_op(int coid, int op, const char *key, int64_t arg, int64_t *value)
{
	struct kv_req req = {
		KV_MSG_TYPE, (uint16_t)op, (uint32_t)strlen(key), 0, 0, arg};
	struct kv_rep rep = {0};
	char val[64];
	iov_t s[2], r[2];
	int rc;

	SETIOV(&s[0], &req, sizeof(req));
	SETIOV(&s[1], key, strlen(key));
	SETIOV(&r[0], &rep, sizeof(rep));
	SETIOV(&r[1], val, sizeof(val));
	rc = MsgSendv(coid, s, 2, r, 2);
	if (rc == 0 && value)
		*value = rep.value;
	return rc;
}

struct incr {
	int coid;
	int rc, err;
	int64_t value;
};

static void *incr_thread(void *arg)
{
	struct incr *in = arg;

	in->rc = kv_op(in->coid, KV_INCR, "ctr", 1, &in->value);
	in->err = errno;
	return NULL;
}

/*
 * _i = 1: at-most-once. The INCR that killed the server fails with
 * HA_ENOTRESENT, the connection is recovered, and the counter is 1.
 * _i = 0: QNX's default. The INCR is re-sent to the new server: the client
 * sees success, and the counter is 2 (applied twice).
 */
START_TEST(test_incr_killed_after_receive)
{
	int amo = _i;
	struct kvsrv s;
	struct incr in;
	pthread_t t;
	int64_t v = -1;

	kv_start(&s, 1);
	in.coid = ha_name_open(KV_NAME, 0, NULL, NULL, 0);
	ck_assert_int_ge(in.coid, _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(ha_connection_ctrl(in.coid, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)W),
			 0);
	if (amo)
		ck_assert_int_eq(ha_connection_ctrl(in.coid,
						    HA_RECOVERY_AT_MOST_ONCE,
						    (void *)1),
				 0);
	ck_assert_int_eq(pthread_create(&t, NULL, incr_thread, &in), 0);
	kv_wait_hook_exit(&s);
	kv_start(&s, 0); /* the recovery is waiting for the name */
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	if (amo) {
		ck_assert_int_eq(in.rc, -1);
		ck_assert_int_eq(in.err, HA_ENOTRESENT);
	} else {
		ck_assert_msg(in.rc == 0, "INCR errno %d", in.err);
		ck_assert_int_eq(in.value, 2); /* QNX's semantics */
	}
	/* the connection works afterwards, on the same number */
	ck_assert_int_eq(kv_op(in.coid, KV_GET, "ctr", 0, &v), 0);
	ck_assert_int_eq(v, amo ? 1 : 2);
	ck_assert_int_eq(kv_op(in.coid, KV_INCR, "ctr", 10, &v), 0);
	ck_assert_int_eq(v, amo ? 11 : 12);
	ck_assert_int_eq(ha_ConnectDetach(in.coid), 0);
	kv_stop(&s);
}
END_TEST

/* A request the server never received (sent after its death) is re-sent
 * under at-most-once too: the increment applies once, and succeeds. */
START_TEST(test_incr_not_received)
{
	struct kvsrv s;
	int64_t v = -1;
	int coid;

	kv_start(&s, 0);
	coid = ha_name_open(KV_NAME, 0, NULL, NULL, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_AT_MOST_ONCE, (void *)1),
		0);
	ck_assert_int_eq(kv_op(coid, KV_INCR, "n", 5, &v), 0);
	ck_assert_int_eq(v, 5);
	nto_test_kill(&s.ch);
	kv_wait_dead(&s);
	kv_start(&s, 0);
	ck_assert_int_eq(kv_op(coid, KV_INCR, "n", 1, &v), 0);
	ck_assert_int_eq(v, 6);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	kv_stop(&s);
}
END_TEST

/* examples/ha_kv_client: 3 INCRs with at-most-once; the server's -K 2
 * kills it on the second; the example waits for the restart, reports the
 * refused re-send, and finishes with the counter at 2 + the later ones. */
START_TEST(test_kv_client_example)
{
	struct nto_test_child cli;
	struct kvsrv s;
	char *argv[] = {nto_test_bin("examples/ha_kv_client"),
			(char *)"-a",
			(char *)"-w",
			(char *)"10000",
			(char *)"ctr",
			(char *)"3",
			NULL};
	char out[4096];
	int p[2], st;
	ssize_t n, got = 0;

	kv_start(&s, 2);
	ck_assert_int_eq(pipe(p), 0);
	{
		/* the client's stdout is the pipe */
		int saved = dup(1);

		ck_assert_int_eq(dup2(p[1], 1), 1);
		nto_test_fork(&cli, nto_test_exec, argv);
		ck_assert_int_eq(dup2(saved, 1), 1);
		close(saved);
		close(p[1]);
	}
	kv_wait_hook_exit(&s);
	kv_start(&s, 0);
	st = nto_test_wait(&cli, W);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "ha_kv_client status %#x:\n%s", st, out);
	ck_assert_msg(strstr(out, "incr 1: 1\n") &&
			      strstr(out, "incr 2: not re-sent") &&
			      strstr(out, "incr 3: 3\n") &&
			      strstr(out, "final ctr = 3\n"),
		      "unexpected output:\n%s", out);
	kv_stop(&s);
}
END_TEST

#define EO_THREADS 4
#define EO_EACH	   25

struct eo_worker {
	int coid;
	int fails, err;
	int64_t values[EO_EACH];
};

static void *eo_thread(void *arg)
{
	struct eo_worker *w = arg;

	for (int i = 0; i < EO_EACH; i++)
		if (kv_op(w->coid, KV_INCR, "eo", 1, &w->values[i]) != 0) {
			w->fails++;
			w->err = errno;
			w->values[i] = -1;
		}
	return NULL;
}

/*
 * Exactly-once, several threads on one HA coid (several calls in flight,
 * each with its own seq; the done mark stays below the oldest): the server
 * dies after applying and logging the 30th INCR, before replying, and a new
 * one starts on the store. Every one of the 100 calls succeeds, the values
 * they return are exactly 1..100 (none applied twice, none lost), the
 * counter is 100, and nothing fell back to at-most-once.
 */
START_TEST(test_exactly_once_threads)
{
	struct eo_worker w[EO_THREADS];
	pthread_t t[EO_THREADS];
	char seen[EO_THREADS * EO_EACH + 1] = {0};
	struct kvsrv s;
	int64_t v = -1;
	int coid, fb = -1, i, j;

	kv_start(&s, 30);
	coid = ha_name_open(KV_NAME, 0, NULL, NULL, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)W),
			 0);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_EXACTLY_ONCE, (void *)1),
		0);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_EXACTLY_ONCE, (void *)2),
		-1);
	ck_assert_int_eq(errno, EINVAL);
	for (i = 0; i < EO_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].coid = coid;
		ck_assert_int_eq(pthread_create(&t[i], NULL, eo_thread, &w[i]),
				 0);
	}
	kv_wait_hook_exit(&s);
	kv_start(&s, 0);
	for (i = 0; i < EO_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(w[i].fails == 0, "thread %d: %d failed, errno %d",
			      i, w[i].fails, w[i].err);
		for (j = 0; j < EO_EACH; j++) {
			int64_t x = w[i].values[j];

			ck_assert_msg(x >= 1 && x <= EO_THREADS * EO_EACH &&
					      !seen[x],
				      "value %lld twice or out of range",
				      (long long)x);
			seen[x] = 1;
		}
	}
	ck_assert_int_eq(kv_op(coid, KV_GET, "eo", 0, &v), 0);
	ck_assert_int_eq(v, EO_THREADS * EO_EACH);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_GET_FALLBACKS, &fb), 0);
	ck_assert_int_eq(fb, 0);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	kv_stop(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha_kv");
	TCase *tc = nto_test_tcase("core");

	tcase_add_loop_test(tc, test_incr_killed_after_receive, 0, 2);
	tcase_add_test(tc, test_incr_not_received);
	tcase_add_test(tc, test_kv_client_example);
	tcase_add_test(tc, test_exactly_once_threads);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
