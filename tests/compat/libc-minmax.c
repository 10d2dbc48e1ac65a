/*
 * QNX's min()/max() and __min()/__max() from <stdlib.h>, used the way QNX
 * resource managers use them (clamping a read to what is left).
 */
#include <stdlib.h>
#include <string.h>

#include "libc-check.h"

static const char data[] = "Hello, world\n";

/* io_read's usual arithmetic: nbytes = min(requested, left). */
static int bytes_to_send(int requested, int offset)
{
	int left = (int)strlen(data) - offset;

	return max(0, min(requested, left));
}

int main(void)
{
	CHECK_INT(min(3, 7), 3);
	CHECK_INT(max(3, 7), 7);
	CHECK_INT(min(-5, 2), -5);
	CHECK_INT(max(-5, -9), -5);
	CHECK(min(1.5, 2.5) == 1.5);
	CHECK(max(1.5, 2.5) == 2.5);
	CHECK_INT(__min(10u, 4u), 4);
	CHECK_INT(__max(10u, 4u), 10);
	CHECK_INT(bytes_to_send(100, 0), 13);
	CHECK_INT(bytes_to_send(4, 0), 4);
	CHECK_INT(bytes_to_send(100, 10), 3);
	CHECK_INT(bytes_to_send(100, 20), 0);
	return 0;
}
