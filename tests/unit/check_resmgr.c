/*
 * The resource-manager framework between real processes: QNX's classic
 * single-threaded /dev/sample served and read over raw _IO_CONNECT/_IO_READ
 * messages, the iofunc defaults, the DISCONNECT-driven close of a killed
 * client's OCBs, _IO_DUP sharing an OCB, EBADF without a binding, the
 * io unblock handler, message_attach / pulse_attach routing,
 * dispatch_timeout, and a thread pool serving clients concurrently.
 * Servers are forked children; the test process is the client. Server-side
 * counters live in a MAP_SHARED page made before the fork.
 */
#include "config.h"

/* QNX thread pools usually run dispatch contexts. */
#define THREAD_POOL_PARAM_T dispatch_context_t

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "proto/ctl.h"
#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#define W NTO_TEST_WAIT_MS

/* ------------------------------------------------------------------------
 * QNX's sample resource manager ("Writing a Resource Manager": a simple
 * single-threaded device, plus the io_read that serves a string), compiled
 * as QNX shows it. Only main() is renamed, given a return type, and the
 * buffer made an array (C forbids writing through a string literal).
 * min() comes from <stdlib.h>, as on QNX.
 */
static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t attr;

static char buffer[] = "Hello world\n";

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	int nleft;
	int nbytes;
	int nparts;
	int status;

	if ((status = iofunc_read_verify(ctp, msg, ocb, NULL)) != EOK)
		return (status);

	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return (ENOSYS);

	/*
	 *  On all reads (first and subsequent), calculate
	 *  how many bytes we can return to the client,
	 *  based upon the number of bytes available (nleft)
	 *  and the client's buffer size
	 */
	nleft = ocb->attr->nbytes - ocb->offset;
	nbytes = min(msg->i.nbytes, nleft);

	if (nbytes > 0) {
		/* set up the return data IOV */
		SETIOV(ctp->iov, buffer + ocb->offset, nbytes);

		/* set up the number of bytes (returned by client's read()) */
		_IO_SET_READ_NBYTES(ctp, nbytes);

		/*
		 * advance the offset by the number of bytes
		 * returned to the client.
		 */
		ocb->offset += nbytes;

		nparts = 1;
	} else {
		/*
		 * they've asked for zero bytes or they've already previously
		 * read everything
		 */
		_IO_SET_READ_NBYTES(ctp, 0);

		nparts = 0;
	}

	/* mark the access time as invalid (we just accessed it) */
	if (msg->i.nbytes > 0)
		ocb->attr->flags |= IOFUNC_ATTR_ATIME;

	return (_RESMGR_NPARTS(nparts));
}

static int sample_main(int argc, char **argv)
{
	/* declare variables we'll be using */
	resmgr_attr_t resmgr_attr;
	dispatch_t *dpp;
	dispatch_context_t *ctp;
	int id;

	/* initialize dispatch interface */
	if ((dpp = dispatch_create()) == NULL) {
		fprintf(stderr, "%s: Unable to allocate dispatch handle.\n",
			argv[0]);
		return EXIT_FAILURE;
	}

	/* initialize resource manager attributes */
	memset(&resmgr_attr, 0, sizeof resmgr_attr);
	resmgr_attr.nparts_max = 1;
	resmgr_attr.msg_max_size = 2048;

	/* initialize functions for handling messages */
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;

	/* initialize attribute structure used by the device */
	iofunc_attr_init(&attr, S_IFNAM | 0666, 0, 0);
	attr.nbytes = strlen(buffer) + 1;

	/* attach our device name */
	id = resmgr_attach(dpp,		   /* dispatch handle        */
			   &resmgr_attr,   /* resource manager attrs */
			   "/dev/sample",  /* device name            */
			   _FTYPE_ANY,	   /* open type              */
			   0,		   /* flags                  */
			   &connect_funcs, /* connect routines       */
			   &io_funcs,	   /* I/O routines           */
			   &attr);	   /* handle                 */
	if (id == -1) {
		fprintf(stderr, "%s: Unable to attach name.\n", argv[0]);
		return EXIT_FAILURE;
	}

	/* allocate a context structure */
	ctp = dispatch_context_alloc(dpp);

	/* start the resource manager message loop */
	while (1) {
		if ((ctp = dispatch_block(ctp)) == NULL) {
			fprintf(stderr, "block error\n");
			return EXIT_FAILURE;
		}
		dispatch_handler(ctp);
	}
}

#undef min

/* ------------------------------------------------------------------------
 * Client side: resolve a path in ipcd's pathname space and talk raw
 * _IO_* messages to whoever serves it.
 */

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* One request/reply on an extra (AUX) control connection of this process:
 * how the test learns (pid, chid, handle) of a path without the POSIX
 * layer. Returns the reply status or -errno; the payload goes to rep. */
static int ctl_call(int fd, uint32_t type, const void *req, size_t len,
		    void *rep, size_t replen)
{
	static char buf[NTO_CTL_REPLY_MAX];
	struct nto_ctl_hdr h = {type, (uint32_t)len, 1, 0};
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), req, len);
	if (send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL) < 0)
		return -errno;
	if (poll(&p, 1, W) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(h))
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (rep)
		memcpy(rep, buf + sizeof(h),
		       min_size((size_t)n - sizeof(h), replen));
	return h.status;
}

