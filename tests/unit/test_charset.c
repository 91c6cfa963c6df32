/*
 * test_charset.c - table-driven tests for charset.c: MIME charset names
 * mapped to the supersets mail software really writes, conversion to
 * UTF-8, replacement of what cannot be read, the ISO-2022-JP sniff, the
 * "valid UTF-8 is UTF-8" rule, and the output bound.
 *
 * Each case is {name, charset, input bytes, wanted UTF-8}.  Most Japanese
 * cases encode one real bounce subject, "メッセージを配信できません。"
 * ("the message could not be delivered"), from lhost-trendmicro-01.eml
 * (tests/data/eml, sisimai/set-of-emails, BSD-2-Clause), in each
 * charset; the other texts are short bounce phrases.  Byte values were
 * checked against iconv(1) and the WHATWG Encoding Standard tables.
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
#include "charset.h"
#include "mime.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* An input with NUL or 8-bit bytes: its length comes from the literal. */
#define IN(s)		.in = (s), .len = sizeof(s) - 1
#define FFFD		"\xef\xbf\xbd"

/* メッセージを配信できません。 */
#define SUBJ_UTF8	"\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc" \
			"\xe3\x82\xb8\xe3\x82\x92\xe9\x85\x8d\xe4\xbf\xa1" \
			"\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b" \
			"\xe3\x82\x93\xe3\x80\x82"
#define SUBJ_JIS	"\x1b$B%a%C%;!<%8$rG[?.$G$-$^$;$s!#\x1b(B"
#define SUBJ_SJIS	"\x83\x81\x83\x62\x83\x5a\x81\x5b\x83\x57\x82\xf0" \
			"\x94\x7a\x90\x4d\x82\xc5\x82\xab\x82\xdc\x82\xb9" \
			"\x82\xf1\x81\x42"
#define SUBJ_EUCJP	"\xa5\xe1\xa5\xc3\xa5\xbb\xa1\xbc\xa5\xb8\xa4\xf2" \
			"\xc7\xdb\xbf\xae\xa4\xc7\xa4\xad\xa4\xde\xa4\xbb" \
			"\xa4\xf3\xa1\xa3"
#define CIRCLED_1	"\xe2\x91\xa0"	/* U+2460, a NEC row 13 character */

struct cs_case {
	const char	*name;
	const char	*charset;
	const char	*in;
	size_t		 len;
	const char	*want;
};

