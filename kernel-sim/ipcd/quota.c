/*
 * Quotas: what one process and one uid may hold in ipcd (channels,
 * connections, paths, control sockets, and the ipcd fds those cost), so no
 * user can deny service to another; the limits come from defaults, a config
 * file and -q flags. Also hands freed memory back to the OS after floods.
 * Not here: the objects themselves (channel.c, connection.c, ...).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ipcd/internal.h"

struct quota_limits quota;

/* ipcd fds each object costs: a channel's region and doorbell memfds, a
 * connection's region memfd, a control socket. Paths cost none. */
static const unsigned fd_cost[QUOTA_NRES] = {
	[QUOTA_CHANNELS] =
		4, /* region, doorbell, waiter page and its read-only twin */
	[QUOTA_CONNECTIONS] = 1,
	[QUOTA_PEERS] = 1,
};

static const char *const res_name[QUOTA_NRES] = {
	[QUOTA_CHANNELS] = "channels", [QUOTA_CONNECTIONS] = "connections",
	[QUOTA_PATHS] = "paths",       [QUOTA_PEERS] = "peers",
	[QUOTA_FDS] = "fds",
};

/* One uid's use; entries go when they hold nothing. */
struct uquota {
	struct uquota *next;
	uid_t uid;
	struct quota_use use;
};

#define UQ_HASH 64
static struct uquota *uq_hash[UQ_HASH];

static struct uquota *uq_get(uid_t uid, int create)
{
	struct uquota **pp = &uq_hash[uid % UQ_HASH], *u;

	for (u = *pp; u; u = u->next) {
		if (u->uid == uid)
			return u;
	}
	if (!create)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->uid = uid;
	u->next = *pp;
	*pp = u;
	return u;
}

static void uq_put(struct uquota *u)
{
	struct uquota **pp = &uq_hash[u->uid % UQ_HASH];
	unsigned i;

	for (i = 0; i < QUOTA_NRES; i++) {
		if (u->use.n[i])
			return;
	}
	while (*pp != u)
		pp = &(*pp)->next;
	*pp = u->next;
	free(u);
}

static struct event *trim_ev;

void quota_shutdown(void)
{
	unsigned i;

	if (trim_ev)
		event_free(trim_ev);
	trim_ev = NULL;

	for (i = 0; i < UQ_HASH; i++) {
		while (uq_hash[i]) {
			struct uquota *u = uq_hash[i];

			uq_hash[i] = u->next;
			free(u);
		}
	}
}

/* Defaults scaled to ipcd's own fd limit (raised to the hard limit first):
 * a uid may use at most half of ipcd's fds (ipcd serves its own uid and
 * root), a process an eighth. */
void quota_defaults(void)
{
	struct rlimit rl;
	unsigned nofile = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		nofile = rl.rlim_cur > (1u << 20) ? (1u << 20)
						  : (unsigned)rl.rlim_cur;
	if (nofile < 1024)
		nofile = 1024;
	quota.proc[QUOTA_CHANNELS] = 1024;
	quota.proc[QUOTA_CONNECTIONS] = 4096;
	quota.proc[QUOTA_PATHS] = 4096;
	quota.proc[QUOTA_PEERS] = 0; /* not per process */
	quota.proc[QUOTA_FDS] = nofile / 8;
	quota.uid[QUOTA_CHANNELS] = 16384;
	quota.uid[QUOTA_CONNECTIONS] = 65536;
	quota.uid[QUOTA_PATHS] = 16384;
	quota.uid[QUOTA_PEERS] = nofile / 4;
	quota.uid[QUOTA_FDS] = (nofile - 256) / 2;
	quota.chan_conns = NTO_CHAN_CONNS / 4;
	quota.outq_bytes = 4u << 20;
	quota.outq_packets = 4096;
	quota.outq_fds = 256;
}

/* "proc.channels=100", "uid.fds=5000", "chan.connections=16",
 * "outq.bytes=65536", ...: -EINVAL for an unknown name or a bad number. */
