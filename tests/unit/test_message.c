/*
 * test_message.c - bd_message_parse() and bd_message_sniff() over real
 * bounces (tests/data/eml, from sisimai/set-of-emails, BSD-2-Clause),
 * small synthetic messages, hostile inputs that must finish fast, and a
 * sweep over the whole corpus in ../shared/corpus when it is there.
 *
 * Run from the repository root (make check does).  Cases that need the
 * `extract` rules are skipped, saying so, when rules/ does not load.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bouncediag.h"
#include "limits.h"
#include "message.h"

#define EML		"tests/data/eml/"
#define CORPUS		"../shared/corpus/sisimai/maildir"

static struct bd_rules *rules;		/* NULL when rules/ did not load */

/* Read a whole file; NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc(n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Compare a possibly NULL string with what we want (NULL = absent). */
static void
want_str(const char *what, const char *got, const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", what,
		    got ? got : "(null)", want ? want : "(null)");
}

/* got must contain want. */
static void
want_sub(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (got == NULL || strstr(got, want) == NULL)
		fail_msg("%s: got \"%s\", want it to contain \"%s\"", what,
		    got ? got : "(null)", want);
}

/* Load rules/ once; failure leaves rules NULL (rule cases skip). */
static int
setup_rules(void **state)
{
	(void)state;
	if ((rules = bd_rules_new()) == NULL)
		return 0;
	if (bd_rules_add_path(rules, "rules", NULL, NULL) != BD_OK ||
	    bd_rules_finish(rules, NULL, NULL) != BD_OK) {
		bd_rules_free(rules);
		rules = NULL;
	}
	return 0;
}

static int
teardown_rules(void **state)
{
	(void)state;
	bd_rules_free(rules);
	rules = NULL;
	return 0;
}

/* One case over a file in tests/data/eml; NULL fields are not checked. */
struct eml_case {
	const char	*name;
	const char	*file;
	int		 need_rules;
	enum bd_msg_kind kind;
	const char	*kind_name;
	size_t		 nrcpt;
	size_t		 i;		/* which recipient to check */
	const char	*recipient;
	const char	*action;
	const char	*status;
	const char	*remote_mta;
	const char	*diagnostic;	/* substring */
	const char	*subject;
	const char	*reporting_mta;
};

