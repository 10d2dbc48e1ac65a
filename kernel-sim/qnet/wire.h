/*
 * The frames two ntosim-qnet daemons exchange over one link (an nng byte
 * stream: TCP or TLS). Private to kernel-sim/qnet; docs/qnet.md describes
 * the protocol. Every frame is a struct qn_hdr and `len` payload bytes;
 * every field a peer sends is untrusted: a frame that does not parse closes
 * the link (the peer hurts only itself and the calls it carried).
 * Byte order is the host's: nodes must share an architecture (HELLO says
 * which and a mismatch is refused).
 */
#ifndef NTOSIM_QNET_WIRE_H
#define NTOSIM_QNET_WIRE_H

#include <stdint.h>

#define QN_VERSION    1u
#define QN_MAGIC      0x514e5431u /* "QNT1" */
#define QN_FRAME_MAX  (NTO_MSG_MAX + 4096u)
#define QN_ENDIAN_TAG 0x01020304u

struct qn_hdr {
	uint32_t magic;
	uint32_t type; /* enum qn_type */
	uint32_t len;  /* payload bytes after this header */
	uint32_t pad;
	uint64_t id; /* request id (echoed in the answer), or 0 */
};

enum qn_type {
	/* struct qn_hello; first frame each way */
	QN_HELLO = 1,
	/* empty; sent when a link has been quiet (liveness) */
	QN_PING = 2,
	/* client side -> server side: struct qn_attach; answer QN_ATTACH_REP
	 * (struct qn_result, .value = the binding) */
	QN_ATTACH = 3,
	QN_ATTACH_REP = 4,
	/* struct qn_send + message bytes; answer QN_REPLY (struct qn_result
	 * + reply bytes) */
	QN_SEND = 5,
	QN_REPLY = 6,
	/* the client of request .id left (timeout, signal, death): no body */
	QN_UNBLOCK = 7,
	/* struct qn_pulse */
	QN_PULSE = 8,
	/* struct qn_binding: the client's connection went */
	QN_DETACH = 9,
	/* server side -> client side: struct qn_event */
	QN_EVENT = 10,
	/* struct qn_path; answer QN_RESOLVE_REP (struct qn_result, then the
	 * nto_ctl_resolve_rep) */
	QN_RESOLVE = 11,
	QN_RESOLVE_REP = 12,
	/* struct qn_path (.path = a global name); answer QN_NAME_REP (struct
	 * qn_result, .value = pid, .value2 = chid) */
	QN_NAME = 13,
	QN_NAME_REP = 14,
	QN_TYPE_MAX
};

struct qn_hello {
	uint32_t version;
	uint32_t endian; /* QN_ENDIAN_TAG as the sender stores it */
	char name[64];	 /* the sender's node name, NUL-terminated */
};

struct qn_attach {
	int32_t client_scoid; /* the client side's scoid (events name it) */
	int32_t client_pid;
	uint32_t uid, gid;
	int32_t pid; /* the server */
	int32_t chid;
	uint32_t flags; /* _NTO_COF_* */
	uint32_t srcnd; /* the server's node as the client's node names it */
};

struct qn_result {
	int32_t status; /* MsgReply status, when err == 0 */
	int32_t err;	/* 0 or an errno */
	int32_t value;	/* ATTACH: binding; NAME: pid; REPLY: 1 = the
			   server is gone (its connection is dead) */
	int32_t value2; /* NAME: chid; REPLY: 1 = the server had taken it */
};

/* A request identity (libha's exactly-once) travels with the send. */
struct qn_send {
	int32_t binding;
	int32_t tid;
	int32_t prio;
	uint32_t rbytes; /* the client's reply buffer */
	uint32_t has_id;
	uint32_t pad;
	uint64_t id_client, id_seq, id_done;
};

struct qn_pulse {
	int32_t binding;
	int32_t prio;
	int32_t code;
	int32_t value;
};

struct qn_binding {
	int32_t binding;
};

struct qn_event {
	int32_t client_scoid; /* from the ATTACH that made the binding */
	int32_t notify;	      /* SIGEV_* */
	int32_t coid;	      /* SIGEV_PULSE: the client's coid */
	int32_t prio;
	int32_t code;
	int32_t signo;
	int32_t value;
	int32_t pad;
};

struct qn_path {
	uint32_t flags;
	char path[]; /* NUL-terminated, < NTO_PATH_MAX */
};

/* frame.c: validation of a received frame (pure; fuzzed). The header
 * alone, before its payload is read (magic, type, a length its type
 * allows): NULL, or why it is malformed. */
const char *qn_frame_hdr_check(const struct qn_hdr *h);
/* The header and its h->len payload bytes: NULL if every handler may read
 * what its type promises (fixed structs whole, paths NUL-terminated,
 * resolve entries counted), else why not. Values that name state (a
 * binding, a request id, a pid) are checked by their handlers. */
const char *qn_frame_check(const struct qn_hdr *h, const void *body);

#endif /* NTOSIM_QNET_WIRE_H */
