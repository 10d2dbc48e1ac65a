/*
 * The other processes of the Qnet contract tests (issue 13), one role per
 * command, one line per result on stdout:
 *   attach ND PID CHID        remote ConnectAttach, ConnectServerInfo
 *   send ND PID CHID N [TO]   attach, N echo sends; TO: one held send with
 *                             a TO ms reply timeout instead ($PROBE_COIDS:
 *                             two coids, used in turn; $PROBE_LINGER: stay
 *                             attached until stdin closes)
 *   event ND PID CHID         attach; the server MsgDeliverEvent's a pulse
 *                             back (op 'V'); log the pulse we receive
 *   nameopen NAME             name_open, ConnectServerInfo, one echo send
 *   serve [-u] [-1] [-n NAME] a server logging MsgInfo / ConnectClientInfo
 *                             (-u: _NTO_CHF_UNBLOCK; -1: after the first
 *                             held message, stop receiving until stdin
 *                             has a line)
 *   register [hold]           try to become the network manager (hold:
 *                             keep it until stdin closes)
 *   target SCOID              nto_netmgr_target as anyone
 *   proxy PID CHID            nto_netmgr_attach as anyone
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "proto/netmgr.h"

struct pmsg {
	char op; /* 'E' echo, 'H' hold until UNBLOCK, 'V' deliver the event
		    in data */
	uint32_t seq;
	uint8_t data[100];
};

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	if (err == ENOREMOTE) /* QNX's value, unknown to glibc */
		return "ENOREMOTE";
	return err == 0 ? "OK" : n ? n : "E?";
}

static int attach(int argc, char **argv)
{
	int coid;

	if (argc < 5)
		return 2;
	coid = ConnectAttach((uint32_t)atoi(argv[2]), atoi(argv[3]),
			     atoi(argv[4]), _NTO_SIDE_CHANNEL, 0);
	printf("attach rc=%s coid=%#x self=%d\n", ename(coid < 0 ? errno : 0),
	       coid, (int)getpid());
	return coid < 0 ? 1 : coid;
}

static int cmd_attach(int argc, char **argv)
{
	struct _server_info si;
	int coid = attach(argc, argv);

	if (coid < 2 && coid >= 0)
		return coid;
	if (ConnectServerInfo(0, coid, &si) != coid)
		printf("server rc=%s\n", ename(errno));
	else
		printf("server nd=%u pid=%d chid=%d\n", si.nd, (int)si.pid,
		       si.chid);
	printf("detach rc=%s\n", ename(ConnectDetach(coid) == 0 ? 0 : errno));
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	int coid = attach(argc, argv), coid2 = -1, n, i, j;
	struct pmsg m;
	uint8_t r[100];

	if (coid < 2 && coid >= 0)
		return coid;
	if (argc < 6)
		return 2;
	if (getenv("PROBE_COIDS")) { /* a second coid to the same target */
		coid2 = attach(argc, argv);
		if (coid2 < 2 && coid2 >= 0)
			return coid2;
	}
	n = atoi(argv[5]);
	if (argc > 6) { /* one held send with a reply timeout */
		uint64_t ns = (uint64_t)atoi(argv[6]) * 1000000ull;

		memset(&m, 0, sizeof(m));
		m.op = 'H';
		m.seq = 1;
		TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL, &ns,
			     NULL);
		i = MsgSend(coid, &m, sizeof(m), r, sizeof(r));
		printf("held rc=%s status=%d\n", ename(i < 0 ? errno : 0),
		       i < 0 ? 0 : i);
		fflush(stdout);
		return 0;
	}
	for (i = 1; i <= n; i++) {
		int st, ok = 1;

		m.op = 'E';
		m.seq = (uint32_t)i;
		for (j = 0; j < 100; j++)
			m.data[j] = (uint8_t)(i * 7 + j);
		st = MsgSend(coid2 >= 0 && i % 2 == 0 ? coid2 : coid, &m,
			     sizeof(m), r, sizeof(r));
		for (j = 0; st >= 0 && j < 100; j++)
			ok &= r[j] == (uint8_t)(m.data[j] ^ 0x5a);
		printf("send seq=%d rc=%s status=%d data=%s\n", i,
		       ename(st < 0 ? errno : 0), st, ok ? "ok" : "bad");
		fflush(stdout);
	}
	/* stays attached until stdin closes (or is killed) */
	if (argc > 0 && getenv("PROBE_LINGER")) {
		char c;

		while (read(0, &c, 1) > 0)
			;
	}
	printf("detach rc=%s\n", ename(ConnectDetach(coid) == 0 ? 0 : errno));
	if (coid2 >= 0)
		printf("detach rc=%s\n",
		       ename(ConnectDetach(coid2) == 0 ? 0 : errno));
	return 0;
}

/* A server's MsgDeliverEvent to us through a remote coid: the pulse
 * arrives on our own channel. */
static int cmd_event(int argc, char **argv)
{
	int coid = attach(argc, argv), chid, self, st;
	struct sigevent ev;
	struct pmsg m;
	struct _pulse p;
	uint64_t ns = 10000000000ull;

	if (coid < 2 && coid >= 0)
		return coid;
	chid = ChannelCreate(0);
	self = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	SIGEV_PULSE_INIT(&ev, self, 10, 5, 1234);
	memset(&m, 0, sizeof(m));
	m.op = 'V';
	memcpy(m.data, &ev, sizeof(ev));
	st = MsgSend(coid, &m, sizeof(m), NULL, 0);
	printf("event-send rc=%s status=%d\n", ename(st < 0 ? errno : 0), st);
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL);
	st = MsgReceivePulse(chid, &p, sizeof(p), NULL);
	if (st < 0)
		printf("pulse rc=%s\n", ename(errno));
	else
		printf("pulse code=%d value=%d\n", p.code, p.value.sival_int);
	return 0;
}

