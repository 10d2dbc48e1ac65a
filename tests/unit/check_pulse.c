/*
 * Pulses: MsgSendPulse delivery (code, value, scoid, rcvid 0), priority order
 * among pulses and together with messages, MsgReceivePulse leaving messages
 * queued, MsgDeliverEvent with SIGEV_PULSE back to a client's own channel,
 * and the pulse error cases. Kernel death pulses are in check_death.c.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

static void receive_pulse(int chid, struct _pulse *p)
{
	struct _msg_info info;

	memset(p, 0x77, sizeof *p);
	ck_assert_int_eq(MsgReceive(chid, p, sizeof *p, &info), 0);
	ck_assert_int_eq(p->type, _PULSE_TYPE);
	ck_assert_int_eq(p->subtype, _PULSE_SUBTYPE);
}

START_TEST(test_pulse_basic)
{
	struct nto_test_child cli;
	struct _pulse p;
	int chid = ChannelCreate(0), coid;
	int64_t scoid;

	ck_assert_int_ge(chid, 1);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_SERVER_INFO, coid), coid);
	scoid = NTO_ACT(&cli, NTO_OP_GET, NTO_F_INFO_SCOID);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, 10, 5, 0x12345), 0);
	receive_pulse(chid, &p);
	ck_assert_int_eq(p.code, 5);
	ck_assert_int_eq(p.value.sival_int, 0x12345);
	ck_assert_int_eq(p.scoid, scoid);
	ck_assert_int_ne(p.scoid & _NTO_SIDE_CHANNEL, 0);

	/* Extremes of code and value. */
	ck_assert_int_eq(
		NTO_ACT(&cli, NTO_OP_PULSE, coid, 10, _PULSE_CODE_MAXAVAIL, -1),
		0);
	receive_pulse(chid, &p);
	ck_assert_int_eq(p.code, _PULSE_CODE_MAXAVAIL);
	ck_assert_int_eq(p.value.sival_int, -1);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, -1, 0, 0), 0);
	receive_pulse(chid, &p);
	ck_assert_int_eq(p.code, 0);
	nto_test_expect_empty(chid, 0);
	nto_test_actor_exit(&cli);
}
END_TEST

/* A pulse into a waiting receiver, and the _r form's convention. */
START_TEST(test_pulse_to_waiting_receiver)
{
	struct nto_test_child srv;
	int coid;
	int64_t chid;

	nto_test_actor(&srv);
	chid = NTO_ACT(&srv, NTO_OP_CHANNEL, 0);
	ck_assert_int_ge(chid, 1);
	NTO_POST(&srv, NTO_OP_RECEIVE, (int32_t)chid);
	nto_test_await_state(srv.pid, "RECEIVE", 1, W);
	coid = ConnectAttach(0, srv.pid, (int)chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(coid, 0);
	errno = 555;
	ck_assert_int_eq(MsgSendPulse_r(coid, 12, 9, 99), EOK);
	ck_assert_int_eq(errno, 555);
	ck_assert_int_eq(nto_test_result(&srv, W), 0); /* rcvid 0: a pulse */
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_GET, NTO_F_PULSE_CODE), 9);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_GET, NTO_F_PULSE_VALUE), 99);
	nto_test_actor_exit(&srv);
}
END_TEST

START_TEST(test_pulse_priority_order)
{
	static const struct {
		int prio, code;
	} sent[] = {{5, 1}, {20, 2}, {10, 3}, {10, 4}, {10, 5}, {63, 6}};
	static const int order[] = {6, 2, 3, 4, 5, 1}; /* prio, then FIFO */
	struct nto_test_child cli;
	struct _pulse p;
	int chid = ChannelCreate(0), coid;

	ck_assert_int_ge(chid, 1);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(coid, 0);
	/* All queued while nobody receives. */
	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
		ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, sent[i].prio,
					 sent[i].code, 100 + sent[i].code),
				 0);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		receive_pulse(chid, &p);
		ck_assert_int_eq(p.code, order[i]);
		ck_assert_int_eq(p.value.sival_int, 100 + order[i]);
	}
	nto_test_expect_empty(chid, 0);
	nto_test_actor_exit(&cli);
}
END_TEST