static int resolve(const char *path, struct nto_ctl_resolve_ent *ent)
{
	char rbuf[sizeof(struct nto_ctl_resolve_rep) +
		  NTO_RESOLVE_MAX * sizeof(struct nto_ctl_resolve_ent)];
	char qbuf[sizeof(struct nto_ctl_path) + NTO_PATH_MAX];
	struct nto_ctl_resolve_rep *rep = (void *)rbuf;
	struct nto_ctl_path *q = (void *)qbuf;
	struct nto_ctl_hello hello = {NTO_CTL_VERSION, getpid(), NTO_HELLO_AUX};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *sock = getenv(NTO_SOCKET_ENV);
	int fd, r, chid;

	/* an AUX connection belongs to an already registered process */
	chid = ChannelCreate(0);
	if (chid >= 0)
		ChannelDestroy(chid);
	if (!sock || strlen(sock) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	r = ctl_call(fd, NTO_CTL_HELLO, &hello, sizeof(hello), NULL, 0);
	if (r < 0)
		goto out;
	memset(q, 0, sizeof(*q));
	strcpy(q->path, path);
	memset(rbuf, 0, sizeof(rbuf));
	r = ctl_call(fd, NTO_CTL_RESOLVE, q, sizeof(*q) + strlen(path) + 1,
		     rbuf, sizeof(rbuf));
	if (r >= 0)
		r = rep->n > 0 ? 0 : -ENOENT;
	if (r == 0)
		*ent = rep->ent[0];
out:
	close(fd);
	return r;
}

/*
 * An _IO_CONNECT of `subtype` to the server of `path` (extra: bytes sent
 * right after the path; the reply goes to rbuf). Returns MsgSend's status
 * or -errno; the coid goes to *coidp (detached again on failure).
 */
static int rm_connect(const char *path, unsigned subtype, int oflag, int side,
		      const void *extra, size_t elen, void *rbuf, int rlen,
		      int *coidp)
{
	struct nto_ctl_resolve_ent e;
	union {
		struct _io_connect c;
		char b[offsetof(struct _io_connect, path) + NTO_PATH_MAX + 256];
	} m;
	size_t hdr = offsetof(struct _io_connect, path);
	const char *rest;
	int coid, r;

	r = resolve(path, &e);
	if (r < 0)
		return r;
	coid = ConnectAttach(0, e.pid, e.chid, side ? _NTO_SIDE_CHANNEL : 0,
			     _NTO_COF_CLOEXEC);
	if (coid == -1)
		return -errno;
	rest = path + e.prefix_len;
	while (*rest == '/')
		rest++;
	memset(&m, 0, sizeof(m));
	m.c.type = _IO_CONNECT;
	m.c.subtype = (_Uint16t)subtype;
	m.c.file_type = _FTYPE_ANY;
	m.c.handle = e.handle;
	m.c.ioflag = (oflag & ~O_ACCMODE) | ((oflag + 1) & _IO_FLAG_MASK);
	m.c.access = _IO_FLAG_RD | _IO_FLAG_WR;
	m.c.sflag = SH_DENYNO;
	m.c.path_len = strlen(rest) + 1;
	m.c.extra_len = (_Uint16t)elen;
	memcpy(m.b + hdr, rest, m.c.path_len);
	if (elen)
		memcpy(m.b + hdr + m.c.path_len, extra, elen);
	r = MsgSend(coid, &m, (int)(hdr + m.c.path_len + elen), rbuf, rlen);
	if (r == -1) {
		r = -errno;
		ConnectDetach(coid);
		return r;
	}
	*coidp = coid;
	return r;
}

/* _IO_CONNECT (OPEN) to the server of `path`. Returns the coid or -errno. */
static int rm_open(const char *path, int oflag, int side)
{
	int coid = -1, r;

	r = rm_connect(path, _IO_CONNECT_OPEN, oflag, side, NULL, 0, NULL, 0,
		       &coid);
	return r < 0 ? r : coid;
}

static int rm_read(int coid, void *buf, int n)
{
	io_read_t m;

	memset(&m, 0, sizeof(m));
	m.i.type = _IO_READ;
	m.i.combine_len = sizeof(m.i);
	m.i.nbytes = n;
	return MsgSend(coid, &m.i, sizeof(m.i), buf, n);
}

static int rm_write(int coid, const void *buf, int n)
{
	io_write_t m;
	iov_t iov[2];

	memset(&m, 0, sizeof(m));
	m.i.type = _IO_WRITE;
	m.i.combine_len = sizeof(m.i);
	m.i.nbytes = n;
	SETIOV(&iov[0], &m.i, sizeof(m.i));
	SETIOV(&iov[1], buf, n);
	return MsgSendv(coid, iov, 2, NULL, 0);
}

static int rm_simple(int coid, unsigned type)
{
	struct _io_combine m = {(_Uint16t)type, sizeof(m)};

	return MsgSend(coid, &m, sizeof(m), NULL, 0);
}

static int rm_close(int coid)
{
	int r = rm_simple(coid, _IO_CLOSE);
	int e = errno;

	ConnectDetach(coid);
	errno = e;
	return r;
}

static long long rm_lseek(int coid, long long off, int whence)
{
	io_lseek_t m;
	_Uint64t res = 0;

	memset(&m, 0, sizeof(m));
	m.i.type = _IO_LSEEK;
	m.i.combine_len = sizeof(m.i);
	m.i.whence = (short)whence;
	m.i.offset = (_Uint64t)off;
	if (MsgSend(coid, &m.i, sizeof(m.i), &res, sizeof(res)) == -1)
		return -1;
	return (long long)res;
}

/* ------------------------------------------------------------------------
 * A configurable resource manager that counts what the framework does.
 */

struct shared {
	atomic_int close_ocb;
	atomic_int close_dup;
	atomic_int unblocks;
	atomic_int inflight;
	atomic_int maxinflight;
	atomic_int msgs;
	atomic_int pulses;
	atomic_int pulse_value;
	atomic_int pulse_code;
	atomic_int other;
};
static struct shared *shm;

enum read_mode {
	READ_HELLO,   /* the sample's io_read */
	READ_DEFAULT, /* iofunc_read_default */
	READ_BARRIER, /* wait until `barrier` reads are in progress */
	READ_HOLD,    /* _RESMGR_NOREPLY; unblock handler answers EINTR */
};

struct srv_opts {
	const char *path;
	enum read_mode mode;
	int barrier;
	int pool;	  /* serve from a thread pool (POOL_FLAG_USE_SELF) */
	unsigned flags;	  /* resmgr_attach flags */
	const char *want; /* open only this path remainder (else ENOENT) */
};

static iofunc_attr_t srv_attr;
static resmgr_connect_funcs_t srv_cf;
static resmgr_io_funcs_t srv_io;
static const struct srv_opts *srv_o;
static pthread_mutex_t bar_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bar_cv = PTHREAD_COND_INITIALIZER;

static int srv_open(resmgr_context_t *ctp, io_open_t *msg, iofunc_attr_t *a,
		    void *extra)
{
	if (srv_o->want && strcmp(msg->connect.path, srv_o->want) != 0)
		return ENOENT;
	return iofunc_open_default(ctp, msg, a, extra);
}

static int srv_close_ocb(resmgr_context_t *ctp, void *reserved,
			 iofunc_ocb_t *ocb)
{
	atomic_fetch_add(&shm->close_ocb, 1);
	return iofunc_close_ocb_default(ctp, reserved, ocb);
}

static int srv_close_dup(resmgr_context_t *ctp, io_close_t *msg,
			 iofunc_ocb_t *ocb)
{
	atomic_fetch_add(&shm->close_dup, 1);
	return iofunc_close_dup_default(ctp, msg, ocb);
}

static int srv_unblock(resmgr_context_t *ctp, io_pulse_t *msg,
		       iofunc_ocb_t *ocb)
{
	atomic_fetch_add(&shm->unblocks, 1);
	/* the framework replies this to the client that wants out */
	return EINTR;
}

static int srv_read(resmgr_context_t *ctp, io_read_t *msg, iofunc_ocb_t *ocb)
{
	struct timespec until;
	int n, status, m, arrived;

	status = iofunc_read_verify(ctp, msg, ocb, NULL);
	if (status != EOK)
		return status;
	arrived = atomic_fetch_add(&shm->msgs, 1) + 1;
	switch (srv_o->mode) {
	case READ_HOLD:
		return _RESMGR_NOREPLY;
	case READ_BARRIER:
		n = atomic_fetch_add(&shm->inflight, 1) + 1;
		while ((m = atomic_load(&shm->maxinflight)) < n &&
		       !atomic_compare_exchange_weak(&shm->maxinflight, &m, n))
			;
		/* wait (at most 5 s) until `barrier` reads have arrived */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		pthread_mutex_lock(&bar_lock);
		if (arrived >= srv_o->barrier)
			pthread_cond_broadcast(&bar_cv);
		while (atomic_load(&shm->msgs) < srv_o->barrier &&
		       pthread_cond_timedwait(&bar_cv, &bar_lock, &until) == 0)
			;
		pthread_mutex_unlock(&bar_lock);
		atomic_fetch_sub(&shm->inflight, 1);
		_IO_SET_READ_NBYTES(ctp, 1);
		return _RESMGR_PTR(ctp, "x", 1);
	default:
		return iofunc_read_default(ctp, msg, ocb);
	}
}

static int srv_other(resmgr_context_t *ctp, void *msg)
{
	atomic_fetch_add(&shm->other, 1);
	if (ctp->rcvid > 0) {
		_RESMGR_STATUS(ctp, 4242);
		return EOK;
	}
	return _RESMGR_NOREPLY;
}

static int srv_main(const struct nto_test_link *l, void *arg)
{
	thread_pool_attr_t pa;
	thread_pool_t *pool;
	resmgr_attr_t ra;
	dispatch_t *dpp;
	dispatch_context_t *ctp;

	srv_o = arg;
	dpp = dispatch_create();
	NTO_CHILD_ASSERT(dpp != NULL);
	memset(&ra, 0, sizeof(ra));
	ra.nparts_max = 2;
	ra.msg_max_size = 4096;
	ra.other_func = srv_other;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &srv_cf, _RESMGR_IO_NFUNCS,
			 &srv_io);
	srv_cf.open = srv_open;
	srv_io.close_ocb = srv_close_ocb;
	srv_io.close_dup = srv_close_dup;
	srv_io.unblock = srv_unblock;
	if (srv_o->mode == READ_HELLO)
		srv_io.read = io_read;
	else
		srv_io.read = srv_read;
	iofunc_attr_init(&srv_attr, S_IFNAM | 0666, NULL, NULL);
	srv_attr.nbytes = (int64_t)strlen(buffer) + 1;
	NTO_CHILD_ASSERT(resmgr_attach(dpp, &ra, srv_o->path, _FTYPE_ANY,
				       srv_o->flags, &srv_cf, &srv_io,
				       &srv_attr) != -1);
	if (srv_o->pool) {
		/* The default lock_ocb locks the attribute around every
		 * handler, which would serialize all reads of this one
		 * device (as on QNX): let them run together. */
		srv_io.lock_ocb = NULL;
		srv_io.unlock_ocb = NULL;
		memset(&pa, 0, sizeof(pa));
		pa.handle = dpp;
		pa.context_alloc = dispatch_context_alloc;
		pa.block_func = dispatch_block;
		pa.unblock_func = dispatch_unblock;
		pa.handler_func = dispatch_handler;
		pa.context_free = dispatch_context_free;
		pa.lo_water = 2;
		pa.increment = 1;
		pa.hi_water = 4;
		pa.maximum = 16;
		pool = thread_pool_create(&pa, POOL_FLAG_USE_SELF);
		NTO_CHILD_ASSERT(pool != NULL);
		thread_pool_start(pool); /* serves until killed */
		return 1;
	}
	ctp = dispatch_context_alloc(dpp);
	NTO_CHILD_ASSERT(ctp != NULL);
	for (;;) {
		ctp = dispatch_block(ctp);
		NTO_CHILD_ASSERT(ctp != NULL);
		dispatch_handler(ctp);
	}
}

