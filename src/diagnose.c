/*
 * diagnose.c - input -> struct bd_result: sniff what the input is (a
 * pasted reply, a message, an mbox), parse it, classify each failed
 * recipient with the rule table and fill in the fix steps.
 *
 * Classification order (text beats codes): the first text rule that
 * applies decides with high confidence; otherwise the enhanced status
 * code's registry entry (medium); otherwise the basic reply code's
 * (low); otherwise `unknown`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "diagnose.h"
#include "buf.h"
#include "limits.h"
#include "message.h"
#include "rules.h"
#include "smtp_reply.h"
#include "trailer.h"
#include "unwrap.h"

struct bd_result {
	struct bd_diagnosis *d;
	size_t		 n, cap;
	struct bd_arena	 arena;
	int		 nomem;
};

/* Context of one bd_diagnose() call. */
struct dctx {
	const struct bd_rules *rules;
	struct bd_result *res;
	const char	*source;
	long		 today;
	int		 cut;		/* the caller cut the input */
	bd_result_fn	*each;		/* stream results per message */
	void		*each_arg;
	int		 stop;		/* each asked to stop */
};

/* Append an empty diagnosis; NULL when out of memory. */
static struct bd_diagnosis *
result_add(struct bd_result *res)
{
	struct bd_diagnosis *d;
	size_t	 cap;

	if (res->n == res->cap) {
		cap = res->cap ? res->cap * 2 : 4;
		if ((d = realloc(res->d, cap * sizeof(*d))) == NULL) {
			res->nomem = 1;
			return NULL;
		}
		res->d = d;
		res->cap = cap;
	}
	d = &res->d[res->n++];
	memset(d, 0, sizeof(*d));
	return d;
}

/* Copy into the result's arena; NULL input stays NULL. */
static const char *
keep(struct bd_result *res, const char *s, size_t len)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = bd_arena_strndup(&res->arena, s, len)) == NULL)
		res->nomem = 1;
	return p;
}

static const char *
keeps(struct bd_result *res, const char *s)
{
	return s == NULL || *s == '\0' ? NULL : keep(res, s, strlen(s));
}

/* The value of a placeholder name for d, or NULL. */
static const char *
placeholder_value(const struct bd_diagnosis *d, const char *name,
    size_t len, char *codebuf, size_t codesz)
{
	int	 i;

	if (len == 4 && memcmp(name, "code", 4) == 0) {
		if (d->code == 0)
			return NULL;
		(void)snprintf(codebuf, codesz, "%d", d->code);
		return codebuf;
	}
	if (len == 8 && memcmp(name, "enhanced", 8) == 0)
		return d->enhanced;
	for (i = 0; i < BD_F__COUNT; i++)
		if (strlen(bd_field_name(i)) == len &&
		    memcmp(bd_field_name(i), name, len) == 0)
			return d->fields[i];
	return NULL;
}

