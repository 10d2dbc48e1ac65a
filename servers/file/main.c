/*
 * ntosim-filesrv: command line of the host-directory file server (see
 * ntosim-filesrv(8)); the resource manager itself is in file.c.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "file.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ntosim-filesrv [-v] -d HOSTDIR -p PREFIX\n");
}

int main(int argc, char **argv)
{
	struct filesrv_opts o = {0};
	int c;

	while ((c = getopt(argc, argv, "vd:p:h")) != -1) {
		switch (c) {
		case 'v':
			o.verbose = 1;
			break;
		case 'd':
			o.hostdir = optarg;
			break;
		case 'p':
			o.prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || !o.hostdir || !o.prefix) {
		usage(stderr);
		return 1;
	}
	if (o.prefix[0] != '/') {
		fprintf(stderr,
			"ntosim-filesrv: the prefix must be absolute\n");
		return 1;
	}
	return filesrv_serve(&o);
}
