/*
 * ConnectAttach / ConnectDetach / ConnectServerInfo: fd-space and side-channel
 * coid numbering, nd/pid/chid/flags errors, connection sharing (one scoid per
 * client process and channel, unless _NTO_COF_NOSHARE), and the _r forms.
 * Dead connections (server killed) are covered in check_death.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/netmgr.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

/* The fd number dup-style allocation would give now (lowest free >= min). */
static int lowest_free_fd(int min)
{
	int fd = fcntl(0, F_DUPFD, min);

	ck_assert_int_ge(fd, min);
	close(fd);
	return fd;
}

START_TEST(test_attach_self_local)
{
	struct _server_info info;
	int chid = ChannelCreate(0);
	int a, b;

	ck_assert_int_ge(chid, 1);
	a = ConnectAttach(ND_LOCAL_NODE, 0, chid, 0, 0); /* pid 0: self */
	ck_assert_int_ge(a, 0);
	b = ConnectAttach(0, getpid(), chid, 0, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_ne(a, b);
	memset(&info, 0xa5, sizeof info);
	ck_assert_int_eq(ConnectServerInfo(0, a, &info), a);
	ck_assert_int_eq(info.nd, 0);
	ck_assert_int_eq(info.pid, getpid());
	ck_assert_int_eq(info.chid, chid);
	ck_assert_int_eq(info.coid, a);
	ck_assert_int_ne(info.scoid & _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(info.flags & _NTO_COF_DEAD, 0);
	ck_assert_int_eq(ConnectDetach(a), 0);
	ck_assert_int_eq(ConnectDetach(b), 0);
}
END_TEST

/* fd-space coids are real fd numbers: the lowest free >= index, held so
 * that open() never returns them, and released by ConnectDetach. */
START_TEST(test_fd_space_numbering)
{
	struct rlimit rl;
	int chid = ChannelCreate(0);
	int want, coid, coid2, fd, hole;

	ck_assert_int_ge(chid, 1);
	want = lowest_free_fd(0);
	coid = ConnectAttach(0, 0, chid, 0, 0);
	ck_assert_int_eq(coid, want);
	ck_assert_int_ne(fcntl(coid, F_GETFD), -1); /* a real, open fd */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fd, coid);
	close(fd);

	/* index: the lowest free fd >= index. */
	want = lowest_free_fd(100);
	coid2 = ConnectAttach(0, 0, chid, 100, 0);
	ck_assert_int_eq(coid2, want);
	hole = lowest_free_fd(200);
	ck_assert_int_eq(dup2(0, hole), hole); /* occupy the first candidate */
	want = lowest_free_fd(hole);
	ck_assert_int_eq(ConnectAttach(0, 0, chid, (unsigned)hole, 0), want);
	ck_assert_int_eq(ConnectDetach(want), 0);
	close(hole);

	/* index >= RLIMIT_NOFILE: EINVAL. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, chid, (unsigned)rl.rlim_cur, 0),
			 EINVAL);

	/* Detach frees the number. */
	ck_assert_int_eq(ConnectDetach(coid), 0);
	NTO_ASSERT_FAILS(fcntl(coid, F_GETFD), EBADF);
	ck_assert_int_eq(lowest_free_fd(0), coid);
	ck_assert_int_eq(ConnectDetach(coid2), 0);
}
END_TEST

START_TEST(test_side_channel)
{
	int chid = ChannelCreate(0);
	int a, b;
	struct _pulse p;

	ck_assert_int_ge(chid, 1);
	a = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(a & _NTO_SIDE_CHANNEL, _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(a & ~_NTO_SIDE_CHANNEL, 1);
	/* Other index bits are ignored with _NTO_SIDE_CHANNEL. */
	b = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL | 7, 0);
	ck_assert_int_eq(b & _NTO_SIDE_CHANNEL, _NTO_SIDE_CHANNEL);
	ck_assert_int_ne(a, b);
	NTO_ASSERT_FAILS(fcntl(a, F_GETFD), EBADF); /* not an fd */
	ck_assert_int_eq(MsgSendPulse(b, 10, 1, 2), 0);
	ck_assert_int_eq(MsgReceive(chid, &p, sizeof p, NULL), 0);
	ck_assert_int_eq(p.code, 1);
	ck_assert_int_eq(ConnectDetach(a), 0);
	ck_assert_int_eq(ConnectDetach(b), 0);
}
END_TEST

START_TEST(test_attach_esrch)
{
	struct nto_test_child srv;
	int chid = ChannelCreate(0);

	ck_assert_int_ge(chid, 1);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, chid + 50, 0, 0), ESRCH);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, 0, 0, 0), ESRCH);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0x3ffffff0, chid, 0, 0), ESRCH);
	/* A live process that never registered with ipcd. */
	NTO_ASSERT_FAILS(ConnectAttach(0, 1, 1, 0, 0), ESRCH);
	/* A live server without that chid. */
	nto_test_actor(&srv);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_CHANNEL, 0), 1);
	NTO_ASSERT_FAILS(ConnectAttach(0, srv.pid, 2, 0, 0), ESRCH);
	ck_assert_int_eq(ConnectAttach_r(0, srv.pid, 2, 0, 0), -ESRCH);
	nto_test_actor_exit(&srv);
}
END_TEST

