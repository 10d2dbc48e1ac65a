/*
 * Replaces glibc's <bits/types/__sigval_t.h> (found first because
 * ntosim's include folder precedes the system ones) so that union sigval
 * has QNX's `long sival_long` member beside sival_int and sival_ptr.
 * Every glibc header that defines union sigval (signal.h, sys/wait.h via
 * siginfo_t, mqueue.h, aio.h, time.h users of sigevent) includes this file
 * by name, so the extra member exists whatever order headers are included
 * in. The union keeps glibc's size and alignment (long is pointer-sized on
 * every Linux ABI) and sival_int stays first, so `union sigval v = { 5 }`
 * and the kernel ABI are unchanged. The guard is glibc's own.
 */
#ifndef ____sigval_t_defined
#define ____sigval_t_defined

#ifdef __USE_POSIX199309
union sigval {
	int sival_int;
	void *sival_ptr;
	long sival_long; /* QNX */
};

typedef union sigval __sigval_t;
#else
union __sigval {
	int __sival_int;
	void *__sival_ptr;
	long __sival_long;
};

typedef union __sigval __sigval_t;
#endif

#endif
