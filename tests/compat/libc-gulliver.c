/*
 * <gulliver.h>: byte swaps (ENDIAN_RETn, ENDIAN_SWAPn), native <-> LE/BE
 * conversion (ENDIAN_LEn/BEn) checked against the bytes in memory, and
 * unaligned loads and stores (UNALIGNED_RETn/PUTn) at odd offsets.
 */
#include <gulliver.h>
#include <stdint.h>
#include <string.h>

#include "libc-check.h"

int main(void)
{
	CHECK(ENDIAN_RET16(0x1234) == 0x3412);
	CHECK(ENDIAN_RET32(0x12345678u) == 0x78563412u);
	CHECK(ENDIAN_RET64(0x0102030405060708ull) == 0x0807060504030201ull);

	uint16_t h = 0xa1b2;
	uint32_t w = 0xdeadbeefu;
	uint64_t q = 0x1122334455667788ull;
	ENDIAN_SWAP16(&h);
	ENDIAN_SWAP32(&w);
	ENDIAN_SWAP64(&q);
	CHECK(h == 0xb2a1);
	CHECK(w == 0xefbeaddeu);
	CHECK(q == 0x8877665544332211ull);

	/* A big-endian wire value as bytes, read the QNX way. */
	const uint8_t be[4] = {0x00, 0x00, 0x01, 0x02};
	const uint8_t le[4] = {0x02, 0x01, 0x00, 0x00};
	uint32_t raw;
	memcpy(&raw, be, 4);
	CHECK(ENDIAN_BE32(raw) == 0x102u);
	memcpy(&raw, le, 4);
	CHECK(ENDIAN_LE32(raw) == 0x102u);
	uint16_t raw16;
	memcpy(&raw16, be + 2, 2);
	CHECK(ENDIAN_BE16(raw16) == 0x0102);
	CHECK(ENDIAN_LE64(ENDIAN_BE64(q)) == ENDIAN_RET64(q));
	CHECK(strcmp(ENDIAN_STRINGNAME, "le") == 0 ||
	      strcmp(ENDIAN_STRINGNAME, "be") == 0);

	/* Unaligned access at every odd offset of a packed buffer. */
	unsigned char buf[32];
	memset(buf, 0, sizeof buf);
	for (int off = 1; off < 8; off += 2) {
		UNALIGNED_PUT16(buf + off, 0xbeef);
		CHECK(UNALIGNED_RET16(buf + off) == 0xbeef);
		UNALIGNED_PUT32(buf + off, 0xcafef00du);
		CHECK(UNALIGNED_RET32(buf + off) == 0xcafef00du);
		UNALIGNED_PUT64(buf + off, 0x0123456789abcdefull);
		CHECK(UNALIGNED_RET64(buf + off) == 0x0123456789abcdefull);
		uint64_t n;
		memcpy(&n, buf + off, 8); /* native order in memory */
		CHECK(n == 0x0123456789abcdefull);
	}
	CHECK(buf[0] == 0);
	return 0;
}
