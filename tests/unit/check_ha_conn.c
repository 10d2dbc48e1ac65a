/*
 * libha on raw connections (ha_ConnectAttach & co.), against small in-test
 * servers that the tests SIGKILL and restart: every MsgSend variant and _r
 * form recovers; the caller gets the original EBADF or ESRCH when recovery
 * gives up; ACOUNT/ICOUNT limits and counters; suspend/enable; the
 * re-entrancy guard; errors a live server replies are not recovered;
 * ha_ReConnectAttach keeps fd-space and side-channel numbers; the
 * at-most-once policy; ha_name_open with libha's own recovery and its wait
 * for the server. The fd covers are in check_ha_fd.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W NTO_TEST_WAIT_MS

/* ---- the in-test server ---- */

enum { OP_PING = 1, OP_HOLD, OP_ERROR };

struct tmsg {
	uint16_t type; /* 0x3000: outside the _IO_* range */
	uint16_t op;
	int32_t arg;
};

struct trep {
	int32_t pid;
	int32_t n; /* messages this server instance answered */
};

#define TMSG_TYPE 0x3000

/*
 * Serve on a new channel (arg NULL) or a name_attach'ed name (arg = the
 * name): put the chid to the parent, then answer PING with {pid, n}, keep
 * HOLD messages unanswered, blocking, until the parent puts a word (their
 * arg goes to the parent when each is received), answer ERROR with
 * MsgError(arg).
 */
static int srv_main(const struct nto_test_link *l, void *arg)
{
	const char *name = arg;
	name_attach_t *att = NULL;
	int chid, n = 0;

	if (name) {
		att = name_attach(NULL, name, 0);
		NTO_CHILD_ASSERT(att != NULL);
		chid = att->chid;
	} else {
		chid = ChannelCreate(0);
		NTO_CHILD_ASSERT(chid > 0);
	}
	NTO_CHILD_ASSERT(nto_test_put(l->wr, chid) == 0);
	for (;;) {
		union {
			struct tmsg m;
			struct _pulse p;
			uint16_t type;
			char raw[512];
		} u;
		struct trep rep;
		int rcvid = MsgReceive(chid, &u, sizeof(u), NULL);

		if (rcvid < 0)
			return 2;
		if (rcvid == 0)
			continue; /* pulses (DISCONNECT...) */
		if (u.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0); /* name_open handshake */
			continue;
		}
		if (u.type != TMSG_TYPE) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		switch (u.m.op) {
		case OP_HOLD: {
			/* tell the test, and answer only when it says so */
			int64_t v;

			nto_test_put(l->wr, u.m.arg);
			if (nto_test_get(l->rd, &v, 60000) != 0)
				return 3;
			rep.pid = (int32_t)getpid();
			rep.n = ++n;
			MsgReply(rcvid, EOK, &rep, sizeof(rep));
			break;
		}
		case OP_ERROR:
			MsgError(rcvid, u.m.arg);
			break;
		default:
			rep.pid = (int32_t)getpid();
			rep.n = ++n;
			MsgReply(rcvid, EOK, &rep, sizeof(rep));
		}
	}
}

struct srv {
	struct nto_test_child ch;
	pid_t pid;
	int chid;
};

static void srv_start(struct srv *s, const char *name)
{
	nto_test_fork(&s->ch, srv_main, (void *)name);
	s->pid = s->ch.pid;
	s->chid = (int)nto_test_take(s->ch.rd, W);
	if (name) {
		char path[256];

		snprintf(path, sizeof(path), "/dev/name/local/%s", name);
		ck_assert_int_eq(nto_path_wait(path, W), 0);
	}
}

/* Kill s (SIGKILL, reaped) and wait until ipcd has processed the death,
 * as seen on `coid`, a connection to it. */
static void srv_kill(struct srv *s, int coid)
{
	nto_test_kill(&s->ch);
	nto_test_wait_dead(coid);
}

/* ---- recovery functions ---- */

enum rmode {
	R_RECONNECT, /* ha_ReConnectAttach to ctx->pid/chid */
	R_FAIL,	     /* return -1 (after spoiling errno) */
	R_OTHER,     /* return a different number */
	R_NOFIX,     /* return coid without doing anything */
	R_SEND,	     /* MsgSend on the dead coid first, then reconnect */
	R_STEAL,     /* take the number first, then ha_ReConnectAttach */
};

