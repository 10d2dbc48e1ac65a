/*
 * The control protocol between libnto and ipcd: one SOCK_SEQPACKET Unix
 * socket per process, one request packet, one reply packet (INFO replies
 * may span several). Private to ntosim (ipcd, libnto, tools). Nothing on the
 * message path goes through here; see docs/protocol.md.
 *
 * Every packet starts with struct nto_ctl_hdr; the payload follows. ipcd
 * drops (closes) a peer that sends a short, oversized or malformed packet,
 * which to ipcd is exactly that process dying. Replies carry file
 * descriptors (memfds) with SCM_RIGHTS where noted.
 */
#ifndef NTOSIM_PROTO_CTL_H
#define NTOSIM_PROTO_CTL_H

#include <stdint.h>

#define NTO_CTL_VERSION	  1u
#define NTO_CTL_MAX	  4096u	 /* largest request packet ipcd accepts */
#define NTO_CTL_REPLY_MAX 65536u /* largest reply packet */
#define NTO_PATH_MAX	  1024u	 /* registered / resolved path length */
#define NTO_RESOLVE_MAX	  16u	 /* entries in one RESOLVE reply */
#define NTO_IDS_MAX	  4096	 /* per-process chid/scoid/side-coid pool */
#define NTO_SOCKET_ENV	  "NTOSIM_SOCKET"
#define NTO_CTL_FDS_MAX	  3u /* descriptors one reply carries */

struct nto_ctl_hdr {
	uint32_t type;	/* enum nto_ctl_type */
	uint32_t len;	/* payload bytes after this header */
	uint32_t seq;	/* echoed in the reply */
	int32_t status; /* replies: 0 or -errno; INFO: 1 = more packets follow;
			 * requests: NTO_CTL_F_* flags */
};

/* A request flag: carry it out, send no reply (ConnectDetach: its errors
 * are found in the library first, so the caller need not wait). */
#define NTO_CTL_F_NOREPLY 1

