/*
 * procmgr_ability and its name lookups: QNX 7/8 ability lists are parsed,
 * checked and remembered per process (allow/deny, lock, inherit, per
 * domain) so a locked ability cannot be changed again, but nothing is
 * enforced: on Linux the process's uid and capabilities decide.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/procmgr.h>
#include <unistd.h>

#include "lib/internal.h"

#define AOP_ALL                                                        \
	(PROCMGR_AOP_DENY | PROCMGR_AOP_ALLOW | PROCMGR_AOP_SUBRANGE | \
	 PROCMGR_AOP_LOCK | PROCMGR_AOP_INHERIT_YES | PROCMGR_AOP_INHERIT_NO)
#define ADN_ALL	   (PROCMGR_ADN_ROOT | PROCMGR_ADN_NONROOT)
#define CUSTOM_MIN 1000u /* custom (named) abilities count up from here */
#define CUSTOM_MAX 64u

/* The standard abilities' names, as procmgr_ability_lookup() knows them. */
static const char *const std_names[PROCMGR_AID_MAX + 1] = {
	[PROCMGR_AID_SPAWN_SETUID] = "spawn_setuid",
	[PROCMGR_AID_SPAWN_SETGID] = "spawn_setgid",
	[PROCMGR_AID_SETUID] = "setuid",
	[PROCMGR_AID_SETGID] = "setgid",
	[PROCMGR_AID_GETID] = "getid",
	[PROCMGR_AID_PATHSPACE] = "pathspace",
	[PROCMGR_AID_REBOOT] = "reboot",
	[PROCMGR_AID_CPUMODE] = "cpumode",
	[PROCMGR_AID_RUNSTATE] = "runstate",
	[PROCMGR_AID_CONFSET] = "confset",
	[PROCMGR_AID_RSRCDBMGR] = "rsrcdbmgr",
	[PROCMGR_AID_SESSION] = "session",
	[PROCMGR_AID_UMASK] = "umask",
	[PROCMGR_AID_EVENT] = "event",
	[PROCMGR_AID_RLIMIT] = "rlimit",
	[PROCMGR_AID_MEM_ADD] = "mem_add",
	[PROCMGR_AID_MEM_PHYS] = "mem_phys",
	[PROCMGR_AID_MEM_SPECIAL] = "mem_special",
	[PROCMGR_AID_MEM_GLOBAL] = "mem_global",
	[PROCMGR_AID_MEM_PEER] = "mem_peer",
	[PROCMGR_AID_MEM_LOCK] = "mem_lock",
	[PROCMGR_AID_SPAWN] = "spawn",
	[PROCMGR_AID_FORK] = "fork",
	[PROCMGR_AID_PROT_EXEC] = "prot_exec",
	[PROCMGR_AID_WAIT] = "wait",
	[PROCMGR_AID_MSG_QUEUE] = "msg_queue",
	[PROCMGR_AID_CLOCKSET] = "clockset",
	[PROCMGR_AID_DUMPER] = "dumper",
	[PROCMGR_AID_INTERRUPT] = "interrupt",
	[PROCMGR_AID_IO] = "io",
	[PROCMGR_AID_TRACE] = "trace",
	[PROCMGR_AID_PRIORITY] = "priority",
	[PROCMGR_AID_CONNECTION] = "connection",
	[PROCMGR_AID_SCHEDULE] = "schedule",
	[PROCMGR_AID_SIGNAL] = "signal",
	[PROCMGR_AID_TIMER] = "timer",
	[PROCMGR_AID_PGRP] = "pgrp",
	[PROCMGR_AID_MAP_FIXED] = "map_fixed",
	[PROCMGR_AID_PATH_TRUST] = "path_trust",
	[PROCMGR_AID_SWAP] = "swap",
	[PROCMGR_AID_RCONSTRAINT] = "rconstraint",
	[PROCMGR_AID_CHILD_NEWAPP] = "child_newapp",
	[PROCMGR_AID_PUBLIC_CHANNEL] = "public_channel",
	[PROCMGR_AID_APS_ROOT] = "aps_root",
	[PROCMGR_AID_ABLE_CREATE] = "able_create",
	[PROCMGR_AID_RUNSTATE_BURST] = "runstate_burst",
	[PROCMGR_AID_DEFAULT_TIMER_TOLERANCE] = "default_timer_tolerance",
	[PROCMGR_AID_XPROCESS_QUERY] = "xprocess_query",
	[PROCMGR_AID_CHROOT] = "chroot",
	[PROCMGR_AID_POWER] = "power",
	[PROCMGR_AID_PROT_WRITE_AND_EXEC] = "prot_write_and_exec",
	[PROCMGR_AID_SRANDOM] = "srandom",
	[PROCMGR_AID_HYP] = "hyp",
	[PROCMGR_AID_RLIMIT_PEER] = "rlimit_peer",
	[PROCMGR_AID_CHANNEL_CONNECT] = "channel_connect",
	[PROCMGR_AID_MAC_POLICY] = "mac_policy",
	[PROCMGR_AID_SETTYPEID] = "settypeid",
	[PROCMGR_AID_ABLE_PRIV] = "able_priv",
	[PROCMGR_AID_XPROCESS_ABLE] = "xprocess_able",
	[PROCMGR_AID_XPROCESS_DEBUG] = "xprocess_debug",
	[PROCMGR_AID_XPROCESS_MEM_READ] = "xprocess_mem_read",
	[PROCMGR_AID_HIGH_RESOLUTION_TIMER] = "high_resolution_timer",
	[PROCMGR_AID_UNTRUSTED_EXEC] = "untrusted_exec",
	[PROCMGR_AID_SERVER_MONITOR] = "server_monitor",
	[PROCMGR_AID_SIGEV_THREAD] = "sigev_thread",
	[PROCMGR_AID_PRIVREG] = "privreg",
	[PROCMGR_AID_MOUNTIFS] = "mountifs",
	[PROCMGR_AID_CONTAINER_CREATE] = "container_create",
	[PROCMGR_AID_CONTAINER_DESTROY] = "container_destroy",
	[PROCMGR_AID_CONTAINER_QUERY] = "container_query",
	[PROCMGR_AID_SETCONTAINERID] = "setcontainerid",
};

