/*
 * ipcd internals: the object model (peers, processes, channels, server
 * connections, coids, path registrations, path waiters) and the functions the
 * ipcd files share. Included by the ipcd sources only; nothing here is
 * part of the wire protocol (that is proto/ctl.h and proto/shm.h).
 */
#ifndef NTOSIM_IPCD_INTERNAL_H
#define NTOSIM_IPCD_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "proto/ctl.h"
#include "proto/shm.h"

struct event;
struct event_base;

/* A handler's return value meaning "this peer is broken: drop it". */
#define IPCD_DROP INT_MIN

#define SIDE_BIT	   0x40000000 /* _NTO_SIDE_CHANNEL */
#define KPULSE_PRIO	   10	      /* priority of the pulses ipcd queues */
#define IPCD_COIDS_MAX	   65536u     /* coids per process (fd-space + side) */
#define IPCD_WAITERS_MAX   64u	      /* parked WAIT_PATH requests per peer */
#define IPCD_DRAIN_TICK_MS 50	      /* connection drain re-check period */
#define IPCD_DRAIN_MAX_MS  30000      /* give up draining after this long */
/* spare connection regions per client process (connection.c): with
 * _NTO_CHF_DISCONNECT the server lets go of a connection after its client's
 * next open, so one spare is not enough for an open/close loop */
#define IPCD_CONN_SPARES 4u

/* ---- logging (log.c) ---- */
extern int log_level;
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...)  log_msg(0, __VA_ARGS__)
#define log_info(...) log_msg(1, __VA_ARGS__)
#define log_dbg(...)  log_msg(2, __VA_ARGS__)

/* ---- quota.c: per-uid and per-process limits (see docs/ipcd.8) ---- */
struct proc;
struct chan;
struct peer;
enum quota_res {
	QUOTA_CHANNELS,	   /* channels */
	QUOTA_CONNECTIONS, /* server connections a client process holds */
	QUOTA_PATHS,	   /* path and name registrations */
	QUOTA_PEERS,	   /* control sockets (per uid only) */
	QUOTA_FDS,	   /* ipcd fds the above cost (derived, not taken) */
	QUOTA_NRES
};
struct quota_use {
	unsigned n[QUOTA_NRES];
};
struct quota_limits {
	unsigned proc[QUOTA_NRES];
	unsigned uid[QUOTA_NRES];
	unsigned chan_conns;   /* connections of one client to one channel */
	size_t outq_bytes;     /* a peer's unsent replies, in bytes... */
	unsigned outq_packets; /* ...in packets... */
	unsigned outq_fds;     /* ...and in fds they carry */
};
extern struct quota_limits quota;
void quota_defaults(void);
int quota_set(const char *assignment);
int quota_load(const char *file);
/* Charge n of r (and the fds they cost) to uid and, if pu, to a process;
 * 0, or -EAGAIN with one rate-limited log line naming pid and limit. */
int quota_take(uid_t uid, struct quota_use *pu, pid_t pid, enum quota_res r,
	       unsigned n);
void quota_give(uid_t uid, struct quota_use *pu, enum quota_res r, unsigned n);
/* -EAGAIN (logged) if `client` may not add one more connection to ch. */
int quota_chan_conns(const struct proc *client, const struct chan *ch);
void quota_freed(size_t bytes); /* return memory to the OS after floods */
void quota_shutdown(void);

/* ---- outq.c: replies a peer's socket had no room for ---- */
struct outpkt;
TAILQ_HEAD(outpkt_list, outpkt);
struct outq {
	struct outpkt_list pkts;
	size_t bytes;
	unsigned npkts;
	unsigned nfds;
	size_t burst; /* outq_burst(): extra bytes for one long reply */
	struct event *wr_ev;
};
void outq_init(struct peer *pe);
void outq_free(struct peer *pe);
/* A reply of `bytes` in many packets (INFO) is about to be sent: if
 * nothing is queued, let the queue hold it beyond outq.bytes once. */
void outq_burst(struct peer *pe, size_t bytes);

/* ---- objects ---- */

/* What an index of a process's id pool holds. */
enum id_kind {
	ID_FREE = 0,
	ID_CHAN,  /* a channel: index = chid */
	ID_SCOID, /* a server connection of one of its channels */
	ID_COID,  /* a side-channel coid: index | SIDE_BIT */
};

