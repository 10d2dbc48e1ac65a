/*
 * The qcc test project's server, written as for QNX: name_attach, a
 * MsgReceive loop, MsgReply. Answers ECHO messages until a QUIT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "echo.h"

#ifndef __QNXNTO__
#error "qcc defines __QNXNTO__"
#endif
#ifndef ECHO_VERSION
#error "the Makefile passes -DECHO_VERSION"
#endif

typedef union {
	uint16_t type;
	struct _pulse pulse;
	echo_msg_t echo;
} msg_t;

int main(void)
{
	name_attach_t *att = name_attach(NULL, ECHO_NAME, 0);
	msg_t msg;
	echo_reply_t reply;
	int rcvid;

	if (att == NULL) {
		perror("server: name_attach");
		return EXIT_FAILURE;
	}
	for (;;) {
		rcvid = MsgReceive(att->chid, &msg, sizeof(msg), NULL);
		if (rcvid == -1) {
			perror("server: MsgReceive");
			return EXIT_FAILURE;
		}
		if (rcvid == 0) {
			if (msg.pulse.code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(msg.pulse.scoid);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0);
			continue;
		}
		if (msg.type == ECHO_QUIT) {
			MsgReply(rcvid, EOK, NULL, 0);
			break;
		}
		if (msg.type != ECHO_MSG_TYPE) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		msg.echo.text[sizeof(msg.echo.text) - 1] = '\0';
		reply.version = ECHO_VERSION;
		echo_transform(msg.echo.text, reply.text, sizeof(reply.text));
		printf("server: echo '%s'\n", msg.echo.text);
		fflush(stdout);
		MsgReply(rcvid, EOK, &reply, sizeof(reply));
	}
	name_detach(att, 0);
	printf("server: quit\n");
	return EXIT_SUCCESS;
}
