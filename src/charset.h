/*
 * charset.h - turn text in a MIME charset (RFC 2045 §5.1, RFC 2978 names)
 * into UTF-8 with iconv(3).  Never fails on content: bytes the charset
 * cannot map become U+FFFD and conversion goes on.
 */
#ifndef BD_CHARSET_H
#define BD_CHARSET_H

#include <stddef.h>

struct bd_buf;

/*
 * Append len bytes of in, written in charset (NULL or "" = unknown),
 * to out as UTF-8.  UTF-8, US-ASCII and unknown charsets are checked
 * and passed through with invalid sequences replaced; text that carries
 * ISO-2022-JP escapes but no charset is converted as ISO-2022-JP.
 */
void	bd_charset_to_utf8(const char *charset, const char *in, size_t len,
	    struct bd_buf *out);

/* Append in as UTF-8 with every invalid sequence replaced by U+FFFD. */
void	bd_charset_utf8_clean(const char *in, size_t len,
	    struct bd_buf *out);

#endif /* BD_CHARSET_H */
