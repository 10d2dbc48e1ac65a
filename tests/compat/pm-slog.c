/*
 * Logging as QNX programs do it: a slog2 buffer set registered with two
 * buffers, slog2f / slog2c / slog2fa lines at several severities around a
 * verbosity change, and the older slogf with _SLOG_SETCODE codes. Linked
 * with -lslog2 (no -lnto): libslog2 must bring everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/slog2.h>
#include <sys/slogcodes.h>

int main(void)
{
	slog2_buffer_set_config_t config;
	slog2_buffer_t buffers[2];
	int8_t small = -5;
	uint64_t big = 1234567890123ull;

	memset(&config, 0, sizeof config);
	config.buffer_set_name = "pmslog";
	config.num_buffers = 2;
	config.verbosity_level = SLOG2_INFO;
	config.buffer_config[0].buffer_name = "main";
	config.buffer_config[0].num_pages = 7;
	config.buffer_config[1].buffer_name = "hi_rate";
	config.buffer_config[1].num_pages = 2;
	if (slog2_register(&config, buffers, 0) == -1) {
		fprintf(stderr, "slog2_register failed\n");
		return EXIT_FAILURE;
	}
	slog2_set_default_buffer(buffers[0]);
	slog2f(buffers[0], 11, SLOG2_INFO, "started %d %s", 42, "ok");
	slog2f(NULL, 12, SLOG2_DEBUG1, "hidden at INFO verbosity");
	slog2c(buffers[1], 13, SLOG2_ERROR, "constant string");
	slog2fa(NULL, 14, SLOG2_WARNING, "s=%s n=%d big=%llu w=[%*d] pi=%.2f",
		SLOG2_FA_STRING("hello"), SLOG2_FA_SIGNED(small),
		SLOG2_FA_UNSIGNED(big), SLOG2_FA_STAR(4), SLOG2_FA_SIGNED(7),
		SLOG2_FA_DOUBLE(3.14159), SLOG2_FA_END);
	if (slog2_set_verbosity(buffers[0], SLOG2_DEBUG2) == -1 ||
	    slog2_get_verbosity(buffers[1]) != SLOG2_DEBUG2) {
		fprintf(stderr, "verbosity is per buffer set\n");
		return EXIT_FAILURE;
	}
	slog2f(NULL, 15, SLOG2_DEBUG2, "shown at DEBUG2 verbosity");
	slogf(_SLOG_SETCODE(_SLOGC_CHAR, 3), _SLOG_NOTICE, "old api %u", 7u);
	if (slogf(0, 9, "bad severity") != -1)
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}
