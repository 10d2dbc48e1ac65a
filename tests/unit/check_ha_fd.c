/*
 * libha's fd covers against real servers exec'd from the build tree
 * (ntosim-pattern, ntosim-filesrv) and killed with SIGKILL: plain read(),
 * pread(), lseek(), fstat(), write() and stdio on an HA fd recover; ha_dup
 * shares one record (function replacement through either fd, the failing
 * fd's number passed); ha_detach drops one reference; plain dup() is not
 * HA-aware; ha_reopen keeps the number, waits for the server when asked,
 * and leaves the fd recoverable when the server is not back; several
 * threads reading one HA fd through a kill see exactly one recovery.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/pattern/pattern.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W    NTO_TEST_WAIT_MS
#define PAT  PATTERN_PATH
#define FSPX "/fs"

/* ---- servers ---- */

struct srv {
	struct nto_test_child ch;
	const char *path; /* what it registers */
	char *argv[12];
	int probe; /* a plain open of path, to see the death processed */
};

static void srv_run(struct srv *s)
{
	struct _server_info info;

	nto_test_fork(&s->ch, nto_test_exec, s->argv);
	ck_assert_msg(nto_path_wait(s->path, W) == 0, "%s not registered: %s",
		      s->path, strerror(errno));
	s->probe = open(s->path, O_RDONLY);
	ck_assert_int_ge(s->probe, 0);
	ck_assert_int_eq(ConnectServerInfo(0, s->probe, &info), s->probe);
}

static void pattern_start(struct srv *s, const char *delay_us)
{
	int i = 0;

	memset(s, 0, sizeof(*s));
	s->path = PAT;
	s->argv[i++] = nto_test_bin("ntosim-pattern");
	s->argv[i++] = (char *)"-p";
	s->argv[i++] = (char *)PAT;
	s->argv[i++] = (char *)"-s";
	s->argv[i++] = (char *)"64M";
	if (delay_us) {
		s->argv[i++] = (char *)"-d";
		s->argv[i++] = (char *)delay_us;
	}
	srv_run(s);
}

static char fsdir[512];

static void file_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	if (!fsdir[0]) {
		snprintf(fsdir, sizeof(fsdir), "%s/fsroot", nto_test_dir());
		ck_assert_int_eq(mkdir(fsdir, 0700), 0);
	}
	s->path = FSPX;
	s->argv[0] = nto_test_bin("ntosim-filesrv");
	s->argv[1] = (char *)"-d";
	s->argv[2] = fsdir;
	s->argv[3] = (char *)"-p";
	s->argv[4] = (char *)FSPX;
	srv_run(s);
}

/* SIGKILL the server and wait until ipcd has processed its death. */
static void srv_kill(struct srv *s)
{
	nto_test_kill(&s->ch);
	nto_test_wait_dead(s->probe);
	close(s->probe);
	s->probe = -1;
}

static void srv_restart(struct srv *s)
{
	srv_kill(s);
	srv_run(s);
}

/* ---- recovery functions ---- */

struct fctx {
	_Atomic int calls;
	_Atomic int calls2; /* through rfn2 */
	const char *path;
	int oflag;
	off_t off;	 /* where the fd should be after a recovery */
	int seek;	 /* restore `off` */
	int last_fd;	 /* the number the function was given */
	int rc_errno;	 /* errno of a failed ha_reopen */
	int after_errno; /* errno seen by the caller after a failure */
};

static int reopen_common(int fd, struct fctx *c)
{
	int n;

	c->last_fd = fd;
	n = ha_reopen(fd, c->path, c->oflag);
	if (n < 0) {
		c->rc_errno = errno;
		return -1;
	}
	if (c->seek && lseek(n, c->off, SEEK_SET) != c->off)
		return -1;
	return n;
}

static int rfn(int fd, void *h)
{
	struct fctx *c = h;

	atomic_fetch_add(&c->calls, 1);
	return reopen_common(fd, c);
}

static int rfn2(int fd, void *h)
{
	struct fctx *c = h;

	atomic_fetch_add(&c->calls2, 1);
	return reopen_common(fd, c);
}