static const struct eml_case eml_cases[] = {
	{ "postfix DSN", "lhost-postfix-03.eml", 0, BD_MSG_BOUNCE, NULL, 1,
	  0, "kijitora@example.net", "failed", "5.0.0", "mail.example.net",
	  "550 Unknown user kijitora@example.net", NULL,
	  "e1.example.ne.jp" },
	{ "postfix DSN, x-unix diagnostic unfolded", "lhost-postfix-01.eml",
	  0, BD_MSG_BOUNCE, NULL, 1, 0, "r@p351355.pool.example.ne.jp",
	  "failed", "5.1.1", NULL, "procmail: Couldn't create "
	  "\"/var/spool/mail/neko\" id: r.example.org: No such user",
	  "Undelivered Mail Returned to Sender", "p351355.pool.example.ne.jp" },
	{ "postfix DSN, CRLF", "dos-lhost-postfix-01.eml", 0, BD_MSG_BOUNCE,
	  NULL, 1, 0, "r@p351355.pool.example.ne.jp", "failed", "5.1.1",
	  NULL, "id: r.example.org: No such user",
	  "Undelivered Mail Returned to Sender", "p351355.pool.example.ne.jp" },
	{ "postfix DSN, bare CR", "mac-lhost-postfix-01.eml", 0,
	  BD_MSG_BOUNCE, NULL, 1, 0, "r@p351355.pool.example.ne.jp",
	  "failed", "5.1.1", NULL, "id: r.example.org: No such user",
	  "Undelivered Mail Returned to Sender", "p351355.pool.example.ne.jp" },
	{ "multi-recipient DSN, first", "lhost-postfix-02.eml", 0,
	  BD_MSG_BOUNCE, NULL, 2, 0, "filtered@example.co.jp", "failed",
	  "5.2.1", NULL, "550 5.2.1", NULL, NULL },
	{ "multi-recipient DSN, second", "lhost-postfix-02.eml", 0,
	  BD_MSG_BOUNCE, NULL, 2, 1, "userunknown@example.co.jp", "failed",
	  "5.1.1", NULL, "550 5.1.1", NULL, NULL },
	{ "delay-only DSN", "lhost-opensmtpd-13.eml", 0, BD_MSG_DELAYED,
	  "delayed", 1, 0, "pseudo-local-part-of-yahoo-inc@yahoo.com",
	  "delayed", "4.0.0", NULL, NULL, NULL, NULL },
	{ "delivered DSN", "rfc3464-28.eml", 0, BD_MSG_DELIVERED, "delivered",
	  0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "ISO-2022-JP subject", "lhost-exchange2007-04.eml", 0,
	  BD_MSG_BOUNCE, NULL, 1, 0, "neko-nyaan@example.jp", "failed",
	  "5.7.1", NULL, NULL,
	  "Undeliverable: \xe3\x82\xad\xe3\x82\xb8\xe3\x83\x88\xe3\x83\xa9"
	  "\xe3\x83\xbb\xe3\x83\x95\xe3\x83\xa9\xe3\x83\x83\xe3\x82\xb7"
	  "\xe3\x83\xa5/\xe3\x83\x8b\xe3\x83\xa3\xe3\x83\xbc\xe3\x83\xb3",
	  NULL },
	{ "auto-reply", "rfc3834-01.eml", 0, BD_MSG_AUTOREPLY, "auto-reply",
	  0, 0, NULL, NULL, NULL, NULL, NULL, "Away until May 5", NULL },
	{ "ARF feedback report", "arf-01.eml", 0, BD_MSG_FEEDBACK,
	  "feedback", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "exim, first recipient", "lhost-exim-02.eml", 1, BD_MSG_BOUNCE,
	  NULL, 2, 0, "kijitora@example.jp", "failed", "5.1.1", NULL,
	  "550 5.1.1 <kijitora@example.jp>... User Unknown", NULL, NULL },
	{ "exim, second recipient", "lhost-exim-02.eml", 1, BD_MSG_BOUNCE,
	  NULL, 2, 1, "sabatora@example.jp", "failed", "5.2.1", NULL,
	  "550 5.2.1 <sabatora@example.jp>... User Unknown", NULL, NULL },
	{ "qmail", "lhost-qmail-03.eml", 1, BD_MSG_BOUNCE, NULL, 1, 0,
	  "kijitora@example.org", "failed", "5.7.1", NULL,
	  "550 5.7.1 <root@nijo.example.jp>... Access denied", NULL, NULL },
	{ "office 365, no DSN part", "lhost-office365-01.eml", 1,
	  BD_MSG_BOUNCE, NULL, 1, 0, "kijitora@example.com", "failed", NULL,
	  NULL, "550 5.1.10", NULL, NULL },
};

/* Parse one eml case and compare. */
static void
test_eml(void **state)
{
	const struct eml_case *tc = *state;
	struct bd_message m;
	const struct bd_msg_rcpt *r;
	char	 path[256], *buf;
	size_t	 len;

	if (tc->need_rules && rules == NULL) {
		print_message("skip %s: rules/ did not load (extract rules "
		    "needed)\n", tc->name);
		skip();
	}
	(void)snprintf(path, sizeof(path), EML "%s", tc->file);
	if ((buf = slurp(path, &len)) == NULL)
		fail_msg("%s: cannot read %s", tc->name, path);
	assert_int_equal(bd_message_parse(buf, len, rules, &m), 0);
	free(buf);
	if (m.kind != tc->kind)
		fail_msg("%s: kind: got %d (%s), want %d", tc->name, m.kind,
		    m.kind_name ? m.kind_name : "bounce", tc->kind);
	want_str("kind_name", m.kind_name, tc->kind_name);
	if (m.nrcpt != tc->nrcpt)
		fail_msg("%s: nrcpt: got %zu, want %zu", tc->name, m.nrcpt,
		    tc->nrcpt);
	if (tc->subject != NULL)
		want_str("subject", m.subject, tc->subject);
	if (tc->reporting_mta != NULL)
		want_str("reporting_mta", m.reporting_mta, tc->reporting_mta);
	if (tc->nrcpt > 0) {
		r = &m.rcpt[tc->i];
		want_str("recipient", r->recipient, tc->recipient);
		want_str("action", r->action, tc->action);
		if (tc->status != NULL)
			want_str("status", r->status, tc->status);
		if (tc->remote_mta != NULL)
			want_str("remote_mta", r->remote_mta, tc->remote_mta);
		want_sub("diagnostic", r->diagnostic, tc->diagnostic);
	}
	bd_message_free(&m);
}

