/*
 * What a QNX program asks of the system: the system page (num_cpu, qtime's
 * cycles_per_sec for ClockCycles, cpuinfo), ClockTime/ClockPeriod/ClockId,
 * SchedGet/SchedSet/SchedInfo/SchedYield, ThreadCtl, SignalKill/
 * SignalProcmask/SignalWaitinfo, TimerAlarm, and the calls a Linux process
 * cannot make (interrupts, port I/O, device memory), which must fail with
 * ENOTSUP without stopping the program. Prints "ok" and exits 0.
 */
#include <errno.h>
#include <hw/inout.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/neutrino.h>
#include <sys/syspage.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "time-check.h"

static void syspage(void)
{
	struct qtime_entry *qt = SYSPAGE_ENTRY(qtime);
	struct cpuinfo_entry *cpu = SYSPAGE_ENTRY(cpuinfo);
	const char *strings = (const char *)SYSPAGE_ENTRY(strings);
	uint64_t t1, t2, cps = qt->cycles_per_sec;
	struct timespec ten_ms = {0, 10000000};
	pid_t pid;
	int st;

	CHECK(_syspage_ptr != NULL);
	CHECK(_syspage_ptr->num_cpu == sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(SYSPAGE_ENTRY_SIZE(cpuinfo) ==
	      _syspage_ptr->num_cpu * sizeof(struct cpuinfo_entry));
	CHECK(cpu[_syspage_ptr->num_cpu - 1].cpu ==
	      (unsigned)_syspage_ptr->num_cpu - 1u);
	CHECK(strings[cpu[0].name] != '\0');
	/* memory size, the way QNX programs add it up */
	CHECK(SYSPAGE_ENTRY_SIZE(asinfo) == sizeof(struct asinfo_entry));
	CHECK(strcmp(strings + SYSPAGE_ENTRY(asinfo)->name, "ram") == 0);
	CHECK(SYSPAGE_ENTRY(asinfo)->end + 1 ==
	      (uint64_t)sysconf(_SC_PHYS_PAGES) *
		      (uint64_t)sysconf(_SC_PAGESIZE));
	CHECK(cps > 0);
	CHECK(qt->boot_time > 0 && qt->boot_time <= (unsigned long)time(NULL));

	t1 = ClockCycles();
	nanosleep(&ten_ms, NULL);
	t2 = ClockCycles();
	CHECK(t2 > t1);
	/* at least the 10 ms slept, measured in cycles */
	CHECK((double)(t2 - t1) / (double)cps >= 0.010);

	/* the page is read-only */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		qt->cycles_per_sec = 1;
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	printf("syspage: %d cpus, %llu cycles/s, %s\n", _syspage_ptr->num_cpu,
	       (unsigned long long)cps, strings + cpu[0].name);
}

static void clocks(void)
{
	struct _clockperiod res, old;
	struct timespec ts;
	_Uint64t now;
	time_t before = time(NULL);
	int id;

	CHECK(ClockTime(CLOCK_REALTIME, NULL, &now) == 0);
	CHECK(now / 1000000000u >= (_Uint64t)before);
	CHECK(ClockTime_r(12345, NULL, &now) == EINVAL);

	CHECK(ClockPeriod(CLOCK_REALTIME, NULL, &old, 0) == 0);
	CHECK(old.nsec == 1000000); /* QNX's default 1 ms tick */
	res.nsec = 500000;
	res.fract = 0;
	CHECK(ClockPeriod(CLOCK_REALTIME, &res, NULL, 0) == 0);
	CHECK(ClockPeriod(CLOCK_REALTIME, NULL, &old, 0) == 0);
	CHECK(old.nsec == 500000);
	CHECK(SYSPAGE_ENTRY(qtime)->nsec_inc == 500000);
	res.nsec = 100; /* below QNX's floor */
	CHECK(ClockPeriod(CLOCK_REALTIME, &res, NULL, 0) == -1 &&
	      errno == EINVAL);

	id = ClockId(0, 0);
	CHECK(id != -1);
	CHECK(clock_gettime(id, &ts) == 0);
	id = ClockId(0, 1);
	CHECK(id != -1);
	CHECK(ClockTime(id, NULL, &now) == 0);
	printf("clocks ok\n");
}

static void scheduling(void)
{
	struct sched_param param;
	struct _sched_info info;
	int policy;

	memset(&param, 0, sizeof(param));
	param.sched_priority = 15;
	CHECK(SchedSet(0, 0, SCHED_NOCHANGE, &param) == 0);
	policy = SchedGet(0, 0, &param);
	CHECK(policy != -1);
	CHECK(param.sched_priority == 15);
	param.sched_priority = 12;
	CHECK(SchedSet(0, 0, SCHED_OTHER, &param) == 0);
	CHECK(SchedGet(0, 0, &param) == SCHED_OTHER);
	CHECK(param.sched_priority == 12);
	param.sched_priority = 0;
	CHECK(SchedSet(0, 0, SCHED_OTHER, &param) == -1 && errno == EINVAL);
	CHECK(SchedSet_r(0, 0, SCHED_OTHER, &param) == EINVAL);
	param.sched_priority = 10;
	CHECK(SchedSet_r(0, 0, 12345, &param) == EINVAL);
	CHECK(SchedInfo(0, SCHED_RR, &info) == 0);
	CHECK(info.priority_min == 1 && info.priority_max == 255);
	CHECK(info.interval > 0);
	CHECK(SchedYield() == 0);
	printf("sched ok\n");
}

static void thread_control(void)
{
	char buf[sizeof(struct _thread_name) + 32];
	struct _thread_name *tn = (struct _thread_name *)(void *)buf;
	unsigned mask = 0;

	tn->new_name_len = (int)strlen("worker");
	tn->name_buf_len = 32;
	memcpy(tn->name_buf, "worker", strlen("worker"));
	CHECK(ThreadCtl(_NTO_TCTL_NAME, tn) == 0);
	tn->new_name_len = -1; /* only read it back */
	CHECK(ThreadCtl(_NTO_TCTL_NAME, tn) == 0);
	CHECK(strcmp(tn->name_buf, "worker") == 0);

	CHECK(ThreadCtl(_NTO_TCTL_RUNMASK_GET_AND_SET, &mask) == 0);
	CHECK(mask != 0);
	CHECK(ThreadCtl(_NTO_TCTL_RUNMASK, (void *)(uintptr_t)mask) == 0);

	CHECK(ThreadCtl(_NTO_TCTL_IO, 0) == -1 && errno == ENOTSUP);
	CHECK(ThreadCtl_r(_NTO_TCTL_IO_PRIV, 0) == ENOTSUP);
	CHECK(ThreadCtl(9999, 0) == -1 && errno == EINVAL);
	printf("threadctl ok\n");
}

static void signals(void)
{
	sigset_t set, pending;
	siginfo_t si;
	struct _itimer it = {1000000000ull, 0}, left;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK(SignalProcmask(0, 0, SIG_BLOCK, &set, NULL) == 0);
	CHECK(SignalKill(0, getpid(), 0, SIGUSR2, SI_QUEUE, 5) == 0);
	CHECK(SignalProcmask(0, 0, SIG_PENDING, NULL, &pending) == 0);
	CHECK(sigismember(&pending, SIGUSR2) == 1);
	CHECK(SignalWaitinfo(&set, &si) == SIGUSR2);
	CHECK(si.si_code == SI_QUEUE && si.si_value.sival_int == 5);
	CHECK(SignalKill_r(1, getpid(), 0, SIGUSR2, 0, 0) == ENOREMOTE);

	/* TimerAlarm: arm a 1 s alarm, read what is left, cancel it */
	CHECK(TimerAlarm(CLOCK_REALTIME, &it, NULL) == 0);
	CHECK(TimerAlarm(CLOCK_REALTIME, NULL, &left) == 0);
	CHECK(left.nsec > 0 && left.nsec <= 1000000000ull);
	it.nsec = 0;
	CHECK(TimerAlarm(CLOCK_REALTIME, &it, &left) == 0);
	CHECK(TimerAlarm(CLOCK_REALTIME, NULL, &left) == 0);
	CHECK(left.nsec == 0);
	printf("signals ok\n");
}

static struct intrspin spin;
static long counter;

static void *adder(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		InterruptLock(&spin);
		counter++;
		InterruptUnlock(&spin);
	}
	return NULL;
}

