/*
 * dsn.c - the fields of a delivery status notification.
 *
 * Contract: bd_dsn_parse() reads RFC 3464 §2.2 per-message fields
 * (Reporting-MTA, Arrival-Date, X-Postfix-Sender) and §2.3 per-recipient
 * fields (Final-Recipient, Original-Recipient, Action, Status,
 * Remote-MTA, Diagnostic-Code, Last-Attempt-Date, Will-Retry-Until) into
 * struct bd_msg_rcpt, one per recipient group, whatever its Action; the
 * caller picks the failed and delayed ones.  Type prefixes ("rfc822;",
 * "dns;", "smtp;", "X-Postfix;") are removed, values are unfolded with
 * blanks collapsed and made valid UTF-8 (RFC 6533 §5 allows UTF-8 in
 * message/global-delivery-status).  Lenient about layout: real DSNs omit
 * the blank line between groups, put two recipients in one group, or
 * arrive as text/plain; see bd_dsn_find().
 *
 * Limits: BD_MAX_RECIPIENTS recipients (then truncated is set), each
 * field cut at BD_MAX_HEADER, one pass over the text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "dsn.h"
#include "limits.h"
#include "message.h"
#include "mime.h"

enum dsn_strip {
	STRIP_NONE,
	STRIP_TYPE,		/* "rfc822; x" -> "x" (RFC 3464 §2.1.2) */
	STRIP_ADDR,		/* type, then <> around an address */
	STRIP_DIAG		/* diagnostic-type, only when it is a token */
};

static char	*field_dup(const struct bd_mime_field *f, enum dsn_strip st,
		    int *oom);
static struct bd_msg_rcpt *rcpt_new(struct bd_dsn *d);
static int	 rcpt_empty(const struct bd_msg_rcpt *r);
static void	 set_once(char **dst, const struct bd_mime_field *f,
		    enum dsn_strip st, int *oom);
static int	 line_starts(const char *p, size_t n, const char *name);

/* Unfold a field value, strip its type, make it UTF-8; NULL if empty. */
static char *
field_dup(const struct bd_mime_field *f, enum dsn_strip st, int *oom)
{
	struct bd_buf b;
	char	*u, *s, *semi;
	size_t	 n, i;

	if ((u = bd_mime_unfold_dup(f->value, f->value_len)) == NULL) {
		*oom = 1;
		return NULL;
	}
	s = u;
	if (st != STRIP_NONE && (semi = strchr(s, ';')) != NULL) {
		/* address-type, diagnostic-type: atoms (RFC 3464 §2.1). */
		for (i = 0; s + i < semi; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
			    s[i] != '_' && s[i] != '.')
				break;
		if (s + i == semi && i > 0 && i <= 32) {
			s = semi + 1;
			while (*s == ' ')
				s++;
		}
	}
	n = strlen(s);
	if (st == STRIP_ADDR && n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0) {
		free(u);
		return NULL;
	}
	bd_buf_init(&b, BD_MAX_HEADER);
	bd_charset_utf8_clean(s, n, &b);
	free(u);
	if ((s = bd_buf_steal(&b)) == NULL)
		*oom = 1;
	return s;
}

/* Set *dst from f unless already set. */
static void
set_once(char **dst, const struct bd_mime_field *f, enum dsn_strip st,
    int *oom)
{
	if (*dst == NULL)
		*dst = field_dup(f, st, oom);
}

/* Append a zeroed recipient, or NULL past the limit / out of memory. */
static struct bd_msg_rcpt *
rcpt_new(struct bd_dsn *d)
{
	struct bd_msg_rcpt *nr;
	size_t	 ncap;

	if (d->nrcpt >= BD_MAX_RECIPIENTS) {
		d->truncated = 1;
		return NULL;
	}
	if (d->nrcpt == d->cap) {
		ncap = d->cap == 0 ? 4 : d->cap * 2;
		if ((nr = reallocarray(d->rcpt, ncap, sizeof(*nr))) == NULL) {
			d->oom = 1;
			return NULL;
		}
		d->rcpt = nr;
		d->cap = ncap;
	}
	nr = &d->rcpt[d->nrcpt++];
	memset(nr, 0, sizeof(*nr));
	return nr;
}

