/*
 * iofunc_notify's bookkeeping, in one process with hand-made contexts: what
 * each action arms and replies, the per-list minimum count the
 * IOFUNC_NOTIFY_*_CHECK macros read, triggers below and at the threshold,
 * re-arming replacing an entry, SIGEV_NONE disarming, iofunc_notify_remove
 * and _strict, and bad messages. Delivery itself (a pulse reaching a
 * client) is covered by tests/compat/notify_*.sh; here the rcvids name no
 * connection, so a fired event's delivery fails (ESRCH) and the entry is
 * dropped just the same, which is also what a departed client gets.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>

#include "tests/unit/fixture.h"

static resmgr_context_t *ctx(int scoid, int coid)
{
	static union {
		resmgr_context_t c;
		char room[sizeof(resmgr_context_t) + 4 * sizeof(iov_t)];
	} u;

	memset(&u, 0, sizeof(u));
	u.c.rcvid = (1 << 16) | scoid;
	u.c.info.scoid = scoid;
	u.c.info.coid = coid;
	u.c.info.msglen = (int)sizeof(struct _io_notify);
	return &u.c;
}

static io_notify_t *msg(int action, unsigned flags, int none)
{
	static io_notify_t m;

	memset(&m, 0, sizeof(m));
	m.i.type = _IO_NOTIFY;
	m.i.combine_len = sizeof(m.i);
	m.i.action = action;
	m.i.flags = (int)flags;
	if (none)
		SIGEV_NONE_INIT(&m.i.event);
	else
		SIGEV_SIGNAL_INIT(&m.i.event, SIGUSR2);
	return &m;
}

static int entries(iofunc_notify_t *nop, int i)
{
	iofunc_notify_event_t *e;
	int n = 0;

	for (e = nop[i].list; e; e = e->next)
		n++;
	return n;
}

START_TEST(test_actions)
{
	iofunc_notify_t nop[3];
	io_notify_t *m;
	int armed = -1, r;

	IOFUNC_NOTIFY_INIT(nop);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].cnt, INT_MAX);
	ck_assert_ptr_null(nop[IOFUNC_NOTIFY_OBAND].list);

	/* POLL: replies what is met, arms nothing */
	m = msg(_NOTIFY_ACTION_POLL, _NOTIFY_COND_INPUT | _NOTIFY_COND_OUTPUT,
		0);
	r = iofunc_notify(ctx(3, 4), m, nop, _NOTIFY_COND_OUTPUT, NULL, &armed);
	ck_assert_int_eq(r, _RESMGR_NPARTS(1));
	ck_assert_uint_eq(m->o.flags, _NOTIFY_COND_OUTPUT);
	ck_assert_int_eq(armed, 0);
	ck_assert_int_eq(entries(nop, 0) + entries(nop, 1), 0);

	/* POLLARM with a condition met: reports it, arms nothing */
	m = msg(_NOTIFY_ACTION_POLLARM, _NOTIFY_COND_OUTPUT, 0);
	r = iofunc_notify(ctx(3, 4), m, nop, _NOTIFY_COND_OUTPUT, NULL, &armed);
	ck_assert_uint_eq(m->o.flags, _NOTIFY_COND_OUTPUT);
	ck_assert_int_eq(armed, 0);

	/* POLLARM with nothing met: arms each requested condition */
	m = msg(_NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT | _NOTIFY_COND_OBAND,
		0);
	r = iofunc_notify(ctx(3, 4), m, nop, _NOTIFY_COND_OUTPUT, NULL, &armed);
	ck_assert_int_eq(r, _RESMGR_NPARTS(1));
	ck_assert_uint_eq(m->o.flags, 0);
	ck_assert_int_eq(armed, 1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OUTPUT), 0);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OBAND), 1);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].list->scoid, 3);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].list->coid, 4);
	ck_assert_uint_eq(nop[IOFUNC_NOTIFY_INPUT].list->flags,
			  _NOTIFY_COND_INPUT);
	ck_assert_uint_eq(nop[IOFUNC_NOTIFY_OBAND].list->flags,
			  _NOTIFY_COND_OBAND);

	/* the same connection again: replaced, not added */
	m = msg(_NOTIFY_ACTION_TRANARM, _NOTIFY_COND_INPUT, 0);
	r = iofunc_notify(ctx(3, 4), m, nop, _NOTIFY_COND_INPUT, NULL, &armed);
	ck_assert_uint_eq(m->o.flags, 0); /* TRANARM replies 0 */
	ck_assert_int_eq(armed, 1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);

	/* CONDARM: met -> reported; not met -> armed, EAGAIN */
	m = msg(_NOTIFY_ACTION_CONDARM, _NOTIFY_COND_OUTPUT, 0);
	r = iofunc_notify(ctx(5, 6), m, nop, _NOTIFY_COND_OUTPUT, NULL, &armed);
	ck_assert_uint_eq(m->o.flags, _NOTIFY_COND_OUTPUT);
	ck_assert_int_eq(armed, 0);
	m = msg(_NOTIFY_ACTION_CONDARM, _NOTIFY_COND_INPUT, 0);
	r = iofunc_notify(ctx(5, 6), m, nop, 0, NULL, &armed);
	ck_assert_int_eq(r, EAGAIN);
	ck_assert_int_eq(armed, 1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 2);

	/* SIGEV_NONE disarms that connection's requested conditions only */
	m = msg(_NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, 1);
	r = iofunc_notify(ctx(3, 4), m, nop, 0, NULL, &armed);
	ck_assert_int_eq(armed, 0);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].list->scoid, 5);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OBAND), 1);

	/* remove: every list, that connection only */
	iofunc_notify_remove(ctx(3, 4), nop);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OBAND), 0);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_OBAND].cnt, INT_MAX);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);
	iofunc_notify_remove(ctx(5, 6), nop);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 0);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].cnt, INT_MAX);

	/* bad messages */
	m = msg(7, _NOTIFY_COND_INPUT, 0);
	ck_assert_int_eq(iofunc_notify(ctx(3, 4), m, nop, 0, NULL, NULL),
			 EINVAL);
	m = msg(_NOTIFY_ACTION_POLL, _NOTIFY_COND_INPUT, 0);
	{
		resmgr_context_t *c = ctx(3, 4);

		c->info.msglen = 8;
		ck_assert_int_eq(iofunc_notify(c, m, nop, 0, NULL, NULL),
				 EBADMSG);
	}
}
END_TEST

