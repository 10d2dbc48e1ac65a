/*
 * fault-srv: a raw name_attach server the fault scenarios drive. It answers
 * struct fault_msg requests (tests/fault/fault.h) with pattern bytes and
 * logs every event a scenario asserts on as one line on stdout (messages,
 * pulses, the result of each reply). Options pick the channel flags and a
 * misbehaviour; crashes and stalls come from NTOSIM_FAULT, not from here.
 * Test code only.
 *
 *	fault-srv [-n NAME] [-u] [-D] [-H] [-m N] [-q]
 *	  -n NAME  name_attach NAME (default "fault")
 *	  -u       create the channel with _NTO_CHF_UNBLOCK
 *	  -D       create the channel with _NTO_CHF_DISCONNECT
 *	  -H       hold requests: never reply, except MsgError(EINTR) to a held
 *	           request whose UNBLOCK pulse arrives and a MsgReply attempt
 *	           to each held request of a connection whose DISCONNECT arrives
 *	  -m N     after the Nth request stop receiving (sleep until killed),
 *	           so later senders stay SEND-blocked
 *	  -q       quiet: log only what is not a plain request and its reply
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "servers/pattern/pattern.h"
#include "tests/fault/fault.h"

#define RX_MAX	  (1u << 20)
#define REPLY_MAX (4u << 20)
#define HELD_MAX  256

struct held {
	int rcvid;
	int scoid;
	uint32_t seq;
};

static struct held held[HELD_MAX];
static int nheld, quiet;

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void reply_result(const char *what, uint32_t seq, int rcvid, int rc)
{
	if (rc == -1)
		printf("%s seq=%u rcvid=%d rc=%s\n", what, seq, rcvid,
		       ename(errno));
	else if (!quiet)
		printf("%s seq=%u rcvid=%d rc=OK\n", what, seq, rcvid);
}

static void serve_request(int rcvid, const struct _msg_info *info,
			  const struct fault_msg *m, const char *rx, int n,
			  uint8_t *rbuf, int hold)
{
	size_t plen = (size_t)n - sizeof(*m), good;
	uint32_t rlen = m->rlen > REPLY_MAX ? REPLY_MAX : m->rlen;
	int rc;

	good = pattern_check(m->seed, 0, rx + sizeof(*m), plen);
	if (!quiet || good != plen)
		printf("msg seq=%u pid=%d rcvid=%d len=%d src=%d payload=%s\n",
		       m->seq, (int)info->pid, rcvid, n, (int)info->srcmsglen,
		       good == plen ? "ok" : "bad");
	if (hold) {
		if (nheld < HELD_MAX)
			held[nheld++] =
				(struct held){rcvid, info->scoid, m->seq};
		printf("held seq=%u rcvid=%d\n", m->seq, rcvid);
		return;
	}
	pattern_fill(m->seed, 0, rbuf, rlen);
	if (m->op == FAULT_OP_WRITE && rlen > 1) {
		int half = (int)rlen / 2;

		rc = MsgWrite(rcvid, rbuf, half, 0);
		if (rc != -1)
			rc = MsgWrite(rcvid, rbuf + half, (int)rlen - half,
				      half);
		if (rc != -1)
			rc = MsgReply(rcvid, (int)rlen, NULL, 0);
	} else {
		rc = MsgReply(rcvid, 0, rbuf, (int)rlen);
	}
	reply_result("reply", m->seq, rcvid, rc);
}

static void drop_held(int i)
{
	held[i] = held[--nheld];
}

static void on_pulse(const struct _pulse *p)
{
	int i, rc;

	printf("pulse code=%d value=%d scoid=%d\n", p->code, p->value.sival_int,
	       p->scoid);
	if (p->code == _PULSE_CODE_UNBLOCK) {
		for (i = 0; i < nheld; i++) {
			struct _msg_info mi;

			if (held[i].rcvid != p->value.sival_int)
				continue;
			rc = MsgInfo(held[i].rcvid, &mi);
			printf("unblock seq=%u rcvid=%d unblock_req=%d\n",
			       held[i].seq, held[i].rcvid,
			       rc == 0 && (mi.flags & _NTO_MI_UNBLOCK_REQ));
			rc = MsgError(held[i].rcvid, EINTR);
			reply_result("unblock-error", held[i].seq,
				     held[i].rcvid, rc);
			drop_held(i);
			break;
		}
	} else if (p->code == _PULSE_CODE_DISCONNECT) {
		for (i = 0; i < nheld;) {
			if ((held[i].scoid & 0xffff) != (p->scoid & 0xffff)) {
				i++;
				continue;
			}
			rc = MsgReply(held[i].rcvid, 0, NULL, 0);
			reply_result("late-reply", held[i].seq, held[i].rcvid,
				     rc);
			drop_held(i);
		}
		rc = ConnectDetach(p->scoid);
		printf("detach scoid=%d rc=%s\n", p->scoid,
		       rc == -1 ? ename(errno) : "OK");
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fault-srv [-n NAME] [-u] [-D] [-H] [-m N] [-q]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *name = "fault";
	unsigned flags = 0;
	int hold = 0, c, chid, rcvid, n;
	long maxreq = -1, nreq = 0;
	struct _msg_info info;
	name_attach_t *att;
	dispatch_t *dpp;
	uint8_t *rbuf;
	char *rx;

	while ((c = getopt(argc, argv, "n:uDHm:q")) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'u':
			flags |= _NTO_CHF_UNBLOCK;
			break;
		case 'D':
			flags |= _NTO_CHF_DISCONNECT;
			break;
		case 'H':
			hold = 1;
			break;
		case 'm':
			maxreq = atol(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	rx = malloc(RX_MAX);
	rbuf = malloc(REPLY_MAX);
	chid = rx && rbuf ? ChannelCreate(flags) : -1;
	dpp = chid != -1 ? dispatch_create_channel(chid, 0) : NULL;
	att = dpp ? name_attach(dpp, name, 0) : NULL;
	if (!att) {
		perror("fault-srv: start");
		free(rx);
		free(rbuf);
		return 1;
	}
	printf("ready pid=%d chid=%d flags=%#x\n", (int)getpid(), chid, flags);
	for (;;) {
		const struct fault_msg *m = (const struct fault_msg *)rx;

		if (maxreq >= 0 && nreq >= maxreq) {
			printf("stopped receiving after %ld\n", nreq);
			for (;;)
				pause();
		}
		rcvid = MsgReceive(chid, rx, RX_MAX, &info);
		if (rcvid == -1) {
			printf("receive rc=%s\n", ename(errno));
			if (errno == EINTR)
				continue;
			break;
		}
		if (rcvid == 0) {
			on_pulse((const struct _pulse *)rx);
			continue;
		}
		n = info.msglen;
		if (n >= 2 && m->type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0); /* name_open handshake */
			continue;
		}
		if (n < (int)sizeof(*m) || m->type != FAULT_MSG_TYPE) {
			printf("other type=%#x len=%d\n", n >= 2 ? m->type : 0,
			       n);
			MsgError(rcvid, ENOSYS);
			continue;
		}
		nreq++;
		serve_request(rcvid, &info, m, rx, n, rbuf, hold);
	}
	name_detach(att, 0);
	free(rx);
	free(rbuf);
	return 1;
}
