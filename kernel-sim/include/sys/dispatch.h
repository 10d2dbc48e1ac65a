/*
 * <sys/dispatch.h>: QNX's dispatch layer: one receive loop (dispatch_block /
 * dispatch_handler) that routes each message or pulse on a channel to the
 * resource-manager layer, message_attach / pulse_attach handlers, or
 * other_func; name_attach / name_open; and thread pools that run the loop
 * in several threads; select_attach / select_detach, which bring fds
 * (real Linux fds and simulated ones alike) into the same loop. Names,
 * signatures and values are QNX's. sigwait_attach is not provided (QNX 7.1
 * does not declare it either).
 */
#ifndef NTOSIM_SYS_DISPATCH_H
#define NTOSIM_SYS_DISPATCH_H

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <sys/resmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- message and pulse handlers ---- */

#define MSG_FLAG_TYPE_PULSE   0x00000001
#define MSG_FLAG_ALLOC_PULSE  0x00000002
#define MSG_FLAG_TYPE_SELECT  0x00000004
#define MSG_FLAG_TYPE_RESMGR  0x00000008
#define MSG_FLAG_DEFAULT_FUNC 0x00000100
#define MSG_FLAG_SIDE_CHANNEL 0x00000200
#define MSG_FLAG_CROSS_ENDIAN 0x00000400

typedef struct _resmgr_context message_context_t;

typedef struct _message_attr {
	unsigned flags;
	unsigned nparts_max;
	unsigned msg_max_size;
	unsigned reserved[5];
} message_attr_t;

/*
 * message_attach: call `func(ctp, type, 0, handle)` for every message whose
 * type is in [low, high] (the handler must reply, e.g. MsgReply(ctp->rcvid,
 * ...)). With attr->flags MSG_FLAG_TYPE_PULSE the range is of pulse codes
 * instead (-128..127); add MSG_FLAG_ALLOC_PULSE to have a free code in
 * 0.._PULSE_CODE_MAXAVAIL chosen for you; MSG_FLAG_DEFAULT_FUNC makes it
 * the handler of everything nothing else takes. Creates the dispatch's
 * channel if needed (see resmgr_attach).
 * Returns 0 for a message range, the pulse code for a pulse attach, or -1
 * with errno: EINVAL (dpp NULL, low > high, pulse code out of range, or
 * attr->nparts_max larger than that of contexts already allocated), EAGAIN
 * (no free pulse code), EBUSY (_PULSE_CODE_COIDDEATH on a dispatch that is
 * not the death channel), ENOMEM, or ChannelCreate's errno.
 */
int message_attach(dispatch_t *dpp, message_attr_t *attr, int low, int high,
		   int (*func)(message_context_t *ctp, int code, unsigned flags,
			       void *handle),
		   void *handle);

/*
 * pulse_attach: message_attach for the single pulse `code` (flags
 * MSG_FLAG_ALLOC_PULSE: choose a free code). The handler gets
 * (ctp, code, 0, handle) with the pulse in ctp->msg->pulse.
 * Returns the code, or -1 with message_attach's errnos.
 */
int pulse_attach(dispatch_t *dpp, int flags, int code,
		 int (*func)(message_context_t *ctp, int code, unsigned flags,
			     void *handle),
		 void *handle);

/*
 * message_detach / pulse_detach: remove the handler attached for exactly
 * [low, high] (message_detach flags MSG_FLAG_TYPE_PULSE: a pulse range) or
 * for pulse `code`. Return 0, or -1 with errno EINVAL (nothing attached).
 */
int message_detach(dispatch_t *dpp, int low, int high, int flags);
int pulse_detach(dispatch_t *dpp, int code, int flags);

/*
 * message_connect: a connection to the dispatch's own channel (flags
 * MSG_FLAG_SIDE_CHANNEL: a side-channel coid), e.g. to send it pulses.
 * Returns the coid, or -1 with errno: EINVAL (no channel yet) or
 * ConnectAttach's errno.
 */
int message_connect(dispatch_t *dpp, int flags);

/* ---- fds in the dispatch loop (select_attach) ---- */

#define SELECT_FLAG_READ      _NOTIFY_COND_INPUT
#define SELECT_FLAG_WRITE     _NOTIFY_COND_OUTPUT
#define SELECT_FLAG_EXCEPT    _NOTIFY_COND_OBAND
#define SELECT_FLAG_REARM     0x00000001 /* the default (redundant) */
#define SELECT_FLAG_SRVEXCEPT 0x00000002
#define SELECT_FLAG_NOREARM   0x00000004 /* wins over SELECT_FLAG_REARM */

