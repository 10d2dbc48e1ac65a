/*
 * ntosim-kvsrv: a raw name_attach key-value server speaking kvproto.h,
 * persisted to a file before each reply. Shared by its main.c and kv.c;
 * the behaviour is documented in ntosim-kvsrv(8).
 */
#ifndef NTOSIM_SERVERS_KV_KV_H
#define NTOSIM_SERVERS_KV_KV_H

#include "kvproto.h"

struct kvsrv_opts {
	const char *name;     /* -n, default KV_NAME */
	const char *file;     /* -f: the store (a log; FILE.tmp, FILE.lock) */
	unsigned long kill_n; /* -K N: _exit(9) after persisting the Nth INCR,
				 before replying to it (0: never) */
	int kill_torn;	      /* -K N,torn: instead, mid-way through writing
				 the Nth INCR's log record */
	unsigned cache_n;     /* -C N: reply cache entries (0: no cache) */
	int verbose;	      /* -v */
};

/* Load the store, register the name and serve until a fatal error. Returns
 * only on failure (after printing why to stderr): 1 at startup, 2 on a
 * receive failure, 3 on an I/O error that leaves the file's state unknown. */
int kvsrv_serve(const struct kvsrv_opts *opts);

#endif /* NTOSIM_SERVERS_KV_KV_H */