enum nto_ctl_type {
	/* req nto_ctl_hello; rep nto_ctl_hello (ipcd's pid in .pid) */
	NTO_CTL_HELLO = 1,
	/* req nto_ctl_chan; rep nto_ctl_chan (.chid); fds [channel region,
	   doorbell, waiter page (read-write)] */
	NTO_CTL_CHANNEL_CREATE = 2,
	/* req nto_ctl_chan (.chid); rep empty */
	NTO_CTL_CHANNEL_DESTROY = 3,
	/* req nto_ctl_attach; rep nto_ctl_attach_rep; fds [conn region,
	   doorbell, waiter page (read-only)] */
	NTO_CTL_CONNECT_ATTACH = 4,
	/* req nto_ctl_id (.id = coid, or one of the caller's scoids); rep empty
	 */
	NTO_CTL_CONNECT_DETACH = 5,
	/* server maps a connection of its channel: req nto_ctl_connfd; rep
	 * nto_ctl_connfd (with .gen, .client_pid); fds [conn region] */
	NTO_CTL_CONN_FD = 6,
	/* req nto_ctl_path; rep nto_ctl_id (.id = link id) */
	NTO_CTL_PATH_ATTACH = 7,
	/* req nto_ctl_id (.id = link id); rep empty */
	NTO_CTL_PATH_DETACH = 8,
	/* req nto_ctl_path (.path only, .flags = NTO_RESOLVE_*); rep
	   nto_ctl_resolve_rep */
	NTO_CTL_RESOLVE = 9,
	/* req nto_ctl_id (.id = tid); rep empty. Queues THREADDEATH. */
	NTO_CTL_THREAD_DEATH = 10,
	/* req nto_ctl_id (.id = NTO_INFO_*); rep JSON text, status 1 = more */
	NTO_CTL_INFO = 11,
	/* server delivers a SIGEV_PULSE to a client: req nto_ctl_event; rep
	   empty */
	NTO_CTL_DELIVER_PULSE = 12,
	/* wait until a path is registered: req nto_ctl_path (.handle = timeout
	 * ms); rep empty (0) or -ETIMEDOUT. Sent on a dedicated connection. */
	NTO_CTL_WAIT_PATH = 13,
	/* client credentials of one of the caller's scoids: req nto_ctl_id;
	 * rep nto_ctl_client */
	NTO_CTL_CLIENT_INFO = 14,
	/* point an existing coid at another channel, same number: req
	 * nto_ctl_attach (.coid = the coid); rep and fds as CONNECT_ATTACH */
	NTO_CTL_CONNECT_REBIND = 15,
/* CONNECT_REBIND's .pid for "take the connection of my coid .chid" (a
 * dup needing no _IO_DUP; Qnet's remote fds) */
#define NTO_REBIND_ALIAS (-1)
	/* ---- procmgr (sys/procmgr.h; ipcd/procevent.c) ---- */
	/* procmgr_event_notify*(): req nto_ctl_proc_event; rep nto_ctl_id
	 * (.id of an ADD) */
	NTO_CTL_PROC_EVENT = 16,
	/* the names one level below a pathname-space directory: req
	 * nto_ctl_path (.path only); rep nto_ctl_path_list_rep */
	NTO_CTL_PATH_LIST = 17,
	/* procmgr_daemon(): PREPARE on the owner's socket (rep
	 * nto_ctl_handover with .token), then ADOPT on a new AUX socket of
	 * the forked child: the child becomes that process (rep empty) */
	NTO_CTL_PROC_HANDOVER = 18,
	/* ---- time area: secure events and shm handles (ipcd/secure.c) ---- */
	/* client registers an event: req nto_ctl_evreg; rep nto_ctl_id
	 * (.id = the handle) */
	NTO_CTL_EVENT_REGISTER = 19,
	/* req nto_ctl_id (.id = handle); rep empty (-ESRCH: unknown) */
	NTO_CTL_EVENT_UNREGISTER = 20,
	/* server delivers (or only verifies) a handle event: req
	 * nto_ctl_evdeliver; rep empty */
	NTO_CTL_EVENT_DELIVER = 21,
	/* req nto_ctl_shmh (.fd = the caller's fd number, opened by ipcd
	 * through /proc); rep nto_ctl_shmh (.handle) */
	NTO_CTL_SHM_HANDLE_CREATE = 22,
	/* req nto_ctl_shmh (.handle, .flags); rep empty; fds [the object] */
	NTO_CTL_SHM_HANDLE_OPEN = 23,
	/* ---- end of the time area ---- */
	/* ---- restart area: a new ipcd is re-told what a process owns
	 * (ipcd/restore.c, lib/retell.c; docs/protocol.md section 7). Only
	 * between a HELLO with NTO_HELLO_RESTORE and RESTORE_DONE; the only
	 * requests that may carry fds (SCM_RIGHTS) to ipcd. ---- */
	/* req nto_ctl_rs_chan; fds: every fd CHANNEL_CREATE gave, in order;
	 * rep empty */
	NTO_CTL_RESTORE_CHAN = 24,
	/* server side of a connection: req nto_ctl_rs_sconn; fds [conn
	 * region]; rep empty */
	NTO_CTL_RESTORE_SCONN = 25,
	/* client side: req nto_ctl_rs_coid; fds [conn region]; rep empty */
	NTO_CTL_RESTORE_COID = 26,
	/* req nto_ctl_rs_path; rep empty */
	NTO_CTL_RESTORE_PATH = 27,
	/* req empty; rep nto_ctl_rs_done */
	NTO_CTL_RESTORE_DONE = 28,
	/* 29: reserved for the restart area */
	/* ---- restart area, procmgr state (hamsoak) ---- */
	/* a procmgr_event_notify*() registration, or the procmgr_daemon()
	 * mark: req nto_ctl_rs_proc; rep empty */
	NTO_CTL_RESTORE_PROC = 30,
	/* a secure event registration (MsgRegisterEvent) under its handle:
	 * req nto_ctl_rs_event; rep empty */
	NTO_CTL_RESTORE_EVENT = 31,
	/* ---- end of the restart area ---- */
	/* ---- network manager (issue 13, Qnet; proto/netmgr.h,
	 * ipcd/netmgr.c, lib/netctl.c) ---- */
	/* req nto_ctl_netmgr; rep by .op (NTO_NETMGR_*) */
	NTO_CTL_NETMGR = 32,
	/* the registered network manager attaches to a local channel as a
	 * remote process: req nto_ctl_netmgr_attach; rep and fds as
	 * CONNECT_ATTACH */
	NTO_CTL_NETMGR_ATTACH = 33,
	/* 34, 35: reserved for the network manager */
	/* ---- end of the network manager ---- */
	/* ---- connection set-up (issue 10) ---- */
	/* RESOLVE, then CONNECT_ATTACH to the first registration the caller
	 * would try (one round trip for open() and name_open): req
	 * nto_ctl_resolve_attach + path; rep nto_ctl_resolve_attach_rep +
	 * .n entries; fds as CONNECT_ATTACH's when .index >= 0 */
	NTO_CTL_RESOLVE_ATTACH = 36,
	/* ---- restart area, Qnet (ipcd/netmgr.c, lib/retell.c) ---- */
	/* a remote coid's target, a network manager's proxy coid or a
	 * server's proxy connection, re-told to a new ipcd: req
	 * nto_ctl_rs_net (.what); fds [conn region] for PROXY and SCONN;
	 * rep empty */
	NTO_CTL_RESTORE_NET = 37,
	/* 38: reserved for the Qnet restart area */
	/* ---- connection set-up (issue 10) ---- */
	/* the fds of one of the caller's coids: req nto_ctl_id (.id = the
	 * coid); rep empty; fds [conn region, doorbell, waiter page
	 * (read-only)]. CONNECT_ATTACH and RESOLVE_ATTACH attach only the
	 * region fd to a connection the caller maps already (a shared one,
	 * or one made in a spare region of the caller's); a caller that no
	 * longer maps it asks for the rest with this. */
	NTO_CTL_CONN_FDS = 39,
	/* 40: reserved for connection set-up */
	NTO_CTL_TYPE_MAX
};