/* The returned original's authentication evidence. */
static void
test_evidence(void **state)
{
	static const char msg[] =
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.org\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "I'm sorry.\n"
	    "--B\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Final-Recipient: rfc822; <rcpt@example.com>\n"
	    "Action: failed\n"
	    "Status: 5.7.26\n"
	    "Remote-MTA: dns; mx.example.com\n"
	    "Diagnostic-Code: smtp; 550-5.7.26 Unauthenticated email is not\n"
	    "    accepted\n"
	    "--B\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Return-Path: <bounces@Mail.Example.ORG>\n"
	    "Authentication-Results: mx.example.net; spf=PASS\n"
	    "  smtp.mailfrom=bounces@mail.example.org; dkim=fail\n"
	    "  header.d=example.org; dmarc=fail header.from=example.org\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n"
	    "  d=Example.ORG; s=sel; h=from:to; bh=x; b=y\n"
	    "From: \"Sender, Name\" <sender@example.org>\n"
	    "Subject: hi\n"
	    "\n"
	    "body\n"
	    "--B--\n";
	struct bd_message m;
	const struct bd_msg_evidence *ev = &m.evidence;

	(void)state;
	assert_int_equal(bd_message_parse(msg, sizeof(msg) - 1, NULL, &m), 0);
	assert_int_equal(m.nrcpt, 1);
	want_str("recipient", m.rcpt[0].recipient, "rcpt@example.com");
	want_str("status", m.rcpt[0].status, "5.7.26");
	want_str("diagnostic", m.rcpt[0].diagnostic,
	    "550-5.7.26 Unauthenticated email is not accepted");
	assert_int_equal(ev->present, 1);
	want_str("from_domain", ev->from_domain, "example.org");
	want_str("return_path_domain", ev->return_path_domain,
	    "mail.example.org");
	want_str("dkim_domain", ev->dkim_domain, "example.org");
	want_str("spf_result", ev->spf_result, "pass");
	want_str("spf_domain", ev->spf_domain, "mail.example.org");
	want_str("dkim_result", ev->dkim_result, "fail");
	want_str("dmarc_result", ev->dmarc_result, "fail");
	bd_message_free(&m);
}

/* Synthetic messages: encodings, charsets, leniency. */
struct syn_case {
	const char	*name;
	const char	*msg;
	enum bd_msg_kind kind;
	size_t		 nrcpt;
	const char	*recipient;
	const char	*status;
	const char	*diagnostic;
	const char	*subject;
	const char	*body;		/* substring of m.body */
};

