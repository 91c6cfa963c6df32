/*
 * test_dsn.c - table-driven tests for dsn.c: the RFC 3464 per-message
 * and per-recipient fields, type prefixes, folded fields, several
 * recipients (in groups and run together), RFC 6533 UTF-8 fields, the
 * recipient limit, and the two finders bd_dsn_find() and
 * bd_dsn_find_esc().
 *
 * A recipient is compared as one line, its fields in struct order
 * separated by " | " ("-" for absent):
 *   recipient | original | action | status | remote-mta | diagnostic |
 *   last-attempt | will-retry
 * and the recipients of a DSN are joined by newlines, so a failure shows
 * the whole got/want picture.
 *
 * Sources: "eml" cases read the delivery-status fields of bounces in
 * tests/data/eml (sisimai/set-of-emails, BSD-2-Clause, see the LICENSE
 * and README there); the others are written the way the MTA named in
 * the case writes them, with example.com names.  Run from the top of
 * the tree (make check does).
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
#include "dsn.h"
#include "limits.h"
#include "message.h"
#include "mime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define EML		"tests/data/eml/"
#define NOTFOUND	((size_t)-1)

static char	*slurp_lf(const char *, size_t *);
static int	 check_str(const char *, const char *, const char *,
		    const char *);
static void	 describe(const struct bd_dsn *, struct bd_buf *);

/* A file with LF line ends, as message.c hands it over. */
static char *
slurp_lf(const char *path, size_t *len)
{
	FILE	*f;
	char	*raw = NULL, *lf;
	long	 n = 0;
	size_t	 got;

	if ((f = fopen(path, "rb")) == NULL) {
		fail_msg("cannot open %s", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (raw = malloc(n + 1)) == NULL) {
		fclose(f);
		fail_msg("cannot read %s", path);
		return NULL;
	}
	got = fread(raw, 1, n, f);
	fclose(f);
	lf = bd_mime_lf(raw, got, len);
	assert_non_null(lf);
	free(raw);
	return lf;
}

/* Compare strings (NULL is "(null)"); print got/want on mismatch. */
static int
check_str(const char *name, const char *field, const char *got,
    const char *want)
{
	if (got == NULL)
		got = "(null)";
	if (want == NULL)
		want = "(null)";
	if (strcmp(got, want) == 0)
		return 0;
	print_error("%s: %s\n    got  \"%s\"\n    want \"%s\"\n", name, field,
	    got, want);
	return 1;
}

/* The recipients of d, one line each (see the top of this file). */
static void
describe(const struct bd_dsn *d, struct bd_buf *b)
{
	const struct bd_msg_rcpt *r;
	size_t	 i, k;

	(void)bd_buf_puts(b, "");
	for (i = 0; i < d->nrcpt; i++) {
		const char *v[8];

		r = &d->rcpt[i];
		v[0] = r->recipient;
		v[1] = r->original_recipient;
		v[2] = r->action;
		v[3] = r->status;
		v[4] = r->remote_mta;
		v[5] = r->diagnostic;
		v[6] = r->last_attempt;
		v[7] = r->will_retry;
		if (i > 0)
			(void)bd_buf_putc(b, '\n');
		for (k = 0; k < 8; k++)
			(void)bd_buf_printf(b, "%s%s", k > 0 ? " | " : "",
			    v[k] != NULL ? v[k] : "-");
		if (r->extractor != NULL)
			fail_msg("rcpt %zu: extractor set by the DSN parser",
			    i);
	}
}

/*
 * One DSN: per-message fields and the recipients.  A case with a file
 * reads that bounce from the offset bd_dsn_find() gives to the next MIME
 * delimiter line (or the end); otherwise text is parsed as it is.
 */
struct dsn_case {
	const char	*name;
	const char	*file;
	const char	*text;
	const char	*reporting_mta;
	const char	*arrival_date;
	const char	*sender;
	const char	*rcpts;
	const char	*skip;		/* why the case is skipped (a bug) */
};

static const struct dsn_case dsn_cases[] = {
	/* eml: two recipient groups, Postfix's order (Final first). */
	{ "postfix, two recipients", "lhost-postfix-02.eml", NULL,
	  "smtp.example.com", "Sat, 21 Jun 2014 18:34:34 +0000 (UTC)",
	  "kijitora@example.jp",
	  "filtered@example.co.jp | filtered@example.co.jp | failed | 5.2.1 | "
	  "mx.example.co.jp | 550 5.2.1 <filtered@example.co.jp>... User "
	  "Unknown | - | -\n"
	  "userunknown@example.co.jp | userunknown@example.co.jp | failed | "
	  "5.1.1 | mx.example.co.jp | 550 5.1.1 <userunknown@example.co.jp>"
	  "... User Unknown | - | -", NULL },
	/* eml: a folded x-unix Diagnostic-Code. */
	{ "postfix, folded x-unix diagnostic", "lhost-postfix-01.eml", NULL,
	  "p351355.pool.example.ne.jp",
	  "Thu, 29 Apr 2013 23:45:41 +0900 (JST)", "shironeko@mx.example.jp",
	  "r@p351355.pool.example.ne.jp | kijitora@example.org | failed | "
	  "5.1.1 | - | procmail: Couldn't create \"/var/spool/mail/neko\" id: "
	  "r.example.org: No such user | - | -", NULL },
	/* eml: a plain-text delay DSN, folded X-Postfix diagnostic. */
	{ "postfix, delay in plain text", "rfc3464-34.eml", NULL,
	  "smtp.neko.example.org", "Thu, 29 Apr 2017 23:34:45 +0900 (JST)",
	  "sironeko@neko.example.org",
	  "kijitora@example.com | kijitora@example.com | delayed | 4.4.1 | - "
	  "| connect to nyaan.example.com[192.0.2.2]:25: No route to host | "
	  "- | Sun, 05 May 2017 23:34:45 +0900 (JST)", NULL },
	/* eml: Original-Recipient first (RFC 3464 order), "smtp;" with no
	 * blank after it. */
	{ "exchange, original first", "lhost-exchange2007-04.eml", NULL,
	  "example.jp", "Thu, 29 Apr 2017 23:34:45 +0000", NULL,
	  "neko-nyaan@example.jp | neko-nyaan@cat.example.jp | failed | "
	  "5.7.1 | - | 550 5.7.1 RESOLVER.RST.AuthRequired; authentication "
	  "required | - | -", NULL },
	/* eml: a comment after the status, an address literal. */
	{ "amazon ses, status comment", "lhost-amazonses-01.eml", NULL,
	  "a192-79.smtp-out.amazonses.com", NULL, NULL,
	  "shironeko@example.co.jp | - | failed | 5.0.0 | [192.0.2.222] | "
	  "5.1.0 - Unknown address error 550-'5.7.1 <000001321defbd2a-"
	  "788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email-bounces."
	  "amazonses.com>... Access denied' (delivery attempts: 0) | - | -",
	  NULL },
	/* eml: a Diagnostic-Code with no type at all. */
	{ "diagnostic without type", "rfc3464-42.eml", NULL, "10.9.37.234",
	  NULL, NULL,
	  "jane.doe@some-domain.net | - | failed | 5.0.0 | - | The email "
	  "account that you tried to reach does not exist. | - | -", NULL },
	/* eml: upper-case types, Last-Attempt-Date, fields we skip
	 * (Received-From-MTA, X-Actual-Recipient). */
	{ "sendmail, upper-case types", "lhost-sendmail-18.eml", NULL,
	  "mx356.example.jp", "Thu, 29 Apr 2009 23:34:45 +0900", NULL,
	  "kijitora@example.jp | - | failed | 5.0.0 | - | 255 | Thu, 29 Apr "
	  "2009 23:34:45 +0900 | -", NULL },

	/* Type prefixes (RFC 3464 §2.1.2): removed when they are an atom,
	 * angle brackets off addresses. */
	{ "type prefixes", NULL,
	  "Reporting-MTA: DNS;mx.example.net\n"
	  "X-Postfix-Sender: rfc822; <sender@example.org>\n\n"
	  "Final-Recipient: RFC822;<a@example.com>\n"
	  "Original-Recipient: rfc822; A@Example.COM\n"
	  "Action: failed\nStatus: 5.1.1\n"
	  "Remote-MTA: dns; [2001:db8::25]\n"
	  "Diagnostic-Code: SMTP; 550 5.1.1 <a@example.com>: Recipient "
	  "address rejected: User unknown\n",
	  "mx.example.net", NULL, "sender@example.org",
	  "a@example.com | A@Example.COM | failed | 5.1.1 | [2001:db8::25] | "
	  "550 5.1.1 <a@example.com>: Recipient address rejected: User "
	  "unknown | - | -", NULL },
	/* A semicolon after words is text, not a type. */
	{ "semicolon inside the text", NULL,
	  "Final-Recipient: rfc822;b@example.com\nAction: failed\n"
	  "Status: 5.7.1\n"
	  "Diagnostic-Code: 554 5.7.1 Service unavailable; Client host "
	  "[192.0.2.10] blocked\n"
	  "Remote-MTA: mx.example.com\n",
	  NULL, NULL, NULL,
	  "b@example.com | - | failed | 5.7.1 | mx.example.com | 554 5.7.1 "
	  "Service unavailable; Client host [192.0.2.10] blocked | - | -",
	  NULL },
	/* Folded fields (RFC 5322 §2.2.3), blanks collapsed. */
	{ "folded fields", NULL,
	  "Final-Recipient: rfc822;\n  c@example.com\nAction: failed\n"
	  "Status:\n\t5.1.1\n"
	  "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried "
	  "to reach does\n    not exist.   Please try\n\t double-checking\n",
	  NULL, NULL, NULL,
	  "c@example.com | - | failed | 5.1.1 | - | 550-5.1.1 The email "
	  "account that you tried to reach does not exist. Please try "
	  "double-checking | - | -", NULL },
	/* Status: the code alone; Action: lower case, first word. */
	{ "status and action normalised", NULL,
	  "Final-Recipient: rfc822; d@example.com\n"
	  "Action: Failed (permanent)\n"
	  "Status: 4.4.7 (delivery time expired)\n"
	  "Status: 5.0.0\n\n"
	  "Final-Recipient: rfc822; e@example.com\nAction: failed\n"
	  "Status: unknown\n\n"
	  "Final-Recipient: rfc822; f@example.com\nAction: failed\n"
	  "Status: 5.1.1.1\n",
	  NULL, NULL, NULL,
	  "d@example.com | - | failed | 4.4.7 | - | - | - | -\n"
	  "e@example.com | - | failed | unknown | - | - | - | -\n"
	  "f@example.com | - | failed | 5.1.1.1 | - | - | - | -", NULL },
	/* Groups run together: a repeated Final-Recipient or Action starts
	 * the next recipient. */
	{ "groups run together, final first", NULL,
	  "Reporting-MTA: dns; mx.example.net\n"
	  "Final-Recipient: rfc822; g@example.com\n"
	  "Original-Recipient: rfc822; g0@example.com\n"
	  "Action: failed\nStatus: 5.1.1\n"
	  "Final-Recipient: rfc822; h@example.com\n"
	  "Original-Recipient: rfc822; h0@example.com\n"
	  "Action: delayed\nStatus: 4.2.2\n",
	  "mx.example.net", NULL, NULL,
	  "g@example.com | g0@example.com | failed | 5.1.1 | - | - | - | -\n"
	  "h@example.com | h0@example.com | delayed | 4.2.2 | - | - | - | -",
	  NULL },
	/*
	 * BUG (dsn.c, bd_dsn_parse): in groups run together in the RFC 3464
	 * order (Original-Recipient before Final-Recipient), the second
	 * group's Original-Recipient is given to the first recipient when
	 * that one had none, since only a repeated field opens a group.
	 */
	{ "groups run together, original first", NULL,
	  "Final-Recipient: rfc822; j@example.com\nAction: failed\n"
	  "Status: 5.1.1\n"
	  "Original-Recipient: rfc822; k0@example.com\n"
	  "Final-Recipient: rfc822; k@example.com\nAction: failed\n"
	  "Status: 5.2.2\n",
	  NULL, NULL, NULL,
	  "j@example.com | - | failed | 5.1.1 | - | - | - | -\n"
	  "k@example.com | k0@example.com | failed | 5.2.2 | - | - | - | -",
	  "dsn.c gives a run-together group's Original-Recipient to the "
	  "recipient before it" },
	/* Lines that are not fields are skipped; a group holding only
	 * fields we cannot keep is dropped. */
	{ "noise skipped, empty group dropped", NULL,
	  "This is the mail system at host mx.example.net.\n\n"
	  "Reporting-MTA: dns; mx.example.net\n\n"
	  "Final-Recipient: rfc822;\nRemote-MTA: dns; mx.example.com\n\n"
	  "Final-Recipient: rfc822; l@example.com\nAction: failed\n"
	  "Status: 5.1.1\n\n-- \nThe mail system\n",
	  "mx.example.net", NULL, NULL,
	  "l@example.com | - | failed | 5.1.1 | - | - | - | -", NULL },
	/* Per-message fields: the first one wins. */
	{ "first per-message field wins", NULL,
	  "Reporting-MTA: dns; first.example.net\n"
	  "Reporting-MTA: dns; second.example.net\n"
	  "Arrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n"
	  "Final-Recipient: rfc822; m@example.com\nAction: failed\n"
	  "Reporting-MTA: dns; third.example.net\n",
	  "first.example.net", "Mon, 1 Jan 2024 00:00:00 +0000", NULL,
	  "m@example.com | - | failed | - | - | - | - | -", NULL },
	/*
	 * RFC 6533 §3: message/global-delivery-status carries UTF-8
	 * addresses (type utf-8) and text; invalid UTF-8 is replaced.
	 */
	{ "rfc6533 global dsn", NULL,
	  "Reporting-MTA: dns; mx.\xe4\xbe\x8b\xe3\x81\x88.jp\n\n"
	  "Original-Recipient: utf-8; \xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b"
	  "\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a\n"
	  "Final-Recipient: utf-8; \xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5"
	  "\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a\n"
	  "Action: failed\nStatus: 5.1.1\n"
	  "Diagnostic-Code: smtp; 550 5.1.1 \xe7\x94\xa8\xe6\x88\xb7\xe4\xb8"
	  "\x8d\xe5\xad\x98\xe5\x9c\xa8 \xff\n",
	  "mx.\xe4\xbe\x8b\xe3\x81\x88.jp", NULL, NULL,
	  "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5"
	  "\x91\x8a | \xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5"
	  "\xb9\xbf\xe5\x91\x8a | failed | 5.1.1 | - | 550 5.1.1 \xe7\x94\xa8"
	  "\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8 \xef\xbf\xbd | - "
	  "| -", NULL },
	{ "empty text", NULL, "", NULL, NULL, NULL, "", NULL },
};

/* The fields of a file case: from bd_dsn_find() to a "--" line. */
static char *
dsn_of_file(const char *file, size_t *len)
{
	char	 path[256], *msg, *out;
	const char *p, *e;
	size_t	 n, off;

	(void)snprintf(path, sizeof(path), EML "%s", file);
	msg = slurp_lf(path, &n);
	off = bd_dsn_find(msg, n);
	if (off == NOTFOUND)
		fail_msg("%s: bd_dsn_find found no fields", file);
	p = msg + off;
	for (e = p; (e = strstr(e, "\n--")) != NULL; e++)
		if (e[3] != ' ')	/* not a "-- " signature line */
			break;
	*len = e != NULL ? (size_t)(e + 1 - p) : strlen(p);
	out = strndup(p, *len);
	assert_non_null(out);
	free(msg);
	return out;
}

/* Parse one case and compare; returns the mismatches (printed). */
static int
check_dsn(const struct dsn_case *c)
{
	struct bd_dsn d;
	struct bd_buf b;
	char	*text;
	size_t	 len;
	int	 bad = 0;

	if (c->file != NULL)
		text = dsn_of_file(c->file, &len);
	else {
		len = strlen(c->text);
		text = strndup(c->text, len);
		assert_non_null(text);
	}
	bd_dsn_init(&d);
	if (bd_dsn_parse(text, len, &d) != 0) {
		print_error("%s: parse failed\n", c->name);
		bad++;
	}
	bad += check_str(c->name, "reporting_mta", d.reporting_mta,
	    c->reporting_mta);
	bad += check_str(c->name, "arrival_date", d.arrival_date,
	    c->arrival_date);
	bad += check_str(c->name, "sender", d.sender, c->sender);
	bd_buf_init(&b, 0);
	describe(&d, &b);
	bad += check_str(c->name, "recipients", b.data, c->rcpts);
	if (d.truncated || d.oom) {
		print_error("%s: truncated/oom set\n", c->name);
		bad++;
	}
	bd_buf_free(&b);
	bd_dsn_free(&d);
	free(text);
	return bad;
}

static void
test_parse(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(dsn_cases); i++)
		if (dsn_cases[i].skip == NULL)
			bad += check_dsn(&dsn_cases[i]);
	assert_int_equal(bad, 0);
}

