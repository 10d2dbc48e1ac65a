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

#include "json.h"

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

/* the socket was chosen by -s or NTOSIM_SOCKET, not the default */
static int explicit_socket;

static char *fetch_info(const char *path, size_t *lenp)
{
	struct nto_ctl_hello hello = {NTO_CTL_VERSION, (int32_t)getpid(),
				      NTO_HELLO_AUX};
	struct nto_ctl_id id = {NTO_INFO_JSON};
	static char pkt[NTO_CTL_REPLY_MAX];
	struct nto_ctl_hdr h;
	char *out = NULL, *no;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("pidin: socket");
		return NULL;
	}
	rc = nto__socket_connect(fd, path, "pidin");
	if (rc == -EPERM)
		goto fail; /* it said why */
	if (rc < 0) {
		/* issue 12: say how to get one (pidin never starts it) */
		fprintf(stderr,
			"pidin: ipcd is not reachable at %s: %s; start one "
			"with: ipcd%s%s\n",
			path, strerror(-rc), explicit_socket ? " -s " : "",
			explicit_socket ? path : "");
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

			long long nd = jint(c, "nd", 0);
			char srv[40], node[24];

			fmt_id(a, sizeof(a), jint(c, "coid", 0));
			fmt_id(b, sizeof(b), jint(c, "scoid", 0));
			/* a remote coid (Qnet): its server is nd/pid */
			if (nd)
				snprintf(srv, sizeof(srv), "%lld/%lld", nd,
					 jint(c, "pid", 0));
			else
				snprintf(srv, sizeof(srv), "%lld",
					 jint(c, "pid", 0));
			snprintf(node, sizeof(node), "(node %lld)", nd);
			printf("%8lld %-12s %8s %-16s %5lld %-10s %s\n",
			       jint(p, "pid", 0), a, srv,
			       nd ? node : proc_name(procs, jint(c, "pid", 0)),
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
	explicit_socket = opt_socket ||
			  (getenv(NTO_SOCKET_ENV) && *getenv(NTO_SOCKET_ENV));
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
	root = jv_parse(text, len, NULL);
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
