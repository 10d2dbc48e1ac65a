/*
 * <sys/netmgr.h>: node descriptors. ntosim is single-node: only
 * ND_LOCAL_NODE (0) is valid; any other nd gives ENOREMOTE.
 */
#ifndef NTOSIM_SYS_NETMGR_H
#define NTOSIM_SYS_NETMGR_H

#define ND_LOCAL_NODE 0

#endif /* NTOSIM_SYS_NETMGR_H */
