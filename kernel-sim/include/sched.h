/*
 * <sched.h> overlay: glibc's <sched.h> (through #include_next, untouched)
 * plus QNX's getprio()/setprio(). libnto implements them over the calling
 * thread's ntosim message priority (the one MsgSend carries and receivers
 * are ordered by); see docs/qnx-differences.md.
 */
#include_next <sched.h>

#ifndef NTOSIM_SCHED_H
#define NTOSIM_SCHED_H

#include <sys/platform.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * getprio: the priority of the calling thread when pid is 0 or the
 * caller's pid. Returns it (1..255), or -1 with errno ESRCH (no such
 * process) or ENOTSUP (another live process: ntosim cannot read another
 * process's thread priorities; a line on stderr names the call).
 */
int getprio(pid_t pid);
/*
 * setprio: set that priority to prio (1..255) and return the previous one,
 * or -1 with errno EINVAL (prio out of range), ESRCH or ENOTSUP as getprio.
 */
int setprio(pid_t pid, int prio);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SCHED_H */
