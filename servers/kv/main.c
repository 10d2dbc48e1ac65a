/*
 * ntosim-kvsrv: command line of the key-value server (see ntosim-kvsrv(8));
 * the store and its receive loop are in kv.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ntosim-kvsrv [-v] [-n NAME] [-C ENTRIES] "
		   "[-K N[,torn]] -f FILE\n");
}

int main(int argc, char **argv)
{
	struct kvsrv_opts o = {.name = KV_NAME, .cache_n = 4096};
	unsigned long n;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "vn:f:K:C:h")) != -1) {
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
			if (!errno && end != optarg && !strcmp(end, ",torn")) {
				o.kill_torn = 1;
				end += 5;
			}
			if (errno || end == optarg || *end ||
			    optarg[0] == '-') {
				fprintf(stderr, "ntosim-kvsrv: bad -K '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'C':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    optarg[0] == '-' || n > 1000000) {
				fprintf(stderr, "ntosim-kvsrv: bad -C '%s'\n",
					optarg);
				return 1;
			}
			o.cache_n = (unsigned)n;
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
