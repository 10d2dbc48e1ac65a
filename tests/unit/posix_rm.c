/*
 * posix_rm: a tiny in-memory resource manager for the POSIX-layer tests
 * (check_posix and the preload_*.sh scripts). It is written against the raw
 * kernel calls (a MsgReceive loop handling _IO_CONNECT, _IO_READ, _IO_WRITE,
 * _IO_LSEEK, _IO_STAT, _IO_CLOSE, _IO_DUP, ...), not the resmgr framework,
 * so the tests exercise libnto's client side alone. Not installed.
 *
 * usage: posix_rm [-d] [-b|-a] [-o] [-r] [-e ERRNO] [-i ID] [-R FD] [-D]
 *                 [-f NAME=TEXT]... [-F NAME=HOSTFILE]... PREFIX
 *   -d  register PREFIX as a directory (_RESMGR_FLAG_DIR)
 *   -b / -a / -o  _RESMGR_FLAG_BEFORE / AFTER / OPAQUE
 *   -r  read-only: creating or writing fails with EROFS
 *   -e  answer every _IO_CONNECT with errno ERRNO (fall-through tests)
 *   -i  server id: st_dev is makedev(77, ID); the file ".id" reads "ID\n"
 *   -R  write "ready\n" to fd FD once registered, then close it
 *   -D  daemonize: return once registered, printing the server's pid
 *   -f / -F  initial files (content from the argument / a host file)
 * posix_rm -W PATH waits (up to 10 s, woken by ipcd, no polling) until PATH
 * resolves to a registered server and exits 0, else 1: the scripts use it
 * to know a foreground server is ready.
 * Special files: ".ocbs" reads the number of other open OCBs, ".id" the id.
 * Opening the prefix itself gives the file named "" (-f =TEXT) if there is
 * one, else (with -d) a directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "lib/internal.h" /* nto__ctl_call: this helper links libnto statically */

#define F_ALLOCSP64_ 110
#define F_FREESP64_  111
#define RCV_MAX	     65536

struct file {
	char *name;
	char *data;
	size_t size, cap;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	time_t atime, mtime, ctime;
	ino_t ino;
	int refs; /* table + OCBs */
	struct file *next;
};

struct ocb {
	struct file *f;
	off_t off;
	unsigned ioflag;
	int refs; /* bindings */
};

struct binding {
	int scoid, coid;
	struct ocb *ocb;
	struct binding *next;
};

static struct file *files;
static struct binding *bindings;
static int nocbs;
static int srv_id, conn_errno, readonly, is_dir;
static ino_t next_ino = 2;
static char noname[1];
static struct file dirfile = {.name = noname, .mode = S_IFDIR | 0755};

