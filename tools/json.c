/*
 * A minimal JSON reader for ipcd's INFO snapshot (what `pidin --json`
 * prints), shared by pidin and the unit-test fixture: integers, strings
 * (control bytes read as '?'), objects and arrays nested at most 64 deep.
 * Not a general-purpose parser.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

struct jparse {
	const char *p;
	const char *end;
	int depth;
};

void jv_free(struct jv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->vals[i]);
	}
	free(v->keys);
	free(v->vals);
	free(v->str);
	free(v);
}

static void jskip(struct jparse *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\n' ||
				   *jp->p == '\t' || *jp->p == '\r'))
		jp->p++;
}

static char *jstring(struct jparse *jp)
{
	size_t cap = 16, len = 0;
	char *s, *ns;

	if (jp->p >= jp->end || *jp->p != '"')
		return NULL;
	jp->p++;
	s = malloc(cap);
	if (!s)
		return NULL;
	while (jp->p < jp->end && *jp->p != '"') {
		char c = *jp->p++;

		if (c == '\\' && jp->p < jp->end) {
			c = *jp->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				/* ipcd escapes only control bytes this way */
				if (jp->end - jp->p < 4)
					goto fail;
				c = (char)strtol((char[5]){jp->p[0], jp->p[1],
							   jp->p[2], jp->p[3],
							   0},
						 NULL, 16);
				jp->p += 4;
				break;
			default:
				break; /* '"', '\\', '/' stand for themselves */
			}
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?'; /* never print control bytes to a terminal */
		if (len + 2 > cap) {
			cap *= 2;
			ns = realloc(s, cap);
			if (!ns)
				goto fail;
			s = ns;
		}
		s[len++] = c;
	}
	if (jp->p >= jp->end)
		goto fail;
	jp->p++;
	s[len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static struct jv *jvalue(struct jparse *jp);

static int jpush(struct jv *v, char *key, struct jv *item)
{
	char **nk = NULL;
	struct jv **nv;

	nv = realloc(v->vals, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	v->vals = nv;
	if (v->t == J_OBJ) {
		nk = realloc(v->keys, (v->n + 1) * sizeof(*nk));
		if (!nk)
			return -1;
		v->keys = nk;
		v->keys[v->n] = key;
	}
	v->vals[v->n++] = item;
	return 0;
}

static struct jv *jcontainer(struct jparse *jp, enum jtype t)
{
	char close = t == J_OBJ ? '}' : ']';
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->t = t;
	jp->p++;
	jskip(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		jskip(jp);
		if (t == J_OBJ) {
			key = jstring(jp);
			jskip(jp);
			if (!key || jp->p >= jp->end || *jp->p != ':') {
				free(key);
				goto fail;
			}
			jp->p++;
		}
		item = jvalue(jp);
		if (!item || jpush(v, key, item) < 0) {
			free(key);
			jv_free(item);
			goto fail;
		}
		jskip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			return v;
		}
		goto fail;
	}
fail:
	jv_free(v);
	return NULL;
}

static struct jv *jvalue(struct jparse *jp)
{
	struct jv *v;

	jskip(jp);
	if (jp->p >= jp->end || ++jp->depth > 64)
		return NULL;
	if (*jp->p == '{' || *jp->p == '[') {
		v = jcontainer(jp, *jp->p == '{' ? J_OBJ : J_ARR);
		jp->depth--;
		return v;
	}
	jp->depth--;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	if (*jp->p == '"') {
		v->t = J_STR;
		v->str = jstring(jp);
		if (!v->str)
			goto fail;
	} else if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->t = J_BOOL;
		v->num = *jp->p == 't';
		jp->p += v->num ? 4 : 5;
	} else if (!strncmp(jp->p, "null", 4)) {
		v->t = J_NULL;
		jp->p += 4;
	} else {
		char *e;

		v->t = J_NUM;
		v->num = strtoll(jp->p, &e, 10);
		if (e == jp->p)
			goto fail;
		jp->p = e;
	}
	return v;
fail:
	jv_free(v);
	return NULL;
}

struct jv *jv_parse(const char *text, size_t len, const char **endp)
{
	struct jparse jp = {.p = text, .end = text + len};
	struct jv *v = jvalue(&jp);

	if (endp)
		*endp = jp.p;
	return v;
}

struct jv *jget(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->t != J_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++) {
		if (!strcmp(o->keys[i], key))
			return o->vals[i];
	}
	return NULL;
}

long long jint(const struct jv *o, const char *key, long long dflt)
{
	const struct jv *v = jget(o, key);

	return v && (v->t == J_NUM || v->t == J_BOOL) ? v->num : dflt;
}

const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->str : "";
}

size_t jlen(const struct jv *a)
{
	return a && a->t == J_ARR ? a->n : 0;
}

const struct jv *jat(const struct jv *a, size_t i)
{
	return a->vals[i];
}
