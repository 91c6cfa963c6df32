/*
 * render_text.c - the human page for a result, shaped like a good
 * knowledge-base article: headline, What you see, What's actually
 * happening, Why we think so, How to fix it, Stop it recurring.
 *
 * Every input-derived string goes through bd_printable_append() (no
 * escape sequence, control or bidi override from a bounce reaches the
 * terminal).  Text is wrapped at 78 columns.
 */
#include <stdio.h>
#include <string.h>

#include "bouncediag.h"
#include "buf.h"
#include "printable.h"
#include "render.h"
#include "utf8.h"

#define WIDTH	78
#define TEXT_SHOWN	1200	/* bytes of reply text in the page */
#define INDENT	"  "

struct out {
	struct bd_buf	 b;
	unsigned	 flags;
};

/* ANSI SGR when colour is on. */
static void
sgr(struct out *o, const char *code)
{
	if (o->flags & BD_RENDER_COLOR)
		(void)bd_buf_printf(&o->b, "\033[%sm", code);
}

/* A section heading. */
static void
heading(struct out *o, const char *title)
{
	(void)bd_buf_putc(&o->b, '\n');
	sgr(o, "1");
	(void)bd_buf_puts(&o->b, title);
	sgr(o, "0");
	(void)bd_buf_putc(&o->b, '\n');
}

/* Columns of one code point: 2 for East Asian wide and fullwidth
 * characters (UAX #11, the common blocks), else 1. */
static size_t
cp_width(uint32_t c)
{
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Columns of the code point at s[*i] (n bytes in all); moves *i past
 * it.  An invalid byte counts as one column. */
static size_t
step(const char *s, size_t n, size_t *i)
{
	uint32_t c;
	size_t	 k;

	k = bd_utf8_decode((const unsigned char *)s + *i, n - *i, &c);
	*i += k != 0 ? k : 1;
	return k != 0 ? cp_width(c) : 1;
}

/* Display width of n bytes of (already safe) UTF-8. */
static size_t
cols(const char *s, size_t n)
{
	size_t	 i = 0, w = 0;

	while (i < n)
		w += step(s, n, &i);
	return w;
}

/* Bytes of s (n bytes) that fit in width columns: at least one code
 * point, so that a line always advances. */
static size_t
fit(const char *s, size_t n, size_t width)
{
	size_t	 i = 0, j, w = 0, cw;

	while (i < n) {
		j = i;
		cw = step(s, n, &j);
		if (i > 0 && w + cw > width)
			break;
		w += cw;
		i = j;
	}
	return i;
}

/*
 * Append text (already safe) word-wrapped; the first line starts after
 * `first` (its prefix, e.g. "  1. "), the rest under `indent`.
 */
static void
wrap(struct out *o, const char *first, const char *indent, const char *text)
{
	const char *p = text, *w;
	size_t	 col, wl, wcols;
	int	 fresh = 1;

	(void)bd_buf_puts(&o->b, first);
	col = cols(first, strlen(first));
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		wl = (size_t)(p - w);
		wcols = cols(w, wl);
		/* A word wider than a line (a URL, or CJK text without
		 * spaces) is cut where the line ends. */
		if (wcols > WIDTH - cols(indent, strlen(indent))) {
			size_t	 room = WIDTH > col + 1 ? WIDTH - col - 1 : 0;

			if (fresh)
				room++;
			if (room < 8) {
				(void)bd_buf_putc(&o->b, '\n');
				(void)bd_buf_puts(&o->b, indent);
				col = cols(indent, strlen(indent));
				fresh = 1;
				room = WIDTH - col;
			}
			if (!fresh) {
				(void)bd_buf_putc(&o->b, ' ');
				col++;
			}
			wl = fit(w, wl, room);
			(void)bd_buf_append(&o->b, w, wl);
			col += cols(w, wl);
			fresh = 0;
			p = w + wl;
			if (*p != '\0' && *p != ' ') {
				(void)bd_buf_putc(&o->b, '\n');
				(void)bd_buf_puts(&o->b, indent);
				col = cols(indent, strlen(indent));
				fresh = 1;
			}
			continue;
		}
		if (!fresh && col + 1 + wcols > WIDTH) {
			(void)bd_buf_putc(&o->b, '\n');
			(void)bd_buf_puts(&o->b, indent);
			col = cols(indent, strlen(indent));
			fresh = 1;
		}
		if (!fresh) {
			(void)bd_buf_putc(&o->b, ' ');
			col++;
		}
		(void)bd_buf_append(&o->b, w, wl);
		col += wcols;
		fresh = 0;
	}
	(void)bd_buf_putc(&o->b, '\n');
}

