/*
 * <sys/iomsg.h>: the QNX I/O message formats (_IO_* types, struct _io_connect
 * and the per-message io_*_t unions) that clients send to resource managers
 * and that the resmgr framework (<sys/resmgr.h>) decodes. Names, layouts and
 * values are QNX's; the one function declared here is ionotify().
 *
 * Wire format of _IO_CONNECT in ntosim: struct _io_connect up to (not
 * including) .path, i.e. offsetof(struct _io_connect, path) bytes, then the
 * path (path_len bytes, NUL included), then extra_len bytes of extra data
 * immediately after the path. (QNX aligns the extra to 8 bytes; receivers in
 * ntosim accept both layouts, senders use the unaligned one.) The low two bits
 * of ioflag are QNX's _IO_FLAG_RD / _IO_FLAG_WR, i.e. open()'s O_ACCMODE value
 * plus one (O_RDONLY -> 1, O_WRONLY -> 2, O_RDWR -> 3), masked by .access.
 */
#ifndef NTOSIM_SYS_IOMSG_H
#define NTOSIM_SYS_IOMSG_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <utime.h>

#include <sys/ftype.h> /* _FTYPE_* */
#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message type ranges. */
enum _msg_bases { _IO_BASE = 0x100, _IO_MAX = 0x1FF };

/* I/O message types: 0x100 .. 0x11A. */
enum _io__Uint16types {
	_IO_CONNECT = _IO_BASE,
	_IO_READ,
	_IO_WRITE,
	_IO_RSVD_CLOSE_OCB, /* slot of close_ocb in resmgr_io_funcs_t */
	_IO_STAT,
	_IO_NOTIFY,
	_IO_DEVCTL,
	_IO_RSVD_UNBLOCK, /* slot of unblock */
	_IO_PATHCONF,
	_IO_LSEEK,
	_IO_CHMOD,
	_IO_CHOWN,
	_IO_UTIME,
	_IO_OPENFD,
	_IO_FDINFO,
	_IO_LOCK,
	_IO_SPACE,
	_IO_SHUTDOWN,
	_IO_MMAP,
	_IO_MSG,
	_IO_RSVD,
	_IO_DUP,
	_IO_CLOSE,
	_IO_RSVD_LOCK_OCB,   /* slot of lock_ocb */
	_IO_RSVD_UNLOCK_OCB, /* slot of unlock_ocb */
	_IO_SYNC,
	_IO_POWER
};

/* xtype of _IO_READ / _IO_WRITE. */
enum _io_msg_xtypes {
	_IO_XTYPE_NONE,
	_IO_XTYPE_READCOND,
	_IO_XTYPE_MQUEUE,
	_IO_XTYPE_TCPIP,
	_IO_XTYPE_TCPIP_MSG,
	_IO_XTYPE_OFFSET,
	_IO_XTYPE_REGISTRY,
	_IO_XTYPE_MASK = 0x000000ff,
	_IO_XFLAG_DIR_EXTRA_HINT = 0x00000100,
	_IO_XFLAG_NONBLOCK = 0x00004000,
	_IO_XFLAG_BLOCK = 0x00008000
};

struct _xtype_readcond {
	_Int32t min;
	_Int32t time;
	_Int32t timeout;
};

struct _xtype_offset {
	_Int64t offset;
};

/* ---- notification conditions and actions (QNX <sys/iomgr.h>) ---- */
#ifndef _NOTIFY_COND_INPUT
#define _NOTIFY_COND_EXTEN  0x80000000
#define _NOTIFY_COND_OBAND  0x40000000 /* out-of-band data available */
#define _NOTIFY_COND_OUTPUT 0x20000000 /* room for more output */
#define _NOTIFY_COND_INPUT  0x10000000 /* data available */
#define _NOTIFY_COND_MASK   0xf0000000
#define _NOTIFY_DATA_MASK   (~_NOTIFY_COND_MASK)
/* with _NOTIFY_COND_EXTEN: the POLL* conditions, in flags_exten */
#define _NOTIFY_CONDE_RDNORM	  0x00000001
#define _NOTIFY_CONDE_WRNORM	  0x00000002
#define _NOTIFY_CONDE_RDBAND	  0x00000004
#define _NOTIFY_CONDE_PRI	  0x00000008
#define _NOTIFY_CONDE_WRBAND	  0x00000010
#define _NOTIFY_CONDE_ERR	  0x00000020
#define _NOTIFY_CONDE_HUP	  0x00000040
#define _NOTIFY_CONDE_NVAL	  0x00001000
#define _NOTIFY_MAXCOND		  15
#define _NOTIFY_FLAGS_EXTEN_FIRST 0x00000001
/* io_notify actions (an armed event is disarmed when it fires) */
#define _NOTIFY_ACTION_TRANARM 0x0 /* arm for the next transition */
#define _NOTIFY_ACTION_CONDARM 0x1 /* arm if no condition is met */
#define _NOTIFY_ACTION_POLL    0x2 /* report, never arm */
#define _NOTIFY_ACTION_POLLARM 0x3 /* report; arm if nothing is met */
#define _NOTIFY_ACTION_MASK    0x3
#endif

