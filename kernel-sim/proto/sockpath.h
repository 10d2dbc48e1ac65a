/*
 * Where ipcd listens, and whom a process may trust there: one rule shared
 * by ipcd, libnto and the tools, so they always agree. Private to ntosim.
 * See docs/protocol.md section 1 ("Socket location and trust").
 */
#ifndef NTOSIM_PROTO_SOCKPATH_H
#define NTOSIM_PROTO_SOCKPATH_H

#include <stddef.h>

/*
 * nto__socket_path: fill buf with the control socket path: `explicit_path`
 * if non-NULL, else $NTOSIM_SOCKET, else $XDG_RUNTIME_DIR/ntosim/ipcd.sock,
 * else (root) /run/ntosim/ipcd.sock, else /tmp/ntosim-<euid>/ipcd.sock.
 * With `make_dir`, the default directory is created mode 0700 if missing
 * (whether it may be used is nto__socket_trust_dir's decision). Returns 0
 * or -errno (ENAMETOOLONG, or the mkdir error).
 */
int nto__socket_path(const char *explicit_path, int make_dir, char *buf,
		     size_t len);

/*
 * nto__socket_trust_dir: may `path`'s directory hold our ipcd's socket?
 * It must be a directory (not a symbolic link itself) owned by us (euid)
 * or root, writable by group or others only with the sticky bit. With
 * `listening` (ipcd), a file already at `path` must be ours or root's too.
 * Returns 0, -EPERM with a one-line reason in why[len] (what was found and
 * what to do), or the -errno of opening the directory (ENOENT: no ipcd).
 */
int nto__socket_trust_dir(const char *path, int listening, char *why,
			  size_t len);

/*
 * nto__socket_connect: connect the unconnected AF_UNIX socket fd to ipcd at
 * `path`, trusting it first: the directory as nto__socket_trust_dir says
 * (connecting through the directory it checked, so it cannot be swapped
 * between the check and the connect), then the daemon: its SO_PEERCRED uid
 * must be ours or root. Nothing is sent. On a refusal it prints one line
 * "<who>: refusing ipcd at <path>: <reason>" on stderr (once per process)
 * and returns -EPERM; else 0 or connect's -errno (ENOENT, ECONNREFUSED...).
 */
int nto__socket_connect(int fd, const char *path, const char *who);

#endif /* NTOSIM_PROTO_SOCKPATH_H */
