/*
 * smtp_reply.h - find the SMTP reply in pasted or quoted text and split it
 * into reply code (RFC 5321 §4.2), enhanced status code (RFC 3463) and
 * text, plus the facts that travel with it: the sending IP in brackets,
 * the remote host, the SMTP stage and the recipient.
 */
#ifndef BD_SMTP_REPLY_H
#define BD_SMTP_REPLY_H

#include <stddef.h>

#include "limits.h"

struct bd_smtp_reply {
	int	 code;			/* 200-599, 0 when absent */
	char	 esc[BD_ESC_SIZE];	/* "5.7.1", "" when absent */
	char	*text;			/* malloc'd, NUL-terminated, never NULL
					   after a successful parse */
	size_t	 text_len;
	char	 ip[46];		/* IPv4 or IPv6 text form, or "" */
	char	 remote_host[256];	/* "mx.example.com", or "" */
	char	 stage[8];		/* CONNECT HELO MAIL RCPT DATA, or "" */
	char	 recipient[321];	/* RFC 5321 §4.5.3.1.3 path size */
	int	 truncated;		/* text was cut at BD_MAX_REPLY_TEXT */
};

/* Zero *r; no allocation. */
void	bd_smtp_reply_init(struct bd_smtp_reply *r);
/* Free what *r owns and zero it, ready for the next parse. */
void	bd_smtp_reply_reset(struct bd_smtp_reply *r);
/*
 * Parse len bytes of in (need not be NUL-terminated, may hold any bytes).
 * Returns 0, or -1 when out of memory (then *r is reset).  Never fails on
 * content: text with no reply code still yields the cleaned text.
 */
int	bd_smtp_reply_parse(const char *in, size_t len,
	    struct bd_smtp_reply *r);

#endif /* BD_SMTP_REPLY_H */
