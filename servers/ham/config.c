/*
 * ntosim-ham's configuration: the stanza file (docs/ntosim-ham.8, CONFIG),
 * -o KEY=VALUE defaults and one-off command lines, parsed into struct
 * ham_spec. Pure text handling: no processes, no ipcd; check_ham links it
 * directly.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ham.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define INTENSITY_MAX	 1000u

void ham_spec_defaults(struct ham_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->restart = HAM_RESTART_ALWAYS;
	s->intensity = 5;
	s->period_ms = 10000;
	s->backoff_ms = 100;
	s->backoff_max_ms = 5000;
	s->backoff_reset_ms = 10000;
	s->ready_timeout_ms = 10000;
	s->heartbeat_ms = 0;
	s->stop_timeout_ms = 3000;
	s->permanent_exit = HAM_EXIT_PERMANENT;
	s->autostart = 1;
}

void ham_free_words(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void ham_spec_free(struct ham_spec *s)
{
	ham_free_words(s->argv);
	ham_free_words(s->env);
	free(s->dir);
	free(s->ready);
	s->argv = s->env = NULL;
	s->dir = s->ready = NULL;
}

static char **words_dup(char *const *v)
{
	size_t n = 0;
	char **d;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	d = calloc(n + 1, sizeof(*d));
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			ham_free_words(d);
			return NULL;
		}
	}
	return d;
}

int ham_spec_copy(struct ham_spec *dst, const struct ham_spec *src)
{
	*dst = *src;
	dst->argv = dst->env = NULL;
	dst->dir = dst->ready = NULL;
	if ((src->argv && !(dst->argv = words_dup(src->argv))) ||
	    (src->env && !(dst->env = words_dup(src->env))) ||
	    (src->dir && !(dst->dir = strdup(src->dir))) ||
	    (src->ready && !(dst->ready = strdup(src->ready)))) {
		ham_spec_free(dst);
		return -ENOMEM;
	}
	return 0;
}

int ham_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= HAM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return 0;
	return 1;
}

int ham_parse_duration(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60000;
	else if (!strcmp(end, "h"))
		v *= 3600000;
	else
		return -1;
	if (v > 1e12) /* about 31 years: nonsense */
		return -1;
	*ms = (uint64_t)(v + 0.5);
	return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") ||
	    !strcmp(s, "1"))
		*out = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") ||
		 !strcmp(s, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Two blank-separated words: "A B". Returns 0 with pointers into buf. */
static int split2(char *buf, char **a, char **b)
{
	char *p = buf;

	while (isspace((unsigned char)*p))
		p++;
	*a = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (!*p)
		return -1;
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	*b = p;
	if (!*p || strpbrk(p, " \t"))
		return -1;
	return 0;
}

char **ham_split_words(const char *line)
{
	size_t cap = 8, n = 0, len = strlen(line);
	char **v = calloc(cap, sizeof(*v));
	char *w = malloc(len + 1);
	const char *p = line;

	if (!v || !w)
		goto nomem;
	for (;;) {
		size_t k = 0;
		int have = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			have = 1;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (!q)
					goto inval;
				memcpy(w + k, p + 1, (size_t)(q - p - 1));
				k += (size_t)(q - p - 1);
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (!*p)
						goto inval;
					if (*p == '\\' && p[1] &&
					    strchr("\"\\$`", p[1]))
						p++;
					w[k++] = *p;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1])
					goto inval;
				w[k++] = p[1];
				p += 2;
			} else {
				w[k++] = *p++;
			}
		}
		if (!have)
			continue;
		if (n + 2 > cap) {
			char **nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
			cap *= 2;
		}
		v[n] = malloc(k + 1);
		if (!v[n])
			goto nomem;
		memcpy(v[n], w, k);
		v[n][k] = '\0';
		v[++n] = NULL;
	}
	free(w);
	if (n == 0) {
		free(v);
		errno = EINVAL;
		return NULL;
	}
	return v;
inval:
	free(w);
	ham_free_words(v);
	errno = EINVAL;
	return NULL;
nomem:
	free(w);
	ham_free_words(v);
	errno = ENOMEM;
	return NULL;
}

static int set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append one KEY=VALUE to a NULL-terminated vector. */
static int env_add(char ***envp, const char *kv)
{
	size_t n = 0;
	char **v = *envp, **nv;

	while (v && v[n])
		n++;
	nv = realloc(v, (n + 2) * sizeof(*nv));
	if (!nv)
		return -1;
	nv[n] = strdup(kv);
	if (!nv[n]) {
		*envp = nv;
		nv[n] = NULL;
		return -1;
	}
	nv[n + 1] = NULL;
	*envp = nv;
	return 0;
}

