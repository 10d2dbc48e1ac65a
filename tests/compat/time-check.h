/*
 * CHECK(cond) for the time area's tests/compat programs: on failure, print
 * the line, the condition and errno, and exit 1.
 */
#ifndef NTOSIM_TESTS_COMPAT_TIME_CHECK_H
#define NTOSIM_TESTS_COMPAT_TIME_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(_c)                                                       \
	do {                                                            \
		if (!(_c)) {                                            \
			fprintf(stderr, "line %d: %s (errno %d: %s)\n", \
				__LINE__, #_c, errno, strerror(errno)); \
			exit(1);                                        \
		}                                                       \
	} while (0)

#endif /* NTOSIM_TESTS_COMPAT_TIME_CHECK_H */
