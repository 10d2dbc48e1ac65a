/*
 * pthread_create() with a NULL thread pointer, as QNX allows and QNX code
 * writes it (a detached worker nobody joins): the thread runs and the call
 * returns 0. A joinable thread created the ordinary way still joins with
 * its value. Built as a QNX source against ntosim's headers and -lnto.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <time.h>

#include "libc-check.h"

static sem_t ran;
static pthread_t seen_self;

static void *worker(void *arg)
{
	seen_self = pthread_self();
	*(int *)arg = 42;
	sem_post(&ran);
	return NULL;
}

static void *value(void *arg)
{
	return (void *)((uintptr_t)arg + 1);
}

/* Bounded wait for one post (10 s: a loaded machine, never a hang). */
static int wait_ran(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while (sem_timedwait(&ran, &ts) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int main(void)
{
	int out = 0;
	pthread_attr_t attr;
	pthread_t t;
	void *ret;

	CHECK(sem_init(&ran, 0, 0) == 0);
	CHECK_INT(pthread_create(NULL, NULL, worker, &out), 0);
	CHECK(wait_ran() == 0);
	CHECK_INT(out, 42);

	out = 0;
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
	CHECK_INT(pthread_create(NULL, &attr, worker, &out), 0);
	CHECK(wait_ran() == 0);
	CHECK_INT(out, 42);
	CHECK(!pthread_equal(seen_self, pthread_self()));

	CHECK_INT(pthread_create(&t, NULL, value, (void *)41), 0);
	CHECK_INT(pthread_join(t, &ret), 0);
	CHECK((uintptr_t)ret == 42);

	/* the function itself (no macro expansion) takes NULL too */
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
		      void *) = pthread_create;
	out = 0;
	CHECK_INT(create(NULL, &attr, worker, &out), 0);
	CHECK(wait_ran() == 0);
	CHECK_INT(out, 42);
	return 0;
}
