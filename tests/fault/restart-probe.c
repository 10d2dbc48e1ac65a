/*
 * restart-probe: the process side of the ipcd restart scenarios
 * (tests/fault/ipcd-restart-*.sh). It holds a connection across ipcd's
 * death and restart and does one step per SIGUSR1, printing one line per
 * result, so a script can act between steps without sleeping. Every wait
 * for a signal is bounded (60 s). Test code only.
 *
 *	restart-probe client NAME
 *	    name_open(NAME), print "connected pid=P", then on each SIGUSR1 send
 *	    a batch of 100 fault_msg requests and print "batch K ok=N err=E
 *	    first=ERRNO" (first=OK when none failed); exits on SIGTERM.
 *	restart-probe stall NAME
 *	    name_open(NAME), print "ready pid=P"; on SIGUSR1 (ipcd stopped by
 *	    then) ChannelCreate and name_open, printing "chan rc=.." and
 *	    "open rc=.."; on the next SIGUSR1 (ipcd running again) name_open
 *	    and one request, "reopen rc=.." and "send rc=.. data=ok|bad".
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "servers/pattern/pattern.h"
#include "tests/fault/fault.h"

#define BATCH 100
#define RLEN  64

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* The next SIGUSR1 (1) or SIGTERM (0); -1 after 60 s without either. */
static int next_step(void)
{
	struct timespec limit = {60, 0};
	sigset_t set;
	int sig;

	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sig = sigtimedwait(&set, NULL, &limit);
	if (sig == SIGUSR1)
		return 1;
	return sig == SIGTERM ? 0 : -1;
}

/* One request; 0 with exact reply bytes, else the errno (EBADMSG: bytes
 * wrong). */
static int one(int coid, uint32_t seq)
{
	struct fault_msg m = {FAULT_MSG_TYPE, FAULT_OP_ECHO, seq, RLEN, seq};
	char rbuf[RLEN];

	memset(rbuf, 0, sizeof(rbuf));
	if (MsgSend(coid, &m, sizeof(m), rbuf, sizeof(rbuf)) == -1)
		return errno ? errno : EIO;
	return pattern_check(m.seed, 0, rbuf, RLEN) == RLEN ? 0 : EBADMSG;
}

static int cmd_client(const char *name)
{
	int coid = name_open(name, 0), k, i, step;
	uint32_t seq = 0;

	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	printf("connected pid=%d\n", (int)getpid());
	for (k = 1; (step = next_step()) == 1; k++) {
		int ok = 0, err = 0, first = 0;

		for (i = 0; i < BATCH; i++) {
			int rc = one(coid, ++seq);

			if (rc == 0) {
				ok++;
				continue;
			}
			err++;
			if (!first)
				first = rc;
		}
		printf("batch %d ok=%d err=%d first=%s\n", k, ok, err,
		       first ? ename(first) : "OK");
	}
	return step < 0 ? 1 : 0;
}

static int cmd_stall(const char *name)
{
	int coid = name_open(name, 0), chid, rc;

	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	printf("ready pid=%d\n", (int)getpid());
	if (next_step() != 1)
		return 1;
	chid = ChannelCreate(0);
	printf("chan rc=%s\n", chid == -1 ? ename(errno) : "OK");
	rc = name_open(name, 0);
	printf("open rc=%s\n", rc == -1 ? ename(errno) : "OK");
	if (next_step() != 1)
		return 1;
	coid = name_open(name, 0);
	printf("reopen rc=%s\n", coid == -1 ? ename(errno) : "OK");
	if (coid == -1)
		return 1;
	rc = one(coid, 1);
	printf("send rc=%s data=%s\n", rc && rc != EBADMSG ? ename(rc) : "OK",
	       rc == EBADMSG ? "bad"
	       : rc	     ? "none"
			     : "ok");
	/* one more call, so the last late reply is read and undone */
	name_close(coid);
	printf("done\n");
	return next_step() < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	sigset_t set;

	/* blocked from the start: a signal before the wait is not lost */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "client") == 0)
		return cmd_client(argv[2]);
	if (argc == 3 && strcmp(argv[1], "stall") == 0)
		return cmd_stall(argv[2]);
	fprintf(stderr, "usage: restart-probe client|stall NAME\n");
	return 2;
}
