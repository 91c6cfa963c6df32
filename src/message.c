/*
 * message.c - read one bounce email into struct bd_message.
 *
 * Contract: bd_message_parse() takes any bytes (LF, CRLF or bare-CR line
 * ends, an optional mbox "From " line first) and never fails on content;
 * only running out of memory returns -1.  The steps:
 *  1. normalise line ends to LF (one copy) and read the top header block;
 *  2. walk the MIME tree (mime.c): delivery-status parts (RFC 3464,
 *     RFC 6533) go to dsn.c; feedback-report parts (RFC 5965) mark ARF;
 *     message/rfc822, message/global and text/rfc822-headers parts are the
 *     returned original; text parts are decoded to UTF-8 into the body
 *     (text/html only when there is no text/plain, tags stripped);
 *  3. cut the body at an inline "copy of the message" marker (Exim, qmail,
 *     Sendmail, ...) and read what follows as the original's headers;
 *  4. without a delivery-status part, look for DSN fields in the text
 *     (some MTAs send them as text/plain or under a broken Content-Type);
 *  5. without failed or delayed DSN recipients, run the `extract` rules
 *     (bd_rules_extract) over the body, then a built-in fallback: the first
 *     line holding an SMTP reply, with the recipient from
 *     X-Failed-Recipients or the first <address> of the body.  The rules
 *     also fill a DSN recipient that lacks its Diagnostic-Code;
 *  6. classify: feedback, bounce (something failed), delayed (nothing
 *     failed, something delayed: a warning, not a bounce -- reported as
 *     kind BD_MSG_DELAYED / "delayed" with the delayed recipients kept in
 *     rcpt so the caller can show them), delivered (a DSN where every
 *     recipient was delivered, relayed or expanded; rcpt left empty),
 *     auto-reply (RFC 3834 signs and nothing failed), else unknown.
 *
 * Limits: see limits.h and mime.h (BD_MAX_BODY_TEXT); every loop is one
 * pass over its range; no per-byte allocation.
 */
#define _GNU_SOURCE	/* strcasestr(3) */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "dsn.h"
#include "limits.h"
#include "message.h"
#include "mime.h"
#include "rules.h"

/* What an original message's header block may hold; 256 kB is far more
 * than any real header block (BD_MAX_HEADERS fields). */
#define ORIG_MAX	(256u * 1024)

struct xrcpt {
	char	*recipient;
	char	*reply;
	char	*id;
};

struct ctx {
	struct bd_message *m;
	const struct bd_rules *rules;
	const struct bd_mime_headers *top;
	struct bd_buf body;	/* text/plain parts, UTF-8 */
	struct bd_buf html;	/* text/html parts, as text */
	struct bd_buf orig;	/* returned original, first found */
	struct bd_dsn	 dsn;
	int		 have_dsn;	/* a delivery-status part was read */
	int		 feedback;
	int		 ntext;
	int		 oom;
	struct xrcpt	*x;		/* extract results */
	size_t		 nx;
	size_t		 xcap;
};

static int	 is_type(const struct bd_mime_ctype *ct, const char *type,
		    const char *subtype);
static void	 decode_text(const struct bd_mime_part *p,
		    struct bd_buf *out);
static void	 html_to_text(const char *s, size_t len,
		    struct bd_buf *out);
static int	 looks_like_headers(const char *s, size_t len);
static int	 on_part(void *arg, const struct bd_mime_part *p);
static void	 read_feedback(struct ctx *c, const char *s, size_t len);
static size_t	 original_marker(const char *s, size_t len, size_t *after);
static char	*addr_domain(const char *v, size_t len);
static char	*word_after(const char *s, const char *key);
static void	 read_evidence(struct ctx *c, const char *s, size_t len);
static char	*clean_addr(const char *s, size_t len);
static char	*clean_reply(const char *s, size_t len);
static int	 on_extract(void *arg, const char *id, const char *rcpt,
		    size_t rl, const char *reply, size_t pl);
static struct bd_msg_rcpt *rcpt_add(struct ctx *c);
static void	 status_from_reply(struct bd_msg_rcpt *r);
static void	 take_dsn(struct ctx *c, int *ndelivered);
static void	 fill_from_extract(struct ctx *c);
static void	 from_extract(struct ctx *c);
static void	 fallback(struct ctx *c);
static void	 failed_recipients(struct ctx *c);
static int	 auto_reply(const struct ctx *c, int strong);
static char	*header_dup(const struct bd_mime_headers *h,
		    const char *name, int decode);
static int	 sniff_known(const char *name, size_t len);
static void	 forwarded(struct ctx *c, unsigned level);
static int	 jmrp(const struct ctx *c);
static int	 parse_level(const char *buf, size_t len,
		    const struct bd_rules *rules, struct bd_message *m,
		    unsigned level);

/* Is ct type/subtype (subtype NULL = any)? */
static int
is_type(const struct bd_mime_ctype *ct, const char *type,
    const char *subtype)
{
	return strcmp(ct->type, type) == 0 &&
	    (subtype == NULL || strcmp(ct->subtype, subtype) == 0);
}

/* Decode a text part's transfer encoding and charset into out. */
static void
decode_text(const struct bd_mime_part *p, struct bd_buf *out)
{
	struct bd_buf raw;

	if (p->enc == BD_ENC_IDENTITY) {
		bd_charset_to_utf8(p->ctype->charset, p->body, p->body_len,
		    out);
		return;
	}
	bd_buf_init(&raw, out->max);
	bd_mime_decode(p->enc, p->body, p->body_len, &raw);
	if (raw.nomem)
		out->nomem = 1;
	else {
		/* A base64 text part may hold CRLF: normalise. */
		size_t	 n;
		char	*lf = raw.len > 0 ? bd_mime_lf(raw.data, raw.len, &n) :
		    NULL;

		if (raw.len > 0 && lf == NULL)
			out->nomem = 1;
		else if (lf != NULL) {
			bd_charset_to_utf8(p->ctype->charset, lf, n, out);
			free(lf);
		}
		if (raw.truncated)
			out->truncated = 1;
	}
	bd_buf_free(&raw);
}

