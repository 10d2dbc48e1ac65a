/*
 * QNX's <string.h> additions: strlcpy/strlcat (return values and
 * truncation), stricmp/strnicmp/strcmpi/memicmp, strlwr/strupr/strrev and
 * strset/strnset. Built without _GNU_SOURCE or _DEFAULT_SOURCE games: a
 * plain QNX source.
 */
#include <string.h>

#include "libc-check.h"

int main(void)
{
	char buf[8];

	/* strlcpy: fits, exactly fills, truncates; result is strlen(src) */
	CHECK_INT(strlcpy(buf, "abc", sizeof buf), 3);
	CHECK_STR(buf, "abc");
	CHECK_INT(strlcpy(buf, "1234567", sizeof buf), 7);
	CHECK_STR(buf, "1234567");
	CHECK_INT(strlcpy(buf, "123456789", sizeof buf), 9);
	CHECK_STR(buf, "1234567");
	memset(buf, 'x', sizeof buf);
	CHECK_INT(strlcpy(buf, "abc", 0), 3); /* size 0: nothing written */
	CHECK(buf[0] == 'x');
	CHECK_INT(strlcpy(buf, "abc", 1), 3);
	CHECK_STR(buf, "");

	/* strlcat: appends, truncates, returns the length it tried to make */
	strlcpy(buf, "ab", sizeof buf);
	CHECK_INT(strlcat(buf, "cd", sizeof buf), 4);
	CHECK_STR(buf, "abcd");
	CHECK_INT(strlcat(buf, "efghij", sizeof buf), 10);
	CHECK_STR(buf, "abcdefg");
	memset(buf, 'x', sizeof buf); /* no NUL within size */
	CHECK_INT(strlcat(buf, "abc", sizeof buf), sizeof buf + 3);
	CHECK(buf[7] == 'x');

	/* case-insensitive comparisons */
	CHECK_INT(stricmp("Hello", "hELLO"), 0);
	CHECK(stricmp("apple", "BANANA") < 0);
	CHECK(stricmp("Zeta", "alpha") > 0);
	CHECK_INT(strnicmp("ABCdef", "abcXYZ", 3), 0);
	CHECK(strnicmp("ABCdef", "abcXYZ", 4) < 0);
	CHECK_INT(strcmpi("MiXeD", "mixed"), 0);
	CHECK_INT(memicmp("AbC\0x", "aBc\0y", 4), 0);
	CHECK(memicmp("AbC\0x", "aBc\0y", 5) < 0);

	/* in-place edits return their argument */
	char s[] = "Hello World";
	CHECK(strlwr(s) == s);
	CHECK_STR(s, "hello world");
	CHECK_STR(strupr(s), "HELLO WORLD");
	CHECK_STR(strrev(s), "DLROW OLLEH");
	char odd[] = "abc";
	CHECK_STR(strrev(odd), "cba");
	char empty[] = "";
	CHECK_STR(strrev(empty), "");
	char f[] = "abcdef";
	CHECK_STR(strnset(f, '*', 3), "***def");
	CHECK_STR(strnset(f, '-', 100), "------");
	CHECK_STR(strset(f, '#'), "######");
	return 0;
}
