/*
 * The death tables (qnx-api.md section 3), each case with a real SIGKILL:
 * what clients see when their server dies SEND- or REPLY-blocked (ESRCH,
 * then EBADF, COIDDEATH), what a server sees when a client dies (withdrawn
 * message, ESRCH, UNBLOCK, DISCONNECT, _IO_CLOSE), names vanishing, explicit
 * ChannelDestroy with blocked clients and receivers, THREADDEATH, and object
 * and ipcd fd counts back to their baseline afterwards.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

/* Object counts and ipcd's open fds, to compare after the deaths. */
struct baseline {
	struct nto_test_counts c;
	int nfds;
};

/* Call before the test's first pidin run: ipcd may still hold the socket of
 * a pidin that just exited. */
static void baseline_take(struct baseline *b)
{
	b->nfds = nto_test_ipcd_nfds();
	ck_assert_int_gt(b->nfds, 0);
	if (getenv("NTOSIM_TEST_DEBUG"))
		nto_test_ipcd_fds_dump("baseline");
	nto_test_counts(&b->c);
}

static void baseline_check(const struct baseline *b)
{
	int n;

	nto_test_counts_wait(&b->c, W);
	n = nto_test_ipcd_nfds_wait(b->nfds, W);
	if (n > b->nfds)
		nto_test_ipcd_fds_dump("after");
	ck_assert_msg(n <= b->nfds, "ipcd has %d fds open, %d before", n,
		      b->nfds);
}

/* A server actor with a channel and a client actor connected to it. */
static void pair(struct nto_test_child *srv, struct nto_test_child *cli,
		 unsigned chflags, int *chid, int *coid)
{
	nto_test_actor(srv);
	*chid = (int)NTO_ACT(srv, NTO_OP_CHANNEL, (int32_t)chflags);
	ck_assert_int_ge(*chid, 1);
	nto_test_actor(cli);
	*coid = (int)NTO_ACT(cli, NTO_OP_ATTACH, srv->pid, *chid,
			     _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(*coid, 0);
}

/* After the server died: EBADF for sends and pulses, the coid stays
 * allocated and reported dead until detached. */
static void expect_dead_coid(struct nto_test_child *cli, int coid)
{
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_SEND, coid, 4, 0), -EBADF);
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_PULSE, coid, 10, 1, 1), -EBADF);
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_SERVER_INFO, coid), coid);
	ck_assert_int_ne(
		NTO_ACT(cli, NTO_OP_GET, NTO_F_INFO_FLAGS) & _NTO_COF_DEAD, 0);
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_SEND, coid, 4, 0), -EBADF);
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_DETACH, coid), 0);
	ck_assert_int_eq(NTO_ACT(cli, NTO_OP_SEND, coid, 4, 0), -EBADF);
}

/* ---- the server dies ---- */

START_TEST(test_server_dies_send_blocked)
{
	struct nto_test_child srv, cli;
	struct baseline b;
	int chid, coid;

	baseline_take(&b);
	pair(&srv, &cli, 0, &chid, &coid);
	NTO_POST(&cli, NTO_OP_SEND, coid, 16, 16);
	nto_test_await_state(cli.pid, "SEND", 1, W);
	nto_test_kill(&srv);
	ck_assert_int_eq(nto_test_result(&cli, W), -ESRCH);
	expect_dead_coid(&cli, coid);
	/* The old (pid, chid) is gone too. */
	ck_assert_int_eq(
		NTO_ACT(&cli, NTO_OP_ATTACH, srv.pid, chid, _NTO_SIDE_CHANNEL),
		-ESRCH);
	nto_test_actor_exit(&cli);
	baseline_check(&b);
}
END_TEST

