/*
 * QNX's itoa family from <stdlib.h>: radixes 2..36, the '-' sign only in
 * radix 10, two's complement bits in other radixes, extremes, and EINVAL
 * for a bad radix.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "libc-check.h"

int main(void)
{
	char b[80];

	CHECK(itoa(0, b, 10) == b);
	CHECK_STR(b, "0");
	CHECK_STR(itoa(3445, b, 10), "3445");
	CHECK_STR(itoa(3445, b, 16), "d75");
	CHECK_STR(itoa(3445, b, 2), "110101110101");
	CHECK_STR(itoa(-42, b, 10), "-42");
	CHECK_STR(itoa(-1, b, 16), "ffffffff");
	CHECK_STR(itoa(INT_MIN, b, 10), "-2147483648");
	CHECK_STR(itoa(INT_MAX, b, 36), "zik0zj");
	CHECK_STR(itoa(255, b, 8), "377");

	CHECK_STR(ltoa(-344115L, b, 10), "-344115");
	CHECK_STR(ltoa(LONG_MIN, b, 10), "-9223372036854775808");
	CHECK_STR(ltoa(-1L, b, 16), "ffffffffffffffff");
	CHECK_STR(lltoa(LLONG_MIN, b, 16), "8000000000000000");
	CHECK_STR(lltoa(-7LL, b, 10), "-7");

	CHECK_STR(utoa(UINT_MAX, b, 10), "4294967295");
	CHECK_STR(utoa(10u, b, 2), "1010");
	CHECK_STR(ultoa(1234567890UL, b, 16), "499602d2");
	CHECK_STR(ultoa(ULONG_MAX, b, 10), "18446744073709551615");
	CHECK_STR(ulltoa(ULLONG_MAX, b, 2),
		  "1111111111111111111111111111111111111111111111111111111111"
		  "111111");
	CHECK_STR(ulltoa(35ULL, b, 36), "z");

	errno = 0;
	CHECK(itoa(5, b, 1) == b);
	CHECK_STR(b, "");
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK_STR(ultoa(5, b, 37), "");
	CHECK_INT(errno, EINVAL);
	return 0;
}