typedef struct _select_context select_context_t;

typedef struct _select_attr {
	unsigned flags;
	unsigned reserved[3];
} select_attr_t;

/* What a select_attach handler gets: fd and the met SELECT_FLAG_*
 * conditions in flags; dpp the dispatch. */
struct _select_context {
	int rcvid;
	union {
		struct _msg_info msginfo;
		siginfo_t siginfo;
	} info;
	resmgr_iomsgs_t *msg;
	void *dpp;
	int fd;
	unsigned tid;
	unsigned reserved;
	int flags;
	int reserved2[2];
	iov_t iov[1];
};

/*
 * select_attach: call func(ctp, fd, flags, handle) from the dispatch loop
 * (dispatch_block / dispatch_handler, any pool thread) whenever fd meets
 * one of the SELECT_FLAG_READ / WRITE / EXCEPT conditions in `flags`;
 * `flags` (the met conditions) is what it gets. fd may be a real Linux fd
 * (a helper thread of the dispatch polls those) or a simulated one (armed
 * with ionotify, as on QNX). The attachment re-arms after each call unless
 * SELECT_FLAG_NOREARM is given (then it fires once). Attaching an fd
 * again replaces its flags, func and handle. Creates the dispatch's
 * channel if needed. Returns 0, or -1 with errno: EINVAL (dpp or func
 * NULL, fd < 0, no condition in flags), EBADF (fd is not open), ENOMEM,
 * EAGAIN (no pulse code or thread), or ChannelCreate's errno.
 */
int select_attach(void *dpp, select_attr_t *attr, int fd, unsigned flags,
		  int (*func)(select_context_t *ctp, int fd, unsigned flags,
			      void *handle),
		  void *handle);

/*
 * select_detach: stop watching fd (a pending wake-up is dropped). Returns
 * 0, or -1 with errno EINVAL (dpp NULL or fd not attached).
 */
int select_detach(void *dpp, int fd);

/*
 * select_query: from inside a select handler, the attachment it runs for
 * (fd, its SELECT_FLAG_* flags, func, handle; any pointer may be NULL).
 * Returns 0, or -1 with errno EINVAL (ctp is no select handler's).
 */
int select_query(select_context_t *ctp, int *fd, unsigned *flags,
		 int (**func)(select_context_t *ctp, int fd, unsigned flags,
			      void *handle),
		 void **handle);

/* ---- names ---- */

#define NAME_FLAG_ATTACH_GLOBAL	 0x00000002 /* /dev/name/global/ */
#define NAME_FLAG_CROSS_ENDIAN	 RESMGR_FLAG_CROSS_ENDIAN
#define NAME_FLAG_DETACH_SAVEDPP 0x00000001 /* name_detach keeps the dpp */

typedef struct _name_attach {
	dispatch_t *dpp;
	int chid;
	int mntid;
	int zero[2];
} name_attach_t;

/*
 * name_attach: register `name` as /dev/name/local/<name> (or
 * /dev/name/global/<name> with NAME_FLAG_ATTACH_GLOBAL), file type
 * _FTYPE_NAME, served on dpp's channel (dpp NULL: a new dispatch_create()
 * one, destroyed again on failure). Receive on the returned ->chid with
 * MsgReceive or run dispatch_block/dispatch_handler on ->dpp. As QNX's
 * docs ask, a server should reply EOK to an _IO_CONNECT (QNX's name_open
 * sends one when gns runs; ntosim's never does, as QNX without gns; the
 * dispatch layer answers it itself). The name vanishes when the process
 * dies.
 * Returns a malloc'd name_attach_t (free it with name_detach), or NULL with
 * errno: EINVAL (name NULL, empty, starting with '/', or with a ".."
 * component), ENAMETOOLONG, ENOMEM, EEXIST (a live process has the name),
 * ENOTCONN (ipcd unreachable), or ChannelCreate's errno.
 */
name_attach_t *name_attach(dispatch_t *dpp, const char *name, unsigned flags);

/*
 * name_detach: remove the name, destroy attach->dpp unless flags has
 * NAME_FLAG_DETACH_SAVEDPP, and free `attach`. Returns 0, or -1 with errno
 * EINVAL (attach NULL or not registered).
 */
int name_detach(name_attach_t *attach, unsigned flags);

