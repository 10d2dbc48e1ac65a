/*
 * <string.h> overlay: glibc's <string.h> (through #include_next, untouched)
 * plus what QNX's adds: strlcpy/strlcat (visible whatever feature macros
 * are set; glibc 2.38+ declares the same prototypes under _DEFAULT_SOURCE),
 * the Watcom additions QNX 7 declares (memicmp, strlwr, strupr, strrev,
 * memcpyv and the _-prefixed forms), and QNX 6's stricmp/strnicmp, which
 * QNX's libc still exports. libnto implements them.
 */
#include_next <string.h>

#ifndef NTOSIM_STRING_H
#define NTOSIM_STRING_H

#include <sys/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* glibc marks its declarations __THROW (noexcept in C++); ours match, so
 * a C++ redeclaration of strlcpy after glibc 2.38's is accepted. */
#ifdef __THROW
#define NTOSIM_THROW __THROW
#else
#define NTOSIM_THROW
#endif

/*
 * Copy src into dst (size bytes), always NUL-terminating when size > 0.
 * Returns strlen(src): a result >= size means the copy was truncated.
 */
size_t strlcpy(char *__restrict dst, const char *__restrict src,
	       size_t size) NTOSIM_THROW;
/*
 * Append src to the string in dst (size bytes in all), NUL-terminating
 * when there is room. Returns the length it tried to create
 * (strnlen(dst, size) + strlen(src)); >= size means truncated.
 */
size_t strlcat(char *__restrict dst, const char *__restrict src,
	       size_t size) NTOSIM_THROW;

/* Case-insensitive (ASCII) comparisons: <0, 0, >0 like strcmp. */
int stricmp(const char *s1, const char *s2) NTOSIM_THROW;
int strnicmp(const char *s1, const char *s2, size_t n) NTOSIM_THROW;
int _stricmp(const char *s1, const char *s2) NTOSIM_THROW;
int _strnicmp(const char *s1, const char *s2, size_t n) NTOSIM_THROW;
int memicmp(const void *s1, const void *s2, size_t n) NTOSIM_THROW;
int _memicmp(const void *s1, const void *s2, size_t n) NTOSIM_THROW;

/* In-place edits (ASCII); each returns s. */
char *strlwr(char *s) NTOSIM_THROW;
char *_strlwr(char *s) NTOSIM_THROW;
char *strupr(char *s) NTOSIM_THROW;
char *_strupr(char *s) NTOSIM_THROW;
char *strrev(char *s) NTOSIM_THROW;

/* strdup under its DOS name: a malloc'd copy, or NULL with errno ENOMEM. */
char *_strdup(const char *s) NTOSIM_THROW;

/*
 * Copy bytes from the src iov list (starting soff bytes into it) to the
 * dst iov list (starting doff bytes into it) until either list ends.
 * Returns the number of bytes copied (0 when an offset is past its list).
 */
struct iovec;
size_t memcpyv(const struct iovec *dst, int dparts, size_t doff,
	       const struct iovec *src, int sparts, size_t soff) NTOSIM_THROW;

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_STRING_H */
