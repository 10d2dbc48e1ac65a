/*
 * pthread_create() as QNX has it: a NULL thread pointer is allowed (the new
 * thread's id is then not stored). glibc writes through the pointer, so
 * libnto interposes pthread_create, for -lnto programs and under
 * LD_PRELOAD alike, and hands glibc a local when the caller passed NULL;
 * everything else goes to glibc's pthread_create unchanged.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h> /* pthread_t, pthread_attr_t */

/* Deliberately not <pthread.h>: glibc declares pthread_create's thread
 * argument nonnull, which would let the compiler delete the NULL test
 * below. This prototype is the only one this file sees. */
#ifdef _PTHREAD_H
#error "pthread.c must not include <pthread.h>"
#endif
int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg);

#define NTO_EXPORT __attribute__((visibility("default")))

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
			 void *);

static create_fn real_create;

/* glibc's pthread_create: the next definition after libnto's. Resolved on
 * first use (and before main, below) and cached; a race resolves twice to
 * the same pointer. */
static create_fn libc_create(void)
{
	create_fn f = __atomic_load_n(&real_create, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		f = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
		__atomic_store_n(&real_create, f, __ATOMIC_RELEASE);
	}
	return f;
}

__attribute__((constructor)) static void pthread_compat_init(void)
{
	(void)libc_create();
}

/*
 * Create a thread. thread may be NULL (QNX): the id is then discarded.
 * Returns 0 or an errno value as glibc does (EAGAIN, EINVAL, EPERM);
 * ENOSYS if glibc's pthread_create cannot be found (never on glibc).
 */
NTO_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			      void *(*start)(void *), void *arg)
{
	create_fn f = libc_create();
	pthread_t unused;

	if (f == NULL) {
		fprintf(stderr, "ntosim: pthread_create: glibc's definition "
				"not found (ENOSYS)\n");
		return ENOSYS;
	}
	return f(thread != NULL ? thread : &unused, attr, start, arg);
}
