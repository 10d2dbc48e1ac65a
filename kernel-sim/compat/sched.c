/*
 * Scheduling, thread control and signal kernel calls: SchedGet/SchedSet/
 * SchedInfo/SchedYield, ThreadCtl, SignalKill/SignalProcmask/
 * SignalSuspend/SignalWaitinfo. QNX priorities (1..255) are the thread's
 * message priority in libnto (nto_thread_priority: what MsgSend and
 * SIGEV_PULSE_PRIO_INHERIT use); SCHED_FIFO/SCHED_RR are also applied to
 * Linux when the process may (CAP_SYS_NICE, priority capped at 99), and
 * kept for messages only, with one log line, when it may not.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat/time-internal.h"

#define QNX_PRIO_MAX  255
#define QNX_PRIO_PRIV 63
#define LINUX_RT_MAX  99

/* The policy SchedSet gave this thread (-1: never set; ask Linux). */
static __thread int my_policy = -1;

/* QNX tid -> Linux tid: 0 and our own tid are "self", 1 the main thread. */
static pid_t linux_tid(pid_t pid, int tid)
{
	if (tid == 0)
		return 0;
	if (tid == 1 && (pid == 0 || pid == getpid()))
		return getpid();
	return tid;
}

static int is_self(pid_t pid, int tid)
{
	return (pid == 0 || pid == getpid()) &&
	       (tid == 0 || tid == nto__tid() ||
		(tid == 1 && nto__tid() == getpid()));
}

/* ---- SchedGet / SchedSet / SchedInfo / SchedYield ---- */

NTO_EXPORT int SchedGet_r(pid_t pid, int tid, struct sched_param *param)
{
	struct sched_param lp;
	pid_t target = tid ? linux_tid(pid, tid) : pid;
	int pol;

	if (pid < 0 || tid < 0)
		return -EINVAL;
	if (is_self(pid, tid) && my_policy >= 0) {
		if (param) {
			memset(param, 0, sizeof(*param));
			param->sched_priority = nto_thread_priority();
		}
		return my_policy;
	}
	pol = sched_getscheduler(target);
	if (pol < 0 || sched_getparam(target, &lp) < 0)
		return -errno;
	if (param) {
		memset(param, 0, sizeof(*param));
		if (pol == SCHED_FIFO || pol == SCHED_RR)
			param->sched_priority = lp.sched_priority;
		else if (is_self(pid, tid))
			param->sched_priority = nto_thread_priority();
		else
			param->sched_priority = NTO_DEFAULT_PRIO;
	}
	pol &= ~SCHED_RESET_ON_FORK;
	return pol == SCHED_FIFO || pol == SCHED_RR ? pol : SCHED_OTHER;
}

NTO_EXPORT int SchedGet(pid_t pid, int tid, struct sched_param *param)
{
	return nto__ret_val(SchedGet_r(pid, tid, param));
}

NTO_EXPORT int SchedSet_r(pid_t pid, int tid, int algorithm,
			  const struct sched_param *param)
{
	pid_t target = tid ? linux_tid(pid, tid) : pid;
	int self = is_self(pid, tid), prio, pol = algorithm;

	if (!param || pid < 0 || tid < 0)
		return EINVAL;
	prio = param->sched_priority;
	if (prio < 1 || prio > QNX_PRIO_MAX)
		return EINVAL;
	if (pol == SCHED_NOCHANGE) {
		pol = SchedGet_r(pid, tid, NULL);
		if (pol < 0)
			return -pol;
	}
	if (pol != SCHED_FIFO && pol != SCHED_RR && pol != SCHED_OTHER)
		return EINVAL;
	if (pol == SCHED_FIFO || pol == SCHED_RR) {
		struct sched_param lp = {
			.sched_priority =
				prio > LINUX_RT_MAX ? LINUX_RT_MAX : prio};

		if (sched_setscheduler(target, pol, &lp) < 0) {
			if (errno != EPERM)
				return errno;
			if (!self)
				return EPERM;
			nto__unsupported("SchedSet: real-time policy without "
					 "CAP_SYS_NICE (kept for messages)",
					 EPERM);
		}
	} else {
		struct sched_param lp = {.sched_priority = 0};
		int cur = sched_getscheduler(target);

		if (cur < 0)
			return errno;
		if ((cur & ~SCHED_RESET_ON_FORK) != SCHED_OTHER &&
		    sched_setscheduler(target, SCHED_OTHER, &lp) < 0)
			return errno;
	}
	if (self) {
		my_policy = pol;
		nto_set_thread_priority(prio);
	}
	return EOK;
}

