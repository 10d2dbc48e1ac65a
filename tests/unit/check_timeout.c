/*
 * TimerTimeout and other ways out of a blocked call: SEND, REPLY (with and
 * without _NTO_CHF_UNBLOCK) and RECEIVE timeouts, immediate (NULL ntime)
 * timeouts, one-shot scope, absolute times, and signals (EINTR). Durations
 * are only asserted as bounds; blocked states are observed through pidin.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "tests/unit/fixture.h"

#define W  NTO_TEST_WAIT_MS
#define MS 1000000ull

static uint64_t ms_since(uint64_t t0)
{
	return (nto_test_now_ns() - t0) / MS;
}

static int arm(unsigned flags, uint64_t ms)
{
	uint64_t ns = ms * MS;

	return TimerTimeout(CLOCK_MONOTONIC, (int)flags, NULL, &ns, NULL);
}

/* A server actor with a channel, and our side-channel coid to it. */
static int server_and_coid(struct nto_test_child *srv, unsigned chflags,
			   int *chid)
{
	int coid;

	nto_test_actor(srv);
	*chid = (int)NTO_ACT(srv, NTO_OP_CHANNEL, (int32_t)chflags);
	ck_assert_int_ge(*chid, 1);
	coid = ConnectAttach(0, srv->pid, *chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(coid, 0);
	return coid;
}

/* The server never receives: the send times out and is withdrawn. */
START_TEST(test_timeout_send)
{
	struct nto_test_child srv;
	uint64_t t0, el;
	int chid, coid = server_and_coid(&srv, 0, &chid);

	ck_assert_int_ge(arm(_NTO_TIMEOUT_SEND, 100), 0);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgSend(coid, "s", 2, NULL, 0), ETIMEDOUT);
	el = ms_since(t0);
	ck_assert_msg(el >= 95 && el < 5000, "timed out after %llu ms",
		      (unsigned long long)el);
	/* Withdrawn: the server finds nothing. */
	NTO_ACT(&srv, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 0, 1);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_RECEIVE, chid), -ETIMEDOUT);
	nto_test_actor_exit(&srv);
}
END_TEST

/* A SEND timeout does not bound the REPLY phase. */
START_TEST(test_timeout_send_not_reply)
{
	struct nto_test_child cli;
	char buf[8];
	int chid = ChannelCreate(0), coid, rcvid;

	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_SEND, 50);
	NTO_POST(&cli, NTO_OP_SEND, coid, 4, 0);
	rcvid = MsgReceive(chid, buf, sizeof buf, NULL);
	ck_assert_int_gt(rcvid, 0);
	nto_test_quiet(cli.rd, 200); /* well past 50 ms, still blocked */
	ck_assert_int_eq(MsgReply(rcvid, 6, NULL, 0), 0);
	ck_assert_int_eq(nto_test_result(&cli, W), 6);
	nto_test_actor_exit(&cli);
}
END_TEST

/* REPLY timeout without _NTO_CHF_UNBLOCK: the client leaves at once and the
 * server's late reply fails with ESRCH. */
START_TEST(test_timeout_reply_no_unblock)
{
	struct nto_test_child srv;
	uint64_t t0, el;
	int chid, coid = server_and_coid(&srv, 0, &chid);
	int64_t rcvid;

	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	ck_assert_int_ge(arm(_NTO_TIMEOUT_REPLY, 100), 0);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgSend(coid, "r", 2, NULL, 0), ETIMEDOUT);
	el = ms_since(t0);
	ck_assert_msg(el >= 95 && el < 5000, "timed out after %llu ms",
		      (unsigned long long)el);
	rcvid = nto_test_result(&srv, W);
	ck_assert_int_gt(rcvid, 0); /* the server did get it */
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_INFO, 0), -ESRCH);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_REPLY, 0, 1), -ESRCH);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_ERROR, 0, EINTR), -ESRCH);
	/* The connection is fine afterwards. */
	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	NTO_POST(&srv, NTO_OP_REPLY, 0, 2);
	ck_assert_int_eq(MsgSend(coid, "r", 2, NULL, 0), 2);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	ck_assert_int_eq(nto_test_result(&srv, W), 0);
	nto_test_actor_exit(&srv);
}
END_TEST

