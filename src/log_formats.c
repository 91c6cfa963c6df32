/*
 * log_formats.c - the table of log formats: one row per log_NAME.c, in
 * the order the reader tries them on a candidate line.
 *
 * Order matters only where two formats could take one line: JSON and
 * Exim claim a line by its start ('{' or '[', an Exim date), so they go
 * first; Postfix takes only its bounces ("status=bounced|deferred|
 * expired") and leaves any other line to the rows below; OpenSMTPD comes
 * before Sendmail, whose " stat=" its lines also hold.
 *
 * Adding a format: its file, one extern line and one row here, its
 * tests (HACKING.md, "Add a log or event format").
 */
#include <stddef.h>

#include "log_formats.h"

extern const struct bd_log_format bd_log_format_json;
extern const struct bd_log_format bd_log_format_exim;
extern const struct bd_log_format bd_log_format_postfix;
extern const struct bd_log_format bd_log_format_opensmtpd;
extern const struct bd_log_format bd_log_format_sendmail;

const struct bd_log_format *const bd_log_formats[] = {
	&bd_log_format_json,
	&bd_log_format_exim,
	&bd_log_format_postfix,
	&bd_log_format_opensmtpd,
	&bd_log_format_sendmail,
	NULL
};