START_TEST(test_attach_einval_enoremote)
{
	int chid = ChannelCreate(0);

	ck_assert_int_ge(chid, 1);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, chid, 0, 0x4), EINVAL);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, chid, 0, 0x8000), EINVAL);
	NTO_ASSERT_FAILS(ConnectAttach(0, 0, chid, 0, 0x10000000), EINVAL);
	ck_assert_int_eq(ConnectAttach_r(0, 0, chid, 0, 0x4), -EINVAL);
	/* ntosim is one node: any nd other than ND_LOCAL_NODE (netmgr.h). */
	NTO_ASSERT_FAILS(ConnectAttach(1, 0, chid, 0, 0), ENOREMOTE);
	NTO_ASSERT_FAILS(ConnectAttach(0xffffffffu, 0, chid, 0, 0), ENOREMOTE);
	ck_assert_int_eq(ConnectAttach_r(7, 0, chid, 0, 0), -ENOREMOTE);
}
END_TEST

START_TEST(test_attach_r)
{
	int chid = ChannelCreate(0), coid;

	ck_assert_int_ge(chid, 1);
	errno = 4242;
	coid = ConnectAttach_r(0, 0, chid, 0, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(ConnectAttach_r(0, 0, 999, 0, 0), -ESRCH);
	ck_assert_int_eq(ConnectDetach_r(coid), EOK);
	ck_assert_int_eq(ConnectDetach_r(coid), EINVAL);
	ck_assert_int_eq(errno, 4242);
}
END_TEST

/* Server side of the sharing test: reply to each message with its
 * _msg_info; exit on a pulse. */
static int info_server(const struct nto_test_link *l, void *arg)
{
	int chid = ChannelCreate(0);
	struct _msg_info info;
	char buf[64];

	(void)arg;
	NTO_CHILD_ASSERT(chid >= 1);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, chid) == 0);
	for (;;) {
		int rcvid = MsgReceive(chid, buf, sizeof buf, &info);
		NTO_CHILD_ASSERT(rcvid >= 0);
		if (rcvid == 0)
			return 0;
		NTO_CHILD_ASSERT(MsgReply(rcvid, 0, &info, sizeof info) == 0);
	}
}

static struct _msg_info ask_info(int coid)
{
	struct _msg_info info;

	memset(&info, 0, sizeof info);
	ck_assert_int_eq(MsgSend(coid, "?", 2, &info, sizeof info), 0);
	return info;
}

