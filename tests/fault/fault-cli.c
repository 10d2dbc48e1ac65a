/*
 * fault-cli: the client side of the fault scenarios. Each subcommand does
 * one thing a scenario needs and prints what a user would see (the errno
 * of each call, whether every reply byte was exact) as one line per event
 * on stdout, so the scripts assert on text. Test code only.
 *
 *	fault-cli send NAME COUNT [-s SBYTES] [-r RLEN] [-w] [-t MS] [-x SEED]
 *	                          [-h WAIT_MS] [-a] [-q] [-g]
 *	    COUNT fault_msg requests on name_open(NAME); -w asks for the reply
 *	    by MsgWrite; -t arms TimerTimeout(SEND|REPLY, MS) before each; -h
 *	    uses ha_name_open with HA_RECOVERY_WAIT_MS; -a adds the at-most-once
 *	    policy; -q stops at the first error; -g connects, prints
 *	    "connected", then waits (at most 30 s) for SIGUSR1 before sending,
 *	    so a script can connect clients first. Exit 0 unless a reply byte
 *was wrong (3) or the connection could not be made (1). fault-cli pulse NAME N
 *[-g]  N pulses (code 5, values 1..N) on name_open(NAME); -g as for send
 *	fault-cli hold PATH N      open PATH N times, print "held N", sleep
 *	fault-cli ocbs PATH        print the OCB count of a pattern device
 *	fault-cli wait PATH MS     wait for PATH to be registered (exit 1: not)
 *	fault-cli read PATH BYTES  read and check BYTES of a pattern device
 *	fault-cli mkpattern FILE BYTES  write a host file holding the pattern
 *	                           (seed 0), for a file server to export
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/pattern/pattern.h"
#include "tests/fault/fault.h"

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fault-cli send NAME COUNT [-s SBYTES] [-r RLEN] [-w] "
		"[-t MS] [-x SEED] [-h WAIT_MS] [-a] [-q]\n"
		"       fault-cli pulse NAME N [-g] | hold PATH N | ocbs PATH "
		"| "
		"wait PATH MS | read PATH BYTES | mkpattern FILE BYTES\n");
	exit(2);
}

/* -g: SIGUSR1 is blocked from the start (main); take it here, or give up
 * after 30 s. */
static int wait_go(void)
{
	struct timespec limit = {30, 0};
	sigset_t usr1;

	fflush(stdout);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigtimedwait(&usr1, NULL, &limit) != SIGUSR1) {
		printf("no go signal\n");
		return -1;
	}
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	uint32_t sbytes = 0, rlen = 64, seed = 1;
	int c, coid, i, count, timeout_ms = -1, ha_wait = -1, amo = 0;
	int quit = 0, bad = 0, go = 0, op = FAULT_OP_ECHO;
	const char *name;
	char *sbuf, *rbuf;

	if (argc < 3)
		usage();
	name = argv[1];
	count = atoi(argv[2]);
	optind = 3;
	while ((c = getopt(argc, argv, "s:r:wt:x:h:aqg")) != -1) {
		switch (c) {
		case 's':
			sbytes = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rlen = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			op = FAULT_OP_WRITE;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'x':
			seed = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			ha_wait = atoi(optarg);
			break;
		case 'a':
			amo = 1;
			break;
		case 'q':
			quit = 1;
			break;
		case 'g':
			go = 1;
			break;
		default:
			usage();
		}
	}
	sbuf = malloc(sizeof(struct fault_msg) + sbytes);
	rbuf = malloc(rlen ? rlen : 1);
	if (!sbuf || !rbuf) {
		bad = 1;
		goto out;
	}
	if (ha_wait >= 0) {
		coid = ha_name_open(name, 0, NULL, NULL, 0);
		if (coid != -1 &&
		    (ha_connection_ctrl(coid, HA_RECOVERY_WAIT_MS,
					(void *)(intptr_t)ha_wait) == -1 ||
		     ha_connection_ctrl(coid, HA_RECOVERY_AT_MOST_ONCE,
					(void *)(intptr_t)amo) == -1))
			coid = -1;
	} else {
		coid = name_open(name, 0);
	}
	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		bad = 1;
		goto out;
	}
	printf("connected coid=%#x pid=%d\n", coid, (int)getpid());
	fflush(stdout);
	if (go && wait_go() < 0) {
		bad = 1;
		goto out;
	}
	for (i = 1; i <= count; i++) {
		struct fault_msg *m = (struct fault_msg *)sbuf;
		int64_t t0 = now_ms();
		int st, err, ok;

		m->type = FAULT_MSG_TYPE;
		m->op = (uint16_t)op;
		m->seq = (uint32_t)i;
		m->rlen = rlen;
		m->seed = seed + (uint32_t)i;
		pattern_fill(m->seed, 0, sbuf + sizeof(*m), sbytes);
		memset(rbuf, 0, rlen);
		if (timeout_ms >= 0) {
			uint64_t ns = (uint64_t)timeout_ms * 1000000u;

			TimerTimeout(CLOCK_MONOTONIC,
				     _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY,
				     NULL, &ns, NULL);
		}
		st = MsgSend(coid, sbuf, (int)(sizeof(*m) + sbytes), rbuf,
			     (int)rlen);
		err = errno;
		if (st == -1) {
			printf("send seq=%d rc=%s ms=%lld\n", i, ename(err),
			       (long long)(now_ms() - t0));
			fflush(stdout);
			if (quit)
				break;
			continue;
		}
		ok = pattern_check(m->seed, 0, rbuf, rlen) == rlen;
		if (!ok)
			bad = 1;
		printf("send seq=%d rc=OK status=%d ms=%lld data=%s\n", i, st,
		       (long long)(now_ms() - t0), ok ? "ok" : "bad");
		fflush(stdout);
	}
	if (ha_wait >= 0) {
		int n = 0;

		ha_connection_ctrl(coid, HA_RECOVERY_GET_ACOUNT, &n);
		printf("recoveries %d\n", n);
	}
	printf("done\n");
	if (bad)
		bad = 3;
