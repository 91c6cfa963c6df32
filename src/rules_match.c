/*
 * rules_match.c - run the rule table: text rules (first match wins),
 * the code registry fallback, and the extractors for bounce bodies.
 *
 * Every pcre2_match() runs under the table's match context (match, depth
 * and heap limits from limits.h).  A limit hit is "no match" for that
 * pattern: a hostile reply can slow one rule down, never hang the tool.
 */
#define _GNU_SOURCE	/* memmem(3) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "rules.h"

/* Does one constraint item accept the code? */
static int
code_item_accepts(const struct bd_code_pat *p, int is_status, int code,
    const char *esc)
{
	int	 v[3], i;
	char	*end;

	if (is_status) {
		if (esc == NULL || *esc == '\0')
			return 0;
		v[0] = (int)strtol(esc, &end, 10);
		if (*end != '.')
			return 0;
		v[1] = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return 0;
		v[2] = (int)strtol(end + 1, &end, 10);
	} else {
		/* No reply code, only an enhanced one (a log's dsn=, .NET's
		 * "The server response was: 5.0.0 ..."): its class still
		 * answers a class-wide item such as 5XX. */
		if (code == 0)
			return esc != NULL && *esc >= '2' && *esc <= '5' &&
			    p->part[0] == *esc - '0' && p->part[1] == -1 &&
			    p->part[2] == -1;
		v[0] = code / 100;
		v[1] = code / 10 % 10;
		v[2] = code % 10;
	}
	for (i = 0; i < 3; i++)
		if (p->part[i] != -1 && p->part[i] != v[i])
			return 0;
	return 1;
}

/* Any item of the list accepts; an empty list accepts everything. */
int
bd_code_pat_accepts(const struct bd_code_pat *p, size_t n, int is_status,
    int code, const char *esc)
{
	size_t	 i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (code_item_accepts(&p[i], is_status, code, esc))
			return 1;
	return 0;
}

/* Hash of a byte pair into the prefilter bitmap. */
#define PAIR(a, b) ((((unsigned)(unsigned char)(a) * 31u) + \
	(unsigned char)(b)) & (BD_PAIR_BITS - 1))

/* Set the bit of every adjacent byte pair of lower. */
static void
pairs_of(const char *lower, size_t len, uint64_t *bits)
{
	size_t	 i;
	unsigned h;

	memset(bits, 0, BD_PAIR_BITS / 8);
	for (i = 1; i < len; i++) {
		h = PAIR(lower[i - 1], lower[i]);
		bits[h / 64] |= (uint64_t)1 << (h % 64);
	}
}

/* Is the literal lit (n bytes) in lower?  The byte-pair bitmap first:
 * one cheap look per pair, and most literals fail on their first pairs;
 * then memmem() confirms. */
static int
has_literal(const char *lit, size_t n, const char *lower, size_t len,
    const uint64_t *pairs)
{
	size_t	 i;
	unsigned h;

	if (pairs != NULL)
		for (i = 1; i < n; i++) {
			h = PAIR(lit[i - 1], lit[i]);
			if ((pairs[h / 64] & ((uint64_t)1 << (h % 64))) == 0)
				return 0;
		}
	return memmem(lower, len, lit, n) != NULL;
}

/* Can p match at all?  The prefilter: one of its literals must be in
 * lower (patterns without literals always may). */
static int
maybe(const struct bd_pattern *p, const char *lower, size_t len,
    const uint64_t *pairs)
{
	size_t	 off, l;

	if (p->lit == NULL || lower == NULL)
		return 1;
	for (off = 0; off < p->litlen; off += 1 + l) {
		l = (unsigned char)p->lit[off];
		if (has_literal(p->lit + off + 1, l, lower, len, pairs))
			return 1;
	}
	return 0;
}

/* ASCII lower-case copy for the prefilter; NULL when out of memory
 * (then every regex just runs). */
static char *
lower_copy(const char *s, size_t len)
{
	char	*p;
	size_t	 i;

	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	p[len] = '\0';
	return p;
}

