/*
 * What the check_servers_*.c binaries share, compiled into each of them
 * (test process only: these assert): the shipped servers started from
 * $NTOSIM_BUILDDIR as exec'd processes that die with the test process
 * (srv_teardown, the TCases' checked fixture, kills what is left), a -v
 * server's stderr, the pattern server's open count, host files in the
 * test's directory, and the checks both resource managers must pass.
 */
#ifndef NTOSIM_TESTS_UNIT_SERVERS_COMMON_H
#define NTOSIM_TESTS_UNIT_SERVERS_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#include "tests/unit/fixture.h"

#define W NTO_TEST_WAIT_MS

/* Assert that `expr` returns -1 with errno `err`. */
#define ASSERT_FAILS(expr, err)                                               \
	do {                                                                  \
		errno = 0;                                                    \
		long long r_ = (long long)(expr);                             \
		int e_ = errno;                                               \
		ck_assert_msg(r_ == -1 && e_ == (err),                        \
			      "%s: got %lld errno %d (%s), want -1 errno %d " \
			      "(%s)",                                         \
			      #expr, r_, e_, strerror(e_), (err),             \
			      strerror(err));                                 \
	} while (0)

/* ---- server processes ---- */

/* $NTOSIM_BUILDDIR, else ".". */
const char *builddir(void);
/* buf = a/b (asserting it fits); returns buf. */
char *join(char *buf, size_t len, const char *a, const char *b);
/* Fork and exec $NTOSIM_BUILDDIR/prog with args (NULL-terminated); the
 * server dies with this test process (PDEATHSIG). With errfd, its stderr
 * goes to a pipe whose read end is put there. Returns its pid. */
pid_t srv_spawn_err(const char *prog, const char *const *args, int *errfd);
pid_t srv_spawn(const char *prog, const char *const *args);
/* Read fd (a server's stderr) until a line containing `what` arrives;
 * bounded by W. */
void wait_line(int fd, const char *what);
/* Wait until the server registered `regpath` (it does so once ready). */
void srv_ready(pid_t pid, const char *regpath);
/* srv_spawn, then srv_ready. */
pid_t srv_start(const char *prog, const char *const *args, const char *regpath);
/* SIGKILL a server and reap it; returns once it is gone (not necessarily
 * processed by ipcd yet: see nto_test_wait_dead). */
void srv_kill(pid_t pid);
/* Reap a server that is expected to exit by itself; returns its status. */
int srv_reap(pid_t pid);
/* Kill and reap every server still running (a TCase fixture). */
void srv_teardown(void);
/* Run prog with args to completion (bounded); its exit code, or -1 if it
 * did not exit normally. */
int run_status(const char *prog, const char *const *args);
/* A TCase of the fixture with srv_teardown after each test. */
TCase *tcase(const char *name);

/* ---- files and the POSIX layer ---- */

/* The server's open count, through the debug devctl (raw _IO_DEVCTL on
 * the fd, which is the coid). */
int ocb_count(int fd);
/* Poll the count (bounded) until it is `want`. */
void ocb_count_wait(int fd, int want);
/* 1 if plain open() is libnto's (the POSIX layer is built in). */
int posix_layer(void);
/* buf = the test's private directory / name. */
char *path_in(char *buf, size_t len, const char *name);
/* read() until n bytes or EOF; the count, or -1. */
ssize_t read_full(int fd, void *buf, size_t n);
/* Write a host file (created or truncated). */
void host_write(const char *path, const void *buf, size_t n);
/* The content of a host file (malloc'd, NUL-terminated; *n its size). */
char *host_read(const char *path, size_t *n);

/* ---- ntosim-pattern, and what both resource managers must do ---- */

#define PAT_PATH "/dev/pattern"

/* Start ntosim-pattern at PAT_PATH (NULL: the default); with errfd, -v
 * and its stderr on a pipe (see srv_spawn_err). */
pid_t pattern_start_err(const char *size, const char *delay, const char *seed,
			int *errfd);
pid_t pattern_start(const char *size, const char *delay, const char *seed);
/* A raw _IO_READ asking for more than its reply buffer holds gets (and
 * moves the offset by) only what fits. */
void short_reply_buffer(int fd);
/* Client death: the server gets the dead client's opens closed. */
void client_death_closes(const char *path);

#endif /* NTOSIM_TESTS_UNIT_SERVERS_COMMON_H */
