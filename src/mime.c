/*
 * mime.c - header blocks, encoded words, Content-Type parameters,
 * transfer encodings and the multipart walk under message.c.
 *
 * Contract: input is LF-only text (bd_mime_lf() makes it so) given as
 * (pointer, length); nothing here writes to it or needs a NUL.  Parsing
 * is lenient, as real bounces demand: a header block ends at the first
 * line that is not a field; a multipart without any delimiter line is
 * read as one text part; a boundary that never closes runs to the end
 * of its part; encodings skip what they do not understand.
 *
 * Limits: every loop walks its range once; nesting is capped at
 * BD_MAX_MIME_DEPTH (the only recursion), parts at BD_MAX_MIME_PARTS,
 * fields at BD_MAX_HEADERS, an unfolded field at BD_MAX_HEADER, decoded
 * text at the buffer's max.  The multipart walk costs at most
 * BD_MAX_MIME_DEPTH passes over the message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "limits.h"
#include "mime.h"

struct walk {
	bd_mime_part_fn	*fn;
	void		*arg;
	size_t		 nparts;
	unsigned	 nleaf;
	int		 limited;
	int		 oom;
	int		 stop;
};

static int	 is_ftext(unsigned char c);
static int	 hexval(int c);
static size_t	 line_end(const char *p, size_t pos, size_t len);
static int	 param_find(const char *v, size_t len, const char *attr,
		    const char **val, size_t *vlen);
static size_t	 param_copy(const char *val, size_t vlen, int pct,
		    char *out, size_t outsz);
static void	 decode_b64(const char *in, size_t len,
		    struct bd_buf *out);
static void	 decode_qp(const char *in, size_t len, int underscore,
		    struct bd_buf *out);
static int	 delimiter(const char *p, size_t ll, const char *bnd,
		    size_t bl);
static void	 walk_entity(struct walk *w, const struct bd_mime_headers *h,
		    const char *body, size_t blen, unsigned depth,
		    const char *parent, int digest);
static void	 walk_multipart(struct walk *w, const char *body, size_t blen,
		    const struct bd_mime_ctype *ct, unsigned depth);
static void	 walk_leaf(struct walk *w, const struct bd_mime_headers *h,
		    const struct bd_mime_ctype *ct, const char *body,
		    size_t blen, unsigned depth, const char *parent);

/* RFC 5322 §3.6.8 ftext: printable US-ASCII except colon. */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* Value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Offset of the LF ending the line at pos, or len. */
static size_t
line_end(const char *p, size_t pos, size_t len)
{
	const char *e = memchr(p + pos, '\n', len - pos);

	return e == NULL ? len : (size_t)(e - p);
}

/* ASCII case-insensitive compare of (a, alen) with the string b. */
int
bd_mime_ncaseeq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

/* First case-insensitive occurrence of n in (h, hlen), or NULL. */
const char *
bd_mime_memcasemem(const char *h, size_t hlen, const char *n)
{
	size_t	 nl = strlen(n), i;
	int	 lo, up;
	const char *p, *end;

	if (nl == 0)
		return h;
	if (hlen < nl)
		return NULL;
	lo = tolower((unsigned char)n[0]);
	up = toupper((unsigned char)n[0]);
	end = h + hlen - nl + 1;
	for (p = h; p < end; p++) {
		if (*p != lo && *p != up) {
			/* Skip ahead with memchr on the rarer case. */
			const char *a = memchr(p, lo, end - p);
			const char *b = lo == up ? NULL :
			    memchr(p, up, end - p);

			if (a == NULL && b == NULL)
				return NULL;
			p = a == NULL ? b : b == NULL ? a : a < b ? a : b;
		}
		for (i = 1; i < nl; i++)
			if (tolower((unsigned char)p[i]) !=
			    tolower((unsigned char)n[i]))
				break;
		if (i == nl)
			return p;
	}
	return NULL;
}

/* Copy in with CRLF and bare CR made LF (RFC 5322 §2.1 CRLF). */
char *
bd_mime_lf(const char *in, size_t len, size_t *outlen)
{
	char	*out, *o;
	const char *p = in, *end = in + len, *cr;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	o = out;
	while (p < end) {
		if ((cr = memchr(p, '\r', end - p)) == NULL) {
			memcpy(o, p, end - p);
			o += end - p;
			break;
		}
		memcpy(o, p, cr - p);
		o += cr - p;
		*o++ = '\n';
		p = cr + 1;
		if (p < end && *p == '\n')
			p++;
	}
	*o = '\0';
	*outlen = o - out;
	return out;
}

