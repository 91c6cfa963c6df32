/*
 * log_format.h - what a log format is: one row of the table in
 * log_formats.c, on the model of OpenSMTPD's table backends (table.c
 * lists struct table_backend rows; each table_*.c exports one).
 *
 * Each log_NAME.c exports one const struct bd_log_format
 * bd_log_format_NAME and depends only on this header, log_line.h and
 * leaf headers (limits.h, utf8.h); the reader (log.c) walks the rows to
 * sniff an input, to build its prefilter and to dispatch candidate
 * lines.  A parser hands its records to a struct bd_log_out and never
 * calls back into the reader.
 *
 * Adding a format: HACKING.md, "Add a log or event format".
 */
#ifndef BD_LOG_FORMAT_H
#define BD_LOG_FORMAT_H

#include <stddef.h>

/*
 * Formats of one family can share a file (syslog mixes Postfix, Sendmail
 * and OpenSMTPD lines): the prefilter of an input searches for the
 * markers of every format of its family, those of all formats when the
 * input's family is not known.
 */
enum bd_log_family {
	BD_LOG_NONE,
	BD_LOG_SYSLOG,		/* Postfix, Sendmail, OpenSMTPD via syslog */
	BD_LOG_EXIM,		/* Exim mainlog */
	BD_LOG_JSON		/* JSON Lines (or arrays) of ESP events */
};

/* One record: the reply text to classify and the facts of the line.
 * Strings are NUL-terminated or NULL (unknown); text need not be. */
struct bd_log_rec {
	const char	*text;
	size_t		 text_len;
	const char	*timestamp;
	const char	*queue_id;
	const char	*recipient;
	const char	*remote_host;
	const char	*status;	/* RFC 3463 code the log gives */
	const char	*action;	/* failed, delayed */
};

/*
 * The handle a parser emits through.  emit(arg, r) classifies and
 * delivers one record (r and its strings need only live during the
 * call); scratch is a BD_MAX_LINE-byte buffer for a parser that rewrites
 * text, valid until the parser returns.  Both are the reader's.
 */
struct bd_log_out {
	void		(*emit)(void *arg, const struct bd_log_rec *r);
	void		*arg;
	char		*scratch;
};

/* Parser results. */
#define BD_LOG_NOT_MINE		(-2)	/* not this format's line: the
					   reader tries the next row */
#define BD_LOG_UNSPLIT		(-1)	/* a bounce, but not understood:
					   the raw line becomes the record */
#define BD_LOG_NOT_BOUNCE	0	/* this format's line, no bounce */
#define BD_LOG_DONE		1	/* records emitted */

/*
 * A prefilter marker: a literal needle searched over whole buffers, and
 * an optional check of a hit's neighbourhood (hit is the needle's first
 * byte, lo the start of the buffer, end its end; the check may look at
 * most BD_LOG_MAX_MARKER bytes from lo or hit, never past end).  A line
 * with a confirmed hit is a candidate and goes to the parsers.  Formats
 * whose markers share a needle are searched in one pass: reuse a needle
 * of your family where you can.
 */
struct bd_log_marker {
	const char	*needle;
	int		(*confirm)(const char *hit, const char *lo,
			    const char *end);
};

/* Longest needle plus the bytes its check looks at: the reader keeps
 * that many bytes across the seams of an over-long line. */
#define BD_LOG_MAX_MARKER	32
/* Distinct needles of all formats, and formats sharing one needle. */
#define BD_LOG_MAX_NEEDLES	16
#define BD_LOG_MAX_CONFIRMS	8

/*
 * One log format.
 *  name	short lowercase name ("postfix")
 *  family	see enum bd_log_family
 *  markers	at least one, ended by a NULL needle
 *  sniff	is this line (the first non-blank one of an input, leading
 *		blanks, tabs and CR removed) a line of this format?
 *  parse	one candidate line (no newline, any bytes, at most
 *		BD_MAX_LINE): BD_LOG_NOT_MINE, or claim it and return
 *		BD_LOG_NOT_BOUNCE, BD_LOG_DONE after emitting its records,
 *		or BD_LOG_UNSPLIT.  Rows are tried in table order, so a row
 *		whose lines a later row would misread comes first.
 */
struct bd_log_format {
	const char	*name;
	enum bd_log_family family;
	const struct bd_log_marker *markers;
	int		(*sniff)(const char *line, size_t len);
	int		(*parse)(const struct bd_log_out *out,
			    const char *line, size_t len);
};

#endif /* BD_LOG_FORMAT_H */
