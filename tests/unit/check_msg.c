/*
 * Messaging between real processes: round trips, truncation on both sides,
 * _msg_info fields, MsgRead/MsgWrite at offsets, MsgReply status and MsgError
 * errno pass-through (EOK, ERESTART), MsgInfo, all eight MsgSend variants and
 * the iov forms, 1 and 16 MiB messages, and many threads on one coid and one
 * chid. The test process is the server; forked children are clients, on
 * side-channel coids (an fd-space coid of a client that exits makes ipcd
 * send the server an _IO_CLOSE, as QNX does; check_death.c covers that).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "tests/unit/fixture.h"

#define W   NTO_TEST_WAIT_MS
#define MiB (1024 * 1024)

/*
 * What a client child sends and expects. The message is sdata (slen bytes)
 * or, if sdata is NULL, the fixture pattern `sseed`. The reply buffer has
 * rlen bytes (+ a guard that must stay untouched); the child asserts
 * MsgSend's result and, when want_err == 0, the first want_rcopy bytes of
 * the reply (want_reply, or pattern `rseed`). It puts its coid first, and
 * the result (or -errno) when done.
 */
struct send_spec {
	int chid;
	int flags; /* ConnectAttach flags */
	const void *sdata;
	size_t slen;
	uint32_t sseed;
	size_t rlen;
	int want_status;
	int want_err;
	const void *want_reply;
	uint32_t rseed;
	size_t want_rcopy;
};

#define GUARD 64

static int client_send(const struct nto_test_link *l, void *arg)
{
	const struct send_spec *sp = arg;
	char *smsg, *rbuf;
	int coid, r;

	smsg = malloc(sp->slen + 1);
	rbuf = malloc(sp->rlen + GUARD);
	NTO_CHILD_ASSERT(smsg && rbuf);
	if (sp->sdata)
		memcpy(smsg, sp->sdata, sp->slen);
	else
		nto_test_fill(smsg, sp->slen, sp->sseed, 0);
	memset(rbuf, 0xee, sp->rlen + GUARD);
	coid = ConnectAttach(0, getppid(), sp->chid, _NTO_SIDE_CHANNEL,
			     sp->flags);
	NTO_CHILD_ASSERT(coid >= 0);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, coid) == 0);
	r = MsgSend(coid, smsg, (int)sp->slen, rbuf, (int)sp->rlen);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, r == -1 ? -errno : r) == 0);
	if (sp->want_err) {
		NTO_CHILD_ASSERT_INT(r, ==, -1);
		NTO_CHILD_ASSERT_INT(errno, ==, sp->want_err);
		return 0;
	}
	NTO_CHILD_ASSERT_INT(r, ==, sp->want_status);
	if (sp->want_reply)
		NTO_CHILD_ASSERT(!memcmp(rbuf, sp->want_reply, sp->want_rcopy));
	else
		NTO_CHILD_ASSERT_INT(
			nto_test_verify(rbuf, sp->want_rcopy, sp->rseed, 0), ==,
			sp->want_rcopy);
	for (size_t i = sp->rlen; i < sp->rlen + GUARD; i++)
		NTO_CHILD_ASSERT_INT((unsigned char)rbuf[i], ==, 0xee);
	free(smsg);
	free(rbuf);
	return 0;
}

