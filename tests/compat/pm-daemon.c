/*
 * A resource manager written the way QNX's documentation writes one, that
 * runs in the background with procmgr_daemon(): either after its
 * resmgr_attach (the order real QNX servers use) or before it. Each read
 * of its path answers "pid=<its pid>\n", so a client sees who serves it.
 *
 * usage: pm-daemon attach-first|daemon-first PATH STATUS FLAGS KEEPFILE
 * FLAGS is the PROCMGR_DAEMON_* mask; KEEPFILE is opened (and left open)
 * before daemonizing, so the test can see whether it was closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/iofunc.h> /* first: it makes RESMGR_OCB_T an iofunc OCB */
#include <sys/dispatch.h>
#include <sys/procmgr.h>
#include <sys/resmgr.h>
#include <unistd.h>

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t attr;

static int io_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static char buf[64];
	int status, nonblock, n;

	if ((status = iofunc_read_verify(ctp, msg, ocb, &nonblock)) != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	n = snprintf(buf, sizeof(buf), "pid=%d\n", (int)getpid());
	if (ocb->offset >= n) {
		_IO_SET_READ_NBYTES(ctp, 0);
		return _RESMGR_NPARTS(0);
	}
	n -= (int)ocb->offset;
	if (n > msg->i.nbytes)
		n = msg->i.nbytes;
	_IO_SET_READ_NBYTES(ctp, n);
	SETIOV(ctp->iov, buf + ocb->offset, n);
	ocb->offset += n;
	return _RESMGR_NPARTS(1);
}

static int attach(dispatch_t *dpp, const char *path)
{
	resmgr_attr_t resmgr_attr;

	memset(&resmgr_attr, 0, sizeof resmgr_attr);
	resmgr_attr.nparts_max = 1;
	resmgr_attr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.read = io_read;
	iofunc_attr_init(&attr, S_IFNAM | 0666, NULL, NULL);
	if (resmgr_attach(dpp, &resmgr_attr, path, _FTYPE_ANY, 0,
			  &connect_funcs, &io_funcs, &attr) == -1) {
		fprintf(stderr, "resmgr_attach: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	int attach_first, status;
	unsigned flags;

	if (argc != 6) {
		fprintf(stderr,
			"usage: %s attach-first|daemon-first PATH "
			"STATUS FLAGS KEEPFILE\n",
			argv[0]);
		return 2;
	}
	attach_first = strcmp(argv[1], "attach-first") == 0;
	status = atoi(argv[3]);
	flags = (unsigned)strtoul(argv[4], NULL, 0);
	if (open(argv[5], O_RDONLY) == -1) {
		perror(argv[5]);
		return 2;
	}
	if ((dpp = dispatch_create()) == NULL) {
		fprintf(stderr, "dispatch_create: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (attach_first && attach(dpp, argv[2]) == -1)
		return EXIT_FAILURE;
	/* printed before: must show exactly once, in the caller's stdout */
	printf("starting %s\n", argv[2]);
	if (procmgr_daemon(status, flags) == -1) {
		fprintf(stderr, "procmgr_daemon: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	fprintf(stderr, "daemon pid=%d\n", (int)getpid());
	if (!attach_first && attach(dpp, argv[2]) == -1)
		return EXIT_FAILURE;
	ctp = dispatch_context_alloc(dpp);
	while (1) {
		if ((ctp = dispatch_block(ctp)) == NULL) {
			fprintf(stderr, "block error\n");
			return EXIT_FAILURE;
		}
		dispatch_handler(ctp);
	}
}