START_TEST(test_sharing_scoid)
{
	struct nto_test_child srv;
	struct nto_test_counts base, now;
	struct _msg_info i1, i2, i3, i4;
	struct _server_info si;
	int chid, c1, c2, c3, c4;

	nto_test_fork(&srv, info_server, NULL);
	chid = (int)nto_test_take(srv.rd, W);
	ck_assert_int_ge(ChannelCreate(0), 1); /* register us for pidin */
	nto_test_counts(&base);

	c1 = ConnectAttach(0, srv.pid, chid, 0, 0);
	c2 = ConnectAttach(0, srv.pid, chid, 0, 0);
	c3 = ConnectAttach(0, srv.pid, chid, 0, _NTO_COF_NOSHARE);
	c4 = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert(c1 >= 0 && c2 >= 0 && c3 >= 0 && c4 >= 0);
	i1 = ask_info(c1);
	i2 = ask_info(c2);
	i3 = ask_info(c3);
	i4 = ask_info(c4);

	/* Shared: one scoid for every coid of ours to that channel... */
	ck_assert_int_eq(i1.scoid, i2.scoid);
	ck_assert_int_eq(i1.scoid, i4.scoid);
	ck_assert_int_ne(i1.scoid & _NTO_SIDE_CHANNEL, 0);
	/* ...but the server sees which coid each message used. */
	ck_assert_int_eq(i1.coid, c1);
	ck_assert_int_eq(i2.coid, c2);
	ck_assert_int_eq(i4.coid, c4);
	ck_assert_int_eq(i1.pid, getpid());
	ck_assert_int_eq(i1.chid, chid);
	/* NOSHARE: a connection (and scoid) of its own. */
	ck_assert_int_ne(i3.scoid, i1.scoid);
	ck_assert_int_eq(i3.coid, c3);

	ck_assert_int_eq(ConnectServerInfo(0, c2, &si), c2);
	ck_assert_int_eq(si.scoid, i1.scoid);
	ck_assert_int_eq(si.pid, srv.pid);
	ck_assert_int_eq(si.chid, chid);
	ck_assert_int_eq(ConnectServerInfo(0, c3, &si), c3);
	ck_assert_int_eq(si.scoid, i3.scoid);

	nto_test_counts(&now);
	ck_assert_int_eq(now.coids, base.coids + 4);
	ck_assert_int_eq(now.connections, base.connections + 2);

	/* Detaching one sharer leaves the connection to the others. */
	ck_assert_int_eq(ConnectDetach(c1), 0);
	i2 = ask_info(c2);
	ck_assert_int_eq(i2.scoid, i1.scoid);
	ck_assert_int_eq(ConnectDetach(c2), 0);
	ck_assert_int_eq(ConnectDetach(c3), 0);
	ck_assert_int_eq(MsgSendPulse(c4, 10, 1, 0), 0); /* server exits */
	nto_test_wait_ok(&srv, W);
	ck_assert_int_eq(ConnectDetach(c4), 0);
	ck_assert_int_eq(nto_test_wait_gone(srv.pid, W), 0);
	base.procs--; /* the server is gone */
	base.channels--;
	nto_test_counts_wait(&base, W);
}
END_TEST

/* Our mappings of connection regions (/proc/self/maps); the first one's
 * start in *first. */
static int conn_mappings(char **first)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "memfd:ntosim-conn")) {
			if (n++ == 0 && first) {
				unsigned long a = strtoul(line, NULL, 16);

				*first = (char *)a;
			}
		}
	fclose(f);
	return n;
}

/*
 * A detached connection that holds nothing leaves its region as the
 * client's spare, and the next connection to that channel gets it back
 * from ipcd: no new mapping in the client, before or after the server has
 * used it. Whatever the client scribbled into the spare meanwhile, the new
 * connection starts clean: a working connection with its own scoid,
 * reported right.
 */
