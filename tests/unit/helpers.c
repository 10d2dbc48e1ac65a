/*
 * Shared test helpers beyond the fixture's core (see helpers.h): build-tree
 * programs, connection-death waits, shared counters. Public ntosim headers
 * only, like the fixture.
 */
#include "config.h"

#include "tests/unit/fixture.h"
#include "tests/unit/helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sys/neutrino.h>

char *nto_test_bin(const char *name)
{
	const char *d = getenv("NTOSIM_BUILDDIR");
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ & 3];

	snprintf(b, sizeof(buf[0]), "%s/%s", d ? d : ".", name);
	return b;
}

int nto_test_exec(const struct nto_test_link *link, void *arg)
{
	char **argv = arg;

	(void)link;
	execv(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

void nto_test_wait_dead(int coid)
{
	uint64_t end =
		nto_test_now_ns() + (uint64_t)NTO_TEST_WAIT_MS * 1000000u;
	struct timespec ts = {0, 1000000};
	struct _server_info info;

	for (;;) {
		int r = ConnectServerInfo(0, coid, &info);

		if (r == coid && (info.flags & _NTO_COF_DEAD))
			return;
		ck_assert_msg(nto_test_now_ns() < end,
			      "coid %d (%#x) not dead after %d ms", coid, coid,
			      NTO_TEST_WAIT_MS);
		nanosleep(&ts, NULL); /* poll period, not synchronisation */
	}
}

void *nto_test_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	memset(p, 0, len);
	return p;
}

int nto_test_poll_int(atomic_int *v, int want)
{
	uint64_t end =
		nto_test_now_ns() + (uint64_t)NTO_TEST_WAIT_MS * 1000000u;
	struct timespec ts = {0, 2000000};

	while (atomic_load(v) != want && nto_test_now_ns() < end)
		nanosleep(&ts, NULL);
	return atomic_load(v);
}