/* Empty header list. */
void
bd_mime_headers_init(struct bd_mime_headers *h)
{
	memset(h, 0, sizeof(*h));
}

/* Free the field array (the text is not owned). */
void
bd_mime_headers_free(struct bd_mime_headers *h)
{
	free(h->f);
	memset(h, 0, sizeof(*h));
}

/* Read a header block (RFC 5322 §2.2); returns the body offset. */
size_t
bd_mime_headers_parse(const char *p, size_t len, struct bd_mime_headers *h)
{
	struct bd_mime_field *cur = NULL, *nf;
	size_t	 pos = 0, le, i, ncap;
	int	 skipping = 0;

	while (pos < len) {
		le = line_end(p, pos, len);
		if (le == pos)
			return le + 1 <= len ? le + 1 : len;
		if (p[pos] == ' ' || p[pos] == '\t') {
			/* Continuation (RFC 5322 §2.2.3). */
			if (cur != NULL && !skipping)
				cur->value_len = p + le - cur->value;
			pos = le + 1;
			continue;
		}
		for (i = pos; i < le && is_ftext(p[i]); i++)
			;
		/* obs-optional (RFC 5322 §4.5): blanks before the colon. */
		if (i > pos) {
			size_t	 j = i;

			while (j < le && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j < le && p[j] == ':') {
				size_t	 v = j + 1;

				while (v < le && (p[v] == ' ' || p[v] == '\t'))
					v++;
				if (h->n >= BD_MAX_HEADERS) {
					h->truncated = 1;
					skipping = 1;
					pos = le + 1;
					continue;
				}
				if (h->n == h->cap) {
					ncap = h->cap == 0 ? 32 : h->cap * 2;
					nf = reallocarray(h->f, ncap,
					    sizeof(*nf));
					if (nf == NULL) {
						h->oom = 1;
						skipping = 1;
						pos = le + 1;
						continue;
					}
					h->f = nf;
					h->cap = ncap;
				}
				cur = &h->f[h->n++];
				skipping = 0;
				cur->name = p + pos;
				cur->name_len = i - pos;
				cur->value = p + v;
				cur->value_len = le - v;
				pos = le + 1;
				continue;
			}
		}
		/* Not a field: the body starts here (lenient). */
		return pos;
	}
	return len;
}

/* First field called name. */
const struct bd_mime_field *
bd_mime_header(const struct bd_mime_headers *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->n; i++)
		if (bd_mime_ncaseeq(h->f[i].name, h->f[i].name_len, name))
			return &h->f[i];
	return NULL;
}

