/*
 * render_json.c - JSON Lines output: one object per diagnosis, always
 * valid UTF-8 JSON (RFC 8259) whatever bytes the bounce held.  Written
 * by hand: emitting JSON is small and ours; reading JSON (log events)
 * uses jansson.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "utf8.h"

/* A JSON string literal with escapes and U+FFFD for invalid bytes.
 * Runs of plain printable ASCII, the common case, are copied whole. */
void
bd_json_string(struct bd_buf *b, const char *s)
{
	const unsigned char *p;
	size_t	 len, i = 0, n, run;
	uint32_t cp;

	if (s == NULL) {
		(void)bd_buf_puts(b, "null");
		return;
	}
	p = (const unsigned char *)s;
	len = strlen(s);
	(void)bd_buf_putc(b, '"');
	while (i < len) {
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			(void)bd_buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		n = bd_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			(void)bd_buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			(void)bd_buf_puts(b, "\\\"");
			break;
		case '\\':
			(void)bd_buf_puts(b, "\\\\");
			break;
		case '\n':
			(void)bd_buf_puts(b, "\\n");
			break;
		case '\t':
			(void)bd_buf_puts(b, "\\t");
			break;
		case '\r':
			(void)bd_buf_puts(b, "\\r");
			break;
		default:
			/* Controls, DEL, C1 and bidi formatting escaped so
			 * that `cat out.json` is safe too. */
			if (bd_utf8_is_unsafe(cp))
				(void)bd_buf_printf(b, "\\u%04x",
				    (unsigned)cp);
			else
				(void)bd_buf_append(b, s + i, n);
		}
		i += n;
	}
	(void)bd_buf_putc(b, '"');
}

/* "key": */
static void
key(struct bd_buf *b, const char *k, int *first)
{
	(void)bd_buf_printf(b, "%s\"%s\":", *first ? "" : ",", k);
	*first = 0;
}

static void
kv_str(struct bd_buf *b, const char *k, const char *v, int *first)
{
	key(b, k, first);
	bd_json_string(b, v);
}

static void
kv_bool(struct bd_buf *b, const char *k, int v, int *first)
{
	key(b, k, first);
	(void)bd_buf_puts(b, v ? "true" : "false");
}

/* -1 unknown -> null. */
static void
kv_tristate(struct bd_buf *b, const char *k, int v, int *first)
{
	key(b, k, first);
	(void)bd_buf_puts(b, v < 0 ? "null" : v ? "true" : "false");
}

/* The evidence object, or null. */
static void
evidence(struct bd_buf *b, const struct bd_evidence *e, int *first)
{
	int	 f = 1;

	key(b, "evidence", first);
	if (e == NULL) {
		(void)bd_buf_puts(b, "null");
		return;
	}
	(void)bd_buf_putc(b, '{');
	kv_str(b, "from_domain", e->from_domain, &f);
	kv_str(b, "return_path_domain", e->return_path_domain, &f);
	kv_str(b, "dkim_domain", e->dkim_domain, &f);
	kv_str(b, "spf_domain", e->spf_domain, &f);
	kv_str(b, "spf", e->spf, &f);
	kv_str(b, "dkim", e->dkim, &f);
	kv_str(b, "dmarc", e->dmarc, &f);
	kv_tristate(b, "dkim_aligned", e->dkim_aligned, &f);
	kv_tristate(b, "spf_aligned", e->spf_aligned, &f);
	kv_str(b, "verdict", e->verdict, &f);
	(void)bd_buf_putc(b, '}');
}

/* One diagnosis as one line. */
static void
object(struct bd_buf *b, const struct bd_diagnosis *d)
{
	int	 first = 1, f;
	size_t	 i;

	(void)bd_buf_putc(b, '{');
	kv_str(b, "source", d->source, &first);
	key(b, "code", &first);
	if (d->code != 0)
		(void)bd_buf_printf(b, "%d", d->code);
	else
		(void)bd_buf_puts(b, "null");
	kv_str(b, "enhanced", d->enhanced, &first);
	kv_str(b, "text", d->text, &first);
	kv_str(b, "cause", d->cause->id, &first);
	key(b, "alternatives", &first);
	(void)bd_buf_putc(b, '[');
	for (i = 0; i < d->nalternatives; i++) {
		if (i > 0)
			(void)bd_buf_putc(b, ',');
		bd_json_string(b, d->alternatives[i]);
	}
	(void)bd_buf_putc(b, ']');
	kv_str(b, "confidence", bd_confidence_name(d->confidence), &first);
	kv_str(b, "rule", d->rule, &first);
	kv_bool(b, "permanent", d->permanent, &first);
	kv_tristate(b, "final", d->final, &first);
	for (f = 0; f < BD_F__COUNT; f++)
		kv_str(b, bd_field_name(f), d->fields[f], &first);
	kv_str(b, "title", d->cause->title, &first);
	kv_str(b, "code_title", d->code_title, &first);
	kv_str(b, "actor", d->cause->actor, &first);
	kv_str(b, "matched", d->matched, &first);
	kv_str(b, "hint", d->hint, &first);
	kv_str(b, "tell", d->tell, &first);
	key(b, "fix", &first);
	(void)bd_buf_putc(b, '[');
	for (i = 0; i < d->nfix; i++) {
		if (i > 0)
			(void)bd_buf_putc(b, ',');
		bd_json_string(b, d->fix[i]);
	}
	(void)bd_buf_putc(b, ']');
	evidence(b, d->evidence, &first);
	kv_bool(b, "truncated", d->truncated, &first);
	(void)bd_buf_puts(b, "}\n");
}

/* JSON Lines for a whole result. */
char *
bd_render_json(const struct bd_result *res)
{
	struct bd_buf b;
	size_t	 i;

	bd_buf_init(&b, 0);
	for (i = 0; i < bd_result_count(res); i++)
		object(&b, bd_result_get(res, i));
	return bd_buf_steal(&b);
}

/* A cause as one JSON object (for --explain --format json). */
char *
bd_render_cause_json(const struct bd_cause *c)
{
	struct bd_buf b, t;
	int	 first = 1;
	size_t	 i;

	bd_buf_init(&b, 0);
	bd_buf_init(&t, 0);
	(void)bd_buf_putc(&b, '{');
	kv_str(&b, "cause", c->id, &first);
	kv_str(&b, "title", c->title, &first);
	kv_bool(&b, "permanent", c->permanent, &first);
	kv_str(&b, "actor", c->actor, &first);
	kv_str(&b, "retry", c->retry, &first);
	kv_str(&b, "explain", c->explain, &first);
	key(&b, "fix", &first);
	(void)bd_buf_putc(&b, '[');
	for (i = 0; i < c->nfix; i++) {
		if (i > 0)
			(void)bd_buf_putc(&b, ',');
		bd_buf_reset(&t);
		bd_template_defaults(&t, c->fix[i]);
		bd_json_string(&b, t.data != NULL ? t.data : "");
	}
	(void)bd_buf_putc(&b, ']');
	kv_str(&b, "prevent", c->prevent, &first);
	kv_str(&b, "delayed", c->delayed, &first);
	(void)bd_buf_puts(&b, "}\n");
	bd_buf_free(&t);
	return bd_buf_steal(&b);
}