/*
 * The cases marked with a bug: run and shown, the test skipped while
 * they fail; once they pass, this fails to say the mark must go.
 */
static void
test_parse_known_bugs(void **state)
{
	size_t	 i, n = 0, fixed = 0;

	(void)state;
	for (i = 0; i < NELEM(dsn_cases); i++) {
		if (dsn_cases[i].skip == NULL)
			continue;
		n++;
		print_message("known bug: %s\n", dsn_cases[i].skip);
		if (check_dsn(&dsn_cases[i]) == 0) {
			print_error("%s passes now: remove its bug mark\n",
			    dsn_cases[i].name);
			fixed++;
		}
	}
	assert_int_equal(fixed, 0);
	if (n > 0)
		skip();
}

/* Called once per DSN part: recipients add up, per-message fields are
 * kept from the first part. */
static void
test_parse_twice(void **state)
{
	static const char a[] = "Reporting-MTA: dns; a.example.net\n\n"
	    "Final-Recipient: rfc822; n@example.com\nAction: failed\n";
	static const char b[] = "Reporting-MTA: dns; b.example.net\n"
	    "X-Postfix-Sender: rfc822; s@example.org\n\n"
	    "Final-Recipient: rfc822; o@example.com\nAction: delayed\n";
	struct bd_dsn d;

	(void)state;
	bd_dsn_init(&d);
	assert_int_equal(bd_dsn_parse(a, sizeof(a) - 1, &d), 0);
	assert_int_equal(bd_dsn_parse(b, sizeof(b) - 1, &d), 0);
	assert_string_equal(d.reporting_mta, "a.example.net");
	assert_string_equal(d.sender, "s@example.org");
	assert_int_equal(d.nrcpt, 2);
	assert_string_equal(d.rcpt[0].recipient, "n@example.com");
	assert_string_equal(d.rcpt[1].recipient, "o@example.com");
	assert_string_equal(d.rcpt[1].action, "delayed");
	bd_dsn_free(&d);
	assert_int_equal(d.nrcpt, 0);
	assert_null(d.rcpt);
	bd_dsn_free(&d);	/* twice is fine */
}