static const struct syn_case syn_cases[] = {
	{ "base64 text part, DSN as text/plain",
	  "From: MAILER-DAEMON@example.net\nSubject: failure\n"
	  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
	  "--XX\nContent-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  /* "Delivery failed.\nR\xc3\xa9essayez.\n" */
	  "RGVsaXZlcnkgZmFpbGVkLgpSw6llc3NheWV6Lgo=\n"
	  "--XX\nContent-Type: text/plain\n\n"
	  "Final-Recipient: rfc822;a@example.com\nAction: failed\n"
	  "Status: 5.1.1\nDiagnostic-Code: smtp;550 no such user\n"
	  "--XX--\n",
	  BD_MSG_BOUNCE, 1, "a@example.com", "5.1.1", "550 no such user",
	  "failure", "R\xc3\xa9" "essayez" },
	{ "quoted-printable ISO-8859-1, RFC 2047 Q subject",
	  "From: postmaster@example.net\n"
	  "Subject: =?ISO-8859-1?Q?Non_remis_=E0?= =?ISO-8859-1?Q?_vous?=\n"
	  "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "Le message n'a pas =E9t=E9 remis =\n"
	  "<b@example.com>:\n550 5.1.1 inconnu\n",
	  BD_MSG_BOUNCE, 1, "b@example.com", "5.1.1", "550 5.1.1 inconnu",
	  "Non remis \xc3\xa0 vous", "pas \xc3\xa9t\xc3\xa9 remis <b@" },
	{ "RFC 2231 boundary, two recipients, one delivered",
	  "From: MAILER-DAEMON@example.net\nSubject: x\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\n"
	  " boundary*0=\"ab\"; boundary*1=\"cd\"\n\n"
	  "--abcd\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.example.net\n\n"
	  "Final-Recipient: rfc822; ok@example.com\nAction: delivered\n"
	  "Status: 2.0.0\n\n"
	  "Final-Recipient: rfc822; bad@example.com\nAction: failed\n"
	  "Status: 5.2.2\nDiagnostic-Code: X-Postfix; mailbox full\n"
	  "--abcd--\n",
	  BD_MSG_BOUNCE, 1, "bad@example.com", "5.2.2", "mailbox full",
	  NULL, NULL },
	{ "global-delivery-status (RFC 6533), UTF-8 address",
	  "From: MAILER-DAEMON@example.net\nSubject: x\n"
	  "Content-Type: multipart/report; report-type=global-delivery-status;"
	  " boundary=b\n\n"
	  "--b\nContent-Type: message/global-delivery-status\n\n"
	  "Final-Recipient: utf-8; \xe7\x94\xa8\xe6\x88\xb7@example.cn\n"
	  "Action: failed\nStatus: 5.1.1\n--b--\n",
	  BD_MSG_BOUNCE, 1, "\xe7\x94\xa8\xe6\x88\xb7@example.cn", "5.1.1",
	  NULL, NULL, NULL },
	{ "broken multipart: no delimiter, DSN fields in the text",
	  "From: MAILER-DAEMON@example.net\nSubject: x\n"
	  "Content-Type: multipart/report; boundary=nope\n\n"
	  "Reporting-MTA: dns; mx.example.net\n\n"
	  "Final-Recipient: rfc822; c@example.com\nAction: failed\n"
	  "Status: 5.4.4\n",
	  BD_MSG_BOUNCE, 1, "c@example.com", "5.4.4", NULL, NULL, NULL },
	{ "no DSN: built-in fallback, X-Failed-Recipients",
	  "From: Mail Delivery System <Mailer-Daemon@example.net>\n"
	  "X-Failed-Recipients: d@example.com\nSubject: failed\n\n"
	  "Something went wrong:\n"
	  "  host mx.example.com: 554 5.7.1 rejected by policy\n",
	  BD_MSG_BOUNCE, 1, "d@example.com", "5.7.1",
	  "554 5.7.1 rejected by policy", NULL, NULL },
	{ "Exim inline copy is not the body",
	  "From: Mailer-Daemon@example.net\nSubject: failed\n\n"
	  "Failure.\n\n"
	  "------ This is a copy of the message, including all the headers."
	  " ------\n\nFrom: me@example.org\nSubject: orig\n\n"
	  "550 this is in the original\n",
	  BD_MSG_UNKNOWN, 0, NULL, NULL, NULL, NULL, "Failure." },
	{ "mbox From line, Precedence: auto_reply",
	  "From someone@example.com Mon Jan  1 00:00:00 2024\n"
	  "From: someone@example.com\nSubject: Re: hello\n"
	  "Precedence: auto_reply\n\nI am away.\n",
	  BD_MSG_AUTOREPLY, 0, NULL, NULL, NULL, "Re: hello", NULL },
	{ "empty input", "", BD_MSG_UNKNOWN, 0, NULL, NULL, NULL, NULL,
	  NULL },
};

