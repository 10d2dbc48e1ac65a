/*
 * Connection set-up without mapping: on a _NTO_CHF_DISCONNECT channel the
 * server lets go of a connection after its client's next one is made, yet
 * the client's open/close loop still reuses regions (several spares in
 * ipcd and libnto); ConnectClientInfo answered from the server's mapping
 * gives ipcd's credentials, and ESRCH once the scoid is detached; open()
 * and name_open resolve and attach in one ipcd request, and a coid attached
 * for an entry the caller then skips is detached again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iofunc.h>
#include <sys/neutrino.h>
#include <sys/resmgr.h>
#include <sys/stat.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

/* The server's answer to "c" (ConnectClientInfo of the sender's scoid)
 * and to "d" (detach the released scoids it was told of). */
struct cred {
	int32_t pid, uid, gid, err;
	int32_t detached;  /* "d": scoids detached */
	int32_t after_err; /* "d": ConnectClientInfo's error on them after */
	int32_t sid;	   /* "c": the session (getsid once per client) */
};

/* Answer "c" and "d"; keep DISCONNECT pulses' scoids until "d" (which
 * waits for one if none came yet); exit on pulse code 1. */
static int disc_server(const struct nto_test_link *l, void *arg)
{
	int chid = ChannelCreate(_NTO_CHF_DISCONNECT);
	int pending[8], npend = 0, held = 0, i;
	struct _client_info ci;
	struct _msg_info info;
	union {
		struct _pulse p;
		char c[64];
	} m;

	(void)arg;
	NTO_CHILD_ASSERT(chid >= 1);
	NTO_CHILD_ASSERT(nto_test_put(l->wr, chid) == 0);
	for (;;) {
		struct cred r = {0};
		int rcvid = MsgReceive(chid, &m, sizeof m, &info);

		NTO_CHILD_ASSERT(rcvid >= 0);
		if (rcvid == 0 && m.p.code == 1)
			return 0;
		if (rcvid == 0) {
			NTO_CHILD_ASSERT(m.p.code == _PULSE_CODE_DISCONNECT);
			NTO_CHILD_ASSERT(npend < 8);
			pending[npend++] = m.p.scoid;
		} else if (m.c[0] == 'c') {
			r.err = ConnectClientInfo(info.scoid, &ci, 0) < 0
					? errno
					: 0;
			r.pid = ci.pid;
			r.uid = (int32_t)ci.cred.euid;
			r.gid = (int32_t)ci.cred.egid;
			r.sid = ci.sid;
			NTO_CHILD_ASSERT(MsgReply(rcvid, 0, &r, sizeof r) == 0);
			continue;
		} else {
			NTO_CHILD_ASSERT(m.c[0] == 'd' && !held);
			held = rcvid;
		}
		if (!held || !npend)
			continue;
		for (i = 0; i < npend; i++)
			NTO_CHILD_ASSERT(ConnectDetach(pending[i]) == 0);
		r.detached = npend;
		for (i = 0; i < npend; i++)
			if (ConnectClientInfo(pending[i], &ci, 0) < 0)
				r.after_err = errno;
			else
				r.after_err = 0;
		npend = 0;
		NTO_CHILD_ASSERT(MsgReply(held, 0, &r, sizeof r) == 0);
		held = 0;
	}
}

static struct cred ask(int coid, const char *what)
{
	struct cred r;

	memset(&r, 0xff, sizeof r);
	ck_assert_int_eq(MsgSend(coid, what, 2, &r, sizeof r), 0);
	return r;
}

/* The server's view of us on coid: our pid and credentials. */
static void expect_me(int coid)
{
	struct cred r = ask(coid, "c");

	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.pid, getpid());
	ck_assert_int_eq(r.uid, (int32_t)geteuid());
	ck_assert_int_eq(r.gid, (int32_t)getegid());
	ck_assert_int_eq(r.sid, getsid(0));
}

/* The server detaches the scoids released so far: n of them, each
 * unknown to ConnectClientInfo afterwards. */
static void expect_detached(int coid, int n)
{
	struct cred r = ask(coid, "d");

	ck_assert_int_eq(r.detached, n);
	ck_assert_int_eq(r.after_err, ESRCH);
}

/* Our mappings of connection regions (/proc/self/maps). */
static int conn_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "memfd:ntosim-conn"))
			n++;
	fclose(f);
	return n;
}

/* Whether a connection region with memfd inode ino is mapped here; with
 * ino 0, the inode of the only one mapped (0: not exactly one). */
static unsigned long conn_ino(unsigned long ino)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long i, last = 0;
	int n = 0, yes = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "memfd:ntosim-conn") &&
		    sscanf(line, "%*s %*s %*s %*s %lu", &i) == 1) {
			yes |= i == ino;
			last = i;
			n++;
		}
	fclose(f);
	if (ino)
		return (unsigned long)yes;
	return n == 1 ? last : 0;
}

