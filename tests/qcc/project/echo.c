/* libecho.a's one function (built into an archive with qcc -A). */
#include <ctype.h>
#include <string.h>

#include "echo.h"

void echo_transform(const char *text, char *out, unsigned size)
{
	unsigned n = (unsigned)strlen(text);

	if (n >= size)
		n = size - 1;
	for (unsigned i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)text[n - 1 - i]);
	out[n] = '\0';
}
