/*
 * The iofunc permission checks and link-count bookkeeping for the pathname
 * operations a filesystem-like resource manager serves in its own connect
 * handlers: unlink/rmdir, mknod/mkdir, readlink, link/symlink and rename.
 * They decide and count; creating, moving and freeing entries is the
 * caller's.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dispatch-internal.h"

/* The client's credentials: *info if given, else fetched into *buf. */
static int creds(resmgr_context_t *ctp, const struct _io_connect *c,
		 struct _client_info **info, struct _client_info *buf)
{
	int status;

	if (*info)
		return EOK;
	status = iofunc_client_info(ctp, c ? (int)c->ioflag : 0, buf);
	if (status == EOK)
		*info = buf;
	return status;
}

static int is_root(const struct _client_info *info)
{
	return info->cred.euid == 0;
}

static int is_owner(const iofunc_attr_t *attr, const struct _client_info *info)
{
	return is_root(info) || info->cred.euid == attr->uid;
}

static iofunc_mount_t *mount_of(const iofunc_attr_t *a, const iofunc_attr_t *b)
{
	return a && a->mount ? a->mount : b ? b->mount : NULL;
}

static int readonly(const iofunc_mount_t *m)
{
	return m && (m->flags & _MOUNT_READONLY);
}

/* May the client remove (or replace) entry attr of directory dattr?
 * Write permission on dattr; in a sticky directory also ownership of the
 * entry or the directory (or write permission on the entry). */
static int may_remove(resmgr_context_t *ctp, const iofunc_attr_t *attr,
		      const iofunc_attr_t *dattr,
		      const struct _client_info *info)
{
	if (!dattr)
		return is_owner(attr, info) ? EOK : EPERM;
	if (iofunc_check_access(ctp, dattr, S_IWUSR | S_IXUSR, info) != EOK)
		return EACCES;
	if ((dattr->mode & S_ISVTX) && !is_owner(attr, info) &&
	    !is_owner(dattr, info) &&
	    iofunc_check_access(ctp, attr, S_IWUSR, info) != EOK)
		return EPERM;
	return EOK;
}

/* A directory is empty when only "." and its parent's entry count. */
static int dir_empty(const iofunc_attr_t *attr)
{
	return attr->nlink <= 2;
}

static void mark_dir_changed(iofunc_attr_t *dattr)
{
	dattr->flags |=
		IOFUNC_ATTR_DIRTY_TIME | IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME;
}

NTO_EXPORT int iofunc_unlink(resmgr_context_t *ctp, io_unlink_t *msg,
			     iofunc_attr_t *attr, iofunc_attr_t *dattr,
			     struct _client_info *info)
{
	struct _client_info buf;
	int status, dir;

	if (!attr || (dattr && !S_ISDIR(dattr->mode)))
		return EBADFSYS;
	status = creds(ctp, msg ? &msg->connect : NULL, &info, &buf);
	if (status != EOK)
		return status;
	dir = S_ISDIR(attr->mode);
	if (msg && S_ISDIR(msg->connect.mode)) { /* rmdir */
		if (!dir)
			return ENOTDIR;
		if (msg->connect.eflag & _IO_CONNECT_EFLAG_DOTDOT)
			return EEXIST;
		if (msg->connect.eflag & _IO_CONNECT_EFLAG_DOT)
			return EINVAL;
		if (!dir_empty(attr))
			return ENOTEMPTY;
	} else if (dir) {
		iofunc_mount_t *m = mount_of(attr, dattr);

		if (!m || !(m->conf & IOFUNC_PC_LINK_DIR) || !is_root(info))
			return EPERM;
	}
	status = may_remove(ctp, attr, dattr, info);
	if (status != EOK)
		return status;
	if (attr->nlink < (nlink_t)(dir ? 2 : 1))
		return EBADFSYS;
	if (readonly(mount_of(attr, dattr)))
		return EROFS;
	if (dattr) {
		if (dir) {
			if (dattr->nlink < 1)
				return EBADFSYS;
			dattr->nlink--; /* its ".." is gone */
			dattr->flags |= IOFUNC_ATTR_DIRTY_NLINK;
		}
		mark_dir_changed(dattr);
	}
	attr->nlink -= dir ? 2 : 1; /* a directory's "." goes too */
	attr->flags |= IOFUNC_ATTR_DIRTY_NLINK | IOFUNC_ATTR_DIRTY_TIME |
		       IOFUNC_ATTR_CTIME;
	return EOK;
}

NTO_EXPORT int iofunc_mknod(resmgr_context_t *ctp, io_mknod_t *msg,
			    iofunc_attr_t *attr, iofunc_attr_t *dattr,
			    struct _client_info *info)
{
	struct _client_info buf;
	mode_t type = msg ? (mode_t)msg->connect.mode & S_IFMT : 0;
	int status;

