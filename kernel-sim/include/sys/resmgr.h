/*
 * <sys/resmgr.h>: the QNX resource-manager layer: the context a handler
 * gets, the connect and I/O function tables, handler return conventions,
 * resmgr_attach/detach and the reply helpers. Names, layouts and values are
 * QNX's. Include <sys/iofunc.h> first to have the tables typed with
 * iofunc_attr_t / iofunc_ocb_t (or define RESMGR_HANDLE_T / RESMGR_OCB_T).
 *
 * Handler return values (what resmgr does with them):
 *   _RESMGR_NOREPLY      nothing: the handler replied, or will later
 *   _RESMGR_DEFAULT      the resmgr_attr_t other_func if any, else ENOSYS
 *   _RESMGR_NPARTS(n)    MsgReplyv(rcvid, ctp->status, ctp->iov, n)
 *   EOK (0)              an empty reply with status ctp->status
 *   errno > 0            MsgError(rcvid, errno)
 */
#ifndef NTOSIM_SYS_RESMGR_H
#define NTOSIM_SYS_RESMGR_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <sys/iomsg.h>
#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

struct _dispatch;
typedef struct _dispatch dispatch_t;

/* Every message a resource manager may receive, overlaid. */
typedef union _resmgr_iomsgs {
	unsigned short type;
	io_pulse_t pulse;
	struct _io_connect connect;
	io_open_t open;
	io_unlink_t unlink;
	io_rename_t rename;
	io_mknod_t mknod;
	io_readlink_t readlink;
	io_link_t link;
	io_mount_t mount;
	struct _io_combine combine;
	io_close_t close;
	io_write_t write;
	io_read_t read;
	io_stat_t stat;
	io_notify_t notify;
	io_devctl_t devctl;
	io_pathconf_t pathconf;
	io_lseek_t lseek;
	io_chmod_t chmod;
	io_chown_t chown;
	io_utime_t utime;
	io_openfd_t openfd;
	io_fdinfo_t fdinfo;
	io_lock_t lock;
	io_space_t space;
	io_shutdown_t shutdown;
	io_msg_t msg;
	io_mmap_t mmap;
	io_dup_t dup;
	io_sync_t sync;
	io_power_t power;
} resmgr_iomsgs_t;

struct _xendian_context {
	_Uint16t type;
	_Uint16t mode;
	_Uint32t hint;
};
struct _extended_context {
	size_t length;
	struct _xendian_context xendian;
};

/*
 * The context of one received message. dispatch_block fills rcvid (> 0 a
 * message, 0 a pulse, -1 a timeout), info and *msg (msg_max_size bytes);
 * handlers set status and iov[] for the reply. offset/size locate the
 * current message inside a combined one. iov[] has the resmgr_attr_t
 * nparts_max entries (at least 1).
 */
typedef struct _resmgr_context {
	int rcvid;
	struct _msg_info info;
	resmgr_iomsgs_t *msg;
	dispatch_t *dpp;
	int id; /* the resmgr_attach id the message is for */
	struct _extended_context *extra;
	unsigned msg_max_size;
	int status; /* the status MsgReply gives the client */
	int offset;
	int size;
	iov_t iov[1];
} resmgr_context_t;

#ifndef RESMGR_HANDLE_T
#define RESMGR_HANDLE_T void
#endif

typedef int (*_resmgr_func_t)(resmgr_context_t *ctp, resmgr_iomsgs_t *msg,
			      void *ocb);

/* Connect (pathname) handlers, indexed by _IO_CONNECT subtype - OPEN. */
typedef struct _resmgr_connect_funcs {
	unsigned nfuncs;
	int (*open)(resmgr_context_t *ctp, io_open_t *msg,
		    RESMGR_HANDLE_T *handle, void *extra);
	int (*unlink)(resmgr_context_t *ctp, io_unlink_t *msg,
		      RESMGR_HANDLE_T *handle, void *reserved);
	int (*rename)(resmgr_context_t *ctp, io_rename_t *msg,
		      RESMGR_HANDLE_T *handle, io_rename_extra_t *extra);
	int (*mknod)(resmgr_context_t *ctp, io_mknod_t *msg,
		     RESMGR_HANDLE_T *handle, void *reserved);
	int (*readlink)(resmgr_context_t *ctp, io_readlink_t *msg,
			RESMGR_HANDLE_T *handle, void *reserved);
	int (*link)(resmgr_context_t *ctp, io_link_t *msg,
		    RESMGR_HANDLE_T *handle, io_link_extra_t *extra);
	int (*unblock)(resmgr_context_t *ctp, io_pulse_t *msg,
		       RESMGR_HANDLE_T *handle, void *reserved);
	int (*mount)(resmgr_context_t *ctp, io_mount_t *msg,
		     RESMGR_HANDLE_T *handle, io_mount_extra_t *extra);
} resmgr_connect_funcs_t;
#define _RESMGR_CONNECT_NFUNCS \
	((sizeof(resmgr_connect_funcs_t) - sizeof(unsigned)) / sizeof(void *))