struct rctx {
	_Atomic int calls;
	int mode;
	int nofix_first; /* R_RECONNECT: the first N calls do nothing */
	pid_t pid;
	int chid;
	int last_coid;
	int inner_rc, inner_errno; /* R_SEND's MsgSend */
	int stolen;		   /* R_STEAL's number holder */
	int rc_errno;		   /* errno after ha_ReConnectAttach failed */
	int wait_new; /* wait (bounded) until pid is not the dead server's */
};

/* pid/chid updates for recovery functions that wait for a new server */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctx_cond = PTHREAD_COND_INITIALIZER;

static void ctx_set(struct rctx *c, pid_t pid, int chid)
{
	pthread_mutex_lock(&ctx_lock);
	c->pid = pid;
	c->chid = chid;
	pthread_cond_broadcast(&ctx_cond);
	pthread_mutex_unlock(&ctx_lock);
}

/* The server of coid (dead now); wait until the test has started another. */
static void ctx_wait_new(struct rctx *c, int coid)
{
	struct _server_info info;
	struct timespec dl;

	if (ConnectServerInfo(0, coid, &info) != coid)
		return;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += W / 1000;
	pthread_mutex_lock(&ctx_lock);
	while (c->pid == info.pid)
		if (pthread_cond_timedwait(&ctx_cond, &ctx_lock, &dl) != 0)
			break;
	pthread_mutex_unlock(&ctx_lock);
}

static int rfn(int coid, void *h)
{
	struct rctx *c = h;
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	struct trep rep;
	int n = atomic_fetch_add(&c->calls, 1) + 1, rc;

	c->last_coid = coid;
	switch (c->mode) {
	case R_FAIL:
		errno = EIO; /* the caller must still see the original error */
		return -1;
	case R_OTHER:
		return coid + 1;
	case R_NOFIX:
		return coid;
	case R_SEND:
		c->inner_rc = MsgSend(coid, &m, sizeof(m), &rep, sizeof(rep));
		c->inner_errno = errno;
		break;
	case R_STEAL:
		ConnectDetach(coid);
		if (coid & _NTO_SIDE_CHANNEL) {
			/* lowest-free allocation from the id pool chids share:
			 * create channels until one has coid's id (the ones
			 * below stay too) */
			int x;
			do
				x = ChannelCreate(0);
			while (x > 0 && x < (coid & ~_NTO_SIDE_CHANNEL));
			c->stolen = x | _NTO_SIDE_CHANNEL;
		} else {
			c->stolen = dup2(open("/dev/null", O_RDONLY), coid);
		}
		break;
	default:
		if (n <= c->nofix_first)
			return coid;
	}
	if (c->wait_new)
		ctx_wait_new(c, coid);
	rc = ha_ReConnectAttach(coid, 0, c->pid, c->chid,
				(unsigned)coid & _NTO_SIDE_CHANNEL, 0);
	if (rc < 0)
		c->rc_errno = errno;
	return rc;
}

static int ping(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};

	return MsgSend(coid, &m, sizeof(m), rep, sizeof(*rep));
}

static int get_count(int coid, int cmd)
{
	int v = -12345;

	ck_assert_int_eq(ha_connection_ctrl(coid, cmd, &v), 0);
	return v;
}

/* One server, one HA connection to it with ctx reconnecting. */
static int setup_conn(struct srv *s, struct rctx *c, unsigned index)
{
	int coid;

	srv_start(s, NULL);
	c->pid = s->pid;
	c->chid = s->chid;
	coid = ha_ConnectAttach(0, s->pid, s->chid, index, 0, rfn, c, 0);
	ck_assert_int_ge(coid, 0);
	return coid;
}

/* Kill the server, start a new one, and point the context at it. */
static void restart(struct srv *s, struct rctx *c, int coid)
{
	srv_kill(s, coid);
	srv_start(s, NULL);
	c->pid = s->pid;
	c->chid = s->chid;
}

/* ---- API and errno paths ---- */