/* REPLY timeout with _NTO_CHF_UNBLOCK: the server gets an UNBLOCK pulse
 * (value = rcvid), MsgInfo shows the request, and the client stays
 * REPLY-blocked until the server answers. */
START_TEST(test_timeout_reply_unblock)
{
	struct nto_test_child cli;
	struct _msg_info info, again;
	struct _pulse p;
	int chid = ChannelCreate(_NTO_CHF_UNBLOCK), coid, rcvid;
	char buf[64];
	uint64_t bound = 5000 * MS;

	ck_assert_int_ge(chid, 1);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	for (int round = 0; round < 2; round++) {
		NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_REPLY, 100);
		NTO_POST(&cli, NTO_OP_SEND, coid, 8, 0);
		rcvid = MsgReceive(chid, buf, sizeof buf, &info);
		ck_assert_int_gt(rcvid, 0);
		TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL,
			     &bound, NULL);
		memset(&p, 0, sizeof p);
		ck_assert_int_eq(MsgReceive(chid, &p, sizeof p, NULL), 0);
		ck_assert_int_eq(p.code, _PULSE_CODE_UNBLOCK);
		ck_assert_int_eq(p.value.sival_int, rcvid);
		ck_assert_int_eq(p.scoid, info.scoid);
		ck_assert_int_eq(MsgInfo(rcvid, &again), 0);
		ck_assert_int_ne(again.flags & _NTO_MI_UNBLOCK_REQ, 0);
		/* Still blocked, well past its 100 ms. */
		ck_assert_int_eq(nto_test_count_state(cli.pid, "REPLY"), 1);
		nto_test_quiet(cli.rd, 200);
		if (round == 0) {
			ck_assert_int_eq(MsgReply(rcvid, 9, NULL, 0), 0);
			ck_assert_int_eq(nto_test_result(&cli, W), 9);
		} else {
			ck_assert_int_eq(MsgError(rcvid, EINTR), 0);
			ck_assert_int_eq(nto_test_result(&cli, W), -EINTR);
		}
	}
	nto_test_actor_exit(&cli);
}
END_TEST

START_TEST(test_timeout_receive)
{
	int chid = ChannelCreate(0);
	char buf[64];
	uint64_t t0, el;

	ck_assert_int_ge(chid, 1);
	arm(_NTO_TIMEOUT_RECEIVE, 50);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);
	el = ms_since(t0);
	ck_assert_msg(el >= 48 && el < 5000, "timed out after %llu ms",
		      (unsigned long long)el);
	arm(_NTO_TIMEOUT_RECEIVE, 20);
	NTO_ASSERT_FAILS(MsgReceivePulse(chid, buf, sizeof buf, NULL),
			 ETIMEDOUT);
	arm(_NTO_TIMEOUT_RECEIVE, 20);
	ck_assert_int_eq(MsgReceive_r(chid, buf, sizeof buf, NULL), -ETIMEDOUT);
	/* An explicit SIGEV_UNBLOCK notify is the same as NULL. */
	{
		struct sigevent ev;
		uint64_t ns = 20 * MS;
		memset(&ev, 0, sizeof ev);
		SIGEV_UNBLOCK_INIT(&ev);
		TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, &ev, &ns,
			     NULL);
		NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL),
				 ETIMEDOUT);
	}
	/* CLOCK_REALTIME, relative. */
	{
		uint64_t ns = 20 * MS;
		TimerTimeout(CLOCK_REALTIME, _NTO_TIMEOUT_RECEIVE, NULL, &ns,
			     NULL);
		NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL),
				 ETIMEDOUT);
	}
}
END_TEST

/* A NULL ntime (or 0) is an immediate timeout, only if the call would
 * block. */
