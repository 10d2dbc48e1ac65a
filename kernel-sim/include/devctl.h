/*
 * <devctl.h>: QNX's device-control call (devctl, devctlv) and the macros
 * that build device commands (__DIOF, __DIOT, __DIOTF, __DION) and find the
 * data of an _IO_DEVCTL message (_DEVCTL_DATA). Names and values are QNX's.
 * The common commands every resource manager answers are in
 * <sys/dcmd_all.h>.
 */
#ifndef NTOSIM_DEVCTL_H
#define NTOSIM_DEVCTL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Direction bits of a dcmd (the command itself is the low 16 bits). */
#define _POSIX_DEVDIR_NONE     0
#define _POSIX_DEVDIR_TO       0x80000000
#define _POSIX_DEVDIR_FROM     0x40000000
#define _POSIX_DEVDIR_TOFROM   (_POSIX_DEVDIR_TO | _POSIX_DEVDIR_FROM)
#define _POSIX_DEVDIR_CMD_MASK 0x0000FFFF

#define DEVDIR_NONE	_POSIX_DEVDIR_NONE
#define DEVDIR_TO	_POSIX_DEVDIR_TO
#define DEVDIR_FROM	_POSIX_DEVDIR_FROM
#define DEVDIR_TOFROM	_POSIX_DEVDIR_TOFROM
#define DEVDIR_CMD_MASK _POSIX_DEVDIR_CMD_MASK

/* Command classes (bits 8..15 of a dcmd). */
#define _DCMD_ALL	0x01
#define _DCMD_FSYS	0x02
#define _DCMD_BLK	_DCMD_FSYS
#define _DCMD_CHR	0x03
#define _DCMD_NET	0x04
#define _DCMD_MISC	0x05
#define _DCMD_IP	0x06
#define _DCMD_MIXER	0x07
#define _DCMD_PROC	0x08
#define _DCMD_MEM	0x09
#define _DCMD_INPUT	0x0A
#define _DCMD_PHOTON	0x0B
#define _DCMD_CAM	0x0C
#define _DCMD_USB	0x0D
#define _DCMD_MEDIA	0x0E
#define _DCMD_CAM_SIM	0x0F
#define _DCMD_MEMCLASS	0x10
#define _DCMD_PARTITION 0x11

/* A command: its data's size in bits 16..29, the class, the number, and
 * the direction the data travels (From the device, To it, both, None). */
#define __DIOF(class, cmd, data)                               \
	((int)((sizeof(data) << 16) + ((class) << 8) + (cmd) + \
	       _POSIX_DEVDIR_FROM))
#define __DIOT(class, cmd, data)                               \
	((int)((sizeof(data) << 16) + ((class) << 8) + (cmd) + \
	       _POSIX_DEVDIR_TO))
#define __DIOTF(class, cmd, data)                              \
	((int)((sizeof(data) << 16) + ((class) << 8) + (cmd) + \
	       _POSIX_DEVDIR_TOFROM))
#define __DION(class, cmd) (((class) << 8) + (cmd) + _POSIX_DEVDIR_NONE)

/* The data that follows an _IO_DEVCTL header: _DEVCTL_DATA(msg->i). */
#define _DEVCTL_DATA(msg) ((void *)(sizeof(msg) + (char *)(&(msg))))

int get_device_command(int command);
int get_device_direction(int command);
int set_device_direction(int command, int direction);
#define get_device_command(_cmd)	 ((_cmd)&DEVDIR_CMD_MASK)
#define get_device_direction(_cmd)	 ((_cmd) & (int)DEVDIR_TOFROM)
#define set_device_direction(_cmd, _dir) ((_cmd) | (_dir))

/*
 * devctl: send device command `dcmd` to the resource manager behind `fd`
 * (an _IO_DEVCTL message on its connection). nbytes of *dev_data_ptr go to
 * the server if dcmd has DEVDIR_TO; up to nbytes come back into it if
 * DEVDIR_FROM. *dev_info_ptr (may be NULL) gets the server's ret_val (0 if
 * the server sent no reply header). Returns EOK, or an error number (errno
 * is not set): EBADF (fd not open), ENOTTY (the server does not know the
 * command: it answered ENOSYS), EINTR, ESRCH (the server died), or whatever
 * errno the server replied with. On a real Linux fd only DCMD_ALL_GETFLAGS,
 * DCMD_ALL_SETFLAGS, DCMD_ALL_GETOWN and DCMD_ALL_SETOWN work (through
 * fcntl); other commands give ENOTTY.
 */
int devctl(int fd, int dcmd, void *dev_data_ptr, size_t nbytes,
	   int *dev_info_ptr);

/*
 * devctlv: devctl with the data to send gathered from sparts iovs `sv` and
 * the data that comes back scattered into rparts iovs `rv` (the direction
 * bits of dcmd are not looked at). The message's nbytes is the larger of
 * the two totals. Returns as devctl, plus EINVAL (negative part counts).
 */
int devctlv(int fd, int dcmd, int sparts, int rparts, const struct iovec *sv,
	    const struct iovec *rv, int *dev_info_ptr);

#ifdef __cplusplus
}
#endif

#include <sys/dcmd_all.h>

#endif /* NTOSIM_DEVCTL_H */