static void srv_start(struct nto_test_child *c, const struct srv_opts *o)
{
	shm = nto_test_shared(sizeof(*shm));
	nto_test_fork(c, srv_main, (void *)o);
	ck_assert_msg(nto_path_wait(o->path, W) == 0, "%s never appeared: %s",
		      o->path, strerror(errno));
}

/* ------------------------------------------------------------------------
 * Tests
 */

static int sample_child(const struct nto_test_link *l, void *arg)
{
	static char name[] = "sample";
	char *argv[] = {name, NULL};

	return sample_main(1, argv);
}

/* The sample, unchanged, serves its string to a raw-message client. */
START_TEST(test_sample_read)
{
	struct nto_test_child srv;
	char buf[64];
	int coid, n;

	nto_test_fork(&srv, sample_child, NULL);
	ck_assert_int_eq(nto_path_wait("/dev/sample", W), 0);

	coid = rm_open("/dev/sample", O_RDONLY, 0);
	ck_assert_msg(coid >= 0, "open: %s", strerror(-coid));
	memset(buf, 0, sizeof(buf));
	n = rm_read(coid, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)sizeof("Hello world\n"));
	ck_assert_str_eq(buf, "Hello world\n");
	/* the offset lives in the OCB: the next read is at end of file */
	ck_assert_int_eq(rm_read(coid, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rm_lseek(coid, 6, SEEK_SET), 6);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rm_read(coid, buf, 5), 5);
	ck_assert_str_eq(buf, "world");
	ck_assert_int_eq(rm_close(coid), 0);

	/* a second open gets its own OCB, at offset 0 */
	coid = rm_open("/dev/sample", O_RDONLY, 1);
	ck_assert_int_ge(coid, _NTO_SIDE_CHANNEL);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rm_read(coid, buf, 5), 5);
	ck_assert_str_eq(buf, "Hello");
	ck_assert_int_eq(rm_close(coid), 0);

	/* paths below a non-DIR registration are not its */
	ck_assert_int_eq(rm_open("/dev/sample/x", O_RDONLY, 0), -ENOENT);
	nto_test_kill(&srv);
}
END_TEST

