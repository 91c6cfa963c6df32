/*
 * test_trailer.c - table-driven tests for trailer.c: where the words of
 * a reply end and the noise receivers append begins (tracking ids,
 * "- gsmtp", bracketed server names and codes, help URLs, key=value
 * ids), what is kept (brackets without a digit, long or wordy groups,
 * anything before the last eight noise tokens), and text that is all
 * noise (kept whole).
 *
 * Each case is {name, reply text, the text that must remain}; the
 * remainder is always a prefix of the text.
 *
 * Sources: "corpus" texts are lines of ../shared/corpus/diagnostic-
 * texts.txt (sisimai/set-of-emails, BSD-2-Clause) with their reply codes
 * removed, as diagnose.c hands them over; the others are written the
 * way the receiver named in the case words them.
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

#include "trailer.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct trailer_case {
	const char	*name;
	const char	*in;
	const char	*keep;		/* NULL: the whole text */
};

static const struct trailer_case trailer_cases[] = {
	/* Gmail: id and "- gsmtp", help URL (corpus). */
	{ "gmail id and gsmtp", "RCPT first. o3si8455341oem.103 - gsmtp",
	  "RCPT first" },
	{ "gmail url, id, gsmtp", "The email account that you tried to "
	  "reach does not exist. Please try double-checking the recipient's "
	  "email address for typos or unnecessary spaces. Learn more at "
	  "https://support.google.com/mail/?p=NoSuchUser y3si675602plr.1 - "
	  "gsmtp", "The email account that you tried to reach does not "
	  "exist. Please try double-checking the recipient's email address "
	  "for typos or unnecessary spaces. Learn more at" },
	{ "gmail url in the middle stays", "RCPT first. A mail transaction "
	  "protocol command was issued out of sequence. For more "
	  "information, go to https://support.google.com/a/answer/3221692 "
	  "and review RFC 5321 specifications. neko-15789a6671ag7789128947.22"
	  " - gsmtp", "RCPT first. A mail transaction protocol command was "
	  "issued out of sequence. For more information, go to https://"
	  "support.google.com/a/answer/3221692 and review RFC 5321 "
	  "specifications" },
	{ "gsmtp in capitals", "Daily user sending quota exceeded. "
	  "o65sm25351206pga.71 - GSMTP", "Daily user sending quota exceeded" },
	/* tests/data/log/postfix.log: an id too short to be one stays. */
	{ "short id kept", "Learn more at https://support.google.com/mail/"
	  "?p=NoSuchUser a1si2 - gsmtp", "Learn more at https://support."
	  "google.com/mail/?p=NoSuchUser a1si2" },
	/* Microsoft: server in brackets, (ASnnn), (Snnnn) (corpus). */
	{ "microsoft server name", "<kijitora@example.br>: Recipient address "
	  "rejected: Access denied [BL2NAM02FT061.eop-nam02.prod.protection."
	  "outlook.com]", "<kijitora@example.br>: Recipient address "
	  "rejected: Access denied" },
	{ "microsoft 5.7.606", "Access denied, banned sending IP "
	  "[192.0.2.225]. To request removal from this list please visit "
	  "https://sender.office.com and follow the directions. For more "
	  "information please go to http://go.microsoft.com/fwlink/?LinkID="
	  "526655 (AS16012609) [NEKONYAAN.CAT-JPN22.prod.protection.outlook."
	  "com]", "Access denied, banned sending IP [192.0.2.225]. To request "
	  "removal from this list please visit https://sender.office.com and "
	  "follow the directions. For more information please go to" },
	{ "microsoft three-token group", "The mail server [192.0.2.25] has "
	  "been temporarily rate limited due to IP reputation. For e-mail "
	  "delivery information, see https://postmaster.live.com (S3113) "
	  "[5NY1SSJFSTZJRJBG.eurprd02.prod.outlook.com 2024-05-09T23:34:45."
	  "000Z GLXTWVLGZHZNHVXY]", "The mail server [192.0.2.25] has been "
	  "temporarily rate limited due to IP reputation. For e-mail "
	  "delivery information, see" },
	/* qmail: (#X.Y.Z), glued or not (corpus). */
	{ "qmail code glued", "Start afresh from MAIL(#5.5.1)",
	  "Start afresh from MAIL" },
	{ "qmail code", "sorry, your envelope recipient is in my badrcptto "
	  "list (#5.7.1)", "sorry, your envelope recipient is in my "
	  "badrcptto list" },
	/* Yahoo: a help URL after "see" (corpus); the leading tag stays. */
	{ "yahoo help url", "[TSS04] Messages from 192.0.2.192 temporarily "
	  "deferred due to unexpected volume or user complaints - 4.16.55.1; "
	  "see https://postmaster.verizonmedia.com/error-codes", "[TSS04] "
	  "Messages from 192.0.2.192 temporarily deferred due to unexpected "
	  "volume or user complaints - 4.16.55.1; see" },
	{ "url with query, no scheme noise left", "Mailbox not found. http://"
	  "service.exmail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=10007",
	  "Mailbox not found" },
	{ "www url", "Blocked, see www.spamhaus.org/query/ip/192.0.2.1",
	  "Blocked, see" },
	{ "key=value with a digit", "Message rejected as spam id=1a2b3c4d; "
	  "ref=77", "Message rejected as spam" },
	{ "ip in brackets", "Connection refused [192.0.2.1]",
	  "Connection refused" },

	/* Kept: not noise by the rules of trailer.c. */
	{ "bracket without a digit", "Relay access denied [example]", NULL },
	{ "in reply to", "temporarily rate limited (S3113) [5NY1SSJFSTZJRJBG."
	  "eurprd02.prod.outlook.com] (in reply to MAIL FROM command)", NULL },
	{ "group of four tokens", "Rejected (see help page 550)", NULL },
	{ "group too long", "Rejected [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaa1]", NULL },
	{ "nested brackets", "Rejected (in reply to [x1] command)", NULL },
	{ "key=value without a digit", "Learn more: p=NoSuchUser", NULL },
	{ "digits only are no id", "Error 123456789", NULL },
	{ "letters only are no id", "User unknown", NULL },
	{ "id needs three digits", "Over quota x1y2zabcdefg", NULL },
	{ "id needs eight characters", "Message rejected, code X4521", NULL },
	/* A trailing separator is noise too. */
	{ "trailing full stop", "User unknown.", "User unknown" },
	{ "trailing semicolon and blanks", "Mailbox full ; \t",
	  "Mailbox full" },
	/* At most eight tokens are looked at. */
	{ "nine ids", "User unknown a1b2c3d4e1 a1b2c3d4e2 a1b2c3d4e3 "
	  "a1b2c3d4e4 a1b2c3d4e5 a1b2c3d4e6 a1b2c3d4e7 a1b2c3d4e8 a1b2c3d4e9",
	  "User unknown a1b2c3d4e1" },
	/* The separator before the eighth is stripped all the same. */
	{ "eight ids after a dash", "User unknown - a1b2c3d4e1 a1b2c3d4e2 "
	  "a1b2c3d4e3 a1b2c3d4e4 a1b2c3d4e5 a1b2c3d4e6 a1b2c3d4e7 a1b2c3d4e8",
	  "User unknown" },

	/* All noise: kept whole (never empty for a text with words). */
	{ "only id and gsmtp", "o3si8455341oem.103 - gsmtp", NULL },
	{ "only a url", "https://support.google.com/mail/?p=NoSuchUser", NULL },
	{ "only a server name", "[AM6PR10MB4312.EURPRD10.PROD.OUTLOOK.COM]",
	  NULL },
	{ "only a code", "(#5.1.1)", NULL },
	{ "only separators", " - ; ", NULL },
	{ "empty", "", NULL },
};

