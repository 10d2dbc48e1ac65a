/*
 * A directory resource manager written the way QNX's guide writes one
 * ("Returning directory entries"): it attaches a directory
 * (_RESMGR_FLAG_DIR), its io_read fills struct dirent records (d_ino,
 * d_offset = the entry's number, d_namelen, d_reclen) from ocb->offset on,
 * as many whole records as fit the client's buffer, and adds a
 * struct dirent_extra_stat (_DTYPE_STAT) after each name when the read
 * carries _IO_XFLAG_DIR_EXTRA_HINT. Its files can be opened and stat()ed.
 * Usage: dirent_srv [-4] [-b] MOUNTPOINT
 *   -4  4-aligned records as the atoz example makes them: a name may end
 *       exactly at its record's end, its NUL not sent
 *   -b  from the 5th entry on, answer a record whose d_reclen is too
 *       small to hold its header (a broken server)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>

#define NFILES 100
#define NENT   (NFILES + 6) /* ".", "..", a, bb, dddd, a 255-byte name */

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t dir_attr;
static iofunc_attr_t file_attr[NENT];
static char names[NENT][NAME_MAX + 1];
static int align4, broken;

static size_t align_up(size_t x)
{
	return align4 ? (x + 3) & ~(size_t)3 : (x + 7) & ~(size_t)7;
}

/* The record size for a name: the header, the name, its NUL (which the
 * 4-aligned layout drops when the name ends on the boundary). */
static size_t dirent_size(const char *fname)
{
	if (align4)
		return align_up(offsetof(struct dirent, d_name) +
				strlen(fname));
	return align_up(offsetof(struct dirent, d_name) + strlen(fname) + 1);
}

static int entry_of(const char *path)
{
	int i;

	for (i = 2; i < NENT; i++)
		if (strcmp(names[i], path) == 0)
			return i;
	return -1;
}

static int io_open(resmgr_context_t *ctp, io_open_t *msg,
		   RESMGR_HANDLE_T *handle, void *extra)
{
	int i;

	if (msg->connect.path[0] == '\0')
		return iofunc_open_default(ctp, msg, &dir_attr, extra);
	if ((i = entry_of(msg->connect.path)) < 0)
		return ENOENT;
	(void)handle;
	return iofunc_open_default(ctp, msg, &file_attr[i], extra);
}

/* Fill the records for entries ocb->offset on into the reply buffer.
 * Each record is built in aligned scratch and copied into place: in the
 * 4-aligned layout a record may start where a struct dirent cannot be
 * accessed in place. */
static int dir_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static char reply[4096] __attribute__((aligned(8)));
	static char scratch[1024] __attribute__((aligned(8)));
	/* stat extras start 8-aligned: only in the 8-aligned layout */
	int want_stat =
		(msg->i.xtype & _IO_XFLAG_DIR_EXTRA_HINT) != 0 && !align4;
	size_t room = min((size_t)msg->i.nbytes, sizeof(reply));
	size_t used = 0, size;
	struct dirent *dp = (struct dirent *)scratch;
	struct dirent_extra_stat *xs;
	int k;

	for (k = (int)ocb->offset; k < NENT; k++) {
		size = dirent_size(names[k]);
		if (want_stat)
			size = align_up(size) + sizeof(*xs);
		if (used + size > room)
			break;
		memset(scratch, 0, sizeof(scratch));
		dp->d_ino = (ino_t)(k + 1);
		dp->d_offset = k;
		dp->d_namelen = (int16_t)strlen(names[k]);
		strcpy(dp->d_name, names[k]);
		dp->d_reclen = (int16_t)dirent_size(names[k]);
		if (want_stat) {
			xs = (struct dirent_extra_stat *)_DEXTRA_FIRST(dp);
			xs->d_datalen = sizeof(xs->d_stat);
			xs->d_type = _DTYPE_STAT;
			iofunc_stat(ctp, k < 2 ? &dir_attr : &file_attr[k],
				    &xs->d_stat);
			dp->d_reclen = (int16_t)((char *)_DEXTRA_NEXT(xs) -
						 (char *)dp);
		}
		if (broken && k >= 4)
			dp->d_reclen = 4; /* shorter than the header */
		memcpy(reply + used, scratch, (size_t)dp->d_reclen);
		used += (size_t)dp->d_reclen;
	}
	if (used == 0 && k < NENT)
		return EMSGSIZE; /* not even one entry fits */
	ocb->offset = k;
	ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	_IO_SET_READ_NBYTES(ctp, (int)used);
	return _RESMGR_PTR(ctp, reply, used);
}

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	int status;

	if ((status = iofunc_read_verify(ctp, msg, ocb, NULL)) != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	if (S_ISDIR(ocb->attr->mode))
		return dir_read(ctp, msg, ocb);
	_IO_SET_READ_NBYTES(ctp, 0); /* the files are empty */
	return _RESMGR_NPARTS(0);
}

int main(int argc, char **argv)
{
	dispatch_t *dpp;
	dispatch_context_t *ctp;
	resmgr_attr_t rattr;
	const char *mount;
	int i, opt;

	while ((opt = getopt(argc, argv, "4b")) != -1) {
		if (opt == '4')
			align4 = 1;
		else if (opt == 'b')
			broken = 1;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: dirent_srv [-4] [-b] MOUNTPOINT\n");
		return 2;
	}
	mount = argv[optind];
	strcpy(names[0], ".");
	strcpy(names[1], "..");
	strcpy(names[2], "a");
	strcpy(names[3], "bb");
	strcpy(names[4], "dddd"); /* 20 + 4: ends on a 4-byte boundary */
	memset(names[5], 'x', NAME_MAX);
	for (i = 0; i < NFILES; i++)
		snprintf(names[6 + i], sizeof(names[0]), "file%03d", i);

	if ((dpp = dispatch_create()) == NULL) {
		perror("dispatch_create");
		return 1;
	}
	memset(&rattr, 0, sizeof(rattr));
	rattr.nparts_max = 1;
	rattr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	connect_funcs.open = io_open;
	io_funcs.read = io_read;
	iofunc_attr_init(&dir_attr, S_IFDIR | 0755, NULL, NULL);
	dir_attr.inode = 1;
	dir_attr.nlink = 2;
	for (i = 2; i < NENT; i++) {
		iofunc_attr_init(&file_attr[i], S_IFREG | 0640, NULL, NULL);
		file_attr[i].inode = (ino_t)(i + 1);
	}
	if (resmgr_attach(dpp, &rattr, mount, _FTYPE_ANY, _RESMGR_FLAG_DIR,
			  &connect_funcs, &io_funcs, &dir_attr) == -1) {
		perror("resmgr_attach");
		return 1;
	}
	ctp = dispatch_context_alloc(dpp);
	for (;;) {
		if ((ctp = dispatch_block(ctp)) == NULL) {
			perror("dispatch_block");
			return 1;
		}
		dispatch_handler(ctp);
	}
}
