/*
 * The node table (proto/netmgr.h: NTOSIM_QNET_CONF, else
 * $(sysconfdir)/ntosim/qnet.conf) and the <sys/netmgr.h> calls that read
 * it: netmgr_strtond, netmgr_ndtostr. Nothing here talks to ipcd or to the
 * network manager; the remote message path is in netctl.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/netmgr.h>

#include "internal.h"
#include "proto/netmgr.h"

#ifndef NTOSIM_SYSCONFDIR
#define NTOSIM_SYSCONFDIR "/etc"
#endif

static const char *nto__node_conf_path(void)
{
	const char *e = getenv(NTO_QNET_CONF_ENV);

	return e && *e ? e : NTOSIM_SYSCONFDIR "/ntosim/qnet.conf";
}

/* A node name: 1..NTO_NODE_NAME_MAX-1 of [A-Za-z0-9._-], not "." or "..". */
static int name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= NTO_NODE_NAME_MAX || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

static int url_ok(const char *u)
{
	size_t n = strlen(u);

	if (n >= NTO_NODE_URL_MAX)
		return 0;
	if (!strncmp(u, "tcp://", 6))
		return n > 6;
	if (!strncmp(u, "tls+tcp://", 10))
		return n > 10;
	return 0;
}

static void local_default(struct nto_node_table *t)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0 || !name_ok(host))
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(t->local, sizeof(t->local), "%s", host);
}

static struct nto_node *node_by_name(struct nto_node_table *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->node[i].name, name))
			return &t->node[i];
	return NULL;
}

/* One line's words, split in place on blanks: at most max, the count. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int bad(const char *file, unsigned lineno, const char *what)
{
	fprintf(stderr, "%s:%u: %s\n", file, lineno, what);
	return -EINVAL;
}

/* One line of the file into t. 0 or -EINVAL (reported). */
static int parse_line(struct nto_node_table *t, char *line, const char *file,
		      unsigned lineno, unsigned *nodeno, int *have_local)
{
	char *w[5], *end;
	int n = split(line, w, 4);
	unsigned long v;

	if (n == 0)
		return 0;
	if (!strcmp(w[0], "local")) {
		if (n != 2)
			return bad(file, lineno, "usage: local NAME");
		if (*have_local)
			return bad(file, lineno, "a second `local` line");
		if (!name_ok(w[1]))
			return bad(file, lineno, "bad node name");
		snprintf(t->local, sizeof(t->local), "%s", w[1]);
		*have_local = 1;
		return 0;
	}
	if (!strcmp(w[0], "node")) {
		struct nto_node *nd;

		if (n != 3)
			return bad(file, lineno, "usage: node NAME URL");
		if (!name_ok(w[1]))
			return bad(file, lineno, "bad node name");
		if (!url_ok(w[2]))
			return bad(file, lineno,
				   "bad URL (tcp://HOST:PORT or "
				   "tls+tcp://HOST:PORT)");
		if (node_by_name(t, w[1]))
			return bad(file, lineno, "node named twice");
		if (t->n >= NTO_NODES_MAX)
			return bad(file, lineno, "too many nodes");
		nd = &t->node[t->n++];
		nd->nd = ++*nodeno;
		snprintf(nd->name, sizeof(nd->name), "%s", w[1]);
		snprintf(nd->url, sizeof(nd->url), "%s", w[2]);
		return 0;
	}
	if (!strcmp(w[0], "tls")) {
		if (n != 4)
			return bad(file, lineno, "usage: tls CERT KEY CA");
		if (strlen(w[1]) >= sizeof(t->cert) ||
		    strlen(w[2]) >= sizeof(t->key) ||
		    strlen(w[3]) >= sizeof(t->ca))
			return bad(file, lineno, "path too long");
		strcpy(t->cert, w[1]);
		strcpy(t->key, w[2]);
		strcpy(t->ca, w[3]);
		return 0;
	}
	if (!strcmp(w[0], "timeout")) {
		if (n != 2)
			return bad(file, lineno, "usage: timeout MS");
		errno = 0;
		v = strtoul(w[1], &end, 10);
		if (errno || *end || end == w[1] || v == 0 || v > 3600000 ||
		    w[1][0] == '-')
			return bad(file, lineno,
				   "timeout: milliseconds, 1..3600000");
		t->timeout_ms = (unsigned)v;
		return 0;
	}
	return bad(file, lineno, "unknown keyword (local, node, tls, timeout)");
}

