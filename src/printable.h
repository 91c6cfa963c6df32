/*
 * printable.h - make input-derived text safe for a terminal.
 */
#ifndef BD_PRINTABLE_H
#define BD_PRINTABLE_H

#include <stddef.h>

#include "buf.h"

/*
 * Append s to b with every unsafe character (C0/C1 control, ESC, DEL,
 * bidi override) replaced by '?' and every invalid UTF-8 byte by U+FFFD.
 * Tabs and newlines become spaces: callers lay text out themselves.
 */
enum bd_status	bd_printable_append(struct bd_buf *b, const char *s,
		    size_t len);

#endif /* BD_PRINTABLE_H */
