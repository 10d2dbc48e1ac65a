/*
 * POSIX directory streams over messages: opendir/fdopendir/readdir/
 * readdir_r/rewinddir/telldir/seekdir/dirfd/closedir on directories a
 * resource manager serves (its _IO_READ answers QNX struct dirent records,
 * converted here to glibc's), and on pathname-space directories nobody
 * serves but registrations sit below (/dev/name/local: the names come
 * from ipcd's PATH_LIST). Streams libc opened go to libc untouched.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

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

#define DIR_BUF 4096

/* One stream of ours. The first member tells it from glibc's DIR, whose
 * pointers we never dereference (the registry decides). */
struct nto_dir {
	struct nto_dir *next;
	pthread_mutex_t lock;
	int fd;	     /* the simulated directory fd, -1 if synthesized */
	char *names; /* synthesized: NUL-separated names */
	size_t names_len;
	size_t len, pos; /* records in buf */
	long index;	 /* entries returned since the start */
	int eof;
	struct dirent ent;
	char buf[DIR_BUF];
};

static pthread_mutex_t dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nto_dir *dirs;
static _Atomic int ndirs;

/* d (a DIR* a caller gave us) if it is one of ours, else NULL. */
static struct nto_dir *ours(DIR *d)
{
	struct nto_dir *p;

	if (__builtin_expect(atomic_load(&ndirs) == 0, 1) || !d)
		return NULL;
	pthread_mutex_lock(&dirs_lock);
	for (p = dirs; p && (DIR *)(void *)p != d; p = p->next)
		;
	pthread_mutex_unlock(&dirs_lock);
	return p;
}

static DIR *dir_new(int fd, char *names, size_t names_len)
{
	struct nto_dir *d = calloc(1, sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->fd = fd;
	d->names = names;
	d->names_len = names_len;
	pthread_mutex_lock(&dirs_lock);
	d->next = dirs;
	dirs = d;
	atomic_fetch_add(&ndirs, 1);
	pthread_mutex_unlock(&dirs_lock);
	return (DIR *)(void *)d;
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
	st->st_blksize = DIR_BUF;
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

/* ---- reading ---- */

/* The QNX record at the front of a directory read (<dirent.h>): 64-bit
 * d_ino and d_offset, then d_reclen and d_namelen, then the name. */
struct qnx_dirent {
	uint64_t d_ino;
	int64_t d_offset;
	int16_t d_reclen;
	int16_t d_namelen;
	char d_name[];
};
#define QNX_DIRENT_HDR offsetof(struct qnx_dirent, d_name)

static void set_name(struct dirent *e, const char *name, size_t n)
{
	if (n > sizeof(e->d_name) - 1)
		n = sizeof(e->d_name) - 1;
	memcpy(e->d_name, name, n);
	e->d_name[n] = '\0';
	e->d_reclen = sizeof(*e);
	e->d_type = DT_UNKNOWN;
}

/* The next synthesized entry: ".", "..", then ipcd's names. */
static struct dirent *synth_next(struct nto_dir *d)
{
	const char *p = d->names;
	long i;

	if (d->index < 2) {
		d->ent.d_ino = (ino_t)d->index + 1;
		set_name(&d->ent, "..", d->index == 0 ? 1 : 2);
	} else {
		for (i = 2; i < d->index && p < d->names + d->names_len; i++)
			p += strlen(p) + 1;
		if (p >= d->names + d->names_len)
			return NULL;
		d->ent.d_ino = (ino_t)d->index + 1;
		/* a registration or a directory of them: DT_UNKNOWN, so
		 * callers stat it rather than guess */
		set_name(&d->ent, p, strlen(p));
	}
	d->index++;
	d->ent.d_off = d->index;
	return &d->ent;
}

/* The next record from the server; NULL with errno untouched at the end,
 * NULL with errno set on an error or a malformed record. */
static struct dirent *sim_next(struct nto_dir *d)
{
	struct qnx_dirent rec;
	size_t reclen, namelen;
	ssize_t n;

	if (d->fd < 0)
		return synth_next(d);
	if (d->pos >= d->len) {
		if (d->eof)
			return NULL;
		n = nto__io_read(d->fd, d->buf, sizeof(d->buf), NULL);
		if (n < 0) {
			errno = (int)-n;
			return NULL;
		}
		d->len = (size_t)n;
		d->pos = 0;
		if (n == 0) {
			d->eof = 1;
			return NULL;
		}
	}
	if (d->len - d->pos < QNX_DIRENT_HDR)
		goto bad;
	memcpy(&rec, d->buf + d->pos, QNX_DIRENT_HDR);
	reclen = (size_t)(uint16_t)rec.d_reclen;
	if (reclen < QNX_DIRENT_HDR || reclen > d->len - d->pos)
		goto bad;
	namelen = (size_t)(uint16_t)rec.d_namelen;
	if (namelen == 0 || namelen > reclen - QNX_DIRENT_HDR)
		namelen = strnlen(d->buf + d->pos + QNX_DIRENT_HDR,
				  reclen - QNX_DIRENT_HDR);
	d->ent.d_ino = (ino_t)rec.d_ino;
	d->ent.d_off = (off_t)rec.d_offset;
	set_name(&d->ent, d->buf + d->pos + QNX_DIRENT_HDR, namelen);
	d->pos += reclen;
	d->index++;
	return &d->ent;
bad:
	d->pos = d->len; /* skip what is left of this read */
	errno = EBADMSG;
	return NULL;
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
	struct nto_dir *d = ours(dirp);
	int rc = 0;

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
