/*
 * pidin: a live view of ntosim's kernel objects, after QNX's pidin. It asks
 * ipcd for its INFO snapshot over an auxiliary control connection (it never
 * registers as a process) and prints processes, channels, connections,
 * blocked threads and paths, or with --json the raw snapshot.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/ctl.h"
#include "proto/sockpath.h"

/* ---- a minimal JSON reader for ipcd's snapshot ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	long long num;
	char *str;
	size_t n;
	char **keys;	  /* J_OBJ */
	struct jv **vals; /* J_OBJ, J_ARR */
};

struct jparse {
	const char *p;
	const char *end;
	int depth;
};

static void jv_free(struct jv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->vals[i]);
	}
	free(v->keys);
	free(v->vals);
	free(v->str);
	free(v);
}

static void jskip(struct jparse *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\n' ||
				   *jp->p == '\t' || *jp->p == '\r'))
		jp->p++;
}

static char *jstring(struct jparse *jp)
{
	size_t cap = 16, len = 0;
	char *s, *ns;

	if (jp->p >= jp->end || *jp->p != '"')
		return NULL;
	jp->p++;
	s = malloc(cap);
	if (!s)
		return NULL;
	while (jp->p < jp->end && *jp->p != '"') {
		char c = *jp->p++;

		if (c == '\\' && jp->p < jp->end) {
			c = *jp->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				/* ipcd escapes only control bytes this way */
				if (jp->end - jp->p < 4)
					goto fail;
				c = (char)strtol((char[5]){jp->p[0], jp->p[1],
							   jp->p[2], jp->p[3],
							   0},
						 NULL, 16);
				jp->p += 4;
				break;
			default:
				break; /* '"', '\\', '/' stand for themselves */
			}
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?'; /* never print control bytes to a terminal */
		if (len + 2 > cap) {
			cap *= 2;
			ns = realloc(s, cap);
			if (!ns)
				goto fail;
			s = ns;
		}
		s[len++] = c;
	}
	if (jp->p >= jp->end)
		goto fail;
	jp->p++;
	s[len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static struct jv *jvalue(struct jparse *jp);

static int jpush(struct jv *v, char *key, struct jv *item)
{
	char **nk = NULL;
	struct jv **nv;

	nv = realloc(v->vals, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	v->vals = nv;
	if (v->t == J_OBJ) {
		nk = realloc(v->keys, (v->n + 1) * sizeof(*nk));
		if (!nk)
			return -1;
		v->keys = nk;
		v->keys[v->n] = key;
	}
	v->vals[v->n++] = item;
	return 0;
}

static struct jv *jcontainer(struct jparse *jp, enum jtype t)
{
	char close = t == J_OBJ ? '}' : ']';
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->t = t;
	jp->p++;
	jskip(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		jskip(jp);
		if (t == J_OBJ) {
			key = jstring(jp);
			jskip(jp);
			if (!key || jp->p >= jp->end || *jp->p != ':') {
				free(key);
				goto fail;
			}
			jp->p++;
		}
		item = jvalue(jp);
		if (!item || jpush(v, key, item) < 0) {
			free(key);
			jv_free(item);
			goto fail;
		}
		jskip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			return v;
		}
		goto fail;
	}
fail:
	jv_free(v);
	return NULL;
}

static struct jv *jvalue(struct jparse *jp)
{
	struct jv *v;

	jskip(jp);
	if (jp->p >= jp->end || ++jp->depth > 64)
		return NULL;
	if (*jp->p == '{' || *jp->p == '[') {
		v = jcontainer(jp, *jp->p == '{' ? J_OBJ : J_ARR);
		jp->depth--;
		return v;
	}
	jp->depth--;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	if (*jp->p == '"') {
		v->t = J_STR;
		v->str = jstring(jp);
		if (!v->str)
			goto fail;
	} else if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->t = J_BOOL;
		v->num = *jp->p == 't';
		jp->p += v->num ? 4 : 5;
	} else if (!strncmp(jp->p, "null", 4)) {
		v->t = J_NULL;
		jp->p += 4;
	} else {
		char *e;

		v->t = J_NUM;
		v->num = strtoll(jp->p, &e, 10);
		if (e == jp->p)
			goto fail;
		jp->p = e;
	}
	return v;
fail:
	jv_free(v);
	return NULL;
}

static struct jv *jget(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->t != J_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++) {
		if (!strcmp(o->keys[i], key))
			return o->vals[i];
	}
	return NULL;
}

static long long jint(const struct jv *o, const char *key, long long dflt)
{
	const struct jv *v = jget(o, key);

	return v && (v->t == J_NUM || v->t == J_BOOL) ? v->num : dflt;
}

