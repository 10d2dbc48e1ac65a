/* The device commands tests/compat/devctl_srv.c and devctl_cli.c share,
 * built with QNX's <devctl.h> macros as a driver's public header would. */
#ifndef NTOSIM_TESTS_COMPAT_DEVCTL_CMDS_H
#define NTOSIM_TESTS_COMPAT_DEVCTL_CMDS_H

#include <devctl.h>

struct sample_setget {
	union {
		int tx;
		int rx;
	};
};

#define SAMPLE_SETVAL	   __DIOT(_DCMD_MISC, 0x10, int)
#define SAMPLE_GETVAL	   __DIOF(_DCMD_MISC, 0x11, int)
#define SAMPLE_SETGET	   __DIOTF(_DCMD_MISC, 0x12, struct sample_setget)
#define SAMPLE_RETVAL	   __DION(_DCMD_MISC, 0x13)
#define SAMPLE_FAIL	   __DION(_DCMD_MISC, 0x14)
#define SAMPLE_STATUS_ONLY __DION(_DCMD_MISC, 0x15)
#define SAMPLE_UNKNOWN	   __DIOF(_DCMD_MISC, 0x7f, int)
#define SAMPLE_SECURE	   __DIOT(_DCMD_MISC, 0x16, int)

#define SAMPLE_RETVAL_VALUE 1000

#endif
