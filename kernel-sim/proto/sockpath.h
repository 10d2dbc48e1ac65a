/*
 * Where ipcd listens: one rule shared by ipcd, libnto and the tools, so they
 * always agree. Private to ntosim.
 */
#ifndef NTOSIM_PROTO_SOCKPATH_H
#define NTOSIM_PROTO_SOCKPATH_H

#include <stddef.h>

/*
 * nto__socket_path: fill buf with the control socket path: `explicit_path`
 * if non-NULL, else $NTOSIM_SOCKET, else $XDG_RUNTIME_DIR/ntosim/ipcd.sock,
 * else /tmp/ntosim-<uid>/ipcd.sock. With `make_dir`, the default directory
 * is created mode 0700 (and refused if it exists but is not ours or not
 * 0700). Returns 0 or -errno (ENAMETOOLONG, or the mkdir/stat error).
 */
int nto__socket_path(const char *explicit_path, int make_dir, char *buf,
		     size_t len);

#endif /* NTOSIM_PROTO_SOCKPATH_H */