/* Crude HTML to text: tags dropped, block ends made LF, entities read. */
static void
html_to_text(const char *s, size_t len, struct bd_buf *out)
{
	static const char *const brk[] = { "br", "/p", "p", "/div", "/tr",
	    "li", "/li", "/h1", "/h2", "/h3", "/table", "hr", "/td", NULL };
	static const struct {
		const char	*name;
		const char	*text;
	} ent[] = {
		{ "nbsp;", " " }, { "lt;", "<" }, { "gt;", ">" },
		{ "amp;", "&" }, { "quot;", "\"" }, { "apos;", "'" },
		{ "#39;", "'" }, { "#160;", " " },
	};
	size_t	 i = 0, j, k, n;
	const char *e;
	int	 skip = 0;

	while (i < len && !out->truncated && !out->nomem) {
		if (s[i] == '<') {
			e = memchr(s + i, '>', len - i);
			j = e == NULL ? len : (size_t)(e - s) + 1;
			for (k = 0; brk[k] != NULL; k++) {
				n = strlen(brk[k]);
				if (j - i > n + 1 &&
				    strncasecmp(s + i + 1, brk[k], n) == 0 &&
				    !isalnum((unsigned char)s[i + 1 + n])) {
					bd_buf_putc(out, '\n');
					break;
				}
			}
			if (j - i > 6 && (strncasecmp(s + i, "<style", 6) ==
			    0 || strncasecmp(s + i, "<script", 7) == 0))
				skip = 1;
			if (j - i > 7 && (strncasecmp(s + i, "</style", 7) ==
			    0 || strncasecmp(s + i, "</script", 8) == 0))
				skip = 0;
			i = j;
			continue;
		}
		if (skip) {
			i++;
			continue;
		}
		if (s[i] == '&') {
			for (k = 0; k < sizeof(ent) / sizeof(ent[0]); k++) {
				n = strlen(ent[k].name);
				if (len - i - 1 >= n &&
				    strncasecmp(s + i + 1, ent[k].name, n) == 0)
					break;
			}
			if (k < sizeof(ent) / sizeof(ent[0])) {
				bd_buf_append(out, ent[k].text,
				    strlen(ent[k].text));
				i += 1 + strlen(ent[k].name);
				continue;
			}
		}
		/* Copy up to the next tag or entity. */
		for (j = i + 1; j < len && s[j] != '<' && s[j] != '&'; j++)
			;
		bd_buf_append(out, s + i, j - i);
		i = j;
	}
}

/* Does s start with a header block of an RFC 5322 message? */
static int
looks_like_headers(const char *s, size_t len)
{
	if (s == NULL)
		return 0;
	while (len > 0 && (*s == '\n' || *s == ' ')) {
		s++;
		len--;
	}
	return bd_message_sniff(s, len);
}

/* ARF (RFC 5965 §3.1): read Feedback-Type. */
static void
read_feedback(struct ctx *c, const char *s, size_t len)
{
	struct bd_mime_headers h;
	const struct bd_mime_field *f;
	char	*p;

	c->feedback = 1;
	if (c->m->feedback_type != NULL)
		return;
	bd_mime_headers_init(&h);
	(void)bd_mime_headers_parse(s, len, &h);
	if ((f = bd_mime_header(&h, "Feedback-Type")) != NULL) {
		if ((c->m->feedback_type = bd_mime_unfold_dup(f->value,
		    f->value_len)) == NULL)
			c->oom = 1;
		else
			for (p = c->m->feedback_type; *p != '\0'; p++)
				*p = tolower((unsigned char)*p);
	}
	bd_mime_headers_free(&h);
}

/* One leaf part of the bounce. */
static int
on_part(void *arg, const struct bd_mime_part *p)
{
	struct ctx *c = arg;
	const struct bd_mime_ctype *ct = p->ctype;
	struct bd_buf tmp;

	if ((is_type(ct, "message", NULL) || is_type(ct, "text", NULL)) &&
	    strstr(ct->subtype, "delivery-status") != NULL) {
		/* RFC 3464 §2.1, RFC 6533 §5. */
		bd_buf_init(&tmp, BD_MAX_BODY_TEXT);
		bd_mime_decode(p->enc, p->body, p->body_len, &tmp);
		if (tmp.len > 0) {
			size_t	 n;
			char	*lf = bd_mime_lf(tmp.data, tmp.len, &n);

			if (lf == NULL || bd_dsn_parse(lf, n, &c->dsn) != 0)
				c->oom = 1;
			free(lf);
		}
		c->oom |= tmp.nomem;
		bd_buf_free(&tmp);
		c->have_dsn = 1;
		return 0;
	}
	if (is_type(ct, "message", "feedback-report")) {
		read_feedback(c, p->body, p->body_len);
		return 0;
	}
	if (is_type(ct, "message", "rfc822") ||
	    is_type(ct, "message", "global") ||
	    strstr(ct->subtype, "rfc822-headers") != NULL) {
		if (c->orig.len == 0) {
			bd_mime_decode(p->enc, p->body, p->body_len, &c->orig);
			c->orig.truncated = 0;
		}
		return 0;
	}
	if (!is_type(ct, "text", NULL) && p->depth > 0)
		return 0;
	bd_buf_init(&tmp, BD_MAX_BODY_TEXT);
	decode_text(p, &tmp);
	c->oom |= tmp.nomem;
	if (tmp.len > 0 && c->ntext > 0 && looks_like_headers(tmp.data,
	    tmp.len)) {
		/* The original sent back as a text part. */
		if (c->orig.len == 0) {
			bd_buf_append(&c->orig, tmp.data, tmp.len);
			c->orig.truncated = 0;
		}
	} else if (is_type(ct, "text", "html")) {
		html_to_text(tmp.data != NULL ? tmp.data : "", tmp.len,
		    &c->html);
		bd_buf_putc(&c->html, '\n');
	} else if (tmp.len > 0) {
		if (c->body.len > 0)
			bd_buf_putc(&c->body, '\n');
		bd_buf_append(&c->body, tmp.data, tmp.len);
		c->ntext++;
	}
	if (tmp.truncated)
		c->m->truncated = 1;
	bd_buf_free(&tmp);
	return 0;
}

