/*
 * /net: one pathname-space entry per node of the node table, so `ls /net`
 * lists the nodes as on QNX. Opening /net/NODE/... never reaches here:
 * libnto sends those to the named node (docs/qnet.md). A plain resource
 * manager on its own channel and thread, with the iofunc defaults.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sys/dispatch.h>
#include <sys/iofunc.h>

#include "qnet/qnet.h"

static resmgr_connect_funcs_t cfuncs;
static resmgr_io_funcs_t iofuncs;
static iofunc_attr_t attrs[NTO_NODES_MAX];

static void *netdir_main(void *arg)
{
	dispatch_context_t *ctp = arg;

	for (;;) {
		dispatch_context_t *c = dispatch_block(ctp);

		if (!c) {
			if (errno == EINTR)
				continue;
			break;
		}
		ctp = c;
		dispatch_handler(ctp);
	}
	return NULL;
}

int qn_netdir_start(void)
{
	dispatch_context_t *ctp;
	dispatch_t *dpp;
	pthread_attr_t a;
	pthread_t th;
	unsigned i;

	dpp = dispatch_create();
	if (!dpp)
		return -errno;
	iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cfuncs, _RESMGR_IO_NFUNCS,
			 &iofuncs);
	for (i = 0; i < Q.nodes.n; i++) {
		char path[16 + NTO_NODE_NAME_MAX];

		iofunc_attr_init(&attrs[i], S_IFDIR | 0555, NULL, NULL);
		snprintf(path, sizeof(path), "/net/%s", Q.nodes.node[i].name);
		if (resmgr_attach(dpp, NULL, path, _FTYPE_ANY, _RESMGR_FLAG_DIR,
				  &cfuncs, &iofuncs, &attrs[i]) < 0) {
			qn_log("resmgr_attach %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	ctp = dispatch_context_alloc(dpp);
	if (!ctp)
		return -errno;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	i = (unsigned)pthread_create(&th, &a, netdir_main, ctp);
	pthread_attr_destroy(&a);
	return -(int)i;
}