START_TEST(test_server_dies_reply_blocked)
{
	struct nto_test_child srv, cli;
	struct baseline b;
	int chid, coid;

	baseline_take(&b);
	pair(&srv, &cli, _NTO_CHF_UNBLOCK, &chid, &coid);
	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	NTO_POST(&cli, NTO_OP_SEND, coid, 16, 16);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	nto_test_await_state(cli.pid, "REPLY", 1, W);
	nto_test_kill(&srv);
	ck_assert_int_eq(nto_test_result(&cli, W), -ESRCH);
	expect_dead_coid(&cli, coid);
	nto_test_actor_exit(&cli);
	baseline_check(&b);
}
END_TEST

/* A client with a _NTO_CHF_COID_DISCONNECT channel gets one COIDDEATH
 * pulse per coid to the dead server, value = that coid. */
START_TEST(test_coiddeath_pulse)
{
	struct nto_test_child srv, cli;
	struct baseline b;
	int chid, side, fd, death;
	int64_t v1, v2;

	baseline_take(&b);
	pair(&srv, &cli, 0, &chid, &side);
	fd = (int)NTO_ACT(&cli, NTO_OP_ATTACH, srv.pid, chid, 0);
	ck_assert_int_ge(fd, 0);
	death = (int)NTO_ACT(&cli, NTO_OP_CHANNEL, _NTO_CHF_COID_DISCONNECT);
	ck_assert_int_ge(death, 1);
	nto_test_kill(&srv);

	NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 5000);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_RECEIVE, death), 0);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_GET, NTO_F_PULSE_CODE),
			 _PULSE_CODE_COIDDEATH);
	v1 = NTO_ACT(&cli, NTO_OP_GET, NTO_F_PULSE_VALUE);
	NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 5000);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_RECEIVE, death), 0);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_GET, NTO_F_PULSE_CODE),
			 _PULSE_CODE_COIDDEATH);
	v2 = NTO_ACT(&cli, NTO_OP_GET, NTO_F_PULSE_VALUE);
	ck_assert_msg((v1 == side && v2 == fd) || (v1 == fd && v2 == side),
		      "COIDDEATH values %lld, %lld; coids %d, %d",
		      (long long)v1, (long long)v2, side, fd);
	NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 200);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_RECEIVE, death), -ETIMEDOUT);
	expect_dead_coid(&cli, side);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_DETACH, fd), 0);
	nto_test_actor_exit(&cli);
	baseline_check(&b);
}
END_TEST

/* Without a COID_DISCONNECT channel nothing is queued anywhere. */
START_TEST(test_no_coiddeath_without_flag)
{
	struct nto_test_child srv, cli;
	int chid, coid, own;

	pair(&srv, &cli, 0, &chid, &coid);
	own = (int)NTO_ACT(&cli, NTO_OP_CHANNEL, 0);
	nto_test_kill(&srv);
	/* Until ipcd has seen the death, a send would be queued and then
	 * failed with ESRCH (QNX: ENXIO in that window). */
	ck_assert_int_eq(nto_test_wait_gone(srv.pid, W), 0);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_SEND, coid, 4, 0), -EBADF);
	NTO_ACT(&cli, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 200);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_RECEIVE, own), -ETIMEDOUT);
	nto_test_actor_exit(&cli);
}
END_TEST

/* ---- the client dies ---- */

/* SEND-blocked: the message is withdrawn; the server never sees it. */
START_TEST(test_client_dies_send_blocked)
{
	struct nto_test_child cli;
	struct baseline b;
	int chid = ChannelCreate(_NTO_CHF_UNBLOCK), coid;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(coid, 0);
	NTO_POST(&cli, NTO_OP_SEND, coid, 16, 0);
	nto_test_await_state(cli.pid, "SEND", 1, W);
	nto_test_kill(&cli);
	ck_assert_int_eq(nto_test_wait_gone(cli.pid, W), 0);
	nto_test_expect_empty(chid, 300); /* no message, no UNBLOCK pulse */
	baseline_check(&b);
}
END_TEST

