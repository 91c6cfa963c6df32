/*
 * log_line.c - line helpers for the log format parsers (log_line.h):
 * bounded copy and search, timestamp shapes and the syslog header.
 *
 * Contract: every input is a pointer and a length, never read past;
 * lines may hold NUL and any other byte.  Nothing allocates.
 *
 * Limits: a timestamp is recognised by its shape only (digits and
 * separators in place), not checked as a date.
 */
#define _GNU_SOURCE	/* memmem(3) */

#include <string.h>

#include "log_line.h"

/* Bounded copy (see log_line.h). */
const char *
bd_log_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n == 0 || size == 0)
		return NULL;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return dst;
}

/* memmem(3) with a C string needle. */
const char *
bd_log_find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* n digits at s? */
int
bd_log_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "Mmm dd hh:mm:ss " (RFC 3164 §4.1.2 TIMESTAMP) at s? */
int
bd_log_is_bsd_stamp(const char *s, size_t len)
{
	return len >= 16 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' &&
	    s[1] <= 'z' && s[2] >= 'a' && s[2] <= 'z' && s[3] == ' ' &&
	    (s[4] == ' ' || bd_log_digits(s + 4, 1)) &&
	    bd_log_digits(s + 5, 1) && s[6] == ' ' &&
	    bd_log_digits(s + 7, 2) && s[9] == ':' &&
	    bd_log_digits(s + 10, 2) && s[12] == ':' &&
	    bd_log_digits(s + 13, 2) && s[15] == ' ';
}

/* "YYYY-MM-DD" then c at s? */
int
bd_log_is_date(const char *s, size_t len, char c)
{
	return len >= 11 && bd_log_digits(s, 4) && s[4] == '-' &&
	    bd_log_digits(s + 5, 2) && s[7] == '-' &&
	    bd_log_digits(s + 8, 2) && s[10] == c;
}

/* "YYYY-MM-DD hh:mm:ss" (Exim spec, "Log files") at s? */
int
bd_log_is_datetime(const char *s, size_t len)
{
	return len >= 20 && bd_log_is_date(s, len, ' ') &&
	    bd_log_digits(s + 11, 2) && s[13] == ':' &&
	    bd_log_digits(s + 14, 2) && s[16] == ':' &&
	    bd_log_digits(s + 17, 2);
}

/* Split a syslog header (see log_line.h). */
size_t
bd_log_syslog_split(const char *line, size_t len, char *ts, size_t tssize)
{
	size_t	 i, tslen, host;
	const char *colon;

	ts[0] = '\0';
	if (bd_log_is_bsd_stamp(line, len))
		tslen = 15;
	else if (bd_log_is_date(line, len, 'T')) {
		/* RFC 5424 / rsyslog RFC 3339 stamp: up to the space. */
		for (tslen = 11; tslen < len && line[tslen] != ' '; tslen++)
			;
	} else
		return 0;
	(void)bd_log_copy(ts, tssize, line, tslen);
	/* HOST, then "PROG[PID]: " or "PROG: ". */
	for (host = tslen + 1; host < len && line[host] == ' '; host++)
		;
	for (i = host; i < len && line[i] != ' '; i++)
		;
	if (i >= len)
		return len;
	i++;
	colon = memchr(line + i, ':', len - i);
	if (colon == NULL || memchr(line + i, ' ', (size_t)(colon -
	    (line + i))) != NULL)
		return i;
	i = (size_t)(colon - line) + 1;
	return i < len && line[i] == ' ' ? i + 1 : i;
}

/* A syslog header at the start of the line? */
int
bd_log_is_syslog(const char *line, size_t len)
{
	char	 ts[BD_LOG_TS];

	return (bd_log_is_bsd_stamp(line, len) ||
	    bd_log_is_date(line, len, 'T')) &&
	    bd_log_syslog_split(line, len, ts, sizeof(ts)) > 0;
}

/* Skip leading blanks and tabs. */
const char *
bd_log_skip_blanks(const char *s, size_t n, size_t *np)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	*np = n;
	return s;
}
