/*
 * ntosim-pattern as a real exec'd process against a private ipcd: the
 * pattern.h formula, every byte of a multi-MiB read checked against it,
 * lseek/fstat/pread, dup'ed fds sharing an offset, what a client sees when
 * the server dies (EBADF; ESRCH while REPLY-blocked) and what the server
 * sees when a client dies (its opens closed). The server is found in
 * $NTOSIM_BUILDDIR; readiness is nto_path_wait().
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

#include "servers/pattern/pattern.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"
#include "tests/unit/servers_common.h"

/* ---- pattern.h (no server) ---- */

START_TEST(test_pattern_function)
{
	static uint8_t buf[4099];

	/* The documented formula, pinned: word 0 of seed 0. */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	x *= 0xC4CEB9FE1A85EC53ull;
	x ^= x >> 33;
	for (unsigned b = 0; b < 8; b++)
		ck_assert_uint_eq(pattern_byte(b), (uint8_t)(x >> (8 * b)));
	/* fill/check agree with the byte function at any alignment */
	for (uint64_t off = 0; off < 17; off += 3) {
		pattern_fill(5, off * 1000 + off, buf, sizeof buf);
		for (size_t i = 0; i < sizeof buf; i++)
			ck_assert_uint_eq(
				buf[i],
				pattern_byte_seed(5, off * 1000 + off + i));
		ck_assert_uint_eq(
			pattern_check(5, off * 1000 + off, buf, sizeof buf),
			sizeof buf);
		buf[100] ^= 1;
		ck_assert_uint_eq(
			pattern_check(5, off * 1000 + off, buf, sizeof buf),
			100);
	}
	/* a shifted copy is caught at once: no period */
	pattern_fill(0, 1 << 21, buf, 64);
	ck_assert_uint_lt(pattern_check(0, 0, buf, 64), 8);
	ck_assert_uint_ne(pattern_word(0, 1), pattern_word(1, 1));
}
END_TEST

/* ---- ntosim-pattern ---- */

START_TEST(test_pattern_every_byte)
{
	static const size_t sizes[] = {1,	7,	4096, 65536 + 3,
				       1 << 20, 333333, 5};
	const size_t total = 6u << 20; /* 6 MiB */
	uint8_t *buf = malloc(2u << 20);
	size_t off = 0, i = 0;
	char sz[32];
	int fd;

	ck_assert_ptr_nonnull(buf);
	snprintf(sz, sizeof sz, "%zu", total);
	pattern_start(sz, NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	for (;;) {
		size_t want = sizes[i++ % (sizeof sizes / sizeof sizes[0])];
		ssize_t r = read(fd, buf, want);

		ck_assert_msg(r >= 0, "read at %zu: %s", off, strerror(errno));
		if (r == 0)
			break;
		ck_assert_uint_eq(pattern_check(0, off, buf, (size_t)r),
				  (size_t)r);
		off += (size_t)r;
	}
	ck_assert_uint_eq(off, total); /* every byte once, then EOF */
	ck_assert_int_eq(read(fd, buf, 10), 0);
	/* one read longer than the server's chunk and the POSIX layer's */
	ck_assert_int_eq(lseek(fd, 12345, SEEK_SET), 12345);
	ck_assert_int_eq(read_full(fd, buf, 2u << 20), 2u << 20);
	ck_assert_uint_eq(pattern_check(0, 12345, buf, 2u << 20), 2u << 20);
	ck_assert_int_eq(close(fd), 0);
	free(buf);
}
END_TEST

START_TEST(test_pattern_lseek_fstat)
{
	uint8_t buf[64];
	struct stat st;
	int fd;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 1 << 20);
	ck_assert(S_ISCHR(st.st_mode));

	ck_assert_int_eq(lseek(fd, 1000, SEEK_SET), 1000);
	ck_assert_int_eq(read(fd, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 1000, buf, 10), 10);
	ck_assert_int_eq(lseek(fd, 5, SEEK_CUR), 1015);
	ck_assert_int_eq(read(fd, buf, 3), 3);
	ck_assert_uint_eq(pattern_check(0, 1015, buf, 3), 3);
	ck_assert_int_eq(lseek(fd, -7, SEEK_END), (1 << 20) - 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 7); /* short at the end */
	ck_assert_uint_eq(pattern_check(0, (1 << 20) - 7, buf, 7), 7);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
	ck_assert_int_eq(lseek(fd, 5 << 20, SEEK_SET), 5 << 20);
	ck_assert_int_eq(read(fd, buf, sizeof buf), 0); /* past the end */
	ASSERT_FAILS(lseek(fd, -1, SEEK_SET), EINVAL);
	ck_assert_int_eq(pread(fd, buf, 16, 77), 16);
	ck_assert_uint_eq(pattern_check(0, 77, buf, 16), 16);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5 << 20); /* pread kept it */
	ASSERT_FAILS(write(fd, buf, 1), EBADF);
	ck_assert_int_eq(close(fd), 0);

	ASSERT_FAILS(open(PAT_PATH, O_WRONLY), EROFS);
	ASSERT_FAILS(open(PAT_PATH, O_RDWR), EROFS);
}
END_TEST

