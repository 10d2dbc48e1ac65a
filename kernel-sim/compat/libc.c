/*
 * QNX libc extensions that glibc lacks: the itoa family, strlcpy/strlcat,
 * the Watcom case-insensitive and in-place string calls, memcpyv, and
 * delay().
 * Declared in ntosim's <stdlib.h>, <string.h> and <unistd.h> overlays.
 * Pure libc-level code: nothing here talks to ipcd.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define NTO_EXPORT __attribute__((visibility("default")))

/* ---- <stdlib.h>: itoa family ---- */

/* Digits of v in radix (2..36) into buf, after an optional '-'. */
static char *utoa_common(unsigned long long v, int neg, char *buf, int radix)
{
	char tmp[sizeof v * 8];
	char *p = buf;
	int n = 0;

	if (buf == NULL)
		return NULL;
	if (radix < 2 || radix > 36) {
		buf[0] = '\0';
		errno = EINVAL;
		return buf;
	}
	do {
		unsigned d = (unsigned)(v % (unsigned)radix);

		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= (unsigned)radix;
	} while (v != 0);
	if (neg)
		*p++ = '-';
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
	return buf;
}

/* Signed forms: a '-' only in radix 10; other radixes convert the bits
 * (width bits of two's complement) as unsigned. */
static char *stoa_common(long long v, unsigned long long mask, char *buf,
			 int radix)
{
	if (radix == 10 && v < 0)
		return utoa_common(0ull - (unsigned long long)v, 1, buf, radix);
	return utoa_common((unsigned long long)v & mask, 0, buf, radix);
}

NTO_EXPORT char *itoa(int value, char *buf, int radix)
{
	return stoa_common(value, (unsigned long long)(unsigned)-1, buf, radix);
}

NTO_EXPORT char *ltoa(long value, char *buf, int radix)
{
	return stoa_common(value, (unsigned long long)(unsigned long)-1, buf,
			   radix);
}

NTO_EXPORT char *lltoa(long long value, char *buf, int radix)
{
	return stoa_common(value, ~0ull, buf, radix);
}

NTO_EXPORT char *utoa(unsigned value, char *buf, int radix)
{
	return utoa_common(value, 0, buf, radix);
}

NTO_EXPORT char *ultoa(unsigned long value, char *buf, int radix)
{
	return utoa_common(value, 0, buf, radix);
}

NTO_EXPORT char *ulltoa(unsigned long long value, char *buf, int radix)
{
	return utoa_common(value, 0, buf, radix);
}

/* ---- <string.h> ---- */

NTO_EXPORT size_t strlcpy(char *restrict dst, const char *restrict src,
			  size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

NTO_EXPORT size_t strlcat(char *restrict dst, const char *restrict src,
			  size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size) /* no NUL within size: nothing appended */
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

NTO_EXPORT int stricmp(const char *s1, const char *s2)
{
	return strcasecmp(s1, s2);
}

NTO_EXPORT int _stricmp(const char *s1, const char *s2)
{
	return strcasecmp(s1, s2);
}

NTO_EXPORT int strnicmp(const char *s1, const char *s2, size_t n)
{
	return strncasecmp(s1, s2, n);
}

NTO_EXPORT int _strnicmp(const char *s1, const char *s2, size_t n)
{
	return strncasecmp(s1, s2, n);
}

NTO_EXPORT int memicmp(const void *s1, const void *s2, size_t n)
{
	const unsigned char *a = s1, *b = s2;

	for (size_t i = 0; i < n; i++) {
		int d = tolower(a[i]) - tolower(b[i]);

		if (d != 0)
			return d;
	}
	return 0;
}

NTO_EXPORT int _memicmp(const void *s1, const void *s2, size_t n)
{
	return memicmp(s1, s2, n);
}

NTO_EXPORT char *strlwr(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		*p = (unsigned char)tolower(*p);
	return s;
}

NTO_EXPORT char *_strlwr(char *s)
{
	return strlwr(s);
}

NTO_EXPORT char *strupr(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		*p = (unsigned char)toupper(*p);
	return s;
}

NTO_EXPORT char *_strupr(char *s)
{
	return strupr(s);
}

NTO_EXPORT char *strrev(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n / 2; i++) {
		char c = s[i];

		s[i] = s[n - 1 - i];
		s[n - 1 - i] = c;
	}
	return s;
}

NTO_EXPORT char *_strdup(const char *s)
{
	return strdup(s);
}

/* Skip off bytes into iov[0..parts): *i and *at locate the next byte. */
static void iov_seek(const struct iovec *iov, int parts, size_t off, int *i,
		     size_t *at)
{
	*i = 0;
	while (*i < parts && off >= iov[*i].iov_len) {
		off -= iov[*i].iov_len;
		(*i)++;
	}
	*at = off;
}

NTO_EXPORT size_t memcpyv(const struct iovec *dst, int dparts, size_t doff,
			  const struct iovec *src, int sparts, size_t soff)
{
	int di, si;
	size_t dat, sat, total = 0;

	iov_seek(dst, dparts, doff, &di, &dat);
	iov_seek(src, sparts, soff, &si, &sat);
	while (di < dparts && si < sparts) {
		size_t dl = dst[di].iov_len - dat, sl = src[si].iov_len - sat;
		size_t n = dl < sl ? dl : sl;

		memmove((char *)dst[di].iov_base + dat,
			(const char *)src[si].iov_base + sat, n);
		total += n;
		dat += n;
		sat += n;
		if (dat == dst[di].iov_len) {
			di++;
			dat = 0;
		}
		if (sat == src[si].iov_len) {
			si++;
			sat = 0;
		}
	}
	return total;
}

/* ---- <unistd.h> ---- */

NTO_EXPORT unsigned int delay(unsigned int duration)
{
	struct timespec req = {
		.tv_sec = duration / 1000,
		.tv_nsec = (long)(duration % 1000) * 1000000L,
	};
	struct timespec rem;

	if (nanosleep(&req, &rem) == 0)
		return 0;
	if (errno != EINTR)
		return 0; /* cannot happen for a valid request */
	/* milliseconds left, rounded up so an interrupted delay never says 0 */
	unsigned long long ms =
		(unsigned long long)rem.tv_sec * 1000u +
		((unsigned long long)rem.tv_nsec + 999999u) / 1000000u;
	return ms ? (unsigned)ms : 1u;
}