int quota_set(const char *assignment)
{
	char name[64], *end;
	const char *eq = strchr(assignment, '=');
	unsigned long long v;
	size_t n;
	unsigned i;

	if (!eq)
		return -EINVAL;
	n = (size_t)(eq - assignment);
	while (n > 0 && isspace((unsigned char)assignment[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, assignment, n);
	name[n] = '\0';
	eq++;
	while (isspace((unsigned char)*eq))
		eq++;
	errno = 0;
	v = strtoull(eq, &end, 0);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || end == eq || *end || *eq == '-' || v > 0xffffffffull)
		return -EINVAL;
	if (strcmp(name, "chan.connections") == 0) {
		quota.chan_conns = (unsigned)v;
		return 0;
	}
	if (strcmp(name, "outq.bytes") == 0) {
		quota.outq_bytes = (size_t)v;
		return 0;
	}
	if (strcmp(name, "outq.packets") == 0) {
		quota.outq_packets = (unsigned)v;
		return 0;
	}
	if (strcmp(name, "outq.fds") == 0) {
		quota.outq_fds = (unsigned)v;
		return 0;
	}
	for (i = 0; i < QUOTA_NRES; i++) {
		if (strncmp(name, "proc.", 5) == 0 && i != QUOTA_PEERS &&
		    strcmp(name + 5, res_name[i]) == 0) {
			quota.proc[i] = (unsigned)v;
			return 0;
		}
		if (strncmp(name, "uid.", 4) == 0 &&
		    strcmp(name + 4, res_name[i]) == 0) {
			quota.uid[i] = (unsigned)v;
			return 0;
		}
	}
	return -EINVAL;
}

/* One assignment a line; '#' starts a comment; blank lines are fine.
 * -errno if the file cannot be read, -EINVAL (logged with the line
 * number) for a line quota_set refuses. */
int quota_load(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[256];
	int lineno = 0, rc = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		lineno++;
		s[strcspn(s, "#\n")] = '\0';
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		if (quota_set(s) < 0) {
			log_err("%s:%d: not a limit: %s", file, lineno, s);
			rc = -EINVAL;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* One log line per limit and scope per second; the rest are counted. */
static void quota_log(int per_uid, enum quota_res r, pid_t pid, uid_t uid,
		      unsigned limit)
{
	static time_t last[2][QUOTA_NRES];
	static unsigned quiet[2][QUOTA_NRES];
	time_t now = time(NULL);

	if (last[per_uid][r] == now) {
		quiet[per_uid][r]++;
		return;
	}
	if (quiet[per_uid][r])
		log_err("%s limit per %s: %u more refusals not logged",
			res_name[r], per_uid ? "uid" : "process",
			quiet[per_uid][r]);
	log_err("pid %d (uid %u): %s limit per %s (%u) reached: EAGAIN",
		(int)pid, (unsigned)uid, res_name[r],
		per_uid ? "uid" : "process", limit);
	last[per_uid][r] = now;
	quiet[per_uid][r] = 0;
}

static int over(const struct quota_use *u, const unsigned *lim,
		enum quota_res r, unsigned n, enum quota_res *which)
{
	unsigned fds = n * fd_cost[r];

	if (lim[r] && u->n[r] + n > lim[r]) {
		*which = r;
		return 1;
	}
	if (fds && lim[QUOTA_FDS] && u->n[QUOTA_FDS] + fds > lim[QUOTA_FDS]) {
		*which = QUOTA_FDS;
		return 1;
	}
	return 0;
}

static void add(struct quota_use *u, enum quota_res r, unsigned n)
{
	u->n[r] += n;
	u->n[QUOTA_FDS] += n * fd_cost[r];
}

static void sub(struct quota_use *u, enum quota_res r, unsigned n)
{
	u->n[r] -= n <= u->n[r] ? n : u->n[r];
	n *= fd_cost[r];
	u->n[QUOTA_FDS] -= n <= u->n[QUOTA_FDS] ? n : u->n[QUOTA_FDS];
}

int quota_take(uid_t uid, struct quota_use *pu, pid_t pid, enum quota_res r,
	       unsigned n)
{
	enum quota_res which = r;
	struct uquota *u;

	if (n == 0)
		return 0;
	u = uq_get(uid, 1);
	if (!u)
		return -ENOMEM;
	if (pu && over(pu, quota.proc, r, n, &which)) {
		quota_log(0, which, pid, uid, quota.proc[which]);
		uq_put(u);
		return -EAGAIN;
	}
	if (over(&u->use, quota.uid, r, n, &which)) {
		quota_log(1, which, pid, uid, quota.uid[which]);
		uq_put(u);
		return -EAGAIN;
	}
	if (pu)
		add(pu, r, n);
	add(&u->use, r, n);
	return 0;
}

void quota_give(uid_t uid, struct quota_use *pu, enum quota_res r, unsigned n)
{
	struct uquota *u = uq_get(uid, 0);

	if (pu)
		sub(pu, r, n);
	if (u) {
		sub(&u->use, r, n);
		uq_put(u);
	}
}

int quota_chan_conns(const struct proc *client, const struct chan *ch)
{
	const struct conn *c;
	unsigned n = 0;

	if (!quota.chan_conns)
		return 0;
	TAILQ_FOREACH(c, &client->cconns, clink)
	{
		if (c->chan == ch && ++n >= quota.chan_conns) {
			static time_t last;
			time_t now = time(NULL);

			if (now != last)
				log_err("pid %d (uid %u): connections limit "
					"per client and channel (%u) reached "
					"on pid %d chid %d: EAGAIN",
					(int)client->pid, (unsigned)client->uid,
					quota.chan_conns, (int)ch->proc->pid,
					ch->chid);
			last = now;
			return -EAGAIN;
		}
	}
	return 0;
}

/* After a flood the heap's free memory would stay with ipcd (glibc only
 * trims the top of the heap): once a few MiB have been freed, trim from
 * an idle callback, so a burst of frees costs one trim. */
#define TRIM_AFTER (4u << 20)

static size_t freed_since_trim;

static void trim_cb(evutil_socket_t fd, short what, void *arg)
{
	freed_since_trim = 0;
	malloc_trim(0);
}

void quota_freed(size_t bytes)
{
	freed_since_trim += bytes;
	if (freed_since_trim < TRIM_AFTER || !ipcd.base)
		return;
	if (!trim_ev) {
		trim_ev = event_new(ipcd.base, -1, 0, trim_cb, NULL);
		if (!trim_ev)
			return;
	}
	event_active(trim_ev, EV_TIMEOUT, 0);
}
