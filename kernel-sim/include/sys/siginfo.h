/*
 * <sys/siginfo.h>: on QNX, union sigval (with sival_long), siginfo_t,
 * struct sigevent with its QNX fields (sigev_coid, sigev_priority,
 * sigev_code) and the SIGEV_*_INIT macros. In ntosim union sigval and
 * siginfo_t are glibc's (sival_long added by ntosim's
 * <bits/types/__sigval_t.h>), and the QNX sigevent names live in
 * <sys/neutrino.h>; this header brings both.
 */
#ifndef NTOSIM_SYS_SIGINFO_H
#define NTOSIM_SYS_SIGINFO_H

#include <signal.h>
#include <sys/neutrino.h>

#endif /* NTOSIM_SYS_SIGINFO_H */