/* What iofunc_func_init's defaults do. */
START_TEST(test_iofunc_defaults)
{
	static const struct srv_opts o = {.path = "/dev/rm_defaults",
					  .mode = READ_DEFAULT};
	struct nto_test_child srv;
	io_stat_t st;
	struct _io_stat sm = {_IO_STAT, sizeof(sm), 0};
	char buf[16];
	int coid;

	srv_start(&srv, &o);
	coid = rm_open(o.path, O_RDWR, 1);
	ck_assert_msg(coid >= 0, "open: %s", strerror(-coid));
	ck_assert_int_eq(rm_read(coid, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rm_write(coid, "abcdef", 6), 6);
	ck_assert_int_eq(rm_lseek(coid, 3, SEEK_SET), 3);
	ck_assert_int_eq(rm_lseek(coid, 2, SEEK_CUR), 5);
	ck_assert_int_eq(rm_lseek(coid, -1, SEEK_END), 12);
	NTO_ASSERT_FAILS(rm_lseek(coid, -100, SEEK_CUR), EINVAL);
	NTO_ASSERT_FAILS(rm_lseek(coid, 0, 7), EINVAL);
	ck_assert_int_eq(rm_lseek(coid, 0, SEEK_CUR), 12);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(MsgSend(coid, &sm, sizeof(sm), &st.o, sizeof(st.o)),
			 0);
	ck_assert_uint_eq(st.o.st_mode, S_IFNAM | 0666);
	ck_assert_int_eq(st.o.st_size, (long)sizeof("Hello world\n"));
	ck_assert_int_eq(st.o.st_nlink, 1);
	ck_assert_uint_eq(st.o.st_uid, getuid());

	/* no default for _IO_NOTIFY / _IO_MSG: ENOSYS; unknown type:
	 * resmgr other_func (status 4242) */
	NTO_ASSERT_FAILS(rm_simple(coid, _IO_MSG), ENOSYS);
	ck_assert_int_eq(rm_simple(coid, 0x4321), 4242);
	ck_assert_int_eq(rm_close(coid), 0);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 1);

	/* access bits: read-only open cannot write, write-only cannot read */
	coid = rm_open(o.path, O_RDONLY, 1);
	ck_assert_int_ge(coid, 0);
	NTO_ASSERT_FAILS(rm_write(coid, "x", 1), EBADF);
	ck_assert_int_eq(rm_close(coid), 0);
	coid = rm_open(o.path, O_WRONLY, 1);
	ck_assert_int_ge(coid, 0);
	NTO_ASSERT_FAILS(rm_read(coid, buf, 1), EBADF);
	ck_assert_int_eq(rm_write(coid, "x", 1), 1);
	ck_assert_int_eq(rm_close(coid), 0);
	/* O_CREAT|O_EXCL of an existing device */
	ck_assert_int_eq(rm_open(o.path, O_RDWR | O_CREAT | O_EXCL, 1),
			 -EEXIST);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 3);
	nto_test_kill(&srv);
}
END_TEST

/* Messages on a coid that has no open binding get EBADF; a connect for a
 * registration the server does not have gets ENOENT. */
