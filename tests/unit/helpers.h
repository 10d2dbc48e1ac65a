/*
 * Helpers several Check binaries share on top of the fixture (part of
 * libfixture; include fixture.h first): programs from the build tree run in
 * forked children, the wait for ipcd to mark a connection dead, and
 * counters in memory shared with forked children. Like the fixture, never
 * a mock: these drive real processes.
 */
#ifndef NTOSIM_TESTS_UNIT_HELPERS_H
#define NTOSIM_TESTS_UNIT_HELPERS_H

#include <stdatomic.h>
#include <stddef.h>

struct nto_test_link;

/*
 * $NTOSIM_BUILDDIR/name (./name without NTOSIM_BUILDDIR), in one of four
 * static buffers used in turn: valid until the fourth call after this one.
 */
char *nto_test_bin(const char *name);
/*
 * An nto_test_fork body that execs a program: arg is its NULL-terminated
 * argv (argv[0] a path, as from nto_test_bin). Returns 127 (the child's
 * exit code) with a message on stderr if the exec fails.
 */
int nto_test_exec(const struct nto_test_link *link, void *arg);
/*
 * Test process only: poll (bounded by NTO_TEST_WAIT_MS) until ipcd has
 * marked connection `coid` dead (_NTO_COF_DEAD, after its server died);
 * asserts it did.
 */
void nto_test_wait_dead(int coid);
/*
 * Test process only: a zeroed MAP_SHARED anonymous mapping of len bytes,
 * shared with the children forked after it (asserts the mmap worked).
 */
void *nto_test_shared(size_t len);
/* Poll *v (bounded by NTO_TEST_WAIT_MS) until it is `want`; returns the
 * last value seen. Never asserts. */
int nto_test_poll_int(atomic_int *v, int want);

#endif /* NTOSIM_TESTS_UNIT_HELPERS_H */
