/*
 * Built by `make installcheck` (so by `make distcheck`) against the
 * INSTALLED headers and libraries with nothing but `pkg-config --cflags
 * --libs ntosim` (and -lslog2, which QNX programs that log add): the proof
 * that a QNX program needs no other flag. It includes every public header,
 * as C and as C++, and uses a few of the QNX additions. It needs no ipcd.
 */
#include <atomic.h>
#include <devctl.h>
#include <dirent.h>
#include <errno.h>
#include <gulliver.h>
#include <hw/inout.h>
#include <process.h>
#include <pthread.h>
#include <sched.h>
#include <secpol/secpol.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sync.h>
#include <sys/dcmd_all.h>
#include <sys/dispatch.h>
#include <sys/ftype.h>
#include <sys/iofunc.h>
#include <sys/iomgr.h>
#include <sys/iomsg.h>
#include <sys/mman.h>
#include <sys/netmgr.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>
#include <sys/platform.h>
#include <sys/procmgr.h>
#include <sys/resmgr.h>
#include <sys/siginfo.h>
#include <sys/slog.h>
#include <sys/slog2.h>
#include <sys/slogcodes.h>
#include <sys/srcversion.h>
#include <sys/stat.h>
#include <sys/states.h>
#include <sys/syspage.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char buf[8];
	volatile unsigned counter = 1;
	struct timespec ts;
	rcvid_t rcvid = 0;

	strlcpy(buf, "ntosim-installed", sizeof(buf));
	atomic_add(&counter, 2);
	nsec2timespec(&ts, 1500000000ull);
#ifndef __cplusplus
	if (max(2, 3) != 3 || min(2, 3) != 2)
		return 1;
#endif
	if (strcmp(buf, "ntosim-") != 0 || counter != 3 || ts.tv_sec != 1 ||
	    ENDIAN_BE16(0x0102) == 0 || rcvid != 0 || EOK != 0 ||
	    SYSPAGE_ENTRY(qtime)->cycles_per_sec == 0)
		return 1;
	{ /* QNX's struct dirent, from the installed libnto */
		DIR *dir = opendir("/");
		struct dirent *dp = dir ? readdir(dir) : NULL;

		if (!dp || dp->d_namelen != (int)strlen(dp->d_name))
			return 1;
		closedir(dir);
	}
#ifdef __QNXNTO__ /* pkg-config --variable=qnx_defines ntosim */
	printf("installed: ok (num_cpu %u, __QNXNTO__)\n",
	       _syspage_ptr->num_cpu);
#else
	printf("installed: ok (num_cpu %u)\n", _syspage_ptr->num_cpu);
#endif
	return 0;
}
