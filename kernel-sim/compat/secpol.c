/*
 * QNX 7.1/8 libsecpol on Linux, where no security policy is ever in
 * effect: secpol_resmgr_attach is resmgr_attach, transitions report
 * ENOTSUP, permissions fall back to "root only". A compiled policy file
 * can be opened and its blobs and type map read (every offset checked).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <secpol/secpol.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/internal.h"

#define SECPOL_FILE_MAX (16u << 20)

struct secpol_file_s {
	unsigned char *data;
	uint32_t size;
	uint32_t nblobs;
	uint32_t next; /* SECPOL_BLOB_NEXT cursor */
};

struct secpol_permission_s {
	int strict_unused;
};

static pthread_mutex_t sp_lock = PTHREAD_MUTEX_INITIALIZER;
static secpol_file_t *default_handle;
static const secpol_permission_t root_only; /* the no-policy permission */

static uint32_t rd32(const secpol_file_t *f, uint32_t off)
{
	uint32_t v;

	memcpy(&v, f->data + off, sizeof(v));
	return v;
}

static int load(secpol_file_t *f, int fd)
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > (off_t)SECPOL_FILE_MAX)
		return -EFBIG;
	if ((size_t)st.st_size < sizeof(secpol_file_header_t))
		return -EINVAL;
	f->size = (uint32_t)st.st_size;
	f->data = malloc(f->size);
	if (!f->data)
		return -ENOMEM;
	while (got < f->size) {
		ssize_t n = read(fd, f->data + got, f->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EINVAL;
		got += (size_t)n;
	}
	if (rd32(f, 0) != SECPOL_MAGIC || rd32(f, 4) != SECPOL_VERSION)
		return -EINVAL;
	f->nblobs = rd32(f, 8);
	if (f->nblobs >
	    (f->size - sizeof(secpol_file_header_t)) / sizeof(secpol_blob_t))
		return -EINVAL;
	return 0;
}

