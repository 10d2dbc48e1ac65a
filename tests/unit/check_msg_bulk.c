/*
 * Messages and their replies in place: MsgReply writes the reply over the
 * message it answers (docs/protocol.md 4, "Replies in place"). Checks
 * every byte both ways over one connection whose extents are reused at
 * many sizes (send and reply alike and lopsided, inline and bulk, up to
 * 2 MiB), truncation to the client's buffer, MsgWrite before MsgReply (the
 * reply then goes beside the message, which MsgRead still sees intact),
 * ERESTART re-delivering the untouched message, four client threads
 * whose extents are live at once, and a server lying with the in-place
 * flag. The test process is the server; a forked child is the client.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "proto/shm.h" /* the lying server writes its slot directly */
#include "tests/unit/fixture.h"

#define W     NTO_TEST_WAIT_MS
#define KiB   1024
#define MiB   (1024 * 1024)
#define GUARD 64

/* One exchange: the client sends slen bytes (pattern seed 100 + i) with a
 * reply buffer of rlen; the server replies with what `how` says. */
enum how {
	REPLY,	       /* MsgReply of reply_n bytes, pattern 200 + i */
	WRITE_REPLY,   /* MsgWrite of the tail from reply_n, MsgReply head */
	RESTART_REPLY, /* MsgError(ERESTART) first, then as REPLY */
};

struct xchg {
	size_t slen, rlen, reply_n;
	enum how how;
};

static const struct xchg plan[] = {
	{64 * KiB, 64 * KiB, 64 * KiB, REPLY},
	{64 * KiB, 64 * KiB, 64 * KiB, REPLY}, /* same extent again */
	{1 * MiB, 1 * MiB, 1 * MiB, REPLY},    /* grows the extent */
	{1 * MiB, 1 * MiB, 1 * MiB, REPLY},
	{1 * MiB + 3, 1 * MiB + 5, 1 * MiB + 5, REPLY}, /* odd sizes */
	{100, 1 * MiB, 1 * MiB, REPLY},	      /* read(): small in, big out */
	{1 * MiB, 100, 100, REPLY},	      /* write(): big in, small out */
	{20 * KiB, 1 * MiB, 1 * MiB, REPLY},  /* reply longer than the msg */
	{1 * MiB, 64 * KiB, 1 * MiB, REPLY},  /* truncated to the buffer */
	{1 * MiB, 1 * MiB, 300 * KiB, REPLY}, /* shorter than the buffer */
	{8 * KiB, 8 * KiB, 8 * KiB, REPLY},   /* past the inline extent */
	{1 * MiB, 1 * MiB, 512 * KiB, WRITE_REPLY},
	{1 * MiB, 1 * MiB, 1 * MiB, REPLY},	/* in place again after it */
	{256 * KiB, 256 * KiB, 0, WRITE_REPLY}, /* all by MsgWrite */
	{512 * KiB, 512 * KiB, 512 * KiB, RESTART_REPLY},
	{100, 100, 100, REPLY}, /* an inline extent */
	{100, 4 * KiB, 1 * KiB, WRITE_REPLY},
	{100, 100, 100, REPLY},	   /* in place again after it */
	{3 * KiB, 64, 64, REPLY},  /* write(): big in, small out */
	{64, 100, 0, REPLY},	   /* an empty reply */
	{64, 100, 0, WRITE_REPLY}, /* all by MsgWrite, inline */
	{1 * KiB, 1 * KiB, 1 * KiB, RESTART_REPLY},
	{2 * MiB, 2 * MiB, 2 * MiB, REPLY},
};
#define NPLAN (sizeof plan / sizeof plan[0])

/* The client: every exchange in order; the status is the index, the
 * reply is checked byte for byte, the guard after the buffer untouched. */
static int client_plan(const struct nto_test_link *l, void *arg)
{
	int coid =
		ConnectAttach(0, getppid(), *(int *)arg, _NTO_SIDE_CHANNEL, 0);

	NTO_CHILD_ASSERT(coid >= 0);
	for (size_t i = 0; i < NPLAN; i++) {
		const struct xchg *x = &plan[i];
		size_t want = x->reply_n < x->rlen ? x->reply_n : x->rlen;
		char *s = malloc(x->slen), *r = malloc(x->rlen + GUARD);

		NTO_CHILD_ASSERT(s && r);
		nto_test_fill(s, x->slen, 100 + (uint32_t)i, 0);
		memset(r, 0xee, x->rlen + GUARD);
		NTO_CHILD_ASSERT_INT(
			MsgSend(coid, s, (int)x->slen, r, (int)x->rlen), ==,
			(int)i);
		if (x->how == WRITE_REPLY)
			want = x->rlen; /* head by MsgReply, tail by MsgWrite */
		NTO_CHILD_ASSERT_INT(
			nto_test_verify(r, want, 200 + (uint32_t)i, 0), ==,
			want);
		for (size_t k = x->rlen; k < x->rlen + GUARD; k++)
			NTO_CHILD_ASSERT_INT((unsigned char)r[k], ==, 0xee);
		free(s);
		free(r);
	}
	NTO_CHILD_ASSERT(nto_test_put(l->wr, 1) == 0);
	return 0;
}

