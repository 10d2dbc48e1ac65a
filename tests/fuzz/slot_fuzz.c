/*
 * libFuzzer harness for the server side's validation of what a client wrote
 * into a connection region (libnto's msgrecv.c: scan, take/valid_snap,
 * MsgRead/MsgWrite/MsgReply/MsgError/MsgInfo on what was taken, pulses). A
 * real ipcd (started here, killed with us) gives this process a channel and
 * a connection to it; the fuzzer then plays the hostile client, writing
 * slot headers and pulse entries straight into the mapped region, and the
 * process as server receives (never blocking) and answers whatever it was
 * given. Anything read outside the region, or copied past a buffer, crashes.
 *
 * Input: byte 0 = number of slots to fill, byte 1 = pulses, bytes 2-3 =
 * the receive buffer size; then per slot a struct slot_in, per pulse a
 * struct pulse_in, then per message taken a struct op_in (all
 * little-endian, zero-filled when the input runs out).
 * Built with clang -fsanitize=fuzzer,address by `make fuzz` (with libnto's
 * sources instrumented), and with the normal compiler as
 * tests/fuzz/slot-replay (replay.c) for make check.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct slot_in {
	uint8_t state; /* low 3 bits: the state; 0x80: SEND regardless */
	uint8_t flags;
	int16_t priority;
	int32_t sbytes;
	int32_t rbytes;
	uint32_t gen;
	uint64_t ext_off;
	uint64_t ext_cap;
	uint64_t rbase;
	uint8_t where; /* 0x1: ext_off relative to this slot's inline extent */
	uint8_t pad[7];
} __attribute__((packed));

struct pulse_in {
	uint8_t state;
	int8_t code;
	int16_t priority;
	int32_t value;
} __attribute__((packed));

struct op_in {
	uint8_t what; /* bit 0-1: reply, error, error(EOK), none; 4: MsgInfo */
	uint8_t err;
	uint16_t rdlen;
	int32_t rdoff;
	uint16_t wrlen;
	int32_t wroff;
	uint16_t replylen;
} __attribute__((packed));

static int chid = -1, coid = -1, verbose;
static struct nto_conn_region *region;
static pid_t ipcd_pid;
static char dir[64], sock[128];