/* Five plain channels; echo on the first, exit on its pulse code 1. */
static int five_server(const struct nto_test_link *l, void *arg)
{
	int chid[5], i;
	struct _msg_info info;
	union {
		struct _pulse p;
		char c[64];
	} m;

	(void)arg;
	for (i = 0; i < 5; i++) {
		chid[i] = ChannelCreate(0);
		NTO_CHILD_ASSERT(chid[i] >= 1);
		NTO_CHILD_ASSERT(nto_test_put(l->wr, chid[i]) == 0);
	}
	for (;;) {
		int rcvid = MsgReceive(chid[0], &m, sizeof m, &info);

		NTO_CHILD_ASSERT(rcvid >= 0);
		if (rcvid == 0 && m.p.code == 1)
			return 0;
		if (rcvid > 0)
			NTO_CHILD_ASSERT(MsgReply(rcvid, 7, m.c, 8) == 0);
	}
}

/* Issue 10: ipcd attaches only the region fd when it takes a client to a
 * connection that client maps already (a spare region it kept), so a
 * client that let go of that spare (libnto keeps the 4 newest-made,
 * ipcd the 4 last released) asks for the rest (CONN_FDS) and maps it
 * again: the attach works, on the very region. */
START_TEST(test_spare_dropped_refetch)
{
	struct nto_test_child srv;
	int chid[5], co[5], a, i, n0;
	unsigned long ino_a = 0;
	char r[8];

	nto_test_fork(&srv, five_server, NULL);
	for (i = 0; i < 5; i++)
		chid[i] = (int)nto_test_take(srv.rd, W);
	n0 = conn_mappings();
	ck_assert_int_eq(n0, 0);
	for (i = 0; i < 5; i++) {
		co[i] = ConnectAttach(0, srv.pid, chid[i], _NTO_SIDE_CHANNEL,
				      0);
		ck_assert_int_ge(co[i], 0);
		if (i == 0) {
			ino_a = conn_ino(0);
			ck_assert_uint_ne(ino_a, 0);
		}
	}
	ck_assert_int_eq(conn_mappings(), 5);
	/* released B, C, D, A, E: ipcd keeps C, D, A, E; libnto drops A's
	 * (the oldest made) at E's */
	ck_assert_int_eq(ConnectDetach(co[1]), 0);
	ck_assert_int_eq(ConnectDetach(co[2]), 0);
	ck_assert_int_eq(ConnectDetach(co[3]), 0);
	ck_assert_int_eq(ConnectDetach(co[0]), 0);
	ck_assert_int_eq(ConnectDetach(co[4]), 0);
	ck_assert_int_eq(conn_mappings(), 4);
	ck_assert(!conn_ino(ino_a));
	/* A's region comes back from ipcd, without its doorbell fds */
	a = ConnectAttach(0, srv.pid, chid[0], _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(a, 0);
	ck_assert(conn_ino(ino_a));
	ck_assert_int_eq(MsgSend(a, "abcdefg", 8, r, sizeof r), 7);
	ck_assert_str_eq(r, "abcdefg");
	ck_assert_int_eq(MsgSendPulse(a, 10, 1, 0), 0); /* server exits */
	nto_test_wait_ok(&srv, W);
	ck_assert_int_eq(ConnectDetach(a), 0);
}
END_TEST

START_TEST(test_disconnect_reuse)
{
	struct nto_test_child srv;
	int chid, c1, c2, c3, c4, n0;

	nto_test_fork(&srv, disc_server, NULL);
	chid = (int)nto_test_take(srv.rd, W);
	n0 = conn_mappings();

	c1 = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c1, 0);
	expect_me(c1);
	ck_assert_int_eq(ConnectDetach(c1), 0);
	ck_assert_int_eq(conn_mappings(), n0 + 1); /* kept as a spare */
	/* the server has not let go of c1's connection: a new region */
	c2 = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c2, 0);
	ck_assert_int_eq(conn_mappings(), n0 + 2);
	expect_me(c2);
	expect_detached(c2, 1); /* now c1's region is ipcd's spare */
	ck_assert_int_eq(ConnectDetach(c2), 0);
	/* both kept (one spare would have unmapped c1's) */
	ck_assert_int_eq(conn_mappings(), n0 + 2);
	/* c1's region comes back: nothing mapped, a working connection whose
	 * client the server (through its kept mapping) reports right */
	c3 = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c3, 0);
	ck_assert_int_eq(conn_mappings(), n0 + 2);
	expect_me(c3);
	expect_detached(c3, 1); /* c2's */
	ck_assert_int_eq(ConnectDetach(c3), 0);
	c4 = ConnectAttach(0, srv.pid, chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c4, 0);
	ck_assert_int_eq(conn_mappings(), n0 + 2); /* c2's came back */
	expect_me(c4);
	expect_detached(c4, 1);				 /* c3's */
	ck_assert_int_eq(MsgSendPulse(c4, 10, 1, 0), 0); /* server exits */
	nto_test_wait_ok(&srv, W);
	ck_assert_int_eq(ConnectDetach(c4), 0);
}
END_TEST

/* A client of another gid (root keeps its uid, so ipcd still serves it):
 * the server's answer is that gid, from its mapping as from ipcd, and not
 * the zeros root's own would be. Root only: it needs setgid. */
