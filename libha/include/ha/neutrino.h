/*
 * <ha/neutrino.h>: the HA covers of ConnectAttach() and ConnectDetach(), and
 * ha_ReConnectAttach for use inside recovery functions; plus, in a marked
 * section, ntosim's name_open equivalents. Part of libha (see
 * <ha/cover.h>).
 */
#ifndef NTOSIM_HA_NEUTRINO_H
#define NTOSIM_HA_NEUTRINO_H

#include <sys/neutrino.h>

#include <ha/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ha_ConnectAttach: ConnectAttach(nd, pid, chid, index, flags), then
 * ha_attach(coid, rfn, rhdl, haflags). All or nothing: if the attach fails
 * the connection is detached again.
 * Returns the coid, or -1 with errno from ConnectAttach() or ha_attach().
 * ha_ConnectAttach_r returns the coid or a negative errno and leaves errno
 * alone.
 */
int ha_ConnectAttach(_Uint32t nd, pid_t pid, int chid, unsigned index,
		     unsigned flags, RFp rfn, void *rhdl, unsigned haflags);
int ha_ConnectAttach_r(_Uint32t nd, pid_t pid, int chid, unsigned index,
		       unsigned flags, RFp rfn, void *rhdl, unsigned haflags);

/*
 * ha_ConnectDetach: ha_detach(coid), then ConnectDetach(coid).
 * Returns 0, or -1 with errno: EBADF (coid is not HA-aware: nothing is
 * detached) or ConnectDetach()'s errno. ha_ConnectDetach_r returns EOK or
 * that errno (positive) and leaves errno alone.
 */
int ha_ConnectDetach(int coid);
int ha_ConnectDetach_r(int coid);

/*
 * ha_ReConnectAttach: for recovery functions. Replace the connection
 * `oldcoid` by one to (nd, pid, chid) with the same number. The number and
 * its kind (fd space or side channel) are always oldcoid's: `index` is
 * accepted for QNX compatibility and otherwise unused. The new target is
 * attached (and so validated) before oldcoid is given up, so a failure to
 * reach it leaves oldcoid as it was. Side-channel numbers are recovered
 * too: ipcd hands out the lowest free id, so lower free ids are held for
 * the instant it takes to get oldcoid's back, then released.
 * Returns oldcoid, or -1 with errno: EBADF (oldcoid < 0), ConnectAttach()'s
 * errno (ESRCH, EINVAL, EMFILE, ...; oldcoid untouched), or EBUSY (another
 * thread or a new server connection took the number in the instant it was
 * free: oldcoid is then no longer this connection and no longer HA-aware).
 */
int ha_ReConnectAttach(int oldcoid, _Uint32t nd, pid_t pid, int chid,
		       unsigned index, unsigned flags);

/* ====================================================================
 * ntosim extensions: not in QNX.
 * ==================================================================== */

/*
 * ha_name_open: name_open(name, flags) (see <sys/dispatch.h>), then
 * ha_attach(coid, rfn, rhdl, haflags). With rfn NULL, libha's own recovery
 * function is used: ha_name_reopen(coid, name, flags), which waits for the
 * server as HA_RECOVERY_WAIT_MS says. All or nothing.
 * Returns the side-channel coid, or -1 with errno from name_open() or
 * ha_attach() (EINVAL: name NULL or unknown haflags; ENOMEM).
 */
int ha_name_open(const char *name, int flags, RFp rfn, void *rhdl,
		 unsigned haflags);

/*
 * ha_name_reopen: for recovery functions; the name_open counterpart of
 * ha_reopen. Wait (the record's HA_RECOVERY_WAIT_MS) until a server has
 * `name` registered, name_open it, and move that connection onto oldcoid's
 * number as ha_ReConnectAttach does. If no server has the name, oldcoid is
 * left as it was.
 * Returns oldcoid, or -1 with errno: ENOENT (no server has the name, no
 * wait configured), ETIMEDOUT (the configured wait expired), EINVAL,
 * ENAMETOOLONG, name_open()'s errno, or ha_ReConnectAttach's EBUSY.
 */
int ha_name_reopen(int oldcoid, const char *name, int flags);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_NEUTRINO_H */
