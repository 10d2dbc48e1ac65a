/*
 * <dirent.h> overlay: QNX's struct dirent (d_ino, d_offset, d_reclen,
 * d_namelen, d_name), its dirent_extra records and dircntl(), over glibc's
 * DIR streams. glibc's struct dirent and the calls that take one are
 * renamed out of the way while glibc's header is read, then QNX's are
 * declared against libnto entry points (nto_qnx_*), which give QNX records
 * for a resource manager's directory and for a Linux directory alike.
 * opendir, closedir, rewinddir, seekdir, telldir, dirfd and fdopendir stay
 * glibc's declarations (libnto serves them for both kinds of stream).
 * Define NTOSIM_GLIBC_DIRENT before the first include to get glibc's
 * header untouched instead (one choice per translation unit).
 */
#ifdef NTOSIM_GLIBC_DIRENT
#include_next <dirent.h>
#else
#ifndef NTOSIM_DIRENT_H
#define NTOSIM_DIRENT_H

/* glibc's names, out of the way while its header is read */
#define dirent	      nto__glibc_dirent
#define dirent64      nto__glibc_dirent64
#define readdir	      nto__glibc_readdir
#define readdir64     nto__glibc_readdir64
#define readdir_r     nto__glibc_readdir_r
#define readdir64_r   nto__glibc_readdir64_r
#define scandir	      nto__glibc_scandir
#define scandir64     nto__glibc_scandir64
#define scandirat     nto__glibc_scandirat
#define scandirat64   nto__glibc_scandirat64
#define alphasort     nto__glibc_alphasort
#define alphasort64   nto__glibc_alphasort64
#define versionsort   nto__glibc_versionsort
#define versionsort64 nto__glibc_versionsort64
#include_next <dirent.h>
#undef dirent
#undef dirent64
#undef readdir
#undef readdir64
#undef readdir_r
#undef readdir64_r
#undef scandir
#undef scandir64
#undef scandirat
#undef scandirat64
#undef alphasort
#undef alphasort64
#undef versionsort
#undef versionsort64

/* QNX's record has d_namelen and d_reclen, no d_off or d_type: portable
 * code that tests these macros takes its QNX path. DT_* stay usable as
 * values (glibc's enum) but are no longer macros, as on QNX. */
#undef _DIRENT_HAVE_D_OFF
#undef _DIRENT_HAVE_D_TYPE
#undef _D_EXACT_NAMLEN
#undef _D_ALLOC_NAMLEN
#define _D_EXACT_NAMLEN(d) ((d)->d_namelen)
#define _D_ALLOC_NAMLEN(d) (_D_EXACT_NAMLEN(d) + 1)
#undef DT_UNKNOWN
#undef DT_FIFO
#undef DT_CHR
#undef DT_DIR
#undef DT_BLK
#undef DT_REG
#undef DT_LNK
#undef DT_SOCK
#undef DT_WHT

#include <sys/platform.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One directory entry as QNX lays it out, which is also what a resource
 * manager's _IO_READ on a directory returns (records one after another,
 * each d_reclen bytes, 8-aligned on QNX and here): 64-bit inode and
 * offset, the record length, the name length without its NUL, the name.
 * d_name is declared with one byte; the name and any dirent_extra records
 * follow it in the same record.
 */
struct dirent {
	__ino64_t d_ino;    /* file serial number, never 0 */
	__off64_t d_offset; /* the entry's (or the next entry's) position */
	_Int16t d_reclen;   /* this record, extras included */
	_Int16t d_namelen;  /* strlen(d_name) */
	char d_name[1];	    /* the name, NUL-terminated */
};

#ifdef __USE_LARGEFILE64
struct dirent64 {
	__ino64_t d_ino;
	__off64_t d_offset;
	_Int16t d_reclen;
	_Int16t d_namelen;
	char d_name[1];
};
#endif

/* Extra data after the name (dircntl D_FLAG_STAT asks servers for it). */
enum dirent_extra_type { _DTYPE_NONE, _DTYPE_STAT, _DTYPE_LSTAT };

struct dirent_extra {
	_Uint16t d_datalen; /* bytes of data after this header */
	_Uint16t d_type;    /* enum dirent_extra_type */
	_Uint32t d_reserved;
	/* unsigned char d_data[d_datalen] */
};

struct dirent_extra_stat {
	_Uint16t d_datalen; /* sizeof(struct stat) */
	_Uint16t d_type;    /* _DTYPE_STAT or _DTYPE_LSTAT */
	_Uint32t d_reserved;
	struct stat d_stat;
};

/*
 * Walking a record's extras:
 *   for (x = _DEXTRA_FIRST(d); _DEXTRA_VALID(x, d); x = _DEXTRA_NEXT(x))
 * The first starts at the 8-aligned offset past the name's NUL; each one
 * ends d_datalen bytes past its header, the next starts 8-aligned; an
 * extra is valid while it lies inside d_reclen.
 */
