/*
 * <sys/stat.h>: glibc's header, extended with QNX's underscore names for
 * the file types (_S_IFREG ...) and its named-special-file type
 * (_S_IFNAM, which no Linux file ever has).
 */
#include_next <sys/stat.h>

#ifndef NTOSIM_SYS_STAT_H
#define NTOSIM_SYS_STAT_H

#define _S_IFMT	  S_IFMT
#define _S_IFIFO  S_IFIFO
#define _S_IFCHR  S_IFCHR
#define _S_IFDIR  S_IFDIR
#define _S_IFBLK  S_IFBLK
#define _S_IFREG  S_IFREG
#define _S_IFLNK  S_IFLNK
#define _S_IFSOCK S_IFSOCK
#define _S_IFNAM  0x5000
#ifndef S_IFNAM
#define S_IFNAM _S_IFNAM
#endif
#define S_ISNAM(m) (((m)&S_IFMT) == _S_IFNAM)
/* Subtypes of _S_IFNAM in st_rdev (semaphores, shared memory). */
#define _S_INSEM 0x0001
#define _S_INSHD 0x0002

#endif /* NTOSIM_SYS_STAT_H */
