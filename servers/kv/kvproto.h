/*
 * The key-value server's own message protocol (raw name_attach server, no
 * resmgr layer): what clients send with MsgSend to name_open("kv"). Shared
 * by kvsrv, its clients, the tests and the demo; not installed.
 *
 * Request: struct kv_req, then `keylen` key bytes, then `vallen` value
 * bytes. Reply: status = 0 or the MsgError errno; body struct kv_rep, then
 * `vallen` value bytes (GET and APPEND return the stored value).
 */
#ifndef NTOSIM_SERVERS_KV_KVPROTO_H
#define NTOSIM_SERVERS_KV_KVPROTO_H

#include <stdint.h>

#define KV_NAME "kv"           /* registered as /dev/name/local/kv */
#define KV_MSG_TYPE 0x2000u    /* outside _IO_BASE.._IO_MAX */
#define KV_KEY_MAX 255u
#define KV_VAL_MAX (64u * 1024u)

enum kv_op {
	KV_GET = 1,    /* value of key; ENOENT if absent */
	KV_PUT = 2,    /* set key to value */
	KV_INCR = 3,   /* key += arg (an absent key counts as 0); returns new value */
	KV_APPEND = 4, /* append value to key's value; returns the new value */
};

struct kv_req {
	uint16_t type; /* KV_MSG_TYPE */
	uint16_t op;   /* enum kv_op */
	uint32_t keylen;
	uint32_t vallen;
	uint32_t zero;
	int64_t arg; /* KV_INCR delta */
};

struct kv_rep {
	int64_t value; /* KV_INCR: the new value; GET of a counter: its value */
	uint32_t vallen;
	uint32_t zero;
};

#endif /* NTOSIM_SERVERS_KV_KVPROTO_H */