/* Unfold and collapse blanks into out (RFC 5322 §2.2.3). */
size_t
bd_mime_unfold(const char *v, size_t len, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	int	 space = 0;
	unsigned char c;

	for (i = 0; i < len && o + 1 < outsz; i++) {
		c = v[i];
		if (c <= ' ' || c == 0x7f) {
			space = 1;
			continue;
		}
		if (space && o > 0) {
			out[o++] = ' ';
			if (o + 1 >= outsz)
				break;
		}
		space = 0;
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

/* Unfold into a new string. */
char *
bd_mime_unfold_dup(const char *v, size_t len)
{
	size_t	 sz = (len < BD_MAX_HEADER ? len : BD_MAX_HEADER) + 1;
	char	*s;

	if ((s = malloc(sz)) == NULL)
		return NULL;
	bd_mime_unfold(v, len, s, sz);
	return s;
}

/* Decode an unfolded value holding RFC 2047 encoded words to UTF-8. */
char *
bd_mime_header_decode(const char *v, size_t len)
{
	struct bd_buf out, raw;
	char	*s, cs[48], pend[48] = "";
	const char *p, *q, *e, *cse, *txt, *te, *end, *prev;
	size_t	 n;
	int	 enc, inword = 0;

	if ((s = bd_mime_unfold_dup(v, len)) == NULL)
		return NULL;
	bd_buf_init(&out, BD_MAX_HEADER);
	bd_buf_init(&raw, BD_MAX_HEADER);
	end = s + strlen(s);
	prev = s;
	p = s;
	while ((q = strstr(p, "=?")) != NULL) {
		/* =?charset?enc?text?= (RFC 2047 §2). */
		cse = memchr(q + 2, '?', end - (q + 2));
		if (cse == NULL || cse == q + 2 || cse + 3 > end ||
		    cse[2] != '?') {
			p = q + 2;
			continue;
		}
		enc = toupper((unsigned char)cse[1]);
		txt = cse + 3;
		te = strstr(txt, "?=");
		if ((enc != 'B' && enc != 'Q') || te == NULL) {
			p = q + 2;
			continue;
		}
		n = cse - (q + 2);
		if (n >= sizeof(cs))
			n = sizeof(cs) - 1;
		memcpy(cs, q + 2, n);
		cs[n] = '\0';
		/* RFC 2231 §5: charset*language. */
		if ((e = strchr(cs, '*')) != NULL)
			cs[e - cs] = '\0';
		/* Text between words: dropped when it is only blanks. */
		for (e = prev; e < q && (*e == ' ' || *e == '\t'); e++)
			;
		if (!(inword && e == q)) {
			bd_charset_to_utf8(pend, raw.data, raw.len, &out);
			raw.len = 0;
			bd_charset_utf8_clean(prev, q - prev, &out);
		} else if (strcasecmp(cs, pend) != 0) {
			bd_charset_to_utf8(pend, raw.data, raw.len, &out);
			raw.len = 0;
		}
		(void)snprintf(pend, sizeof(pend), "%s", cs);
		if (enc == 'B')
			decode_b64(txt, te - txt, &raw);
		else
			decode_qp(txt, te - txt, 1, &raw);
		inword = 1;
		prev = p = te + 2;
	}
	bd_charset_to_utf8(pend, raw.data, raw.len, &out);
	bd_charset_utf8_clean(prev, end - prev, &out);
	bd_buf_free(&raw);
	free(s);
	if (out.nomem)
		return bd_buf_steal(&out);
	/* Decoded words may carry controls: blanks, then trim. */
	for (p = out.data, n = 0; p != NULL && *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f) {
			if (n > 0 && out.data[n - 1] != ' ')
				out.data[n++] = ' ';
			continue;
		}
		out.data[n++] = *p;
	}
	while (n > 0 && out.data[n - 1] == ' ')
		n--;
	if (out.data != NULL) {
		out.data[n] = '\0';
		out.len = n;
	}
	return bd_buf_steal(&out);
}

/* Find parameter attr (exact, case-insensitive) in v; raw value range. */
static int
param_find(const char *v, size_t len, const char *attr, const char **val,
    size_t *vlen)
{
	size_t	 i = 0, a, al;
	int	 first = 1;

	while (i < len) {
		/* Skip the type/subtype or a value's rest: to ';' or blank. */
		if (first) {
			while (i < len && v[i] != ';')
				i++;
			first = 0;
		}
		while (i < len && (v[i] == ';' || v[i] == ' ' || v[i] == '\t'))
			i++;
		a = i;
		while (i < len && v[i] != '=' && v[i] != ';' && v[i] != ' ')
			i++;
		al = i - a;
		while (i < len && v[i] == ' ')
			i++;
		if (i >= len || v[i] != '=')
			continue;
		i++;
		while (i < len && v[i] == ' ')
			i++;
		*val = v + i;
		if (i < len && v[i] == '"') {
			for (i++; i < len && v[i] != '"'; i++)
				if (v[i] == '\\' && i + 1 < len)
					i++;
			if (i < len)
				i++;
		} else
			while (i < len && v[i] != ';' && v[i] != ' ')
				i++;
		*vlen = v + i - *val;
		if (bd_mime_ncaseeq(v + a, al, attr))
			return 1;
	}
	return 0;
}

/* Copy a raw parameter value (unquoting; %XX when pct), NUL-terminated. */
static size_t
param_copy(const char *val, size_t vlen, int pct, char *out, size_t outsz)
{
	size_t	 i = 0, o = 0;
	int	 hi, lo;

	if (vlen > 0 && val[0] == '"') {
		i = 1;
		if (vlen > 1 && val[vlen - 1] == '"')
			vlen--;
	}
	for (; i < vlen && o + 1 < outsz; i++) {
		if (val[i] == '\\' && i + 1 < vlen && val[0] == '"')
			i++;
		else if (pct && val[i] == '%' && i + 2 < vlen + 0 &&
		    (hi = hexval(val[i + 1])) >= 0 &&
		    (lo = hexval(val[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		out[o++] = val[i];
	}
	out[o] = '\0';
	return o;
}

/* Parameter name of a structured field value (RFC 2045, RFC 2231). */
int
bd_mime_param(const char *v, size_t len, const char *name, char *out,
    size_t outsz)
{
	char	 attr[96];
	const char *val, *q;
	size_t	 vlen, o = 0;
	unsigned n;
	int	 found = 0;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if (param_find(v, len, name, &val, &vlen)) {
		param_copy(val, vlen, 0, out, outsz);
		return 1;
	}
	(void)snprintf(attr, sizeof(attr), "%s*", name);
	if (param_find(v, len, attr, &val, &vlen)) {
		/* charset'language'value (RFC 2231 §4). */
		if ((q = memchr(val, '\'', vlen)) != NULL &&
		    (q = memchr(q + 1, '\'', val + vlen - q - 1)) != NULL) {
			vlen -= q + 1 - val;
			val = q + 1;
		}
		param_copy(val, vlen, 1, out, outsz);
		return 1;
	}
	/* Continuations name*0, name*1*, ... (RFC 2231 §3). */
	for (n = 0; n < 64 && o + 1 < outsz; n++) {
		(void)snprintf(attr, sizeof(attr), "%s*%u", name, n);
		if (param_find(v, len, attr, &val, &vlen)) {
			o += param_copy(val, vlen, 0, out + o, outsz - o);
			found = 1;
			continue;
		}
		(void)snprintf(attr, sizeof(attr), "%s*%u*", name, n);
		if (!param_find(v, len, attr, &val, &vlen))
			break;
		if (n == 0 && (q = memchr(val, '\'', vlen)) != NULL &&
		    (q = memchr(q + 1, '\'', val + vlen - q - 1)) != NULL) {
			vlen -= q + 1 - val;
			val = q + 1;
		}
		o += param_copy(val, vlen, 1, out + o, outsz - o);
		found = 1;
	}
	return found;
}

/* Parse a Content-Type value; default text/plain (RFC 2045 §5.2). */
void
bd_mime_ctype_parse(const char *v, size_t len, struct bd_mime_ctype *ct)
{
	size_t	 i = 0, a, o;

	memset(ct, 0, sizeof(*ct));
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	a = i;
	for (o = 0; i < len && v[i] != '/' && v[i] != ';' && v[i] != ' ';
	    i++)
		if (o + 1 < sizeof(ct->type))
			ct->type[o++] = tolower((unsigned char)v[i]);
	ct->type[o] = '\0';
	while (i < len && v[i] == ' ')
		i++;
	if (i < len && v[i] == '/') {
		i++;
		while (i < len && v[i] == ' ')
			i++;
		for (o = 0; i < len && v[i] != ';' && v[i] != ' '; i++)
			if (o + 1 < sizeof(ct->subtype))
				ct->subtype[o++] = tolower((unsigned char)v[i]);
		ct->subtype[o] = '\0';
	}
	if (i == a || ct->subtype[0] == '\0') {
		(void)snprintf(ct->type, sizeof(ct->type), "text");
		(void)snprintf(ct->subtype, sizeof(ct->subtype), "plain");
	}
	bd_mime_param(v, len, "charset", ct->charset, sizeof(ct->charset));
	for (o = 0; ct->charset[o] != '\0'; o++)
		ct->charset[o] = tolower((unsigned char)ct->charset[o]);
	bd_mime_param(v, len, "report-type", ct->report_type,
	    sizeof(ct->report_type));
	for (o = 0; ct->report_type[o] != '\0'; o++)
		ct->report_type[o] = tolower((unsigned char)ct->report_type[o]);
	bd_mime_param(v, len, "boundary", ct->boundary, sizeof(ct->boundary));
	/* Trailing blanks are not part of a boundary (RFC 2046 §5.1.1). */
	o = strlen(ct->boundary);
	while (o > 0 && ct->boundary[o - 1] == ' ')
		ct->boundary[--o] = '\0';
}

/* Content-Transfer-Encoding (RFC 2045 §6.1). */
enum bd_mime_enc
bd_mime_enc_parse(const char *v, size_t len)
{
	char	 s[32];

	bd_mime_unfold(v, len, s, sizeof(s));
	if (strncasecmp(s, "base64", 6) == 0)
		return BD_ENC_BASE64;
	if (strncasecmp(s, "quoted-printable", 16) == 0)
		return BD_ENC_QP;
	return BD_ENC_IDENTITY;
}

/* Base64 (RFC 2045 §6.8), lenient: other bytes skipped, '=' ends a quad. */
static void
decode_b64(const char *in, size_t len, struct bd_buf *out)
{
	static const unsigned char tab[256] = {
		['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5,
		['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10,
		['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
		['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20,
		['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
		['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
		['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
		['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
		['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45,
		['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
		['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
		['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
		['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	};
	char	 tmp[4096];
	size_t	 i, t = 0;
	unsigned long acc = 0;
	int	 n = 0, c;

	for (i = 0; i < len; i++) {
		c = tab[(unsigned char)in[i]];
		if (c == 0) {
			if (in[i] == '=') {
				if (n == 2)
					tmp[t++] = (char)(acc >> 4);
				else if (n == 3) {
					tmp[t++] = (char)(acc >> 10);
					tmp[t++] = (char)(acc >> 2);
				}
				n = 0;
				acc = 0;
			}
		} else {
			acc = acc << 6 | (unsigned long)(c - 1);
			if (++n == 4) {
				tmp[t++] = (char)(acc >> 16);
				tmp[t++] = (char)(acc >> 8);
				tmp[t++] = (char)acc;
				n = 0;
				acc = 0;
			}
		}
		if (t + 3 > sizeof(tmp)) {
			bd_buf_append(out, tmp, t);
			t = 0;
			if (out->truncated || out->nomem)
				return;
		}
	}
	if (n == 2)
		tmp[t++] = (char)(acc >> 4);
	else if (n == 3) {
		tmp[t++] = (char)(acc >> 10);
		tmp[t++] = (char)(acc >> 2);
	}
	bd_buf_append(out, tmp, t);
}

/* Quoted-printable (RFC 2045 §6.7), or Q (RFC 2047 §4.2) if underscore. */
static void
decode_qp(const char *in, size_t len, int underscore,
    struct bd_buf *out)
{
	char	 tmp[4096];
	size_t	 i, j, t = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '=') {
			/* Soft line break, blanks allowed before it. */
			for (j = i + 1; j < len && (in[j] == ' ' ||
			    in[j] == '\t'); j++)
				;
			if (j < len && in[j] == '\n') {
				i = j;
				continue;
			}
			if (j == len) {
				i = j;
				continue;
			}
			if (i + 2 < len && (hi = hexval(in[i + 1])) >= 0 &&
			    (lo = hexval(in[i + 2])) >= 0) {
				tmp[t++] = (char)(hi << 4 | lo);
				i += 2;
			} else
				tmp[t++] = '=';
		} else if (underscore && in[i] == '_')
			tmp[t++] = ' ';
		else
			tmp[t++] = in[i];
		if (t == sizeof(tmp)) {
			bd_buf_append(out, tmp, t);
			t = 0;
			if (out->truncated || out->nomem)
				return;
		}
	}
	bd_buf_append(out, tmp, t);
}

/* Decode a body in the given transfer encoding. */
void
bd_mime_decode(enum bd_mime_enc enc, const char *in, size_t len,
    struct bd_buf *out)
{
	switch (enc) {
	case BD_ENC_BASE64:
		decode_b64(in, len, out);
		break;
	case BD_ENC_QP:
		decode_qp(in, len, 0, out);
		break;
	default:
		bd_buf_append(out, in, len);
		break;
	}
}

/*
 * Is the line (p, ll) a delimiter for bnd?  1 = part delimiter,
 * 2 = close delimiter, 0 = not (RFC 2046 §5.1.1: trailing blanks
 * allowed; anything else means a longer boundary).
 */
static int
delimiter(const char *p, size_t ll, const char *bnd, size_t bl)
{
	size_t	 i;
	int	 r = 1;

	if (ll < bl + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, bnd, bl) != 0)
		return 0;
	i = bl + 2;
	if (ll >= i + 2 && p[i] == '-' && p[i + 1] == '-') {
		r = 2;
		i += 2;
	}
	for (; i < ll; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return r;
}

/* Hand a leaf part to the callback. */
static void
walk_leaf(struct walk *w, const struct bd_mime_headers *h,
    const struct bd_mime_ctype *ct, const char *body, size_t blen,
    unsigned depth, const char *parent)
{
	struct bd_mime_part part;
	const struct bd_mime_field *f;

	memset(&part, 0, sizeof(part));
	part.headers = h;
	part.ctype = ct;
	part.parent_subtype = parent;
	f = bd_mime_header(h, "Content-Transfer-Encoding");
	part.enc = f == NULL ? BD_ENC_IDENTITY :
	    bd_mime_enc_parse(f->value, f->value_len);
	part.body = body;
	part.body_len = blen;
	part.depth = depth;
	part.index = w->nleaf++;
	if (w->fn(w->arg, &part) != 0)
		w->stop = 1;
}

/* Split a multipart body at its delimiters and walk each part. */
static void
walk_multipart(struct walk *w, const char *body, size_t blen,
    const struct bd_mime_ctype *ct, unsigned depth)
{
	struct bd_mime_headers ph;
	struct bd_mime_ctype txt;
	size_t	 pos = 0, le, bl = strlen(ct->boundary), start = 0, hoff;
	size_t	 pend;
	int	 d, inpart = 0, seen = 0;

	while (pos <= blen && !w->stop) {
		le = pos < blen ? line_end(body, pos, blen) : blen;
		d = pos < blen ? delimiter(body + pos, le - pos, ct->boundary,
		    bl) : 2;
		if (d != 0) {
			if (pos < blen)
				seen = 1;
			if (inpart && seen) {
				/* The LF before a delimiter belongs to it;
				 * at the end of the input there may be
				 * none. */
				pend = pos > start && body[pos - 1] == '\n' ?
				    pos - 1 : pos;
				if (++w->nparts > BD_MAX_MIME_PARTS) {
					w->limited = 1;
					return;
				}
				bd_mime_headers_init(&ph);
				hoff = bd_mime_headers_parse(body + start,
				    pend - start, &ph);
				if (ph.oom)
					w->oom = 1;
				if (ph.truncated)
					w->limited = 1;
				walk_entity(w, &ph, body + start + hoff,
				    pend - start - hoff, depth + 1,
				    ct->subtype, strcmp(ct->subtype,
				    "digest") == 0);
				bd_mime_headers_free(&ph);
			}
			if (d == 2)
				break;
			inpart = 1;
			start = le + 1 <= blen ? le + 1 : blen;
		}
		/* A last line without LF ends at blen: step to blen, not
		 * past it, so the end-of-input round still runs. */
		pos = le < blen ? le + 1 : blen + (pos == blen);
	}
	if (!seen && !w->stop) {
		/* No delimiter at all: read the body as text (lenient). */
		static const struct bd_mime_headers none;

		bd_mime_ctype_parse("text/plain", 10, &txt);
		walk_leaf(w, &none, &txt, body, blen, depth, ct->subtype);
	}
}

/* Walk one entity: a multipart is split, anything else is a leaf. */
static void
walk_entity(struct walk *w, const struct bd_mime_headers *h,
    const char *body, size_t blen, unsigned depth, const char *parent,
    int digest)
{
	struct bd_mime_ctype ct;
	const struct bd_mime_field *f;
	char	 v[2048];
	size_t	 vl;

	if (w->stop)
		return;
	f = bd_mime_header(h, "Content-Type");
	if (f != NULL) {
		vl = bd_mime_unfold(f->value, f->value_len, v, sizeof(v));
		bd_mime_ctype_parse(v, vl, &ct);
	} else if (digest)
		bd_mime_ctype_parse("message/rfc822", 14, &ct);
	else
		bd_mime_ctype_parse("text/plain", 10, &ct);
	if (strcmp(ct.type, "multipart") == 0 && ct.boundary[0] != '\0') {
		if (depth >= BD_MAX_MIME_DEPTH) {
			w->limited = 1;
			return;
		}
		walk_multipart(w, body, blen, &ct, depth);
		return;
	}
	if (strcmp(ct.type, "multipart") == 0)
		bd_mime_ctype_parse("text/plain", 10, &ct);
	walk_leaf(w, h, &ct, body, blen, depth, parent);
}

/* Walk a whole message; see mime.h. */
int
bd_mime_walk(const struct bd_mime_headers *h, const char *body,
    size_t body_len, bd_mime_part_fn *fn, void *arg)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	walk_entity(&w, h, body, body_len, 0, "", 0);
	if (w.oom)
		return -1;
	return w.limited;
}