START_TEST(test_round_trip)
{
	struct send_spec sp = {.sdata = "hello",
			       .slen = 6,
			       .rlen = 64,
			       .want_status = 42,
			       .want_reply = "world",
			       .want_rcopy = 6};
	struct nto_test_child c;
	struct _msg_info info;
	char buf[64];
	int rcvid, coid;

	sp.chid = ChannelCreate(0);
	ck_assert_int_ge(sp.chid, 1);
	nto_test_fork(&c, client_send, &sp);
	coid = (int)nto_test_take(c.rd, W);
	memset(&info, 0xa5, sizeof info);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(info.nd, 0);
	ck_assert_int_eq(info.pid, c.pid);
	ck_assert_int_ge(info.tid, 1);
	ck_assert_int_eq(info.chid, sp.chid);
	ck_assert_int_eq(info.coid, coid);
	ck_assert_int_ne(info.scoid & _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(info.msglen, 6);
	ck_assert_int_eq(info.srcmsglen, 6);
	ck_assert_int_eq(info.dstmsglen, 64);
	ck_assert_int_eq(info.flags & _NTO_MI_UNBLOCK_REQ, 0);
	ck_assert_int_eq(MsgReply(rcvid, 42, "world", 6), 0);
	ck_assert_int_eq(nto_test_take(c.rd, W), 42);
	/* The rcvid is spent. */
	NTO_ASSERT_FAILS(MsgReply(rcvid, 0, NULL, 0), ESRCH);
	ck_assert_int_eq(MsgReply_r(rcvid, 0, NULL, 0), -ESRCH);
	NTO_ASSERT_FAILS(MsgError(rcvid, EPERM), ESRCH);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* Same process: a thread sends to our own channel through pid 0. */
struct self_arg {
	int coid;
	int result;
	char reply[16];
};

static void *self_sender(void *p)
{
	struct self_arg *a = p;

	a->result = MsgSend(a->coid, "ping", 5, a->reply, sizeof a->reply);
	return NULL;
}

START_TEST(test_self_send)
{
	struct self_arg a = {0};
	struct _msg_info info;
	pthread_t t;
	char buf[16];
	int chid = ChannelCreate(0), rcvid;

	ck_assert_int_ge(chid, 1);
	a.coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(a.coid, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, self_sender, &a), 0);
	rcvid = MsgReceive(chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_str_eq(buf, "ping");
	ck_assert_int_eq(info.pid, getpid());
	ck_assert_int_eq(info.coid, a.coid);
	ck_assert_int_eq(MsgReply(rcvid, 7, "pong", 5), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(a.result, 7);
	ck_assert_str_eq(a.reply, "pong");
}
END_TEST

START_TEST(test_zero_length)
{
	struct send_spec sp = {.slen = 0, .rlen = 0, .want_status = 3};
	struct nto_test_child c;
	struct _msg_info info;
	char buf[8];
	int rcvid;

	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, 0);
	ck_assert_int_eq(info.srcmsglen, 0);
	ck_assert_int_eq(info.dstmsglen, 0);
	/* Replying more than the client can take: truncated to nothing. */
	ck_assert_int_eq(MsgReply(rcvid, 3, "abc", 3), 0);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* The server's buffer is smaller than the message: it gets the head, the
 * rest stays readable with MsgRead at offsets. */
START_TEST(test_truncation_server_side)
{
	struct send_spec sp = {.slen = 200,
			       .sseed = 11,
			       .rlen = 8,
			       .want_status = 0,
			       .want_reply = "",
			       .want_rcopy = 0};
	struct nto_test_child c;
	struct _msg_info info;
	char buf[50], big[400];
	iov_t iov[2];
	int rcvid;

	sp.chid = ChannelCreate(_NTO_CHF_SENDER_LEN | _NTO_CHF_REPLY_LEN);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, 50);
	ck_assert_int_eq(info.srcmsglen, 200);
	ck_assert_int_eq(info.dstmsglen, 8);
	ck_assert_uint_eq(nto_test_verify(buf, 50, 11, 0), 50);

	ck_assert_int_eq(MsgRead(rcvid, big, sizeof big, 50), 150);
	ck_assert_uint_eq(nto_test_verify(big, 150, 11, 50), 150);
	ck_assert_int_eq(MsgRead(rcvid, big, 100, 190), 10);
	ck_assert_uint_eq(nto_test_verify(big, 10, 11, 190), 10);
	ck_assert_int_eq(MsgRead(rcvid, big, 100, 200), 0);
	ck_assert_int_eq(MsgRead(rcvid, big, 100, 5000), 0);
	ck_assert_int_eq(MsgRead(rcvid, big, 0, 0), 0);
	ck_assert_int_eq(MsgRead_r(rcvid, big, 7, 3), 7);
	ck_assert_uint_eq(nto_test_verify(big, 7, 11, 3), 7);
	/* MsgReadv scatters from an offset. */
	memset(big, 0, sizeof big);
	SETIOV(&iov[0], big, 5);
	SETIOV(&iov[1], big + 100, 300);
	ck_assert_int_eq(MsgReadv(rcvid, iov, 2, 20), 180);
	ck_assert_uint_eq(nto_test_verify(big, 5, 11, 20), 5);
	ck_assert_uint_eq(nto_test_verify(big + 100, 175, 11, 25), 175);

	ck_assert_int_eq(MsgReply(rcvid, 0, NULL, 0), 0);
	nto_test_wait_ok(&c, W);
	NTO_ASSERT_FAILS(MsgRead(rcvid, big, 10, 0), ESRCH);
	ck_assert_int_eq(MsgRead_r(rcvid, big, 10, 0), -ESRCH);
}
END_TEST

/* The client's reply buffer is smaller than the reply: it gets the head and
 * nothing past its buffer. MsgWrite writes at offsets (truncated too). */
START_TEST(test_truncation_client_side)
{
	static char want[20];
	struct send_spec sp = {.sdata = "q",
			       .slen = 2,
			       .rlen = 20,
			       .want_status = 5,
			       .want_reply = want,
			       .want_rcopy = 20};
	struct nto_test_child c;
	struct _msg_info info;
	char buf[8], rep[100];
	int rcvid;

	nto_test_fill(rep, sizeof rep, 3, 0);
	memcpy(want, rep, sizeof want);
	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.dstmsglen, 20);
	ck_assert_int_eq(MsgReply(rcvid, 5, rep, sizeof rep), 0);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* MsgWrite at offsets into a 20-byte reply buffer, truncated at its end; the
 * client checks the layout itself. */
static int client_write_check(const struct nto_test_link *l, void *arg)
{
	char rbuf[20];
	int coid, r;

	(void)arg;
	memset(rbuf, '.', sizeof rbuf);
	coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0);
	NTO_CHILD_ASSERT(coid >= 0);
	r = MsgSend(coid, "q", 2, rbuf, sizeof rbuf);
	NTO_CHILD_ASSERT_INT(r, ==, 9);
	/* Only the written ranges are compared: what the client sees in the
	 * gaps (3, 7..9) is not specified by ntosim. */
	NTO_CHILD_ASSERT(!memcmp(rbuf, "abc", 3));
	NTO_CHILD_ASSERT(!memcmp(rbuf + 4, "XYZ", 3));
	NTO_CHILD_ASSERT(!memcmp(rbuf + 10, "wwwwwwwwww", 10));
	(void)l;
	return 0;
}

START_TEST(test_msgwrite_offsets)
{
	struct nto_test_child c;
	char buf[8], thirty[30];
	iov_t iov[2];
	int rcvid;

	memset(thirty, 'w', sizeof thirty);
	ck_assert_int_eq(ChannelCreate(0), 1);
	nto_test_fork(&c, client_write_check, NULL);
	rcvid = MsgReceive(1, buf, sizeof buf, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(MsgWrite(rcvid, thirty, 30, 10), 10);
	ck_assert_int_eq(MsgWrite(rcvid, "abc", 3, 0), 3);
	SETIOV(&iov[0], "XY", 2);
	SETIOV(&iov[1], "Z", 1);
	ck_assert_int_eq(MsgWritev(rcvid, iov, 2, 4), 3);
	ck_assert_int_eq(MsgWrite(rcvid, "nope", 4, 20), 0); /* past end */
	ck_assert_int_eq(MsgWrite_r(rcvid, "z", 1, 500), 0);
	/* MsgWrite does not unblock the client. */
	nto_test_quiet(c.rd, 100);
	ck_assert_int_eq(MsgReply(rcvid, 9, NULL, 0), 0);
	nto_test_wait_ok(&c, W);
	NTO_ASSERT_FAILS(MsgWrite(rcvid, "a", 1, 0), ESRCH);
	ck_assert_int_eq(MsgWrite_r(rcvid, "a", 1, 0), -ESRCH);
}
END_TEST

/* MsgReply's status comes back as MsgSend's return value, unchanged. */
START_TEST(test_status_passthrough)
{
	static const int st[] = {0, 1, 4096, 12345678, INT_MAX};

	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		struct send_spec sp = {.sdata = "s",
				       .slen = 2,
				       .rlen = 0,
				       .want_status = st[i]};
		struct nto_test_child c;
		char buf[4];
		int rcvid;

		sp.chid = ChannelCreate(0);
		nto_test_fork(&c, client_send, &sp);
		nto_test_take(c.rd, W);
		rcvid = MsgReceive(sp.chid, buf, sizeof buf, NULL);
		ck_assert_int_gt(rcvid, 0);
		ck_assert_int_eq(MsgReply(rcvid, st[i], NULL, 0), 0);
		nto_test_wait_ok(&c, W);
		ck_assert_int_eq(ChannelDestroy(sp.chid), 0);
	}
}
END_TEST

/* A negative status is still a status on QNX (the kernel flags errors
 * apart from the value): MsgSend returns it and leaves errno alone. */
static int client_negative(const struct nto_test_link *l, void *arg)
{
	int coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0), r;

	(void)l;
	(void)arg;
	NTO_CHILD_ASSERT(coid >= 0);
	errno = 0;
	r = MsgSend(coid, "n", 2, NULL, 0);
	NTO_CHILD_ASSERT_INT(r, ==, -7);
	NTO_CHILD_ASSERT_INT(errno, ==, 0);
	return 0;
}

