/*
 * The sleep() of the test builds of the two QNX guide programs, which are
 * compiled unchanged with -Dsleep=ha_test_sleep: instead of sleeping it
 * tells the test (an int64, the seconds asked for, on the fd named second
 * in $HA_TEST_SLEEP_FDS="RD,WR") that the program reached a sleep, and
 * returns when the test answers on RD, having killed and restarted servers
 * at exactly that point. Without the variable it sleeps for real. Not a
 * test binary by itself.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h> /* declares ha_test_sleep, through the -D */

static int xfer(int fd, void *p, size_t n, int out)
{
	char *b = p;

	while (n > 0) {
		ssize_t r = out ? write(fd, b, n) : read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

unsigned int ha_test_sleep(unsigned int seconds)
{
	const char *e = getenv("HA_TEST_SLEEP_FDS");
	int64_t v = seconds;
	int rd, wr;

	if (!e || sscanf(e, "%d,%d", &rd, &wr) != 2) {
		struct timespec ts = {(time_t)seconds, 0};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return 0;
	}
	fflush(stdout);
	if (xfer(wr, &v, sizeof(v), 1) == 0)
		xfer(rd, &v, sizeof(v), 0); /* EOF: the test is gone */
	return 0;
}
