/*
 * test_mime.c - table-driven tests for mime.c: line ends, header blocks
 * and unfolding, RFC 2047 encoded words, Content-Type and RFC 2231
 * parameters, base64 and quoted-printable bodies, the multipart walk
 * with its depth and part limits.
 *
 * Each case is {name, input, what we want}; failures print got/want and
 * a group fails once at the end, so one run shows every broken case.
 *
 * Sources, cited per case:
 *  - "eml": tests/data/eml, bounces from sisimai/set-of-emails
 *    (BSD-2-Clause, see tests/data/eml/LICENSE and README), unchanged.
 *  - RFC examples: RFC 2047 §8, RFC 2231 §3-4, RFC 4648 §10, copied from
 *    the RFC text.
 *  - Synthetic messages for one rule each, written the way MTAs write
 *    them.
 *
 * Run from the top of the tree (make check does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Last: with -DUNIT_TESTING it redefines malloc and free. */
#include <cmocka.h>

#include "buf.h"
#include "limits.h"
#include "mime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define EML		"tests/data/eml/"

static char	*slurp(const char *, size_t *);
static char	*slurp_lf(const char *, size_t *);
static int	 check_str(const char *, const char *, const char *,
		    const char *);
static int	 check_mem(const char *, const char *, const char *, size_t,
		    const char *, size_t);

/* Read a whole file; fails the test when it cannot. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fail_msg("cannot open %s", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc(n + 1)) == NULL) {
		fclose(f);
		fail_msg("cannot read %s", path);
		return NULL;
	}
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A file with its line ends made LF, as message.c hands it to mime.c. */
static char *
slurp_lf(const char *path, size_t *len)
{
	char	*raw, *lf;
	size_t	 n;

	raw = slurp(path, &n);
	lf = bd_mime_lf(raw, n, len);
	assert_non_null(lf);
	free(raw);
	return lf;
}

/* Compare strings; print got/want on mismatch.  NULL want means "". */
static int
check_str(const char *name, const char *field, const char *got,
    const char *want)
{
	if (want == NULL)
		want = "";
	if (got == NULL)
		got = "(null)";
	if (strcmp(got, want) == 0)
		return 0;
	print_error("%s: %s\n    got  \"%s\"\n    want \"%s\"\n", name, field,
	    got, want);
	return 1;
}

/* Compare byte ranges (may hold NUL or 8-bit bytes). */
static int
check_mem(const char *name, const char *field, const char *got,
    size_t glen, const char *want, size_t wlen)
{
	if (glen == wlen && memcmp(got, want, wlen) == 0)
		return 0;
	print_error("%s: %s\n    got  %zu bytes \"%.*s\"\n    want %zu bytes "
	    "\"%.*s\"\n", name, field, glen, (int)glen, got, wlen, (int)wlen,
	    want);
	return 1;
}

/*
 * Line ends: CRLF and bare CR become LF, nothing else changes.
 */
struct lf_case {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct lf_case lf_cases[] = {
	{ "crlf", "a\r\nb\r\n", "a\nb\n" },
	{ "bare cr", "a\rb\r", "a\nb\n" },
	{ "lf kept", "a\nb\n", "a\nb\n" },
	{ "cr before crlf is two ends", "a\r\r\nb", "a\n\nb" },
	{ "lf then cr is two ends", "a\n\rb", "a\n\nb" },
	{ "mixed", "1\r\n2\r3\n4", "1\n2\n3\n4" },
	{ "lone cr", "\r", "\n" },
	{ "empty", "", "" },
};

static void
test_lf(void **state)
{
	size_t	 i, n;
	char	*out;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(lf_cases); i++) {
		out = bd_mime_lf(lf_cases[i].in, strlen(lf_cases[i].in), &n);
		assert_non_null(out);
		bad += check_mem(lf_cases[i].name, "lf", out, n,
		    lf_cases[i].want, strlen(lf_cases[i].want));
		assert_int_equal(out[n], '\0');
		free(out);
	}
	assert_int_equal(bad, 0);
}

/*
 * eml: the CRLF (dos-) and bare-CR (mac-) copies of lhost-postfix-01
 * are, once bd_mime_lf() has read them, the LF file byte for byte.
 */
static void
test_lf_files(void **state)
{
	static const char *const copies[] = {
		EML "dos-lhost-postfix-01.eml",
		EML "mac-lhost-postfix-01.eml",
	};
	char	*want, *got;
	size_t	 wlen, glen, i;
	int	 bad = 0;

	(void)state;
	want = slurp(EML "lhost-postfix-01.eml", &wlen);
	for (i = 0; i < NELEM(copies); i++) {
		got = slurp_lf(copies[i], &glen);
		bad += check_mem(copies[i], "lf copy", got, glen, want, wlen);
		free(got);
	}
	free(want);
	assert_int_equal(bad, 0);
}

/*
 * Header blocks: which fields, their unfolded values, where the body
 * starts.  want is "Name=value" per field joined by '|' (values
 * unfolded with bd_mime_unfold_dup).
 */
struct hdr_case {
	const char	*name;
	const char	*in;
	const char	*fields;
	const char	*body;		/* the text from the body offset */
};