	if (!dattr || !S_ISDIR(dattr->mode))
		return EBADFSYS;
	if (attr)
		return EEXIST;
	status = creds(ctp, msg ? &msg->connect : NULL, &info, &buf);
	if (status != EOK)
		return status;
	if (iofunc_check_access(ctp, dattr, S_IWUSR | S_IXUSR, info) != EOK)
		return EACCES;
	if (type != 0 && type != S_IFDIR && type != S_IFIFO &&
	    type != S_IFREG && !is_root(info))
		return EPERM;
	if (readonly(dattr->mount))
		return EROFS;
	mark_dir_changed(dattr);
	return EOK;
}

NTO_EXPORT int iofunc_readlink(resmgr_context_t *ctp, io_readlink_t *msg,
			       iofunc_attr_t *attr, struct _client_info *info)
{
	struct _client_info buf;
	int status;

	if (!attr)
		return ENOENT;
	if (!S_ISLNK(attr->mode))
		return EINVAL;
	status = creds(ctp, msg ? &msg->connect : NULL, &info, &buf);
	if (status != EOK)
		return status;
	if (iofunc_check_access(ctp, attr, S_IRUSR, info) != EOK)
		return EACCES;
	attr->flags |= IOFUNC_ATTR_ATIME;
	return EOK;
}

NTO_EXPORT int iofunc_link(resmgr_context_t *ctp, io_link_t *msg,
			   iofunc_attr_t *attr, iofunc_attr_t *dattr,
			   struct _client_info *info)
{
	struct _client_info buf;
	iofunc_mount_t *m;
	int status;

	if (!dattr || !S_ISDIR(dattr->mode))
		return EBADFSYS;
	status = creds(ctp, msg ? &msg->connect : NULL, &info, &buf);
	if (status != EOK)
		return status;
	if (iofunc_check_access(ctp, dattr, S_IWUSR | S_IXUSR, info) != EOK)
		return EACCES;
	m = mount_of(attr, dattr);
	if (attr && S_ISDIR(attr->mode) &&
	    (!m || !(m->conf & IOFUNC_PC_LINK_DIR) || !is_root(info)))
		return EPERM;
	if (attr && attr->nlink >= (nlink_t)UINT16_MAX)
		return EMLINK;
	if (readonly(m))
		return EROFS;
	if (attr) {
		attr->nlink++;
		attr->flags |= IOFUNC_ATTR_DIRTY_NLINK | IOFUNC_ATTR_CTIME |
			       IOFUNC_ATTR_DIRTY_TIME;
	}
	mark_dir_changed(dattr);
	return EOK;
}

NTO_EXPORT int iofunc_rename(resmgr_context_t *ctp, io_rename_t *msg,
			     iofunc_attr_t *oldattr, iofunc_attr_t *olddattr,
			     iofunc_attr_t *newattr, iofunc_attr_t *newdattr,
			     struct _client_info *info)
{
	struct _client_info buf;
	int status;

	if (!oldattr || (olddattr && !S_ISDIR(olddattr->mode)) ||
	    (newdattr && !S_ISDIR(newdattr->mode)))
		return EBADFSYS;
	status = creds(ctp, msg ? &msg->connect : NULL, &info, &buf);
	if (status != EOK)
		return status;
	if (mount_of(oldattr, olddattr) != mount_of(newattr, newdattr) &&
	    mount_of(newattr, newdattr))
		return EXDEV;
	if (oldattr == newattr)
		return EOK; /* the same file: nothing to do, and allowed */
	if (S_ISDIR(oldattr->mode) &&
	    (oldattr == newdattr || oldattr == olddattr))
		return EINVAL;
	status = may_remove(ctp, oldattr, olddattr, info);
	if (status != EOK)
		return status;
	if (newattr) {
		if (S_ISDIR(oldattr->mode) && !S_ISDIR(newattr->mode))
			return ENOTDIR;
		if (!S_ISDIR(oldattr->mode) && S_ISDIR(newattr->mode))
			return EISDIR;
		if (S_ISDIR(newattr->mode) && !dir_empty(newattr))
			return ENOTEMPTY;
		status = may_remove(ctp, newattr, newdattr, info);
		if (status != EOK)
			return status;
	} else if (newdattr &&
		   iofunc_check_access(ctp, newdattr, S_IWUSR | S_IXUSR,
				       info) != EOK) {
		return EACCES;
	}
	if (readonly(mount_of(oldattr, olddattr)))
		return EROFS;
	if (olddattr)
		mark_dir_changed(olddattr);
	if (newdattr)
		mark_dir_changed(newdattr);
	oldattr->flags |= IOFUNC_ATTR_CTIME | IOFUNC_ATTR_DIRTY_TIME;
	return EOK;
}
