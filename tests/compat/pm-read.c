/*
 * A client as QNX's documentation writes one: open a resource manager's
 * path, read it to the end, print what it said.
 * usage: pm-read PATH
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	if ((fd = open(argv[1], O_RDONLY)) == -1) {
		perror(argv[1]);
		return EXIT_FAILURE;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0) {
		perror("read");
		return EXIT_FAILURE;
	}
	close(fd);
	return EXIT_SUCCESS;
}