START_TEST(test_attach_errors)
{
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	int coid, plain, r, e;

	srv_start(&s, NULL);
	plain = ConnectAttach(0, s.pid, s.chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(plain, 0);

	NTO_ASSERT_FAILS(ha_attach(-1, rfn, &c, 0), EBADF);
	NTO_ASSERT_FAILS(ha_attach(_NTO_SIDE_CHANNEL | 4000, rfn, &c, 0),
			 EBADF);
	NTO_ASSERT_FAILS(ha_attach(plain, NULL, &c, 0), EINVAL);
	NTO_ASSERT_FAILS(ha_attach(plain, rfn, &c, 0x80), EINVAL);
	NTO_ASSERT_FAILS(ha_detach(plain), EBADF);
	NTO_ASSERT_FAILS(ha_connection_ctrl(plain, HA_RECOVERY_SUSPEND, NULL),
			 EBADF);
	ck_assert_int_eq(ha_attach(plain, rfn, &c, 0), 0);
	NTO_ASSERT_FAILS(ha_attach(plain, rfn, &c, 0), EEXIST);
	ck_assert_int_eq(ha_attach(plain, rfn, &c, HAREPLACERECOVERYFN), 0);
	NTO_ASSERT_FAILS(ha_connection_ctrl(plain, 99, NULL), EINVAL);
	NTO_ASSERT_FAILS(
		ha_connection_ctrl(plain, HA_RECOVERY_AT_MOST_ONCE, (void *)2),
		EINVAL);
	NTO_ASSERT_FAILS(
		ha_connection_ctrl(plain, HA_RECOVERY_GET_ACOUNT, NULL),
		EINVAL);
	ck_assert_int_eq(get_count(plain, HA_RECOVERY_GET_ACOUNT), 0);
	ck_assert_int_eq(get_count(plain, HA_RECOVERY_GET_ICOUNT), 0);
	ck_assert_int_eq(ha_detach(plain), 0);
	NTO_ASSERT_FAILS(ha_detach(plain), EBADF);
	/* ha_attach with the flag on a coid that is not HA-aware attaches */
	ck_assert_int_eq(ha_attach(plain, rfn, &c, HAREPLACERECOVERYFN), 0);
	ck_assert_int_eq(ha_detach(plain), 0);

	/* ha_ConnectDetach of a coid that is not HA-aware does nothing */
	NTO_ASSERT_FAILS(ha_ConnectDetach(plain), EBADF);
	ck_assert_int_eq(ha_ConnectDetach_r(plain), EBADF);
	ck_assert_int_eq(ping(plain, &rep), 0);
	ck_assert_int_eq(ConnectDetach(plain), 0);

	/* the covers report ConnectAttach's own errno */
	errno = 0;
	r = ConnectAttach(0, s.pid, s.chid + 77, 0, 0);
	ck_assert_int_eq(r, -1);
	NTO_ASSERT_FAILS(
		ha_ConnectAttach(0, s.pid, s.chid + 77, 0, 0, rfn, &c, 0),
		errno);
	errno = 4242;
	ck_assert_int_eq(
		ha_ConnectAttach_r(0, s.pid, s.chid + 77, 0, 0, rfn, &c, 0),
		-ESRCH);
	ck_assert_int_eq(
		ha_ConnectAttach_r(0, s.pid, s.chid, 0, 0, NULL, &c, 0),
		-EINVAL);
	ck_assert_int_eq(errno, 4242);
	NTO_ASSERT_FAILS(
		ha_ConnectAttach(0, s.pid, s.chid, 0, 0, rfn, &c, 0x10),
		EINVAL);

	/* _r forms: value or negative errno, errno untouched */
	errno = 4242;
	coid = ha_ConnectAttach_r(0, s.pid, s.chid, _NTO_SIDE_CHANNEL, 0, rfn,
				  &c, 0);
	e = errno;
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(e, 4242);
	errno = 4242;
	r = ha_ConnectDetach_r(coid);
	e = errno;
	ck_assert_int_eq(r, EOK);
	ck_assert_int_eq(e, 4242);
	r = ha_ConnectDetach_r(coid);
	e = errno;
	ck_assert_int_eq(r, EBADF);
	ck_assert_int_eq(e, 4242);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF); /* really detached */

	coid = ha_ConnectAttach(0, s.pid, s.chid, 0, 0, rfn, &c, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert(!(coid & _NTO_SIDE_CHANNEL));
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	NTO_ASSERT_FAILS(ha_ConnectDetach(coid), EBADF);
	NTO_ASSERT_FAILS(ha_ReConnectAttach(-1, 0, s.pid, s.chid, 0, 0), EBADF);
	ck_assert_int_eq(c.calls, 0);
}
END_TEST

/* ---- the recovery loop ---- */

typedef int (*sendfn)(int coid, struct trep *rep);

static int s_send(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	return MsgSend(coid, &m, sizeof(m), rep, sizeof(*rep));
}
static int s_sendnc(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	return MsgSendnc(coid, &m, sizeof(m), rep, sizeof(*rep));
}
static int s_sendv(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si, ri;
	SETIOV(&si, &m, sizeof(m));
	SETIOV(&ri, rep, sizeof(*rep));
	return MsgSendv(coid, &si, 1, &ri, 1);
}
static int s_sendvnc(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si, ri;
	SETIOV(&si, &m, sizeof(m));
	SETIOV(&ri, rep, sizeof(*rep));
	return MsgSendvnc(coid, &si, 1, &ri, 1);
}
static int s_sendsv(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t ri;
	SETIOV(&ri, rep, sizeof(*rep));
	return MsgSendsv(coid, &m, sizeof(m), &ri, 1);
}
static int s_sendsvnc(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t ri;
	SETIOV(&ri, rep, sizeof(*rep));
	return MsgSendsvnc(coid, &m, sizeof(m), &ri, 1);
}
static int s_sendvs(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si;
	SETIOV(&si, &m, sizeof(m));
	return MsgSendvs(coid, &si, 1, rep, sizeof(*rep));
}
static int s_sendvsnc(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si;
	SETIOV(&si, &m, sizeof(m));
	return MsgSendvsnc(coid, &si, 1, rep, sizeof(*rep));
}
/* the _r forms, normalised to -1/errno */
static int r_norm(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}
static int s_send_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	return r_norm(MsgSend_r(coid, &m, sizeof(m), rep, sizeof(*rep)));
}
static int s_sendnc_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	return r_norm(MsgSendnc_r(coid, &m, sizeof(m), rep, sizeof(*rep)));
}
static int s_sendv_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si, ri;
	SETIOV(&si, &m, sizeof(m));
	SETIOV(&ri, rep, sizeof(*rep));
	return r_norm(MsgSendv_r(coid, &si, 1, &ri, 1));
}
static int s_sendvnc_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si, ri;
	SETIOV(&si, &m, sizeof(m));
	SETIOV(&ri, rep, sizeof(*rep));
	return r_norm(MsgSendvnc_r(coid, &si, 1, &ri, 1));
}
static int s_sendsv_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t ri;
	SETIOV(&ri, rep, sizeof(*rep));
	return r_norm(MsgSendsv_r(coid, &m, sizeof(m), &ri, 1));
}
static int s_sendsvnc_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t ri;
	SETIOV(&ri, rep, sizeof(*rep));
	return r_norm(MsgSendsvnc_r(coid, &m, sizeof(m), &ri, 1));
}
static int s_sendvs_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si;
	SETIOV(&si, &m, sizeof(m));
	return r_norm(MsgSendvs_r(coid, &si, 1, rep, sizeof(*rep)));
}
static int s_sendvsnc_r(int coid, struct trep *rep)
{
	struct tmsg m = {TMSG_TYPE, OP_PING, 0};
	iov_t si;
	SETIOV(&si, &m, sizeof(m));
	return r_norm(MsgSendvsnc_r(coid, &si, 1, rep, sizeof(*rep)));
}