/*
 * name_open: connect to the server that name_attach'ed `name` (flags
 * NAME_FLAG_ATTACH_GLOBAL: a global name): resolve it and ConnectAttach a
 * side channel (_NTO_COF_CLOEXEC) to its channel. As on QNX without gns
 * (the process manager answers with the server's pid/chid), the server
 * receives no message: a raw server that answers every unknown type with
 * ENOSYS works, a process may open its own name, and two servers that
 * name_open each other before receiving do not deadlock. A resource
 * manager that owns a prefix of the name instead gets open()'s
 * _IO_CONNECT (_IO_CONNECT_OPEN, _FTYPE_NAME, O_RDWR), never from its own
 * process; one that is gone or answers ENOENT, ENOSYS, ENXIO, ESRCH,
 * EROFS, EBADFSYS, EBADF or a network errno is skipped for the next one.
 * Returns a side-channel coid (>= _NTO_SIDE_CHANNEL; close with
 * name_close), or -1 with errno: EINVAL (bad name), ENAMETOOLONG, ENOENT
 * (no live server has the name), ENOTCONN (ipcd unreachable), the errno a
 * prefix resource manager answered with (e.g. EACCES, EBUSY), or
 * ConnectAttach's errno (EAGAIN, EMFILE).
 */
int name_open(const char *name, int flags);

/*
 * name_close: ConnectDetach(coid). No _IO_CLOSE is sent; the server sees a
 * _PULSE_CODE_DISCONNECT once the connection's last coid is gone.
 * Returns 0, or -1 with errno EINVAL (not a connection).
 */
int name_close(int coid);

/* ---- dispatch ---- */

#define DISPATCH_FLAG_NOLOCK 0x00000001

enum dispatch_type {
	DISPATCH_ERROR = -1,
	DISPATCH_NONE = 0,
	DISPATCH_TIMEOUT,
	DISPATCH_RESMGR,
	DISPATCH_MESSAGE,
	DISPATCH_SELECT,
	DISPATCH_SIGWAIT,
	DISPATCH_MAX
};

typedef union _dispatch_context {
	resmgr_context_t resmgr_context;
	message_context_t message_context;
	select_context_t select_context;
} dispatch_context_t;

/*
 * dispatch_create: a dispatch handle whose channel is created on the first
 * resmgr_attach / message_attach / pulse_attach / name_attach.
 * dispatch_create_channel: one that receives on the existing `chid` (give
 * it _NTO_CHF_DISCONNECT | _NTO_CHF_UNBLOCK for the resmgr semantics);
 * `flags` may be DISPATCH_FLAG_NOLOCK. Both return the handle, or NULL with
 * errno ENOMEM.
 */
dispatch_t *dispatch_create(void);
dispatch_t *dispatch_create_channel(int chid, unsigned flags);

/*
 * dispatch_destroy: detach every path and name of dpp, destroy its channel
 * (blocked receivers fail with ESRCH) and free it. No thread may be using
 * dpp. Returns 0, or -1 with errno EINVAL (dpp NULL).
 */
int dispatch_destroy(dispatch_t *dpp);

/*
 * dispatch_context_alloc: a context sized for everything attached so far
 * (attach first). dispatch_context_free releases it (NULL is ignored).
 * Returns the context, or NULL with errno: EINVAL (nothing attached to
 * dpp yet), ENOMEM.
 */
dispatch_context_t *dispatch_context_alloc(dispatch_t *dpp);
void dispatch_context_free(dispatch_context_t *ctp);

/*
 * dispatch_block: receive the next message or pulse into ctp (reading the
 * rest of a message longer than the first copy, up to msg_max_size), with
 * the dispatch_timeout if one is set. Returns ctp (ctp->rcvid > 0 a
 * message, 0 a pulse, -1 the timeout expired with errno ETIMEDOUT), or NULL
 * with errno: EINVAL (ctp NULL), EINTR, ESRCH (the channel was destroyed or
 * ipcd is gone), EFAULT.
 */
dispatch_context_t *dispatch_block(dispatch_context_t *ctp);

/*
 * dispatch_handler: route what dispatch_block received: pulses to the
 * resmgr layer (_PULSE_CODE_DISCONNECT closes every binding of that client
 * connection, then ConnectDetach(scoid); _PULSE_CODE_UNBLOCK runs the
 * binding's io unblock handler) or to pulse_attach handlers; _IO_*
 * messages to the resmgr layer; other types to message_attach handlers,
 * else to the resmgr other_func, else MsgError(ENOSYS). Returns the
 * message/pulse handler's return value, 0 for resmgr routing, or -1 (ctp
 * NULL, a timeout, nothing took it, or a message shorter than 2 bytes,
 * answered EINVAL).
 */