/* A recipient group that carried none of the fields we read. */
static int
rcpt_empty(const struct bd_msg_rcpt *r)
{
	return r->recipient == NULL && r->original_recipient == NULL &&
	    r->action == NULL && r->status == NULL && r->diagnostic == NULL;
}

/* Free one recipient's strings. */
void
bd_dsn_rcpt_free(struct bd_msg_rcpt *r)
{
	free(r->recipient);
	free(r->original_recipient);
	free(r->action);
	free(r->status);
	free(r->remote_mta);
	free(r->diagnostic);
	free(r->last_attempt);
	free(r->will_retry);
	memset(r, 0, sizeof(*r));
}

/* Empty DSN. */
void
bd_dsn_init(struct bd_dsn *d)
{
	memset(d, 0, sizeof(*d));
}

/* Free everything d owns. */
void
bd_dsn_free(struct bd_dsn *d)
{
	size_t	 i;

	for (i = 0; i < d->nrcpt; i++)
		bd_dsn_rcpt_free(&d->rcpt[i]);
	free(d->rcpt);
	free(d->reporting_mta);
	free(d->arrival_date);
	free(d->sender);
	memset(d, 0, sizeof(*d));
}

/* RFC 3463 §2 enhanced status code in s. */
int
bd_dsn_find_esc(const char *s, size_t len, char *esc)
{
	size_t	 i, j, a, b;

	for (i = 0; i + 5 <= len; i++) {
		if (s[i] != '2' && s[i] != '4' && s[i] != '5')
			continue;
		if (s[i + 1] != '.' || (i > 0 && (isdigit((unsigned char)
		    s[i - 1]) || s[i - 1] == '.')))
			continue;
		for (j = i + 2; j < len && isdigit((unsigned char)s[j]); j++)
			;
		a = j - (i + 2);
		if (a < 1 || a > 3 || j >= len || s[j] != '.')
			continue;
		for (j++, b = 0; j < len && isdigit((unsigned char)s[j]); j++)
			b++;
		if (b < 1 || b > 3)
			continue;
		if (j + 1 < len && s[j] == '.' &&
		    isdigit((unsigned char)s[j + 1]))
			continue;
		memcpy(esc, s + i, j - i);
		esc[j - i] = '\0';
		return 1;
	}
	return 0;
}

