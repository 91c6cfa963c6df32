/*
 * rules_check.c - lint a loaded table (--check-rules, make check): every
 * rule's examples must be diagnosed by that very rule through the whole
 * pipeline (reply parser, then first-match over the table), which also
 * catches a rule shadowed by an earlier one; a rule without examples is
 * a warning.
 */
#include <stdio.h>
#include <string.h>

#include "rules.h"

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

/* Check one example; 0 when its own rule takes it. */
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
	if (bd_diagnose(rules, &opts, "example", r->example[i],
	    strlen(r->example[i]), &res) != BD_OK) {
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    "out of memory");
		return -1;
	}
	d = bd_result_get(res, 0);
	if (d != NULL && d->confidence == BD_CONF_HIGH && d->rule != NULL &&
	    strcmp(d->rule, r->id) == 0)
		rc = 0;
	else if (d != NULL && d->conflict != NULL && d->rule != NULL &&
	    strcmp(d->rule, r->id) == 0) {
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' (%s) "
		    "is also read as %s by rule '%s': narrow one of them, or "
		    "name that cause as an 'alt' of this rule", r->id,
		    r->cause->id, d->alternatives[d->nalternatives - 1],
		    d->conflict);
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    msg);
	}
	else if (d != NULL && d->confidence == BD_CONF_HIGH) {
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' is "
		    "taken by rule '%s' (%s:%u) first", r->id, d->rule,
		    d->rule_file, d->rule_line);
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    msg);
	} else {
		(void)snprintf(msg, sizeof(msg), "example of rule '%s' "
		    "matches no text rule (falls back to %s)", r->id,
		    d != NULL ? d->cause->id : "nothing");
		finding(fn, arg, BD_SEV_ERROR, r->file, r->example_line[i],
		    msg);
	}
	bd_result_free(res);
	return rc;
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
	return errors;
}
