/*
 * test_render.c - output safety: text output never passes ESC, other
 * C0/C1 controls or bidi overrides from the input through; JSON output is
 * valid UTF-8 with every control escaped, whatever bytes came in.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bouncediag.h"

/* Hostile reply: CSI colour, OSC title set, C1 CSI (U+009B), RLO
 * (U+202E), LRI (U+2066), BEL, NUL, a lone 0xff and a truncated
 * sequence. */
static const char hostile[] =
    "550 5.7.1 \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \xc2\x9b" "2J "
    "\xe2\x80\xae" "evil \xe2\x81\xa6" "iso \x07 nul\0byte \xff bad \xe2\x82";

static struct bd_rules *
shipped(void)
{
	struct bd_rules *r = bd_rules_new();

	assert_non_null(r);
	assert_int_equal(bd_rules_add_path(r, "rules", NULL, NULL), BD_OK);
	assert_int_equal(bd_rules_finish(r, NULL, NULL), BD_OK);
	return r;
}

/* Is s valid UTF-8 (RFC 3629)? */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t	 i = 0, len, k;
	uint32_t c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* Find a byte sequence. */
static int
contains(const char *hay, const char *needle, size_t nlen)
{
	return memmem(hay, strlen(hay), needle, nlen) != NULL;
}

static void
test_text_is_terminal_safe(void **state)
{
	struct bd_rules *r = shipped();
	struct bd_result *res;
	char	*out;
	size_t	 i;

	(void)state;
	assert_int_equal(bd_diagnose(r, NULL, "-", hostile,
	    sizeof(hostile) - 1, &res), BD_OK);
	out = bd_render(res, BD_FORMAT_TEXT, 0);
	assert_non_null(out);
	for (i = 0; out[i] != '\0'; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 && c != '\n')
			fail_msg("control byte 0x%02x at %zu", c, i);
		if (c == 0x7f)
			fail_msg("DEL at %zu", i);
	}
	assert_false(contains(out, "\xc2\x9b", 2));	/* C1 CSI */
	assert_false(contains(out, "\xe2\x80\xae", 3));	/* RLO */
	assert_false(contains(out, "\xe2\x81\xa6", 3));	/* LRI */
	assert_true(valid_utf8((unsigned char *)out, strlen(out)));
	/* The visible words survive, and the text after the NUL too. */
	assert_true(contains(out, "red", 3));
	assert_true(contains(out, "byte", 4));
	free(out);
	bd_result_free(res);
	bd_rules_free(r);
}

static void
test_colour_only_when_asked(void **state)
{
	struct bd_rules *r = shipped();
	struct bd_result *res;
	char	*plain, *colour;

	(void)state;
	assert_int_equal(bd_diagnose(r, NULL, "-", "550 5.1.1 no such user",
	    22, &res), BD_OK);
	plain = bd_render(res, BD_FORMAT_TEXT, 0);
	colour = bd_render(res, BD_FORMAT_TEXT, BD_RENDER_COLOR);
	assert_null(strchr(plain, '\x1b'));
	assert_non_null(strchr(colour, '\x1b'));
	free(plain);
	free(colour);
	bd_result_free(res);
	bd_rules_free(r);
}

static void
test_json_is_valid_utf8_and_escaped(void **state)
{
	struct bd_rules *r = shipped();
	struct bd_result *res;
	char	*out;
	size_t	 i, n;

	(void)state;
	assert_int_equal(bd_diagnose(r, NULL, "-", hostile,
	    sizeof(hostile) - 1, &res), BD_OK);
	out = bd_render(res, BD_FORMAT_JSON, 0);
	assert_non_null(out);
	n = strlen(out);
	assert_true(valid_utf8((unsigned char *)out, n));
	assert_int_equal(out[n - 1], '\n');
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)out[i] < 0x20)
			fail_msg("raw control 0x%02x in JSON at %zu",
			    (unsigned char)out[i], i);
	assert_null(strchr(out, 0x1b));
	assert_true(contains(out, "\\u009b", 6));
	assert_true(contains(out, "\\u202e", 6));
	assert_true(contains(out, "\\ufffd", 6));	/* the 0xff */
	assert_true(contains(out, "\"cause\":\"", 9));
	free(out);
	bd_result_free(res);
	bd_rules_free(r);
}

static void
test_printable_copy(void **state)
{
	char	*s;

	(void)state;
	s = bd_printable("a\x1b[2Jb\tc\xff", 9);
	assert_string_equal(s, "a?[2Jb c\xef\xbf\xbd");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_terminal_safe),
		cmocka_unit_test(test_colour_only_when_asked),
		cmocka_unit_test(test_json_is_valid_utf8_and_escaped),
		cmocka_unit_test(test_printable_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