/* REPLY-blocked, no _NTO_CHF_UNBLOCK: the server's reply gets ESRCH. */
START_TEST(test_client_dies_reply_blocked)
{
	struct nto_test_child cli;
	struct baseline b;
	struct _msg_info info;
	char buf[64];
	int chid = ChannelCreate(0), coid, rcvid;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	NTO_POST(&cli, NTO_OP_SEND, coid, 16, 0);
	rcvid = nto_test_receive(chid, buf, sizeof buf, NULL, W);
	ck_assert_int_gt(rcvid, 0);
	nto_test_kill(&cli);
	ck_assert_int_eq(nto_test_wait_gone(cli.pid, W), 0);
	NTO_ASSERT_FAILS(MsgRead(rcvid, buf, sizeof buf, 0), ESRCH);
	NTO_ASSERT_FAILS(MsgWrite(rcvid, buf, 4, 0), ESRCH);
	NTO_ASSERT_FAILS(MsgInfo(rcvid, &info), ESRCH);
	NTO_ASSERT_FAILS(MsgReply(rcvid, 0, "x", 1), ESRCH);
	NTO_ASSERT_FAILS(MsgError(rcvid, EIO), ESRCH);
	nto_test_expect_empty(chid, 200);
	baseline_check(&b);
}
END_TEST

/* REPLY-blocked with _NTO_CHF_UNBLOCK: an UNBLOCK pulse (value = rcvid);
 * replying afterwards is harmless. */
START_TEST(test_client_dies_reply_blocked_unblock)
{
	struct nto_test_child cli;
	struct baseline b;
	struct _msg_info info;
	struct _pulse p;
	char buf[64];
	int chid = ChannelCreate(_NTO_CHF_UNBLOCK), coid, rcvid, r;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	NTO_POST(&cli, NTO_OP_SEND, coid, 16, 0);
	rcvid = nto_test_receive(chid, buf, sizeof buf, &info, W);
	ck_assert_int_gt(rcvid, 0);
	nto_test_kill(&cli);
	memset(&p, 0, sizeof p);
	ck_assert_int_eq(nto_test_receive(chid, &p, sizeof p, NULL, W), 0);
	ck_assert_int_eq(p.code, _PULSE_CODE_UNBLOCK);
	ck_assert_int_eq(p.value.sival_int, rcvid);
	ck_assert_int_eq(p.scoid, info.scoid);
	errno = 0;
	r = MsgReply(rcvid, 0, "late", 5);
	ck_assert_msg(r == 0 || (r == -1 && errno == ESRCH),
		      "late MsgReply: %d errno %s", r, strerror(errno));
	NTO_ASSERT_FAILS(MsgReply(rcvid, 0, NULL, 0), ESRCH);
	nto_test_expect_empty(chid, 200);
	baseline_check(&b);
}
END_TEST

/* _NTO_CHF_DISCONNECT: a pulse with the scoid when the client dies; the
 * scoid stays reserved until the server's ConnectDetach(scoid). */
START_TEST(test_disconnect_on_death)
{
	struct nto_test_child cli;
	struct baseline b;
	struct nto_test_counts now;
	struct _msg_info info;
	struct _pulse p;
	char buf[64];
	int chid = ChannelCreate(_NTO_CHF_DISCONNECT), coid, rcvid;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	coid = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL);
	NTO_POST(&cli, NTO_OP_SEND, coid, 8, 0);
	rcvid = nto_test_receive(chid, buf, sizeof buf, &info, W);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(MsgReply(rcvid, 0, NULL, 0), 0);
	ck_assert_int_eq(nto_test_result(&cli, W), 0);
	NTO_ASSERT_FAILS(ConnectDetach(info.scoid), EINVAL); /* still live */

	nto_test_kill(&cli);
	memset(&p, 0, sizeof p);
	ck_assert_int_eq(nto_test_receive(chid, &p, sizeof p, NULL, W), 0);
	ck_assert_int_eq(p.code, _PULSE_CODE_DISCONNECT);
	ck_assert_int_eq(p.scoid, info.scoid);
	nto_test_expect_empty(chid, 200);
	ck_assert_int_eq(nto_test_wait_gone(cli.pid, W), 0);
	nto_test_counts(&now);
	ck_assert_int_eq(now.connections, b.c.connections + 1); /* reserved */
	ck_assert_int_eq(ConnectDetach(info.scoid), 0);
	NTO_ASSERT_FAILS(ConnectDetach(info.scoid), EINVAL);
	baseline_check(&b);
}
END_TEST

