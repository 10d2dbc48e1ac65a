/*
 * <ha/server.h>: the server side of libha's exactly-once policy (an ntosim
 * extension): reading a request's identity, and an opt-in reply cache that
 * answers a re-sent request instead of applying it twice. See
 * docs/libha.md, "Exactly once", for the contract and what a server must do.
 */
#ifndef NTOSIM_HA_SERVER_H
#define NTOSIM_HA_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <ha/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A request's identity. client: the client's id (its pid << 32 | a random
 * number; kept by the client's libha across its recoveries); seq: the
 * request's number for that client; done: the client has finished with
 * every seq below it (it saw their replies or gave up), so a server may
 * forget their cached replies.
 */
typedef struct _ha_reqid {
	uint64_t client;
	uint64_t seq;
	uint64_t done;
} ha_reqid_t;

/*
 * ha_request_id: the identity of the received message `rcvid` (before it is
 * replied). Returns 0, or -1 with errno: ENOENT (the request carries none:
 * a plain send, serve it as usual), EPERM (the client id names another
 * process: forged; refuse the request), ESRCH (no such rcvid), EFAULT.
 */
int ha_request_id(int rcvid, ha_reqid_t *id);

/*
 * The reply cache: the replies of requests that had an effect, by identity.
 * Not thread-safe: one receive loop (or the caller's lock) per cache.
 *
 * Eviction: a client's entries below its latest `done` go at once (it has
 * their replies). Beyond that, when the cache holds max_entries entries or
 * max_bytes reply bytes, the entries of clients whose process is gone
 * (kill(pid, 0) fails with ESRCH) are dropped; a live client's entry is
 * never dropped, so a client that is still recovering always finds its
 * replies. If there is still no room, ha_reply_cache_check refuses the new
 * request (EAGAIN) before it is applied.
 */
typedef struct _ha_reply_cache ha_reply_cache_t;

/* A cache bounded to max_entries entries (0: 4096) and max_bytes reply
 * bytes (0: 16 MiB). NULL with errno ENOMEM. */
ha_reply_cache_t *ha_reply_cache_create(unsigned max_entries, size_t max_bytes);
void ha_reply_cache_destroy(ha_reply_cache_t *c);

/*
 * ha_reply_cache_check: call before applying a request with identity `id`.
 * First forgets the client's entries below id->done. Returns:
 *   1  the request was applied before: *status, *reply, *len are its stored
 *      reply (valid until the next call on c): reply with them, do not
 *      apply it again;
 *   0  new: apply it, record the reply with ha_reply_cache_add (durably
 *      with the effect, if the effect is durable), then reply;
 *  -1  errno EAGAIN: no room (see above), or this client already has 64
 *      unfinished entries: refuse it (MsgError) without applying;
 *      ESTALE: id->seq is below the client's own `done` mark (a re-send it
 *      said it would never make): refuse it.
 */
int ha_reply_cache_check(ha_reply_cache_t *c, const ha_reqid_t *id, int *status,
			 const void **reply, size_t *len);

/*
 * ha_reply_cache_add: record the reply (MsgReply status and bytes) of the
 * request `id` just applied. Also what a server calls for each record of
 * its log when it restarts, to rebuild the cache: there it never refuses
 * for room (the entries were live when logged) and a later `done` of the
 * same client forgets older entries. Returns 0, or -1 with errno ENOMEM or
 * EINVAL (len over 256 MiB).
 */
int ha_reply_cache_add(ha_reply_cache_t *c, const ha_reqid_t *id, int status,
		       const void *reply, size_t len);

/*
 * ha_reply_cache_walk: call fn for every entry (e.g. to write them into a
 * compacted log), stopping at the first non-zero return, which it returns.
 */
int ha_reply_cache_walk(ha_reply_cache_t *c,
			int (*fn)(void *arg, const ha_reqid_t *id, int status,
				  const void *reply, size_t len),
			void *arg);

/* Entries held now. */
unsigned ha_reply_cache_count(const ha_reply_cache_t *c);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_HA_SERVER_H */
