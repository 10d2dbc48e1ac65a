/*
 * ntosim-pattern: command line of the pattern device (see
 * ntosim-pattern(8)); the device itself is in pattern.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ntosim-pattern [-v] [-p PATH] [-s SIZE[k|M|G]] "
		   "[-d DELAY_US] [-x SEED]\n");
}

/* A byte count with an optional binary suffix k/K, m/M, g/G, t/T. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift && *++end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return *out > (uint64_t)INT64_MAX ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct pattern_opts o = {.path = PATTERN_PATH,
				 .size = PATTERN_DEFAULT_SIZE};
	uint64_t v;
	int c;

	while ((c = getopt(argc, argv, "vp:s:d:x:h")) != -1) {
		switch (c) {
		case 'v':
			o.verbose = 1;
			break;
		case 'p':
			o.path = optarg;
			break;
		case 's':
			if (parse_size(optarg, &o.size) < 0) {
				fprintf(stderr,
					"ntosim-pattern: bad size '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'd':
			if (parse_size(optarg, &v) < 0 || v > 60000000u) {
				fprintf(stderr,
					"ntosim-pattern: bad delay '%s' (0 to "
					"60000000 us)\n",
					optarg);
				return 1;
			}
			o.delay_us = (unsigned)v;
			break;
		case 'x':
			if (parse_size(optarg, &o.seed) < 0) {
				fprintf(stderr,
					"ntosim-pattern: bad seed '%s'\n",
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
	if (optind != argc || o.path[0] != '/') {
		if (o.path[0] != '/')
			fprintf(stderr,
				"ntosim-pattern: the path must be absolute\n");
		usage(stderr);
		return 1;
	}
	return pattern_serve(&o);
}