static void
test_trailer(void **state)
{
	const struct trailer_case *c;
	size_t	 i, len, got, want;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(trailer_cases); i++) {
		c = &trailer_cases[i];
		len = strlen(c->in);
		want = c->keep != NULL ? strlen(c->keep) : len;
		/* The wanted text is a prefix of the input: check the table. */
		if (c->keep != NULL && strncmp(c->in, c->keep, want) != 0)
			fail_msg("%s: keep is not a prefix of in", c->name);
		got = bd_trailer_start(c->in, len);
		if (got == want)
			continue;
		print_error("%s: kept\n    got  \"%.*s\"\n    want \"%.*s\"\n",
		    c->name, (int)(got <= len ? got : len), c->in, (int)want,
		    c->in);
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* Only len bytes are read: what follows does not count. */
static void
test_length(void **state)
{
	static const char s[] = "User unknown o3si8455341oem.103 - gsmtp "
	    "and then more words";
	size_t	 len = strstr(s, " and then") - s;

	(void)state;
	assert_int_equal(bd_trailer_start(s, len), strlen("User unknown"));
	assert_int_equal(bd_trailer_start(s, sizeof(s) - 1), sizeof(s) - 1);
}

/*
 * Invariants over random texts made of what the scanner looks at: the
 * result is at most len, never 0 when the text has a letter, and
 * stable (the kept text has no more noise the scanner would take,
 * unless the eight-token bound stopped it).
 */
static void
test_random(void **state)
{
	static const char *const tok[] = {
		"User", "unknown", "a1b2c3d4e5", "-", "gsmtp", ";", ".",
		"https://x.example/1", "(#5.1.1)", "[AM6PR10MB4312.X.COM]",
		"id=12", "(in reply to RCPT TO command)", "[x]", "(", "]",
		"\t", "550",
	};
	char	 buf[1024];
	uint32_t s = 99;
	size_t	 i, k, n, len, r, has_alpha;

	(void)state;
	for (i = 0; i < 5000; i++) {
		s = s * 1103515245u + 12345u;
		n = (s >> 16) % 12;
		len = 0;
		for (k = 0; k < n; k++) {
			const char *t;

			s = s * 1103515245u + 12345u;
			t = tok[(s >> 16) % NELEM(tok)];
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%s", k > 0 ? " " : "", t);
		}
		r = bd_trailer_start(buf, len);
		assert_true(r <= len);
		for (has_alpha = 0, k = 0; k < len; k++)
			if ((buf[k] | 0x20) >= 'a' && (buf[k] | 0x20) <= 'z')
				has_alpha = 1;
		if (has_alpha)
			assert_true(r > 0);
		if (n <= 8 && r < len)
			assert_int_equal(bd_trailer_start(buf, r), r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
