/*
 * The periodic task of QNX's documentation: a server creates a channel,
 * connects to itself, and has a timer deliver a pulse there every 10 ms.
 * Checks code and value of every pulse (the value is a pointer: all 64
 * bits must arrive), timer_gettime, the overrun count when nobody
 * receives, that timer_delete stops the pulses, that a SIGEV_SIGNAL timer
 * still goes to libc, the TimerCreate/TimerSettime/TimerInfo kernel calls
 * and that a forked child has no timers. No wall-clock assertions: it
 * counts pulses and checks their order. Prints "ok" and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/neutrino.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "time-check.h"

#define PULSE_CODE_TIMER  (_PULSE_CODE_MINAVAIL + 1)
#define PULSE_CODE_KTIMER (_PULSE_CODE_MINAVAIL + 2)
#define PULSE_CODE_MARKER (_PULSE_CODE_MINAVAIL + 3)
#define NPULSES		  20

typedef union {
	struct _pulse pulse;
	char raw[256];
} my_message_t;

static int chid, coid;
static int marker_object; /* its address is the timer pulse's value */

/* MsgReceive with a bound: the rcvid, or -1 with errno ETIMEDOUT. */
static int receive(my_message_t *msg, uint64_t timeout_ns)
{
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &timeout_ns,
		     NULL);
	return MsgReceive(chid, msg, sizeof(*msg), NULL);
}

static void expect_timer_pulse(const my_message_t *msg, int code)
{
	CHECK(msg->pulse.type == _PULSE_TYPE);
	CHECK(msg->pulse.code == code);
	if (code == PULSE_CODE_TIMER)
		CHECK(msg->pulse.value.sival_ptr == &marker_object);
	else
		CHECK(msg->pulse.value.sival_int == 99);
}

static void periodic_pulses(timer_t timer_id)
{
	struct itimerspec itime, cur;
	my_message_t msg;
	int i, rcvid;

	itime.it_value.tv_sec = 0;
	itime.it_value.tv_nsec = 10000000; /* first in 10 ms */
	itime.it_interval.tv_sec = 0;
	itime.it_interval.tv_nsec = 10000000; /* then every 10 ms */
	CHECK(timer_settime(timer_id, 0, &itime, NULL) == 0);
	CHECK(timer_gettime(timer_id, &cur) == 0);
	CHECK(cur.it_interval.tv_sec == 0 &&
	      cur.it_interval.tv_nsec == 10000000);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
	      cur.it_value.tv_nsec <= 10000000);
	for (i = 0; i < NPULSES; i++) {
		rcvid = receive(&msg, 10000000000ull);
		CHECK(rcvid == 0); /* a pulse, never a message */
		expect_timer_pulse(&msg, PULSE_CODE_TIMER);
	}
	printf("received %d pulses\n", NPULSES);
}

/* Nobody receives: once the connection's pulse queue is full, expiries
 * are counted as overruns. Then every queued pulse is still a timer
 * pulse, and reading the overrun count resets it. */
static void overruns(timer_t timer_id)
{
	struct itimerspec stop;
	struct _timer_info info;
	my_message_t msg;
	int n = 0, ov, i;

	for (i = 0; i < 2000; i++) { /* bounded: 20 s */
		CHECK(TimerInfo(0, timer_id, 0, &info) >= 0);
		if (info.overruns > 0)
			break;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	CHECK(info.overruns > 0);
	memset(&stop, 0, sizeof(stop));
	CHECK(timer_settime(timer_id, 0, &stop, NULL) == 0);
	while (receive(&msg, 0) == 0) {
		expect_timer_pulse(&msg, PULSE_CODE_TIMER);
		n++;
	}
	CHECK(errno == ETIMEDOUT);
	CHECK(n > 0);
	ov = timer_getoverrun(timer_id);
	CHECK(ov > 0);
	CHECK(timer_getoverrun(timer_id) == 0);
	printf("queued %d pulses, %d overruns\n", n, ov);
}

/* timer_delete stops the pulses: a marker pulse sent after it comes after
 * every timer pulse, and nothing follows it. */
static void delete_stops(timer_t timer_id)
{
	struct itimerspec itime = {{0, 10000000}, {0, 10000000}};
	my_message_t msg;
	int i, before = 0;

	CHECK(timer_settime(timer_id, 0, &itime, NULL) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(receive(&msg, 10000000000ull) == 0);
		expect_timer_pulse(&msg, PULSE_CODE_TIMER);
	}
	CHECK(timer_delete(timer_id) == 0);
	CHECK(MsgSendPulse(coid, 10, PULSE_CODE_MARKER, 0) == 0);
	for (;;) {
		CHECK(receive(&msg, 10000000000ull) == 0);
		if (msg.pulse.code == PULSE_CODE_MARKER)
			break;
		expect_timer_pulse(&msg, PULSE_CODE_TIMER);
		before++;
	}
	/* three periods with nothing: the timer is gone */
	CHECK(receive(&msg, 30000000ull) == -1 && errno == ETIMEDOUT);
	CHECK(timer_settime(timer_id, 0, &itime, NULL) == -1 &&
	      errno == EINVAL);
	CHECK(timer_delete(timer_id) == -1 && errno == EINVAL);
	printf("deleted (%d pulses were still queued)\n", before);
}

/* A SIGEV_SIGNAL timer is libc's: SI_TIMER with our value. */
static void signal_timer(void)
{
	struct itimerspec itime = {{0, 0}, {0, 1000000}};
	struct timespec bound = {10, 0};
	struct sigevent ev;
	timer_t timer_id;
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	SIGEV_SIGNAL_VALUE_INIT(&ev, SIGUSR1, 77);
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &timer_id) == 0);
	CHECK(timer_settime(timer_id, 0, &itime, NULL) == 0);
	CHECK(sigtimedwait(&set, &si, &bound) == SIGUSR1);
	CHECK(si.si_code == SI_TIMER);
	CHECK(si.si_value.sival_int == 77);
	CHECK(timer_getoverrun(timer_id) == 0);
	CHECK(timer_delete(timer_id) == 0);
	printf("signal timer ok\n");
}