/* HELLO must be a connection's first request. An AUX connection is an
 * extra socket of an already registered process (used for requests that
 * block, like WAIT_PATH): its closing is not that process's death. */
#define NTO_HELLO_AUX 0x1u
/* restart area: this process owned objects in an ipcd that died; the
 * RESTORE_* requests follow (a registration ipcd made from others' reports,
 * a "ghost", becomes this process) */
#define NTO_HELLO_RESTORE 0x2u
struct nto_ctl_hello {
	uint32_t version;
	int32_t pid;
	uint32_t flags;
};

struct nto_ctl_chan {
	int32_t chid;
	uint32_t flags;
};

struct nto_ctl_id {
	int32_t id;
};

struct nto_ctl_attach {
	uint32_t nd;
	int32_t pid; /* 0 = self */
	int32_t chid;
	int32_t coid; /* fd-space number chosen by the client, -1 for a new side
			 channel, or one exact free side-channel coid (rebind)
		       */
	uint32_t flags; /* _NTO_COF_* */
};

struct nto_ctl_attach_rep {
	int32_t coid;  /* the coid (side-channel bit included) */
	int32_t scoid; /* server connection id, with 0x40000000 */
	uint32_t
		conn_id; /* ipcd-wide connection id: equal ids share a region */
	uint32_t chflags; /* the channel's flags */
	int32_t server_pid;
	uint32_t fresh; /* 1: region and doorbell fds attached */
};

