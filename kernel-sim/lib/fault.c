/*
 * The fault plan: NTOSIM_FAULT, read once when libnto loads, makes this
 * process crash, stop, stall or misbehave at an exact protocol point (see
 * docs/fault-model.md). Unset, the only cost is one predictable branch on
 * a global at each point. For tests; never set it in production.
 *
 * Syntax: NTOSIM_FAULT="point=N:action[;point=N:action...]", N counted
 * from 1 per point in this process. Points: recv (a message was taken, not
 * yet replied), reply-before (MsgReply/MsgError entered), reply-after (the
 * client has been answered), write-mid (half of a MsgWrite copied),
 * send-queued (our MsgSend is SEND-blocked), pulse (MsgSendPulse queued),
 * connect (ConnectAttach done). Actions: kill (SIGKILL self), exit[:code]
 * (_exit, default 99), stop (SIGSTOP self), sleep:MS, garbage (scribble the
 * shared slot this point concerns, then carry on), state:V[:kill] (store V
 * in that slot's state word, then carry on or SIGKILL self).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

enum fault_action {
	FA_NONE,
	FA_KILL,
	FA_EXIT,
	FA_STOP,
	FA_SLEEP,
	FA_GARBAGE,
	FA_STATE,
	FA_STATE_KILL,
};

struct fault_rule {
	unsigned n;
	enum fault_action action;
	int arg;
};

static const char *const point_names[NTO_FP_MAX] = {
	[NTO_FP_RECV] = "recv",
	[NTO_FP_REPLY_BEFORE] = "reply-before",
	[NTO_FP_REPLY_AFTER] = "reply-after",
	[NTO_FP_WRITE_MID] = "write-mid",
	[NTO_FP_SEND_QUEUED] = "send-queued",
	[NTO_FP_PULSE] = "pulse",
	[NTO_FP_CONNECT] = "connect",
};

int nto__fault_armed;
static struct fault_rule rules[NTO_FP_MAX];
static _Atomic unsigned counts[NTO_FP_MAX];

static int parse_rule(char *tok)
{
	char *eq = strchr(tok, '='), *colon, *end;
	unsigned long n;
	int p;

	if (!eq)
		return -1;
	*eq = '\0';
	for (p = 0; p < NTO_FP_MAX; p++)
		if (strcmp(tok, point_names[p]) == 0)
			break;
	if (p == NTO_FP_MAX)
		return -1;
	n = strtoul(eq + 1, &end, 10);
	if (n == 0 || *end != ':')
		return -1;
	colon = end + 1;
	rules[p].n = (unsigned)n;
	rules[p].arg = 0;
	if (strcmp(colon, "kill") == 0) {
		rules[p].action = FA_KILL;
	} else if (strncmp(colon, "exit", 4) == 0) {
		rules[p].action = FA_EXIT;
		rules[p].arg = colon[4] == ':' ? atoi(colon + 5) : 99;
	} else if (strcmp(colon, "stop") == 0) {
		rules[p].action = FA_STOP;
	} else if (strncmp(colon, "sleep:", 6) == 0) {
		rules[p].action = FA_SLEEP;
		rules[p].arg = atoi(colon + 6);
	} else if (strcmp(colon, "garbage") == 0) {
		rules[p].action = FA_GARBAGE;
	} else if (strncmp(colon, "state:", 6) == 0) {
		rules[p].arg = (int)strtoul(colon + 6, &end, 0);
		rules[p].action =
			strcmp(end, ":kill") == 0 ? FA_STATE_KILL : FA_STATE;
	} else {
		return -1;
	}
	return 0;
}

__attribute__((constructor)) static void fault_init(void)
{
	const char *env = getenv("NTOSIM_FAULT");
	char *copy, *tok, *save = NULL;

	if (!env || !*env)
		return;
	copy = strdup(env);
	if (!copy)
		return;
	for (tok = strtok_r(copy, ";,", &save); tok;
	     tok = strtok_r(NULL, ";,", &save))
		if (parse_rule(tok) < 0) {
			static const char msg[] =
				"libnto: bad NTOSIM_FAULT rule\n";

			if (nto__sys_write(2, msg, sizeof(msg) - 1) < 0)
				break;
		}
	free(copy);
	for (int p = 0; p < NTO_FP_MAX; p++)
		if (rules[p].action != FA_NONE)
			nto__fault_armed = 1;
}

/* Fill a peer-visible slot with values a careful reader must reject. */
static void scribble(struct nto_slot *s)
{
	if (!s)
		return;
	s->ext_off = ~0u - 5;
	s->ext_cap = ~0u;
	s->rbase = 1u << 31;
	s->sbytes = -12345;
	s->rbytes = 0x7fffffff;
	s->reply_len = 0x7fffffff;
	s->priority = 0x7fff;
}

void nto__fault_hit(enum nto_fault_point p, struct nto_slot *slot)
{
	struct fault_rule *r = &rules[p];
	struct timespec ts;

	if (r->action == FA_NONE || atomic_fetch_add(&counts[p], 1) + 1 != r->n)
		return;
	switch (r->action) {
	case FA_KILL:
		kill(getpid(), SIGKILL);
		break;
	case FA_EXIT:
		_exit(r->arg);
	case FA_STOP:
		kill(getpid(), SIGSTOP);
		break;
	case FA_SLEEP:
		ts.tv_sec = r->arg / 1000;
		ts.tv_nsec = (long)(r->arg % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) < 0)
			;
		break;
	case FA_GARBAGE:
		scribble(slot);
		break;
	case FA_STATE:
	case FA_STATE_KILL:
		if (slot)
			atomic_store(&slot->state, (uint32_t)r->arg);
		if (r->action == FA_STATE_KILL)
			kill(getpid(), SIGKILL);
		break;
	case FA_NONE:
		break;
	}
}