NTO_EXPORT int SchedSet(pid_t pid, int tid, int algorithm,
			const struct sched_param *param)
{
	return nto__ret_eok(SchedSet_r(pid, tid, algorithm, param));
}

/* /proc/sys/kernel/sched_rr_timeslice_ms, or Linux's default 100 ms. */
static uint64_t rr_timeslice_ns(void)
{
	FILE *f = fopen("/proc/sys/kernel/sched_rr_timeslice_ms", "re");
	unsigned long ms = 100;

	if (f) {
		if (fscanf(f, "%lu", &ms) != 1 || ms == 0)
			ms = 100;
		fclose(f);
	}
	return (uint64_t)ms * 1000000u;
}

NTO_EXPORT int SchedInfo_r(pid_t pid, int algorithm, struct _sched_info *info)
{
	struct timespec rr;

	if (!info)
		return EFAULT;
	if (algorithm != SCHED_FIFO && algorithm != SCHED_RR &&
	    algorithm != SCHED_OTHER)
		return EINVAL;
	memset(info, 0, sizeof(*info));
	info->priority_min = 1;
	info->priority_max = QNX_PRIO_MAX;
	info->priority_priv = QNX_PRIO_PRIV;
	if (algorithm == SCHED_RR) {
		/* the process's own slice if it runs SCHED_RR, else Linux's
		 * round-robin slice for everyone */
		if (sched_rr_get_interval(pid, &rr) < 0)
			return errno;
		info->interval = (uint64_t)rr.tv_sec * 1000000000u +
				 (uint64_t)rr.tv_nsec;
		if (info->interval == 0)
			info->interval = rr_timeslice_ns();
	}
	return EOK;
}

NTO_EXPORT int SchedInfo(pid_t pid, int algorithm, struct _sched_info *info)
{
	return nto__ret_eok(SchedInfo_r(pid, algorithm, info));
}

NTO_EXPORT int SchedYield_r(void)
{
	sched_yield();
	return EOK;
}

NTO_EXPORT int SchedYield(void)
{
	return nto__ret_eok(SchedYield_r());
}

/* ---- ThreadCtl ---- */

/* A QNX runmask (bit n = CPU n) as a Linux affinity set. */
static int mask_set(unsigned mask)
{
	cpu_set_t set;
	unsigned i;

	CPU_ZERO(&set);
	for (i = 0; i < 32; i++)
		if (mask & (1u << i))
			CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return errno;
	return EOK;
}

static int mask_get(unsigned *mask)
{
	cpu_set_t set;
	unsigned i;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return errno;
	*mask = 0;
	for (i = 0; i < 32; i++)
		if (CPU_ISSET(i, &set))
			*mask |= 1u << i;
	return EOK;
}

static int thread_name(struct _thread_name *tn)
{
	char old[16];

	if (!tn)
		return EFAULT;
	if (tn->name_buf_len < 0 || tn->new_name_len > _NTO_THREAD_NAME_MAX)
		return EINVAL;
	if (tn->new_name_len > tn->name_buf_len)
		return EINVAL;
	if (prctl(PR_GET_NAME, old, 0, 0, 0) < 0)
		return errno;
	old[sizeof(old) - 1] = '\0';
	if (tn->new_name_len >= 0) {
		char nn[16];
		size_t n = (size_t)tn->new_name_len < sizeof(nn) - 1
				   ? (size_t)tn->new_name_len
				   : sizeof(nn) - 1; /* Linux keeps 15 bytes */

		memcpy(nn, tn->name_buf, n);
		nn[n] = '\0';
		if (prctl(PR_SET_NAME, nn, 0, 0, 0) < 0)
			return errno;
	}
	if (tn->name_buf_len > 0) {
		size_t n = strlen(old);

		if (n >= (size_t)tn->name_buf_len)
			n = (size_t)tn->name_buf_len - 1;
		memcpy(tn->name_buf, old, n);
		tn->name_buf[n] = '\0';
	}
	return EOK;
}

