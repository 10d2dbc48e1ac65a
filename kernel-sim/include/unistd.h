/*
 * <unistd.h> overlay: glibc's <unistd.h> (through #include_next, untouched)
 * plus QNX's delay(). libnto implements it.
 */
#include_next <unistd.h>

#ifndef NTOSIM_UNISTD_H
#define NTOSIM_UNISTD_H

#include <sys/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Suspend the calling thread for duration milliseconds. Returns 0 when the
 * whole time has passed, or the milliseconds left (rounded up, so never 0)
 * when a signal handler interrupted the sleep. A cancellation point.
 */
unsigned int delay(unsigned int duration);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_UNISTD_H */
