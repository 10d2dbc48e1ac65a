/*
 * Check tests of the socket path rule and the trust checks made before a
 * process says a word to ipcd (kernel-sim/proto/sockpath.c), as any user:
 * no ipcd, only directories, modes and listeners of our own. Another uid
 * (squatters) is tests/fault/sock-squat.sh's, as root.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/sockpath.h"

static char dir[40], sock[80], why[512];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ntosim-sockpath-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/ipcd.sock", dir);
	why[0] = '\0';
}

static void teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s.link", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* A listener of ours at sock: returns its fd. */
static int listener(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_private_dir_trusted)
{
	ck_assert_int_eq(nto__socket_trust_dir(sock, 0, why, sizeof(why)), 0);
	ck_assert_int_eq(nto__socket_trust_dir(sock, 1, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	/* group/other may read and search: nobody else can write */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(nto__socket_trust_dir(sock, 0, why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_writable_dir_refused_unless_sticky)
{
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(nto__socket_trust_dir(sock, 0, why, sizeof(why)),
			 -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "without the sticky bit"));
	ck_assert_ptr_nonnull(strstr(why, dir));
	ck_assert_int_eq(chmod(dir, 0770), 0);
	ck_assert_int_eq(nto__socket_trust_dir(sock, 1, why, sizeof(why)),
			 -EPERM);
	ck_assert_int_eq(chmod(dir, 01777), 0); /* as /tmp: trusted */
	ck_assert_int_eq(nto__socket_trust_dir(sock, 0, why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_symlink_dir_refused)
{
	char link[48], lsock[80];

	snprintf(link, sizeof(link), "%s.link", dir);
	ck_assert_int_eq(symlink(dir, link), 0);
	snprintf(lsock, sizeof(lsock), "%s/ipcd.sock", link);
	ck_assert_int_eq(nto__socket_trust_dir(lsock, 0, why, sizeof(why)),
			 -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "is a symbolic link"));
	/* a symlink above the directory is the caller's choice */
	snprintf(lsock, sizeof(lsock), "%s/.//ipcd.sock", link);
	ck_assert_int_eq(nto__socket_trust_dir(lsock, 0, why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_missing_dir)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/nothing/ipcd.sock", dir);
	ck_assert_int_eq(nto__socket_trust_dir(p, 0, why, sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_connect_ours)
{
	int lfd = listener(), fd, c;
	struct pollfd p;
	char b;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(nto__socket_connect(fd, sock, "check"), 0);
	c = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c, 0);
	/* the check sends nothing */
	p = (struct pollfd){.fd = c, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	close(fd);
	ck_assert_int_eq(recv(c, &b, 1, 0), 0); /* EOF: not a byte */
	close(c);
	close(lfd);
}
END_TEST

START_TEST(test_connect_errors)
{
	int lfd, fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	/* no ipcd: connect's own errno, nothing said */
	ck_assert_int_eq(nto__socket_connect(fd, sock, "check"), -ENOENT);
	close(fd);
	/* a listener of ours in a directory anyone may write: refused
	 * before connecting (the listener sees no connection) */
	lfd = listener();
	ck_assert_int_eq(chmod(dir, 0777), 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(nto__socket_connect(fd, sock, "check"), -EPERM);
	{
		struct pollfd p = {.fd = lfd, .events = POLLIN};

		ck_assert_int_eq(poll(&p, 1, 0), 0);
	}
	close(fd);
	close(lfd);
}
END_TEST

START_TEST(test_default_paths)
{
	char buf[108], want[108];
	struct stat st;

	setenv("NTOSIM_SOCKET", "/x/y.sock", 1);
	ck_assert_int_eq(nto__socket_path(NULL, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/x/y.sock");
	ck_assert_int_eq(nto__socket_path("rel.sock", 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "rel.sock");
	unsetenv("NTOSIM_SOCKET");
	setenv("XDG_RUNTIME_DIR", dir, 1);
	ck_assert_int_eq(nto__socket_path(NULL, 1, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s/ntosim/ipcd.sock", dir);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(nto__socket_trust_dir(buf, 1, why, sizeof(why)), 0);
	unsetenv("XDG_RUNTIME_DIR");
	ck_assert_int_eq(nto__socket_path(NULL, 0, buf, sizeof(buf)), 0);
	if (geteuid() == 0 && stat("/run", &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)))
		snprintf(want, sizeof(want), "/run/ntosim/ipcd.sock");
	else
		snprintf(want, sizeof(want), "/tmp/ntosim-%u/ipcd.sock",
			 (unsigned)geteuid());
	ck_assert_str_eq(buf, want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sockpath");
	TCase *tc = tcase_create("sockpath");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_private_dir_trusted);
	tcase_add_test(tc, test_writable_dir_refused_unless_sticky);
	tcase_add_test(tc, test_symlink_dir_refused);
	tcase_add_test(tc, test_missing_dir);
	tcase_add_test(tc, test_connect_ours);
	tcase_add_test(tc, test_connect_errors);
	tcase_add_test(tc, test_default_paths);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