/* The pulse also comes when the last coid of a live client is detached,
 * and only then. */
START_TEST(test_disconnect_on_detach)
{
	struct nto_test_child cli;
	struct baseline b;
	struct _msg_info info;
	struct _pulse p;
	char buf[64];
	int chid = ChannelCreate(_NTO_CHF_DISCONNECT), c1, c2, rcvid;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	c1 = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			  _NTO_SIDE_CHANNEL);
	c2 = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			  _NTO_SIDE_CHANNEL);
	NTO_POST(&cli, NTO_OP_SEND, c1, 8, 0);
	rcvid = nto_test_receive(chid, buf, sizeof buf, &info, W);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(MsgReply(rcvid, 0, NULL, 0), 0);
	ck_assert_int_eq(nto_test_result(&cli, W), 0);

	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_DETACH, c1), 0);
	nto_test_expect_empty(chid, 200); /* c2 still holds the connection */
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_DETACH, c2), 0);
	memset(&p, 0, sizeof p);
	ck_assert_int_eq(nto_test_receive(chid, &p, sizeof p, NULL, W), 0);
	ck_assert_int_eq(p.code, _PULSE_CODE_DISCONNECT);
	ck_assert_int_eq(p.scoid, info.scoid);
	nto_test_expect_empty(chid, 200);
	ck_assert_int_eq(ConnectDetach(info.scoid), 0);
	nto_test_actor_exit(&cli);
	ck_assert_int_eq(nto_test_wait_gone(cli.pid, W), 0);
	nto_test_expect_empty(chid, 100); /* no second pulse at exit */
	baseline_check(&b);
}
END_TEST

/* A dead client's fd-space coids are closed on its behalf: the server gets
 * an _IO_CLOSE from the dead pid. Side-channel coids get none. */
START_TEST(test_client_dies_io_close)
{
	struct nto_test_child cli;
	struct baseline b;
	struct _msg_info info;
	char buf[64];
	int chid = ChannelCreate(0), fd, side, rcvid, r;

	ck_assert_int_ge(chid, 1);
	baseline_take(&b);
	nto_test_actor(&cli);
	fd = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid, 0);
	side = (int)NTO_ACT(&cli, NTO_OP_ATTACH, getpid(), chid,
			    _NTO_SIDE_CHANNEL, _NTO_COF_NOSHARE);
	ck_assert(fd >= 0 && side > 0);
	nto_test_kill(&cli);
	memset(buf, 0, sizeof buf);
	rcvid = nto_test_receive(chid, buf, sizeof buf, &info, W);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, 4);
	ck_assert_int_eq(*(uint16_t *)buf, _IO_CLOSE);
	ck_assert_int_eq(info.pid, cli.pid);
	ck_assert_int_eq(info.coid, fd);
	errno = 0;
	r = MsgReply(rcvid, 0, NULL, 0);
	ck_assert_msg(r == 0 || (r == -1 && errno == ESRCH),
		      "reply to _IO_CLOSE: %d errno %s", r, strerror(errno));
	nto_test_expect_empty(chid, 300);
	baseline_check(&b);
}
END_TEST

/* ---- names ---- */

#define NAME "ntosim_check_death"

/* A raw name_attach server: answers name_open's _IO_CONNECT handshake with
 * EOK and every other message with status 42, until killed. */
