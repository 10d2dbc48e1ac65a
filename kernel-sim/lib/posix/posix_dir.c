/*
 * POSIX directory streams over messages: opendir/fdopendir/readdir/
 * readdir_r/rewinddir/telldir/seekdir/dirfd/closedir on directories a
 * resource manager serves (its _IO_READ answers QNX struct dirent records,
 * turned here into glibc's for programs built without ntosim's headers),
 * and on pathname-space directories nobody serves but registrations sit
 * below (/dev/name/local: the names come from ipcd's PATH_LIST). Streams
 * libc opened go to libc untouched. QNX's view of the same streams is
 * posix_qdir.c.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#define NTOSIM_GLIBC_DIRENT 1 /* glibc's struct dirent, not QNX's */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"
#include "dir_internal.h"

NTO_REAL_DECL(opendir);
NTO_REAL_DECL(fdopendir);
NTO_REAL_DECL(readdir);
NTO_REAL_DECL(readdir64);
NTO_REAL_DECL(readdir_r);
NTO_REAL_DECL(readdir64_r);
NTO_REAL_DECL(closedir);
NTO_REAL_DECL(rewinddir);
NTO_REAL_DECL(telldir);
NTO_REAL_DECL(seekdir);
NTO_REAL_DECL(dirfd);

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64),
	       "struct dirent and dirent64 must share a layout");

static pthread_mutex_t dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nto_dir *dirs;
static _Atomic int ndirs;

/* The record keyed by d, any kind (NULL if none). */
struct nto_dir *nto__dir_find(DIR *d)
{
	struct nto_dir *p;

	if (__builtin_expect(atomic_load(&ndirs) == 0, 1) || !d)
		return NULL;
	pthread_mutex_lock(&dirs_lock);
	for (p = dirs; p && p->key != d; p = p->next)
		;
	pthread_mutex_unlock(&dirs_lock);
	return p;
}

/* d (a DIR* a caller gave us) if it is a stream of ours, else NULL
 * (glibc's, adopted or not). */
static struct nto_dir *ours(DIR *d)
{
	struct nto_dir *p = nto__dir_find(d);

	return p && !p->adopted ? p : NULL;
}

static struct nto_dir *dir_alloc(void)
{
	struct nto_dir *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	d->fd = -1;
	return d;
}

static void dir_link(struct nto_dir *d)
{
	pthread_mutex_lock(&dirs_lock);
	d->next = dirs;
	dirs = d;
	atomic_fetch_add(&ndirs, 1);
	pthread_mutex_unlock(&dirs_lock);
}

static DIR *dir_new(int fd, char *names, size_t names_len)
{
	struct nto_dir *d = dir_alloc();

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->key = (DIR *)(void *)d;
	d->fd = fd;
	d->names = names;
	d->names_len = names_len;
	dir_link(d);
	return d->key;
}

struct nto_dir *nto__dir_adopt(DIR *real)
{
	struct nto_dir *d = nto__dir_find(real), *p;

	if (d)
		return d;
	d = dir_alloc();
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->key = real;
	d->adopted = 1;
	pthread_mutex_lock(&dirs_lock);
	for (p = dirs; p && p->key != real; p = p->next)
		;
	if (!p) {
		d->next = dirs;
		dirs = d;
		atomic_fetch_add(&ndirs, 1);
	}
	pthread_mutex_unlock(&dirs_lock);
	if (p) { /* another thread adopted it meanwhile */
		pthread_mutex_destroy(&d->lock);
		free(d);
		d = p;
	}
	return d;
}

static void dir_free(struct nto_dir *d)
{
	struct nto_dir **pp;

	pthread_mutex_lock(&dirs_lock);
	for (pp = &dirs; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = d->next;
		atomic_fetch_sub(&ndirs, 1);
	}
	pthread_mutex_unlock(&dirs_lock);
	pthread_mutex_destroy(&d->lock);
	free(d->names);
	free(d);
}

/* ---- the pathname space's own directories ---- */

