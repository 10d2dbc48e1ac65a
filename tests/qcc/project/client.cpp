/*
 * The qcc test project's client, in C++ (built with qcc -lang-c++):
 * name_open the server, send each argument, print the replies, then QUIT.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "echo.h"

int main(int argc, char **argv)
{
	int coid = name_open(ECHO_NAME, 0);

	if (coid == -1) {
		std::perror("client: name_open");
		return EXIT_FAILURE;
	}
	for (int i = 1; i < argc; i++) {
		echo_msg_t msg = {};
		echo_reply_t reply = {};

		msg.type = ECHO_MSG_TYPE;
		std::snprintf(msg.text, sizeof(msg.text), "%s", argv[i]);
		if (MsgSend(coid, &msg, sizeof(msg), &reply, sizeof(reply)) ==
		    -1) {
			std::perror("client: MsgSend");
			return EXIT_FAILURE;
		}
		std::printf("client: '%s' -> '%s' (server version %d)\n",
			    argv[i], reply.text, (int)reply.version);
	}
	uint16_t quit = ECHO_QUIT;
	if (MsgSend(coid, &quit, sizeof(quit), NULL, 0) == -1) {
		std::perror("client: MsgSend quit");
		return EXIT_FAILURE;
	}
	name_close(coid);
	return EXIT_SUCCESS;
}
