/*
 * The pattern device's contents and debug interface, for ntosim-pattern, its
 * clients and the tests: the byte at offset k of a device started with
 * `-x SEED` is pattern_byte_seed(SEED, k) (pattern_byte(k) for the default
 * seed 0), so a reader can prove it got every byte exactly once, in order.
 * Header-only and dependency-free; the server's own API is at the bottom.
 */
#ifndef NTOSIM_SERVERS_PATTERN_PATTERN_H
#define NTOSIM_SERVERS_PATTERN_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_PATH	     "/dev/pattern"
#define PATTERN_DEFAULT_SIZE (1ull << 30) /* 1 GiB */

/*
 * pattern_word: the 8 bytes of word w = k / 8, a bijection of w (MurmurHash3's
 * 64-bit finaliser of w + (seed + 1) * 0x9E3779B97F4A7C15): no two words of
 * one device are equal, so no misplaced or repeated 8-byte run goes unseen,
 * and the pattern has no period a skipped chunk could hide in.
 */
static inline uint64_t pattern_word(uint64_t seed, uint64_t w)
{
	uint64_t x = w + (seed + 1) * 0x9E3779B97F4A7C15ull;

	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	x *= 0xC4CEB9FE1A85EC53ull;
	x ^= x >> 33;
	return x;
}

/* The byte at offset k: byte k % 8 (little-endian) of word k / 8. */
static inline uint8_t pattern_byte_seed(uint64_t seed, uint64_t k)
{
	return (uint8_t)(pattern_word(seed, k >> 3) >> ((k & 7u) * 8u));
}

/* The byte at offset k of a device with the default seed (0). */
static inline uint8_t pattern_byte(uint64_t k)
{
	return pattern_byte_seed(0, k);
}

/* Fill buf with the n bytes starting at offset `off`. */
static inline void pattern_fill(uint64_t seed, uint64_t off, void *buf,
				size_t n)
{
	uint8_t *p = (uint8_t *)buf;
	size_t i = 0;

	for (; i < n && ((off + i) & 7u); i++)
		p[i] = pattern_byte_seed(seed, off + i);
	for (; i + 8 <= n; i += 8) {
		uint64_t x = pattern_word(seed, (off + i) >> 3);
		for (unsigned b = 0; b < 8; b++)
			p[i + b] = (uint8_t)(x >> (b * 8u));
	}
	for (; i < n; i++)
		p[i] = pattern_byte_seed(seed, off + i);
}

/* Check buf against the bytes from offset `off`: the index of the first
 * mismatch, or n if all n bytes match. */
static inline size_t pattern_check(uint64_t seed, uint64_t off, const void *buf,
				   size_t n)
{
	const uint8_t *p = (const uint8_t *)buf;
	size_t i = 0;

	for (; i < n && ((off + i) & 7u); i++)
		if (p[i] != pattern_byte_seed(seed, off + i))
			return i;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = pattern_word(seed, (off + i) >> 3);
		for (unsigned b = 0; b < 8; b++)
			if (p[i + b] != (uint8_t)(x >> (b * 8u)))
				return i + b;
	}
	for (; i < n; i++)
		if (p[i] != pattern_byte_seed(seed, off + i))
			return i;
	return n;
}

/*
 * Debug devctl (_IO_DEVCTL dcmd; QNX's __DION(_DCMD_MISC, 0xE1): no data
 * either way): the reply's ret_val is the number of OCBs (opens) the device
 * holds now, the asking one included. ntosim-filesrv answers the same dcmd.
 * Used by tests to see a dead client's opens closed.
 */
#define PATTERN_DCMD_OCB_COUNT 0x05E1

/* ---- the server (servers/pattern/pattern.c, for main.c) ---- */

struct pattern_opts {
	const char *path;  /* -p, default PATTERN_PATH */
	uint64_t size;	   /* -s, default PATTERN_DEFAULT_SIZE */
	unsigned delay_us; /* -d: sleep this long before each read's reply */
	uint64_t seed;	   /* -x */
	int verbose;	   /* -v */
};

/* Attach opts->path and serve until a fatal error. Returns only on failure
 * (after printing why to stderr): 1 at startup, 2 later. */
int pattern_serve(const struct pattern_opts *opts);

#endif /* NTOSIM_SERVERS_PATTERN_PATTERN_H */
