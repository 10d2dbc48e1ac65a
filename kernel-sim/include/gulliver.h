/*
 * <gulliver.h>: QNX's endian helpers. ENDIAN_RETn(x) returns x byte-swapped,
 * ENDIAN_SWAPn(p) swaps the value at p in place, ENDIAN_LEn/ENDIAN_BEn
 * convert between native order and little/big endian (either direction),
 * UNALIGNED_RETn(p)/UNALIGNED_PUTn(p, x) load and store native-order values
 * at any alignment. Same names and results as QNX's; built on the compiler's
 * byte-swap builtins.
 */
#ifndef NTOSIM_GULLIVER_H
#define NTOSIM_GULLIVER_H

#include <sys/platform.h>

/* qcc predefines one of these; gcc and clang give __BYTE_ORDER__. */
#if !defined(__LITTLEENDIAN__) && !defined(__BIGENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define __LITTLEENDIAN__ 1
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define __BIGENDIAN__ 1
#else
#error "gulliver.h: unknown byte order"
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ENDIAN_RET16(__x) ((_Uint16t)__builtin_bswap16((_Uint16t)(__x)))
#define ENDIAN_RET32(__x) ((_Uint32t)__builtin_bswap32((_Uint32t)(__x)))
#define ENDIAN_RET64(__x) ((_Uint64t)__builtin_bswap64((_Uint64t)(__x)))

#define ENDIAN_SWAP16(__p) \
	(*(_Uint16t *)(__p) = ENDIAN_RET16(*(_Uint16t *)(__p)))
#define ENDIAN_SWAP32(__p) \
	(*(_Uint32t *)(__p) = ENDIAN_RET32(*(_Uint32t *)(__p)))
#define ENDIAN_SWAP64(__p) \
	(*(_Uint64t *)(__p) = ENDIAN_RET64(*(_Uint64t *)(__p)))

#if defined(__LITTLEENDIAN__)
#define ENDIAN_STRINGNAME "le"
#define ENDIAN_LE16(__x)  (__x)
#define ENDIAN_LE32(__x)  (__x)
#define ENDIAN_LE64(__x)  (__x)
#define ENDIAN_BE16(__x)  ENDIAN_RET16(__x)
#define ENDIAN_BE32(__x)  ENDIAN_RET32(__x)
#define ENDIAN_BE64(__x)  ENDIAN_RET64(__x)
#else
#define ENDIAN_STRINGNAME "be"
#define ENDIAN_LE16(__x)  ENDIAN_RET16(__x)
#define ENDIAN_LE32(__x)  ENDIAN_RET32(__x)
#define ENDIAN_LE64(__x)  ENDIAN_RET64(__x)
#define ENDIAN_BE16(__x)  (__x)
#define ENDIAN_BE32(__x)  (__x)
#define ENDIAN_BE64(__x)  (__x)
#endif

/* Native-order loads and stores at any address (memcpy compiles to one
 * move where the CPU allows unaligned access). */
static inline _Uint16t ntosim__unaligned_ret16(const volatile void *p)
{
	_Uint16t v;
	__builtin_memcpy(&v, (const void *)p, sizeof v);
	return v;
}
static inline _Uint32t ntosim__unaligned_ret32(const volatile void *p)
{
	_Uint32t v;
	__builtin_memcpy(&v, (const void *)p, sizeof v);
	return v;
}
static inline _Uint64t ntosim__unaligned_ret64(const volatile void *p)
{
	_Uint64t v;
	__builtin_memcpy(&v, (const void *)p, sizeof v);
	return v;
}
static inline void ntosim__unaligned_put16(volatile void *p, _Uint16t v)
{
	__builtin_memcpy((void *)p, &v, sizeof v);
}
static inline void ntosim__unaligned_put32(volatile void *p, _Uint32t v)
{
	__builtin_memcpy((void *)p, &v, sizeof v);
}
static inline void ntosim__unaligned_put64(volatile void *p, _Uint64t v)
{
	__builtin_memcpy((void *)p, &v, sizeof v);
}

#define UNALIGNED_RET16(__p) ntosim__unaligned_ret16(__p)
#define UNALIGNED_RET32(__p) ntosim__unaligned_ret32(__p)
#define UNALIGNED_RET64(__p) ntosim__unaligned_ret64(__p)
#define UNALIGNED_PUT16(__p, __x) \
	ntosim__unaligned_put16((__p), (_Uint16t)(__x))
#define UNALIGNED_PUT32(__p, __x) \
	ntosim__unaligned_put32((__p), (_Uint32t)(__x))
#define UNALIGNED_PUT64(__p, __x) \
	ntosim__unaligned_put64((__p), (_Uint64t)(__x))

/* Messages never cross an endian boundary on one Linux host. */
#define ENDIAN_CHKMSG(__info) (0)
#define endian_swap(__x, __y) (0)

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_GULLIVER_H */