#ifndef RESMGR_OCB_T
#define RESMGR_OCB_T void
#endif

/* I/O handlers, indexed by message type - _IO_READ. */
typedef struct _resmgr_io_funcs {
	unsigned nfuncs;
	int (*read)(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb);
	int (*write)(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb);
	int (*close_ocb)(resmgr_context_t *ctp, void *reserved,
			 RESMGR_OCB_T *ocb);
	int (*stat)(resmgr_context_t *ctp, io_stat_t *msg, RESMGR_OCB_T *ocb);
	int (*notify)(resmgr_context_t *ctp, io_notify_t *msg,
		      RESMGR_OCB_T *ocb);
	int (*devctl)(resmgr_context_t *ctp, io_devctl_t *msg,
		      RESMGR_OCB_T *ocb);
	int (*unblock)(resmgr_context_t *ctp, io_pulse_t *msg,
		       RESMGR_OCB_T *ocb);
	int (*pathconf)(resmgr_context_t *ctp, io_pathconf_t *msg,
			RESMGR_OCB_T *ocb);
	int (*lseek)(resmgr_context_t *ctp, io_lseek_t *msg, RESMGR_OCB_T *ocb);
	int (*chmod)(resmgr_context_t *ctp, io_chmod_t *msg, RESMGR_OCB_T *ocb);
	int (*chown)(resmgr_context_t *ctp, io_chown_t *msg, RESMGR_OCB_T *ocb);
	int (*utime)(resmgr_context_t *ctp, io_utime_t *msg, RESMGR_OCB_T *ocb);
	int (*openfd)(resmgr_context_t *ctp, io_openfd_t *msg,
		      RESMGR_OCB_T *ocb);
	int (*fdinfo)(resmgr_context_t *ctp, io_fdinfo_t *msg,
		      RESMGR_OCB_T *ocb);
	int (*lock)(resmgr_context_t *ctp, io_lock_t *msg, RESMGR_OCB_T *ocb);
	int (*space)(resmgr_context_t *ctp, io_space_t *msg, RESMGR_OCB_T *ocb);
	int (*shutdown)(resmgr_context_t *ctp, io_shutdown_t *msg,
			RESMGR_OCB_T *ocb);
	int (*mmap)(resmgr_context_t *ctp, io_mmap_t *msg, RESMGR_OCB_T *ocb);
	int (*msg)(resmgr_context_t *ctp, io_msg_t *msg, RESMGR_OCB_T *ocb);
	int (*reserved)(resmgr_context_t *ctp, void *msg, RESMGR_OCB_T *ocb);
	int (*dup)(resmgr_context_t *ctp, io_dup_t *msg, RESMGR_OCB_T *ocb);
	int (*close_dup)(resmgr_context_t *ctp, io_close_t *msg,
			 RESMGR_OCB_T *ocb);
	int (*lock_ocb)(resmgr_context_t *ctp, void *reserved,
			RESMGR_OCB_T *ocb);
	int (*unlock_ocb)(resmgr_context_t *ctp, void *reserved,
			  RESMGR_OCB_T *ocb);
	int (*sync)(resmgr_context_t *ctp, io_sync_t *msg, RESMGR_OCB_T *ocb);
	int (*power)(resmgr_context_t *ctp, io_power_t *msg, RESMGR_OCB_T *ocb);
} resmgr_io_funcs_t;
#define _RESMGR_IO_NFUNCS \
	((sizeof(resmgr_io_funcs_t) - sizeof(unsigned)) / sizeof(void *))

/* Handler return conventions (see the top of this file). */
#define _RESMGR_NOREPLY	     ((int)(~0u ^ (~0u >> 1)))
#define _RESMGR_DEFAULT	     ((int)((~0u ^ (~0u >> 1)) | 1))
#define _RESMGR_NPARTS(_num) (-(_num))
#define _RESMGR_ERRNO(_err)  (_err)
#define _RESMGR_PTR(_h, _p, _n) \
	(SETIOV((_h)->iov + 0, (_p), (_n)), _RESMGR_NPARTS(1))
#define _RESMGR_STATUS(_c, _s) ((_c)->status = (_s))