/* ---- pathname (connect) messages ---- */

struct _io_connect {
	_Uint16t type;	    /* _IO_CONNECT */
	_Uint16t subtype;   /* _IO_CONNECT_* */
	_Uint32t file_type; /* _FTYPE_* */
	_Uint16t reply_max;
	_Uint16t entry_max;
	_Uint32t key;
	_Uint32t handle; /* the registration this connect is for */
	_Uint32t ioflag; /* O_* flags, low bits _IO_FLAG_RD/_IO_FLAG_WR */
	_Uint32t mode;	 /* S_IF* and permissions (O_CREAT) */
	_Uint16t sflag;	 /* SH_* share flags */
	_Uint16t access; /* _IO_FLAG_* the client may be granted */
	_Uint16t zero;
	_Uint16t path_len;  /* bytes of path, NUL included */
	_Uint8t eflag;	    /* _IO_CONNECT_EFLAG_* */
	_Uint8t extra_type; /* _IO_CONNECT_EXTRA_* */
	_Uint16t extra_len;
	char path[1]; /* path_len bytes, then extra_len bytes of extra */
};

enum _io_connect_subtypes {
	_IO_CONNECT_COMBINE,
	_IO_CONNECT_COMBINE_CLOSE,
	_IO_CONNECT_OPEN,
	_IO_CONNECT_UNLINK,
	_IO_CONNECT_RENAME,
	_IO_CONNECT_MKNOD,
	_IO_CONNECT_READLINK,
	_IO_CONNECT_LINK,
	_IO_CONNECT_RSVD_UNBLOCK,
	_IO_CONNECT_MOUNT
};

enum _io_connect_extra_type {
	_IO_CONNECT_EXTRA_NONE,
	_IO_CONNECT_EXTRA_LINK,
	_IO_CONNECT_EXTRA_SYMLINK,
	_IO_CONNECT_EXTRA_MQUEUE,
	_IO_CONNECT_EXTRA_PHOTON,
	_IO_CONNECT_EXTRA_SOCKET,
	_IO_CONNECT_EXTRA_SEM,
	_IO_CONNECT_EXTRA_RESMGR_LINK,
	_IO_CONNECT_EXTRA_PROC_SYMLINK,
	_IO_CONNECT_EXTRA_RENAME,
	_IO_CONNECT_EXTRA_MOUNT,
	_IO_CONNECT_EXTRA_MOUNT_OCB,
	_IO_CONNECT_EXTRA_TYMEM
};

/* ioflag access bits (open()'s O_ACCMODE + 1). */
#define _IO_FLAG_RD   0x00000001
#define _IO_FLAG_WR   0x00000002
#define _IO_FLAG_MASK 0x00000003

/* eflag */
#define _IO_CONNECT_EFLAG_DIR	 0x01
#define _IO_CONNECT_EFLAG_DOT	 0x02
#define _IO_CONNECT_EFLAG_DOTDOT 0x04

/* Continuation statuses a connect handler may reply with (always with
 * _IO_CONNECT_RET_FLAG set, so never confused with a plain status). */
#define _IO_CONNECT_RET_UMASK	  0x00020000
#define _IO_CONNECT_RET_NOCTTY	  0x00040000
#define _IO_CONNECT_RET_CHROOT	  0x00080000
#define _IO_CONNECT_RET_MSG	  0x00100000
#define _IO_CONNECT_RET_TYPE_MASK 0x0001e000
#define _IO_CONNECT_RET_FTYPE	  0x00008000
#define _IO_CONNECT_RET_LINK	  0x00010000
#define _IO_CONNECT_RET_FLAG	  0x80000000
#define _IO_SET_CONNECT_RET(_c, _s) \
	_RESMGR_STATUS(_c, (int)(_IO_CONNECT_RET_FLAG | (_s)))

struct _io_connect_link_reply {
	_Uint32t reserved1;
	_Uint32t file_type;
	_Uint8t eflag;
	_Uint8t reserved2[1];
	_Uint16t chroot_len;
	_Uint32t umask;
	_Uint16t nentries;
	_Uint16t path_len;
};

struct _io_connect_ftype_reply {
	_Uint16t status;
	_Uint16t reserved;
	_Uint32t file_type;
};

