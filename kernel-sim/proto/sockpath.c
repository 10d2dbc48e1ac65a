/*
 * The control socket path rule and the trust checks made before a process
 * says a word to ipcd (see sockpath.h). Linked into ipcd, libnto and the
 * tools; holds no state but "already told the user".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/ctl.h"
#include "proto/sockpath.h"

#define SUN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* libnto interposes open, close, stat and the rest of the path calls (and
 * may hold its control lock here): raw system calls only. */
#ifndef SYS_newfstatat
#define SYS_newfstatat SYS_fstatat64
#endif
static int sys_fstatat(int dfd, const char *path, struct stat *st, int flags)
{
	return (int)syscall(SYS_newfstatat, dfd, path, st, flags);
}

static int sys_open_dir(const char *dir)
{
	return (int)syscall(SYS_openat, AT_FDCWD, dir,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void sys_close(int fd)
{
	int saved = errno;

	syscall(SYS_close, fd);
	errno = saved;
}

/* root's default: /run/ntosim, if /run is root's and only root's */
static int root_run_dir(void)
{
	struct stat st;

	return geteuid() == 0 && sys_fstatat(AT_FDCWD, "/run", &st, 0) == 0 &&
	       S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

int nto__socket_path(const char *explicit_path, int make_dir, char *buf,
		     size_t len)
{
	const char *env =
		explicit_path ? explicit_path : getenv(NTO_SOCKET_ENV);
	char dir[SUN_MAX];
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
	else if (root_run_dir())
		n = snprintf(dir, sizeof(dir), "/run/ntosim");
	else
		n = snprintf(dir, sizeof(dir), "/tmp/ntosim-%u",
			     (unsigned)geteuid());
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (make_dir && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	n = snprintf(buf, len, "%s/ipcd.sock", dir);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int trusted_uid(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

/* "uid 1001": no user name (NSS could land in libnto's own open) */
static void uid_name(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "uid %u", (unsigned)uid);
}

/* Split path into its directory (dir[SUN_MAX]) and its last component. */
static const char *split(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		strcpy(dir, ".");
		return path;
	}
	if (slash == path) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	return slash + 1;
}

/* The checks of nto__socket_trust_dir; on success *dfd is an O_PATH fd of
 * the directory checked and *base the socket's name in it. */
static int trust_dir(const char *path, int listening, char *why, size_t len,
		     int *dfd, const char **base)
{
	static const char fix[] =
		"have root remove it, or point XDG_RUNTIME_DIR "
		"(or " NTO_SOCKET_ENV ") into a directory of yours";
	char dir[SUN_MAX], who[160];
	struct stat st;
	int fd;

	*dfd = -1;
	if (len)
		*why = '\0';
	if (strlen(path) >= SUN_MAX)
		return -ENAMETOOLONG;
	*base = split(path, dir);
	fd = sys_open_dir(dir);
	if (fd < 0) {
		int err = errno;

		if ((err != ENOTDIR && err != ELOOP) ||
		    sys_fstatat(AT_FDCWD, dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -err;
		snprintf(why, len, "%s is %s, not a directory; %s", dir,
			 S_ISLNK(st.st_mode) ? "a symbolic link" : "a file",
			 fix);
		return -EPERM;
	}
	if (sys_fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
		int err = -errno;

		sys_close(fd);
		return err;
	}
	uid_name(st.st_uid, who, sizeof(who));
	if (!trusted_uid(st.st_uid)) {
		snprintf(why, len,
			 "its directory %s is owned by %s, not by you (uid %u) "
			 "or root, so another user may be posing as ipcd; %s",
			 dir, who, (unsigned)geteuid(), fix);
		goto refuse;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, len,
			 "its directory %s (owner %s, mode %04o) is writable "
			 "by group or "
			 "others without the sticky bit, so anyone could "
			 "replace the socket; chmod go-w it or use another "
			 "directory",
			 dir, who, (unsigned)(st.st_mode & 07777));
		goto refuse;
	}
	if (listening &&
	    sys_fstatat(fd, *base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !trusted_uid(st.st_uid)) {
		uid_name(st.st_uid, who, sizeof(who));
		snprintf(why, len,
			 "%s already exists and is owned by %s, so another "
			 "user may be posing as ipcd; %s",
			 path, who, fix);
		goto refuse;
	}
	*dfd = fd;
	return 0;
refuse:
	sys_close(fd);
	return -EPERM;
}

int nto__socket_trust_dir(const char *path, int listening, char *why,
			  size_t len)
{
	const char *base;
	int fd, rc;

	rc = trust_dir(path, listening, why, len, &fd, &base);
	if (fd >= 0)
		sys_close(fd);
	return rc;
}

static void tell_once(const char *who, const char *path, const char *why)
{
	static atomic_int told;

	if (atomic_exchange(&told, 1))
		return;
	fprintf(stderr, "%s: refusing ipcd at %s: %s\n", who, path, why);
}

int nto__socket_connect(int fd, const char *path, const char *who)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char why[512], name[160];
	struct stat st;
	const char *base;
	int dfd, rc, n;

	rc = trust_dir(path, 0, why, sizeof(why), &dfd, &base);
	if (rc < 0)
		goto out;
	/* through the directory we checked (its /proc link), where /proc is */
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s",
		     dfd, base);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path) ||
	    sys_fstatat(AT_FDCWD, "/proc/self/fd", &st, 0) < 0)
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	sys_close(dfd);
	if (rc < 0)
		return rc;
	/* the uid of the process that listens there, as the kernel saw it */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		return -errno;
	if (!trusted_uid(cred.uid)) {
		uid_name(cred.uid, name, sizeof(name));
		snprintf(why, sizeof(why),
			 "the daemon listening there runs as %s, not as you "
			 "(uid %u) or root; start your own ipcd and point "
			 "%s at it",
			 name, (unsigned)geteuid(), NTO_SOCKET_ENV);
		rc = -EPERM;
	}
out:
	if (rc == -EPERM)
		tell_once(who, path, why);
	return rc;
}
