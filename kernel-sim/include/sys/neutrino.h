/*
 * <sys/neutrino.h>: the QNX Neutrino kernel calls ntosim provides on Linux.
 * Names, signatures and constant values are QNX's (SDP 6.6 headers); errno
 * *names* are Linux's, with private values for the QNX-only ones below.
 * This header is public and installed; nothing here is ntosim-internal.
 */
#ifndef NTOSIM_SYS_NEUTRINO_H
#define NTOSIM_SYS_NEUTRINO_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

/* ---- libc area: what QNX's <sys/neutrino.h> brings with it ---- */
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/platform.h> /* _Uint32t ..., paddr_t, __SRCVERSION */
#include <sys/states.h>	  /* STATE_* */
#include <sys/netmgr.h>	  /* ND_LOCAL_NODE: real code takes it from here */
/* ---- end libc area ---- */

#ifdef __cplusplus
extern "C" {
#endif

/* QNX 7.1+/8 type of MsgReceive's result (a 64-bit value there; ntosim's
 * rcvids fit in an int, which converts to it and back losslessly). */
#define __RCVID_T_SIZE 8
typedef _Int64t rcvid_t;

typedef struct iovec iov_t;
#define SETIOV(_iov, _addr, _len) \
	((_iov)->iov_base = (void *)(_addr), (_iov)->iov_len = (size_t)(_len))
#define GETIOVBASE(_iov) ((_iov)->iov_base)
#define GETIOVLEN(_iov)	 ((_iov)->iov_len)

/* EOK and the QNX-only errno values (ENOREMOTE, EBADFSYS, ESRVRFAULT,
 * EENDIAN) come from <errno.h> (ntosim's overlay), included above. */
/* ERESTART exists on Linux (85); MsgError(rcvid, ERESTART) re-sends. */

/* Channel flags (ChannelCreate). */
#define _NTO_CHF_FIXED_PRIORITY	 0x0001u
#define _NTO_CHF_UNBLOCK	 0x0002u
#define _NTO_CHF_THREAD_DEATH	 0x0004u
#define _NTO_CHF_DISCONNECT	 0x0008u
#define _NTO_CHF_NET_MSG	 0x0010u
#define _NTO_CHF_SENDER_LEN	 0x0020u
#define _NTO_CHF_COID_DISCONNECT 0x0040u
#define _NTO_CHF_REPLY_LEN	 0x0080u
#define _NTO_CHF_STICKY		 0x0100u
#define _NTO_CHF_ASYNC_NONBLOCK	 0x0200u
#define _NTO_CHF_ASYNC		 0x0400u
#define _NTO_CHF_GLOBAL		 0x0800u
#define _NTO_CHF_PRIVATE	 0x1000u

/* Connection flags (ConnectAttach, ConnectServerInfo). */
#define _NTO_COF_CLOEXEC  0x0001
#define _NTO_COF_DEAD	  0x0002
#define _NTO_COF_NOSHARE  0x0040
#define _NTO_COF_NETCON	  0x0080
#define _NTO_COF_NONBLOCK 0x0100
#define _NTO_COF_ASYNC	  0x0200
#define _NTO_COF_GLOBAL	  0x0400
#define _NTO_COF_INSECURE 0x1000

#define _NTO_SIDE_CHANNEL     0x40000000
#define _NTO_GLOBAL_CHANNEL   _NTO_SIDE_CHANNEL
#define _NTO_CONNECTION_SCOID 0x00010000

/* _msg_info.flags */
#define _NTO_MI_ENDIAN_BIG     0x0001
#define _NTO_MI_ENDIAN_DIFF    0x0002
#define _NTO_MI_UNBLOCK_REQ    0x0100
#define _NTO_MI_NET_CRED_DIRTY 0x0200

/* TimerTimeout flags: 1 << STATE_x. */
#define _NTO_TIMEOUT_SEND	 (1u << STATE_SEND)
#define _NTO_TIMEOUT_RECEIVE	 (1u << STATE_RECEIVE)
#define _NTO_TIMEOUT_REPLY	 (1u << STATE_REPLY)
#define _NTO_TIMEOUT_SIGSUSPEND	 (1u << STATE_SIGSUSPEND)
#define _NTO_TIMEOUT_SIGWAITINFO (1u << STATE_SIGWAITINFO)
#define _NTO_TIMEOUT_NANOSLEEP	 (1u << STATE_NANOSLEEP)
#define _NTO_TIMEOUT_MUTEX	 (1u << STATE_MUTEX)
#define _NTO_TIMEOUT_CONDVAR	 (1u << STATE_CONDVAR)
#define _NTO_TIMEOUT_JOIN	 (1u << STATE_JOIN)
#define _NTO_TIMEOUT_INTR	 (1u << STATE_INTR)
#define _NTO_TIMEOUT_SEM	 (1u << STATE_SEM)
#ifndef TIMER_ABSTIME_QNX
#define TIMER_ABSTIME_QNX 0x80000000u
#endif

/* Pulses. */
#define _PULSE_TYPE		0
#define _PULSE_SUBTYPE		0
#define _PULSE_CODE_UNBLOCK	(-32)
#define _PULSE_CODE_DISCONNECT	(-33)
#define _PULSE_CODE_THREADDEATH (-34)
#define _PULSE_CODE_COIDDEATH	(-35)
#define _PULSE_CODE_NET_ACK	(-36)
#define _PULSE_CODE_NET_UNBLOCK (-37)
#define _PULSE_CODE_NET_DETACH	(-38)
#define _PULSE_CODE_MINAVAIL	0
#define _PULSE_CODE_MAXAVAIL	127
#define _PULSE_PRIO_REPLACE	0x80000000u

struct _pulse {
	_Uint16t type;
	_Uint16t subtype;
	_Int8t code;
	_Uint8t zero[3];
	union sigval value;
	_Int32t scoid;
};

struct _msg_info {
	_Uint32t nd;
	_Uint32t srcnd;
	pid_t pid;
	_Int32t tid;
	_Int32t chid;
	_Int32t scoid;
	_Int32t coid;
	_Int32t msglen;
	_Int32t srcmsglen;
	_Int32t dstmsglen;
	_Int16t priority;
	_Int16t flags;
	_Uint32t reserved;
};
#define _server_info _msg_info

struct _client_info {
	_Uint32t nd;
	pid_t pid;
	pid_t sid;
	_Uint32t flags;
	struct _cred_info {
		uid_t ruid;
		uid_t euid;
		uid_t suid;
		gid_t rgid;
		gid_t egid;
		gid_t sgid;
		_Uint32t ngroups;
		gid_t grouplist[8];
	} cred;
};

/*
 * struct sigevent, QNX style. Linux's struct sigevent has the same first
 * fields (sigev_value, sigev_signo, sigev_notify); QNX's pulse fields live in
 * its padding and are named as on QNX, so code that fills an event by hand
 * (ev.sigev_coid = coid; ev.sigev_priority = prio; ev.sigev_code = code)
 * compiles unchanged. Each name is an int-sized lvalue.
 * SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD keep Linux's values. The types
 * only QNX has get values of their own (QNX's 2..7 would collide with
 * Linux's SIGEV_THREAD 2 and SIGEV_THREAD_ID 4), so libnto's timer_create
 * and MsgDeliverEvent can tell a QNX event from a Linux one exactly; QNX
 * code uses the names, never the numbers.
 */
#define SIGEV_SIGNAL_CODE   0x42
#define SIGEV_SIGNAL_THREAD 0x43
#define SIGEV_PULSE	    0x44
#define SIGEV_UNBLOCK	    0x45
#define SIGEV_INTR	    0x46
#define SIGEV_MEMORY	    0x48
/* Bits QNX ORs into sigev_notify (masked off by SIGEV_GET_TYPE). */
#define SIGEV_FLAG_CRITICAL   0x40000000
#define SIGEV_FLAG_UPDATEABLE 0x20000000
#define SIGEV_FLAG_HANDLE     0x10000000
#define SIGEV_TYPE_MASK	      0x000000ff
#define SIGEV_GET_TYPE(_ev)   ((_ev)->sigev_notify & SIGEV_TYPE_MASK)

#define sigev_coid     _sigev_un._pad[0]
#define sigev_priority _sigev_un._pad[1]
#define sigev_code     _sigev_un._pad[2]
#define sigev_id       _sigev_un._pad[3]
#define sigev_handle   _sigev_un._pad[4]

/* sigev_priority for a pulse that takes the priority of the thread that
 * delivers it. */
#define SIGEV_PULSE_PRIO_INHERIT (-1)

#define SIGEV_NONE_INIT(_ev)	((_ev)->sigev_notify = SIGEV_NONE)
#define SIGEV_UNBLOCK_INIT(_ev) ((_ev)->sigev_notify = SIGEV_UNBLOCK)
#define SIGEV_INTR_INIT(_ev)	((_ev)->sigev_notify = SIGEV_INTR)
#define SIGEV_SIGNAL_INIT(_ev, _signo) \
	((_ev)->sigev_notify = SIGEV_SIGNAL, (_ev)->sigev_signo = (_signo))
#define SIGEV_SIGNAL_VALUE_INIT(_ev, _signo, _val)                          \
	((_ev)->sigev_notify = SIGEV_SIGNAL, (_ev)->sigev_signo = (_signo), \
	 (_ev)->sigev_value.sival_ptr = (void *)(_val))
#define SIGEV_SIGNAL_CODE_INIT(_ev, _signo, _val, _code) \
	((_ev)->sigev_notify = SIGEV_SIGNAL_CODE,        \
	 (_ev)->sigev_signo = (_signo),                  \
	 (_ev)->sigev_value.sival_ptr = (void *)(_val),  \
	 (_ev)->sigev_code = (_code))
#define SIGEV_SIGNAL_THREAD_INIT(_ev, _signo, _val, _code) \
	((_ev)->sigev_notify = SIGEV_SIGNAL_THREAD,        \
	 (_ev)->sigev_signo = (_signo),                    \
	 (_ev)->sigev_value.sival_ptr = (void *)(_val),    \
	 (_ev)->sigev_code = (_code))
#define SIGEV_PULSE_INIT(_ev, _coid, _prio, _code, _val)                 \
	((_ev)->sigev_notify = SIGEV_PULSE, (_ev)->sigev_coid = (_coid), \
	 (_ev)->sigev_priority = (_prio), (_ev)->sigev_code = (_code),   \
	 (_ev)->sigev_value.sival_ptr = (void *)(_val))
#define SIGEV_PULSE_INT_INIT(_ev, _coid, _prio, _code, _val)             \
	((_ev)->sigev_notify = SIGEV_PULSE, (_ev)->sigev_coid = (_coid), \
	 (_ev)->sigev_priority = (_prio), (_ev)->sigev_code = (_code),   \
	 (_ev)->sigev_value.sival_int = (_val))
#define SIGEV_PULSE_PTR_INIT SIGEV_PULSE_INIT
#define SIGEV_MAKE_UPDATEABLE(_ev) \
	((_ev)->sigev_notify |= SIGEV_FLAG_UPDATEABLE)
#define SIGEV_CLEAR_UPDATEABLE(_ev) \
	((_ev)->sigev_notify &= ~SIGEV_FLAG_UPDATEABLE)
#define SIGEV_MAKE_CRITICAL(_ev) ((_ev)->sigev_notify |= SIGEV_FLAG_CRITICAL)

/*
 * Kernel calls. Each returns as QNX documents: the value (chid, coid, rcvid,
 * status, byte count) or -1 with errno. The _r forms never touch errno:
 * calls that return a value give the value or a negative errno; calls that
 * return 0 give EOK or a positive errno (ChannelDestroy, ConnectDetach,
 * MsgError, MsgSendPulse, MsgDeliverEvent, MsgInfo, ConnectClientInfo).
 */
int ChannelCreate(unsigned flags);
int ChannelCreate_r(unsigned flags);
int ChannelDestroy(int chid);
int ChannelDestroy_r(int chid);

int ConnectAttach(_Uint32t nd, pid_t pid, int chid, unsigned index, int flags);
int ConnectAttach_r(_Uint32t nd, pid_t pid, int chid, unsigned index,
		    int flags);
int ConnectDetach(int coid);
int ConnectDetach_r(int coid);
int ConnectServerInfo(pid_t pid, int coid, struct _server_info *info);
int ConnectServerInfo_r(pid_t pid, int coid, struct _server_info *info);
int ConnectClientInfo(int scoid, struct _client_info *info, int ngroups);
int ConnectClientInfo_r(int scoid, struct _client_info *info, int ngroups);
int ConnectFlags(pid_t pid, int coid, unsigned mask, unsigned bits);
int ConnectFlags_r(pid_t pid, int coid, unsigned mask, unsigned bits);

int MsgSend(int coid, const void *smsg, int sbytes, void *rmsg, int rbytes);
int MsgSend_r(int coid, const void *smsg, int sbytes, void *rmsg, int rbytes);
int MsgSendnc(int coid, const void *smsg, int sbytes, void *rmsg, int rbytes);
int MsgSendnc_r(int coid, const void *smsg, int sbytes, void *rmsg, int rbytes);
int MsgSendv(int coid, const iov_t *siov, int sparts, const iov_t *riov,
	     int rparts);
int MsgSendv_r(int coid, const iov_t *siov, int sparts, const iov_t *riov,
	       int rparts);
int MsgSendvnc(int coid, const iov_t *siov, int sparts, const iov_t *riov,
	       int rparts);
int MsgSendvnc_r(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		 int rparts);
int MsgSendsv(int coid, const void *smsg, int sbytes, const iov_t *riov,
	      int rparts);
int MsgSendsv_r(int coid, const void *smsg, int sbytes, const iov_t *riov,
		int rparts);
int MsgSendsvnc(int coid, const void *smsg, int sbytes, const iov_t *riov,
		int rparts);
int MsgSendsvnc_r(int coid, const void *smsg, int sbytes, const iov_t *riov,
		  int rparts);
int MsgSendvs(int coid, const iov_t *siov, int sparts, void *rmsg, int rbytes);
int MsgSendvs_r(int coid, const iov_t *siov, int sparts, void *rmsg,
		int rbytes);
int MsgSendvsnc(int coid, const iov_t *siov, int sparts, void *rmsg,
		int rbytes);
int MsgSendvsnc_r(int coid, const iov_t *siov, int sparts, void *rmsg,
		  int rbytes);

int MsgReceive(int chid, void *msg, int bytes, struct _msg_info *info);
int MsgReceive_r(int chid, void *msg, int bytes, struct _msg_info *info);
int MsgReceivev(int chid, const iov_t *iov, int parts, struct _msg_info *info);
int MsgReceivev_r(int chid, const iov_t *iov, int parts,
		  struct _msg_info *info);
int MsgReceivePulse(int chid, void *pulse, int bytes, struct _msg_info *info);
int MsgReceivePulse_r(int chid, void *pulse, int bytes, struct _msg_info *info);
int MsgReceivePulsev(int chid, const iov_t *iov, int parts,
		     struct _msg_info *info);
int MsgReceivePulsev_r(int chid, const iov_t *iov, int parts,
		       struct _msg_info *info);

int MsgReply(int rcvid, int status, const void *msg, int bytes);
int MsgReply_r(int rcvid, int status, const void *msg, int bytes);
int MsgReplyv(int rcvid, int status, const iov_t *iov, int parts);
int MsgReplyv_r(int rcvid, int status, const iov_t *iov, int parts);
int MsgError(int rcvid, int error);
int MsgError_r(int rcvid, int error);

int MsgRead(int rcvid, void *msg, int bytes, int offset);
int MsgRead_r(int rcvid, void *msg, int bytes, int offset);
int MsgReadv(int rcvid, const iov_t *iov, int parts, int offset);
int MsgReadv_r(int rcvid, const iov_t *iov, int parts, int offset);
int MsgWrite(int rcvid, const void *msg, int bytes, int offset);
int MsgWrite_r(int rcvid, const void *msg, int bytes, int offset);
int MsgWritev(int rcvid, const iov_t *iov, int parts, int offset);
int MsgWritev_r(int rcvid, const iov_t *iov, int parts, int offset);
int MsgInfo(int rcvid, struct _msg_info *info);
int MsgInfo_r(int rcvid, struct _msg_info *info);

int MsgSendPulse(int coid, int priority, int code, int value);
int MsgSendPulse_r(int coid, int priority, int code, int value);
int MsgDeliverEvent(int rcvid, const struct sigevent *event);
int MsgDeliverEvent_r(int rcvid, const struct sigevent *event);

int TimerTimeout(clockid_t id, int flags, const struct sigevent *notify,
		 const _Uint64t *ntime, _Uint64t *otime);
int TimerTimeout_r(clockid_t id, int flags, const struct sigevent *notify,
		   const _Uint64t *ntime, _Uint64t *otime);

/* ---- time area: timers, clocks, scheduling, signals, thread control,
 * secure events and the calls stock Linux cannot do (docs/qnx-differences.md,
 * "Timers, clocks, scheduling and the system page"). ---- */
#include <sched.h>

/* A kernel timer's value: absolute or relative nanoseconds, and the
 * reload interval (0: one-shot). */
struct _itimer {
	_Uint64t nsec;
	_Uint64t interval_nsec;
};

/* TimerInfo() flags and struct _timer_info.flags bits. */
#define _NTO_TIMER_SEARCH	  0x00000001
#define _NTO_TIMER_RESET_OVERRUNS 0x00000002
#define _NTO_TI_ACTIVE		  0x00000001
#define _NTO_TI_ABSOLUTE	  0x00000002
#define _NTO_TI_EXPIRED		  0x00000004
#define _NTO_TI_TOD_BASED	  0x00000008
#define _NTO_TI_TARGET_PROCESS	  0x00000010

struct _timer_info {
	struct _itimer itime; /* expiry (absolute, the timer's clock) */
	struct _itimer otime; /* time left until it fires, and interval */
	_Uint32t flags;	      /* _NTO_TI_* */
	_Int32t tid;	      /* 0: targets the process */
	_Int32t notify;	      /* the event's sigev_notify */
	clockid_t clockid;
	_Uint32t overruns;
	struct sigevent event;
};

struct _sched_info {
	int priority_min;
	int priority_max;
	_Uint64t interval;
	int priority_priv;
	int reserved[11];
};

struct _clockperiod {
	unsigned long nsec;
	long fract;
};

/* SchedSet(): keep the current policy. Linux has no such policy value. */
#ifndef SCHED_NOCHANGE
#define SCHED_NOCHANGE (-1)
#endif

/* ThreadCtl() commands. */
#define _NTO_TCTL_IO			      1
#define _NTO_TCTL_THREADS_HOLD		      2
#define _NTO_TCTL_THREADS_CONT		      3
#define _NTO_TCTL_RUNMASK		      4
#define _NTO_TCTL_ALIGN_FAULT		      5
#define _NTO_TCTL_RUNMASK_GET_AND_SET	      6
#define _NTO_TCTL_PERFCOUNT		      7
#define _NTO_TCTL_ONE_THREAD_HOLD	      8
#define _NTO_TCTL_ONE_THREAD_CONT	      9
#define _NTO_TCTL_RUNMASK_GET_AND_SET_INHERIT 10
#define _NTO_TCTL_NAME			      11
#define _NTO_TCTL_RCM_GET_AND_SET	      12
#define _NTO_TCTL_SHR_MUTEX		      13
#define _NTO_TCTL_IO_PRIV		      14

/* _NTO_TCTL_NAME: new_name_len < 0 keeps the name, 0 deletes it; the old
 * name comes back in name_buf when name_buf_len > 0. */
#define _NTO_THREAD_NAME_MAX 100
struct _thread_name {
	int new_name_len;
	int name_buf_len;
	char name_buf[1];
};

/* InterruptAttach*() flags (accepted; interrupts cannot be attached). */
#define _NTO_INTR_FLAGS_END	  0x01
#define _NTO_INTR_FLAGS_PROCESS	  0x04
#define _NTO_INTR_FLAGS_TRK_MSK	  0x08
#define _NTO_INTR_FLAGS_NO_UNMASK 0x10
#define _NTO_INTR_CLASS_EXTERNAL  (0x0000UL << 16)
#define _NTO_INTR_CLASS_SYNTHETIC (0x7fffUL << 16)
#define _NTO_INTR_SPARE		  (_NTO_INTR_CLASS_SYNTHETIC | 0xffff)
#define _NTO_HOOK_TRACE		  (_NTO_INTR_CLASS_SYNTHETIC | 0)
#define _NTO_HOOK_IDLE		  (_NTO_INTR_CLASS_SYNTHETIC | 1)

/* The spinlock of InterruptLock()/InterruptUnlock(): a real spinlock
 * between threads here (no interrupt handler can exist). */
struct intrspin {
	volatile unsigned value;
};

/* MsgRegisterEvent(): coid value meaning "any server may deliver it". */
#define _NTO_REGEVENT_ALLOW_ANY_SERVER (-1)

/*
 * Timers. TimerCreate returns a small timer id (>= 0); the Timer* calls
 * accept it or a timer_t from timer_create() for a QNX event. Events that
 * Linux has (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD) become Linux timers;
 * SIGEV_PULSE is delivered by libnto's timer thread; SIGEV_SIGNAL_CODE and
 * SIGEV_SIGNAL_THREAD are Linux signal timers (si_code is SI_TIMER).
 * _r forms: TimerCreate_r and TimerInfo_r return the id or -errno;
 * TimerDestroy_r, TimerSettime_r and TimerAlarm_r return EOK or an errno.
 */
int TimerCreate(clockid_t id, const struct sigevent *notify);
int TimerCreate_r(clockid_t id, const struct sigevent *notify);
int TimerDestroy(timer_t id);
int TimerDestroy_r(timer_t id);
int TimerSettime(timer_t id, int flags, const struct _itimer *itime,
		 struct _itimer *oitime);
int TimerSettime_r(timer_t id, int flags, const struct _itimer *itime,
		   struct _itimer *oitime);
int TimerInfo(pid_t pid, timer_t id, int flags, struct _timer_info *info);
int TimerInfo_r(pid_t pid, timer_t id, int flags, struct _timer_info *info);
int TimerAlarm(clockid_t id, const struct _itimer *itime,
	       struct _itimer *otime);
int TimerAlarm_r(clockid_t id, const struct _itimer *itime,
		 struct _itimer *otime);

/*
 * On QNX timer_t is an int, and code passes TimerCreate()'s int straight
 * to the other Timer* calls; here timer_t is glibc's pointer. So the Timer*
 * calls take either: in C11 through these _Generic wrappers, in C++
 * through int overloads.
 */
#if defined(__cplusplus)
extern "C++" {
inline int TimerDestroy(int id)
{
	return TimerDestroy((timer_t)(intptr_t)id);
}
inline int TimerDestroy_r(int id)
{
	return TimerDestroy_r((timer_t)(intptr_t)id);
}
inline int TimerSettime(int id, int flags, const struct _itimer *itime,
			struct _itimer *oitime)
{
	return TimerSettime((timer_t)(intptr_t)id, flags, itime, oitime);
}
inline int TimerSettime_r(int id, int flags, const struct _itimer *itime,
			  struct _itimer *oitime)
{
	return TimerSettime_r((timer_t)(intptr_t)id, flags, itime, oitime);
}
inline int TimerInfo(pid_t pid, int id, int flags, struct _timer_info *info)
{
	return TimerInfo(pid, (timer_t)(intptr_t)id, flags, info);
}
inline int TimerInfo_r(pid_t pid, int id, int flags, struct _timer_info *info)
{
	return TimerInfo_r(pid, (timer_t)(intptr_t)id, flags, info);
}
}
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define NTOSIM_TIMER_ID(_id) \
	_Generic((_id), timer_t : (_id), default : (timer_t)(intptr_t)(_id))
#define TimerDestroy(_id)   TimerDestroy(NTOSIM_TIMER_ID(_id))
#define TimerDestroy_r(_id) TimerDestroy_r(NTOSIM_TIMER_ID(_id))
#define TimerSettime(_id, _f, _i, _o) \
	TimerSettime(NTOSIM_TIMER_ID(_id), _f, _i, _o)
#define TimerSettime_r(_id, _f, _i, _o) \
	TimerSettime_r(NTOSIM_TIMER_ID(_id), _f, _i, _o)
#define TimerInfo(_pid, _id, _f, _info) \
	TimerInfo(_pid, NTOSIM_TIMER_ID(_id), _f, _info)
#define TimerInfo_r(_pid, _id, _f, _info) \
	TimerInfo_r(_pid, NTOSIM_TIMER_ID(_id), _f, _info)
#endif

/* Clocks. ClockCycles() counts nanoseconds of CLOCK_MONOTONIC (so
 * SYSPAGE_ENTRY(qtime)->cycles_per_sec is 1000000000). */
_Uint64t ClockCycles(void);
int ClockTime(clockid_t id, const _Uint64t *new_time, _Uint64t *old);
int ClockTime_r(clockid_t id, const _Uint64t *new_time, _Uint64t *old);
int ClockPeriod(clockid_t id, const struct _clockperiod *new_period,
		struct _clockperiod *old, int reserved);
int ClockPeriod_r(clockid_t id, const struct _clockperiod *new_period,
		  struct _clockperiod *old, int reserved);
int ClockId(pid_t pid, int tid);
int ClockId_r(pid_t pid, int tid);

/* Scheduling. tid 0 is the calling thread; other tids are Linux thread
 * ids (QNX's tid 1, the main thread, is accepted as such). */
int SchedGet(pid_t pid, int tid, struct sched_param *param);
int SchedGet_r(pid_t pid, int tid, struct sched_param *param);
int SchedSet(pid_t pid, int tid, int algorithm,
	     const struct sched_param *param);
int SchedSet_r(pid_t pid, int tid, int algorithm,
	       const struct sched_param *param);
int SchedInfo(pid_t pid, int algorithm, struct _sched_info *info);
int SchedInfo_r(pid_t pid, int algorithm, struct _sched_info *info);
int SchedYield(void);
int SchedYield_r(void);

int ThreadCtl(int cmd, void *data);
int ThreadCtl_r(int cmd, void *data);

/* Signals. */
int SignalKill(_Uint32t nd, pid_t pid, int tid, int signo, int code, int value);
int SignalKill_r(_Uint32t nd, pid_t pid, int tid, int signo, int code,
		 int value);
int SignalProcmask(pid_t pid, int tid, int how, const sigset_t *set,
		   sigset_t *oldset);
int SignalProcmask_r(pid_t pid, int tid, int how, const sigset_t *set,
		     sigset_t *oldset);
int SignalSuspend(const sigset_t *set);
int SignalSuspend_r(const sigset_t *set);
int SignalWaitinfo(const sigset_t *set, siginfo_t *info);
int SignalWaitinfo_r(const sigset_t *set, siginfo_t *info);
#ifndef SIG_PENDING
#define SIG_PENDING 5 /* SignalProcmask: return the pending set */
#endif

/* MsgSendPulse carrying a pointer (QNX 7): all of sival_ptr arrives. */
int MsgSendPulsePtr(int coid, int priority, int code, void *value);
int MsgSendPulsePtr_r(int coid, int priority, int code, void *value);

/* Secure events (QNX 7.1). */
int MsgRegisterEvent(struct sigevent *event, int coid);
int MsgRegisterEvent_r(struct sigevent *event, int coid);
int MsgUnregisterEvent(const struct sigevent *event);
int MsgUnregisterEvent_r(const struct sigevent *event);
int MsgVerifyEvent(int rcvid, const struct sigevent *event);
int MsgVerifyEvent_r(int rcvid, const struct sigevent *event);

/*
 * Interrupts: not possible in a Linux user process. Each call fails with
 * ENOTSUP (the _r forms return -ENOTSUP or ENOTSUP as QNX's conventions
 * say) and logs one line naming the call on stderr.
 */
int InterruptAttach(int intr,
		    const struct sigevent *(*handler)(void *area, int id),
		    const void *area, int size, unsigned flags);
int InterruptAttach_r(int intr,
		      const struct sigevent *(*handler)(void *area, int id),
		      const void *area, int size, unsigned flags);
int InterruptAttachEvent(int intr, const struct sigevent *event,
			 unsigned flags);
int InterruptAttachEvent_r(int intr, const struct sigevent *event,
			   unsigned flags);
int InterruptDetach(int id);
int InterruptDetach_r(int id);
/* QNX 7.1: the calling thread becomes the interrupt's service thread. */
int InterruptAttachThread(int intr, unsigned flags);
int InterruptAttachThread_r(int intr, unsigned flags);
#define _NTO_INTR_WAIT_FLAGS_FAST   0x1u
#define _NTO_INTR_WAIT_FLAGS_UNMASK 0x2u
int InterruptWait(int flags, const _Uint64t *timeout);
int InterruptWait_r(int flags, const _Uint64t *timeout);
int InterruptMask(int intr, int id);
int InterruptUnmask(int intr, int id);
void InterruptEnable(void);
void InterruptDisable(void);
void InterruptLock(struct intrspin *spin);
void InterruptUnlock(struct intrspin *spin);
unsigned InterruptStatus(void);
/* ---- end of the time area ---- */

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_SYS_NEUTRINO_H */
