/*
 * libnto internals shared by the files of kernel-sim/lib only (never
 * installed, never included by libha, servers, tools or examples).
 * Functions here return 0 / a value, or -errno, and never touch errno.
 */
#ifndef NTOSIM_LIB_INTERNAL_H
#define NTOSIM_LIB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "proto/ctl.h"
#include "proto/shm.h"

#define NTO_EXPORT	 __attribute__((visibility("default")))
#define NTO_DEFAULT_PRIO 10
#define NTO_POLL_MS	 250 /* bound on every cross-process wait */

/* ---- autostart.c: an ipcd when none answers on the default socket ----
 * nto__autostart: start one, race-free (0: one answers now; -errno, also
 * when NTOSIM_SOCKET is set or NTOSIM_AUTOSTART=0). Caller holds the
 * control lock. nto__autostart_tell: once per process, the stderr line
 * naming the socket and how to start an ipcd (for a call that fails for
 * want of one; not for path lookups, which fall back to libc). */
int nto__autostart_enabled(void);
int nto__autostart(void);
void nto__autostart_tell(void);

/* ---- kcall.c: the two _r conventions, in one place ---- */
/* value-returning calls: r >= 0 passes, r < 0 -> errno = -r, -1 */
int nto__ret_val(int r);
/* 0-returning calls: r is EOK or a positive errno -> 0 or -1/errno */
int nto__ret_eok(int r);

/* ---- ctl.c: the control socket to ipcd ---- */
/*
 * One request/reply on the process's control socket (connecting and sending
 * HELLO on first use, and again in a forked child). Received fds go to
 * fds[0..*nfds) (at most nfds_max; extras are closed). Returns the reply's
 * status (>= 0) or -errno; ENOTCONN when ipcd is unreachable or gone.
 */
int nto__ctl_call(uint32_t type, const void *req, size_t reqlen, void *rep,
		  size_t replen, size_t *replen_out, int *fds, int nfds_max,
		  int *nfds_out);
/* A request whose outcome the caller does not wait for (NTO_CTL_F_NOREPLY:
 * ipcd carries it out in order with the process's later requests). 0 once
 * sent, or -errno. */
int nto__ctl_post(uint32_t type, const void *req, size_t reqlen);
/* Same as nto__ctl_call, on a fresh AUX connection that is closed afterwards
 * (for requests that block in ipcd, e.g. WAIT_PATH). */
int nto__ctl_call_aux(uint32_t type, const void *req, size_t reqlen);
/* 1 while ipcd's socket is open (cheap: a poll with 0 timeout), else 0. */
int nto__ipcd_alive(void);
/* RESOLVE: fill ents (at most max), return the count or -errno (ENOENT). */
int nto__resolve(const char *path, struct nto_ctl_resolve_ent *ents, int max);
/* Reset the client and server tables in a forked child. */
void nto__conn_fork_reset(void);
void nto__srv_fork_reset(void);
/* procmgr_daemon (compat/procmgr.c): PREPARE a handover (token 0 when the
 * process never registered); fork a child that keeps libnto's tables;
 * in that child, ADOPT the parent's process in ipcd (on failure the
 * tables are reset as after a plain fork), or with op DAEMON just mark
 * the (new) process as a daemon. The parent's socket is closed in both.
 * nto__ctl_fd: the control socket (a descriptor procmgr_daemon keeps). */
int nto__ctl_handover_prepare(pid_t *pid, uint64_t *token);
pid_t nto__ctl_fork_keep(void);
int nto__ctl_adopt(pid_t pid, uint64_t token, uint32_t op);
int nto__ctl_fd(void);
/* ---- restart area: bounded control calls, a restartable ipcd
 * (ctl.c, retell.c; docs/protocol.md section 7) ---- */
#define NTO_CTL_TIMEOUT_MS   5000 /* NTOSIM_CTL_TIMEOUT_MS: one reply */
#define NTO_CTL_RECONNECT_MS 2000 /* NTOSIM_CTL_RECONNECT_MS: the gap */
int nto__ctl_timeout_ms(void);
int nto__ctl_reconnect_ms(void);
/* One request with fds attached on `fd` (the re-tell), bounded by the
 * control timeout. Caller holds the control lock (inside nto__retell). */
