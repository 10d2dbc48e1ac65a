/*
 * slogger2 on Linux: buffer sets are names and a verbosity; every line
 * goes to syslog(3) and/or stderr (nto__slog_emit, shared with slog.c's
 * slogf). slog2fa's (descriptor, value) pairs are decoded against the
 * format when logged. No shared-memory buffers, no slog2info.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/slog2.h>
#include <syslog.h>
#include <unistd.h>

#include "compat/slog-internal.h"
#include "lib/internal.h"

#define LINE_MAX_BYTES 2048

struct slog2_set {
	char name[64];
	_Atomic uint8_t verbosity;
};

struct slog2_buffer_meta {
	struct slog2_set *set;
	char name[64];
};

static pthread_mutex_t slog_lock = PTHREAD_MUTEX_INITIALIZER;
static slog2_buffer_t default_buffer;
static char ident[64];
static int ident_open;

static const char *const sev_names[8] = {
	"SHUTDOWN", "CRITICAL", "ERROR",  "WARNING",
	"NOTICE",   "INFO",	"DEBUG1", "DEBUG2",
};
static const int sev_syslog[8] = {
	LOG_EMERG,  LOG_CRIT, LOG_ERR,	 LOG_WARNING,
	LOG_NOTICE, LOG_INFO, LOG_DEBUG, LOG_DEBUG,
};

/* Where lines go: bit 1 syslog, bit 2 stderr. Read each time, so a
 * daemon whose stderr became /dev/null stops writing there. */
static int sinks(void)
{
	const char *e = getenv("NTOSIM_SLOG");

	if (e && strcmp(e, "stderr") == 0)
		return 2;
	if (e && strcmp(e, "syslog") == 0)
		return 1;
	if (e && strcmp(e, "both") == 0)
		return 3;
	if (e && strcmp(e, "none") == 0)
		return 0;
	return 1 | (isatty(2) ? 2 : 0);
}

int nto__slog_format(char *buf, size_t len, const char *who, unsigned code,
		     int severity, const char *text)
{
	return snprintf(buf, len, "%s[%d]: %s %u: %s\n", who, (int)getpid(),
			sev_names[severity & 7], code, text);
}

void nto__slog_emit(const char *id, const char *who, unsigned code,
		    int severity, const char *text)
{
	char line[LINE_MAX_BYTES + 128];
	int s = sinks(), n;

	severity &= 7;
	if (s & 1) {
		/* one ident per process in syslog(3): switch it under our
		 * lock so each of our lines carries its own */
		pthread_mutex_lock(&slog_lock);
		if (!ident_open || strcmp(ident, id) != 0) {
			/* syslog keeps the pointer: static storage */
			snprintf(ident, sizeof(ident), "%s", id);
			openlog(ident, LOG_PID, LOG_USER);
			ident_open = 1;
		}
		syslog(sev_syslog[severity], "%s: %s %u: %s", who,
		       sev_names[severity], code, text);
		pthread_mutex_unlock(&slog_lock);
	}
	if (s & 2) {
		n = nto__slog_format(line, sizeof(line), who, code, severity,
				     text);
		if (n > (int)sizeof(line) - 1)
			n = (int)sizeof(line) - 1;
		if (n > 0 && nto__sys_write(2, line, (size_t)n) < 0)
			return; /* nowhere left to report it */
	}
}

NTO_EXPORT int slog2_register(const slog2_buffer_set_config_t *config,
			      slog2_buffer_t *handles, uint32_t flags)
{
	struct slog2_set *set;
	int i;

	(void)flags;
	if (!config || !handles || config->num_buffers < 1 ||
	    config->num_buffers > SLOG2_MAX_BUFFERS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < config->num_buffers; i++)
		if (!config->buffer_config[i].buffer_name) {
			errno = EINVAL;
			return -1;
		}
	set = calloc(1, sizeof(*set));
	if (!set)
		return -1;
	snprintf(set->name, sizeof(set->name), "%s",
		 config->buffer_set_name ? config->buffer_set_name
					 : program_invocation_short_name);
	set->verbosity = config->verbosity_level;
	for (i = 0; i < config->num_buffers; i++) {
		handles[i] = calloc(1, sizeof(*handles[i]));
		if (!handles[i]) {
			while (i-- > 0)
				free(handles[i]);
			free(set);
			errno = ENOMEM;
			return -1;
		}
		handles[i]->set = set;
		snprintf(handles[i]->name, sizeof(handles[i]->name), "%s",
			 config->buffer_config[i].buffer_name);
	}
	return 0;
}

