/*
 * A resource manager with an io_devctl handler, written the way QNX's
 * "Writing a Resource Manager" guide writes one: the defaults first
 * (iofunc_devctl_default), then its own commands with the data after the
 * header (_DEVCTL_DATA) and the reply built with SETIOV/_RESMGR_NPARTS or
 * _RESMGR_PTR. Usage: devctl_srv PATH
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>
#include <devctl.h>

#include "devctl_cmds.h"

static resmgr_connect_funcs_t connect_funcs;
static resmgr_io_funcs_t io_funcs;
static iofunc_attr_t attr;
static int global_integer;

static int io_devctl(resmgr_context_t *ctp, io_devctl_t *msg, RESMGR_OCB_T *ocb)
{
	int nbytes, status, previous;
	union {
		struct sample_setget data;
		int data32;
	} * rx_data;

	if ((status = iofunc_devctl_default(ctp, msg, ocb)) != _RESMGR_DEFAULT)
		return status;
	status = nbytes = 0;

	rx_data = _DEVCTL_DATA(msg->i);
	switch (msg->i.dcmd) {
	case SAMPLE_SETVAL:
		global_integer = rx_data->data32;
		nbytes = 0;
		break;
	case SAMPLE_GETVAL:
		rx_data->data32 = global_integer;
		nbytes = sizeof(rx_data->data32);
		break;
	case SAMPLE_SETGET:
		previous = global_integer;
		global_integer = rx_data->data.tx;
		rx_data->data.rx = previous;
		nbytes = sizeof(rx_data->data.rx);
		break;
	case SAMPLE_RETVAL:
		/* no data: only a value in ret_val */
		memset(&msg->o, 0, sizeof(msg->o));
		msg->o.ret_val = SAMPLE_RETVAL_VALUE + global_integer;
		return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
	case SAMPLE_SECURE:
		/* only through a writable open, and only a whole int */
		status = iofunc_devctl_verify(
			ctp, msg, ocb,
			_IO_DEVCTL_VERIFY_LEN | _IO_DEVCTL_VERIFY_MSG_LEN |
				_IO_DEVCTL_VERIFY_OCB_WRITE |
				_IO_DEVCTL_VERIFY_ACC_IWRITE);
		if (status != EOK)
			return status;
		global_integer = rx_data->data32;
		nbytes = 0;
		break;
	case SAMPLE_FAIL:
		return EINVAL;
	case SAMPLE_STATUS_ONLY:
		return EOK;
	default:
		return ENOSYS;
	}

	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.ret_val = status;
	msg->o.nbytes = nbytes;
	SETIOV(ctp->iov, &msg->o, sizeof(msg->o) + nbytes);
	return _RESMGR_NPARTS(1);
}

int main(int argc, char **argv)
{
	dispatch_t *dpp;
	dispatch_context_t *ctp;
	resmgr_attr_t rattr;

	if (argc != 2) {
		fprintf(stderr, "usage: devctl_srv PATH\n");
		return 2;
	}
	if ((dpp = dispatch_create()) == NULL) {
		perror("dispatch_create");
		return 1;
	}
	memset(&rattr, 0, sizeof(rattr));
	rattr.nparts_max = 1;
	rattr.msg_max_size = 2048;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &connect_funcs,
			 _RESMGR_IO_NFUNCS, &io_funcs);
	io_funcs.devctl = io_devctl;
	iofunc_attr_init(&attr, S_IFNAM | 0666, 0, 0);
	if (resmgr_attach(dpp, &rattr, argv[1], _FTYPE_ANY, 0, &connect_funcs,
			  &io_funcs, &attr) == -1) {
		perror("resmgr_attach");
		return 1;
	}
	ctp = dispatch_context_alloc(dpp);
	for (;;) {
		if ((ctp = dispatch_block(ctp)) == NULL) {
			perror("dispatch_block");
			return 1;
		}
		dispatch_handler(ctp);
	}
}
