/*
 * prio-probe: the parties of tests/fault/prio-order.sh. A server that
 * receives nothing until told to, then logs every message and pulse in the
 * order MsgReceive returned them; low-priority clients that queue pulses
 * and SEND-blocked threads; a high-priority client. Prints what a user
 * would see; the script asserts the order.
 *
 *	prio-probe server GO_FIFO COUNT   "chid PID CHID", then after a line
 *		on GO_FIFO receives COUNT items, one line each:
 *		"msg PID PRIORITY TAG" or "pulse PROC SEQ"; replies EOK
 *	prio-probe low PID CHID PROC THREADS PULSES PRIO
 *		posts PULSES pulses (value PROC << 16 | SEQ), prints "posted",
 *		then THREADS threads MsgSend at PRIO (tag PROC); exits 0 when
 *		every send got EOK
 *	prio-probe high PID CHID PRIO     one MsgSend at PRIO (tag -1)
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>

#define PULSE_CODE 5

struct msg {
	int tag; /* the low client's PROC, or -1 for the high one */
};

static int set_prio(int prio)
{
	struct sched_param p;

	memset(&p, 0, sizeof(p));
	p.sched_priority = prio;
	if (SchedSet(0, 0, SCHED_NOCHANGE, &p) == -1) {
		fprintf(stderr, "SchedSet %d: %s\n", prio, strerror(errno));
		return -1;
	}
	return 0;
}

static int server(const char *fifo, int count)
{
	union {
		struct msg m;
		struct _pulse p;
	} buf;
	struct _msg_info info;
	char line[16];
	FILE *go;
	int chid = ChannelCreate(0), rcvid, i;

	if (chid < 0) {
		fprintf(stderr, "ChannelCreate: %s\n", strerror(errno));
		return 1;
	}
	printf("chid %d %d\n", (int)getpid(), chid);
	fflush(stdout);
	go = fopen(fifo, "r"); /* blocks until the script opens it */
	if (!go || !fgets(line, sizeof(line), go)) {
		fprintf(stderr, "%s: no go\n", fifo);
		return 1;
	}
	fclose(go);
	for (i = 0; i < count; i++) {
		rcvid = MsgReceive(chid, &buf, sizeof(buf), &info);
		if (rcvid < 0) {
			fprintf(stderr, "MsgReceive: %s\n", strerror(errno));
			return 1;
		}
		if (rcvid == 0) {
			unsigned v = (unsigned)buf.p.value.sival_int;

			if (buf.p.code != PULSE_CODE) {
				i--; /* not ours (none expected): not counted */
				printf("other-pulse %d\n", buf.p.code);
				continue;
			}
			printf("pulse %u %u\n", v >> 16, v & 0xffffu);
			continue;
		}
		printf("msg %d %d %d\n", (int)info.pid, (int)info.priority,
		       buf.m.tag);
		if (MsgReply(rcvid, EOK, NULL, 0) == -1) {
			fprintf(stderr, "MsgReply: %s\n", strerror(errno));
			return 1;
		}
	}
	fflush(stdout);
	return 0;
}

struct sender {
	int coid, prio, tag, err;
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	struct msg m = {s->tag};

	if (set_prio(s->prio) < 0)
		s->err = EINVAL;
	else if (MsgSend(s->coid, &m, sizeof(m), NULL, 0) == -1)
		s->err = errno;
	return NULL;
}

static int low(pid_t pid, int chid, int proc, int threads, int pulses, int prio)
{
	struct sender *s = calloc((size_t)threads, sizeof(*s));
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	int coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0), i,
	    bad = 0;

	if (!s || !t || coid < 0) {
		fprintf(stderr, "ConnectAttach: %s\n", strerror(errno));
		free(s);
		free(t);
		return 1;
	}
	for (i = 0; i < pulses; i++)
		if (MsgSendPulse(coid, prio, PULSE_CODE, (proc << 16) | i) ==
		    -1) {
			fprintf(stderr, "MsgSendPulse %d: %s\n", i,
				strerror(errno));
			return 1;
		}
	printf("posted\n");
	fflush(stdout);
	for (i = 0; i < threads; i++) {
		s[i] = (struct sender){coid, prio, proc, 0};
		if (pthread_create(&t[i], NULL, send_thread, &s[i]) != 0) {
			fprintf(stderr, "pthread_create %d failed\n", i);
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		if (s[i].err) {
			fprintf(stderr, "MsgSend %d: %s\n", i,
				strerror(s[i].err));
			bad = 1;
		}
	}
	printf("replied %d\n", threads);
	free(s);
	free(t);
	return bad;
}

static int high(pid_t pid, int chid, int prio)
{
	struct sender s;
	int coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);

	if (coid < 0) {
		fprintf(stderr, "ConnectAttach: %s\n", strerror(errno));
		return 1;
	}
	s = (struct sender){coid, prio, -1, 0};
	send_thread(&s);
	if (s.err) {
		fprintf(stderr, "MsgSend: %s\n", strerror(s.err));
		return 1;
	}
	printf("replied 1\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server(argv[2], atoi(argv[3]));
	if (argc == 8 && !strcmp(argv[1], "low"))
		return low(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
			   atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
	if (argc == 5 && !strcmp(argv[1], "high"))
		return high(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of prio-probe.c\n");
	return 2;
}