/* The text need not be NUL-terminated: the length is the end. */
static void
test_parse_length(void **state)
{
	static const char t[] = "Final-Recipient: rfc822; p@example.com\n"
	    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 cut "
	    "here";
	struct bd_dsn d;
	size_t	 len = strstr(t, " here") - t;

	(void)state;
	bd_dsn_init(&d);
	assert_int_equal(bd_dsn_parse(t, len, &d), 0);
	assert_int_equal(d.nrcpt, 1);
	assert_string_equal(d.rcpt[0].diagnostic, "550 cut");
	bd_dsn_free(&d);
}

/* BD_MAX_RECIPIENTS recipients are kept; past that, flagged. */
static void
test_recipient_limit(void **state)
{
	struct bd_dsn d;
	struct bd_buf b;
	char	 want[64];
	unsigned i;

	(void)state;
	bd_buf_init(&b, 0);
	for (i = 0; i < BD_MAX_RECIPIENTS + 5; i++)
		(void)bd_buf_printf(&b, "Final-Recipient: rfc822; r%u@example."
		    "com\nAction: failed\nStatus: 5.1.1\n\n", i);
	bd_dsn_init(&d);
	assert_int_equal(bd_dsn_parse(b.data, b.len, &d), 0);
	assert_int_equal(d.nrcpt, BD_MAX_RECIPIENTS);
	assert_int_equal(d.truncated, 1);
	(void)snprintf(want, sizeof(want), "r%u@example.com",
	    BD_MAX_RECIPIENTS - 1);
	assert_string_equal(d.rcpt[d.nrcpt - 1].recipient, want);
	bd_dsn_free(&d);
	bd_buf_free(&b);
}