int nto__pathspace_list(const char *path, char **names, size_t *len)
{
	char buf[sizeof(struct nto_ctl_path) + NTO_PATH_MAX];
	struct nto_ctl_path *req = (struct nto_ctl_path *)(void *)buf;
	struct nto_ctl_path_list_rep *rep;
	char norm[NTO_PATH_MAX];
	size_t got = 0, used, i;
	int rc, n;

	n = nto__path_normalize(path, norm, sizeof(norm));
	if (n < 0)
		return n == -EINVAL ? -ENOENT : n;
	if (!nto__pathspace_maybe_up())
		return -ENOENT;
	rep = malloc(NTO_CTL_REPLY_MAX);
	if (!rep)
		return -ENOMEM;
	memset(req, 0, sizeof(*req));
	memcpy(req->path, norm, (size_t)n + 1);
	nto__posix_busy++;
	rc = nto__ctl_call(NTO_CTL_PATH_LIST, req, sizeof(*req) + (size_t)n + 1,
			   rep, NTO_CTL_REPLY_MAX, &got, NULL, 0, NULL);
	nto__posix_busy--;
	if (rc < 0 || got <= sizeof(*rep) || rep->n == 0) {
		free(rep);
		return rc < 0 && rc != -ENOTCONN ? rc : -ENOENT;
	}
	/* ipcd's reply, checked: whole NUL-terminated names only */
	used = got - sizeof(*rep);
	for (i = used; i > 0 && rep->names[i - 1] != '\0'; i--)
		;
	if (i == 0) {
		free(rep);
		return -ENOENT;
	}
	if (names) {
		memmove(rep, rep->names, i);
		*names = (char *)rep;
		*len = i;
	} else {
		free(rep);
	}
	return 0;
}