/* The local node gets nd 0; a table without it gains it (no URL). */
static int local_fix(struct nto_node_table *t)
{
	struct nto_node *nd = node_by_name(t, t->local);

	if (nd) {
		nd->nd = ND_LOCAL_NODE;
		return 0;
	}
	if (t->n >= NTO_NODES_MAX)
		return -EINVAL;
	nd = &t->node[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->nd = ND_LOCAL_NODE;
	snprintf(nd->name, sizeof(nd->name), "%s", t->local);
	return 0;
}

/* The whole file, read with raw system calls (the bottom layer never goes
 * through libnto's own interposed open/read): a malloc'd NUL-terminated
 * copy in *out, or -errno (EFBIG past NTO_QNET_CONF_MAX). */
#define NTO_QNET_CONF_MAX (256u * 1024u)
static int conf_read(const char *file, char **out)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, file, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *nb = cap >= NTO_QNET_CONF_MAX
					   ? NULL
					   : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				nto__sys_close(fd);
				return cap >= NTO_QNET_CONF_MAX ? -EFBIG
								: -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = syscall(SYS_read, fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : 0;

			nto__sys_close(fd);
			if (err) {
				free(buf);
				return -err;
			}
			buf[len] = '\0';
			*out = buf;
			return 0;
		}
		len += (size_t)n;
	}
	nto__sys_close(fd);
	return -ENOMEM;
}

NTO_EXPORT int nto_node_table_load(struct nto_node_table *t)
{
	const char *file = nto__node_conf_path();
	unsigned lineno = 0, nodeno = 0;
	int have_local = 0, rc;
	char *text = NULL, *line, *next;

	memset(t, 0, sizeof(*t));
	t->timeout_ms = NTO_QNET_TIMEOUT_DEF;
	local_default(t);
	rc = conf_read(file, &text);
	if (rc < 0) {
		local_fix(t);
		if (rc == -ENOENT)
			return rc;
		fprintf(stderr, "%s: %s\n", file, strerror(-rc));
		return -EINVAL;
	}
	for (line = text; rc == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strlen(line) >= 1024)
			rc = bad(file, lineno, "line too long");
		else
			rc = parse_line(t, line, file, lineno, &nodeno,
					&have_local);
	}
	free(text);
	if (rc == 0 && local_fix(t) < 0)
		rc = bad(file, lineno, "too many nodes");
	if (rc < 0) { /* nothing half-read: the local node only */
		memset(t->node, 0, sizeof(t->node));
		t->n = 0;
		local_fix(t);
	}
	return rc;
}

/* The table for a lookup: a missing file is a single-node table. */
static int table_get(struct nto_node_table **out)
{
	struct nto_node_table *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = nto_node_table_load(t);
	if (rc < 0 && rc != -ENOENT) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

NTO_EXPORT int netmgr_strtond(const char *nodename, char **endstr)
{
	char name[NTO_NODE_NAME_MAX];
	struct nto_node_table *t;
	struct nto_node *nd;
	const char *s = nodename, *e;
	int rc;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	if (!strncmp(s, "/net/", 5))
		s += 5;
	e = s + strcspn(s, "/");
	if (e == s || (size_t)(e - s) >= sizeof(name)) {
		errno = e == s ? EINVAL : ENOENT;
		return -1;
	}
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	if (endstr)
		*endstr = (char *)e;
	if (!strcmp(name, "localhost"))
		return ND_LOCAL_NODE;
	rc = table_get(&t);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	nd = node_by_name(t, name);
	rc = nd ? (int)nd->nd : -1;
	free(t);
	if (rc < 0)
		errno = ENOENT;
	return rc;
}

/* Append s to buf (room: *left bytes, NUL kept), count it in *len. */
static void put(char **buf, size_t *left, size_t *len, const char *s)
{
	size_t n = strlen(s), k;

	*len += n;
	if (*left <= 1)
		return;
	k = n < *left - 1 ? n : *left - 1;
	memcpy(*buf, s, k);
	*buf += k;
	*left -= k;
	**buf = '\0';
}

NTO_EXPORT int netmgr_ndtostr(unsigned flags, int nd, char *buf, size_t maxbuf)
{
	struct nto_node_table *t;
	char name[NTO_NODE_NAME_MAX] = "";
	size_t len = 1; /* the NUL */
	unsigned i;
	int rc, found = 0;

	if (nd < 0 || (!buf && maxbuf)) {
		errno = EINVAL;
		return -1;
	}
	rc = table_get(&t);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	for (i = 0; i < t->n; i++)
		if (t->node[i].nd == (uint32_t)ND_NODE_CMP(nd, 0)) {
			snprintf(name, sizeof(name), "%s", t->node[i].name);
			found = 1;
		}
	free(t);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	if (maxbuf)
		*buf = '\0';
	/* the local node as a local path is just the root */
	if (ND_NODE_CMP(nd, ND_LOCAL_NODE) == 0 &&
	    (flags & (ND2S_LOCAL_STR | ND2S_DIR_SHOW | ND2S_NAME_SHOW)) ==
		    (ND2S_LOCAL_STR | ND2S_DIR_SHOW)) {
		put(&buf, &maxbuf, &len, "/");
		return (int)len;
	}
	if (flags & ND2S_DIR_SHOW) {
		put(&buf, &maxbuf, &len, "/net/");
		if (!(flags & ND2S_NAME_HIDE)) {
			put(&buf, &maxbuf, &len, name);
			put(&buf, &maxbuf, &len, "/");
		}
		return (int)len;
	}
	if (!(flags & ND2S_NAME_HIDE))
		put(&buf, &maxbuf, &len, name);
	return (int)len;
}
