/*
 * ntosim-filesrv: a resource manager exporting a host directory under a
 * pathname prefix. Shared by its main.c, file.c and the tests (for the
 * debug devctl); the server's behaviour is documented in ntosim-filesrv(8).
 */
#ifndef NTOSIM_SERVERS_FILE_FILE_H
#define NTOSIM_SERVERS_FILE_FILE_H

/*
 * Debug devctl (_IO_DEVCTL dcmd, no data either way; the same value as
 * PATTERN_DCMD_OCB_COUNT): the reply's ret_val is the number of OCBs (opens)
 * the server holds now, the asking one included.
 */
#define FILESRV_DCMD_OCB_COUNT 0x05E1

struct filesrv_opts {
	const char *hostdir; /* -d: the exported directory */
	const char *prefix;  /* -p: e.g. "/fs" */
	int verbose;	     /* -v */
};

/* Open the host directory, attach the prefix and serve until a fatal error.
 * Returns only on failure (after printing why to stderr): 1 at startup, 2
 * later. */
int filesrv_serve(const struct filesrv_opts *opts);

/*
 * filesrv_resolve: open `path` (relative to the directory `rootfd`, as it
 * came in an _IO_CONNECT: no leading '/' needed) with open(2) `flags` and
 * `mode`, never leaving the directory: a ".." that would climb above it and
 * any symbolic link on the way (the last component included) give EACCES.
 * With `want_parent`, open the parent directory instead (O_PATH) and copy
 * the last component to name[namelen] (EINVAL if the path has none: it is
 * the root itself). Returns the new fd, or -errno (the open's errno,
 * EACCES, ENAMETOOLONG, ENOENT). Exposed for the tests.
 */
int filesrv_resolve(int rootfd, const char *path, int flags, int mode,
		    int want_parent, char *name, unsigned namelen);

#endif /* NTOSIM_SERVERS_FILE_FILE_H */