/* The kernel calls: TimerCreate gives a small id, TimerSettime arms it,
 * TimerInfo describes it. */
static void kernel_calls(void)
{
	struct sigevent ev;
	struct _itimer it = {5000000, 5000000}, old;
	struct _timer_info info;
	my_message_t msg;
	int id, i;

	SIGEV_PULSE_INT_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT,
			     PULSE_CODE_KTIMER, 99);
	id = TimerCreate(CLOCK_MONOTONIC, &ev);
	CHECK(id >= 0);
	CHECK(TimerSettime(id, 0, &it, &old) == 0);
	CHECK(old.nsec == 0); /* it was not armed */
	for (i = 0; i < 3; i++) {
		CHECK(receive(&msg, 10000000000ull) == 0);
		expect_timer_pulse(&msg, PULSE_CODE_KTIMER);
	}
	CHECK(TimerInfo(0, id, 0, &info) == id);
	CHECK(info.flags & _NTO_TI_ACTIVE);
	CHECK(info.flags & _NTO_TI_TARGET_PROCESS);
	CHECK(!(info.flags & _NTO_TI_ABSOLUTE));
	CHECK(info.itime.interval_nsec == 5000000);
	CHECK(info.otime.nsec > 0 && info.otime.nsec <= 5000000);
	CHECK(info.clockid == CLOCK_MONOTONIC);
	CHECK(SIGEV_GET_TYPE(&info.event) == SIGEV_PULSE);
	CHECK(info.event.sigev_code == PULSE_CODE_KTIMER);
	CHECK(TimerInfo(0, id, _NTO_TIMER_SEARCH, NULL) == id);
	CHECK(TimerDestroy(id) == 0);
	CHECK(TimerDestroy(id) == -1 && errno == EINVAL);
	CHECK(TimerInfo_r(0, id, 0, &info) == -EINVAL);
	CHECK(TimerSettime_r(id, 0, &it, NULL) == EINVAL);
	/* a pulse for a coid that is not ours */
	SIGEV_PULSE_INIT(&ev, 12345, 10, PULSE_CODE_KTIMER, 0);
	CHECK(TimerCreate(CLOCK_MONOTONIC, &ev) == -1 && errno == EBADF);
	CHECK(TimerCreate(CLOCK_PROCESS_CPUTIME_ID, NULL) == -1 &&
	      errno == EINVAL);
	while (receive(&msg, 0) == 0) /* drain what was left in flight */
		expect_timer_pulse(&msg, PULSE_CODE_KTIMER);
	printf("TimerCreate ok\n");
}

/* fork(): the child has no timers (POSIX); the parent keeps its own. */
static void forked(timer_t timer_id)
{
	struct itimerspec itime = {{0, 10000000}, {0, 10000000}};
	my_message_t msg;
	pid_t pid;
	int st;

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct itimerspec cur;

		_exit(timer_gettime(timer_id, &cur) == -1 && errno == EINVAL
			      ? 0
			      : 3);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(timer_settime(timer_id, 0, &itime, NULL) == 0);
	CHECK(receive(&msg, 10000000000ull) == 0);
	expect_timer_pulse(&msg, PULSE_CODE_TIMER);
	CHECK(timer_delete(timer_id) == 0);
	while (receive(&msg, 0) == 0)
		expect_timer_pulse(&msg, PULSE_CODE_TIMER);
	printf("fork ok\n");
}

int main(void)
{
	struct sigevent event;
	timer_t timer_id;

	chid = ChannelCreate(0);
	CHECK(chid != -1);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	CHECK(coid != -1);

	SIGEV_PULSE_INIT(&event, coid, SIGEV_PULSE_PRIO_INHERIT,
			 PULSE_CODE_TIMER, &marker_object);
	CHECK(timer_create(CLOCK_MONOTONIC, &event, &timer_id) == 0);
	periodic_pulses(timer_id);
	overruns(timer_id);
	delete_stops(timer_id);

	signal_timer();
	kernel_calls();

	CHECK(timer_create(CLOCK_REALTIME, &event, &timer_id) == 0);
	forked(timer_id);
	printf("ok\n");
	return 0;
}