/* Receive exchange i into buf and check every byte of the message. */
static int receive_checked(int chid, size_t i, char *buf)
{
	const struct xchg *x = &plan[i];
	struct _msg_info info;
	int rcvid = MsgReceive(chid, buf, (int)x->slen, &info);

	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.msglen, (int)x->slen);
	ck_assert_int_eq(info.srcmsglen, (int)x->slen);
	ck_assert_int_eq(info.dstmsglen, (int)x->rlen);
	ck_assert_uint_eq(nto_test_verify(buf, x->slen, 100 + (uint32_t)i, 0),
			  x->slen);
	return rcvid;
}

START_TEST(test_bulk_plan)
{
	struct nto_test_child c;
	char *buf = malloc(2 * MiB + 64), *out = malloc(2 * MiB + 64);
	int chid = ChannelCreate(0);

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_ge(chid, 1);
	nto_test_fork(&c, client_plan, &chid);
	for (size_t i = 0; i < NPLAN; i++) {
		const struct xchg *x = &plan[i];
		int rcvid = receive_checked(chid, i, buf);

		if (x->how == RESTART_REPLY) {
			/* re-issued: the same message, every byte */
			ck_assert_int_eq(MsgError(rcvid, ERESTART), 0);
			rcvid = receive_checked(chid, i, buf);
		}
		nto_test_fill(out, x->rlen, 200 + (uint32_t)i, 0);
		if (x->how == WRITE_REPLY) {
			size_t tail = x->rlen - x->reply_n, mid = x->slen / 2;

			ck_assert_int_eq(MsgWrite(rcvid, out + x->reply_n,
						  (int)tail, (int)x->reply_n),
					 (int)tail);
			/* the message is still there, untouched */
			ck_assert_int_eq(MsgRead(rcvid, buf,
						 (int)(x->slen - mid),
						 (int)mid),
					 (int)(x->slen - mid));
			ck_assert_uint_eq(nto_test_verify(buf, x->slen - mid,
							  100 + (uint32_t)i,
							  mid),
					  x->slen - mid);
		}
		ck_assert_int_eq(MsgReply(rcvid, (int)i, out, (int)x->reply_n),
				 0);
	}
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	nto_test_wait_ok(&c, W);
	nto_test_expect_empty(chid, 0);
	free(buf);
	free(out);
}
END_TEST

/* Several client threads at once, each on its own slot and extent:
 * the replies in place never cross. */
#define NTHREADS 4
#define ROUNDS	 20

struct thr {
	pthread_t t;
	int coid, idx, bad;
};

static void *thread_main(void *p)
{
	struct thr *t = p;
	size_t len = 256 * KiB + (size_t)t->idx * 4096;
	char *s = malloc(len), *r = malloc(len);

	if (!s || !r) {
		t->bad = -1;
		return NULL;
	}
	for (int k = 0; k < ROUNDS; k++) {
		uint32_t seed = (uint32_t)(t->idx * 1000 + k);

		nto_test_fill(s, len, seed, 0);
		memset(r, 0, len);
		if (MsgSend(t->coid, s, (int)len, r, (int)len) != t->idx ||
		    nto_test_verify(r, len, seed + 500000, 0) != len)
			t->bad++;
	}
	free(s);
	free(r);
	return NULL;
}

