/*
 * buf.c - bounded growable buffer (see buf.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Empty buffer that may grow to max bytes. */
void
bd_buf_init(struct bd_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX / 2;
}

/* Forget the contents, keep the memory. */
void
bd_buf_reset(struct bd_buf *b)
{
	b->len = 0;
	b->truncated = 0;
	b->nomem = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Release the memory. */
void
bd_buf_free(struct bd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Make room for need more bytes plus the NUL; 0 or -1. */
static int
buf_grow(struct bd_buf *b, size_t need)
{
	size_t	 want, cap;
	char	*p;

	want = b->len + need + 1;
	if (want <= b->cap && b->data != NULL)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 4 ? want : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->nomem = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Append n bytes; past max, append what fits and report BD_E_RANGE. */
enum bd_status
bd_buf_append(struct bd_buf *b, const char *s, size_t n)
{
	enum bd_status st = BD_OK;

	if (n > b->max - b->len) {
		n = b->max - b->len;
		b->truncated = 1;
		st = BD_E_RANGE;
	}
	if (buf_grow(b, n) == -1)
		return BD_E_NOMEM;
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return st;
}

/* Append a NUL-terminated string. */
enum bd_status
bd_buf_puts(struct bd_buf *b, const char *s)
{
	return bd_buf_append(b, s, strlen(s));
}

/* Append one byte. */
enum bd_status
bd_buf_putc(struct bd_buf *b, char c)
{
	return bd_buf_append(b, &c, 1);
}

/* Append formatted text. */
enum bd_status
bd_buf_printf(struct bd_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256], *big;
	int	 n;
	enum bd_status st;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return BD_E_INVAL;
	if ((size_t)n < sizeof(small))
		return bd_buf_append(b, small, (size_t)n);
	if ((big = malloc((size_t)n + 1)) == NULL) {
		b->nomem = 1;
		return BD_E_NOMEM;
	}
	va_start(ap, fmt);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	st = bd_buf_append(b, big, (size_t)n);
	free(big);
	return st;
}

/* Give the bytes away; always returns a string (maybe empty) or NULL. */
char *
bd_buf_steal(struct bd_buf *b)
{
	char	*p;

	if (b->nomem) {
		bd_buf_free(b);
		return NULL;
	}
	if (b->data == NULL && buf_grow(b, 0) == -1)
		return NULL;
	b->data[b->len] = '\0';
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
