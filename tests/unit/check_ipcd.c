/*
 * ipcd as a daemon under abuse: killed while calls are blocked (every call
 * returns within the contract's second), malformed and oversized control
 * packets (that peer is dropped, others keep being served), a peer of
 * another uid (refused), a second ipcd on the same socket (fails), and
 * pidin --json showing SEND/RECEIVE/REPLY-blocked threads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "proto/ctl.h"
#include "tests/unit/fixture.h"

#define W  NTO_TEST_WAIT_MS
#define MS 1000000ll

/* A working round trip between two fresh actors: ipcd still serves. */
static void expect_service(void)
{
	struct nto_test_child srv, cli;
	int64_t chid, coid;

	nto_test_actor(&srv);
	nto_test_actor(&cli);
	chid = NTO_ACT(&srv, NTO_OP_CHANNEL, 0);
	ck_assert_int_ge(chid, 1);
	coid = NTO_ACT(&cli, NTO_OP_ATTACH, srv.pid, (int32_t)chid,
		       _NTO_SIDE_CHANNEL);
	ck_assert_int_ge(coid, 0);
	NTO_POST(&srv, NTO_OP_RECEIVE, (int32_t)chid);
	NTO_POST(&srv, NTO_OP_REPLY, 0, 31, 16);
	ck_assert_int_eq(NTO_ACT(&cli, NTO_OP_SEND, (int32_t)coid, 64, 16), 31);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	ck_assert_int_eq(nto_test_result(&srv, W), 0);
	nto_test_actor_exit(&cli);
	nto_test_actor_exit(&srv);
}

/* Blocked everywhere: a server thread RECEIVE-blocked, a client
 * REPLY-blocked on it, another client SEND-blocked on a second channel. */
struct blocked {
	struct nto_test_child srv, rep, snd;
	int chid1, chid2;
};

static void block_everyone(struct blocked *b)
{
	int64_t c1, c2;

	nto_test_actor(&b->srv);
	nto_test_actor(&b->rep);
	nto_test_actor(&b->snd);
	b->chid1 = (int)NTO_ACT(&b->srv, NTO_OP_CHANNEL, 0);
	b->chid2 = (int)NTO_ACT(&b->srv, NTO_OP_CHANNEL, 0);
	ck_assert(b->chid1 >= 1 && b->chid2 >= 1);
	c1 = NTO_ACT(&b->rep, NTO_OP_ATTACH, b->srv.pid, b->chid1,
		     _NTO_SIDE_CHANNEL);
	c2 = NTO_ACT(&b->snd, NTO_OP_ATTACH, b->srv.pid, b->chid2,
		     _NTO_SIDE_CHANNEL);
	ck_assert(c1 >= 0 && c2 >= 0);
	NTO_POST(&b->srv, NTO_OP_RECEIVE, b->chid1);
	NTO_POST(&b->rep, NTO_OP_SEND, (int32_t)c1, 32, 32);
	ck_assert_int_gt(nto_test_result(&b->srv, W), 0);
	NTO_POST(&b->srv, NTO_OP_RECEIVE, b->chid1);
	NTO_POST(&b->snd, NTO_OP_SEND, (int32_t)c2, 32, 32);
	nto_test_await_state(b->srv.pid, "RECEIVE", 1, W);
	nto_test_await_state(b->rep.pid, "REPLY", 1, W);
	nto_test_await_state(b->snd.pid, "SEND", 1, W);
}

/* How long a blocked call waits for a new ipcd before it gives up
 * (NTOSIM_CTL_RECONNECT_MS's default, docs/protocol.md section 7). */
#define RECONNECT_MS 2000

/* The blocked call of actor c returned -1 (ESRCH, docs/protocol.md 5)
 * within the bound after t0: no new ipcd came within RECONNECT_MS. */