static const sendfn variants[] = {
	s_send,	    s_sendnc,	  s_sendv,    s_sendvnc,
	s_sendsv,   s_sendsvnc,	  s_sendvs,   s_sendvsnc,
	s_send_r,   s_sendnc_r,	  s_sendv_r,  s_sendvnc_r,
	s_sendsv_r, s_sendsvnc_r, s_sendvs_r, s_sendvsnc_r,
};
#define NVARIANTS (int)(sizeof(variants) / sizeof(variants[0]))

/* Every MsgSend variant and _r form, on an fd-space and a side-channel
 * coid, recovers from a server that was killed and restarted. */
START_TEST(test_every_variant_recovers)
{
	unsigned index = _i ? _NTO_SIDE_CHANNEL : 0;
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	int coid, v;

	coid = setup_conn(&s, &c, index);
	for (v = 0; v < NVARIANTS; v++) {
		restart(&s, &c, coid);
		memset(&rep, 0, sizeof(rep));
		ck_assert_msg(variants[v](coid, &rep) == 0,
			      "variant %d: errno %d", v, errno);
		ck_assert_int_eq(rep.pid, s.pid);
		ck_assert_int_eq(rep.n, 1);
		ck_assert_int_eq(c.calls, v + 1);
		ck_assert_int_eq(c.last_coid, coid); /* same number */
	}
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), NVARIANTS);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

