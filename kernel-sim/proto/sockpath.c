/*
 * The control socket path rule (see sockpath.h). Linked into ipcd, libnto
 * and the tools; holds no state.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/ctl.h"
#include "proto/sockpath.h"

static int ensure_private_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077) != 0)
		return -EPERM;
	return 0;
}

int nto__socket_path(const char *explicit_path, int make_dir, char *buf,
		     size_t len)
{
	const char *env =
		explicit_path ? explicit_path : getenv(NTO_SOCKET_ENV);
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *xdg;
	int n;

	if (len > sizeof(dir))
		len = sizeof(dir); /* never longer than a sockaddr_un holds */
	if (env && *env) {
		if (strlen(env) >= len)
			return -ENAMETOOLONG;
		strcpy(buf, env);
		return 0;
	}
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		n = snprintf(dir, sizeof(dir), "%s/ntosim", xdg);
	else
		n = snprintf(dir, sizeof(dir), "/tmp/ntosim-%u",
			     (unsigned)geteuid());
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (make_dir) {
		int rc = ensure_private_dir(dir);
		if (rc < 0)
			return rc;
	}
	n = snprintf(buf, len, "%s/ipcd.sock", dir);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}
