/*
 * <ha/unistd.h>: the HA covers of close() and dup(). Part of libha (see
 * <ha/cover.h>).
 */
#ifndef NTOSIM_HA_UNISTD_H
#define NTOSIM_HA_UNISTD_H

#include <unistd.h>

#include <ha/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ha_close: ha_detach(fd), then close(fd). The detach comes first, so the
 * close of an fd whose server died does not recover it: it returns -1 with
 * EBADF, but the number is freed (as close() does on QNX).
 * Returns 0, or -1 with errno: EBADF (fd is not HA-aware: nothing is
 * closed; or close() failed on a dead connection: the fd is closed
 * anyway), or another errno from close().
 */
int ha_close(int fd);

/*
 * ha_dup: dup(oldfd), and make the new fd share oldfd's recovery record
 * (function, handle, limits, counters, policies; reference-counted: the
 * record lives until the last of the fds is ha_closed or ha_detached).
 * When a send on either fd fails, the shared function is called with the
 * failing fd's number and must return that number. Plain dup() of an HA fd
 * gives an fd that is not HA-aware.
 * Returns the new fd, or -1 with errno: EBADF (oldfd is not HA-aware),
 * ENOMEM, or dup()'s errno.
 */
int ha_dup(int oldfd);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_UNISTD_H */
