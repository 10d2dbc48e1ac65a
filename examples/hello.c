/*
 * hello: the smallest QNX message-passing program, for the README's
 * "Using it": a server thread receives on a channel, the main thread sends
 * it a message and prints the reply. Built with nothing but
 * `cc hello.c $(pkg-config --cflags --libs ntosim)`; ipcd starts on first
 * use if none runs.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sys/neutrino.h>

static int chid;

static void *server(void *arg)
{
	char msg[64];
	int rcvid, i;

	(void)arg;
	rcvid = MsgReceive(chid, msg, sizeof(msg), NULL);
	if (rcvid <= 0)
		return NULL;
	msg[sizeof(msg) - 1] = '\0';
	for (i = 0; msg[i]; i++)
		msg[i] = (char)toupper((unsigned char)msg[i]);
	MsgReply(rcvid, EOK, msg, strlen(msg) + 1);
	return NULL;
}

int main(void)
{
	char reply[64] = "";
	pthread_t t;
	int coid;

	chid = ChannelCreate(0);
	if (chid < 0) {
		perror("hello: ChannelCreate");
		return 1;
	}
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0) {
		perror("hello: ConnectAttach");
		return 1;
	}
	pthread_create(&t, NULL, server, NULL);
	if (MsgSend(coid, "hello, neutrino", 16, reply, sizeof(reply)) < 0) {
		perror("hello: MsgSend");
		return 1;
	}
	pthread_join(t, NULL);
	printf("reply: %s\n", reply);
	return 0;
}
