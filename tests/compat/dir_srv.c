/*
 * A small filesystem-like resource manager in the style of QNX's guide
 * ("Handling directories", the atoz example): it attaches a directory
 * (_RESMGR_FLAG_DIR) whose _IO_READ answers struct dirent records, and
 * serves unlink, rename, mknod/mkdir, link, symlink and readlink through the
 * iofunc helpers that check permissions and count links. Files keep what
 * is written to them (the data fetched with resmgr_msgget); a read of an
 * empty file named "wait" is held and handled again with resmgr_msg_again
 * once someone writes to it.
 * Usage: dir_srv MOUNTPOINT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>

/* QNX's <dirent.h> struct dirent, the record a directory read returns
 * (64-bit ino and offset, then the record and name lengths). */
struct qnx_dirent {
	uint64_t d_ino;
	int64_t d_offset;
	int16_t d_reclen;
	int16_t d_namelen;
	char d_name[1];
};
#define DIRENT_HDR offsetof(struct qnx_dirent, d_name)
/* records start on 8-byte boundaries: d_ino and d_offset are 64-bit */
#define ALIGN(x) (((x) + 7) & ~(size_t)7)

#define MAXENT	32
#define DATAMAX 8192

struct entry {
	int used;
	char name[64];
	char target[256];  /* symbolic links */
	iofunc_attr_t *ap; /* &attr, or a hard link's other entry's */
	iofunc_attr_t attr;
	char data[DATAMAX];
};

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t root;
static iofunc_mount_t mount;
static struct entry ents[MAXENT];
static int held_rcvid; /* a read of "wait" waiting for data */

static struct entry *lookup(const char *name)
{
	int i;

	for (i = 0; i < MAXENT; i++)
		if (ents[i].used && strcmp(ents[i].name, name) == 0)
			return &ents[i];
	return NULL;
}

/* The entry that owns attr (and its data). */
static struct entry *of_attr(iofunc_attr_t *attr)
{
	int i;

	for (i = 0; i < MAXENT; i++)
		if (ents[i].used && &ents[i].attr == attr)
			return &ents[i];
	return NULL;
}

static struct entry *create(const char *name, mode_t mode,
			    struct _client_info *info)
{
	int i;

	if (strlen(name) >= sizeof(ents[0].name) || strchr(name, '/'))
		return NULL;
	for (i = 0; i < MAXENT; i++) {
		if (ents[i].used)
			continue;
		memset(&ents[i], 0, sizeof(ents[i]));
		ents[i].used = 1;
		strcpy(ents[i].name, name);
		iofunc_attr_init(&ents[i].attr, mode, &root, info);
		ents[i].attr.inode = (uint64_t)i + 2;
		ents[i].ap = &ents[i].attr;
		if (S_ISDIR(mode)) {
			ents[i].attr.nlink = 2; /* "." and the entry */
			root.nlink++;		/* its ".." */
		}
		return &ents[i];
	}
	return NULL;
}

static int io_open(resmgr_context_t *ctp, io_open_t *msg,
		   RESMGR_HANDLE_T *handle, void *extra)
{
	struct _client_info info;
	struct entry *e;
	int status;

	if (msg->connect.path[0] == '\0')
		return iofunc_open_default(ctp, msg, handle, extra);
	e = lookup(msg->connect.path);
	if (!e && (msg->connect.ioflag & O_CREAT)) {
		if ((status = iofunc_client_info(ctp, 0, &info)) != EOK)
			return status;
		status = iofunc_open(ctp, msg, NULL, &root, &info);
		if (status != EOK)
			return status;
		e = create(msg->connect.path, msg->connect.mode, &info);
		if (!e)
			return ENOSPC;
	}
	if (!e)
		return ENOENT;
	return iofunc_open_default(ctp, msg, e->ap, extra);
}

static int io_unlink(resmgr_context_t *ctp, io_unlink_t *msg,
		     RESMGR_HANDLE_T *handle, void *reserved)
{
	struct entry *e = lookup(msg->connect.path);
	int status;

	(void)reserved;
	if (!e)
		return ENOENT;
	status = iofunc_unlink(ctp, msg, e->ap, handle, NULL);
	if (status != EOK)
		return status;
	if (e->ap != &e->attr || (e->attr.nlink == 0 && e->attr.count == 0))
		e->used = 0; /* a hard link's name, or nothing left */
	else
		e->name[0] = '\0'; /* linked or open still: keep the data */
	return EOK;
}