static int acount(int fd)
{
	int v = -1;

	ck_assert_int_eq(ha_connection_ctrl(fd, HA_RECOVERY_GET_ACOUNT, &v), 0);
	return v;
}

/* read n bytes at the fd's offset and check them against the pattern */
static void read_check(int fd, off_t off, size_t n)
{
	char buf[8192];
	ssize_t r;

	ck_assert_uint_le(n, sizeof(buf));
	r = read(fd, buf, n);
	ck_assert_msg(r == (ssize_t)n, "read %zd (errno %d), want %zu", r,
		      errno, n);
	ck_assert_uint_eq(pattern_check(0, (uint64_t)off, buf, n), n);
}

/* ---- tests ---- */

START_TEST(test_fd_errors)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY};
	struct srv s;
	char tmp[600];
	int fd, plain, before;
	FILE *fp;

	pattern_start(&s, NULL);
	before = open("/dev/null", O_RDONLY);
	close(before);
	NTO_ASSERT_FAILS(ha_open(PAT, O_RDONLY, NULL, &c, 0), EINVAL);
	NTO_ASSERT_FAILS(ha_open(PAT, O_RDONLY, rfn, &c, 0x40), EINVAL);
	NTO_ASSERT_FAILS(ha_open64(PAT, O_RDONLY, NULL, &c, 0), EINVAL);
	NTO_ASSERT_FAILS(ha_creat(FSPX "/x", 0600, NULL, &c, 0), EINVAL);
	ck_assert_ptr_null(ha_fopen(PAT, "r", NULL, &c, 0));
	/* nothing was opened by the failed calls */
	plain = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(plain, before);
	close(plain);

	NTO_ASSERT_FAILS(ha_open("/dev/ntosim-none", O_RDONLY, rfn, &c, 0),
			 ENOENT);
	NTO_ASSERT_FAILS(ha_open(PAT, O_WRONLY, rfn, &c, 0), EROFS);
	NTO_ASSERT_FAILS(ha_creat64(PAT, 0600, rfn, &c, 0), EROFS);
	plain = open(PAT, O_RDONLY);
	ck_assert_int_ge(plain, 0);
	NTO_ASSERT_FAILS(ha_dup(plain), EBADF);
	NTO_ASSERT_FAILS(ha_close(plain), EBADF);
	ck_assert_int_ne(fcntl(plain, F_GETFD), -1); /* left open */
	ck_assert_int_eq(close(plain), 0);
	NTO_ASSERT_FAILS(ha_reopen(-1, PAT, O_RDONLY), EBADF);
	NTO_ASSERT_FAILS(ha_reopen(_NTO_SIDE_CHANNEL | 1, PAT, O_RDONLY),
			 EBADF);
	NTO_ASSERT_FAILS(ha_reopen(0, NULL, O_RDONLY), EFAULT);
	NTO_ASSERT_FAILS(ha_close(-1), EBADF);
	fp = fopen(PAT, "r");
	ck_assert_ptr_nonnull(fp);
	errno = 0;
	ck_assert_int_eq(ha_fclose(fp), EOF);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(fclose(fp), 0); /* it was left open */

	/* ha_open of a host file works (and never needs recovery) */
	snprintf(tmp, sizeof(tmp), "%s/hostfile", nto_test_dir());
	fd = ha_creat(tmp, 0600, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(ha_close(fd), 0);
	fd = ha_open(tmp, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ha_close(fd), 0);
	ck_assert_int_eq(c.calls, 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* read, pread, lseek and fstat on an HA fd recover across kills; the data
 * is right, byte for byte, and one recovery runs per kill. */
START_TEST(test_read_recovers)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY, .seek = 1};
	struct srv s;
	struct stat st;
	char buf[4096];
	int fd, k;

	pattern_start(&s, NULL);
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	for (k = 0; k < 4; k++) {
		read_check(fd, c.off, 1000);
		c.off += 1000;
		srv_restart(&s);
		ck_assert_int_eq(c.calls, k);
	}
	read_check(fd, c.off, 1000); /* the 4th recovery */
	c.off += 1000;
	ck_assert_int_eq(c.calls, 4);
	ck_assert_int_eq(c.last_fd, fd);

	srv_restart(&s);
	ck_assert_int_eq(pread(fd, buf, 4096, 1 << 20), 4096);
	ck_assert_uint_eq(pattern_check(0, 1 << 20, buf, 4096), 4096);
	ck_assert_int_eq(c.calls, 5);
	srv_restart(&s);
	ck_assert_int_eq(lseek(fd, 12345, SEEK_SET), 12345);
	c.off = 12345;
	ck_assert_int_eq(c.calls, 6);
	srv_restart(&s);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 64 << 20);
	ck_assert_int_eq(c.calls, 7);
	read_check(fd, 12345, 100);
	ck_assert_int_eq(acount(fd), 7);
	ck_assert_int_eq(ha_close(fd), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ha_dup'd fds share one record: counters, limits, and the function
 * (replaced through either fd); the failing fd's number is passed; a
 * detach drops one reference; a plain dup is not HA-aware. */
START_TEST(test_dup_sharing)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY};
	struct srv s;
	char buf[64];
	int fd, fd2, plain, v;

	pattern_start(&s, NULL);
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	fd2 = ha_dup(fd);
	ck_assert_int_gt(fd2, fd);
	plain = dup(fd);
	ck_assert_int_gt(plain, fd2);
	NTO_ASSERT_FAILS(ha_detach(plain), EBADF);
	ck_assert_int_eq(ha_connection_ctrl(fd2, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)7),
			 0);

	srv_restart(&s);
	ck_assert_int_eq(read(fd2, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.last_fd, fd2);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(c.last_fd, fd);
	ck_assert_int_eq(acount(fd), 2);
	ck_assert_int_eq(acount(fd2), 2);
	/* the plain dup is not HA-aware: it fails, no recovery */
	NTO_ASSERT_FAILS(read(plain, buf, sizeof(buf)), EBADF);
	ck_assert_int_eq(c.calls, 2);
	close(plain); /* -1/EBADF on the dead connection, number freed */

	/* replace the function through fd2: fd uses it too */
	ck_assert_int_eq(ha_attach(fd2, rfn2, &c, HAREPLACERECOVERYFN), 0);
	NTO_ASSERT_FAILS(ha_attach(fd, rfn, &c, 0), EEXIST);
	srv_restart(&s);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls2, 1);
	ck_assert_int_eq(c.last_fd, fd);
	ck_assert_int_eq(c.calls, 2);

	/* and back through fd: fd2 follows */
	ck_assert_int_eq(ha_attach(fd, rfn, &c, HAREPLACERECOVERYFN), 0);
	srv_restart(&s);
	ck_assert_int_eq(read(fd2, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls, 3);
	ck_assert_int_eq(c.calls2, 1);
	ck_assert_int_eq(c.last_fd, fd2);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls, 4);
	ck_assert_int_eq(ha_attach(fd2, rfn2, &c, HAREPLACERECOVERYFN), 0);

	/* detach fd: fd2 keeps the record and its settings */
	ck_assert_int_eq(ha_detach(fd), 0);
	ck_assert_int_eq(ha_connection_ctrl(fd2, HA_RECOVERY_GET_ACOUNT, &v),
			 0);
	ck_assert_int_eq(v, 5);
	srv_restart(&s);
	NTO_ASSERT_FAILS(read(fd, buf, sizeof(buf)), EBADF);
	ck_assert_int_eq(read(fd2, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(c.calls2, 2);
	ck_assert_int_eq(c.last_fd, fd2);
	NTO_ASSERT_FAILS(close(fd), EBADF); /* dead, but freed */
	ck_assert_int_eq(ha_close(fd2), 0);
	NTO_ASSERT_FAILS(ha_connection_ctrl(fd2, HA_RECOVERY_ENABLE, NULL),
			 EBADF);
	nto_test_kill(&s.ch);
}
END_TEST

/* ha_close on an fd whose server died: -1/EBADF, no recovery, number
 * freed (QNX's close()). */
START_TEST(test_close_dead)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY};
	struct srv s;
	int fd;

	pattern_start(&s, NULL);
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	srv_kill(&s);
	NTO_ASSERT_FAILS(ha_close(fd), EBADF);
	ck_assert_int_eq(c.calls, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	NTO_ASSERT_FAILS(ha_detach(fd), EBADF);
}
END_TEST

