/*
 * <ha/cover.h>: QNX's HA client recovery library. Including it gives every
 * libha declaration (the split headers below, as on QNX) and declares
 * ha_attach, ha_detach and ha_connection_ctrl. Link with -lha (pkg-config
 * libha). Once a connection is HA-aware, every MsgSend* on it, and so every
 * read(), write(), lseek()... on an HA fd, recovers through its recovery
 * function when the server has died. See docs/libha.md.
 */
#ifndef NTOSIM_HA_COVER_H
#define NTOSIM_HA_COVER_H

#include <ha/types.h>
#include <ha/stdio.h>
#include <ha/fcntl.h>
#include <ha/unistd.h>
#include <ha/neutrino.h>
#include <ha/server.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ha_attach: make `coid` (an fd or a connection id) HA-aware: when a send on
 * it fails with EBADF or ESRCH, rfn(coid, rhdl) is called to recover it.
 * Initial state: recovery enabled, both limits unlimited, both counters 0,
 * at-most-once off, no wait. With flags HAREPLACERECOVERYFN, an already
 * HA-aware coid gets rfn/rhdl replaced in its (possibly ha_dup-shared)
 * record, limits and counters kept; on a coid that is not HA-aware the flag
 * is harmless and the coid is attached as usual.
 * Returns 0, or -1 with errno: EINVAL (rfn NULL or unknown flags), EBADF
 * (coid is not an open connection or fd), EEXIST (already HA-aware and
 * HAREPLACERECOVERYFN not given), ENOMEM.
 */
int ha_attach(int coid, RFp rfn, void *rhdl, unsigned flags);

/*
 * ha_detach: make `coid` no longer HA-aware. For ha_dup'd fds only this
 * number's reference to the shared record is dropped; the others stay
 * HA-aware. The connection itself is left open.
 * Returns 0, or -1 with errno EBADF (coid is not HA-aware).
 */
int ha_detach(int coid);

/*
 * ha_connection_ctrl: control recovery on the HA-aware `coid` (the command
 * acts on the record it shares with its ha_dup'd fds). Commands and args
 * are listed in <ha/types.h>; integer args travel in the pointer,
 * (void *)(intptr_t)n.
 * Returns 0, or -1 with errno: EBADF (coid is not HA-aware), EINVAL
 * (unknown command, HA_RECOVERY_AT_MOST_ONCE args not 0 or 1, GET command
 * with NULL args).
 */
int ha_connection_ctrl(int coid, int command, void *args);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_COVER_H */