/* MsgReceivePulse takes pulses and leaves a queued message alone. */
START_TEST(test_receive_pulse_skips_messages)
{
	struct nto_test_child sender, pulser;
	struct _msg_info info;
	struct _pulse p;
	char buf[64];
	uint64_t ns = 0;
	int chid = ChannelCreate(0), coid, rcvid;

	ck_assert_int_ge(chid, 1);
	nto_test_actor(&sender);
	nto_test_actor(&pulser);
	coid = (int)NTO_ACT(&sender, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	NTO_POST(&sender, NTO_OP_SEND, coid, 16, 0);
	nto_test_await_state(sender.pid, "SEND", 1, W);
	coid = (int)NTO_ACT(&pulser, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(NTO_ACT(&pulser, NTO_OP_PULSE, coid, 1, 7, 70), 0);

	memset(&p, 0, sizeof p);
	ck_assert_int_eq(MsgReceivePulse(chid, &p, sizeof p, NULL), 0);
	ck_assert_int_eq(p.code, 7);
	ck_assert_int_eq(p.value.sival_int, 70);
	/* Only the message is left: MsgReceivePulse would block. */
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL);
	NTO_ASSERT_FAILS(MsgReceivePulse(chid, &p, sizeof p, NULL), ETIMEDOUT);
	ck_assert_int_eq(nto_test_count_state(sender.pid, "SEND"), 1);
	rcvid = MsgReceive(chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.pid, sender.pid);
	ck_assert_int_eq(MsgReply(rcvid, 4, NULL, 0), 0);
	ck_assert_int_eq(nto_test_result(&sender, W), 4);
	nto_test_actor_exit(&sender);
	nto_test_actor_exit(&pulser);
}
END_TEST

START_TEST(test_receive_pulsev)
{
	struct _pulse p;
	iov_t iov[2];
	int chid = ChannelCreate(0);
	int coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);

	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(MsgSendPulse(coid, 10, 8, 88), 0);
	SETIOV(&iov[0], &p, 4);
	SETIOV(&iov[1], (char *)&p + 4, sizeof p - 4);
	ck_assert_int_eq(MsgReceivePulsev(chid, iov, 2, NULL), 0);
	ck_assert_int_eq(p.code, 8);
	ck_assert_int_eq(p.value.sival_int, 88);
	ck_assert_int_eq(MsgSendPulse(coid, 10, 9, 99), 0);
	ck_assert_int_eq(MsgReceivev(chid, iov, 2, NULL), 0);
	ck_assert_int_eq(p.code, 9);
}
END_TEST

/* A message-sending child at a given thread priority. */
static int prio_sender(const struct nto_test_link *l, void *arg)
{
	int prio = (int)(intptr_t)arg;
	int coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0);

	NTO_CHILD_ASSERT(coid >= 0);
	NTO_CHILD_ASSERT_INT(nto_set_thread_priority(prio), ==, 0);
	NTO_CHILD_ASSERT_INT(nto_thread_priority(), ==, prio);
	NTO_CHILD_ASSERT_INT(MsgSend(coid, &prio, sizeof prio, NULL, 0), ==,
			     prio);
	(void)l;
	return 0;
}

