/*
 * notify_selcli: asks notify_selsrv (name_open NAME) what its select
 * handler has collected from the FIFO and prints the reply ("empty" or
 * "ok:<bytes>"), or from the device (getdev), or tells it to quit.
 * Usage: notify_selcli NAME get|getdev|quit
 */
#include <stdio.h>
#include <string.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

struct sel_msg {
	unsigned short type;
	unsigned short subtype;
};

int main(int argc, char **argv)
{
	struct sel_msg m = {0, 0};
	char reply[1100];
	int coid;

	if (argc != 3) {
		fprintf(stderr, "usage: notify_selcli NAME get|getdev|quit\n");
		return 2;
	}
	coid = name_open(argv[1], 0);
	if (coid == -1) {
		perror("name_open");
		return 1;
	}
	m.type = !strcmp(argv[2], "quit")     ? _IO_MAX + 2
		 : !strcmp(argv[2], "getdev") ? _IO_MAX + 3
					      : _IO_MAX + 1;
	memset(reply, 0, sizeof(reply));
	if (MsgSend(coid, &m, sizeof(m), reply, sizeof(reply) - 1) == -1) {
		perror("MsgSend");
		return 1;
	}
	if (m.type != _IO_MAX + 2)
		printf("%s\n", reply);
	name_close(coid);
	return 0;
}