NTO_EXPORT slog2_buffer_t slog2_set_default_buffer(slog2_buffer_t buffer)
{
	slog2_buffer_t old;

	pthread_mutex_lock(&slog_lock);
	old = default_buffer;
	if (buffer != (slog2_buffer_t)-1)
		default_buffer = buffer;
	pthread_mutex_unlock(&slog_lock);
	return old;
}

NTO_EXPORT int slog2_reset(void)
{
	/* handles stay allocated (a stale one must not crash a late
	 * logger); only the default goes */
	slog2_set_default_buffer(NULL);
	return 0;
}

static slog2_buffer_t pick(slog2_buffer_t b)
{
	if (b && b != (slog2_buffer_t)-1)
		return b;
	pthread_mutex_lock(&slog_lock);
	b = default_buffer;
	pthread_mutex_unlock(&slog_lock);
	return b;
}

NTO_EXPORT int slog2_set_verbosity(slog2_buffer_t buffer, uint8_t verbosity)
{
	buffer = pick(buffer);
	if (!buffer || verbosity > SLOG2_DEBUG2) {
		errno = EINVAL;
		return -1;
	}
	buffer->set->verbosity = verbosity;
	return 0;
}

NTO_EXPORT uint8_t slog2_get_verbosity(slog2_buffer_t buffer)
{
	buffer = pick(buffer);
	return buffer ? buffer->set->verbosity : SLOG2_INVALID_VERBOSITY;
}

/* Emit `text` through buffer b; 0, or -1/EINVAL with no buffer. */
static int emit(slog2_buffer_t b, uint16_t code, uint8_t severity,
		const char *text)
{
	char who[sizeof(b->set->name) + sizeof(b->name) + 1];

	if (!b || !text || severity > SLOG2_DEBUG2) {
		errno = EINVAL;
		return -1;
	}
	if (severity > b->set->verbosity)
		return 0;
	snprintf(who, sizeof(who), "%s.%s", b->set->name, b->name);
	nto__slog_emit(b->set->name, who, code, severity, text);
	return 0;
}

NTO_EXPORT int slog2c(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
		      const char *data)
{
	return emit(pick(buffer), code, severity, data);
}

NTO_EXPORT int vslog2f(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
		       const char *format, va_list arglist)
{
	char text[LINE_MAX_BYTES];

	buffer = pick(buffer);
	if (!format) {
		errno = EINVAL;
		return -1;
	}
	if (buffer && severity <= SLOG2_DEBUG2 &&
	    severity > buffer->set->verbosity)
		return 0; /* do not even format it */
	vsnprintf(text, sizeof(text), format, arglist);
	return emit(buffer, code, severity, text);
}

NTO_EXPORT int slog2f(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
		      const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = vslog2f(buffer, code, severity, format, ap);
	va_end(ap);
	return rc;
}

/* One (descriptor, value) pair of slog2fa; 0 at SLOG2_FA_END. */
struct fa_arg {
	unsigned desc;
	int is_str, is_star;
	const char *s;
	unsigned long long u;
	double d;
};

static int fa_next(va_list *ap, struct fa_arg *a, int want_double)
{
	unsigned size;

	memset(a, 0, sizeof(*a));
	a->desc = va_arg(*ap, unsigned);
	if (a->desc == 0) {
		(void)va_arg(*ap, int); /* SLOG2_FA_END's second 0 */
		return 0;
	}
	size = a->desc & SLOG2_FA_SIZE_MASK;
	switch (a->desc & SLOG2_FA_TYPE_MASK) {
	case SLOG2_FA_STRING:
		a->is_str = 1;
		a->s = va_arg(*ap, const char *);
		return 1;
	case SLOG2_FA_STAR:
		a->is_star = 1;
		a->u = (unsigned long long)(long long)va_arg(*ap, int);
		return 1;
	default:
		break;
	}
	/* floats are promoted to double; the format says which it is */
	if (want_double && (size == sizeof(float) || size == sizeof(double)))
		a->d = va_arg(*ap, double);
	else if (size > sizeof(int))
		a->u = va_arg(*ap, unsigned long long);
	else if ((a->desc & SLOG2_FA_TYPE_MASK) == SLOG2_FA_SIGNED)
		a->u = (unsigned long long)(long long)va_arg(*ap, int);
	else
		a->u = va_arg(*ap, unsigned);
	return 1;
}