/* Wrap an input-derived string after sanitising it. */
static void
wrap_safe(struct out *o, const char *first, const char *indent,
    const char *text)
{
	struct bd_buf s;

	bd_buf_init(&s, 0);
	(void)bd_printable_append(&s, text, strlen(text));
	wrap(o, first, indent, s.data != NULL ? s.data : "");
	bd_buf_free(&s);
}

/* Append a sanitised input string inline. */
static void
safe(struct out *o, const char *s)
{
	(void)bd_printable_append(&o->b, s, strlen(s));
}

/* "550 5.7.1" or "5.7.1" or "550" or "(no code)". */
static void
codes(struct out *o, const struct bd_diagnosis *d)
{
	if (d->code != 0)
		(void)bd_buf_printf(&o->b, "%d", d->code);
	if (d->code != 0 && d->enhanced != NULL)
		(void)bd_buf_putc(&o->b, ' ');
	if (d->enhanced != NULL)
		safe(o, d->enhanced);
	if (d->code == 0 && d->enhanced == NULL)
		(void)bd_buf_puts(&o->b, "(no code)");
}

/* 550 5.7.1 · <title> · cause: blocklist (or warmup) */
static void
headline(struct out *o, const struct bd_diagnosis *d)
{
	size_t	 i;

	sgr(o, "1");
	if (d->final == 0)
		(void)bd_buf_puts(&o->b, "Delayed, still retrying \xc2\xb7 ");
	codes(o, d);
	(void)bd_buf_printf(&o->b, " \xc2\xb7 %s \xc2\xb7 cause: ",
	    d->cause->title);
	sgr(o, d->permanent ? "31" : "33");
	(void)bd_buf_puts(&o->b, d->cause->id);
	sgr(o, "0");
	sgr(o, "1");
	for (i = 0; i < d->nalternatives; i++)
		(void)bd_buf_printf(&o->b, "%s%s%s", i == 0 ? " (or " : ", ",
		    d->alternatives[i], i + 1 == d->nalternatives ? ")" : "");
	sgr(o, "0");
	(void)bd_buf_putc(&o->b, '\n');
}

/* One "Label: value" pair on the facts line, if set. */
static void
fact(struct out *o, struct bd_buf *line, const char *label, const char *v)
{
	(void)o;
	if (v == NULL)
		return;
	if (line->len > 0)
		(void)bd_buf_puts(line, " \xc2\xb7 ");
	(void)bd_buf_printf(line, "%s: ", label);
	(void)bd_printable_append(line, v, strlen(v));
}

/*
 * The reply text, at most TEXT_SHOWN bytes of it: when a bounce has no
 * reply and its whole explanation is the text, a page of it would bury
 * the diagnosis.  JSON output always has all of it.
 */
static void
shown(struct out *o, const char *text)
{
	struct bd_buf t;
	size_t	 len = strlen(text), cut;

	if (len <= TEXT_SHOWN) {
		wrap_safe(o, INDENT, INDENT, text);
		return;
	}
	for (cut = TEXT_SHOWN; cut > 0 && ((unsigned char)text[cut] & 0xc0) ==
	    0x80; cut--)
		;		/* not inside a UTF-8 sequence */
	bd_buf_init(&t, 0);
	(void)bd_buf_append(&t, text, cut);
	(void)bd_buf_printf(&t, " [... %zu more bytes: --format json shows "
	    "all]", len - cut);
	wrap_safe(o, INDENT, INDENT, t.data != NULL ? t.data : "");
	bd_buf_free(&t);
}

