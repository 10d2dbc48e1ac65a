/*
 * <sys/ntosim.h>: ntosim's own extensions beside the QNX API (nto_ prefix).
 * Public and installed. Nothing here exists on QNX; programs that use it are
 * ntosim-specific.
 */
#ifndef NTOSIM_SYS_NTOSIM_H
#define NTOSIM_SYS_NTOSIM_H

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

/* The calling thread's message priority (QNX default 10); 1..255. */
int nto_thread_priority(void);
int nto_set_thread_priority(int prio);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_NTOSIM_H */
