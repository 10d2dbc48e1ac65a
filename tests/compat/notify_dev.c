/*
 * notify_dev: a resource manager written the way QNX's "Handling
 * ionotify() and select()" documentation writes one. PATH is a device
 * that becomes readable when a writer writes (io_write appends and calls
 * iofunc_notify_trigger; io_read takes the bytes; it is always writable);
 * PATH-stats reads back "armed=N", the number of notification entries
 * armed on the device. With -n, io_close_dup does not call
 * iofunc_notify_remove, to show the framework drops a departed client's
 * entries by itself. Prints "armed" (flushed) whenever io_notify arms one.
 * Usage: notify_dev [-n] PATH
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct device;
#define IOFUNC_ATTR_T struct device
#include <sys/iofunc.h>
#include <sys/dispatch.h>

struct device {
	iofunc_attr_t attr;
	iofunc_notify_t notify[3];
	char buf[4096];
	int len;
};

static struct device dev, stats;
static int no_remove;

static int io_write(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb)
{
	struct device *d = ocb->attr;
	int status, nonblock, n;

	status = iofunc_write_verify(ctp, msg, (iofunc_ocb_t *)ocb, &nonblock);
	if (status != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	n = msg->i.nbytes;
	if (n > (int)sizeof(d->buf) - d->len)
		n = (int)sizeof(d->buf) - d->len;
	if (n > 0 &&
	    resmgr_msgread(ctp, d->buf + d->len, n, sizeof(msg->i)) != n)
		return EFAULT;
	d->len += n;
	_IO_SET_WRITE_NBYTES(ctp, n);
	/* the device has data now: wake whoever waits for input */
	if (IOFUNC_NOTIFY_INPUT_CHECK(d->notify, d->len, 1))
		iofunc_notify_trigger(d->notify, d->len, IOFUNC_NOTIFY_INPUT);
	return EOK;
}

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	struct device *d = ocb->attr;
	int status, nonblock, n;

	status = iofunc_read_verify(ctp, msg, (iofunc_ocb_t *)ocb, &nonblock);
	if (status != EOK)
		return status;
	if (d->len == 0)
		return EAGAIN; /* nothing yet: wait with select() or poll() */
	n = msg->i.nbytes < d->len ? msg->i.nbytes : d->len;
	MsgReply(ctp->rcvid, n, d->buf, n);
	memmove(d->buf, d->buf + n, (size_t)(d->len - n));
	d->len -= n;
	return _RESMGR_NOREPLY;
}

static int io_notify(resmgr_context_t *ctp, io_notify_t *msg, RESMGR_OCB_T *ocb)
{
	struct device *d = ocb->attr;
	int trig = _NOTIFY_COND_OUTPUT; /* always room to write */
	int armed = 0, status;

	if (d->len > 0)
		trig |= _NOTIFY_COND_INPUT;
	status = iofunc_notify(ctp, msg, d->notify, trig, NULL, &armed);
	if (armed) {
		printf("armed\n");
		fflush(stdout);
	}
	return status;
}

static int io_close_dup(resmgr_context_t *ctp, io_close_t *msg,
			RESMGR_OCB_T *ocb)
{
	struct device *d = ocb->attr;

	/* a client closing (or gone) must not stay armed */
	if (!no_remove)
		iofunc_notify_remove(ctp, d->notify);
	return iofunc_close_dup_default(ctp, msg, (iofunc_ocb_t *)ocb);
}

static int armed_count(void)
{
	iofunc_notify_event_t *e;
	int i, n = 0;

	for (i = 0; i < 3; i++)
		for (e = dev.notify[i].list; e; e = e->next)
			n++;
	return n;
}

static int stats_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	char line[64];
	int n;

	if (ocb->offset > 0)
		return _RESMGR_PTR(ctp, line, 0);
	n = snprintf(line, sizeof(line), "armed=%d\n", armed_count());
	if (n > msg->i.nbytes)
		n = msg->i.nbytes;
	ocb->offset += n;
	MsgReply(ctp->rcvid, n, line, n);
	return _RESMGR_NOREPLY;
}

int main(int argc, char **argv)
{
	static resmgr_connect_funcs_t connect_funcs, stats_connect;
	static resmgr_io_funcs_t io_funcs, stats_io;
	resmgr_attr_t rattr;
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	char spath[256];
	const char *path;
	int opt;

	while ((opt = getopt(argc, argv, "n")) != -1) {
		if (opt == 'n')
			no_remove = 1;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: notify_dev [-n] PATH\n");
		return 2;
	}
	path = argv[optind];
	snprintf(spath, sizeof(spath), "%s-stats", path);

	dpp = dispatch_create();
	if (!dpp) {
		perror("dispatch_create");
		return 1;
	}
	memset(&rattr, 0, sizeof(rattr));
	rattr.nparts_max = 1;
	rattr.msg_max_size = 2048;

	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;
	io_funcs.write = io_write;
	io_funcs.notify = io_notify;
	io_funcs.close_dup = io_close_dup;
	iofunc_attr_init(&dev.attr, S_IFNAM | 0666, NULL, NULL);
	IOFUNC_NOTIFY_INIT(dev.notify);
	if (resmgr_attach(dpp, &rattr, path, _FTYPE_ANY, 0, &connect_funcs,
			  &io_funcs, &dev) == -1) {
		perror("resmgr_attach");
		return 1;
	}

	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &stats_connect,
			 _RESMGR_IO_NFUNCS, &stats_io);
	stats_io.read = stats_read;
	iofunc_attr_init(&stats.attr, S_IFNAM | 0444, NULL, NULL);
	IOFUNC_NOTIFY_INIT(stats.notify);
	if (resmgr_attach(dpp, &rattr, spath, _FTYPE_ANY, 0, &stats_connect,
			  &stats_io, &stats) == -1) {
		perror("resmgr_attach stats");
		return 1;
	}

	ctp = dispatch_context_alloc(dpp);
	if (!ctp) {
		perror("dispatch_context_alloc");
		return 1;
	}
	for (;;) {
		if (!(ctp = dispatch_block(ctp))) {
			perror("dispatch_block");
			return 1;
		}
		dispatch_handler(ctp);
	}
}
