/*
 * QNX's view of directory streams: the calls ntosim's <dirent.h> maps
 * readdir, readdir_r, scandir and alphasort to (nto_qnx_*), plus
 * _readdir_r and dircntl. They give QNX struct dirent records for a
 * resource manager's directory (as its server sent them, extras included)
 * and for a Linux directory (glibc's entries converted, with a
 * _DTYPE_LSTAT extra under D_FLAG_STAT). Also glibc's scandir for a
 * simulated directory (glibc's own cannot read one). Opening, seeking and
 * closing stay posix_dir.c's.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#define NTOSIM_GLIBC_DIRENT 1 /* glibc's DIR and readdir64 underneath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "posix_internal.h"
#include "dir_internal.h"

NTO_REAL_DECL(readdir64);

#define D_GETFLAG 1
#define D_SETFLAG 2

/* Room readdir_r may assume (QNX: offsetof(d_name) + NAME_MAX + 1). */
#define QDIRENT_MAX (NTO_QDIRENT_HDR + NAME_MAX + 1)

_Static_assert(offsetof(struct nto_qdirent, d_namelen) == 18 &&
		       NTO_QDIRENT_HDR == 20,
	       "QNX struct dirent layout");

/* glibc's entry e of the Linux directory dirp as a QNX record in d->cur;
 * with D_FLAG_STAT a _DTYPE_LSTAT extra follows the name when lstat of
 * the entry works. */