START_TEST(test_status_negative)
{
	struct nto_test_child c;
	char buf[4];
	int rcvid;

	ck_assert_int_eq(ChannelCreate(0), 1);
	nto_test_fork(&c, client_negative, NULL);
	rcvid = MsgReceive(1, buf, sizeof buf, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(MsgReply(rcvid, -7, NULL, 0), 0);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* MsgError's errno reaches the client unchanged, whatever it is. */
START_TEST(test_error_passthrough)
{
	static const int errs[] = {EPERM,     EBADF,	  ESRCH, ETIMEDOUT,
				   ENOREMOTE, ESRVRFAULT, 200};

	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		struct send_spec sp = {.sdata = "e",
				       .slen = 2,
				       .rlen = 16,
				       .want_err = errs[i]};
		struct nto_test_child c;
		char buf[4];
		int rcvid;

		sp.chid = ChannelCreate(0);
		nto_test_fork(&c, client_send, &sp);
		nto_test_take(c.rd, W);
		rcvid = MsgReceive(sp.chid, buf, sizeof buf, NULL);
		ck_assert_int_gt(rcvid, 0);
		if (i & 1)
			ck_assert_int_eq(MsgError(rcvid, errs[i]), 0);
		else
			ck_assert_int_eq(MsgError_r(rcvid, errs[i]), EOK);
		ck_assert_int_eq(nto_test_take(c.rd, W), -errs[i]);
		nto_test_wait_ok(&c, W);
		NTO_ASSERT_FAILS(MsgReply(rcvid, 0, NULL, 0), ESRCH);
		ck_assert_int_eq(MsgError_r(rcvid, EPERM), ESRCH);
		ck_assert_int_eq(ChannelDestroy(sp.chid), 0);
	}
}
END_TEST

START_TEST(test_error_eok)
{
	struct send_spec sp = {.sdata = "e",
			       .slen = 2,
			       .rlen = 16,
			       .want_status = 0,
			       .want_reply = "",
			       .want_rcopy = 0};
	struct nto_test_child c;
	char buf[4];
	int rcvid;

	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(MsgError(rcvid, EOK), 0);
	ck_assert_int_eq(nto_test_take(c.rd, W), 0);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* MsgError(ERESTART): the client's send is re-issued, transparently. */
START_TEST(test_erestart)
{
	struct send_spec sp = {.sdata = "again",
			       .slen = 6,
			       .rlen = 16,
			       .want_status = 5,
			       .want_reply = "second",
			       .want_rcopy = 7};
	struct nto_test_child c;
	struct _msg_info i1, i2;
	char buf[16];
	int r1, r2;

	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	r1 = MsgReceive(sp.chid, buf, sizeof buf, &i1);
	ck_assert_int_gt(r1, 0);
	ck_assert_str_eq(buf, "again");
	ck_assert_int_eq(MsgError(r1, ERESTART), 0);
	memset(buf, 0, sizeof buf);
	r2 = MsgReceive(sp.chid, buf, sizeof buf, &i2);
	ck_assert_int_gt(r2, 0);
	ck_assert_str_eq(buf, "again");
	ck_assert_int_eq(i2.pid, c.pid);
	ck_assert_int_eq(i2.coid, i1.coid);
	ck_assert_int_eq(MsgReply(r2, 5, "second", 7), 0);
	ck_assert_int_eq(nto_test_take(c.rd, W), 5);
	nto_test_wait_ok(&c, W);
	nto_test_expect_empty(sp.chid, 0); /* exactly twice */
}
END_TEST

/* All eight MsgSend variants and their _r forms, against MsgReceivev and
 * MsgReplyv with split iovs. Variant v sends "abcdefg" + ('A' + v) and
 * expects status v + 1 and the reply "0123456789". */
#define NVARIANTS 16

static int send_variant(int v, int coid, char *reply, size_t rlen)
{
	char smsg[8];
	iov_t siov[2], riov[2];

	memcpy(smsg, "abcdefg", 7);
	smsg[7] = (char)('A' + v);
	SETIOV(&siov[0], smsg, 3);
	SETIOV(&siov[1], smsg + 3, 5);
	SETIOV(&riov[0], reply, 3);
	SETIOV(&riov[1], reply + 3, rlen - 3);
	switch (v) {
	case 0:
		return MsgSend(coid, smsg, 8, reply, (int)rlen);
	case 1:
		return MsgSendnc(coid, smsg, 8, reply, (int)rlen);
	case 2:
		return MsgSendv(coid, siov, 2, riov, 2);
	case 3:
		return MsgSendvnc(coid, siov, 2, riov, 2);
	case 4:
		return MsgSendsv(coid, smsg, 8, riov, 2);
	case 5:
		return MsgSendsvnc(coid, smsg, 8, riov, 2);
	case 6:
		return MsgSendvs(coid, siov, 2, reply, (int)rlen);
	case 7:
		return MsgSendvsnc(coid, siov, 2, reply, (int)rlen);
	case 8:
		return MsgSend_r(coid, smsg, 8, reply, (int)rlen);
	case 9:
		return MsgSendnc_r(coid, smsg, 8, reply, (int)rlen);
	case 10:
		return MsgSendv_r(coid, siov, 2, riov, 2);
	case 11:
		return MsgSendvnc_r(coid, siov, 2, riov, 2);
	case 12:
		return MsgSendsv_r(coid, smsg, 8, riov, 2);
	case 13:
		return MsgSendsvnc_r(coid, smsg, 8, riov, 2);
	case 14:
		return MsgSendvs_r(coid, siov, 2, reply, (int)rlen);
	default:
		return MsgSendvsnc_r(coid, siov, 2, reply, (int)rlen);
	}
}

static int client_variants(const struct nto_test_link *l, void *arg)
{
	int coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0);
	char reply[32];

	(void)l;
	(void)arg;
	NTO_CHILD_ASSERT(coid >= 0);
	for (int v = 0; v < NVARIANTS; v++) {
		memset(reply, 0, sizeof reply);
		NTO_CHILD_ASSERT_INT(send_variant(v, coid, reply, 20), ==,
				     v + 1);
		if (memcmp(reply, "0123456789", 11))
			nto_test_child_fail(__FILE__, __LINE__,
					    "reply of variant", v, 0, 1);
	}
	/* The _r forms report errors as a negative errno, errno untouched. */
	errno = 0;
	NTO_CHILD_ASSERT_INT(send_variant(8, 9999, reply, 20), ==, -EBADF);
	NTO_CHILD_ASSERT_INT(send_variant(10, 9999, reply, 20), ==, -EBADF);
	NTO_CHILD_ASSERT_INT(errno, ==, 0);
	NTO_CHILD_ASSERT_FAILS(send_variant(2, 9999, reply, 20), EBADF);
	return 0;
}

START_TEST(test_send_variants)
{
	struct nto_test_child c;
	struct _msg_info info;
	char head[4], tail[60];
	iov_t riov[2], wiov[2];

	ck_assert_int_eq(ChannelCreate(0), 1);
	nto_test_fork(&c, client_variants, NULL);
	SETIOV(&riov[0], head, sizeof head);
	SETIOV(&riov[1], tail, sizeof tail);
	SETIOV(&wiov[0], "0123", 4);
	SETIOV(&wiov[1], "456789", 7);
	for (int v = 0; v < NVARIANTS; v++) {
		int rcvid;

		memset(tail, 0, sizeof tail);
		rcvid = (v & 1) ? MsgReceivev(1, riov, 2, &info)
				: MsgReceivev_r(1, riov, 2, &info);
		ck_assert_int_gt(rcvid, 0);
		ck_assert_int_eq(info.msglen, 8);
		ck_assert_int_eq(info.srcmsglen, 8);
		ck_assert_int_eq(info.dstmsglen, 20);
		ck_assert(!memcmp(head, "abcd", 4));
		ck_assert(!memcmp(tail, "efg", 3));
		ck_assert_int_eq(tail[3], 'A' + v);
		if (v & 1)
			ck_assert_int_eq(MsgReplyv(rcvid, v + 1, wiov, 2), 0);
		else
			ck_assert_int_eq(MsgReplyv_r(rcvid, v + 1, wiov, 2), 0);
	}
	nto_test_wait_ok(&c, W);
}
END_TEST

START_TEST(test_msg_info)
{
	struct send_spec sp = {.sdata = "info",
			       .slen = 5,
			       .rlen = 33,
			       .want_status = 1,
			       .want_reply = "",
			       .want_rcopy = 0};
	struct nto_test_child c;
	struct _msg_info a, b;
	char buf[16];
	int rcvid;

	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, sizeof buf, &a);
	ck_assert_int_gt(rcvid, 0);
	memset(&b, 0x5a, sizeof b);
	ck_assert_int_eq(MsgInfo(rcvid, &b), 0);
	ck_assert_int_eq(MsgInfo_r(rcvid, &b), EOK);
	ck_assert_int_eq(b.pid, a.pid);
	ck_assert_int_eq(b.tid, a.tid);
	ck_assert_int_eq(b.chid, a.chid);
	ck_assert_int_eq(b.scoid, a.scoid);
	ck_assert_int_eq(b.coid, a.coid);
	ck_assert_int_eq(b.srcmsglen, 5);
	ck_assert_int_eq(b.dstmsglen, 33);
	ck_assert_int_eq(b.flags & _NTO_MI_UNBLOCK_REQ, 0);
	ck_assert_int_eq(MsgReply(rcvid, 1, NULL, 0), 0);
	NTO_ASSERT_FAILS(MsgInfo(rcvid, &b), ESRCH);
	ck_assert_int_eq(MsgInfo_r(rcvid, &b), ESRCH);
	NTO_ASSERT_FAILS(MsgInfo(0x7fff0001, &b), ESRCH);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* Large messages, one copy each way, verified byte for byte. */
static void big_round_trip(size_t len)
{
	struct send_spec sp = {.slen = len,
			       .sseed = 21,
			       .rlen = len,
			       .want_status = 77,
			       .rseed = 22,
			       .want_rcopy = len};
	struct nto_test_child c;
	struct _msg_info info;
	char *buf = malloc(len);
	int rcvid;

	ck_assert_ptr_nonnull(buf);
	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, buf, (int)len, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, (int)len);
	ck_assert_int_eq(info.srcmsglen, (int)len);
	ck_assert_int_eq(info.dstmsglen, (int)len);
	ck_assert_uint_eq(nto_test_verify(buf, len, 21, 0), len);
	nto_test_fill(buf, len, 22, 0);
	ck_assert_int_eq(MsgReply(rcvid, 77, buf, (int)len), 0);
	ck_assert_int_eq(nto_test_take(c.rd, W), 77);
	nto_test_wait_ok(&c, W);
	free(buf);
}