/* Run one pattern; 1 match, 0 no match (limits count as no match). */
static int
pattern_match(const struct bd_rules *rules, const struct bd_pattern *p,
    const char *s, size_t len, pcre2_match_data *md, unsigned *limit_hits)
{
	int	 rc;

	pcre2_code *re = bd_pattern_code(p);

	if (re == NULL)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, rules->mctx);
	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_NOMATCH && limit_hits != NULL)
		(*limit_hits)++;
	return 0;
}

/* Copy named captures of the last match into out->fields. */
static void
take_captures(const struct bd_pattern *p, pcre2_match_data *md,
    struct bd_match_out *out)
{
	uint32_t count, size, i;
	PCRE2_SPTR table;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t novec = pcre2_get_ovector_count(md);
	int	 f, group;

	pcre2_code *re = bd_pattern_code(p);

	if (re == NULL)
		return;
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
	if (count == 0)
		return;
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const unsigned char *e = table + i * size;

		group = (e[0] << 8) | e[1];
		if ((uint32_t)group >= novec || ov[2 * group] ==
		    PCRE2_UNSET || ov[2 * group] >= ov[2 * group + 1])
			continue;
		if ((f = bd_field_lookup((const char *)e + 2)) < 0)
			continue;
		out->fields[f].start = ov[2 * group];
		out->fields[f].end = ov[2 * group + 1];
	}
}

/* Do the rule's non-text constraints hold? */
static int
rule_applies(const struct bd_rule *r, const struct bd_match_in *in)
{
	if (!bd_code_pat_accepts(r->code, r->ncode, 0, in->code, in->esc))
		return 0;
	if (!bd_code_pat_accepts(r->status, r->nstatus, 1, 0, in->esc))
		return 0;
	if (r->since != 0 && in->today < r->since)
		return 0;
	if (r->until != 0 && in->today > r->until)
		return 0;
	return 1;
}

/* Try one rule: its `match` lines, then `also`, `unless`, `host`. */
static int
rule_try(const struct bd_rules *rules, const struct bd_rule *r,
    const struct bd_match_in *in, pcre2_match_data *md,
    struct bd_match_out *out, unsigned *limit_hits)
{
	const struct bd_pattern *hit = NULL;
	PCRE2_SIZE *ov;
	size_t	 i, start = 0, end = 0;

	for (i = 0; i < r->nmatch && hit == NULL; i++)
		if (maybe(&r->match[i], in->lower, in->len, in->pairs) &&
		    pattern_match(rules, &r->match[i], in->text, in->len, md,
		    limit_hits))
			hit = &r->match[i];
	if (hit == NULL)
		return 0;
	/* Save the hit before `also`/`unless` reuse the match data. */
	ov = pcre2_get_ovector_pointer(md);
	start = ov[0];
	end = ov[1] > ov[0] ? ov[1] : ov[0];
	memset(out->fields, 0, sizeof(out->fields));
	take_captures(hit, md, out);
	for (i = 0; i < r->nalso; i++)
		if (!maybe(&r->also[i], in->lower, in->len, in->pairs) ||
		    !pattern_match(rules, &r->also[i], in->text, in->len, md,
		    limit_hits))
			return 0;
	for (i = 0; i < r->nunless; i++)
		if (maybe(&r->unless[i], in->lower, in->len, in->pairs) &&
		    pattern_match(rules, &r->unless[i], in->text, in->len, md,
		    limit_hits))
			return 0;
	if (r->host.src != NULL && (in->remote_host == NULL ||
	    !pattern_match(rules, &r->host, in->remote_host,
	    strlen(in->remote_host), md, limit_hits)))
		return 0;
	out->rule = r;
	out->matched_start = start;
	out->matched_end = end;
	return 1;
}

/* Public to rules_check.c: one rule on its own. */
int
bd_rule_applies(const struct bd_rules *rules, const struct bd_rule *r,
    const struct bd_match_in *in0)
{
	pcre2_match_data *md;
	struct bd_match_in in = *in0;
	struct bd_match_out out;
	int	 ok;

	if ((md = pcre2_match_data_create(rules->max_ovector + 1, NULL)) ==
	    NULL)
		return 0;
	in.lower = NULL;	/* no prefilter: every pattern runs */
	in.pairs = NULL;
	memset(&out, 0, sizeof(out));
	ok = rule_applies(r, &in) && rule_try(rules, r, &in, md, &out, NULL);
	pcre2_match_data_free(md);
	return ok;
}