/*
 * bd_dsn_find: where DSN fields start in free text.  want is the text
 * the offset points at (a prefix), or NULL for "none".
 */
struct find_case {
	const char	*name;
	const char	*text;
	const char	*want;
};

static const struct find_case find_cases[] = {
	{ "reporting-mta before final-recipient",
	  "I'm sorry.\n\nReporting-MTA: dns; mx.example.net\n\n"
	  "Final-Recipient: rfc822; a@example.com\nAction: failed\n",
	  "Reporting-MTA: dns; mx.example.net" },
	{ "no reporting-mta",
	  "I'm sorry.\nFinal-Recipient: rfc822; a@example.com\n"
	  "Status: 5.1.1\n", "Final-Recipient: rfc822; a@example.com" },
	{ "original-recipient starts too",
	  "x\nOriginal-Recipient: rfc822; a@example.com\n"
	  "Final-Recipient: rfc822; a@example.com\nAction: failed\n",
	  "Original-Recipient: rfc822; a@example.com" },
	{ "the first reporting-mta",
	  "Reporting-MTA: dns; one\nReporting-MTA: dns; two\n"
	  "Final-Recipient: rfc822; a@example.com\nAction: failed\n",
	  "Reporting-MTA: dns; one" },
	{ "reporting-mta after final-recipient",
	  "Final-Recipient: rfc822; a@example.com\n"
	  "Reporting-MTA: dns; mx\nAction: failed\n",
	  "Final-Recipient: rfc822; a@example.com" },
	{ "case-insensitive, blank before colon",
	  "final-recipient : rfc822; a@example.com\nSTATUS: 5.1.1\n",
	  "final-recipient : rfc822; a@example.com" },
	{ "recipient without action or status",
	  "Reporting-MTA: dns; mx\nFinal-Recipient: rfc822; a@example.com\n"
	  "Remote-MTA: dns; mx2\n", NULL },
	{ "action before any recipient",
	  "Action: failed\nStatus: 5.1.1\n"
	  "Final-Recipient: rfc822; a@example.com\n", NULL },
	{ "names inside sentences do not count",
	  "The Final-Recipient: header and the Action: header are "
	  "missing.\n", NULL },
	{ "a longer field name is another field",
	  "Final-Recipients: a@example.com\nAction: failed\n", NULL },
	{ "empty", "", NULL },
};

