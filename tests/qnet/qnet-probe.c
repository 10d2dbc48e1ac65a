/*
 * The Qnet tests' server and client (the scripts in tests/qnet), QNX API only:
 * a server that name_attach'es a global name and answers what the client asks
 * (echo, its _msg_info, a held request, bulk data, an event), and a client that
 * runs a list of steps on one remote connection and prints one line per step,
 * for the scripts to compare.
 *
 *   qnet-probe serve NAME
 *   qnet-probe client TARGET STEP...
 *     TARGET: NODE,PID,CHID (ConnectAttach) or name:NAME (name_open)
 *     STEP:   echo:TEXT | info | big:N | rw | hold | hold-timeout:MS |
 *             pulse:CODE:VALUE | event | wait-line | wait-usr1 | recover
 *     wait-usr1 prints "waiting" and waits (up to 60 s) for SIGUSR1;
 *     recover makes every later failed send print "recover ERR received=N"
 *     (libnto's send-failure hook: was the message received?)
 *   The server prints "echo TEXT" for each echo it answers.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/netmgr.h>
#include <sys/ntosim.h>

#define BUF (1u << 20)

static const char *ename(int e)
{
	switch (e) {
	case ESRCH:
		return "ESRCH";
	case EBADF:
		return "EBADF";
	case EINTR:
		return "EINTR";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EHOSTDOWN:
		return "EHOSTDOWN";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENOENT:
		return "ENOENT";
	case ENOREMOTE:
		return "ENOREMOTE";
	default:
		return strerror(e);
	}
}

static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 7u + 3u);
}

/* ---- the server ---- */

static int serve(const char *name)
{
	static unsigned char buf[BUF];
	name_attach_t *na = name_attach(NULL, name, NAME_FLAG_ATTACH_GLOBAL);
	int held = 0;

	if (!na) {
		printf("name_attach: %s\n", ename(errno));
		return 1;
	}
	printf("ready %d %d\n", getpid(), na->chid);
	fflush(stdout);
	for (;;) {
		struct _msg_info info;
		int rcvid = MsgReceive(na->chid, buf, BUF - 1, &info);

		if (rcvid < 0) {
			printf("MsgReceive: %s\n", ename(errno));
			return 1;
		}
		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)buf;

			if (p->code == _PULSE_CODE_DISCONNECT) {
				printf("disconnect\n");
				ConnectDetach(p->scoid);
			} else if (p->code == _PULSE_CODE_UNBLOCK) {
				printf("unblock\n");
				if (held == p->value.sival_int) {
					MsgError(held, EINTR);
					held = 0;
				}
			} else if (p->code >= 0) {
				printf("pulse %d %d\n", p->code,
				       p->value.sival_int);
			}
			fflush(stdout);
			continue;
		}
		if (info.msglen >= 2 && *(uint16_t *)buf == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0); /* name_open's */
			continue;
		}
		buf[info.msglen] = '\0';
		if (strncmp((char *)buf, "echo:", 5) == 0) {
			printf("echo %s\n", (char *)buf + 5);
			fflush(stdout);
			MsgReply(rcvid, 0, buf + 5, info.msglen - 5);
		} else if (strcmp((char *)buf, "info") == 0) {
			struct _client_info ci;
			char out[256];
			int n;

			ConnectClientInfo(info.scoid, &ci, 0);
			n = snprintf(out, sizeof(out),
				     "nd=%u srcnd=%u pid=%d prio=%d cnd=%u "
				     "cpid=%d uid=%d",
				     info.nd, info.srcnd, info.pid,
				     info.priority, ci.nd, ci.pid,
				     (int)ci.cred.euid);
			MsgReply(rcvid, 0, out, n + 1);
		} else if (strncmp((char *)buf, "big:", 4) == 0) {
			size_t n = (size_t)info.srcmsglen, i, bad = 0;
			static unsigned char all[BUF];

			/* the client sends N pattern bytes after "big:N\0";
			 * check them, answer N pattern bytes */
			if (n > BUF)
				n = BUF;
			MsgRead(rcvid, all, n, 0);
			for (i = 16; i < n; i++)
				bad += all[i] != pat(i - 16);
			if (bad) {
				MsgError(rcvid, EBADMSG);
				continue;
			}
			for (i = 0; i < n - 16; i++)
				all[i] = pat(i);
			MsgReply(rcvid, 0, all, (int)(n - 16));
		} else if (strncmp((char *)buf, "rw:", 3) == 0) {
			char part[4];

			/* MsgRead and MsgWrite at offsets, then a shorter
			 * MsgReply: the client sees all three */
			MsgRead(rcvid, part, 4, 7);
			MsgWrite(rcvid, part, 4, 8);
			MsgReply(rcvid, 0, "ABCDEFGH", 8);
		} else if (strcmp((char *)buf, "hold") == 0) {
			held = rcvid;
			printf("holding\n");
			fflush(stdout);
		} else if (strcmp((char *)buf, "event") == 0 &&
			   info.msglen >= 8 + (int)sizeof(struct sigevent)) {
			struct sigevent ev;

			memcpy(&ev, buf + 8, sizeof(ev));
			MsgReply(rcvid, 0, NULL, 0);
			if (MsgDeliverEvent(rcvid, &ev) < 0)
				printf("deliver: %s\n", ename(errno));
			else
				printf("delivered\n");
			fflush(stdout);
		} else {
			MsgError(rcvid, EINVAL);
		}
	}
}

