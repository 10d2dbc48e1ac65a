/*
 * ha_connection_ctrl: the knobs of one recovery record (limits, counters,
 * suspend/enable, and ntosim's at-most-once and wait policies). The record
 * is shared by ha_dup'd fds, so a command on one of them acts on all.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "internal.h"

/* Integer arguments travel in the pointer itself, (void *)(intptr_t)n,
 * which is how QNX's page words it ("passing it via args as an integer"). */
static int arg_int(void *args)
{
	intptr_t v = (intptr_t)args;

	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return -1; /* any negative: unlimited */
	return (int)v;
}

static int ctrl_locked(struct ha_rec *r, int command, void *args)
{
	switch (command) {
	case HA_RECOVERY_ACOUNT:
		r->acount_limit = arg_int(args);
		return 0;
	case HA_RECOVERY_ICOUNT:
		r->icount_limit = arg_int(args);
		return 0;
	case HA_RECOVERY_SUSPEND:
		r->enabled = 0;
		return 0;
	case HA_RECOVERY_ENABLE:
		r->enabled = 1;
		return 0;
	case HA_RECOVERY_RESET_ICOUNT:
		r->icount = 0;
		r->unconfirmed = 0;
		return 0;
	case HA_RECOVERY_RESET_ACOUNT:
		r->acount = 0;
		return 0;
	case HA_RECOVERY_AT_MOST_ONCE:
		if ((intptr_t)args != 0 && (intptr_t)args != 1)
			return -EINVAL;
		r->at_most_once = (int)(intptr_t)args;
		return 0;
	case HA_RECOVERY_EXACTLY_ONCE:
		return ha__once_set(r, (intptr_t)args == 1   ? 1
				       : (intptr_t)args == 0 ? 0
							     : -1);
	case HA_RECOVERY_GET_FALLBACKS:
		if (!args)
			return -EINVAL;
		*(int *)args = r->eo_fallbacks;
		return 0;
	case HA_RECOVERY_WAIT_MS:
		r->wait_ms = arg_int(args);
		return 0;
	case HA_RECOVERY_GET_ACOUNT:
	case HA_RECOVERY_GET_ICOUNT:
		if (!args)
			return -EINVAL;
		/* a recovery whose re-send has not failed again counts as
		 * a success: its iterations are over */
		if (command == HA_RECOVERY_GET_ACOUNT)
			*(int *)args = r->acount;
		else
			*(int *)args = r->unconfirmed ? 0 : r->icount;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * ha_connection_ctrl: see <ha/cover.h> and <ha/types.h>. Returns 0, or -1
 * with errno EBADF (coid not HA-aware) or EINVAL (unknown command, bad
 * HA_RECOVERY_AT_MOST_ONCE value, NULL args for a GET command).
 */
HA_EXPORT int ha_connection_ctrl(int coid, int command, void *args)
{
	struct ha_rec *r = ha__ent_get(coid);
	int rc;

	if (!r) {
		errno = EBADF;
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	rc = ctrl_locked(r, command, args);
	pthread_mutex_unlock(&r->lock);
	ha__rec_put(r);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