/* Parse one synthetic case and compare. */
static void
test_syn(void **state)
{
	const struct syn_case *tc = *state;
	struct bd_message m;

	assert_int_equal(bd_message_parse(tc->msg, strlen(tc->msg), NULL,
	    &m), 0);
	if (m.kind != tc->kind)
		fail_msg("%s: kind: got %d, want %d", tc->name, m.kind,
		    tc->kind);
	if (m.nrcpt != tc->nrcpt)
		fail_msg("%s: nrcpt: got %zu, want %zu", tc->name, m.nrcpt,
		    tc->nrcpt);
	if (tc->nrcpt > 0) {
		want_str("recipient", m.rcpt[0].recipient, tc->recipient);
		want_str("status", m.rcpt[0].status, tc->status);
		want_sub("diagnostic", m.rcpt[0].diagnostic, tc->diagnostic);
	}
	if (tc->subject != NULL)
		want_str("subject", m.subject, tc->subject);
	want_sub("body", m.body, tc->body);
	if (tc->kind == BD_MSG_UNKNOWN && tc->body != NULL &&
	    strstr(m.body, "original") != NULL)
		fail_msg("%s: body kept the returned original", tc->name);
	bd_message_free(&m);
}

/* bd_message_sniff(): messages versus pasted text. */
static void
test_sniff(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
	} t[] = {
		{ "From: a@example.com\nTo: b@example.com\n\nhi\n", 1 },
		{ "Return-Path: <>\r\nReceived: from x\r\n\tby y\r\n\r\n", 1 },
		{ "Received: from x\r  by y\rSubject: s\r\rbody\r", 1 },
		{ "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
		  "Subject: x\n\n", 1 },
		{ "Subject: hello\n\n550 5.7.1 no\n", 1 },
		{ "550 5.7.1 Service unavailable; client host blocked\n", 0 },
		{ "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n", 0 },
		{ "Diagnostic-Code: smtp; 550 5.1.1 user unknown", 0 },
		{ "Final-Recipient: rfc822; a@b.c\nAction: failed\n"
		  "Status: 5.1.1\n", 0 },
		{ "Subject: only one line", 0 },
		{ " folded: first\n", 0 },
		{ "", 0 },
		{ "host mx.example.com said: 550 5.1.1 unknown\n", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (bd_message_sniff(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("sniff case %zu \"%.40s\": got %d, want %d",
			    i, t[i].in, !t[i].want, t[i].want);
}

/* The slowest hostile parse seen, for test_hostile to judge after it
 * has freed its buffer (a failure jumps out and would leak it). */
static char	 slow_name[64];
static double	 slow_secs;

/* Time one parse of a hostile input; it must finish and be quick. */
static void
hostile(const char *name, const char *buf, size_t len)
{
	struct bd_message m;
	struct timespec a, b;
	double	 s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(bd_message_parse(buf, len, rules, &m), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	bd_message_free(&m);
	s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (s > slow_secs) {
		slow_secs = s;
		(void)snprintf(slow_name, sizeof(slow_name), "%s", name);
	}
}

/* Deep nesting, unclosed boundaries, endless folds, huge parts. */
static void
test_hostile(void **state)
{
	size_t	 cap = 24u * 1024 * 1024, n = 0, i;
	char	*b;

	(void)state;
	assert_non_null(b = malloc(cap));

	/* 10,000 nested multiparts, none closed. */
	n = (size_t)snprintf(b, cap, "From: a@b.c\nSubject: s\n"
	    "Content-Type: multipart/mixed; boundary=\"b0\"\n\n");
	for (i = 1; i <= 10000; i++)
		n += (size_t)snprintf(b + n, cap - n, "--b%zu\nContent-Type: "
		    "multipart/mixed; boundary=\"b%zu\"\n\n", i - 1, i);
	hostile("deep nesting", b, n);

	/* 100,000 parts under one boundary that never closes. */
	n = (size_t)snprintf(b, cap, "From: a@b.c\nSubject: s\n"
	    "Content-Type: multipart/report; boundary=z\n\n");
	for (i = 0; i < 100000; i++)
		n += (size_t)snprintf(b + n, cap - n, "--z\nContent-Type: "
		    "message/delivery-status\n\nFinal-Recipient: rfc822; "
		    "x%zu@e.com\nAction: failed\n", i);
	hostile("many parts", b, n);

	/* A header folded over a million lines. */
	n = (size_t)snprintf(b, cap, "From: a@b.c\nSubject: s");
	for (i = 0; i < 1000000; i++) {
		memcpy(b + n, "\n x", 3);
		n += 3;
	}
	n += (size_t)snprintf(b + n, cap - n, "\n\nbody 550 x\n");
	hostile("endless fold", b, n);

	/* A 20 MB base64 text part, and CR-only line ends of garbage. */
	n = (size_t)snprintf(b, cap, "From: a@b.c\nSubject: s\n"
	    "Content-Transfer-Encoding: base64\n\n");
	while (n + 77 < cap - 4 * 1024 * 1024) {
		memcpy(b + n, "NTUwIDUuMS4xIDx4QGUuY29tPjogbm8gc3VjaCB1c2Vy"
		    "IGhlcmUgYW5kIG5vd2hlcmUgZWxzZQ==\n", 77);
		n += 77;
	}
	hostile("huge base64", b, n);
	for (i = 0; i < n; i++)
		b[i] = (i % 7 == 0) ? '\r' : (char)(i * 31 + 7);
	hostile("binary garbage", b, n);
	free(b);
	/* Seconds allowed: 2 normally, more under valgrind (make valgrind
	 * sets VALGRIND), which runs code 20-50 times slower. */
	if (slow_secs > (getenv("VALGRIND") != NULL &&
	    *getenv("VALGRIND") != '\0' ? 60.0 : 2.0))
		fail_msg("%s: took %.2f s", slow_name, slow_secs);
}

/* Parse every .eml of one corpus folder; count those without result. */
static void
sweep_dir(const char *dir, size_t *files, size_t *none, size_t *withr)
{
	DIR	*d;
	struct dirent *e;
	struct bd_message m;
	char	 path[1024], *buf;
	size_t	 len, nl;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		nl = strlen(e->d_name);
		if (nl < 4 || strcmp(e->d_name + nl - 4, ".eml") != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((buf = slurp(path, &len)) == NULL)
			continue;
		assert_int_equal(bd_message_parse(buf, len, rules, &m), 0);
		(*files)++;
		if (m.nrcpt > 0)
			(*withr)++;
		else if (m.kind == BD_MSG_BOUNCE || m.kind == BD_MSG_UNKNOWN) {
			(*none)++;
			if (getenv("BD_SWEEP_VERBOSE") != NULL)
				print_message("no result: %s\n", path);
		}
		bd_message_free(&m);
		free(buf);
	}
	closedir(d);
}

/* Every corpus email parses; report how many give nothing. */
static void
test_corpus_sweep(void **state)
{
	static const char *const dirs[] = { CORPUS "/bsd", CORPUS "/dos",
	    CORPUS "/mac" };
	struct timespec a, b;
	size_t	 i, files = 0, none = 0, withr = 0;
	DIR	*d;

	(void)state;
	if ((d = opendir(CORPUS)) == NULL) {
		print_message("skip corpus sweep: %s not found\n", CORPUS);
		skip();
	}
	closedir(d);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		sweep_dir(dirs[i], &files, &none, &withr);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("corpus sweep: %zu emails, %zu with recipients, %zu "
	    "not-bounce, %zu with no result (rules %s), %.3f s\n", files,
	    withr, files - withr - none, none, rules ? "loaded" : "absent",
	    (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	assert_true(files > 0);
}

int
main(void)
{
	struct CMUnitTest t[sizeof(eml_cases) / sizeof(eml_cases[0]) +
	    sizeof(syn_cases) / sizeof(syn_cases[0]) + 8];
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(eml_cases) / sizeof(eml_cases[0]); i++) {
		struct CMUnitTest c = { eml_cases[i].name, test_eml, NULL,
		    NULL, (void *)(uintptr_t)&eml_cases[i] };

		t[n++] = c;
	}
	for (i = 0; i < sizeof(syn_cases) / sizeof(syn_cases[0]); i++) {
		struct CMUnitTest c = { syn_cases[i].name, test_syn, NULL,
		    NULL, (void *)(uintptr_t)&syn_cases[i] };

		t[n++] = c;
	}
	{
		struct CMUnitTest more[] = {
			cmocka_unit_test(test_evidence),
			cmocka_unit_test(test_sniff),
			cmocka_unit_test(test_hostile),
			cmocka_unit_test(test_corpus_sweep),
		};

		for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
			t[n++] = more[i];
	}
	return _cmocka_run_group_tests("message", t, n, setup_rules,
	    teardown_rules);
}