struct held_send {
	int coid;
	int op;
	int rc, err;
};

static void *held_send_thread(void *arg)
{
	struct held_send *h = arg;
	struct tmsg m = {TMSG_TYPE, (uint16_t)h->op, 1};
	struct trep rep;

	h->rc = MsgSend(h->coid, &m, sizeof(m), &rep, sizeof(rep));
	h->err = errno;
	return NULL;
}

/* A recovery that gives up hands the caller the original error: ESRCH for
 * a sender blocked when the server died, EBADF for a later send, even
 * though the recovery function changed errno. */
START_TEST(test_original_errno)
{
	struct rctx c = {.mode = R_FAIL};
	struct held_send h;
	struct srv s;
	struct trep rep;
	pthread_t t;

	h.coid = setup_conn(&s, &c, _NTO_SIDE_CHANNEL);
	h.op = OP_HOLD;
	ck_assert_int_eq(pthread_create(&t, NULL, held_send_thread, &h), 0);
	ck_assert_int_eq(nto_test_take(s.ch.rd, W), 1); /* received */
	nto_test_kill(&s.ch);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(h.rc, -1);
	ck_assert_int_eq(h.err, ESRCH);
	ck_assert_int_eq(c.calls, 1);
	NTO_ASSERT_FAILS(ping(h.coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 2);
	{
		struct tmsg m = {TMSG_TYPE, OP_PING, 0};
		ck_assert_int_eq(
			MsgSend_r(h.coid, &m, sizeof(m), &rep, sizeof(rep)),
			-EBADF);
	}
	ck_assert_int_eq(c.calls, 3);

	/* a recovery function returning another number gives up too */
	c.mode = R_OTHER;
	NTO_ASSERT_FAILS(ping(h.coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 4);
	ck_assert_int_eq(ha_ConnectDetach(h.coid), 0);
}
END_TEST

/* Errors a live server answers itself (MsgError EBADF or ESRCH) are the
 * server's answer, not a death: no recovery. */
START_TEST(test_server_errors_pass)
{
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	struct tmsg m = {TMSG_TYPE, OP_ERROR, EBADF};
	int coid = setup_conn(&s, &c, 0);

	NTO_ASSERT_FAILS(MsgSend(coid, &m, sizeof(m), &rep, sizeof(rep)),
			 EBADF);
	m.arg = ESRCH;
	NTO_ASSERT_FAILS(MsgSend(coid, &m, sizeof(m), &rep, sizeof(rep)),
			 ESRCH);
	m.arg = ENXIO;
	NTO_ASSERT_FAILS(MsgSend(coid, &m, sizeof(m), &rep, sizeof(rep)),
			 ENXIO);
	ck_assert_int_eq(c.calls, 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ACOUNT: total recoveries ever; 0 disables; RESET_ACOUNT starts over. */
START_TEST(test_acount)
{
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	int coid = setup_conn(&s, &c, 0);

	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ACOUNT,
					    (void *)(intptr_t)2),
			 0);
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 2);
	restart(&s, &c, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF); /* limit reached */
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_RESET_ACOUNT, NULL), 0);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(c.calls, 3);

	/* 0: no recovery at all; negative: unlimited again */
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_ACOUNT, (void *)0), 0);
	restart(&s, &c, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ACOUNT,
					    (void *)(intptr_t)-1),
			 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(c.calls, 4);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 2);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ICOUNT: iterations for one failure. A recovery function that returns
 * the coid without fixing it is retried until the limit; the counter stays
 * exhausted until RESET_ICOUNT or a success; successes reset it. */