/*
 * Offset of a line announcing the original inline ("------ This is a
 * copy of the message, including all the headers. ------" and its
 * kin), or len; *after gets the offset past that line.
 */
static size_t
original_marker(const char *s, size_t len, size_t *after)
{
	static const char *const key[] = { "copy of the message",
	    "copy of your message", "original message",
	    "unsent message follows", "returned message", "original mail",
	    NULL };
	/* Lines without dashes: Exchange, IMail, DragonFly, OpenSMTPD. */
	static const char *const lead[] = { "original message headers:",
	    "original message follows", "message headers follow",
	    "below is a copy of the original message", "original message:",
	    NULL };
	size_t	 pos = 0, le, i, k;
	const char *nl;

	while (pos < len) {
		nl = memchr(s + pos, '\n', len - pos);
		le = nl == NULL ? len : (size_t)(nl - s);
		for (i = pos; i < le && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		if (le - i > 4 && s[i] == '-' && s[i + 1] == '-')
			for (k = 0; key[k] != NULL; k++)
				if (bd_mime_memcasemem(s + i, le - i,
				    key[k]) != NULL) {
					*after = le < len ? le + 1 : len;
					return pos;
				}
		for (k = 0; lead[k] != NULL; k++)
			if (le - i >= strlen(lead[k]) && strncasecmp(s + i,
			    lead[k], strlen(lead[k])) == 0) {
				*after = le < len ? le + 1 : len;
				return pos;
			}
		pos = le + 1;
	}
	*after = len;
	return len;
}

/* The domain of the (first) address in a header value, lower case. */
static char *
addr_domain(const char *v, size_t len)
{
	char	 buf[1024], *a, *at, *e, *d;

	bd_mime_unfold(v, len, buf, sizeof(buf));
	a = buf;
	if ((e = strchr(buf, '<')) != NULL && strchr(e, '>') != NULL &&
	    strchr(e, '@') != NULL)
		a = e + 1;
	if ((at = strchr(a, '@')) == NULL)
		return NULL;
	d = at + 1;
	for (e = d; *e != '\0' && *e != '>' && *e != ' ' && *e != ')' &&
	    *e != ',' && *e != ';' && *e != '"'; e++)
		*e = tolower((unsigned char)*e);
	*e = '\0';
	if (*d == '\0' || strchr(d, '.') == NULL)
		return NULL;
	return strdup(d);
}

/*
 * In an unfolded header s, the word after key ("spf=") where key starts
 * s or follows a blank or ';'.  NULL when absent.
 */
static char *
word_after(const char *s, const char *key)
{
	const char *p = s, *e;
	size_t	 kl = strlen(key);

	while ((p = bd_mime_memcasemem(p, strlen(p), key)) != NULL) {
		if (p == s || p[-1] == ' ' || p[-1] == ';' || p[-1] == '\t') {
			p += kl;
			for (e = p; *e != '\0' && *e != ' ' && *e != ';' &&
			    *e != ')' && *e != '('; e++)
				;
			if (e == p)
				return NULL;
			return strndup(p, e - p);
		}
		p += kl;
	}
	return NULL;
}

/* Read the authentication evidence of the original (RFC 8601, 7208). */
static void
read_evidence(struct ctx *c, const char *s, size_t len)
{
	struct bd_mime_headers h;
	struct bd_msg_evidence *ev = &c->m->evidence;
	char	*v, *w, *at, *p;
	size_t	 i;

	while (len > 0 && (*s == '\n' || *s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	/* Exim and qmail copy an mbox "From " line first sometimes. */
	if (len > 5 && strncmp(s, "From ", 5) == 0) {
		const char *nl = memchr(s, '\n', len);

		if (nl == NULL)
			return;
		len -= nl + 1 - s;
		s = nl + 1;
	}
	bd_mime_headers_init(&h);
	(void)bd_mime_headers_parse(s, len, &h);
	c->oom |= h.oom;
	if (h.n == 0) {
		bd_mime_headers_free(&h);
		return;
	}
	ev->present = 1;
	for (i = 0; i < h.n; i++) {
		const struct bd_mime_field *f = &h.f[i];

		if (bd_mime_ncaseeq(f->name, f->name_len, "From")) {
			if (ev->from_domain == NULL)
				ev->from_domain = addr_domain(f->value,
				    f->value_len);
		} else if (bd_mime_ncaseeq(f->name, f->name_len,
		    "Return-Path")) {
			if (ev->return_path_domain == NULL)
				ev->return_path_domain = addr_domain(f->value,
				    f->value_len);
		} else if (bd_mime_ncaseeq(f->name, f->name_len,
		    "DKIM-Signature")) {
			if (ev->dkim_domain != NULL)
				continue;
			if ((v = bd_mime_unfold_dup(f->value,
			    f->value_len)) == NULL) {
				c->oom = 1;
				continue;
			}
			/* tag-list (RFC 6376 §3.2): d= may follow "; ". */
			for (p = v; *p != '\0'; p++)
				if (*p == ' ')
					*p = ';';
			if ((w = word_after(v, "d=")) != NULL) {
				for (p = w; *p != '\0'; p++)
					*p = tolower((unsigned char)*p);
				ev->dkim_domain = w;
			}
			free(v);
		} else if (bd_mime_ncaseeq(f->name, f->name_len,
		    "Authentication-Results")) {
			if ((v = bd_mime_unfold_dup(f->value,
			    f->value_len)) == NULL) {
				c->oom = 1;
				continue;
			}
			if (ev->spf_result == NULL)
				ev->spf_result = word_after(v, "spf=");
			if (ev->dkim_result == NULL)
				ev->dkim_result = word_after(v, "dkim=");
			if (ev->dmarc_result == NULL)
				ev->dmarc_result = word_after(v, "dmarc=");
			if (ev->spf_domain == NULL &&
			    (w = word_after(v, "smtp.mailfrom=")) != NULL) {
				at = strrchr(w, '@');
				ev->spf_domain = strdup(at != NULL ? at + 1 :
				    w);
				free(w);
			}
			free(v);
		} else if (bd_mime_ncaseeq(f->name, f->name_len,
		    "Received-SPF")) {
			if ((v = bd_mime_unfold_dup(f->value,
			    f->value_len)) == NULL) {
				c->oom = 1;
				continue;
			}
			/* RFC 7208 §9.1: result first, then key=value. */
			if (ev->spf_result == NULL && v[0] != '\0')
				ev->spf_result = strndup(v, strcspn(v,
				    " ;("));
			if (ev->spf_domain == NULL &&
			    (w = word_after(v, "envelope-from=")) != NULL) {
				p = w;
				if (*p == '"' || *p == '<')
					p++;
				p[strcspn(p, "\">")] = '\0';
				at = strrchr(p, '@');
				ev->spf_domain = strdup(at != NULL ? at + 1 :
				    p);
				free(w);
			}
			free(v);
		}
	}
	/* Results are case-insensitive tokens (RFC 8601 §2.7). */
	for (i = 0; i < 4; i++) {
		p = i == 0 ? ev->spf_result : i == 1 ? ev->dkim_result :
		    i == 2 ? ev->dmarc_result : ev->spf_domain;
		for (; p != NULL && *p != '\0'; p++)
			*p = tolower((unsigned char)*p);
	}
	bd_mime_headers_free(&h);
}

/* An address as captured: blanks, <>, "rfc822;", "mailto:" and trailing
 * punctuation removed.  NULL when nothing is left or no '@'. */
static char *
clean_addr(const char *s, size_t len)
{
	struct bd_buf b;

	while (len > 0 && (isspace((unsigned char)*s) || *s == '<' ||
	    *s == '"' || *s == '\'')) {
		s++;
		len--;
	}
	if (len > 7 && strncasecmp(s, "rfc822;", 7) == 0) {
		s += 7;
		len -= 7;
		while (len > 0 && (*s == ' ' || *s == '<')) {
			s++;
			len--;
		}
	}
	if (len > 7 && strncasecmp(s, "mailto:", 7) == 0) {
		s += 7;
		len -= 7;
	}
	while (len > 0 && (isspace((unsigned char)s[len - 1]) ||
	    strchr(">:,;.\"')", s[len - 1]) != NULL))
		len--;
	if (len == 0 || len > 320 || memchr(s, '@', len) == NULL ||
	    memchr(s, ' ', len) != NULL)
		return NULL;
	bd_buf_init(&b, 320);
	bd_charset_utf8_clean(s, len, &b);
	return bd_buf_steal(&b);
}

/* A captured reply: blanks collapsed, cut at BD_MAX_REPLY_TEXT. */
static char *
clean_reply(const char *s, size_t len)
{
	char	*r;
	size_t	 sz = (len < BD_MAX_REPLY_TEXT ? len : BD_MAX_REPLY_TEXT) + 1;

	if ((r = malloc(sz)) == NULL)
		return NULL;
	if (bd_mime_unfold(s, len, r, sz) == 0) {
		free(r);
		return strdup("");
	}
	return r;
}

/* bd_extract_fn: keep one match of an extract entry. */
static int
on_extract(void *arg, const char *id, const char *rcpt, size_t rl,
    const char *reply, size_t pl)
{
	struct ctx *c = arg;
	struct xrcpt *nx;
	char	*a, *r;
	size_t	 i, ncap;

	a = rcpt != NULL && rl > 0 ? clean_addr(rcpt, rl) : NULL;
	r = reply != NULL && pl > 0 ? clean_reply(reply, pl) : NULL;
	if (r != NULL && *r == '\0') {
		free(r);
		r = NULL;
	}
	if (a == NULL && r == NULL)
		return 0;
	/* The same recipient twice: keep the first reply found.  A reply
	 * without recipient that repeats one already kept adds nothing. */
	for (i = 0; a == NULL && i < c->nx; i++)
		if (c->x[i].reply != NULL && strcmp(c->x[i].reply, r) == 0) {
			free(r);
			return 0;
		}
	for (i = 0; i < c->nx; i++) {
		if (a == NULL || c->x[i].recipient == NULL ||
		    strcasecmp(a, c->x[i].recipient) != 0)
			continue;
		if (c->x[i].reply == NULL) {
			c->x[i].reply = r;
			r = NULL;
		}
		free(a);
		free(r);
		return 0;
	}
	if (c->nx >= BD_MAX_RECIPIENTS) {
		c->m->truncated = 1;
		free(a);
		free(r);
		return 1;
	}
	if (c->nx == c->xcap) {
		ncap = c->xcap == 0 ? 4 : c->xcap * 2;
		if ((nx = reallocarray(c->x, ncap, sizeof(*nx))) == NULL) {
			c->oom = 1;
			free(a);
			free(r);
			return 1;
		}
		c->x = nx;
		c->xcap = ncap;
	}
	c->x[c->nx].recipient = a;
	c->x[c->nx].reply = r;
	c->x[c->nx].id = strdup(id != NULL ? id : "extract");
	if (c->x[c->nx].id == NULL)
		c->oom = 1;
	c->nx++;
	return 0;
}

/* Append a zeroed recipient to the message, NULL past the limit. */
static struct bd_msg_rcpt *
rcpt_add(struct ctx *c)
{
	struct bd_message *m = c->m;
	struct bd_msg_rcpt *nr;

	if (m->nrcpt >= BD_MAX_RECIPIENTS) {
		m->truncated = 1;
		return NULL;
	}
	if ((nr = reallocarray(m->rcpt, m->nrcpt + 1, sizeof(*nr))) == NULL) {
		c->oom = 1;
		return NULL;
	}
	m->rcpt = nr;
	nr = &m->rcpt[m->nrcpt++];
	memset(nr, 0, sizeof(*nr));
	return nr;
}

/* Fill an absent Status from the enhanced code inside the reply. */
static void
status_from_reply(struct bd_msg_rcpt *r)
{
	char	 esc[BD_ESC_SIZE];
	const char *d = r->diagnostic;

	if (r->status != NULL || d == NULL)
		return;
	if (!bd_dsn_find_esc(d, strlen(d), esc))
		return;
	/* RFC 3463 §2: the class matches the reply code's first digit. */
	if (isdigit((unsigned char)d[0]) && isdigit((unsigned char)d[1]) &&
	    isdigit((unsigned char)d[2]) && d[0] != esc[0])
		return;
	r->status = strdup(esc);
}

/* Move the failed and delayed DSN recipients into the message. */
static void
take_dsn(struct ctx *c, int *ndelivered)
{
	struct bd_msg_rcpt *r, *dst;
	size_t	 i;
	int	 keep;

	*ndelivered = 0;
	for (i = 0; i < c->dsn.nrcpt; i++) {
		r = &c->dsn.rcpt[i];
		/* RFC 3464 §2.3.3: delivered, relayed and expanded are the
		 * successes (and Postfix's address-verification
		 * "deliverable", or any 2.x.x Status); anything else
		 * (failed, delayed, the non-standard "expired" of some
		 * ESPs) is kept. */
		if (r->action != NULL)
			keep = strcmp(r->action, "delivered") != 0 &&
			    strcmp(r->action, "relayed") != 0 &&
			    strcmp(r->action, "expanded") != 0 &&
			    strcmp(r->action, "deliverable") != 0 &&
			    (r->status == NULL || r->status[0] != '2');
		else
			keep = r->status != NULL && (r->status[0] == '4' ||
			    r->status[0] == '5');
		if (!keep) {
			if (r->action != NULL || r->status != NULL)
				(*ndelivered)++;
			continue;
		}
		if (r->action == NULL)
			r->action = strdup(r->status[0] == '4' ? "delayed" :
			    "failed");
		else if (strcmp(r->action, "failed") != 0 &&
		    strcmp(r->action, "delayed") != 0) {
			free(r->action);
			r->action = strdup("failed");
		}
		if ((dst = rcpt_add(c)) == NULL)
			return;
		*dst = *r;
		memset(r, 0, sizeof(*r));
		if (dst->recipient == NULL && dst->original_recipient != NULL)
			dst->recipient = strdup(dst->original_recipient);
		status_from_reply(dst);
	}
}

/* Give DSN recipients without a Diagnostic-Code the reply in the text. */
static void
fill_from_extract(struct ctx *c)
{
	struct bd_msg_rcpt *r;
	size_t	 i, j;

	for (i = 0; i < c->m->nrcpt; i++) {
		r = &c->m->rcpt[i];
		if (r->diagnostic != NULL)
			continue;
		for (j = 0; j < c->nx; j++) {
			if (c->x[j].reply == NULL)
				continue;
			if (c->m->nrcpt > 1 && (c->x[j].recipient == NULL ||
			    r->recipient == NULL || strcasecmp(r->recipient,
			    c->x[j].recipient) != 0))
				continue;
			r->diagnostic = strdup(c->x[j].reply);
			r->extractor = strdup(c->x[j].id);
			status_from_reply(r);
			break;
		}
	}
}

/*
 * Is this a delay warning rather than a failure?  Bounces without a
 * delivery-status part say so only in words: Gmail's "Delivery Status
 * Notification (Delay)" / "THIS IS A WARNING MESSAGE ONLY", Exim's
 * "Mail delivery delayed", Exchange's "Delivery has been delayed".
 * Recipients found in the text of such a message are "delayed".
 */
static const char *
text_action(const struct ctx *c)
{
	static const char *const delay[] = { "(delay)", "has been delayed",
	    "warning message only", "delivery delayed",
	    "delayed delivery", "not been delivered yet",
	    "will be retried", "still trying", NULL };
	static const char *const failed[] = { "failed permanently",
	    "could not be delivered", "couldn't be delivered",
	    "undeliverable", "permanent error", NULL };
	const char *sj = c->m->subject != NULL ? c->m->subject : "";
	const char *body = c->m->body != NULL ? c->m->body : "";
	size_t	 i;

	for (i = 0; failed[i] != NULL; i++)
		if (strcasestr(sj, failed[i]) != NULL ||
		    strcasestr(body, failed[i]) != NULL)
			return "failed";
	for (i = 0; delay[i] != NULL; i++)
		if (strcasestr(sj, delay[i]) != NULL ||
		    strcasestr(body, delay[i]) != NULL)
			return "delayed";
	return "failed";
}

/* Make recipients out of the extract results. */
static void
from_extract(struct ctx *c)
{
	struct bd_msg_rcpt *r;
	size_t	 i;

	for (i = 0; i < c->nx; i++) {
		if ((r = rcpt_add(c)) == NULL)
			return;
		r->recipient = c->x[i].recipient;
		r->diagnostic = c->x[i].reply;
		r->extractor = c->x[i].id;
		c->x[i].recipient = c->x[i].reply = c->x[i].id = NULL;
		r->action = strdup(text_action(c));
		if (r->action == NULL)
			c->oom = 1;
		status_from_reply(r);
	}
}

/* Exim's X-Failed-Recipients (also Google Groups): the recipients,
 * with no reply to go with them. */
static void
failed_recipients(struct ctx *c)
{
	struct bd_msg_rcpt *r;
	char	*hv, *p, *a;
	size_t	 n;

	if ((hv = header_dup(c->top, "X-Failed-Recipients", 0)) == NULL)
		return;
	for (p = hv; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, ",");
		if ((a = clean_addr(p, n)) == NULL)
			continue;
		if ((r = rcpt_add(c)) == NULL) {
			free(a);
			break;
		}
		r->recipient = a;
		r->action = strdup(text_action(c));
		r->extractor = strdup("builtin");
		if (r->action == NULL || r->extractor == NULL)
			c->oom = 1;
	}
	free(hv);
}

/*
 * No rule found anything: take the first line holding an SMTP reply
 * (RFC 5321 §4.2: three digits, then SP or '-'), with the recipient from
 * X-Failed-Recipients (Exim) or the first <address> in the text.
 */
static void
fallback(struct ctx *c)
{
	const char *s = c->m->body, *nl, *p, *q, *lt, *gt;
	size_t	 len = c->m->body_len, pos = 0, le, i;
	struct bd_msg_rcpt *r;
	char	*reply = NULL, *addr = NULL, *hv;

	while (pos < len && reply == NULL) {
		nl = memchr(s + pos, '\n', len - pos);
		le = nl == NULL ? len : (size_t)(nl - s);
		for (i = pos; i < le && (s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '<' || s[i] == '>'); i++)
			;
		/* At the start of the line or after ": " / "said: ". */
		for (p = s + i; p != NULL && p + 4 <= s + le; ) {
			if ((p[0] == '4' || p[0] == '5') &&
			    isdigit((unsigned char)p[1]) &&
			    isdigit((unsigned char)p[2]) &&
			    (p[3] == ' ' || p[3] == '-') &&
			    (p == s + i || p[-1] == ' ') &&
			    (p == s + i || (p - 2 >= s + i && p[-2] == ':'))) {
				/* With its indented continuation lines, as
				 * Postfix and Exim fold a long reply. */
				while (le < len && le + 1 < len &&
				    (s[le + 1] == ' ' || s[le + 1] == '\t')) {
					nl = memchr(s + le + 1, '\n',
					    len - le - 1);
					le = nl == NULL ? len : (size_t)(nl - s);
				}
				reply = clean_reply(p, s + le - p);
				if (reply == NULL)
					c->oom = 1;
				break;
			}
			q = memchr(p, ':', s + le - p);
			p = q == NULL ? NULL : q + 2;
		}
		pos = le + 1;
	}
	if (reply == NULL) {
		failed_recipients(c);
		return;
	}
	if ((hv = header_dup(c->top, "X-Failed-Recipients", 0)) != NULL) {
		addr = clean_addr(hv, strcspn(hv, ","));
		free(hv);
	}
	for (p = s; addr == NULL && p < s + len &&
	    (lt = memchr(p, '<', s + len - p)) != NULL; p = lt + 1) {
		gt = memchr(lt, '>', s + len - lt);
		if (gt == NULL)
			break;
		if (gt - lt < 320 && memchr(lt, '@', gt - lt) != NULL &&
		    memchr(lt, '\n', gt - lt) == NULL)
			addr = clean_addr(lt + 1, gt - lt - 1);
	}
	if ((r = rcpt_add(c)) == NULL) {
		free(reply);
		free(addr);
		return;
	}
	r->recipient = addr;
	r->diagnostic = reply;
	r->action = strdup(text_action(c));
	r->extractor = strdup("builtin");
	if (r->action == NULL || r->extractor == NULL)
		c->oom = 1;
	status_from_reply(r);
}

/* A header's unfolded (and RFC 2047-decoded) value, or NULL. */
static char *
header_dup(const struct bd_mime_headers *h, const char *name, int decode)
{
	const struct bd_mime_field *f;

	if ((f = bd_mime_header(h, name)) == NULL)
		return NULL;
	return decode ? bd_mime_header_decode(f->value, f->value_len) :
	    bd_mime_unfold_dup(f->value, f->value_len);
}

/*
 * RFC 3834 auto-reply signs.  strong: only the headers no bounce
 * carries (X-Autoreply, Precedence: auto_reply, a vacation subject);
 * otherwise Auto-Submitted: auto-replied counts too.  Mail from a
 * MAILER-DAEMON or postmaster is never an auto-reply.
 */
static int
auto_reply(const struct ctx *c, int strong)
{
	static const char *const subj[] = { "out of office",
	    "out of the office",
	    "automatic reply", "auto reply", "autoreply", "auto-reply",
	    "autoresponse", "auto response", "autorespons", "vacation",
	    "away until", "abwesenheit", "absence", "auto:", NULL };
	static const char *const bounce[] = { "undeliver", "delivery",
	    "failure", "returned mail", "failed", "not delivered", NULL };
	const struct bd_mime_headers *h = c->top;
	const char *from = c->m->from, *sj = c->m->subject;
	char	*v;
	size_t	 i;
	int	 yes = 0;

	if (from != NULL && (bd_mime_memcasemem(from, strlen(from),
	    "mailer-daemon") != NULL || bd_mime_memcasemem(from, strlen(from),
	    "postmaster") != NULL))
		return 0;
	for (i = 0; sj != NULL && bounce[i] != NULL; i++)
		if (bd_mime_memcasemem(sj, strlen(sj), bounce[i]) != NULL)
			return 0;
	if (bd_mime_header(h, "X-Autoreply") != NULL ||
	    bd_mime_header(h, "X-Autorespond") != NULL ||
	    bd_mime_header(h, "X-Autoresponder") != NULL)
		return 1;
	if ((v = header_dup(h, "X-Apple-Action", 0)) != NULL) {
		yes = strcasecmp(v, "vacation") == 0;
		free(v);
		if (yes)
			return 1;
	}
	if ((v = header_dup(h, "Precedence", 0)) != NULL) {
		yes = strcasecmp(v, "auto_reply") == 0;
		free(v);
		if (yes)
			return 1;
	}
	for (i = 0; sj != NULL && subj[i] != NULL; i++)
		if (bd_mime_memcasemem(sj, strlen(sj), subj[i]) != NULL)
			return 1;
	if (strong)
		return 0;
	if ((v = header_dup(h, "Auto-Submitted", 0)) != NULL) {
		yes = strncasecmp(v, "auto-replied", 12) == 0;
		free(v);
	}
	return yes;
}

/*
 * Microsoft's Junk Mail Reporting Program sends the complained-about
 * message as message/rfc822 with an X-HmXmrOriginalRecipient field.
 */
static int
jmrp(const struct ctx *c)
{
	struct bd_mime_headers h;
	int	 yes;

	bd_mime_headers_init(&h);
	(void)bd_mime_headers_parse(c->orig.data, c->orig.len, &h);
	yes = bd_mime_header(&h, "X-HmXmrOriginalRecipient") != NULL;
	bd_mime_headers_free(&h);
	return yes;
}

/*
 * An Amazon SES notification in JSON (sent by mail or through SNS, so the
 * quotes may be escaped): does "notificationType" name `type`?  SES sends
 * "Bounce", "Complaint" and "Delivery"; only bounces hold failures.
 */
static int
ses_notification(const char *body, size_t len, const char *type)
{
	static const char key[] = "notificationType";
	const char *p, *end;
	size_t	 n = strlen(type);

	if (body == NULL || (p = memmem(body, len, key, sizeof(key) - 1)) ==
	    NULL)
		return 0;
	end = body + len;
	for (p += sizeof(key) - 1; p < end && (*p == '"' || *p == '\\' ||
	    *p == ':' || *p == ' ' || *p == '\t'); p++)
		;
	return (size_t)(end - p) >= n && strncmp(p, type, n) == 0;
}

/* Zero m. */
void
bd_message_init(struct bd_message *m)
{
	memset(m, 0, sizeof(*m));
}

/* Free what m owns and zero it. */
void
bd_message_free(struct bd_message *m)
{
	struct bd_msg_evidence *ev = &m->evidence;
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpt; i++) {
		free(m->rcpt[i].extractor);
		bd_dsn_rcpt_free(&m->rcpt[i]);
	}
	free(m->rcpt);
	free(m->kind_name);
	free(m->subject);
	free(m->from);
	free(m->reporting_mta);
	free(m->arrival_date);
	free(m->body);
	free(m->feedback_type);
	free(m->sender);
	free(ev->from_domain);
	free(ev->return_path_domain);
	free(ev->dkim_domain);
	free(ev->spf_result);
	free(ev->spf_domain);
	free(ev->dkim_result);
	free(ev->dmarc_result);
	memset(m, 0, sizeof(*m));
}

/*
 * A bounce forwarded as an attachment (a message/rfc822 part holding a
 * multipart/report): read the attached message one level down and take
 * its result when it found more than the outer one.
 */
static void
forwarded(struct ctx *c, unsigned level)
{
	struct bd_message in;
	struct bd_message *m = c->m;
	struct bd_msg_evidence ev;
	size_t	 n = c->orig.len < 8192 ? c->orig.len : 8192;
	char	*t;

	if (level > 0 || bd_mime_memcasemem(c->orig.data, n,
	    "report-type") == NULL)
		return;
	if (parse_level(c->orig.data, c->orig.len, c->rules, &in, level + 1)
	    != 0) {
		c->oom = 1;
		bd_message_free(&in);
		return;
	}
	if (in.kind == BD_MSG_UNKNOWN || in.kind == BD_MSG_AUTOREPLY) {
		bd_message_free(&in);
		return;
	}
#define SWAP(a, b) do { t = (a); (a) = (b); (b) = t; } while (0)
	SWAP(m->kind_name, in.kind_name);
	SWAP(m->reporting_mta, in.reporting_mta);
	SWAP(m->arrival_date, in.arrival_date);
	SWAP(m->feedback_type, in.feedback_type);
	SWAP(m->sender, in.sender);
#undef SWAP
	m->kind = in.kind;
	m->rcpt = in.rcpt;
	m->nrcpt = in.nrcpt;
	in.rcpt = NULL;
	in.nrcpt = 0;
	if (in.evidence.present) {
		ev = m->evidence;
		m->evidence = in.evidence;
		in.evidence = ev;
	}
	m->truncated |= in.truncated;
	bd_message_free(&in);
}

/* Parse one message; see message.h. */
int
bd_message_parse(const char *buf, size_t len, const struct bd_rules *rules,
    struct bd_message *m)
{
	return parse_level(buf, len, rules, m, 0);
}

/* Parse one message, level 0 at the top, 1 inside a forwarded one. */
static int
parse_level(const char *buf, size_t len, const struct bd_rules *rules,
    struct bd_message *m, unsigned level)
{
	struct ctx c;
	struct bd_mime_headers top;
	char	*lf, *ct;
	const char *s;
	size_t	 n, off, cut, after, i, nfailed = 0;
	int	 ndelivered = 0, r;
	struct bd_mime_ctype ctype;

	bd_message_init(m);
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.rules = rules;
	bd_buf_init(&c.body, BD_MAX_BODY_TEXT);
	bd_buf_init(&c.html, BD_MAX_BODY_TEXT);
	bd_buf_init(&c.orig, ORIG_MAX);
	bd_dsn_init(&c.dsn);
	bd_mime_headers_init(&top);
	c.top = &top;

	if ((lf = bd_mime_lf(buf, len, &n)) == NULL)
		return -1;
	s = lf;
	/* An mbox "From " line (RFC 4155) is not a header field. */
	if (n > 5 && strncmp(s, "From ", 5) == 0) {
		const char *nl = memchr(s, '\n', n);

		off = nl == NULL ? n : (size_t)(nl - s) + 1;
		s += off;
		n -= off;
	}
	off = bd_mime_headers_parse(s, n, &top);
	if (top.truncated)
		m->truncated = 1;
	c.oom |= top.oom;
	m->subject = header_dup(&top, "Subject", 1);
	m->from = header_dup(&top, "From", 1);

	r = bd_mime_walk(&top, s + off, n - off, on_part, &c);
	if (r < 0)
		c.oom = 1;
	else if (r > 0)
		m->truncated = 1;
	if ((ct = header_dup(&top, "Content-Type", 0)) != NULL) {
		bd_mime_ctype_parse(ct, strlen(ct), &ctype);
		if (strcmp(ctype.report_type, "feedback-report") == 0)
			c.feedback = 1;
		free(ct);
	}

	/* Text after a "copy of the message" line is the original. */
	if (c.body.len == 0 && c.html.len > 0) {
		bd_buf_append(&c.body, c.html.data, c.html.len);
		c.body.truncated |= c.html.truncated;
	}
	if (c.body.truncated)
		m->truncated = 1;
	cut = original_marker(c.body.data != NULL ? c.body.data : "",
	    c.body.len, &after);
	if (cut < c.body.len && c.orig.len == 0 &&
	    looks_like_headers(c.body.data + after, c.body.len - after))
		bd_buf_append(&c.orig, c.body.data + after,
		    c.body.len - after);
	/* Without a delivery-status part, DSN fields in the text. */
	if (!c.have_dsn && c.body.len > 0 &&
	    (off = bd_dsn_find(c.body.data, cut)) != (size_t)-1) {
		if (bd_dsn_parse(c.body.data + off, cut - off, &c.dsn) != 0)
			c.oom = 1;
	}
	if (c.body.len > 0)
		c.body.len = cut;
	m->body_len = c.body.len;
	m->body = bd_buf_steal(&c.body);
	if (m->body == NULL)
		c.oom = 1;
	if (c.orig.len > 0)
		read_evidence(&c, c.orig.data, c.orig.len);

	if (c.dsn.truncated)
		m->truncated = 1;
	m->reporting_mta = c.dsn.reporting_mta;
	m->arrival_date = c.dsn.arrival_date;
	m->sender = c.dsn.sender;
	c.dsn.reporting_mta = c.dsn.arrival_date = c.dsn.sender = NULL;
	take_dsn(&c, &ndelivered);

	if (!c.feedback && rules != NULL && m->body != NULL &&
	    (m->nrcpt == 0 || ndelivered == 0)) {
		for (i = 0; i < m->nrcpt; i++)
			if (m->rcpt[i].diagnostic == NULL)
				break;
		if (m->nrcpt == 0 ? ndelivered == 0 &&
		    !auto_reply(&c, 1) : i < m->nrcpt) {
			(void)bd_rules_extract(rules, m->body, m->body_len,
			    on_extract, &c);
			if (m->nrcpt == 0)
				from_extract(&c);
			else
				fill_from_extract(&c);
		}
	}
	if (!c.feedback && m->nrcpt == 0 && ndelivered == 0 &&
	    m->body != NULL && !auto_reply(&c, 1))
		fallback(&c);

	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].action == NULL ||
		    strcmp(m->rcpt[i].action, "delayed") != 0)
			nfailed++;
	/* An Amazon SES complaint notification is feedback, not a bounce,
	 * when nothing else in the message says otherwise. */
	if (c.feedback || (nfailed == 0 && m->nrcpt == 0 && ndelivered == 0 &&
	    ses_notification(m->body, m->body_len, "Complaint"))) {
		m->kind = BD_MSG_FEEDBACK;
		m->kind_name = strdup("feedback");
	} else if (nfailed > 0)
		m->kind = BD_MSG_BOUNCE;
	else if (m->nrcpt > 0) {
		m->kind = BD_MSG_DELAYED;
		m->kind_name = strdup("delayed");
	} else if (ndelivered > 0) {
		m->kind = BD_MSG_DELIVERED;
		m->kind_name = strdup("delivered");
	} else if (c.orig.len > 0 && jmrp(&c)) {
		/* Hotmail/Outlook.com JMRP: a complaint without ARF. */
		m->kind = BD_MSG_FEEDBACK;
		m->kind_name = strdup("feedback");
		if ((m->feedback_type = strdup("abuse")) == NULL)
			c.oom = 1;
	} else if (auto_reply(&c, 0)) {
		m->kind = BD_MSG_AUTOREPLY;
		m->kind_name = strdup("auto-reply");
	} else {
		m->kind = BD_MSG_UNKNOWN;
		m->kind_name = strdup("unknown");
	}
	if (m->kind != BD_MSG_BOUNCE && m->kind_name == NULL)
		c.oom = 1;
	if (m->kind == BD_MSG_UNKNOWN && c.orig.len > 0)
		forwarded(&c, level);

	for (i = 0; i < c.nx; i++) {
		free(c.x[i].recipient);
		free(c.x[i].reply);
		free(c.x[i].id);
	}
	free(c.x);
	bd_dsn_free(&c.dsn);
	bd_buf_free(&c.body);
	bd_buf_free(&c.html);
	bd_buf_free(&c.orig);
	bd_mime_headers_free(&top);
	free(lf);
	return c.oom ? -1 : 0;
}

