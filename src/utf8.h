/*
 * utf8.h - strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), shared by the output sanitisers.
 */
#ifndef BD_UTF8_H
#define BD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at s (n > 0 bytes available).  Returns its length
 * (1-4) and stores the code point, or returns 0 when s does not start a
 * valid sequence (the caller replaces one byte and goes on).
 */
size_t	bd_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Nonzero for code points a terminal must never see from input: C0 and
 * C1 controls, DEL, and the bidi embeddings, overrides and isolates. */
int	bd_utf8_is_unsafe(uint32_t cp);

#endif /* BD_UTF8_H */
