/*
 * unwrap.c - peel the forms that wrap an SMTP reply in what people
 * paste: an application's error line (PHPMailer "SMTP Error (550): ...",
 * Python's "(550, b'5.1.1 ...')", a Java or .NET exception), an MTA log
 * line (a Postfix smtpd "NOQUEUE: reject:", an OpenSMTPD "result=...
 * stat=...", a qmail-send "delivery N: failure: ...").  The forms are
 * data: `wrapper` entries of the rule table (rules/05-wrappers.rules),
 * each a pattern with a `reply` capture and, optionally, `code`, `esc`
 * and field captures.  This file only applies them.
 *
 * Contract: the innermost reply is rebuilt as "CODE ESC reply" from the
 * captures (a code the reply already starts with is not repeated), then
 * unescaped as the wrapper says.  Wrappers are peeled while one matches
 * and the text changes, at most BD_MAX_UNWRAP layers; the outermost
 * capture of a field wins (it is the most structured one).  No globals;
 * the only failure is running out of memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "unwrap.h"

/* Value of a hex digit, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Encode cp as UTF-8 at out (room for 3 bytes: cp <= U+FFFF). */
static size_t
utf8_put(uint32_t cp, char *out)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;	/* a lone surrogate: replacement character */
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* Public: decode backslash escapes in place; never grows. */
size_t
bd_unescape_c(char *s, size_t len)
{
	size_t	 i = 0, o = 0;
	int	 h[4];
	uint32_t cp;

	while (i < len) {
		if (s[i] != '\\' || i + 1 == len) {
			s[o++] = s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case 'n':  s[o++] = '\n'; i += 2; continue;
		case 'r':  s[o++] = '\r'; i += 2; continue;
		case 't':  s[o++] = '\t'; i += 2; continue;
		case '\\': s[o++] = '\\'; i += 2; continue;
		case '\'': s[o++] = '\''; i += 2; continue;
		case '"':  s[o++] = '"'; i += 2; continue;
		case '/':  s[o++] = '/'; i += 2; continue;
		case 'x':
			if (i + 3 < len && (h[0] = hexval((unsigned char)
			    s[i + 2])) >= 0 && (h[1] = hexval((unsigned char)
			    s[i + 3])) >= 0) {
				s[o++] = (char)(h[0] << 4 | h[1]);
				i += 4;
				continue;
			}
			break;
		case 'u':
			/* \uXXXX is 6 bytes in, at most 3 out. */
			if (i + 5 < len &&
			    (h[0] = hexval((unsigned char)s[i + 2])) >= 0 &&
			    (h[1] = hexval((unsigned char)s[i + 3])) >= 0 &&
			    (h[2] = hexval((unsigned char)s[i + 4])) >= 0 &&
			    (h[3] = hexval((unsigned char)s[i + 5])) >= 0) {
				cp = (uint32_t)(h[0] << 12 | h[1] << 8 |
				    h[2] << 4 | h[3]);
				o += utf8_put(cp, s + o);
				i += 6;
				continue;
			}
			break;
		default:
			break;
		}
		s[o++] = s[i++];	/* not an escape we know: keep it */
	}
	return o;
}

/* qmail-send logs write the reply with '_' for every space. */
static void
unescape_underscore(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == '_')
			s[i] = ' ';
}

/* Does s (n bytes) start, after blanks, with the word w (wn bytes)? */
static int
starts_with_word(const char *s, size_t n, const char *w, size_t wn)
{
	size_t	 i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return n - i >= wn && memcmp(s + i, w, wn) == 0 && (n - i == wn ||
	    s[i + wn] == ' ' || s[i + wn] == '-' || s[i + wn] == '\t');
}

/* Length of a capture, 0 when unset. */
static size_t
cap_len(const struct bd_capture *c)
{
	return c->end > c->start ? c->end - c->start : 0;
}

/* Length of the reply code ("550 ", "550-") that starts s, or 0. */
static size_t
leading_code(const char *s, size_t n)
{
	if (n >= 4 && s[0] >= '2' && s[0] <= '5' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && (s[3] == ' ' ||
	    s[3] == '-'))
		return 4;
	return 0;
}