static void expect_released(struct nto_test_child *c, int64_t t0,
			    const char *who)
{
	int64_t r = nto_test_result(c, 3000 + RECONNECT_MS), done, el;

	ck_assert_msg(r == -ESRCH, "%s: blocked call returned %lld (%s)", who,
		      (long long)r, r < 0 ? strerror((int)-r) : "");
	done = NTO_ACT(c, NTO_OP_GET, NTO_F_DONE_NS);
	el = (done - t0) / MS;
	ck_assert_msg(el < 1500 + RECONNECT_MS,
		      "%s: returned %lld ms after ipcd died", who,
		      (long long)el);
}

START_TEST(test_ipcd_killed_releases_blocked)
{
	struct blocked b;
	int64_t t0, r;

	block_everyone(&b);
	t0 = (int64_t)nto_test_now_ns();
	nto_test_ipcd_kill(SIGKILL);
	expect_released(&b.rep, t0, "REPLY-blocked client");
	expect_released(&b.snd, t0, "SEND-blocked client");
	expect_released(&b.srv, t0, "RECEIVE-blocked server");
	/* Later calls that need ipcd fail too, promptly. */
	r = NTO_ACT(&b.srv, NTO_OP_CHANNEL, 0);
	ck_assert_int_lt(r, 0);
	r = NTO_ACT(&b.rep, NTO_OP_ATTACH, b.srv.pid, b.chid1,
		    _NTO_SIDE_CHANNEL);
	ck_assert_int_lt(r, 0);
	nto_test_actor_exit(&b.srv);
	nto_test_actor_exit(&b.rep);
	nto_test_actor_exit(&b.snd);
}
END_TEST

/* A process started after ipcd died fails its first call, at once. */
START_TEST(test_no_ipcd)
{
	struct nto_test_child a;
	int64_t t0, r;

	nto_test_ipcd_kill(SIGKILL);
	nto_test_actor(&a);
	t0 = (int64_t)nto_test_now_ns();
	r = NTO_ACT(&a, NTO_OP_CHANNEL, 0);
	ck_assert_int_lt(r, 0);
	r = NTO_ACT(&a, NTO_OP_ATTACH, getpid(), 1, _NTO_SIDE_CHANNEL);
	ck_assert_int_lt(r, 0);
	ck_assert_int_lt(((int64_t)nto_test_now_ns() - t0) / MS, 1500);
	nto_test_actor_exit(&a);
}
END_TEST

START_TEST(test_pidin_states)
{
	struct blocked b;
	struct nto_test_child p;
	int64_t coid;

	ck_assert_msg(nto_test_have_pidin(), "%s is not built",
		      nto_test_pidin_path());
	block_everyone(&b);
	/* Per thread (an actor's only thread has tid == pid). */
	ck_assert_int_eq(
		nto_test_wait_state(b.srv.pid, b.srv.pid, "RECEIVE", W), 0);
	ck_assert_int_eq(nto_test_wait_state(b.rep.pid, b.rep.pid, "REPLY", W),
			 0);
	ck_assert_int_eq(nto_test_wait_state(b.snd.pid, b.snd.pid, "SEND", W),
			 0);
	ck_assert_int_eq(nto_test_count_state(b.rep.pid, "SEND"), 0);
	ck_assert_int_eq(nto_test_count_state(b.snd.pid, "REPLY"), 0);
	ck_assert_int_eq(nto_test_count_state(b.srv.pid, "REPLY"), 0);

	/* Release everyone: a pulse wakes the receiver, which then replies
	 * and serves the SEND-blocked client. */
	nto_test_actor(&p);
	coid = NTO_ACT(&p, NTO_OP_ATTACH, b.srv.pid, b.chid1,
		       _NTO_SIDE_CHANNEL);
	ck_assert_int_eq(NTO_ACT(&p, NTO_OP_PULSE, (int32_t)coid, 10, 1, 1), 0);
	ck_assert_int_eq(nto_test_result(&b.srv, W), 0);
	ck_assert_int_eq(NTO_ACT(&b.srv, NTO_OP_REPLY, 0, 5), 0);
	ck_assert_int_eq(nto_test_result(&b.rep, W), 5);
	ck_assert_int_gt(NTO_ACT(&b.srv, NTO_OP_RECEIVE, b.chid2), 0);
	ck_assert_int_eq(NTO_ACT(&b.srv, NTO_OP_REPLY, 0, 6), 0);
	ck_assert_int_eq(nto_test_result(&b.snd, W), 6);
	ck_assert_int_eq(nto_test_count_state(b.srv.pid, "RECEIVE"), 0);
	ck_assert_int_eq(nto_test_count_state(b.rep.pid, "REPLY"), 0);
	ck_assert_int_eq(nto_test_count_state(b.snd.pid, "SEND"), 0);
	nto_test_actor_exit(&p);
	nto_test_actor_exit(&b.srv);
	nto_test_actor_exit(&b.rep);
	nto_test_actor_exit(&b.snd);
}
END_TEST