static const struct hdr_case hdr_cases[] = {
	{ "two fields and a body", "A: 1\nB: 2\n\nbody\n", "A=1|B=2",
	  "body\n" },
	/* RFC 5322 §2.2.3: a fold is CRLF followed by WSP. */
	{ "folded with space and tab", "Subject: Undelivered Mail\n"
	  " Returned\n\tto Sender\n\nx", "Subject=Undelivered Mail Returned "
	  "to Sender", "x" },
	/* RFC 5322 §4.5 obs-optional: blanks before the colon. */
	{ "blank before colon", "Subject : hi\nTo:\tbob@example.com\n\n",
	  "Subject=hi|To=bob@example.com", "" },
	{ "empty value", "X-MS-Has-Attach:\nX-Auto-Response-Suppress: All\n"
	  "\n", "X-MS-Has-Attach=|X-Auto-Response-Suppress=All", "" },
	/* Lenient: the first line that is not a field starts the body. */
	{ "no blank line before the body", "From: a@example.com\n"
	  "This is the mail system at host example.com.\n",
	  "From=a@example.com", "This is the mail system at host "
	  "example.com.\n" },
	{ "mbox From_ line is not a field", "From MAILER-DAEMON  Mon Sep 20 "
	  "19:33:02 2021\nReturn-Path: <>\n\n", "", "From MAILER-DAEMON  "
	  "Mon Sep 20 19:33:02 2021\nReturn-Path: <>\n\n" },
	{ "continuation before any field is dropped", "  stray\nA: 1\n\nb",
	  "A=1", "b" },
	{ "block ends at the end of input", "A: 1\nB: 2", "A=1|B=2", "" },
	{ "colon in the value", "Received: from a by b; Mon, 20 Sep 2021 "
	  "19:33:02 +0000\n\n", "Received=from a by b; Mon, 20 Sep 2021 "
	  "19:33:02 +0000", "" },
	/* A folded line that lost its leading blank (lhost-verizon-02). */
	{ "fold without blank ends the block",
	  "Content-Type: multipart/alternative;\nboundary=\"x\"\n\n--x\n",
	  "Content-Type=multipart/alternative;",
	  "boundary=\"x\"\n\n--x\n" },
};

/* Fields of h as "Name=value|..." into out. */
static void
fields_str(const struct bd_mime_headers *h, struct bd_buf *out)
{
	size_t	 i;
	char	*v;

	for (i = 0; i < h->n; i++) {
		v = bd_mime_unfold_dup(h->f[i].value, h->f[i].value_len);
		assert_non_null(v);
		(void)bd_buf_printf(out, "%s%.*s=%s", i > 0 ? "|" : "",
		    (int)h->f[i].name_len, h->f[i].name, v);
		free(v);
	}
	if (out->data == NULL)
		(void)bd_buf_puts(out, "");
}

static void
test_headers(void **state)
{
	const struct hdr_case *c;
	struct bd_mime_headers h;
	struct bd_buf b;
	size_t	 i, off, len;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(hdr_cases); i++) {
		c = &hdr_cases[i];
		len = strlen(c->in);
		bd_mime_headers_init(&h);
		off = bd_mime_headers_parse(c->in, len, &h);
		bd_buf_init(&b, 0);
		fields_str(&h, &b);
		bad += check_str(c->name, "fields", b.data, c->fields);
		assert_true(off <= len);
		bad += check_str(c->name, "body", c->in + off, c->body);
		if (h.truncated || h.oom) {
			print_error("%s: truncated/oom set\n", c->name);
			bad++;
		}
		bd_buf_free(&b);
		bd_mime_headers_free(&h);
	}
	assert_int_equal(bad, 0);
}

/* Lookup: ASCII case-insensitive, the first of repeated fields. */
static void
test_header_lookup(void **state)
{
	static const char in[] = "Received: first\nReceived: second\n"
	    "content-type: message/delivery-status\n\n";
	struct bd_mime_headers h;
	const struct bd_mime_field *f;

	(void)state;
	bd_mime_headers_init(&h);
	(void)bd_mime_headers_parse(in, sizeof(in) - 1, &h);
	assert_int_equal(h.n, 3);
	f = bd_mime_header(&h, "RECEIVED");
	assert_non_null(f);
	assert_int_equal(f->value_len, 5);
	assert_memory_equal(f->value, "first", 5);
	f = bd_mime_header(&h, "Content-Type");
	assert_non_null(f);
	assert_memory_equal(f->value, "message/delivery-status", 23);
	assert_null(bd_mime_header(&h, "Content"));
	assert_null(bd_mime_header(&h, "Content-Type-X"));
	bd_mime_headers_free(&h);
	assert_int_equal(h.n, 0);
	bd_mime_headers_free(&h);	/* twice is fine */
}

/*
 * BD_MAX_HEADERS: fields past the limit are dropped and flagged, and
 * the continuation lines of a dropped field do not join the last kept
 * one.
 */
static void
test_header_limit(void **state)
{
	struct bd_mime_headers h;
	struct bd_buf in;
	const struct bd_mime_field *last;
	size_t	 off;
	unsigned i;

	(void)state;
	bd_buf_init(&in, 0);
	for (i = 0; i < BD_MAX_HEADERS; i++)
		(void)bd_buf_printf(&in, "X-%u: %u\n", i, i);
	(void)bd_buf_puts(&in, "X-Extra: dropped\n  fold of the dropped\n"
	    "X-More: dropped too\n\nbody");
	bd_mime_headers_init(&h);
	off = bd_mime_headers_parse(in.data, in.len, &h);
	assert_int_equal(h.n, BD_MAX_HEADERS);
	assert_int_equal(h.truncated, 1);
	assert_string_equal(in.data + off, "body");
	last = &h.f[h.n - 1];
	assert_int_equal(last->value_len, 3);
	assert_memory_equal(last->value, "999", 3);
	bd_mime_headers_free(&h);
	bd_buf_free(&in);
}

/*
 * Unfolding: folds and runs of blanks and controls become one space,
 * the ends are trimmed, the result is cut at outsz - 1.
 */
struct unfold_case {
	const char	*name;
	const char	*in;
	size_t		 outsz;
	const char	*want;
};

static const struct unfold_case unfold_cases[] = {
	{ "fold", "x-unix; procmail: Couldn't create\n    \"/var/spool\"",
	  256, "x-unix; procmail: Couldn't create \"/var/spool\"" },
	{ "blank runs and ends", "  a \t  b  ", 256, "a b" },
	{ "controls are blanks", "a\x01\x7f" "b\r\nc", 256, "a b c" },
	{ "only blanks", " \t\n ", 256, "" },
	{ "cut", "abcdef", 4, "abc" },
	{ "8-bit bytes kept", "caf\xc3\xa9 \xff", 256, "caf\xc3\xa9 \xff" },
};

