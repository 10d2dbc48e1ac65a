/*
 * ChannelCreate / ChannelDestroy: chid numbering, flags, the one-death-channel
 * rule (EBUSY), EINVAL/ESRCH for bad chids and both _r conventions. What
 * ChannelDestroy does to blocked clients and receivers is in check_death.c.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <sys/neutrino.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

START_TEST(test_create_ids)
{
	int a, b, c;

	/* Fresh process: chids come from its pool, lowest free >= 1. */
	a = ChannelCreate(0);
	ck_assert_int_eq(a, 1);
	b = ChannelCreate(0);
	ck_assert_int_eq(b, 2);
	ck_assert_int_eq(ChannelDestroy(a), 0);
	c = ChannelCreate(0);
	ck_assert_int_eq(c, a); /* the freed id is reused */
	ck_assert_int_eq(ChannelDestroy(b), 0);
	ck_assert_int_eq(ChannelDestroy(c), 0);
}
END_TEST

START_TEST(test_create_flags)
{
	static const unsigned flags[] = {
		0,
		_NTO_CHF_FIXED_PRIORITY,
		_NTO_CHF_UNBLOCK,
		_NTO_CHF_DISCONNECT,
		_NTO_CHF_SENDER_LEN,
		_NTO_CHF_REPLY_LEN,
		_NTO_CHF_PRIVATE,
		_NTO_CHF_THREAD_DEATH,
		_NTO_CHF_COID_DISCONNECT,
		/* what name_attach/dispatch_create use */
		_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT |
			_NTO_CHF_COID_DISCONNECT,
		_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT | _NTO_CHF_SENDER_LEN |
			_NTO_CHF_REPLY_LEN | _NTO_CHF_FIXED_PRIORITY,
	};

	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		int chid = ChannelCreate(flags[i]);
		ck_assert_msg(chid >= 1, "ChannelCreate(0x%x): %d errno %s",
			      flags[i], chid, strerror(errno));
		ck_assert_int_eq(ChannelDestroy(chid), 0);
	}
}
END_TEST

START_TEST(test_death_channel_ebusy)
{
	int td, cd, plain;

	td = ChannelCreate(_NTO_CHF_THREAD_DEATH);
	ck_assert_int_ge(td, 1);
	NTO_ASSERT_FAILS(ChannelCreate(_NTO_CHF_THREAD_DEATH), EBUSY);
	NTO_ASSERT_FAILS(ChannelCreate(_NTO_CHF_COID_DISCONNECT), EBUSY);
	NTO_ASSERT_FAILS(
		ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_COID_DISCONNECT),
		EBUSY);
	/* Ordinary channels are unaffected. */
	plain = ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT);
	ck_assert_int_ge(plain, 1);

	/* Destroying the death channel frees the role. */
	ck_assert_int_eq(ChannelDestroy(td), 0);
	cd = ChannelCreate(_NTO_CHF_COID_DISCONNECT);
	ck_assert_int_ge(cd, 1);
	NTO_ASSERT_FAILS(ChannelCreate(_NTO_CHF_THREAD_DEATH), EBUSY);
	ck_assert_int_eq(ChannelCreate_r(_NTO_CHF_THREAD_DEATH), -EBUSY);
	ck_assert_int_eq(ChannelDestroy(cd), 0);

	/* One channel may carry both death flags. */
	td = ChannelCreate(_NTO_CHF_THREAD_DEATH | _NTO_CHF_COID_DISCONNECT);
	ck_assert_int_ge(td, 1);
	NTO_ASSERT_FAILS(ChannelCreate(_NTO_CHF_COID_DISCONNECT), EBUSY);
	ck_assert_int_eq(ChannelDestroy(td), 0);
	ck_assert_int_eq(ChannelDestroy(plain), 0);
}
END_TEST

START_TEST(test_destroy_einval)
{
	int chid = ChannelCreate(0);

	ck_assert_int_ge(chid, 1);
	NTO_ASSERT_FAILS(ChannelDestroy(0), EINVAL);
	NTO_ASSERT_FAILS(ChannelDestroy(-1), EINVAL);
	NTO_ASSERT_FAILS(ChannelDestroy(chid + 1), EINVAL);
	NTO_ASSERT_FAILS(ChannelDestroy(100000), EINVAL);
	NTO_ASSERT_FAILS(ChannelDestroy(_NTO_SIDE_CHANNEL | chid), EINVAL);
	ck_assert_int_eq(ChannelDestroy(chid), 0);
	NTO_ASSERT_FAILS(ChannelDestroy(chid), EINVAL); /* twice */
}
END_TEST

