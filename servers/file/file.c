/*
 * ntosim-filesrv's resource manager: the files of a host directory under a
 * pathname prefix. Data lives on the host (pread/pwrite on a host fd per
 * open); the per-open offset lives in the OCB only, so it is lost when the
 * server restarts (which is why HA clients re-seek). Paths never leave the
 * directory. One dispatch thread; option parsing is in main.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>

#include "file.h"
#include "srvutil.h"

/* Reads and writes move through one buffer of this size: a read up to it is
 * one pread and one MsgReply; longer ones go chunk by chunk (MsgWrite into
 * the client's buffer, MsgRead from its message). */
#define FILE_CHUNK (256u * 1024u)

/* The open(2) flags a client may pass through to the host file. */
#define FILE_OFLAGS                                                         \
	(O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | \
	 O_SYNC | O_DSYNC)

#define FILE_MSG_MAX (offsetof(struct _io_connect, path) + PATH_MAX + 256u)

struct file_srv {
	iofunc_attr_t root; /* first: the attach's handle finds the server */
	iofunc_mount_t mount;
	resmgr_connect_funcs_t cfuncs;
	resmgr_io_funcs_t iofuncs;
	const struct filesrv_opts *opts;
	int rootfd; /* O_PATH fd of the host directory */
	unsigned nopen;
	uint8_t *buf; /* FILE_CHUNK bytes */
};

struct file_ocb {
	iofunc_ocb_t ocb;   /* first: the framework sees an iofunc_ocb_t */
	iofunc_attr_t attr; /* this open's own attribute (its host file) */
	struct file_srv *srv;
	int fd; /* the host file, opened with the client's flags */
};

static struct file_ocb *focb(iofunc_ocb_t *ocb)
{
	return (struct file_ocb *)(void *)ocb;
}

/* ---- path resolution under the host directory ---- */

/* Only regular files and directories are served: a FIFO would block the
 * server, a device node would be the host's device. */
static int servable(mode_t m)
{
	return S_ISREG(m) || S_ISDIR(m);
}

int filesrv_resolve(int rootfd, const char *path, int flags, int mode,
		    int want_parent, char *name, unsigned namelen)
{
	char copy[PATH_MAX];
	char *comp[PATH_MAX / 2 + 1];
	unsigned n = 0, i;
	char *p, *save = NULL;
	struct stat st;
	int dfd = rootfd, fd;

	if (strlen(path) >= sizeof copy)
		return -ENAMETOOLONG;
	strcpy(copy, path);
	/* Lexically: "" and "." go, ".." drops the previous component and may
	 * never climb above the root. Symbolic links are refused below, so
	 * this is also what the host would do. */
	for (p = strtok_r(copy, "/", &save); p;
	     p = strtok_r(NULL, "/", &save)) {
		if (strlen(p) > NAME_MAX)
			return -ENAMETOOLONG;
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (n == 0)
				return -EACCES;
			n--;
			continue;
		}
		comp[n++] = p;
	}
	if (want_parent && n == 0)
		return -EINVAL;
	for (i = 0; i + 1 < n; i++) {
		fd = openat(dfd, comp[i],
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			if ((e == ENOTDIR || e == ELOOP) &&
			    fstatat(dfd, comp[i], &st, AT_SYMLINK_NOFOLLOW) ==
				    0 &&
			    S_ISLNK(st.st_mode))
				e = EACCES;
			if (dfd != rootfd)
				close(dfd);
			return -e;
		}
		if (dfd != rootfd)
			close(dfd);
		dfd = fd;
	}
	if (want_parent) {
		if (strlen(comp[n - 1]) >= namelen) {
			fd = -ENAMETOOLONG;
		} else {
			strcpy(name, comp[n - 1]);
			fd = dfd == rootfd ? fcntl(rootfd, F_DUPFD_CLOEXEC, 0)
					   : dfd;
			if (fd < 0)
				fd = -errno;
			return fd;
		}
		goto out;
	}
	if (n == 0) { /* the exported directory itself */
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return -EEXIST;
		fd = openat(rootfd, ".", (flags & ~O_CREAT) | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	/* Refuse what must not even be opened (a FIFO would block us). */
	if (fstatat(dfd, comp[n - 1], &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode) || !servable(st.st_mode)) {
			fd = -EACCES;
			goto out;
		}
	}
	fd = openat(dfd, comp[n - 1],
		    flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode);
	if (fd < 0) {
		fd = errno == ELOOP ? -EACCES
				    : -errno; /* a symlink, raced in */
		goto out;
	}
	if (fstat(fd, &st) < 0 || !servable(st.st_mode)) {
		close(fd);
		fd = -EACCES;
	}
out:
	if (dfd != rootfd)
		close(dfd);
	return fd;
}