#define _DEXTRA_FIRST(__d)                                            \
	((struct dirent_extra *)((_Uintptrt)(__d) +                   \
				 ((((_Uintptrt)(__d)->d_name -        \
				    (_Uintptrt)(__d)) +               \
				   (_Uintptrt)(__d)->d_namelen + 8) & \
				  ~(_Uintptrt)7)))
#define _DEXTRA_VALID(__x, __d)                                               \
	((_Uintptrt)(__x) - (_Uintptrt)(__d) + sizeof(struct dirent_extra) <= \
		 (_Uintptrt)(_Uint16t)(__d)->d_reclen &&                      \
	 (_Uintptrt)(__x) - (_Uintptrt)(__d) + sizeof(struct dirent_extra) +  \
			 ((const struct dirent_extra *)(__x))->d_datalen <=   \
		 (_Uintptrt)(_Uint16t)(__d)->d_reclen)
#define _DEXTRA_NEXT(__x)                                                    \
	((struct dirent_extra                                                \
		  *)(((_Uintptrt)(__x) + sizeof(struct dirent_extra) +       \
		      ((const struct dirent_extra *)(__x))->d_datalen + 7) & \
		     ~(_Uintptrt)7))

/*
 * The next entry of dirp, in storage that the next readdir on the same
 * stream reuses (8-aligned, extras included); NULL at the end (errno
 * untouched) or on an error: EBADF (not an open stream), EBADMSG (a
 * server's record is malformed), or the server's or the kernel's errno.
 */
extern struct dirent *__REDIRECT(readdir, (DIR * __dirp), nto_qnx_readdir);
/*
 * The next entry copied into *entry, which must have room for
 * offsetof(struct dirent, d_name) + NAME_MAX + 1 bytes (the name, then
 * whichever extras fit in that room); *result = entry, or NULL at the
 * end. Returns 0 or an errno (as readdir).
 */
extern int __REDIRECT(readdir_r,
		      (DIR * __dirp, struct dirent *__entry,
		       struct dirent **__result),
		      nto_qnx_readdir_r);
/*
 * readdir_r into a buffer of bufsize bytes: the name and as many of the
 * record's extras as fit. Returns 0 or an errno (ERANGE: bufsize cannot
 * hold the name).
 */
extern int _readdir_r(DIR *__dirp, struct dirent *__entry,
		      struct dirent **__result, unsigned __bufsize);
#ifdef __USE_LARGEFILE64
extern struct dirent64 *__REDIRECT(readdir64, (DIR * __dirp), nto_qnx_readdir);
extern int __REDIRECT(readdir64_r,
		      (DIR * __dirp, struct dirent64 *__entry,
		       struct dirent64 **__result),
		      nto_qnx_readdir_r);
extern int __REDIRECT(_readdir64_r,
		      (DIR * __dirp, struct dirent64 *__entry,
		       struct dirent64 **__result, unsigned __bufsize),
		      _readdir_r);
#endif

/*
 * The entries of dirname that select (NULL: all) keeps, each in its own
 * malloc'd record, in a malloc'd array sorted with compar (NULL: in
 * directory order). Returns the count, or -1 with errno (opendir's or
 * readdir's, ENOMEM).
 */
extern int __REDIRECT(scandir,
		      (const char *__dirname, struct dirent ***__namelist,
		       int (*__select)(const struct dirent *),
		       int (*__compar)(const struct dirent **,
				       const struct dirent **)),
		      nto_qnx_scandir);
/* strcoll() order of the two entries' names (scandir's compar). */
extern int __REDIRECT_NTH(alphasort,
			  (const struct dirent **__d1,
			   const struct dirent **__d2),
			  nto_qnx_alphasort);

#define D_GETFLAG	1	   /* dircntl: the stream's D_FLAG_* */
#define D_SETFLAG	2	   /* dircntl: set them (unsigned argument) */
#define D_FLAG_FILTER	0x00000001 /* drop duplicate names (union dirs) */
#define D_FLAG_STAT	0x00000002 /* ask for stat extras in readdir */
#define D_FLAG_RESERVED 0x80000000

/*
 * Control a directory stream: D_GETFLAG returns its flags, D_SETFLAG sets
 * them and returns 0. Any other cmd: -1, errno ENOSYS; a NULL dir: -1,
 * errno EBADF. With D_FLAG_STAT a resource manager's directory is read
 * with _IO_XFLAG_DIR_EXTRA_HINT (the server decides whether to add stat
 * extras), and each entry of a Linux directory gets a _DTYPE_LSTAT extra.
 */
extern int dircntl(DIR *__dir, int __cmd, ...);

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_DIRENT_H */
#endif /* NTOSIM_GLIBC_DIRENT */