/* ha_reopen puts the new connection on the old number even when a lower
 * number is free (dup2), and frees the lower one again. */
START_TEST(test_reopen_same_number)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY, .seek = 1};
	struct srv s;
	int low[5], fd, i;

	pattern_start(&s, NULL);
	/* fill the low numbers, so the only free one below fd is ours */
	for (i = 0; i < 5; i++)
		low[i] = open("/dev/null", O_RDONLY);
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_gt(fd, low[4]);
	read_check(fd, 0, 100);
	c.off = 100;
	srv_restart(&s);
	close(low[2]);
	read_check(fd, 100, 100);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.last_fd, fd);
	/* the lower number the re-open got first is free again */
	ck_assert_int_eq(fcntl(low[2], F_GETFD), -1);
	for (i = 0; i < 5; i++)
		if (i != 2)
			close(low[i]);
	ck_assert_int_eq(ha_close(fd), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* With no server and no wait, the recovery fails at once (ha_reopen:
 * ENOENT), the caller gets the original EBADF, and the fd stays allocated
 * and HA-aware, so it recovers once the server is back. */
START_TEST(test_reopen_no_server)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY, .seek = 1};
	struct srv s;
	char buf[16];
	int fd;

	pattern_start(&s, NULL);
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	srv_kill(&s);
	NTO_ASSERT_FAILS(read(fd, buf, sizeof(buf)), EBADF);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.rc_errno, ENOENT);
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
	srv_run(&s);
	read_check(fd, 0, 16);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(ha_close(fd), 0);
	nto_test_kill(&s.ch);
}
END_TEST