/* Pulses and messages share one priority queue. */
START_TEST(test_pulses_and_messages_by_priority)
{
	struct nto_test_child m15, m10, pulser;
	struct _msg_info info;
	union {
		struct _pulse p;
		int prio;
	} u;
	int coid, rcvid;

	ck_assert_int_eq(ChannelCreate(0), 1);
	nto_test_fork(&m15, prio_sender, (void *)(intptr_t)15);
	nto_test_fork(&m10, prio_sender, (void *)(intptr_t)10);
	nto_test_await_state(m15.pid, "SEND", 1, W);
	nto_test_await_state(m10.pid, "SEND", 1, W);
	nto_test_actor(&pulser);
	coid = (int)NTO_ACT(&pulser, NTO_OP_ATTACH, getpid(), 1,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(NTO_ACT(&pulser, NTO_OP_PULSE, coid, 20, 20, 0), 0);
	ck_assert_int_eq(NTO_ACT(&pulser, NTO_OP_PULSE, coid, 5, 5, 0), 0);

	ck_assert_int_eq(MsgReceive(1, &u, sizeof u, NULL), 0);
	ck_assert_int_eq(u.p.code, 20);
	rcvid = MsgReceive(1, &u, sizeof u, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(u.prio, 15);
	ck_assert_int_eq(info.priority, 15);
	ck_assert_int_eq(info.pid, m15.pid);
	ck_assert_int_eq(MsgReply(rcvid, 15, NULL, 0), 0);
	rcvid = MsgReceive(1, &u, sizeof u, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(u.prio, 10);
	ck_assert_int_eq(info.priority, 10);
	ck_assert_int_eq(MsgReply(rcvid, 10, NULL, 0), 0);
	ck_assert_int_eq(MsgReceive(1, &u, sizeof u, NULL), 0);
	ck_assert_int_eq(u.p.code, 5);
	nto_test_wait_ok(&m15, W);
	nto_test_wait_ok(&m10, W);
	nto_test_actor_exit(&pulser);
}
END_TEST

/* The client hands the server a SIGEV_PULSE for its own channel; the server
 * delivers it after replying (the usual "notify me later" pattern). */
static int event_client(const struct nto_test_link *l, void *arg)
{
	struct sigevent ev;
	struct _pulse p;
	int srv_coid, self_chid, self_coid, rcvid;

	(void)arg;
	self_chid = ChannelCreate(0);
	NTO_CHILD_ASSERT(self_chid >= 1);
	self_coid = ConnectAttach(0, 0, self_chid, _NTO_SIDE_CHANNEL, 0);
	NTO_CHILD_ASSERT(self_coid >= 0);
	memset(&ev, 0, sizeof ev);
	SIGEV_PULSE_INIT(&ev, self_coid, 10, 7, 777);
	srv_coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0);
	NTO_CHILD_ASSERT(srv_coid >= 0);
	NTO_CHILD_ASSERT_INT(MsgSend(srv_coid, &ev, sizeof ev, NULL, 0), ==, 0);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, 1) == 0); /* armed */
	memset(&p, 0, sizeof p);
	rcvid = MsgReceive(self_chid, &p, sizeof p, NULL);
	NTO_CHILD_ASSERT_INT(rcvid, ==, 0);
	NTO_CHILD_ASSERT_INT(p.code, ==, 7);
	NTO_CHILD_ASSERT_INT(p.value.sival_int, ==, 777);
	return 0;
}

START_TEST(test_deliver_event_pulse)
{
	struct nto_test_child c;
	struct sigevent ev;
	int rcvid;

	ck_assert_int_eq(ChannelCreate(0), 1);
	nto_test_fork(&c, event_client, NULL);
	rcvid = MsgReceive(1, &ev, sizeof ev, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(ev.sigev_notify, SIGEV_PULSE);
	ck_assert_int_eq(MsgReply(rcvid, 0, NULL, 0), 0);
	nto_test_take(c.rd, W);
	/* The client is no longer REPLY-blocked; delivery still works. */
	ck_assert_int_eq(MsgDeliverEvent(rcvid, &ev), 0);
	nto_test_wait_ok(&c, W);
	ck_assert_int_eq(nto_test_wait_gone(c.pid, W), 0);
	NTO_ASSERT_FAILS(MsgDeliverEvent(rcvid, &ev), ESRCH);
	ck_assert_int_eq(MsgDeliverEvent_r(rcvid, &ev), ESRCH);
}
END_TEST

START_TEST(test_deliver_event_errors)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof ev);
	SIGEV_PULSE_INIT(&ev, 5, 10, 1, 1);
	ck_assert_int_ge(ChannelCreate(0), 1);
	NTO_ASSERT_FAILS(MsgDeliverEvent(0x10001, &ev), ESRCH);
	NTO_ASSERT_FAILS(MsgDeliverEvent(-3, &ev), ESRCH);
}
END_TEST