struct nto_ctl_connfd {
	int32_t chid;
	int32_t scoid;
	uint32_t gen;	    /* rep: generation of the connection-table entry */
	int32_t client_pid; /* rep */
	/* rep: the client's credentials, as NTO_CTL_CLIENT_INFO gives them
	 * (ConnectClientInfo on a mapped connection answers from these) */
	uint32_t client_uid;
	uint32_t client_gid;
	uint32_t nd, srcnd; /* rep: a proxy connection's remote client
			       (NTO_CTL_NETMGR_ATTACH), else 0 */
	int32_t px_pid;	    /* rep: a proxy connection's network manager */
};

/* resmgr/name registration flags carried in nto_ctl_path.flags follow
 * QNX's _RESMGR_FLAG_* values (BEFORE 1, AFTER 2, OPAQUE 4, DIR 0x100). */
struct nto_ctl_path {
	int32_t chid;
	uint32_t handle;
	uint32_t flags;
	uint32_t ftype;
	char path[]; /* NUL-terminated, < NTO_PATH_MAX */
};

struct nto_ctl_resolve_ent {
	int32_t pid;
	int32_t chid;
	uint32_t handle;
	uint32_t ftype;
	uint32_t flags;
	uint32_t prefix_len; /* bytes of the path the registration matched */
};

struct nto_ctl_resolve_rep {
	uint32_t n;
	struct nto_ctl_resolve_ent ent[];
};

/* RESOLVE_ATTACH. The registration attached to is the first entry of the
 * resolution that is not skipped: an entry of the caller's own pid without
 * _RESMGR_FLAG_SELF when NTO_RA_SKIP_SELF is set, or one whose ftype is
 * neither ftype nor _FTYPE_ANY (ftype _FTYPE_ANY skips none). .att.nd
 * must be 0; .att.pid and .att.chid are ignored. */
#define NTO_RA_SKIP_SELF 1u
#define NTO_RA_FLAG_SELF 0x200u /* an entry's _RESMGR_FLAG_SELF */
struct nto_ctl_resolve_attach {
	struct nto_ctl_attach att; /* .coid and .flags as CONNECT_ATTACH's */
	uint32_t ftype;
	uint32_t ra_flags; /* NTO_RA_* */
	char path[];	   /* NUL-terminated, < NTO_PATH_MAX */
};

struct nto_ctl_resolve_attach_rep {
	struct nto_ctl_attach_rep att; /* valid when index >= 0 */
	int32_t index;	 /* entry attached to; -1: none was tried */
	int32_t att_err; /* -errno of that attach (then index is -1) */
	uint32_t n;	 /* entries following, as RESOLVE's */
	uint32_t pad;
	struct nto_ctl_resolve_ent ent[];
};

struct nto_ctl_event {
	int32_t client_pid;
	int32_t coid; /* in the client's coid space */
	int32_t priority;
	int32_t code;
	int32_t value;
};

struct nto_ctl_client {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	uint32_t nd; /* a proxy connection's remote node, else 0 */
};

/* PATH_LIST reply: n distinct first components of the registered paths
 * below the asked directory, each NUL-terminated, back to back. truncated
 * is 1 if more did not fit in NTO_CTL_REPLY_MAX. */
struct nto_ctl_path_list_rep {
	uint32_t n;
	uint32_t truncated;
	char names[];
};

#define NTO_INFO_JSON 1