struct reader {
	int fd;
	int wr; /* pipe: 1 when about to read */
	ssize_t rc;
	int err;
	uint64_t off;
	char buf[256];
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	nto_test_put(r->wr, 1);
	r->rc = pread(r->fd, r->buf, sizeof(r->buf), (off_t)r->off);
	r->err = errno;
	return NULL;
}

/* HA_RECOVERY_WAIT_MS: the recovery waits for the path to be registered
 * again (woken by ipcd), or gives up with ETIMEDOUT after the bound. */
START_TEST(test_reopen_waits)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY};
	struct reader r = {.off = 777};
	struct srv s;
	char buf[16];
	uint64_t t0, ms;
	pthread_t t;
	int p[2];

	pattern_start(&s, NULL);
	r.fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(r.fd, 0);
	ck_assert_int_eq(ha_connection_ctrl(r.fd, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)300),
			 0);
	srv_kill(&s);
	t0 = nto_test_now_ns();
	NTO_ASSERT_FAILS(read(r.fd, buf, sizeof(buf)), EBADF);
	ms = (nto_test_now_ns() - t0) / 1000000u;
	ck_assert_msg(ms >= 250 && ms < (uint64_t)W, "gave up after %llu ms",
		      (unsigned long long)ms);
	ck_assert_int_eq(c.rc_errno, ETIMEDOUT);

	ck_assert_int_eq(ha_connection_ctrl(r.fd, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)W),
			 0);
	ck_assert_int_eq(pipe(p), 0);
	r.wr = p[1];
	ck_assert_int_eq(pthread_create(&t, NULL, reader_thread, &r), 0);
	ck_assert_int_eq(nto_test_take(p[0], W), 1);
	nto_test_quiet(p[0], 100); /* the reader is waiting for the server */
	srv_run(&s);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_msg(r.rc == (ssize_t)sizeof(r.buf), "pread %zd errno %d",
		      r.rc, r.err);
	ck_assert_uint_eq(pattern_check(0, r.off, r.buf, sizeof(r.buf)),
			  sizeof(r.buf));
	ck_assert_int_eq(c.calls, 2);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(ha_close(r.fd), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- threads ---- */

#define NTHREADS 4
#define NROUNDS	 6
#define CHUNK	 4096

/* One reader thread: a pread of its own chunk per round, on command. */
struct rthread {
	int fd;
	int id;
	int to_thread[2], from_thread[2];
	long bad;
	ssize_t last;
	int err;
};

static void *round_thread(void *arg)
{
	struct rthread *t = arg;
	char buf[CHUNK];
	int64_t round;

	while (nto_test_get(t->to_thread[0], &round, W) == 0 && round >= 0) {
		uint64_t off =
			((uint64_t)t->id * NROUNDS + (uint64_t)round) * CHUNK;
		ssize_t r;

		nto_test_put(t->from_thread[1], 0); /* about to read */
		r = pread(t->fd, buf, CHUNK, (off_t)off);
		if (r != CHUNK ||
		    pattern_check(0, off, buf, CHUNK) != (size_t)CHUNK) {
			t->bad++;
			t->last = r;
			t->err = r < 0 ? errno : 0;
		}
		nto_test_put(t->from_thread[1], 1); /* done */
	}
	return NULL;
}

/*
 * Several threads read an HA fd and its ha_dup, all in flight (one
 * REPLY-blocked on the server's reply delay, the others SEND-blocked
 * behind it) when the server is killed; it is restarted while they wait in
 * the recovery. Every read returns the right bytes, and exactly one
 * recovery runs per kill and number (the other threads wait for it, then
 * re-send), even with ICOUNT 1 on the shared record.
 */
START_TEST(test_threads)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY};
	struct rthread t[NTHREADS];
	pthread_t tid[NTHREADS];
	struct srv s;
	int fd, fd2, i, round, kills = 0;

	pattern_start(&s, "100000"); /* 100 ms per read */
	fd = ha_open(PAT, O_RDONLY, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	fd2 = ha_dup(fd);
	ck_assert_int_ge(fd2, 0);
	/* the function waits for the restarted server */
	ck_assert_int_eq(ha_connection_ctrl(fd, HA_RECOVERY_WAIT_MS,
					    (void *)(intptr_t)W),
			 0);
	ck_assert_int_eq(ha_connection_ctrl(fd2, HA_RECOVERY_ICOUNT,
					    (void *)(intptr_t)1),
			 0);
	for (i = 0; i < NTHREADS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].fd = i < NTHREADS / 2 ? fd : fd2;
		t[i].id = i;
		ck_assert_int_eq(pipe(t[i].to_thread), 0);
		ck_assert_int_eq(pipe(t[i].from_thread), 0);
		ck_assert_int_eq(
			pthread_create(&tid[i], NULL, round_thread, &t[i]), 0);
	}
	for (round = 0; round < NROUNDS; round++) {
		for (i = 0; i < NTHREADS; i++)
			nto_test_put(t[i].to_thread[1], round);
		for (i = 0; i < NTHREADS; i++)
			ck_assert_int_eq(nto_test_take(t[i].from_thread[0], W),
					 0);
		if (round % 2 == 1) {
			/* all four are in their pread: the first reply is
			 * 100 ms away */
			srv_kill(&s);
			srv_run(&s);
			kills++;
		}
		for (i = 0; i < NTHREADS; i++)
			ck_assert_int_eq(nto_test_take(t[i].from_thread[0], W),
					 1);
		for (i = 0; i < NTHREADS; i++)
			ck_assert_msg(
				t[i].bad == 0,
				"round %d: thread %d: pread %zd errno %d "
				"(recoveries %d, last ha_reopen errno %d)",
				round, i, t[i].last, t[i].err, c.calls,
				c.rc_errno);
		ck_assert_int_eq(c.calls, 2 * kills);
	}
	for (i = 0; i < NTHREADS; i++) {
		nto_test_put(t[i].to_thread[1], -1);
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
		close(t[i].to_thread[0]);
		close(t[i].to_thread[1]);
		close(t[i].from_thread[0]);
		close(t[i].from_thread[1]);
	}
	ck_assert_int_eq(acount(fd), 2 * kills);
	ck_assert_int_eq(ha_close(fd), 0);
	ck_assert_int_eq(ha_close(fd2), 0);
	nto_test_kill(&s.ch);
}
END_TEST

