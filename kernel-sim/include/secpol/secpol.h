/*
 * <secpol/secpol.h>: the QNX 7.1/8 security-policy calls a resource
 * manager makes. ntosim never has a policy in effect (there is no
 * procnto to push one to): secpol_resmgr_attach is resmgr_attach and sets
 * no permissions, secpol_transition_type fails with ENOTSUP (QNX's "no
 * policy"), type ids are 0. A compiled policy file can still be opened
 * and read (blobs, type names). Names, values and structs are QNX's.
 * Public and installed (include/ntosim/secpol/); -lsecpol links.
 */
#ifndef NTOSIM_SECPOL_SECPOL_H
#define NTOSIM_SECPOL_SECPOL_H

#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/resmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SECPOL_INVALID_TYPE	   0xffffffff
#define SECPOL_POLICY_ID_NO_POLICY 0
#define SECPOL_POLICY_ID_IMMUTABLE 0x80000000
#define SECPOL_MAGIC		   0x50434553
#define SECPOL_VERSION		   1
#define SECPOL_DEFAULT_POLICY_FILE "/proc/boot/secpol.bin"
#define SECPOL_BLOB_NEXT	   0xffffffff
#define SECPOL_BLOB_TYPE_MAP	   0x50414D54
#define SECPOL_BLOB_PMA_RULES	   0x31414D50
#define SECPOL_BLOB_ABILITIES	   0x454C4241
#define SECPOL_BLOB_QNET	   0x54454E51
#define SECPOL_BLOB_DERIVE	   0x54565244
#define SECPOL_BLOB_CUSTOM_INDEX   0x58444943
#define SECPOL_BLOB_CUSTOM	   0x54535543

typedef struct {
	uint32_t type;
	uint32_t offset;
	uint32_t size;
} secpol_blob_t;

typedef struct {
	uint32_t magic;
	uint32_t version;
	uint32_t blob_count;
	secpol_blob_t blobs[];
} secpol_file_header_t;

/* The start of a SECPOL_BLOB_TYPE_MAP blob (offsets within the blob). */
typedef struct {
	uint32_t blob_type;
	uint32_t type_count;
	uint32_t id_to_name_offset;
	uint32_t sorted_id_offset;
	uint32_t string_offset;
	uint32_t string_size;
} secpol_tm_blob_t;

typedef struct secpol_file_s secpol_file_t;
typedef struct secpol_permission_s secpol_permission_t;

enum secpol_open_flags_e { SECPOL_USE_AS_DEFAULT = 1 };
enum secpol_flags_e { SECPOL_TYPE_NAME = 1 };
enum secpol_get_permission_flags_e { SECPOL_PERM_STRICT = 1 };

/* Open a compiled policy file (NULL: SECPOL_DEFAULT_POLICY_FILE). NULL
 * with errno: open(2)'s (ENOENT: no policy file on this machine), EINVAL
 * (not a policy file), EFBIG (over 16 MiB), EBUSY (USE_AS_DEFAULT while
 * another handle is the default). */
secpol_file_t *secpol_open(const char *path, uint32_t flags);
void secpol_close(secpol_file_t *handle);
/* Copy of a blob (SECPOL_BLOB_NEXT iterates): 0, or -1 with errno ENOENT
 * (no more / no such blob), EINVAL (no handle and no default), ENOMEM.
 * *data is malloc'd: the caller frees it. */
int secpol_find_blob(secpol_file_t *handle, uint32_t type,
		     secpol_blob_t *blob_info, void **data);
int secpol_find_custom_blob(secpol_file_t *handle, const char *name,
			    secpol_blob_t *blob_info, void **data);
void secpol_reset(secpol_file_t *handle);
/* Type ids from the file's type map; SECPOL_INVALID_TYPE / NULL when the
 * name or id is not in it (or there is no file). */
uint32_t secpol_get_type_id(secpol_file_t *handle, const char *type_name);
const char *secpol_get_type_name(secpol_file_t *handle, uint32_t type_id);
/* 0: no policy is in effect, so every process has type 0. */
uint32_t secpol_type_id(void);
/* SECPOL_INVALID_TYPE: without a policy no derived type exists. */
uint32_t secpol_resolve_name(secpol_file_t *handle, const char *name,
			     uint32_t flags);
/* -1 with errno ENOTSUP: no policy is in effect (callers then drop
 * privileges themselves, as QNX documents). */
int secpol_transition_type(secpol_file_t *handle, const char *name,
			   uint32_t flags);
/* 0: without a policy the attributes are left as they are. */
int secpol_posix_spawnattr_settypeid(secpol_file_t *handle,
				     posix_spawnattr_t *attrp, const char *name,
				     uint32_t flags);
/* A permission of a custom class. Without a policy: with
 * SECPOL_PERM_STRICT NULL/ENOTSUP; otherwise a handle that
 * secpol_check_permission grants to root clients only (QNX's rule). */
secpol_permission_t *secpol_get_permission(secpol_file_t *handle,
					   const char *class_name,
					   const char *permission,
					   unsigned flags);
/* 0 if the sender of `info` has the permission, else -1 with errno EPERM
 * (or EINVAL for NULL arguments, ESRCH if the client is gone). */
int secpol_check_permission(const struct _msg_info *info, uint32_t otype,
			    const secpol_permission_t *permission);
void *secpol_find_entry(uint32_t type_id, void *array, uint32_t ecount,
			uint32_t esize);
/* CRC-32 (IEEE 802.3, as zlib's crc32) of the buffer. */
uint32_t secpol_crc32(const void *buffer, uint32_t length);
/* *policy_id = SECPOL_POLICY_ID_NO_POLICY; 0 (EINVAL for NULL). */
int secpol_get_policy_id(uint32_t *policy_id);
/*
 * resmgr_attach under a security policy: here exactly resmgr_attach
 * (same returns and errnos); the policy part is accepted and not
 * enforced, and *perms_set (if not NULL) is false: no policy set the
 * attribute's mode or owner.
 */
int secpol_resmgr_attach(secpol_file_t *handle, void *dpp,
			 resmgr_attr_t *resmgr_attr, const char *path,
			 enum _file_type file_type, unsigned flags,
			 const resmgr_connect_funcs_t *connect_funcs,
			 const resmgr_io_funcs_t *io_funcs,
			 iofunc_attr_t *iofunc_attr, bool *perms_set);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_SECPOL_SECPOL_H */