/* Plain `pidin` (no --json) works too. */
START_TEST(test_pidin_text)
{
	char *argv[] = {(char *)nto_test_pidin_path(), NULL};
	char *out = NULL;
	int st;

	ck_assert_msg(nto_test_have_pidin(), "%s is not built", argv[0]);
	ck_assert_int_ge(ChannelCreate(0), 1);
	st = nto_test_run(argv, W, &out);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "pidin: status %d", st);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_gt((int)strlen(out), 0);
	free(out);
}
END_TEST

/* ---- raw control-socket abuse ---- */

/* Connect to ipcd's socket without libnto; -1 on failure. */
static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", nto_test_socket());
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* One packet: a header claiming `len` payload bytes, then body_len bytes. */
static int raw_send(int fd, uint32_t type, uint32_t len, const void *body,
		    size_t body_len)
{
	char pkt[NTO_CTL_MAX * 4];
	struct nto_ctl_hdr h = {type, len, 7, 0};

	if (sizeof h + body_len > sizeof pkt)
		return -1;
	memcpy(pkt, &h, sizeof h);
	if (body_len)
		memcpy(pkt + sizeof h, body, body_len);
	return send(fd, pkt, sizeof h + body_len, MSG_NOSIGNAL) ==
			       (ssize_t)(sizeof h + body_len)
		       ? 0
		       : -1;
}

/* HELLO as a well-behaved process would; 0 if ipcd accepted it. */
static int raw_hello(int fd)
{
	struct nto_ctl_hello hello = {NTO_CTL_VERSION, (int32_t)getpid(), 0};
	char rep[256];
	ssize_t n;

	if (raw_send(fd, NTO_CTL_HELLO, sizeof hello, &hello, sizeof hello))
		return -1;
	n = recv(fd, rep, sizeof rep, 0);
	if (n < (ssize_t)sizeof(struct nto_ctl_hdr))
		return -1;
	return ((struct nto_ctl_hdr *)rep)->status == 0 ? 0 : -1;
}

/* ipcd closes the connection (error replies before it are allowed). */
static int dropped_within(int fd, int ms)
{
	uint64_t end = nto_test_now_ns() + (uint64_t)ms * MS;
	char buf[NTO_CTL_REPLY_MAX];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = ((int64_t)end - (int64_t)nto_test_now_ns()) / MS;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n > 0 && n >= (ssize_t)sizeof(struct nto_ctl_hdr) &&
		    ((struct nto_ctl_hdr *)buf)->status == 0)
			return 0; /* it accepted the request */
	}
}

/* One misbehaviour, sent by a process of its own (each a fresh pid, as a
 * real peer would be); `raw`, if set, is sent verbatim instead. */
struct bad_packet {
	const char *what;
	int hello; /* send a good HELLO first */
	uint32_t type, len;
	const void *body;
	size_t body_len;
	const char *raw;
	size_t raw_len;
};

