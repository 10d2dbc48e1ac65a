/*
 * procev-probe: procmgr state that a new ipcd must be re-told, for
 * tests/fault/ipcd-restart-procmgr.sh. "watch NAME" attaches NAME and
 * registers PROCESS_DEATH (procmgr_event_notify, pulse code 10), and with
 * procmgr_event_notify_add DAEMON_DEATH (pulse code 11) and PATHSPACE
 * (SIGUSR1), then prints every pulse and signal. A user pulse on NAME makes
 * it delete the DAEMON_DEATH id twice and add two new ids, printing each
 * result. "daemon" creates a channel, calls procmgr_daemon() and prints
 * its (new) pid, then waits to be killed. "secev NAME" attaches NAME,
 * registers a secure event (MsgRegisterEvent, pulse code 12 value 99, for
 * the server of its own coid) and, on each user pulse, sends itself a
 * message from a second thread and delivers the handle to that rcvid
 * (MsgDeliverEvent), printing the result and the pulse that arrives.
 * Test code only; not installed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/procmgr.h>

#define CODE_DEATH  10
#define CODE_DDEATH 11

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "signal %d value=%d\n", sig,
			 si->si_value.sival_int);

	(void)ctx;
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		_exit(3);
}

static int watch(const char *name)
{
	struct sigevent ev;
	struct sigaction sa;
	struct _pulse msg;
	name_attach_t *att;
	int coid, ddeath, pspace;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	att = name_attach(NULL, name, 0);
	if (!att) {
		printf("name_attach: %s\n", strerror(errno));
		return 1;
	}
	coid = ConnectAttach(0, 0, att->chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0) {
		printf("ConnectAttach: %s\n", strerror(errno));
		return 1;
	}
	SIGEV_PULSE_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT, CODE_DEATH, 0);
	ev.sigev_notify |= SIGEV_FLAG_UPDATEABLE;
	if (procmgr_event_notify(PROCMGR_EVENT_PROCESS_DEATH, &ev) < 0) {
		printf("procmgr_event_notify: %s\n", strerror(errno));
		return 1;
	}
	SIGEV_PULSE_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT, CODE_DDEATH, 0);
	ev.sigev_notify |= SIGEV_FLAG_UPDATEABLE;
	ddeath = procmgr_event_notify_add(PROCMGR_EVENT_DAEMON_DEATH, &ev);
	SIGEV_SIGNAL_VALUE_INIT(&ev, SIGUSR1, 77);
	pspace = procmgr_event_notify_add(PROCMGR_EVENT_PATHSPACE, &ev);
	if (ddeath < 0 || pspace < 0) {
		printf("procmgr_event_notify_add: %s\n", strerror(errno));
		return 1;
	}
	printf("ready pid=%d ddeath=%d pspace=%d\n", (int)getpid(), ddeath,
	       pspace);
	for (;;) {
		int rcvid = MsgReceive(att->chid, &msg, sizeof(msg), NULL);

		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			printf("MsgReceive: %s\n", strerror(errno));
			return 1;
		}
		if (rcvid > 0) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		if (msg.code < 0)
			continue; /* kernel pulses (disconnects) */
		if (msg.code == CODE_DEATH || msg.code == CODE_DDEATH) {
			printf("pulse code=%d value=%d\n", msg.code,
			       msg.value.sival_int);
			continue;
		}
		/* a user pulse: the ids must be the ones ipcd now holds */
		printf("delete1 id=%d rc=%d\n", ddeath,
		       procmgr_event_notify_delete(ddeath) < 0 ? errno : 0);
		printf("delete2 id=%d rc=%d\n", ddeath,
		       procmgr_event_notify_delete(ddeath) < 0 ? errno : 0);
		SIGEV_NONE_INIT(&ev);
		printf("add id=%d\n",
		       procmgr_event_notify_add(PROCMGR_EVENT_SYNC, &ev));
		printf("add id=%d\n",
		       procmgr_event_notify_add(PROCMGR_EVENT_SYNC, &ev));
	}
}

static int sec_coid;

static void *sec_sender(void *arg)
{
	char b = 'x';

	(void)arg;
	if (MsgSend(sec_coid, &b, 1, NULL, 0) < 0)
		printf("send: %s\n", strerror(errno));
	return NULL;
}

static int secev(const char *name)
{
	struct sigevent ev;
	name_attach_t *att;
	union {
		struct _pulse p;
		char b[64];
	} msg;
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	att = name_attach(NULL, name, 0);
	if (!att) {
		printf("name_attach: %s\n", strerror(errno));
		return 1;
	}
	sec_coid = ConnectAttach(0, 0, att->chid, _NTO_SIDE_CHANNEL, 0);
	if (sec_coid < 0) {
		printf("ConnectAttach: %s\n", strerror(errno));
		return 1;
	}
	SIGEV_PULSE_INIT(&ev, sec_coid, SIGEV_PULSE_PRIO_INHERIT, 12, 99);
	if (MsgRegisterEvent(&ev, sec_coid) < 0) {
		printf("MsgRegisterEvent: %s\n", strerror(errno));
		return 1;
	}
	printf("secev ready pid=%d handle=%d\n", (int)getpid(),
	       ev.sigev_handle);
	for (;;) {
		int rcvid = MsgReceive(att->chid, &msg, sizeof(msg), NULL);

		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			printf("MsgReceive: %s\n", strerror(errno));
			return 1;
		}
		if (rcvid > 0) {
			printf("deliver rc=%d\n",
			       MsgDeliverEvent(rcvid, &ev) < 0 ? errno : 0);
			MsgReply(rcvid, 0, NULL, 0);
		} else if (msg.p.code == 12) {
			printf("pulse code=12 value=%d\n",
			       msg.p.value.sival_int);
		} else if (msg.p.code >= 0 &&
			   pthread_create(&t, NULL, sec_sender, NULL) == 0) {
			pthread_detach(t);
		}
	}
}

static int daemon_mode(void)
{
	int chid = ChannelCreate(0);

	if (chid < 0) {
		printf("ChannelCreate: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	if (procmgr_daemon(0, PROCMGR_DAEMON_NOCLOSE |
				      PROCMGR_DAEMON_NODEVNULL |
				      PROCMGR_DAEMON_NOCHDIR) < 0) {
		printf("procmgr_daemon: %s\n", strerror(errno));
		return 1;
	}
	printf("daemon pid=%d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "watch"))
		return watch(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "daemon"))
		return daemon_mode();
	if (argc == 3 && !strcmp(argv[1], "secev"))
		return secev(argv[2]);
	fprintf(stderr, "usage: procev-probe watch NAME | daemon | secev "
			"NAME\n");
	return 2;
}
