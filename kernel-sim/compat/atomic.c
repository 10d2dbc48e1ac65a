/*
 * QNX's <atomic.h> in libnto: each call is one sequentially consistent
 * atomic read-modify-write, so it works between threads and between
 * processes that share the memory (shm_open, mmap). Nothing else here.
 */
#include "config.h"

#include <atomic.h>

#define NTO_EXPORT __attribute__((visibility("default")))

NTO_EXPORT unsigned atomic_add_value(volatile unsigned *loc, unsigned incr)
{
	return __atomic_fetch_add(loc, incr, __ATOMIC_SEQ_CST);
}

NTO_EXPORT unsigned atomic_sub_value(volatile unsigned *loc, unsigned decr)
{
	return __atomic_fetch_sub(loc, decr, __ATOMIC_SEQ_CST);
}

NTO_EXPORT unsigned atomic_clr_value(volatile unsigned *loc, unsigned bits)
{
	return __atomic_fetch_and(loc, ~bits, __ATOMIC_SEQ_CST);
}

NTO_EXPORT unsigned atomic_set_value(volatile unsigned *loc, unsigned bits)
{
	return __atomic_fetch_or(loc, bits, __ATOMIC_SEQ_CST);
}

NTO_EXPORT unsigned atomic_toggle_value(volatile unsigned *loc, unsigned bits)
{
	return __atomic_fetch_xor(loc, bits, __ATOMIC_SEQ_CST);
}

NTO_EXPORT void atomic_add(volatile unsigned *loc, unsigned incr)
{
	(void)atomic_add_value(loc, incr);
}

NTO_EXPORT void atomic_sub(volatile unsigned *loc, unsigned decr)
{
	(void)atomic_sub_value(loc, decr);
}

NTO_EXPORT void atomic_clr(volatile unsigned *loc, unsigned bits)
{
	(void)atomic_clr_value(loc, bits);
}

NTO_EXPORT void atomic_set(volatile unsigned *loc, unsigned bits)
{
	(void)atomic_set_value(loc, bits);
}

NTO_EXPORT void atomic_toggle(volatile unsigned *loc, unsigned bits)
{
	(void)atomic_toggle_value(loc, bits);
}