static const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->str : "";
}

static size_t jlen(const struct jv *a)
{
	return a && a->t == J_ARR ? a->n : 0;
}

static const struct jv *jat(const struct jv *a, size_t i)
{
	return a->vals[i];
}

/* ---- talking to ipcd ---- */

static int ctl_send(int fd, uint32_t type, uint32_t seq, const void *p,
		    uint32_t len)
{
	unsigned char buf[64];
	struct nto_ctl_hdr h = {type, len, seq, 0};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	return send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* One reply packet into buf; returns the payload length or -errno. */
static ssize_t ctl_recv(int fd, struct nto_ctl_hdr *h, char *buf, size_t cap)
{
	struct iovec iov[2] = {{h, sizeof(*h)}, {buf, cap}};
	struct msghdr mh = {0};
	ssize_t n;

	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(*h) || h->len != (size_t)n - sizeof(*h))
		return -EPROTO;
	return (ssize_t)h->len;
}

static char *fetch_info(const char *path, size_t *lenp)
{
	struct sockaddr_un sa = {0};
	struct nto_ctl_hello hello = {NTO_CTL_VERSION, (int32_t)getpid(),
				      NTO_HELLO_AUX};
	struct nto_ctl_id id = {NTO_INFO_JSON};
	static char pkt[NTO_CTL_REPLY_MAX];
	struct nto_ctl_hdr h;
	char *out = NULL, *no;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("pidin: socket");
		return NULL;
	}
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pidin: ipcd is not reachable at %s: %s\n",
			path, strerror(errno));
		goto fail;
	}
	if (ctl_send(fd, NTO_CTL_HELLO, 1, &hello, sizeof(hello)) < 0 ||
	    ctl_recv(fd, &h, pkt, sizeof(pkt)) < 0 || h.status < 0) {
		fprintf(stderr, "pidin: ipcd at %s refused the connection\n",
			path);
		goto fail;
	}
	if (ctl_send(fd, NTO_CTL_INFO, 2, &id, sizeof(id)) < 0)
		goto lost;
	do {
		n = ctl_recv(fd, &h, pkt, sizeof(pkt));
		if (n < 0 || h.seq != 2)
			goto lost;
		if (h.status < 0) {
			fprintf(stderr, "pidin: INFO failed: %s\n",
				strerror(-h.status));
			goto fail;
		}
		no = realloc(out, len + (size_t)n + 1);
		if (!no)
			goto lost;
		out = no;
		memcpy(out + len, pkt, (size_t)n);
		len += (size_t)n;
		out[len] = '\0';
	} while (h.status == 1);
	close(fd);
	*lenp = len;
	return out ? out : strdup("");
lost:
	fprintf(stderr, "pidin: lost the connection to ipcd at %s\n", path);
fail:
	free(out);
	close(fd);
	return NULL;
}

/* ---- the table ---- */

static const char *proc_name(const struct jv *procs, long long pid)
{
	size_t i;

	for (i = 0; i < jlen(procs); i++) {
		if (jint(jat(procs, i), "pid", 0) == pid)
			return jstr(jat(procs, i), "name");
	}
	return "?";
}

static void fmt_id(char *buf, size_t len, long long id)
{
	if (id >= 0x40000000 && id < 0x80000000)
		snprintf(buf, len, "S|%lld", id & 0x3fffffff);
	else
		snprintf(buf, len, "%lld", id);
}

