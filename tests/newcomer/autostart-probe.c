/*
 * autostart-probe: a plain libnto process for autostart.sh. It makes kernel
 * calls on the default socket and prints one line per call for the script
 * to assert on. Test code only.
 *
 *	autostart-probe once   ChannelCreate(0): print "rc=ok" (exit 0) or
 *	    "rc=ERRNO" (exit 1)
 *	autostart-probe twice  ChannelCreate(0), print its line, wait for a
 *	    line on stdin, ChannelCreate(0) again and print its line
 *	autostart-probe hold   ChannelCreate(0), print its line, then wait for
 *	    EOF on stdin (a live caller: its children can be looked at)
 *	autostart-probe pattern N  write the first N bytes of ntosim-pattern's
 *	    default device on stdout (what readme.sh expects to read)
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "servers/pattern/pattern.h"

static int create(void)
{
	const char *n;

	if (ChannelCreate(0) < 0) {
		n = strerrorname_np(errno);
		printf("rc=%s\n", n ? n : "E?");
		fflush(stdout);
		return 1;
	}
	printf("rc=ok\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	char line[64];
	int rc;

	if (argc == 3 && strcmp(argv[1], "pattern") == 0) {
		uint64_t k, n = strtoull(argv[2], NULL, 10);

		for (k = 0; k < n; k++)
			putchar(pattern_byte(k));
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr,
			"usage: autostart-probe once|twice|hold|pattern N\n");
		return 2;
	}
	rc = create();
	if (strcmp(argv[1], "once") == 0)
		return rc;
	if (strcmp(argv[1], "twice") == 0) {
		if (!fgets(line, sizeof(line), stdin))
			return 2;
		return create();
	}
	if (strcmp(argv[1], "hold") == 0) {
		while (fgets(line, sizeof(line), stdin))
			;
		return rc;
	}
	return 2;
}
