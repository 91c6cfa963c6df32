/*
 * rules_check.c - lint a loaded table (--check-rules, make check): every
 * rule's examples must be diagnosed by that very rule through the whole
 * pipeline (reply parser, then first-match over the table), which also
 * catches a rule shadowed by an earlier one, and at high confidence; a
 * rule without examples is a warning.  Every wrapper's examples must be
 * peeled by that wrapper first, every boilerplate entry's examples must
 * hold its sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "unwrap.h"

/* Report one finding. */
static void
finding(bd_diag_fn *fn, void *arg, enum bd_severity sev, const char *file,
    unsigned line, const char *msg)
{
	struct bd_diag d;

	if (fn == NULL)
		return;
	d.severity = sev;
	d.file = file;
	d.line = line;
	d.col = 0;
	d.msg = msg;
	fn(&d, arg);
}

/*
 * Does rule r's own pattern read the text the pipeline made of its
 * example (wrappers peeled, codes split, boilerplate blanked)?
 */
static int
own_rule_reads(const struct bd_rules *rules, const struct bd_rule *r,
    const struct bd_diagnosis *d, long today)
{
	struct bd_match_in in;
	char	*text;
	size_t	 len;
	int	 ok;

	len = d->text != NULL ? strlen(d->text) : 0;
	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, d->text != NULL ? d->text : "", len + 1);
	(void)bd_rules_blank_boilerplate(rules, text, len, NULL);
	memset(&in, 0, sizeof(in));
	in.text = text;
	in.len = len;
	in.code = d->code;
	in.esc = d->enhanced;
	in.remote_host = d->fields[BD_F_REMOTE_HOST];
	in.today = today;
	ok = bd_rule_applies(rules, r, &in);
	free(text);
	return ok;
}

/*
 * Check one example; 0 when it passes: the rule's own patterns read it,
 * and the whole pipeline gives the rule's cause at the rule's
 * confidence, unopposed.  Another rule of the same cause may take it
 * first (a provider's rule before the generic one): the example still
 * proves both.
 */
static int
check_example(const struct bd_rules *rules, const struct bd_rule *r,
    size_t i, bd_diag_fn *fn, void *arg)
{
	struct bd_options opts;
	struct bd_result *res;
	const struct bd_diagnosis *d;
	char	 msg[512];
	int	 rc = -1;

	bd_options_init(&opts);
	opts.mode = BD_MODE_TEXT;
	/* Judge dated rules inside their own range. */
	if (r->since != 0)
		opts.now = r->since * 86400L + 43200;
	else if (r->until != 0)
		opts.now = r->until * 86400L + 43200;
	else
		opts.now = 86400L * 20000;	/* any fixed day */
	if (bd_diagnose(rules, &opts, "example", r->example[i],
	    strlen(r->example[i]), &res) != BD_OK) {
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    "out of memory");
		return -1;
	}
	d = bd_result_get(res, 0);
	msg[0] = '\0';
	if (d == NULL)
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' gives "
		    "no diagnosis", r->id);
	else if (!own_rule_reads(rules, r, d, opts.now / 86400))
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' is not "
		    "read by the rule's own patterns (the text rules see: "
		    "%.120s)", r->id, d->text != NULL ? d->text : "");
	else if (d->cause != r->cause && d->rule != NULL)
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' (%s) "
		    "is taken by rule '%s' (%s:%u) first, as %s", r->id,
		    r->cause->id, d->rule, d->rule_file, d->rule_line,
		    d->cause->id);
	else if (d->conflict != NULL)
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' (%s) "
		    "is also read as %s by rule '%s': narrow one of them, or "
		    "name that cause as an 'alt' of this rule", r->id,
		    r->cause->id, d->alternatives[d->nalternatives - 1],
		    d->conflict);
	else if (d->confidence < r->confidence)
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' comes "
		    "out at %s confidence, not %s", r->id,
		    bd_confidence_name(d->confidence),
		    bd_confidence_name(r->confidence));
	else
		rc = 0;
	if (rc == -1)
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    msg);
	bd_result_free(res);
	return rc;
}

/* A wrapper's example must be peeled, and first by that wrapper. */
static int
check_wrapper_example(const struct bd_rules *rules,
    const struct bd_wrapper *w, size_t i, bd_diag_fn *fn, void *arg)
{
	struct bd_unwrapped u;
	char	 msg[512];
	int	 rc = -1;

	if (bd_unwrap(rules, w->example[i], strlen(w->example[i]), &u,
	    NULL) == -1) {
		finding(fn, arg, BD_SEV_ERROR, w->file, w->example_line[i],
		    "out of memory");
		return -1;
	}
	if (u.wrapper != NULL && strcmp(u.wrapper, w->id) == 0)
		rc = 0;
	else {
		if (u.wrapper != NULL)
			(void)snprintf(msg, sizeof(msg), "example of wrapper "
			    "'%s' is peeled by wrapper '%s' first", w->id,
			    u.wrapper);
		else
			(void)snprintf(msg, sizeof(msg), "example of wrapper "
			    "'%s' matches none of its patterns", w->id);
		finding(fn, arg, BD_SEV_ERROR, w->file, w->example_line[i],
		    msg);
	}
	bd_unwrapped_free(&u);
	return rc;
}

/* A boilerplate entry's example must hold its sentence. */
static int
check_boilerplate_example(const struct bd_rules *rules,
    const struct bd_boilerplate *b, size_t i, bd_diag_fn *fn, void *arg)
{
	pcre2_match_data *md;
	size_t	 j;
	int	 found = 0;
	char	 msg[256];

	if ((md = pcre2_match_data_create(rules->max_ovector + 1, NULL)) ==
	    NULL)
		return -1;
	for (j = 0; j < b->nmatch && !found; j++)
		found = bd_pattern_code(&b->match[j]) != NULL &&
		    pcre2_match(bd_pattern_code(&b->match[j]),
		    (PCRE2_SPTR)b->example[i], strlen(b->example[i]), 0, 0, md,
		    rules->mctx) >= 0;
	pcre2_match_data_free(md);
	if (found)
		return 0;
	(void)snprintf(msg, sizeof(msg), "example of boilerplate '%s' "
	    "matches none of its patterns", b->id);
	finding(fn, arg, BD_SEV_ERROR, b->file, b->example_line[i], msg);
	return -1;
}

/* Public: lint the table. */
size_t
bd_rules_check(const struct bd_rules *rules, bd_diag_fn *fn, void *arg)
{
	const struct bd_rule *r;
	size_t	 i, j, errors = 0;
	char	 msg[256];

	if (!rules->finished || rules->failed)
		return 1;
	for (i = 0; i < rules->nrules; i++) {
		r = rules->rules[i];
		if (r->nexample == 0) {
			(void)snprintf(msg, sizeof(msg), "rule '%s' has no "
			    "example", r->id);
			finding(fn, arg, BD_SEV_WARNING, r->file, r->line,
			    msg);
		}
		for (j = 0; j < r->nexample; j++)
			if (check_example(rules, r, j, fn, arg) == -1)
				errors++;
	}
	for (i = 0; i < rules->nwrappers; i++)
		for (j = 0; j < rules->wrappers[i]->nexample; j++)
			if (check_wrapper_example(rules, rules->wrappers[i], j,
			    fn, arg) == -1)
				errors++;
	for (i = 0; i < rules->nboilerplate; i++)
		for (j = 0; j < rules->boilerplate[i]->nexample; j++)
			if (check_boilerplate_example(rules,
			    rules->boilerplate[i], j, fn, arg) == -1)
				errors++;
	return errors;
}