/* Does rule r name cause c as its own or as an alternative? */
static int
rule_allows(const struct bd_rule *r, const struct bd_cause *c)
{
	size_t	 i;

	if (r->cause == c)
		return 1;
	for (i = 0; i < r->nalt; i++)
		if (r->alt_cause[i] == c)
			return 1;
	return 0;
}

/*
 * The first later high-confidence rule that contradicts a generic
 * winner: a text that two confident generic rules read as different
 * causes deserves less confidence than either.  Rules that only restate
 * the winner's cause or one of its alternatives do not count.  A rule
 * that names its receiver is not second-guessed: it knows that
 * receiver's wording better than the generic rules after it.
 */
static const struct bd_rule *
find_conflict(const struct bd_rules *rules, size_t from,
    const struct bd_rule *won, const struct bd_match_in *in,
    pcre2_match_data *md, unsigned *limit_hits)
{
	struct bd_match_out other;
	const struct bd_rule *r;
	size_t	 i;

	for (i = from; i < rules->nrules; i++) {
		r = rules->rules[i];
		if (r->confidence != BD_CONF_HIGH || rule_allows(won, r->cause)
		    || !rule_applies(r, in))
			continue;
		if (rule_try(rules, r, in, md, &other, limit_hits))
			return r;
	}
	return NULL;
}

/* First rule that applies, in table order, and its first contradiction. */
const struct bd_rule *
bd_rules_match(const struct bd_rules *rules, const struct bd_match_in *in0,
    struct bd_match_out *out, unsigned *limit_hits)
{
	pcre2_match_data *md;
	struct bd_match_in in = *in0;
	char	*lower = NULL;
	uint64_t pairs[BD_PAIR_BITS / 64];
	size_t	 i;

	memset(out, 0, sizeof(*out));
	if ((md = pcre2_match_data_create(rules->max_ovector + 1, NULL)) ==
	    NULL)
		return NULL;
	if (in.lower == NULL)
		in.lower = lower = lower_copy(in.text, in.len);
	if (in.lower != NULL && in.pairs == NULL) {
		pairs_of(in.lower, in.len, pairs);
		in.pairs = pairs;
	}
	for (i = 0; i < rules->nrules; i++) {
		if (!rule_applies(rules->rules[i], &in))
			continue;
		if (rule_try(rules, rules->rules[i], &in, md, out, limit_hits))
			break;
	}
	if (out->rule != NULL && out->rule->confidence == BD_CONF_HIGH &&
	    !out->rule->specific)
		out->conflict = find_conflict(rules, i + 1, out->rule, &in,
		    md, limit_hits);
	free(lower);
	pcre2_match_data_free(md);
	return out->rule;
}

/* Offsets of a named group of p's last match into *c (unset: 0, 0). */
static void
take_group(const struct bd_pattern *p, pcre2_match_data *md,
    const char *name, struct bd_capture *c)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	int	 n;

	c->start = c->end = 0;
	n = pcre2_substring_number_from_name(bd_pattern_code(p),
	    (PCRE2_SPTR)name);
	if (n < 0 || (uint32_t)n >= pcre2_get_ovector_count(md) ||
	    ov[2 * n] == PCRE2_UNSET)
		return;
	c->start = ov[2 * n];
	c->end = ov[2 * n + 1];
}

/* The first wrapper that matches, with its captures. */
const struct bd_wrapper *
bd_rules_wrapper_match(const struct bd_rules *rules, const char *text,
    size_t len, struct bd_unwrap_hit *hit, unsigned *limit_hits)
{
	pcre2_match_data *md;
	const struct bd_wrapper *w;
	struct bd_match_out fields;
	char	*lower;
	uint64_t pairs[BD_PAIR_BITS / 64];
	size_t	 i, j;

	memset(hit, 0, sizeof(*hit));
	if (rules->nwrappers == 0 || (md = pcre2_match_data_create(
	    rules->max_ovector + 1, NULL)) == NULL)
		return NULL;
	if ((lower = lower_copy(text, len)) != NULL)
		pairs_of(lower, len, pairs);
	for (i = 0; i < rules->nwrappers && hit->wrapper == NULL; i++) {
		w = rules->wrappers[i];
		for (j = 0; j < w->nmatch; j++) {
			if (!maybe(&w->match[j], lower, len, lower ? pairs :
			    NULL) || !pattern_match(rules, &w->match[j],
			    text, len, md, limit_hits))
				continue;
			take_group(&w->match[j], md, "reply", &hit->reply);
			take_group(&w->match[j], md, "code", &hit->code);
			take_group(&w->match[j], md, "esc", &hit->esc);
			memset(&fields, 0, sizeof(fields));
			take_captures(&w->match[j], md, &fields);
			memcpy(hit->fields, fields.fields,
			    sizeof(hit->fields));
			hit->wrapper = w;
			break;
		}
	}
	free(lower);
	pcre2_match_data_free(md);
	return hit->wrapper;
}