int nto__ctl_exchange(int fd, uint32_t type, const void *req, size_t reqlen,
		      const int *sfds, int nsfds, void *rep, size_t replen,
		      size_t *replen_out);
/* Start the thread that reconnects while no call is made (ctl lock held).
 */
void nto__ctl_keeper_start(void);
/* retell.c: record what a successful control request created or released
 * (ctl lock held; dups the fds worth keeping), re-tell all of it to a new
 * ipcd on `fd` (0, or -ENOTCONN/-ETIMEDOUT if that ipcd failed us), forget
 * it all in a forked child, and say whether anything is owned. */
void nto__retell_note(uint32_t type, const void *req, size_t reqlen,
		      const void *rep, size_t replen, const int *fds, int nfds);
int nto__retell(int fd);
void nto__retell_fork_reset(void);
int nto__retell_owns(void);
/* procmgr_daemon() succeeded: re-tell that mark too (hamsoak) */
void nto__retell_daemon(void);
/* ---- connection set-up (issue 10) ---- */
/* A server connection mapped from a spare without CONN_FD (channel.c):
 * note it with the kept fd of the released connection that had the same
 * region (dev, ino). 0, or -ENOENT (no such fd kept: ask ipcd), -ENOMEM.
 * Caller holds the control lock (nto__ctl_lock). */
int nto__retell_sconn_spare(int chid, int scoid, unsigned tindex, uint32_t gen,
			    pid_t client_pid, dev_t dev, ino_t ino);
void nto__ctl_lock(void);
void nto__ctl_unlock(void);
/* ---- end of connection set-up ---- */
/* ---- end of the restart area ---- */
/* First libnto call of a thread: arm its THREADDEATH notice. */
void nto__thread_register(void);
/* The caller's pid as registered (getpid() cached per fork). */
pid_t nto__pid(void);
pid_t nto__tid(void);

/* ---- wait.c: futex waits, spin policy, deadlines ---- */
int nto__futex_wait(_Atomic uint32_t *word, uint32_t expect,
		    const struct timespec *abs_mono);
void nto__futex_wake(_Atomic uint32_t *word, int n);
uint64_t nto__now_ns(void);
/* The safety-net bound on every cross-process sleep (NTO_POLL_MS, or
 * NTOSIM_POLL_MS for tests that prove no wake is ever lost). */
uint64_t nto__poll_ns(void);
/* ts = the earlier of now + one poll interval and deadline (absolute
 * CLOCK_MONOTONIC ns; 0 = none), for nto__futex_wait. */
void nto__poll_until(uint64_t deadline, struct timespec *ts);
/* One spin-loop pause (lets the sibling hyperthread run). */
static inline void nto__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}
/* Spin up to the thread's adaptive budget while *word == expect. Returns 1
 * if it changed during the spin, 0 if the budget ran out. */
int nto__spin_while(_Atomic uint32_t *word, uint32_t expect);

/* ---- timeout.c: TimerTimeout's per-thread state ---- */
/* Take (and clear) the pending timeout for `state` (STATE_SEND, ...):
 * returns 1 and the absolute CLOCK_MONOTONIC deadline in *deadline_ns
 * (0 = immediate), or 0 if none is armed for that state. */
int nto__timeout_take(unsigned state_mask, uint64_t *deadline_ns);
/* Called at the end of every kernel call: a timeout is one-shot. */
void nto__timeout_clear(void);
/* Arm the thread's timeout for `flags` states at an absolute deadline
 * (nto__now_ns clock; 0 = immediate), as TimerTimeout does. With
 * NTO__TIMEOUT_HARD a REPLY-blocked send leaves at the deadline even on an
 * _NTO_CHF_UNBLOCK channel (name_open's bounded handshake; no UNBLOCK
 * pulse). The bit is out of TimerTimeout's reach. */
#define NTO__TIMEOUT_HARD (1u << 31)
void nto__timeout_arm(unsigned flags, uint64_t deadline_ns);