struct id_ent {
	uint8_t kind;
	void *obj;
};

/* A memfd ipcd created and the part of it ipcd maps. */
struct region {
	int fd;
	void *map;
	size_t maplen;
	uint64_t ino; /* the memfd's inode (issue 10: written in a
		       * connection's table entry, a server's spare key) */
};

/* One control socket. A non-AUX peer owns a process; an AUX peer acts for
 * the registered process of its pid, if any (tools use it unregistered). */
struct peer {
	TAILQ_ENTRY(peer) link;
	int fd;
	struct event *rd_ev;
	struct event *kill_ev; /* deferred drop */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int hello;	   /* HELLO accepted */
	int aux;	   /* NTO_HELLO_AUX */
	int closing;	   /* drop scheduled: no more reads or replies */
	struct proc *proc; /* non-AUX: the process this socket is */
	unsigned nwaiters;
	struct outq outq; /* replies waiting for socket space (outq.c) */
	int quota_err;	  /* accepted over the uid's peer quota: HELLO fails */
};

TAILQ_HEAD(chan_list, chan);
TAILQ_HEAD(coid_list, coid);
TAILQ_HEAD(conn_list, conn);

struct proc {
	TAILQ_ENTRY(proc) link;
	LIST_ENTRY(proc) hlink;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char name[32];
	struct peer *peer;
	struct id_ent
		*ids; /* nids entries (grown up to NTO_IDS_MAX), [0] unused */
	unsigned nids;
	unsigned ids_hint; /* no free id below this */
	struct chan_list chans;
	struct coid_list coids;
	struct conn_list cconns; /* connections it is the client of */
	struct chan *death_chan;
	unsigned ncoids;
	unsigned npaths;
	struct quota_use quse; /* quota.c: what it holds against its limits */
	/* procmgr (procevent.c) */
	uint64_t handover_token; /* procmgr_daemon: 0 = none prepared */
	unsigned nsubs;		 /* procmgr_event_notify registrations */
	int daemon;		 /* called procmgr_daemon (QNX: session 1) */
	/* restart area (restore.c) */
	int restoring;		    /* between HELLO_RESTORE and RESTORE_DONE */
	unsigned rs_ok, rs_refused; /* claims taken / refused meanwhile */
	int pidfd;		    /* ghost: known from others' reports only */
	struct event *ghost_ev;	    /* ghost: its death (pidfd readable) */
	/* connection.c: the regions of its last detached connections, kept
	 * for its next connections to the same channel (no map/unmap);
	 * oldest first */
	struct conn_spare {
		struct region reg;
		struct chan *chan; /* compared, never followed */
		uint64_t serial;
	} spare[IPCD_CONN_SPARES];
	unsigned nspare;
	uint64_t serial; /* unique for ipcd's life */
};

struct chan {
	TAILQ_ENTRY(chan) link;
	struct proc *proc;
	int chid;
	uint32_t flags;
	struct region reg;  /* struct nto_chan_region */
	struct region bell; /* struct nto_doorbell */
	struct region wait; /* struct nto_waitpage */
	int wait_ro;	    /* read-only reopen of wait.fd, for clients */
	int wait_sealed;    /* issue 10: sealed against writers (once) */
	struct nto_chan_region *r;
	struct nto_doorbell *db;
	/* ipcd's own view of the table, grown on demand up to NTO_CHAN_CONNS */
	struct conn **conns;
	uint32_t *tgen;
	unsigned conns_cap;
	unsigned conns_hint; /* no free entry below this index */
	unsigned nconns;
	uint64_t serial; /* unique for ipcd's life: a spare region's key */
};

/* A server connection: one per (client process, channel) unless NOSHARE.
 * Lives while its channel holds it (chan != NULL: table entry LIVE or GONE,
 * scoid allocated in the server) or its client holds it (client != NULL). */