START_TEST(test_big_1mib)
{
	big_round_trip(1 * MiB);
}
END_TEST

START_TEST(test_big_16mib)
{
	big_round_trip(16 * MiB);
}
END_TEST

/* 16 MiB through a 4 KiB receive buffer: MsgRead the rest in chunks, then
 * build the reply with MsgWrite in chunks. */
START_TEST(test_big_chunked)
{
	const size_t len = 16 * MiB, chunk = 1 * MiB + 17;
	struct send_spec sp = {.slen = len,
			       .sseed = 31,
			       .rlen = len,
			       .want_status = 0,
			       .rseed = 32,
			       .want_rcopy = len};
	struct nto_test_child c;
	struct _msg_info info;
	char head[4096];
	char *buf = malloc(chunk);
	int rcvid;

	ck_assert_ptr_nonnull(buf);
	sp.chid = ChannelCreate(0);
	nto_test_fork(&c, client_send, &sp);
	nto_test_take(c.rd, W);
	rcvid = MsgReceive(sp.chid, head, sizeof head, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, (int)sizeof head);
	ck_assert_int_eq(info.srcmsglen, (int)len);
	ck_assert_uint_eq(nto_test_verify(head, sizeof head, 31, 0),
			  sizeof head);
	for (size_t off = sizeof head; off < len; off += chunk) {
		size_t want = len - off < chunk ? len - off : chunk;
		ck_assert_int_eq(MsgRead(rcvid, buf, (int)chunk, (int)off),
				 (int)want);
		ck_assert_uint_eq(nto_test_verify(buf, want, 31, off), want);
	}
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		nto_test_fill(buf, n, 32, off);
		ck_assert_int_eq(MsgWrite(rcvid, buf, (int)n, (int)off),
				 (int)n);
	}
	ck_assert_int_eq(MsgReply(rcvid, 0, NULL, 0), 0);
	nto_test_wait_ok(&c, W);
	free(buf);
}
END_TEST

