/*
 * ntosim-filesrv as a real exec'd process against a private ipcd: its path
 * resolution (confinement to the exported directory), every POSIX entry
 * point over the POSIX layer, per-open offsets lost on a restart while the
 * data stays, a client's death closing its opens, and cat/dd (with
 * ntosim-pattern) under LD_PRELOAD. Servers are found in $NTOSIM_BUILDDIR;
 * readiness is nto_path_wait().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/iomsg.h>
#include <sys/dispatch.h>
#include <sys/ntosim.h>

#include "servers/file/file.h"
#include "servers/pattern/pattern.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"
#include "tests/unit/servers_common.h"

/* ---- ntosim-filesrv: path resolution (no server) ---- */

START_TEST(test_file_resolve)
{
	char root[PATH_MAX], p[PATH_MAX], name[NAME_MAX + 1];
	char longname[NAME_MAX + 2];
	int rfd, fd;

	path_in(root, sizeof root, "export");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	join(p, sizeof p, root, "sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	join(p, sizeof p, root, "sub/f");
	host_write(p, "x", 1);
	host_write(path_in(p, sizeof p, "secret"), "s", 1);
	join(p, sizeof p, root, "out");
	ck_assert_int_eq(symlink(nto_test_dir(), p), 0);
	join(p, sizeof p, root, "in");
	ck_assert_int_eq(symlink("sub/f", p), 0);
	join(p, sizeof p, root, "fifo");
	ck_assert_int_eq(mkfifo(p, 0644), 0);

	rfd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(rfd, 0);
	fd = filesrv_resolve(rfd, "sub/f", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = filesrv_resolve(rfd, "/sub/./x/../f", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0); /* ".." is lexical */
	close(fd);
	fd = filesrv_resolve(rfd, "", O_RDONLY, 0, 0, NULL, 0);
	ck_assert_int_ge(fd, 0); /* the root itself */
	close(fd);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "../secret", O_RDONLY, 0, 0, NULL, 0),
		-EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "sub/../../secret", O_RDONLY, 0,
					 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "out/secret", O_RDONLY, 0, 0, NULL, 0),
		-EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "out", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "in", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "in", O_PATH, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "fifo", O_RDONLY, 0, 0, NULL, 0),
			 -EACCES);
	ck_assert_int_eq(filesrv_resolve(rfd, "nope", O_RDONLY, 0, 0, NULL, 0),
			 -ENOENT);
	ck_assert_int_eq(filesrv_resolve(rfd, "nope/f", O_RDONLY | O_CREAT,
					 0644, 0, NULL, 0),
			 -ENOENT);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "sub/f/g", O_RDONLY, 0, 0, NULL, 0),
		-ENOTDIR);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(
		filesrv_resolve(rfd, longname, O_RDONLY, 0, 0, NULL, 0),
		-ENAMETOOLONG);
	fd = filesrv_resolve(rfd, "sub/new", O_WRONLY | O_CREAT | O_EXCL, 0600,
			     0, NULL, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(filesrv_resolve(rfd, "sub/new",
					 O_WRONLY | O_CREAT | O_EXCL, 0600, 0,
					 NULL, 0),
			 -EEXIST);
	/* parents, for unlink */
	fd = filesrv_resolve(rfd, "sub/f", 0, 0, 1, name, sizeof name);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(name, "f");
	close(fd);
	ck_assert_int_eq(filesrv_resolve(rfd, "", 0, 0, 1, name, sizeof name),
			 -EINVAL);
	ck_assert_int_eq(
		filesrv_resolve(rfd, "out/secret", 0, 0, 1, name, sizeof name),
		-EACCES);
	close(rfd);
}
END_TEST

/* ---- ntosim-filesrv over the POSIX layer ---- */

#define FS "/fs"

static char fs_root[PATH_MAX];

static pid_t filesrv_start(void)
{
	const char *args[] = {"-d", fs_root, "-p", FS, NULL};

	return srv_start("ntosim-filesrv", args, FS);
}

/* Host path of a file under the export. */
static char *hp(char *buf, size_t len, const char *name)
{
	return join(buf, len, fs_root, name);
}

