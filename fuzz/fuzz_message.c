/*
 * fuzz_message.c - libFuzzer harness for the message parser,
 * bd_message_parse() (src/message.c over mime.c, dsn.c, charset.c): an
 * RFC 5322 bounce with MIME structure, RFC 3464 delivery-status parts,
 * RFC 2047 words, transfer encodings and charsets, plus the shipped
 * `extract` rules for bounces without a DSN part.
 *
 * The input is one whole message, any bytes.  The shipped rules are
 * loaded once (fuzz.h).  Checks from message.h: body is set and NUL-
 * terminated at body_len after a successful parse, recipient count is
 * within BD_MAX_RECIPIENTS, every string is readable to its NUL (ASan
 * catches a bad one).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "limits.h"
#include "message.h"

/* Read a string to its end; NULL is fine. */
static void
touch(const char *s)
{
	if (s != NULL)
		(void)strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bd_rules *rules = fuzz_shipped_rules();
	struct bd_message m;
	size_t	 i;

	bd_message_init(&m);
	(void)bd_message_sniff((const char *)data, size);
	if (bd_message_parse((const char *)data, size, rules, &m) == 0) {
		FUZZ_CHECK(m.body != NULL);
		FUZZ_CHECK(m.body[m.body_len] == '\0');
		FUZZ_CHECK(m.nrcpt <= BD_MAX_RECIPIENTS);
		FUZZ_CHECK(m.nrcpt == 0 || m.rcpt != NULL);
		touch(m.kind_name);
		touch(m.subject);
		touch(m.from);
		touch(m.reporting_mta);
		touch(m.arrival_date);
		touch(m.feedback_type);
		touch(m.sender);
		touch(m.evidence.from_domain);
		touch(m.evidence.return_path_domain);
		touch(m.evidence.dkim_domain);
		touch(m.evidence.spf_result);
		touch(m.evidence.spf_domain);
		touch(m.evidence.dkim_result);
		touch(m.evidence.dmarc_result);
		for (i = 0; i < m.nrcpt; i++) {
			touch(m.rcpt[i].recipient);
			touch(m.rcpt[i].original_recipient);
			touch(m.rcpt[i].action);
			touch(m.rcpt[i].status);
			touch(m.rcpt[i].remote_mta);
			touch(m.rcpt[i].diagnostic);
			touch(m.rcpt[i].last_attempt);
			touch(m.rcpt[i].will_retry);
			touch(m.rcpt[i].extractor);
		}
	}
	bd_message_free(&m);
	return 0;
}