static int other_client(const struct nto_test_link *l, void *arg)
{
	const int *t = arg; /* server pid, chid */
	struct cred r;
	int c;

	(void)l;
	NTO_CHILD_ASSERT(setgid(65534) == 0);
	c = ConnectAttach(0, t[0], t[1], _NTO_SIDE_CHANNEL, 0);
	NTO_CHILD_ASSERT(c >= 0);
	NTO_CHILD_ASSERT(MsgSend(c, "c", 2, &r, sizeof r) == 0);
	NTO_CHILD_ASSERT(r.err == 0 && r.pid == getpid());
	NTO_CHILD_ASSERT(r.uid == 0 && r.gid == 65534);
	NTO_CHILD_ASSERT(ConnectDetach(c) == 0);
	return 0;
}

START_TEST(test_client_info_other_gid)
{
	struct nto_test_child srv, cli;
	int t[2], c;

	if (geteuid() != 0) {
		fprintf(stderr,
			"SKIP test_client_info_other_gid: needs root\n");
		return;
	}
	nto_test_fork(&srv, disc_server, NULL);
	t[0] = srv.pid;
	t[1] = (int)nto_test_take(srv.rd, W);
	nto_test_fork(&cli, other_client, t);
	nto_test_wait_ok(&cli, W);
	c = ConnectAttach(0, srv.pid, t[1], _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c, 0);
	expect_me(c);
	expect_detached(c, 1); /* the other client's */
	ck_assert_int_eq(MsgSendPulse(c, 10, 1, 0), 0);
	nto_test_wait_ok(&srv, W);
	ck_assert_int_eq(ConnectDetach(c), 0);
}
END_TEST

/* Receive n pulses on chid: `code` ones, and DISCONNECT ones whose scoid
 * we detach; returns how many DISCONNECTs came. */
static int take_pulses(int chid, int n, int code)
{
	struct _pulse p;
	int disc = 0;

	while (n-- > 0) {
		int r = nto_test_receive(chid, &p, sizeof p, NULL, W);

		ck_assert_msg(r == 0, "receive %d: %s (left %d, code %d)", r,
			      strerror(errno), n, code);
		if (p.code == _PULSE_CODE_DISCONNECT) {
			ck_assert_int_eq(ConnectDetach(p.scoid), 0);
			disc++;
		} else {
			ck_assert_int_eq(p.code, code);
		}
	}
	return disc;
}

/*
 * ipcd attaches to the first entry a name_open would try; where the caller
 * skips it after all (a resource manager of its own under the name, no
 * _RESMGR_FLAG_SELF: ENOENT) that coid is detached again (the server sees
 * the DISCONNECT of a connection it never heard from), and open() never
 * attaches to our own registration (it falls back to the host: no such
 * file; no DISCONNECT). Nothing is left either way.
 */
START_TEST(test_resolve_attach_unused)
{
	struct nto_test_counts base;
	char name[64], rmname[80], path[128], rmpath[160];
	resmgr_connect_funcs_t cf;
	resmgr_io_funcs_t iof;
	iofunc_attr_t attr;
	name_attach_t *att;
	int coid;

	snprintf(name, sizeof name, "ntosim-ra-%d", (int)getpid());
	snprintf(rmname, sizeof rmname, "%s-rm", name);
	snprintf(path, sizeof path, "/dev/name/local/%s", name);
	snprintf(rmpath, sizeof rmpath, "/dev/name/local/%s", rmname);
	att = name_attach(NULL, name, 0);
	ck_assert_ptr_nonnull(att);
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cf, _RESMGR_IO_NFUNCS, &iof);
	iofunc_attr_init(&attr, S_IFNAM | 0666, NULL, NULL);
	ck_assert_int_ge(resmgr_attach(att->dpp, NULL, rmpath, _FTYPE_ANY, 0,
				       &cf, &iof, &attr),
			 0);
	nto_test_counts(&base);

	/* our own name: taken (QNX allows it), one working coid */
	coid = name_open(name, 0);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_eq(MsgSendPulse(coid, 10, 5, 7), 0);
	ck_assert_int_eq(name_close(coid), 0);
	ck_assert_int_eq(take_pulses(att->chid, 2, 5), 1);
	/* our own resource manager: attached by ipcd, skipped by us */
	errno = 0;
	ck_assert_int_eq(name_open(rmname, 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(take_pulses(att->chid, 1, 0), 1);
	/* open() of our own registration: never (no _RESMGR_FLAG_SELF) */
	errno = 0;
	ck_assert_int_eq(open(path, O_RDONLY), -1);
	ck_assert_int_eq(errno, ENOENT);
	nto_test_counts_wait(&base, W);
	nto_test_expect_empty(att->chid, 100);
	ck_assert_int_eq(name_detach(att, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conn_reuse");
	TCase *tc = nto_test_tcase("conn_reuse");

	tcase_add_test(tc, test_disconnect_reuse);
	tcase_add_test(tc, test_client_info_other_gid);
	tcase_add_test(tc, test_resolve_attach_unused);
	tcase_add_test(tc, test_spare_dropped_refetch);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
