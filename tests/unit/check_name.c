/*
 * name_attach / name_detach / name_open / name_close between real
 * processes: the raw MsgReceive server loop from QNX's name_attach docs
 * (it answers _IO_CONNECT itself, which name_open never sends here, as
 * on QNX without gns, and sees DISCONNECT when a client goes), a
 * dispatch-based name server, argument checks, EEXIST for
 * a live duplicate, global names, and the name vanishing (ENOENT) when
 * its server dies or detaches, free for a restarted server to take.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W NTO_TEST_WAIT_MS

struct shared {
	atomic_int disconnects;
	atomic_int connects;
	atomic_int msgs;
};
static struct shared *shm;

/* name_open until it fails with ENOENT (ipcd handles a death
 * asynchronously to our waitpid); returns the last errno. */
static int wait_name_gone(const char *name, int flags)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)W * 1000000u;
	struct timespec ts = {0, 2000000};
	int coid, err;

	for (;;) {
		coid = name_open(name, flags);
		err = coid == -1 ? errno : 0;
		if (coid != -1)
			name_close(coid);
		if (err == ENOENT || nto_test_now_ns() >= end)
			return err;
		nanosleep(&ts, NULL);
	}
}

/* The application message of the raw server. */
#define MY_TYPE 0x5501
struct my_msg {
	_Uint16t type;
	_Uint16t subtype;
	int value;
};

struct raw_opts {
	const char *name;
	unsigned flags;
};

/* QNX's typical name_attach server loop (name_attach docs), with counters. */
static int raw_server(const struct nto_test_link *l, void *arg)
{
	const struct raw_opts *o = arg;
	name_attach_t *att;
	union {
		struct _pulse pulse;
		_Uint16t type;
		struct my_msg my;
		char buf[1024];
	} msg;
	int rcvid;

	att = name_attach(NULL, o->name, o->flags);
	if (!att) {
		nto_test_put(l->wr, -errno);
		return 1;
	}
	nto_test_put(l->wr, att->chid);
	for (;;) {
		rcvid = MsgReceive(att->chid, &msg, sizeof(msg), NULL);
		NTO_CHILD_ASSERT(rcvid != -1);
		if (rcvid == 0) {
			switch (msg.pulse.code) {
			case _PULSE_CODE_DISCONNECT:
				atomic_fetch_add(&shm->disconnects, 1);
				ConnectDetach(msg.pulse.scoid);
				break;
			case _PULSE_CODE_UNBLOCK:
				break;
			default:
				break;
			}
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			/* the name_open handshake */
			atomic_fetch_add(&shm->connects, 1);
			MsgReply(rcvid, EOK, NULL, 0);
			continue;
		}
		if (msg.type > _IO_BASE && msg.type <= _IO_MAX) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		if (msg.type == MY_TYPE) {
			atomic_fetch_add(&shm->msgs, 1);
			msg.my.value *= 2;
			MsgReply(rcvid, 7, &msg.my, sizeof(msg.my));
			continue;
		}
		MsgError(rcvid, ENOSYS);
	}
}

START_TEST(test_name_attach_args)
{
	static const char *bad[] = {"", "/abs", "..", "a/..", "../a", "a/../b"};
	size_t i;

	errno = 0;
	ck_assert_ptr_null(name_attach(NULL, NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(name_attach(NULL, bad[i], 0) == NULL &&
				      errno == EINVAL,
			      "name_attach(\"%s\") errno %d", bad[i], errno);
	}
	NTO_ASSERT_FAILS(name_open(NULL, 0), EINVAL);
	NTO_ASSERT_FAILS(name_open("", 0), EINVAL);
	NTO_ASSERT_FAILS(name_open("/x", 0), EINVAL);
	NTO_ASSERT_FAILS(name_open("nobody_has_this", 0), ENOENT);
	NTO_ASSERT_FAILS(name_detach(NULL, 0), EINVAL);
}
END_TEST

/* name_open / MsgSend / name_close against the raw server; a name with
 * ".." inside a component is fine. */
START_TEST(test_name_open_raw)
{
	static const struct raw_opts o = {"svc..one", 0};
	struct nto_test_child srv;
	struct my_msg m = {MY_TYPE, 0, 21}, r;
	int coid, coid2;

	shm = nto_test_shared(sizeof(*shm));
	nto_test_fork(&srv, raw_server, (void *)&o);
	ck_assert_int_gt(nto_test_take(srv.rd, W), 0);

	coid = name_open(o.name, 0);
	ck_assert_msg(coid != -1, "name_open: %s", strerror(errno));
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	/* as on QNX without gns: name_open sends the server no message */
	ck_assert_int_eq(atomic_load(&shm->connects), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)), 7);
	ck_assert_int_eq(r.value, 42);

	/* a second open shares the connection; the server sees one
	 * DISCONNECT when the last coid goes */
	coid2 = name_open(o.name, 0);
	ck_assert_int_ge(coid2, _NTO_SIDE_CHANNEL);
	ck_assert_int_ne(coid2, coid);
	ck_assert_int_eq(atomic_load(&shm->connects), 0);
	ck_assert_int_eq(name_close(coid), 0);
	ck_assert_int_eq(MsgSend(coid2, &m, sizeof(m), &r, sizeof(r)), 7);
	ck_assert_int_eq(name_close(coid2), 0);
	ck_assert_int_eq(nto_test_poll_int(&shm->disconnects, 1), 1);
	NTO_ASSERT_FAILS(name_close(coid2), EINVAL);

	/* local and global are different spaces */
	NTO_ASSERT_FAILS(name_open(o.name, NAME_FLAG_ATTACH_GLOBAL), ENOENT);
	nto_test_kill(&srv);
}
END_TEST

