/*
 * The node table and <sys/netmgr.h> (kernel-sim/lib/netmgr.c): parsing
 * config files this test writes (nd numbering, the local node, every
 * refusal with its file:line message), netmgr_strtond and netmgr_ndtostr.
 * No ipcd is needed: nothing here talks to one.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/netmgr.h>
#include <sys/neutrino.h>

#include "proto/netmgr.h"

static char dir[64];
static char conf[128];
static char errf[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_netmgr.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/qnet.conf", dir);
	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	setenv(NTO_QNET_CONF_ENV, conf, 1);
}

static void teardown(void)
{
	unlink(conf);
	unlink(errf);
	rmdir(dir);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Load the table with stderr captured in errf; the stderr text in out. */
static int load_capture(struct nto_node_table *t, char *out, size_t n)
{
	int saved = dup(2), fd, rc;
	ssize_t k;

	fd = open(errf, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	rc = nto_node_table_load(t);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	k = pread(fd, out, n - 1, 0);
	out[k > 0 ? k : 0] = '\0';
	close(fd);
	return rc;
}

static const struct nto_node *by_name(const struct nto_node_table *t,
				      const char *name)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->node[i].name, name))
			return &t->node[i];
	return NULL;
}

/* the nd of a named node, or 999 if the table lacks it */
static unsigned nd_of(const struct nto_node_table *t, const char *name)
{
	const struct nto_node *n = by_name(t, name);

	return n ? n->nd : 999;
}

static const char three[] = "# a three-node cluster\n"
			    "\n"
			    "node alpha tcp://127.0.0.1:7001\n"
			    "  local beta   # this one\n"
			    "node beta tls+tcp://127.0.0.1:7002\n"
			    "node gamma\ttcp://[::1]:7003\n"
			    "tls /c/beta.crt /c/beta.key /c/ca.crt\n"
			    "timeout 900\n";

START_TEST(test_table_three)
{
	struct nto_node_table t;
	const struct nto_node *n;
	char err[512];

	write_conf(three);
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(t.n, 3);
	ck_assert_str_eq(t.local, "beta");
	ck_assert_uint_eq(t.timeout_ms, 900);
	ck_assert_str_eq(t.cert, "/c/beta.crt");
	ck_assert_str_eq(t.key, "/c/beta.key");
	ck_assert_str_eq(t.ca, "/c/ca.crt");
	n = by_name(&t, "alpha");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->nd, 1);
	ck_assert_str_eq(n->url, "tcp://127.0.0.1:7001");
	n = by_name(&t, "beta"); /* the local node: 0, whatever its line */
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->nd, ND_LOCAL_NODE);
	ck_assert_str_eq(n->url, "tls+tcp://127.0.0.1:7002");
	n = by_name(&t, "gamma"); /* its line order, the local line counted */
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->nd, 3);
	ck_assert_str_eq(n->url, "tcp://[::1]:7003");
}
END_TEST

START_TEST(test_table_defaults)
{
	struct nto_node_table t;
	char err[512], host[256];

	/* no file: the local node alone, named for the host */
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.node[0].nd, 0);
	ck_assert_uint_eq(t.timeout_ms, NTO_QNET_TIMEOUT_DEF);
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	ck_assert_str_eq(t.local, t.node[0].name);
	/* a file without `local` or `timeout`: the host's name, 1500 ms,
	 * the local node added without a URL, no TLS */
	write_conf("node far tcp://10.0.0.9:1\n");
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(nd_of(&t, "far"), 1);
	ck_assert_uint_eq(nd_of(&t, t.local), 0);
	ck_assert_str_eq(t.node[1].name, t.local); /* added last, no URL */
	ck_assert_str_eq(t.node[1].url, "");
	ck_assert_uint_eq(t.timeout_ms, 1500);
	ck_assert_str_eq(t.cert, "");
}
END_TEST

/* Each bad file: -EINVAL, one stderr line "FILE:LINE: ...", and a table
 * left with the local node only. */
static const struct {
	const char *text;
	unsigned line;
	const char *says;
} bad[] = {
	{"node a tcp://h:1\nfrobnicate x\n", 2, "unknown keyword"},
	{"node a\n", 1, "usage: node NAME URL"},
	{"node a tcp://h:1 extra\n", 1, "usage: node NAME URL"},
	{"\n\nnode a http://h:1\n", 3, "bad URL"},
	{"node a tcp://\n", 1, "bad URL"},
	{"node a/b tcp://h:1\n", 1, "bad node name"},
	{"node .. tcp://h:1\n", 1, "bad node name"},
	{"node a tcp://h:1\nnode a tcp://h:2\n", 2, "node named twice"},
	{"local a\nlocal b\n", 2, "a second `local` line"},
	{"local\n", 1, "usage: local NAME"},
	{"timeout 0\n", 1, "timeout: milliseconds"},
	{"timeout -5\n", 1, "timeout: milliseconds"},
	{"timeout 12ms\n", 1, "timeout: milliseconds"},
	{"tls a b\n", 1, "usage: tls CERT KEY CA"},
};