/* ---- procmgr (NTO_CTL_PROC_EVENT, NTO_CTL_PROC_HANDOVER) ---- */
#define NTO_PROC_EVENT_NOTIFY	1u /* the one registration (0 clears) */
#define NTO_PROC_EVENT_ADD	2u /* one more registration; rep .id */
#define NTO_PROC_EVENT_DELETE	3u /* remove registration .id */
#define NTO_PROC_EVENT_TRIGGER	4u /* fire .flags for every subscriber */
#define NTO_PROC_NOTIFY_PULSE	1u /* on .coid of the subscriber */
#define NTO_PROC_NOTIFY_SIGNAL	2u /* sigqueue(.signo) to the subscriber */
#define NTO_PROC_NOTIFY_NONE	3u
#define NTO_PROC_EVF_UPDATEABLE 0x1u /* value replaced by the pid */
#define NTO_PROC_EVF_HAS_VALUE	0x2u /* TRIGGER: .value for updateable */
struct nto_ctl_proc_event {
	uint32_t op;
	int32_t id;	 /* DELETE */
	uint32_t events; /* PROCMGR_EVENT_* bits */
	uint32_t notify; /* NTO_PROC_NOTIFY_* (NOTIFY with events 0: none) */
	uint32_t flags;	 /* NTO_PROC_EVF_* */
	int32_t coid;
	int32_t priority;
	int32_t code;
	int32_t value;
	int32_t signo;
};

#define NTO_HANDOVER_PREPARE 1u
#define NTO_HANDOVER_ADOPT   2u
#define NTO_HANDOVER_DAEMON  3u /* mark the caller a daemon (session 1) */
struct nto_ctl_handover {
	uint32_t op;
	int32_t pid; /* ADOPT: the process to become */
	uint64_t token;
};

/* ---- time area: secure events and shm handles ---- */
struct nto_ctl_evreg {
	int32_t notify; /* SIGEV_PULSE, SIGEV_SIGNAL[_CODE|_THREAD], NONE */
	int32_t server_coid; /* the caller's coid to the one server allowed,
				or -1 (any server) */
	int32_t coid;	     /* SIGEV_PULSE: the caller's coid to deliver on */
	int32_t priority;
	int32_t code;
	int32_t signo;
	int32_t value;
	int32_t value_hi;
};

#define NTO_EVDELIVER_VERIFY 0x1u /* check only, deliver nothing */
struct nto_ctl_evdeliver {
	int32_t client_pid;
	int32_t handle;
	uint32_t flags;
};

struct nto_ctl_shmh {
	int32_t fd;	 /* CREATE: the caller's fd */
	int32_t pid;	 /* CREATE: the process that may open it */
	int32_t flags;	 /* O_RDONLY/O_WRONLY/O_RDWR */
	uint32_t handle; /* CREATE reply; OPEN request */
};
/* ---- end of the time area ---- */

/* ---- restart area (docs/protocol.md section 7) ---- */
#define NTO_RS_FDS_MAX 4 /* fds one RESTORE request may carry */
struct nto_ctl_rs_chan {
	int32_t chid;
	uint32_t flags; /* as created (_NTO_CHF_*) */
	uint32_t nfds;	/* fds attached, in CHANNEL_CREATE's order */
};

#define NTO_RS_GONE 0x1u /* the client is gone, the scoid still reserved */
struct nto_ctl_rs_sconn {
	int32_t chid;
	int32_t scoid;	 /* side-channel bit optional */
	uint32_t tindex; /* index in the channel's connection table */
	uint32_t gen;	 /* that entry's generation */
	int32_t client_pid;
	uint32_t flags; /* NTO_RS_* */
};

struct nto_ctl_rs_coid {
	int32_t coid;
	uint32_t flags; /* _NTO_COF_CLOEXEC */
	int32_t server_pid;
	int32_t chid;
	int32_t scoid;
};

struct nto_ctl_rs_path {
	int32_t id; /* the link id the process knows it by */
	int32_t chid;
	uint32_t handle;
	uint32_t flags;
	uint32_t ftype;
	char path[]; /* NUL-terminated, < NTO_PATH_MAX */
};

struct nto_ctl_rs_done {
	uint32_t accepted; /* RESTORE_* claims taken since the HELLO */
	uint32_t refused;
};