/* A live name cannot be taken twice; once its server dies it is gone,
 * and a restarted server can attach it again. */
START_TEST(test_name_eexist_and_death)
{
	static const struct raw_opts o = {"dup_name", 0};
	struct nto_test_child srv, srv2;
	struct my_msg m = {MY_TYPE, 0, 1}, r;
	name_attach_t *att;
	int coid;

	shm = nto_test_shared(sizeof(*shm));
	nto_test_fork(&srv, raw_server, (void *)&o);
	ck_assert_int_gt(nto_test_take(srv.rd, W), 0);

	errno = 0;
	att = name_attach(NULL, o.name, 0);
	ck_assert_ptr_null(att);
	ck_assert_int_eq(errno, EEXIST);
	/* the same name in the global space is another name */
	att = name_attach(NULL, o.name, NAME_FLAG_ATTACH_GLOBAL);
	ck_assert_ptr_nonnull(att);
	ck_assert_int_eq(name_detach(att, 0), 0);

	coid = name_open(o.name, 0);
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	nto_test_kill(&srv);
	/* the stale coid is dead (ESRCH if ipcd is still reaping) */
	errno = 0;
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)), -1);
	ck_assert_msg(errno == EBADF || errno == ESRCH, "errno %d", errno);
	name_close(coid);
	ck_assert_int_eq(wait_name_gone(o.name, 0), ENOENT);

	nto_test_fork(&srv2, raw_server, (void *)&o);
	ck_assert_int_gt(nto_test_take(srv2.rd, W), 0);
	coid = name_open(o.name, 0);
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)), 7);
	name_close(coid);
	nto_test_kill(&srv2);
}
END_TEST

/* name_detach removes the name at once; NAME_FLAG_DETACH_SAVEDPP keeps
 * the dispatch usable. Global names are found with the global flag. */
START_TEST(test_name_detach_global)
{
	name_attach_t *att;
	dispatch_t *dpp;

	dpp = dispatch_create();
	ck_assert_ptr_nonnull(dpp);
	att = name_attach(dpp, "g_name", NAME_FLAG_ATTACH_GLOBAL);
	ck_assert_ptr_nonnull(att);
	ck_assert_ptr_eq(att->dpp, dpp);
	ck_assert_int_gt(att->chid, 0);
	NTO_ASSERT_FAILS(name_open("g_name", 0), ENOENT);
	ck_assert_int_eq(name_detach(att, NAME_FLAG_DETACH_SAVEDPP), 0);
	NTO_ASSERT_FAILS(name_open("g_name", NAME_FLAG_ATTACH_GLOBAL), ENOENT);

	/* the kept dispatch can carry another name */
	att = name_attach(dpp, "l_name", 0);
	ck_assert_ptr_nonnull(att);
	ck_assert_int_eq(name_detach(att, 0), 0); /* destroys dpp */
	NTO_ASSERT_FAILS(name_open("l_name", 0), ENOENT);
}
END_TEST

/* A name served through dispatch_block / dispatch_handler: message_attach
 * handles the messages, and the
 * global flag reaches /dev/name/global. */
static int echo(message_context_t *ctp, int code, unsigned flags, void *h)
{
	atomic_fetch_add(&shm->msgs, 1);
	MsgReply(ctp->rcvid, code, ctp->msg, ctp->info.msglen);
	return 0;
}

static int dispatch_server(const struct nto_test_link *l, void *arg)
{
	dispatch_context_t *ctp;
	name_attach_t *att;
	dispatch_t *dpp;

	dpp = dispatch_create();
	NTO_CHILD_ASSERT(dpp != NULL);
	NTO_CHILD_ASSERT(
		message_attach(dpp, NULL, MY_TYPE, MY_TYPE, echo, NULL) == 0);
	att = name_attach(dpp, "disp_name", NAME_FLAG_ATTACH_GLOBAL);
	NTO_CHILD_ASSERT(att != NULL);
	ctp = dispatch_context_alloc(dpp);
	NTO_CHILD_ASSERT(ctp != NULL);
	nto_test_put(l->wr, 1);
	for (;;) {
		ctp = dispatch_block(ctp);
		NTO_CHILD_ASSERT(ctp != NULL);
		dispatch_handler(ctp);
	}
}

START_TEST(test_name_dispatch_server)
{
	struct nto_test_child srv;
	struct my_msg m = {MY_TYPE, 0, 5}, r;
	int coid;

	shm = nto_test_shared(sizeof(*shm));
	nto_test_fork(&srv, dispatch_server, NULL);
	ck_assert_int_eq(nto_test_take(srv.rd, W), 1);
	coid = name_open("disp_name", NAME_FLAG_ATTACH_GLOBAL);
	ck_assert_msg(coid != -1, "name_open: %s", strerror(errno));
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)), MY_TYPE);
	ck_assert_int_eq(r.value, 5);
	ck_assert_int_eq(atomic_load(&shm->msgs), 1);
	ck_assert_int_eq(name_close(coid), 0);
	/* the dispatch layer released the scoid on DISCONNECT and goes on */
	coid = name_open("disp_name", NAME_FLAG_ATTACH_GLOBAL);
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)), MY_TYPE);
	ck_assert_int_eq(name_close(coid), 0);
	nto_test_kill(&srv);
	ck_assert_int_eq(wait_name_gone("disp_name", NAME_FLAG_ATTACH_GLOBAL),
			 ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("name");
	TCase *tc = nto_test_tcase("core");

	tcase_add_test(tc, test_name_attach_args);
	tcase_add_test(tc, test_name_open_raw);
	tcase_add_test(tc, test_name_eexist_and_death);
	tcase_add_test(tc, test_name_detach_global);
	tcase_add_test(tc, test_name_dispatch_server);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
