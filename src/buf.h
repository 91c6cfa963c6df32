/*
 * buf.h - the one growable, bounded byte buffer (Postfix VSTRING, cmark
 * strbuf).  data is always NUL-terminated once anything was appended.
 * Appending past max fails with BD_E_RANGE and sets `truncated`; the
 * bytes that fit are kept.
 */
#ifndef BD_BUF_H
#define BD_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "bouncediag.h"

struct bd_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* hard bound on len; 0 = SIZE_MAX / 2 */
	int	 truncated;
	int	 nomem;		/* an allocation failed */
};

void		 bd_buf_init(struct bd_buf *b, size_t max);
void		 bd_buf_reset(struct bd_buf *b);	/* len = 0, keep memory */
void		 bd_buf_free(struct bd_buf *b);
enum bd_status	 bd_buf_append(struct bd_buf *b, const char *s, size_t n);
enum bd_status	 bd_buf_puts(struct bd_buf *b, const char *s);
enum bd_status	 bd_buf_putc(struct bd_buf *b, char c);
enum bd_status	 bd_buf_printf(struct bd_buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Hand the data over to the caller (free with free()); b is emptied. */
char		*bd_buf_steal(struct bd_buf *b);

#endif /* BD_BUF_H */