struct conn {
	TAILQ_ENTRY(conn) clink; /* in client->cconns while client != NULL */
	uint32_t id;
	struct chan *chan;
	struct proc *client;
	pid_t server_pid;
	pid_t client_pid;
	uid_t client_uid;
	gid_t client_gid;
	int chid;
	int scoid; /* index in the server's pool (without SIDE_BIT) */
	int tindex;
	uint32_t chflags;
	unsigned refs; /* coid records pointing here */
	int noshare;
	int from_spare; /* issue 10: made in a spare region of its client */
	struct region reg;
	struct nto_conn_region *r;
	struct event *drain_ev;
	uint64_t drain_start;
	int detaching;		/* released by ConnectDetach, not by death */
	uint64_t client_serial; /* its client's proc serial */
	/* netmgr.c: a proxy connection (the network manager attached as a
	 * remote process; client_pid/uid/gid are the remote one's) */
	int proxy;
	uint32_t px_nd, px_srcnd;
};

struct coid {
	TAILQ_ENTRY(coid) link;
	struct proc *proc;
	int coid;
	uint32_t flags;
	struct conn *conn;
	/* netmgr.c: a remote ConnectAttach (nd != 0) keeps its target */
	uint32_t nd;
	pid_t rpid;
	int rchid;
	uint32_t rflags;
};

struct pathreg {
	TAILQ_ENTRY(pathreg) link;
	char *path;
	size_t plen;
	struct proc *proc;
	int chid;
	uint32_t handle;
	uint32_t flags;
	uint32_t ftype;
	int id;
	uint64_t serial; /* attach order */
};

struct waiter {
	TAILQ_ENTRY(waiter) link;
	struct peer *peer;
	uint32_t seq;
	char *path;
	struct event *timer;
};

TAILQ_HEAD(peer_list, peer);
TAILQ_HEAD(proc_list, proc);
TAILQ_HEAD(path_list, pathreg);
TAILQ_HEAD(waiter_list, waiter);

#define PROC_HASH 256

/* The daemon's state (one instance). */
struct ipcd {
	struct event_base *base;
	int listen_fd;
	struct event *listen_ev;
	struct event *accept_retry_ev;
	char sock_path[108];
	struct peer_list peers;
	struct proc_list procs;
	LIST_HEAD(, proc) phash[PROC_HASH];
	struct path_list paths;
	struct waiter_list waiters;
	uint32_t next_conn_id;
	uint64_t next_chan_serial;
	uint64_t next_proc_serial;
	int next_link_id;
	uint64_t path_serial;
	unsigned npeers, nprocs, nchans, nconns, ncoids, npaths;
};

extern struct ipcd ipcd;

/* A request being handled: input, and the reply the handler builds. */
struct req {
	struct peer *peer;
	struct proc
		*proc; /* acting process; NULL for an unregistered AUX peer */
	uint32_t type;
	uint32_t seq;
	const void *data;
	uint32_t len;
	void *rbuf; /* reply payload, NTO_CTL_REPLY_MAX - header bytes */
	uint32_t rlen;
	int fds[NTO_CTL_FDS_MAX];
	int nfds;
	int noreply;	/* handler replied itself, or parked the request */
	int drop_after; /* send the reply, then drop the peer */
	/* restart area: fds the request carried (RESTORE_* only); a handler
	 * that keeps one sets its slot to -1, the rest are closed */
	int in_fds[NTO_RS_FDS_MAX];
	int in_nfds;
};

/* ---- peer.c ---- */
int peer_listen(const char *path);
int peer_listen_fd(int fd, const char *path, int inherited);
void peer_shutdown(void);
int peer_send(struct peer *pe, uint32_t type, uint32_t seq, int32_t status,
	      const void *payload, uint32_t len, const int *fds, int nfds);
void peer_drop(struct peer *pe, const char *why);

/* ---- sdlisten.c ---- */
/* The listening socket systemd passed (LISTEN_PID/LISTEN_FDS), its path in
 * path[len]: the fd, 0 if none was passed, -errno (why says) if a socket
 * was passed that ipcd cannot use. */
int sdlisten_take(char *path, size_t len, char *why, size_t wlen);

