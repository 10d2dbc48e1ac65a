/*
 * <sync.h>: QNX's older names for the POSIX barriers (barrier_t,
 * barrier_init, barrier_wait, barrier_destroy and their attribute calls),
 * which QNX 6 code and books still use. They are glibc's pthread barriers
 * under QNX's names; BARRIER_SERIAL_THREAD is PTHREAD_BARRIER_SERIAL_THREAD.
 */
#ifndef NTOSIM_SYNC_H
#define NTOSIM_SYNC_H

#include <pthread.h>

typedef pthread_barrier_t barrier_t;
typedef pthread_barrierattr_t barrier_attr_t;

#define BARRIER_SERIAL_THREAD	PTHREAD_BARRIER_SERIAL_THREAD
#define barrier_init		pthread_barrier_init
#define barrier_wait		pthread_barrier_wait
#define barrier_destroy		pthread_barrier_destroy
#define barrier_attr_init	pthread_barrierattr_init
#define barrier_attr_destroy	pthread_barrierattr_destroy
#define barrier_attr_getpshared pthread_barrierattr_getpshared
#define barrier_attr_setpshared pthread_barrierattr_setpshared

#endif /* NTOSIM_SYNC_H */
