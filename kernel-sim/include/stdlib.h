/*
 * <stdlib.h> overlay: glibc's <stdlib.h> (through #include_next, untouched)
 * plus what QNX's adds: the min()/max() macros (C only, as on QNX),
 * __min()/__max(), and the itoa family (itoa, ltoa, lltoa, utoa, ultoa,
 * ulltoa), which libnto implements. Installed in include/ntosim/, which
 * `pkg-config --cflags ntosim` puts ahead of the system folders.
 */
#include_next <stdlib.h>

#ifndef NTOSIM_STDLIB_H
#define NTOSIM_STDLIB_H

#include <sys/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QNX defines both pairs; min and max only for C, where they cannot clash
 * with std::min/std::max. Existing definitions are left alone. */
#ifndef __max
#define __max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef __min
#define __min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef __cplusplus
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#endif

/*
 * Integer to text in radix 2..36 (lower-case digits), NUL-terminated, into
 * buf, which must hold the result (at most 65 bytes for 64-bit values plus
 * a sign). Return buf. itoa, ltoa and lltoa write a leading '-' for a
 * negative value in radix 10 only; in other radixes the value's bits are
 * converted as unsigned (QNX and Watcom behaviour: itoa(-1, b, 16) gives
 * "ffffffff"). A radix outside 2..36 stores "" and sets errno to EINVAL.
 */
char *itoa(int value, char *buf, int radix);
char *ltoa(long value, char *buf, int radix);
char *lltoa(long long value, char *buf, int radix);
char *utoa(unsigned value, char *buf, int radix);
char *ultoa(unsigned long value, char *buf, int radix);
char *ulltoa(unsigned long long value, char *buf, int radix);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_STDLIB_H */
