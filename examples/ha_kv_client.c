/*
 * ha_kv_client: increments a counter in the key-value server (ntosim-kvsrv)
 * through an HA connection from ha_name_open, with libha's own recovery,
 * optionally the at-most-once (-a) or exactly-once (-e) policy and a wait
 * for the restarted server (-w). Shows what they buy for a non-idempotent
 * request: with -a an INCR whose server died after receiving it is
 * reported, never applied twice; with -e it is re-sent and the server's
 * reply cache makes it count once. Example code: not part of libha.
 *
 *	ha_kv_client [-n NAME] [-a | -e] [-w WAIT_MS] KEY COUNT
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ha/cover.h>
#include <sys/neutrino.h>

#include "servers/kv/kvproto.h"

/* One request on coid: 0 with *value set, or -1 with errno. */
static int kv_op(int coid, int op, const char *key, int64_t arg, int64_t *value)
{
	struct kv_req req = {
		KV_MSG_TYPE, (uint16_t)op, (uint32_t)strlen(key), 0, 0, arg};
	struct kv_rep rep = {0};
	char val[64];
	iov_t s[2], r[2];

	SETIOV(&s[0], &req, sizeof(req));
	SETIOV(&s[1], key, strlen(key));
	SETIOV(&r[0], &rep, sizeof(rep));
	SETIOV(&r[1], val, sizeof(val));
	if (MsgSendv(coid, s, 2, r, 2) < 0)
		return -1;
	*value = rep.value;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ha_kv_client [-n NAME] [-a | -e] [-w WAIT_MS] KEY "
		"COUNT\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	const char *name = KV_NAME, *key;
	int amo = 0, eo = 0, wait_ms = 0, count, i, c, coid, bad = 0;
	int acount = 0, fallbacks = 0, ok = 0, unknown = 0;
	int64_t v;

	while ((c = getopt(argc, argv, "n:aew:")) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'a':
			amo = 1;
			break;
		case 'e':
			eo = 1;
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	key = argv[optind];
	count = atoi(argv[optind + 1]);

	/* rfn NULL: libha re-opens the name onto the same coid by itself */
	coid = ha_name_open(name, 0, NULL, NULL, 0);
	if (coid < 0) {
		fprintf(stderr, "ha_name_open %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (ha_connection_ctrl(coid, HA_RECOVERY_AT_MOST_ONCE,
			       (void *)(intptr_t)amo) < 0 ||
	    ha_connection_ctrl(coid, HA_RECOVERY_EXACTLY_ONCE,
			       (void *)(intptr_t)eo) < 0 ||
	    ha_connection_ctrl(coid, HA_RECOVERY_WAIT_MS,
			       (void *)(intptr_t)wait_ms) < 0) {
		fprintf(stderr, "ha_connection_ctrl: %s\n", strerror(errno));
		return 1;
	}
	for (i = 1; i <= count; i++) {
		if (kv_op(coid, KV_INCR, key, 1, &v) == 0) {
			printf("incr %d: %lld\n", i, (long long)v);
			ok++;
		} else if (errno == HA_ENOTRESENT) {
			unknown++;
			/* the server died holding it: maybe applied, never
			 * applied twice */
			printf("incr %d: not re-sent (the server may have "
			       "applied it)\n",
			       i);
		} else {
			printf("incr %d: error: %s\n", i, strerror(errno));
			bad = 1;
		}
		fflush(stdout);
	}
	if (kv_op(coid, KV_GET, key, 0, &v) == 0)
		printf("final %s = %lld\n", key, (long long)v);
	else
		bad = 1;
	ha_connection_ctrl(coid, HA_RECOVERY_GET_ACOUNT, &acount);
	ha_connection_ctrl(coid, HA_RECOVERY_GET_FALLBACKS, &fallbacks);
	printf("recoveries %d\n", acount);
	/* -e: every INCR acknowledged, none unknown; a fallback means the
	 * server had no reply cache (at-most-once instead) */
	printf("acknowledged %d unknown %d fallbacks %d\n", ok, unknown,
	       fallbacks);
	ha_ConnectDetach(coid);
	return bad;
}
