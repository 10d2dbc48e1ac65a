/*
 * <errno.h>'s EOK and <atomic.h> as QNX code uses them: EOK compares with
 * pthread and devctl results, two threads bump a shared counter with
 * atomic_add and the total is exact, and the _value forms return the value
 * before the operation (set ORs, clr clears, toggle XORs, sub subtracts).
 */
#include <errno.h> /* first and alone: EOK must come from here */

#include <atomic.h>
#include <pthread.h>

#include "libc-check.h"

#define ROUNDS 200000

static volatile unsigned counter;

static void *bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++)
		atomic_add(&counter, 1);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	volatile unsigned w = 0x0f;

	CHECK_INT(EOK, 0);
	CHECK(EOK != ENOREMOTE && ESRVRFAULT != EBADFSYS && EENDIAN > 0);

	for (int i = 0; i < 2; i++)
		CHECK_INT(pthread_create(&t[i], NULL, bump, NULL), EOK);
	for (int i = 0; i < 2; i++)
		CHECK_INT(pthread_join(t[i], NULL), EOK);
	CHECK_INT(counter, 2 * ROUNDS);

	CHECK_INT(atomic_set_value(&w, 0x30), 0x0f);
	CHECK_INT(w, 0x3f);
	CHECK_INT(atomic_clr_value(&w, 0x03), 0x3f);
	CHECK_INT(w, 0x3c);
	CHECK_INT(atomic_toggle_value(&w, 0xff), 0x3c);
	CHECK_INT(w, 0xc3);
	CHECK_INT(atomic_sub_value(&w, 0x43), 0xc3);
	CHECK_INT(w, 0x80);
	CHECK_INT(atomic_add_value(&w, 1), 0x80);
	atomic_sub(&w, 0x81);
	CHECK_INT(w, 0);
	atomic_sub(&w, 1); /* unsigned wrap, as on QNX */
	CHECK(w == ~0u);
	atomic_set(&w, 0);
	atomic_clr(&w, 0xffff0000u);
	atomic_toggle(&w, 1);
	CHECK(w == 0x0000fffeu);
	return 0;
}
