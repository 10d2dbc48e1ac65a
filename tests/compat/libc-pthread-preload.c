/*
 * A Linux binary built against plain glibc headers and NOT linked with
 * libnto calls pthread_create(NULL, ...): glibc alone would crash writing
 * the id. Run with LD_PRELOAD=libnto.so (as libc.sh does), libnto's
 * interposed pthread_create takes the NULL and the thread runs.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static sem_t ran;

static void *worker(void *arg)
{
	(void)arg;
	sem_post(&ran);
	return NULL;
}

int main(void)
{
	pthread_t *volatile none = NULL; /* not a literal: no -Wnonnull */
	struct timespec ts;
	int r;

	if (sem_init(&ran, 0, 0) != 0)
		return 1;
	r = pthread_create(none, NULL, worker, NULL);
	if (r != 0) {
		fprintf(stderr, "pthread_create(NULL): %d\n", r);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while ((r = sem_timedwait(&ran, &ts)) == -1 && errno == EINTR)
		;
	if (r != 0) {
		fprintf(stderr, "the thread never ran\n");
		return 1;
	}
	return 0;
}