/* ---- conn.c / connect.c: client-side connections and coids ---- */
struct nto_conn {
	uint32_t conn_id;
	dev_t reg_dev;	  /* the region's memfd: ids restart with ipcd, files */
	ino_t reg_ino;	  /* do not (restart area) */
	_Atomic int refs; /* coids pointing here + sends in flight */
	_Atomic int aliases; /* extra coids sharing it (nto__coid_alias) */
	struct nto_conn_region *region;
	struct nto_doorbell *doorbell;
	const struct nto_waitpage *wait; /* mapped read-only */
	unsigned tindex; /* our entry in the channel's connection table */
	pid_t server_pid;
	int chid;
	int scoid;
	uint32_t chflags;
	pthread_mutex_t lock; /* protects the extent allocator below */
	uint64_t bump;	      /* next free byte for bulk extents */
	uint64_t ext_off[NTO_CONN_SLOTS];
	uint64_t ext_cap[NTO_CONN_SLOTS];
	_Atomic uint32_t slot_waiters; /* threads waiting for a free slot */
	_Atomic uint32_t abandoned;    /* slots we left that may end DONE */
	_Atomic uint32_t slot_free_seq;
	int spare; /* no coid left: kept for ipcd to hand back (connect.c) */
	struct nto_conn *next;
	/* netctl.c: a remote ConnectAttach's target (nd 0: a local one) */
	uint32_t nd;
	pid_t rpid;
	int rchid;
};

struct nto_coid {
	struct nto_conn *conn;
	int flags;	  /* _NTO_COF_CLOEXEC */
	_Atomic int busy; /* threads inside a send on this coid */
	_Atomic uint32_t
		detach_seq; /* bumped by ConnectDetach: blocked sends leave */
};

/*
 * Look up a coid and take a reference that keeps its connection mapped
 * until nto__coid_put. Returns NULL if coid is not a connection of this
 * process.
 */
struct nto_coid *nto__coid_get(int coid);
void nto__coid_put(struct nto_coid *c);
/* 1 if fd is an fd-space coid libnto owns (a simulated fd), else 0. Cheap;
 * safe to call on any int. */
int nto__coid_is_fd(int fd);
/* Rebind an fd-space coid to (pid, chid) keeping its number (dup2). */
int nto__coid_rebind(int coid, pid_t pid, int chid, int flags);
/* Same, to a node's target (nd 0: this node). */
int nto__coid_rebind_nd(int coid, uint32_t nd, pid_t pid, int chid, int flags);
/* Point coid at the connection of the caller's coid src (a dup without
 * _IO_DUP: remote fds, whose _IO_DUP cannot name the other connection). */
int nto__coid_alias(int coid, int src, int flags);
/* Closing coid: 1 if another coid still shares its connection (an alias:
 * no _IO_CLOSE yet; one share is given up), else 0. */
int nto__coid_unalias(int coid);
/* Take / drop a reference that keeps a connection mapped. */
void nto__conn_ref(struct nto_conn *conn);
void nto__conn_unref(struct nto_conn *conn);
/* Server side of ConnectDetach(scoid) (channel.c): EOK or a positive errno. */
int nto__srv_detach_scoid(int scoid);
/* ConnectClientInfo of a connection we map, without ipcd (and its
 * session, asked once: *sid): 0, or -ESRCH (ask ipcd). */
int nto__srv_client_cached(int scoid, struct nto_ctl_client *out, pid_t *sid);
/* connect.c: ConnectAttach_r's two halves around ipcd's attach reply
 * (resolve_attach.c sends another request between them). begin: the
 * tables, and for an fd-space index the placeholder fd (*ph, the coid to
 * ask for; -1 for a side channel). end: rc is the request's status; maps
 * the region, installs the coid, closes fds (and ph on failure); returns
 * the coid or -errno. */
int nto__attach_begin(unsigned index, int *ph);
int nto__attach_end(int rc, const struct nto_ctl_attach_rep *rep, size_t got,
		    int *fds, int nfds, int flags, int ph);
