/*
 * ntosim-kvsrv's store and receive loop: a raw name_attach server (its own
 * MsgReceive loop, no resmgr layer) for the kvproto.h requests. Every update
 * is appended to the store file as a checksummed record and fdatasync'ed
 * before the reply, so an acknowledged update survives any kill; the file is
 * rewritten compactly (FILE.tmp, fsync, rename, fsync of the directory) at
 * start and when the log grows. Option parsing is in main.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/iomsg.h>
#include <sys/dispatch.h>
#include <sys/ntosim.h>

#include <ha/server.h>

#include "kv.h"
#include "srvutil.h"

#define KV_FILE_MAGIC "NTOKV\0\0\1" /* 8 bytes at the start of the file */
#define KV_REC_MAGIC  0x3152564Bu   /* "KVR1": each record's first word */
#define KV_MAX_BYTES  (256u << 20)  /* keys + values held: ENOSPC beyond */
#define KV_MSG_MAX    (sizeof(struct kv_req) + KV_KEY_MAX + KV_VAL_MAX)
/* Rewrite the file when the log is this much bigger than the live data. */
#define KV_COMPACT_SLACK (4u << 20)
/* "KVR2": an update with its request's identity and reply (exactly-once);
 * with keylen 0, only a reply-cache entry (written by compaction). */
#define KV_REC2_MAGIC 0x3252564Bu
#define KV_REP_MAX    (sizeof(struct kv_rep) + KV_VAL_MAX)

/* A record: "key = value", the whole value (every update is logged as the
 * value it produced, so replaying the log is idempotent). crc is the
 * CRC-32 of keylen, vallen, key and value; a record that is short or does
 * not match is a torn write from a kill and ends the log. */
struct kv_rec {
	uint32_t magic;
	uint32_t keylen;
	uint32_t vallen;
	uint32_t crc;
};

/* A KVR2 record: this, then key, value and reply bytes. crc is the CRC-32
 * of everything after it (the rest of this header, key, value, reply). */
struct kv_rec2 {
	uint32_t magic;
	uint32_t crc;
	uint32_t keylen;
	uint32_t vallen;
	uint32_t replen;
	int32_t status;
	uint64_t client;
	uint64_t seq;
	uint64_t done;
};

/* The identity and reply an update is logged with (exactly-once). */
struct kv_once {
	ha_reqid_t id;
	int status;
	const void *rep;
	uint32_t replen;
};

struct kv_ent {
	struct kv_ent *next;
	uint32_t hash;
	uint32_t klen;
	uint32_t vlen;
	uint8_t *val;
	uint8_t key[];
};

