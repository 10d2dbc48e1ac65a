/*
 * ha_reader: reads the pattern device (ntosim-pattern) through an HA fd and
 * checks every byte against the pattern while the server is killed and
 * restarted under it. Its recovery function is the guide's state
 * reconstruction: ha_reopen onto the same fd, then lseek to the offset the
 * reader had reached; with -w it waits for the restarted server. A
 * repeated, skipped or misplaced run of bytes fails it. Example code: not
 * part of libha.
 *
 *	ha_reader [-p PATH] [-n BYTES] [-c CHUNK] [-w WAIT_MS] [-x SEED] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ha/cover.h>

#include "servers/pattern/pattern.h"

struct state {
	const char *path;
	uint64_t off; /* bytes verified so far: where the fd must be */
	int recoveries;
	int verbose;
};

/* Re-open onto the same fd and seek back to where we were. */
static int recover(int fd, void *h)
{
	struct state *st = h;

	if (ha_reopen(fd, st->path, O_RDONLY) != fd)
		return -1;
	if (lseek(fd, (off_t)st->off, SEEK_SET) != (off_t)st->off)
		return -1;
	st->recoveries++;
	printf("recovered fd %d at offset %llu\n", fd,
	       (unsigned long long)st->off);
	fflush(stdout);
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: ha_reader [-p PATH] [-n BYTES] [-c CHUNK] "
			"[-w WAIT_MS] [-x SEED] [-v]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	struct state st = {PATTERN_PATH, 0, 0, 0};
	uint64_t total = 1u << 20, seed = 0;
	size_t chunk = 65536, bad;
	int wait_ms = 0, c, fd;
	char *buf;

	while ((c = getopt(argc, argv, "p:n:c:w:x:v")) != -1) {
		switch (c) {
		case 'p':
			st.path = optarg;
			break;
		case 'n':
			total = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			chunk = (size_t)strtoull(optarg, NULL, 0);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'x':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			st.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (chunk == 0 || !(buf = malloc(chunk)))
		usage();
	fd = ha_open(st.path, O_RDONLY, recover, &st, 0);
	if (fd < 0) {
		fprintf(stderr, "ha_open %s: %s\n", st.path, strerror(errno));
		return 1;
	}
	ha_connection_ctrl(fd, HA_RECOVERY_WAIT_MS, (void *)(intptr_t)wait_ms);
	while (st.off < total) {
		size_t want = total - st.off < chunk ? (size_t)(total - st.off)
						     : chunk;
		ssize_t n = read(fd, buf, want);

		if (n <= 0) {
			fprintf(stderr, "read at %llu: %s\n",
				(unsigned long long)st.off,
				n < 0 ? strerror(errno) : "end of file");
			return 1;
		}
		bad = pattern_check(seed, st.off, buf, (size_t)n);
		if (bad != (size_t)n) {
			fprintf(stderr, "wrong byte at offset %llu\n",
				(unsigned long long)(st.off + bad));
			return 1;
		}
		st.off += (uint64_t)n;
		if (st.verbose) {
			printf("progress %llu\n", (unsigned long long)st.off);
			fflush(stdout);
		}
	}
	printf("ok %llu bytes verified, %d recoveries\n",
	       (unsigned long long)st.off, st.recoveries);
	ha_close(fd);
	free(buf);
	return 0;
}
