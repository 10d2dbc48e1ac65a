/*
 * QNX <time.h>, <sys/stat.h>, <sys/mman.h> and interrupt additions, used
 * the way QNX programs use them: a receive bounded with timer_timeout, the
 * nanosecond converters, nanospin, the _S_IF* names, an anonymous
 * shared-memory object from shm_open(SHM_ANON), a <sync.h> barrier, and
 * InterruptAttachThread failing cleanly. Exits 0, or 1 naming the first
 * mismatch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/neutrino.h>
#include <sync.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c)                                                         \
	do {                                                             \
		if (!(c)) {                                              \
			fprintf(stderr, "FAIL line %d: %s (errno %d)\n", \
				__LINE__, #c, errno);                    \
			return 1;                                        \
		}                                                        \
	} while (0)

static barrier_t barrier;
static volatile int arrived;

static void *barrier_peer(void *arg)
{
	(void)arg;
	arrived = 1;
	barrier_wait(&barrier);
	return NULL;
}

int main(void)
{
	pthread_t peer;
	struct timespec ts, left;
	struct stat st;
	char msg[16];
	int chid, fd, rc;
	char *p;

	/* nothing ever sends: the receive must end with ETIMEDOUT */
	chid = ChannelCreate(0);
	CHECK(chid > 0);
	nsec2timespec(&ts, 20 * 1000000ull);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 20000000);
	CHECK(timespec2nsec(&ts) == 20000000ull);
	nsec2timespec(&ts, 3000000001ull);
	CHECK(ts.tv_sec == 3 && ts.tv_nsec == 1);
	nsec2timespec(&ts, 20 * 1000000ull);
	CHECK(timer_timeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ts,
			    &left) == 0);
	rc = MsgReceive(chid, msg, sizeof(msg), NULL);
	CHECK(rc == -1 && errno == ETIMEDOUT);
	ts.tv_nsec = -1;
	CHECK(timer_timeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ts,
			    NULL) == -1 &&
	      errno == EINVAL);
	ChannelDestroy(chid);

	ts.tv_sec = 0;
	ts.tv_nsec = 1000;
	CHECK(nanospin_calibrate(0) == EOK);
	CHECK(nanospin(&ts) == EOK);
	CHECK(nanospin_ns(1000) == EOK);

	CHECK(_S_IFREG == S_IFREG && _S_IFDIR == S_IFDIR &&
	      _S_IFLNK == S_IFLNK && _S_IFCHR == S_IFCHR);
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode) &&
	      !S_ISNAM(st.st_mode));

	/* QNX's anonymous shared memory: sized, mapped, private to us */
	fd = shm_open(SHM_ANON, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 4096) == 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_NOCACHE, MAP_SHARED,
		 fd, 0);
	CHECK(p != MAP_FAILED);
	strcpy(p, "anon");
	CHECK(pread(fd, msg, 5, 0) == 5 && strcmp(msg, "anon") == 0);
	munmap(p, 4096);
	close(fd);
	/* a named object still goes to libc */
	fd = shm_open("/ntosim-compat-named", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(shm_unlink("/ntosim-compat-named") == 0);

	/* QNX 6 barrier names: both sides pass only when both arrived */
	CHECK(barrier_init(&barrier, NULL, 2) == 0);
	CHECK(pthread_create(&peer, NULL, barrier_peer, NULL) == 0);
	rc = barrier_wait(&barrier);
	CHECK(rc == 0 || rc == BARRIER_SERIAL_THREAD);
	CHECK(arrived == 1);
	CHECK(pthread_join(peer, NULL) == 0);
	CHECK(barrier_destroy(&barrier) == 0);

	errno = 0;
	CHECK(InterruptAttachThread(1, 0) == -1 && errno == ENOTSUP);
	puts("qnx_time_misc: ok");
	return 0;
}