START_TEST(test_ebadf_without_binding)
{
	static const struct srv_opts o = {.path = "/dev/rm_ebadf",
					  .mode = READ_HELLO};
	struct nto_ctl_resolve_ent e;
	struct nto_test_child srv;
	union {
		struct _io_connect c;
		char b[64];
	} m;
	char buf[8];
	int coid, c2;

	srv_start(&srv, &o);
	ck_assert_int_eq(resolve(o.path, &e), 0);
	coid = ConnectAttach(0, e.pid, e.chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(coid, 0);
	NTO_ASSERT_FAILS(rm_read(coid, buf, sizeof(buf)), EBADF);
	NTO_ASSERT_FAILS(rm_simple(coid, _IO_STAT), EBADF);
	NTO_ASSERT_FAILS(rm_simple(coid, _IO_CLOSE), EBADF);

	memset(&m, 0, sizeof(m));
	m.c.type = _IO_CONNECT;
	m.c.subtype = _IO_CONNECT_OPEN;
	m.c.handle = e.handle + 1000;
	m.c.ioflag = _IO_FLAG_RD;
	m.c.path_len = 1;
	NTO_ASSERT_FAILS(MsgSend(coid, &m,
				 offsetof(struct _io_connect, path) + 1, NULL,
				 0),
			 ENOENT);
	/* a connect whose path is not NUL-terminated */
	m.c.handle = e.handle;
	m.c.path_len = 4;
	memcpy(m.b + offsetof(struct _io_connect, path), "abcd", 4);
	NTO_ASSERT_FAILS(MsgSend(coid, &m,
				 offsetof(struct _io_connect, path) + 4, NULL,
				 0),
			 EBADMSG);
	/* a 1-byte message */
	NTO_ASSERT_FAILS(MsgSend(coid, "x", 1, NULL, 0), EINVAL);
	ConnectDetach(coid);

	/* after _IO_CLOSE the coid is unbound again */
	c2 = rm_open(o.path, O_RDONLY, 1);
	ck_assert_int_ge(c2, 0);
	ck_assert_int_eq(rm_simple(c2, _IO_CLOSE), 0);
	NTO_ASSERT_FAILS(rm_read(c2, buf, sizeof(buf)), EBADF);
	ConnectDetach(c2);
	nto_test_kill(&srv);
}
END_TEST

/* A client opens on side-channel and fd-space coids, then is killed: the
 * server closes every one of its OCBs (fd-space: ipcd's _IO_CLOSE;
 * side-channel: the DISCONNECT pulse). */
static int opener_child(const struct nto_test_link *l, void *arg)
{
	const char *path = arg;
	char buf[4];
	int64_t v;
	int i, coid;

	for (i = 0; i < 3; i++) {
		coid = rm_open(path, O_RDONLY, i != 1);
		NTO_CHILD_ASSERT_INT(coid, >=, 0);
		NTO_CHILD_ASSERT_INT(rm_read(coid, buf, sizeof(buf)), ==, 4);
	}
	nto_test_put(l->wr, 1);
	nto_test_get(l->rd, &v, W); /* killed here */
	return 0;
}

START_TEST(test_disconnect_closes_ocbs)
{
	static const struct srv_opts o = {.path = "/dev/rm_death",
					  .mode = READ_HELLO};
	struct nto_test_child srv, cl;

	srv_start(&srv, &o);
	nto_test_fork(&cl, opener_child, (void *)o.path);
	ck_assert_int_eq(nto_test_take(cl.rd, W), 1);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 0);
	nto_test_kill(&cl);
	ck_assert_int_eq(nto_test_poll_int(&shm->close_ocb, 3), 3);
	ck_assert_int_eq(nto_test_poll_int(&shm->close_dup, 3), 3);

	/* and the server still serves others */
	{
		char buf[4];
		int coid = rm_open(o.path, O_RDONLY, 1);

		ck_assert_int_ge(coid, 0);
		ck_assert_int_eq(rm_read(coid, buf, 4), 4);
		/* name_close-style detach without _IO_CLOSE: DISCONNECT */
		ConnectDetach(coid);
		ck_assert_int_eq(nto_test_poll_int(&shm->close_ocb, 4), 4);
	}
	nto_test_kill(&srv);
}
END_TEST

/* _IO_DUP makes a second coid share the first one's OCB (and offset);
 * close_ocb runs when the last of them closes. */
START_TEST(test_dup_shares_ocb)
{
	static const struct srv_opts o = {.path = "/dev/rm_dup",
					  .mode = READ_HELLO};
	struct nto_ctl_resolve_ent e;
	struct nto_test_child srv;
	struct _server_info si;
	io_dup_t d;
	char buf[16];
	int c1, c2;

	srv_start(&srv, &o);
	c1 = rm_open(o.path, O_RDONLY, 1);
	ck_assert_int_ge(c1, 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rm_read(c1, buf, 6), 6);
	ck_assert_str_eq(buf, "Hello ");

	ck_assert_int_eq(resolve(o.path, &e), 0);
	c2 = ConnectAttach(0, e.pid, e.chid, _NTO_SIDE_CHANNEL, 0);
	ck_assert_int_ge(c2, 0);
	ck_assert_int_ne(ConnectServerInfo(0, c1, &si), -1);
	memset(&d, 0, sizeof(d));
	d.i.type = _IO_DUP;
	d.i.combine_len = sizeof(d.i);
	d.i.info.nd = 0;
	d.i.info.pid = e.pid;
	d.i.info.chid = e.chid;
	d.i.info.scoid = si.scoid;
	d.i.info.coid = c1;
	ck_assert_int_eq(MsgSend(c2, &d.i, sizeof(d.i), NULL, 0), 0);

	/* shared offset */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rm_read(c2, buf, 5), 5);
	ck_assert_str_eq(buf, "world");
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rm_read(c1, buf, 1), 1);
	ck_assert_str_eq(buf, "\n");

	/* dup of a coid that has no binding */
	d.i.info.coid = c2 + 1000;
	NTO_ASSERT_FAILS(MsgSend(c2, &d.i, sizeof(d.i), NULL, 0), EBADF);

	ck_assert_int_eq(rm_close(c1), 0);
	ck_assert_int_eq(atomic_load(&shm->close_dup), 1);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 0);
	ck_assert_int_eq(rm_lseek(c2, 0, SEEK_SET), 0);
	ck_assert_int_eq(rm_read(c2, buf, 5), 5);
	ck_assert_int_eq(rm_close(c2), 0);
	ck_assert_int_eq(atomic_load(&shm->close_dup), 2);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 1);
	nto_test_kill(&srv);
}
END_TEST

/* A REPLY-blocked client that times out makes the kernel send UNBLOCK:
 * the binding's io unblock handler answers it (here EINTR). */
START_TEST(test_unblock_handler)
{
	static const struct srv_opts o = {.path = "/dev/rm_hold",
					  .mode = READ_HOLD};
	struct nto_test_child srv;
	_Uint64t ns = 100 * 1000 * 1000ull;
	char buf[4];
	int coid;

	srv_start(&srv, &o);
	coid = rm_open(o.path, O_RDONLY, 1);
	ck_assert_int_ge(coid, 0);
	ck_assert_int_ne(TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL,
				      &ns, NULL),
			 -1);
	NTO_ASSERT_FAILS(rm_read(coid, buf, sizeof(buf)), EINTR);
	ck_assert_int_eq(atomic_load(&shm->unblocks), 1);
	ck_assert_int_eq(atomic_load(&shm->msgs), 1);
	ck_assert_int_eq(rm_close(coid), 0);
	nto_test_kill(&srv);
}
END_TEST

