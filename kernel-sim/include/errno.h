/*
 * <errno.h> overlay: glibc's <errno.h> (through #include_next, untouched)
 * plus QNX's EOK ("no error", 0: what devctl, MsgError and pthread calls
 * are compared with) and the QNX-only errno names Linux lacks, with QNX's
 * values (300 and up: above Linux's range, so they never collide with a
 * real Linux errno).
 */
#include_next <errno.h>

#ifndef NTOSIM_ERRNO_H
#define NTOSIM_ERRNO_H

#ifndef EOK
#define EOK 0
#endif
#ifndef ENOREMOTE
#define ENOREMOTE 300 /* must be done on a remote node */
#endif
#ifndef EBADFSYS
#define EBADFSYS 302 /* corrupted file system detected */
#endif
#ifndef ESRVRFAULT
#define ESRVRFAULT 312 /* the server faulted copying a message */
#endif
#ifndef EENDIAN
#define EENDIAN 313 /* endian not supported */
#endif

#endif /* NTOSIM_ERRNO_H */
