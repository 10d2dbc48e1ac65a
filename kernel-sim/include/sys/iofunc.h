/*
 * <sys/iofunc.h>: QNX's POSIX-layer helpers for resource managers: the
 * attribute (per device/file), OCB (per open) and mount structures, and the
 * iofunc_*_default handlers iofunc_func_init installs. Names, layouts and
 * values are QNX's. Include it before <sys/dispatch.h> / <sys/resmgr.h> so
 * the function tables take iofunc_attr_t / iofunc_ocb_t (or your own types
 * via IOFUNC_ATTR_T / IOFUNC_OCB_T, which must start with the iofunc ones).
 *
 * Locking: the resmgr layer calls io_funcs.lock_ocb / unlock_ocb around
 * every I/O handler; the defaults lock the OCB's attribute (recursively, per
 * thread), so the default handlers are safe in a thread pool.
 */
#ifndef NTOSIM_SYS_IOFUNC_H
#define NTOSIM_SYS_IOFUNC_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct _iofunc_attr;
struct _iofunc_ocb;

#ifndef RESMGR_HANDLE_T
#ifndef IOFUNC_ATTR_T
#define RESMGR_HANDLE_T struct _iofunc_attr
#else
#define RESMGR_HANDLE_T IOFUNC_ATTR_T
#endif
#endif

#ifndef RESMGR_OCB_T
#ifndef IOFUNC_OCB_T
#define RESMGR_OCB_T struct _iofunc_ocb
#else
#define RESMGR_OCB_T IOFUNC_OCB_T
#endif
#endif

#ifdef __cplusplus
}
#endif

#include <sys/resmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QNX file-type bits Linux lacks: a "name special" (S_IFNAM), what a
 * device resource manager usually is. 050000 is unused by Linux. */
#ifndef S_IFNAM
#define S_IFNAM 0050000
#endif
#ifndef S_ISNAM
#define S_ISNAM(m) (((m)&S_IFMT) == S_IFNAM)
#endif

/* QNX <share.h> share modes (struct _io_connect.sflag). */
#ifndef SH_DENYRW
#define SH_COMPAT 0x0000
#define SH_DENYRW 0x0010
#define SH_DENYWR 0x0020
#define SH_DENYRD 0x0030
#define SH_DENYNO 0x0040
#define SH_MASK	  0x0070
#endif

/* QNX <sys/mount.h> flag iofunc_open checks for writes. */
#ifndef _MOUNT_READONLY
#define _MOUNT_READONLY 0x00000001
#endif

/* ---- mount point ---- */

typedef struct _iofunc_funcs iofunc_funcs_t;

typedef struct _iofunc_mount {
	uint32_t flags;
	uint32_t conf; /* IOFUNC_PC_* */
	dev_t dev;
	int32_t blocksize;
	iofunc_funcs_t *funcs; /* optional OCB allocator and attr locks */
	void *power;
} iofunc_mount_t;

#ifndef IOFUNC_MOUNT_T
#define IOFUNC_MOUNT_T iofunc_mount_t
#endif

#define IOFUNC_MOUNT_FLAGS	   0x000000FF
#define IOFUNC_MOUNT_32BIT	   0x00000100
#define IOFUNC_MOUNT_FLAGS_PRIVATE 0xFFFFF000

#define IOFUNC_PC_CHOWN_RESTRICTED 0x00000001
#define IOFUNC_PC_NO_TRUNC	   0x00000002
#define IOFUNC_PC_SYNC_IO	   0x00000004
#define IOFUNC_PC_LINK_DIR	   0x00000008

/* ---- attribute: one per device or file ---- */