/* ---- proc.c ---- */
struct proc *proc_find(pid_t pid);
int proc_create(struct peer *pe, struct proc **out);
void proc_free(struct proc *p);
/* Take exactly idx (restore), or say whether it is free. */
int proc_id_claim(struct proc *p, int idx, enum id_kind kind, void *obj);
int proc_id_is_free(const struct proc *p, int idx);
int proc_id_alloc(struct proc *p, enum id_kind kind, void *obj);
void proc_id_free(struct proc *p, int idx);
void *proc_id_get(struct proc *p, int idx, enum id_kind kind);
void proc_rekey(struct proc *p, pid_t pid);

/* ---- region.c ---- */
int region_create(struct region *rg, const char *name, uint64_t size,
		  size_t maplen);
/* region_create with the given seals (region_create: SHRINK|GROW|SEAL). */
int region_create_sealed(struct region *rg, const char *name, uint64_t size,
			 size_t maplen, unsigned seals);
/* Make sure no new writable mapping of the region can ever be made
 * (F_SEAL_FUTURE_WRITE; existing ones keep working). 0 or -errno. */
int region_seal_writers(const struct region *rg);
/* A read-only descriptor of the region's memfd (a new open file
 * description): its holder can map it PROT_READ only. Returns fd or -errno. */
int region_reopen_ro(const struct region *rg);
void region_destroy(struct region *rg);
void futex_wake(_Atomic uint32_t *addr, int n);
void doorbell_ring(struct nto_doorbell *db);
uint64_t ticket_next(void);
int pulse_enqueue(struct nto_pulse_ent *ents, unsigned n,
		  _Atomic uint64_t *mask, int prio, int code, int value,
		  int scoid);

/* ---- channel.c ---- */
struct chan *chan_lookup(struct proc *p, int chid);
void chan_destroy(struct chan *ch);
int chan_kpulse(struct chan *ch, int code, int value, int scoid);
int dispatch_channel_create(struct req *rq);
int dispatch_channel_destroy(struct req *rq);
int dispatch_thread_death(struct req *rq);

/* ---- connection.c ---- */
struct coid *coid_lookup(struct proc *p, int coid);
void coid_remove(struct coid *co, int release);
/* Grow ch's connection table to hold cap entries (<= NTO_CHAN_CONNS). */
/* A slot or pulse was just posted in c: count it, set its ready bit, ring. */
void conn_ring(struct conn *c);
int conn_table_reserve(struct chan *ch, unsigned cap);
void conn_server_gone(struct conn *c);
void conn_client_release(struct conn *c);
/* Drop p's spare connection region (its death, or a quota squeeze). */
void conn_spare_drop(struct proc *p);
int conn_fail_slots(struct conn *c);
int dispatch_connect_attach(struct req *rq);
int dispatch_connect_detach(struct req *rq);
int dispatch_connect_rebind(struct req *rq);
int dispatch_conn_fd(struct req *rq);
int dispatch_deliver_pulse(struct req *rq);
/* Queue a pulse on `coid` of `target` (as MsgDeliverEvent does); 0 or
 * -ESRCH (no such coid), -EBADF (dead connection), -EAGAIN (full). */
int conn_deliver_pulse(struct proc *target, int coid, int prio, int code,
		       int value);
/* 1 if `server` has a channel `client` is connected to, else 0. */
int conn_is_client_of(struct proc *client, struct proc *server);
int dispatch_client_info(struct req *rq);
int coid_post_pulse(struct coid *co, int prio, int code, int value);

/* ---- pathspace.c ---- */
void pathspace_drop_proc(struct proc *p);
void pathspace_drop_chan(struct proc *p, int chid);
void pathspace_drop_peer(struct peer *pe);
void pathspace_shutdown(void);
/* arg's registrations, best first (up to NTO_RESOLVE_MAX): n > 0, or
 * -ENOENT, -ENAMETOOLONG, -ENOMEM */
int pathspace_resolve(const char *arg, struct nto_ctl_resolve_ent *ent);
/* resolve_attach.c (issue 10): RESOLVE and CONNECT_ATTACH in one */
int dispatch_resolve_attach(struct req *rq);
int dispatch_conn_fds(struct req *rq); /* issue 10 */
int dispatch_path_attach(struct req *rq);
int dispatch_path_detach(struct req *rq);
int dispatch_resolve(struct req *rq);
int dispatch_wait_path(struct req *rq);
int dispatch_path_list(struct req *rq);

/* ---- reaper.c ---- */
void reaper_proc_death(struct proc *p);

