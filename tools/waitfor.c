/*
 * waitfor: QNX's utility: wait until a pathname exists, up to a number of
 * seconds (default 3), so a script can start a resource manager in the
 * background and use its path right after. A registration in ipcd's
 * pathname space wakes it at once (nto_path_wait); a plain Linux path is
 * checked with stat at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sys/ntosim.h>

int main(int argc, char **argv)
{
	double secs = 3;
	struct stat st;
	char *end = NULL;

	if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: waitfor PATH [SECONDS]  (default 3)\n");
		return argc == 2 ? 0 : 1;
	}
	if (argc == 3) {
		secs = strtod(argv[2], &end);
		if (*end || secs < 0 || secs > 86400) {
			fprintf(stderr, "waitfor: bad number of seconds '%s'\n",
				argv[2]);
			return 1;
		}
	}
	if (stat(argv[1], &st) == 0)
		return 0;
	if (argv[1][0] == '/' &&
	    nto_path_wait(argv[1], (int)(secs * 1000)) == 0)
		return 0;
	if (stat(argv[1], &st) == 0)
		return 0;
	fprintf(stderr, "waitfor: unable to access %s (waited %g s)\n", argv[1],
		secs);
	return 1;
}