static void from_linux(struct nto_dir *d, DIR *dirp, const struct dirent64 *e)
{
	struct nto_qdirent *q = &d->cur.q;
	struct nto_qextra x;
	struct stat st;
	size_t n = strnlen(e->d_name, NAME_MAX);
	size_t off = NTO_QALIGN(NTO_QDIRENT_HDR + n + 1);

	memset(d->cur.raw, 0, off);
	q->d_ino = e->d_ino;
	q->d_offset = e->d_off;
	q->d_namelen = (int16_t)n;
	memcpy(q->d_name, e->d_name, n);
	q->d_reclen = (int16_t)off;
	if ((d->flags & NTO_D_FLAG_STAT) &&
	    fstatat(dirfd(dirp), q->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		memset(&x, 0, sizeof(x));
		x.d_datalen = (uint16_t)sizeof(st);
		x.d_type = NTO_QDTYPE_LSTAT;
		memcpy(d->cur.raw + off, &x, sizeof(x));
		memcpy(d->cur.raw + off + sizeof(x), &st, sizeof(st));
		q->d_reclen = (int16_t)NTO_QALIGN(off + sizeof(x) + sizeof(st));
	}
}

/* dirp's next entry as a QNX record in the returned record's cur: 1, 0
 * at the end, or -errno; *dp is the record (adopted for glibc's DIR). */
static int next(DIR *dirp, struct nto_dir **dp)
{
	struct nto_dir *d;
	struct dirent64 *e;
	int rc, err = errno;

	if (!dirp)
		return -EBADF;
	d = nto__dir_adopt(dirp);
	if (!d)
		return -ENOMEM;
	*dp = d;
	pthread_mutex_lock(&d->lock);
	if (!d->adopted) {
		rc = nto__dir_next(d);
	} else {
		errno = 0;
		e = NTO_REAL(readdir64)(dirp);
		rc = e ? 1 : -errno;
		if (e)
			from_linux(d, dirp, e);
		errno = err;
	}
	if (rc <= 0)
		pthread_mutex_unlock(&d->lock);
	return rc; /* 1: d->lock still held, the caller copies cur out */
}

NTO_EXPORT struct nto_qdirent *nto_qnx_readdir(DIR *dirp);
NTO_EXPORT struct nto_qdirent *nto_qnx_readdir(DIR *dirp)
{
	struct nto_dir *d = NULL;
	int rc = next(dirp, &d);

	if (rc <= 0) {
		if (rc < 0)
			errno = -rc;
		return NULL;
	}
	pthread_mutex_unlock(&d->lock);
	return &d->cur.q;
}

/*
 * The current record into entry (bufsize bytes): the name, then the
 * extras that fit whole; d_reclen says how much was kept, so
 * _DEXTRA_VALID stops at the last one copied.
 */
static int copy_out(const struct nto_dir *d, struct nto_qdirent *entry,
		    size_t bufsize)
{
	const struct nto_qdirent *q = &d->cur.q;
	size_t reclen = (size_t)(uint16_t)q->d_reclen;
	size_t keep = NTO_QDIRENT_HDR + (size_t)q->d_namelen + 1;
	size_t off = NTO_QALIGN(keep), end;
	struct nto_qextra x;

	if (bufsize < keep)
		return ERANGE;
	while (off + sizeof(x) <= reclen) {
		memcpy(&x, d->cur.raw + off, sizeof(x));
		end = off + sizeof(x) + x.d_datalen;
		if (end > reclen || end > bufsize)
			break;
		keep = end;
		off = NTO_QALIGN(end);
	}
	memcpy(entry, d->cur.raw, keep);
	entry->d_reclen = (int16_t)keep;
	return 0;
}

static int readdir_into(DIR *dirp, struct nto_qdirent *entry,
			struct nto_qdirent **result, size_t bufsize)
{
	struct nto_dir *d = NULL;
	int rc;

	*result = NULL;
	rc = next(dirp, &d);
	if (rc <= 0)
		return -rc;
	rc = copy_out(d, entry, bufsize);
	pthread_mutex_unlock(&d->lock);
	if (rc == 0)
		*result = entry;
	return rc;
}

NTO_EXPORT int nto_qnx_readdir_r(DIR *dirp, struct nto_qdirent *entry,
				 struct nto_qdirent **result);
NTO_EXPORT int nto_qnx_readdir_r(DIR *dirp, struct nto_qdirent *entry,
				 struct nto_qdirent **result)
{
	if (!entry || !result)
		return EINVAL;
	return readdir_into(dirp, entry, result, QDIRENT_MAX);
}

NTO_EXPORT int _readdir_r(DIR *dirp, struct nto_qdirent *entry,
			  struct nto_qdirent **result, unsigned bufsize);
NTO_EXPORT int _readdir_r(DIR *dirp, struct nto_qdirent *entry,
			  struct nto_qdirent **result, unsigned bufsize)
{
	if (!entry || !result)
		return EINVAL;
	return readdir_into(dirp, entry, result, bufsize);
}

/* ---- scandir (both views), alphasort ---- */

/*
 * One scandir over an open stream of ours: next() gives each entry and the
 * bytes to copy, keep() filters, cmp() (qsort_r's, may be NULL) sorts.
 * Closes dir. Returns the count (*out a malloc'd array of malloc'd
 * copies), or -1 with errno (readdir's, ENOMEM).
 */
struct scan_ops {
	const void *(*next)(DIR *dir, size_t *len);
	int (*keep)(const void *e, void *arg);
	int (*cmp)(const void *a, const void *b, void *arg);
	void *arg;
};

static void free_list(void **list, size_t n)
{
	while (n > 0)
		free(list[--n]);
	free(list);
}

static int scan(DIR *dir, const struct scan_ops *ops, void ***out)
{
	void **list = NULL, **bigger, *copy;
	const void *e;
	size_t n = 0, cap = 0, len;
	int err = 0;

	for (;;) {
		errno = 0;
		e = ops->next(dir, &len);
		if (!e) {
			err = errno;
			break;
		}
		if (!ops->keep(e, ops->arg))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			bigger = realloc(list, cap * sizeof(*list));
			if (!bigger) {
				err = ENOMEM;
				break;
			}
			list = bigger;
		}
		copy = malloc(len);
		if (!copy) {
			err = ENOMEM;
			break;
		}
		memcpy(copy, e, len);
		list[n++] = copy;
	}
	closedir(dir);
	if (err) {
		free_list(list, n);
		errno = err;
		return -1;
	}
	if (ops->cmp && n > 1)
		qsort_r(list, n, sizeof(*list), ops->cmp, ops->arg);
	*out = list;
	return (int)n;
}

/* QNX's view: records as readdir gives them (the name's NUL included
 * when it lies past d_reclen). */
typedef int (*qdir_cmp)(const struct nto_qdirent **,
			const struct nto_qdirent **);
struct qscan {
	int (*sel)(const struct nto_qdirent *);
	qdir_cmp cmp;
};

static const void *qnext(DIR *dir, size_t *len)
{
	struct nto_qdirent *e = nto_qnx_readdir(dir);

	if (e) {
		*len = (size_t)(uint16_t)e->d_reclen;
		if (*len < NTO_QDIRENT_HDR + (size_t)e->d_namelen + 1)
			*len = NTO_QDIRENT_HDR + (size_t)e->d_namelen + 1;
	}
	return e;
}

static int qkeep(const void *e, void *arg)
{
	const struct qscan *q = arg;

	return !q->sel || q->sel(e);
}

static int qcmp(const void *a, const void *b, void *arg)
{
	const struct nto_qdirent *const *pa = a, *const *pb = b;
	const struct nto_qdirent *ea = *pa, *eb = *pb;

	return ((const struct qscan *)arg)->cmp(&ea, &eb);
}

