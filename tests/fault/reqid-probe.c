/*
 * reqid-probe: drives ntosim-kvsrv's reply cache with hand-made request
 * identities (its own libnto identity hook, no libha), as a hostile or
 * buggy client would: a forged client id, a re-send, a full cache, a stale
 * seq, the cache after a restart, and the eviction of a dead client's
 * entries. Prints one line per step and exits 1 at the first surprise.
 *
 *	reqid-probe KVSRV STORE NAME      (starts and restarts KVSRV -C 2)
 *	reqid-probe --fill NAME KEY       (internal: the second client)
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/kv/kvproto.h"

static struct nto_reqid cur;
static int cur_set;

static int hook(int coid, int end, struct nto_reqid *id)
{
	(void)coid;
	if (end || !cur_set)
		return 0;
	*id = cur;
	return 1;
}

static void die(const char *what)
{
	printf("FAIL %s\n", what);
	exit(1);
}

/* One request; returns the value or -errno. */
static int64_t kv(int coid, int op, const char *key)
{
	struct kv_req req = {
		KV_MSG_TYPE, (uint16_t)op, (uint32_t)strlen(key), 0, 0, 1};
	struct kv_rep rep = {0};
	char val[64];
	iov_t s[2], r[2];

	SETIOV(&s[0], &req, sizeof(req));
	SETIOV(&s[1], key, strlen(key));
	SETIOV(&r[0], &rep, sizeof(rep));
	SETIOV(&r[1], val, sizeof(val));
	if (MsgSendv(coid, s, 2, r, 2) < 0)
		return -errno;
	return rep.value;
}

/* INCR key with identity (client, seq, done); expect `want` (a value, or
 * -errno). */
static void incr_id(int coid, const char *key, uint64_t client, uint64_t seq,
		    uint64_t done, int64_t want, const char *step)
{
	int64_t v;

	cur = (struct nto_reqid){client, seq, done};
	cur_set = 1;
	v = kv(coid, KV_INCR, key);
	cur_set = 0;
	printf("%s: seq %llu done %llu -> %lld\n", step,
	       (unsigned long long)seq, (unsigned long long)done, (long long)v);
	if (v != want)
		die(step);
}

static void get_is(int coid, const char *key, int64_t want, const char *step)
{
	int64_t v = kv(coid, KV_GET, key);

	printf("%s: get %s -> %lld\n", step, key, (long long)v);
	if (v != want)
		die(step);
}

static pid_t start_kvsrv(const char *bin, const char *store, const char *name)
{
	char path[128];
	pid_t pid = fork();

	if (pid == 0) {
		execl(bin, bin, "-v", "-C", "2", "-n", name, "-f", store,
		      (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/dev/name/local/%s", name);
	if (pid < 0 || nto_path_wait(path, 10000) < 0)
		die("kvsrv start");
	return pid;
}

static int open_kv(const char *name)
{
	int coid = name_open(name, 0);

	if (coid < 0)
		die("name_open");
	return coid;
}

/* The second client: two entries in a full cache, then exit. */
static int fill(const char *name, const char *key)
{
	int coid = open_kv(name);
	uint64_t me = (uint64_t)(uint32_t)getpid() << 32 | 0x5151;

	nto_set_send_ident(hook);
	incr_id(coid, key, me, 1, 1, 1, "fill 1");
	/* full (the other client's live entry, this one's): refused */
	incr_id(coid, key, me, 2, 1, -EAGAIN, "fill 2 refused");
	get_is(coid, key, 1, "fill 2 not applied");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t me = (uint64_t)(uint32_t)getpid() << 32 | 0xabc;
	int coid, st;
	pid_t srv, q;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "--fill"))
		return fill(argv[2], argv[3]);
	if (argc != 4) {
		fprintf(stderr, "usage: reqid-probe KVSRV STORE NAME\n");
		return 2;
	}
	nto_set_send_ident(hook);
	srv = start_kvsrv(argv[1], argv[2], argv[3]);
	coid = open_kv(argv[3]);

	/* another process's client id (our parent's pid): refused, not
	 * applied */
	incr_id(coid, "k", (uint64_t)(uint32_t)getppid() << 32 | 1, 1, 1,
		-EPERM, "forged");
	get_is(coid, "k", -ENOENT, "forged not applied");

	incr_id(coid, "k", me, 1, 1, 1, "first");
	incr_id(coid, "k", me, 1, 1, 1, "re-sent: from the cache");
	get_is(coid, "k", 1, "applied once");
	incr_id(coid, "k", me, 2, 1, 2, "second");
	/* cache full (2) of our own unfinished entries: refused unapplied */
	incr_id(coid, "k", me, 3, 1, -EAGAIN, "full");
	get_is(coid, "k", 2, "full not applied");
	incr_id(coid, "k", me, 3, 3, 3, "done 3 frees 1 and 2");
	incr_id(coid, "k", me, 1, 1, -ESTALE, "stale seq");
	get_is(coid, "k", 3, "stale not applied");

	/* the cache survives a restart: rebuilt from the log */
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	srv = start_kvsrv(argv[1], argv[2], argv[3]);
	ConnectDetach(coid);
	coid = open_kv(argv[3]);
	incr_id(coid, "k", me, 3, 3, 3, "after restart: from the cache");
	get_is(coid, "k", 3, "after restart applied once");
	/* that server compacted its store at start: the entry is now a
	 * keyless cache record, which the next start must load */
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	srv = start_kvsrv(argv[1], argv[2], argv[3]);
	ConnectDetach(coid);
	coid = open_kv(argv[3]);
	incr_id(coid, "k", me, 3, 3, 3, "after compaction: from the cache");
	get_is(coid, "k", 3, "after compaction applied once");

	/* a second client fills the cache and exits: its entries go when
	 * room is needed, ours (a live client's) stay */
	q = fork();
	if (q == 0) {
		execl("/proc/self/exe", argv[0], "--fill", argv[3], "q",
		      (char *)NULL);
		_exit(127);
	}
	if (q < 0 || waitpid(q, &st, 0) != q || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die("second client");
	incr_id(coid, "k", me, 4, 3, 4, "dead client evicted");
	incr_id(coid, "k", me, 3, 3, 3, "live entry kept");
	get_is(coid, "k", 4, "all applied once");
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	ConnectDetach(coid);
	printf("ok\n");
	return 0;
}