START_TEST(test_counts_and_trigger)
{
	iofunc_notify_t nop[3];
	const int counts[3] = {10, 1, 1};
	const int counts2[3] = {4, 1, 1};
	io_notify_t *m;
	int armed;

	IOFUNC_NOTIFY_INIT(nop);
	/* two clients waiting for 10 and 4 bytes of input */
	m = msg(_NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, 0);
	iofunc_notify(ctx(3, 4), m, nop, 0, counts, &armed);
	ck_assert_int_eq(armed, 1);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].cnt, 10);
	m = msg(_NOTIFY_ACTION_POLLARM, _NOTIFY_COND_INPUT, 0);
	iofunc_notify(ctx(5, 6), m, nop, 0, counts2, &armed);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].cnt, 4);

	/* 3 bytes: no check passes, a trigger fires nobody */
	ck_assert(!IOFUNC_NOTIFY_INPUT_CHECK(nop, 3, 0));
	iofunc_notify_trigger(nop, 3, IOFUNC_NOTIFY_INPUT);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 2);

	/* 5 bytes: the 4-byte waiter fires (and is disarmed), 10 stays */
	ck_assert(IOFUNC_NOTIFY_INPUT_CHECK(nop, 5, 0));
	iofunc_notify_trigger_strict(ctx(9, 9), nop, 5, IOFUNC_NOTIFY_INPUT);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].list->scoid, 3);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_INPUT].cnt, 10);
	ck_assert(!IOFUNC_NOTIFY_INPUT_CHECK(nop, 5, 0));

	/* a bad index is ignored */
	iofunc_notify_trigger(nop, 100, 3);
	iofunc_notify_trigger(nop, 100, -1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 1);

	/* _strict with lim 1 looks at the input list only */
	m = msg(_NOTIFY_ACTION_TRANARM, _NOTIFY_COND_OUTPUT, 0);
	iofunc_notify(ctx(3, 4), m, nop, 0, NULL, &armed);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_OUTPUT].cnt, 1);
	ck_assert(IOFUNC_NOTIFY_OUTPUT_CHECK(nop, 1));
	iofunc_notify_remove_strict(ctx(3, 4), nop, 1);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_INPUT), 0);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OUTPUT), 1);
	iofunc_notify_trigger(nop, 1, IOFUNC_NOTIFY_OUTPUT);
	ck_assert_int_eq(entries(nop, IOFUNC_NOTIFY_OUTPUT), 0);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_OUTPUT].cnt, INT_MAX);

	/* DISARM only resets the cached minimum */
	IOFUNC_NOTIFY_DISARM(nop, IOFUNC_NOTIFY_OBAND);
	ck_assert_int_eq(nop[IOFUNC_NOTIFY_OBAND].cnt, INT_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("iofunc_notify");

	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_counts_and_trigger);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
