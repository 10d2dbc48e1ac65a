/*
 * Private to libnto's directory streams (posix_dir.c: glibc's view and the
 * stream registry; posix_qdir.c: QNX's view). A stream of ours is either a
 * simulated directory (a resource manager's, or a pathname-space directory
 * synthesized from ipcd's names) or glibc's own DIR that a QNX-view call
 * met and adopted: then this record only holds its QNX-record scratch and
 * dircntl flags, and glibc keeps the stream.
 */
#ifndef NTOSIM_LIB_POSIX_DIR_INTERNAL_H
#define NTOSIM_LIB_POSIX_DIR_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define NTO_DIR_BUF 4096

/* QNX's <dirent.h> record: 64-bit d_ino and d_offset, then d_reclen and
 * d_namelen, then the name and any dirent_extra records (8-aligned). */
struct nto_qdirent {
	uint64_t d_ino;
	int64_t d_offset;
	int16_t d_reclen;
	int16_t d_namelen;
	char d_name[];
};
#define NTO_QDIRENT_HDR offsetof(struct nto_qdirent, d_name)
/* its dirent_extra header */
struct nto_qextra {
	uint16_t d_datalen;
	uint16_t d_type;
	uint32_t d_reserved;
};
#define NTO_QDTYPE_STAT	 1 /* _DTYPE_STAT */
#define NTO_QDTYPE_LSTAT 2 /* _DTYPE_LSTAT */
#define NTO_QALIGN(x)	 (((x) + 7) & ~(size_t)7)

/* dircntl flags (QNX's D_FLAG_*) */
#define NTO_D_FLAG_FILTER 0x1u
#define NTO_D_FLAG_STAT	  0x2u

struct nto_dir {
	struct nto_dir *next;
	DIR *key;    /* what callers hold: this record, or glibc's DIR */
	int adopted; /* key is glibc's DIR; only q and flags are used */
	pthread_mutex_t lock;
	unsigned flags; /* NTO_D_FLAG_* */
	int fd;		/* the simulated directory fd, -1 if synthesized */
	char *names;	/* synthesized: NUL-separated names */
	size_t names_len;
	size_t len, pos; /* records in buf */
	long index;	 /* entries returned since the start */
	int eof;
	struct dirent ent; /* glibc's view of the current entry */
	/* QNX's view of the current entry: one record, a NUL to spare */
	union {
		struct nto_qdirent q;
		uint64_t align;
		char raw[NTO_DIR_BUF + 8];
	} cur;
	char buf[NTO_DIR_BUF];
};

/* The record for d: a stream of ours or an adopted glibc DIR; NULL if
 * none. */
struct nto_dir *nto__dir_find(DIR *d);
/* The record for glibc's DIR d, made if there is none yet: NULL with
 * errno ENOMEM. */
struct nto_dir *nto__dir_adopt(DIR *d);
/*
 * A simulated stream's next entry as a QNX record in d->cur (d->lock
 * held): 1, 0 at the end, or -errno (EBADMSG for a malformed record).
 */
int nto__dir_next(struct nto_dir *d);

#endif /* NTOSIM_LIB_POSIX_DIR_INTERNAL_H */