/* ---- writes, creat, stdio ---- */

static void host_file(const char *name, char *out, size_t len)
{
	char p[1024];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", fsdir, name);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* write() on an HA fd recovers; ha_creat / ha_creat64 / ha_open64 create
 * with the mode given. */
START_TEST(test_write_recovers)
{
	struct fctx c = {.path = FSPX "/out", .oflag = O_WRONLY, .seek = 1};
	struct srv s;
	char got[64], hp[1024];
	struct stat st;
	mode_t um;
	int fd, fd64;

	file_start(&s);
	fd = ha_creat(FSPX "/out", 0640, rfn, &c, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	c.off = 3;
	srv_restart(&s);
	ck_assert_int_eq(write(fd, "def", 3), 3);
	ck_assert_int_eq(c.calls, 1);
	host_file("out", got, sizeof(got));
	ck_assert_str_eq(got, "abcdef");
	snprintf(hp, sizeof(hp), "%s/out", fsdir);
	ck_assert_int_eq(stat(hp, &st), 0);
	um = umask(0);
	umask(um);
	ck_assert_int_eq(st.st_mode & 0777, 0640 & ~um);
	ck_assert_int_eq(ha_close(fd), 0);

	fd64 = ha_creat64(FSPX "/out64", 0600, rfn, &c, 0);
	ck_assert_int_ge(fd64, 0);
	ck_assert_int_eq(ha_close(fd64), 0);
	fd64 = ha_open64(FSPX "/new64", O_RDWR | O_CREAT | O_EXCL, rfn, &c, 0,
			 0600);
	ck_assert_int_ge(fd64, 0);
	ck_assert_int_eq(write(fd64, "z", 1), 1);
	ck_assert_int_eq(ha_close(fd64), 0);
	NTO_ASSERT_FAILS(ha_open(FSPX "/new64", O_RDWR | O_CREAT | O_EXCL, rfn,
				 &c, 0, 0600),
			 EEXIST);
	nto_test_kill(&s.ch);
}
END_TEST

/* ha_fopen / ha_fclose: a stream over an HA fd recovers (unbuffered here:
 * stdio's own buffer is not something libha can restore). */
START_TEST(test_stdio)
{
	struct fctx c = {.path = PAT, .oflag = O_RDONLY, .seek = 1};
	struct srv s;
	char buf[500];
	FILE *fp;

	pattern_start(&s, NULL);
	fp = ha_fopen(PAT, "r", rfn, &c, 0);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(setvbuf(fp, NULL, _IONBF, 0), 0);
	ck_assert_uint_eq(fread(buf, 1, 300, fp), 300);
	ck_assert_uint_eq(pattern_check(0, 0, buf, 300), 300);
	c.off = 300;
	srv_restart(&s);
	ck_assert_uint_eq(fread(buf, 1, 500, fp), 500);
	ck_assert_uint_eq(pattern_check(0, 300, buf, 500), 500);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.last_fd, fileno(fp));
	ck_assert_int_eq(ha_fclose(fp), 0);
	ck_assert_ptr_null(ha_fopen("/dev/ntosim-none", "r", rfn, &c, 0));
	nto_test_kill(&s.ch);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha_fd");
	TCase *tc = nto_test_tcase("core");

	tcase_add_test(tc, test_fd_errors);
	tcase_add_test(tc, test_read_recovers);
	tcase_add_test(tc, test_dup_sharing);
	tcase_add_test(tc, test_close_dead);
	tcase_add_test(tc, test_reopen_same_number);
	tcase_add_test(tc, test_reopen_no_server);
	tcase_add_test(tc, test_reopen_waits);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_write_recovers);
	tcase_add_test(tc, test_stdio);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
