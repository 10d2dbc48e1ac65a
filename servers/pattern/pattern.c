/*
 * ntosim-pattern's resource manager: a read-only device at one path whose
 * byte at offset k is pattern_byte_seed(seed, k) (pattern.h), `size` bytes
 * long, with an optional delay before each read's reply so tests can kill
 * the server while a client is REPLY-blocked. Option parsing is in main.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>

#include "pattern.h"
#include "srvutil.h"

/* Reads up to this size are generated into one buffer and replied in one
 * MsgReply; longer ones are written into the client's buffer chunk by chunk
 * with MsgWrite and finished with an empty reply. */
#define PATTERN_CHUNK (256u * 1024u)

struct pattern_dev {
	iofunc_attr_t attr; /* first: handlers get &attr and find the device */
	iofunc_mount_t mount;
	resmgr_connect_funcs_t cfuncs;
	resmgr_io_funcs_t iofuncs;
	const struct pattern_opts *opts;
	uint8_t *buf; /* PATTERN_CHUNK bytes */
};

static struct pattern_dev *dev_of(iofunc_attr_t *attr)
{
	return (struct pattern_dev *)(void *)attr;
}

/* A read-only device: any open for writing is refused with EROFS. */
static int pattern_open(resmgr_context_t *ctp, io_open_t *msg,
			iofunc_attr_t *attr, void *extra)
{
	int rc;

	if (msg->connect.ioflag & _IO_FLAG_WR)
		return EROFS;
	rc = iofunc_open_default(ctp, msg, attr, extra);
	if (rc == EOK)
		srv_vlog("open by pid %d (%u open)", (int)ctp->info.pid,
			 (unsigned)attr->count);
	return rc;
}

static int pattern_close_ocb(resmgr_context_t *ctp, void *reserved,
			     iofunc_ocb_t *ocb)
{
	struct pattern_dev *d = dev_of(ocb->attr);
	int rc = iofunc_close_ocb_default(ctp, reserved, ocb);

	srv_vlog("close (%u open)", (unsigned)d->attr.count);
	return rc;
}

static void delay_us(unsigned us)
{
	struct timespec ts = {(time_t)(us / 1000000u),
			      (long)(us % 1000000u) * 1000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int pattern_read(resmgr_context_t *ctp, io_read_t *msg,
			iofunc_ocb_t *ocb)
{
	struct pattern_dev *d = dev_of(ocb->attr);
	uint64_t size = d->opts->size, off, n, done;
	struct _xtype_offset xo;
	int rc, nonblock, pread = 0;

	rc = iofunc_read_verify(ctp, msg, ocb, &nonblock);
	if (rc != EOK)
		return rc;
	switch (msg->i.xtype & _IO_XTYPE_MASK) {
	case _IO_XTYPE_NONE:
		off = (uint64_t)ocb->offset;
		break;
	case _IO_XTYPE_OFFSET: /* pread: the offset follows the header */
		if (resmgr_msgread(ctp, &xo, sizeof xo, sizeof msg->i) !=
			    (int)sizeof xo ||
		    xo.offset < 0)
			return EINVAL;
		off = (uint64_t)xo.offset;
		pread = 1;
		break;
	default:
		return ENOSYS;
	}
	if (msg->i.nbytes < 0)
		return EINVAL;
	n = off < size ? size - off : 0;
	if (n > (uint64_t)msg->i.nbytes)
		n = (uint64_t)msg->i.nbytes;
	/* never claim (or count in the offset) more than the client's reply
	 * buffer takes */
	if (ctp->info.dstmsglen >= 0 && n > (uint64_t)ctp->info.dstmsglen)
		n = (uint64_t)ctp->info.dstmsglen;
	srv_vlog("read of %" PRIu64 " bytes at %" PRIu64 " by pid %d", n, off,
		 (int)ctp->info.pid);
	if (d->opts->delay_us)
		delay_us(d->opts->delay_us);
	if (!pread)
		ocb->offset = (int64_t)(off + n);
	ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	_IO_SET_READ_NBYTES(ctp, (int)n);
	if (n <= PATTERN_CHUNK) {
		pattern_fill(d->opts->seed, off, d->buf, (size_t)n);
		return _RESMGR_PTR(ctp, d->buf, (size_t)n);
	}
	for (done = 0; done < n;) {
		size_t c = n - done < PATTERN_CHUNK ? (size_t)(n - done)
						    : PATTERN_CHUNK;
		pattern_fill(d->opts->seed, off + done, d->buf, c);
		if (resmgr_msgwrite(ctp, d->buf, (int)c, (int)done) < 0)
			return errno; /* the client is gone: nobody to tell */
		done += c;
	}
	return EOK; /* an empty reply with status n: the data is in place */
}

static int pattern_devctl(resmgr_context_t *ctp, io_devctl_t *msg,
			  iofunc_ocb_t *ocb)
{
	int count = ocb->attr->count;

	if (msg->i.dcmd != PATTERN_DCMD_OCB_COUNT)
		return iofunc_devctl_default(ctp, msg, ocb);
	memset(&msg->o, 0, sizeof msg->o);
	msg->o.ret_val = count;
	ctp->status = EOK;
	return _RESMGR_PTR(ctp, &msg->o, sizeof msg->o);
}

int pattern_serve(const struct pattern_opts *opts)
{
	static struct pattern_dev d;
	resmgr_attr_t rattr;
	dispatch_context_t *ctp = NULL;
	dispatch_t *dpp;
	int id, rc = 1;

	srv_log_init("ntosim-pattern", opts->verbose);
	d.opts = opts;
	d.buf = malloc(PATTERN_CHUNK);
	if (!d.buf) {
		srv_log("out of memory");
		return 1;
	}
	dpp = dispatch_create();
	if (!dpp) {
		srv_log("dispatch_create: %s", strerror(errno));
		goto out;
	}
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &d.cfuncs, _RESMGR_IO_NFUNCS,
			 &d.iofuncs);
	d.cfuncs.open = pattern_open;
	d.iofuncs.read = pattern_read;
	d.iofuncs.devctl = pattern_devctl;
	d.iofuncs.close_ocb = pattern_close_ocb;

	iofunc_attr_init(&d.attr, S_IFCHR | 0444, NULL, NULL);
	d.mount.flags = _MOUNT_READONLY;
	d.mount.blocksize = 64 * 1024; /* st_blksize: what cat/dd read at */
	d.attr.mount = &d.mount;
	d.attr.nbytes = (int64_t)opts->size;
	d.attr.inode = 1;

	memset(&rattr, 0, sizeof rattr);
	rattr.nparts_max = 1;
	rattr.msg_max_size = 2048;
	/* Everything is ready: registering the path is the last step, so a
	 * client that sees it (nto_path_wait, a restart manager) can use it. */
	id = resmgr_attach(dpp, &rattr, opts->path, _FTYPE_ANY, 0, &d.cfuncs,
			   &d.iofuncs, &d.attr);
	if (id < 0) {
		srv_log("resmgr_attach %s: %s", opts->path, strerror(errno));
		goto out;
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp) {
		srv_log("dispatch_context_alloc: %s", strerror(errno));
		goto out;
	}
	srv_vlog("serving %s: %" PRIu64 " bytes, seed %" PRIu64
		 ", %u us per read",
		 opts->path, opts->size, opts->seed, opts->delay_us);
	rc = srv_dispatch_loop(ctp);
out:
	srv_dispatch_free(dpp, ctp);
	free(d.buf);
	d.buf = NULL;
	return rc;
}