START_TEST(test_pattern_seed)
{
	uint8_t buf[4096];
	int fd;

	pattern_start("64k", NULL, "7");
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read_full(fd, buf, sizeof buf), sizeof buf);
	ck_assert_uint_eq(pattern_check(7, 0, buf, sizeof buf), sizeof buf);
	ck_assert_uint_lt(pattern_check(0, 0, buf, sizeof buf), 8);
	close(fd);
}
END_TEST

START_TEST(test_pattern_dup_shares_offset)
{
	uint8_t buf[100];
	int fd, fd2;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ocb_count(fd), 1);
	fd2 = dup(fd);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(ocb_count(fd), 1); /* one open, two fds */
	ck_assert_int_eq(read(fd, buf, 40), 40);
	ck_assert_int_eq(read(fd2, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 40, buf, 10), 10);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(ocb_count(fd2), 1);
	ck_assert_int_eq(read(fd2, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 50, buf, 10), 10);
	ck_assert_int_eq(close(fd2), 0);
}
END_TEST

START_TEST(test_pattern_short_reply_buffer)
{
	uint8_t buf[100];
	int fd;

	pattern_start("1M", NULL, NULL);
	fd = open(PAT_PATH, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	short_reply_buffer(fd);
	ck_assert_int_eq(read(fd, buf, 10), 10);
	ck_assert_uint_eq(pattern_check(0, 100, buf, 10), 10);
	close(fd);
}
END_TEST

/* Server death: a client's later I/O on its fd fails with EBADF. */
START_TEST(test_pattern_server_death_ebadf)
{
	uint8_t buf[16];
	pid_t srv = pattern_start("1M", NULL, NULL);
	int fd = open(PAT_PATH, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof buf), sizeof buf);
	srv_kill(srv);
	nto_test_wait_dead(fd);
	ASSERT_FAILS(read(fd, buf, sizeof buf), EBADF);
	ASSERT_FAILS(lseek(fd, 0, SEEK_SET), EBADF);
	errno = 0;
	int rc = close(fd); /* QNX: -1/EBADF, but the fd is freed */
	ck_assert(rc == 0 || errno == EBADF);
	ASSERT_FAILS(open(PAT_PATH, O_RDONLY), ENOENT); /* name vanished */
}
END_TEST

static int slow_reader(const struct nto_test_link *l, void *arg)
{
	uint8_t buf[16];
	int fd = open(PAT_PATH, O_RDONLY);
	ssize_t r;

	NTO_CHILD_ASSERT(fd >= 0);
	nto_test_put(l->wr, 1);
	r = read(fd, buf, sizeof buf); /* the server sleeps 20 s first */
	nto_test_put(l->wr, r < 0 ? errno : 0);
	return 0;
}

/* A client REPLY-blocked in read() when the server dies gets ESRCH at
 * once, not after the server's delay. */
START_TEST(test_pattern_death_while_reading)
{
	struct nto_test_child c;
	int errfd;
	pid_t srv = pattern_start_err("1M", "20000000", NULL, &errfd);
	uint64_t t0;
	int64_t err;

	nto_test_fork(&c, slow_reader, NULL);
	ck_assert_int_eq(nto_test_take(c.rd, W), 1);
	/* -v logs each read as it is received, before the delay: from then
	 * on the client is REPLY-blocked */
	wait_line(errfd, "read of 16 bytes");
	ck_assert_int_eq(nto_test_wait_state(c.pid, 0, "REPLY", W), 0);
	t0 = nto_test_now_ns();
	srv_kill(srv);
	err = nto_test_take(c.rd, W);
	ck_assert_msg(err == ESRCH, "read failed with %s, want ESRCH",
		      strerror((int)err));
	ck_assert_uint_lt(nto_test_now_ns() - t0, 5000000000ull);
	nto_test_wait_ok(&c, W);
	close(errfd);
}
END_TEST

START_TEST(test_pattern_client_death_closes)
{
	pattern_start("1M", NULL, NULL);
	client_death_closes(PAT_PATH);
}
END_TEST

START_TEST(test_pattern_bad_options)
{
	const char *rel[] = {"-p", "dev/pattern", NULL};
	const char *size[] = {"-s", "12Q", NULL};
	const char *extra[] = {"-p", "/dev/p", "junk", NULL};

	ck_assert_int_eq(run_status("ntosim-pattern", rel), 1);
	ck_assert_int_eq(run_status("ntosim-pattern", size), 1);
	ck_assert_int_eq(run_status("ntosim-pattern", extra), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("servers_pattern");
	TCase *tc;
	int posix = posix_layer();

	tc = tcase("pattern");
	tcase_add_test(tc, test_pattern_function);
	tcase_add_test(tc, test_pattern_bad_options);
	if (posix) {
		tcase_add_test(tc, test_pattern_every_byte);
		tcase_add_test(tc, test_pattern_lseek_fstat);
		tcase_add_test(tc, test_pattern_seed);
		tcase_add_test(tc, test_pattern_dup_shares_offset);
		tcase_add_test(tc, test_pattern_short_reply_buffer);
		tcase_add_test(tc, test_pattern_server_death_ebadf);
		tcase_add_test(tc, test_pattern_death_while_reading);
		tcase_add_test(tc, test_pattern_client_death_closes);
	}
	suite_add_tcase(s, tc);

	if (!posix)
		fprintf(stderr,
			"check_servers_pattern: libnto has no POSIX layer yet: "
			"the pattern I/O tests are not run\n");
	return nto_test_main(s);
}