static void
test_find(void **state)
{
	const struct find_case *c;
	size_t	 i, off;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(find_cases); i++) {
		c = &find_cases[i];
		off = bd_dsn_find(c->text, strlen(c->text));
		if (c->want == NULL && off == NOTFOUND)
			continue;
		if (c->want != NULL && off != NOTFOUND &&
		    off < strlen(c->text) && strncmp(c->text + off, c->want,
		    strlen(c->want)) == 0)
			continue;
		print_error("%s: offset\n    got  %s\"%.40s\"\n    want "
		    "\"%s\"\n", c->name, off == NOTFOUND ? "none " : "",
		    off == NOTFOUND ? "" : c->text + off,
		    c->want != NULL ? c->want : "none");
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* eml: bd_dsn_find() over whole bounces finds the DSN part's fields. */
static void
test_find_files(void **state)
{
	static const struct {
		const char	*file;
		const char	*want;
	} tab[] = {
		{ "rfc3464-34.eml", "Reporting-MTA: dns; smtp.neko.example."
		  "org\nX-Postfix-Queue-ID: FFFFFFFFFF\n" },
		{ "lhost-postfix-02.eml", "Reporting-MTA: dns; smtp.example."
		  "com\n" },
		{ "lhost-exchange2007-04.eml", "Reporting-MTA: dns;example.jp\n"
		  "Received-From-MTA:" },
		/* A bounce without fields. */
		{ "lhost-exim-02.eml", NULL },
	};
	char	 path[256], *msg;
	size_t	 i, n, off;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(tab); i++) {
		(void)snprintf(path, sizeof(path), EML "%s", tab[i].file);
		msg = slurp_lf(path, &n);
		off = bd_dsn_find(msg, n);
		if (tab[i].want == NULL ? off != NOTFOUND : off == NOTFOUND ||
		    strncmp(msg + off, tab[i].want, strlen(tab[i].want)) != 0) {
			print_error("%s: offset\n    got  \"%.40s\"\n    want "
			    "\"%s\"\n", tab[i].file, off == NOTFOUND ?
			    "(none)" : msg + off, tab[i].want != NULL ?
			    tab[i].want : "(none)");
			bad++;
		}
		free(msg);
	}
	assert_int_equal(bad, 0);
}

