/*
 * CHECK macros for the tests/compat libc programs: each failed check prints
 * file:line and what was expected, and the program exits 1.
 */
#ifndef NTOSIM_TESTS_COMPAT_LIBC_CHECK_H
#define NTOSIM_TESTS_COMPAT_LIBC_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                  \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		if (g_ == NULL || strcmp(g_, w_) != 0) {                      \
			fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
				w_);                                          \
			exit(1);                                              \
		}                                                             \
	} while (0)

#define CHECK_INT(got, want)                                              \
	do {                                                              \
		long long g_ = (long long)(got), w_ = (long long)(want);  \
		if (g_ != w_) {                                           \
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", \
				__FILE__, __LINE__, #got, g_, w_);        \
			exit(1);                                          \
		}                                                         \
	} while (0)

#endif /* NTOSIM_TESTS_COMPAT_LIBC_CHECK_H */
