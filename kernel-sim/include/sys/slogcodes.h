/*
 * <sys/slogcodes.h>: the major codes QNX programs pass to slogf through
 * _SLOG_SETCODE. Values are QNX's. Public and installed.
 */
#ifndef NTOSIM_SYS_SLOGCODES_H
#define NTOSIM_SYS_SLOGCODES_H

#include <sys/slog.h>

#define __C _SLOG_SETCODE

#define _SLOGC_CONSOLE	       0
#define _SLOGC_PROC	       1
#define _SLOGC_PROC_TERMINATED __C(_SLOGC_PROC, 0)
#define _SLOG_SYSLOG	       2
#define _SLOGC_FS	       3
#define _SLOGC_FS_QNX4	       __C(_SLOGC_FS, 0)
#define _SLOGC_FS_CD	       __C(_SLOGC_FS, 100)
#define _SLOGC_FS_DOS	       __C(_SLOGC_FS, 200)
#define _SLOGC_FS_EXT2	       __C(_SLOGC_FS, 300)
#define _SLOGC_FS_PKG	       __C(_SLOGC_FS, 400)
#define _SLOGC_FS_NFS2	       __C(_SLOGC_FS, 500)
#define _SLOGC_FS_CIFS	       __C(_SLOGC_FS, 600)
#define _SLOGC_FS_FFS	       __C(_SLOGC_FS, 700)
#define _SLOGC_FS_ETFS	       __C(_SLOGC_FS, 800)
#define _SLOGC_FS_UDF	       __C(_SLOGC_FS, 900)
#define _SLOGC_FS_QNX6	       __C(_SLOGC_FS, 1000)
#define _SLOGC_BLOCK	       4
#define _SLOGC_BLOCK_IOBLK     __C(_SLOGC_BLOCK, 0)
#define _SLOGC_CAM	       5
#define _SLOGC_CHAR	       6
#define _SLOGC_CHAR_CON	       __C(_SLOGC_CHAR, 0)
#define _SLOGC_CHAR_SER	       __C(_SLOGC_CHAR, 100)
#define _SLOGC_CHAR_PAR	       __C(_SLOGC_CHAR, 200)
#define _SLOGC_CHAR_PTY	       __C(_SLOGC_CHAR, 300)
#define _SLOGC_AUDIO	       7
#define _SLOGC_GRAPHICS	       8
#define _SLOGC_INPUT	       9
#define _SLOGC_NETWORK	       10
#define _SLOGC_PRINTER	       11
#define _SLOGC_USB	       12
#define _SLOGC_PPP	       13
#define _SLOGC_TCPIP	       14
#define _SLOGC_QNET	       15
#define _SLOGC_PHOTON	       16
#define _SLOGC_PCI	       17
#define _SLOGC_DEVP	       18
#define _SLOGC_SIM	       19
#define _SLOGC_MEDIA	       20
#define _SLOGC_DUMPER	       21
#define _SLOGC_PMM	       22
#define _SLOGC_MCD	       23
#define _SLOGC_SLM	       24
#define _SLOGC_VPF	       25
#define _SLOGC_QDB	       26
#define _SLOGC_MME	       27

#define _SLOGC_PRIVATE_START  10000
#define _SLOGC_PRIVATE_END    19999
#define _SLOGC_TEST	      (_SLOGC_PRIVATE_START + 0)
#define _SLOGC_3RDPARTY_START 20000

#endif /* NTOSIM_SYS_SLOGCODES_H */
