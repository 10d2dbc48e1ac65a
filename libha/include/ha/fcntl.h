/*
 * <ha/fcntl.h>: the HA covers of open() and creat(), and ha_reopen for use
 * inside recovery functions. Part of libha (see <ha/cover.h>).
 */
#ifndef NTOSIM_HA_FCNTL_H
#define NTOSIM_HA_FCNTL_H

#include <fcntl.h>
#include <sys/types.h>

#include <ha/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ha_open / ha_open64: open(path, oflag[, mode]) then ha_attach(fd, rfn,
 * rhdl, haflags); the trailing argument is the mode_t used with O_CREAT or
 * O_TMPFILE. All or nothing: if the attach fails the new fd is closed.
 * Returns the fd, or -1 with errno from open() or ha_attach() (EINVAL is
 * reported before anything is opened when rfn is NULL or haflags unknown).
 */
int ha_open(const char *path, int oflag, RFp rfn, void *rhdl, unsigned haflags,
	    ...);
int ha_open64(const char *path, int oflag, RFp rfn, void *rhdl,
	      unsigned haflags, ...);

/*
 * ha_creat / ha_creat64: ha_open(path, O_WRONLY | O_CREAT | O_TRUNC, rfn,
 * rhdl, haflags, mode). Returns the fd, or -1 with ha_open's errnos.
 */
int ha_creat(const char *path, mode_t mode, RFp rfn, void *rhdl,
	     unsigned haflags);
int ha_creat64(const char *path, mode_t mode, RFp rfn, void *rhdl,
	       unsigned haflags);

/*
 * ha_reopen: for recovery functions. Re-establish the fd `oldfd` on a fresh
 * open(path, oflag[, mode]) with the same number: wait (the record's
 * HA_RECOVERY_WAIT_MS, default no wait) until a server has `path`
 * registered, open it, and dup2 the new fd onto oldfd (which closes the
 * dead connection; the number is never left free for another thread to
 * take), then close the new fd. If no server has the path or the open
 * fails, oldfd is left as it was (dead but allocated, still HA-aware), so
 * a later call can recover it again.
 * Returns oldfd, or -1 with errno: EBADF (oldfd < 0 or a side-channel
 * coid), EFAULT (path NULL), ENOENT (no server has the path and no wait
 * was configured), ETIMEDOUT (the configured wait expired), open()'s
 * errno, or dup2()'s (EBUSY: another thread took the number inside dup2;
 * oldfd is then no longer this connection and no longer HA-aware).
 */
int ha_reopen(int oldfd, const char *path, int oflag, ...);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_FCNTL_H */