static const struct sigevent *isr(void *area, int id)
{
	(void)area, (void)id;
	return NULL;
}

/* What cannot exist on Linux: each fails with ENOTSUP, the program goes on. */
static void hardware(void)
{
	struct sigevent ev;
	pthread_t t;
	int i;

	CHECK(InterruptAttach(5, isr, NULL, 0, _NTO_INTR_FLAGS_TRK_MSK) == -1 &&
	      errno == ENOTSUP);
	SIGEV_INTR_INIT(&ev);
	CHECK(InterruptAttachEvent(5, &ev, 0) == -1 && errno == ENOTSUP);
	CHECK(InterruptAttachEvent_r(5, &ev, 0) == -ENOTSUP);
	CHECK(InterruptWait(0, NULL) == -1 && errno == ENOTSUP);
	CHECK(InterruptDetach(1) == -1 && errno == ENOTSUP);
	CHECK(InterruptMask(5, -1) == -1 && errno == ENOTSUP);
	for (i = 0; i < 3; i++) { /* logged once, fails every time */
		errno = 0;
		CHECK(in8(0x80) == 0 && errno == ENOTSUP);
	}
	out8(0x80, 1);
	CHECK(errno == ENOTSUP);
	CHECK(mmap_device_memory(NULL, 4096, PROT_READ | PROT_NOCACHE, 0,
				 0xfee00000) == MAP_FAILED &&
	      errno == ENOTSUP);
	CHECK(mmap_device_io(4, 0x3f8) == MAP_DEVICE_FAILED &&
	      errno == ENOTSUP);

	/* InterruptLock is still a lock between threads */
	CHECK(pthread_create(&t, NULL, adder, NULL) == 0);
	adder(NULL);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(counter == 200000);
	printf("hardware calls fail with ENOTSUP\n");
}

int main(void)
{
	syspage();
	clocks();
	scheduling();
	thread_control();
	signals();
	hardware();
	printf("ok\n");
	return 0;
}