START_TEST(test_pulse_errors)
{
	int chid = ChannelCreate(0);
	int coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);

	ck_assert_int_ge(coid, 0);
	NTO_ASSERT_FAILS(MsgSendPulse(coid + 1, 10, 1, 1), EBADF);
	ck_assert_int_eq(MsgSendPulse_r(coid + 1, 10, 1, 1), EBADF);
	NTO_ASSERT_FAILS(MsgSendPulse(coid, 1000, 1, 1), EINVAL);
	NTO_ASSERT_FAILS(MsgSendPulse(coid, -5, 1, 1), EINVAL);
	ck_assert_int_eq(MsgSendPulse_r(coid, 256, 1, 1), EINVAL);
	/* A pulse buffer smaller than struct _pulse: EFAULT (QNX). */
	ck_assert_int_eq(MsgSendPulse(coid, 10, 1, 1), 0);
	{
		char small[4];
		NTO_ASSERT_FAILS(MsgReceive(chid, small, sizeof small, NULL),
				 EFAULT);
	}
}
END_TEST

/* A queued pulse belongs to the channel: it survives its sender detaching
 * its last coid, or exiting, before the server receives it. */
START_TEST(test_pulse_survives_detach)
{
	struct nto_test_child cli;
	struct _pulse p;
	int chid = ChannelCreate(0), coid;

	nto_test_actor(&cli);
	for (int i = 0; i < 5; i++) {
		coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
				    _NTO_SIDE_CHANNEL);
		ck_assert_int_ge(coid, 0);
		ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, 10, 1, i),
				 0);
		ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_DETACH, coid), 0);
	}
	for (int i = 0; i < 5; i++) {
		ck_assert_msg(
			nto_test_receive(chid, &p, sizeof p, NULL, 2000) == 0,
			"pulse %d of 5 lost: %s", i, strerror(errno));
		ck_assert_int_eq(p.value.sival_int, i);
	}
	nto_test_actor_exit(&cli);
}
END_TEST

START_TEST(test_pulse_survives_exit)
{
	struct nto_test_child cli;
	struct _pulse p;
	int chid = ChannelCreate(0), coid;

	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, 10, 6, 66), 0);
	nto_test_actor_exit(&cli);
	ck_assert_int_eq(nto_test_wait_gone(cli.pid, W), 0);
	ck_assert_msg(nto_test_receive(chid, &p, sizeof p, NULL, 2000) == 0,
		      "the pulse of an exited sender was lost: %s",
		      strerror(errno));
	ck_assert_int_eq(p.code, 6);
	ck_assert_int_eq(p.value.sival_int, 66);
}
END_TEST

/* Many pulses from several threads' worth of senders: none lost. */
START_TEST(test_pulse_burst)
{
	struct nto_test_child cli;
	struct _pulse p;
	int chid = ChannelCreate(0), coid, got = 0;
	int64_t sum = 0;

	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	for (int round = 0; round < 20; round++) {
		/* 40 queued at once (a connection holds at least that many) */
		for (int i = 0; i < 40; i++)
			ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_PULSE, coid, 10,
						 1, round * 40 + i),
					 0);
		for (int i = 0; i < 40; i++) {
			receive_pulse(chid, &p);
			ck_assert_int_eq(p.value.sival_int, round * 40 + i);
			sum += p.value.sival_int;
			got++;
		}
	}
	ck_assert_int_eq(got, 800);
	ck_assert_int_eq(sum, 800 * 799 / 2);
	nto_test_expect_empty(chid, 0);
	nto_test_actor_exit(&cli);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pulse");
	TCase *tc = nto_test_tcase("pulse");

	tcase_add_test(tc, test_pulse_basic);
	tcase_add_test(tc, test_pulse_to_waiting_receiver);
	tcase_add_test(tc, test_pulse_priority_order);
	tcase_add_test(tc, test_receive_pulse_skips_messages);
	tcase_add_test(tc, test_receive_pulsev);
	tcase_add_test(tc, test_pulses_and_messages_by_priority);
	tcase_add_test(tc, test_deliver_event_pulse);
	tcase_add_test(tc, test_deliver_event_errors);
	tcase_add_test(tc, test_pulse_errors);
	tcase_add_test(tc, test_pulse_burst);
	tcase_add_test(tc, test_pulse_survives_detach);
	tcase_add_test(tc, test_pulse_survives_exit);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