/* ---- procevent.c: procmgr events and procmgr_daemon's handover ---- */
#define IPCD_PROCSUBS_MAX 64u /* procmgr_event registrations per process */
void procevent_proc_death(struct proc *p);
void procevent_proc_create(struct proc *p);
void procevent_pathspace(void);
int dispatch_proc_event(struct req *rq);
int dispatch_proc_handover(struct req *rq);

/* ---- secure.c (time area): secure events and shm handles ---- */
void secure_drop_proc(struct proc *p);
int dispatch_event_register(struct req *rq);
int dispatch_event_unregister(struct req *rq);
int dispatch_event_deliver(struct req *rq);
int dispatch_shm_handle_create(struct req *rq);
int dispatch_shm_handle_open(struct req *rq);

/* ---- restore.c (restart area): a new ipcd re-told by survivors ---- */
/* 1 if requests of `type` may carry fds */
int restore_takes_fds(uint32_t type);
/* HELLO from pe for a pid ipcd holds as a ghost: pe becomes it */
int restore_adopt(struct proc *ghost, struct peer *pe);
/* p dies (EOF or ghost death): the connections other processes re-told
 * towards it (it never re-told them) die with it */
void restore_proc_death(struct proc *p);
int dispatch_restore_chan(struct req *rq);
int dispatch_restore_sconn(struct req *rq);
int dispatch_restore_coid(struct req *rq);
int dispatch_restore_path(struct req *rq);
int dispatch_restore_done(struct req *rq);
/* restart area, procmgr state (hamsoak): RESTORE_PROC; procevent.c takes
 * a re-told registration (0, -EINVAL, -EEXIST, -EAGAIN, IPCD_DROP) */
int dispatch_restore_proc(struct req *rq);
int procevent_restore(struct proc *p, const struct nto_ctl_proc_event *in);
/* RESTORE_EVENT; secure.c takes a re-told secure event under its handle
 * (0, -EINVAL, -EBADF, -EEXIST, -EAGAIN, -ENOMEM) */
int dispatch_restore_event(struct req *rq);
/* restart area, Qnet: the claims with an optional proxy (netmgr.c) */
int rs_check(struct req *rq, int nfds);
int rs_result(struct req *rq, int rc, const char *what, int id);
int restore_sconn(struct req *rq, const struct nto_ctl_rs_sconn *in,
		  const struct nto_ctl_rs_net *px);
int restore_coid(struct req *rq, const struct nto_ctl_rs_coid *in,
		 const struct nto_ctl_rs_net *px);
void restore_proxy_mark(struct conn *c, const struct nto_ctl_rs_net *px);
int dispatch_restore_net(struct req *rq);
int secure_restore_event(struct proc *p, int32_t handle,
			 const struct nto_ctl_evreg *in);
/* pathspace.c: a registration with a given link id (0: a new one) */
int pathspace_attach(struct proc *p, const char *arg, int chid, uint32_t handle,
		     uint32_t flags, uint32_t ftype, int id);

/* ---- netmgr.c: the network manager (issue 13, Qnet) ---- */
/* The registered network manager and its channel, or NULL. */
struct proc *netmgr_proc(struct chan **chp);
int dispatch_netmgr(struct req *rq);
int dispatch_netmgr_attach(struct req *rq);
/* A remote ConnectAttach's channel (0, or -ENOREMOTE: none registered). */
int netmgr_remote_target(struct proc **sp, struct chan **ch);
void netmgr_coid_note(struct coid *co, const struct nto_ctl_attach *in);
/* connection.c, shared with netmgr.c */
struct conn *scoid_lookup(struct proc *p, int scoid);
int conn_create(struct proc *p, struct chan *ch, int noshare,
		struct conn **out);
void attach_reply(struct req *rq, const struct coid *co, const struct conn *c,
		  struct chan *ch, pid_t server_pid, int fresh);
int coid_new(struct proc *p, int want, struct coid **out);
void coid_abandon(struct coid *co);
void coid_link(struct coid *co, struct conn *c, uint32_t flags);

/* ---- info.c ---- */
int dispatch_info(struct req *rq);

#endif /* NTOSIM_IPCD_INTERNAL_H */
