/*
 * A raw name_attach server and its name_open client, written the way QNX's
 * training material and name_attach() docs write them: MsgReceive on
 * attach->chid, pulses by code, every unknown message type answered with
 * MsgError(ENOSYS) (or, in "eok" mode, _IO_CONNECT answered with EOK as the
 * docs suggest). Driven by name-open-raw.sh and name-open-cross.sh.
 *
 *   name_raw server NAME enosys|eok   serve until a QUIT message
 *   name_raw client NAME TEXT         name_open, checksum TEXT, quit server
 *   name_raw self NAME                server thread + client in one process
 *   name_raw peer MINE OTHER          attach MINE, wait for SIGUSR1, then
 *                                     name_open OTHER before receiving
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#define CKSUM_MSG_TYPE	(_IO_MAX + 1)
#define QUIT_MSG_TYPE	(_IO_MAX + 2)
#define PEER_PULSE_CODE (_PULSE_CODE_MINAVAIL + 1)

typedef struct {
	uint16_t msg_type;
	char text[64];
} cksum_msg_t;

typedef union {
	uint16_t type;
	struct _pulse pulse;
	cksum_msg_t cksum;
} msg_buf_t;

static int checksum(const char *s)
{
	int sum = 0;

	while (*s)
		sum += *s++;
	return sum;
}

/* The training course's receive loop. Returns when a QUIT arrives. */
static int serve(name_attach_t *attach, int eok)
{
	msg_buf_t msg;
	int rcvid, sum;

	for (;;) {
		rcvid = MsgReceive(attach->chid, &msg, sizeof(msg), NULL);
		if (rcvid == -1) {
			perror("MsgReceive");
			return EXIT_FAILURE;
		}
		if (rcvid == 0) {
			switch (msg.pulse.code) {
			case _PULSE_CODE_DISCONNECT:
				printf("server: disconnect\n");
				ConnectDetach(msg.pulse.scoid);
				break;
			case _PULSE_CODE_UNBLOCK:
				MsgError(msg.pulse.value.sival_int, EINTR);
				break;
			default:
				break;
			}
			fflush(stdout);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			printf("server: got _IO_CONNECT\n");
			fflush(stdout);
			if (eok) {
				MsgReply(rcvid, EOK, NULL, 0);
				continue;
			}
		}
		switch (msg.type) {
		case CKSUM_MSG_TYPE:
			msg.cksum.text[sizeof(msg.cksum.text) - 1] = '\0';
			sum = checksum(msg.cksum.text);
			MsgReply(rcvid, EOK, &sum, sizeof(sum));
			break;
		case QUIT_MSG_TYPE:
			MsgReply(rcvid, EOK, NULL, 0);
			return EXIT_SUCCESS;
		default:
			/* unknown message type: unblock the client with an
			 * error */
			MsgError(rcvid, ENOSYS);
			break;
		}
	}
}

static int do_server(const char *name, const char *mode)
{
	name_attach_t *attach;
	int rc;

	attach = name_attach(NULL, name, 0);
	if (attach == NULL) {
		perror("name_attach");
		return EXIT_FAILURE;
	}
	printf("server: ready\n");
	fflush(stdout);
	rc = serve(attach, strcmp(mode, "eok") == 0);
	name_detach(attach, 0);
	return rc;
}

/* name_open, one checksum request, one QUIT. */
static int client(const char *name, const char *text)
{
	cksum_msg_t msg;
	int coid, sum = 0;
	uint16_t quit = QUIT_MSG_TYPE;

	coid = name_open(name, 0);
	if (coid == -1) {
		printf("client: name_open: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_type = CKSUM_MSG_TYPE;
	snprintf(msg.text, sizeof(msg.text), "%s", text);
	if (MsgSend(coid, &msg, sizeof(msg), &sum, sizeof(sum)) == -1) {
		printf("client: MsgSend: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	printf("client: checksum %d (want %d)\n", sum, checksum(text));
	if (MsgSend(coid, &quit, sizeof(quit), NULL, 0) == -1) {
		printf("client: quit: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	name_close(coid);
	return sum == checksum(text) ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void *self_server(void *arg)
{
	return (void *)(intptr_t)serve(arg, 0);
}

/* One process: a server thread on the name, the main thread its client. */
static int do_self(const char *name)
{
	name_attach_t *attach;
	pthread_t tid;
	void *res;
	int rc;

	attach = name_attach(NULL, name, 0);
	if (attach == NULL) {
		perror("name_attach");
		return EXIT_FAILURE;
	}
	pthread_create(&tid, NULL, self_server, attach);
	rc = client(name, "self");
	pthread_join(tid, &res);
	name_detach(attach, 0);
	return rc == EXIT_SUCCESS && (intptr_t)res == EXIT_SUCCESS
		       ? EXIT_SUCCESS
		       : EXIT_FAILURE;
}

/* Attach MINE; on SIGUSR1 name_open OTHER (whose single-threaded server is
 * doing the same to us at the same moment), then pulse it and receive its
 * pulse. */
static int do_peer(const char *mine, const char *other)
{
	struct timespec limit = {30, 0};
	name_attach_t *attach;
	msg_buf_t msg;
	sigset_t set;
	int coid, rcvid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	attach = name_attach(NULL, mine, 0);
	if (attach == NULL) {
		perror("name_attach");
		return EXIT_FAILURE;
	}
	printf("peer: attached\n");
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1) {
		printf("peer: no SIGUSR1\n");
		return EXIT_FAILURE;
	}
	coid = name_open(other, 0);
	if (coid == -1) {
		printf("peer: name_open %s: %s\n", other, strerror(errno));
		return EXIT_FAILURE;
	}
	printf("peer: opened %s\n", other);
	fflush(stdout);
	if (MsgSendPulse(coid, -1, PEER_PULSE_CODE, 7) == -1) {
		printf("peer: MsgSendPulse: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	for (;;) {
		rcvid = MsgReceive(attach->chid, &msg, sizeof(msg), NULL);
		if (rcvid == -1) {
			printf("peer: MsgReceive: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		if (rcvid == 0 && msg.pulse.code == PEER_PULSE_CODE)
			break;
		if (rcvid > 0)
			MsgError(rcvid, ENOSYS);
	}
	printf("peer: pulse value %d\n", msg.pulse.value.sival_int);
	name_close(coid);
	name_detach(attach, 0);
	return EXIT_SUCCESS;
}

int main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "server") == 0)
		return do_server(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "client") == 0)
		return client(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "self") == 0)
		return do_self(argv[2]);
	if (argc == 4 && strcmp(argv[1], "peer") == 0)
		return do_peer(argv[2], argv[3]);
	fprintf(stderr,
		"usage: %s server NAME enosys|eok | client NAME TEXT "
		"| self NAME | peer MINE OTHER\n",
		argv[0]);
	return 2;
}
