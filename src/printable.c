/*
 * printable.c - output sanitising for text rendering (STYLE: sanitise on
 * output, not on input; model: Postfix printable(), OpenSMTPD strnvis).
 */
#include <stdlib.h>

#include "bouncediag.h"
#include "printable.h"
#include "utf8.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/* Append the safe form of s. */
enum bd_status
bd_printable_append(struct bd_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, run = 0, n;
	uint32_t cp;
	enum bd_status st = BD_OK;

	while (i < len) {
		n = bd_utf8_decode(p + i, len - i, &cp);
		if (n != 0 && !bd_utf8_is_unsafe(cp)) {
			i += n;
			run += n;
			continue;
		}
		/* Flush the clean run before the bad character. */
		if (run > 0 && (st = bd_buf_append(b, (const char *)p + i -
		    run, run)) != BD_OK)
			return st;
		run = 0;
		if (n == 0) {
			st = bd_buf_puts(b, REPLACEMENT);
			i++;
		} else {
			st = bd_buf_putc(b, cp == '\t' || cp == '\n' ||
			    cp == '\r' ? ' ' : '?');
			i += n;
		}
		if (st != BD_OK)
			return st;
	}
	if (run > 0)
		st = bd_buf_append(b, (const char *)p + i - run, run);
	return st;
}

/* Public: a caller-owned safe copy. */
char *
bd_printable(const char *src, size_t len)
{
	struct bd_buf b;

	bd_buf_init(&b, 0);
	if (bd_printable_append(&b, src, len) == BD_E_NOMEM) {
		bd_buf_free(&b);
		return NULL;
	}
	return bd_buf_steal(&b);
}
