/*
 * <sys/iomgr.h>: QNX's I/O manager ids, the values of struct _io_msg's
 * mgrid for _IO_MSG messages. _IOMGR_PRIVATE_BASE..._IOMGR_PRIVATE_MAX is
 * the range for unregistered, application-private managers. Values are
 * QNX's. (QNX's iomgr.h also holds the _NOTIFY_* and _FDINFO_* names; in
 * ntosim they live with the notify and iofdinfo code that uses them.)
 */
#ifndef NTOSIM_SYS_IOMGR_H
#define NTOSIM_SYS_IOMGR_H

#include <sys/platform.h>

enum _mgr_types {
	_IOMGR_FSYS = 0x02,
	_IOMGR_TCPIP = 0x06,
	_IOMGR_PHOTON = 0x0B,
	_IOMGR_CAM = 0x0C,
	_IOMGR_PCI = 0x0d,
	_IOMGR_NETMGR = 0x0e,
	_IOMGR_REGISTRY = 0x10,
	_IOMGR_PCCARD = 0x11,
	_IOMGR_USB = 0x12,
	_IOMGR_MEDIA = 0x13,
	_IOMGR_PMM = 0x14,
	_IOMGR_DISPLAY = 0x15,
	_IOMGR_INPUT = 0x16,
	_IOMGR_PRIVATE_BASE = 0xf000,
	_IOMGR_PRIVATE_MAX = 0xffff
};

#endif /* NTOSIM_SYS_IOMGR_H */