static void print_table(const struct jv *root)
{
	const struct jv *counts = jget(root, "counts");
	const struct jv *procs = jget(root, "procs");
	const struct jv *paths = jget(root, "paths");
	size_t i, j, k;
	char a[32], b[32];

	printf("ipcd pid %lld: %lld processes, %lld channels, %lld "
	       "connections, %lld coids, %lld paths\n",
	       jint(jget(root, "ipcd"), "pid", 0), jint(counts, "procs", 0),
	       jint(counts, "channels", 0), jint(counts, "connections", 0),
	       jint(counts, "coids", 0), jint(counts, "paths", 0));

	printf("\n%8s %-16s %6s %5s %5s\n", "PID", "NAME", "UID", "CHANS",
	       "COIDS");
	for (i = 0; i < jlen(procs); i++) {
		const struct jv *p = jat(procs, i);

		printf("%8lld %-16s %6lld %5zu %5zu\n", jint(p, "pid", 0),
		       jstr(p, "name"), jint(p, "uid", 0),
		       jlen(jget(p, "channels")), jlen(jget(p, "coids")));
	}

	printf("\nCHANNELS\n%8s %5s %10s %5s  %s\n", "PID", "CHID", "FLAGS",
	       "CONNS", "RECEIVE-BLOCKED TIDS");
	for (i = 0; i < jlen(procs); i++) {
		const struct jv *p = jat(procs, i),
				*chans = jget(p, "channels");

		for (j = 0; j < jlen(chans); j++) {
			const struct jv *ch = jat(chans, j);
			const struct jv *rc = jget(ch, "receivers");

			printf("%8lld %5lld 0x%08llx %5zu  ", jint(p, "pid", 0),
			       jint(ch, "chid", 0), jint(ch, "flags", 0),
			       jlen(jget(ch, "conns")));
			for (k = 0; k < jlen(rc); k++)
				printf("%s%lld", k ? "," : "", jat(rc, k)->num);
			printf(k ? "\n" : "-\n");
		}
	}

	printf("\nCONNECTIONS\n%8s %-12s %8s %-16s %5s %-10s %s\n", "PID",
	       "COID", "SERVER", "NAME", "CHID", "SCOID", "STATE");
	for (i = 0; i < jlen(procs); i++) {
		const struct jv *p = jat(procs, i), *coids = jget(p, "coids");

		for (j = 0; j < jlen(coids); j++) {
			const struct jv *c = jat(coids, j);

			fmt_id(a, sizeof(a), jint(c, "coid", 0));
			fmt_id(b, sizeof(b), jint(c, "scoid", 0));
			printf("%8lld %-12s %8lld %-16s %5lld %-10s %s\n",
			       jint(p, "pid", 0), a, jint(c, "pid", 0),
			       proc_name(procs, jint(c, "pid", 0)),
			       jint(c, "chid", 0), b,
			       jint(c, "dead", 0) ? "dead" : "live");
		}
	}

	printf("\nTHREADS\n%8s %6s %-8s %s\n", "PID", "TID", "STATE",
	       "BLOCKED ON");
	for (i = 0; i < jlen(procs); i++) {
		const struct jv *p = jat(procs, i), *th = jget(p, "threads");

		for (j = 0; j < jlen(th); j++) {
			const struct jv *t = jat(th, j);
			const char *st = jstr(t, "state");

			printf("%8lld %6lld %-8s ", jint(p, "pid", 0),
			       jint(t, "tid", 0), st);
			if (!strcmp(st, "RECEIVE")) {
				printf("chid %lld\n", jint(t, "chid", 0));
				continue;
			}
			fmt_id(a, sizeof(a), jint(t, "coid", 0));
			printf("pid %lld (%s) chid %lld, coid %s\n",
			       jint(t, "peer_pid", 0),
			       proc_name(procs, jint(t, "peer_pid", 0)),
			       jint(t, "chid", 0), a);
		}
	}

	printf("\nPATHS\n%-32s %8s %-16s %5s %6s %5s %5s\n", "PATH", "PID",
	       "NAME", "CHID", "FLAGS", "FTYPE", "ID");
	for (i = 0; i < jlen(paths); i++) {
		const struct jv *r = jat(paths, i);

		printf("%-32s %8lld %-16s %5lld 0x%04llx %5lld %5lld\n",
		       jstr(r, "path"), jint(r, "pid", 0),
		       proc_name(procs, jint(r, "pid", 0)), jint(r, "chid", 0),
		       jint(r, "flags", 0), jint(r, "ftype", 0),
		       jint(r, "id", 0));
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pidin [-s PATH] [--json]\n"
		   "  -s, --socket PATH  ipcd's control socket\n"
		   "  -j, --json         print ipcd's raw JSON snapshot\n"
		   "  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *opt_socket = NULL;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct jparse jp;
	struct jv *root;
	int json = 0, c, rc;
	size_t len;
	char *text;

	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt_socket = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = nto__socket_path(opt_socket, 0, path, sizeof(path));
	if (rc < 0) {
		fprintf(stderr, "pidin: socket path: %s\n", strerror(-rc));
		return 1;
	}
	text = fetch_info(path, &len);
	if (!text)
		return 1;
	if (json) {
		fwrite(text, 1, len, stdout);
		free(text);
		return 0;
	}
	jp.p = text;
	jp.end = text + len;
	jp.depth = 0;
	root = jvalue(&jp);
	if (!root || root->t != J_OBJ) {
		fprintf(stderr, "pidin: cannot parse ipcd's answer\n");
		jv_free(root);
		free(text);
		return 1;
	}
	print_table(root);
	jv_free(root);
	free(text);
	return 0;
}
