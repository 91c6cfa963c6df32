/*
 * fuzz_rules.c - libFuzzer harness for the rules loader: arbitrary rule
 * text through bd_rules_add_buffer() (src/rules_load.c), then
 * bd_rules_finish() (cross-checks and PCRE2 compilation,
 * src/rules_compile.c) and, when the table loads, bd_rules_check()
 * (every example diagnosed by its own rule: src/rules_check.c,
 * rules_match.c, diagnose.c) and the cause/code look-ups.
 *
 * Rule files are trusted more than bounces, but a site's rules directory
 * may be written by anyone with a text editor: a typo must give a
 * FILE:LINE:COL message, never a crash, and a catastrophic pattern must
 * stop at the PCRE2 limits (limits.h).  The table is built fresh for
 * every input, so this harness also finds leaks on the error paths.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

/* Read every string of a cause. */
static void
touch_cause(const struct bd_cause *c)
{
	size_t	 i;

	FUZZ_CHECK(c != NULL && c->id != NULL);
	(void)strlen(c->id);
	if (c->title != NULL)
		(void)strlen(c->title);
	for (i = 0; i < c->nfix; i++)
		(void)strlen(c->fix[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bd_rules *rules;
	size_t	 i, ndiag = 0;
	char	*page;

	if ((rules = bd_rules_new()) == NULL)
		return 0;
	if (bd_rules_add_buffer(rules, "fuzz.rules", (const char *)data, size,
	    fuzz_diag_sink, &ndiag) == BD_OK &&
	    bd_rules_finish(rules, fuzz_diag_sink, &ndiag) == BD_OK) {
		(void)bd_rules_check(rules, fuzz_diag_sink, &ndiag);
		for (i = 0; i < bd_rules_cause_count(rules); i++) {
			touch_cause(bd_rules_cause_at(rules, i));
			page = bd_render_cause(bd_rules_cause_at(rules, i),
			    BD_FORMAT_JSON, 0);
			if (page != NULL)
				fuzz_check_json_lines(page);
			free(page);
		}
		(void)bd_rules_code_title(rules, "5.7.1");
		(void)bd_rules_code_title(rules, "550");
		(void)bd_rules_code_cause(rules, "5.1.1");
		(void)bd_rules_code_cause(rules, "421");
	}
	bd_rules_free(rules);
	return 0;
}
