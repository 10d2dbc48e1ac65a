/*
 * hamctl: the control tool of the restart manager, ntosim-ham (see
 * hamctl(1)). Each command is one MsgSend of a hamproto.h request on a
 * name_open() connection to the manager's name; all the logic is the
 * manager's. Status comes out as a table, or as key=value lines (-k) for
 * scripts.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "servers/ham/hamproto.h"

#define EXIT_FAILED 1 /* the manager said no, or the server failed */
#define EXIT_USAGE  2
#define EXIT_NOHAM  3 /* no manager to talk to */
#define STATUS_MAX  256

static const char *const state_names[HAM_ST_MAX] = {
	"stopped",  "starting", "running", "backoff",
	"stopping", "exited",	"failed",
};

static const char *state_name(uint32_t st)
{
	return st < HAM_ST_MAX ? state_names[st] : "?";
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hamctl [-n NAME] [-t MS] [-k] [-W] COMMAND [ARG]...\n"
		"  status [SERVER]...         table of servers (-k: "
		"key=value lines)\n"
		"  start SERVER...            start, wait until ready (-W: "
		"don't wait)\n"
		"  stop SERVER...             SIGTERM, bounded wait, SIGKILL\n"
		"  restart SERVER...          stop then start, wait until "
		"ready\n"
		"  wait SERVER STATE [N]      until STATE with >= N restarts\n"
		"  pid SERVER                 print the server's pid\n"
		"  shutdown                   stop every server, then the "
		"manager\n"
		"  -n NAME  the manager's name (default $NTOSIM_HAM_NAME or "
		"%s)\n"
		"  -t MS    bound on waiting commands (default 30000)\n"
		"See hamctl(1).\n",
		HAM_DEFAULT_NAME);
}

static int coid = -1;
static const char *ham_name;

/* wait_ms > 0: a manager that is not there yet may still come (ipcd
 * wakes us when its name appears). */
static int connect_ham(int wait_ms)
{
	char path[HAM_NAME_MAX + 64];

	if (coid >= 0)
		return 0;
	coid = name_open(ham_name, 0);
	if (coid < 0 && errno == ENOENT && wait_ms > 0) {
		snprintf(path, sizeof(path), "/dev/name/local/%s", ham_name);
		if (nto_path_wait(path, wait_ms) == 0)
			coid = name_open(ham_name, 0);
		else if (errno == ETIMEDOUT)
			errno = ENOENT; /* not there in time */
		/* else ipcd went away meanwhile: say so, not "not running" */
	}
	if (coid < 0) {
		fprintf(stderr, "hamctl: no manager named %s: %s\n", ham_name,
			errno == ENOENT ? "not running"
			: errno == ENOTCONN
				? "ipcd is not running (set NTOSIM_SOCKET?)"
				: strerror(errno));
		return -1;
	}
	return 0;
}

/* One request; reply into rep (replen bytes). Returns the MsgSend status
 * (>= 0) or -1 with errno. */
static int request(uint16_t op, const char *name, uint32_t flags,
		   int timeout_ms, uint32_t state, uint32_t min, void *rep,
		   size_t replen)
{
	struct ham_req req;

	memset(&req, 0, sizeof(req));
	req.type = HAM_MSG_TYPE;
	req.op = op;
	req.flags = flags;
	req.timeout_ms = timeout_ms;
	req.state = state;
	req.min = min;
	if (name)
		snprintf(req.name, sizeof(req.name), "%s", name);
	return MsgSend(coid, &req, sizeof(req), rep, replen);
}

static void fmt_ms(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 10000)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (ms < 600000)
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
	else if (ms < 360000000)
		snprintf(buf, len, "%.1fm", (double)ms / 60000);
	else
		snprintf(buf, len, "%.1fh", (double)ms / 3600000);
}

