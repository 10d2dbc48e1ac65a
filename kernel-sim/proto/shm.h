/*
 * Shared-memory layouts ipcd creates (memfd, sealed against shrinking) and
 * hands to the processes that use them. Private to ntosim: included by
 * kernel-sim/ipcd and kernel-sim/lib only. Every field a peer can write is
 * untrusted input to the reader; see docs/protocol.md for the state machines
 * and the crash-safety argument.
 *
 * Three kinds of region:
 *  - connection region: one per server connection (client process x channel),
 *    mapped by that client, that server and ipcd. Holds the send slots (one
 *    per concurrently sending client thread), the pulse entries, and the data
 *    extents messages and replies are copied through.
 *  - channel region: one per channel, mapped by the owning server and ipcd
 *    only. Holds the connection table and the kernel pulses ipcd queues.
 *  - doorbell: one per channel, mapped read-write by the server, every
 *    client of the channel and ipcd. Only the futex word receivers sleep on
 *    lives here: senders bump it, and its value means nothing, so whatever a
 *    client leaves in it costs at most one spurious wake.
 *  - waiter page: one per channel, written by the server only. Clients get
 *    a read-only descriptor (ipcd reopens the memfd O_RDONLY), so they can
 *    see whether a receiver sleeps but never wedge that count: a departed
 *    or hostile client cannot make a later sender skip the wake.
 */
#ifndef NTOSIM_PROTO_SHM_H
#define NTOSIM_PROTO_SHM_H

#include <stdatomic.h>
#include <stdint.h>

#define NTO_SHM_VERSION 2u	    /* 2: the slot's one-line layout */
#define NTO_CONN_MAGIC	0x4e544f43u /* "NTOC" */
#define NTO_CHAN_MAGIC	0x4e544f48u /* "NTOH" */

/* Connection region geometry. The memfd is ftruncate'd to NTO_CONN_SIZE up
 * front and sealed (SHRINK|GROW|SEAL): it is sparse, so only touched pages
 * cost memory, and no peer can ever make another's mapping SIGBUS. */
#define NTO_CONN_SLOTS	32u
#define NTO_CONN_PULSES 64u
#define NTO_CONN_INLINE 8192u /* default extent per slot */
#define NTO_CONN_SIZE	(1ull << 30)
#define NTO_CONN_FIXED	65536u /* header + slots + pulses, what ipcd maps */
#define NTO_CONN_DATA	NTO_CONN_FIXED
#define NTO_CONN_BULK \
	(NTO_CONN_DATA + (uint64_t)NTO_CONN_SLOTS * NTO_CONN_INLINE)
#define NTO_MSG_MAX (256 * 1024 * 1024) /* largest send or reply */

/* Channel region geometry. */
/* a channel takes as many connections as its process has scoids */
#define NTO_CHAN_CONNS	  4096u
#define NTO_CHAN_KPULSES  2048u
#define NTO_CHAN_RCVRS	  64u
#define NTO_DOORBELL_SIZE 4096u
#define NTO_WAITPAGE_SIZE 4096u

/* Slot states (nto_slot.state, the client's futex word). Each transition is a
 * CAS by the party that owns the destination state:
 *   FREE -> CLAIMED            client thread takes the slot (process-local
 * race) CLAIMED -> SEND            client posts; now SEND-blocked SEND -> FREE
 * client withdraws (timeout, signal, detach); ipcd withdraws it when the client
 * dies SEND -> RECEIVED           a server thread's MsgReceive takes it
 *   SEND|RECEIVED|REPLYING -> KERNEL -> DONE
 *                              ipcd fails it with ESRCH when the server dies
 *   RECEIVED -> REPLYING -> DONE   MsgReply/MsgError
 *   RECEIVED -> ABANDONED      client left (timeout/signal/death without
 *                              _NTO_CHF_UNBLOCK); the server's reply gets
 *                              ESRCH and turns it back to FREE
 *   DONE -> FREE               client consumed the result (or ERESTART: DONE
 *                              -> CLAIMED -> SEND again)
 */