static void die(const char *what)
{
	fprintf(stderr, "slot_fuzz: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A private ipcd in the foreground, SIGKILLed if this process dies. */
static void start_ipcd(void)
{
	const char *ipcd = getenv("NTOSIM_IPCD");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int i;

	if (!ipcd) {
		fprintf(stderr, "slot_fuzz: set NTOSIM_IPCD to ipcd's path\n");
		exit(1);
	}
	snprintf(dir, sizeof(dir), "/tmp/slot-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(sock, sizeof(sock), "%s/s", dir);
	setenv(NTO_SOCKET_ENV, sock, 1);
	ipcd_pid = fork();
	if (ipcd_pid < 0)
		die("fork");
	if (ipcd_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(ipcd, ipcd, "-f", "-s", sock, (char *)NULL);
		_exit(127);
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	for (i = 0; i < 1000; i++) { /* bounded: 10 s */
		struct timespec ts = {0, 10000000};
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (fd >= 0 &&
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return;
		}
		if (fd >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "slot_fuzz: ipcd did not start on %s\n", sock);
	exit(1);
}

static void stop_ipcd(void)
{
	char pidfile[sizeof(sock) + 8];

	if (ipcd_pid > 0) {
		kill(ipcd_pid, SIGKILL);
		waitpid(ipcd_pid, NULL, 0);
	}
	snprintf(pidfile, sizeof(pidfile), "%s.pid", sock);
	unlink(pidfile);
	unlink(sock);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nto_coid *c;
	struct _pulse p;

	(void)argc;
	(void)argv;
	verbose = getenv("SLOT_FUZZ_VERBOSE") != NULL;
	start_ipcd();
	atexit(stop_ipcd);
	chid = ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT);
	if (chid == -1)
		die("ChannelCreate");
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1)
		die("ConnectAttach");
	c = nto__coid_get(coid);
	if (!c)
		die("nto__coid_get");
	region = c->conn->region;
	nto__coid_put(c);
	/* one round trip of a pulse maps the connection on the server side */
	if (MsgSendPulse(coid, 10, 1, 0) == -1 ||
	    MsgReceive(chid, &p, sizeof(p), NULL) != 0)
		die("warm-up pulse");
	return 0;
}

/* Consume n bytes of input into dst (zero-filled past the end). */
static void take_in(const uint8_t **d, size_t *left, void *dst, size_t n)
{
	size_t k = n < *left ? n : *left;

	memset(dst, 0, n);
	memcpy(dst, *d, k);
	*d += k;
	*left -= k;
}

static void reset_region(void)
{
	unsigned i;

	for (i = 0; i < NTO_CONN_SLOTS; i++) {
		atomic_store(&region->slot[i].state, NTO_SLOT_FREE);
		atomic_store(&region->slot[i].flags, 0);
	}
	for (i = 0; i < NTO_CONN_PULSES; i++)
		atomic_store(&region->pulse[i].state, NTO_PULSE_FREE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char wrbuf[65536], rdbuf[65536], reply[65536];
	const uint8_t *d = data;
	size_t left = size;
	unsigned nslots, npulses, i;
	uint16_t rxsize;
	char *rx;
	int rounds;

	if (size < 4)
		return 0;
	nslots = d[0] % (NTO_CONN_SLOTS + 1);
	npulses = d[1] % 9;
	rxsize = (uint16_t)(d[2] | (d[3] << 8));
	d += 4;
	left -= 4;
	for (i = 0; i < nslots; i++) {
		struct nto_slot *s = &region->slot[i];
		struct slot_in in;
		uint32_t st;

		take_in(&d, &left, &in, sizeof(in));
		st = (in.state & 0x80) ? NTO_SLOT_SEND : (in.state & 7u);
		s->gen = in.gen;
		s->coid = coid;
		s->tid = 1;
		s->priority = in.priority;
		s->sbytes = in.sbytes;
		s->rbytes = in.rbytes;
		/* the slot's fields are 32-bit: the input's high halves
		 * fold into the low ones so they still reach every value */
		s->ext_off = (uint32_t)(in.ext_off ^ (in.ext_off >> 32));
		if (in.where & 1)
			s->ext_off = NTO_CONN_DATA + i * NTO_CONN_INLINE +
				     (uint32_t)(in.ext_off & 0xffff);
		s->ext_cap = (uint32_t)(in.ext_cap ^ (in.ext_cap >> 32));
		s->rbase = (uint32_t)(in.rbase ^ (in.rbase >> 32));
		s->ticket = i;
		s->status = s->err = s->reply_len = 0;
		atomic_store(&s->flags, in.flags & 7u);
		atomic_store(&s->state, st);
	}
	for (i = 0; i < npulses; i++) {
		struct nto_pulse_ent *p = &region->pulse[i];
		struct pulse_in in;

		take_in(&d, &left, &in, sizeof(in));
		p->priority = in.priority;
		p->code = in.code;
		p->value = in.value;
		p->scoid = 0;
		p->ticket = 100 + i;
		atomic_store(&p->state, in.state & 3u);
	}
	/* a client may leave any bits in its masks: all set makes every
	 * slot and entry one the receiver looks at */
	atomic_store(&region->hdr.sendmask, UINT32_MAX);
	atomic_store(&region->hdr.pulsemask, UINT64_MAX);

	rx = malloc(rxsize ? rxsize : 1); /* exact size: ASan sees overflows */
	if (!rx)
		return 0;
	for (rounds = 0; rounds < (int)(NTO_CONN_SLOTS + NTO_CONN_PULSES);
	     rounds++) {
		struct _msg_info info;
		struct op_in op;
		int rcvid;

		TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL,
			     NULL); /* never block */
		rcvid = MsgReceive(chid, rx, rxsize, &info);
		if (verbose)
			fprintf(stderr,
				"receive: %d (%s) msglen %d srcmsglen %d\n",
				rcvid, rcvid == -1 ? strerror(errno) : "ok",
				rcvid > 0 ? info.msglen : 0,
				rcvid > 0 ? info.srcmsglen : 0);
		if (rcvid == -1)
			break;
		if (rcvid == 0)
			continue; /* a pulse */
		take_in(&d, &left, &op, sizeof(op));
		if (op.what & 4)
			MsgInfo(rcvid, &info);
		MsgRead(rcvid, rdbuf, op.rdlen, op.rdoff);
		memset(wrbuf, 0xa5, op.wrlen);
		MsgWrite(rcvid, wrbuf, op.wrlen, op.wroff);
		switch (op.what & 3) {
		case 0:
			MsgReply(rcvid, 0, reply, op.replylen);
			break;
		case 1:
			MsgError(rcvid, op.err ? op.err : EIO);
			break;
		case 2:
			MsgError(rcvid, EOK);
			break;
		default:
			break; /* left unanswered; reset below */
		}
	}
	free(rx);
	reset_region();
	return 0;
}
