/*
 * The log line for QNX calls stock Linux cannot honour (unsupported.h):
 * one wording for interrupts, I/O ports, physical memory, spawn flags,
 * another process's priority and the rest.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "compat/unsupported.h"

#define LOG_SLOTS 64

static const char *_Atomic logged[LOG_SLOTS];

static int log_line(const char *what, int err)
{
	fprintf(stderr, "ntosim: %s: not possible on Linux (%s)\n", what,
		err == ENOTSUP ? "ENOTSUP" : strerror(err));
	return err;
}

int nto__unsupported(const char *what, int err)
{
	unsigned i;

	for (i = 0; i < LOG_SLOTS; i++) {
		const char *cur = atomic_load(&logged[i]);

		if (cur == what)
			return err;
		if (!cur) {
			const char *expect = NULL;

			if (atomic_compare_exchange_strong(&logged[i], &expect,
							   what))
				break;
			if (expect == what)
				return err;
		}
	}
	return log_line(what, err);
}

int nto__unsupportedf(int err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return log_line(what, err);
}
