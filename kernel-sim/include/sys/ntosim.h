/*
 * <sys/ntosim.h>: ntosim's own extensions beside the QNX API (nto_ prefix).
 * Public and installed. Nothing here exists on QNX; programs that use it are
 * ntosim-specific.
 */
#ifndef NTOSIM_SYS_NTOSIM_H
#define NTOSIM_SYS_NTOSIM_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Send-failure hook, used by libha so that every MsgSend* on a coid (and so
 * every read(), write()... on an fd) can recover. libnto calls it when a send
 * on `coid` fails with EBADF or ESRCH. `received` is 1 if the server had
 * received the message (the sender was REPLY-blocked when it died), 0 if not
 * (SEND-blocked, or the connection was already dead). Return 1 to have the
 * send retried from the start on the same coid, 0 to fail with `err`, or a
 * positive errno to fail with that errno instead. Pass NULL to remove.
 */
typedef int (*nto_send_recover_fn)(int coid, int err, int received);
void nto_set_send_recover(nto_send_recover_fn fn);

/*
 * nto_path_wait: block until `path` (an absolute pathname-space path, e.g.
 * "/dev/name/local/kv") resolves to a registered server, or `timeout_ms`
 * passes (< 0: forever). ipcd wakes the caller when the registration
 * appears; nothing polls. Returns 0, or -1 with errno ETIMEDOUT, EINVAL
 * (bad path) or ENOTCONN (ipcd unreachable).
 */
int nto_path_wait(const char *path, int timeout_ms);

/*
 * nto_connect_rebind: point an existing connection `coid` (fd-space or side
 * channel) at channel `chid` of process `pid`, keeping the same number. The
 * number is never free in between, so no other thread (and no open()) can
 * take it, and a thread sending on it meanwhile gets EBADF/ESRCH from the
 * old connection (which libha recovers) or uses the new one. What
 * ha_ReConnectAttach and ha_reopen need. Returns coid, or -1 with errno:
 * EBADF (coid is not a connection of this process), ENOREMOTE (nd != 0),
 * ESRCH (no such pid/chid), EINVAL (bad flags), ENOTCONN (ipcd gone); on
 * failure coid is left as it was.
 */
int nto_connect_rebind(int coid, uint32_t nd, pid_t pid, int chid, int flags);

/* The calling thread's message priority (QNX default 10); 1..255. */
int nto_thread_priority(void);
int nto_set_thread_priority(int prio);

/*
 * ---- ntosim extension: heartbeats to the restart manager (ntosim-ham) ----
 *
 * A server started by ntosim-ham(8) finds these in its environment:
 * NTOSIM_HAM_NAME, the manager's name_attach name; NTOSIM_HAM_ID, the
 * number that identifies this instance to it; NTOSIM_HAM_HEARTBEAT_MS, the
 * heartbeat= period configured for it (0: none). A heartbeat is a pulse
 * with code NTO_HAM_PULSE_HEARTBEAT and value NTOSIM_HAM_ID on a
 * name_open() connection to the manager; a program may send it itself.
 * QNX's equivalent is ham_attach_self() + ham_heartbeat() (<ha/ham.h>).
 */
#define NTO_HAM_ENV_NAME	"NTOSIM_HAM_NAME"
#define NTO_HAM_ENV_ID		"NTOSIM_HAM_ID"
#define NTO_HAM_ENV_PERIOD	"NTOSIM_HAM_HEARTBEAT_MS"
#define NTO_HAM_PULSE_HEARTBEAT 0x48 /* _PULSE_CODE_MINAVAIL..MAXAVAIL */

/*
 * nto_heartbeat: tell the restart manager this server is alive and
 * working. Call it from the loop whose progress matters (e.g. after each
 * dispatch_handler), as often as you like: it sends at most one pulse per
 * quarter of the configured period, so a call that sends nothing costs a
 * clock read. The first call
 * name_open()s the manager; a failed send (the manager was restarted)
 * re-opens it on a later call. Thread-safe; after fork() the child opens
 * its own connection.
 * Returns 1 if a pulse was sent; 0 if none was due, or the process is not
 * supervised (no NTOSIM_HAM_NAME/NTOSIM_HAM_ID in its environment), or no
 * heartbeat is configured for it (NTOSIM_HAM_HEARTBEAT_MS absent or 0); -1
 * with errno: ENOENT (no manager has the name now), ENOTCONN (ipcd
 * unreachable), EAGAIN (the manager's pulse queue is full), or
 * name_open's and MsgSendPulse's other errnos.
 */
int nto_heartbeat(void);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_NTOSIM_H */
