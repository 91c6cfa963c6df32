/*
 * fuzz_diagnose.c - libFuzzer harness for the whole library path a CLI
 * input takes: bd_diagnose() in mode auto (sniffs mbox, message or
 * pasted text, so every parser is reached) with the shipped rules, then
 * bd_render() as text, as coloured text and as JSON Lines.
 *
 * Checks the output promises of issue 6 (terminal safety): plain text
 * output is valid UTF-8 with no ESC, no C0/C1 control but newline and
 * no bidi override/isolate, whatever the input; JSON output is valid
 * JSON Lines.  Each diagnosis is read whole so ASan sees any dangling
 * string.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

/* Read every string of one diagnosis. */
static void
touch_diagnosis(const struct bd_diagnosis *d)
{
	size_t	 i;

	FUZZ_CHECK(d != NULL && d->cause != NULL && d->source != NULL);
	FUZZ_CHECK(d->code == 0 || (d->code >= 200 && d->code <= 599));
	FUZZ_CHECK(d->nalternatives <= BD_MAX_ALTERNATIVES);
	(void)strlen(d->source);
	if (d->text != NULL)
		(void)strlen(d->text);
	if (d->enhanced != NULL)
		FUZZ_CHECK(strlen(d->enhanced) < sizeof("5.999.999"));
	for (i = 0; i < d->nalternatives; i++)
		(void)strlen(d->alternatives[i]);
	for (i = 0; i < BD_F__COUNT; i++)
		if (d->fields[i] != NULL)
			(void)strlen(d->fields[i]);
	for (i = 0; i < d->nfix; i++)
		(void)strlen(d->fix[i]);
	if (d->matched != NULL)
		(void)strlen(d->matched);
	if (d->hint != NULL)
		(void)strlen(d->hint);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bd_rules *rules = fuzz_shipped_rules();
	struct bd_options opts;
	struct bd_result *res;
	char	*out;
	size_t	 i;

	bd_options_init(&opts);
	opts.mode = BD_MODE_AUTO;
	opts.now = 1735689600;		/* fixed: reproducible since/until */
	if (bd_diagnose(rules, &opts, "fuzz", (const char *)data, size,
	    &res) != BD_OK)
		return 0;		/* only BD_E_NOMEM is possible */
	for (i = 0; i < bd_result_count(res); i++)
		touch_diagnosis(bd_result_get(res, i));

	if ((out = bd_render(res, BD_FORMAT_TEXT, 0)) != NULL)
		fuzz_check_terminal_safe(out);
	free(out);
	/* Colour adds our own SGR sequences only: not checked for ESC. */
	free(bd_render(res, BD_FORMAT_TEXT, BD_RENDER_COLOR));
	if ((out = bd_render(res, BD_FORMAT_JSON, 0)) != NULL)
		fuzz_check_json_lines(out);
	free(out);
	bd_result_free(res);
	return 0;
}