struct _io_connect_entry {
	_Uint32t nd;
	_Int32t pid;
	_Int32t chid;
	_Uint32t handle;
	_Uint32t key;
	_Uint32t file_type;
	_Uint16t prefix_len;
	_Uint16t zero[3];
};

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_open_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_unlink_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_rename_t;

typedef union _io_rename_extra {
	char path[1];
} io_rename_extra_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_mknod_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_readlink_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_link_t;

struct _io_resmgr_link_extra {
	_Uint32t nd;
	_Int32t pid;
	_Int32t chid;
	_Uint32t handle;
	_Uint32t flags;
	_Uint32t file_type;
	_Uint32t reserved[2];
};

typedef union _io_link_extra {
	struct _msg_info info;
	void *ocb;
	char path[1];
	struct _io_resmgr_link_extra resmgr;
} io_link_extra_t;

typedef union {
	struct _io_connect connect;
	struct _io_connect_link_reply link_reply;
	struct _io_connect_ftype_reply ftype_reply;
} io_mount_t;

typedef struct _io_mount_extra {
	_Uint32t flags;
	_Uint32t nbytes;
	_Uint32t datalen;
	_Uint32t zero[1];
	union {
		struct {
			struct _msg_info info;
		} cl;
		struct {
			void *ocb;
			void *data;
			char *type;
			char *special;
			void *zero[4];
		} srv;
	} extra;
} io_mount_extra_t;

/* ---- file-descriptor (I/O) messages ---- */

/* Every I/O message starts with this; combine_len | _IO_COMBINE_FLAG
 * means another I/O message follows this one in the same send. */
struct _io_combine {
	_Uint16t type;
	_Uint16t combine_len;
};
#define _IO_COMBINE_FLAG 0x8000

struct _io_close {
	_Uint16t type;
	_Uint16t combine_len;
};
typedef union {
	struct _io_close i;
} io_close_t;

struct _io_write {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t nbytes;
	_Uint32t xtype;
	_Uint32t zero;
	/* followed by nbytes of data */
};
typedef union {
	struct _io_write i;
} io_write_t;
#define _IO_SET_WRITE_NBYTES(_c, _s) _RESMGR_STATUS(_c, _s)

struct _io_read {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t nbytes;
	_Uint32t xtype;
	_Uint32t zero;
};
typedef union {
	struct _io_read i;
} io_read_t;
#define _IO_SET_READ_NBYTES(_c, _s) _RESMGR_STATUS(_c, _s)

struct _io_stat {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t zero;
};
typedef union {
	struct _io_stat i;
	struct stat o;
} io_stat_t;

struct _io_notify {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t action;
	_Int32t flags;
	struct sigevent event;
	_Int32t mgr[2];
	_Int32t flags_extra_mask;
	_Int32t flags_exten;
	_Int32t nfds;
	_Int32t fd_first;
	_Int32t nfds_ready;
	_Int64t timo;
};
struct _io_notify_reply {
	_Uint32t zero;
	_Uint32t flags;
	_Int32t flags2;
	struct sigevent event;
	_Int32t mgr[2];
	_Int32t flags_extra_mask;
	_Int32t flags_exten;
	_Int32t nfds;
	_Int32t fd_first;
	_Int32t nfds_ready;
	_Int64t timo;
};
typedef union {
	struct _io_notify i;
	struct _io_notify_reply o;
} io_notify_t;

struct _io_devctl {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t dcmd;
	_Int32t nbytes;
	_Int32t zero;
	/* followed by nbytes of data */
};
struct _io_devctl_reply {
	_Uint32t zero;
	_Int32t ret_val;
	_Int32t nbytes;
	_Int32t zero2;
	/* followed by nbytes of data */
};
typedef union {
	struct _io_devctl i;
	struct _io_devctl_reply o;
} io_devctl_t;

struct _io_pathconf {
	_Uint16t type;
	_Uint16t combine_len;
	short name;
	_Uint16t zero;
};
typedef union {
	struct _io_pathconf i;
} io_pathconf_t;
#define _IO_SET_PATHCONF_VALUE(_c, _s) _RESMGR_STATUS(_c, _s)

struct _io_lseek {
	_Uint16t type;
	_Uint16t combine_len;
	short whence;
	_Uint16t zero;
	_Uint64t offset;
};
typedef union {
	struct _io_lseek i;
	_Uint64t o; /* reply: the new offset */
} io_lseek_t;

struct _io_chmod {
	_Uint16t type;
	_Uint16t combine_len;
	mode_t mode;
};
typedef union {
	struct _io_chmod i;
} io_chmod_t;

struct _io_chown {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t gid;
	_Int32t uid;
};
typedef union {
	struct _io_chown i;
} io_chown_t;

