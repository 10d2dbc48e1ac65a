/*
 * QNX's <string.h> additions: strlcpy/strlcat (return values and
 * truncation), stricmp/strnicmp/memicmp and their _ forms,
 * strlwr/strupr/strrev, _strdup and memcpyv across iov boundaries. Built
 * without _GNU_SOURCE or _DEFAULT_SOURCE games: a
 * plain QNX source.
 */
#include <errno.h>
#include <string.h>
#include <sys/neutrino.h> /* SETIOV */
#include <sys/uio.h>

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
	CHECK_INT(_stricmp("MiXeD", "mixed"), 0);
	CHECK_INT(_strnicmp("MiXeD", "miXXX", 3), 0);
	CHECK(_memicmp("ab", "AC", 2) < 0);
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
	char u[] = "MiXeD";
	CHECK_STR(_strlwr(u), "mixed");
	CHECK_STR(_strupr(u), "MIXED");
	char *d = _strdup("copy");
	CHECK(d != NULL);
	CHECK_STR(d, "copy");
	free(d);

	/* memcpyv: 3+5 source bytes (from offset 1) into 2+2+10 (from 1) */
	char s1[] = "abc", s2[] = "defgh", d1[2] = {0}, d2[2] = {0};
	char d3[10] = {0};
	struct iovec src[2], dst[3];
	SETIOV(&src[0], s1, 3);
	SETIOV(&src[1], s2, 5);
	SETIOV(&dst[0], d1, 2);
	SETIOV(&dst[1], d2, 2);
	SETIOV(&dst[2], d3, sizeof d3);
	CHECK_INT(memcpyv(dst, 3, 1, src, 2, 1), 7);
	CHECK(d1[1] == 'b' && d2[0] == 'c' && d2[1] == 'd');
	CHECK(memcmp(d3, "efgh", 5) == 0); /* d3[4] stays 0 */
	CHECK_INT(memcpyv(dst, 3, 100, src, 2, 0), 0);
	CHECK_INT(memcpyv(dst, 3, 0, src, 2, 8), 0);
	return 0;
}