/* The path of an _IO_CONNECT, checked to be NUL-terminated inside what was
 * received. Returns EOK or ENAMETOOLONG. */
static int connect_path(resmgr_context_t *ctp, struct _io_connect *c,
			const char **path)
{
	size_t room = ctp->msg_max_size - offsetof(struct _io_connect, path);
	size_t len = c->path_len;

	if ((size_t)ctp->info.msglen < offsetof(struct _io_connect, path))
		return EINVAL;
	if (len > room)
		len = room;
	if (len == 0 || !memchr(c->path, '\0', len))
		return ENAMETOOLONG;
	*path = c->path;
	return EOK;
}

/* ---- connect handlers ---- */

static void attr_from_stat(iofunc_attr_t *a, const struct stat *st)
{
	a->nbytes = st->st_size;
	a->inode = st->st_ino;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->mode = st->st_mode;
	a->nlink = st->st_nlink;
	a->mtime = st->st_mtime;
	a->atime = st->st_atime;
	a->ctime = st->st_ctime;
}

static int file_open(resmgr_context_t *ctp, io_open_t *msg,
		     iofunc_attr_t *handle, void *extra)
{
	struct file_srv *s = (struct file_srv *)(void *)handle;
	uint32_t ioflag = msg->connect.ioflag;
	/* the access the client asked for, within what it may be granted */
	unsigned acc =
		ioflag & _IO_FLAG_MASK &
		(msg->connect.access ? msg->connect.access : _IO_FLAG_MASK);
	struct file_ocb *fo;
	const char *path;
	struct stat st;
	int flags, fd, rc;

	rc = connect_path(ctp, &msg->connect, &path);
	if (rc != EOK)
		return rc;
	/* ioflag is open()'s oflag with the access mode plus one */
	flags = (int)(ioflag & ~(uint32_t)_IO_FLAG_MASK) & FILE_OFLAGS;
	flags = acc ? flags | (int)(acc - 1) : O_PATH;
	fd = filesrv_resolve(s->rootfd, path, flags,
			     (int)(msg->connect.mode & 07777), 0, NULL, 0);
	if (fd < 0) {
		srv_vlog("open '%s' by pid %d: %s", path, (int)ctp->info.pid,
			 strerror(-fd));
		return -fd;
	}
	fo = calloc(1, sizeof *fo);
	if (!fo || fstat(fd, &st) < 0) {
		rc = fo ? errno : ENOMEM;
		free(fo);
		close(fd);
		return rc;
	}
	fo->fd = fd;
	fo->srv = s;
	iofunc_attr_init(&fo->attr, st.st_mode, NULL, NULL);
	attr_from_stat(&fo->attr, &st);
	fo->attr.mount = &s->mount;
	rc = iofunc_ocb_attach(ctp, msg, &fo->ocb, &fo->attr, NULL);
	if (rc != EOK) {
		close(fd);
		free(fo);
		return rc;
	}
	s->nopen++;
	srv_vlog("open '%s' by pid %d: ok (%u open)", path, (int)ctp->info.pid,
		 s->nopen);
	return EOK;
}