/* resmgr_attach() flags (the path registration's resolution rules). */
#define _RESMGR_FLAG_BEFORE    0x0001 /* before others at the same prefix */
#define _RESMGR_FLAG_AFTER     0x0002 /* after others at the same prefix */
#define _RESMGR_FLAG_OPAQUE    0x0004 /* hide shorter-prefix managers */
#define _RESMGR_FLAG_FTYPEONLY 0x0008
#define _RESMGR_FLAG_FTYPEALL  0x0010
#define _RESMGR_FLAG_DIR       0x0100 /* longer paths under it resolve here */
#define _RESMGR_FLAG_SELF      0x0200
#define _RESMGR_FLAG_MASK      0x031f

/* resmgr_detach() flags */
#define _RESMGR_DETACH_ALL	0x0000 /* name and every open binding */
#define _RESMGR_DETACH_PATHNAME 0x0001 /* the name only */
#define _RESMGR_DETACH_CLOSE	0x8000 /* run close_ocb on the bindings */

#define _RESMGR_PATHNAME_LOCALPATH 0x0001

/* Thread pools default to resmgr contexts (see <sys/dispatch.h>). */
#ifndef THREAD_POOL_PARAM_T
#define THREAD_POOL_PARAM_T resmgr_context_t
#endif
#ifndef THREAD_POOL_HANDLE_T
#define THREAD_POOL_HANDLE_T dispatch_t
#endif

/* resmgr_attr_t flags */
#define RESMGR_FLAG_NO_DEFAULT_FUNC  0x00000001
#define RESMGR_FLAG_ATTACH_LOCAL     0x00000002
#define RESMGR_FLAG_ATTACH_OTHERFUNC 0x00000004
#define RESMGR_FLAG_CROSS_ENDIAN     0x00000008

/*
 * Sizes the dispatch contexts must hold: nparts_max reply iovs, and
 * msg_max_size bytes of received message (at least the largest I/O
 * header plus a full path). other_func gets what no handler took.
 */
typedef struct _resmgr_attr {
	unsigned flags;
	unsigned nparts_max;
	unsigned msg_max_size;
	int (*other_func)(resmgr_context_t *ctp, void *msg);
	unsigned reserved[4];
} resmgr_attr_t;

/*
 * resmgr_attach: serve `path` (absolute; NULL only sets up the dispatch's
 * channel and sizes) from dispatch `dpp`. The dispatch's channel is created
 * on first use with _NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT (plus
 * _NTO_CHF_COID_DISCONNECT for the process's first dispatch channel, unless
 * another channel already is the death channel). The registration reaches
 * ipcd's pathname space only once the tables are in place, so the first
 * _IO_CONNECT finds them. `flags` are _RESMGR_FLAG_*: without
 * _RESMGR_FLAG_DIR only the exact path resolves here. `file_type` is the
 * _FTYPE_* served (_FTYPE_ANY for all). `handle` is passed to the connect
 * functions (usually an iofunc_attr_t). The tables and handle must outlive
 * the attach (they are not copied).
 * Returns the resmgr id (>= 0; 0 for a NULL path), or -1 with errno:
 * EINVAL (dpp NULL, relative path, or attr->nparts_max larger than that of
 * contexts already allocated), ENAMETOOLONG, ENOMEM, EEXIST (ipcd:
 * the path is already registered in a way that conflicts), ENOTCONN (ipcd
 * unreachable), or ChannelCreate's errno (EAGAIN).
 */
int resmgr_attach(dispatch_t *dpp, resmgr_attr_t *attr, const char *path,
		  enum _file_type file_type, unsigned flags,
		  const resmgr_connect_funcs_t *connect_funcs,
		  const resmgr_io_funcs_t *io_funcs, RESMGR_HANDLE_T *handle);

/*
 * resmgr_detach: remove attach `id` of `dpp` from the pathname space.
 * _RESMGR_DETACH_ALL (0) also drops every open binding made through it
 * (later I/O on those coids gets EBADF; with _RESMGR_DETACH_CLOSE their
 * close_ocb runs); _RESMGR_DETACH_PATHNAME keeps the bindings working.
 * Returns 0, or -1 with errno EINVAL (no such id on dpp).
 */
int resmgr_detach(dispatch_t *dpp, int id, unsigned flags);

/*
 * resmgr_context_alloc / resmgr_block / resmgr_handler / resmgr_unblock /
 * resmgr_context_free: the resmgr-only spellings of dispatch_context_alloc,
 * dispatch_block, dispatch_handler, dispatch_unblock and
 * dispatch_context_free (same results and errnos). resmgr_handler runs
 * only the resmgr routing (no message_attach/pulse_attach handlers) and
 * always returns 0.
 */
