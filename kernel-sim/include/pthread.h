/*
 * <pthread.h> overlay: glibc's <pthread.h> (through #include_next,
 * untouched) plus the thread-name calls QNX declares unconditionally and
 * glibc only under _GNU_SOURCE. Declarations match glibc's, so both
 * together compile in C and C++. libnto also lets pthread_create() take a
 * NULL thread pointer, as QNX does (no declaration change needed).
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

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_PTHREAD_H */