enum nto_slot_state {
	NTO_SLOT_FREE = 0,
	NTO_SLOT_CLAIMED = 1,
	NTO_SLOT_SEND = 2,
	NTO_SLOT_RECEIVED = 3,
	NTO_SLOT_REPLYING = 4,
	NTO_SLOT_DONE = 5,
	NTO_SLOT_ABANDONED = 6,
	NTO_SLOT_KERNEL = 7,
};

/* nto_slot.flags bits */
#define NTO_SLOTF_UNBLOCK_REQ \
	0x1u /* client asked to unblock (UNBLOCK pulse sent) */
#define NTO_SLOTF_KERNEL_MSG \
	0x2u /* posted by ipcd for a dead client (_IO_CLOSE) */
#define NTO_SLOTF_RECEIVED \
	0x4u /* set by the server when it takes the message */
/* a libnto request to the network manager (proto/netmgr.h "netctl"),
 * written by the client: untrusted, it only says how to parse */
#define NTO_SLOTF_NETCTL 0x8u
/* set by the server with a reply written at the start of the extent,
 * over the message it no longer needs, instead of at rbase: the client
 * copies its reply from there (docs/protocol.md 4, "Replies in place") */
#define NTO_SLOTF_REPLY_INPLACE 0x10u

/* The first cache line holds everything one message needs: what the
 * receiver reads to find and take it, and the result the client reads
 * back, so a round trip moves this line and the data, nothing more. The
 * second holds what only some messages use. Offsets and sizes are 32-bit:
 * a region is 1 GiB (NTO_CONN_SIZE). */
struct nto_slot {
	_Atomic uint32_t state;	   /* enum nto_slot_state; futex word */
	_Atomic uint32_t sleeping; /* client is (about to be) in FUTEX_WAIT */
	_Atomic uint32_t flags;	   /* NTO_SLOTF_* */
	int32_t priority;	   /* sender priority */
	uint64_t ticket;	   /* CLOCK_MONOTONIC ns at post: FIFO order */
	int32_t sbytes;		   /* bytes of message at ext_off */
	int32_t rbytes;	  /* client reply buffer size, at ext_off+rbase */
	uint32_t ext_off; /* extent offset within the region */
	uint32_t ext_cap; /* extent length */
	uint32_t rbase;	  /* reply area offset within the extent */
	/* result, written by the server (REPLYING) or ipcd (KERNEL) */
	int32_t status;	   /* MsgReply status */
	int32_t err;	   /* 0, or errno (MsgError, ESRCH...) */
	int32_t reply_len; /* extent of reply data written (<= rbytes) */
	int32_t coid;	   /* client coid used for the send */
	int32_t tid;	   /* client thread id */
	/* second line */
	uint32_t gen; /* bumped by ipcd per kernel message (informational) */
	/* request identity (libha's exactly-once policy), written by the
	 * client with the message: untrusted, see docs/fault-model.md */
	uint32_t req_set;    /* 1: the three fields below are meaningful */
	uint64_t req_client; /* client id: sender's pid << 32 | random */
	uint64_t req_seq;    /* the request's number for that client id */
	uint64_t req_done;   /* the client has finished every seq below */
	uint32_t pad[8];
};

enum nto_pulse_state {
	NTO_PULSE_FREE = 0,
	NTO_PULSE_FILLING = 1,
	NTO_PULSE_READY = 2,
	NTO_PULSE_TAKEN = 3,
};

/* A pulse entry. Any producer claims FREE -> FILLING by CAS, fills, stores
 * READY; a receiver claims READY -> TAKEN, copies, stores FREE. */
struct nto_pulse_ent {
	_Atomic uint32_t state;
	int32_t priority;
	int32_t code;
	int32_t value;
	int32_t scoid;	   /* kernel pulses: as QNX fills pulse.scoid */
	uint32_t value_hi; /* upper half of a 64-bit sigval (sival_ptr) */
	uint64_t ticket;
};

