/*
 * ntosim-kvsrv: command line of the key-value server (see ntosim-kvsrv(8));
 * the store and its receive loop are in kv.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kv.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ntosim-kvsrv [-v] [-n NAME] [-K N] -f FILE\n");
}

int main(int argc, char **argv)
{
	struct kvsrv_opts o = {.name = KV_NAME};
	char *end;
	int c;

	while ((c = getopt(argc, argv, "vn:f:K:h")) != -1) {
		switch (c) {
		case 'v':
			o.verbose = 1;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'f':
			o.file = optarg;
			break;
		case 'K':
			errno = 0;
			o.kill_n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    optarg[0] == '-') {
				fprintf(stderr, "ntosim-kvsrv: bad -K '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || !o.file || !o.name[0]) {
		usage(stderr);
		return 1;
	}
	return kvsrv_serve(&o);
}
