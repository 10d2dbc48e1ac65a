/*
 * spare-probe: one client process that connects to a name_attach server
 * ROUNDS times (name_open, one exact-data MsgSend, name_close), waiting for
 * SIGUSR1 before each round after the first, and holds the last
 * connection open until killed. Its later connections reuse the spare
 * region of the earlier ones (issue 10), which the scenario checks the
 * server mapped without asking ipcd. Test code only.
 *
 *	spare-probe NAME ROUNDS
 * Prints "conn R scoid=S" per round, "closed R" after each close, and
 * "held pid=P" before it waits to be killed.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "servers/pattern/pattern.h"
#include "tests/fault/fault.h"

#define RLEN 64

static int round_trip(int coid, uint32_t seq)
{
	struct fault_msg m = {FAULT_MSG_TYPE, FAULT_OP_ECHO, seq, RLEN,
			      1000 + seq};
	char r[RLEN];

	memset(r, 0, sizeof(r));
	if (MsgSend(coid, &m, sizeof(m), r, sizeof(r)) == -1) {
		printf("send %u rc=%s\n", seq, strerror(errno));
		return -1;
	}
	if (pattern_check(m.seed, 0, r, RLEN) != RLEN) {
		printf("send %u: wrong reply bytes\n", seq);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec limit = {30, 0};
	struct _server_info si;
	sigset_t usr1;
	int coid, r, rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: spare-probe NAME ROUNDS\n");
		return 2;
	}
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	for (r = 1; r <= rounds; r++) {
		if (r > 1 && sigtimedwait(&usr1, NULL, &limit) != SIGUSR1) {
			printf("no go signal\n");
			return 1;
		}
		coid = name_open(argv[1], 0);
		if (coid == -1) {
			printf("open %d rc=%s\n", r, strerror(errno));
			return 1;
		}
		if (ConnectServerInfo(0, coid, &si) != coid) {
			printf("serverinfo %d rc=%s\n", r, strerror(errno));
			return 1;
		}
		if (round_trip(coid, (uint32_t)r) < 0)
			return 1;
		printf("conn %d scoid=%d\n", r, si.scoid);
		fflush(stdout);
		if (r == rounds)
			break;
		if (name_close(coid) == -1) {
			printf("close %d rc=%s\n", r, strerror(errno));
			return 1;
		}
		printf("closed %d\n", r);
		fflush(stdout);
	}
	printf("held pid=%d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