static int bad_peer(const struct nto_test_link *l, void *arg)
{
	const struct bad_packet *bp = arg;
	int fd = raw_connect();

	(void)l;
	NTO_CHILD_ASSERT(fd >= 0);
	if (bp->hello)
		NTO_CHILD_ASSERT(raw_hello(fd) == 0);
	if (bp->raw)
		NTO_CHILD_ASSERT(send(fd, bp->raw, bp->raw_len, MSG_NOSIGNAL) ==
				 (ssize_t)bp->raw_len);
	else
		NTO_CHILD_ASSERT(raw_send(fd, bp->type, bp->len, bp->body,
					  bp->body_len) == 0);
	if (!dropped_within(fd, 2000)) {
		fprintf(stderr, "%s: peer not dropped\n", bp->what);
		return 1;
	}
	return 0;
}

START_TEST(test_malformed_packets)
{
	static char big[NTO_CTL_MAX * 2];
	static const struct nto_ctl_chan chan = {0, 0};
	static const struct nto_ctl_hello bad_version = {NTO_CTL_VERSION + 100,
							 0, 0};
	static const struct bad_packet cases[] = {
		{"shorter than a header", 0, 0, 0, NULL, 0, "abc", 3},
		{"request before HELLO", 0, NTO_CTL_CHANNEL_CREATE, sizeof chan,
		 &chan, sizeof chan, NULL, 0},
		{"unknown protocol version", 0, NTO_CTL_HELLO,
		 sizeof bad_version, &bad_version, sizeof bad_version, NULL, 0},
		{"HELLO with a short body", 0, NTO_CTL_HELLO, 2, "zz", 2, NULL,
		 0},
		{"length disagreeing with the packet", 1,
		 NTO_CTL_CHANNEL_CREATE, 1000, &chan, sizeof chan, NULL, 0},
		{"unknown request type", 1, 9999, sizeof chan, &chan,
		 sizeof chan, NULL, 0},
		{"oversized packet", 1, NTO_CTL_CHANNEL_CREATE, sizeof big, big,
		 sizeof big, NULL, 0},
		{"garbage after HELLO", 1, 0, 0, NULL, 0,
		 "\xff\xff\xff\xff\xff", 5},
	};
	struct nto_test_counts base;
	int nfds = nto_test_ipcd_nfds();

	memset(big, 'x', sizeof big);
	nto_test_counts(&base);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nto_test_child c;

		nto_test_fork(&c, bad_peer, (void *)&cases[i]);
		nto_test_wait_ok(&c, W);
		ck_assert_msg(nto_test_ipcd_alive(), "ipcd died on: %s",
			      cases[i].what);
	}
	expect_service();
	nto_test_counts_wait(&base, W);
	if (nto_test_ipcd_nfds_wait(nfds, W) > nfds) {
		nto_test_ipcd_fds_dump("after");
		ck_abort_msg("ipcd has %d fds, %d before", nto_test_ipcd_nfds(),
			     nfds);
	}
}
END_TEST

/* A well-behaved client keeps working while another peer misbehaves. */
START_TEST(test_bad_peer_does_not_disturb_others)
{
	struct nto_test_child srv, cli;
	int64_t chid, coid;
	int fd;

	nto_test_actor(&srv);
	nto_test_actor(&cli);
	chid = NTO_ACT(&srv, NTO_OP_CHANNEL, 0);
	coid = NTO_ACT(&cli, NTO_OP_ATTACH, srv.pid, (int32_t)chid,
		       _NTO_SIDE_CHANNEL);
	ck_assert(chid >= 1 && coid >= 0);
	/* The client waits REPLY-blocked while the bad peer is dropped. */
	NTO_POST(&srv, NTO_OP_RECEIVE, (int32_t)chid);
	NTO_POST(&cli, NTO_OP_SEND, (int32_t)coid, 8, 8);
	ck_assert_int_gt(nto_test_result(&srv, W), 0);
	fd = raw_connect();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, "\xff\xff\xff\xff\xff", 5, MSG_NOSIGNAL), 5);
	ck_assert(dropped_within(fd, 2000));
	close(fd);
	ck_assert_int_eq(NTO_ACT(&srv, NTO_OP_REPLY, 0, 12), 0);
	ck_assert_int_eq(nto_test_result(&cli, W), 12);
	nto_test_actor_exit(&cli);
	nto_test_actor_exit(&srv);
}
END_TEST

