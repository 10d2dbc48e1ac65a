/*
 * ha_reader: reads the pattern device (ntosim-pattern) through an HA fd and
 * checks every byte against the pattern while the server is killed and
 * restarted under it. Its recovery function is the guide's state
 * reconstruction: ha_reopen onto the same fd, then lseek to the offset the
 * reader had reached; with -w it waits for the restarted server. With -a,
 * a path that cannot be re-opened is given up for the next one (another
 * node's copy of the service: /net/NODE/dev/pattern). A repeated, skipped
 * or misplaced run of bytes fails it. Example code: not part of libha.
 *
 * With -T it stops after SECONDS (a demo's length) instead of at -n BYTES.
 *
 *	ha_reader [-p PATH] [-a ALT_PATH]... [-n BYTES] [-c CHUNK]
 *		  [-w WAIT_MS] [-x SEED] [-T SECONDS] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ha/cover.h>

#include "servers/pattern/pattern.h"

#define ALTS_MAX 8

struct state {
	const char *path;
	const char *alt[ALTS_MAX + 1]; /* path, then the -a paths */
	int nalt, cur;
	uint64_t off; /* bytes verified so far: where the fd must be */
	int recoveries;
	int verbose;
};

/* Re-open onto the same fd and seek back to where we were; a path that
 * will not open gives way to the next one (failing over to another node). */
static int recover(int fd, void *h)
{
	struct state *st = h;
	int tries;

	for (tries = 0; tries < st->nalt; tries++) {
		if (ha_reopen(fd, st->alt[st->cur], O_RDONLY) == fd)
			break;
		st->cur = (st->cur + 1) % st->nalt;
		if (st->nalt > 1) {
			printf("failing over to %s\n", st->alt[st->cur]);
			fflush(stdout);
		}
	}
	if (tries == st->nalt)
		return -1;
	if (lseek(fd, (off_t)st->off, SEEK_SET) != (off_t)st->off)
		return -1;
	st->recoveries++;
	printf("recovered fd %d at offset %llu (%s)\n", fd,
	       (unsigned long long)st->off, st->alt[st->cur]);
	fflush(stdout);
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: ha_reader [-p PATH] [-a ALT_PATH]... "
			"[-n BYTES] [-c CHUNK] [-w WAIT_MS] [-x SEED] [-T SECONDS] "
			"[-v]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	struct state st = {.path = PATTERN_PATH};
	uint64_t total = 1u << 20, seed = 0;
	size_t chunk = 65536, bad;
	int wait_ms = 0, c, fd;
	time_t stop_at = 0;
	char *buf;

	while ((c = getopt(argc, argv, "p:a:n:c:w:x:T:v")) != -1) {
		switch (c) {
		case 'p':
			st.path = optarg;
			break;
		case 'a':
			if (st.nalt == ALTS_MAX)
				usage();
			st.alt[1 + st.nalt++] = optarg;
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
		case 'T':
			stop_at = time(NULL) + atoi(optarg);
			total = UINT64_MAX;
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
	st.alt[0] = st.path;
	st.nalt++;
	fd = ha_open(st.path, O_RDONLY, recover, &st, 0);
	if (fd < 0) {
		fprintf(stderr, "ha_open %s: %s\n", st.path, strerror(errno));
		return 1;
	}
	ha_connection_ctrl(fd, HA_RECOVERY_WAIT_MS, (void *)(intptr_t)wait_ms);
	while (st.off < total && (!stop_at || time(NULL) < stop_at)) {
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
