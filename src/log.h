/*
 * log.h - the streaming log reader (log.c) and the per-format parsers it
 * hands candidate lines to (log_postfix.c, log_exim.c, log_sendmail.c,
 * log_json.c).
 *
 * A parser gets one whole line (no newline, any bytes, at most
 * BD_MAX_LINE of them) and either says it is no bounce, or fills a
 * struct bd_log_rec per bounce it holds and hands each to bd_log_emit(),
 * or says it cannot split the line (the reader then emits the raw line).
 */
#ifndef BD_LOG_H
#define BD_LOG_H

#include <stddef.h>

#include "bouncediag.h"

/* Sizes of the fixed fields a parser fills (cut to fit, NUL-ended). */
#define BD_LOG_TS	64	/* "Jan 12 03:14:15", RFC 3339 with zone */
#define BD_LOG_QID	128	/* Postfix long queue ids, ESP message ids */
#define BD_LOG_ADDR	512	/* RFC 5321 §4.5.3.1.3 path, with room */
#define BD_LOG_HOST	256	/* RFC 1035 name, or an IP literal */
#define BD_LOG_WORD	32	/* dsn=, action words */

enum bd_log_family {
	BD_LOG_NONE,
	BD_LOG_SYSLOG,		/* Postfix and Sendmail via syslog */
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

/* Parser results. */
#define BD_LOG_NOT_BOUNCE	0	/* a false positive of the prefilter */
#define BD_LOG_DONE		1	/* records emitted */
#define BD_LOG_UNSPLIT		(-1)	/* a bounce, but not understood */

struct bd_log_ctx;

/* Classify and deliver one record of the current line. */
void	 bd_log_emit(struct bd_log_ctx *c, const struct bd_log_rec *r);

/* A BD_MAX_LINE-byte buffer owned by the reader, for a parser that
 * rewrites text (valid until the parser returns); NULL when out of
 * memory. */
char	*bd_log_scratch(struct bd_log_ctx *c);

/* Copy at most size - 1 bytes of s (n bytes) into dst, NUL-terminated;
 * returns dst, or NULL when n is 0. */
const char *bd_log_copy(char *dst, size_t size, const char *s, size_t n);

/* Find needle in [s, s + n), like memmem(3). */
const char *bd_log_find(const char *s, size_t n, const char *needle);

/*
 * Split a syslog line: "Mmm dd hh:mm:ss HOST PROG[PID]: MSG" or with an
 * RFC 3339 stamp ("2024-01-12T03:14:15.123+01:00 HOST ...").  Copies the
 * stamp into ts and returns the offset of MSG, or 0 when the line has no
 * syslog header (MSG is then the whole line, ts "").
 */
size_t	 bd_log_syslog_split(const char *line, size_t len, char *ts,
	    size_t tssize);

/* What family the start of a (decompressed) input is; BD_LOG_NONE when
 * it looks like no log. */
enum bd_log_family bd_log_family_sniff(const char *buf, size_t len);

int	 bd_log_postfix(struct bd_log_ctx *c, const char *line, size_t len);
int	 bd_log_sendmail(struct bd_log_ctx *c, const char *line, size_t len);
int	 bd_log_exim(struct bd_log_ctx *c, const char *line, size_t len);
int	 bd_log_json(struct bd_log_ctx *c, const char *line, size_t len);

#endif /* BD_LOG_H */
