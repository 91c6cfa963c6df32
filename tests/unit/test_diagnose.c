/*
 * test_diagnose.c - the classifier through the public API with the
 * shipped rules: the seed text, text beating codes, the registry
 * fallbacks and their confidence, ambiguity, placeholders in fix steps,
 * and real provider bounce texts for each core cause.
 *
 * Provider texts are quoted from the providers' published pages (URL in
 * each case) or from the Sisimai set-of-emails corpus (BSD-2-Clause,
 * see tests/data/eml/LICENSE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bouncediag.h"

#include "shipped_rules.h"

/* Diagnose a paste; the caller frees. */
static struct bd_result *
paste(const char *text)
{
	struct bd_options o;
	struct bd_result *res = NULL;

	bd_options_init(&o);
	o.mode = BD_MODE_TEXT;
	assert_int_equal(bd_diagnose(rules, &o, "-", text, strlen(text),
	    &res), BD_OK);
	assert_int_equal(bd_result_count(res), 1);
	return res;
}

static void
test_seed(void **state)
{
	struct bd_result *res;
	const struct bd_diagnosis *d;
	size_t	 i;
	int	 named = 0;

	(void)state;
	res = paste("550 5.7.1 Message rejected due to local policy "
	    "550-5.7.1 [203.0.113.5] Our system has detected that this "
	    "message 550 5.7.1 does not meet IP/domain reputation standards");
	d = bd_result_get(res, 0);
	assert_int_equal(d->code, 550);
	assert_string_equal(d->enhanced, "5.7.1");
	assert_string_equal(d->fields[BD_F_IP], "203.0.113.5");
	assert_string_equal(d->text, "Message rejected due to local policy "
	    "[203.0.113.5] Our system has detected that this message does "
	    "not meet IP/domain reputation standards");
	assert_string_equal(d->cause->id, "blocklist");
	assert_int_equal(d->nalternatives, 1);
	assert_string_equal(d->alternatives[0], "warmup");
	assert_int_equal(d->confidence, BD_CONF_HIGH);
	assert_non_null(d->tell);
	assert_non_null(strstr(d->tell, "203.0.113.5"));
	for (i = 0; i < d->nfix; i++)
		if (strstr(d->fix[i], "203.0.113.5") != NULL)
			named = 1;
	assert_true(named);
	assert_true(d->permanent);
	bd_result_free(res);
}

/* The registry decides when no text rule matches. */
static const struct fallback_case {
	const char	*text;
	const char	*cause;
	enum bd_confidence conf;
} fallbacks[] = {
	/* A code alone is low confidence: only a text rule says more. */
	{ "550 5.1.1 zzzz qqqq", "unknown-user", BD_CONF_LOW },
	{ "552 5.2.2 zzzz qqqq", "mailbox-full", BD_CONF_LOW },
	{ "550 5.7.26 zzzz qqqq", "auth", BD_CONF_LOW },
	{ "554 5.4.6 zzzz qqqq", "loop", BD_CONF_LOW },
	/* Basic code alone: low too. */
	{ "535 zzzz qqqq", "credentials", BD_CONF_LOW },
	{ "421 zzzz qqqq", "rate-limit", BD_CONF_LOW },
	/* Nothing to go on. */
	{ "zzzz qqqq", "unknown", BD_CONF_NONE },
	{ "", "unknown", BD_CONF_NONE },
};

static void
test_fallbacks(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
		struct bd_result *res = paste(fallbacks[i].text);
		const struct bd_diagnosis *d = bd_result_get(res, 0);

		if (strcmp(d->cause->id, fallbacks[i].cause) != 0 ||
		    d->confidence != fallbacks[i].conf)
			fail_msg("'%s': got %s/%s want %s/%s",
			    fallbacks[i].text, d->cause->id,
			    bd_confidence_name(d->confidence),
			    fallbacks[i].cause,
			    bd_confidence_name(fallbacks[i].conf));
		bd_result_free(res);
	}
}

/* Text beats codes: a 5.1.1 that is really a block, a 5.7.1 that is
 * really an unknown user. */
static void
test_text_beats_codes(void **state)
{
	struct bd_result *res;

	(void)state;
	res = paste("550 5.7.1 <kijitora@example.jp>: Recipient address "
	    "rejected: User unknown in local recipient table");
	assert_string_equal(bd_result_get(res, 0)->cause->id,
	    "unknown-user");
	assert_int_equal(bd_result_get(res, 0)->confidence, BD_CONF_HIGH);
	bd_result_free(res);
	res = paste("554 5.1.1 Service unavailable; Client host "
	    "[192.0.2.1] blocked using zen.spamhaus.org");
	assert_string_equal(bd_result_get(res, 0)->cause->id, "blocklist");
	assert_string_equal(bd_result_get(res, 0)->fields[BD_F_IP],
	    "192.0.2.1");
	bd_result_free(res);
}

/* Codes that disagree are both kept; the text decides. */
static void
test_conflicting_codes_kept(void **state)
{
	struct bd_result *res;
	const struct bd_diagnosis *d;

	(void)state;
	res = paste("450 5.7.1 <x@example.net>: Recipient address rejected: "
	    "Greylisted, see http://postgrey.schweikert.ch/help/example.net."
	    "html");
	d = bd_result_get(res, 0);
	assert_int_equal(d->code, 450);
	assert_string_equal(d->enhanced, "5.7.1");
	assert_string_equal(d->cause->id, "greylist");
	bd_result_free(res);
}

