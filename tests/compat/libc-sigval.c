/*
 * union sigval's QNX member sival_long: a full 64-bit value through
 * sigqueue() read back from siginfo_t, a pulse value read as sival_long the
 * way QNX servers print and use it, and the unchanged size and layout of
 * union sigval and struct _pulse. <signal.h> comes after <sys/wait.h> on
 * purpose: glibc defines union sigval from whichever header comes first.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stddef.h>
#include <sys/neutrino.h>
#include <sys/siginfo.h>
#include <time.h>

#include "libc-check.h"

int main(void)
{
	union sigval v = {5}; /* first member is still sival_int */

	CHECK_INT(v.sival_int, 5);
	CHECK(sizeof(union sigval) == sizeof(void *));
	CHECK(sizeof(v.sival_long) == sizeof(void *));
	CHECK(offsetof(struct _pulse, value) == 8);

	/* sigqueue to ourselves with a 64-bit value */
	sigset_t set;
	siginfo_t si;
	struct timespec ts = {10, 0};
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	v.sival_long = 0x123456789abcdef0L;
	CHECK(sigqueue(getpid(), SIGRTMIN, v) == 0);
	CHECK(sigtimedwait(&set, &si, &ts) == SIGRTMIN);
	CHECK(si.si_value.sival_long == 0x123456789abcdef0L);
	CHECK(si.si_value.sival_ptr == (void *)0x123456789abcdef0L);

	/* a pulse's value read as sival_long (QNX training-course style) */
	int chid = ChannelCreate(0);
	CHECK(chid > 0);
	int coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	CHECK(coid != -1);
	CHECK(MsgSendPulse(coid, 10, 3, 0x7abcdef0) == 0);
	struct _pulse pulse;
	CHECK_INT(MsgReceive(chid, &pulse, sizeof pulse, NULL), 0);
	CHECK_INT(pulse.code, 3);
	CHECK(pulse.value.sival_long == 0x7abcdef0L);
	CHECK_INT(pulse.value.sival_int, 0x7abcdef0);

	/* a sigevent filled by hand carries sival_long too */
	struct sigevent ev;
	SIGEV_PULSE_INIT(&ev, coid, 10, 4, 0);
	ev.sigev_value.sival_long = 0x55aa;
	CHECK(ev.sigev_value.sival_int == 0x55aa);
	CHECK(ConnectDetach(coid) == 0 && ChannelDestroy(chid) == 0);
	return 0;
}