/* Several clients are served at once by a thread pool: each read waits in
 * the server until all of them are in progress. */
struct pool_client {
	const char *path;
	int coid;
	int result;
	int err;
};

static void *pool_client_thread(void *arg)
{
	struct pool_client *pc = arg;
	char c = 0;

	pc->result = rm_read(pc->coid, &c, 1);
	pc->err = errno;
	if (pc->result == 1 && c != 'x')
		pc->result = -2;
	return NULL;
}

START_TEST(test_thread_pool_concurrent)
{
	enum { N = 4 };
	static const struct srv_opts o = {.path = "/dev/rm_pool",
					  .mode = READ_BARRIER,
					  .barrier = N,
					  .pool = 1};
	struct nto_test_child srv;
	struct pool_client pc[N];
	pthread_t t[N];
	uint64_t t0, dt;
	int i;

	srv_start(&srv, &o);
	for (i = 0; i < N; i++) {
		pc[i].path = o.path;
		pc[i].coid = rm_open(o.path, O_RDONLY, 1);
		ck_assert_int_ge(pc[i].coid, 0);
	}
	t0 = nto_test_now_ns();
	for (i = 0; i < N; i++)
		ck_assert_int_eq(
			pthread_create(&t[i], NULL, pool_client_thread, &pc[i]),
			0);
	for (i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	dt = nto_test_now_ns() - t0;
	for (i = 0; i < N; i++)
		ck_assert_msg(pc[i].result == 1, "client %d: %d (%s)", i,
			      pc[i].result, strerror(pc[i].err));
	/* all N were in the server together, and none waited for the 5 s
	 * barrier timeout */
	ck_assert_int_ge(atomic_load(&shm->maxinflight), N);
	ck_assert_msg(dt < 4000000000ull, "took %llu ms",
		      (unsigned long long)(dt / 1000000));
	for (i = 0; i < N; i++)
		ck_assert_int_eq(rm_close(pc[i].coid), 0);
	ck_assert_int_eq(atomic_load(&shm->close_ocb), N);
	nto_test_kill(&srv);
}
END_TEST

/* message_attach and pulse_attach handlers on a name_attach'ed dispatch. */
#define MSG_ECHO 0x2000
static int echo_handler(message_context_t *ctp, int code, unsigned flags,
			void *handle)
{
	atomic_fetch_add(&shm->msgs, 1);
	/* reply the message back, status = type + handle */
	MsgReply(ctp->rcvid, code + (int)(intptr_t)handle, ctp->msg,
		 ctp->info.msglen);
	return 0;
}

static int pulse_handler(message_context_t *ctp, int code, unsigned flags,
			 void *handle)
{
	atomic_store(&shm->pulse_code, code);
	atomic_store(&shm->pulse_value, ctp->msg->pulse.value.sival_int);
	atomic_fetch_add(&shm->pulses, 1);
	return 0;
}

static int router_main(const struct nto_test_link *l, void *arg)
{
	dispatch_context_t *ctp;
	name_attach_t *na;
	dispatch_t *dpp;
	int code;

	dpp = dispatch_create();
	NTO_CHILD_ASSERT(dpp != NULL);
	NTO_CHILD_ASSERT(message_attach(dpp, NULL, MSG_ECHO, MSG_ECHO + 0xff,
					echo_handler, (void *)1) == 0);
	code = pulse_attach(dpp, MSG_FLAG_ALLOC_PULSE, 0, pulse_handler, NULL);
	NTO_CHILD_ASSERT_INT(code, >=, _PULSE_CODE_MINAVAIL);
	NTO_CHILD_ASSERT_INT(code, <=, _PULSE_CODE_MAXAVAIL);
	NTO_CHILD_ASSERT_INT(pulse_attach(dpp, 0, 99, pulse_handler, NULL), ==,
			     99);
	/* a second allocation gets another code */
	NTO_CHILD_ASSERT_INT(
		pulse_attach(dpp, MSG_FLAG_ALLOC_PULSE, 0, pulse_handler, NULL),
		!=, code);
	na = name_attach(dpp, "rm_router", 0);
	NTO_CHILD_ASSERT(na != NULL);
	ctp = dispatch_context_alloc(dpp);
	NTO_CHILD_ASSERT(ctp != NULL);
	nto_test_put(l->wr, code);
	for (;;) {
		ctp = dispatch_block(ctp);
		NTO_CHILD_ASSERT(ctp != NULL);
		dispatch_handler(ctp);
	}
}

START_TEST(test_message_pulse_routing)
{
	struct nto_test_child srv;
	struct {
		_Uint16t type;
		_Uint16t pad;
		char text[12];
	} m = {MSG_ECHO + 5, 0, "ping"}, r;
	char buf[8];
	int coid, code;

	shm = nto_test_shared(sizeof(*shm));
	nto_test_fork(&srv, router_main, NULL);
	code = (int)nto_test_take(srv.rd, W);
	coid = name_open("rm_router", 0);
	ck_assert_msg(coid >= _NTO_SIDE_CHANNEL, "name_open: %s",
		      strerror(errno));

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)),
			 MSG_ECHO + 5 + 1);
	ck_assert_str_eq(r.text, "ping");
	/* a type nobody attached */
	m.type = MSG_ECHO + 0x100;
	NTO_ASSERT_FAILS(MsgSend(coid, &m, sizeof(m), NULL, 0), ENOSYS);
	/* I/O messages go to the resmgr layer: no binding here */
	NTO_ASSERT_FAILS(rm_read(coid, buf, sizeof(buf)), EBADF);
	ck_assert_int_eq(atomic_load(&shm->msgs), 1);

	ck_assert_int_eq(MsgSendPulse(coid, -1, code, 1234), 0);
	ck_assert_int_eq(nto_test_poll_int(&shm->pulses, 1), 1);
	ck_assert_int_eq(atomic_load(&shm->pulse_code), code);
	ck_assert_int_eq(atomic_load(&shm->pulse_value), 1234);
	ck_assert_int_eq(MsgSendPulse(coid, -1, 99, 7), 0);
	ck_assert_int_eq(nto_test_poll_int(&shm->pulses, 2), 2);
	ck_assert_int_eq(atomic_load(&shm->pulse_code), 99);
	ck_assert_int_eq(atomic_load(&shm->pulse_value), 7);
	/* an unattached code is dropped; the server goes on */
	ck_assert_int_eq(MsgSendPulse(coid, -1, 100, 8), 0);
	memset(&r, 0, sizeof(r));
	m.type = MSG_ECHO;
	ck_assert_int_eq(MsgSend(coid, &m, sizeof(m), &r, sizeof(r)),
			 MSG_ECHO + 1);
	ck_assert_int_eq(atomic_load(&shm->pulses), 2);
	ck_assert_int_eq(name_close(coid), 0);
	nto_test_kill(&srv);
}
END_TEST

