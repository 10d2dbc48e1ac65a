/*
 * <ha/types.h>: the types and constants of QNX's HA client recovery library
 * (libha), with QNX's names and values, plus a clearly marked section of
 * ntosim extensions. Public and installed (as <ntosim/ha/types.h>, found as
 * <ha/types.h> through libha.pc's -I). See docs/libha.md for the contract.
 */
#ifndef NTOSIM_HA_TYPES_H
#define NTOSIM_HA_TYPES_H

#include <errno.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A recovery function: called as rfn(coid, rhdl) when a send on the
 * HA-aware `coid` failed with EBADF or ESRCH. It must re-establish the
 * connection on the same number (ha_reopen, ha_ReConnectAttach,
 * ha_name_reopen) and return `coid`; any other return gives up and the
 * failed call returns its original error.
 */
typedef int (*RFp)(int, void *);

/* ha_attach flags (and the `haflags` of the cover functions). */
#define HAREPLACERECOVERYFN 0x0001 /* replace an existing recovery function */

/*
 * ha_connection_ctrl commands. Integer arguments travel in the pointer
 * itself: ha_connection_ctrl(coid, HA_RECOVERY_ICOUNT, (void *)(intptr_t)3).
 */
#define HA_RECOVERY_ACOUNT	 0x0001 /* limit on recoveries ever (< 0: none) */
#define HA_RECOVERY_ICOUNT	 0x0002 /* limit per failure (< 0: none) */
#define HA_RECOVERY_SUSPEND	 0x0003 /* recovery off (args unused) */
#define HA_RECOVERY_ENABLE	 0x0004 /* recovery on again (args unused) */
#define HA_RECOVERY_RESET_ICOUNT 0x0005 /* per-failure counter = 0 */
#define HA_RECOVERY_RESET_ACOUNT 0x0006 /* total counter = 0 */

/* ====================================================================
 * ntosim extensions: not in QNX. Programs using them are ntosim-specific.
 * ==================================================================== */

/*
 * HA_RECOVERY_AT_MOST_ONCE: args (void *)1 turns the at-most-once policy on
 * for the connection's record, (void *)0 off (the default, QNX's
 * behaviour). With it on, a request the dead server had already received
 * (the sender was REPLY-blocked when it died) is never sent again: the
 * recovery function still runs, so the connection is usable afterwards,
 * but the call fails with HA_ENOTRESENT. Requests the server never
 * received are re-sent as usual.
 */
#define HA_RECOVERY_AT_MOST_ONCE 0x0100
/*
 * HA_RECOVERY_WAIT_MS: args (void *)(intptr_t)ms. How long ha_reopen and
 * ha_name_reopen (and so ha_name_open's built-in recovery) wait, inside a
 * recovery on this connection, for a server to register the path or name
 * again: 0 (default) = do not wait (QNX: the re-open fails with ENOENT),
 * > 0 = up to that many milliseconds, < 0 = without limit. The wait is
 * woken by ipcd when the registration appears; nothing polls.
 */
#define HA_RECOVERY_WAIT_MS 0x0101
/* args (int *): store the total (ACOUNT) or per-failure (ICOUNT) counter. */
#define HA_RECOVERY_GET_ACOUNT 0x0102
#define HA_RECOVERY_GET_ICOUNT 0x0103

/*
 * The errno of a call that the at-most-once policy refused to re-send: the
 * server received the request and died before replying, so it may or may
 * not have been applied. libnto's MsgSend never produces it by itself.
 */
#define HA_ENOTRESENT ECONNABORTED

/*
 * HA_RECOVERY_EXACTLY_ONCE: args (void *)1 on, (void *)0 off (default).
 * Every call on the connection then carries a request identity (a client
 * id kept by the record across recoveries, and a sequence number), out of
 * band: the message bytes are unchanged. After a recovery, a request the
 * dead server had received is re-sent with the same identity if the new
 * server announces a reply cache (_NTO_CHF_NTOSIM_REQID): the server
 * answers it from the cache if it had applied it, applies it otherwise.
 * If the new server does not announce one, the call falls back to
 * at-most-once: it fails with HA_ENOTRESENT and HA_RECOVERY_GET_FALLBACKS
 * counts it. Never a silent duplicate. Takes precedence over
 * HA_RECOVERY_AT_MOST_ONCE. See docs/libha.md, "Exactly once".
 */
#define HA_RECOVERY_EXACTLY_ONCE 0x0104
/* args (int *): store how many calls fell back from exactly-once to
 * at-most-once (HA_ENOTRESENT) because the server had no reply cache. */
#define HA_RECOVERY_GET_FALLBACKS 0x0105

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_TYPES_H */