typedef struct _iofunc_attr {
	IOFUNC_MOUNT_T *mount;
	uint32_t flags;	     /* IOFUNC_ATTR_* */
	int32_t lock_tid;    /* thread holding iofunc_attr_lock */
	uint16_t lock_count; /* its recursion depth (0: unlocked) */
	uint16_t count;	     /* OCBs open on it */
	uint16_t rcount;     /* ... for reading */
	uint16_t wcount;     /* ... for writing */
	uint16_t rlocks;     /* SH_DENYRD/RW share locks */
	uint16_t wlocks;     /* SH_DENYWR/RW share locks */
	struct _iofunc_mmap_list *mmap_list;
	struct _iofunc_lock_list *lock_list;
	void *list;
	uint32_t list_size;
	int64_t nbytes; /* size */
	uint64_t inode;
	uid_t uid;
	gid_t gid;
	time_t mtime;
	time_t atime;
	time_t ctime;
	mode_t mode; /* S_IF* | permissions */
	nlink_t nlink;
	dev_t rdev;
} iofunc_attr_t;

#ifndef IOFUNC_ATTR_T
#define IOFUNC_ATTR_T iofunc_attr_t
#endif

#define IOFUNC_ATTR_RSVD	0x0000FFFF
#define IOFUNC_ATTR_PRIVATE	0xFFFF0000
#define IOFUNC_ATTR_SYNTHETIC	0x00008000
#define IOFUNC_ATTR_MTIME	0x00000001 /* written: mtime stale */
#define IOFUNC_ATTR_ATIME	0x00000002 /* read: atime stale */
#define IOFUNC_ATTR_CTIME	0x00000004 /* changed: ctime stale */
#define IOFUNC_ATTR_DIRTY_MASK	0x00000FF0
#define IOFUNC_ATTR_DIRTY_SIZE	0x00000010
#define IOFUNC_ATTR_DIRTY_OWNER 0x00000020
#define IOFUNC_ATTR_DIRTY_TIME	0x00000040
#define IOFUNC_ATTR_DIRTY_MODE	0x00000080
#define IOFUNC_ATTR_DIRTY_NLINK 0x00000100
#define IOFUNC_ATTR_DIRTY_RDEV	0x00000200

/* ---- OCB: one per open ---- */

typedef struct _iofunc_ocb {
	IOFUNC_ATTR_T *attr;
	int32_t ioflag; /* open's oflag + 1: _IO_FLAG_RD / _IO_FLAG_WR bits */
	int64_t offset;
	uint16_t sflag;
	uint16_t flags; /* IOFUNC_OCB_* */
	void *reserved;
} iofunc_ocb_t;

#ifndef IOFUNC_OCB_T
#define IOFUNC_OCB_T iofunc_ocb_t
#endif

#define IOFUNC_OCB_PRIVILEGED	 0x0001
#define IOFUNC_OCB_MMAP		 0x0002
#define IOFUNC_OCB_FLAGS_PRIVATE 0xF000

/* Optional per-mount overrides (iofunc_mount_t.funcs). */
struct _iofunc_funcs {
	unsigned nfuncs;
	IOFUNC_OCB_T *(*ocb_calloc)(resmgr_context_t *ctp, IOFUNC_ATTR_T *attr);
	void (*ocb_free)(IOFUNC_OCB_T *ocb);
	int (*attr_lock)(IOFUNC_ATTR_T *attr);
	int (*attr_unlock)(IOFUNC_ATTR_T *attr);
	int (*attr_trylock)(IOFUNC_ATTR_T *attr);
};
#define _IOFUNC_NFUNCS \
	((sizeof(iofunc_funcs_t) - sizeof(unsigned)) / sizeof(void *))

typedef struct _iofunc_mmap_list iofunc_mmap_list_t;
typedef struct _iofunc_lock_list iofunc_lock_list_t;

/* iofunc_ocb_detach() result bits */
#define IOFUNC_OCB_LAST_INUSE  0x0001
#define IOFUNC_OCB_LAST_READER 0x0002
#define IOFUNC_OCB_LAST_WRITER 0x0004
#define IOFUNC_OCB_LAST_RDLOCK 0x0008
#define IOFUNC_OCB_LAST_WRLOCK 0x0010

/*
 * iofunc_func_init: fill the first nconnect connect and nio I/O entries with
 * the defaults: connect open = iofunc_open_default (others NULL); I/O read,
 * write, close_ocb, stat, devctl, unblock, pathconf, lseek, chmod, chown,
 * utime, close_dup, lock_ocb, unlock_ocb, sync, power, openfd and fdinfo
 * get their iofunc_*_default; notify, lock, space, shutdown, mmap,
 * msg and dup are NULL (ENOSYS). Either table may be NULL.
 */