/* Read the DSN fields of text; see dsn.h. */
int
bd_dsn_parse(const char *text, size_t len, struct bd_dsn *d)
{
	struct bd_mime_headers h;
	const struct bd_mime_field *f;
	struct bd_msg_rcpt *r;
	char	 esc[BD_ESC_SIZE], *s;
	size_t	 pos = 0, off, i, k, ri;
	int	 oom = 0;

	while (pos < len && !oom && !d->oom) {
		if (text[pos] == '\n') {
			pos++;
			continue;
		}
		bd_mime_headers_init(&h);
		off = bd_mime_headers_parse(text + pos, len - pos, &h);
		if (h.oom)
			oom = 1;
		ri = (size_t)-1;
		for (i = 0; i < h.n; i++) {
			f = &h.f[i];
			if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Reporting-MTA")) {
				set_once(&d->reporting_mta, f, STRIP_TYPE,
				    &oom);
				continue;
			}
			if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Arrival-Date")) {
				set_once(&d->arrival_date, f, STRIP_NONE, &oom);
				continue;
			}
			if (bd_mime_ncaseeq(f->name, f->name_len,
			    "X-Postfix-Sender")) {
				set_once(&d->sender, f, STRIP_ADDR, &oom);
				continue;
			}
			k = 0;
			if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Final-Recipient"))
				k = 1;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Original-Recipient"))
				k = 2;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Action"))
				k = 3;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Status"))
				k = 4;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Remote-MTA"))
				k = 5;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Diagnostic-Code"))
				k = 6;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Last-Attempt-Date"))
				k = 7;
			else if (bd_mime_ncaseeq(f->name, f->name_len,
			    "Will-Retry-Until"))
				k = 8;
			if (k == 0)
				continue;
			/* A repeated recipient field starts a new group. */
			r = ri == (size_t)-1 ? NULL : &d->rcpt[ri];
			if (r == NULL || (k == 1 && r->recipient != NULL) ||
			    (k == 2 && r->original_recipient != NULL) ||
			    (k == 3 && r->action != NULL)) {
				if ((r = rcpt_new(d)) == NULL)
					break;
				ri = r - d->rcpt;
			}
			switch (k) {
			case 1:
				set_once(&r->recipient, f, STRIP_ADDR, &oom);
				break;
			case 2:
				set_once(&r->original_recipient, f,
				    STRIP_ADDR, &oom);
				break;
			case 3:
				set_once(&r->action, f, STRIP_NONE, &oom);
				if (r->action == NULL)
					break;
				for (s = r->action; *s != '\0' && *s != ' ';
				    s++)
					*s = tolower((unsigned char)*s);
				*s = '\0';
				break;
			case 4:
				if (r->status != NULL)
					break;
				set_once(&r->status, f, STRIP_NONE, &oom);
				if (r->status != NULL && bd_dsn_find_esc(
				    r->status, strlen(r->status), esc))
					memcpy(r->status, esc, strlen(esc) + 1);
				break;
			case 5:
				set_once(&r->remote_mta, f, STRIP_TYPE, &oom);
				break;
			case 6:
				set_once(&r->diagnostic, f, STRIP_DIAG, &oom);
				break;
			case 7:
				set_once(&r->last_attempt, f, STRIP_NONE,
				    &oom);
				break;
			case 8:
				set_once(&r->will_retry, f, STRIP_NONE, &oom);
				break;
			}
		}
		bd_mime_headers_free(&h);
		/* Drop a group that only had fields we could not keep. */
		if (ri != (size_t)-1 && ri + 1 == d->nrcpt &&
		    rcpt_empty(&d->rcpt[ri])) {
			bd_dsn_rcpt_free(&d->rcpt[ri]);
			d->nrcpt--;
		}
		if (off == 0) {
			/* A line that is not a field: skip it. */
			const char *nl = memchr(text + pos, '\n', len - pos);

			off = nl == NULL ? len - pos : (size_t)(nl - text) +
			    1 - pos;
		}
		pos += off;
	}
	if (oom)
		d->oom = 1;
	return d->oom ? -1 : 0;
}

/* Does the line at p (n bytes left) start with field name and ':'? */
static int
line_starts(const char *p, size_t n, const char *name)
{
	size_t	 nl = strlen(name);

	return n > nl && strncasecmp(p, name, nl) == 0 &&
	    (p[nl] == ':' || p[nl] == ' ');
}

/* Where DSN fields start in free text; see dsn.h. */
size_t
bd_dsn_find(const char *text, size_t len)
{
	size_t	 pos = 0, le, rep = (size_t)-1, fin = (size_t)-1;
	const char *nl;

	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		le = nl == NULL ? len : (size_t)(nl - text);
		if (fin == (size_t)-1) {
			if (line_starts(text + pos, len - pos,
			    "Reporting-MTA") && rep == (size_t)-1)
				rep = pos;
			else if (line_starts(text + pos, len - pos,
			    "Final-Recipient") || line_starts(text + pos,
			    len - pos, "Original-Recipient"))
				fin = pos;
		} else if (line_starts(text + pos, len - pos, "Action") ||
		    line_starts(text + pos, len - pos, "Status"))
			return rep != (size_t)-1 && rep < fin ? rep : fin;
		pos = le + 1;
	}
	return (size_t)-1;
}