/* Does s start with an enhanced status code ("5.1.1 ")? */
static int
leading_esc(const char *s, size_t n)
{
	size_t	 i = 0, dots = 0;

	if (n == 0 || s[0] < '2' || s[0] > '5')
		return 0;
	for (i = 1; i < n && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9'));
	    i++)
		dots += s[i] == '.';
	return dots == 2 && (i == n || s[i] == ' ');
}

/*
 * "CODE ESC reply" from one wrapper's captures, unescaped; NULL when
 * out of memory.  A code or enhanced code the reply already carries is
 * not repeated; an enhanced code the wrapper found elsewhere (a log's
 * dsn=) goes after the reply's own code, where the parser looks.
 */
static char *
rebuild(const char *in, const struct bd_unwrap_hit *hit, size_t *lenp)
{
	const char *reply = in + hit->reply.start;
	size_t	 rlen = cap_len(&hit->reply), clen = cap_len(&hit->code);
	size_t	 elen = cap_len(&hit->esc), n = 0, own;
	char	*out;

	if ((out = malloc(clen + elen + rlen + 3)) == NULL)
		return NULL;
	if (clen > 0 && !starts_with_word(reply, rlen, in + hit->code.start,
	    clen)) {
		memcpy(out, in + hit->code.start, clen);
		n = clen;
		out[n++] = ' ';
	}
	own = leading_code(reply, rlen);
	if (own > 0) {		/* the reply's own code first */
		memcpy(out + n, reply, own);
		n += own;
		reply += own;
		rlen -= own;
	}
	if (elen > 0 && !leading_esc(reply, rlen)) {
		memcpy(out + n, in + hit->esc.start, elen);
		n += elen;
		out[n++] = ' ';
	}
	memcpy(out + n, reply, rlen);
	n += rlen;
	if (hit->wrapper->unescape & BD_UNESCAPE_C)
		n = bd_unescape_c(out, n);
	if (hit->wrapper->unescape & BD_UNESCAPE_UNDERSCORE)
		unescape_underscore(out, n);
	out[n] = '\0';
	*lenp = n;
	return out;
}

/* Keep the fields this layer captured that no outer layer gave. */
static int
keep_fields(struct bd_unwrapped *u, const char *in,
    const struct bd_unwrap_hit *hit)
{
	size_t	 f, n;

	for (f = 0; f < BD_F__COUNT; f++) {
		if (u->fields[f] != NULL || (n = cap_len(&hit->fields[f])) == 0)
			continue;
		if ((u->fields[f] = strndup(in + hit->fields[f].start, n)) ==
		    NULL)
			return -1;
		if (hit->wrapper->unescape & BD_UNESCAPE_C)
			u->fields[f][bd_unescape_c(u->fields[f], n)] = '\0';
	}
	return 0;
}

/* Public: peel wrappers while one matches. */
int
bd_unwrap(const struct bd_rules *rules, const char *in, size_t len,
    struct bd_unwrapped *u, unsigned *limit_hits)
{
	struct bd_unwrap_hit hit;
	const char *cur = in;
	size_t	 curlen = len, n;
	char	*next;

	memset(u, 0, sizeof(*u));
	while (u->layers < BD_MAX_UNWRAP && bd_rules_wrapper_match(rules,
	    cur, curlen, &hit, limit_hits) != NULL) {
		if (keep_fields(u, cur, &hit) == -1 ||
		    (next = rebuild(cur, &hit, &n)) == NULL) {
			bd_unwrapped_free(u);
			return -1;
		}
		if (n == curlen && memcmp(next, cur, n) == 0) {
			free(next);	/* a no-op: nothing more to peel */
			break;
		}
		if (u->layers == 0)
			u->wrapper = hit.wrapper->id;
		free(u->text);
		u->text = next;
		u->len = n;
		u->layers++;
		cur = u->text;
		curlen = u->len;
	}
	return 0;
}

void
bd_unwrapped_free(struct bd_unwrapped *u)
{
	size_t	 f;

	if (u == NULL)
		return;
	free(u->text);
	for (f = 0; f < BD_F__COUNT; f++)
		free(u->fields[f]);
	memset(u, 0, sizeof(*u));
}