static int io_rename(resmgr_context_t *ctp, io_rename_t *msg,
		     RESMGR_HANDLE_T *handle, io_rename_extra_t *extra)
{
	struct entry *from, *to;
	int status;

	/* the old name, relative to our mount point like connect.path */
	if (!(from = lookup(extra->path)))
		return ENOENT;
	to = lookup(msg->connect.path);
	status = iofunc_rename(ctp, msg, from->ap, handle, to ? to->ap : NULL,
			       handle, NULL);
	if (status != EOK)
		return status;
	if (to && to != from)
		to->used = 0;
	snprintf(from->name, sizeof(from->name), "%s", msg->connect.path);
	return EOK;
}

static int io_mknod(resmgr_context_t *ctp, io_mknod_t *msg,
		    RESMGR_HANDLE_T *handle, void *reserved)
{
	struct _client_info info;
	struct entry *e = lookup(msg->connect.path);
	int status;

	(void)reserved;
	if ((status = iofunc_client_info(ctp, 0, &info)) != EOK)
		return status;
	status = iofunc_mknod(ctp, msg, e ? e->ap : NULL, handle, &info);
	if (status != EOK)
		return status;
	if (!create(msg->connect.path, msg->connect.mode, &info))
		return ENOSPC;
	return EOK;
}

static int io_link(resmgr_context_t *ctp, io_link_t *msg,
		   RESMGR_HANDLE_T *handle, io_link_extra_t *extra)
{
	struct _client_info info;
	struct entry *e;
	int status;

	if (lookup(msg->connect.path))
		return EEXIST;
	if ((status = iofunc_client_info(ctp, 0, &info)) != EOK)
		return status;
	if (msg->connect.extra_type == _IO_CONNECT_EXTRA_LINK) {
		/* a hard link: the library gives us the old file's OCB */
		iofunc_attr_t *attr = ((iofunc_ocb_t *)extra->ocb)->attr;

		if ((status = iofunc_link(ctp, msg, attr, handle, &info)) !=
		    EOK)
			return status;
		if (!(e = create(msg->connect.path, attr->mode, &info))) {
			attr->nlink--;
			return ENOSPC;
		}
		e->ap = attr;
		return EOK;
	}
	if (msg->connect.extra_type != _IO_CONNECT_EXTRA_SYMLINK)
		return ENOSYS;
	if ((status = iofunc_link(ctp, msg, NULL, handle, &info)) != EOK)
		return status;
	if (!(e = create(msg->connect.path, S_IFLNK | 0777, &info)))
		return ENOSPC;
	snprintf(e->target, sizeof(e->target), "%s", extra->path);
	return EOK;
}

static int io_readlink(resmgr_context_t *ctp, io_readlink_t *msg,
		       RESMGR_HANDLE_T *handle, void *reserved)
{
	struct entry *e = lookup(msg->connect.path);
	int status;

	(void)handle;
	(void)reserved;
	if ((status = iofunc_readlink(ctp, msg, e ? e->ap : NULL, NULL)) != EOK)
		return status;
	memset(&msg->link_reply, 0, sizeof(msg->link_reply));
	msg->link_reply.path_len = (uint16_t)strlen(e->target);
	SETIOV(ctp->iov + 0, &msg->link_reply, sizeof(msg->link_reply));
	SETIOV(ctp->iov + 1, e->target, msg->link_reply.path_len);
	_IO_SET_CONNECT_RET(ctp, _IO_CONNECT_RET_LINK);
	return _RESMGR_NPARTS(2);
}

/* Directory reads: records from entry number ocb->offset on, as many as
 * fit the client's buffer (never more than our reply buffer). */
static int dir_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static _Alignas(8) char buf[4096];
	size_t room = (size_t)msg->i.nbytes, used = 0, reclen, nlen;
	struct qnx_dirent *dp;
	const char *name;
	int i, k;

	if (room > sizeof(buf))
		room = sizeof(buf);
	for (k = (int)ocb->offset; k < MAXENT + 2; k++) {
		if (k == 0)
			name = ".";
		else if (k == 1)
			name = "..";
		else if (ents[k - 2].used && ents[k - 2].name[0])
			name = ents[k - 2].name;
		else
			continue;
		nlen = strlen(name);
		reclen = ALIGN(DIRENT_HDR + nlen + 1);
		if (used + reclen > room)
			break;
		dp = (struct qnx_dirent *)(buf + used);
		memset(dp, 0, reclen);
		i = k < 2 ? 1 : k;
		dp->d_ino = (uint64_t)i;
		dp->d_offset = k + 1;
		strcpy(dp->d_name, name);
		dp->d_namelen = (int16_t)nlen;
		dp->d_reclen = (int16_t)reclen;
		used += reclen;
	}
	ocb->offset = k;
	ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	_IO_SET_READ_NBYTES(ctp, (int)used);
	SETIOV(ctp->iov, buf, used);
	return _RESMGR_NPARTS(1);
}

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	struct entry *e = of_attr(ocb->attr);
	int status, n;

	if ((status = iofunc_read_verify(ctp, msg, ocb, NULL)) != EOK)
		return status;
	if (S_ISDIR(ocb->attr->mode))
		return dir_read(ctp, msg, ocb);
	if (!e)
		return EBADF;
	if (ocb->offset >= e->attr.nbytes && strcmp(e->name, "wait") == 0 &&
	    !held_rcvid) {
		held_rcvid = ctp->rcvid; /* answered once data arrives */
		printf("held\n");
		fflush(stdout);
		return _RESMGR_NOREPLY;
	}
	n = (int)(e->attr.nbytes - ocb->offset);
	if (n > msg->i.nbytes)
		n = msg->i.nbytes;
	if (n < 0)
		n = 0;
	_IO_SET_READ_NBYTES(ctp, n);
	SETIOV(ctp->iov, e->data + ocb->offset, n);
	ocb->offset += n;
	return _RESMGR_NPARTS(1);
}