void iofunc_func_init(unsigned nconnect, resmgr_connect_funcs_t *connect,
		      unsigned nio, resmgr_io_funcs_t *io);

/*
 * iofunc_attr_init: zero *attr and set its mode, owner (info's effective
 * ids, else the server's), nlink 1, all times stale, and dattr's mount
 * (dattr may be NULL; info may be NULL).
 */
void iofunc_attr_init(iofunc_attr_t *attr, mode_t mode, iofunc_attr_t *dattr,
		      struct _client_info *info);

/*
 * The default handlers. Each returns a resmgr handler value (see
 * <sys/resmgr.h>): EOK, an errno, or _RESMGR_NPARTS/_RESMGR_DEFAULT.
 *  open_default:   iofunc_open (share, O_CREAT|O_EXCL -> EEXIST, directory
 *                  write -> EISDIR, read-only mount -> EROFS, permission
 *                  bits against the client's credentials -> EACCES), then
 *                  iofunc_ocb_attach (ENOMEM, EINVAL).
 *  read_default:   EBADF unless opened for reading; 0 bytes (end of file).
 *  write_default:  EBADF unless opened for writing; claims all nbytes
 *                  written, marks mtime/ctime.
 *  lseek_default:  SEEK_SET/CUR/END on ocb->offset; EINVAL for another
 *                  whence or a negative result; replies the new offset.
 *  stat_default:   replies the struct stat of ocb->attr.
 *  close_ocb_default: iofunc_ocb_detach, then frees the OCB.
 *  close_dup_default, unblock_default: EOK / _RESMGR_DEFAULT (nothing to
 *                  release: no record locks).
 *  devctl_default: iofunc_devctl (the DCMD_ALL_* commands), else
 *                  _RESMGR_DEFAULT (the client sees ENOTTY).
 *  pathconf_default: iofunc_pathconf (see below).
 *  chmod/chown/utime_default: owner (or root) only -> else EPERM.
 *  sync_default: EBADF unless opened for writing, else EOK.
 *  power_default: ENOSYS.
 *  lock_ocb/unlock_ocb_default: iofunc_attr_lock/unlock(ocb->attr).
 */
int iofunc_open_default(resmgr_context_t *ctp, io_open_t *msg,
			iofunc_attr_t *attr, void *extra);
int iofunc_read_default(resmgr_context_t *ctp, io_read_t *msg,
			iofunc_ocb_t *ocb);