/* ---- the client ---- */

static int target(const char *t)
{
	char node[64];
	int pid, chid;

	if (strncmp(t, "name:", 5) == 0)
		return name_open(t + 5, NAME_FLAG_ATTACH_GLOBAL);
	if (sscanf(t, "%63[^,],%d,%d", node, &pid, &chid) != 3) {
		errno = EINVAL;
		return -1;
	}
	return ConnectAttach(netmgr_strtond(node, NULL), pid, chid,
			     _NTO_SIDE_CHANNEL, 0);
}

static int recover_print(int coid, int err, int received)
{
	(void)coid;
	printf("recover %s received=%d\n", ename(err), received);
	fflush(stdout);
	return 0; /* fail the send with err */
}

static void step(int coid, const char *s)
{
	static unsigned char out[BUF], in[BUF];
	int r;

	if (strncmp(s, "echo:", 5) == 0) {
		r = MsgSend(coid, s, (int)strlen(s), in, BUF - 1);
		if (r < 0)
			printf("err %s\n", ename(errno));
		else
			printf("reply %.*s\n", (int)strlen(s) - 5, in);
	} else if (strcmp(s, "info") == 0) {
		r = MsgSend(coid, "info", 4, in, BUF - 1);
		printf(r < 0 ? "err %s\n" : "%s\n",
		       r < 0 ? ename(errno) : (char *)in);
	} else if (strncmp(s, "big:", 4) == 0) {
		size_t n = strtoul(s + 4, NULL, 10), i, bad = 0;

		if (n > BUF - 16)
			n = BUF - 16;
		memset(out, 0, 16);
		snprintf((char *)out, 16, "big:%zu", n);
		for (i = 0; i < n; i++)
			out[16 + i] = pat(i);
		r = MsgSend(coid, out, (int)(n + 16), in, (int)n);
		if (r < 0) {
			printf("err %s\n", ename(errno));
			return;
		}
		for (i = 0; i < n; i++)
			bad += in[i] != pat(i);
		printf("big %zu %s\n", n, bad ? "corrupt" : "ok");
	} else if (strcmp(s, "rw") == 0) {
		memset(in, 0, 64);
		r = MsgSend(coid, "rw:0123456789abcdef", 19, in, 32);
		printf(r < 0 ? "err %s\n" : "rw %s\n",
		       r < 0 ? ename(errno) : (char *)in);
	} else if (strcmp(s, "hold") == 0 ||
		   strncmp(s, "hold-timeout:", 13) == 0) {
		if (s[4] == '-') {
			uint64_t ns = strtoull(s + 13, NULL, 10) * 1000000ull;

			TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL,
				     &ns, NULL);
		}
		printf("sending hold\n");
		fflush(stdout);
		r = MsgSend(coid, "hold", 4, in, 16);
		printf(r < 0 ? "err %s\n" : "ok\n", ename(errno));
	} else if (strncmp(s, "pulse:", 6) == 0) {
		int code = 0, value = 0;

		sscanf(s + 6, "%d:%d", &code, &value);
		r = MsgSendPulse(coid, 10, code, value);
		printf(r < 0 ? "err %s\n" : "pulsed\n", ename(errno));
	} else if (strcmp(s, "event") == 0) {
		/* a pulse on our own channel, delivered by the remote server */
		int chid = ChannelCreate(0), self;
		struct _pulse p;
		uint64_t ns = 5000000000ull;

		self = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
		memset(out, 0, 8 + sizeof(struct sigevent));
		memcpy(out, "event", 6);
		SIGEV_PULSE_INIT((struct sigevent *)(out + 8), self, 10, 42, 0);
		((struct sigevent *)(out + 8))->sigev_value.sival_int = 4242;
		r = MsgSend(coid, out, 8 + (int)sizeof(struct sigevent), in, 0);
		if (r < 0) {
			printf("err %s\n", ename(errno));
			return;
		}
		TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns,
			     NULL);
		r = MsgReceivePulse(chid, &p, sizeof(p), NULL);
		if (r < 0)
			printf("err %s\n", ename(errno));
		else
			printf("event %d %d\n", p.code, p.value.sival_int);
	} else if (strcmp(s, "recover") == 0) {
		nto_set_send_recover(recover_print);
	} else if (strcmp(s, "wait-usr1") == 0) {
		struct timespec ts = {60, 0};
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		printf("waiting\n");
		fflush(stdout);
		if (sigtimedwait(&set, NULL, &ts) != SIGUSR1)
			exit(3);
	} else if (strcmp(s, "wait-line") == 0) {
		char line[64];

		printf("waiting\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			exit(0);
	} else {
		printf("bad step %s\n", s);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int coid, i;

	sigset_t usr1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* blocked before libnto starts a thread: wait-usr1 takes it */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc < 3 || strcmp(argv[1], "client") != 0) {
		fprintf(stderr,
			"usage: see the top of tests/qnet/qnet-probe.c\n");
		return 2;
	}
	coid = target(argv[2]);
	if (coid < 0) {
		printf("attach %s\n", ename(errno));
		return 1;
	}
	printf("attached\n");
	for (i = 3; i < argc; i++)
		step(coid, argv[i]);
	return 0;
}
