/*
 * libnto calls only the network manager (ntosim-qnet) makes that are not
 * about connections: answering another node's path lookup. The rest of
 * the contract (proto/netmgr.h) lives with the code it touches.
 */
#include "config.h"

#include <errno.h>

#include "internal.h"
#include "proto/netmgr.h"

NTO_EXPORT int nto_netmgr_resolve(const char *path,
				  struct nto_ctl_resolve_ent *ents, int max)
{
	if (!path || !ents || max <= 0)
		return -EINVAL;
	if (path[0] != '/')
		return -ENOENT;
	return nto__resolve(path, ents, max);
}
