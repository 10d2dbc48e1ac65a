/*
 * <sys/procmgr.h>: QNX's process-manager calls on Linux: procmgr_daemon
 * (keeps a resource manager's channels and paths across the fork),
 * procmgr_ability (QNX 7/8 ability lists, accepted and checked but not
 * enforced: Linux permissions decide), and procmgr_event_notify (process
 * death and creation of processes ipcd knows, and triggered events).
 * Names and constant values are QNX's. Public and installed.
 */
#ifndef NTOSIM_SYS_PROCMGR_H
#define NTOSIM_SYS_PROCMGR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROCMGR_DAEMON_NOCHDIR	 0x00000001
#define PROCMGR_DAEMON_NOCLOSE	 0x00000002
#define PROCMGR_DAEMON_NODEVNULL 0x00000004
#define PROCMGR_DAEMON_KEEPUMASK 0x00000008

#define PROCMGR_EVENT_SYNC		0x00000001
#define PROCMGR_EVENT_PATHSPACE		0x00000002
#define PROCMGR_EVENT_TOD		0x00000004
#define PROCMGR_EVENT_SYSCONF		0x00010000
#define PROCMGR_EVENT_CONFSTR		0x00020000
#define PROCMGR_EVENT_DAEMON_DEATH	0x00040000
#define PROCMGR_EVENT_CONTIG_ALLOC_FAIL 0x00080000
#define PROCMGR_EVENT_PROCESS_DEATH	0x00100000
#define PROCMGR_EVENT_APS_BANKRUPTCY	0x00200000
#define PROCMGR_EVENT_PROCESS_CREATE	0x00400000
#define PROCMGR_EVENT_PRIVILEGED	0xffff0000

typedef uint32_t ability_desc_t;
typedef uint16_t ability_id_t;
typedef uint16_t ability_flags_t;

/* Ability identifiers (QNX 7.0 .. 8.0). */
#define PROCMGR_AID_SPAWN_SETUID	    0u
#define PROCMGR_AID_SPAWN_SETGID	    1u
#define PROCMGR_AID_SETUID		    2u
#define PROCMGR_AID_SETGID		    3u
#define PROCMGR_AID_GETID		    4u
#define PROCMGR_AID_PATHSPACE		    5u
#define PROCMGR_AID_REBOOT		    6u
#define PROCMGR_AID_CPUMODE		    7u
#define PROCMGR_AID_RUNSTATE		    8u
#define PROCMGR_AID_CONFSET		    9u
#define PROCMGR_AID_RSRCDBMGR		    10u
#define PROCMGR_AID_SESSION		    11u
#define PROCMGR_AID_UMASK		    12u
#define PROCMGR_AID_EVENT		    13u
#define PROCMGR_AID_RLIMIT		    14u
#define PROCMGR_AID_MEM_ADD		    15u
#define PROCMGR_AID_MEM_PHYS		    16u
#define PROCMGR_AID_MEM_SPECIAL		    17u
#define PROCMGR_AID_MEM_GLOBAL		    18u
#define PROCMGR_AID_MEM_PEER		    19u
#define PROCMGR_AID_MEM_LOCK		    20u
#define PROCMGR_AID_SPAWN		    21u
#define PROCMGR_AID_FORK		    22u
#define PROCMGR_AID_PROT_EXEC		    23u
#define PROCMGR_AID_WAIT		    24u
#define PROCMGR_AID_MSG_QUEUE		    26u
#define PROCMGR_AID_CLOCKSET		    27u
#define PROCMGR_AID_DUMPER		    28u
#define PROCMGR_AID_INTERRUPT		    29u
#define PROCMGR_AID_INTERRUPTEVENT	    PROCMGR_AID_INTERRUPT
#define PROCMGR_AID_IO			    31u
#define PROCMGR_AID_TRACE		    32u
#define PROCMGR_AID_PRIORITY		    33u
#define PROCMGR_AID_CONNECTION		    34u
#define PROCMGR_AID_SCHEDULE		    35u
#define PROCMGR_AID_SIGNAL		    36u
#define PROCMGR_AID_TIMER		    37u
#define PROCMGR_AID_PGRP		    38u
#define PROCMGR_AID_MAP_FIXED		    39u
#define PROCMGR_AID_PATH_TRUST		    40u
#define PROCMGR_AID_SWAP		    41u
#define PROCMGR_AID_RCONSTRAINT		    42u
#define PROCMGR_AID_CHILD_NEWAPP	    43u
#define PROCMGR_AID_PUBLIC_CHANNEL	    44u
#define PROCMGR_AID_APS_ROOT		    45u
#define PROCMGR_AID_ABLE_CREATE		    46u
#define PROCMGR_AID_RUNSTATE_BURST	    47u
#define PROCMGR_AID_DEFAULT_TIMER_TOLERANCE 48u
#define PROCMGR_AID_XPROCESS_QUERY	    50u
#define PROCMGR_AID_CHROOT		    51u
#define PROCMGR_AID_POWER		    52u
#define PROCMGR_AID_PROT_WRITE_AND_EXEC	    53u
#define PROCMGR_AID_SRANDOM		    54u
#define PROCMGR_AID_HYP			    56u
#define PROCMGR_AID_QVM			    PROCMGR_AID_HYP
#define PROCMGR_AID_RLIMIT_PEER		    57u
#define PROCMGR_AID_CHANNEL_CONNECT	    58u
#define PROCMGR_AID_MAC_POLICY		    59u
#define PROCMGR_AID_SETTYPEID		    60u
#define PROCMGR_AID_ABLE_PRIV		    61u
#define PROCMGR_AID_XPROCESS_ABLE	    62u
#define PROCMGR_AID_XPROCESS_DEBUG	    64u
#define PROCMGR_AID_XPROCESS_MEM_READ	    65u
#define PROCMGR_AID_HIGH_RESOLUTION_TIMER   66u
#define PROCMGR_AID_UNTRUSTED_EXEC	    67u
#define PROCMGR_AID_SERVER_MONITOR	    68u
#define PROCMGR_AID_SIGEV_THREAD	    69u
#define PROCMGR_AID_PRIVREG		    70u
#define PROCMGR_AID_MOUNTIFS		    71u
#define PROCMGR_AID_CONTAINER_CREATE	    72u
#define PROCMGR_AID_CONTAINER_DESTROY	    73u
#define PROCMGR_AID_CONTAINER_QUERY	    74u
#define PROCMGR_AID_SETCONTAINERID	    75u
#define PROCMGR_AID_MAX			    PROCMGR_AID_SETCONTAINERID