int ham_spec_set(struct ham_spec *s, const char *key, const char *value,
		 char *err, size_t errlen)
{
	char buf[256];
	char *a, *b;
	uint64_t ms, ms2;
	unsigned u;
	int bv;

	if (!strcmp(key, "command")) {
		char **v = ham_split_words(value);
		if (!v)
			return set_err(err, errlen, "%s",
				       errno == ENOMEM
					       ? "out of memory"
					       : "command: empty or unbalanced "
						 "quote");
		ham_free_words(s->argv);
		s->argv = v;
		return 0;
	}
	if (!strcmp(key, "restart")) {
		if (!strcmp(value, "always"))
			s->restart = HAM_RESTART_ALWAYS;
		else if (!strcmp(value, "on-failure"))
			s->restart = HAM_RESTART_ON_FAILURE;
		else if (!strcmp(value, "never"))
			s->restart = HAM_RESTART_NEVER;
		else
			return set_err(err, errlen,
				       "restart: '%s' is not always, "
				       "on-failure or never",
				       value);
		return 0;
	}
	if (!strcmp(key, "intensity") || !strcmp(key, "backoff")) {
		if (strlen(value) >= sizeof(buf))
			return set_err(err, errlen, "%s: too long", key);
		strcpy(buf, value);
		if (split2(buf, &a, &b) < 0)
			return set_err(err, errlen,
				       "%s: want two values, got "
				       "'%s'",
				       key, value);
		if (!strcmp(key, "intensity")) {
			if (parse_uint(a, INTENSITY_MAX, &u) < 0 ||
			    ham_parse_duration(b, &ms) < 0 || ms == 0)
				return set_err(err, errlen,
					       "intensity: want 'N PERIOD' "
					       "(N <= 1000, e.g. 5 10s), got "
					       "'%s'",
					       value);
			s->intensity = u;
			s->period_ms = ms;
		} else {
			if (ham_parse_duration(a, &ms) < 0 ||
			    ham_parse_duration(b, &ms2) < 0 || ms2 < ms)
				return set_err(err, errlen,
					       "backoff: want 'INITIAL MAX' "
					       "(e.g. 100ms 5s, MAX >= "
					       "INITIAL), got '%s'",
					       value);
			s->backoff_ms = ms;
			s->backoff_max_ms = ms2;
		}
		return 0;
	}
	if (!strcmp(key, "backoff-reset") || !strcmp(key, "ready-timeout") ||
	    !strcmp(key, "heartbeat") || !strcmp(key, "stop-timeout")) {
		if (ham_parse_duration(value, &ms) < 0)
			return set_err(err, errlen,
				       "%s: '%s' is not a duration (e.g. "
				       "500, 500ms, 2s)",
				       key, value);
		if (!strcmp(key, "backoff-reset"))
			s->backoff_reset_ms = ms;
		else if (!strcmp(key, "ready-timeout"))
			s->ready_timeout_ms = ms ? ms : 1;
		else if (!strcmp(key, "heartbeat"))
			s->heartbeat_ms = ms;
		else
			s->stop_timeout_ms = ms;
		return 0;
	}
	if (!strcmp(key, "ready")) {
		char path[1024];

		if (!*value || !strcmp(value, "none")) {
			free(s->ready);
			s->ready = NULL;
			return 0;
		}
		if (value[0] == '/')
			snprintf(path, sizeof(path), "%s", value);
		else if (ham_name_ok(value))
			/* a name: what name_attach(NAME) registers */
			snprintf(path, sizeof(path), "/dev/name/local/%s",
				 value);
		else
			return set_err(err, errlen,
				       "ready: '%s' is neither an absolute "
				       "path nor a name",
				       value);
		free(s->ready);
		s->ready = strdup(path);
		return s->ready ? 0 : set_err(err, errlen, "out of memory");
	}
	if (!strcmp(key, "permanent-exit")) {
		if (!strcmp(value, "none")) {
			s->permanent_exit = -1;
			return 0;
		}
		if (parse_uint(value, 255, &u) < 0 || u == 0)
			return set_err(err, errlen,
				       "permanent-exit: want 1..255 or none, "
				       "got '%s'",
				       value);
		s->permanent_exit = (int)u;
		return 0;
	}
	if (!strcmp(key, "start")) {
		if (parse_bool(value, &bv) < 0)
			return set_err(err, errlen,
				       "start: want yes or no, got '%s'",
				       value);
		s->autostart = bv;
		return 0;
	}
	if (!strcmp(key, "dir")) {
		free(s->dir);
		s->dir = *value ? strdup(value) : NULL;
		return 0;
	}
	if (!strcmp(key, "env")) {
		if (!strchr(value, '=') || value[0] == '=')
			return set_err(err, errlen,
				       "env: want KEY=VALUE, got '%s'", value);
		return env_add(&s->env, value) < 0
			       ? set_err(err, errlen, "out of memory")
			       : 0;
	}
	return set_err(err, errlen, "unknown key '%s'", key);
}