START_TEST(test_spare_region)
{
	struct nto_test_child srv;
	struct nto_test_counts base, now;
	struct _msg_info i1, i2;
	struct _server_info si;
	char *reg = NULL;
	int chid, c, n0;

	nto_test_fork(&srv, info_server, NULL);
	chid = (int)nto_test_take(srv.rd, W);
	ck_assert_int_ge(ChannelCreate(0), 1); /* register us for pidin */
	nto_test_counts(&base);
	n0 = conn_mappings(NULL);

	c = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(conn_mappings(NULL), n0 + 1);
	ck_assert_int_eq(ConnectDetach(c), 0);
	/* kept, and scribbled: header, slot and pulse tables */
	ck_assert_int_eq(conn_mappings(&reg), n0 + 1);
	ck_assert_ptr_nonnull(reg);
	memset(reg, 0xa5, 16384);

	c = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(conn_mappings(NULL), n0 + 1); /* handed back */
	i1 = ask_info(c);
	ck_assert_int_eq(i1.pid, getpid());
	ck_assert_int_eq(i1.chid, chid);
	ck_assert_int_eq(i1.coid, c);
	ck_assert_int_ne(i1.scoid & _NTO_SIDE_CHANNEL, 0);
	nto_test_counts(&now);
	ck_assert_int_eq(now.connections, base.connections + 1);
	ck_assert_int_eq(now.coids, base.coids + 1);
	/* the server mapped this one and may still hold that mapping when
	 * the region comes back: the next message is still seen as the new
	 * connection's (its scoid, as ConnectServerInfo reports it) */
	ck_assert_int_eq(ConnectDetach(c), 0);
	c = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(conn_mappings(NULL), n0 + 1);
	i2 = ask_info(c);
	ck_assert_int_eq(i2.coid, c);
	ck_assert_int_eq(i2.pid, getpid());
	ck_assert_int_eq(ConnectServerInfo(0, c, &si), c);
	ck_assert_int_eq(si.scoid, i2.scoid);
	ck_assert_int_eq(ConnectDetach(c), 0);

	ck_assert_int_eq(ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0),
			 c);
	ck_assert_int_eq(MsgSendPulse(c, 10, 1, 0), 0); /* server exits */
	nto_test_wait_ok(&srv, W);
	ck_assert_int_eq(ConnectDetach(c), 0);
	ck_assert_int_eq(nto_test_wait_gone(srv.pid, W), 0);
	base.procs--; /* the server is gone */
	base.channels--;
	nto_test_counts_wait(&base, W);
}
END_TEST

/* ConnectServerInfo returns the first connection >= coid: fd space first,
 * then side channels. */
START_TEST(test_server_info_scan)
{
	struct _server_info si;
	int chid = ChannelCreate(_NTO_CHF_DISCONNECT);
	int lo, hi, side;

	ck_assert_int_ge(chid, 1);
	lo = ConnectAttach(0, 0, chid, 0, 0);
	hi = ConnectAttach(0, 0, chid, 300, 0);
	side = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, _NTO_COF_CLOEXEC);
	ck_assert(lo >= 0 && hi >= 300 && side > 0);
	ck_assert_int_eq(ConnectServerInfo(0, lo, &si), lo);
	ck_assert_int_eq(si.flags & _NTO_COF_CLOEXEC, 0);
	ck_assert_int_eq(ConnectServerInfo(0, lo + 1, &si), hi);
	ck_assert_int_eq(si.chid, chid);
	ck_assert_int_eq(si.pid, getpid());
	ck_assert_int_eq(ConnectServerInfo(getpid(), hi + 1, &si), side);
	ck_assert_int_ne(si.flags & _NTO_COF_CLOEXEC, 0);
	ck_assert_int_eq(ConnectServerInfo(0, side, &si), side);
	ck_assert_int_eq(ConnectServerInfo(0, side + 1, &si), -1);
	ck_assert_int_lt(ConnectServerInfo_r(0, side + 1, &si), 0);
	ck_assert_int_eq(ConnectDetach(lo), 0);
	ck_assert_int_eq(ConnectDetach(hi), 0);
	ck_assert_int_eq(ConnectDetach(side), 0);
}
END_TEST