/* resolve_attach.c: nto__resolve that also attaches (NTO_CTL_RESOLVE_
 * ATTACH) to the first entry the caller would try; the caller takes that
 * coid with nto__ra_take for entry i, and nto__ra_done detaches it if
 * nobody did. */
struct nto_ra {
	int idx;  /* entry attached to, or -1 */
	int coid; /* its coid until taken, else -1 */
};
int nto__resolve_attach(const char *path, unsigned ftype, uint32_t ra_flags,
			unsigned index, int flags,
			struct nto_ctl_resolve_ent *ents, int max,
			struct nto_ra *ra);
int nto__ra_take(struct nto_ra *ra, int i, const struct nto_ctl_resolve_ent *e,
		 unsigned index, int flags);
void nto__ra_done(struct nto_ra *ra);
/* Ring a connection's channel doorbell after posting: bump the futex word,
 * then wake one receiver if the server's waiter page says one sleeps. */
void nto__doorbell_ring(struct nto_conn *conn);

/* ---- raw.c: system calls that bypass the POSIX layer's interposed entry
 * points (the bottom layer never calls up). Return as the syscall does:
 * -1 with errno set on failure. ---- */
int nto__sys_close(int fd);
ssize_t nto__sys_write(int fd, const void *buf, size_t n);
struct pollfd;
int nto__sys_poll(struct pollfd *fds, unsigned long n, int timeout_ms);
/* One line "ntosim[pid]: ..." on stderr, written raw (async-signal-safe
 * enough for the message path; never through stdio's buffers). */
void nto__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The pulse codes only the kernel (ipcd, or libnto on a sender's behalf
 * for UNBLOCK) may queue: _PULSE_CODE_NET_DETACH.._PULSE_CODE_UNBLOCK. */
static inline int nto__kernel_pulse_code(int code)
{
	return code >= -38 && code <= -32;
}
struct stat;
int nto__sys_fstat(int fd, struct stat *st); /* restart area */

/* ---- msgsend.c ---- */
/* The one implementation of all eight MsgSend variants: returns status or
 * -errno. Negative sparts/rparts mean a single buffer of -n bytes (QNX ABI). */
int nto__msgsendv(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		  int rparts);
/* Same, with the server's status kept apart (it may be negative): returns
 * 0 and *status, or -errno. */
int nto__msgsendv_st(int coid, const iov_t *siov, int sparts, const iov_t *riov,
		     int rparts, int *status);
/* Copy n bytes from src into iov's parts in order, as far as they hold
 * (zero-length parts are skipped: their base may be NULL). Replies and
 * received messages alike. */
static inline void nto__iov_scatter(const iov_t *iov, int parts,
				    const char *src, size_t n)
{
	int i;

	for (i = 0; i < parts && n > 0; i++) {
		size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

		if (k == 0)
			continue;
		memcpy(iov[i].iov_base, src, k);
		src += k;
		n -= k;
	}
}

/* Copy up to n bytes from iov into dst (the other direction). */
static inline void nto__iov_gather(char *dst, const iov_t *iov, int parts,
				   size_t n)
{
	int i;

	for (i = 0; i < parts && n > 0; i++) {
		size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

		if (k == 0)
			continue; /* a zero-length part may have a NULL base */
		memcpy(dst, iov[i].iov_base, k);
		dst += k;
		n -= k;
	}
}

/* ---- channel.c / msgrecv.c: server side ---- */
/* What the server remembers of a message it received, so replies and
 * MsgRead/MsgWrite never re-read the client's (untrusted) slot header. */
struct nto_rcv_snap {
	uint64_t off, cap, rbase;
	int32_t sbytes, rbytes;
};

/* A connection of one of our channels, mapped. Freed only under the
 * srv write lock, after its table entry is gone. */