/* ---- another uid ---- */

#define NOBODY 65534

static int as_nobody(const struct nto_test_link *l, void *arg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct nto_ctl_hello hello = {NTO_CTL_VERSION, 0, 0};
	struct nto_ctl_hdr h = {NTO_CTL_HELLO, sizeof hello, 1, 0};
	char pkt[sizeof h + sizeof hello], rep[256];
	int fd, refused = 0;
	ssize_t n;

	(void)l;
	(void)arg;
	NTO_CHILD_ASSERT(setgroups(0, NULL) == 0);
	NTO_CHILD_ASSERT(setgid(NOBODY) == 0);
	NTO_CHILD_ASSERT(setuid(NOBODY) == 0);
	/* Through libnto: the call fails. */
	NTO_CHILD_ASSERT_INT(ChannelCreate(0), ==, -1);
	NTO_CHILD_ASSERT(errno != 0);
	/* Raw: connecting works (the socket is 0666 here), HELLO is not
	 * accepted. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", nto_test_socket());
	NTO_CHILD_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	hello.pid = (int32_t)getpid();
	memcpy(pkt, &h, sizeof h);
	memcpy(pkt + sizeof h, &hello, sizeof hello);
	n = send(fd, pkt, sizeof pkt, MSG_NOSIGNAL);
	if (n < 0) {
		refused = 1; /* already closed on us */
	} else {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		NTO_CHILD_ASSERT(poll(&p, 1, 5000) == 1);
		n = recv(fd, rep, sizeof rep, 0);
		refused = n <= 0 || (n >= (ssize_t)sizeof h &&
				     ((struct nto_ctl_hdr *)rep)->status < 0);
	}
	NTO_CHILD_ASSERT(refused);
	return 0;
}

START_TEST(test_other_uid_refused)
{
	struct nto_test_child c;
	struct nto_test_counts base;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP test_other_uid_refused: needs root\n");
		return;
	}
	/* Let the other uid reach the socket, so ipcd itself must refuse. */
	ck_assert_int_eq(chmod(nto_test_dir(), 0711), 0);
	ck_assert_int_eq(chmod(nto_test_socket(), 0666), 0);
	nto_test_counts(&base);
	nto_test_fork(&c, as_nobody, NULL);
	nto_test_wait_ok(&c, W);
	ck_assert(nto_test_ipcd_alive());
	nto_test_counts_wait(&base, W);
	expect_service();
}
END_TEST

/* ---- a second ipcd ---- */

START_TEST(test_second_ipcd_fails)
{
	char *argv[] = {(char *)nto_test_ipcd_path(), (char *)"-s",
			(char *)nto_test_socket(), NULL};
	char pidfile[4200], buf[32] = "";
	int st, fd;
	ssize_t n;

	st = nto_test_run(argv, W, NULL);
	ck_assert_msg(st >= 0, "second ipcd: %s", strerror(-st));
	ck_assert_msg(!WIFEXITED(st) || WEXITSTATUS(st) != 0,
		      "a second ipcd on the same socket succeeded");
	ck_assert(nto_test_ipcd_alive());
	snprintf(pidfile, sizeof pidfile, "%s.pid", nto_test_socket());
	fd = open(pidfile, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(atoi(buf), nto_test_ipcd_pid());
	expect_service();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipcd");
	TCase *tc = nto_test_tcase("ipcd");

	tcase_add_test(tc, test_ipcd_killed_releases_blocked);
	tcase_add_test(tc, test_no_ipcd);
	tcase_add_test(tc, test_pidin_states);
	tcase_add_test(tc, test_pidin_text);
	tcase_add_test(tc, test_malformed_packets);
	tcase_add_test(tc, test_bad_peer_does_not_disturb_others);
	tcase_add_test(tc, test_other_uid_refused);
	tcase_add_test(tc, test_second_ipcd_fails);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