START_TEST(test_detach_einval)
{
	int p[2];
	int chid = ChannelCreate(0), coid;

	ck_assert_int_ge(chid, 1);
	NTO_ASSERT_FAILS(ConnectDetach(12345), EINVAL);
	NTO_ASSERT_FAILS(ConnectDetach(-1), EINVAL);
	NTO_ASSERT_FAILS(ConnectDetach(_NTO_SIDE_CHANNEL | 999), EINVAL);
	ck_assert_int_eq(ConnectDetach_r(12345), EINVAL);
	/* A real fd that is not a connection is left alone. */
	ck_assert_int_eq(pipe(p), 0);
	NTO_ASSERT_FAILS(ConnectDetach(p[0]), EINVAL);
	ck_assert_int_ne(fcntl(p[0], F_GETFD), -1);
	close(p[0]);
	close(p[1]);
	/* Twice. */
	coid = ConnectAttach(0, 0, chid, 0, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(ConnectDetach(coid), 0);
	NTO_ASSERT_FAILS(ConnectDetach(coid), EINVAL);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(ConnectDetach_r(coid), EOK);
	ck_assert_int_eq(ConnectDetach_r(coid), EINVAL);
}
END_TEST

START_TEST(test_send_bad_coid)
{
	int p[2];
	int chid = ChannelCreate(0), coid;

	ck_assert_int_ge(chid, 1);
	NTO_ASSERT_FAILS(MsgSend(12345, "x", 1, NULL, 0), EBADF);
	NTO_ASSERT_FAILS(MsgSend(_NTO_SIDE_CHANNEL | 77, "x", 1, NULL, 0),
			 EBADF);
	NTO_ASSERT_FAILS(MsgSendPulse(12345, 10, 1, 1), EBADF);
	ck_assert_int_eq(MsgSend_r(12345, "x", 1, NULL, 0), -EBADF);
	ck_assert_int_eq(MsgSendPulse_r(12345, 10, 1, 1), EBADF);
	ck_assert_int_eq(pipe(p), 0);
	NTO_ASSERT_FAILS(MsgSend(p[1], "x", 1, NULL, 0), EBADF);
	close(p[0]);
	close(p[1]);
	coid = ConnectAttach(0, 0, chid, 0, 0);
	ck_assert_int_eq(ConnectDetach(coid), 0);
	NTO_ASSERT_FAILS(MsgSend(coid, "x", 1, NULL, 0), EBADF);
	NTO_ASSERT_FAILS(MsgSendPulse(coid, 10, 1, 1), EBADF);
}
END_TEST

/* A forked child does not inherit its parent's connections' identity: it
 * registers on its own, and its sends carry its own pid. */
static int fork_client(const struct nto_test_link *l, void *arg)
{
	int64_t chid;
	struct _msg_info info;
	int coid;

	(void)arg;
	NTO_CHILD_ASSERT(nto_test_get(l->rd, &chid, W) == 0);
	coid = ConnectAttach(0, getppid(), (int)chid, 0, 0);
	NTO_CHILD_ASSERT(coid >= 0);
	NTO_CHILD_ASSERT_INT(MsgSend(coid, "?", 2, &info, sizeof info), ==, 0);
	NTO_CHILD_ASSERT_INT(info.pid, ==, getpid());
	return 0;
}

START_TEST(test_child_registers_itself)
{
	struct nto_test_child c;
	struct _msg_info info;
	char buf[8];
	int chid = ChannelCreate(0), rcvid;

	ck_assert_int_ge(chid, 1);
	nto_test_fork(&c, fork_client, NULL);
	nto_test_put(c.wr, chid);
	rcvid = MsgReceive(chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(info.pid, c.pid);
	ck_assert_int_eq(MsgReply(rcvid, 0, &info, sizeof info), 0);
	nto_test_wait_ok(&c, W);
}
END_TEST

/* ConnectDetach by a sibling thread: a thread SEND-blocked (or REPLY-blocked
 * without _NTO_CHF_UNBLOCK) on that coid leaves with EBADF; with the flag
 * the server gets an UNBLOCK pulse and the thread waits for the reply. */
struct blocked_send {
	pthread_t t;
	int coid, r, err;
	pid_t tid;
};

static void *blocked_send_main(void *p)
{
	struct blocked_send *b = p;

	b->tid = (pid_t)syscall(SYS_gettid);
	b->r = MsgSend(b->coid, "d", 2, NULL, 0);
	b->err = errno;
	return NULL;
}

static void detach_under(struct blocked_send *b, const char *state)
{
	struct timespec ts;

	ck_assert_int_eq(nto_test_wait_state(getpid(), 0, state, W), 0);
	ck_assert_int_eq(ConnectDetach(b->coid), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	ck_assert_int_eq(pthread_timedjoin_np(b->t, NULL, &ts), 0);
}

START_TEST(test_detach_unblocks_siblings)
{
	struct nto_test_child srv;
	struct blocked_send b;
	int chid;

	ck_assert_int_ge(ChannelCreate(0), 1); /* registers us */
	nto_test_actor(&srv);
	chid = (int)NTO_ACT(&srv, NTO_OP_CHANNEL, 0);

	/* SEND-blocked */
	b.coid = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(pthread_create(&b.t, NULL, blocked_send_main, &b), 0);
	detach_under(&b, "SEND");
	ck_assert_int_eq(b.r, -1);
	ck_assert_int_eq(b.err, EBADF);
	NTO_ACT(&srv, NTO_OP_TIMEOUT, _NTO_TIMEOUT_RECEIVE, 0, 1);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_RECEIVE, chid), -ETIMEDOUT);

	/* REPLY-blocked, no _NTO_CHF_UNBLOCK */
	b.coid = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	NTO_POST(&srv, NTO_OP_RECEIVE, chid);
	ck_assert_int_eq(pthread_create(&b.t, NULL, blocked_send_main, &b), 0);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	detach_under(&b, "REPLY");
	ck_assert_int_eq(b.r, -1);
	ck_assert_int_eq(b.err, EBADF);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_REPLY, 0, 0), -ESRCH);
	nto_test_actor_exit(&srv);
}
END_TEST