START_TEST(test_icount)
{
	struct rctx c = {.mode = R_NOFIX};
	struct srv s;
	struct trep rep;
	int coid = setup_conn(&s, &c, _NTO_SIDE_CHANNEL);

	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)3),
			 0);
	srv_kill(&s, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ICOUNT), 3);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 3);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF); /* still exhausted */
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_RESET_ICOUNT, NULL), 0);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ICOUNT), 0);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 6);

	/* with a real fix, the iterations of one failure end in success */
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_RESET_ICOUNT, NULL), 0);
	srv_start(&s, NULL);
	c.pid = s.pid;
	c.chid = s.chid;
	c.mode = R_RECONNECT;
	c.calls = 0;
	c.nofix_first = 2; /* two useless iterations, then the fix */
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ICOUNT), 0);

	/* ICOUNT 1: every separate failure gets its one iteration */
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)1),
			 0);
	c.nofix_first = 0;
	c.calls = 0;
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 11);
	ck_assert_int_eq(
		ha_connection_ctrl(coid, HA_RECOVERY_RESET_ACOUNT, NULL), 0);

	/* unlimited (negative, the default): ten useless iterations, then
	 * the fix, all for one failure */
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)-5),
			 0);
	c.calls = 0;
	c.nofix_first = 10;
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(c.calls, 11);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)1),
			 0);

	/* ICOUNT 1 and a first iteration that does not fix: one call only */
	c.calls = 0;
	c.nofix_first = 1;
	restart(&s, &c, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* SUSPEND turns recovery off without touching limits or counters; ENABLE
 * turns it back on. */
START_TEST(test_suspend_enable)
{
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	int coid = setup_conn(&s, &c, 0);

	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)5),
			 0);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_SUSPEND, NULL),
			 0);
	restart(&s, &c, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 1);
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ENABLE, NULL), 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 2);
	/* ENABLE on an enabled connection is harmless */
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_ENABLE, NULL), 0);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* Sends a recovery function makes on the connection it is recovering
 * fail plainly instead of recursing into recovery. */
START_TEST(test_no_recursion)
{
	struct rctx c = {.mode = R_SEND};
	struct srv s;
	struct trep rep;
	int coid = setup_conn(&s, &c, 0);

	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.inner_rc, -1);
	ck_assert_int_eq(c.inner_errno, EBADF);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ha_ReConnectAttach gives the recovered connection its old number, in
 * fd space and on the side channel, even with lower numbers free. */