/* nto_conn_hdr.dead */
#define NTO_CONN_LIVE	     0u
#define NTO_CONN_SERVER_GONE 1u /* channel destroyed: sends get EBADF */
#define NTO_CONN_CLIENT_GONE 2u /* client died or detached its last coid */

struct nto_conn_hdr {
	uint32_t magic;
	uint32_t version;
	/* written by ipcd at creation; informational for peers */
	int32_t server_pid;
	int32_t client_pid;
	int32_t chid;
	int32_t scoid;
	uint32_t chflags;
	uint32_t conn_index;   /* index in the channel's connection table */
	_Atomic uint32_t dead; /* NTO_CONN_* set by ipcd */
	uint32_t reserved;     /* was a count of ready items: unused */
	/* hints for the receiver: bit i set after slot i went SEND / pulse i
	 * went READY. A pulse's bit is cleared by the receiver just before it
	 * claims the entry; a slot's stays while its client keeps sending and
	 * is cleared after two looks found the slot idle (msgrecv.c
	 * slot_sent). A stale bit costs one look; a client that clears its
	 * own bits hides only its own work (until a full scan finds it). */
	_Atomic uint32_t sendmask;
	uint32_t pad1;
	_Atomic uint64_t pulsemask;
	uint32_t pad[2];
};

/* Connection region: header, slots, pulses, then data from NTO_CONN_DATA:
 * NTO_CONN_SLOTS inline extents of NTO_CONN_INLINE bytes, then bulk extents
 * the client allocates for larger messages. */
struct nto_conn_region {
	struct nto_conn_hdr hdr;
	struct nto_slot slot[NTO_CONN_SLOTS];
	struct nto_pulse_ent pulse[NTO_CONN_PULSES];
};

/* Channel connection-table entry states */
#define NTO_CCONN_FREE 0u
#define NTO_CCONN_LIVE 1u
#define NTO_CCONN_GONE                                        \
	2u /* client gone, scoid reserved until ConnectDetach \
	    */

struct nto_chan_conn {
	_Atomic uint32_t state;
	uint32_t gen; /* bumped by ipcd each time the entry is reused */
	int32_t scoid;
	int32_t client_pid;
	/* ---- connection set-up (issue 10) ---- */
	/* the connection region's memfd inode, written by ipcd before the
	 * entry goes LIVE: a server that still maps that region (a spare:
	 * ipcd hands a client's detached region back for its next
	 * connection to the channel) takes it without asking ipcd */
	uint64_t reg_ino;
	/* ---- end of connection set-up ---- */
};

struct nto_chan_hdr {
	uint32_t magic;
	uint32_t version;
	int32_t chid;
	int32_t pid;
	uint32_t flags;
	_Atomic uint32_t dead;	   /* channel destroyed */
	_Atomic uint32_t conn_gen; /* bumped when the table changes */
	_Atomic uint32_t
		kready; /* kernel pulses READY (ipcd ++, receiver --) */
	_Atomic uint32_t conn_hiwater; /* 1 + highest table index ever used */
	uint32_t pad[7];
};

struct nto_chan_region {
	struct nto_chan_hdr hdr;
	_Atomic int32_t
		rcvr_tid[NTO_CHAN_RCVRS]; /* RECEIVE-blocked tids, 0 = none */
	struct nto_chan_conn conn[NTO_CHAN_CONNS];
	struct nto_pulse_ent kpulse[NTO_CHAN_KPULSES];
};

/* The doorbell. ready[] is the set of connection-table entries that may
 * have work, so MsgReceive looks at those instead of every connection: a
 * sender sets its entry's bit after posting and before bumping seq; a
 * receiver clears a bit only after finding that connection empty, and
 * looks once more after clearing. Clients can write it all: a bit set
 * without work costs a receiver one look; a bit cleared by someone else
 * hides work until the receiver's next full scan (after any sleep that
 * ran out, see docs/protocol.md). */
#define NTO_READY_WORDS (NTO_CHAN_CONNS / 64u)

struct nto_doorbell {
	_Atomic uint32_t seq; /* futex word: bumped on every post; any value */
	uint32_t pad[15];
	_Atomic uint64_t ready[NTO_READY_WORDS];
};

