/*
 * <pthread.h> overlay: glibc's <pthread.h> (through #include_next,
 * untouched) plus the thread-name calls QNX declares unconditionally and
 * glibc only under _GNU_SOURCE. Declarations match glibc's, so both
 * together compile in C and C++. pthread_create() accepts a NULL thread
 * pointer, as on QNX: libnto's pthread_create handles it for binaries, and
 * the macro below keeps a literal NULL from tripping glibc's nonnull
 * attribute (-Wnonnull) in sources built against this header.
 */
#include_next <pthread.h>

#ifndef NTOSIM_PTHREAD_H
#define NTOSIM_PTHREAD_H

#include <sys/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __USE_GNU
/* Name a thread (at most 15 characters plus NUL on Linux: ERANGE beyond);
 * read the name back into buf (len bytes). 0 or an errno value. */
int pthread_setname_np(pthread_t thread, const char *name) __THROW;
int pthread_getname_np(pthread_t thread, char *buf, size_t len) __THROW;
#endif

/*
 * pthread_create(NULL, attr, fn, arg): the id goes to a per-thread scratch
 * variable instead. Only a call with parentheses is rewritten, so taking
 * pthread_create's address still gives the function.
 */
static inline pthread_t *ntosim__pthread_id(pthread_t *thread)
{
	static __thread pthread_t unused;

	return thread != NULL ? thread : &unused;
}
#define pthread_create(thread, attr, start, arg) \
	pthread_create(ntosim__pthread_id(thread), (attr), (start), (arg))

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_PTHREAD_H */
