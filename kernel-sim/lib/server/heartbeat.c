/*
 * nto_heartbeat(): the server side of ntosim-ham's heartbeat, an ntosim
 * extension (<sys/ntosim.h>). Reads the NTOSIM_HAM_* environment the
 * manager gave the process, keeps one name_open() connection to the
 * manager, and sends a pulse when one is due. The manager's side (deadline
 * and kill) is in servers/ham.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "lib/internal.h"

static pthread_mutex_t hb_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t hb_pid;	    /* process that read the environment */
static int hb_state;	    /* 0 unread, 1 supervised, -1 not */
static char hb_name[256];   /* the manager's name */
static int hb_id;	    /* our instance's id */
static uint64_t hb_gap_ns;  /* minimum time between pulses */
static uint64_t hb_last_ns; /* last pulse (or attempt) */
static int hb_coid = -1;

static uint64_t hb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read the environment once per process. Called with hb_lock held. */
static void hb_setup_locked(void)
{
	const char *name = getenv(NTO_HAM_ENV_NAME);
	const char *id = getenv(NTO_HAM_ENV_ID);
	const char *period = getenv(NTO_HAM_ENV_PERIOD);
	unsigned long long ms = 0;
	char *end;
	long v;

	hb_pid = getpid();
	hb_coid = -1; /* a forked child does not use its parent's coid */
	hb_last_ns = 0;
	hb_state = -1;
	if (!name || !*name || strlen(name) >= sizeof(hb_name) || !id)
		return;
	errno = 0;
	v = strtol(id, &end, 10);
	if (errno || *end || end == id || v <= 0 || v > INT32_MAX)
		return;
	if (period) {
		ms = strtoull(period, &end, 10);
		if (*end)
			ms = 0;
	}
	if (ms == 0)
		return; /* no heartbeat configured: nothing to send */
	strcpy(hb_name, name);
	hb_id = (int)v;
	hb_gap_ns = ms * 1000000ull / 4;
	hb_state = 1;
}

NTO_EXPORT int nto_heartbeat(void)
{
	uint64_t now;
	int rc, err = 0;

	pthread_mutex_lock(&hb_lock);
	if (hb_state == 0 || hb_pid != getpid())
		hb_setup_locked();
	if (hb_state < 0) {
		pthread_mutex_unlock(&hb_lock);
		return 0;
	}
	now = hb_now_ns();
	if (hb_last_ns && now - hb_last_ns < hb_gap_ns) {
		pthread_mutex_unlock(&hb_lock);
		return 0;
	}
	hb_last_ns = now; /* failed attempts are paced too */
	if (hb_coid < 0) {
		hb_coid = name_open(hb_name, 0);
		if (hb_coid < 0) {
			err = errno;
			goto out;
		}
	}
	rc = MsgSendPulse_r(hb_coid, -1, NTO_HAM_PULSE_HEARTBEAT, hb_id);
	if (rc == EOK) {
		pthread_mutex_unlock(&hb_lock);
		return 1;
	}
	err = rc;
	if (rc == EBADF || rc == ESRCH) {
		/* the manager died: find its successor next time, and try
		 * again right away */
		name_close(hb_coid);
		hb_coid = -1;
		hb_last_ns = 0;
	}
out:
	pthread_mutex_unlock(&hb_lock);
	errno = err;
	return -1;
}