/* What the process asked for one ability in one domain. */
struct able {
	unsigned char set, allow, locked, inherit;
	uint64_t lo, hi;
};

#define NABLE ((int)(PROCMGR_AID_MAX + 1 + CUSTOM_MAX))

static pthread_mutex_t able_lock = PTHREAD_MUTEX_INITIALIZER;
static struct able ables[NABLE][2]; /* [ability][0 root, 1 nonroot] */
static char custom[CUSTOM_MAX][PROCMGR_ABILITY_NAME_MAX];
static unsigned char custom_created[CUSTOM_MAX];
static unsigned ncustom;

/* The table index of an ability id, or -1 if there is no such ability. */
static int able_index(unsigned id)
{
	if (id <= PROCMGR_AID_MAX)
		return std_names[id] ? (int)id : -1;
	if (id >= CUSTOM_MIN && id - CUSTOM_MIN < ncustom)
		return (int)(PROCMGR_AID_MAX + 1 + (id - CUSTOM_MIN));
	return -1;
}

/* One descriptor's checks, before anything is changed. */
static int desc_check(unsigned d, uint64_t lo, uint64_t hi)
{
	if (d & ~(PROCMGR_AID_MASK | AOP_ALL | ADN_ALL | PROCMGR_AID_UNCREATED))
		return EINVAL;
	if ((d & PROCMGR_AOP_DENY) && (d & PROCMGR_AOP_ALLOW))
		return EINVAL;
	if ((d & PROCMGR_AOP_INHERIT_YES) && (d & PROCMGR_AOP_INHERIT_NO))
		return EINVAL;
	if ((d & PROCMGR_AOP_SUBRANGE) && lo > hi)
		return EINVAL;
	if ((d & PROCMGR_AID_MASK) != PROCMGR_AID_EOL &&
	    able_index(d & PROCMGR_AID_MASK) < 0)
		return EINVAL;
	return EOK;
}

static int able_apply(struct able *a, unsigned d, uint64_t lo, uint64_t hi,
		      int dry)
{
	if (!(d & (AOP_ALL & ~PROCMGR_AOP_LOCK)) && !(d & PROCMGR_AOP_LOCK))
		return EOK; /* no operation: nothing to change */
	if (a->locked)
		return EPERM;
	if (dry)
		return EOK;
	a->set = 1;
	if (d & (PROCMGR_AOP_DENY | PROCMGR_AOP_ALLOW))
		a->allow = !!(d & PROCMGR_AOP_ALLOW);
	if (d & PROCMGR_AOP_SUBRANGE) {
		a->lo = lo;
		a->hi = hi;
	}
	if (d & PROCMGR_AOP_INHERIT_YES)
		a->inherit = 1;
	if (d & PROCMGR_AOP_INHERIT_NO)
		a->inherit = 0;
	if (d & PROCMGR_AOP_LOCK)
		a->locked = 1;
	return EOK;
}

/* Apply (or with dry, check) one descriptor; `listed` marks the abilities
 * the list named, which a trailing EOL entry leaves alone. */
static int desc_apply(unsigned d, uint64_t lo, uint64_t hi,
		      const unsigned char *listed, int dry)
{
	unsigned id = d & PROCMGR_AID_MASK;
	int dom, i, rc;

	for (dom = 0; dom < 2; dom++) {
		if (!(d & (dom ? PROCMGR_ADN_NONROOT : PROCMGR_ADN_ROOT)))
			continue;
		if (id != PROCMGR_AID_EOL) {
			rc = able_apply(&ables[able_index(id)][dom], d, lo, hi,
					dry);
			if (rc != EOK)
				return rc;
			continue;
		}
		/* the abilities that exist now (custom ones made later start
		 * unset) */
		for (i = 0; i < (int)(PROCMGR_AID_MAX + 1 + ncustom); i++) {
			if (listed[i] ||
			    (i <= (int)PROCMGR_AID_MAX && !std_names[i]))
				continue;
			rc = able_apply(&ables[i][dom], d, lo, hi, dry);
			/* EOL "all the others": locked ones stay as they are */
			if (rc != EOK && rc != EPERM)
				return rc;
		}
	}
	return EOK;
}

