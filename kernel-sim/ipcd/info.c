/*
 * INFO: a JSON snapshot of ipcd's objects for pidin and tests (processes,
 * channels, connections, coids, blocked threads, paths). Blocked states are
 * read from the shared slots and receiver tables as a hint; they are only
 * reported, never trusted. The format is documented in ipcd(8).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd/internal.h"

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

static void sb_grow(struct sbuf *sb, size_t need)
{
	size_t cap = sb->cap ? sb->cap : 4096;
	char *np;

	if (sb->err || sb->len + need + 1 <= sb->cap)
		return;
	while (cap < sb->len + need + 1)
		cap *= 2;
	np = realloc(sb->p, cap);
	if (!np) {
		sb->err = 1;
		return;
	}
	sb->p = np;
	sb->cap = cap;
}

static void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	if (sb->err)
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

static void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->err = 1;
		return;
	}
	sb_put(sb, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A JSON string literal; bytes >= 0x80 pass through unchanged. */
static void sb_str(struct sbuf *sb, const char *s)
{
	sb_put(sb, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char esc[2] = {'\\', (char)ch};

			sb_put(sb, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			sb_printf(sb, "\\u%04x", ch);
		} else {
			sb_put(sb, s, 1);
		}
	}
	sb_put(sb, "\"", 1);
}

static const char *slot_blocked_state(uint32_t st)
{
	switch (st) {
	case NTO_SLOT_SEND:
		return "SEND";
	case NTO_SLOT_RECEIVED:
	case NTO_SLOT_REPLYING:
		return "REPLY";
	default:
		return NULL;
	}
}

static void info_channel(struct sbuf *sb, struct chan *ch)
{
	const char *sep = "";
	unsigned i;

	sb_printf(sb, "{\"chid\":%d,\"flags\":%u,\"receivers\":[", ch->chid,
		  ch->flags);
	for (i = 0; i < NTO_CHAN_RCVRS; i++) {
		int32_t tid = atomic_load_explicit(&ch->r->rcvr_tid[i],
						   memory_order_relaxed);

		if (tid != 0) {
			sb_printf(sb, "%s%d", sep, (int)tid);
			sep = ",";
		}
	}
	sb_puts(sb, "],\"conns\":[");
	sep = "";
	for (i = 0; i < ch->conns_cap; i++) {
		struct conn *c = ch->conns[i];

		if (!c)
			continue;
		sb_printf(sb,
			  "%s{\"scoid\":%d,\"client_pid\":%d,\"conn_id\":%u,"
			  "\"nd\":%u,\"state\":\"%s\"}",
			  sep, c->scoid | SIDE_BIT, (int)c->client_pid, c->id,
			  c->proxy ? c->px_nd : 0u,
			  c->client ? "LIVE" : "GONE");
		sep = ",";
	}
	sb_puts(sb, "]}");
}

static void info_threads(struct sbuf *sb, struct proc *p)
{
	const char *sep = "";
	struct chan *ch;
	struct conn *c;
	unsigned i;

	TAILQ_FOREACH(c, &p->cconns, clink)
	{
		if (!c->chan)
			continue;
		for (i = 0; i < NTO_CONN_SLOTS; i++) {
			struct nto_slot *s = &c->r->slot[i];
			const char *st =
				slot_blocked_state(atomic_load_explicit(
					&s->state, memory_order_acquire));

			if (!st)
				continue;
			sb_printf(sb,
				  "%s{\"tid\":%d,\"state\":\"%s\",\"coid\":%d,"
				  "\"peer_pid\":%d,\"chid\":%d}",
				  sep, (int)s->tid, st, (int)s->coid,
				  (int)c->server_pid, c->chid);
			sep = ",";
		}
	}
	TAILQ_FOREACH(ch, &p->chans, link)
	{
		for (i = 0; i < NTO_CHAN_RCVRS; i++) {
			int32_t tid = atomic_load_explicit(
				&ch->r->rcvr_tid[i], memory_order_relaxed);

			if (tid == 0)
				continue;
			sb_printf(sb,
				  "%s{\"tid\":%d,\"state\":\"RECEIVE\","
				  "\"coid\":-1,\"peer_pid\":-1,\"chid\":%d}",
				  sep, (int)tid, ch->chid);
			sep = ",";
		}
	}
}