static const struct cs_case cs_cases[] = {
	/* UTF-8 and no charset: checked, invalid bytes replaced. */
	{ "utf-8 kept", "utf-8", IN("caf\xc3\xa9 \xf0\x9f\x98\x80"),
	  "caf\xc3\xa9 \xf0\x9f\x98\x80" },
	{ "utf-8 label case", "UTF8", IN("\xc3\xa9"), "\xc3\xa9" },
	{ "utf-8 invalid byte", "utf-8", IN("caf\xe9!"), "caf" FFFD "!" },
	{ "no charset", NULL, IN("caf\xc3\xa9"), "caf\xc3\xa9" },
	{ "empty charset, invalid", "", IN("a\xff" "b"), "a" FFFD "b" },
	{ "unknown charset read as utf-8", "x-no-such-charset",
	  IN("\xc3\xa9\x80"), "\xc3\xa9" FFFD },
	{ "empty input", "iso-8859-1", IN(""), "" },
	/* Latin-1 and US-ASCII are read as Windows-1252 (WHATWG). */
	{ "us-ascii plain", "us-ascii", IN("User unknown"), "User unknown" },
	{ "us-ascii with 8-bit bytes", "us-ascii", IN("caf\xe9"),
	  "caf\xc3\xa9" },
	{ "latin-1 0x80 is the euro sign", "ISO-8859-1", IN("\x80 5"),
	  "\xe2\x82\xac 5" },
	/* eml: rfc3464-42, the base64 ISO-8859-1 text part, decoded. */
	{ "latin-1 eml", "iso-8859-1", IN("  aufgef\xfchrt\r\n\r\n"),
	  "  aufgef\xc3\xbchrt\r\n\r\n" },
	/* Text that is valid UTF-8 is UTF-8 whatever the label. */
	{ "utf-8 under a latin-1 label", "iso-8859-1", IN("caf\xc3\xa9"),
	  "caf\xc3\xa9" },
	{ "utf-8 under an iso-2022-jp label", "iso-2022-jp",
	  IN(SUBJ_UTF8), SUBJ_UTF8 },
	/* Japanese. */
	{ "iso-2022-jp", "iso-2022-jp", IN(SUBJ_JIS), SUBJ_UTF8 },
	{ "iso-2022-jp label case", "ISO-2022-JP", IN(SUBJ_JIS), SUBJ_UTF8 },
	{ "iso-2022-jp without a label", NULL, IN(SUBJ_JIS), SUBJ_UTF8 },
	{ "iso-2022-jp under us-ascii", "us-ascii", IN(SUBJ_JIS),
	  SUBJ_UTF8 },
	{ "shift_jis", "Shift_JIS", IN(SUBJ_SJIS), SUBJ_UTF8 },
	{ "sjis alias", "x-sjis", IN(SUBJ_SJIS), SUBJ_UTF8 },
	{ "windows-31j alias", "windows-31j", IN(SUBJ_SJIS), SUBJ_UTF8 },
	{ "euc-jp", "euc-jp", IN(SUBJ_EUCJP), SUBJ_UTF8 },
	/* The supersets: plain Shift_JIS and EUC-JP lack row 13. */
	{ "shift_jis read as cp932", "shift_jis", IN("\x87\x40"), CIRCLED_1 },
	{ "euc-jp read as euc-jp-ms", "euc-jp", IN("\xad\xa1"), CIRCLED_1 },
	{ "shift_jis invalid byte", "shift_jis",
	  IN("\x83\x81\xff\x83\x81"), "\xe3\x83\xa1" FFFD "\xe3\x83\xa1" },
	{ "shift_jis cut in a character", "shift_jis", IN("\x83\x81\x83"),
	  "\xe3\x83\xa1" FFFD },
	/* Chinese and Korean labels go to their supersets. */
	{ "gb2312", "gb2312", IN("\xd3\xc3\xbb\xa7\xb2\xbb\xb4\xe6\xd4\xda"),
	  "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8" },
	{ "ks_c_5601-1987", "ks_c_5601-1987",
	  IN("\xbb\xe7\xbf\xeb\xc0\xda \xbe\xf8\xc0\xbd"),
	  "\xec\x82\xac\xec\x9a\xa9\xec\x9e\x90 \xec\x97\x86\xec\x9d\x8c" },
	/* Other names go to iconv as they are. */
	{ "windows-1251", "windows-1251", IN("\xcd\xe5\xf2 \xf2\xe0\xea"
	  "\xee\xe3\xee"), "\xd0\x9d\xd0\xb5\xd1\x82 \xd1\x82\xd0\xb0\xd0\xba"
	  "\xd0\xbe\xd0\xb3\xd0\xbe" },
	{ "koi8-r", "KOI8-R", IN("\xee\xc5\xd4"), "\xd0\x9d\xd0\xb5\xd1\x82" },
};

