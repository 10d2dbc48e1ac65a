/*
 * The contract between libnto and a node's network manager (ntosim-qnet,
 * kernel-sim/qnet/): the libnto calls only the network manager makes, the
 * node table both read, and the "netctl" messages libnto sends to the
 * network manager's channel. Private to ntosim; see docs/qnet.md.
 *
 * The shape (docs/qnet.md has the whole of it): a remote connection looks
 * local to its client. ConnectAttach(nd != ND_LOCAL_NODE, pid, chid) gives
 * the client a coid whose connection goes to the local network manager's
 * channel (one connection per remote coid, never shared, so the scoid the
 * network manager sees names exactly one remote target). On the server's
 * node, the network manager attaches to the real server "as" the remote
 * process (nto_netmgr_attach): the server's MsgInfo, ConnectClientInfo and
 * MsgDeliverEvent see the remote client's nd, pid, tid and credentials,
 * and a DISCONNECT arrives when that remote process's last connection to
 * the channel goes, exactly as for a local client.
 */
#ifndef NTOSIM_PROTO_NETMGR_H
#define NTOSIM_PROTO_NETMGR_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "proto/ctl.h"
#include "proto/shm.h"

/* ---- the node table (lib/netmgr.c) ----
 * One file, read by libnto (netmgr_strtond, netmgr_ndtostr, /net paths)
 * and by ntosim-qnet: $NTOSIM_QNET_CONF, else $(sysconfdir)/ntosim/qnet.conf.
 * Lines (# comments, blank lines ignored):
 *   local NAME                      this node's name
 *   node NAME URL                   a node and where its qnet listens
 *                                   (tcp://host:port or tls+tcp://...)
 *   tls CERT KEY CA                 this node's certificate, key, cluster CA
 *   timeout MS                      link silence that fails calls (1500)
 * A node's nd is its 1-based line order among the `node` lines, except the
 * local node, which is always ND_LOCAL_NODE (0). No file: single node. */
#define NTO_QNET_CONF_ENV    "NTOSIM_QNET_CONF"
#define NTO_NODE_NAME_MAX    64
#define NTO_NODE_URL_MAX     256
#define NTO_NODES_MAX	     64
#define NTO_QNET_TIMEOUT_DEF 1500 /* ms of link silence before ESRCH */

struct nto_node {
	uint32_t nd; /* 0: the local node */
	char name[NTO_NODE_NAME_MAX];
	char url[NTO_NODE_URL_MAX];
};

struct nto_node_table {
	unsigned n; /* entries in node[], the local node included */
	struct nto_node node[NTO_NODES_MAX];
	char local[NTO_NODE_NAME_MAX];
	char cert[NTO_NODE_URL_MAX], key[NTO_NODE_URL_MAX],
		ca[NTO_NODE_URL_MAX]; /* empty: no TLS */
	unsigned timeout_ms;
};

/* Parse the node table. 0; -ENOENT (no file: single node, *t has only the
 * local node); -EINVAL with one stderr line naming file:line. */
int nto_node_table_load(struct nto_node_table *t);

/* ---- registration ---- */
/* The caller becomes this node's network manager, receiving remote
 * connections on its channel chid. One at a time per ipcd; EBUSY if
 * another live process holds it; EPERM unless the caller's uid is ipcd's
 * or root. The mark dies with the process (and is re-told to a restarted
 * ipcd). */
int nto_netmgr_register(int chid);

/* ---- client side (the network manager as the server's proxy) ----
 * What a connection to the network manager's channel is bound to: the
 * ConnectAttach(nd, pid, chid, ...) its client made. -ESRCH: scoid is not
 * a remote connection of the caller's channel. Asked once per scoid. */
struct nto_netmgr_target {
	uint32_t nd;	  /* the node the client named (its node table) */
	pid_t pid;	  /* remote server pid */
	int chid;	  /* remote channel */
	uint32_t flags;	  /* _NTO_COF_* the client gave */
	pid_t client_pid; /* the local client */
	uid_t uid;
	gid_t gid;
	int coid; /* the client's coid */
};
int nto_netmgr_target(int scoid, struct nto_netmgr_target *t);

/* The remote server behind scoid died, or its node is unreachable: the
 * client's connection goes dead as a local server's would (its sends in
 * flight fail ESRCH, received or not as they were; later sends EBADF;
 * ConnectServerInfo shows _NTO_COF_DEAD, which is what libha recovers
 * on). The scoid is gone for the caller afterwards (no DISCONNECT).
 * 0, -EPERM (not the network manager), -ESRCH (no such connection). */
int nto_netmgr_sever(int scoid);

/* ---- server side (the network manager as the client's proxy) ----
 * Attach to local (pid, chid) on behalf of a remote process. Connections
 * for the same (nd, pid) to one channel share one server connection
 * (scoid), as a local process's coids do; the server sees nd, pid, uid,
 * gid below in _msg_info and ConnectClientInfo. Returns a coid in the
 * caller's space, or -errno (ESRCH, EPERM unless registered, EAGAIN). */
