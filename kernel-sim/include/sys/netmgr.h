/*
 * <sys/netmgr.h>: node descriptors, as on QNX. A node descriptor (nd) names
 * a node of the network (Qnet); ND_LOCAL_NODE (0) is always this node. The
 * names come from the node table (kernel-sim/proto/netmgr.h, docs/qnet.md).
 */
#ifndef NTOSIM_SYS_NETMGR_H
#define NTOSIM_SYS_NETMGR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ND_LOCAL_NODE	  0
#define ND_NODE_BITS	  16
#define ND_NODE_MASK	  ((1 << ND_NODE_BITS) - 1)
#define ND_NODE_CMP(a, b) (((a)&ND_NODE_MASK) - ((b)&ND_NODE_MASK))

/* netmgr_ndtostr() flags (QNX's values) */
#define ND2S_DIR_SHOW	 0x0001 /* a usable path: "/net/NAME/" */
#define ND2S_DIR_HIDE	 0x0002 /* never show the directory (default) */
#define ND2S_QOS_SHOW	 0x0004 /* no QoS in ntosim: accepted, ignored */
#define ND2S_QOS_HIDE	 0x0008
#define ND2S_NAME_SHOW	 0x0010 /* show the node name (default) */
#define ND2S_NAME_HIDE	 0x0020 /* never show the node name */
#define ND2S_DOMAIN_SHOW 0x0040 /* no domains in ntosim: accepted, ignored */
#define ND2S_DOMAIN_HIDE 0x0080
#define ND2S_LOCAL_STR	 0x1000 /* the local node as a short local string */
#define ND2S_SEP_FORCE	 0x2000 /* accepted, ignored (no domain to separate) */

/* The node descriptor of nodename ("NAME", "/net/NAME" or "/net/NAME/rest";
 * "localhost" and this node's name give ND_LOCAL_NODE). *endstr, if
 * endstr is not NULL, points after the name. -1 with errno ENOENT (no such
 * node), EINVAL (bad name or node table). */
int netmgr_strtond(const char *nodename, char **endstr);
/* nd as text in buf (maxbuf bytes, always NUL-terminated when maxbuf > 0,
 * truncated if short). Returns the length the whole string needs,
 * terminating NUL included, or -1 with errno ENOENT (no such nd), EINVAL. */
int netmgr_ndtostr(unsigned flags, int nd, char *buf, size_t maxbuf);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_SYS_NETMGR_H */
