/*
 * <atomic.h>: QNX's atomic operations on an unsigned int, as QNX code uses
 * them for counters and flag words shared between threads (or processes,
 * in shared memory). atomic_add/sub add and subtract, atomic_set ORs bits
 * in, atomic_clr clears bits, atomic_toggle XORs them; each _value form
 * returns the value *before* the operation. Sequentially consistent, as on
 * QNX. Header-only (compiler builtins).
 */
#ifndef NTOSIM_ATOMIC_H
#define NTOSIM_ATOMIC_H

#ifdef __cplusplus
extern "C" {
#endif

static inline void atomic_add(volatile unsigned *loc, unsigned incr)
{
	(void)__atomic_fetch_add(loc, incr, __ATOMIC_SEQ_CST);
}
static inline unsigned atomic_add_value(volatile unsigned *loc, unsigned incr)
{
	return __atomic_fetch_add(loc, incr, __ATOMIC_SEQ_CST);
}
static inline void atomic_sub(volatile unsigned *loc, unsigned decr)
{
	(void)__atomic_fetch_sub(loc, decr, __ATOMIC_SEQ_CST);
}
static inline unsigned atomic_sub_value(volatile unsigned *loc, unsigned decr)
{
	return __atomic_fetch_sub(loc, decr, __ATOMIC_SEQ_CST);
}
static inline void atomic_set(volatile unsigned *loc, unsigned bits)
{
	(void)__atomic_fetch_or(loc, bits, __ATOMIC_SEQ_CST);
}
static inline unsigned atomic_set_value(volatile unsigned *loc, unsigned bits)
{
	return __atomic_fetch_or(loc, bits, __ATOMIC_SEQ_CST);
}
static inline void atomic_clr(volatile unsigned *loc, unsigned bits)
{
	(void)__atomic_fetch_and(loc, ~bits, __ATOMIC_SEQ_CST);
}
static inline unsigned atomic_clr_value(volatile unsigned *loc, unsigned bits)
{
	return __atomic_fetch_and(loc, ~bits, __ATOMIC_SEQ_CST);
}
static inline void atomic_toggle(volatile unsigned *loc, unsigned bits)
{
	(void)__atomic_fetch_xor(loc, bits, __ATOMIC_SEQ_CST);
}
static inline unsigned atomic_toggle_value(volatile unsigned *loc,
					   unsigned bits)
{
	return __atomic_fetch_xor(loc, bits, __ATOMIC_SEQ_CST);
}

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_ATOMIC_H */