struct nto_netmgr_proxy {
	uint32_t nd;	/* the remote client's node, as this node names it */
	uint32_t srcnd; /* this node, as the client's node names it */
	pid_t pid;	/* the remote client */
	uid_t uid;
	gid_t gid;
};
int nto_netmgr_attach(const struct nto_netmgr_proxy *px, pid_t pid, int chid,
		      unsigned flags);

/* A send on behalf of a remote thread: as MsgSendv, with the remote
 * thread's tid and priority in the slot (the server's _msg_info.tid and
 * .priority), and the reply's extent (bytes from the start of the reply
 * area the server wrote, by MsgReply or MsgWrite) in *reply_len.
 * `id`: the remote client's request identity (libha's exactly-once), or
 * NULL. *received: on failure, 1 if the server had taken the message.
 * Returns the server's status (>= 0) or -errno. `call` may be cancelled
 * from another thread at any time, even before the send starts. */
struct nto_netmgr_call {
	_Atomic uint32_t cancel; /* 1: cancelled */
	_Atomic int32_t tid;	 /* the sending thread, while it sends */
};
int nto_netmgr_sendv(int coid, struct nto_netmgr_call *call, int tid, int prio,
		     const struct nto_reqid *id, const iov_t *siov, int sparts,
		     const iov_t *riov, int rparts, size_t *reply_len,
		     int *received);

/* Make `call` behave as if its thread took a signal now (the client died
 * or timed out on the remote node): a send not yet received is withdrawn
 * (-EINTR); one received by a server with _NTO_CHF_UNBLOCK gets its
 * UNBLOCK pulse and the call waits for the server's reply; else -EINTR. */
void nto_netmgr_cancel(struct nto_netmgr_call *call);

/* MsgError on behalf of a remote server; received 0: the remote server
 * never took the message, and the client (libha) is told so, exactly as
 * when a local server dies before receiving. 0 or -1/errno. */
int nto_netmgr_error(int rcvid, int err, int received);
/* Only the "not received" half of nto_netmgr_error: the message stays
 * held (a sever or a later answer ends it). 0 or -ESRCH. */
int nto_netmgr_unreceive(int rcvid);

/* This node's pathname space, for another node: RESOLVE of path. The
 * count of ents filled (at most max), or -errno (ENOENT). */
int nto_netmgr_resolve(const char *path, struct nto_ctl_resolve_ent *ents,
		       int max);

/* ---- netctl: libnto's own requests to the network manager ----
 * Sent as ordinary messages on a connection to the network manager's
 * channel, with NTO_SLOTF_NETCTL in the slot's flags; the network manager
 * asks nto_netmgr_is_netctl(rcvid). Untrusted input like any message:
 * the network manager checks the sender (_msg_info) for each op. */
#define NTO_NETCTL_MAGIC 0x4e54514eu /* "NTQN" */
enum nto_netctl_op {
	/* libnto's remote ConnectAttach, on the new coid: check that the
	 * target exists (reply status 0, or MsgError ESRCH, EHOSTDOWN...) */
	NTO_NETCTL_CHECK = 1,
	/* a server's MsgDeliverEvent to a remote client: struct
	 * nto_netctl_event; the network manager checks that the sender has
	 * a proxy connection from (nd, pid) */
	NTO_NETCTL_EVENT = 2,
	/* open("/net/NODE/..."): struct nto_netctl_resolve; reply struct
	 * nto_ctl_resolve_rep (proto/ctl.h) as the node's ipcd gave it */
	NTO_NETCTL_RESOLVE = 3,
	/* name_open of a name not registered locally: search the global
	 * names of every node; struct nto_netctl_resolve (.path = name);
	 * reply struct nto_netctl_name_rep */
	NTO_NETCTL_NAME = 4,
};
struct nto_netctl_hdr {
	uint32_t magic;
	uint32_t op; /* enum nto_netctl_op */
};
struct nto_netctl_event {
	struct nto_netctl_hdr hdr;
	uint32_t nd; /* the remote client, as in the server's _msg_info */
	int32_t pid;
	struct sigevent event;
};
struct nto_netctl_resolve {
	struct nto_netctl_hdr hdr;
	uint32_t nd;	/* NTO_NETCTL_RESOLVE: the node to ask */
	uint32_t flags; /* nto_ctl_path flags for RESOLVE */
	char path[];	/* NUL-terminated */
};
struct nto_netctl_name_rep {
	uint32_t nd; /* where the name lives */
	int32_t pid;
	int32_t chid;
};
/* 1 if the message behind rcvid was sent as a netctl request */
int nto_netmgr_is_netctl(int rcvid);

#endif /* NTOSIM_PROTO_NETMGR_H */