int dispatch_handler(dispatch_context_t *ctp);

/*
 * dispatch_unblock: make a thread blocked in dispatch_block on ctp's
 * dispatch return (a pulse to its channel with code -64, from the range
 * QNX reserves for the kernel, which dispatch_handler ignores); used by
 * thread pools.
 */
void dispatch_unblock(dispatch_context_t *ctp);

/*
 * dispatch_timeout: make every later dispatch_block give up after
 * `reltime` (relative) with ctp->rcvid == -1 and errno ETIMEDOUT; NULL
 * clears it. Returns 0, or -1 with errno EINVAL (dpp NULL, negative time).
 */
int dispatch_timeout(dispatch_t *dpp, struct timespec *reltime);

/* ---- thread pools ---- */

#define POOL_FLAG_EXIT_SELF 0x00000001 /* thread_pool_start: caller exits */
#define POOL_FLAG_USE_SELF  0x00000002 /* thread_pool_start: caller serves */
#define POOL_FLAG_EXITING   0x00000004
#define POOL_FLAG_CHANGING  0x00000008
#define POOL_FLAG_RESERVE   0x00000010
#define POOL_FLAG_CONTROL   0x00000020

typedef struct _thread_pool thread_pool_t;

#ifndef THREAD_POOL_PARAM_T
#define THREAD_POOL_PARAM_T void
#endif
#ifndef THREAD_POOL_HANDLE_T
#define THREAD_POOL_HANDLE_T dispatch_t
#endif

/*
 * Each pool thread: ctp = context_alloc(handle); then loop
 * { ctp = block_func(ctp); handler_func(ctp); }; context_free(ctp) when it
 * exits. The pool keeps between lo_water and hi_water threads blocked:
 * when fewer than lo_water are blocked it starts `increment` more (never
 * more than `maximum` in all); a thread that finds hi_water already blocked
 * after handling a message exits. unblock_func wakes a blocked thread
 * (thread_pool_destroy).
 */
typedef struct _thread_pool_attr {
	THREAD_POOL_HANDLE_T *handle;
	THREAD_POOL_PARAM_T *(*block_func)(THREAD_POOL_PARAM_T *ctp);
	void (*unblock_func)(THREAD_POOL_PARAM_T *ctp);
	int (*handler_func)(THREAD_POOL_PARAM_T *ctp);
	THREAD_POOL_PARAM_T *(*context_alloc)(THREAD_POOL_HANDLE_T *handle);
	void (*context_free)(THREAD_POOL_PARAM_T *ctp);
	pthread_attr_t *attr;
	unsigned short lo_water;
	unsigned short increment;
	unsigned short hi_water;
	unsigned short maximum;
	unsigned reserved[8];
} thread_pool_attr_t;

struct _thread_pool {
	thread_pool_attr_t pool_attr;
	unsigned created; /* threads alive */
	unsigned waiting; /* threads blocked (or about to block) */
	unsigned flags;
	void *props;
	unsigned reserved[2];
};

/*
 * thread_pool_create: a pool with a copy of `attr` (block_func,
 * handler_func and context_alloc are required; lo_water >= 1,
 * hi_water >= lo_water, maximum >= hi_water, increment >= 1 are enforced
 * by raising the smaller value). `flags`: POOL_FLAG_EXIT_SELF or
 * POOL_FLAG_USE_SELF, used by thread_pool_start.
 * Returns the pool, or NULL with errno EINVAL (attr NULL, a required
 * function missing) or ENOMEM.
 */
thread_pool_t *thread_pool_create(thread_pool_attr_t *attr, unsigned flags);

/*
 * thread_pool_start: start lo_water threads. With POOL_FLAG_USE_SELF the
 * caller becomes one of them and returns only when the pool is destroyed
 * (then 0); with POOL_FLAG_EXIT_SELF the caller thread exits
 * (pthread_exit) once they run. Otherwise returns 0 at once.
 * Returns -1 with errno EINVAL (pool NULL, already started) or EAGAIN (no
 * thread could be created).
 */
int thread_pool_start(void *pool);

/*
 * thread_pool_destroy: stop the pool: every thread finishes the message it
 * is handling, blocked ones are woken with unblock_func, and each exits
 * after context_free. Waits (bounded by nothing but the handlers) for all
 * of them except the calling thread if it is a pool thread, then frees the
 * pool. Returns 0, or -1 with errno EINVAL (pool NULL).
 */
int thread_pool_destroy(thread_pool_t *pool);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_DISPATCH_H */
