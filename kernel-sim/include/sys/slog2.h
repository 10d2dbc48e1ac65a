/*
 * <sys/slog2.h>: QNX's slogger2 logging API. On Linux there is no
 * slogger2 and no shared-memory buffers: each line goes to syslog(3)
 * (journald shows it, ident = the buffer set's name) and, when the process
 * runs in the foreground (stderr is a terminal) or NTOSIM_SLOG=stderr, to
 * stderr as "<set>.<buffer>[pid]: <SEVERITY> <code>: <text>". NTOSIM_SLOG
 * = syslog | stderr | both | none overrides. Lines above the buffer set's
 * verbosity are dropped. Names, values and structs are QNX's (7.1/8.0).
 * A program may link with -lslog2 (libslog2 is a linker script naming
 * libnto). Public and installed.
 */
#ifndef NTOSIM_SYS_SLOG2_H
#define NTOSIM_SYS_SLOG2_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLOG2_MAX_BUFFERS 4

#define SLOG2_SHUTDOWN 0
#define SLOG2_CRITICAL 1
#define SLOG2_ERROR    2
#define SLOG2_WARNING  3
#define SLOG2_NOTICE   4
#define SLOG2_INFO     5
#define SLOG2_DEBUG1   6
#define SLOG2_DEBUG2   7

#define SLOG2_INVALID_VERBOSITY ((uint8_t)-1)
#define SLOG2_DUMP_LOGS_ALL	(1 << 0)

/* slog2_register flags (accepted; there is no buffer to allocate) */
#define SLOG2_ALLOC_TYPE_SHMEM	   (1 << 0)
#define SLOG2_TRY_REUSE_BUFFER_SET (1 << 1)
#define SLOG2_DISCARD_NEWLINE	   (1 << 2)

typedef struct slog2_buffer_meta *slog2_buffer_t;

typedef struct {
	const char *buffer_name;
	int num_pages;
} slog2_buffer_config_t;

typedef struct {
	int num_buffers;
	const char *buffer_set_name;
	uint8_t verbosity_level;
	slog2_buffer_config_t buffer_config[SLOG2_MAX_BUFFERS];
	uint32_t max_retries;
} slog2_buffer_set_config_t;

typedef enum {
	SLOG2_FA_UNSIGNED = 0,
	SLOG2_FA_SIGNED = (1 << 14),
	SLOG2_FA_STRING = (2 << 14),
	SLOG2_FA_STAR = (3 << 14),
} slog2_fa_t;

#define SLOG2_FA_SIZE_MASK 0x3fff
#define SLOG2_FA_TYPE_MASK 0xc000
#define SLOG2_FA_VAR_MASK  0xffff0000
#define SLOG2_FA_VAR_STR   0x0
#define SLOG2_FA_VAR_VAL   0x00010000
#define SLOG2_FA_NUMERIC(__x, __type) \
	(SLOG2_FA_VAR_VAL | __type | (sizeof(__x) & SLOG2_FA_SIZE_MASK)), (__x)
#define SLOG2_FA_UNSIGNED(__x) SLOG2_FA_NUMERIC((__x), SLOG2_FA_UNSIGNED)
#define SLOG2_FA_SIGNED(__x)   SLOG2_FA_NUMERIC((__x), SLOG2_FA_SIGNED)
#define SLOG2_FA_CHAR(__x)     SLOG2_FA_UNSIGNED(__x)
#define SLOG2_FA_FLOAT(__x)    SLOG2_FA_UNSIGNED(__x)
#define SLOG2_FA_DOUBLE(__x)   SLOG2_FA_UNSIGNED(__x)
#define SLOG2_FA_STRING(__x) \
	(SLOG2_FA_STRING | ((strlen(__x) + 1) & SLOG2_FA_SIZE_MASK)), (__x)
#define SLOG2_FA_STAR(__x) \
	(SLOG2_FA_VAR_VAL | SLOG2_FA_STAR | sizeof(int)), (int)(__x)
#define SLOG2_FA_END 0, 0

/* All logging calls: 0, or -1 with errno EINVAL (no buffer and no
 * default buffer, a NULL format, a malformed slog2fa list). A line above
 * the verbosity is dropped and still returns 0. */
int slog2f(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
	   const char *format, ...) __attribute__((format(printf, 4, 5)));
int vslog2f(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
	    const char *format, va_list arglist)
	__attribute__((format(printf, 4, 0)));
/* Arguments in (descriptor, value) pairs built with SLOG2_FA_*, ending
 * with SLOG2_FA_END; decoded against the format at once. */
int slog2fa(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
	    const char *format, ...);
int vslog2fa(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
	     const char *format, va_list arglist);
int slog2c(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
	   const char *data);
/* Verbosity of the buffer's whole set: 0 / -1 (EINVAL); the getter
 * returns SLOG2_INVALID_VERBOSITY for a bad handle. */
int slog2_set_verbosity(slog2_buffer_t buffer, uint8_t verbosity);
uint8_t slog2_get_verbosity(slog2_buffer_t buffer);
/* Register a buffer set: handles[0..num_buffers) are filled. 0, or -1
 * with errno EINVAL (NULL config or handles, num_buffers outside
 * 1..SLOG2_MAX_BUFFERS, a NULL name) or ENOMEM. */
int slog2_register(const slog2_buffer_set_config_t *config,
		   slog2_buffer_t *handles, uint32_t flags);
/* The default buffer for NULL handles; returns the previous one.
 * (slog2_buffer_t)-1 only queries. */
slog2_buffer_t slog2_set_default_buffer(slog2_buffer_t buffer);
/* Forget every buffer set of the process: 0. */
int slog2_reset(void);
/* Nothing is kept in memory here: writes nothing, returns 0. */
int slog2_dump_logs_to_file(FILE *file, uint32_t flags, ...);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_SYS_SLOG2_H */