START_TEST(test_r_conventions)
{
	int chid;

	/* Value-returning: the value or a negative errno, errno untouched. */
	errno = 12345;
	chid = ChannelCreate_r(0);
	ck_assert_int_ge(chid, 1);
	ck_assert_int_eq(errno, 12345);
	ck_assert_int_eq(ChannelCreate_r(_NTO_CHF_THREAD_DEATH) > 0, 1);
	ck_assert_int_eq(ChannelCreate_r(_NTO_CHF_THREAD_DEATH), -EBUSY);
	ck_assert_int_eq(errno, 12345);

	/* 0-returning: EOK or a positive errno. */
	ck_assert_int_eq(ChannelDestroy_r(chid), EOK);
	ck_assert_int_eq(ChannelDestroy_r(chid), EINVAL);
	ck_assert_int_eq(ChannelDestroy_r(-5), EINVAL);
	ck_assert_int_eq(errno, 12345);

	/* The plain forms: -1 and errno. */
	NTO_ASSERT_FAILS(ChannelDestroy(chid), EINVAL);
}
END_TEST

START_TEST(test_receive_bad_chid)
{
	char buf[64];
	int chid;

	NTO_ASSERT_FAILS(MsgReceive(1, buf, sizeof buf, NULL), ESRCH);
	NTO_ASSERT_FAILS(MsgReceive(999, buf, sizeof buf, NULL), ESRCH);
	NTO_ASSERT_FAILS(MsgReceivePulse(999, buf, sizeof buf, NULL), ESRCH);
	ck_assert_int_eq(MsgReceive_r(999, buf, sizeof buf, NULL), -ESRCH);
	chid = ChannelCreate(0);
	ck_assert_int_ge(chid, 1);
	ck_assert_int_eq(ChannelDestroy(chid), 0);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ESRCH);
}
END_TEST

/* chids are per process: another process's chid 1 is not ours. */
START_TEST(test_chid_per_process)
{
	struct nto_test_child srv;
	char buf[16];
	int chid, coid;

	nto_test_actor(&srv);
	chid = (int)NTO_ACT(&srv, NTO_OP_CHANNEL, 0);
	ck_assert_int_eq(chid, 1);
	/* We have no channel 1: destroy/receive fail, theirs survives. */
	NTO_ASSERT_FAILS(ChannelDestroy(chid), EINVAL);
	NTO_ASSERT_FAILS(MsgReceive(chid, buf, sizeof buf, NULL), ESRCH);
	ck_assert_int_eq(ChannelCreate(0), 1); /* our own pool starts at 1 */
	coid = ConnectAttach(0, srv.pid, chid, 0, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(MsgSendPulse(coid, 10, 3, 33), 0);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_RECEIVE, chid), 0);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_GET, NTO_F_PULSE_CODE), 3);
	ck_assert_int_eq(ConnectDetach(coid), 0);
	nto_test_actor_exit(&srv);
}
END_TEST

static void *create_in_thread(void *arg)
{
	*(int *)arg = ChannelCreate(0);
	return NULL;
}

/* A channel belongs to the process, not the thread that created it. */
START_TEST(test_channel_outlives_thread)
{
	pthread_t t;
	struct _pulse p;
	int chid = -1, coid;

	ck_assert_int_eq(pthread_create(&t, NULL, create_in_thread, &chid), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_ge(chid, 1);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(MsgSendPulse(coid, 10, 4, 44), 0);
	ck_assert_int_eq(MsgReceive(chid, &p, sizeof p, NULL), 0);
	ck_assert_int_eq(p.code, 4);
	ck_assert_int_eq(p.value.sival_int, 44);
	ck_assert_int_eq(ConnectDetach(coid), 0);
	ck_assert_int_eq(ChannelDestroy(chid), 0);
}
END_TEST

/* pidin sees channels come and go. */
START_TEST(test_channel_counts)
{
	struct nto_test_counts base, now;
	int chid[3];

	ck_assert_int_ge(ChannelCreate(0), 1); /* registers us */
	nto_test_counts(&base);
	for (int i = 0; i < 3; i++)
		chid[i] = ChannelCreate(_NTO_CHF_DISCONNECT);
	nto_test_counts(&now);
	ck_assert_int_eq(now.channels, base.channels + 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ChannelDestroy(chid[i]), 0);
	nto_test_counts_wait(&base, W);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = nto_test_tcase("channel");

	tcase_add_test(tc, test_create_ids);
	tcase_add_test(tc, test_create_flags);
	tcase_add_test(tc, test_death_channel_ebusy);
	tcase_add_test(tc, test_destroy_einval);
	tcase_add_test(tc, test_r_conventions);
	tcase_add_test(tc, test_receive_bad_chid);
	tcase_add_test(tc, test_chid_per_process);
	tcase_add_test(tc, test_channel_outlives_thread);
	tcase_add_test(tc, test_channel_counts);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