/* What you see: the reply as parsed, the codes' meaning, the facts. */
static void
what_you_see(struct out *o, const struct bd_diagnosis *d)
{
	struct bd_buf line;
	const char *const *f = d->fields;

	heading(o, "What you see");
	shown(o, d->text != NULL && *d->text ? d->text : "(no reply text)");
	if (d->truncated)
		(void)bd_buf_puts(&o->b, INDENT "(input was cut at a size "
		    "limit)\n");
	bd_buf_init(&line, 0);
	if (d->code_title != NULL) {
		(void)bd_buf_puts(&line, "Code meaning: ");
		(void)bd_buf_puts(&line, d->code_title);
		wrap(o, INDENT, INDENT, line.data);
		bd_buf_reset(&line);
	}
	fact(o, &line, "Recipient", f[BD_F_RECIPIENT]);
	fact(o, &line, "Sending IP", f[BD_F_IP]);
	fact(o, &line, "Remote host", f[BD_F_REMOTE_HOST]);
	fact(o, &line, "Stage", f[BD_F_STAGE]);
	fact(o, &line, "Provider", f[BD_F_PROVIDER]);
	fact(o, &line, "Blocklist", f[BD_F_BLOCKLIST]);
	fact(o, &line, "Domain", f[BD_F_DOMAIN]);
	fact(o, &line, "Action", f[BD_F_ACTION]);
	fact(o, &line, "Kind", f[BD_F_KIND]);
	if (line.len > 0)
		wrap(o, INDENT, INDENT, line.data);
	bd_buf_reset(&line);
	if (d->final == 0) {
		(void)bd_buf_puts(&line, "Not a bounce yet: the sending "
		    "server is still retrying");
		if (f[BD_F_RETRY_UNTIL] != NULL) {
			(void)bd_buf_puts(&line, " and gives up at ");
			(void)bd_printable_append(&line, f[BD_F_RETRY_UNTIL],
			    strlen(f[BD_F_RETRY_UNTIL]));
		}
		(void)bd_buf_puts(&line, ".");
		wrap(o, INDENT, INDENT, line.data);
	}
	bd_buf_free(&line);
}

/* Why we think so: rule, words matched, confidence, alternatives. */
/* "Rule ID (FILE:LINE) matched "WORDS"." */
static void
matched_rule(struct bd_buf *line, const struct bd_diagnosis *d)
{
	(void)bd_buf_printf(line, "Rule %s (%s:%u) matched \"", d->rule,
	    d->rule_file, d->rule_line);
	(void)bd_printable_append(line, d->matched ? d->matched : "",
	    d->matched ? strlen(d->matched) : 0);
	(void)bd_buf_puts(line, "\".");
}

static void
why(struct out *o, const struct bd_diagnosis *d)
{
	struct bd_buf line;
	size_t	 i;

	heading(o, "Why we think so");
	bd_buf_init(&line, 0);
	switch (d->confidence) {
	case BD_CONF_HIGH:
		if (d->rule == NULL) {
			(void)bd_buf_puts(&line, "The message itself says "
			    "what it is.");
			break;
		}
		matched_rule(&line, d);
		(void)bd_buf_puts(&line, " Confidence: high (the reply text "
		    "says so).");
		break;
	case BD_CONF_MEDIUM:
		matched_rule(&line, d);
		if (d->conflict != NULL)
			(void)bd_buf_printf(&line, " Confidence: medium: rule "
			    "%s reads the same text as %s.", d->conflict,
			    d->alternatives[d->nalternatives - 1]);
		else
			(void)bd_buf_puts(&line, " Confidence: medium: the "
			    "rule goes by a telling word, not a whole "
			    "phrase.");
		break;
	case BD_CONF_LOW:
		(void)bd_buf_printf(&line, "No text rule matched; the %s code "
		    "alone points here (registry entry %s, %s:%u). "
		    "Confidence: low: one code covers several causes.",
		    strchr(d->rule, '.') != NULL ? "enhanced status" :
		    "reply", d->rule, d->rule_file, d->rule_line);
		break;
	case BD_CONF_NONE:
		(void)bd_buf_puts(&line, "Nothing in the rule table matched "
		    "this text or its codes.");
		break;
	}
	wrap(o, INDENT, INDENT, line.data);
	bd_buf_reset(&line);
	if (d->nalternatives > 0) {
		(void)bd_buf_puts(&line, "It could also be:");
		for (i = 0; i < d->nalternatives; i++)
			(void)bd_buf_printf(&line, "%s %s", i ? "," : "",
			    d->alternatives[i]);
		(void)bd_buf_putc(&line, '.');
		wrap(o, INDENT, INDENT, line.data);
		bd_buf_reset(&line);
	}
	if (d->tell != NULL) {
		(void)bd_buf_puts(&line, "How to tell: ");
		(void)bd_printable_append(&line, d->tell, strlen(d->tell));
		wrap(o, INDENT, INDENT, line.data);
	}
	bd_buf_free(&line);
}

/* The evidence line for authentication failures. */
static void
evidence(struct out *o, const struct bd_diagnosis *d)
{
	if (d->evidence == NULL || d->evidence->verdict == NULL)
		return;
	heading(o, "What the returned original shows");
	wrap_safe(o, INDENT, INDENT, d->evidence->verdict);
}