/* Fill {field|default} placeholders (syntax checked at load). */
static const char *
fill(struct bd_result *res, const struct bd_diagnosis *d, const char *tmpl)
{
	struct bd_buf b;
	const char *p, *open, *close, *bar, *v;
	char	 codebuf[8];
	const char *out;

	if (tmpl == NULL)
		return NULL;
	if (strchr(tmpl, '{') == NULL)
		return tmpl;		/* owned by the rules: no copy */
	bd_buf_init(&b, 0);
	for (p = tmpl; (open = strchr(p, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL; p = close + 1) {
		(void)bd_buf_append(&b, p, (size_t)(open - p));
		bar = memchr(open, '|', (size_t)(close - open));
		v = placeholder_value(d, open + 1, (size_t)((bar ? bar : close)
		    - open - 1), codebuf, sizeof(codebuf));
		if (v != NULL)
			(void)bd_buf_puts(&b, v);
		else if (bar != NULL)
			(void)bd_buf_append(&b, bar + 1,
			    (size_t)(close - bar - 1));
		else {
			(void)bd_buf_putc(&b, '<');
			(void)bd_buf_append(&b, open + 1,
			    (size_t)(close - open - 1));
			(void)bd_buf_putc(&b, '>');
		}
	}
	(void)bd_buf_puts(&b, p);
	if (b.nomem)
		res->nomem = 1;
	out = b.data != NULL ? keep(res, b.data, b.len) : NULL;
	bd_buf_free(&b);
	return out;
}

/* Is the code permanent?  The codes say so better than the cause. */
static int
is_permanent(const struct bd_diagnosis *d)
{
	if (d->enhanced != NULL)
		return d->enhanced[0] == '5';
	if (d->code != 0)
		return d->code >= 500;
	return d->cause->permanent;
}

/* Add cause id to d's alternatives unless it is there or is d's own. */
static void
add_alternative(struct bd_diagnosis *d, const struct bd_cause *alt)
{
	size_t	 i;

	if (alt == NULL || alt == d->cause ||
	    d->nalternatives >= BD_MAX_ALTERNATIVES)
		return;
	for (i = 0; i < d->nalternatives; i++)
		if (strcmp(d->alternatives[i], alt->id) == 0)
			return;
	d->alternatives[d->nalternatives++] = alt->id;
}

/* A code alone decides: low confidence, whatever the code, and the
 * causes the code really covers listed as alternatives. */
static void
take_code_entry(struct bd_diagnosis *d, const struct bd_code_entry *e)
{
	size_t	 i;

	d->cause = e->cause;
	d->confidence = BD_CONF_LOW;
	d->rule = e->code;
	d->rule_file = e->file;
	d->rule_line = e->line;
	for (i = 0; i < e->nalt; i++)
		add_alternative(d, e->alt_cause[i]);
}

/*
 * The text the rules read: the reply with the receivers' boilerplate
 * blanked out (same length, so offsets still point into the reply).
 * Owned by the result; the reply itself when nothing was blanked or
 * nothing but boilerplate is left.
 */
static const char *
rule_text(struct dctx *c, struct bd_diagnosis *d, const char *text,
    size_t len)
{
	char	*copy;
	size_t	 blanked, i;

	if (c->rules->nboilerplate == 0 || len == 0 ||
	    (copy = bd_arena_strndup(&c->res->arena, text, len)) == NULL)
		return text;
	blanked = bd_rules_blank_boilerplate(c->rules, copy, len,
	    &d->limit_hits);
	if (blanked == 0)
		return text;
	for (i = 0; i < len; i++)
		if (copy[i] != ' ')
			return copy;
	return text;
}

/* Text rule, else registry by enhanced code, else by reply code.
 * Returns the text rule that decided, or NULL. */
static const struct bd_rule *
classify(struct dctx *c, struct bd_diagnosis *d,
    const struct bd_smtp_reply *rep, const char *esc)
{
	struct bd_match_in in;
	struct bd_match_out out;
	const struct bd_code_entry *e;
	const struct bd_rule *r;
	const char *text = rep->text != NULL ? rep->text : "";
	char	 code[8];
	size_t	 i, core;
	int	 f;

	memset(&in, 0, sizeof(in));
	in.len = rep->text != NULL ? rep->text_len : 0;
	in.text = rule_text(c, d, text, in.len);
	in.code = rep->code;
	in.esc = esc;
	in.remote_host = rep->remote_host[0] ? rep->remote_host : NULL;
	in.today = c->today;
	r = bd_rules_match(c->rules, &in, &out, &d->limit_hits);
	if (r == NULL && (core = bd_trailer_start(in.text, in.len)) < in.len) {
		/* The words without the receiver's trailing ids and URLs: a
		 * rule for a short whole reply still reads it. */
		in.len = core;
		r = bd_rules_match(c->rules, &in, &out, &d->limit_hits);
	}
	if (r != NULL) {
		d->cause = r->cause;
		d->confidence = r->confidence;
		d->rule = r->id;
		d->rule_file = r->file;
		d->rule_line = r->line;
		/* Offsets are the same in the blanked copy and the reply;
		 * what is shown comes from the reply. */
		d->matched = keep(c->res, text + out.matched_start,
		    out.matched_end - out.matched_start);
		for (i = 0; i < r->nalt && r->alt_cause[i] != NULL; i++)
			add_alternative(d, r->alt_cause[i]);
		if (out.conflict != NULL) {
			d->confidence = BD_CONF_MEDIUM;
			d->conflict = out.conflict->id;
			add_alternative(d, out.conflict->cause);
		}
		for (i = 0; i < r->nset; i++)
			d->fields[r->set[i].field] = r->set[i].value;
		for (f = 0; f < BD_F__COUNT; f++)
			if (out.fields[f].end > out.fields[f].start)
				d->fields[f] = keep(c->res, text +
				    out.fields[f].start, out.fields[f].end -
				    out.fields[f].start);
		return r;
	}
	if ((e = bd_rules_code_lookup(c->rules, esc, 1)) != NULL) {
		take_code_entry(d, e);
		return NULL;
	}
	if (rep->code != 0 && (esc == NULL || *esc == '\0')) {
		(void)snprintf(code, sizeof(code), "%d", rep->code);
		if ((e = bd_rules_code_lookup(c->rules, code, 1)) != NULL) {
			take_code_entry(d, e);
			return NULL;
		}
	}
	d->cause = bd_rules_cause(c->rules, "unknown");
	d->confidence = BD_CONF_NONE;
	return NULL;
}

/* The registry's words for the codes: enhanced if known, else basic. */
static const char *
code_title(const struct bd_rules *rules, int code, const char *esc)
{
	const char *t;
	char	 buf[8];

	if (esc != NULL && *esc != '\0' &&
	    (t = bd_rules_code_title(rules, esc)) != NULL)
		return t;
	if (code == 0)
		return NULL;
	(void)snprintf(buf, sizeof(buf), "%d", code);
	return bd_rules_code_title(rules, buf);
}

/* Take the parser's facts unless a message, a rule or a wrapper said
 * otherwise. */
static void
take_parsed_fields(struct dctx *c, struct bd_diagnosis *d,
    const struct bd_smtp_reply *rep, const struct bd_unwrapped *u)
{
	static const struct {
		int	 field;
		size_t	 off;
	} map[] = {
		{ BD_F_IP, offsetof(struct bd_smtp_reply, ip) },
		{ BD_F_RECIPIENT, offsetof(struct bd_smtp_reply, recipient) },
		{ BD_F_REMOTE_HOST, offsetof(struct bd_smtp_reply,
		    remote_host) },
		{ BD_F_STAGE, offsetof(struct bd_smtp_reply, stage) },
	};
	size_t	 i;
	const char *v;
	int	 f;

	for (f = 0; f < BD_F__COUNT; f++)
		if (d->fields[f] == NULL && u->fields[f] != NULL)
			d->fields[f] = keeps(c->res, u->fields[f]);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		v = (const char *)rep + map[i].off;
		if (d->fields[map[i].field] == NULL && *v != '\0')
			d->fields[map[i].field] = keeps(c->res, v);
	}
}

/* Valid-looking RFC 3463 code in s ("5.1.1"); copies it into esc. */
static int
take_status(const char *s, char *esc, size_t escsz)
{
	size_t	 n;

	if (s == NULL)
		return 0;
	n = strspn(s, "0123456789.");
	if (n < 5 || n >= escsz || !(s[0] == '2' || s[0] == '4' ||
	    s[0] == '5') || s[1] != '.')
		return 0;
	memcpy(esc, s, n);
	esc[n] = '\0';
	return 1;
}

/*
 * A transient error in a final failure means the retries ran out: the
 * sending MTA gave up (RFC 3464 §2.3.3 Action: failed, with a 4.x.x
 * Status or a 4xx reply, or no code at all for a connection failure).
 * When the last error names nothing more than that the host could not be
 * reached (network) or nothing we know (unknown), the diagnosis is
 * `expired`, with the last error kept as the alternative.  When the last
 * error names a specific condition (mailbox full, reputation, a receiver
 * fault, ...) that condition is what to fix, so it stays the cause (text
 * beats codes) and `expired` becomes its alternative.
 */
static void
retries_exhausted(struct dctx *c, struct bd_diagnosis *d,
    const struct bd_record_facts *x)
{
	const struct bd_cause *expired;
	const char *id = d->cause->id;
	int	 transient, generic;
	size_t	 i;

	if (x == NULL || x->action == NULL || strcmp(x->action, "failed") != 0)
		return;
	generic = strcmp(id, "network") == 0 || strcmp(id, "unknown") == 0;
	transient = d->enhanced != NULL ? d->enhanced[0] == '4' :
	    d->code != 0 ? d->code >= 400 && d->code < 500 :
	    strcmp(id, "network") == 0;
	if (!transient || d->cause->permanent ||
	    strcmp(id, "expired") == 0 ||
	    (expired = bd_rules_cause(c->rules, "expired")) == NULL)
		return;
	if (!generic) {
		for (i = 0; i < d->nalternatives; i++)
			if (strcmp(d->alternatives[i], "expired") == 0)
				return;
		if (d->nalternatives < BD_MAX_ALTERNATIVES)
			d->alternatives[d->nalternatives++] = expired->id;
		if (d->tell == NULL)
			d->tell = keeps(c->res, "The sending server gave up "
			    "after retrying (a temporary error in a final "
			    "failure); the condition above is what kept "
			    "failing, so fix it before resending.");
		return;
	}
	for (i = 0; i < d->nalternatives; i++)
		if (strcmp(d->alternatives[i], "expired") == 0)
			break;
	if (i < d->nalternatives) {	/* drop it: it becomes the cause */
		memmove(&d->alternatives[i], &d->alternatives[i + 1],
		    (d->nalternatives - i - 1) * sizeof(d->alternatives[0]));
		d->nalternatives--;
	}
	if (strcmp(id, "unknown") != 0) {
		memmove(&d->alternatives[1], &d->alternatives[0],
		    (BD_MAX_ALTERNATIVES - 1) * sizeof(d->alternatives[0]));
		d->alternatives[0] = id;
		if (d->nalternatives < BD_MAX_ALTERNATIVES)
			d->nalternatives++;
		d->tell = keeps(c->res, "The last attempt failed with a "
		    "temporary error and the sending server then gave up; the "
		    "alternative is what that last error says.");
	}
	d->cause = expired;
}

/*
 * Did the message fail for good?  The facts say: RFC 3464 Action
 * "delayed" (a delay notice, a log's status=deferred) is a delay; any
 * other action is a final failure; a paste without facts is not known.
 */
static int
is_final(const struct bd_record_facts *x)
{
	if (x == NULL || x->action == NULL)
		return x != NULL && x->kind == NULL ? 1 : -1;
	return strcmp(x->action, "delayed") != 0;
}

/* Build one diagnosis from reply text (and message facts, if any). */
static int
diagnose_reply(struct dctx *c, const char *text, size_t len,
    const struct bd_record_facts *x)
{
	struct bd_smtp_reply rep;
	struct bd_unwrapped u;
	struct bd_diagnosis *d;
	const struct bd_rule *rule = NULL;
	char	 esc[BD_ESC_SIZE] = "";
	size_t	 i;
	unsigned limit_hits = 0;

	if (bd_unwrap(c->rules, text, len, &u, &limit_hits) == -1)
		return -1;
	if (u.text != NULL) {
		text = u.text;
		len = u.len;
	}
	bd_smtp_reply_init(&rep);
	if (bd_smtp_reply_parse(text, len, &rep) == -1) {
		bd_unwrapped_free(&u);
		return -1;
	}
	if ((d = result_add(c->res)) == NULL) {
		bd_smtp_reply_reset(&rep);
		bd_unwrapped_free(&u);
		return -1;
	}
	d->source = c->source;
	d->limit_hits = limit_hits;
	d->wrapper = u.wrapper;
	d->code = rep.code;
	memcpy(esc, rep.esc, sizeof(esc));
	/* A DSN's Status: field is the authority when the text has none,
	 * or has only the catch-all X.0.0 where Status is more specific
	 * (sendmail's "Status: 5.3.0" beside a generic 5.0.0 reply). */
	if (x != NULL && (esc[0] == '\0' || strcmp(esc + 1, ".0.0") == 0)) {
		char	 st[BD_ESC_SIZE];

		if (take_status(x->status, st, sizeof(st)) &&
		    (esc[0] == '\0' || strcmp(st + 1, ".0.0") != 0))
			memcpy(esc, st, sizeof(esc));
	}
	d->enhanced = keeps(c->res, esc);
	d->text = keep(c->res, rep.text != NULL ? rep.text : "",
	    rep.text != NULL ? rep.text_len : 0);
	d->truncated = rep.truncated || c->cut;
	if (x != NULL) {
		d->fields[BD_F_TIMESTAMP] = keeps(c->res, x->timestamp);
		d->fields[BD_F_QUEUE_ID] = keeps(c->res, x->queue_id);
		d->fields[BD_F_REMOTE_HOST] = keeps(c->res, x->remote_host);
		d->fields[BD_F_RECIPIENT] = keeps(c->res, x->recipient);
		d->fields[BD_F_ACTION] = keeps(c->res, x->action);
		d->fields[BD_F_REMOTE_MTA] = keeps(c->res, x->remote_mta);
		d->fields[BD_F_REPORTING_MTA] = keeps(c->res,
		    x->reporting_mta);
		d->fields[BD_F_ARRIVAL_DATE] = keeps(c->res,
		    x->arrival_date);
		d->evidence = x->evidence;
		d->message = x->message;
		d->truncated |= x->truncated;
	}
	d->final = is_final(x);
	if (x != NULL && x->kind != NULL) {
		d->cause = bd_rules_cause(c->rules, "not-bounce");
		d->confidence = BD_CONF_HIGH;
		d->fields[BD_F_KIND] = keeps(c->res, x->kind);
	} else {
		rule = classify(c, d, &rep, esc);
		if (d->final == 0) {
			d->fields[BD_F_KIND] = "delayed";
			d->fields[BD_F_RETRY_UNTIL] = keeps(c->res,
			    x->retry_until);
		}
	}
	take_parsed_fields(c, d, &rep, &u);
	if (d->fields[BD_F_REMOTE_HOST] == NULL && x != NULL)
		d->fields[BD_F_REMOTE_HOST] = d->fields[BD_F_REMOTE_MTA];
	d->code_title = code_title(c->rules, d->code, d->enhanced);
	if (rule != NULL) {
		d->hint = fill(c->res, d, rule->hint);
		d->tell = fill(c->res, d, rule->tell);
	}
	if (d->fields[BD_F_KIND] == NULL)
		retries_exhausted(c, d, x);
	d->permanent = is_permanent(d);
	if (d->cause->nfix > 0) {
		const char **fix;

		fix = bd_arena_alloc(&c->res->arena, d->cause->nfix *
		    sizeof(*fix));
		if (fix == NULL)
			c->res->nomem = 1;
		else {
			for (i = 0; i < d->cause->nfix; i++)
				fix[i] = fill(c->res, d, d->cause->fix[i]);
			d->fix = fix;
			d->nfix = d->cause->nfix;
		}
	}
	bd_smtp_reply_reset(&rep);
	bd_unwrapped_free(&u);
	return c->res->nomem ? -1 : 0;
}

/* Lower-cased copy of the domain part of an address or a bare domain. */
static const char *
domain_of(struct bd_result *res, const char *s)
{
	const char *at, *end;
	char	*p;
	size_t	 i, n;

	if (s == NULL)
		return NULL;
	if ((at = strrchr(s, '@')) != NULL)
		s = at + 1;
	n = strcspn(s, " \t>;\"");
	end = s + n;
	while (end > s && end[-1] == '.')
		end--;
	if (end == s || (p = (char *)keep(res, s, (size_t)(end - s))) == NULL)
		return NULL;
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	return p;
}

/*
 * The organisational domain, approximated as the last two labels (three
 * when the second-level label is a short public suffix such as co.uk or
 * com.au).  XXX: without the Public Suffix List this errs on exotic
 * suffixes; alignment verdicts say "relaxed" to make that plain.
 */
static const char *
org_domain(const char *d)
{
	const char *p = d + strlen(d), *last = NULL, *prev = NULL;
	size_t	 sld;

	while (p > d) {
		p--;
		if (*p != '.')
			continue;
		if (last == NULL)
			last = p;
		else if (prev == NULL) {
			prev = p;
			sld = (size_t)(last - p - 1);
			if (sld > 3 || (sld == 3 && strncmp(p + 1, "com", 3)
			    != 0 && strncmp(p + 1, "net", 3) != 0 &&
			    strncmp(p + 1, "org", 3) != 0 &&
			    strncmp(p + 1, "gov", 3) != 0 &&
			    strncmp(p + 1, "edu", 3) != 0))
				return p + 1;
		} else
			return p + 1;
	}
	return d;
}

/* Relaxed DMARC alignment (RFC 7489 §3.1): same organisational domain. */
static int
aligned(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return -1;
	return strcmp(org_domain(a), org_domain(b)) == 0;
}

/* Build the public evidence view and its one-line verdict. */
static const struct bd_evidence *
make_evidence(struct bd_result *res, const struct bd_msg_evidence *m)
{
	struct bd_evidence *e;
	struct bd_buf b;
	int	 dkim_ok, spf_ok;

	if (m == NULL || !m->present)
		return NULL;
	if ((e = bd_arena_alloc(&res->arena, sizeof(*e))) == NULL) {
		res->nomem = 1;
		return NULL;
	}
	memset(e, 0, sizeof(*e));
	e->from_domain = domain_of(res, m->from_domain);
	e->return_path_domain = domain_of(res, m->return_path_domain);
	e->dkim_domain = domain_of(res, m->dkim_domain);
	e->spf_domain = domain_of(res, m->spf_domain != NULL ?
	    m->spf_domain : m->return_path_domain);
	e->spf = keeps(res, m->spf_result);
	e->dkim = keeps(res, m->dkim_result);
	e->dmarc = keeps(res, m->dmarc_result);
	e->dkim_aligned = aligned(e->from_domain, e->dkim_domain);
	e->spf_aligned = aligned(e->from_domain, e->spf_domain);

	bd_buf_init(&b, 1024);
	(void)bd_buf_printf(&b, "From: %s", e->from_domain ?
	    e->from_domain : "(unknown)");
	if (e->dkim_domain != NULL)
		(void)bd_buf_printf(&b, "; DKIM d=%s%s%s (%saligned)",
		    e->dkim_domain, e->dkim ? " " : "", e->dkim ? e->dkim :
		    "", e->dkim_aligned ? "" : "not ");
	else
		(void)bd_buf_puts(&b, "; no DKIM signature");
	if (e->spf_domain != NULL)
		(void)bd_buf_printf(&b, "; SPF domain %s%s%s (%saligned)",
		    e->spf_domain, e->spf ? " " : "", e->spf ? e->spf : "",
		    e->spf_aligned ? "" : "not ");
	/* DMARC passes when an aligned identifier passes (RFC 7489 §4.2).
	 * Say only what the returned headers show. */
	dkim_ok = e->dkim_aligned == 1 && (e->dkim == NULL ||
	    strcmp(e->dkim, "pass") == 0);
	spf_ok = e->spf_aligned == 1 && (e->spf == NULL ||
	    strcmp(e->spf, "pass") == 0);
	if (e->dmarc != NULL)
		(void)bd_buf_printf(&b, " -> DMARC %s (as reported)",
		    e->dmarc);
	else if (e->from_domain == NULL)
		;
	else if (dkim_ok || spf_ok)
		(void)bd_buf_puts(&b, " -> DMARC can pass");
	else if (e->spf_domain != NULL)
		(void)bd_buf_puts(&b, " -> DMARC fails (nothing aligned "
		    "passes)");
	else
		(void)bd_buf_puts(&b, "; SPF domain not shown -> DMARC passes "
		    "only if SPF aligns");
	e->verdict = keep(res, b.data != NULL ? b.data : "", b.len);
	bd_buf_free(&b);
	return e;
}

/* Message number within an mbox, for the source name. */
static const char *
message_source(struct dctx *c, const char *base, size_t n, int numbered)
{
	char	 buf[4200];

	if (!numbered)
		return base;
	(void)snprintf(buf, sizeof(buf), "%s#%zu", base, n);
	return keeps(c->res, buf);
}

/*
 * A Diagnostic-Code that is only a number ("X-Unix; 255": a local
 * mailer's exit status) says nothing a rule can read; the bounce's own
 * text ("554 5.3.0 unknown mailer error 255") says more.
 */
static int
exit_status_only(const char *s)
{
	size_t	 n;

	s += strspn(s, " \t");
	n = strspn(s, "0123456789");
	return n > 0 && n <= 3 && s[n + strspn(s + n, " \t")] == '\0';
}

/* One RFC 5322 message: one diagnosis per failed recipient. */
static int
diagnose_message(struct dctx *c, const char *buf, size_t len, size_t num)
{
	struct bd_message m;
	struct bd_record_facts x;
	size_t	 i;
	int	 rc = 0;
	const char *text;

	bd_message_init(&m);
	if (bd_message_parse(buf, len, c->rules, &m) == -1) {
		bd_message_free(&m);
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.reporting_mta = m.reporting_mta;
	x.arrival_date = m.arrival_date;
	x.evidence = make_evidence(c->res, &m.evidence);
	x.message = num;
	x.truncated = m.truncated;
	/* A delay notice is diagnosed like a failure, each recipient by
	 * the reason it states; only what is no delivery problem at all
	 * (auto-replies, feedback, delivered) is a not-bounce. */
	if (m.kind != BD_MSG_BOUNCE && m.kind != BD_MSG_DELAYED &&
	    m.kind != BD_MSG_UNKNOWN)
		x.kind = m.kind_name != NULL ? m.kind_name : "not-bounce";
	for (i = 0; i < m.nrcpt && rc == 0; i++) {
		const struct bd_msg_rcpt *r = &m.rcpt[i];

		x.recipient = r->recipient;
		x.action = r->action;
		x.status = r->status;
		x.remote_mta = r->remote_mta;
		x.retry_until = r->will_retry;
		/* No reply for this recipient: the bounce's own words are
		 * the best text there is (Google Groups, delay notices). */
		if (r->diagnostic != NULL && *r->diagnostic != '\0' &&
		    !exit_status_only(r->diagnostic))
			rc = diagnose_reply(c, r->diagnostic,
			    strlen(r->diagnostic), &x);
		else
			rc = diagnose_reply(c, m.body != NULL ? m.body : "",
			    m.body != NULL ? m.body_len : 0, &x);
	}
	if (m.nrcpt == 0 && rc == 0) {
		/* Nothing per-recipient: the body (or subject) is all. */
		text = x.kind != NULL && m.subject != NULL ? m.subject :
		    m.body != NULL ? m.body : "";
		rc = diagnose_reply(c, text, x.kind != NULL && m.subject !=
		    NULL ? strlen(text) : m.body != NULL ? m.body_len : 0,
		    &x);
	}
	bd_message_free(&m);
	return rc;
}

/* Does the buffer start an mbox ("From " separator line)? */
static int
is_mbox(const char *buf, size_t len)
{
	return len > 5 && memcmp(buf, "From ", 5) == 0;
}

/* Start an empty result. */
static struct bd_result *
result_new(void)
{
	struct bd_result *res;

	if ((res = calloc(1, sizeof(*res))) != NULL)
		bd_arena_init(&res->arena);
	return res;
}

/* Diagnose message n of an mbox into a result of its own, hand it to
 * the caller's callback and free it. */
static int
stream_message(struct dctx *c, const char *base, const char *buf,
    size_t len, size_t n)
{
	struct bd_result *all = c->res;
	int	 rc;

	if ((c->res = result_new()) == NULL) {
		c->res = all;
		return -1;
	}
	c->source = message_source(c, base, n, 1);
	rc = diagnose_message(c, buf, len, n);
	if (c->res->nomem)
		rc = -1;
	if (rc == 0 && c->each(c->res, c->each_arg) != 0)
		c->stop = 1;
	bd_result_free(c->res);
	c->res = all;
	return rc;
}

/* Just past the end of the line at p: LF, CRLF or a bare CR (old Mac
 * mailboxes) ends it; end when there is none. */
static const char *
line_after(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\n')
			return p + 1;
		if (*p == '\r')
			return p + 1 < end && p[1] == '\n' ? p + 2 : p + 1;
	}
	return end;
}

/* Split an mbox on "From " lines that start a line (RFC 4155). */
static int
diagnose_mbox(struct dctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *next, *body, *base = c->source;
	size_t	 n = 0;
	int	 rc = 0;

	while (p < end && rc == 0) {
		/* Skip the separator line itself. */
		body = line_after(p, end);
		for (next = body; next < end; ) {
			next = line_after(next, end);
			if (end - next > 5 && memcmp(next, "From ", 5) == 0)
				break;
		}
		n++;
		if (c->each != NULL)
			rc = stream_message(c, base, body,
			    (size_t)(next - body), n);
		else {
			c->source = message_source(c, base, n, 1);
			rc = diagnose_message(c, body, (size_t)(next - body),
			    n);
		}
		p = next;
		if (c->stop)
			break;
	}
	c->source = base;
	return rc;
}

/* Start a result for one call. */
static enum bd_status
dctx_init(struct dctx *c, const struct bd_rules *rules,
    const struct bd_options *opts, const char *source)
{
	long	 now;

	memset(c, 0, sizeof(*c));
	if (rules == NULL || !rules->finished || rules->failed)
		return BD_E_INVAL;
	if ((c->res = result_new()) == NULL)
		return BD_E_NOMEM;
	c->rules = rules;
	c->cut = opts != NULL && opts->truncated;
	c->source = keeps(c->res, source != NULL ? source : "-");
	now = opts != NULL && opts->now != 0 ? opts->now : (long)time(NULL);
	c->today = now / 86400;
	return BD_OK;
}

/* One record whose reply text and facts a log parser found. */
enum bd_status
bd_diagnose_record(const struct bd_rules *rules,
    const struct bd_options *opts, const char *source, const char *text,
    size_t len, const struct bd_record_facts *facts, struct bd_result **out)
{
	struct dctx c;
	enum bd_status st;

	*out = NULL;
	if ((st = dctx_init(&c, rules, opts, source)) != BD_OK)
		return st;
	if (len > BD_MAX_INPUT)
		len = BD_MAX_INPUT;
	if (diagnose_reply(&c, text, len, facts) == -1 || c.res->nomem) {
		bd_result_free(c.res);
		return BD_E_NOMEM;
	}
	*out = c.res;
	return BD_OK;
}

/* Sniff the input and diagnose it; results go to c->res or c->each. */
static enum bd_status
diagnose_input(const struct bd_rules *rules, const struct bd_options *opts,
    const char *source, const char *buf, size_t len, bd_result_fn *each,
    void *each_arg, struct bd_result **out)
{
	struct dctx c;
	struct bd_options defaults;
	enum bd_mode mode;
	enum bd_status st;
	int	 rc;

	*out = NULL;
	if (opts == NULL) {
		bd_options_init(&defaults);
		opts = &defaults;
	}
	if ((st = dctx_init(&c, rules, opts, source)) != BD_OK)
		return st;
	c.each = each;
	c.each_arg = each_arg;
	if (len > BD_MAX_INPUT) {
		len = BD_MAX_INPUT;	/* the caller reads bounded; be sure */
		c.cut = 1;
	}
	mode = opts->mode;
	if (mode == BD_MODE_AUTO) {
		if (is_mbox(buf, len))
			mode = BD_MODE_MBOX;
		else if (bd_message_sniff(buf, len))
			mode = BD_MODE_EML;
		else
			mode = BD_MODE_TEXT;
	}
	switch (mode) {
	case BD_MODE_MBOX:
		rc = diagnose_mbox(&c, buf, len);
		break;
	case BD_MODE_EML:
		rc = diagnose_message(&c, buf, len, 0);
		break;
	default:
		rc = diagnose_reply(&c, buf, len, NULL);
		break;
	}
	if (rc == -1 || c.res->nomem) {
		bd_result_free(c.res);
		return BD_E_NOMEM;
	}
	if (each != NULL) {
		/* A single message or paste: one result, handed over. */
		if (bd_result_count(c.res) > 0 && !c.stop)
			(void)each(c.res, each_arg);
		bd_result_free(c.res);
		return BD_OK;
	}
	*out = c.res;
	return BD_OK;
}

/* Public entry point: all diagnoses of one input in one result. */
enum bd_status
bd_diagnose(const struct bd_rules *rules, const struct bd_options *opts,
    const char *source, const char *buf, size_t len, struct bd_result **out)
{
	return diagnose_input(rules, opts, source, buf, len, NULL, NULL, out);
}

/* Public: one result per message, handed to fn as it is ready. */
enum bd_status
bd_diagnose_each(const struct bd_rules *rules, const struct bd_options *opts,
    const char *source, const char *buf, size_t len, bd_result_fn *fn,
    void *arg)
{
	struct bd_result *none;

	return diagnose_input(rules, opts, source, buf, len, fn, arg, &none);
}

size_t
bd_result_count(const struct bd_result *res)
{
	return res != NULL ? res->n : 0;
}

const struct bd_diagnosis *
bd_result_get(const struct bd_result *res, size_t i)
{
	return res != NULL && i < res->n ? &res->d[i] : NULL;
}

void
bd_result_free(struct bd_result *res)
{
	if (res == NULL)
		return;
	bd_arena_free(&res->arena);
	free(res->d);
	free(res);
}