/* Field names that mark an RFC 5322 message (RFC 5322 §3.6, RFC 5321
 * §4.4 trace fields, common MTA additions). */
static int
sniff_known(const char *name, size_t len)
{
	static const char *const known[] = { "From", "To", "Cc", "Subject",
	    "Date", "Received", "Return-Path", "Message-ID", "MIME-Version",
	    "Content-Type", "Delivered-To", "X-Original-To", "Reply-To",
	    "Sender", "In-Reply-To", "References", "DKIM-Signature",
	    "Authentication-Results", "Received-SPF", "Auto-Submitted",
	    "X-Failed-Recipients", "Content-Transfer-Encoding",
	    "ARC-Seal", "X-Mailer", "Precedence", "Thread-Topic", NULL };
	size_t	 i;

	for (i = 0; known[i] != NULL; i++)
		if (bd_mime_ncaseeq(name, len, known[i]))
			return 1;
	return 0;
}

/* Does buf start with a header block?  See message.h. */
int
bd_message_sniff(const char *buf, size_t len)
{
	size_t	 pos = 0, le, i, nfield = 0, nknown = 0, lines = 0;
	int	 mbox = 0;

	/* Look at the first 200 lines / 64 kB only. */
	if (len > BD_MAX_HEADER)
		len = BD_MAX_HEADER;
	if (len > 5 && strncmp(buf, "From ", 5) == 0)
		mbox = 1;
	while (pos < len && lines++ < 200) {
		/* A line ends at LF, CRLF or a bare CR. */
		for (le = pos; le < len && buf[le] != '\n' && buf[le] != '\r';
		    le++)
			;
		if (le == pos)		/* a blank line ends the block */
			return nknown > 0 && (nfield >= 1 || mbox);
		if (mbox && pos == 0)
			;
		else if (buf[pos] == ' ' || buf[pos] == '\t') {
			if (nfield == 0)
				return 0;
		} else {
			for (i = pos; i < le && buf[i] > 32 && buf[i] < 127 &&
			    buf[i] != ':'; i++)
				;
			if (i == pos || i >= le || buf[i] != ':')
				break;
			nfield++;
			if (sniff_known(buf + pos, i - pos))
				nknown++;
		}
		pos = le + 1;
		if (le < len && buf[le] == '\r' && pos < len &&
		    buf[pos] == '\n')
			pos++;
	}
	return nknown > 0 && (nfield >= 2 || (mbox && nfield >= 1));
}