NTO_EXPORT int nto_qnx_scandir(const char *dirname,
			       struct nto_qdirent ***namelist,
			       int (*sel)(const struct nto_qdirent *),
			       qdir_cmp compar);
NTO_EXPORT int nto_qnx_scandir(const char *dirname,
			       struct nto_qdirent ***namelist,
			       int (*sel)(const struct nto_qdirent *),
			       qdir_cmp compar)
{
	struct qscan q = {sel, compar};
	struct scan_ops ops = {qnext, qkeep, compar ? qcmp : NULL, &q};
	DIR *dir;

	if (!dirname || !namelist) {
		errno = EINVAL;
		return -1;
	}
	dir = opendir(dirname);
	if (!dir)
		return -1;
	return scan(dir, &ops, (void ***)(void *)namelist);
}

/* glibc's view, for programs built without ntosim's <dirent.h>: glibc's
 * own scandir reads through calls libnto cannot see, so a simulated
 * directory is scanned here; any other goes to glibc's. */
NTO_REAL_DECL(scandir);

typedef int (*gdir_cmp)(const struct dirent **, const struct dirent **);
struct gscan {
	int (*sel)(const struct dirent *);
	gdir_cmp cmp;
};

static const void *gnext(DIR *dir, size_t *len)
{
	struct dirent *e = readdir(dir);

	*len = sizeof(*e);
	return e;
}

static int gkeep(const void *e, void *arg)
{
	const struct gscan *g = arg;

	return !g->sel || g->sel(e);
}

static int gcmp(const void *a, const void *b, void *arg)
{
	const struct dirent *const *pa = a, *const *pb = b;
	const struct dirent *ea = *pa, *eb = *pb;

	return ((const struct gscan *)arg)->cmp(&ea, &eb);
}

static int gscandir(const char *path, struct dirent ***namelist,
		    int (*sel)(const struct dirent *), gdir_cmp cmp)
{
	struct gscan g = {sel, cmp};
	struct scan_ops ops = {gnext, gkeep, cmp ? gcmp : NULL, &g};
	struct nto_dir *d;
	DIR *dir;

	if (!path || !namelist)
		return NTO_REAL(scandir)(path, namelist, sel, cmp);
	dir = opendir(path); /* libc's for a Linux path, with its errno */
	if (!dir)
		return -1;
	d = nto__dir_find(dir);
	if (!d || d->adopted) {
		closedir(dir);
		return NTO_REAL(scandir)(path, namelist, sel, cmp);
	}
	return scan(dir, &ops, (void ***)(void *)namelist);
}

NTO_EXPORT int scandir(const char *path, struct dirent ***namelist,
		       int (*sel)(const struct dirent *), gdir_cmp cmp)
{
	return gscandir(path, namelist, sel, cmp);
}

/* dirent64 is dirent here (posix_dir.c asserts it), as in glibc */
NTO_EXPORT int scandir64(const char *path, struct dirent64 ***namelist,
			 int (*sel)(const struct dirent64 *),
			 int (*cmp)(const struct dirent64 **,
				    const struct dirent64 **))
{
	return gscandir(path, (struct dirent ***)(void *)namelist,
			(int (*)(const struct dirent *))(void (*)(void))sel,
			(gdir_cmp)(void (*)(void))cmp);
}

NTO_EXPORT int nto_qnx_alphasort(const struct nto_qdirent **a,
				 const struct nto_qdirent **b);
NTO_EXPORT int nto_qnx_alphasort(const struct nto_qdirent **a,
				 const struct nto_qdirent **b)
{
	return strcoll((*a)->d_name, (*b)->d_name);
}

/* ---- dircntl ---- */

NTO_EXPORT int dircntl(DIR *dir, int cmd, ...);
NTO_EXPORT int dircntl(DIR *dir, int cmd, ...)
{
	struct nto_dir *d;
	unsigned flags;
	va_list ap;

	if (!dir) {
		errno = EBADF;
		return -1;
	}
	switch (cmd) {
	case D_GETFLAG:
		d = nto__dir_find(dir);
		return d ? (int)d->flags : 0;
	case D_SETFLAG:
		va_start(ap, cmd);
		flags = va_arg(ap, unsigned);
		va_end(ap);
		d = nto__dir_adopt(dir);
		if (!d)
			return -1;
		pthread_mutex_lock(&d->lock);
		d->flags = flags;
		pthread_mutex_unlock(&d->lock);
		return 0;
	default:
		errno = ENOSYS;
		return -1;
	}
}