static int client_threads(const struct nto_test_link *l, void *arg)
{
	struct thr t[NTHREADS];
	int coid = ConnectAttach(0, getppid(), *(int *)arg, _NTO_SIDE_CHANNEL,
				 0),
	    bad = 0;

	(void)l;
	NTO_CHILD_ASSERT(coid >= 0);
	for (int i = 0; i < NTHREADS; i++) {
		t[i].coid = coid;
		t[i].idx = i;
		t[i].bad = 0;
		NTO_CHILD_ASSERT(
			pthread_create(&t[i].t, NULL, thread_main, &t[i]) == 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		NTO_CHILD_ASSERT(pthread_join(t[i].t, NULL) == 0);
		bad += t[i].bad;
	}
	NTO_CHILD_ASSERT_INT(bad, ==, 0);
	return 0;
}

START_TEST(test_bulk_threads)
{
	struct nto_test_child c;
	size_t max = 256 * KiB + NTHREADS * 4096;
	char *buf = malloc(max);
	int chid = ChannelCreate(0);

	ck_assert_ptr_nonnull(buf);
	nto_test_fork(&c, client_threads, &chid);
	/* each round holds one message of every thread (a thread has one
	 * outstanding at a time), so four extents are live at once, then
	 * replies to them newest first */
	for (int k = 0; k < ROUNDS; k++) {
		int rcvid[NTHREADS], idx[NTHREADS], len[NTHREADS], seen = 0;
		uint32_t seed[NTHREADS];

		for (int j = 0; j < NTHREADS; j++) {
			struct _msg_info info;

			rcvid[j] = MsgReceive(chid, buf, (int)max, &info);
			ck_assert_int_gt(rcvid[j], 0);
			len[j] = info.msglen;
			idx[j] = (int)((size_t)len[j] - 256 * KiB) / 4096;
			ck_assert_int_ge(idx[j], 0);
			ck_assert_int_lt(idx[j], NTHREADS);
			ck_assert_int_eq(seen & (1 << idx[j]), 0);
			seen |= 1 << idx[j];
			/* round k of every thread: the message says so */
			seed[j] = (uint32_t)(idx[j] * 1000 + k);
			ck_assert_uint_eq(nto_test_verify(buf, (size_t)len[j],
							  seed[j], 0),
					  (size_t)len[j]);
		}
		for (int j = NTHREADS - 1; j >= 0; j--) {
			nto_test_fill(buf, (size_t)len[j], seed[j] + 500000, 0);
			ck_assert_int_eq(
				MsgReply(rcvid[j], idx[j], buf, len[j]), 0);
		}
	}
	nto_test_wait_ok(&c, 30000);
	free(buf);
}
END_TEST

/* A server that lies with NTO_SLOTF_REPLY_INPLACE: it sets the flag on a
 * message whose reply it then writes beside it (MsgWrite), so the client
 * copies from the extent's start, i.e. its own message. What that client
 * gets is wrong but bounded: the status, at most its own buffer (the guard
 * after it untouched), bytes from its own extent; its next send is right.
 * The server finds the slot through its own mapping of the region. */
#define LIE_LEN (64 * KiB)

static int client_lied_to(const struct nto_test_link *l, void *arg)
{
	int coid =
		ConnectAttach(0, getppid(), *(int *)arg, _NTO_SIDE_CHANNEL, 0);
	char *s = malloc(LIE_LEN), *r = malloc(LIE_LEN + GUARD);

	(void)l;
	NTO_CHILD_ASSERT(coid >= 0 && s && r);
	nto_test_fill(s, LIE_LEN, 41, 0);
	memset(r, 0xee, LIE_LEN + GUARD);
	NTO_CHILD_ASSERT_INT(MsgSend(coid, s, LIE_LEN, r, LIE_LEN), ==, 7);
	/* the flag sent it to the extent's start: its own message */
	NTO_CHILD_ASSERT_INT(nto_test_verify(r, LIE_LEN, 41, 0), ==, LIE_LEN);
	for (size_t k = LIE_LEN; k < LIE_LEN + GUARD; k++)
		NTO_CHILD_ASSERT_INT((unsigned char)r[k], ==, 0xee);
	/* an honest reply on the same slot and extent */
	nto_test_fill(s, LIE_LEN, 43, 0);
	NTO_CHILD_ASSERT_INT(MsgSend(coid, s, LIE_LEN, r, LIE_LEN), ==, 8);
	NTO_CHILD_ASSERT_INT(nto_test_verify(r, LIE_LEN, 44, 0), ==, LIE_LEN);
	free(s);
	free(r);
	return 0;
}

/* Set the flag on every slot of our connection regions that holds a
 * received message of len bytes; returns how many. */
static int set_inplace_flag(int32_t len)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		struct nto_conn_region *r;
		unsigned long lo, hi;

		if (!strstr(line, "/memfd:ntosim-conn ") ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2 ||
		    hi - lo != NTO_CONN_SIZE)
			continue;
		r = (struct nto_conn_region *)lo;
		if (r->hdr.magic != NTO_CONN_MAGIC)
			continue;
		for (unsigned i = 0; i < NTO_CONN_SLOTS; i++)
			if (atomic_load(&r->slot[i].state) ==
				    NTO_SLOT_RECEIVED &&
			    r->slot[i].sbytes == len) {
				atomic_fetch_or(&r->slot[i].flags,
						NTO_SLOTF_REPLY_INPLACE);
				n++;
			}
	}
	fclose(f);
	return n;
}

START_TEST(test_lying_flag)
{
	struct nto_test_child c;
	char *buf = malloc(LIE_LEN);
	int chid = ChannelCreate(0), rcvid;

	ck_assert_ptr_nonnull(buf);
	nto_test_fork(&c, client_lied_to, &chid);
	rcvid = MsgReceive(chid, buf, LIE_LEN, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(set_inplace_flag(LIE_LEN), 1);
	nto_test_fill(buf, LIE_LEN, 42, 0);
	ck_assert_int_eq(MsgWrite(rcvid, buf, LIE_LEN, 0), LIE_LEN);
	ck_assert_int_eq(MsgReply(rcvid, 7, NULL, 0), 0);
	rcvid = MsgReceive(chid, buf, LIE_LEN, NULL);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_uint_eq(nto_test_verify(buf, LIE_LEN, 43, 0), LIE_LEN);
	nto_test_fill(buf, LIE_LEN, 44, 0);
	ck_assert_int_eq(MsgReply(rcvid, 8, buf, LIE_LEN), 0);
	nto_test_wait_ok(&c, W);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("msg_bulk");
	TCase *tc = nto_test_tcase("msg_bulk");

	tcase_add_test(tc, test_bulk_plan);
	tcase_add_test(tc, test_bulk_threads);
	tcase_add_test(tc, test_lying_flag);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
