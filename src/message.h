/*
 * message.h - read one RFC 5322 message (a bounce email) into what the
 * diagnosis needs: the per-recipient delivery status (RFC 3464 / RFC 6533
 * delivery-status parts, or text found in the human-readable part of a
 * non-standard bounce), the kind of message (bounce, auto-reply, ARF
 * feedback, delivery receipt), and the authentication evidence of the
 * returned original message.
 *
 * The parser is strict about structure and bounded (limits.h): nesting
 * depth, part count, header size and recipient count are capped; past a
 * cap the rest is skipped and `truncated` is set.
 *
 * Delay notices: a DSN where nothing failed but something is delayed is
 * kind BD_MSG_DELAYED ("delayed", a not-bounce), and rcpt still holds
 * the delayed recipients (action "delayed") so they can be shown.  A
 * bounce (BD_MSG_BOUNCE) may hold delayed recipients beside failed ones.
 * Recipients found in the text of a non-DSN bounce get action "failed".
 * See message.c for the order in which the sources are tried.
 */
#ifndef BD_MESSAGE_H
#define BD_MESSAGE_H

#include <stddef.h>

struct bd_rules;

enum bd_msg_kind {
	BD_MSG_BOUNCE,		/* something failed or was delayed */
	BD_MSG_AUTOREPLY,	/* RFC 3834 auto-reply / vacation */
	BD_MSG_FEEDBACK,	/* RFC 5965 ARF report */
	BD_MSG_DELIVERED,	/* DSN where every recipient was delivered,
				   relayed or expanded */
	BD_MSG_UNKNOWN,		/* a message, but no failure found in it */
	BD_MSG_DELAYED		/* DSN where nothing failed but some
				   recipients are delayed (a warning, not
				   a bounce); rcpt holds the delayed ones */
};

/* One recipient.  Every string is malloc'd (owned by the message),
 * NUL-terminated UTF-8, or NULL when absent. */
struct bd_msg_rcpt {
	char	*recipient;		/* Final-Recipient address, no "rfc822;" */
	char	*original_recipient;
	char	*action;		/* failed, delayed, delivered, ... (lower) */
	char	*status;		/* "5.1.1" as in the Status: field */
	char	*remote_mta;		/* without the "dns;" type */
	char	*diagnostic;		/* Diagnostic-Code text without "smtp;",
					   or the reply quoted in the body */
	char	*last_attempt;
	char	*will_retry;
	char	*extractor;		/* NULL when read from a DSN part; the
					   id of the `extract` entry that
					   found it; "builtin" for the C
					   fallback (first SMTP reply line) */
};

/* What the returned original message says about authentication.  (Named
 * bd_msg_evidence: the public bouncediag.h has struct bd_evidence, the
 * view diagnose.c builds from this one.) */
struct bd_msg_evidence {
	char	*from_domain;		/* domain of From: */
	char	*return_path_domain;	/* domain of Return-Path: */
	char	*dkim_domain;		/* d= of the first DKIM-Signature */
	char	*spf_result;		/* from Authentication-Results / Received-SPF */
	char	*spf_domain;		/* smtp.mailfrom domain */
	char	*dkim_result;
	char	*dmarc_result;
	int	 present;		/* an original (or its headers) was found */
};

struct bd_message {
	enum bd_msg_kind kind;
	char	*kind_name;		/* for not-bounces: "auto-reply",
					   "feedback", "delivered", "delayed",
					   "unknown"; NULL for a bounce */
	char	*subject;		/* RFC 2047-decoded, UTF-8 */
	char	*from;
	char	*reporting_mta;
	char	*arrival_date;
	char	*body;			/* decoded UTF-8 text of the human-
					   readable part(s), for rule matching;
					   LF line ends, the returned original
					   cut off; not NULL when parse
					   returned 0 */
	size_t	 body_len;
	struct bd_msg_rcpt *rcpt;	/* nrcpt entries, only failed/delayed
					   ones for a bounce */
	size_t	 nrcpt;
	struct bd_msg_evidence evidence;
	int	 truncated;
	char	*feedback_type;		/* ARF Feedback-Type (RFC 5965 §3.1),
					   lower case, for BD_MSG_FEEDBACK */
	char	*sender;		/* envelope sender of the original:
					   X-Postfix-Sender of the DSN */
};

void	bd_message_init(struct bd_message *m);
/*
 * Parse len bytes of buf (any bytes; LF, CRLF or bare CR line ends).
 * rules supplies the `extract` entries used on non-standard bounces and
 * may be NULL (then only DSN parts are read).  Returns 0, or -1 when out
 * of memory.  Free with bd_message_free() in both cases.
 */
int	bd_message_parse(const char *buf, size_t len,
	    const struct bd_rules *rules, struct bd_message *m);
void	bd_message_free(struct bd_message *m);

/* Nonzero when buf starts with a header block (a message, not a paste). */
int	bd_message_sniff(const char *buf, size_t len);

#endif /* BD_MESSAGE_H */