/* bd_dsn_find_esc: the first RFC 3463 code; NULL want = none. */
struct esc_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
};

static const struct esc_case esc_cases[] = {
	{ "5.1.1", 0, "5.1.1" },
	{ "Status: 5.7.26", 0, "5.7.26" },
	{ "550 5.7.606 Access denied, banned sending IP", 0, "5.7.606" },
	{ "2.0.0 Ok", 0, "2.0.0" },
	{ "4.4.7 (delivery time expired)", 0, "4.4.7" },
	{ "5.999.999", 0, "5.999.999" },
	/* qmail writes the code in (#...). */
	{ "Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1" },
	{ "user unknown 5.1.1.", 0, "5.1.1" },
	{ "Status: 5.0.0 (permanent failure)", 0, "5.0.0" },
	/* Not RFC 3463: a class other than 2, 4, 5; 4 digits; four parts;
	 * glued to a number; an address. */
	{ "3.1.1 6.1.1 1.1.1", 0, NULL },
	{ "5.1234.1 5.1.1234", 0, NULL },
	{ "5.1.1.1", 0, NULL },
	{ "5.1.1.1 then 5.2.2", 0, "5.2.2" },
	{ "25.1.1", 0, NULL },
	{ "192.0.2.5 and 10.4.2.1", 0, NULL },
	{ "host 4.2.2.1 said", 0, NULL },
	{ "5..1 5.1 5.1. 5.", 0, NULL },
	/* The length is the end. */
	{ "5.1.1", 4, NULL },
	{ "5.1.12", 5, "5.1.1" },
	{ "", 0, NULL },
};