static int name_server(const struct nto_test_link *l, void *arg)
{
	name_attach_t *att = name_attach(NULL, NAME, 0);
	union {
		uint16_t type;
		struct _pulse pulse;
		char raw[512];
	} msg;

	(void)arg;
	NTO_CHILD_ASSERT(att != NULL);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, 1) == 0);
	for (;;) {
		int rcvid = MsgReceive(att->chid, &msg, sizeof msg, NULL);

		NTO_CHILD_ASSERT(rcvid >= 0);
		if (rcvid == 0) {
			if (msg.pulse.code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(msg.pulse.scoid);
			continue;
		}
		MsgReply(rcvid, msg.type == _IO_CONNECT ? EOK : 42, NULL, 0);
	}
}

/* A registered name vanishes with its server: name_open then fails with
 * ENOENT, the old coid is dead, and the path count is back. */
START_TEST(test_name_gone_after_death)
{
	struct nto_test_child srv;
	struct baseline b;
	struct nto_test_counts now;
	int coid;

	ck_assert_int_ge(ChannelCreate(0), 1); /* registers us */
	baseline_take(&b);
	nto_test_fork(&srv, name_server, NULL);
	nto_test_take(srv.rd, W);
	nto_test_counts(&now);
	ck_assert_int_eq(now.paths, b.c.paths + 1);
	coid = name_open(NAME, 0);
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(MsgSend(coid, "hi", 3, NULL, 0), 42);

	nto_test_kill(&srv);
	ck_assert_int_eq(nto_test_wait_gone(srv.pid, W), 0);
	NTO_ASSERT_FAILS(name_open(NAME, 0), ENOENT);
	NTO_ASSERT_FAILS(MsgSend(coid, "hi", 3, NULL, 0), EBADF);
	ck_assert_int_eq(name_close(coid), 0);
	baseline_check(&b);
}
END_TEST

/* ---- explicit ChannelDestroy ---- */

/* SEND- and REPLY-blocked clients get ESRCH (no UNBLOCK pulse, even with
 * the flag), their coids turn dead, COIDDEATH where asked for. */
START_TEST(test_destroy_with_blocked_clients)
{
	struct nto_test_child a, bb;
	struct baseline b;
	char buf[64];
	int chid, ca, cb, death, rcvid;

	ck_assert_int_ge(ChannelCreate(0), 1); /* registers us */
	baseline_take(&b);
	chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	ck_assert_int_ge(chid, 1);
	nto_test_actor(&a);
	nto_test_actor(&bb);
	ca = (int)NTO_ACT(&a, NTO_OP_ATTACH, getpid(), chid, _NTO_SIDE_CHANNEL);
	cb = (int)NTO_ACT(&bb, NTO_OP_ATTACH, getpid(), chid,
			  _NTO_SIDE_CHANNEL);
	death = (int)NTO_ACT(&bb, NTO_OP_CHANNEL, _NTO_CHF_COID_DISCONNECT);
	ck_assert(ca > 0 && cb > 0 && death >= 1);
	NTO_POST(&a, NTO_OP_SEND, ca, 8, 8);
	rcvid = nto_test_receive(chid, buf, sizeof buf, NULL, W);
	ck_assert_int_gt(rcvid, 0);
	NTO_POST(&bb, NTO_OP_SEND, cb, 8, 8);
	nto_test_await_state(bb.pid, "SEND", 1, W);
	nto_test_await_state(a.pid, "REPLY", 1, W);

	ck_assert_int_eq(ChannelDestroy(chid), 0);
	ck_assert_int_eq(nto_test_result(&a, W), -ESRCH);
	ck_assert_int_eq(nto_test_result(&bb, W), -ESRCH);
	NTO_ASSERT_FAILS(MsgReply(rcvid, 0, NULL, 0), ESRCH);
	NTO_ACT(&bb, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 5000);
	ck_assert_int_eq(NTO_ACT(&bb, NTO_OP_RECEIVE, death), 0);
	ck_assert_int_eq(NTO_ACT(&bb, NTO_OP_GET, NTO_F_PULSE_CODE),
			 _PULSE_CODE_COIDDEATH);
	ck_assert_int_eq(NTO_ACT(&bb, NTO_OP_GET, NTO_F_PULSE_VALUE), cb);
	expect_dead_coid(&a, ca);
	expect_dead_coid(&bb, cb);
	ck_assert_int_eq(NTO_ACT(&bb, NTO_OP_DESTROY, death), 0);
	nto_test_actor_exit(&a);
	nto_test_actor_exit(&bb);
	baseline_check(&b);
}
END_TEST

