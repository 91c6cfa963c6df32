/*
 * log_line.h - helpers shared by the log format parsers (log_line.c):
 * bounded copy and search over unterminated lines, the timestamps mail
 * logs start with, and the syslog header split.
 *
 * Every function takes a pointer and a length: log lines are not
 * NUL-terminated and may hold any bytes.  None allocates or keeps
 * state.
 */
#ifndef BD_LOG_LINE_H
#define BD_LOG_LINE_H

#include <stddef.h>

/* Sizes of the fixed fields a parser fills (cut to fit, NUL-ended). */
#define BD_LOG_TS	64	/* "Jan 12 03:14:15", RFC 3339 with zone */
#define BD_LOG_QID	128	/* Postfix long queue ids, ESP message ids */
#define BD_LOG_ADDR	512	/* RFC 5321 §4.5.3.1.3 path, with room */
#define BD_LOG_HOST	256	/* RFC 1035 name, or an IP literal */
#define BD_LOG_WORD	32	/* dsn=, action words */

/* Copy at most size - 1 bytes of s (n bytes) into dst, NUL-terminated;
 * returns dst, or NULL when n is 0. */
const char	*bd_log_copy(char *dst, size_t size, const char *s, size_t n);

/* Find needle (a C string) in [s, s + n), like memmem(3); NULL if
 * absent. */
const char	*bd_log_find(const char *s, size_t n, const char *needle);

/* Are the n bytes at s all ASCII digits? */
int		 bd_log_digits(const char *s, size_t n);

/* "Mmm dd hh:mm:ss " (RFC 3164 §4.1.2 TIMESTAMP and a blank) at s? */
int		 bd_log_is_bsd_stamp(const char *s, size_t len);

/* "YYYY-MM-DD" then the byte c at s? */
int		 bd_log_is_date(const char *s, size_t len, char c);

/* "YYYY-MM-DD hh:mm:ss" at s (Exim's mainlog stamp)? */
int		 bd_log_is_datetime(const char *s, size_t len);

/*
 * Split a syslog line: "Mmm dd hh:mm:ss HOST PROG[PID]: MSG" or with an
 * RFC 3339 stamp ("2024-01-12T03:14:15.123+01:00 HOST ...").  Copies the
 * stamp into ts and returns the offset of MSG, or 0 when the line has no
 * syslog header (MSG is then the whole line, ts "").
 */
size_t		 bd_log_syslog_split(const char *line, size_t len, char *ts,
		    size_t tssize);

/* Does the line start with a syslog header (either stamp)? */
int		 bd_log_is_syslog(const char *line, size_t len);

/* The first byte of [s, s + n) that is not a blank or tab; stores the
 * length left in *np. */
const char	*bd_log_skip_blanks(const char *s, size_t n, size_t *np);

#endif /* BD_LOG_LINE_H */