START_TEST(test_timeout_immediate)
{
	struct nto_test_child srv;
	char buf[64];
	uint64_t t0, zero = 0;
	int chid = ChannelCreate(0), self, coid, srv_chid;

	ck_assert_int_ge(chid, 1);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);
	ck_assert_uint_lt(ms_since(t0), 200);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &zero, NULL);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);

	/* Something queued: the call does not block, so no timeout. */
	self = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(MsgSendPulse(self, 10, 1, 1), 0);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL);
	ck_assert_int_eq(MsgReceive(chid, buf, sizeof buf, NULL), 0);

	/* Immediate SEND timeout: fails at once and leaves nothing queued. */
	coid = server_and_coid(&srv, 0, &srv_chid);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_SEND, NULL, NULL, NULL);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgSend(coid, "i", 2, NULL, 0), ETIMEDOUT);
	ck_assert_uint_lt(ms_since(t0), 200);
	NTO_ACT(&srv, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 0, 1);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_RECEIVE, srv_chid), -ETIMEDOUT);
	nto_test_actor_exit(&srv);
}
END_TEST

/* An immediate REPLY timeout fails without delivering the message, even
 * with a receiver waiting (QNX kernel behaviour). */
START_TEST(test_timeout_immediate_reply)
{
	struct nto_test_child srv;
	int chid, coid = server_and_coid(&srv, 0, &chid);

	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	nto_test_await_state(srv.pid, "RECEIVE", 1, W);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL, NULL, NULL);
	NTO_ASSERT_FAILS(MsgSend(coid, "m", 2, NULL, 0), ETIMEDOUT);
	nto_test_quiet(srv.rd, 200); /* the server did not get it */
	ck_assert_int_eq(MsgSendPulse(coid, 10, 3, 0), 0);
	ck_assert_int_eq(nto_test_result(&srv, W), 0); /* the pulse */
	nto_test_actor_exit(&srv);
}
END_TEST

/* A helper that, once `tid` is RECEIVE-blocked, lets `ms` pass and then
 * sends a pulse on `coid`. */
struct late_pulse {
	pid_t tid;
	int coid;
	int ms;
	int rc;
};

static void *late_pulse_main(void *p)
{
	struct late_pulse *lp = p;
	uint64_t end;

	lp->rc = nto_test_wait_state(getpid(), lp->tid, "RECEIVE", W);
	if (lp->rc)
		return NULL;
	/* A negative check (no timeout fires meanwhile) must wait. */
	end = nto_test_now_ns() + (uint64_t)lp->ms * MS;
	while (nto_test_now_ns() < end)
		poll(NULL, 0, 10);
	lp->rc = MsgSendPulse(lp->coid, 10, 2, 2);
	return NULL;
}

static void receive_after_late_pulse(int chid, int coid, const char *what)
{
	int r;

	struct late_pulse lp = {
		.tid = (pid_t)syscall(SYS_gettid), .coid = coid, .ms = 200};
	struct _pulse p;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, late_pulse_main, &lp), 0);
	r = MsgReceive(chid, &p, sizeof p, NULL);
	ck_assert_msg(r == 0, "%s: MsgReceive returned %d (%s)", what, r,
		      r < 0 ? strerror(errno) : "");
	ck_assert_int_eq(p.code, 2);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(lp.rc, 0);
}

/* A timeout applies to the next kernel call only. */
START_TEST(test_timeout_one_shot)
{
	int chid = ChannelCreate(0), self, tmp;
	char buf[64];

	self = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(self, 0);
	/* Used up by a receive that did not block... */
	ck_assert_int_eq(MsgSendPulse(self, 10, 1, 1), 0);
	arm(_NTO_TIMEOUT_RECEIVE, 50);
	ck_assert_int_eq(MsgReceive(chid, buf, sizeof buf, NULL), 0);
	receive_after_late_pulse(chid, self, "after a non-blocking receive");
	/* ...or by any other kernel call. */
	arm(_NTO_TIMEOUT_RECEIVE, 50);
	tmp = ChannelCreate(0);
	ck_assert_int_ge(tmp, 1);
	receive_after_late_pulse(chid, self, "after ChannelCreate");
	/* A timeout for another state does not fire, and is gone after. */
	arm(_NTO_TIMEOUT_SEND, 1);
	receive_after_late_pulse(chid, self, "with a SEND timeout armed");
}
END_TEST

