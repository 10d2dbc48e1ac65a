/*
 * <sys/ftype.h>: QNX's file types (_FTYPE_*): what a resource manager's
 * path registration serves and what an open asks for. Values are QNX's.
 */
#ifndef NTOSIM_SYS_FTYPE_H
#define NTOSIM_SYS_FTYPE_H

enum _file_type {
	_FTYPE_MATCHED = -1,
	_FTYPE_ANY = 0,
	_FTYPE_FILE,
	_FTYPE_LINK,
	_FTYPE_SYMLINK,
	_FTYPE_PIPE,
	_FTYPE_SHMEM,
	_FTYPE_MQUEUE,
	_FTYPE_SOCKET,
	_FTYPE_SEM,
	_FTYPE_PHOTON,
	_FTYPE_DUMPER,
	_FTYPE_MOUNT,
	_FTYPE_NAME,
	_FTYPE_TYMEM
};

#endif /* NTOSIM_SYS_FTYPE_H */