struct _io_utime {
	_Uint16t type;
	_Uint16t combine_len;
	_Int32t cur_flag; /* set: ignore times, use "now" */
	struct utimbuf times;
};
typedef union {
	struct _io_utime i;
} io_utime_t;

enum _io_openfd_xtypes {
	_IO_OPENFD_NONE,
	_IO_OPENFD_PIPE,
	_IO_OPENFD_KQUEUE,
	_IO_OPENFD_ACCEPT,
	_IO_OPENFD_SCTP_PEELOFF
};
struct _io_openfd {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t ioflag;
	_Uint16t sflag;
	_Uint16t xtype;
	struct _msg_info info;
	_Uint32t reserved2;
	_Uint32t key;
};
typedef union {
	struct _io_openfd i;
} io_openfd_t;

/* QNX <sys/iomgr.h> */
struct _fdinfo {
	_Uint32t mode;
	_Uint32t ioflag;
	_Uint64t offset;
	_Uint64t size;
	_Uint32t flags;
	_Uint16t sflag;
	_Uint16t count;
	_Uint16t rcount;
	_Uint16t wcount;
	_Uint16t rlocks;
	_Uint16t wlocks;
	_Uint32t zero[6];
};
struct _io_fdinfo {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t flags;
	_Int32t path_len;
	_Uint32t reserved;
};
struct _io_fdinfo_reply {
	_Uint32t zero[2];
	struct _fdinfo info;
};
typedef union {
	struct _io_fdinfo i;
	struct _io_fdinfo_reply o;
} io_fdinfo_t;
#define _IO_SET_FDINFO_LEN(_c, _s) _RESMGR_STATUS(_c, _s)

struct _io_lock {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t subtype;
	_Int32t nbytes;
};
struct _io_lock_reply {
	_Uint32t zero[3];
};
typedef union {
	struct _io_lock i;
	struct _io_lock_reply o;
} io_lock_t;

struct _io_space {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint16t subtype;
	short whence;
	_Uint64t start;
	_Uint64t len;
};
typedef union {
	struct _io_space i;
	_Uint64t o;
} io_space_t;

struct _io_shutdown {
	_Uint16t type;
	_Uint16t combine_len;
};
struct _io_shutdown_reply {
	_Uint32t zero;
};
typedef union {
	struct _io_shutdown i;
	struct _io_shutdown_reply o;
} io_shutdown_t;

struct _io_mmap {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t prot;
	_Uint64t offset;
	struct _msg_info info;
	_Uint32t zero[6];
};
struct _io_mmap_reply {
	_Uint32t zero;
	_Uint32t flags;
	_Uint64t offset;
	_Int32t coid;
	_Int32t fd;
};
typedef union {
	struct _io_mmap i;
	struct _io_mmap_reply o;
} io_mmap_t;

/* _IO_DUP: .info describes the original connection (nd, pid, chid, scoid,
 * coid) whose open-file binding the new coid is to share. A scoid < 0
 * means "look the coid up among all of this client pid's connections". */
struct _io_dup {
	_Uint16t type;
	_Uint16t combine_len;
	struct _msg_info info;
	_Uint32t reserved;
	_Uint32t key;
};
typedef union {
	struct _io_dup i;
} io_dup_t;

struct _io_msg {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint16t mgrid;
	_Uint16t subtype;
};
typedef union {
	struct _io_msg i;
} io_msg_t;

struct _io_sync {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t flag;
};
typedef union {
	struct _io_sync i;
} io_sync_t;

struct _io_power {
	_Uint16t type;
	_Uint16t combine_len;
	_Uint32t subtype;
	_Uint32t flags;
	_Int32t mode;
};
enum _io_power_subtypes {
	_IO_POWER_GET,
	_IO_POWER_SET,
	_IO_POWER_MODES,
	_IO_POWER_MODEATTR
};
typedef union {
	struct _io_power i;
} io_power_t;

/*
 * ionotify (QNX <unistd.h>): send _IO_NOTIFY on fd (a simulated fd or any
 * connection to a resource manager) asking it to deliver `event` when one
 * of the _NOTIFY_COND_* conditions in `flags` occurs, as `action` says
 * (see iofunc_notify in <sys/iofunc.h>). event NULL disarms. Returns the
 * conditions met now (a subset of flags' _NOTIFY_COND_* bits), or -1 with
 * errno: EBADF (fd is no connection), EINVAL, EAGAIN (CONDARM armed),
 * ENOSYS (the server has no io_notify), ENOTSUP (an arming action on a
 * real Linux fd: logged once), or the server's errno.
 */
int ionotify(int fd, int action, int flags, const struct sigevent *event);

/* The pulse a resource manager sees (UNBLOCK, DISCONNECT, user codes). */
typedef struct _pulse io_pulse_t;

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_IOMSG_H */
