/*
 * <sys/mman.h>: glibc's header, extended with what QNX's adds. Physical
 * memory and device I/O mappings are not possible in a Linux user process:
 * mmap_device_memory, mmap_device_io and mem_offset fail with ENOTSUP and
 * log one line naming the call. PROT_NOCACHE and MAP_PHYS are 0 here, so a
 * QNX "physically contiguous" anonymous mapping becomes an ordinary one.
 * shm_create_handle/shm_open_handle pass a shared-memory object to one
 * other process (QNX 7.1).
 */
#ifndef NTOSIM_SYS_MMAN_H
#define NTOSIM_SYS_MMAN_H

#include_next <sys/mman.h>

#include <fcntl.h> /* QNX's brings the O_* flags shm_open takes */
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NOFD
#define NOFD (-1)
#endif
#ifndef PROT_NOCACHE
#define PROT_NOCACHE 0
#endif
#ifndef MAP_PHYS
#define MAP_PHYS 0
#endif
#ifndef MAP_NOX64K
#define MAP_NOX64K 0
#endif
#ifndef MAP_BELOW16M
#define MAP_BELOW16M 0
#endif
#define MAP_DEVICE_FAILED ((uintptr_t)MAP_FAILED)

/*
 * QNX 7.1 shared-memory handles. shm_create_handle: let process `pid` open
 * the object `fd` refers to, once, with access `flags` (O_RDONLY, O_WRONLY
 * or O_RDWR; no more than fd has); 0, or -1 with errno EBADF (fd), ESRCH
 * (no such pid), EACCES (more access than fd has), EINVAL (flags or
 * options), ENOTSUP (SHM_CREATE_HANDLE_OPT_NOFD), EAGAIN (too many unused
 * handles), ENOTCONN (ipcd unreachable). shm_open_handle: the fd, or -1
 * with errno EINVAL (unknown handle, already opened, or meant for another
 * process), EACCES (more access than the handle grants). An unused handle
 * dies with the process that created it.
 */
/* shm_open(SHM_ANON, oflag, mode): a new anonymous shared-memory object
 * (a memfd here), never in any namespace; O_CREAT/O_EXCL are implied.
 * libnto takes shm_open and passes every other name to libc. */
#define SHM_ANON ((const char *)1)

typedef unsigned int shm_handle_t;
#define SHM_CREATE_HANDLE_OPT_NOFD 0x1u
int shm_create_handle(int fd, pid_t pid, int flags, shm_handle_t *handlep,
		      unsigned options);
int shm_open_handle(shm_handle_t handle, int flags);

void *mmap_device_memory(void *addr, size_t len, int prot, int flags,
			 uint64_t physical);
int munmap_device_memory(void *addr, size_t len);
uintptr_t mmap_device_io(size_t len, uint64_t io);
int munmap_device_io(uintptr_t io, size_t len);
int mem_offset(const void *addr, int fd, size_t len, off_t *off,
	       size_t *contig_len);
#ifdef __USE_LARGEFILE64
int mem_offset64(const void *addr, int fd, size_t len, off64_t *off,
		 size_t *contig_len);
#endif

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_MMAN_H */