int nto__pathspace_dir_stat(int dirfd, const char *path, struct stat *st)
{
	char abs[NTO_PATH_MAX];
	int rc = nto__sim_abspath(dirfd, path, abs, sizeof(abs));

	if (rc <= 0)
		return -ENOENT;
	rc = nto__pathspace_list(abs, NULL, NULL);
	if (rc < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2;
	st->st_blksize = NTO_DIR_BUF;
	return 0;
}

int nto__stat_fallback(int rc, int dirfd, const char *path, struct stat *st)
{
	int err = errno;

	if (rc == 0 || err != ENOENT || !path || !st)
		return rc;
	if (nto__pathspace_dir_stat(dirfd, path, st) == 0)
		return 0;
	errno = err;
	return rc;
}

/* ---- opening ---- */

NTO_EXPORT DIR *opendir(const char *name)
{
	char abs[NTO_PATH_MAX], *names = NULL;
	size_t len = 0;
	DIR *d;
	int fd, err;

	fd = nto__sim_openat(AT_FDCWD, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			     0);
	if (fd >= 0) {
		d = dir_new(fd, NULL, 0);
		if (!d)
			nto__sim_close(fd);
		return d;
	}
	if (fd != NTO_NOT_SIM) {
		errno = -fd;
		return NULL;
	}
	d = NTO_REAL(opendir)(name);
	if (d || errno != ENOENT)
		return d;
	err = errno;
	if (nto__sim_abspath(AT_FDCWD, name, abs, sizeof(abs)) > 0 &&
	    nto__pathspace_list(abs, &names, &len) == 0) {
		d = dir_new(-1, names, len);
		if (!d)
			free(names);
		return d;
	}
	errno = err;
	return NULL;
}

NTO_EXPORT DIR *fdopendir(int fd)
{
	struct stat st;
	int rc;

	if (!nto__coid_is_fd(fd))
		return NTO_REAL(fdopendir)(fd);
	rc = nto__io_stat(fd, &st);
	if (rc == 0 && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return dir_new(fd, NULL, 0);
}

/* ---- reading: QNX records ---- */

/* A QNX record for name in d->cur, with no extras. */
static void cur_set(struct nto_dir *d, uint64_t ino, int64_t off,
		    const char *name, size_t n)
{
	struct nto_qdirent *q = &d->cur.q;

	if (n > NAME_MAX)
		n = NAME_MAX;
	q->d_ino = ino;
	q->d_offset = off;
	q->d_namelen = (int16_t)n;
	memcpy(q->d_name, name, n);
	q->d_name[n] = '\0';
	q->d_reclen = (int16_t)NTO_QALIGN(NTO_QDIRENT_HDR + n + 1);
}

/* The next synthesized entry: ".", "..", then ipcd's names. */
static int synth_next(struct nto_dir *d)
{
	const char *p = d->names;
	long i;

	if (d->index < 2) {
		cur_set(d, (uint64_t)d->index + 1, d->index, "..",
			d->index == 0 ? 1 : 2);
	} else {
		for (i = 2; i < d->index && p < d->names + d->names_len; i++)
			p += strlen(p) + 1;
		if (p >= d->names + d->names_len)
			return 0;
		cur_set(d, (uint64_t)d->index + 1, d->index, p, strlen(p));
	}
	d->index++;
	return 1;
}

/* One _IO_READ of the directory into d->buf; with D_FLAG_STAT it carries
 * _IO_XFLAG_DIR_EXTRA_HINT (the server may add stat extras). */
static ssize_t dir_read(struct nto_dir *d)
{
	struct _io_read msg;
	iov_t s, r;

	if (!(d->flags & NTO_D_FLAG_STAT))
		return nto__io_read(d->fd, d->buf, sizeof(d->buf), NULL);
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_READ;
	msg.combine_len = sizeof(msg);
	msg.nbytes = (_Int32t)sizeof(d->buf);
	msg.xtype = _IO_XTYPE_NONE | _IO_XFLAG_DIR_EXTRA_HINT;
	SETIOV(&s, &msg, sizeof(msg));
	SETIOV(&r, d->buf, sizeof(d->buf));
	return nto__msgsendv(d->fd, &s, 1, &r, 1);
}

int nto__dir_next(struct nto_dir *d)
{
	struct nto_qdirent hdr;
	const char *rec;
	size_t reclen, namelen;
	ssize_t n;

	if (d->fd < 0)
		return synth_next(d);
	if (d->pos >= d->len) {
		if (d->eof)
			return 0;
		n = dir_read(d);
		if (n < 0)
			return (int)n;
		d->len =
			(size_t)n < sizeof(d->buf) ? (size_t)n : sizeof(d->buf);
		d->pos = 0;
		if (n == 0) {
			d->eof = 1;
			return 0;
		}
	}
	/* the server's record, checked against what it sent; records may
	 * sit at any offset, so the header is copied, never read in place */
	rec = d->buf + d->pos;
	if (d->len - d->pos < NTO_QDIRENT_HDR)
		goto bad;
	memcpy(&hdr, rec, NTO_QDIRENT_HDR);
	reclen = (size_t)(uint16_t)hdr.d_reclen;
	if (reclen < NTO_QDIRENT_HDR || reclen > d->len - d->pos)
		goto bad;
	namelen = (size_t)(uint16_t)hdr.d_namelen;
	if (namelen == 0 || namelen > reclen - NTO_QDIRENT_HDR)
		namelen = reclen - NTO_QDIRENT_HDR;
	namelen = strnlen(rec + NTO_QDIRENT_HDR, namelen);
	if (namelen == 0 || namelen > NAME_MAX)
		goto bad;
	/* the whole record (extras too) into aligned storage; the name's
	 * NUL may lie past reclen (QNX's 4-aligned examples end a name
	 * exactly at the record's end): cur has a byte to spare for it */
	memcpy(d->cur.raw, rec, reclen);
	d->cur.q.d_name[namelen] = '\0';
	d->cur.q.d_namelen = (int16_t)namelen;
	d->pos += reclen;
	d->index++;
	return 1;
bad:
	d->pos = d->len; /* skip what is left of this read */
	return -EBADMSG;
}

/* ---- reading: glibc's view ---- */

/* The file type a record's stat extra gives, else DT_UNKNOWN. */
static unsigned char cur_type(const struct nto_dir *d)
{
	const struct nto_qdirent *q = &d->cur.q;
	size_t reclen = (size_t)(uint16_t)q->d_reclen;
	size_t off = NTO_QALIGN(NTO_QDIRENT_HDR + (size_t)q->d_namelen + 1);
	struct nto_qextra x;
	struct stat st;

	while (off + sizeof(x) <= reclen) {
		memcpy(&x, d->cur.raw + off, sizeof(x));
		if (off + sizeof(x) + x.d_datalen > reclen)
			break;
		if ((x.d_type == NTO_QDTYPE_STAT ||
		     x.d_type == NTO_QDTYPE_LSTAT) &&
		    x.d_datalen >= sizeof(st)) {
			memcpy(&st, d->cur.raw + off + sizeof(x), sizeof(st));
			return (unsigned char)IFTODT(st.st_mode);
		}
		off = NTO_QALIGN(off + sizeof(x) + x.d_datalen);
	}
	return DT_UNKNOWN;
}

/* The next entry as glibc's struct dirent in d->ent; NULL with errno
 * untouched at the end, NULL with errno set on an error. */
static struct dirent *sim_next(struct nto_dir *d)
{
	int rc = nto__dir_next(d);
	size_t n;

	if (rc <= 0) {
		if (rc < 0)
			errno = -rc;
		return NULL;
	}
	n = (size_t)d->cur.q.d_namelen;
	d->ent.d_ino = (ino_t)d->cur.q.d_ino;
	d->ent.d_off = d->index; /* telldir's position after this entry */
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = cur_type(d);
	memcpy(d->ent.d_name, d->cur.q.d_name, n + 1);
	return &d->ent;
}

NTO_EXPORT struct dirent *readdir(DIR *dirp)
{
	struct nto_dir *d = ours(dirp);
	struct dirent *e;

	if (!d)
		return NTO_REAL(readdir)(dirp);
	pthread_mutex_lock(&d->lock);
	e = sim_next(d);
	pthread_mutex_unlock(&d->lock);
	return e;
}

NTO_EXPORT struct dirent64 *readdir64(DIR *dirp)
{
	struct nto_dir *d = ours(dirp);
	struct dirent *e;

	if (!d)
		return NTO_REAL(readdir64)(dirp);
	pthread_mutex_lock(&d->lock);
	e = sim_next(d);
	pthread_mutex_unlock(&d->lock);
	return (struct dirent64 *)(void *)e;
}

static int sim_readdir_r(struct nto_dir *d, struct dirent *entry,
			 struct dirent **result)
{
	struct dirent *e;
	int err = errno, rc = 0;

	pthread_mutex_lock(&d->lock);
	errno = 0;
	e = sim_next(d);
	if (e)
		memcpy(entry, e, sizeof(*entry));
	else
		rc = errno;
	pthread_mutex_unlock(&d->lock);
	*result = e ? entry : NULL;
	errno = err;
	return rc;
}

/* glibc marks readdir_r deprecated; we still provide it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
NTO_EXPORT int readdir_r(DIR *dirp, struct dirent *entry,
			 struct dirent **result)
{
	struct nto_dir *d = ours(dirp);

	if (!d)
		return NTO_REAL(readdir_r)(dirp, entry, result);
	return sim_readdir_r(d, entry, result);
}

NTO_EXPORT int readdir64_r(DIR *dirp, struct dirent64 *entry,
			   struct dirent64 **result)
{
	struct nto_dir *d = ours(dirp);

	if (!d)
		return NTO_REAL(readdir64_r)(dirp, entry, result);
	return sim_readdir_r(d, (struct dirent *)(void *)entry,
			     (struct dirent **)(void *)result);
}

#pragma GCC diagnostic pop

/* ---- position, fd, close ---- */

static void sim_rewind(struct nto_dir *d)
{
	if (d->fd >= 0)
		(void)nto__io_lseek(d->fd, 0, SEEK_SET);
	d->len = d->pos = 0;
	d->eof = 0;
	d->index = 0;
}

NTO_EXPORT void rewinddir(DIR *dirp)
{
	struct nto_dir *d = ours(dirp);

	if (!d) {
		NTO_REAL(rewinddir)(dirp);
		return;
	}
	pthread_mutex_lock(&d->lock);
	sim_rewind(d);
	pthread_mutex_unlock(&d->lock);
}

NTO_EXPORT long telldir(DIR *dirp)
{
	struct nto_dir *d = ours(dirp);
	long pos;

	if (!d)
		return NTO_REAL(telldir)(dirp);
	pthread_mutex_lock(&d->lock);
	pos = d->index;
	pthread_mutex_unlock(&d->lock);
	return pos;
}

/* seekdir: back to the start, then past `pos` entries (positions are
 * entry counts, what telldir gave). */
NTO_EXPORT void seekdir(DIR *dirp, long pos)
{
	struct nto_dir *d = ours(dirp);
	int err = errno;

	if (!d) {
		NTO_REAL(seekdir)(dirp, pos);
		return;
	}
	pthread_mutex_lock(&d->lock);
	sim_rewind(d);
	while (d->index < pos && sim_next(d))
		;
	pthread_mutex_unlock(&d->lock);
	errno = err;
}

NTO_EXPORT int dirfd(DIR *dirp)
{
	struct nto_dir *d = ours(dirp);

	if (!d)
		return NTO_REAL(dirfd)(dirp);
	if (d->fd < 0) {
		errno = ENOTSUP; /* synthesized: no server, no fd */
		return -1;
	}
	return d->fd;
}

NTO_EXPORT int closedir(DIR *dirp)
{
	struct nto_dir *d = nto__dir_find(dirp);
	int rc = 0;

	if (d && d->adopted) {
		dir_free(d); /* QNX-view scratch of glibc's stream */
		d = NULL;
	}
	if (!d)
		return NTO_REAL(closedir)(dirp);
	if (d->fd >= 0)
		rc = nto__sim_close(d->fd);
	dir_free(d);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