/* Blank every boilerplate match with spaces. */
size_t
bd_rules_blank_boilerplate(const struct bd_rules *rules, char *buf,
    size_t len, unsigned *limit_hits)
{
	pcre2_match_data *md;
	const struct bd_pattern *p;
	PCRE2_SIZE *ov;
	char	*lower;
	uint64_t pairs[BD_PAIR_BITS / 64];
	size_t	 i, j, k, off, blanked = 0;
	int	 rc;

	if (rules->nboilerplate == 0 || (md = pcre2_match_data_create(
	    rules->max_ovector + 1, NULL)) == NULL)
		return 0;
	if ((lower = lower_copy(buf, len)) != NULL)
		pairs_of(lower, len, pairs);
	for (i = 0; i < rules->nboilerplate; i++)
		for (j = 0; j < rules->boilerplate[i]->nmatch; j++) {
			p = &rules->boilerplate[i]->match[j];
			if (!maybe(p, lower, len, lower ? pairs : NULL) ||
			    bd_pattern_code(p) == NULL)
				continue;
			/* Bounded: each round moves past its match. */
			for (off = 0, k = 0; off < len &&
			    k < BD_MAX_BOILERPLATE_HITS; k++) {
				rc = pcre2_match(bd_pattern_code(p),
				    (PCRE2_SPTR)buf, len, off, 0, md,
				    rules->mctx);
				if (rc < 0) {
					if (rc != PCRE2_ERROR_NOMATCH &&
					    limit_hits != NULL)
						(*limit_hits)++;
					break;
				}
				ov = pcre2_get_ovector_pointer(md);
				memset(buf + ov[0], ' ', ov[1] - ov[0]);
				blanked += ov[1] - ov[0];
				off = ov[1] > off ? ov[1] : off + 1;
			}
		}
	free(lower);
	pcre2_match_data_free(md);
	return blanked;
}

/* Exact lookup of a registry key. */
static const struct bd_code_entry *
code_find(const struct bd_rules *rules, const char *key)
{
	size_t	 i;

	for (i = 0; i < rules->ncodes; i++)
		if (strcmp(rules->codes[i]->code, key) == 0)
			return rules->codes[i];
	return NULL;
}

/*
 * The lookup chain of rules/README.md: 5.7.26, X.7.26, 5.7.X, X.7.X for
 * an enhanced code; 550, 55X, 5XX for a reply code.
 */
const struct bd_code_entry *
bd_rules_code_lookup(const struct bd_rules *rules, const char *code,
    int want_cause)
{
	char	 keys[4][16];
	const char *dot;
	const struct bd_code_entry *e;
	size_t	 nkeys, i, sublen;

	if (code == NULL || *code == '\0' || strlen(code) > 9)
		return NULL;
	if ((dot = strchr(code, '.')) != NULL) {
		const char *dot2 = strchr(dot + 1, '.');

		if (dot2 == NULL)
			return NULL;
		sublen = (size_t)(dot2 - dot);	/* ".7" */
		(void)snprintf(keys[0], sizeof(keys[0]), "%s", code);
		(void)snprintf(keys[1], sizeof(keys[1]), "X%s", dot);
		(void)snprintf(keys[2], sizeof(keys[2]), "%c%.*s.X", code[0],
		    (int)sublen, dot);
		(void)snprintf(keys[3], sizeof(keys[3]), "X%.*s.X",
		    (int)sublen, dot);
		nkeys = 4;
	} else {
		if (strlen(code) != 3)
			return NULL;
		(void)snprintf(keys[0], sizeof(keys[0]), "%s", code);
		(void)snprintf(keys[1], sizeof(keys[1]), "%.2sX", code);
		(void)snprintf(keys[2], sizeof(keys[2]), "%cXX", code[0]);
		nkeys = 3;
	}
	for (i = 0; i < nkeys; i++)
		if ((e = code_find(rules, keys[i])) != NULL &&
		    (!want_cause || e->cause != NULL))
			return e;
	return NULL;
}