/* Decode slog2fa's pairs against `format` into text (at most len). Each
 * conversion is re-printed with a spec built here from the checked flag,
 * width and conversion characters, so the non-literal format is safe. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int nto__slog2fa_format(char *text, size_t len, const char *format, va_list ap)
{
	size_t out = 0;
	const char *p = format;
	va_list aq;

	va_copy(aq, ap);
	text[0] = '\0';
	while (*p && out + 1 < len) {
		char spec[32], conv;
		size_t k = 0;
		int star[2], nstar = 0, n = 0;
		struct fa_arg a;

		if (*p != '%' || p[1] == '%') {
			text[out++] = *p;
			p += *p == '%' ? 2 : 1;
			text[out] = '\0';
			continue;
		}
		spec[k++] = *p++;
		/* flags, width, precision; '*' takes a STAR pair */
		while (*p && strchr("-+ #0123456789.*", *p) && k < 20) {
			if (*p == '*') {
				if (nstar == 2 || !fa_next(&aq, &a, 0) ||
				    !a.is_star)
					goto bad;
				star[nstar++] = (int)a.u;
			}
			spec[k++] = *p++;
		}
		while (*p && strchr("hlLqjzt", *p))
			p++; /* the descriptor's size decides */
		conv = *p;
		if (!conv || !strchr("diouxXeEfFgGaAcsp", conv))
			goto bad;
		p++;
		if (!fa_next(&aq, &a, strchr("eEfFgGaA", conv) != NULL))
			break; /* fewer arguments than conversions: stop */
		if (strchr("diouxX", conv)) {
			spec[k++] = 'l';
			spec[k++] = 'l';
		}
		spec[k++] = conv;
		spec[k] = '\0';
#define FA_PRINT(v)                                                           \
	(nstar == 2                                                           \
		 ? snprintf(text + out, len - out, spec, star[0], star[1], v) \
	 : nstar == 1 ? snprintf(text + out, len - out, spec, star[0], v)     \
		      : snprintf(text + out, len - out, spec, v))
		if (conv == 's')
			n = FA_PRINT(a.is_str && a.s ? a.s : "(null)");
		else if (strchr("eEfFgGaA", conv))
			n = FA_PRINT(a.d);
		else if (conv == 'c')
			n = FA_PRINT((int)a.u);
		else if (conv == 'p')
			n = FA_PRINT((void *)(uintptr_t)a.u);
		else
			n = FA_PRINT(a.u);
#undef FA_PRINT
		if (n < 0)
			goto bad;
		out += (size_t)n < len - out ? (size_t)n : len - out - 1;
	}
	va_end(aq);
	return 0;
bad:
	va_end(aq);
	return -EINVAL;
}
#pragma GCC diagnostic pop

NTO_EXPORT int vslog2fa(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
			const char *format, va_list arglist)
{
	char text[LINE_MAX_BYTES];
	int rc;

	buffer = pick(buffer);
	if (!format) {
		errno = EINVAL;
		return -1;
	}
	if (buffer && severity <= SLOG2_DEBUG2 &&
	    severity > buffer->set->verbosity)
		return 0;
	rc = nto__slog2fa_format(text, sizeof(text), format, arglist);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return emit(buffer, code, severity, text);
}

NTO_EXPORT int slog2fa(slog2_buffer_t buffer, uint16_t code, uint8_t severity,
		       const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = vslog2fa(buffer, code, severity, format, ap);
	va_end(ap);
	return rc;
}

NTO_EXPORT int slog2_dump_logs_to_file(FILE *file, uint32_t flags, ...)
{
	(void)file;
	(void)flags;
	return 0;
}