static int io_write(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb)
{
	struct entry *e = of_attr(ocb->attr);
	int status, n, again;
	ssize_t got;

	if ((status = iofunc_write_verify(ctp, msg, ocb, NULL)) != EOK)
		return status;
	if (!e || S_ISDIR(e->attr.mode))
		return EISDIR;
	n = msg->i.nbytes;
	if (ocb->offset + n > DATAMAX)
		return ENOSPC;
	/* the data follows the header, mostly beyond our receive buffer */
	got = resmgr_msgget(ctp, e->data + ocb->offset, (size_t)n,
			    sizeof(msg->i));
	if (got != n)
		return EIO;
	ocb->offset += n;
	if (ocb->offset > e->attr.nbytes)
		e->attr.nbytes = ocb->offset;
	_IO_SET_WRITE_NBYTES(ctp, n);
	if (!held_rcvid)
		return EOK;
	/* answer the writer, then handle the held read again */
	MsgReply(ctp->rcvid, n, NULL, 0);
	again = held_rcvid;
	held_rcvid = 0;
	if (resmgr_msg_again(ctp, again) == -1)
		MsgError(again, errno);
	return _RESMGR_NOREPLY;
}

int main(int argc, char **argv)
{
	dispatch_t *dpp;
	dispatch_context_t *ctp;
	resmgr_attr_t rattr;
	dev_t dev;
	ino_t ino;
	int id;

	if (argc != 2) {
		fprintf(stderr, "usage: dir_srv MOUNTPOINT\n");
		return 2;
	}
	if ((dpp = dispatch_create()) == NULL) {
		perror("dispatch_create");
		return 1;
	}
	memset(&rattr, 0, sizeof(rattr));
	rattr.nparts_max = 2;
	rattr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	connect_funcs.open = io_open;
	connect_funcs.unlink = io_unlink;
	connect_funcs.rename = io_rename;
	connect_funcs.mknod = io_mknod;
	connect_funcs.link = io_link;
	connect_funcs.readlink = io_readlink;
	io_funcs.read = io_read;
	io_funcs.write = io_write;

	memset(&mount, 0, sizeof(mount));
	mount.conf = IOFUNC_PC_NO_TRUNC | IOFUNC_PC_CHOWN_RESTRICTED;
	iofunc_attr_init(&root, S_IFDIR | 0777, NULL, NULL);
	root.mount = &mount;
	root.nlink = 2;
	root.inode = 1;
	create("alpha", S_IFREG | 0666, NULL);
	create("beta", S_IFREG | 0666, NULL);
	create("wait", S_IFREG | 0666, NULL);

	id = resmgr_attach(dpp, &rattr, argv[1], _FTYPE_ANY, _RESMGR_FLAG_DIR,
			   &connect_funcs, &io_funcs, &root);
	if (id == -1) {
		perror("resmgr_attach");
		return 1;
	}
	if (resmgr_devino(id, &dev, &ino) == -1 ||
	    resmgr_devino(id + 100, &dev, &ino) != -1 || errno != EINVAL) {
		fprintf(stderr, "resmgr_devino does not work\n");
		return 1;
	}
	printf("devino %lu %lu\n", (unsigned long)dev, (unsigned long)ino);
	fflush(stdout);
	ctp = dispatch_context_alloc(dpp);
	for (;;) {
		if ((ctp = dispatch_block(ctp)) == NULL) {
			perror("dispatch_block");
			return 1;
		}
		dispatch_handler(ctp);
	}
}