static void fs_setup(void)
{
	path_in(fs_root, sizeof fs_root, "export");
	ck_assert_int_eq(mkdir(fs_root, 0755), 0);
}

START_TEST(test_file_rw)
{
	char h[PATH_MAX], buf[64], *content;
	mode_t um = umask(022);
	struct stat st;
	int fd;

	umask(um); /* the server, exec'd from here, creates with ours */
	fs_setup();
	filesrv_start();
	fd = open(FS "/a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	ck_assert_int_eq(write(fd, "hello, world", 12), 12);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 12);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0640 & ~um);
	ck_assert_int_eq(lseek(fd, 7, SEEK_SET), 7);
	ck_assert_int_eq(write(fd, "W", 1), 1);
	ASSERT_FAILS(read(fd, buf, 1), EBADF); /* write-only */
	ck_assert_int_eq(close(fd), 0);
	content = host_read(hp(h, sizeof h, "a.txt"), NULL);
	ck_assert_str_eq(content, "hello, World"); /* on the host disk */
	free(content);

	fd = open(FS "/a.txt", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, 5), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5);
	ck_assert_int_eq(lseek(fd, -5, SEEK_END), 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 5);
	ck_assert_int_eq(memcmp(buf, "World", 5), 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(pread(fd, buf, 4, 2), 4);
	ck_assert_int_eq(memcmp(buf, "llo,", 4), 0);
	ASSERT_FAILS(lseek(fd, -100, SEEK_CUR), EINVAL);
	ASSERT_FAILS(write(fd, "x", 1), EBADF); /* read-only */
	ck_assert_int_eq(close(fd), 0);

	/* creat(): O_WRONLY | O_CREAT | O_TRUNC */
	fd = creat(FS "/a.txt", 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(write(fd, "new", 3), 3);
	ck_assert_int_eq(close(fd), 0);
	content = host_read(h, NULL);
	ck_assert_str_eq(content, "new");
	free(content);
}
END_TEST

START_TEST(test_file_open_flags)
{
	char h[PATH_MAX], buf[64], *content;
	int fd, fd2;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();

	ASSERT_FAILS(open(FS "/f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	ASSERT_FAILS(open(FS "/missing", O_RDONLY), ENOENT);
	ASSERT_FAILS(open(FS "/missing/x", O_RDWR | O_CREAT, 0644), ENOENT);

	/* O_APPEND: every write at the end, whatever the offset */
	fd = open(FS "/f", O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(write(fd, "ab", 2), 2);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 12);
	fd2 = open(FS "/f", O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(write(fd2, "cd", 2), 2);
	ck_assert_int_eq(write(fd, "ef", 2), 2);
	close(fd);
	close(fd2);
	content = host_read(h, NULL);
	ck_assert_str_eq(content, "0123456789abcdef");
	free(content);

	/* O_TRUNC on O_RDWR */
	fd = open(FS "/f", O_RDWR | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(write(fd, "xy", 2), 2);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 2);
	close(fd);

	/* O_EXCL on a new name creates it */
	fd = open(FS "/g", O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(access(hp(h, sizeof h, "g"), F_OK), 0);
}
END_TEST

START_TEST(test_file_dirs_and_confinement)
{
	char h[PATH_MAX], o[PATH_MAX], buf[8];
	int fd;

	fs_setup();
	ck_assert_int_eq(mkdir(hp(h, sizeof h, "d"), 0755), 0);
	host_write(hp(h, sizeof h, "d/x"), "x", 1);
	host_write(path_in(o, sizeof o, "outside"), "secret", 6);
	ck_assert_int_eq(symlink(o, hp(h, sizeof h, "esc")), 0);
	ck_assert_int_eq(symlink(nto_test_dir(), hp(h, sizeof h, "escdir")), 0);
	filesrv_start();

	fd = open(FS "/d/x", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(FS "/d", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ASSERT_FAILS(read(fd, buf, sizeof buf), EISDIR);
	close(fd);
	ASSERT_FAILS(open(FS "/d", O_WRONLY), EISDIR);
	ASSERT_FAILS(open(FS "/esc", O_RDONLY), EACCES);
	ASSERT_FAILS(open(FS "/escdir/outside", O_RDONLY), EACCES);
	ASSERT_FAILS(open(FS "/d/x/y", O_RDONLY), ENOTDIR);
}
END_TEST

START_TEST(test_file_unlink)
{
	char h[PATH_MAX];
	int fd;

	fs_setup();
	filesrv_start();
	fd = open(FS "/u", O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(access(hp(h, sizeof h, "u"), F_OK), 0);
	ck_assert_int_eq(unlink(FS "/u"), 0);
	ASSERT_FAILS(access(h, F_OK), ENOENT);
	ASSERT_FAILS(unlink(FS "/u"), ENOENT);
	ASSERT_FAILS(open(FS "/u", O_RDONLY), ENOENT);
	/* an open file stays readable after its unlink (host semantics) */
	fd = open(FS "/v", O_RDWR | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(unlink(FS "/v"), 0);
	ck_assert_int_eq(pread(fd, h, 3, 0), 3);
	close(fd);
}
END_TEST

START_TEST(test_file_large)
{
	const size_t n = (3u << 20) + 17;
	uint8_t *buf = malloc(n), *back = malloc(n), *host;
	char h[PATH_MAX];
	size_t hn;
	int fd;

	ck_assert(buf && back);
	pattern_fill(3, 0, buf, n);
	fs_setup();
	filesrv_start();
	fd = open(FS "/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read_full(fd, back, n), (ssize_t)n);
	ck_assert_uint_eq(pattern_check(3, 0, back, n), n);
	ck_assert_int_eq(read(fd, back, 1), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	short_reply_buffer(fd);
	close(fd);
	host = (uint8_t *)host_read(hp(h, sizeof h, "big"), &hn);
	ck_assert_uint_eq(hn, n);
	ck_assert_uint_eq(pattern_check(3, 0, host, n), n);
	free(host);
	free(buf);
	free(back);
}
END_TEST

START_TEST(test_file_offsets_per_open)
{
	char h[PATH_MAX], buf[8];
	int a, b, c;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();
	a = open(FS "/f", O_RDONLY);
	b = open(FS "/f", O_RDONLY);
	ck_assert(a >= 0 && b >= 0);
	ck_assert_int_eq(ocb_count(a), 2);
	ck_assert_int_eq(read(a, buf, 3), 3);
	ck_assert_int_eq(read(b, buf, 1), 1);
	ck_assert_int_eq(buf[0], '0'); /* b has its own offset */
	c = dup(a);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(ocb_count(a), 2); /* dup shares a's open */
	ck_assert_int_eq(read(c, buf, 1), 1);
	ck_assert_int_eq(buf[0], '3'); /* ... and its offset */
	ck_assert_int_eq(lseek(a, 0, SEEK_CUR), 4);
	close(a);
	close(b);
	close(c);
}
END_TEST

/* The data is on disk, the offsets were in the dead server. */
START_TEST(test_file_restart)
{
	char h[PATH_MAX], buf[8];
	pid_t srv;
	int fd;

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	srv = filesrv_start();
	fd = open(FS "/f", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, 4), 4);
	ck_assert_int_eq(write(fd, "X", 1), 1);
	srv_kill(srv);
	nto_test_wait_dead(fd);
	ASSERT_FAILS(read(fd, buf, 1), EBADF);
	ASSERT_FAILS(write(fd, "Y", 1), EBADF);
	ASSERT_FAILS(fstat(fd, &(struct stat){0}), EBADF);
	close(fd);
	ASSERT_FAILS(open(FS "/f", O_RDONLY), ENOENT);

	filesrv_start();
	fd = open(FS "/f", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0); /* a fresh offset */
	ck_assert_int_eq(read(fd, buf, 6), 6);
	ck_assert_int_eq(memcmp(buf, "0123X5", 6), 0); /* the write stayed */
	close(fd);
}
END_TEST

START_TEST(test_file_client_death_closes)
{
	char h[PATH_MAX];

	fs_setup();
	host_write(hp(h, sizeof h, "f"), "0123456789", 10);
	filesrv_start();
	client_death_closes(FS "/f");
}
END_TEST

START_TEST(test_file_bad_options)
{
	char missing[PATH_MAX];
	const char *nodir[] = {"-d", path_in(missing, sizeof missing, "nope"),
			       "-p", "/fs", NULL};
	const char *rel[] = {"-d", "/", "-p", "fs", NULL};
	const char *noprefix[] = {"-d", "/", NULL};

	ck_assert_int_eq(run_status("ntosim-filesrv", nodir), 1);
	ck_assert_int_eq(run_status("ntosim-filesrv", rel), 1);
	ck_assert_int_eq(run_status("ntosim-filesrv", noprefix), 1);
}
END_TEST

/* ---- unmodified programs under LD_PRELOAD ---- */

static int preload_path(char *buf, size_t len)
{
	/* no ck_assert here: main() calls this outside any test */
	int n = snprintf(buf, len, "%s/kernel-sim/.libs/libnto.so", builddir());

	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

/* 1 if libnto.so is built and preloadable (an ASan build is not: the ASan
 * runtime must come first in a program that was not linked with it). */
static int preload_ok(void)
{
#ifdef __SANITIZE_ADDRESS__
	return 0;
#else
	char lib[PATH_MAX];

	return preload_path(lib, sizeof lib);
#endif
}

static char *run_preloaded(const char *const *cmd)
{
	char lib[PATH_MAX], env[PATH_MAX + 16], *out = NULL;
	char *argv[16];
	int n = 0, st;

	ck_assert_msg(preload_path(lib, sizeof lib), "no %s", lib);
	ck_assert_int_lt(snprintf(env, sizeof env, "LD_PRELOAD=%s", lib),
			 (int)sizeof env);
	argv[n++] = (char *)"/usr/bin/env";
	argv[n++] = env;
	for (int i = 0; cmd[i] && n < 15; i++)
		argv[n++] = (char *)cmd[i];
	argv[n] = NULL;
	st = nto_test_run(argv, W, &out);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s: status 0x%x", cmd[0], st);
	return out;
}

START_TEST(test_preload_cat_dd)
{
	const char *cat[] = {"/bin/cat", FS "/hello", NULL};
	const char *dd[] = {"/bin/dd",	"if=" PAT_PATH, "bs=65536",
			    "count=16", "status=none",	NULL};
	const char *ddw[] = {"/bin/dd", "if=" PAT_PATH, "of=" FS "/copy",
			     "bs=4096", "count=64",	"status=none",
			     NULL};
	char h[PATH_MAX], *out;
	size_t n;

	fs_setup();
	host_write(hp(h, sizeof h, "hello"), "hello from the host\n", 20);
	filesrv_start();
	pattern_start("1M", NULL, NULL);

	out = run_preloaded(cat);
	ck_assert_str_eq(out, "hello from the host\n");
	free(out);
	out = run_preloaded(dd); /* binary, but no NUL is needed: compare */
	ck_assert_uint_eq(pattern_check(0, 0, out, 1u << 20), 1u << 20);
	free(out);
	free(run_preloaded(ddw));
	out = host_read(hp(h, sizeof h, "copy"), &n);
	ck_assert_uint_eq(n, 256u << 10);
	ck_assert_uint_eq(pattern_check(0, 0, out, n), n);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("servers_file");
	TCase *tc;
	int posix = posix_layer();

	tc = tcase("file");
	tcase_add_test(tc, test_file_resolve);
	tcase_add_test(tc, test_file_bad_options);
	if (posix) {
		tcase_add_test(tc, test_file_rw);
		tcase_add_test(tc, test_file_open_flags);
		tcase_add_test(tc, test_file_dirs_and_confinement);
		tcase_add_test(tc, test_file_unlink);
		tcase_add_test(tc, test_file_large);
		tcase_add_test(tc, test_file_offsets_per_open);
		tcase_add_test(tc, test_file_restart);
		tcase_add_test(tc, test_file_client_death_closes);
		if (preload_ok())
			tcase_add_test(tc, test_preload_cat_dd);
	}
	suite_add_tcase(s, tc);

	if (!posix)
		fprintf(stderr,
			"check_servers_file: libnto has no POSIX layer yet: "
			"the file I/O tests are not run\n");
	return nto_test_main(s);
}
