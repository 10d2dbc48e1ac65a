/*
 * QNX's delay() from <unistd.h>: sleeps at least the milliseconds asked
 * (never less: checked against CLOCK_MONOTONIC), returns 0 when the whole
 * time passed, and the milliseconds left (> 0) when a signal handler
 * interrupts it.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "libc-check.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	long long t0 = now_ms();
	CHECK_INT(delay(0), 0);
	CHECK_INT(delay(120), 0);
	CHECK(now_ms() - t0 >= 120);

	/* interrupted: a 20 ms alarm against a 60 s delay */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: the sleep is interrupted */
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	struct itimerval it = {{0, 0}, {0, 20000}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	unsigned left = delay(60000);
	CHECK_INT(alarms, 1);
	CHECK(left > 0 && left <= 60000);
	return 0;
}
