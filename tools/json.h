/*
 * A minimal JSON reader for ipcd's INFO snapshot (what `pidin --json`
 * prints), shared by pidin and the unit-test fixture. Not installed, and not
 * a general-purpose parser: numbers are integers, strings read control
 * bytes as '?', nesting stops at 64.
 */
#ifndef NTOSIM_TOOLS_JSON_H
#define NTOSIM_TOOLS_JSON_H

#include <stddef.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	long long num; /* J_NUM; J_BOOL: 0 or 1 */
	char *str;     /* J_STR */
	size_t n;
	char **keys;	  /* J_OBJ */
	struct jv **vals; /* J_OBJ, J_ARR */
};

/*
 * Parse the value at the start of text[0..len) (what follows it is not
 * looked at; *endp, if endp is not NULL, gets where the value ended).
 * Returns a tree to release with jv_free, or NULL if there is no valid value
 * there or memory ran out.
 */
struct jv *jv_parse(const char *text, size_t len, const char **endp);
/* Free a tree from jv_parse; NULL is fine. */
void jv_free(struct jv *v);
/* Member `key` of object o, or NULL (also when o is NULL or no object). */
struct jv *jget(const struct jv *o, const char *key);
/* o's member `key` as a number (J_NUM or J_BOOL), else dflt. */
long long jint(const struct jv *o, const char *key, long long dflt);
/* o's member `key` as a string, else "". */
const char *jstr(const struct jv *o, const char *key);
/* The length of array a, 0 if a is NULL or no array. */
size_t jlen(const struct jv *a);
/* Element i (< jlen(a)) of array a. */
const struct jv *jat(const struct jv *a, size_t i);

#endif /* NTOSIM_TOOLS_JSON_H */
