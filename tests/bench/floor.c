/*
 * The floor under MsgSend: a two-process hand-off through a MAP_SHARED
 * buffer with the same wait policy libnto uses (kernel-sim/lib/wait.c as of
 * issue 10: adaptive spin up to NTOSIM_SPIN_US, then FUTEX_WAIT; wake only
 * a peer that said it sleeps), and the same four copies a message pass
 * makes. Its own code on purpose, so it stays the same yardstick while the
 * message path changes. No libnto calls.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

/* ---- the spin policy, as in libnto's wait.c ---- */

#define SPIN_DEFAULT_NS	 20000u
#define SPIN_RETRY_AFTER 64 /* sleeps before a disabled spin is retried */

struct spin {
	uint32_t max;		  /* ns; 0 = never spin */
	uint32_t budget;	  /* current budget, ns */
	uint32_t off_for;	  /* sleeps since the budget went to 0 */
	long paid, lost, skipped; /* spins that saw the change, did not, none */
};

static void spin_init(struct spin *sp)
{
	const char *e = getenv("NTOSIM_SPIN_US");
	long v = SPIN_DEFAULT_NS;

	memset(sp, 0, sizeof(*sp));
	if (e && *e)
		v = strtol(e, NULL, 10) * 1000;
	if (v < 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		v = 0; /* one CPU: the peer cannot run while we spin */
	if (v > 1000000)
		v = 1000000;
	sp->max = sp->budget = (uint32_t)v;
	/* start as a thread whose spins have not been paying: does it ever
	 * get back? (the 1-client throughput question of issue 10) */
	e = getenv("NTOSIM_BENCH_SPIN_START_OFF");
	if (e && *e == '1')
		sp->budget = 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Spin while *w == expect, within the adaptive budget: 1 if it changed. */
static int spin_while(struct spin *sp, _Atomic uint32_t *w, uint32_t expect)
{
	uint64_t limit;
	unsigned i;

	if (sp->max == 0)
		return 0;
	if (sp->budget == 0) {
		if (++sp->off_for < SPIN_RETRY_AFTER) {
			sp->skipped++;
			return 0;
		}
		sp->off_for = 0;
		sp->budget = sp->max / 4 ? sp->max / 4 : 1;
	}
	limit = bench_now_ns() + sp->budget;
	for (i = 1;; i++) {
		if (atomic_load_explicit(w, memory_order_acquire) != expect) {
			sp->budget = sp->budget * 2 > sp->max ? sp->max
							      : sp->budget * 2;
			sp->paid++;
			return 1;
		}
		cpu_relax();
		if ((i & 31) == 0 && bench_now_ns() >= limit)
			break;
	}
	sp->lost++;
	sp->budget /= 2;
	if (sp->budget < 1000)
		sp->budget = 0;
	return 0;
}

static void fwait(_Atomic uint32_t *w, uint32_t v)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void fwake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* ---- the hand-off: a doorbell and a slot, as a channel and a send ---- */

enum { SLOT_FREE, SLOT_SEND, SLOT_RECEIVED, SLOT_DONE, SLOT_QUIT };

struct floor_shm {
	_Atomic uint32_t seq;	  /* doorbell: bumped on every post */
	_Atomic uint32_t waiters; /* server in (or entering) FUTEX_WAIT */
	char pad0[56];
	_Atomic uint32_t state;	   /* the slot; the client's futex word */
	_Atomic uint32_t sleeping; /* client in (or entering) FUTEX_WAIT */
	uint32_t len;
	char pad1[52];
	/* the server's spin statistics, for the client to report */
	_Atomic long srv_paid, srv_lost, srv_skipped;
	uint32_t split; /* NTOSIM_BENCH_FLOOR_SPLIT: reply beside the message */
	char pad2[36];
	char buf[2 * BENCH_MAX_SIZE];
};

/* Where the reply goes: over the message, as MsgSend's replies in place
 * do; with NTOSIM_BENCH_FLOOR_SPLIT=1 in a second area after it, as
 * MsgSend's replies went before (docs/bench.md, "Large messages"). */
static char *reply_area(struct floor_shm *m, size_t n)
{
	return m->split ? m->buf + ((n + 63) & ~(size_t)63) : m->buf;
}

struct floor_ctx {
	struct floor_shm *m;
	size_t n;
	char *sbuf, *rbuf;
	struct spin sp;
};

static int floor_server(void *arg)
{
	struct floor_ctx *c = arg;
	struct floor_shm *m = c->m;
	uint32_t seq, st;

	spin_init(&c->sp);
	for (;;) {
		seq = atomic_load(&m->seq);
		st = atomic_load(&m->state);
		if (st == SLOT_QUIT)
			return 0;
		if (st == SLOT_SEND) {
			size_t n = m->len;

			atomic_store(&m->state, SLOT_RECEIVED);
			memcpy(c->rbuf, m->buf, n); /* as MsgReceive copies */
			memcpy(reply_area(m, n), c->rbuf, n); /* MsgReply */
			atomic_store(&m->state, SLOT_DONE);
			if (atomic_load(&m->sleeping))
				fwake(&m->state);
			atomic_store(&m->srv_paid, c->sp.paid);
			atomic_store(&m->srv_lost, c->sp.lost);
			atomic_store(&m->srv_skipped, c->sp.skipped);
			continue;
		}
		if (spin_while(&c->sp, &m->seq, seq))
			continue;
		atomic_fetch_add(&m->waiters, 1);
		fwait(&m->seq, seq);
		atomic_fetch_sub(&m->waiters, 1);
	}
}

static int floor_op(void *arg)
{
	struct floor_ctx *c = arg;
	struct floor_shm *m = c->m;
	uint32_t st;

	memcpy(m->buf, c->sbuf, c->n);
	m->len = (uint32_t)c->n;
	atomic_store(&m->state, SLOT_SEND);
	atomic_fetch_add(&m->seq, 1);
	if (atomic_load(&m->waiters) > 0)
		fwake(&m->seq);
	while ((st = atomic_load(&m->state)) != SLOT_DONE) {
		if (spin_while(&c->sp, &m->state, st))
			continue;
		atomic_store(&m->sleeping, 1);
		fwait(&m->state, st);
		atomic_store(&m->sleeping, 0);
	}
	memcpy(c->rbuf, reply_area(m, c->n), c->n);
	atomic_store(&m->state, SLOT_FREE);
	return 0;
}

/* argv: rt-floor SIZE. Prints rt_ns (and min/max, usage) and the spin
 * outcomes per round trip on each side (cli_spin_paid ...). */
int rt_floor_case(int argc, char **argv)
{
	struct floor_ctx cli = {0}, srv = {0};
	struct bench_stat st;
	double ops;
	pid_t pid;
	int r;

	if (argc != 2)
		return 2;
	cli.n = strtoul(argv[1], NULL, 10);
	if (cli.n == 0 || cli.n > BENCH_MAX_SIZE)
		return 2;
	cli.m = mmap(NULL, sizeof(struct floor_shm), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cli.sbuf = malloc(cli.n);
	cli.rbuf = malloc(cli.n);
	srv.rbuf = malloc(cli.n);
	if (cli.m == MAP_FAILED || !cli.sbuf || !cli.rbuf || !srv.rbuf)
		return 1;
	srv.m = cli.m;
	cli.m->split = getenv("NTOSIM_BENCH_FLOOR_SPLIT") &&
		       *getenv("NTOSIM_BENCH_FLOOR_SPLIT") == '1';
	bench_fill(cli.sbuf, cli.n, 7);
	spin_init(&cli.sp);
	pid = bench_fork(floor_server, &srv);
	if (pid < 0)
		return 1;
	r = floor_op(&cli);
	if (r == 0 && bench_check(cli.rbuf, cli.n, 7) < 0) {
		fprintf(stderr, "bench: floor %zu: reply differs\n", cli.n);
		r = -EPROTO;
	}
	if (r == 0) {
		spin_init(&cli.sp); /* count the timed round trips only */
		r = bench_time_op_usage(floor_op, &cli, pid, &st);
	}
	if (r < 0) {
		fprintf(stderr, "bench: floor %zu: %s\n", cli.n, strerror(-r));
		bench_kill(pid);
		return 1;
	}
	bench_emit_stat("rt", &st);
	ops = (double)(st.total + 1);
	bench_emit("cli_spin_paid", (double)cli.sp.paid / ops);
	bench_emit("cli_spin_lost", (double)cli.sp.lost / ops);
	bench_emit("cli_spin_skipped", (double)cli.sp.skipped / ops);
	bench_emit("srv_spin_paid",
		   (double)atomic_load(&cli.m->srv_paid) / ops);
	bench_emit("srv_spin_lost",
		   (double)atomic_load(&cli.m->srv_lost) / ops);
	bench_emit("srv_spin_skipped",
		   (double)atomic_load(&cli.m->srv_skipped) / ops);
	atomic_store(&cli.m->state, SLOT_QUIT);
	atomic_fetch_add(&cli.m->seq, 1);
	fwake(&cli.m->seq);
	bench_kill(pid);
	return 0;
}
