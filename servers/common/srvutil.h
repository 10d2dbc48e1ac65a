/*
 * What the shipped resource managers (ntosim-filesrv, -pattern, -kvsrv)
 * share, as the noinst convenience library servers/common/libsrvutil.la:
 * their stderr lines, each prefixed with the program's name, and the
 * single-threaded dispatch loop. Public ntosim headers only; no server
 * logic lives here.
 */
#ifndef NTOSIM_SERVERS_COMMON_SRVUTIL_H
#define NTOSIM_SERVERS_COMMON_SRVUTIL_H

#include <sys/dispatch.h>

/* Prefix every line with `prog` ("prog: ...") and print srv_vlog's lines
 * only with `verbose` set. Call before any other srv_* function. */
void srv_log_init(const char *prog, int verbose);
/* "prog: <fmt>\n" on stderr. */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* srv_log, when verbose. */
void srv_vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Serve ctp's dispatch handle for good: dispatch_block (EINTR retried),
 * then dispatch_handler. Returns only if dispatch_block fails: 2, after
 * saying so with srv_log.
 */
int srv_dispatch_loop(dispatch_context_t *ctp);
/*
 * Release a server's dispatch handle and context (either may be NULL) on
 * its way out, so a server that ends (ipcd gone for good, a failed start)
 * leaves nothing allocated: dispatch_destroy detaches its paths (when ipcd
 * is gone that fails at once) and destroys its channel.
 */
void srv_dispatch_free(dispatch_t *dpp, dispatch_context_t *ctp);

#endif /* NTOSIM_SERVERS_COMMON_SRVUTIL_H */