/* Real texts of the five core causes, from several receivers. */
static const struct core_case {
	const char	*text;
	const char	*cause;
	const char	*source;
} core[] = {
	{ "550-5.7.26 This mail is unauthenticated, which poses a security "
	  "risk to the sender and Gmail users, and has been blocked. The "
	  "sender must authenticate with at least one of SPF or DKIM.",
	  "auth", "https://support.google.com/mail/answer/81126" },
	{ "550 5.7.509 Access denied, sending domain example.com does not "
	  "pass DMARC verification and has a DMARC policy of reject.",
	  "auth", "https://learn.microsoft.com/exchange/mail-flow-best-"
	  "practices/non-delivery-reports-in-exchange-online" },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked "
	  "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
	  "192.0.2.1", "blocklist", "Postfix reject_rbl_client text" },
	{ "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. "
	  "Please contact your Internet service provider since part of "
	  "their network is on our block list (S3150).",
	  "blocklist", "Microsoft S3150, https://sender.office.com/" },
	{ "552-5.7.0 This message was blocked because its content presents "
	  "a potential security issue.", "content",
	  "https://support.google.com/mail/answer/6590" },
	{ "554 5.7.9 Message not accepted for policy reasons.", "content",
	  "https://senders.yahooinc.com/smtp-error-codes/" },
	{ "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred "
	  "due to unexpected volume or user complaints - 4.16.55.1; see "
	  "https://postmaster.yahooinc.com/error-codes", "warmup",
	  "https://senders.yahooinc.com/smtp-error-codes/" },
	{ "421-4.7.28 Gmail has detected an unusual rate of unsolicited "
	  "mail originating from your IP address.", "warmup",
	  "https://support.google.com/mail/answer/81126" },
	{ "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized",
	  "recipient-block", "Exchange Online NDR, learn.microsoft.com" },
	{ "550 5.7.1 Sender is blocked by the recipient",
	  "recipient-block", "common Exchange/Zimbra wording" },
};

static void
test_core_causes(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		struct bd_result *res = paste(core[i].text);
		const struct bd_diagnosis *d = bd_result_get(res, 0);

		if (strcmp(d->cause->id, core[i].cause) != 0)
			fail_msg("'%.60s...' (%s): got %s (rule %s) want %s",
			    core[i].text, core[i].source, d->cause->id,
			    d->rule ? d->rule : "-", core[i].cause);
		bd_result_free(res);
	}
}

/* Placeholders fall back to their defaults when a field is unknown. */
static void
test_fix_without_ip(void **state)
{
	struct bd_result *res;
	const struct bd_diagnosis *d;
	size_t	 i;

	(void)state;
	res = paste("550 5.7.1 blocked using zen.spamhaus.org");
	d = bd_result_get(res, 0);
	assert_string_equal(d->cause->id, "blocklist");
	for (i = 0; i < d->nfix; i++) {
		assert_null(strchr(d->fix[i], '{'));
		assert_null(strstr(d->fix[i], "<ip>"));
	}
	bd_result_free(res);
}

/* Read a whole test file; the caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;

	assert_non_null(f);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/*
 * A delay notice is diagnosed by the reason it states and marked as a
 * delay (issue 17): Yahoo's [TSS04] deferral in an OpenSMTPD delay DSN
 * (Sisimai set-of-emails lhost-opensmtpd-13) is warmup, final 0, kind
 * "delayed"; a pasted reply is not known to be final; a bounce is.
 */
static void
test_delay_notice(void **state)
{
	struct bd_options o;
	struct bd_result *res = NULL;
	const struct bd_diagnosis *d;
	size_t	 len;
	char	*buf;

	(void)state;
	buf = slurp("tests/data/eml/lhost-opensmtpd-13.eml", &len);
	bd_options_init(&o);
	assert_int_equal(bd_diagnose(rules, &o, "t.eml", buf, len, &res),
	    BD_OK);
	assert_int_equal(bd_result_count(res), 1);
	d = bd_result_get(res, 0);
	assert_string_equal(d->cause->id, "warmup");
	assert_int_equal(d->final, 0);
	assert_string_equal(d->fields[BD_F_KIND], "delayed");
	assert_int_equal(d->code, 421);
	bd_result_free(res);
	free(buf);

	res = paste("421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily "
	    "deferred due to unexpected volume or user complaints");
	d = bd_result_get(res, 0);
	assert_int_equal(d->final, -1);
	assert_null(d->fields[BD_F_KIND]);
	bd_result_free(res);

	buf = slurp("tests/samples/dmarc-reject.eml", &len);
	assert_int_equal(bd_diagnose(rules, &o, "t.eml", buf, len, &res),
	    BD_OK);
	assert_int_equal(bd_result_get(res, 0)->final, 1);
	bd_result_free(res);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_text_beats_codes),
		cmocka_unit_test(test_conflicting_codes_kept),
		cmocka_unit_test(test_core_causes),
		cmocka_unit_test(test_fix_without_ip),
		cmocka_unit_test(test_delay_notice),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
