/*
 * dsn.h - read the fields of a delivery status notification body
 * (RFC 3464 §2.2-2.3 message/delivery-status, RFC 6533 §5
 * message/global-delivery-status) into struct bd_msg_rcpt entries.
 */
#ifndef BD_DSN_H
#define BD_DSN_H

#include <stddef.h>

struct bd_msg_rcpt;

struct bd_dsn {
	char	*reporting_mta;		/* without "dns;" */
	char	*arrival_date;
	char	*sender;		/* X-Postfix-Sender, no "rfc822;" */
	struct bd_msg_rcpt *rcpt;	/* every recipient, any Action */
	size_t	 nrcpt;
	size_t	 cap;
	int	 truncated;		/* more than BD_MAX_RECIPIENTS */
	int	 oom;
};

void	bd_dsn_init(struct bd_dsn *d);
/*
 * Add the per-message and per-recipient fields found in len bytes of
 * text (LF line ends; need not be NUL-terminated).  Lenient: groups may
 * run together, a second Final-Recipient starts a new recipient, lines
 * that are not fields are skipped.  May be called once per DSN part.
 * Returns 0, or -1 when out of memory.
 */
int	bd_dsn_parse(const char *text, size_t len, struct bd_dsn *d);
/* Free what d owns (the rcpt strings too) and zero it. */
void	bd_dsn_free(struct bd_dsn *d);
/* Free the strings of one recipient and zero it. */
void	bd_dsn_rcpt_free(struct bd_msg_rcpt *r);
/*
 * In free text (a text/plain part, a broken report), the offset where
 * DSN fields start: the Reporting-MTA line before the first
 * Final-Recipient line, or that line itself.  Returns (size_t)-1 when
 * the text holds no Final-Recipient line followed by Action or Status.
 */
size_t	bd_dsn_find(const char *text, size_t len);
/*
 * Copy the first RFC 3463 enhanced status code (class 2, 4 or 5,
 * subject and detail of 1-3 digits) found in (s, len) into esc
 * (BD_ESC_SIZE bytes).  Returns 1 when found.
 */
int	bd_dsn_find_esc(const char *s, size_t len, char *esc);

#endif /* BD_DSN_H */
