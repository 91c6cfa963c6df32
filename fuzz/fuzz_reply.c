/*
 * fuzz_reply.c - libFuzzer harness for the SMTP reply parser,
 * bd_smtp_reply_parse() (src/smtp_reply.c): the first thing every paste,
 * Diagnostic-Code and log line goes through.
 *
 * The input is the raw bytes of a paste (any bytes, not NUL-terminated).
 * Besides "no crash, no leak, no overread", the harness checks the
 * contract of smtp_reply.h: a reply code of 0 or 2yz-5yz, a NUL-
 * terminated esc and fixed fields, a text of text_len bytes with no NUL,
 * never longer than BD_MAX_REPLY_TEXT.  The parser is re-run on its own
 * output text, which must hold the same contract.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "limits.h"
#include "smtp_reply.h"

/* The contract of a successful parse. */
static void
check_reply(const struct bd_smtp_reply *r)
{
	FUZZ_CHECK(r->code == 0 || (r->code >= 200 && r->code <= 599));
	FUZZ_CHECK(memchr(r->esc, '\0', sizeof(r->esc)) != NULL);
	FUZZ_CHECK(memchr(r->ip, '\0', sizeof(r->ip)) != NULL);
	FUZZ_CHECK(memchr(r->remote_host, '\0', sizeof(r->remote_host)) !=
	    NULL);
	FUZZ_CHECK(memchr(r->stage, '\0', sizeof(r->stage)) != NULL);
	FUZZ_CHECK(memchr(r->recipient, '\0', sizeof(r->recipient)) != NULL);
	FUZZ_CHECK(r->text != NULL);
	FUZZ_CHECK(r->text[r->text_len] == '\0');
	FUZZ_CHECK(strlen(r->text) == r->text_len);
	FUZZ_CHECK(r->text_len <= BD_MAX_REPLY_TEXT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bd_smtp_reply r, again;

	bd_smtp_reply_init(&r);
	if (bd_smtp_reply_parse((const char *)data, size, &r) == 0) {
		check_reply(&r);
		/* The cleaned text may be parsed again (a Diagnostic-Code
		 * quoting a reply): it must hold too. */
		bd_smtp_reply_init(&again);
		if (bd_smtp_reply_parse(r.text, r.text_len, &again) == 0)
			check_reply(&again);
		bd_smtp_reply_reset(&again);
	}
	bd_smtp_reply_reset(&r);
	return 0;
}