static void info_proc(struct sbuf *sb, struct proc *p)
{
	const char *sep = "";
	struct chan *ch;
	struct coid *co;

	sb_printf(sb, "{\"pid\":%d,\"name\":", (int)p->pid);
	sb_str(sb, p->name);
	sb_printf(sb, ",\"uid\":%u,\"channels\":[", (unsigned)p->uid);
	TAILQ_FOREACH(ch, &p->chans, link)
	{
		sb_puts(sb, sep);
		info_channel(sb, ch);
		sep = ",";
	}
	sb_puts(sb, "],\"coids\":[");
	sep = "";
	TAILQ_FOREACH(co, &p->coids, link)
	{
		struct conn *c = co->conn;

		sb_printf(sb,
			  "%s{\"coid\":%d,\"pid\":%d,\"chid\":%d,\"scoid\":%d,"
			  "\"conn_id\":%u,\"nd\":%u,\"dead\":%s}",
			  sep, co->coid,
			  (int)(co->nd ? co->rpid : c->server_pid),
			  co->nd ? co->rchid : c->chid, c->scoid | SIDE_BIT,
			  c->id, co->nd, c->chan ? "false" : "true");
		sep = ",";
	}
	sb_puts(sb, "],\"threads\":[");
	info_threads(sb, p);
	sb_puts(sb, "]}");
}

/* Replies (or the fds they carry) waiting in peers' output queues. */
static unsigned info_queued(int fds)
{
	struct peer *pe;
	unsigned n = 0;

	TAILQ_FOREACH(pe, &ipcd.peers, link)
	n += fds ? pe->outq.nfds : pe->outq.npkts;
	return n;
}

static void info_build(struct sbuf *sb)
{
	const char *sep = "";
	struct pathreg *r;
	struct proc *p;

	sb_printf(sb, "{\"ipcd\":{\"pid\":%d,\"version\":%u},", (int)getpid(),
		  NTO_CTL_VERSION);
	sb_printf(sb,
		  "\"counts\":{\"procs\":%u,\"channels\":%u,\"connections\":%u,"
		  "\"coids\":%u,\"paths\":%u,\"peers\":%u,\"queued\":%u,"
		  "\"queued_fds\":%u},"
		  "\"procs\":[",
		  ipcd.nprocs, ipcd.nchans, ipcd.nconns, ipcd.ncoids,
		  ipcd.npaths, ipcd.npeers, info_queued(0), info_queued(1));
	TAILQ_FOREACH(p, &ipcd.procs, link)
	{
		sb_puts(sb, sep);
		info_proc(sb, p);
		sep = ",";
	}
	sb_puts(sb, "],\"paths\":[");
	sep = "";
	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		sb_printf(sb, "%s{\"path\":", sep);
		sb_str(sb, r->path);
		sb_printf(sb,
			  ",\"pid\":%d,\"chid\":%d,\"flags\":%u,\"ftype\":%u,"
			  "\"id\":%d}",
			  (int)r->proc->pid, r->chid, r->flags, r->ftype,
			  r->id);
		sep = ",";
	}
	sb_puts(sb, "]}\n");
}

int dispatch_info(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	const size_t chunk = NTO_CTL_REPLY_MAX - sizeof(struct nto_ctl_hdr);
	struct sbuf sb = {0};
	size_t off = 0;
	int rc = 0;

	if (in->id != NTO_INFO_JSON)
		return -EINVAL;
	info_build(&sb);
	if (sb.err) {
		free(sb.p);
		return -ENOMEM;
	}
	outq_burst(rq->peer, sb.len); /* outq.c: a big system's INFO */
	while (off < sb.len) {
		size_t n = sb.len - off < chunk ? sb.len - off : chunk;
		int more = off + n < sb.len;

		rc = peer_send(rq->peer, rq->type, rq->seq, more ? 1 : 0,
			       sb.p + off, (uint32_t)n, NULL, 0);
		if (rc < 0)
			break;
		off += n;
	}
	free(sb.p);
	rq->noreply = 1;
	return rc < 0 ? IPCD_DROP : 0;
}