/* ---- many threads on one coid, many receivers on one chid ---- */

#define NSEND_THREADS 8
#define NSENDS	      1000
#define NRECV_THREADS 4

struct wire {
	int32_t thread, seq; /* thread -1: quit */
};

struct sender {
	pthread_t t;
	int coid, idx, bad;
};

static void *sender_main(void *p)
{
	struct sender *s = p;

	for (int i = 0; i < NSENDS; i++) {
		struct wire w = {s->idx, i}, back = {-2, -2};
		int r = MsgSend(s->coid, &w, sizeof w, &back, sizeof back);
		if (r != s->idx * NSENDS + i || back.thread != s->idx ||
		    back.seq != i)
			s->bad++;
	}
	return NULL;
}

static int client_many(const struct nto_test_link *l, void *arg)
{
	struct sender s[NSEND_THREADS];
	int coid = ConnectAttach(0, getppid(), 1, _NTO_SIDE_CHANNEL, 0),
	    bad = 0;

	(void)l;
	(void)arg;
	NTO_CHILD_ASSERT(coid >= 0);
	for (int i = 0; i < NSEND_THREADS; i++) {
		s[i].coid = coid;
		s[i].idx = i;
		s[i].bad = 0;
		NTO_CHILD_ASSERT(
			pthread_create(&s[i].t, NULL, sender_main, &s[i]) == 0);
	}
	for (int i = 0; i < NSEND_THREADS; i++) {
		NTO_CHILD_ASSERT(pthread_join(s[i].t, NULL) == 0);
		bad += s[i].bad;
	}
	NTO_CHILD_ASSERT_INT(bad, ==, 0);
	return 0;
}