static int no_handler(message_context_t *ctp, int code, unsigned flags,
		      void *handle)
{
	return 0;
}

/* Local API behaviour: dispatch_timeout, attach argument checks, detach. */
START_TEST(test_dispatch_local)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	uint64_t t0;
	int death;

	/* another channel already is the process's death channel: the
	 * dispatch channel is created without _NTO_CHF_COID_DISCONNECT (no
	 * EBUSY), and COIDDEATH pulses cannot be attached to it */
	death = ChannelCreate(_NTO_CHF_COID_DISCONNECT);
	ck_assert_int_gt(death, 0);
	dpp = dispatch_create();
	ck_assert_ptr_nonnull(dpp);
	NTO_ASSERT_FAILS(
		pulse_attach(dpp, 0, _PULSE_CODE_COIDDEATH, no_handler, NULL),
		EBUSY);
	ck_assert_int_eq(dispatch_destroy(dpp), 0);
	ck_assert_int_eq(ChannelDestroy(death), 0);
	/* now the dispatch channel takes the role */
	dpp = dispatch_create();
	ck_assert_ptr_nonnull(dpp);
	ck_assert_int_eq(
		pulse_attach(dpp, 0, _PULSE_CODE_COIDDEATH, no_handler, NULL),
		_PULSE_CODE_COIDDEATH);
	ck_assert_int_eq(dispatch_destroy(dpp), 0);

	dpp = dispatch_create();
	ck_assert_ptr_nonnull(dpp);
	/* no channel yet: no context */
	ck_assert_ptr_null(dispatch_context_alloc(dpp));
	ck_assert_int_eq(errno, EINVAL);
	NTO_ASSERT_FAILS(message_attach(dpp, NULL, 10, 5, no_handler, NULL),
			 EINVAL);
	ck_assert_int_eq(
		message_attach(dpp, NULL, 0x5000, 0x5010, no_handler, NULL), 0);
	ck_assert_int_eq(pulse_attach(dpp, 0, 3, no_handler, NULL), 3);
	ck_assert_int_eq(pulse_detach(dpp, 3, 0), 0);
	NTO_ASSERT_FAILS(pulse_detach(dpp, 3, 0), EINVAL);
	ck_assert_int_eq(message_detach(dpp, 0x5000, 0x5010, 0), 0);
	NTO_ASSERT_FAILS(resmgr_detach(dpp, 12345, 0), EINVAL);
	NTO_ASSERT_FAILS(resmgr_attach(dpp, NULL, "relative", _FTYPE_ANY, 0,
				       NULL, NULL, NULL),
			 EINVAL);

	ck_assert_int_eq(dispatch_timeout(dpp, &ts), 0);
	ctp = dispatch_context_alloc(dpp);
	ck_assert_ptr_nonnull(ctp);
	t0 = nto_test_now_ns();
	errno = 0;
	ck_assert_ptr_eq(dispatch_block(ctp), ctp);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_eq(ctp->resmgr_context.rcvid, -1);
	ck_assert_uint_ge(nto_test_now_ns() - t0, 40 * 1000 * 1000ull);
	ck_assert_int_eq(dispatch_handler(ctp), -1);
	ck_assert_int_eq(dispatch_handler(NULL), -1);
	dispatch_context_free(ctp);
	ck_assert_int_eq(dispatch_destroy(dpp), 0);
}
END_TEST

/*
 * open() that allows for the POSIX layer's "ipcd was unreachable less than
 * a second ago" cache: this process's own early opens (before the fixture
 * started ipcd) can leave it set, and open() then goes to libc (ENOENT)
 * although the path is registered. Bounded poll of that condition.
 */
static int posix_open(const char *path, int oflag)
{
	uint64_t end = nto_test_now_ns() + 2000000000ull;
	struct timespec ts = {0, 5000000};
	int fd;

	while ((fd = open(path, oflag)) == -1 && errno == ENOENT &&
	       nto_test_now_ns() < end)
		nanosleep(&ts, NULL);
	return fd;
}

/* The same sample through the POSIX layer: open/read/lseek/fstat/dup. */
START_TEST(test_sample_posix)
{
	struct nto_test_child srv;
	struct stat st;
	char buf[64];
	int fd, fd2;

	nto_test_fork(&srv, sample_child, NULL);
	ck_assert_int_eq(nto_path_wait("/dev/sample", W), 0);
	fd = posix_open("/dev/sample", O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), (int)sizeof(buffer));
	ck_assert_str_eq(buf, "Hello world\n");
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFNAM | 0666);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(buffer));
	fd2 = dup(fd);
	ck_assert_msg(fd2 >= 0, "dup: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(fd2, buf, 5), 5); /* the dup shares the offset */
	ck_assert_str_eq(buf, "world");
	ck_assert_int_eq(close(fd), 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(fd2, buf, 1), 1);
	ck_assert_str_eq(buf, "\n");
	ck_assert_int_eq(close(fd2), 0);
	nto_test_kill(&srv);
}
END_TEST

