/*
 * <sys/dcmd_all.h>: the device commands every QNX resource manager answers
 * (class _DCMD_ALL): the open flags, the mount flags, the owner for
 * O_ASYNC signals, and fadvise. Values are QNX's. iofunc_devctl() answers
 * the first three.
 */
#ifndef NTOSIM_SYS_DCMD_ALL_H
#define NTOSIM_SYS_DCMD_ALL_H

#include <stdint.h>
#include <sys/types.h>

#include <devctl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The argument of DCMD_ALL_FADVISE. */
struct _fadvise {
	int advice;
	int spare;
	int64_t offset;
	int64_t len;
};

#define DCMD_ALL_GETFLAGS      __DIOF(_DCMD_ALL, 1, int)
#define DCMD_ALL_SETFLAGS      __DIOT(_DCMD_ALL, 2, int)
#define DCMD_ALL_GETMOUNTFLAGS __DIOF(_DCMD_ALL, 3, int)
#define DCMD_ALL_GETOWN	       __DIOF(_DCMD_ALL, 4, pid_t)
#define DCMD_ALL_SETOWN	       __DIOT(_DCMD_ALL, 5, pid_t)
#define DCMD_ALL_FADVISE       __DIOT(_DCMD_ALL, 6, struct _fadvise)

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_DCMD_ALL_H */
