/*
 * hostile-cli: a client that attacks the shared memory it is given, the
 * way any process of the same user could: it finds its mappings in
 * /proc/self/maps and writes wherever the kernel lets it. Each subcommand
 * prints one line per attempt so the scripts assert on text. Test code only.
 *
 *	hostile-cli bell NAME
 *	    name_open(NAME); try to make the channel's waiter page writable
 *	    (mprotect, and as root a read-write reopen through
 *	    /proc/self/map_files), then scribble the doorbell word and exit.
 *	hostile-cli forge NAME
 *	    MsgSendPulse with each kernel pulse code (expect EINVAL), then
 *	    write kernel-coded entries straight into the connection's pulse
 *	    table, then send an honest pulse (code 5, value 77) and exit.
 *	hostile-cli clear NAME MS
 *	    name_open(NAME); for MS milliseconds keep clearing every ready
 *	    bit of the channel's doorbell and pinning its word (a live
 *	    attacker burning a CPU), then exit.
 *	hostile-cli hide NAME
 *	    name_open(NAME); one thread sends an echo request while the main
 *	    thread keeps clearing this connection's send mask (the hint that
 *	    names its waiting slots) until the send returns; prints
 *	    "hidden send rc=N cleared=M".
 *	hostile-cli fill NAME
 *	    32 threads MsgSend on one coid (the server is to hold them); on
 *	    SIGUSR1 a 33rd sends with TimerTimeout(SEND, 300 ms) and a 34th
 *	    without one is signalled (SIGUSR2) until its send returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>

#include "kernel-sim/proto/shm.h"
#include "tests/fault/fault.h"

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* The first mapping of /memfd:<name>: start address and permissions. */
static void *find_map(const char *name, char perms[5], unsigned long *len)
{
	char line[512], want[64];
	void *found = NULL;
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(want, sizeof(want), "/memfd:%s ", name);
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (!strstr(line, want) ||
		    sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		found = (void *)lo;
		*len = hi - lo;
	}
	fclose(f);
	return found;
}

static int connect_name(const char *name)
{
	int coid = name_open(name, 0);

	if (coid < 0) {
		printf("name_open %s\n", ename(errno));
		exit(1);
	}
	return coid;
}

static int cmd_bell(const char *name)
{
	char perms[5], path[128];
	unsigned long len;
	struct nto_doorbell *db;
	void *wait;
	int fd;

	connect_name(name);
	wait = find_map("ntosim-wait", perms, &len);
	db = find_map("ntosim-bell", perms, &len);
	if (!wait || !db) {
		printf("maps not found\n");
		return 1;
	}
	wait = find_map("ntosim-wait", perms, &len);
	printf("wait perms=%s\n", perms);
	printf("wait mprotect=%s\n",
	       mprotect(wait, len, PROT_READ | PROT_WRITE) == 0 ? "OK"
								: ename(errno));
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)wait, (unsigned long)wait + len);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("wait reopen=%s\n", ename(errno));
	} else {
		void *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, 0);
		uint32_t zero = 0;

		printf("wait reopen=OK mmap=%s write=%s\n",
		       w == MAP_FAILED ? ename(errno) : "OK",
		       pwrite(fd, &zero, sizeof(zero), 0) < 0 ? ename(errno)
							      : "OK");
		close(fd);
	}
	/* the doorbell word is ours to write: leave it in a state a
	 * receiver that trusted it would sleep through */
	atomic_store(&db->seq, 0);
	atomic_fetch_sub(&db->seq, 7);
	printf("bell scribbled\n");
	return 0;
}

static int cmd_forge(const char *name)
{
	static const int kcodes[] = {
		_PULSE_CODE_UNBLOCK,	 _PULSE_CODE_DISCONNECT,
		_PULSE_CODE_THREADDEATH, _PULSE_CODE_COIDDEATH,
		_PULSE_CODE_NET_ACK,	 _PULSE_CODE_NET_UNBLOCK,
		_PULSE_CODE_NET_DETACH,
	};
	int coid = connect_name(name), bad = 0;
	struct nto_conn_region *r;
	struct nto_doorbell *db;
	unsigned long len;
	char perms[5];
	unsigned i, k;

	for (i = 0; i < sizeof(kcodes) / sizeof(kcodes[0]); i++)
		if (MsgSendPulse(coid, -1, kcodes[i], 1) != -1 ||
		    errno != EINVAL)
			bad++;
	printf("sendpulse kernel codes refused=%s\n", bad ? "no" : "yes");
	r = find_map("ntosim-conn", perms, &len);
	db = find_map("ntosim-bell", perms, &len);
	if (!r || !db) {
		printf("maps not found\n");
		return 1;
	}
	/* by hand, as MsgSendPulse would, but with the kernel's codes and an
	 * UNBLOCK naming a message we never sent */
	for (i = 0, k = 0;
	     i < NTO_CONN_PULSES && k < sizeof(kcodes) / sizeof(kcodes[0]);
	     i++) {
		struct nto_pulse_ent *p = &r->pulse[i];
		uint32_t expect = NTO_PULSE_FREE;

		if (!atomic_compare_exchange_strong(&p->state, &expect,
						    NTO_PULSE_FILLING))
			continue;
		p->priority = 10;
		p->code = kcodes[k];
		p->value =
			kcodes[k] == _PULSE_CODE_UNBLOCK
				? (int32_t)((3u << 16) |
					    ((unsigned)r->hdr.scoid & 0xffffu))
				: 1;
		p->scoid = -1;
		p->value_hi = 0;
		p->ticket = 1; /* oldest of all */
		atomic_store(&p->state, NTO_PULSE_READY);
		atomic_fetch_or(&r->hdr.pulsemask, 1ull << i);
		k++;
	}
	atomic_fetch_add(&db->seq, 1);
	printf("forged %u\n", k);
	if (MsgSendPulse(coid, 10, 5, 77) == -1) {
		printf("honest pulse %s\n", ename(errno));
		return 1;
	}
	printf("honest pulse sent\n");
	return 0;
}