struct receiver {
	pthread_t t;
	int chid;
	pid_t tid;
	int r, err;
	_Atomic int started;
};

static void *receiver_main(void *p)
{
	struct receiver *rv = p;
	char buf[64];

	rv->tid = (pid_t)syscall(SYS_gettid);
	rv->started = 1;
	rv->r = MsgReceive(rv->chid, buf, sizeof buf, NULL);
	rv->err = errno;
	return NULL;
}

/* RECEIVE-blocked server threads get ESRCH. */
START_TEST(test_destroy_wakes_receivers)
{
	struct receiver rv[2];
	struct timespec ts;
	int chid = ChannelCreate(0);

	ck_assert_int_ge(chid, 1);
	for (int i = 0; i < 2; i++) {
		memset(&rv[i], 0, sizeof rv[i]);
		rv[i].chid = chid;
		ck_assert_int_eq(
			pthread_create(&rv[i].t, NULL, receiver_main, &rv[i]),
			0);
	}
	nto_test_await_state(getpid(), "RECEIVE", 2, W);
	ck_assert_int_eq(ChannelDestroy(chid), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_timedjoin_np(rv[i].t, NULL, &ts), 0);
		ck_assert_int_eq(rv[i].r, -1);
		ck_assert_int_eq(rv[i].err, ESRCH);
	}
}
END_TEST

/* ---- THREADDEATH ---- */

static void *short_lived(void *p)
{
	*(pid_t *)p = (pid_t)syscall(SYS_gettid);
	/* ntosim learns of a thread at its first kernel call (it cannot see
	 * threads that never make one). */
	ChannelDestroy(ChannelCreate(0));
	return NULL;
}

START_TEST(test_thread_death_pulse)
{
	struct _pulse p;
	pthread_t t;
	pid_t tid = 0;
	int chid = ChannelCreate(_NTO_CHF_THREAD_DEATH);

	ck_assert_int_ge(chid, 1);
	ck_assert_int_eq(pthread_create(&t, NULL, short_lived, &tid), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	memset(&p, 0, sizeof p);
	ck_assert_int_eq(nto_test_receive(chid, &p, sizeof p, NULL, W), 0);
	ck_assert_int_eq(p.code, _PULSE_CODE_THREADDEATH);
	ck_assert_int_eq(p.value.sival_int, tid);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("death");
	TCase *tc = nto_test_tcase("death");

	tcase_add_test(tc, test_server_dies_send_blocked);
	tcase_add_test(tc, test_server_dies_reply_blocked);
	tcase_add_test(tc, test_coiddeath_pulse);
	tcase_add_test(tc, test_no_coiddeath_without_flag);
	tcase_add_test(tc, test_client_dies_send_blocked);
	tcase_add_test(tc, test_client_dies_reply_blocked);
	tcase_add_test(tc, test_client_dies_reply_blocked_unblock);
	tcase_add_test(tc, test_disconnect_on_death);
	tcase_add_test(tc, test_disconnect_on_detach);
	tcase_add_test(tc, test_client_dies_io_close);
	tcase_add_test(tc, test_name_gone_after_death);
	tcase_add_test(tc, test_destroy_with_blocked_clients);
	tcase_add_test(tc, test_destroy_wakes_receivers);
	tcase_add_test(tc, test_thread_death_pulse);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