struct kv_store {
	const struct kvsrv_opts *opts;
	struct kv_ent **tab;
	size_t nbuckets;
	size_t nkeys;
	uint64_t bytes;	 /* live keys + values */
	int fd;		 /* the store file, O_APPEND */
	uint64_t loglen; /* its length: everything up to here is good */
	char *tmp;	 /* FILE.tmp */
	char *dir;	 /* FILE's directory */
	unsigned long nincr;
	uint8_t *rec;		 /* a record being written */
	uint8_t *val;		 /* a value being built (APPEND) */
	ha_reply_cache_t *cache; /* -C: replies by request identity, or NULL */
	uint8_t *rep; /* a reply being built (struct kv_rep, value) */
	int torn;     /* -K N,torn: the next log write is torn */
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_add(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static uint32_t rec_crc(uint32_t klen, uint32_t vlen, const void *key,
			const void *val)
{
	uint32_t c = crc32_add(0, &klen, sizeof klen);

	c = crc32_add(c, &vlen, sizeof vlen);
	c = crc32_add(c, key, klen);
	return crc32_add(c, val, vlen);
}

/* ---- the in-memory table ---- */

static uint32_t key_hash(const uint8_t *key, uint32_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (len--)
		h = (h ^ *key++) * 16777619u;
	return h;
}

static struct kv_ent *store_find(const struct kv_store *s, const uint8_t *key,
				 uint32_t klen)
{
	uint32_t h = key_hash(key, klen);
	struct kv_ent *e;

	if (!s->nbuckets)
		return NULL;
	for (e = s->tab[h & (s->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && e->klen == klen &&
		    !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

static int store_grow(struct kv_store *s)
{
	size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
	struct kv_ent **t = calloc(n, sizeof *t);

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct kv_ent *e = s->tab[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	}
	free(s->tab);
	s->tab = t;
	s->nbuckets = n;
	return 0;
}

/* Would setting key to a vlen-byte value fit KV_MAX_BYTES? 0 or -ENOSPC. */
static int store_room(const struct kv_store *s, const struct kv_ent *e,
		      uint32_t klen, uint32_t vlen)
{
	uint64_t after = s->bytes + vlen - (e ? e->vlen : 0) + (e ? 0 : klen);

	return after > KV_MAX_BYTES ? -ENOSPC : 0;
}

/* Set key to a copy of val. Returns 0, -ENOMEM or -ENOSPC. */
static int store_set(struct kv_store *s, const uint8_t *key, uint32_t klen,
		     const uint8_t *val, uint32_t vlen)
{
	struct kv_ent *e = store_find(s, key, klen);
	uint8_t *v;
	int rc = store_room(s, e, klen, vlen);

	if (rc < 0)
		return rc;
	v = malloc(vlen ? vlen : 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, val, vlen);
	if (e) {
		s->bytes = s->bytes - e->vlen + vlen;
		free(e->val);
		e->val = v;
		e->vlen = vlen;
		return 0;
	}
	if (s->nkeys >= s->nbuckets && store_grow(s) < 0) {
		free(v);
		return -ENOMEM;
	}
	e = malloc(sizeof *e + klen);
	if (!e) {
		free(v);
		return -ENOMEM;
	}
	e->hash = key_hash(key, klen);
	e->klen = klen;
	e->vlen = vlen;
	e->val = v;
	memcpy(e->key, key, klen);
	e->next = s->tab[e->hash & (s->nbuckets - 1)];
	s->tab[e->hash & (s->nbuckets - 1)] = e;
	s->nkeys++;
	s->bytes += klen + vlen;
	return 0;
}

/* A value as a counter: decimal, optional '-', no spaces. Returns 0 or
 * -EINVAL (not a number, or out of int64_t's range). */
static int parse_num(const uint8_t *v, uint32_t len, int64_t *out)
{
	char buf[24];
	char *end;
	long long x;

	if (len == 0 || len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (!(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
		return -EINVAL;
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno || *end || end == buf)
		return -EINVAL;
	*out = (int64_t)x;
	return 0;
}

/* ---- the file ---- */

static ssize_t write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static size_t rec_encode(uint8_t *buf, const uint8_t *key, uint32_t klen,
			 const uint8_t *val, uint32_t vlen)
{
	struct kv_rec r = {KV_REC_MAGIC, klen, vlen,
			   rec_crc(klen, vlen, key, val)};

	memcpy(buf, &r, sizeof r);
	memcpy(buf + sizeof r, key, klen);
	memcpy(buf + sizeof r + klen, val, vlen);
	return sizeof r + klen + vlen;
}

static uint32_t rec2_crc(const struct kv_rec2 *r, const uint8_t *body, size_t n)
{
	uint32_t c = crc32_add(0, &r->keylen,
			       sizeof *r - offsetof(struct kv_rec2, keylen));

	return crc32_add(c, body, n);
}

/* A KVR2 record: key = val (klen 0: none) logged with once's identity and
 * reply. */
static size_t rec2_encode(uint8_t *buf, const uint8_t *key, uint32_t klen,
			  const uint8_t *val, uint32_t vlen,
			  const struct kv_once *once)
{
	struct kv_rec2 r = {KV_REC2_MAGIC,
			    0,
			    klen,
			    vlen,
			    once->replen,
			    once->status,
			    once->id.client,
			    once->id.seq,
			    once->id.done};
	uint8_t *body = buf + sizeof r;

	if (klen) /* a keyless record (compaction) has no key */
		memcpy(body, key, klen);
	if (vlen)
		memcpy(body + klen, val, vlen);
	if (once->replen)
		memcpy(body + klen + vlen, once->rep, once->replen);
	r.crc = rec2_crc(&r, body, (size_t)klen + vlen + once->replen);
	memcpy(buf, &r, sizeof r);
	return sizeof r + klen + vlen + once->replen;
}

/* The KVR2 record at buf (avail bytes): applied to the table and the reply
 * cache. Returns its length, 0 if it is torn (the end of the log), or
 * -errno. */
static ssize_t rec2_load(struct kv_store *s, const uint8_t *buf, size_t avail)
{
	struct kv_rec2 r;
	const uint8_t *body = buf + sizeof r;
	size_t n;
	int rc;

	if (avail < sizeof r)
		return 0;
	memcpy(&r, buf, sizeof r);
	if (r.keylen > KV_KEY_MAX || r.vallen > KV_VAL_MAX ||
	    r.replen > KV_REP_MAX)
		return 0;
	n = (size_t)r.keylen + r.vallen + r.replen;
	if (avail - sizeof r < n || rec2_crc(&r, body, n) != r.crc)
		return 0;
	if (r.keylen) {
		rc = store_set(s, body, r.keylen, body + r.keylen, r.vallen);
		if (rc < 0)
			return rc;
	}
	if (s->cache) {
		ha_reqid_t id = {r.client, r.seq, r.done};

		if (ha_reply_cache_add(s->cache, &id, r.status,
				       body + r.keylen + r.vallen,
				       r.replen) < 0)
			return -errno;
	}
	return (ssize_t)(sizeof r + n);
}

/* Read FILE (absent: an empty store) into the table, stopping at the first
 * torn record. Returns 0 or -errno (-EINVAL: not a store file). */
static int store_load(struct kv_store *s)
{
	const char *file = s->opts->file;
	uint8_t *buf = NULL;
	size_t size, off, got = 0;
	struct stat st;
	int fd, rc = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	size = (size_t)st.st_size;
	if (size == 0)
		goto out;
	buf = malloc(size);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	size = got;
	if (size < 8 || memcmp(buf, KV_FILE_MAGIC, 8)) {
		rc = -EINVAL;
		goto out;
	}
	for (off = 8; size - off >= sizeof(struct kv_rec);) {
		struct kv_rec r;
		const uint8_t *key, *val;

		memcpy(&r, buf + off, sizeof r);
		if (r.magic == KV_REC2_MAGIC) {
			ssize_t n = rec2_load(s, buf + off, size - off);

			if (n < 0) {
				rc = (int)n;
				goto out;
			}
			if (n == 0)
				break;
			off += (size_t)n;
			continue;
		}
		if (r.magic != KV_REC_MAGIC || r.keylen == 0 ||
		    r.keylen > KV_KEY_MAX || r.vallen > KV_VAL_MAX ||
		    size - off - sizeof r < (size_t)r.keylen + r.vallen)
			break;
		key = buf + off + sizeof r;
		val = key + r.keylen;
		if (rec_crc(r.keylen, r.vallen, key, val) != r.crc)
			break;
		rc = store_set(s, key, r.keylen, val, r.vallen);
		if (rc < 0)
			goto out;
		off += sizeof r + r.keylen + r.vallen;
	}
	if (off != size)
		srv_log("%s: dropping %zu bytes of a torn last "
			"record (an update that was never acknowledged)",
			file, size - off);
out:
	free(buf);
	close(fd);
	return rc;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* store_compact's chunk, for writing the reply cache's entries. */
struct compact_ctx {
	int fd;
	uint8_t *chunk;
	size_t cap, used;
	uint64_t len;
	int err;
};

static int compact_reply(void *arg, const ha_reqid_t *id, int status,
			 const void *reply, size_t len)
{
	struct compact_ctx *cc = arg;
	struct kv_once once = {*id, status, reply, (uint32_t)len};
	size_t n = sizeof(struct kv_rec2) + len;

	if (cc->used + n > cc->cap) {
		if (write_all(cc->fd, cc->chunk, cc->used) < 0) {
			cc->err = -errno;
			return 1;
		}
		cc->used = 0;
	}
	cc->used += rec2_encode(cc->chunk + cc->used, NULL, 0, NULL, 0, &once);
	cc->len += n;
	return 0;
}

/* Replace FILE atomically with one record per key (and one per entry of
 * the reply cache): FILE.tmp, fsync,
 * rename, fsync the directory; then append to the new file. A kill at any
 * point leaves either the old file or the new one, both complete. Returns
 * 0 or -errno (the old file and fd stay in use). */
static int store_compact(struct kv_store *s)
{
	const char *file = s->opts->file;
	uint8_t *chunk = NULL;
	size_t used = 0, cap = 1u << 20;
	uint64_t len = 8;
	int fd, nfd = -1, rc = 0;

	fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	chunk = malloc(cap);
	if (!chunk) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(chunk, KV_FILE_MAGIC, 8);
	used = 8;
	for (size_t i = 0; i < s->nbuckets; i++) {
		for (struct kv_ent *e = s->tab[i]; e; e = e->next) {
			size_t n = sizeof(struct kv_rec) + e->klen + e->vlen;
			if (used + n > cap) {
				if (write_all(fd, chunk, used) < 0) {
					rc = -errno;
					goto fail;
				}
				used = 0;
			}
			used += rec_encode(chunk + used, e->key, e->klen,
					   e->val, e->vlen);
			len += n;
		}
	}
	if (s->cache) {
		struct compact_ctx cc = {fd, chunk, cap, used, len, 0};

		if (ha_reply_cache_walk(s->cache, compact_reply, &cc)) {
			rc = cc.err;
			goto fail;
		}
		used = cc.used;
		len = cc.len;
	}
	if ((used && write_all(fd, chunk, used) < 0) || fsync(fd) < 0) {
		rc = -errno;
		goto fail;
	}
	if (rename(s->tmp, file) < 0) {
		rc = -errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	free(chunk);
	chunk = NULL;
	rc = fsync_dir(s->dir);
	if (rc < 0)
		return rc;
	nfd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = nfd;
	s->loglen = len;
	return 0;
fail:
	free(chunk);
	if (fd >= 0) {
		close(fd);
		unlink(s->tmp);
	}
	return rc;
}

/* Append "key = val" and make it durable. Returns 0, or -errno with the file
 * as it was (a write error, e.g. ENOSPC). A failed fdatasync leaves the
 * file's state unknown: the server exits (3) without replying, which the
 * client sees as a server death. */
static int store_log(struct kv_store *s, const uint8_t *key, uint32_t klen,
		     const uint8_t *val, uint32_t vlen,
		     const struct kv_once *once)
{
	size_t n = once ? rec2_encode(s->rec, key, klen, val, vlen, once)
			: rec_encode(s->rec, key, klen, val, vlen);

	if (s->torn) {
		/* the fault hook: half a record on disk, then death */
		srv_log("-K %lu,torn: exiting mid-write", s->opts->kill_n);
		if (write_all(s->fd, s->rec, n / 2) >= 0)
			fdatasync(s->fd);
		_exit(9);
	}
	if (write_all(s->fd, s->rec, n) < 0) {
		int e = errno;
		if (ftruncate(s->fd, (off_t)s->loglen) < 0) {
			srv_log("%s: cannot undo a failed write "
				"(%s): %s",
				s->opts->file, strerror(e), strerror(errno));
			_exit(3);
		}
		return -e;
	}
	if (fdatasync(s->fd) < 0) {
		srv_log("%s: fdatasync: %s", s->opts->file, strerror(errno));
		_exit(3);
	}
	s->loglen += n;
	return 0;
}

/* Log, then apply: the caller replies only after this returns 0. With
 * `once`, the record carries the request's identity and reply, and the
 * reply goes into the cache too. */
static int store_update(struct kv_store *s, const uint8_t *key, uint32_t klen,
			const uint8_t *val, uint32_t vlen,
			const struct kv_once *once)
{
	int rc = store_room(s, store_find(s, key, klen), klen, vlen);

	if (rc == 0)
		rc = store_log(s, key, klen, val, vlen, once);
	if (rc == 0)
		rc = store_set(s, key, klen, val, vlen);
	if (rc == 0 && once &&
	    ha_reply_cache_add(s->cache, &once->id, once->status, once->rep,
			       once->replen) < 0)
		rc = -ENOMEM;
	if (rc == -ENOMEM) {
		/* logged but not applied: the memory and the file disagree */
		srv_log("out of memory");
		_exit(3);
	}
	return rc;
}

/* ---- requests ---- */

static const char *op_name(unsigned op)
{
	static const char *const names[] = {"?", "GET", "PUT", "INCR",
					    "APPEND"};

	return op < 5 ? names[op] : "?";
}

static void reply_value(int rcvid, int64_t num, const uint8_t *val,
			uint32_t vlen)
{
	struct kv_rep rep = {.value = num, .vallen = vlen};
	iov_t iov[2];

	SETIOV(&iov[0], &rep, sizeof rep);
	SETIOV(&iov[1], val, vlen);
	MsgReplyv(rcvid, EOK, iov, vlen ? 2 : 1);
}

/* The reply to an update, built in s->rep (so it can be logged and cached
 * as it is sent). Returns its length. */
static uint32_t rep_build(struct kv_store *s, int64_t num, const uint8_t *val,
			  uint32_t vlen)
{
	struct kv_rep rep = {.value = num, .vallen = vlen};

	memcpy(s->rep, &rep, sizeof rep);
	if (vlen)
		memcpy(s->rep + sizeof rep, val, vlen);
	return (uint32_t)(sizeof rep + vlen);
}

/*
 * Exactly-once, before an update is applied: a request with an identity
 * that was applied before (by us or by a server that died, found through
 * the log) is answered from the reply cache instead. Returns 0 to apply it
 * (*op = once to log it with its identity, or NULL: it has none), -1 if it
 * has been answered, or the errno to refuse it with: EPERM (a forged
 * client id), EAGAIN (no room in the cache), ESTALE.
 */
static int once_begin(struct kv_store *s, int rcvid, struct kv_once *once,
		      struct kv_once **op)
{
	const void *rep;
	size_t len;
	int status;

	*op = NULL;
	if (!s->cache)
		return 0;
	if (ha_request_id(rcvid, &once->id) < 0)
		return errno == ENOENT ? 0 : errno;
	switch (ha_reply_cache_check(s->cache, &once->id, &status, &rep,
				     &len)) {
	case 1:
		srv_vlog("request %" PRIu64 " of client %#" PRIx64
			 " applied before: answered from the reply cache",
			 once->id.seq, once->id.client);
		MsgReply(rcvid, status, rep, (int)len);
		return -1;
	case 0:
		*op = once;
		once->status = EOK;
		once->rep = s->rep;
		return 0;
	default:
		return errno;
	}
}

/* Log and apply an update whose reply (replen bytes) is in s->rep, then
 * reply. Returns EOK or the errno to MsgError with. `incr`: the -K hook
 * counts it. */
static int update_reply(struct kv_store *s, int rcvid, const uint8_t *key,
			uint32_t klen, const uint8_t *val, uint32_t vlen,
			struct kv_once *op, uint32_t replen, int incr)
{
	int last = incr && ++s->nincr == s->opts->kill_n, rc;

	if (op)
		op->replen = replen;
	s->torn = last && s->opts->kill_torn;
	rc = store_update(s, key, klen, val, vlen, op);
	if (rc < 0)
		return -rc;
	if (last) {
		/* the fault hook: applied and durable, never replied */
		srv_log("-K %lu: exiting before the reply", s->opts->kill_n);
		_exit(9);
	}
	MsgReply(rcvid, EOK, s->rep, (int)replen);
	return EOK;
}

/* One KV_MSG_TYPE request of msglen bytes. Returns the errno to MsgError
 * with, or EOK once it has replied. */
static int kv_request(struct kv_store *s, int rcvid, const uint8_t *msg,
		      size_t msglen)
{
	struct kv_once once, *op;
	struct kv_req req;
	const uint8_t *key, *val;
	struct kv_ent *e;
	int64_t num = 0, cur = 0;
	char nbuf[24];
	int rc, n;

	if (msglen < sizeof req)
		return EBADMSG;
	memcpy(&req, msg, sizeof req);
	if (req.keylen == 0)
		return EINVAL;
	if (req.keylen > KV_KEY_MAX)
		return ENAMETOOLONG;
	if (req.vallen > KV_VAL_MAX)
		return EMSGSIZE;
	if (msglen - sizeof req < (size_t)req.keylen + req.vallen)
		return EBADMSG; /* shorter than it says */
	key = msg + sizeof req;
	val = key + req.keylen;
	e = store_find(s, key, req.keylen);
	srv_vlog("%s key of %u bytes, value of %u bytes", op_name(req.op),
		 req.keylen, req.vallen);

	switch (req.op) {
	case KV_GET:
		if (!e)
			return ENOENT;
		parse_num(e->val, e->vlen, &num);
		reply_value(rcvid, num, e->val, e->vlen);
		return EOK;
	case KV_PUT:
		if ((rc = once_begin(s, rcvid, &once, &op)) != 0)
			return rc < 0 ? EOK : rc;
		parse_num(val, req.vallen, &num);
		return update_reply(s, rcvid, key, req.keylen, val, req.vallen,
				    op, rep_build(s, num, NULL, 0), 0);
	case KV_INCR:
		if ((rc = once_begin(s, rcvid, &once, &op)) != 0)
			return rc < 0 ? EOK : rc;
		if (e && parse_num(e->val, e->vlen, &cur) < 0)
			return EINVAL; /* not a counter */
		if (__builtin_add_overflow(cur, req.arg, &num))
			return EOVERFLOW;
		n = snprintf(nbuf, sizeof nbuf, "%" PRId64, num);
		return update_reply(s, rcvid, key, req.keylen,
				    (const uint8_t *)nbuf, (uint32_t)n, op,
				    rep_build(s, num, NULL, 0), 1);
	case KV_APPEND: {
		uint32_t old = e ? e->vlen : 0;

		if ((rc = once_begin(s, rcvid, &once, &op)) != 0)
			return rc < 0 ? EOK : rc;
		if ((uint64_t)old + req.vallen > KV_VAL_MAX)
			return EMSGSIZE;
		if (old)
			memcpy(s->val, e->val, old);
		memcpy(s->val + old, val, req.vallen);
		parse_num(s->val, old + req.vallen, &num);
		return update_reply(
			s, rcvid, key, req.keylen, s->val, old + req.vallen, op,
			rep_build(s, num, s->val, old + req.vallen), 0);
	}
	default:
		return EINVAL;
	}
}

/* ---- the server ---- */

static int store_open(struct kv_store *s, const struct kvsrv_opts *opts)
{
	size_t len = strlen(opts->file);
	const char *slash = strrchr(opts->file, '/');
	char *lock;
	int lfd, rc;

	s->opts = opts;
	s->fd = -1;
	s->tmp = malloc(len + 8);
	lock = malloc(len + 8);
	s->dir = slash ? strndup(opts->file,
				 slash == opts->file
					 ? 1
					 : (size_t)(slash - opts->file))
		       : strdup(".");
	s->rec = malloc(sizeof(struct kv_rec2) + KV_KEY_MAX + KV_VAL_MAX +
			KV_REP_MAX);
	s->val = malloc(KV_VAL_MAX);
	s->rep = malloc(KV_REP_MAX);
	if (opts->cache_n)
		s->cache = ha_reply_cache_create(opts->cache_n, 0);
	if (!s->tmp || !lock || !s->dir || !s->rec || !s->val || !s->rep ||
	    (opts->cache_n && !s->cache)) {
		srv_log("out of memory");
		return -1;
	}
	snprintf(s->tmp, len + 8, "%s.tmp", opts->file);
	snprintf(lock, len + 8, "%s.lock", opts->file);
	/* One server per store: a second one would rename the file from
	 * under the first one's append descriptor. The lock dies with us. */
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		srv_log("%s: %s", lock,
			errno == EWOULDBLOCK
				? "the store is in use by another server"
				: strerror(errno));
		free(lock);
		return -1;
	}
	free(lock);
	crc_init();
	rc = store_load(s);
	if (rc < 0) {
		srv_log("%s: %s", opts->file,
			rc == -EINVAL ? "not an ntosim-kvsrv store"
				      : strerror(-rc));
		return -1;
	}
	rc = store_compact(s);
	if (rc < 0) {
		srv_log("%s: cannot write: %s", opts->file, strerror(-rc));
		return -1;
	}
	return 0;
}

int kvsrv_serve(const struct kvsrv_opts *opts)
{
	static struct kv_store s;
	static union {
		struct _pulse pulse;
		uint16_t type;
		struct kv_req req;
		uint8_t bytes[KV_MSG_MAX];
	} msg;
	struct _msg_info info;
	name_attach_t *att;
	dispatch_t *dpp;
	int chid, rc = 1;

	srv_log_init("ntosim-kvsrv", opts->verbose);
	if (store_open(&s, opts) < 0)
		return 1;
	/* The store is loaded and writable: only now take the name, so a
	 * client that finds it is served. */
	/* name_attach's own channel flags, plus, with a reply cache, the
	 * announcement that re-sent requests are safe here */
	chid = ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT |
			     (s.cache ? _NTO_CHF_NTOSIM_REQID : 0));
	dpp = chid < 0 ? NULL : dispatch_create_channel(chid, 0);
	att = dpp ? name_attach(dpp, opts->name, 0) : NULL;
	if (!att) {
		srv_log("name_attach %s: %s", opts->name, strerror(errno));
		goto out;
	}
	srv_vlog("serving %s from %s: %zu keys, %" PRIu64 " bytes, %u cached "
		 "replies",
		 opts->name, opts->file, s.nkeys, s.bytes,
		 ha_reply_cache_count(s.cache));
	for (;;) {
		int rcvid = MsgReceive(att->chid, &msg, sizeof msg, &info);

		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			srv_log("MsgReceive: %s", strerror(errno));
			rc = 2;
			break;
		}
		if (rcvid == 0) {
			/* A client connection's last coid is gone: release
			 * our end. UNBLOCK needs nothing (we reply at once);
			 * other pulses are not ours. */
			if (msg.pulse.code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(msg.pulse.scoid);
			continue;
		}
		if (info.msglen < (int)sizeof msg.type) {
			MsgError(rcvid, EBADMSG);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL,
				 0); /* name_open's handshake */
			continue;
		}
		if (msg.type != KV_MSG_TYPE) {
			MsgError(rcvid, ENOSYS); /* other _IO_* and the rest */
			continue;
		}
		int err = kv_request(&s, rcvid, msg.bytes, (size_t)info.msglen);

		if (err != EOK)
			MsgError(rcvid, err);
		else if (s.loglen > 2 * s.bytes + KV_COMPACT_SLACK) {
			int crc = store_compact(&s);
			if (crc < 0)
				srv_log("%s: compaction failed "
					"(%s); still appending",
					opts->file, strerror(-crc));
		}
	}
out:
	/* nothing of the name is left allocated (ipcd gone for good, or a
	 * failed start): name_detach destroys dpp and its channel too */
	if (att)
		(void)name_detach(att, 0);
	else if (dpp)
		srv_dispatch_free(dpp, NULL);
	else if (chid >= 0)
		(void)ChannelDestroy(chid);
	return rc;
}
