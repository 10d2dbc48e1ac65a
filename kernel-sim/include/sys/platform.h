/*
 * <sys/platform.h>: the QNX platform types every QNX header builds on
 * (_Uint32t, _Intptrt, _Paddr64t, ...), paddr_t and friends, and
 * __SRCVERSION. QNX's standard headers include it first; ntosim's overlays
 * of <stdlib.h>, <string.h>, <unistd.h>, <signal.h>, ... and
 * <sys/neutrino.h> do the same, so QNX code that uses these names after
 * including only a standard header compiles.
 */
#ifndef NTOSIM_SYS_PLATFORM_H
#define NTOSIM_SYS_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/srcversion.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QNX fixed-width type names used throughout its headers. */
typedef uint8_t _Uint8t;
typedef int8_t _Int8t;
typedef uint16_t _Uint16t;
typedef int16_t _Int16t;
typedef uint32_t _Uint32t;
typedef int32_t _Int32t;
typedef uint64_t _Uint64t;
typedef int64_t _Int64t;
typedef intptr_t _Intptrt;
typedef uintptr_t _Uintptrt;
typedef intmax_t _Intmaxt;
typedef uintmax_t _Uintmaxt;
typedef long _Longt;
typedef unsigned long _Ulongt;
typedef size_t _Sizet;
typedef long _Ssizet;
typedef _Uint64t _Sizet64t;
typedef _Int64t _Ssizet64t;
typedef _Int64t _Off64t;

/* Physical addresses (QNX <sys/types.h>): 64 bits on every 64-bit target. */
typedef _Uint32t _Paddr32t;
typedef _Uint64t _Paddr64t;
typedef _Paddr64t _Paddrt;
typedef _Paddrt paddr_t;
typedef _Paddr32t paddr32_t;
typedef _Paddr64t paddr64_t;

/* Short unsigned names (QNX <sys/types.h>), with QNX's guards. */
#ifndef _UCHAR_T_DEFINED
#define _UCHAR_T_DEFINED
typedef unsigned char uchar_t;
#endif
#ifndef _USHORT_T_DEFINED
#define _USHORT_T_DEFINED
typedef unsigned short ushort_t;
#endif
#ifndef _UINT_T_DEFINED
#define _UINT_T_DEFINED
typedef unsigned int uint_t;
#endif
#ifndef _ULONG_T_DEFINED
#define _ULONG_T_DEFINED
typedef unsigned long ulong_t;
#endif

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_PLATFORM_H */
