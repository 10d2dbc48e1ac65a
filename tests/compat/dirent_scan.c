/*
 * A plain Linux program (glibc's <dirent.h>, built without ntosim's headers
 * or libnto): scandir with a selector and alphasort, printing the names
 * one per line. tests/compat/dirent.sh runs it under LD_PRELOAD on a
 * resource manager's directory, and on a Linux one.
 * Usage: dirent_scan DIR
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* every entry but the fileNNN ones */
static int not_file(const struct dirent *e)
{
	return strncmp(e->d_name, "file", 4) != 0;
}

int main(int argc, char **argv)
{
	struct dirent **list;
	int n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: dirent_scan DIR\n");
		return 2;
	}
	n = scandir(argv[1], &list, not_file, alphasort);
	if (n < 0) {
		printf("scandir: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		printf("%s\n", list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return 0;
}