/* Public: the registered title of a code. */
const char *
bd_rules_code_title(const struct bd_rules *rules, const char *code)
{
	const struct bd_code_entry *e;

	e = bd_rules_code_lookup(rules, code, 0);
	return e != NULL ? e->title : NULL;
}

/* Offsets of a named group in the last match, or 0 when unset. */
static int
named_group(const struct bd_pattern *p, pcre2_match_data *md,
    const char *name, size_t *start, size_t *end)
{
	int	 n;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	n = pcre2_substring_number_from_name(bd_pattern_code(p),
	    (PCRE2_SPTR)name);
	if (n < 0 || (uint32_t)n >= pcre2_get_ovector_count(md) ||
	    ov[2 * n] == PCRE2_UNSET)
		return 0;
	*start = ov[2 * n];
	*end = ov[2 * n + 1];
	return 1;
}

/*
 * Run the extractors over a bounce body.  The first extractor whose
 * `when` patterns all match and whose `match` patterns find anything
 * wins; every match of its patterns is reported (one per recipient).
 */
size_t
bd_rules_extract(const struct bd_rules *rules, const char *text, size_t len,
    bd_extract_fn *fn, void *arg)
{
	pcre2_match_data *md;
	const struct bd_extractor *e;
	const struct bd_pattern *p;
	size_t	 i, j, k, found = 0, off, rs, re, ps, pe;
	PCRE2_SIZE *ov;
	char	*lower;
	uint64_t pairs[BD_PAIR_BITS / 64];
	int	 ok, stop = 0;

	if ((md = pcre2_match_data_create(rules->max_ovector + 1, NULL)) ==
	    NULL)
		return 0;
	if ((lower = lower_copy(text, len)) != NULL)
		pairs_of(lower, len, pairs);
	for (i = 0; i < rules->nextract && found == 0 && !stop; i++) {
		e = rules->extract[i];
		for (ok = 1, j = 0; j < e->nwhen && ok; j++)
			ok = maybe(&e->when[j], lower, len, lower ? pairs :
			    NULL) &&
			    pattern_match(rules, &e->when[j], text, len, md,
			    NULL);
		if (!ok)
			continue;
		for (j = 0; j < e->nmatch && !stop; j++) {
			p = &e->match[j];
			if (!maybe(p, lower, len, lower ? pairs : NULL))
				continue;
			/* Bounded: each round consumes at least one byte,
			 * and one match is one recipient (limits.h). */
			for (off = 0, k = 0; off <= len &&
			    k < BD_MAX_RECIPIENTS && !stop; k++) {
				if (bd_pattern_code(p) == NULL ||
				    pcre2_match(bd_pattern_code(p),
				    (PCRE2_SPTR)text, len,
				    off, 0, md, rules->mctx) < 0)
					break;
				ov = pcre2_get_ovector_pointer(md);
				rs = re = ps = pe = 0;
				(void)named_group(p, md, "recipient", &rs, &re);
				(void)named_group(p, md, "reply", &ps, &pe);
				found++;
				stop = fn(arg, e->id, re > rs ? text + rs :
				    NULL, re - rs, pe > ps ? text + ps : NULL,
				    pe - ps);
				off = ov[1] > off ? ov[1] : off + 1;
			}
		}
	}
	free(lower);
	pcre2_match_data_free(md);
	return found;
}

/* Public: the fallback cause of a code. */
const struct bd_cause *
bd_rules_code_cause(const struct bd_rules *rules, const char *code)
{
	const struct bd_code_entry *e;

	e = bd_rules_code_lookup(rules, code, 1);
	return e != NULL ? e->cause : NULL;
}