int iofunc_write_default(resmgr_context_t *ctp, io_write_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_lseek_default(resmgr_context_t *ctp, io_lseek_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_stat_default(resmgr_context_t *ctp, io_stat_t *msg,
			iofunc_ocb_t *ocb);
int iofunc_close_ocb_default(resmgr_context_t *ctp, void *reserved,
			     iofunc_ocb_t *ocb);
int iofunc_close_dup_default(resmgr_context_t *ctp, io_close_t *msg,
			     iofunc_ocb_t *ocb);
int iofunc_unblock_default(resmgr_context_t *ctp, io_pulse_t *msg,
			   iofunc_ocb_t *ocb);
int iofunc_devctl_default(resmgr_context_t *ctp, io_devctl_t *msg,
			  iofunc_ocb_t *ocb);
int iofunc_pathconf_default(resmgr_context_t *ctp, io_pathconf_t *msg,
			    iofunc_ocb_t *ocb);
int iofunc_chmod_default(resmgr_context_t *ctp, io_chmod_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_chown_default(resmgr_context_t *ctp, io_chown_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_utime_default(resmgr_context_t *ctp, io_utime_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_sync_default(resmgr_context_t *ctp, io_sync_t *msg,
			iofunc_ocb_t *ocb);
int iofunc_power_default(resmgr_context_t *ctp, io_power_t *msg,
			 iofunc_ocb_t *ocb);
int iofunc_lock_ocb_default(resmgr_context_t *ctp, void *reserved,
			    iofunc_ocb_t *ocb);
int iofunc_unlock_ocb_default(resmgr_context_t *ctp, void *reserved,
			      iofunc_ocb_t *ocb);

/*
 * iofunc_attr_lock / trylock / unlock: a per-attribute lock the calling
 * thread may take recursively (attr->lock_tid / lock_count). Return EOK,
 * or (trylock) EBUSY when another thread holds it, (unlock) EPERM when the
 * caller does not.
 */
int iofunc_attr_lock(iofunc_attr_t *attr);
int iofunc_attr_trylock(iofunc_attr_t *attr);
int iofunc_attr_unlock(iofunc_attr_t *attr);

/*
 * iofunc_ocb_calloc / iofunc_ocb_free: allocate a zeroed iofunc_ocb_t
 * (NULL with errno ENOMEM) / free one (NULL ignored).
 */
IOFUNC_OCB_T *iofunc_ocb_calloc(resmgr_context_t *ctp, IOFUNC_ATTR_T *attr);
void iofunc_ocb_free(IOFUNC_OCB_T *ocb);

/*
 * iofunc_check_access: EOK if the credentials in info may access attr with
 * every S_IREAD/S_IWRITE/S_IEXEC bit in checkmode (root always may read
 * and write), else EACCES.
 */
int iofunc_check_access(resmgr_context_t *ctp, const iofunc_attr_t *attr,
			mode_t checkmode, const struct _client_info *info);

/*
 * iofunc_client_info: the credentials of the client that sent the current
 * message (ConnectClientInfo on ctp->info.scoid). Returns EOK, or the
 * errno (ESRCH: the client is gone, EINVAL).
 */
int iofunc_client_info(resmgr_context_t *ctp, int ioflag,
		       struct _client_info *info);

/*
 * iofunc_open: may the client open attr as msg asks (see open_default)?
 * dattr non-NULL means attr is being created in directory dattr (needs
 * O_CREAT, else ENOENT). info NULL: fetched with iofunc_client_info.
 * Returns EOK or the errno.
 */
int iofunc_open(resmgr_context_t *ctp, io_open_t *msg, iofunc_attr_t *attr,
		iofunc_attr_t *dattr, struct _client_info *info);

/*
 * iofunc_ocb_attach: set up *ocb (NULL: allocate one with the mount's
 * ocb_calloc or iofunc_ocb_calloc) for this open (ioflag, sflag, offset 0,
 * attr), bind it to the client's coid with resmgr_open_bind (io_funcs NULL:
 * the attach's), and count it in attr. Returns EOK, or ENOMEM / EINVAL /
 * ENOENT (the allocated OCB is freed again).
 */
int iofunc_ocb_attach(resmgr_context_t *ctp, io_open_t *msg, iofunc_ocb_t *ocb,
		      iofunc_attr_t *attr, const resmgr_io_funcs_t *io_funcs);

/*
 * iofunc_ocb_detach: undo iofunc_ocb_attach's counting in ocb->attr and
 * bring its times up to date. Returns the IOFUNC_OCB_LAST_* bits that
 * became true.
 */
int iofunc_ocb_detach(resmgr_context_t *ctp, iofunc_ocb_t *ocb);

/*
 * iofunc_read_verify / iofunc_write_verify: EBADF unless ocb was opened for
 * reading / writing, else EOK; *nonblock (may be NULL) is set to 1 if the
 * request must not block (_IO_XFLAG_NONBLOCK, or O_NONBLOCK without
 * _IO_XFLAG_BLOCK).
 */
int iofunc_read_verify(resmgr_context_t *ctp, io_read_t *msg, iofunc_ocb_t *ocb,
		       int *nonblock);
int iofunc_write_verify(resmgr_context_t *ctp, io_write_t *msg,
			iofunc_ocb_t *ocb, int *nonblock);

/*
 * iofunc_lseek: the work of iofunc_lseek_default on a given attr. Returns
 * EINVAL, EOK (combined message: no reply data) or _RESMGR_NPARTS(1) with
 * the new offset in msg->o.
 */
int iofunc_lseek(resmgr_context_t *ctp, io_lseek_t *msg, iofunc_ocb_t *ocb,
		 iofunc_attr_t *attr);

/*
 * iofunc_stat: fill *stat from attr (mode, size, owner, times, links,
 * inode, device, block counts). Returns EOK.
 */
int iofunc_stat(resmgr_context_t *ctp, iofunc_attr_t *attr, struct stat *stat);

/*
 * iofunc_close_ocb: iofunc_ocb_detach, then free ocb through the mount's
 * ocb_free or iofunc_ocb_free. Returns EOK.
 */
int iofunc_close_ocb(resmgr_context_t *ctp, iofunc_ocb_t *ocb,
		     iofunc_attr_t *attr);

/* iofunc_close_dup / iofunc_unblock: what the defaults do on a given attr
 * (EOK / _RESMGR_DEFAULT). */
int iofunc_close_dup(resmgr_context_t *ctp, io_close_t *msg, iofunc_ocb_t *ocb,
		     iofunc_attr_t *attr);
int iofunc_unblock(resmgr_context_t *ctp, iofunc_attr_t *attr);

/*
 * iofunc_time_update: set the times flagged stale (IOFUNC_ATTR_MTIME /
 * ATIME / CTIME) to now, clear those flags and mark the times dirty.
 * Returns EOK.
 */
int iofunc_time_update(iofunc_attr_t *attr);

/* ---- notification (select/poll/ionotify on a resource manager) ---- */

/*
 * One armed notification: a client connection (scoid, coid; rcvid of the
 * _IO_NOTIFY that armed it) waiting for cnt units of one condition.
 * Allocated by iofunc_notify, freed when triggered or removed.
 */
typedef struct _iofunc_notify_event {
	struct _iofunc_notify_event *next;
	int rcvid;
	int scoid;
	int cnt;
	struct sigevent event;
	unsigned flags;
	int coid;
} iofunc_notify_event_t;

/*
 * The notification lists of a resource, as an array of three indexed by
 * IOFUNC_NOTIFY_INPUT / OUTPUT / OBAND (declare `iofunc_notify_t
 * notify[3]` in your attribute or OCB extension). cnt is the smallest
 * count any armed entry of that list waits for (INT_MAX: none armed), so
 * the IOFUNC_NOTIFY_*_CHECK macros tell cheaply whether a trigger is due.
 */
typedef struct _iofunc_notify {
	int cnt;
	struct _iofunc_notify_event *list;
} iofunc_notify_t;

#define IOFUNC_NOTIFY_INPUT  0
#define IOFUNC_NOTIFY_OUTPUT 1
#define IOFUNC_NOTIFY_OBAND  2

#define IOFUNC_NOTIFY_RDNORM IOFUNC_NOTIFY_INPUT
#define IOFUNC_NOTIFY_WRNORM IOFUNC_NOTIFY_OUTPUT
#define IOFUNC_NOTIFY_RDBAND IOFUNC_NOTIFY_OBAND
#define IOFUNC_NOTIFY_PRI    3
#define IOFUNC_NOTIFY_WRBAND 4
#define IOFUNC_NOTIFY_ERR    5
#define IOFUNC_NOTIFY_HUP    6
#define IOFUNC_NOTIFY_NVAL   12

#define IOFUNC_NOTIFY_UNMASKABLE                               \
	((1 << IOFUNC_NOTIFY_ERR) | (1 << IOFUNC_NOTIFY_HUP) | \
	 (1 << IOFUNC_NOTIFY_NVAL))

/* Is an iofunc_notify_trigger for __cnt units due? (__tran: the buffer
 * went from empty to non-empty, which TRANARM entries wait for.) */
#define IOFUNC_NOTIFY_INPUT_CHECK(__nop, __cnt, __tran) \
	((__nop)[IOFUNC_NOTIFY_INPUT].cnt <= (__cnt) && \
	 ((__nop)[IOFUNC_NOTIFY_INPUT].cnt || (__tran)))
#define IOFUNC_NOTIFY_OUTPUT_CHECK(__nop, __cnt) \
	((__nop)[IOFUNC_NOTIFY_OUTPUT].cnt <= (__cnt))
#define IOFUNC_NOTIFY_OBAND_CHECK(__nop, __cnt, __tran) \
	((__nop)[IOFUNC_NOTIFY_OBAND].cnt <= (__cnt) && \
	 ((__nop)[IOFUNC_NOTIFY_OBAND].cnt || (__tran)))

#define IOFUNC_NOTIFY_DISARM(__nop, __index) \
	((__nop)[__index].cnt = (int)((~0u) >> 1))

#define IOFUNC_NOTIFY_INIT(__nop)                                              \
	((__nop)[0].cnt = (__nop)[1].cnt = (__nop)[2].cnt = (int)((~0u) >> 1), \
	 (__nop)[0].list = (__nop)[1].list = (__nop)[2].list = NULL)

/*
 * iofunc_notify: the work of an io_notify handler. `trig` holds the
 * _NOTIFY_COND_INPUT / OUTPUT / OBAND conditions met now; notifycounts
 * (NULL: 1 each) the units each condition needs before an armed event
 * fires. By msg->i.action:
 *   _NOTIFY_ACTION_POLL     reply the met conditions, arm nothing;
 *   _NOTIFY_ACTION_POLLARM  reply the met conditions; if none is met, arm
 *                           the requested ones;
 *   _NOTIFY_ACTION_TRANARM  arm the requested conditions, reply 0;
 *   _NOTIFY_ACTION_CONDARM  if one is met reply it, else arm and answer
 *                           EAGAIN.
 * An event of type SIGEV_NONE (ionotify(fd, action, flags, NULL)) arms
 * nothing and removes the connection's armed entries for the requested
 * conditions. Re-arming from the same connection replaces its entry.
 * The reply (msg->o.flags: the met requested conditions) is set up in
 * ctp->iov[0]. *armed (may be NULL) is set to 1 if something was armed.
 * Returns _RESMGR_NPARTS(1), or EBADMSG (a short message), EINVAL (unknown
 * action), ENOMEM, EAGAIN (CONDARM armed).
 */
int iofunc_notify(resmgr_context_t *ctp, io_notify_t *msg, iofunc_notify_t *nop,
		  int trig, const int *notifycounts, int *armed);

/*
 * iofunc_notify_trigger: deliver (MsgDeliverEvent) and disarm every entry
 * of nop[index] waiting for at most cnt units; entries whose client has
 * gone are dropped. iofunc_notify_trigger_strict does the same (ctp may be
 * NULL; ntosim's rcvids always name the arming connection, so there is no
 * stale-rcvid case for it to guard against).
 */
void iofunc_notify_trigger(iofunc_notify_t *nop, int cnt, int index);
void iofunc_notify_trigger_strict(resmgr_context_t *ctp, iofunc_notify_t *nop,
				  int cnt, int index);

/*
 * iofunc_notify_remove: drop every entry of the three lists armed by the
 * connection the current message came on (ctp->info.scoid and coid); call
 * it from io_close_dup. iofunc_notify_remove_strict looks at the first
 * `lim` lists only. (ntosim's framework also drops a closing or departed
 * connection's entries itself, after your close_dup runs.)
 */
void iofunc_notify_remove(resmgr_context_t *ctp, iofunc_notify_t *nop);
void iofunc_notify_remove_strict(resmgr_context_t *ctp, iofunc_notify_t *nop,
				 int lim);

/* ---- devctl, links, renames, directories' helpers, fd info ----
 * (the iofunc building blocks a filesystem-like resource manager calls
 * from its own connect and I/O handlers; QNX's signatures) */

/* QNX <sys/mount.h> flags iofunc_devctl reports (IOFUNC_MOUNT_FLAGS). */
#ifndef _MOUNT_NOEXEC
#define _MOUNT_NOEXEC  0x00000002
#define _MOUNT_NOSUID  0x00000004
#define _MOUNT_NOCREAT 0x00000008
#endif
#ifndef IOFUNC_PC_SYMLINK
#define IOFUNC_PC_SYMLINK 0x00000010
#endif

/*
 * iofunc_devctl: answer the DCMD_ALL_* commands of <sys/dcmd_all.h>:
 * GETFLAGS (the open's O_* flags), SETFLAGS (O_APPEND, O_NONBLOCK and the
 * sync flags; the sync ones need IOFUNC_PC_SYNC_IO in the mount's conf,
 * else EINVAL), GETMOUNTFLAGS (the mount's IOFUNC_MOUNT_FLAGS bits, 0
 * without a mount), FADVISE on a FIFO (ESPIPE). Returns
 * _RESMGR_NPARTS(1) with the reply set up, EOK, an errno, or
 * _RESMGR_DEFAULT for any other command (the caller's to handle).
 * iofunc_devctl_default is iofunc_devctl on ocb->attr.
 */
int iofunc_devctl(resmgr_context_t *ctp, io_devctl_t *msg, iofunc_ocb_t *ocb,
		  iofunc_attr_t *attr);

/* iofunc_devctl_verify checks (QNX 7 values; OR them together). */
#define _IO_DEVCTL_VERIFY_LEN	     0x00000001U /* encoded size == nbytes */
#define _IO_DEVCTL_VERIFY_DIR	     0x00000002U /* open mode fits direction */
#define _IO_DEVCTL_VERIFY_PRIV	     0x00000004U /* root only */
#define _IO_DEVCTL_VERIFY_OCB_READ   0x00000008U /* opened for reading */
#define _IO_DEVCTL_VERIFY_OCB_WRITE  0x00000010U /* opened for writing */
#define _IO_DEVCTL_VERIFY_ACC_ISUID  0x00000020U /* caller owns attr */
#define _IO_DEVCTL_VERIFY_ACC_ISGID  0x00000040U /* caller in attr's group */
#define _IO_DEVCTL_VERIFY_ACC_IREAD  0x00000080U /* mode grants read */
#define _IO_DEVCTL_VERIFY_ACC_IWRITE 0x00000100U /* mode grants write */
#define _IO_DEVCTL_VERIFY_ACC_IEXEC  0x00000200U /* mode grants exec */
#define _IO_DEVCTL_VERIFY_MSG_LEN    0x00000400U /* the data arrived */
#define _IO_DEVCTL_VERIFY_ACC_MASK   0x000003E0U

/*
 * iofunc_devctl_verify: the checks an io_devctl handler asks for before
 * acting on msg->i.dcmd. Returns EOK, or: EINVAL (LEN: the size encoded
 * in dcmd is not msg->i.nbytes; MSG_LEN: a DEVDIR_TO command whose data
 * did not all arrive; ISUID with ISGID), EBADF (OCB_READ/OCB_WRITE, or DIR:
 * the open's mode does not allow the command's direction), EPERM (PRIV:
 * not root; ISUID/ISGID: not the owner/group), EACCES (IREAD, IWRITE,
 * IEXEC against attr's mode), or iofunc_client_info's errno.
 */
int iofunc_devctl_verify(const resmgr_context_t *ctp, const io_devctl_t *msg,
			 const iofunc_ocb_t *ocb, unsigned requested_checks);

/*
 * iofunc_unlink: may the client (info NULL: fetched) remove attr from
 * directory dattr (may be NULL), and if so do the bookkeeping: nlink of
 * attr down by one (two for a directory), dattr's down by one for a removed
 * directory, times marked. msg->connect.mode S_IFDIR means rmdir. Returns
 * EOK, or EBADFSYS (attr NULL, dattr not a directory, broken link count),
 * ENOTDIR (rmdir of a non-directory), EEXIST (".."), EINVAL ("."),
 * ENOTEMPTY (a directory with entries: nlink > 2), EPERM (unlink of a
 * directory without IOFUNC_PC_LINK_DIR, or the sticky-bit rule), EACCES
 * (no write permission on dattr), EROFS (read-only mount).
 */
int iofunc_unlink(resmgr_context_t *ctp, io_unlink_t *msg, iofunc_attr_t *attr,
		  iofunc_attr_t *dattr, struct _client_info *info);

/*
 * iofunc_mknod: may the client create a node (msg->connect.mode) in
 * directory dattr? Needs write and search permission on dattr and a
 * writable mount; only root makes anything but directories, FIFOs and
 * regular files. attr non-NULL: it already exists -> EEXIST. Returns EOK
 * or EBADFSYS (dattr not a directory), EEXIST, EACCES, EPERM, EROFS.
 */
int iofunc_mknod(resmgr_context_t *ctp, io_mknod_t *msg, iofunc_attr_t *attr,
		 iofunc_attr_t *dattr, struct _client_info *info);

/*
 * iofunc_readlink: may the client read symbolic link attr? Returns EOK, or
 * ENOENT (attr NULL), EINVAL (not a symbolic link), EACCES (no read
 * permission).
 */
int iofunc_readlink(resmgr_context_t *ctp, io_readlink_t *msg,
		    iofunc_attr_t *attr, struct _client_info *info);

/*
 * iofunc_link: may the client make a link named by msg in directory dattr
 * to attr (a hard link; for a symbolic link attr is NULL)? Needs write and
 * search permission on dattr; a hard link to a directory needs
 * IOFUNC_PC_LINK_DIR and root. On success a hard link's attr->nlink goes
 * up by one. Returns EOK, or EBADFSYS (dattr not a directory), EACCES,
 * EPERM, EMLINK (nlink would overflow), EROFS.
 */
int iofunc_link(resmgr_context_t *ctp, io_link_t *msg, iofunc_attr_t *attr,
		iofunc_attr_t *dattr, struct _client_info *info);

/*
 * iofunc_rename: may the client move oldattr (in olddattr) to the name in
 * newdattr, replacing newattr if non-NULL? Write permission on both
 * directories (and the sticky-bit rule), type agreement with an existing
 * target (EISDIR, ENOTDIR; a non-empty directory target: ENOTEMPTY), no
 * move of a directory into itself (EINVAL). Returns EOK or the errno
 * (EBADFSYS for a NULL oldattr or a non-directory dattr, EXDEV across
 * mounts, EROFS).
 */
int iofunc_rename(resmgr_context_t *ctp, io_rename_t *msg,
		  iofunc_attr_t *oldattr, iofunc_attr_t *olddattr,
		  iofunc_attr_t *newattr, iofunc_attr_t *newdattr,
		  struct _client_info *info);

/*
 * iofunc_pathconf: the value of pathconf variable msg->i.name for attr
 * (_PC_LINK_MAX, _PC_NAME_MAX, _PC_PATH_MAX, _PC_PIPE_BUF,
 * _PC_CHOWN_RESTRICTED, _PC_NO_TRUNC, _PC_VDISABLE, _PC_SYNC_IO,
 * _PC_ASYNC_IO, _PC_PRIO_IO), set as the reply status. Returns EOK, or
 * EINVAL for another name. iofunc_pathconf_default is iofunc_pathconf on
 * ocb->attr.
 */
int iofunc_pathconf(resmgr_context_t *ctp, io_pathconf_t *msg,
		    iofunc_ocb_t *ocb, iofunc_attr_t *attr);

/*
 * iofunc_fdinfo: fill *info with the open (ioflag, offset, sflag) and its
 * attribute (mode, size, open counts, share locks). Returns EOK.
 * iofunc_fdinfo_default replies that _fdinfo, followed by the path the
 * open came through when the client asked for one (msg->i.path_len), with
 * the path's full length as the status.
 */
int iofunc_fdinfo(resmgr_context_t *ctp, iofunc_ocb_t *ocb, iofunc_attr_t *attr,
		  struct _fdinfo *info);
int iofunc_fdinfo_default(resmgr_context_t *ctp, io_fdinfo_t *msg,
			  iofunc_ocb_t *ocb);

/*
 * iofunc_openfd: may the open described by ocb be opened again with
 * msg->i.ioflag (never more access than ocb has: EACCES)? Then a new OCB
 * for attr bound to the connection the message came on (as
 * iofunc_ocb_attach). Returns EOK or the errno (EACCES, ENOMEM, EINVAL).
 * iofunc_openfd_default is iofunc_openfd on ocb->attr.
 */
int iofunc_openfd(resmgr_context_t *ctp, io_openfd_t *msg, iofunc_ocb_t *ocb,
		  iofunc_attr_t *attr);
int iofunc_openfd_default(resmgr_context_t *ctp, io_openfd_t *msg,
			  iofunc_ocb_t *ocb);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_IOFUNC_H */