static int file_unlink(resmgr_context_t *ctp, io_unlink_t *msg,
		       iofunc_attr_t *handle, void *reserved)
{
	struct file_srv *s = (struct file_srv *)(void *)handle;
	char name[NAME_MAX + 1];
	const char *path;
	int pfd, rc;

	rc = connect_path(ctp, &msg->connect, &path);
	if (rc != EOK)
		return rc;
	pfd = filesrv_resolve(s->rootfd, path, 0, 0, 1, name, sizeof name);
	if (pfd == -EINVAL)
		return EBUSY; /* the exported directory itself */
	if (pfd < 0)
		return -pfd;
	/* unlinkat never follows a final symlink: removing one is safe */
	rc = unlinkat(pfd, name, 0) < 0 ? errno : EOK;
	close(pfd);
	srv_vlog("unlink '%s' by pid %d: %s", path, (int)ctp->info.pid,
		 strerror(rc));
	return rc;
}

/* ---- I/O handlers ---- */

static ssize_t pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r =
			pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return got ? (ssize_t)got : -1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* pwrite (off >= 0) or an appending write (off < 0) of all n bytes. */
static ssize_t write_full(int fd, const void *buf, size_t n, off_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r =
			off < 0 ? write(fd, (const char *)buf + done, n - done)
				: pwrite(fd, (const char *)buf + done, n - done,
					 off + (off_t)done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* The offset a read or write works at: the OCB's, or the one an
 * _IO_XTYPE_OFFSET message carries after its header (pread/pwrite, which
 * leave the OCB's alone). Returns EOK, EINVAL or ENOSYS. */
static int io_offset(resmgr_context_t *ctp, uint32_t xtype, size_t hdr,
		     iofunc_ocb_t *ocb, int64_t *off, int *explicit_off)
{
	struct _xtype_offset xo;

	switch (xtype & _IO_XTYPE_MASK) {
	case _IO_XTYPE_NONE:
		*off = ocb->offset;
		*explicit_off = 0;
		return EOK;
	case _IO_XTYPE_OFFSET:
		if (resmgr_msgread(ctp, &xo, sizeof xo, (int)hdr) !=
			    (int)sizeof xo ||
		    xo.offset < 0)
			return EINVAL;
		*off = xo.offset;
		*explicit_off = 1;
		return EOK;
	default:
		return ENOSYS;
	}
}

static int file_read(resmgr_context_t *ctp, io_read_t *msg, iofunc_ocb_t *ocb)
{
	struct file_ocb *fo = focb(ocb);
	uint8_t *buf = fo->srv->buf;
	int64_t off;
	size_t n, done = 0;
	int rc, nonblock, xoff;

	rc = iofunc_read_verify(ctp, msg, ocb, &nonblock);
	if (rc != EOK)
		return rc;
	if (S_ISDIR(fo->attr.mode))
		return EISDIR;
	rc = io_offset(ctp, msg->i.xtype, sizeof msg->i, ocb, &off, &xoff);
	if (rc != EOK)
		return rc;
	if (msg->i.nbytes < 0)
		return EINVAL;
	n = (size_t)msg->i.nbytes;
	/* never read (and move the offset) past what the client's reply
	 * buffer takes */
	if (ctp->info.dstmsglen >= 0 && n > (size_t)ctp->info.dstmsglen)
		n = (size_t)ctp->info.dstmsglen;
	while (done < n) {
		size_t c = n - done < FILE_CHUNK ? n - done : FILE_CHUNK;
		ssize_t r = pread_full(fo->fd, buf, c, (off_t)(off + done));

		if (r < 0) {
			if (done == 0)
				return errno;
			break;
		}
		if (done == 0 && ((size_t)r == n || (size_t)r < c)) {
			done = (size_t)r; /* the common case: one reply */
			if (!xoff)
				ocb->offset = off + (int64_t)done;
			_IO_SET_READ_NBYTES(ctp, (int)done);
			return _RESMGR_PTR(ctp, buf, done);
		}
		if (r > 0 && resmgr_msgwrite(ctp, buf, (int)r, (int)done) < 0)
			return errno; /* the client is gone */
		done += (size_t)r;
		if ((size_t)r < c)
			break; /* end of file */
	}
	if (!xoff)
		ocb->offset = off + (int64_t)done;
	_IO_SET_READ_NBYTES(ctp, (int)done);
	return EOK; /* the data is already in the client's buffer */
}

static int file_write(resmgr_context_t *ctp, io_write_t *msg, iofunc_ocb_t *ocb)
{
	struct file_ocb *fo = focb(ocb);
	uint8_t *buf = fo->srv->buf;
	int append = (ocb->ioflag & O_APPEND) != 0;
	size_t hdr = sizeof msg->i, n, done = 0;
	int64_t off;
	int rc, nonblock, xoff;

	rc = iofunc_write_verify(ctp, msg, ocb, &nonblock);
	if (rc != EOK)
		return rc;
	rc = io_offset(ctp, msg->i.xtype, sizeof msg->i, ocb, &off, &xoff);
	if (rc != EOK)
		return rc;
	if (xoff)
		hdr += sizeof(struct _xtype_offset);
	if (msg->i.nbytes < 0)
		return EINVAL;
	n = (size_t)msg->i.nbytes;
	/* the data must really follow the header */
	if ((int64_t)n >
	    (int64_t)ctp->info.srcmsglen - ctp->offset - (int64_t)hdr)
		return EBADMSG;
	while (done < n) {
		size_t c = n - done < FILE_CHUNK ? n - done : FILE_CHUNK;
		int got = resmgr_msgread(ctp, buf, (int)c, (int)(hdr + done));
		ssize_t w;

		if (got <= 0) {
			if (done == 0)
				return got < 0 ? errno : EBADMSG;
			break;
		}
		/* O_APPEND: the host fd appends (atomically, at the file's
		 * current end); otherwise write at our own offset. */
		w = write_full(fo->fd, buf, (size_t)got,
			       append && !xoff ? -1 : (off_t)(off + done));
		if (w < 0) {
			if (done == 0)
				return errno;
			break;
		}
		done += (size_t)w;
		if (w < got)
			break;
	}
	if (!xoff)
		ocb->offset = append ? (int64_t)lseek(fo->fd, 0, SEEK_CUR)
				     : off + (int64_t)done;
	fo->attr.flags |= IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME;
	_IO_SET_WRITE_NBYTES(ctp, (int)done);
	return EOK;
}

static int file_lseek(resmgr_context_t *ctp, io_lseek_t *msg, iofunc_ocb_t *ocb)
{
	struct file_ocb *fo = focb(ocb);
	struct stat st;

	if (fstat(fo->fd, &st) < 0)
		return errno;
	fo->attr.nbytes = st.st_size; /* SEEK_END: the host file's size */
	return iofunc_lseek_default(ctp, msg, ocb);
}

static int file_stat(resmgr_context_t *ctp, io_stat_t *msg, iofunc_ocb_t *ocb)
{
	struct stat st;

	if (fstat(focb(ocb)->fd, &st) < 0)
		return errno;
	msg->o = st; /* the reply lives in the message buffer, past return */
	return _RESMGR_PTR(ctp, &msg->o, sizeof msg->o);
}

static int file_chmod(resmgr_context_t *ctp, io_chmod_t *msg, iofunc_ocb_t *ocb)
{
	return fchmod(focb(ocb)->fd, msg->i.mode & 07777) < 0 ? errno : EOK;
}

static int file_sync(resmgr_context_t *ctp, io_sync_t *msg, iofunc_ocb_t *ocb)
{
	return fsync(focb(ocb)->fd) < 0 ? errno : EOK;
}

static int file_devctl(resmgr_context_t *ctp, io_devctl_t *msg,
		       iofunc_ocb_t *ocb)
{
	unsigned count = focb(ocb)->srv->nopen;

	if (msg->i.dcmd != FILESRV_DCMD_OCB_COUNT)
		return iofunc_devctl_default(ctp, msg, ocb);
	memset(&msg->o, 0, sizeof msg->o);
	msg->o.ret_val = (int32_t)count;
	ctp->status = EOK;
	return _RESMGR_PTR(ctp, &msg->o, sizeof msg->o);
}

static int file_close_ocb(resmgr_context_t *ctp, void *reserved,
			  iofunc_ocb_t *ocb)
{
	struct file_ocb *fo = focb(ocb);
	struct file_srv *s = fo->srv;

	iofunc_ocb_detach(ctp, ocb);
	close(fo->fd);
	free(fo);
	s->nopen--;
	srv_vlog("close by pid %d (%u open)", (int)ctp->info.pid, s->nopen);
	return EOK;
}

/* Each OCB has its own attribute, freed with it, and one thread serves
 * everything: no locking (and nothing touches the OCB after close_ocb). */
static int file_lock_ocb(resmgr_context_t *ctp, void *reserved,
			 iofunc_ocb_t *ocb)
{
	return EOK;
}

/* ---- the server ---- */

int filesrv_serve(const struct filesrv_opts *opts)
{
	static struct file_srv s;
	resmgr_attr_t rattr;
	dispatch_context_t *ctp = NULL;
	dispatch_t *dpp;
	struct stat st;
	int id, rc = 1;

	srv_log_init("ntosim-filesrv", opts->verbose);
	s.opts = opts;
	s.rootfd = open(opts->hostdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd < 0 || fstat(s.rootfd, &st) < 0) {
		srv_log("%s: %s", opts->hostdir, strerror(errno));
		return 1;
	}
	s.buf = malloc(FILE_CHUNK);
	if (!s.buf) {
		srv_log("out of memory");
		return 1;
	}
	dpp = dispatch_create();
	if (!dpp) {
		srv_log("dispatch_create: %s", strerror(errno));
		goto out;
	}
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &s.cfuncs, _RESMGR_IO_NFUNCS,
			 &s.iofuncs);
	s.cfuncs.open = file_open;
	s.cfuncs.unlink = file_unlink;
	s.iofuncs.read = file_read;
	s.iofuncs.write = file_write;
	s.iofuncs.lseek = file_lseek;
	s.iofuncs.stat = file_stat;
	s.iofuncs.chmod = file_chmod;
	s.iofuncs.chown = NULL; /* the defaults would only fake it */
	s.iofuncs.utime = NULL;
	s.iofuncs.sync = file_sync;
	s.iofuncs.devctl = file_devctl;
	s.iofuncs.close_ocb = file_close_ocb;
	s.iofuncs.lock_ocb = file_lock_ocb;
	s.iofuncs.unlock_ocb = file_lock_ocb;

	iofunc_attr_init(&s.root, st.st_mode, NULL, NULL);
	attr_from_stat(&s.root, &st);
	s.mount.blocksize = (int32_t)st.st_blksize;
	s.root.mount = &s.mount;

	memset(&rattr, 0, sizeof rattr);
	rattr.nparts_max = 1;
	rattr.msg_max_size = (unsigned)FILE_MSG_MAX;
	/* Registering the prefix is the last step: a client that sees it
	 * (nto_path_wait, a restart manager) can use it at once. */
	id = resmgr_attach(dpp, &rattr, opts->prefix, _FTYPE_ANY,
			   _RESMGR_FLAG_DIR, &s.cfuncs, &s.iofuncs, &s.root);
	if (id < 0) {
		srv_log("resmgr_attach %s: %s", opts->prefix, strerror(errno));
		goto out;
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp) {
		srv_log("dispatch_context_alloc: %s", strerror(errno));
		goto out;
	}
	srv_vlog("serving %s under %s", opts->hostdir, opts->prefix);
	rc = srv_dispatch_loop(ctp);
out:
	srv_dispatch_free(dpp, ctp);
	free(s.buf);
	s.buf = NULL;
	return rc;
}