static int cmd_clear(const char *name, long ms)
{
	struct nto_doorbell *db;
	unsigned long len, n = 0;
	char perms[5];
	struct timespec t0, t;
	uint32_t pin;

	connect_name(name);
	db = find_map("ntosim-bell", perms, &len);
	if (!db) {
		printf("maps not found\n");
		return 1;
	}
	printf("clearing\n");
	pin = atomic_load(&db->seq);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		unsigned w;

		for (w = 0; w < NTO_READY_WORDS; w++)
			atomic_store(&db->ready[w], 0);
		atomic_store(&db->seq, pin);
		if ((++n & 1023) == 0)
			sched_yield(); /* let the honest ones run on 2 cores */
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000 <
		 ms);
	printf("cleared %lu times\n", n);
	return 0;
}

static int fill_coid;
static _Atomic int rc34 = 1;

static void on_usr2(int sig)
{
	(void)sig;
}

static int send_one(void)
{
	struct fault_msg m = {0};
	char reply[64];

	m.type = FAULT_MSG_TYPE;
	m.op = FAULT_OP_ECHO;
	m.rlen = sizeof(reply);
	return MsgSend_r(fill_coid, &m, sizeof(m), reply, sizeof(reply));
}

static void *holder(void *arg)
{
	(void)arg;
	send_one();
	return NULL;
}

static void *late34(void *arg)
{
	(void)arg;
	atomic_store(&rc34, send_one());
	return NULL;
}

static _Atomic int hide_done, hide_rc = 1;

static void *hidden_sender(void *arg)
{
	(void)arg;
	atomic_store(&hide_rc, send_one());
	atomic_store(&hide_done, 1);
	return NULL;
}

static int cmd_hide(const char *name)
{
	struct nto_conn_region *r;
	unsigned long len, n = 0;
	char perms[5];
	pthread_t t;

	fill_coid = connect_name(name);
	r = find_map("ntosim-conn", perms, &len);
	if (!r) {
		printf("maps not found\n");
		return 1;
	}
	if (pthread_create(&t, NULL, hidden_sender, NULL) != 0)
		return 1;
	while (!atomic_load(&hide_done)) {
		atomic_store(&r->hdr.sendmask, 0);
		if ((++n & 1023) == 0)
			sched_yield(); /* let the honest ones run on 2 cores */
	}
	pthread_join(t, NULL);
	printf("hidden send rc=%d cleared=%lu\n", atomic_load(&hide_rc), n);
	return 0;
}

static int cmd_fill(const char *name)
{
	struct sigaction sa = {0};
	struct timespec ts = {30, 0};
	uint64_t to = 300000000ull;
	pthread_t t, t34;
	sigset_t usr1;
	int i, rc33;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* inherited by threads */
	sa.sa_handler = on_usr2; /* no SA_RESTART: QNX kernel calls fail */
	sigaction(SIGUSR2, &sa, NULL);
	fill_coid = connect_name(name);
	for (i = 0; i < (int)NTO_CONN_SLOTS; i++)
		pthread_create(&t, NULL, holder, NULL);
	printf("holders %d\n", i);
	/* the script signals once the server holds all of them */
	if (sigtimedwait(&usr1, NULL, &ts) != SIGUSR1) {
		printf("no go\n");
		return 1;
	}
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_SEND, NULL, &to, NULL);
	rc33 = send_one();
	printf("33rd rc=%s\n", rc33 < 0 ? ename(-rc33) : "OK");
	pthread_create(&t34, NULL, late34, NULL);
	/* a signal that lands before the thread waits is simply missed; the
	 * next one is not (bounded: 200 x 50 ms) */
	for (i = 0; i < 200; i++) {
		struct timespec dl;

		pthread_kill(t34, SIGUSR2);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 50000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(t34, NULL, &dl) == 0)
			break;
	}
	if (i == 200) {
		printf("34th still blocked\n");
		return 1;
	}
	i = atomic_load(&rc34);
	printf("34th rc=%s\n", i < 0 ? ename(-i) : "OK");
	_exit(0); /* the holders stay blocked: leave without them */
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "bell") == 0)
		return cmd_bell(argv[2]);
	if (argc == 3 && strcmp(argv[1], "forge") == 0)
		return cmd_forge(argv[2]);
	if (argc == 4 && strcmp(argv[1], "clear") == 0)
		return cmd_clear(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "hide") == 0)
		return cmd_hide(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2]);
	fprintf(stderr,
		"usage: hostile-cli bell|forge|fill NAME | clear NAME MS\n");
	return 2;
}
