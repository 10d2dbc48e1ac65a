/*
 * QNX's two _r return conventions, in one place so the pairs cannot drift:
 * value-returning calls (-errno on failure) and 0-returning calls (EOK or a
 * positive errno). Every plain kernel call converts its _r form here.
 */
#include "config.h"

#include <errno.h>

#include "internal.h"

int nto__ret_val(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

int nto__ret_eok(int r)
{
	if (r != EOK) {
		errno = r;
		return -1;
	}
	return 0;
}