/* The waiter page. Receivers publish themselves here (seq_cst) before
 * their last look at the queues and sleep on the doorbell's seq; a sender
 * bumps seq, then wakes one receiver if waiters > 0. Only the channel's
 * owner (and ipcd) can write it. */
struct nto_waitpage {
	_Atomic uint32_t waiters; /* receivers in (or entering) FUTEX_WAIT */
};

_Static_assert(sizeof(struct nto_slot) == 128, "slot is two cache lines");
_Static_assert(__builtin_offsetof(struct nto_slot, gen) == 64,
	       "a message's fields fill the slot's first line");
_Static_assert(sizeof(struct nto_chan_conn) == 24, "no hidden padding");
_Static_assert(sizeof(struct nto_doorbell) <= NTO_DOORBELL_SIZE,
	       "doorbell fits its page");
_Static_assert(NTO_CHAN_CONNS % 64u == 0, "whole ready words");
_Static_assert(sizeof(struct nto_conn_hdr) == 64,
	       "conn header is a cache line");
_Static_assert(sizeof(struct nto_conn_region) <= NTO_CONN_FIXED,
	       "fixed part fits");

_Static_assert(NTO_CONN_SLOTS <= 32 && NTO_CONN_PULSES <= 64,
	       "one bit per slot and per pulse entry in the masks");

/*
 * The one writer of each shared-memory step, for ipcd and libnto alike.
 *
 * nto_pulse_post: queue a pulse in a table of n entries (a connection's, or
 * a channel's kernel pulses): claim a FREE entry by CAS (FREE -> FILLING),
 * fill it, publish READY, then set its bit in `mask` (a connection's
 * pulsemask; NULL for tables without one). Returns the entry's index, or
 * -1 when every entry is taken. The caller counts it (kready, for ipcd's kernel
 * pulses) and rings.
 */
static inline int nto_pulse_post(struct nto_pulse_ent *ents, unsigned n,
				 _Atomic uint64_t *mask, int prio, int code,
				 int32_t value, uint32_t value_hi,
				 int32_t scoid, uint64_t ticket)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct nto_pulse_ent *e = &ents[i];
		uint32_t expect = NTO_PULSE_FREE;

		if (atomic_load_explicit(&e->state, memory_order_relaxed) !=
		    NTO_PULSE_FREE)
			continue;
		if (!atomic_compare_exchange_strong(&e->state, &expect,
						    NTO_PULSE_FILLING))
			continue;
		e->priority = prio;
		e->code = code;
		e->value = value;
		e->value_hi = value_hi;
		e->scoid = scoid;
		e->ticket = ticket;
		atomic_store_explicit(&e->state, NTO_PULSE_READY,
				      memory_order_release);
		if (mask && i < 64)
			atomic_fetch_or(mask, 1ull << i);
		return (int)i;
	}
	return -1;
}

/* Set bit `bit` of a hint mask unless it is set already: the receiver
 * leaves the bits of busy slots and connections set, so in steady state
 * this is a load of a line nobody writes, not a write the other side must
 * fetch back. Safe because the receiver clears a bit only before it looks
 * once more (seq_cst on both sides: the Dekker pattern in
 * docs/protocol.md). */
static inline void nto_mask_set32(_Atomic uint32_t *m, uint32_t bit)
{
	if (!(atomic_load(m) & bit))
		atomic_fetch_or(m, bit);
}

static inline void nto_mask_set64(_Atomic uint64_t *m, uint64_t bit)
{
	if (!(atomic_load(m) & bit))
		atomic_fetch_or(m, bit);
}

/* Publish a filled slot (CLAIMED -> SEND) and mark it. The caller sets its
 * connection's ready bit and rings. */
static inline void nto_slot_post(struct nto_conn_region *r, unsigned i)
{
	atomic_store(&r->slot[i].state, NTO_SLOT_SEND);
	nto_mask_set32(&r->hdr.sendmask, 1u << i);
}

#endif /* NTOSIM_PROTO_SHM_H */
