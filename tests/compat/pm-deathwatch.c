/*
 * A death watcher as QNX's process-death examples write it: a private
 * channel, a side-channel connection to it, an updateable pulse event
 * registered with procmgr_event_notify(PROCMGR_EVENT_PROCESS_DEATH), and
 * a MsgReceivePulse loop printing the pid each pulse carries. A second,
 * non-updateable registration (procmgr_event_notify_add, code 2, value
 * 42) is deleted after its first pulse. A third one delivers an
 * updateable SIGRTMIN; after each death pulse the watcher waits (bounded)
 * for that signal and prints the pid it carries. PATHSPACE events print
 * "pathspace"; a SYNC event it triggers itself prints "sync value=99".
 * usage: pm-deathwatch   (prints "ready", then one line per pulse)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/neutrino.h>
#include <sys/procmgr.h>
#include <time.h>

#define PULSE_CODE_DEATH 1
#define PULSE_CODE_EXTRA 2
#define PULSE_CODE_PATHS 3
#define PULSE_CODE_SYNC	 4

int main(void)
{
	struct sigevent ev, ev2, ev3;
	struct timespec ts = {10, 0};
	struct _pulse pulse;
	siginfo_t si;
	sigset_t set;
	int chid, coid, id;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);

	chid = ChannelCreate(_NTO_CHF_PRIVATE);
	if (chid == -1) {
		perror("ChannelCreate");
		return EXIT_FAILURE;
	}
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		perror("ConnectAttach");
		return EXIT_FAILURE;
	}
	SIGEV_PULSE_INIT(&ev, coid, 10, PULSE_CODE_DEATH, 0);
	SIGEV_MAKE_UPDATEABLE(&ev);
	if (procmgr_event_notify(PROCMGR_EVENT_PROCESS_DEATH, &ev) == -1) {
		perror("procmgr_event_notify");
		return EXIT_FAILURE;
	}
	SIGEV_PULSE_INIT(&ev2, coid, 10, PULSE_CODE_EXTRA, 42);
	id = procmgr_event_notify_add(PROCMGR_EVENT_PROCESS_DEATH, &ev2);
	if (id == -1) {
		perror("procmgr_event_notify_add");
		return EXIT_FAILURE;
	}
	SIGEV_SIGNAL_VALUE_INIT(&ev3, SIGRTMIN, 0);
	SIGEV_MAKE_UPDATEABLE(&ev3);
	if (procmgr_event_notify_add(PROCMGR_EVENT_PROCESS_DEATH, &ev3) == -1) {
		perror("procmgr_event_notify_add(signal)");
		return EXIT_FAILURE;
	}
	SIGEV_PULSE_INIT(&ev3, coid, 10, PULSE_CODE_PATHS, 0);
	if (procmgr_event_notify_add(PROCMGR_EVENT_PATHSPACE, &ev3) == -1) {
		perror("procmgr_event_notify_add(pathspace)");
		return EXIT_FAILURE;
	}
	SIGEV_PULSE_INIT(&ev3, coid, 10, PULSE_CODE_SYNC, 0);
	SIGEV_MAKE_UPDATEABLE(&ev3);
	if (procmgr_event_notify_add(PROCMGR_EVENT_SYNC, &ev3) == -1 ||
	    procmgr_event_trigger_updateable(PROCMGR_EVENT_SYNC, 99) == -1) {
		perror("PROCMGR_EVENT_SYNC");
		return EXIT_FAILURE;
	}
	/* process events are the process manager's to fire */
	if (procmgr_event_trigger(PROCMGR_EVENT_PROCESS_DEATH) != -1 ||
	    errno != EINVAL) {
		fprintf(stderr, "PROCESS_DEATH could be triggered\n");
		return EXIT_FAILURE;
	}
	/* a bad event type is refused */
	memset(&ev2, 0, sizeof ev2);
	ev2.sigev_notify = 0x7f;
	if (procmgr_event_notify_add(PROCMGR_EVENT_PROCESS_DEATH, &ev2) != -1 ||
	    errno != EINVAL) {
		fprintf(stderr, "bad event accepted\n");
		return EXIT_FAILURE;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (MsgReceivePulse(chid, &pulse, sizeof pulse, NULL) == -1) {
			perror("MsgReceivePulse");
			return EXIT_FAILURE;
		}
		if (pulse.code == PULSE_CODE_DEATH) {
			printf("died pid=%d\n", pulse.value.sival_int);
			/* the same death's signal follows (queued, RT) */
			if (sigtimedwait(&set, &si, &ts) == SIGRTMIN)
				printf("signal pid=%d\n",
				       si.si_value.sival_int);
			else
				printf("no signal for pid %d\n",
				       pulse.value.sival_int);
		} else if (pulse.code == PULSE_CODE_EXTRA && id != -1) {
			printf("extra value=%d\n", pulse.value.sival_int);
			if (procmgr_event_notify_delete(id) == -1)
				perror("procmgr_event_notify_delete");
			else if (procmgr_event_notify_delete(id) == -1 &&
				 errno == ESRCH)
				printf("deleted\n");
			id = -1;
		} else if (pulse.code == PULSE_CODE_PATHS) {
			printf("pathspace\n");
		} else if (pulse.code == PULSE_CODE_SYNC) {
			printf("sync value=%d\n", pulse.value.sival_int);
		} else {
			printf("unexpected code=%d value=%d\n", pulse.code,
			       pulse.value.sival_int);
		}
		fflush(stdout);
	}
}
