/*
 * Shared by poll.c and epoll.c only: _IO_NOTIFY on a connection, the
 * poll-event <-> _NOTIFY_COND_* mapping, and the bridge that turns
 * notification pulses into eventfd wake-ups (waiter slots). Never
 * installed. Functions return 0 / a value, or -errno.
 */
#ifndef NTOSIM_LIB_POSIX_NOTIFY_INTERNAL_H
#define NTOSIM_LIB_POSIX_NOTIFY_INTERNAL_H

#include <signal.h>

/* The pulse code the bridge channel receives. */
#define NTO_BRIDGE_CODE 1

/* Send _IO_NOTIFY (event NULL: SIGEV_NONE, i.e. disarm) on coid; 0 with
 * the met conditions (of conds) in *met, or -errno. */
int nto__notify_send(int coid, int action, unsigned conds,
		     const struct sigevent *ev, unsigned *met);
/* poll()/epoll events -> _NOTIFY_COND_* and back (masked by events). */
unsigned nto__poll_conds(short events);
short nto__conds_poll(unsigned conds, short events);
/* One line on stderr, the first time only (*done keeps track). */
void nto__log_once(int *done, const char *what);
/* The coid of the process's bridge channel (started on first use). */
int nto__bridge_coid(void);
/* Take a waiter slot: its index (token for the pulse value in *token),
 * with its eventfd drained; -EAGAIN (all busy) or eventfd's -errno.
 * nto__waiter_put gives it back (late pulses for it are then dropped). */
int nto__waiter_get(unsigned *token);
void nto__waiter_put(int slot);
int nto__waiter_efd(int slot);

#endif /* NTOSIM_LIB_POSIX_NOTIFY_INTERNAL_H */