/* How to fix it: the rule's hint, then the cause's numbered steps. */
static void
how_to_fix(struct out *o, const struct bd_diagnosis *d)
{
	char	 num[32];
	size_t	 i;

	heading(o, "How to fix it");
	if (d->hint != NULL)
		wrap_safe(o, INDENT "First: ", INDENT "       ", d->hint);
	for (i = 0; i < d->nfix; i++) {
		(void)snprintf(num, sizeof(num), INDENT "%zu. ", i + 1);
		wrap_safe(o, num, INDENT "   ", d->fix[i]);
	}
}

/* One whole diagnosis page. */
static void
page(struct out *o, const struct bd_diagnosis *d)
{
	headline(o, d);
	what_you_see(o, d);
	heading(o, "What's actually happening");
	wrap(o, INDENT, INDENT, d->cause->explain);
	if (d->final == 0 && d->cause->delayed != NULL)
		wrap(o, INDENT "While it is queued: ", INDENT,
		    d->cause->delayed);
	else
		wrap(o, INDENT "Retry: ", INDENT, d->cause->retry);
	why(o, d);
	if (strcmp(d->cause->id, "auth") == 0)
		evidence(o, d);
	how_to_fix(o, d);
	heading(o, "Stop it recurring");
	wrap(o, INDENT, INDENT, d->cause->prevent);
}

/* Same message as the previous diagnosis? */
static int
same_message(const struct bd_diagnosis *a, const struct bd_diagnosis *b)
{
	return a != NULL && strcmp(a->source, b->source) == 0;
}

/* Is source a file (not standard input or -e)? */
static int
named(const char *source)
{
	return strcmp(source, "-") != 0 && strcmp(source, "-e") != 0;
}

/* Text rendering of a whole result. */
char *
bd_render_text(const struct bd_result *res, unsigned flags)
{
	struct out o;
	const struct bd_diagnosis *d, *prev = NULL;
	size_t	 i, n = bd_result_count(res), k;

	bd_buf_init(&o.b, 0);
	o.flags = flags;
	for (i = 0; i < n; i++) {
		d = bd_result_get(res, i);
		if (i > 0)
			(void)bd_buf_puts(&o.b, "\n");
		/*
		 * Group the recipients of one message under one heading,
		 * and name every file: a Maildir or a list of files prints
		 * page after page, one result per message.
		 */
		if ((n > 1 || named(d->source)) && !same_message(prev, d)) {
			for (k = i; k < n && same_message(d,
			    bd_result_get(res, k)); k++)
				;
			sgr(&o, "1;4");
			(void)bd_buf_puts(&o.b, "== ");
			safe(&o, d->source);
			if (k - i > 1)
				(void)bd_buf_printf(&o.b, " (%zu recipients)",
				    k - i);
			(void)bd_buf_puts(&o.b, " ==");
			sgr(&o, "0");
			(void)bd_buf_puts(&o.b, "\n\n");
		}
		page(&o, d);
		prev = d;
	}
	return bd_buf_steal(&o.b);
}

/* A cause's page for --explain, placeholders showing their defaults. */
char *
bd_render_cause_text(const struct bd_cause *c, unsigned flags)
{
	struct out o;
	struct bd_buf t;
	char	 num[32];
	size_t	 i;

	bd_buf_init(&o.b, 0);
	bd_buf_init(&t, 0);
	o.flags = flags;
	sgr(&o, "1");
	(void)bd_buf_printf(&o.b, "%s \xc2\xb7 %s \xc2\xb7 %s\n", c->id,
	    c->title, c->permanent ? "permanent" : "transient");
	sgr(&o, "0");
	(void)bd_buf_printf(&o.b, INDENT "Who must act: %s\n", c->actor);
	heading(&o, "What's actually happening");
	wrap(&o, INDENT, INDENT, c->explain);
	wrap(&o, INDENT "Retry: ", INDENT, c->retry);
	if (c->delayed != NULL)
		wrap(&o, INDENT "If it is only delayed: ", INDENT, c->delayed);
	heading(&o, "How to fix it");
	for (i = 0; i < c->nfix; i++) {
		(void)snprintf(num, sizeof(num), INDENT "%zu. ", i + 1);
		bd_buf_reset(&t);
		bd_template_defaults(&t, c->fix[i]);
		wrap(&o, num, INDENT "   ", t.data != NULL ? t.data : "");
	}
	heading(&o, "Stop it recurring");
	wrap(&o, INDENT, INDENT, c->prevent);
	bd_buf_free(&t);
	return bd_buf_steal(&o.b);
}