START_TEST(test_reconnect_same_number)
{
	struct rctx c = {0};
	struct srv s;
	struct trep rep;
	int holes[3], coid, i, again;

	srv_start(&s, NULL);
	c.pid = s.pid;
	c.chid = s.chid;
	/* side channel: three lower ids, freed after our coid got its id */
	for (i = 0; i < 3; i++) {
		holes[i] =
			ConnectAttach(0, s.pid, s.chid, _NTO_SIDE_CHANNEL, 0);
		ck_assert_int_ge(holes[i], 0);
	}
	coid = ha_ConnectAttach(0, s.pid, s.chid, _NTO_SIDE_CHANNEL, 0, rfn, &c,
				0);
	ck_assert_int_gt(coid, holes[2]);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ConnectDetach(holes[i]), 0);
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.last_coid, coid);
	/* the held holes were let go again: the lowest is free */
	again = ConnectAttach(0, s.pid, s.chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(again, holes[0]);
	ck_assert_int_eq(ConnectDetach(again), 0);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);

	/* fd space: a number above a free one */
	coid = ha_ConnectAttach(0, s.pid, s.chid, 40, 0, rfn, &c, 0);
	ck_assert_int_ge(coid, 40);
	restart(&s, &c, coid);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(c.last_coid, coid);
	ck_assert_int_eq(c.calls, 2);

	/* a dead target: oldcoid is kept (dead), and can recover later */
	c.chid = s.chid + 99;
	srv_kill(&s, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(c.rc_errno, ESRCH);
	srv_start(&s, NULL);
	c.pid = s.pid;
	c.chid = s.chid;
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* When something else takes the number in the instant it is free,
 * ha_ReConnectAttach fails with EBUSY and the caller gets the original
 * error; the number is no longer HA-aware. */
START_TEST(test_reconnect_ebusy)
{
	unsigned index = _i ? _NTO_SIDE_CHANNEL : 0;
	struct rctx c = {.mode = R_STEAL};
	struct srv s;
	struct trep rep;
	int coid = setup_conn(&s, &c, index);

	restart(&s, &c, coid);
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.stolen, coid);
	ck_assert_int_eq(c.rc_errno, EBUSY);
	NTO_ASSERT_FAILS(ha_detach(coid), EBADF);
	if (!index)
		ck_assert_int_eq(close(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- at most once ---- */

/* With HA_RECOVERY_AT_MOST_ONCE, a request the dead server had received
 * is not re-sent (HA_ENOTRESENT) but the connection is recovered; one it
 * had not received (b: queued behind a, or sent after the death) is
 * re-sent. Without the policy both are re-sent: a reaches the new server
 * a second time. */
START_TEST(test_at_most_once)
{
	int amo = _i;
	struct rctx c = {.wait_new = 1};
	struct held_send a, b;
	struct srv s;
	struct trep rep;
	pthread_t ta, tb;
	int coid = setup_conn(&s, &c, _NTO_SIDE_CHANNEL);

	if (amo)
		ck_assert_int_eq(ha_connection_ctrl(coid,
						    HA_RECOVERY_AT_MOST_ONCE,
						    (void *)1),
				 0);
	/* a is received and held (the one server thread waits for us) */
	a.coid = b.coid = coid;
	a.op = OP_HOLD;
	b.op = OP_PING;
	ck_assert_int_eq(pthread_create(&ta, NULL, held_send_thread, &a), 0);
	ck_assert_int_eq(nto_test_take(s.ch.rd, W), 1);
	ck_assert_int_eq(pthread_create(&tb, NULL, held_send_thread, &b), 0);
	nto_test_kill(&s.ch);
	srv_start(&s, NULL);
	ctx_set(&c, s.pid, s.chid);
	if (!amo) {
		/* a arrives at the new server: the re-send happened */
		ck_assert_int_eq(nto_test_take(s.ch.rd, W), 1);
		ck_assert_int_eq(nto_test_put(s.ch.wr, 1), 0);
	}
	ck_assert_int_eq(pthread_join(ta, NULL), 0);
	ck_assert_int_eq(pthread_join(tb, NULL), 0);
	ck_assert_msg(b.rc == 0, "b: errno %d", b.err);
	if (amo) {
		ck_assert_int_eq(a.rc, -1);
		ck_assert_int_eq(a.err, HA_ENOTRESENT);
	} else {
		ck_assert_int_eq(a.rc, 0);
	}
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(ping(coid, &rep), 0); /* usable afterwards */
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- names ---- */

static int name_rfn_wrap(int coid, void *h)
{
	struct rctx *c = h;

	atomic_fetch_add(&c->calls, 1);
	c->last_coid = coid;
	return ha_name_reopen(coid, "hatest", 0);
}

/* ha_name_open's own recovery (rfn NULL) re-opens the name onto the same
 * side-channel number; without a wait it fails at once with the server
 * gone, with HA_RECOVERY_WAIT_MS it waits for the server to come back. */
START_TEST(test_name_open)
{
	struct srv s;
	struct trep rep;
	struct rctx c = {0};
	uint64_t t0, ms;
	int coid, coid2, hole;

	NTO_ASSERT_FAILS(ha_name_open(NULL, 0, NULL, NULL, 0), EINVAL);
	NTO_ASSERT_FAILS(ha_name_open("hatest", 0, NULL, NULL, 0), ENOENT);
	srv_start(&s, "hatest");
	NTO_ASSERT_FAILS(ha_name_open("hatest", 0, NULL, NULL, 8), EINVAL);
	hole = name_open("hatest", 0);
	ck_assert_int_ge(hole, _NTO_SIDE_CHANNEL);
	coid = ha_name_open("hatest", 0, NULL, NULL, 0);
	ck_assert_int_gt(coid, hole);
	ck_assert_int_eq(name_close(hole), 0);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);

	/* the server comes back before the next send */
	srv_kill(&s, coid);
	srv_start(&s, "hatest");
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 1);

	/* no server, no wait: fails at once with the original error, and
	 * the coid stays allocated for a later recovery */
	srv_kill(&s, coid);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ck_assert_int_eq(get_count(coid, HA_RECOVERY_GET_ACOUNT), 2);
	/* a bounded wait that expires */
	ck_assert_int_eq(ha_connection_ctrl(coid, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)300),
			 0);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(ping(coid, &rep), EBADF);
	ms = (nto_test_now_ns() - t0) / 1000000u;
	ck_assert_msg(ms >= 250 && ms < (uint64_t)W, "waited %llu ms",
		      (unsigned long long)ms);
	srv_start(&s, "hatest");
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);

	/* a custom function using ha_name_reopen, sharing nothing */
	coid2 = ha_name_open("hatest", 0, name_rfn_wrap, &c, 0);
	ck_assert_int_ge(coid2, _NTO_SIDE_CHANNEL);
	srv_kill(&s, coid);
	srv_start(&s, "hatest");
	ck_assert_int_eq(ping(coid2, &rep), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.last_coid, coid2);
	ck_assert_int_eq(ping(coid, &rep), 0);
	ck_assert_int_eq(rep.pid, s.pid);
	NTO_ASSERT_FAILS(ha_name_reopen(-1, "hatest", 0), EBADF);
	NTO_ASSERT_FAILS(ha_name_reopen(coid, "", 0), EINVAL);
	NTO_ASSERT_FAILS(ha_name_reopen(coid, "/abs", 0), EINVAL);
	{
		char big[5000];

		memset(big, 'n', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		NTO_ASSERT_FAILS(ha_name_reopen(coid, big, 0), ENAMETOOLONG);
	}
	ck_assert_int_eq(ha_ConnectDetach(coid), 0);
	ck_assert_int_eq(ha_ConnectDetach(coid2), 0);
	nto_test_kill(&s.ch);
}
END_TEST

struct waiter {
	int coid;
	int rc, err;
	int started; /* pipe: the send is about to start */
};

static void *wait_send_thread(void *arg)
{
	struct waiter *w = arg;
	struct trep rep;

	nto_test_put(w->started, 1);
	w->rc = ping(w->coid, &rep);
	w->err = errno;
	return NULL;
}

/* With an unbounded wait, a send on a dead name connection blocks in its
 * recovery until the server registers the name again, then succeeds. */
START_TEST(test_name_wait_forever)
{
	struct srv s;
	struct waiter w;
	pthread_t t;
	int p[2];

	srv_start(&s, "hatest");
	w.coid = ha_name_open("hatest", 0, NULL, NULL, 0);
	ck_assert_int_ge(w.coid, 0);
	ck_assert_int_eq(ha_connection_ctrl(w.coid, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)-1),
			 0);
	srv_kill(&s, w.coid);
	ck_assert_int_eq(pipe(p), 0);
	w.started = p[1];
	ck_assert_int_eq(pthread_create(&t, NULL, wait_send_thread, &w), 0);
	ck_assert_int_eq(nto_test_take(p[0], W), 1);
	nto_test_quiet(p[0], 100); /* still waiting: no result yet */
	srv_start(&s, "hatest");
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(w.rc, 0);
	ck_assert_int_eq(get_count(w.coid, HA_RECOVERY_GET_ACOUNT), 1);
	ck_assert_int_eq(ha_ConnectDetach(w.coid), 0);
	close(p[0]);
	close(p[1]);
	nto_test_kill(&s.ch);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha_conn");
	TCase *tc = nto_test_tcase("core");

	tcase_add_test(tc, test_attach_errors);
	tcase_add_loop_test(tc, test_every_variant_recovers, 0, 2);
	tcase_add_test(tc, test_original_errno);
	tcase_add_test(tc, test_server_errors_pass);
	tcase_add_test(tc, test_acount);
	tcase_add_test(tc, test_icount);
	tcase_add_test(tc, test_suspend_enable);
	tcase_add_test(tc, test_no_recursion);
	tcase_add_test(tc, test_reconnect_same_number);
	tcase_add_loop_test(tc, test_reconnect_ebusy, 0, 2);
	tcase_add_loop_test(tc, test_at_most_once, 0, 2);
	tcase_add_test(tc, test_name_open);
	tcase_add_test(tc, test_name_wait_forever);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