static void fmt_exit(char *buf, size_t len, const struct ham_ent_status *s,
		     int kv)
{
	switch (s->exit_kind) {
	case HAM_EXIT_CODE:
		snprintf(buf, len, kv ? "code:%d" : "exit %d", s->exit_code);
		break;
	case HAM_EXIT_SIGNAL:
		if (kv)
			snprintf(buf, len, "signal:%d", s->exit_code);
		else
			snprintf(buf, len, "signal %d (%s)", s->exit_code,
				 sigabbrev_np(s->exit_code)
					 ? sigabbrev_np(s->exit_code)
					 : "?");
		break;
	case HAM_EXIT_UNKNOWN:
		snprintf(buf, len, "unknown");
		break;
	case HAM_EXIT_EXEC:
		if (kv)
			snprintf(buf, len, "exec:%d", s->exit_code);
		else
			snprintf(buf, len, "exec failed");
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}

static void print_kv(const struct ham_ent_status *s)
{
	char ex[64];

	fmt_exit(ex, sizeof(ex), s, 1);
	printf("name=%s pid=%d state=%s restarts=%u streak=%u exit=%s "
	       "uptime_ms=%lld backoff_ms=%lld restart_in_ms=%lld "
	       "ready_ms=%lld spawn_ms=%lld heartbeat_ms=%lld "
	       "beat_age_ms=%lld beats=%u adopted=%d reason=\"%s\"\n",
	       s->name, s->pid, state_name(s->state), s->restarts, s->streak,
	       ex, (long long)s->uptime_ms, (long long)s->backoff_ms,
	       (long long)s->restart_in_ms, (long long)s->ready_ms,
	       (long long)s->spawn_ms, (long long)s->heartbeat_ms,
	       (long long)s->beat_age_ms, s->beats,
	       !!(s->flags & HAM_EF_ADOPTED), s->reason);
}

static void print_row(const struct ham_ent_status *s)
{
	char ex[64], up[32], ready[32], pid[16], st[32];

	fmt_exit(ex, sizeof(ex), s, 0);
	fmt_ms(up, sizeof(up), s->uptime_ms);
	fmt_ms(ready, sizeof(ready), s->ready_ms);
	if (s->pid > 0)
		snprintf(pid, sizeof(pid), "%d", s->pid);
	else
		snprintf(pid, sizeof(pid), "-");
	if (s->state == HAM_ST_BACKOFF && s->restart_in_ms >= 0)
		snprintf(st, sizeof(st), "backoff %lldms",
			 (long long)s->restart_in_ms);
	else
		snprintf(st, sizeof(st), "%s%s", state_name(s->state),
			 s->flags & HAM_EF_ADOPTED ? "*" : "");
	printf("%-16s %-8s %-14s %8u  %-18s %8s %8s", s->name, pid, st,
	       s->restarts, ex, up, ready);
	if (s->reason[0])
		printf("  %s", s->reason);
	putchar('\n');
}

static int cmd_status(int argc, char **argv, int kv)
{
	size_t len = sizeof(struct ham_status_rep) +
		     STATUS_MAX * sizeof(struct ham_ent_status);
	struct ham_status_rep *rep = malloc(len);
	int rc = 0;

	if (!rep)
		return EXIT_FAILED;
	for (int i = 0; i < (argc ? argc : 1); i++) {
		if (request(HAM_OP_STATUS, argc ? argv[i] : "", 0, 0, 0, 0, rep,
			    len) < 0) {
			fprintf(stderr, "hamctl: status %s: %s\n",
				argc ? argv[i] : "",
				errno == ENOENT ? "no such server"
						: strerror(errno));
			rc = EXIT_FAILED;
			continue;
		}
		if (!kv && i == 0)
			printf("%-16s %-8s %-14s %8s  %-18s %8s %8s\n",
			       "SERVER", "PID", "STATE", "RESTARTS",
			       "LAST EXIT", "UPTIME", "READY");
		for (uint32_t k = 0; k < rep->n && k < STATUS_MAX; k++)
			kv ? print_kv(&rep->ent[k]) : print_row(&rep->ent[k]);
	}
	free(rep);
	return rc;
}

/* start/stop/restart: report the server's state after the command. */
static int cmd_action(uint16_t op, const char *verb, int argc, char **argv,
		      uint32_t flags, int timeout_ms, int kv)
{
	struct ham_ent_status st;
	int rc = 0;

	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		memset(&st, 0, sizeof(st));
		if (request(op, argv[i], flags, timeout_ms, 0, 0, &st,
			    sizeof(st)) < 0) {
			fprintf(stderr, "hamctl: %s %s: %s\n", verb, argv[i],
				errno == ENOENT ? "no such server"
				: errno == ETIMEDOUT
					? "timed out (see the manager's log)"
					: strerror(errno));
			rc = EXIT_FAILED;
			continue;
		}
		if (kv) {
			print_kv(&st);
		} else {
			printf("%s: %s", st.name, state_name(st.state));
			if (st.pid > 0)
				printf(", pid %d", st.pid);
			if (op != HAM_OP_STOP && st.ready_ms >= 0 &&
			    st.state == HAM_ST_RUNNING)
				printf(", ready in %lld ms",
				       (long long)st.ready_ms);
			if (st.reason[0])
				printf(" (%s)", st.reason);
			putchar('\n');
		}
		if ((op != HAM_OP_STOP && !(flags & HAM_F_NOWAIT) &&
		     st.state != HAM_ST_RUNNING) ||
		    (op == HAM_OP_STOP && st.pid > 0 &&
		     !(flags & HAM_F_NOWAIT)))
			rc = EXIT_FAILED;
	}
	return rc;
}

