/*
 * <atomic.h> as QNX's documentation uses it: a counter shared by several
 * threads with atomic_add / atomic_add_value, and flag words with
 * atomic_set / atomic_clr / atomic_toggle and their _value forms, which
 * return the previous contents. Prints "ok" or what differed (exit 1).
 * Driven by atomic.sh.
 */
#include <atomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4
#define LOOPS	 100000

static volatile unsigned count;
static volatile unsigned ticket;
static unsigned seen[NTHREADS * LOOPS / 10];

static void *worker(void *arg)
{
	unsigned previous;
	int i;

	(void)arg;
	for (i = 0; i < LOOPS; i++) {
		atomic_add(&count, 1);
		if (i % 10 == 0) {
			/* every caller gets a distinct previous value */
			previous = atomic_add_value(&ticket, 1);
			if (previous < sizeof(seen) / sizeof(seen[0]))
				seen[previous]++;
		}
		atomic_sub(&count, 2);
		atomic_add(&count, 2);
	}
	return NULL;
}

static int check(const char *what, unsigned got, unsigned want)
{
	if (got == want)
		return 0;
	printf("FAIL %s: %#x, want %#x\n", what, got, want);
	return 1;
}

int main(void)
{
	pthread_t tid[NTHREADS];
	volatile unsigned flags = 0x0F0;
	unsigned i;
	int bad = 0;

	for (i = 0; i < NTHREADS; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(tid[i], NULL);
	bad |= check("count", count, NTHREADS * LOOPS);
	bad |= check("ticket", ticket, NTHREADS * LOOPS / 10);
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (seen[i] != 1) {
			printf("FAIL ticket %u handed out %u times\n", i,
			       seen[i]);
			bad = 1;
			break;
		}

	atomic_set(&flags, 0x001);
	bad |= check("atomic_set", flags, 0x0F1);
	atomic_clr(&flags, 0x030);
	bad |= check("atomic_clr", flags, 0x0C1);
	atomic_toggle(&flags, 0x101);
	bad |= check("atomic_toggle", flags, 0x1C0);
	bad |= check("atomic_set_value", atomic_set_value(&flags, 0x002),
		     0x1C0);
	bad |= check("after atomic_set_value", flags, 0x1C2);
	bad |= check("atomic_clr_value", atomic_clr_value(&flags, 0x100),
		     0x1C2);
	bad |= check("after atomic_clr_value", flags, 0x0C2);
	bad |= check("atomic_toggle_value", atomic_toggle_value(&flags, 0x0FF),
		     0x0C2);
	bad |= check("after atomic_toggle_value", flags, 0x03D);
	bad |= check("atomic_sub_value", atomic_sub_value(&flags, 0x03E),
		     0x03D);
	bad |= check("wrap below zero", flags, 0xFFFFFFFFu);
	bad |= check("atomic_add_value", atomic_add_value(&flags, 1),
		     0xFFFFFFFFu);
	bad |= check("wrap past the top", flags, 0);
	if (!bad)
		printf("ok\n");
	return bad;
}