static void
test_to_utf8(void **state)
{
	const struct cs_case *c;
	struct bd_buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(cs_cases); i++) {
		c = &cs_cases[i];
		bd_buf_init(&b, 0);
		bd_charset_to_utf8(c->charset, c->in, c->len, &b);
		if (b.len != strlen(c->want) || (b.len > 0 &&
		    memcmp(b.data, c->want, b.len) != 0)) {
			print_error("%s: utf-8\n    got  \"%.*s\"\n    want "
			    "\"%s\"\n", c->name, (int)b.len, b.data != NULL ?
			    b.data : "", c->want);
			bad++;
		}
		bd_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* bd_charset_utf8_clean: every invalid sequence replaced (RFC 3629 §3:
 * no overlongs, no surrogates, nothing past U+10FFFF), NUL a blank. */
static const struct cs_case clean_cases[] = {
	{ "ascii", NULL, IN("550 5.1.1 User unknown"),
	  "550 5.1.1 User unknown" },
	{ "two to four bytes", NULL, IN("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
	{ "nul is a blank", NULL, IN("a\0b"), "a b" },
	{ "lone continuation", NULL, IN("a\x80z"), "a" FFFD "z" },
	{ "overlong slash", NULL, IN("\xc0\xaf"), FFFD FFFD },
	{ "surrogate", NULL, IN("\xed\xa0\x80"), FFFD FFFD FFFD },
	{ "past u+10ffff", NULL, IN("\xf4\x90\x80\x80"),
	  FFFD FFFD FFFD FFFD },
	{ "latin-1 byte", NULL, IN("caf\xe9"), "caf" FFFD },
};

static void
test_utf8_clean(void **state)
{
	const struct cs_case *c;
	struct bd_buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(clean_cases); i++) {
		c = &clean_cases[i];
		bd_buf_init(&b, 0);
		bd_charset_utf8_clean(c->in, c->len, &b);
		if (b.len != strlen(c->want) || (b.len > 0 &&
		    memcmp(b.data, c->want, b.len) != 0)) {
			print_error("%s: clean\n    got  \"%.*s\"\n    want "
			    "\"%s\"\n", c->name, (int)b.len, b.data != NULL ?
			    b.data : "", c->want);
			bad++;
		}
		bd_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* Valid UTF-8, byte by byte (the strict decoder of utf8.c). */
static int
valid_utf8(const char *s, size_t n)
{
	uint32_t cp;
	size_t	 i = 0, k;

	while (i < n) {
		if ((k = bd_utf8_decode((const unsigned char *)s + i, n - i,
		    &cp)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/*
 * The output bound: conversion stops at the buffer's max, flags it,
 * and what was kept is still valid UTF-8 for a UTF-8 cut that falls
 * between characters.
 */
static void
test_bound(void **state)
{
	static const char *const sets[] = {
		"iso-2022-jp", "shift_jis", "euc-jp", "utf-8",
	};
	static const char *const text[] = {
		SUBJ_JIS, SUBJ_SJIS, SUBJ_EUCJP, SUBJ_UTF8,
	};
	struct bd_buf in, out;
	size_t	 i, k;

	(void)state;
	for (i = 0; i < NELEM(sets); i++) {
		bd_buf_init(&in, 0);
		for (k = 0; k < 2000; k++)
			(void)bd_buf_puts(&in, text[i]);
		/* 14 characters of 3 bytes each: cut at 42 * 300. */
		bd_buf_init(&out, 42 * 300);
		bd_charset_to_utf8(sets[i], in.data, in.len, &out);
		if (out.len != 42 * 300 || !out.truncated)
			fail_msg("%s: len %zu truncated %d", sets[i], out.len,
			    out.truncated);
		assert_true(valid_utf8(out.data, out.len));
		assert_memory_equal(out.data, SUBJ_UTF8, 42);
		bd_buf_free(&out);
		bd_buf_free(&in);
	}
}

/* Long input goes through iconv's 4 kB staging buffer in rounds. */
static void
test_long(void **state)
{
	struct bd_buf in, out;
	size_t	 k, n = 5000;

	(void)state;
	bd_buf_init(&in, 0);
	bd_buf_init(&out, 0);
	for (k = 0; k < n; k++)
		(void)bd_buf_puts(&in, SUBJ_SJIS);
	bd_charset_to_utf8("shift_jis", in.data, in.len, &out);
	assert_int_equal(out.len, n * 42);
	for (k = 0; k < n; k++)
		if (memcmp(out.data + k * 42, SUBJ_UTF8, 42) != 0)
			fail_msg("repeat %zu differs", k);
	bd_buf_free(&out);
	bd_buf_free(&in);
}

/*
 * eml: rfc3464-42's base64 ISO-8859-1 text part through the MIME layer
 * and then here, the way message.c reads it.
 */
static void
test_eml_parts(void **state)
{
	static const char b64[] = "ICBhdWZnZWb8aHJ0DQoNCg==";
	struct bd_buf raw, out;

	(void)state;
	bd_buf_init(&raw, 0);
	bd_buf_init(&out, 0);
	bd_mime_decode(BD_ENC_BASE64, b64, sizeof(b64) - 1, &raw);
	bd_charset_to_utf8("iso-8859-1", raw.data, raw.len, &out);
	assert_string_equal(out.data, "  aufgef\xc3\xbchrt\r\n\r\n");
	bd_buf_free(&raw);
	bd_buf_free(&out);
}

/* Random bytes under every label: no crash, always valid UTF-8. */
static void
test_hostile(void **state)
{
	static const char *const sets[] = {
		NULL, "utf-8", "iso-8859-1", "us-ascii", "iso-2022-jp",
		"shift_jis", "euc-jp", "gb2312", "euc-kr", "koi8-r",
		"x-unknown",
	};
	static const char alpha[] = "\x1b$B(J@\x80\x81\x82\x83\x8e\x8f\xa1"
	    "\xa4\xa5\xc3\xe3\xed\xf0\xf4\xfc\xfe\xff\0aZ~";
	struct bd_buf out;
	char	 in[512];
	uint32_t s = 7;
	size_t	 i, k, len, cs;

	(void)state;
	for (i = 0; i < 3000; i++) {
		s = s * 1103515245u + 12345u;
		len = (s >> 8) % sizeof(in);
		for (k = 0; k < len; k++) {
			s = s * 1103515245u + 12345u;
			in[k] = alpha[(s >> 16) % (sizeof(alpha) - 1)];
		}
		cs = i % NELEM(sets);
		bd_buf_init(&out, 0);
		bd_charset_to_utf8(sets[cs], in, len, &out);
		if (out.len > 0 && !valid_utf8(out.data, out.len))
			fail_msg("round %zu, %s: invalid UTF-8 out", i,
			    sets[cs] != NULL ? sets[cs] : "(none)");
		bd_buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_utf8),
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_eml_parts),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
