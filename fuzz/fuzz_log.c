/*
 * fuzz_log.c - libFuzzer harness for mail logs: bd_diagnose_log()
 * (src/log.c: gzip inflation, the literal prefilter, line splitting and
 * the per-format parsers log_postfix.c, log_exim.c, log_sendmail.c,
 * log_json.c) with the shipped causes and code registry (see
 * log_rules), plus bd_log_sniff().
 *
 * The input is the log itself, all in `head` (fd -1), so every family the
 * sniffer can pick - and gzip, by its 1f 8b magic - is reachable.  Each
 * record is read whole, rendered as JSON Lines (which must be valid) and
 * as a brief line (which must be terminal-safe), and, for one input in
 * four, counted in a summary rendered at the end (text and JSON): the
 * ways the CLI shows logs.
 * Records per input are capped (MAX_RECORDS) so a many-line input stays
 * fast; the reader must stop cleanly when the callback says so.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

/*
 * Only the causes and the code registry: the text rules cost ~100 us per
 * record and are fuzzed by fuzz_diagnose; here the parsers should get
 * the executions.  Records still go through the classifier.
 */
static const char *const log_rules[] = {
	"00-causes.rules", "90-status-codes.rules", NULL
};

/* Records looked at per input; the rest stop the reader (a feature). */
#define MAX_RECORDS	64

struct seen {
	struct bd_summary *sum;
	size_t	 n;
};

/* One record: check its outputs, count it, stop after MAX_RECORDS. */
static int
record(const struct bd_result *res, void *arg)
{
	struct seen *s = arg;
	const struct bd_diagnosis *d;
	char	*out;
	size_t	 i;

	for (i = 0; i < bd_result_count(res); i++) {
		d = bd_result_get(res, i);
		FUZZ_CHECK(d != NULL && d->cause != NULL && d->source != NULL);
		(void)strlen(d->source);
		if (d->text != NULL)
			(void)strlen(d->text);
	}
	if ((out = bd_render(res, BD_FORMAT_JSON, 0)) != NULL)
		fuzz_check_json_lines(out);
	free(out);
	if ((out = bd_render_brief(res, 0)) != NULL)
		fuzz_check_terminal_safe(out);
	free(out);
	if (s->sum != NULL)
		(void)bd_summary_add(s->sum, res);
	return ++s->n >= MAX_RECORDS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bd_rules *rules = fuzz_rules_files(log_rules);
	struct bd_options opts;
	struct bd_log_sink sink;
	struct seen s;
	size_t	 ndiag = 0;
	char	*out;

	(void)bd_log_sniff((const char *)data, size);
	bd_options_init(&opts);
	opts.mode = BD_MODE_LOG;
	opts.now = 1735689600;		/* fixed: reproducible since/until */
	memset(&s, 0, sizeof(s));
	/* A summary allocates and walks fixed hash tables (summary.c): 80%
	 * of an execution under ASan.  Summarise one input in four, picked
	 * by size so the fuzzer can still steer into it. */
	if (size % 4 == 0)
		s.sum = bd_summary_new();
	memset(&sink, 0, sizeof(sink));
	sink.record = record;
	sink.record_arg = &s;
	sink.diag = fuzz_diag_sink;
	sink.diag_arg = &ndiag;
	(void)bd_diagnose_log(rules, &opts, "fuzz.log", (const char *)data,
	    size, -1, &sink);
	if (s.sum != NULL) {
		if ((out = bd_summary_render(s.sum, BD_FORMAT_TEXT, 0)) !=
		    NULL)
			fuzz_check_terminal_safe(out);
		free(out);
		if ((out = bd_summary_render(s.sum, BD_FORMAT_JSON, 0)) !=
		    NULL)
			fuzz_check_json_lines(out);
		free(out);
	}
	bd_summary_free(s.sum);
	return 0;
}