static void
test_find_esc(void **state)
{
	const struct esc_case *c;
	char	 esc[BD_ESC_SIZE];
	size_t	 i, len;
	int	 bad = 0, found;

	(void)state;
	for (i = 0; i < NELEM(esc_cases); i++) {
		c = &esc_cases[i];
		len = c->len != 0 ? c->len : strlen(c->in);
		memset(esc, 'Z', sizeof(esc));
		esc[sizeof(esc) - 1] = '\0';
		found = bd_dsn_find_esc(c->in, len, esc);
		if (c->want == NULL && !found)
			continue;
		if (c->want != NULL && found && strcmp(esc, c->want) == 0)
			continue;
		print_error("\"%s\" (%zu): esc\n    got  %s\n    want %s\n",
		    c->in, len, found ? esc : "none", c->want != NULL ?
		    c->want : "none");
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* Random text made of the bytes the parser looks at: it must return,
 * keep its invariants and leak nothing (ASan / valgrind). */
static void
test_hostile(void **state)
{
	static const char alpha[] = "Final-Recipient:Action;Status 5.1.1\n "
	    "\t<>rfc822;Original-Recipient\xff\xc3";
	struct bd_dsn d;
	char	*buf, esc[BD_ESC_SIZE];
	uint32_t s = 20250110;
	size_t	 i, k, len;

	(void)state;
	buf = malloc(4096);
	assert_non_null(buf);
	for (i = 0; i < 2000; i++) {
		len = (s = s * 1103515245u + 12345u) % 4096;
		for (k = 0; k < len; k++) {
			s = s * 1103515245u + 12345u;
			buf[k] = alpha[(s >> 16) % (sizeof(alpha) - 1)];
		}
		bd_dsn_init(&d);
		assert_int_equal(bd_dsn_parse(buf, len, &d), 0);
		for (k = 0; k < d.nrcpt; k++)
			if (d.rcpt[k].action != NULL)
				assert_null(strchr(d.rcpt[k].action, ' '));
		bd_dsn_free(&d);
		(void)bd_dsn_find(buf, len);
		if (bd_dsn_find_esc(buf, len, esc))
			assert_true(strlen(esc) < BD_ESC_SIZE);
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_known_bugs),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_parse_length),
		cmocka_unit_test(test_recipient_limit),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_files),
		cmocka_unit_test(test_find_esc),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