/* RESTORE_PROC (hamsoak): what procmgr keeps for a process */
enum nto_rs_proc_what {
	NTO_RS_PROC_EVENT = 1,	/* .ev: op NOTIFY (.id 0) or ADD (.id kept) */
	NTO_RS_PROC_DAEMON = 2, /* it called procmgr_daemon(); .ev unused */
};
struct nto_ctl_rs_proc {
	uint32_t what; /* enum nto_rs_proc_what */
	uint32_t reserved;
	struct nto_ctl_proc_event ev;
};
/* RESTORE_EVENT (hamsoak): EVENT_REGISTER's request and the handle ipcd
 * gave; .ev.server_coid and .ev.coid are re-checked as at registration */
struct nto_ctl_rs_event {
	int32_t handle;
	uint32_t reserved;
	struct nto_ctl_evreg ev;
};
/* ---- end of the restart area ---- */

/* ---- network manager (NTO_CTL_NETMGR, NTO_CTL_NETMGR_ATTACH) ---- */
#define NTO_NETMGR_REGISTER                                            \
	1u		     /* .chid: become the network manager; rep \
				empty */
#define NTO_NETMGR_TARGET 2u /* .id = scoid; rep nto_ctl_netmgr_target */
#define NTO_NETMGR_FIND                               \
	3u /* rep nto_ctl_netmgr_target (.pid, .chid: \
	      the network manager's channel) */
/* .id = scoid: the remote server behind that connection of the network
 * manager's channel died or is unreachable: the connection goes dead for
 * its client as if that server's channel were destroyed (sends in flight
 * fail ESRCH, later ones EBADF, ConnectServerInfo says _NTO_COF_DEAD);
 * rep empty */
#define NTO_NETMGR_SEVER 4u
struct nto_ctl_netmgr {
	uint32_t op;
	int32_t id; /* REGISTER: chid; TARGET: scoid */
};
struct nto_ctl_netmgr_target {
	uint32_t nd; /* what the client's ConnectAttach named */
	int32_t pid;
	int32_t chid;
	uint32_t flags;
	int32_t client_pid; /* the local client */
	uint32_t uid;
	uint32_t gid;
	int32_t coid; /* the client's coid */
};
struct nto_ctl_netmgr_attach {
	uint32_t nd; /* the remote client, as this node names its node */
	uint32_t srcnd;
	int32_t rpid; /* the remote client */
	uint32_t uid;
	uint32_t gid;
	int32_t pid; /* the local server */
	int32_t chid;
	int32_t coid; /* as nto_ctl_attach.coid */
	uint32_t flags;
};
/* ---- end of the network manager ---- */

/* ---- restart area, Qnet (NTO_CTL_RESTORE_NET) ---- */
enum nto_rs_net_what {
	/* after the coid's RESTORE_COID: what its remote ConnectAttach
	 * named (.coid.coid; .nd, .rpid, .rchid, .rflags) */
	NTO_RS_NET_REMOTE = 1,
	/* the network manager's NETMGR_ATTACH coid: .coid as RESTORE_COID
	 * (.server_pid, .chid: the local server), the remote client in
	 * .nd, .srcnd, .rpid, .uid, .gid */
	NTO_RS_NET_PROXY = 2,
	/* a server's proxy connection: .sconn as RESTORE_SCONN
	 * (.client_pid = .rpid), the remote client as for PROXY, and
	 * .px_pid, the network manager that holds it (CONN_FD's px_pid) */
	NTO_RS_NET_SCONN = 3,
};
struct nto_ctl_rs_net {
	uint32_t what; /* enum nto_rs_net_what */
	uint32_t reserved;
	struct nto_ctl_rs_coid coid;   /* REMOTE, PROXY */
	struct nto_ctl_rs_sconn sconn; /* SCONN */
	uint32_t nd, srcnd;
	int32_t rpid; /* REMOTE: the remote server; else the remote client */
	uint32_t uid, gid;
	int32_t rchid; /* REMOTE */
	uint32_t rflags;
	int32_t px_pid; /* SCONN */
};
/* ---- end of the restart area, Qnet ---- */

#endif /* NTOSIM_PROTO_CTL_H */