/* name_open, then echo sends on what it gave */
static int cmd_nameopen(int argc, char **argv)
{
	struct _server_info si;
	struct pmsg m;
	uint8_t r[100];
	int coid, st, i, ok = 1;

	if (argc < 3)
		return 2;
	coid = name_open(argv[2], 0);
	printf("name_open rc=%s\n", ename(coid < 0 ? errno : 0));
	if (coid < 0)
		return 0;
	if (ConnectServerInfo(0, coid, &si) == coid)
		printf("server nd=%u\n", si.nd);
	memset(&m, 0, sizeof(m));
	m.op = 'E';
	m.seq = 7;
	for (i = 0; i < 100; i++)
		m.data[i] = (uint8_t)i;
	st = MsgSend(coid, &m, sizeof(m), r, sizeof(r));
	for (i = 0; st >= 0 && i < 100; i++)
		ok &= r[i] == (uint8_t)(i ^ 0x5a);
	printf("send rc=%s status=%d data=%s\n", ename(st < 0 ? errno : 0), st,
	       ok ? "ok" : "bad");
	name_close(coid);
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	unsigned flags = _NTO_CHF_DISCONNECT;
	int chid, held = 0, one = 0, i;
	struct pmsg m;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-u"))
			flags |= _NTO_CHF_UNBLOCK;
		if (!strcmp(argv[i], "-1"))
			one = 1;
	}
	chid = ChannelCreate(flags);
	for (i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-n")) { /* as a name_attach'ed server */
			name_attach_t *na = name_attach(NULL, argv[i + 1], 0);

			if (!na)
				return 1;
			ChannelDestroy(chid);
			chid = na->chid;
		}
	printf("serving pid=%d chid=%d\n", (int)getpid(), chid);
	fflush(stdout);
	for (;;) {
		struct _msg_info info;
		struct _client_info ci;
		int rcvid = MsgReceive(chid, &m, sizeof(m), &info);
		uint8_t r[100];

		if (rcvid < 0)
			return 1;
		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)&m;

			printf("pulse code=%d scoid=%d\n", p->code, p->scoid);
			if (p->code == _PULSE_CODE_UNBLOCK && held)
				printf("unblock-reply rc=%s\n",
				       ename(MsgReply(held, 77, NULL, 0) == 0
						     ? 0
						     : errno));
			if (p->code == _PULSE_CODE_DISCONNECT)
				printf("disconnect rc=%s\n",
				       ename(ConnectDetach(p->scoid) == 0
						     ? 0
						     : errno));
			fflush(stdout);
			continue;
		}
		printf("msg op=%c seq=%u nd=%u srcnd=%u pid=%d tid=%d prio=%d "
		       "len=%d dst=%d scoid=%d\n",
		       m.op, m.seq, info.nd, info.srcnd, (int)info.pid,
		       info.tid, info.priority, info.msglen, info.dstmsglen,
		       info.scoid);
		if (ConnectClientInfo(info.scoid, &ci, 0) == 0)
			printf("client nd=%u pid=%d uid=%u gid=%u\n", ci.nd,
			       (int)ci.pid, ci.cred.euid, ci.cred.egid);
		fflush(stdout);
		if (m.op == 'V') { /* MsgDeliverEvent back to the client */
			struct sigevent ev;
			int rc;

			memcpy(&ev, m.data, sizeof(ev));
			rc = MsgDeliverEvent(rcvid, &ev) == 0 ? 0 : errno;
			printf("deliver rc=%s\n", ename(rc));
			MsgReply(rcvid, rc, NULL, 0);
			continue;
		}
		if (m.op == 'H') {
			held = rcvid;
			printf("held rcvid=%d\n", rcvid);
			fflush(stdout);
			if (one) { /* stop receiving until told */
				char c;

				while (read(0, &c, 1) == 1 && c != '\n')
					;
				printf("resumed\n");
				fflush(stdout);
			}
			continue;
		}
		for (i = 0; i < 100; i++)
			r[i] = m.data[i] ^ 0x5a;
		MsgReply(rcvid, (int)m.seq + 1000, r, sizeof(r));
	}
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "attach"))
		rc = cmd_attach(argc, argv);
	else if (!strcmp(argv[1], "send"))
		rc = cmd_send(argc, argv);
	else if (!strcmp(argv[1], "event"))
		rc = cmd_event(argc, argv);
	else if (!strcmp(argv[1], "nameopen"))
		rc = cmd_nameopen(argc, argv);
	else if (!strcmp(argv[1], "serve"))
		rc = cmd_serve(argc, argv);
	else if (!strcmp(argv[1], "register")) {
		int chid = ChannelCreate(0), r = nto_netmgr_register(chid);

		printf("register rc=%s\n", ename(r < 0 ? -r : 0));
		if (argc > 2 && r == 0) {
			char c;

			while (read(0, &c, 1) > 0)
				;
		}
		rc = r < 0;
	} else if (!strcmp(argv[1], "target") && argc > 2) {
		struct nto_netmgr_target t;
		int r = nto_netmgr_target(atoi(argv[2]), &t);

		printf("target rc=%s\n", ename(r < 0 ? -r : 0));
		rc = 0;
	} else if (!strcmp(argv[1], "proxy") && argc > 3) {
		struct nto_netmgr_proxy px = {5, 0, 4242, 0, 0};
		int r = nto_netmgr_attach(&px, atoi(argv[2]), atoi(argv[3]), 0);

		printf("proxy rc=%s\n", ename(r < 0 ? -r : 0));
		rc = 0;
	}
	return rc;
}