out:
	free(sbuf);
	free(rbuf);
	return bad;
}

static int cmd_pulse(const char *name, int n, int go)
{
	int coid, i;

	coid = name_open(name, 0);
	if (coid == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	printf("connected coid=%#x pid=%d\n", coid, (int)getpid());
	if (go && wait_go() < 0)
		return 1;
	for (i = 1; i <= n; i++) {
		if (MsgSendPulse(coid, 10, 5, i) == -1)
			printf("pulse %d rc=%s\n", i, ename(errno));
		else
			printf("pulse %d rc=OK\n", i);
	}
	return 0;
}

static int cmd_hold(const char *path, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (open(path, O_RDONLY) == -1) {
			printf("open %d rc=%s\n", i, ename(errno));
			return 1;
		}
	printf("held %d pid=%d\n", n, (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_ocbs(const char *path)
{
	struct _io_devctl m = {.type = _IO_DEVCTL,
			       .dcmd = PATTERN_DCMD_OCB_COUNT};
	struct _io_devctl_reply r = {0};
	int fd = open(path, O_RDONLY);

	if (fd == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	if (MsgSend(fd, &m, sizeof m, &r, sizeof r) == -1) {
		printf("devctl rc=%s\n", ename(errno));
		return 1;
	}
	/* the count includes this open */
	printf("ocbs %d\n", r.ret_val - 1);
	close(fd);
	return 0;
}

static int cmd_read(const char *path, uint64_t total)
{
	static char buf[65536];
	uint64_t off = 0;
	int fd = open(path, O_RDONLY);

	if (fd == -1) {
		printf("open rc=%s\n", ename(errno));
		return 1;
	}
	while (off < total) {
		size_t want = total - off < sizeof buf ? (size_t)(total - off)
						       : sizeof buf;
		ssize_t n = read(fd, buf, want);

		if (n <= 0) {
			printf("read at %llu rc=%s\n", (unsigned long long)off,
			       n < 0 ? ename(errno) : "EOF");
			return 1;
		}
		if (pattern_check(0, off, buf, (size_t)n) != (size_t)n) {
			printf("read at %llu: wrong byte\n",
			       (unsigned long long)off);
			return 3;
		}
		off += (uint64_t)n;
	}
	printf("read %llu ok\n", (unsigned long long)off);
	close(fd);
	return 0;
}

static int cmd_mkpattern(const char *file, uint64_t total)
{
	static char buf[65536];
	FILE *f = fopen(file, "wb");
	uint64_t off = 0;

	if (!f) {
		printf("fopen rc=%s\n", ename(errno));
		return 1;
	}
	while (off < total) {
		size_t n = total - off < sizeof buf ? (size_t)(total - off)
						    : sizeof buf;

		pattern_fill(0, off, buf, n);
		if (fwrite(buf, 1, n, f) != n)
			break;
		off += n;
	}
	if (fclose(f) != 0 || off != total) {
		printf("write rc=%s\n", ename(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t usr1;

	/* blocked before anything can send it: see wait_go */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "pulse") == 0 && (argc == 4 || argc == 5))
		return cmd_pulse(argv[2], atoi(argv[3]),
				 argc == 5 && strcmp(argv[4], "-g") == 0);
	if (strcmp(argv[1], "hold") == 0 && argc == 4)
		return cmd_hold(argv[2], atoi(argv[3]));
	if (strcmp(argv[1], "ocbs") == 0 && argc == 3)
		return cmd_ocbs(argv[2]);
	if (strcmp(argv[1], "wait") == 0 && argc == 4)
		return nto_path_wait(argv[2], atoi(argv[3])) == 0 ? 0 : 1;
	if (strcmp(argv[1], "mkpattern") == 0 && argc == 4)
		return cmd_mkpattern(argv[2], strtoull(argv[3], NULL, 0));
	if (strcmp(argv[1], "read") == 0 && argc == 4)
		return cmd_read(argv[2], strtoull(argv[3], NULL, 0));
	usage();
	return 2;
}