#define LIST_MAX 256 /* descriptors in one call */

NTO_EXPORT int procmgr_ability(pid_t pid, unsigned ability, ...)
{
	unsigned desc[LIST_MAX];
	uint64_t lo[LIST_MAX], hi[LIST_MAX];
	unsigned char listed[NABLE];
	unsigned n = 0, d = ability, i;
	int rc = EOK, dry;
	va_list ap;

	if (pid != 0 && pid != getpid())
		return kill(pid, 0) == 0 || errno == EPERM ? EPERM : ESRCH;
	/* read the whole list first: a SUBRANGE entry carries two bounds */
	va_start(ap, ability);
	for (;;) {
		if (n == LIST_MAX) {
			rc = E2BIG;
			break;
		}
		desc[n] = d;
		lo[n] = hi[n] = 0;
		if (d & PROCMGR_AOP_SUBRANGE) {
			lo[n] = va_arg(ap, uint64_t);
			hi[n] = va_arg(ap, uint64_t);
		}
		n++;
		if ((d & PROCMGR_AID_MASK) == PROCMGR_AID_EOL)
			break;
		d = va_arg(ap, unsigned);
	}
	va_end(ap);
	if (rc != EOK)
		return rc;
	pthread_mutex_lock(&able_lock);
	memset(listed, 0, sizeof(listed));
	for (i = 0; i < n && rc == EOK; i++) {
		rc = desc_check(desc[i], lo[i], hi[i]);
		if (rc == EOK &&
		    (desc[i] & PROCMGR_AID_MASK) != PROCMGR_AID_EOL)
			listed[able_index(desc[i] & PROCMGR_AID_MASK)] = 1;
	}
	/* all or nothing: check every entry, then change */
	for (dry = 1; dry >= 0 && rc == EOK; dry--)
		for (i = 0; i < n && rc == EOK; i++)
			rc = desc_apply(desc[i], lo[i], hi[i], listed, dry);
	pthread_mutex_unlock(&able_lock);
	return rc;
}

NTO_EXPORT int procmgr_ability_lookup(const char *name)
{
	unsigned i;
	int rc;

	if (!name || !*name)
		return -EINVAL;
	if (strlen(name) >= PROCMGR_ABILITY_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i <= PROCMGR_AID_MAX; i++)
		if (std_names[i] && strcmp(std_names[i], name) == 0)
			return (int)i;
	pthread_mutex_lock(&able_lock);
	for (i = 0; i < ncustom; i++)
		if (strcmp(custom[i], name) == 0)
			break;
	if (i == ncustom) {
		if (ncustom == CUSTOM_MAX) {
			pthread_mutex_unlock(&able_lock);
			return -ENOSPC;
		}
		strcpy(custom[ncustom++], name);
	}
	rc = (int)(CUSTOM_MIN + i);
	if (!custom_created[i])
		rc |= (int)PROCMGR_AID_UNCREATED;
	pthread_mutex_unlock(&able_lock);
	return rc;
}

NTO_EXPORT int procmgr_ability_create(const char *name, unsigned flags)
{
	int id = procmgr_ability_lookup(name);
	unsigned i;

	(void)flags; /* ABLE_ALLOW_ROOT/NONROOT ...: not enforced */
	if (id < 0)
		return id;
	if ((unsigned)id <= PROCMGR_AID_MAX)
		return -EEXIST;
	i = ((unsigned)id & PROCMGR_AID_MASK) - CUSTOM_MIN;
	pthread_mutex_lock(&able_lock);
	if (custom_created[i]) {
		pthread_mutex_unlock(&able_lock);
		return -EEXIST;
	}
	custom_created[i] = 1;
	pthread_mutex_unlock(&able_lock);
	return (int)(CUSTOM_MIN + i);
}

NTO_EXPORT int procmgr_ability_name(unsigned ability, char *buf, size_t size)
{
	unsigned id = ability & PROCMGR_AID_MASK;
	char name[PROCMGR_ABILITY_NAME_MAX];
	size_t len;

	pthread_mutex_lock(&able_lock);
	if (able_index(id) < 0) {
		pthread_mutex_unlock(&able_lock);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s",
		 id <= PROCMGR_AID_MAX ? std_names[id]
				       : custom[id - CUSTOM_MIN]);
	pthread_mutex_unlock(&able_lock);
	len = strlen(name);
	if (!buf || size <= len)
		return -ENAMETOOLONG;
	memcpy(buf, name, len + 1);
	return (int)len;
}