START_TEST(test_table_bad)
{
	struct nto_node_table t;
	char err[512], want[256];

	write_conf(bad[_i].text);
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%u: %s", conf, bad[_i].line,
		 bad[_i].says);
	ck_assert_msg(!strncmp(err, want, strlen(want)),
		      "case %d: got \"%s\", want \"%s...\"", _i, err, want);
	/* exactly one line */
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.node[0].nd, 0);
}
END_TEST

START_TEST(test_table_too_many)
{
	struct nto_node_table t;
	char err[512], want[256];
	FILE *f = fopen(conf, "w");
	int i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i <= NTO_NODES_MAX; i++)
		fprintf(f, "node n%d tcp://h:%d\n", i, 1000 + i);
	fclose(f);
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d: too many nodes", conf,
		 NTO_NODES_MAX + 1);
	ck_assert(!strncmp(err, want, strlen(want)));
	/* exactly NTO_NODES_MAX with the local node among them is fine */
	f = fopen(conf, "w");
	fprintf(f, "local n0\n");
	for (i = 0; i < NTO_NODES_MAX; i++)
		fprintf(f, "node n%d tcp://h:%d\n", i, 1000 + i);
	fclose(f);
	ck_assert_int_eq(load_capture(&t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.n, NTO_NODES_MAX);
	ck_assert_uint_eq(nd_of(&t, "n0"), 0);
	ck_assert_uint_eq(nd_of(&t, "n63"), 64);
}
END_TEST

START_TEST(test_strtond)
{
	char *end = NULL;
	const char *p;

	write_conf(three);
	ck_assert_int_eq(netmgr_strtond("alpha", &end), 1);
	ck_assert_str_eq(end, "");
	ck_assert_int_eq(netmgr_strtond("gamma", NULL), 3);
	ck_assert_int_eq(netmgr_strtond("beta", NULL), ND_LOCAL_NODE);
	ck_assert_int_eq(netmgr_strtond("localhost", NULL), ND_LOCAL_NODE);
	p = "/net/gamma/dev/pattern";
	ck_assert_int_eq(netmgr_strtond(p, &end), 3);
	ck_assert_ptr_eq(end, p + 10);
	ck_assert_str_eq(end, "/dev/pattern");
	ck_assert_int_eq(netmgr_strtond("alpha/x", &end), 1);
	ck_assert_str_eq(end, "/x");
	errno = 0;
	ck_assert_int_eq(netmgr_strtond("delta", NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(netmgr_strtond("", NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(netmgr_strtond(NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* a broken table is an error, not "no such node" */
	write_conf("node alpha ftp://x\n");
	errno = 0;
	ck_assert_int_eq(netmgr_strtond("alpha", NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* no table: only the local names */
	unlink(conf);
	ck_assert_int_eq(netmgr_strtond("localhost", NULL), 0);
	errno = 0;
	ck_assert_int_eq(netmgr_strtond("alpha", NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_ndtostr)
{
	char buf[64];

	write_conf(three);
	ck_assert_int_eq(netmgr_ndtostr(0, 1, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "alpha");
	ck_assert_int_eq(netmgr_ndtostr(ND2S_NAME_SHOW, 0, buf, sizeof(buf)),
			 5);
	ck_assert_str_eq(buf, "beta");
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW, 3, buf, sizeof(buf)),
			 12);
	ck_assert_str_eq(buf, "/net/gamma/");
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW | ND2S_NAME_SHOW, 0, buf,
					sizeof(buf)),
			 11);
	ck_assert_str_eq(buf, "/net/beta/");
	/* the local node as a local path is the root */
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW | ND2S_LOCAL_STR, 0, buf,
					sizeof(buf)),
			 2);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW | ND2S_LOCAL_STR, 1, buf,
					sizeof(buf)),
			 12);
	ck_assert_str_eq(buf, "/net/alpha/");
	/* the length needed, from a NULL buffer and from a short one */
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW, 1, NULL, 0), 12);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW, 1, buf, 5), 12);
	ck_assert_str_eq(buf, "/net");
	ck_assert_int_eq(buf[5], 'x');
	/* ND_NODE_CMP compares node bits only */
	ck_assert_int_eq(netmgr_ndtostr(0, 3 | 0x10000, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "gamma");
	ck_assert_int_eq(ND_NODE_CMP(3 | 0x10000, 3), 0);
	ck_assert_int_ne(ND_NODE_CMP(1, 3), 0);
	/* round trip through netmgr_strtond */
	ck_assert_int_eq(netmgr_ndtostr(ND2S_DIR_SHOW, 3, buf, sizeof(buf)),
			 12);
	ck_assert_int_eq(netmgr_strtond(buf, NULL), 3);
	errno = 0;
	ck_assert_int_eq(netmgr_ndtostr(0, 7, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(netmgr_ndtostr(0, -1, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netmgr");
	TCase *tc = tcase_create("nodes");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table_three);
	tcase_add_test(tc, test_table_defaults);
	tcase_add_loop_test(tc, test_table_bad, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_table_too_many);
	tcase_add_test(tc, test_strtond);
	tcase_add_test(tc, test_ndtostr);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