NTO_EXPORT int ThreadCtl_r(int cmd, void *data)
{
	unsigned old = 0;
	int rc;

	switch (cmd) {
	case _NTO_TCTL_IO:
		return nto__unsupported("ThreadCtl(_NTO_TCTL_IO)", ENOTSUP);
	case _NTO_TCTL_IO_PRIV:
		return nto__unsupported("ThreadCtl(_NTO_TCTL_IO_PRIV)",
					ENOTSUP);
	case _NTO_TCTL_RUNMASK:
		return mask_set((unsigned)(uintptr_t)data);
	case _NTO_TCTL_RUNMASK_GET_AND_SET:
		if (!data)
			return EFAULT;
		rc = mask_get(&old);
		if (rc == EOK && *(unsigned *)data != 0)
			rc = mask_set(*(unsigned *)data);
		if (rc == EOK)
			*(unsigned *)data = old;
		return rc;
	case _NTO_TCTL_NAME:
		return thread_name(data);
	case _NTO_TCTL_THREADS_HOLD:
	case _NTO_TCTL_THREADS_CONT:
	case _NTO_TCTL_ONE_THREAD_HOLD:
	case _NTO_TCTL_ONE_THREAD_CONT:
		return nto__unsupported("ThreadCtl(hold/continue threads)",
					ENOTSUP);
	case _NTO_TCTL_ALIGN_FAULT:
	case _NTO_TCTL_PERFCOUNT:
	case _NTO_TCTL_RUNMASK_GET_AND_SET_INHERIT:
	case _NTO_TCTL_RCM_GET_AND_SET:
	case _NTO_TCTL_SHR_MUTEX:
		return nto__unsupported("ThreadCtl(this command)", ENOTSUP);
	default:
		return EINVAL;
	}
}

NTO_EXPORT int ThreadCtl(int cmd, void *data)
{
	return nto__ret_eok(ThreadCtl_r(cmd, data));
}

/* ---- signals ---- */

NTO_EXPORT int SignalKill_r(_Uint32t nd, pid_t pid, int tid, int signo,
			    int code, int value)
{
	siginfo_t si;
	long rc;

	if (nd != 0)
		return ENOREMOTE;
	if (signo < 0 || signo >= NSIG)
		return EINVAL;
	if (pid == 0)
		pid = getpid();
	memset(&si, 0, sizeof(si));
	si.si_signo = signo;
	si.si_code = code;
	si.si_value.sival_int = value;
	si.si_pid = getpid();
	si.si_uid = getuid();
	if (pid < 0) /* a process group: Linux cannot queue a value there */
		rc = kill(pid, signo);
	else if (tid == 0)
		rc = syscall(SYS_rt_sigqueueinfo, pid, signo, &si);
	else
		rc = syscall(SYS_rt_tgsigqueueinfo, pid, linux_tid(pid, tid),
			     signo, &si);
	return rc < 0 ? errno : EOK;
}

NTO_EXPORT int SignalKill(_Uint32t nd, pid_t pid, int tid, int signo, int code,
			  int value)
{
	return nto__ret_eok(SignalKill_r(nd, pid, tid, signo, code, value));
}

NTO_EXPORT int SignalProcmask_r(pid_t pid, int tid, int how,
				const sigset_t *set, sigset_t *oldset)
{
	if (!is_self(pid, tid))
		return nto__unsupported("SignalProcmask of another thread",
					ENOTSUP);
	if (how == SIG_PENDING) {
		if (!oldset)
			return EFAULT;
		return sigpending(oldset) < 0 ? errno : EOK;
	}
	return pthread_sigmask(how, set, oldset);
}

NTO_EXPORT int SignalProcmask(pid_t pid, int tid, int how, const sigset_t *set,
			      sigset_t *oldset)
{
	return nto__ret_eok(SignalProcmask_r(pid, tid, how, set, oldset));
}

NTO_EXPORT int SignalSuspend_r(const sigset_t *set)
{
	if (!set)
		return EFAULT;
	sigsuspend(set);
	return errno; /* always EINTR */
}

NTO_EXPORT int SignalSuspend(const sigset_t *set)
{
	return nto__ret_eok(SignalSuspend_r(set));
}

NTO_EXPORT int SignalWaitinfo_r(const sigset_t *set, siginfo_t *info)
{
	int rc;

	if (!set)
		return -EFAULT;
	rc = sigwaitinfo(set, info);
	return rc < 0 ? -errno : rc;
}

NTO_EXPORT int SignalWaitinfo(const sigset_t *set, siginfo_t *info)
{
	return nto__ret_val(SignalWaitinfo_r(set, info));
}