struct nto_srv_conn {
	struct nto_chan *chan;
	struct nto_srv_conn *same; /* next mapped one at the same index */
	unsigned index;		   /* in the channel's connection table */
	uint32_t gen;
	int scoid; /* with _NTO_SIDE_CHANNEL */
	pid_t client_pid;
	uid_t client_uid; /* ipcd's, from the mapping (ConnectClientInfo) */
	gid_t client_gid;
	pid_t client_sid;   /* issue 10: getsid() once; 0: not yet */
	uint32_t nd, srcnd; /* a proxy connection's remote client (ipcd) */
	dev_t reg_dev;	    /* the region's memfd (a spare is found by it) */
	ino_t reg_ino;
	struct nto_conn_region *region;
	_Atomic int outstanding; /* received, not yet replied */
	struct nto_rcv_snap snap[NTO_CONN_SLOTS];
	/* msgrecv.c: looks in a row that found a marked slot not in SEND
	 * (its sendmask bit is cleared at the second, as ready bits are) */
	_Atomic uint8_t idle_looks[NTO_CONN_SLOTS];
	/* msgrecv.c: bit i set once MsgWrite put data in slot i's reply
	 * area, so its MsgReply must not reply in place (a stale bit only
	 * costs one later reply its in-place copy) */
	_Atomic uint32_t wrote;
};

struct nto_chan {
	int chid;
	uint64_t serial; /* unique in the process, never reused (msgrecv.c) */
	unsigned flags;
	struct nto_chan_region *region;
	struct nto_doorbell *db;
	struct nto_waitpage *wait;
	_Atomic uint64_t short_sleep_until; /* lost-wake guard (msgrecv.c) */
	_Atomic int dead; /* ChannelDestroy'd or destroyed by ipcd */
	uint32_t seen_conn_gen;
	_Atomic int need_map; /* a ready bit names an unmapped connection */
	unsigned nact;
	struct nto_srv_conn **act; /* live mapped connections (srv lock) */
	/* the same, by connection-table index (chained through ->same) */
	struct nto_srv_conn *by_index[NTO_CHAN_CONNS];
	/* msgrecv.c: looks in a row that found the entry empty (a ready bit
	 * is cleared at the second, so a client between two messages keeps
	 * it and posts without writing the ready word) */
	_Atomic uint8_t empty_looks[NTO_CHAN_CONNS];
};

/* The srv lock: readers use connections and channels, the writer maps,
 * unmaps and destroys. Never held across a blocking wait. */
void nto__srv_rdlock(void);
void nto__srv_wrlock(void);
void nto__srv_unlock(void);
/* Under the srv lock: a channel of ours, or NULL. */
struct nto_chan *nto__chan_find(int chid);
/* Under the srv lock: the connection an rcvid or scoid names, or NULL. */
struct nto_srv_conn *nto__srv_conn_by_scoid(int scoid);
/* Bring ch->act up to date with the channel's connection table (maps new
 * connections through ipcd, unmaps released ones). Takes the locks it
 * needs; call without the srv lock held. */
int nto__chan_sync(struct nto_chan *ch, int full);
/* Does the table entry idx hold a connection (live or released), and is
 * it one we map? (Under the srv lock or sync lock.) */
int nto__chan_entry_live(struct nto_chan *ch, unsigned idx);
int nto__chan_index_mapped(struct nto_chan *ch, unsigned idx);
/* Is sc the connection its table entry holds now (index, generation)? A
 * released one whose region ipcd may have given to a new connection is
 * not, and is never scanned. */
int nto__chan_conn_current(struct nto_chan *ch, struct nto_srv_conn *sc);
/* Register / clear the calling thread as RECEIVE-blocked (for pidin). */
int nto__rcvr_enter(struct nto_chan *ch);
void nto__rcvr_leave(struct nto_chan *ch, int slot);

/* ---- pulse.c ---- */
/* MsgSendPulse with a full sigval (both halves of sival_ptr travel):
 * EOK or a positive errno, as MsgSendPulse_r. */
int nto__pulse_post(int coid, int priority, int code, union sigval value);

