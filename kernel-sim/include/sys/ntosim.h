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
 * ---- ntosim extension: request identity (libha's exactly-once policy) ----
 *
 * A send may carry an identity out of band, in its message slot: the
 * message bytes stay the application's. libha provides it through the
 * identity hook; servers read it with nto_rcvid_reqid (libha's
 * ha_request_id). `client` is the sender's pid << 32 | a random number,
 * `seq` the request's number for that client id, `done`: the client has
 * finished (seen the reply of, or given up on) every seq below it.
 */
struct nto_reqid {
	uint64_t client;
	uint64_t seq;
	uint64_t done;
};
/*
 * Identity hook: libnto calls it at the start of each MsgSend* call with
 * end = 0; returning 1 with *id filled makes every attempt of that call
 * (the re-sends after a recovery included) carry *id. When the call ends,
 * libnto calls it again with end = 1 and the same *id, whatever the
 * outcome. Pass NULL to remove.
 */
typedef int (*nto_send_ident_fn)(int coid, int end, struct nto_reqid *id);
void nto_set_send_ident(nto_send_ident_fn fn);
/*
 * nto_rcvid_reqid: the identity of the message `rcvid` names (received, not
 * yet replied). Returns 0, or -1 with errno ENOENT (the send carries none),
 * EPERM (the client id's pid is not the sender's: forged), ESRCH (no such
 * rcvid).
 */
int nto_rcvid_reqid(int rcvid, struct nto_reqid *id);
/*
 * Channel flag for ChannelCreate: the server honours request identities
 * (a reply cache makes re-sending a request it may have applied safe).
 * Clients see it through nto_coid_reqid_ok.
 */
#define _NTO_CHF_NTOSIM_REQID 0x00100000u
/* 1 if coid's connection is to a channel created with
 * _NTO_CHF_NTOSIM_REQID, 0 if not, -1 with errno EBADF. */
int nto_coid_reqid_ok(int coid);

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