START_TEST(test_timeout_return_value)
{
	uint64_t ns = 10 * MS, ons = 0;
	int chid = ChannelCreate(0);
	char buf[8];

	ck_assert_int_eq(TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
				      NULL, &ns, &ons),
			 0);
	ck_assert_int_eq(TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_SEND, NULL,
				      &ns, NULL),
			 (int)_NTO_TIMEOUT_RECEIVE);
	ck_assert_int_eq(TimerTimeout_r(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
					NULL, &ns, NULL),
			 (int)_NTO_TIMEOUT_SEND);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);
}
END_TEST

START_TEST(test_timeout_absolute)
{
	int chid = ChannelCreate(0);
	char buf[8];
	uint64_t t0 = nto_test_now_ns(), at = t0 + 80 * MS, el;

	TimerTimeout(CLOCK_MONOTONIC,
		     (int)(_NTO_TIMEOUT_RECEIVE | TIMER_ABSTIME_QNX), NULL, &at,
		     NULL);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);
	el = ms_since(t0);
	ck_assert_msg(el >= 78 && el < 5000, "timed out after %llu ms",
		      (unsigned long long)el);
	/* A time already past: immediate. */
	at = nto_test_now_ns() - 1000 * MS;
	TimerTimeout(CLOCK_MONOTONIC,
		     (int)(_NTO_TIMEOUT_RECEIVE | TIMER_ABSTIME_QNX), NULL, &at,
		     NULL);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ETIMEDOUT);
	ck_assert_uint_lt(ms_since(t0), 200);
}
END_TEST

/* ---- signals ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	pid_t tid;
	const char *state;
	int rc;
};

static void *kicker_main(void *p)
{
	struct kicker *k = p;

	k->rc = nto_test_wait_state(getpid(), k->tid, k->state, W);
	if (!k->rc)
		k->rc = pthread_kill(k->target, SIGUSR1);
	return NULL;
}

static void kick_when(const char *state, struct kicker *k, pthread_t *t)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	k->target = pthread_self();
	k->tid = (pid_t)syscall(SYS_gettid);
	k->state = state;
	ck_assert_int_eq(pthread_create(t, NULL, kicker_main, k), 0);
}

/* A signal unblocks a SEND-blocked sender (EINTR, message withdrawn) and a
 * REPLY-blocked one on a channel without _NTO_CHF_UNBLOCK. */
START_TEST(test_signal_eintr)
{
	struct nto_test_child srv;
	struct kicker k;
	pthread_t t;
	int chid, coid = server_and_coid(&srv, 0, &chid);

	kick_when("SEND", &k, &t);
	arm(_NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, 5000); /* a bound */
	NTO_ASSERT_FAILS(MsgSend(coid, "a", 2, NULL, 0), EINTR);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(k.rc, 0);
	NTO_ACT(&srv, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 0, 1);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_RECEIVE, chid), -ETIMEDOUT);

	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	kick_when("REPLY", &k, &t);
	arm(_NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, 5000);
	NTO_ASSERT_FAILS(MsgSend(coid, "b", 2, NULL, 0), EINTR);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(k.rc, 0);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_REPLY, 0, 0), -ESRCH);
	nto_test_actor_exit(&srv);
}
END_TEST

/* A RECEIVE-blocked server thread is interrupted by a signal too. */
START_TEST(test_signal_receive)
{
	struct kicker k;
	pthread_t t;
	char buf[8];
	int chid = ChannelCreate(0);

	kick_when("RECEIVE", &k, &t);
	arm(_NTO_TIMEOUT_RECEIVE, 5000);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), EINTR);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(k.rc, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("timeout");
	TCase *tc = nto_test_tcase("timeout");

	tcase_add_test(tc, test_timeout_send);
	tcase_add_test(tc, test_timeout_send_not_reply);
	tcase_add_test(tc, test_timeout_reply_no_unblock);
	tcase_add_test(tc, test_timeout_reply_unblock);
	tcase_add_test(tc, test_timeout_receive);
	tcase_add_test(tc, test_timeout_immediate);
	tcase_add_test(tc, test_timeout_immediate_reply);
	tcase_add_test(tc, test_timeout_one_shot);
	tcase_add_test(tc, test_timeout_return_value);
	tcase_add_test(tc, test_timeout_absolute);
	tcase_add_test(tc, test_signal_eintr);
	tcase_add_test(tc, test_signal_receive);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
