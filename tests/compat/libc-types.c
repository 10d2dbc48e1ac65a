/*
 * The small QNX headers and types: __SRCVERSION (with and without a
 * semicolon), the _Uint32t family and paddr_t, rcvid_t holding what
 * MsgReceive returns, STATE_* (<sys/states.h>), _FTYPE_* (<sys/ftype.h>)
 * and _IOMGR_* (<sys/iomgr.h>) values, and <sys/neutrino.h> bringing
 * <string.h>/<unistd.h>/<limits.h> as QNX's does.
 */
#include <sys/neutrino.h> /* first: it must bring what QNX's brings */

#include <sys/ftype.h>
#include <sys/iomgr.h>
#include <sys/iomsg.h>
#include <sys/siginfo.h>
#include <sys/srcversion.h>
#include <sys/states.h>

#include "libc-check.h"

__SRCVERSION("libc-types.c $Rev: 1 $");
__SRCVERSION("$URL: tests/compat/libc-types.c $ $Rev: 2 $")

int main(void)
{
	/* from <sys/neutrino.h> alone: strlen, getpid, PATH_MAX */
	CHECK(strlen("abc") == 3 && getpid() > 0 && PATH_MAX >= 256);

	CHECK(sizeof(_Uint8t) == 1 && sizeof(_Int16t) == 2);
	CHECK(sizeof(_Uint32t) == 4 && sizeof(_Int64t) == 8);
	CHECK(sizeof(_Paddr64t) == 8 && sizeof(paddr64_t) == 8);
	CHECK(sizeof(paddr_t) == 8 && sizeof(_Paddr32t) == 4);
	CHECK(sizeof(_Intptrt) == sizeof(void *));
	CHECK(sizeof(_Uintptrt) == sizeof(void *));
	CHECK((_Intptrt)-1 < 0 && (_Uintptrt)-1 > 0);
	CHECK(sizeof(rcvid_t) == 8 && __RCVID_T_SIZE == 8);
	CHECK(sizeof(uint_t) == sizeof(unsigned) && (uint_t)-1 > 0);
	CHECK(sizeof(uchar_t) == 1 && sizeof(ushort_t) == 2);
	CHECK(sizeof(ulong_t) == sizeof(long));

	CHECK_INT(STATE_DEAD, 0);
	CHECK_INT(STATE_SEND, 4);
	CHECK_INT(STATE_RECEIVE, 5);
	CHECK_INT(STATE_REPLY, 6);
	CHECK_INT(STATE_NANOSLEEP, 12);
	CHECK_INT(STATE_SEM, 17);
	CHECK_INT(STATE_NET_REPLY, 20);
	CHECK_INT(_NTO_TIMEOUT_REPLY, 1 << 6);

	CHECK_INT(_FTYPE_MATCHED, -1);
	CHECK_INT(_FTYPE_ANY, 0);
	CHECK_INT(_FTYPE_FILE, 1);
	CHECK_INT(_FTYPE_NAME, 12);
	CHECK_INT(_FTYPE_TYMEM, 13);

	CHECK_INT(_IOMGR_FSYS, 2);
	CHECK_INT(_IOMGR_TCPIP, 6);
	CHECK_INT(_IOMGR_PRIVATE_BASE, 0xf000);
	CHECK_INT(_IOMGR_PRIVATE_MAX, 0xffff);

	/* rcvid_t as QNX 7.1/8 code uses it: a message rcvid round-trips */
	int chid = ChannelCreate(0);
	CHECK(chid > 0);
	int coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	CHECK(coid != -1);
	CHECK(MsgSendPulse(coid, 10, 5, 77) == 0);
	struct _pulse p;
	rcvid_t rcvid = MsgReceive(chid, &p, sizeof p, NULL);
	CHECK_INT(rcvid, 0); /* a pulse */
	CHECK_INT(p.code, 5);
	CHECK(ConnectDetach(coid) == 0 && ChannelDestroy(chid) == 0);
	return 0;
}