static _Atomic int seen[NSEND_THREADS][NSENDS];
static _Atomic int recv_errors, per_thread[NRECV_THREADS];

static void *receiver_main(void *p)
{
	int idx = (int)(intptr_t)p;

	for (;;) {
		struct wire w;
		int rcvid = MsgReceive(1, &w, sizeof w, NULL);

		if (rcvid <= 0) {
			recv_errors++;
			return NULL;
		}
		if (w.thread == -1) {
			MsgReply(rcvid, 0, NULL, 0);
			return NULL;
		}
		if (w.thread < 0 || w.thread >= NSEND_THREADS || w.seq < 0 ||
		    w.seq >= NSENDS) {
			recv_errors++;
			MsgError(rcvid, EINVAL);
			continue;
		}
		seen[w.thread][w.seq]++;
		per_thread[idx]++;
		if (MsgReply(rcvid, w.thread * NSENDS + w.seq, &w, sizeof w))
			recv_errors++;
	}
}

/* Eight sending threads on one connection against four receivers: every
 * message arrives once, and no receiver ever had to find one its ready
 * bit or slot mark did not show (the masks are kept set while busy and
 * cleared by the receivers while senders post: a lost mark would show as
 * "a receiver missed a message" on stderr, the receivers' process). */
START_TEST(test_many_threads)
{
	struct nto_test_child c;
	pthread_t r[NRECV_THREADS];
	uint64_t ns = 5000000000ull;
	struct timespec ts;
	char log[4096];
	FILE *err = tmpfile();
	int coid, saved;
	ssize_t n;

	ck_assert_ptr_nonnull(err);
	saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fileno(err), 2), 2);

	ck_assert_int_eq(ChannelCreate(0), 1);
	/* fork before the receivers exist: a fork while other threads are
	 * inside malloc can leave the child's allocator locked (ASan's does) */
	nto_test_fork(&c, client_many, NULL);
	for (int i = 0; i < NRECV_THREADS; i++)
		ck_assert_int_eq(pthread_create(&r[i], NULL, receiver_main,
						(void *)(intptr_t)i),
				 0);
	nto_test_wait_ok(&c, 25000);

	/* One quit per receiver: each exits after its own. */
	coid = ConnectAttach(0, 0, 1, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(coid, 0);
	for (int i = 0; i < NRECV_THREADS; i++) {
		struct wire q = {-1, 0};
		TimerTimeout(CLOCK_MONOTONIC,
			     _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, NULL, &ns,
			     NULL);
		ck_assert_int_eq(MsgSend(coid, &q, sizeof q, NULL, 0), 0);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (int i = 0; i < NRECV_THREADS; i++)
		ck_assert_int_eq(pthread_timedjoin_np(r[i], NULL, &ts), 0);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	n = pread(fileno(err), log, sizeof(log) - 1, 0);
	ck_assert_int_ge(n, 0);
	log[n] = 0;
	fclose(err);
	ck_assert_msg(!strstr(log, "missed a message"), "stderr: %s", log);
	ck_assert_int_eq(recv_errors, 0);
	for (int t = 0; t < NSEND_THREADS; t++)
		for (int i = 0; i < NSENDS; i++)
			ck_assert_msg(seen[t][i] == 1,
				      "message %d/%d received %d times", t, i,
				      seen[t][i]);
	for (int i = 0; i < NRECV_THREADS; i++)
		fprintf(stderr, "receiver %d took %d messages\n", i,
			per_thread[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = nto_test_tcase("msg");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_self_send);
	tcase_add_test(tc, test_zero_length);
	tcase_add_test(tc, test_truncation_server_side);
	tcase_add_test(tc, test_truncation_client_side);
	tcase_add_test(tc, test_msgwrite_offsets);
	tcase_add_test(tc, test_status_passthrough);
	tcase_add_test(tc, test_status_negative);
	tcase_add_test(tc, test_error_passthrough);
	tcase_add_test(tc, test_error_eok);
	tcase_add_test(tc, test_erestart);
	tcase_add_test(tc, test_send_variants);
	tcase_add_test(tc, test_msg_info);
	tcase_add_test(tc, test_big_1mib);
	tcase_add_test(tc, test_big_16mib);
	tcase_add_test(tc, test_big_chunked);
	tcase_add_test(tc, test_many_threads);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
