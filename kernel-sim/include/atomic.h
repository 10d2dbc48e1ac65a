/*
 * <atomic.h>: QNX's atomic operations on an unsigned int, safe between
 * threads and between processes sharing the memory. Each is one sequentially
 * consistent read-modify-write (GCC/Clang __atomic builtins in libnto). The
 * plain forms return nothing; the _value forms return the value *loc held
 * before the operation. None fails and none sets errno.
 */
#ifndef NTOSIM_ATOMIC_H
#define NTOSIM_ATOMIC_H

#ifdef __cplusplus
extern "C" {
#endif

/* *loc += incr */
void atomic_add(volatile unsigned *loc, unsigned incr);
/* *loc &= ~bits */
void atomic_clr(volatile unsigned *loc, unsigned bits);
/* *loc |= bits */
void atomic_set(volatile unsigned *loc, unsigned bits);
/* *loc -= decr */
void atomic_sub(volatile unsigned *loc, unsigned decr);
/* *loc ^= bits */
void atomic_toggle(volatile unsigned *loc, unsigned bits);

/* The same, returning the previous value of *loc. */
unsigned atomic_add_value(volatile unsigned *loc, unsigned incr);
unsigned atomic_clr_value(volatile unsigned *loc, unsigned bits);
unsigned atomic_set_value(volatile unsigned *loc, unsigned bits);
unsigned atomic_sub_value(volatile unsigned *loc, unsigned decr);
unsigned atomic_toggle_value(volatile unsigned *loc, unsigned bits);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_ATOMIC_H */