static void die(const char *what)
{
	fprintf(stderr, "posix_rm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct file *file_find(const char *name)
{
	struct file *f;

	for (f = files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static void file_unref(struct file *f)
{
	if (f != &dirfile && --f->refs == 0) {
		free(f->name);
		free(f->data);
		free(f);
	}
}

static int file_reserve(struct file *f, size_t n)
{
	char *p;
	size_t cap = f->cap ? f->cap : 4096;

	if (n <= f->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = realloc(f->data, cap);
	if (!p)
		return -ENOMEM;
	memset(p + f->cap, 0, cap - f->cap);
	f->data = p;
	f->cap = cap;
	return 0;
}

static struct file *file_new(const char *name, const void *data, size_t n,
			     mode_t mode)
{
	struct file *f = calloc(1, sizeof(*f));

	if (!f || !(f->name = strdup(name)) || file_reserve(f, n ? n : 1) < 0)
		die("file_new");
	memcpy(f->data, data, n);
	f->size = n;
	f->mode = S_IFREG | (mode & 07777);
	f->uid = geteuid();
	f->gid = getegid();
	f->atime = f->mtime = f->ctime = time(NULL);
	f->ino = next_ino++;
	f->refs = 1;
	f->next = files;
	files = f;
	return f;
}

static void file_unlink(struct file *f)
{
	struct file **pp;

	for (pp = &files; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			file_unref(f);
			return;
		}
}

static struct binding *binding_find(int scoid, int coid)
{
	struct binding *b;

	for (b = bindings; b; b = b->next)
		if (b->scoid == scoid && b->coid == coid)
			return b;
	return NULL;
}

static int bind_ocb(int scoid, int coid, struct ocb *o)
{
	struct binding *b = calloc(1, sizeof(*b));

	if (!b)
		return ENOMEM;
	b->scoid = scoid;
	b->coid = coid;
	b->ocb = o;
	o->refs++;
	b->next = bindings;
	bindings = b;
	return 0;
}

static void ocb_unref(struct ocb *o)
{
	if (--o->refs == 0) {
		file_unref(o->f);
		free(o);
		nocbs--;
	}
}

static void unbind(struct binding *b)
{
	struct binding **pp;

	for (pp = &bindings; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			ocb_unref(b->ocb);
			free(b);
			return;
		}
}

static void fill_stat(const struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(77, (unsigned)srv_id);
	st->st_ino = f == &dirfile ? 1 : f->ino;
	st->st_mode = f->mode;
	st->st_nlink = 1;
	st->st_uid = f == &dirfile ? geteuid() : f->uid;
	st->st_gid = f == &dirfile ? getegid() : f->gid;
	st->st_size = (off_t)f->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((f->size + 511) / 512);
	st->st_atime = f->atime;
	st->st_mtime = f->mtime;
	st->st_ctime = f->ctime;
}

/* ---- handlers: return an errno (MsgError) or -1 (already replied) ---- */

static int do_connect(int rcvid, const struct _msg_info *info,
		      const struct _io_connect *c, int len)
{
	char path[1024], tmp[32];
	struct file *f;
	struct ocb *o;
	size_t off = offsetof(struct _io_connect, path);
	unsigned acc;
	int rc;

	if (conn_errno)
		return conn_errno;
	if ((size_t)len < off || c->path_len == 0 ||
	    c->path_len > sizeof(path) || off + c->path_len > (size_t)len)
		return EINVAL;
	memcpy(path, c->path, c->path_len);
	path[c->path_len - 1] = '\0';
	f = file_find(path);
	if (!f && !path[0] && is_dir)
		f = &dirfile; /* the prefix itself */
	acc = c->ioflag & _IO_FLAG_MASK;
	if (c->subtype == _IO_CONNECT_UNLINK) {
		if (!f)
			return ENOENT;
		if (f == &dirfile)
			return EBUSY;
		if (readonly)
			return EROFS;
		file_unlink(f);
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	}
	if (c->subtype != _IO_CONNECT_OPEN &&
	    c->subtype != _IO_CONNECT_COMBINE &&
	    c->subtype != _IO_CONNECT_COMBINE_CLOSE)
		return ENOSYS;
	if (!strcmp(path, ".ocbs") || !strcmp(path, ".id")) {
		snprintf(tmp, sizeof(tmp), "%d\n",
			 path[1] == 'o' ? nocbs : srv_id);
		if (!f)
			f = file_new(path, tmp, strlen(tmp), 0444);
		if (file_reserve(f, strlen(tmp) + 1) < 0)
			return ENOMEM;
		f->size = strlen(tmp);
		memcpy(f->data, tmp, f->size + 1);
	}
	if (!f) {
		if (!(c->ioflag & O_CREAT))
			return ENOENT;
		if (readonly)
			return EROFS;
		if (strchr(path, '/'))
			return ENOENT; /* no subdirectories */
		f = file_new(path, "", 0, c->mode);
	} else if ((c->ioflag & O_CREAT) && (c->ioflag & O_EXCL)) {
		return EEXIST;
	}
	if (f == &dirfile && (acc & _IO_FLAG_WR))
		return EISDIR;
	if (readonly && (acc & _IO_FLAG_WR))
		return EROFS;
	if ((c->ioflag & O_TRUNC) && (acc & _IO_FLAG_WR)) {
		f->size = 0;
		f->mtime = f->ctime = time(NULL);
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return ENOMEM;
	o->f = f;
	if (f != &dirfile)
		f->refs++;
	o->ioflag = c->ioflag;
	nocbs++;
	rc = bind_ocb(info->scoid, info->coid, o);
	if (rc) {
		o->refs = 1;
		ocb_unref(o);
		return rc;
	}
	MsgReply(rcvid, EOK, NULL, 0);
	return -1;
}

static int do_read(int rcvid, struct ocb *o, const struct _io_read *m, int len)
{
	off_t pos = o->off;
	size_t n;

	if (!(o->ioflag & _IO_FLAG_RD))
		return EBADF;
	if (o->f == &dirfile)
		return EISDIR;
	if ((m->xtype & _IO_XTYPE_MASK) == _IO_XTYPE_OFFSET) {
		if ((size_t)len < sizeof(*m) + sizeof(struct _xtype_offset))
			return EINVAL;
		pos = ((const struct _xtype_offset *)(m + 1))->offset;
	} else if ((m->xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE) {
		return ENOSYS;
	}
	if (m->nbytes < 0)
		return EINVAL;
	n = (size_t)pos < o->f->size ? o->f->size - (size_t)pos : 0;
	if (n > (size_t)m->nbytes)
		n = (size_t)m->nbytes;
	if ((m->xtype & _IO_XTYPE_MASK) == _IO_XTYPE_NONE)
		o->off = pos + (off_t)n;
	o->f->atime = time(NULL);
	MsgReply(rcvid, (int)n, o->f->data + pos, (int)n);
	return -1;
}

static int do_write(int rcvid, struct ocb *o, const struct _io_write *m,
		    int len)
{
	size_t hdr = sizeof(*m);
	off_t pos = o->off;
	int offset_x = 0, got;

	if (!(o->ioflag & _IO_FLAG_WR))
		return EBADF;
	if ((m->xtype & _IO_XTYPE_MASK) == _IO_XTYPE_OFFSET) {
		if ((size_t)len < hdr + sizeof(struct _xtype_offset))
			return EINVAL;
		pos = ((const struct _xtype_offset *)(m + 1))->offset;
		hdr += sizeof(struct _xtype_offset);
		offset_x = 1;
	} else if ((m->xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE) {
		return ENOSYS;
	}
	if (m->nbytes < 0 || pos < 0)
		return EINVAL;
	if (!offset_x && (o->ioflag & O_APPEND))
		pos = (off_t)o->f->size;
	if (file_reserve(o->f, (size_t)pos + (size_t)m->nbytes) < 0)
		return ENOSPC;
	got = MsgRead(rcvid, o->f->data + pos, m->nbytes, (int)hdr);
	if (got < 0)
		return errno;
	if ((size_t)pos + (size_t)got > o->f->size)
		o->f->size = (size_t)pos + (size_t)got;
	if (!offset_x)
		o->off = pos + got;
	o->f->mtime = o->f->ctime = time(NULL);
	MsgReply(rcvid, got, NULL, 0);
	return -1;
}

static int do_lseek(int rcvid, struct ocb *o, const struct _io_lseek *m)
{
	int64_t base, pos;

	switch (m->whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = o->off;
		break;
	case SEEK_END:
		base = (int64_t)o->f->size;
		break;
	default:
		return EINVAL; /* as iofunc_lseek_default: no SEEK_DATA/HOLE */
	}
	pos = base + (int64_t)m->offset;
	if (pos < 0)
		return EINVAL;
	o->off = pos;
	MsgReply(rcvid, 0, &pos, sizeof(pos));
	return -1;
}

static int do_space(int rcvid, struct ocb *o, const struct _io_space *m)
{
	uint64_t size;

	if (!(o->ioflag & _IO_FLAG_WR))
		return EBADF;
	if (m->whence != SEEK_SET)
		return EINVAL;
	if (m->subtype == F_FREESP64_) {
		if (m->start < o->f->size)
			o->f->size = (size_t)m->start;
	} else if (m->subtype == F_ALLOCSP64_) {
		size = m->start + m->len;
		if (file_reserve(o->f, (size_t)size) < 0)
			return ENOSPC;
		if (size > o->f->size) {
			memset(o->f->data + o->f->size, 0,
			       (size_t)size - o->f->size);
			o->f->size = (size_t)size;
		}
	} else {
		return EINVAL;
	}
	size = o->f->size;
	MsgReply(rcvid, 0, &size, sizeof(size));
	return -1;
}

static void do_disconnect(int scoid)
{
	struct binding *b, *n;

	for (b = bindings; b; b = n) {
		n = b->next;
		if (b->scoid == scoid)
			unbind(b);
	}
	ConnectDetach(scoid);
}

static int handle(int rcvid, const struct _msg_info *info, void *buf, int len)
{
	const struct _io_combine *h = buf;
	struct binding *b;
	struct stat st;

	if ((size_t)len < sizeof(*h))
		return EINVAL;
	if (h->type == _IO_CONNECT)
		return do_connect(rcvid, info, buf, len);
	if (h->type == _IO_DUP) {
		const struct _io_dup *d = buf;

		if ((size_t)len < sizeof(*d))
			return EINVAL;
		b = binding_find(d->info.scoid, d->info.coid);
		if (!b)
			return EBADF;
		if (bind_ocb(info->scoid, info->coid, b->ocb))
			return ENOMEM;
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	}
	b = binding_find(info->scoid, info->coid);
	if (!b)
		return EBADF; /* what the resmgr layer answers, too */
	switch (h->type) {
	case _IO_CLOSE:
		unbind(b);
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	case _IO_READ:
		if ((size_t)len < sizeof(struct _io_read))
			return EINVAL;
		return do_read(rcvid, b->ocb, buf, len);
	case _IO_WRITE:
		if ((size_t)len < sizeof(struct _io_write))
			return EINVAL;
		return do_write(rcvid, b->ocb, buf, len);
	case _IO_LSEEK:
		if ((size_t)len < sizeof(struct _io_lseek))
			return EINVAL;
		return do_lseek(rcvid, b->ocb, buf);
	case _IO_STAT:
		fill_stat(b->ocb->f, &st);
		MsgReply(rcvid, EOK, &st, sizeof(st));
		return -1;
	case _IO_SYNC:
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	case _IO_SPACE:
		if ((size_t)len < sizeof(struct _io_space))
			return EINVAL;
		return do_space(rcvid, b->ocb, buf);
	case _IO_CHMOD:
		if (b->ocb->f == &dirfile)
			return EPERM;
		b->ocb->f->mode =
			(b->ocb->f->mode & S_IFMT) |
			(((const struct _io_chmod *)buf)->mode & 07777);
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	case _IO_CHOWN:
		if (b->ocb->f == &dirfile)
			return EPERM;
		b->ocb->f->uid = (uid_t)((const struct _io_chown *)buf)->uid;
		b->ocb->f->gid = (gid_t)((const struct _io_chown *)buf)->gid;
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	case _IO_UTIME: {
		const struct _io_utime *u = buf;

		if (b->ocb->f == &dirfile)
			return EPERM;
		b->ocb->f->atime = u->cur_flag ? time(NULL) : u->times.actime;
		b->ocb->f->mtime = u->cur_flag ? time(NULL) : u->times.modtime;
		MsgReply(rcvid, EOK, NULL, 0);
		return -1;
	}
	default:
		return ENOSYS;
	}
}

static void load_file(const char *arg, int from_host)
{
	const char *eq = strchr(arg, '=');
	char name[256], *data = NULL;
	size_t n = 0;

	if (!eq || (size_t)(eq - arg) >= sizeof(name)) {
		fprintf(stderr, "posix_rm: bad file spec %s\n", arg);
		exit(2);
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (from_host) {
		FILE *fp = fopen(eq + 1, "rb");
		size_t cap = 0, r;

		if (!fp)
			die(eq + 1);
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 65536;
				data = realloc(data, cap);
				if (!data)
					die("realloc");
			}
			r = fread(data + n, 1, cap - n, fp);
			n += r;
		} while (r > 0);
		fclose(fp);
		file_new(name, data, n, 0644);
		free(data);
	} else {
		file_new(name, eq + 1, strlen(eq + 1), 0644);
	}
}

static int attach_path(int chid, const char *prefix, unsigned flags)
{
	char buf[sizeof(struct nto_ctl_path) + NTO_PATH_MAX];
	struct nto_ctl_path *req = (struct nto_ctl_path *)buf;
	struct nto_ctl_id rep;
	size_t len = strlen(prefix), got = 0;
	int rc;

	if (len >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	memset(req, 0, sizeof(*req));
	req->chid = chid;
	req->handle = 1;
	req->flags = flags;
	req->ftype = _FTYPE_ANY;
	memcpy(req->path, prefix, len + 1);
	rc = nto__ctl_call(NTO_CTL_PATH_ATTACH, req, sizeof(*req) + len + 1,
			   &rep, sizeof(rep), &got, NULL, 0, NULL);
	return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
	unsigned flags = 0;
	int c, chid, ready_fd = -1, daemonize = 0, rc, pfd[2] = {-1, -1};
	static char buf[RCV_MAX];
	const char *prefix;
	pid_t pid;

	while ((c = getopt(argc, argv, "dbaore:i:R:Df:F:W:")) != -1) {
		switch (c) {
		case 'W':
			return nto_path_wait(optarg, 10000) == 0 ? 0 : 1;
		case 'd':
			flags |= 0x100;
			is_dir = 1;
			break;
		case 'b':
			flags |= 0x1;
			break;
		case 'a':
			flags |= 0x2;
			break;
		case 'o':
			flags |= 0x4;
			break;
		case 'r':
			readonly = 1;
			break;
		case 'e':
			conn_errno = atoi(optarg);
			break;
		case 'i':
			srv_id = atoi(optarg);
			break;
		case 'R':
			ready_fd = atoi(optarg);
			break;
		case 'D':
			daemonize = 1;
			break;
		case 'f':
			load_file(optarg, 0);
			break;
		case 'F':
			load_file(optarg, 1);
			break;
		default:
			fprintf(stderr, "posix_rm: see the source for usage\n");
			return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	prefix = argv[optind];
	if (daemonize) {
		char ok = 0;
		struct pollfd p;

		if (pipe(pfd) < 0)
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid > 0) {
			close(pfd[1]);
			p.fd = pfd[0];
			p.events = POLLIN;
			if (poll(&p, 1, 10000) == 1 &&
			    read(pfd[0], &ok, 1) == 1 && ok == 'r') {
				printf("%d\n", (int)pid);
				return 0;
			}
			kill(pid, SIGKILL);
			fprintf(stderr, "posix_rm: server did not start\n");
			return 1;
		}
		close(pfd[0]);
		setsid();
		ready_fd = pfd[1];
	}
	chid = ChannelCreate(_NTO_CHF_DISCONNECT);
	if (chid < 0)
		die("ChannelCreate");
	rc = attach_path(chid, prefix, flags);
	if (rc < 0) {
		errno = -rc;
		die("path attach");
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, daemonize ? "r" : "ready\n",
			  daemonize ? 1 : 6) < 0)
			die("ready");
		close(ready_fd);
	}
	if (daemonize) {
		/* stdio must not keep the caller's pipes open */
		int nul = open("/dev/null", O_RDWR);

		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			if (nul > 1)
				close(nul);
		}
	}
	for (;;) {
		struct _msg_info info;
		int rcvid = MsgReceive(chid, buf, sizeof(buf), &info);

		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ESRCH ? 0 : 1; /* ipcd is gone */
		}
		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)buf;

			if (p->code == _PULSE_CODE_DISCONNECT)
				do_disconnect(p->scoid);
			continue;
		}
		rc = handle(rcvid, &info, buf,
			    info.msglen < RCV_MAX ? info.msglen : RCV_MAX);
		if (rc >= 0)
			MsgError(rcvid, rc);
	}
}