NTO_EXPORT secpol_file_t *secpol_open(const char *path, uint32_t flags)
{
	secpol_file_t *f;
	int fd, rc;

	fd = open(path ? path : SECPOL_DEFAULT_POLICY_FILE,
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	rc = f ? load(f, fd) : -ENOMEM;
	close(fd);
	if (rc == 0 && (flags & SECPOL_USE_AS_DEFAULT)) {
		pthread_mutex_lock(&sp_lock);
		if (default_handle)
			rc = -EBUSY;
		else
			default_handle = f;
		pthread_mutex_unlock(&sp_lock);
	}
	if (rc < 0) {
		if (f)
			free(f->data);
		free(f);
		errno = -rc;
		return NULL;
	}
	return f;
}

NTO_EXPORT void secpol_close(secpol_file_t *handle)
{
	if (!handle)
		return;
	pthread_mutex_lock(&sp_lock);
	if (default_handle == handle)
		default_handle = NULL;
	pthread_mutex_unlock(&sp_lock);
	free(handle->data);
	free(handle);
}

static secpol_file_t *pick(secpol_file_t *h)
{
	if (h)
		return h;
	pthread_mutex_lock(&sp_lock);
	h = default_handle;
	pthread_mutex_unlock(&sp_lock);
	return h;
}

/* Blob i's entry, if it lies inside the file. */
static int blob_at(const secpol_file_t *f, uint32_t i, secpol_blob_t *b)
{
	uint32_t off = (uint32_t)sizeof(secpol_file_header_t) +
		       i * (uint32_t)sizeof(secpol_blob_t);

	b->type = rd32(f, off);
	b->offset = rd32(f, off + 4);
	b->size = rd32(f, off + 8);
	return b->offset <= f->size && b->size <= f->size - b->offset;
}

NTO_EXPORT int secpol_find_blob(secpol_file_t *handle, uint32_t type,
				secpol_blob_t *blob_info, void **data)
{
	secpol_file_t *f = pick(handle);
	secpol_blob_t b;
	uint32_t i;

	if (!f) {
		errno = EINVAL;
		return -1;
	}
	for (i = type == SECPOL_BLOB_NEXT ? f->next : 0; i < f->nblobs; i++) {
		if (!blob_at(f, i, &b)) {
			errno = EINVAL;
			return -1;
		}
		if (type != SECPOL_BLOB_NEXT && b.type != type)
			continue;
		if (type == SECPOL_BLOB_NEXT)
			f->next = i + 1;
		if (blob_info)
			*blob_info = b;
		if (data) {
			*data = malloc(b.size ? b.size : 1);
			if (!*data) {
				errno = ENOMEM;
				return -1;
			}
			memcpy(*data, f->data + b.offset, b.size);
		}
		return 0;
	}
	errno = ENOENT;
	return -1;
}

NTO_EXPORT int secpol_find_custom_blob(secpol_file_t *handle, const char *name,
				       secpol_blob_t *blob_info, void **data)
{
	(void)handle;
	(void)blob_info;
	(void)data;
	/* custom classes only mean something under a pushed policy */
	errno = name ? ENOENT : EINVAL;
	return -1;
}

NTO_EXPORT void secpol_reset(secpol_file_t *handle)
{
	secpol_file_t *f = pick(handle);

	if (f)
		f->next = 0;
}

/* The type map: its blob's bounds, or 0 if there is none (or it lies). */
static int type_map(const secpol_file_t *f, secpol_blob_t *b,
		    secpol_tm_blob_t *tm)
{
	uint32_t i;

	for (i = 0; f && i < f->nblobs; i++) {
		if (!blob_at(f, i, b) || b->type != SECPOL_BLOB_TYPE_MAP)
			continue;
		if (b->size < sizeof(*tm))
			return 0;
		memcpy(tm, f->data + b->offset, sizeof(*tm));
		if (tm->type_count > b->size / 4 ||
		    tm->id_to_name_offset > b->size - tm->type_count * 4 ||
		    tm->string_offset > b->size ||
		    tm->string_size > b->size - tm->string_offset)
			return 0;
		return 1;
	}
	return 0;
}

/* Name of type id in the map (NUL-terminated inside the string table). */
static const char *tm_name(const secpol_file_t *f, const secpol_blob_t *b,
			   const secpol_tm_blob_t *tm, uint32_t id)
{
	const char *s;
	uint32_t off;

	if (id >= tm->type_count)
		return NULL;
	off = rd32(f, b->offset + tm->id_to_name_offset + id * 4);
	if (off >= tm->string_size)
		return NULL;
	s = (const char *)f->data + b->offset + tm->string_offset + off;
	return memchr(s, '\0', tm->string_size - off) ? s : NULL;
}

NTO_EXPORT uint32_t secpol_get_type_id(secpol_file_t *handle,
				       const char *type_name)
{
	secpol_file_t *f = pick(handle);
	secpol_tm_blob_t tm;
	secpol_blob_t b;
	uint32_t id;

	if (!type_name || !type_map(f, &b, &tm))
		return SECPOL_INVALID_TYPE;
	for (id = 0; id < tm.type_count; id++) {
		const char *n = tm_name(f, &b, &tm, id);

		if (n && strcmp(n, type_name) == 0)
			return id;
	}
	return SECPOL_INVALID_TYPE;
}

NTO_EXPORT const char *secpol_get_type_name(secpol_file_t *handle,
					    uint32_t type_id)
{
	secpol_file_t *f = pick(handle);
	secpol_tm_blob_t tm;
	secpol_blob_t b;

	if (!type_map(f, &b, &tm))
		return NULL;
	return tm_name(f, &b, &tm, type_id);
}

NTO_EXPORT uint32_t secpol_type_id(void)
{
	return 0;
}

NTO_EXPORT uint32_t secpol_resolve_name(secpol_file_t *handle, const char *name,
					uint32_t flags)
{
	if (flags & SECPOL_TYPE_NAME)
		return secpol_get_type_id(handle, name);
	return SECPOL_INVALID_TYPE;
}

NTO_EXPORT int secpol_transition_type(secpol_file_t *handle, const char *name,
				      uint32_t flags)
{
	(void)handle;
	(void)name;
	(void)flags;
	errno = ENOTSUP;
	return -1;
}

NTO_EXPORT int secpol_posix_spawnattr_settypeid(secpol_file_t *handle,
						posix_spawnattr_t *attrp,
						const char *name,
						uint32_t flags)
{
	(void)handle;
	(void)name;
	(void)flags;
	if (!attrp) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

NTO_EXPORT secpol_permission_t *secpol_get_permission(secpol_file_t *handle,
						      const char *class_name,
						      const char *permission,
						      unsigned flags)
{
	(void)handle;
	if (!class_name || !permission) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & SECPOL_PERM_STRICT) {
		errno = ENOTSUP;
		return NULL;
	}
	return (secpol_permission_t *)&root_only;
}

NTO_EXPORT int secpol_check_permission(const struct _msg_info *info,
				       uint32_t otype,
				       const secpol_permission_t *permission)
{
	struct _client_info ci;

	(void)otype;
	if (!info || !permission) {
		errno = EINVAL;
		return -1;
	}
	if (ConnectClientInfo(info->scoid, &ci, 0) == -1)
		return -1;
	if (ci.cred.euid != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

NTO_EXPORT void *secpol_find_entry(uint32_t type_id, void *array,
				   uint32_t ecount, uint32_t esize)
{
	uint32_t lo = 0, hi = ecount;

	if (!array || esize < sizeof(uint32_t))
		return NULL;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, v;
		unsigned char *e = (unsigned char *)array + (size_t)mid * esize;

		memcpy(&v, e, sizeof(v));
		if (v == type_id)
			return e;
		if (v < type_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

NTO_EXPORT uint32_t secpol_crc32(const void *buffer, uint32_t length)
{
	const unsigned char *p = buffer;
	uint32_t crc = 0xffffffffu;
	int k;

	while (length--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

NTO_EXPORT int secpol_get_policy_id(uint32_t *policy_id)
{
	if (!policy_id) {
		errno = EINVAL;
		return -1;
	}
	*policy_id = SECPOL_POLICY_ID_NO_POLICY;
	return 0;
}

NTO_EXPORT int secpol_resmgr_attach(secpol_file_t *handle, void *dpp,
				    resmgr_attr_t *resmgr_attr,
				    const char *path, enum _file_type file_type,
				    unsigned flags,
				    const resmgr_connect_funcs_t *connect_funcs,
				    const resmgr_io_funcs_t *io_funcs,
				    iofunc_attr_t *iofunc_attr, bool *perms_set)
{
	(void)handle;
	if (perms_set)
		*perms_set = false;
	return resmgr_attach(dpp, resmgr_attr, path, file_type, flags,
			     connect_funcs, io_funcs, iofunc_attr);
}