static int parse_state(const char *s)
{
	for (int i = 0; i < HAM_ST_MAX; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	const char *env = getenv("NTOSIM_HAM_NAME");
	int timeout_ms = 30000, kv = 0, c;
	uint32_t flags = 0;
	const char *cmd;

	ham_name = env && *env ? env : HAM_DEFAULT_NAME;
	while ((c = getopt(argc, argv, "+n:t:kWh")) != -1) {
		switch (c) {
		case 'n':
			ham_name = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "hamctl: bad -t %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			kv = 1;
			break;
		case 'W':
			flags |= HAM_F_NOWAIT;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "status") && strcmp(cmd, "start") &&
	    strcmp(cmd, "stop") && strcmp(cmd, "restart") &&
	    strcmp(cmd, "wait") && strcmp(cmd, "pid") &&
	    strcmp(cmd, "shutdown")) {
		fprintf(stderr, "hamctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (connect_ham(strcmp(cmd, "wait") ? 0 : timeout_ms) < 0)
		return EXIT_NOHAM;

	if (!strcmp(cmd, "status"))
		return cmd_status(argc, argv, kv);
	if (!strcmp(cmd, "start"))
		return cmd_action(HAM_OP_START, cmd, argc, argv, flags,
				  timeout_ms, kv);
	if (!strcmp(cmd, "stop"))
		return cmd_action(HAM_OP_STOP, cmd, argc, argv, flags,
				  timeout_ms, kv);
	if (!strcmp(cmd, "restart"))
		return cmd_action(HAM_OP_RESTART, cmd, argc, argv, flags,
				  timeout_ms, kv);
	if (!strcmp(cmd, "pid")) {
		size_t len = sizeof(struct ham_status_rep) +
			     sizeof(struct ham_ent_status);
		struct ham_status_rep *rep;

		if (argc != 1) {
			usage(stderr);
			return EXIT_USAGE;
		}
		rep = malloc(len);
		if (!rep ||
		    request(HAM_OP_STATUS, argv[0], 0, 0, 0, 0, rep, len) < 0 ||
		    rep->n != 1) {
			fprintf(stderr, "hamctl: pid %s: %s\n", argv[0],
				errno == ENOENT ? "no such server"
						: strerror(errno));
			free(rep);
			return EXIT_FAILED;
		}
		printf("%d\n", rep->ent[0].pid);
		c = rep->ent[0].pid > 0 ? 0 : EXIT_FAILED;
		free(rep);
		return c;
	}
	if (!strcmp(cmd, "wait")) {
		struct ham_ent_status st;
		int want;
		unsigned long min = 0;

		if (argc < 2 || argc > 3 || (want = parse_state(argv[1])) < 0) {
			if (argc >= 2)
				fprintf(stderr, "hamctl: unknown state '%s'\n",
					argv[1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (argc == 3)
			min = strtoul(argv[2], NULL, 10);
		if (request(HAM_OP_WAIT, argv[0], 0, timeout_ms, (uint32_t)want,
			    (uint32_t)min, &st, sizeof(st)) < 0) {
			fprintf(stderr, "hamctl: wait %s %s: %s\n", argv[0],
				argv[1],
				errno == ENOENT ? "no such server"
						: strerror(errno));
			return EXIT_FAILED;
		}
		if (kv)
			print_kv(&st);
		return 0;
	}
	/* shutdown */
	if (request(HAM_OP_SHUTDOWN, NULL, 0, 0, 0, 0, NULL, 0) < 0 &&
	    errno != ESRCH && errno != EBADF) {
		fprintf(stderr, "hamctl: shutdown: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}