/* A _RESMGR_FLAG_DIR registration owns the paths below it; the connect
 * handler sees the remainder after the registered prefix. */
START_TEST(test_dir_registration)
{
	static const struct srv_opts o = {.path = "/dev/rm_dir",
					  .mode = READ_HELLO,
					  .flags = _RESMGR_FLAG_DIR,
					  .want = "a/b"};
	struct nto_test_child srv;
	char buf[8];
	int coid;

	srv_start(&srv, &o);
	coid = rm_open("/dev/rm_dir/a/b", O_RDONLY, 1);
	ck_assert_msg(coid >= 0, "open: %s", strerror(-coid));
	ck_assert_int_eq(rm_read(coid, buf, 5), 5);
	ck_assert_int_eq(rm_close(coid), 0);
	ck_assert_int_eq(rm_open("/dev/rm_dir/zz", O_RDONLY, 1), -ENOENT);
	ck_assert_int_eq(rm_open("/dev/rm_dir", O_RDONLY, 1), -ENOENT);
	nto_test_kill(&srv);
}
END_TEST

/* Combined messages: stat(path) as _IO_CONNECT_COMBINE_CLOSE + _IO_STAT,
 * and an _IO_LSEEK combined with an _IO_READ in one send. */
START_TEST(test_combine)
{
	static const struct srv_opts o = {.path = "/dev/rm_combine",
					  .mode = READ_HELLO};
	struct _io_stat sm = {_IO_STAT, sizeof(sm), 0};
	struct nto_test_child srv;
	struct {
		struct _io_lseek l;
		struct _io_read r;
	} cm;
	struct stat st;
	char buf[16];
	int coid = -1;

	srv_start(&srv, &o);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(rm_connect(o.path, _IO_CONNECT_COMBINE_CLOSE, O_RDONLY,
				    1, &sm, sizeof(sm), &st, sizeof(st), &coid),
			 0);
	ck_assert_uint_eq(st.st_mode, S_IFNAM | 0666);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(buffer));
	/* opened, stat'ed and closed again in one message */
	ck_assert_int_eq(atomic_load(&shm->close_ocb), 1);
	NTO_ASSERT_FAILS(rm_read(coid, buf, 1), EBADF);
	ConnectDetach(coid);

	coid = rm_open(o.path, O_RDONLY, 1);
	ck_assert_int_ge(coid, 0);
	memset(&cm, 0, sizeof(cm));
	cm.l.type = _IO_LSEEK;
	cm.l.combine_len = sizeof(cm.l) | _IO_COMBINE_FLAG;
	cm.l.whence = SEEK_SET;
	cm.l.offset = 6;
	cm.r.type = _IO_READ;
	cm.r.combine_len = sizeof(cm.r);
	cm.r.nbytes = 5;
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(MsgSend(coid, &cm, sizeof(cm), buf, 5), 5);
	ck_assert_str_eq(buf, "world");
	ck_assert_int_eq(rm_close(coid), 0);
	nto_test_kill(&srv);
}
END_TEST

/* thread_pool_destroy wakes the blocked threads and waits for them. */
static atomic_int tp_allocs, tp_frees;

static dispatch_context_t *tp_alloc(dispatch_t *dpp)
{
	atomic_fetch_add(&tp_allocs, 1);
	return dispatch_context_alloc(dpp);
}

static void tp_free(dispatch_context_t *ctp)
{
	atomic_fetch_add(&tp_frees, 1);
	dispatch_context_free(ctp);
}

START_TEST(test_thread_pool_destroy)
{
	thread_pool_attr_t pa;
	thread_pool_t *pool;
	dispatch_t *dpp;
	uint64_t t0;

	dpp = dispatch_create();
	ck_assert_ptr_nonnull(dpp);
	ck_assert_int_eq(
		message_attach(dpp, NULL, 0x6000, 0x6000, no_handler, NULL), 0);
	memset(&pa, 0, sizeof(pa));
	pa.handle = dpp;
	pa.context_alloc = tp_alloc;
	pa.block_func = dispatch_block;
	pa.unblock_func = dispatch_unblock;
	pa.handler_func = dispatch_handler;
	pa.context_free = tp_free;
	pa.lo_water = 3;
	pa.increment = 1;
	pa.hi_water = 5;
	pa.maximum = 8;
	NTO_ASSERT_FAILS(thread_pool_start(NULL), EINVAL);
	pool = thread_pool_create(&pa, 0);
	ck_assert_ptr_nonnull(pool);
	ck_assert_int_eq(thread_pool_start(pool), 0);
	NTO_ASSERT_FAILS(thread_pool_start(pool), EINVAL);
	ck_assert_int_eq(nto_test_poll_int(&tp_allocs, 3), 3);
	t0 = nto_test_now_ns();
	ck_assert_int_eq(thread_pool_destroy(pool), 0);
	ck_assert_uint_lt(nto_test_now_ns() - t0, 5000000000ull);
	ck_assert_int_eq(atomic_load(&tp_frees), atomic_load(&tp_allocs));
	ck_assert_int_eq(dispatch_destroy(dpp), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resmgr");
	TCase *tc = nto_test_tcase("core");

	tcase_add_test(tc, test_sample_read);
	tcase_add_test(tc, test_iofunc_defaults);
	tcase_add_test(tc, test_ebadf_without_binding);
	tcase_add_test(tc, test_disconnect_closes_ocbs);
	tcase_add_test(tc, test_dup_shares_ocb);
	tcase_add_test(tc, test_unblock_handler);
	tcase_add_test(tc, test_thread_pool_concurrent);
	tcase_add_test(tc, test_message_pulse_routing);
	tcase_add_test(tc, test_dispatch_local);
	tcase_add_test(tc, test_sample_posix);
	tcase_add_test(tc, test_dir_registration);
	tcase_add_test(tc, test_combine);
	tcase_add_test(tc, test_thread_pool_destroy);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