static void
test_unfold(void **state)
{
	const struct unfold_case *c;
	char	 out[256], *dup;
	size_t	 i, n;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(unfold_cases); i++) {
		c = &unfold_cases[i];
		n = bd_mime_unfold(c->in, strlen(c->in), out, c->outsz);
		bad += check_str(c->name, "unfold", out, c->want);
		if (n != strlen(out)) {
			print_error("%s: returned %zu, strlen %zu\n", c->name,
			    n, strlen(out));
			bad++;
		}
		if (c->outsz < 256)
			continue;
		dup = bd_mime_unfold_dup(c->in, strlen(c->in));
		bad += check_str(c->name, "unfold_dup", dup, c->want);
		free(dup);
	}
	assert_int_equal(bad, 0);
}

/*
 * RFC 2047 encoded words, decoded to UTF-8.  in is a raw field value
 * (folds and all).
 */
struct word_case {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct word_case word_cases[] = {
	/* RFC 2047 §8, the table of examples (parentheses included). */
	{ "rfc2047 one word", "(=?ISO-8859-1?Q?a?=)", "(a)" },
	{ "rfc2047 word then text", "(=?ISO-8859-1?Q?a?= b)", "(a b)" },
	{ "rfc2047 space between words dropped",
	  "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "rfc2047 two spaces between words dropped",
	  "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "rfc2047 fold between words dropped",
	  "(=?ISO-8859-1?Q?a?=\n    =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "rfc2047 underscore is a space", "(=?ISO-8859-1?Q?a_b?=)",
	  "(a b)" },
	{ "rfc2047 charsets differ",
	  "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
	/* RFC 2047 §8, the message header example. */
	{ "rfc2047 from us-ascii", "=?US-ASCII?Q?Keith_Moore?= "
	  "<moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>" },
	{ "rfc2047 from latin-1", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= "
	  "<keld@dkuug.dk>", "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>" },
	{ "rfc2047 word then plain text", "=?ISO-8859-1?Q?Andr=E9?= Pirard "
	  "<PIRARD@vm1.ulg.ac.be>", "Andr\xc3\xa9 Pirard "
	  "<PIRARD@vm1.ulg.ac.be>" },
	{ "rfc2047 base64 words, folded", "=?ISO-8859-1?B?SWYgeW91IGNhbiBy"
	  "ZWFkIHRoaXMgeW8=?=\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBle"
	  "GFtcGxlLg==?=", "If you can read this you understand the "
	  "example." },
	/* RFC 2231 §5: charset*language. */
	{ "rfc2231 language tag", "=?US-ASCII*EN?Q?Keith_Moore?=",
	  "Keith Moore" },
	{ "rfc2231 language tag, latin-1", "=?ISO-8859-1*fr?Q?Andr=E9?=",
	  "Andr\xc3\xa9" },
	/* eml: lhost-trendmicro-01 Subject, ISO-2022-JP. */
	{ "iso-2022-jp subject", "=?iso-2022-jp?B?GyRCJWElQyU7ITwlOCRyR1s/Li"
	  "RHJC0kXiQ7JHMhIxsoQg==?=", "\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb"
	  "\xe3\x83\xbc\xe3\x82\xb8\xe3\x82\x92\xe9\x85\x8d\xe4\xbf\xa1\xe3"
	  "\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x80"
	  "\x82" },
	/*
	 * eml: lhost-exchange2007-04 Subject: two words that split one
	 * ISO-2022-JP run, the second ending in an encoded LF.
	 */
	{ "iso-2022-jp run split over two words",
	  "=?iso-2022-jp?B?VW5kZWxpdmVyYWJsZTogGyRCJS0lOCVIJWkhJiVVJWklQyU3"
	  "JWUbKEIvGyRCJUsl=?=\n =?iso-2022-jp?B?YyE8JXMbKEIK=?=",
	  "Undeliverable: \xe3\x82\xad\xe3\x82\xb8\xe3\x83\x88\xe3\x83\xa9"
	  "\xe3\x83\xbb\xe3\x83\x95\xe3\x83\xa9\xe3\x83\x83\xe3\x82\xb7"
	  "\xe3\x83\xa5/\xe3\x83\x8b\xe3\x83\xa3\xe3\x83\xbc\xe3\x83\xb3" },
	{ "utf-8 character split over two words",
	  "=?UTF-8?Q?caf=C3?= =?utf-8?q?=A9?=", "caf\xc3\xa9" },
	{ "lower-case b", "=?utf-8?b?w6k=?=", "\xc3\xa9" },
	{ "invalid utf-8 in a word", "=?utf-8?Q?caf=E9?=",
	  "caf\xef\xbf\xbd" },
	{ "invalid utf-8 outside words", "caf\xe9 au lait",
	  "caf\xef\xbf\xbd au lait" },
	{ "encoded controls become one blank", "=?utf-8?Q?a=0D=0A=09b?=",
	  "a b" },
	{ "encoded trailing blanks trimmed", "=?utf-8?Q?a=20=20?=", "a" },
	/* Not encoded words: kept as they are. */
	{ "unknown encoding", "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
	{ "no charset", "=??Q?abc?=", "=??Q?abc?=" },
	{ "unterminated word", "=?utf-8?Q?abc", "=?utf-8?Q?abc" },
	{ "lone opener", "a =? b", "a =? b" },
	{ "plain text", "  Undelivered Mail\n Returned to Sender ",
	  "Undelivered Mail Returned to Sender" },
};

static void
test_encoded_words(void **state)
{
	const struct word_case *c;
	char	*got;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(word_cases); i++) {
		c = &word_cases[i];
		got = bd_mime_header_decode(c->in, strlen(c->in));
		assert_non_null(got);
		bad += check_str(c->name, "decoded", got, c->want);
		free(got);
	}
	assert_int_equal(bad, 0);
}

/*
 * Parameters of structured fields (RFC 2045 §5.1, RFC 2231).  v is an
 * unfolded value.
 */
struct param_case {
	const char	*name;
	const char	*v;
	const char	*param;
	size_t		 outsz;		/* 0: 256 */
	int		 found;
	const char	*want;
};

static const struct param_case param_cases[] = {
	{ "quoted", "text/plain; charset=\"us-ascii\"", "charset", 0, 1,
	  "us-ascii" },
	{ "token", "text/plain; charset=us-ascii", "charset", 0, 1,
	  "us-ascii" },
	/* eml: lhost-postfix-01, unfolded. */
	{ "boundary with slash", "multipart/report; report-type=delivery-"
	  "status; boundary=\"FFFFFFFFFFFF.0000000000000/p351355.pool."
	  "example.ne.jp\"", "boundary", 0, 1, "FFFFFFFFFFFF.0000000000000/"
	  "p351355.pool.example.ne.jp" },
	{ "second parameter", "multipart/report; report-type=delivery-status;"
	  " boundary=\"x\"", "report-type", 0, 1, "delivery-status" },
	/* eml: lhost-opensmtpd-13: no blank after the semicolon. */
	{ "no blank after semicolon", "multipart/mixed;boundary=\"1546202081"
	  "8823614161/df.example.jp\"", "boundary", 0, 1,
	  "15462020818823614161/df.example.jp" },
	{ "name is case-insensitive", "text/plain; CharSet=UTF-8",
	  "charset", 0, 1, "UTF-8" },
	{ "blanks around =", "text/plain; charset = utf-8 ; format=flowed",
	  "charset", 0, 1, "utf-8" },
	{ "quoted semicolon and blanks", "a/b; x=\"1; y=2\"; y=3", "y", 0, 1,
	  "3" },
	{ "quoted semicolon kept", "a/b; x=\"1; y=2\"; y=3", "x", 0, 1,
	  "1; y=2" },
	{ "quoted-pair", "a/b; x=\"say \\\"hi\\\"\"", "x", 0, 1,
	  "say \"hi\"" },
	{ "empty quoted", "a/b; x=\"\"", "x", 0, 1, "" },
	{ "longer name is another", "a/b; charsetx=1", "charset", 0, 0, "" },
	{ "suffix is another", "a/b; xcharset=1", "charset", 0, 0, "" },
	{ "the type is not a parameter", "charset=1", "charset", 0, 0, "" },
	{ "percent in a plain value", "a/b; x=a%41", "x", 0, 1, "a%41" },
	{ "cut at outsz", "a/b; x=abcdef", "x", 4, 1, "abc" },
	/* RFC 2231 §3. */
	{ "rfc2231 continuations", "message/external-body; access-type=URL; "
	  "URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-"
	  "mailer.tar\"", "url", 0, 1, "ftp://cs.utk.edu/pub/moore/bulk-"
	  "mailer/bulk-mailer.tar" },
	/* RFC 2231 §4. */
	{ "rfc2231 charset and language", "application/x-stuff; title*=us-"
	  "ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", "title", 0, 1,
	  "This is ***fun***" },
	/* RFC 2231 §4.1. */
	{ "rfc2231 encoded continuations", "application/x-stuff; title*0*="
	  "us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A"
	  "%2A%2A%20; title*2=\"isn't it!\"", "title", 0, 1,
	  "This is even more ***fun*** isn't it!" },
	{ "rfc2231 utf-8 filename", "attachment; filename*=UTF-8''caf%C3%A9"
	  ".txt", "filename", 0, 1, "caf\xc3\xa9.txt" },
	{ "rfc2231 gap ends the value", "a/b; x*0=a; x*2=c", "x", 0, 1, "a" },
	{ "rfc2231 broken percent kept", "a/b; x*=''100%", "x", 0, 1,
	  "100%" },
};

static void
test_params(void **state)
{
	const struct param_case *c;
	char	 out[256];
	size_t	 i, sz;
	int	 bad = 0, found;

	(void)state;
	for (i = 0; i < NELEM(param_cases); i++) {
		c = &param_cases[i];
		sz = c->outsz != 0 ? c->outsz : sizeof(out);
		memset(out, 'Z', sizeof(out));
		found = bd_mime_param(c->v, strlen(c->v), c->param, out, sz);
		if (found != c->found) {
			print_error("%s: found\n    got  %d\n    want %d\n",
			    c->name, found, c->found);
			bad++;
		}
		bad += check_str(c->name, "value", out, c->want);
	}
	assert_int_equal(bad, 0);
}

/* Only len bytes of the value are read: a %XX cut by the length stays
 * as it is. */
static void
test_param_length(void **state)
{
	static const char v[] = "a/b; x*=''100%41; y=\"q\"";
	char	 out[64];
	size_t	 len = strstr(v, "1;") - v;

	(void)state;
	assert_int_equal(bd_mime_param(v, len, "x", out, sizeof(out)), 1);
	assert_string_equal(out, "100%4");
	assert_int_equal(bd_mime_param(v, sizeof(v) - 1, "x", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "100A");
	assert_int_equal(bd_mime_param(v, len, "y", out, sizeof(out)), 0);
}

/* Content-Type: lower-cased type, subtype, charset; boundary as is. */
struct ctype_case {
	const char	*name;
	const char	*v;
	const char	*type, *subtype, *charset, *report_type, *boundary;
};

static const struct ctype_case ctype_cases[] = {
	{ "report", "multipart/report; report-type=Delivery-Status; "
	  "boundary=\"JuU8e.4gyIcCrxq.1RFbQY.3Vu7Hs+\"", "multipart",
	  "report", "", "delivery-status", "JuU8e.4gyIcCrxq.1RFbQY.3Vu7Hs+" },
	{ "case folded, boundary kept", "Text/HTML; Charset=\"ISO-2022-JP\"; "
	  "boundary=BoUnD", "text", "html", "iso-2022-jp", "", "BoUnD" },
	/* eml: lhost-amazonses-01, unfolded. */
	{ "folded charset", "text/plain; charset=\"utf-8\"", "text", "plain",
	  "utf-8", "", "" },
	/* RFC 2045 §5.2: missing or broken means text/plain. */
	{ "empty", "", "text", "plain", "", "", "" },
	{ "no subtype", "text; charset=utf-8", "text", "plain", "utf-8", "",
	  "" },
	{ "blanks around slash", " message / rfc822", "message", "rfc822",
	  "", "", "" },
	/* RFC 2046 §5.1.1: a boundary does not end in a blank. */
	{ "boundary trailing blanks", "multipart/mixed; boundary=\"b  \"",
	  "multipart", "mixed", "", "", "b" },
};

static void
test_ctype(void **state)
{
	const struct ctype_case *c;
	struct bd_mime_ctype ct;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(ctype_cases); i++) {
		c = &ctype_cases[i];
		bd_mime_ctype_parse(c->v, strlen(c->v), &ct);
		bad += check_str(c->name, "type", ct.type, c->type);
		bad += check_str(c->name, "subtype", ct.subtype, c->subtype);
		bad += check_str(c->name, "charset", ct.charset, c->charset);
		bad += check_str(c->name, "report_type", ct.report_type,
		    c->report_type);
		bad += check_str(c->name, "boundary", ct.boundary,
		    c->boundary);
	}
	assert_int_equal(bad, 0);
}

/* Content-Transfer-Encoding names (RFC 2045 §6.1). */
static void
test_enc_parse(void **state)
{
	static const struct {
		const char	*v;
		enum bd_mime_enc want;
	} tab[] = {
		{ "base64", BD_ENC_BASE64 },
		{ " Base64 ", BD_ENC_BASE64 },
		{ "quoted-printable", BD_ENC_QP },
		{ "\n QUOTED-PRINTABLE", BD_ENC_QP },
		{ "7bit", BD_ENC_IDENTITY },
		{ "8bit", BD_ENC_IDENTITY },
		{ "binary", BD_ENC_IDENTITY },
		{ "x-uuencode", BD_ENC_IDENTITY },
		{ "", BD_ENC_IDENTITY },
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(tab); i++)
		if (bd_mime_enc_parse(tab[i].v, strlen(tab[i].v)) !=
		    tab[i].want) {
			print_error("enc \"%s\": got %d, want %d\n", tab[i].v,
			    bd_mime_enc_parse(tab[i].v, strlen(tab[i].v)),
			    tab[i].want);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* Bodies in a transfer encoding; want may hold any bytes. */
struct body_case {
	const char	*name;
	enum bd_mime_enc enc;
	const char	*in;
	const char	*want;
	size_t		 wlen;		/* 0: strlen(want) */
	size_t		 max;		/* 0: unbounded */
	int		 truncated;
};

static const struct body_case body_cases[] = {
	/* RFC 4648 §10 test vectors. */
	{ "b64 empty", BD_ENC_BASE64, "", "", 0, 0, 0 },
	{ "b64 f", BD_ENC_BASE64, "Zg==", "f", 0, 0, 0 },
	{ "b64 fo", BD_ENC_BASE64, "Zm8=", "fo", 0, 0, 0 },
	{ "b64 foo", BD_ENC_BASE64, "Zm9v", "foo", 0, 0, 0 },
	{ "b64 foob", BD_ENC_BASE64, "Zm9vYg==", "foob", 0, 0, 0 },
	{ "b64 fooba", BD_ENC_BASE64, "Zm9vYmE=", "fooba", 0, 0, 0 },
	{ "b64 foobar", BD_ENC_BASE64, "Zm9vYmFy", "foobar", 0, 0, 0 },
	/* Lenient: line breaks and bytes outside the alphabet skipped,
	 * padding may be missing. */
	{ "b64 lines", BD_ENC_BASE64, "Zm9v\nYmFy\n", "foobar", 0, 0, 0 },
	{ "b64 junk skipped", BD_ENC_BASE64, "Zm9v !*\tYmFy", "foobar", 0,
	  0, 0 },
	{ "b64 no padding", BD_ENC_BASE64, "Zm9vYg", "foob", 0, 0, 0 },
	{ "b64 padding mid-stream", BD_ENC_BASE64, "Zg==Zm8=", "ffo", 0, 0,
	  0 },
	/* eml: rfc3464-42, the ISO-8859-1 text part. */
	{ "b64 eml latin-1", BD_ENC_BASE64, "ICBhdWZnZWb8aHJ0DQoNCg==\n",
	  "  aufgef\xfchrt\r\n\r\n", 0, 0, 0 },
	{ "b64 bounded", BD_ENC_BASE64, "Zm9vYmFy", "fooba", 0, 5, 1 },
	{ "b64 nul byte", BD_ENC_BASE64, "YQBi", "a\0b", 3, 0, 0 },
	/* eml: rfc3834-05, the UTF-8 body. */
	{ "qp eml utf-8", BD_ENC_QP, "zuk=C3=BCnftig\nkarl@hanz.de\n",
	  "zuk\xc3\xbc" "nftig\nkarl@hanz.de\n", 0, 0, 0 },
	/* eml: lhost-amazonses-01, a soft break inside an address. */
	{ "qp soft break", BD_ENC_QP, "<000001321defbd2a-788e31c8-2be1-42=\n"
	  "2f-a8d4>", "<000001321defbd2a-788e31c8-2be1-422f-a8d4>", 0, 0, 0 },
	{ "qp soft break after blanks", BD_ENC_QP, "a= \t\nb", "ab", 0, 0,
	  0 },
	{ "qp lower-case hex", BD_ENC_QP, "=3d=c3=a9", "=\xc3\xa9", 0, 0, 0 },
	{ "qp equals at the end", BD_ENC_QP, "a=", "a", 0, 0, 0 },
	{ "qp broken escape kept", BD_ENC_QP, "a=ZZb =4", "a=ZZb =4", 0, 0,
	  0 },
	{ "qp underscore is not a space", BD_ENC_QP, "a_b", "a_b", 0, 0, 0 },
	{ "qp bounded", BD_ENC_QP, "=41=42=43=44", "AB", 0, 2, 1 },
	{ "identity", BD_ENC_IDENTITY, "Zg== =41", "Zg== =41", 0, 0, 0 },
	{ "identity bounded", BD_ENC_IDENTITY, "abcdef", "abc", 0, 3, 1 },
};

static void
test_decode(void **state)
{
	const struct body_case *c;
	struct bd_buf b;
	size_t	 i, wlen;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(body_cases); i++) {
		c = &body_cases[i];
		wlen = c->wlen != 0 ? c->wlen : strlen(c->want);
		bd_buf_init(&b, c->max);
		bd_mime_decode(c->enc, c->in, strlen(c->in), &b);
		bad += check_mem(c->name, "decoded", b.data != NULL ? b.data :
		    "", b.len, c->want, wlen);
		if (b.truncated != c->truncated) {
			print_error("%s: truncated\n    got  %d\n    want "
			    "%d\n", c->name, b.truncated, c->truncated);
			bad++;
		}
		bd_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* Bodies longer than the decoders' 4 kB staging buffer. */
static void
test_decode_long(void **state)
{
	struct bd_buf in, out;
	size_t	 i, n = 30000;

	(void)state;
	bd_buf_init(&in, 0);
	for (i = 0; i < n / 3; i++)
		(void)bd_buf_puts(&in, i % 19 == 18 ? "YWJj\n" : "YWJj");
	bd_buf_init(&out, 0);
	bd_mime_decode(BD_ENC_BASE64, in.data, in.len, &out);
	assert_int_equal(out.len, n);
	for (i = 0; i < n; i++)
		if (out.data[i] != "abc"[i % 3])
			fail_msg("base64 byte %zu: got %d", i, out.data[i]);
	bd_buf_reset(&in);
	bd_buf_reset(&out);
	for (i = 0; i < n; i++)
		(void)bd_buf_puts(&in, i % 25 == 24 ? "=41=\n" : "=41");
	bd_mime_decode(BD_ENC_QP, in.data, in.len, &out);
	assert_int_equal(out.len, n);
	assert_null(memchr(out.data, '=', out.len));
	assert_int_equal(out.data[n - 1], 'A');
	bd_buf_free(&in);
	bd_buf_free(&out);
}

/*
 * The multipart walk.  Each leaf is described as
 * "DEPTH type/subtype <parent> ENC" (ENC i, b or q), leaves joined by
 * '|'; bodies are joined by '|' apart.
 */
struct walk_got {
	struct bd_buf	 shape;
	struct bd_buf	 bodies;
	size_t		 nleaf;
	size_t		 stop_after;	/* 0: never stop */
};

static int
on_leaf(void *arg, const struct bd_mime_part *p)
{
	struct walk_got *g = arg;
	static const char enc[] = "ibq";

	if (p->index != g->nleaf)
		fail_msg("leaf index %u, want %zu", p->index, g->nleaf);
	(void)bd_buf_printf(&g->shape, "%s%u %s/%s <%s> %c",
	    g->nleaf > 0 ? "|" : "", p->depth, p->ctype->type,
	    p->ctype->subtype, p->parent_subtype, enc[p->enc]);
	(void)bd_buf_printf(&g->bodies, "%s%.*s", g->nleaf > 0 ? "|" : "",
	    (int)p->body_len, p->body);
	g->nleaf++;
	return g->stop_after != 0 && g->nleaf >= g->stop_after;
}

/* Parse the headers of msg (LF text) and walk it; returns the walk's
 * value.  g must be freed with walk_got_free(). */
static int
walk_text(const char *msg, size_t len, struct walk_got *g)
{
	struct bd_mime_headers h;
	size_t	 off;
	int	 rc;

	bd_buf_init(&g->shape, 0);
	bd_buf_init(&g->bodies, 0);
	g->nleaf = 0;
	bd_mime_headers_init(&h);
	off = bd_mime_headers_parse(msg, len, &h);
	rc = bd_mime_walk(&h, msg + off, len - off, on_leaf, g);
	bd_mime_headers_free(&h);
	return rc;
}

static void
walk_got_free(struct walk_got *g)
{
	bd_buf_free(&g->shape);
	bd_buf_free(&g->bodies);
}

struct walk_case {
	const char	*name;
	const char	*msg;
	const char	*shape;
	const char	*bodies;
};

static const struct walk_case walk_cases[] = {
	{ "preamble and epilogue ignored",
	  "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	  "preamble\n--b\n\none\n--b\nContent-Type: text/html\n\n<p>two\n"
	  "--b--\nepilogue\n",
	  "1 text/plain <mixed> i|1 text/html <mixed> i", "one|<p>two" },
	{ "nested report > alternative, rfc822 not entered",
	  "Content-Type: multipart/report; report-type=delivery-status;\n"
	  "\tboundary=\"outer\"\n\n"
	  "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
	  "--inner\nContent-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: quoted-printable\n\nq=3Dp\n"
	  "--inner\nContent-Type: text/html\nContent-Transfer-Encoding: "
	  "base64\n\nPHA+\n--inner--\n"
	  "--outer\nContent-Type: message/delivery-status\n\n"
	  "Final-Recipient: rfc822; a@example.com\n"
	  "--outer\nContent-Type: message/rfc822\n\n"
	  "Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\n\nhidden\n"
	  "--x--\n"
	  "--outer--\n",
	  "2 text/plain <alternative> q|2 text/html <alternative> b|"
	  "1 message/delivery-status <report> i|1 message/rfc822 <report> i",
	  "q=3Dp|PHA+|Final-Recipient: rfc822; a@example.com|"
	  "Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\n\nhidden\n"
	  "--x--" },
	/* The last line end goes with the missing delimiter, as it would
	 * with a real one. */
	{ "unclosed boundary runs to the end",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\n"
	  "two\nstill two\n",
	  "1 text/plain <mixed> i|1 text/plain <mixed> i",
	  "one|two\nstill two" },
	{ "unclosed, last line without LF",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nlast",
	  "1 text/plain <mixed> i", "last" },
	{ "close delimiter without LF",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--",
	  "1 text/plain <mixed> i", "x" },
	/* RFC 2046 §5.1.1: blanks may follow a delimiter; anything else
	 * makes it a longer boundary, not ours. */
	{ "delimiter with trailing blanks",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\nx\n--b--  \n",
	  "1 text/plain <mixed> i", "x" },
	{ "longer boundary is text",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--bb\ny\n"
	  "--b--\n", "1 text/plain <mixed> i", "x\n--bb\ny" },
	{ "no delimiter at all: one text leaf",
	  "Content-Type: multipart/mixed; boundary=b\n\nplain text\n",
	  "0 text/plain <mixed> i", "plain text\n" },
	{ "multipart without boundary is text",
	  "Content-Type: multipart/mixed\n\nbody\n", "0 text/plain <> i",
	  "body\n" },
	{ "no content-type", "Subject: x\n\nbody", "0 text/plain <> i",
	  "body" },
	{ "part without headers",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--b\n"
	  "Content-Type: text/plain\n\n--b--\n",
	  "1 text/plain <mixed> i|1 text/plain <mixed> i", "|" },
	/* RFC 2046 §5.1.5: in a digest a part is message/rfc822. */
	{ "digest parts default to rfc822",
	  "Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: a\n\nm1"
	  "\n--d\nContent-Type: text/plain\n\nt\n--d--\n",
	  "1 message/rfc822 <digest> i|1 text/plain <digest> i",
	  "From: a\n\nm1|t" },
};

static void
test_walk(void **state)
{
	const struct walk_case *c;
	struct walk_got g;
	size_t	 i;
	int	 bad = 0, rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < NELEM(walk_cases); i++) {
		c = &walk_cases[i];
		rc = walk_text(c->msg, strlen(c->msg), &g);
		if (rc != 0) {
			print_error("%s: walk returned %d\n", c->name, rc);
			bad++;
		}
		bad += check_str(c->name, "shape", g.shape.data, c->shape);
		bad += check_str(c->name, "bodies", g.bodies.data, c->bodies);
		walk_got_free(&g);
	}
	assert_int_equal(bad, 0);
}

/* The walk over real bounces (eml). */
struct walk_file_case {
	const char	*file;
	const char	*shape;
	size_t		 leaf;		/* which leaf holds `has` */
	const char	*has;
};

static const struct walk_file_case walk_files[] = {
	{ "lhost-postfix-01.eml", "1 text/plain <report> i|"
	  "1 message/delivery-status <report> i|1 message/rfc822 <report> i",
	  1, "Final-Recipient: rfc822; r@p351355.pool.example.ne.jp" },
	/* The same message with CRLF and with bare CR line ends. */
	{ "dos-lhost-postfix-01.eml", "1 text/plain <report> i|"
	  "1 message/delivery-status <report> i|1 message/rfc822 <report> i",
	  1, "Final-Recipient: rfc822; r@p351355.pool.example.ne.jp" },
	{ "mac-lhost-postfix-01.eml", "1 text/plain <report> i|"
	  "1 message/delivery-status <report> i|1 message/rfc822 <report> i",
	  1, "Final-Recipient: rfc822; r@p351355.pool.example.ne.jp" },
	/* report > alternative (QP, ISO-2022-JP) beside the DSN. */
	{ "lhost-exchange2007-04.eml", "2 text/plain <alternative> q|"
	  "2 text/html <alternative> q|1 message/delivery-status <report> i|"
	  "1 message/rfc822 <report> i", 2, "Action: failed" },
	/* The inner alternative is never closed: its last part runs to
	 * the end of the outer part. */
	{ "lhost-office365-01.eml", "2 text/plain <alternative> q|"
	  "2 text/html <alternative> q", 0, "Delivery has failed" },
	/* A base64 text part. */
	{ "rfc3464-42.eml", "1 text/plain <report> b|"
	  "1 message/delivery-status <report> i", 0,
	  "ICBhdWZnZWb8aHJ0DQoNCg==" },
	/* Lower-case field names, a folded charset, QP soft breaks. */
	{ "lhost-amazonses-01.eml", "1 text/plain <report> q|"
	  "1 message/delivery-status <report> i|1 message/rfc822 <report> i",
	  0, "42=\n2f" },
	/* A part whose header block lost the blank before its boundary
	 * parameter: that part is read as text, and the error text still
	 * reaches a leaf. */
	{ "lhost-verizon-02.eml", "1 text/plain <mixed> i", 0,
	  "550 - Requested action not taken: no such user here" },
	/* Not multipart: the whole body, one QP leaf. */
	{ "rfc3834-05.eml", "0 text/plain <> q", 0, "zuk=C3=BCnftig" },
};

static void
test_walk_files(void **state)
{
	const struct walk_file_case *c;
	struct walk_got g;
	char	 path[256], *msg;
	const char *p;
	size_t	 i, len, k, off;
	int	 bad = 0, rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < NELEM(walk_files); i++) {
		c = &walk_files[i];
		(void)snprintf(path, sizeof(path), EML "%s", c->file);
		msg = slurp_lf(path, &len);
		/* An mbox "From " line is the caller's (message.c) to skip. */
		off = 0;
		if (strncmp(msg, "From ", 5) == 0 &&
		    (p = strchr(msg, '\n')) != NULL)
			off = p + 1 - msg;
		rc = walk_text(msg + off, len - off, &g);
		if (rc != 0) {
			print_error("%s: walk returned %d\n", c->file, rc);
			bad++;
		}
		bad += check_str(c->file, "shape", g.shape.data, c->shape);
		/* The leaf-th body: between the leaf-th and next '|'. */
		for (p = g.bodies.data, k = 0; p != NULL && k < c->leaf; k++)
			if ((p = strchr(p, '|')) != NULL)
				p++;
		if (p == NULL || strstr(p, c->has) == NULL) {
			print_error("%s: leaf %zu does not hold \"%s\"\n",
			    c->file, c->leaf, c->has);
			bad++;
		}
		walk_got_free(&g);
		free(msg);
	}
	assert_int_equal(bad, 0);
}

/* n nested multiparts around one text leaf, boundaries b0, b1, ... */
static char *
nested(unsigned n, size_t *len)
{
	struct bd_buf b;
	unsigned i;

	bd_buf_init(&b, 0);
	(void)bd_buf_puts(&b, "MIME-Version: 1.0\n");
	for (i = 0; i < n; i++)
		(void)bd_buf_printf(&b, "Content-Type: multipart/mixed; "
		    "boundary=\"b%u\"\n\n--b%u\n", i, i);
	(void)bd_buf_puts(&b, "Content-Type: text/plain\n\ndeep\n");
	for (i = n; i > 0; i--)
		(void)bd_buf_printf(&b, "--b%u--\n", i - 1);
	*len = b.len;
	return bd_buf_steal(&b);
}

/* BD_MAX_MIME_DEPTH nested multiparts are read; one more is cut. */
static void
test_depth_limit(void **state)
{
	struct walk_got g;
	char	*msg, want[64];
	size_t	 len;

	(void)state;
	memset(&g, 0, sizeof(g));
	msg = nested(BD_MAX_MIME_DEPTH, &len);
	assert_int_equal(walk_text(msg, len, &g), 0);
	(void)snprintf(want, sizeof(want), "%u text/plain <mixed> i",
	    BD_MAX_MIME_DEPTH);
	assert_string_equal(g.shape.data, want);
	assert_string_equal(g.bodies.data, "deep");
	walk_got_free(&g);
	free(msg);

	msg = nested(BD_MAX_MIME_DEPTH + 1, &len);
	assert_int_equal(walk_text(msg, len, &g), 1);
	assert_int_equal(g.nleaf, 0);
	walk_got_free(&g);
	free(msg);
}

/* n parts of one multipart. */
static char *
many_parts(unsigned n, size_t *len)
{
	struct bd_buf b;
	unsigned i;

	bd_buf_init(&b, 0);
	(void)bd_buf_puts(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < n; i++)
		(void)bd_buf_printf(&b, "--p\n\n%u\n", i);
	(void)bd_buf_puts(&b, "--p--\n");
	*len = b.len;
	return bd_buf_steal(&b);
}

/* BD_MAX_MIME_PARTS parts are read; past that the walk is cut. */
static void
test_part_limit(void **state)
{
	struct walk_got g;
	char	*msg;
	const char *last;
	size_t	 len;

	(void)state;
	memset(&g, 0, sizeof(g));
	msg = many_parts(BD_MAX_MIME_PARTS, &len);
	assert_int_equal(walk_text(msg, len, &g), 0);
	assert_int_equal(g.nleaf, BD_MAX_MIME_PARTS);
	walk_got_free(&g);
	free(msg);

	msg = many_parts(BD_MAX_MIME_PARTS + 1, &len);
	assert_int_equal(walk_text(msg, len, &g), 1);
	assert_int_equal(g.nleaf, BD_MAX_MIME_PARTS);
	last = strrchr(g.bodies.data, '|');
	assert_non_null(last);
	assert_int_equal(atoi(last + 1), BD_MAX_MIME_PARTS - 1);
	walk_got_free(&g);
	free(msg);
}

/* A callback that returns nonzero stops the walk; that is no limit. */
static void
test_walk_stop(void **state)
{
	struct walk_got g;
	char	*msg;
	size_t	 len;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	msg = many_parts(10, &len);
	assert_int_equal(walk_text(msg, len, &g), 0);
	assert_int_equal(g.nleaf, 2);
	assert_string_equal(g.bodies.data, "0|1");
	walk_got_free(&g);
	free(msg);
}

/*
 * Hostile shapes, each about 2 MB: every line a delimiter, every part a
 * multipart with the same boundary, delimiters without LF.  They must
 * end under the limits and fast (a quadratic walk takes minutes here).
 */
static void
test_hostile(void **state)
{
	static const char *const unit[] = {
		"--b\n",
		"--b\nContent-Type: multipart/mixed; boundary=b\n\n",
		"--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\n",
		"--b--\n--b\n\n",
		"=?utf-8?Q?",
	};
	static const char head[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\n";
	struct walk_got g;
	struct bd_buf b;
	char	*dec;
	size_t	 i;
	int	 rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < NELEM(unit); i++) {
		bd_buf_init(&b, 0);
		(void)bd_buf_puts(&b, head);
		while (b.len < 2 * 1024 * 1024)
			(void)bd_buf_puts(&b, unit[i]);
		rc = walk_text(b.data, b.len, &g);
		assert_true(rc == 0 || rc == 1);
		assert_true(g.nleaf <= BD_MAX_MIME_PARTS);
		walk_got_free(&g);
		dec = bd_mime_header_decode(b.data, b.len);
		assert_non_null(dec);
		assert_true(strlen(dec) <= BD_MAX_HEADER);
		free(dec);
		bd_buf_free(&b);
	}
}

/* The ASCII helpers dsn.c and message.c use. */
static void
test_ascii_helpers(void **state)
{
	static const char hay[] = "xxFINAL final-recipient: x";
	const char *p;

	(void)state;
	assert_true(bd_mime_ncaseeq("Content-Type", 12, "content-type"));
	assert_false(bd_mime_ncaseeq("Content-Type", 12, "content-typ"));
	assert_false(bd_mime_ncaseeq("Content-Typ", 11, "content-type"));
	p = bd_mime_memcasemem(hay, sizeof(hay) - 1, "final");
	assert_ptr_equal(p, hay + 2);
	p = bd_mime_memcasemem(hay, sizeof(hay) - 1, "FINAL-RECIPIENT");
	assert_ptr_equal(p, hay + 8);
	p = bd_mime_memcasemem(hay, sizeof(hay) - 1, ": x");
	assert_ptr_equal(p, hay + sizeof(hay) - 4);
	assert_null(bd_mime_memcasemem(hay, sizeof(hay) - 1, "action"));
	assert_null(bd_mime_memcasemem(hay, 4, "xxFINAL"));
	/* The match must lie inside the length given. */
	assert_null(bd_mime_memcasemem(hay, 6, "final"));
	assert_ptr_equal(bd_mime_memcasemem(hay, 0, ""), hay);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf),
		cmocka_unit_test(test_lf_files),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_header_lookup),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_unfold),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_param_length),
		cmocka_unit_test(test_ctype),
		cmocka_unit_test(test_enc_parse),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_long),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_files),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_part_limit),
		cmocka_unit_test(test_walk_stop),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_ascii_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