START_TEST(test_detach_sibling_unblock_channel)
{
	struct blocked_send b;
	struct _msg_info info;
	struct _pulse p;
	char buf[8];
	int chid = ChannelCreate(_NTO_CHF_UNBLOCK), rcvid;

	b.coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_eq(pthread_create(&b.t, NULL, blocked_send_main, &b), 0);
	rcvid = MsgReceive(chid, buf, sizeof buf, &info);
	ck_assert_int_gt(rcvid, 0);
	ck_assert_int_eq(ConnectDetach(b.coid), 0);
	ck_assert_int_eq(nto_test_receive(chid, &p, sizeof p, NULL, W), 0);
	ck_assert_int_eq(p.code, _PULSE_CODE_UNBLOCK);
	ck_assert_int_eq(p.value.sival_int, rcvid);
	/* Still waiting for the reply (pidin cannot show it: the coid is
	 * gone from ipcd's tables). */
	ck_assert_int_eq(pthread_tryjoin_np(b.t, NULL), EBUSY);
	ck_assert_int_eq(MsgReply(rcvid, 17, NULL, 0), 0);
	ck_assert_int_eq(pthread_join(b.t, NULL), 0);
	ck_assert_int_eq(b.r, 17);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("connect");
	TCase *tc = nto_test_tcase("connect");

	tcase_add_test(tc, test_attach_self_local);
	tcase_add_test(tc, test_fd_space_numbering);
	tcase_add_test(tc, test_side_channel);
	tcase_add_test(tc, test_attach_esrch);
	tcase_add_test(tc, test_attach_einval_enoremote);
	tcase_add_test(tc, test_attach_r);
	tcase_add_test(tc, test_sharing_scoid);
	tcase_add_test(tc, test_spare_region);
	tcase_add_test(tc, test_server_info_scan);
	tcase_add_test(tc, test_detach_einval);
	tcase_add_test(tc, test_send_bad_coid);
	tcase_add_test(tc, test_child_registers_itself);
	tcase_add_test(tc, test_detach_unblocks_siblings);
	tcase_add_test(tc, test_detach_sibling_unblock_channel);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