void ham_config_init(struct ham_config *c)
{
	memset(c, 0, sizeof(*c));
	ham_spec_defaults(&c->defaults);
}

void ham_config_free(struct ham_config *c)
{
	for (int i = 0; i < c->n; i++)
		ham_spec_free(&c->spec[i]);
	free(c->spec);
	ham_spec_free(&c->defaults);
	c->spec = NULL;
	c->n = 0;
}

static struct ham_spec *config_new(struct ham_config *c, const char *name)
{
	struct ham_spec *ns =
		realloc(c->spec, (size_t)(c->n + 1) * sizeof(*ns));

	if (!ns)
		return NULL;
	c->spec = ns;
	if (ham_spec_copy(&ns[c->n], &c->defaults) < 0)
		return NULL;
	/* command and ready are per server (-o ready= is for a one-off) */
	ham_free_words(ns[c->n].argv);
	ns[c->n].argv = NULL;
	free(ns[c->n].ready);
	ns[c->n].ready = NULL;
	snprintf(ns[c->n].name, sizeof(ns[c->n].name), "%s", name);
	return &ns[c->n++];
}

static int config_find(const struct ham_config *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->spec[i].name, name))
			return i;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int ham_config_parse(struct ham_config *c, const char *text, const char *name,
		     char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next;
	struct ham_spec *cur = NULL;
	int lineno = 0, in_defaults = 0, first = c->n;
	char msg[256];

	if (!copy)
		return set_err(err, errlen, "%s: out of memory", name);
	for (line = copy; line; line = next) {
		char *p, *eq, *key, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		p = trim(line);
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			char *q = strchr(p, ']');
			if (!q || q[1]) {
				snprintf(err, errlen,
					 "%s:%d: bad stanza header", name,
					 lineno);
				goto fail;
			}
			*q = '\0';
			p = trim(p + 1);
			if (!strcmp(p, "defaults")) {
				in_defaults = 1;
				cur = NULL;
				continue;
			}
			if (!ham_name_ok(p)) {
				snprintf(
					err, errlen,
					"%s:%d: bad server name '%.40s' (1..31 "
					"of A-Z a-z 0-9 . _ -)",
					name, lineno, p);
				goto fail;
			}
			if (config_find(c, p) >= 0) {
				snprintf(err, errlen,
					 "%s:%d: server '%s' defined twice",
					 name, lineno, p);
				goto fail;
			}
			in_defaults = 0;
			cur = config_new(c, p);
			if (!cur) {
				snprintf(err, errlen, "%s: out of memory",
					 name);
				goto fail;
			}
			continue;
		}
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: want KEY = VALUE", name,
				 lineno);
			goto fail;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if (!cur && !in_defaults) {
			snprintf(err, errlen,
				 "%s:%d: '%s' outside a [server] stanza", name,
				 lineno, key);
			goto fail;
		}
		if (in_defaults &&
		    (!strcmp(key, "command") || !strcmp(key, "ready"))) {
			snprintf(err, errlen,
				 "%s:%d: '%s' belongs in a server's stanza",
				 name, lineno, key);
			goto fail;
		}
		if (ham_spec_set(in_defaults ? &c->defaults : cur, key, val,
				 msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
			goto fail;
		}
	}
	for (int i = first; i < c->n; i++)
		if (!c->spec[i].argv) {
			snprintf(err, errlen, "%s: server '%s' has no command",
				 name, c->spec[i].name);
			goto fail;
		}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

int ham_config_load(struct ham_config *c, const char *path, char *err,
		    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;
	int rc;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > (off_t)CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (strlen(buf) != got) {
		free(buf);
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		return -1;
	}
	rc = ham_config_parse(c, buf, path, err, errlen);
	free(buf);
	return rc;
}

int ham_config_add_argv(struct ham_config *c, const char *name,
			char *const argv[], char *err, size_t errlen)
{
	char base[HAM_NAME_MAX];
	struct ham_spec *s;

	if (!argv || !argv[0]) {
		snprintf(err, errlen, "no command after --");
		return -1;
	}
	if (!name) {
		const char *b = strrchr(argv[0], '/');
		snprintf(base, sizeof(base), "%s", b ? b + 1 : argv[0]);
		name = base;
	}
	if (!ham_name_ok(name)) {
		snprintf(err, errlen,
			 "bad server name '%.40s' (1..31 of A-Z a-z 0-9 . _ "
			 "-): use -N NAME",
			 name);
		return -1;
	}
	if (config_find(c, name) >= 0) {
		snprintf(err, errlen, "server '%s' defined twice", name);
		return -1;
	}
	s = config_new(c, name);
	if (!s || !(s->argv = words_dup(argv))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* for a one-off, -o ready= is meant for this server */
	if (c->defaults.ready && !s->ready)
		s->ready = strdup(c->defaults.ready);
	return 0;
}