#define PROCMGR_AID_MASK      0xffffu
#define PROCMGR_AID_EOL	      PROCMGR_AID_MASK
#define PROCMGR_AID_UNCREATED 0x00100000u

#define PROCMGR_AOP_DENY	0x00010000u
#define PROCMGR_AOP_ALLOW	0x00020000u
#define PROCMGR_AOP_SUBRANGE	0x00040000u
#define PROCMGR_AOP_LOCK	0x00080000u
#define PROCMGR_AOP_INHERIT_YES 0x00400000u
#define PROCMGR_AOP_INHERIT_NO	0x00800000u

#define PROCMGR_ADN_ROOT    0x10000000u
#define PROCMGR_ADN_NONROOT 0x20000000u

#define PROCMGR_ABILITY_NAME_MAX 128u

/*
 * Detach from the terminal and run in the background: fork; the parent
 * exits with `status` (_exit: its stdio was flushed before the fork); the
 * child calls setsid(), chdir("/") unless NOCHDIR, umask(0) unless
 * KEEPUMASK, points fds 0-2 at /dev/null unless NODEVNULL, and closes every
 * other fd of its own unless NOCLOSE (libnto's internal descriptors stay).
 * Channels, connections, resmgr paths and names made before the call are
 * the child's afterwards (ipcd moves them to the child's pid), so "attach,
 * then daemonize" works. Call it before starting other threads: only the
 * calling thread continues in the child, as with fork().
 * Returns 0 in the child, or -1 with errno (in the caller, before the
 * fork: fork's errors; in the child: EPERM/ESRCH if ipcd refused the
 * handover, and then the child starts without its parent's objects).
 */
int procmgr_daemon(int status, unsigned flags);

/*
 * Change abilities: a list of ability descriptors (domain | operation |
 * id), each PROCMGR_AOP_SUBRANGE one followed by two uint64_t bounds,
 * ending with an entry whose id is PROCMGR_AID_EOL. The list is checked
 * and remembered, not enforced: on Linux the uid and capabilities decide.
 * Returns EOK, or EINVAL (a malformed descriptor or bound), EPERM (a
 * locked ability changed, or another process's pid), ESRCH (no such pid).
 */
int procmgr_ability(pid_t pid, unsigned ability, ...);
/* The id of a named ability ("spawn_setuid" ..., or a custom one, which
 * is returned with PROCMGR_AID_UNCREATED until procmgr_ability_create()),
 * or a negative errno (EINVAL, ENAMETOOLONG, ENOSPC). Per process here. */
int procmgr_ability_lookup(const char *name);
/* Create a custom ability; its id, or a negative errno (EEXIST ...). */
int procmgr_ability_create(const char *name, unsigned flags);
/* The name of an ability id into buf; its length, or a negative errno. */
int procmgr_ability_name(unsigned ability, char *buf, size_t size);

/*
 * Ask for `event` when one of `flags` happens (PROCMGR_EVENT_*). The
 * process has one such registration: a new call replaces it, flags 0 (or
 * a NULL event) removes it. PROCESS_DEATH/CREATE fire for processes ipcd
 * knows (those that used libnto); with SIGEV_MAKE_UPDATEABLE the event's
 * value is the pid. SIGEV_PULSE (on the caller's coid), SIGEV_SIGNAL*,
 * SIGEV_NONE. Returns 0, or -1 with errno: EINVAL (bad flags, event type,
 * coid or signal), EAGAIN (too many registrations), ENOTCONN (no ipcd).
 */
int procmgr_event_notify(unsigned flags, const struct sigevent *event);
/* One more registration; returns its handle (> 0) or -1 with errno. */
int procmgr_event_notify_add(unsigned flags, const struct sigevent *event);
/* Remove a registration: 0, or -1 with errno ESRCH (no such handle). */
int procmgr_event_notify_delete(int id);
/* Fire SYNC, PATHSPACE, TOD, SYSCONF, CONFSTR ... events for every
 * registered process: 0 or -1 with errno EINVAL. */
int procmgr_event_trigger(unsigned flags);
/* Same; updateable events get `value`. */
int procmgr_event_trigger_updateable(unsigned flags, int value);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_SYS_PROCMGR_H */
