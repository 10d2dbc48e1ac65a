/*
 * The servers' shared stderr lines and dispatch loop (see srvutil.h). One
 * server per process, so the program name and verbosity are process-wide.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "srvutil.h"

static const char *log_prog = "ntosim";
static int log_verbose;

void srv_log_init(const char *prog, int verbose)
{
	log_prog = prog;
	log_verbose = verbose;
}

__attribute__((format(printf, 1, 0))) static void vsay(const char *fmt,
						       va_list ap)
{
	fprintf(stderr, "%s: ", log_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void srv_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void srv_vlog(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

int srv_dispatch_loop(dispatch_context_t *ctp)
{
	for (;;) {
		if (!dispatch_block(ctp)) {
			if (errno == EINTR)
				continue;
			srv_log("dispatch_block: %s", strerror(errno));
			return 2;
		}
		dispatch_handler(ctp);
	}
}

void srv_dispatch_free(dispatch_t *dpp, dispatch_context_t *ctp)
{
	if (ctp)
		dispatch_context_free(ctp);
	if (dpp)
		(void)dispatch_destroy(dpp);
}