/* ---- fault.c: the NTOSIM_FAULT plan (docs/fault-model.md) ---- */
enum nto_fault_point {
	NTO_FP_RECV,
	NTO_FP_REPLY_BEFORE,
	NTO_FP_REPLY_AFTER,
	NTO_FP_WRITE_MID,
	NTO_FP_SEND_QUEUED,
	NTO_FP_PULSE,
	NTO_FP_CONNECT,
	NTO_FP_MAX
};
extern int nto__fault_armed;
void nto__fault_hit(enum nto_fault_point p, struct nto_slot *slot);
#define NTO_FAULT(_p, _slot)                               \
	do {                                               \
		if (__builtin_expect(nto__fault_armed, 0)) \
			nto__fault_hit(_p, _slot);         \
	} while (0)

/* ---- netctl.c: the network manager's contract (proto/netmgr.h) ---- */
/* A send with extra slot state: the flags (NTO_SLOTF_*) it posts with,
 * and for the network manager's proxied sends the remote tid and
 * priority, the reply's extent and a cancellable call. */
struct nto_netmgr_call;
struct nto__send_opts {
	uint32_t slot_flags;
	int tid, prio; /* 0: the caller's own */
	size_t *reply_len;
	struct nto_netmgr_call *call;
	const struct nto_reqid *id; /* a remote client's request identity */
	int *received;		    /* out: the server had taken it */
	void *cancel_ent; /* netctl.c's record of the call in progress */
};
int nto__msgsendv_opts(int coid, const iov_t *siov, int sparts,
		       const iov_t *riov, int rparts,
		       const struct nto__send_opts *o, int *status);
/* A proxied send in progress: the futex word its thread is about to
 * sleep on (a cancel wakes it), and whether it was cancelled (1, and the
 * canceller stops waking it). Only for sends with o->call. */
void nto__call_waiting(const struct nto__send_opts *o, _Atomic uint32_t *word);
int nto__call_cancelled(const struct nto__send_opts *o);
/* Requests to the network manager (its status, or -errno; ENOREMOTE when
 * none is registered): deliver a server's event to a remote client (nd,
 * pid); resolve path on node nd (entries as RESOLVE gives them: the count);
 * look a name up on every node and attach to it (the coid). */
struct sigevent;
int nto__netctl_event(uint32_t nd, pid_t pid, const struct sigevent *ev);
int nto__netctl_resolve(uint32_t nd, const char *path,
			struct nto_ctl_resolve_ent *ents, int max);
int nto__netctl_name(const char *name, unsigned flags);
/* "/net/NODE/rest" with NODE in the node table: 1, its nd and rest (from
 * the '/' after NODE, or ""); else 0. */
int nto__net_path(const char *path, uint32_t *nd, const char **rest);
/* connect.c: ConnectAttach's request/map step for either attach type */
int nto__attach_ctl(uint32_t type, void *req, size_t reqlen, int32_t *req_coid,
		    unsigned index, int flags);
/* After a remote ConnectAttach: note the target on the new coid and ask
 * the network manager (NTO_NETCTL_CHECK). 0 or -errno. */
int nto__netctl_check(int coid, uint32_t nd, pid_t pid, int chid);

/* ---- pathname.c: open()-style resolution (owned by the POSIX layer) ---- */
/*
 * Resolve `path` and connect: for each registration ipcd returns (longest
 * prefix first), ConnectAttach(0, pid, chid, base, _NTO_COF_CLOEXEC) and
 * send an _IO_CONNECT (subtype, ftype, ioflag = oflag, mode, the path
 * remainder after the prefix, the entry's handle, extra) to it; fall
 * through to the next entry on ENOENT, ENOSYS, ENXIO, ESRCH, EROFS,
 * EBADFSYS. `base` is 0 (lowest free fd) or _NTO_SIDE_CHANNEL. Returns the
 * coid, or -errno (ENOENT if nothing accepts).
 */
/* 1 if an _IO_CONNECT that failed with `err` (positive) should try the
 * next registration (QNX's fall-through errnos, plus EBADF: the server
 * died between RESOLVE and the send), else 0. */
int nto__connect_falls_through(int err);
int nto__connect_path(const char *path, unsigned subtype, unsigned ftype,
		      int oflag, mode_t mode, int base, const void *extra,
		      size_t extra_len);

#endif /* NTOSIM_LIB_INTERNAL_H */