resmgr_context_t *resmgr_context_alloc(dispatch_t *dpp);
resmgr_context_t *resmgr_block(resmgr_context_t *ctp);
void resmgr_unblock(resmgr_context_t *ctp);
int resmgr_handler(resmgr_context_t *ctp);
void resmgr_context_free(resmgr_context_t *ctp);

/*
 * resmgr_open_bind: bind `ocb` to the client connection the current
 * _IO_CONNECT came on (ctp->info's scoid and coid), so that later I/O
 * messages on that coid reach `io_funcs` (NULL: the io_funcs given to
 * resmgr_attach) with this ocb. Call it from a connect handler.
 * Returns 0, or -1 with errno: ENOENT (ctp->id is no attach of this
 * process), ENOMEM, EINVAL (that coid already has a binding).
 */
int resmgr_open_bind(resmgr_context_t *ctp, RESMGR_OCB_T *ocb,
		     const resmgr_io_funcs_t *io_funcs);

/*
 * resmgr_msgread / resmgr_msgreadv: MsgRead(v) from the client's message,
 * `offset` counted from the start of the current (possibly combined) I/O
 * message (ctp->offset). resmgr_msgwrite / resmgr_msgwritev: MsgWrite(v)
 * into the client's reply buffer at `offset`. Return the bytes copied, or -1
 * with MsgRead/MsgWrite's errno (ESRCH, EFAULT, ESRVRFAULT).
 */
int resmgr_msgread(resmgr_context_t *ctp, void *msg, int size, int offset);
int resmgr_msgreadv(resmgr_context_t *ctp, iov_t *iov, int parts, int offset);
int resmgr_msgwrite(resmgr_context_t *ctp, const void *msg, int size,
		    int offset);
int resmgr_msgwritev(resmgr_context_t *ctp, const iov_t *iov, int parts,
		     int offset);

/*
 * resmgr_msgreply / resmgr_msgreplyv: reply to ctp->rcvid with status
 * ctp->status and the given data. Return 0, or -1 with MsgReply's errno
 * (ESRCH: the client is gone or already replied to; EFAULT).
 */
int resmgr_msgreply(resmgr_context_t *ctp, void *ptr, int len);
int resmgr_msgreplyv(resmgr_context_t *ctp, iov_t *iov, int parts);

/*
 * resmgr_unbind: remove the binding of the connection the current message
 * came on (as an _IO_CLOSE would, without calling close_dup; close_ocb runs
 * if it was the OCB's last binding). Returns 0, or -1 with errno EBADF (no
 * binding).
 */
int resmgr_unbind(resmgr_context_t *ctp);

/*
 * resmgr_pathname: the path registered for resmgr id `id`, copied into
 * `path` (at most maxbuf bytes, NUL-terminated). Returns the path's length
 * (excluding the NUL), or -1 with errno EINVAL (unknown id or no path).
 */
int resmgr_pathname(int id, unsigned flags, char *path, int maxbuf);

/* ---- more resmgr helpers (devctl helper's block) ---- */

/*
 * resmgr_devino: the device and inode numbers that identify registration
 * `id` of this process (the values iofunc_attr_init-based servers show in
 * st_dev/st_ino; a manager may use them for its own attributes). Returns
 * 0, or -1 with errno EINVAL (no such id).
 */
int resmgr_devino(int id, dev_t *pdevno, ino_t *pino);

/*
 * resmgr_msg_again: handle client message `rcvid` (still REPLY-blocked on
 * us) again from the start, as if it had just been received into ctp:
 * re-read it with MsgRead and run it through resmgr_handler. Returns 0,
 * or -1 with errno ESRCH (no such client/message), EFAULT.
 */
int resmgr_msg_again(resmgr_context_t *ctp, int rcvid);

/*
 * resmgr_msgget / resmgr_msggetv: copy `size` bytes of the current message
 * at `offset` (from ctp->offset, as resmgr_msgread) into msg / iov: from
 * the receive buffer as far as it holds the message, the rest with
 * MsgRead. Return the bytes copied (short at the message's end), or -1
 * with errno (MsgRead's: ESRCH, EFAULT).
 */
ssize_t resmgr_msgget(resmgr_context_t *ctp, void *msg, size_t size,
		      size_t offset);
ssize_t resmgr_msggetv(resmgr_context_t *ctp, const iov_t *iov, size_t parts,
		       size_t offset);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_RESMGR_H */
