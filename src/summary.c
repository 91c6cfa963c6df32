/*
 * summary.c - what many diagnoses add up to (--summary), and the brief
 * one-line-per-diagnosis listing used for logs.
 *
 * A summary counts diagnoses by cause, by receiving provider (the rule's
 * provider field, else the remote host's domain), by blocklist and by
 * recipient domain, and counts the reply texts of each cause so that the
 * most frequent ones can be shown.  Delays (the sender is still
 * retrying) are counted apart, by cause: they are not failures yet.  Renderings: text with a bar chart per
 * table, or one JSON object (RFC 8259) for dashboards.
 *
 * Contract: bd_summary_* copy what they keep; the summary is independent
 * of the rules and results it was fed.  Input-derived keys are sanitised
 * when rendered (bd_printable_append, bd_json_string), never on input.
 *
 * Limits: each table keeps at most SUM_MAX_KEYS distinct keys; later new
 * keys are counted in the table's "(other)" row, so memory is bounded
 * whatever the input.  Text keys are cut to BD_SUMMARY_TEXT bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "printable.h"
#include "render.h"
#include "summary.h"
#include "utf8.h"

/* Distinct keys per table, and hash slots (a power of two, twice). */
#define SUM_MAX_KEYS	4096
#define SUM_SLOTS	8192
/* Rows shown per table, texts shown per cause (text rendering). */
#define SUM_TOP		10
#define SUM_TOP_TEXTS	3
/* Texts per cause in the JSON rendering. */
#define SUM_JSON_TEXTS	10
/* Width of the longest bar, in characters. */
#define SUM_BAR		24
/* Separates the cause from the text in the text table's keys. */
#define SUM_SEP		'\x1f'

struct sum_entry {
	uint64_t	 hash;
	size_t		 count;
	size_t		 len;
	char		 key[];
};

struct sum_table {
	struct sum_entry **slot;
	size_t		 n;
	size_t		 other;		/* counts of keys that did not fit */
	int		 nomem;
};

struct bd_summary {
	size_t		 total;
	size_t		 permanent;
	size_t		 truncated;
	size_t		 delayed;
	struct sum_table cause;		/* failures */
	struct sum_table delayed_cause;	/* delays */
	struct sum_table provider;
	struct sum_table blocklist;
	struct sum_table domain;
	struct sum_table text;		/* cause SUM_SEP text */
};

/* Count key (n bytes) once. */
static void
table_add(struct sum_table *t, const char *key, size_t n)
{
	struct sum_entry *e;
	uint64_t h = bd_hash(BD_HASH_INIT, key, n);
	size_t	 i;

	if (t->slot == NULL && (t->slot = calloc(SUM_SLOTS,
	    sizeof(*t->slot))) == NULL) {
		t->nomem = 1;
		return;
	}
	for (i = (size_t)h & (SUM_SLOTS - 1); (e = t->slot[i]) != NULL;
	    i = (i + 1) & (SUM_SLOTS - 1))
		if (e->hash == h && e->len == n && memcmp(e->key, key, n) == 0) {
			e->count++;
			return;
		}
	if (t->n >= SUM_MAX_KEYS || (e = malloc(sizeof(*e) + n + 1)) ==
	    NULL) {
		t->other++;
		return;
	}
	e->hash = h;
	e->count = 1;
	e->len = n;
	memcpy(e->key, key, n);
	e->key[n] = '\0';
	t->slot[i] = e;
	t->n++;
}

/* The count of key, 0 when not counted. */
static size_t
table_get(const struct sum_table *t, const char *key)
{
	const struct sum_entry *e;
	size_t	 n = strlen(key), i;
	uint64_t h = bd_hash(BD_HASH_INIT, key, n);

	if (t->slot == NULL)
		return 0;
	for (i = (size_t)h & (SUM_SLOTS - 1); (e = t->slot[i]) != NULL;
	    i = (i + 1) & (SUM_SLOTS - 1))
		if (e->hash == h && e->len == n && memcmp(e->key, key, n) == 0)
			return e->count;
	return 0;
}

static void
table_free(struct sum_table *t)
{
	size_t	 i;

	if (t->slot == NULL)
		return;
	for (i = 0; i < SUM_SLOTS; i++)
		free(t->slot[i]);
	free(t->slot);
	t->slot = NULL;
}

/* Most counted first, then by key: a stable, reproducible order. */
static int
by_count(const void *a, const void *b)
{
	const struct sum_entry *x = *(const struct sum_entry *const *)a;
	const struct sum_entry *y = *(const struct sum_entry *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The entries of t, sorted; caller frees the array (not the entries).
 * NULL when empty or out of memory. */
static const struct sum_entry **
table_sorted(const struct sum_table *t, size_t *np)
{
	const struct sum_entry **v;
	size_t	 i, n = 0;

	*np = 0;
	if (t->n == 0 || (v = calloc(t->n, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < SUM_SLOTS; i++)
		if (t->slot[i] != NULL)
			v[n++] = t->slot[i];
	qsort(v, n, sizeof(*v), by_count);
	*np = n;
	return v;
}

/* Public to log.c: n cut to BD_SUMMARY_TEXT on a UTF-8 boundary. */
size_t
bd_summary_cut(const char *s, size_t n)
{
	if (n <= BD_SUMMARY_TEXT)
		return n;
	n = BD_SUMMARY_TEXT;
	/* Back off continuation bytes (10xxxxxx). */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The domain of an address, lower-cased into buf; NULL when none. */
static const char *
domain_of(const char *addr, char *buf, size_t size)
{
	const char *at;
	size_t	 n, i;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return NULL;
	at++;
	n = strcspn(at, " >;\"");
	while (n > 0 && at[n - 1] == '.')
		n--;
	if (n == 0 || n >= size)
		return NULL;
	for (i = 0; i < n; i++)
		buf[i] = at[i] >= 'A' && at[i] <= 'Z' ? (char)(at[i] - 'A' +
		    'a') : at[i];
	buf[n] = '\0';
	return buf;
}

/* A host name's last two labels ("mx1.mail.example.com" ->
 * "example.com"), lower-cased; an IP literal stays whole. */
static const char *
host_domain(const char *host, char *buf, size_t size)
{
	const char *p, *last = NULL, *prev = NULL, *prev2 = NULL;
	size_t	 n, i;

	if (host == NULL || *host == '\0')
		return NULL;
	n = strcspn(host, " [");
	while (n > 0 && host[n - 1] == '.')
		n--;
	for (p = host; p < host + n; p++)
		if (*p == '.') {
			prev2 = prev;
			prev = last;
			last = p;
		}
	/* "example.co.uk": a short label under a country code is a
	 * public suffix (XXX: an approximation of the PSL). */
	if (prev != NULL && host + n - last == 3 && last - prev <= 4)
		prev = prev2;
	if (n > 0 && host[n - 1] >= '0' && host[n - 1] <= '9')
		prev = NULL;	/* an IPv4 address: keep it whole */
	if (prev != NULL) {
		n -= (size_t)(prev + 1 - host);
		host = prev + 1;
	}
	if (n == 0 || n >= size)
		return NULL;
	for (i = 0; i < n; i++)
		buf[i] = host[i] >= 'A' && host[i] <= 'Z' ? (char)(host[i] -
		    'A' + 'a') : host[i];
	buf[n] = '\0';
	return buf;
}

/* Public. */
struct bd_summary *
bd_summary_new(void)
{
	return calloc(1, sizeof(struct bd_summary));
}

/* Public to log.c: count one diagnosis, facts optionally replaced. */
enum bd_status
bd_summary_add_one(struct bd_summary *sum, const struct bd_diagnosis *d,
    const char *recipient, const char *remote_host)
{
	char	 buf[BD_SUMMARY_TEXT + 128], dom[256];
	const char *v, *id = d->cause != NULL ? d->cause->id : "unknown";
	size_t	 n, idlen;

	sum->total++;
	if (d->permanent)
		sum->permanent++;
	if (d->truncated)
		sum->truncated++;
	if (d->final == 0) {
		sum->delayed++;
		table_add(&sum->delayed_cause, id, strlen(id));
	} else
		table_add(&sum->cause, id, strlen(id));
	if ((v = d->fields[BD_F_PROVIDER]) == NULL)
		v = host_domain(remote_host != NULL ? remote_host :
		    d->fields[BD_F_REMOTE_HOST], dom, sizeof(dom));
	v = v != NULL ? v : "(unknown)";
	table_add(&sum->provider, v, bd_summary_cut(v, strlen(v)));
	if ((v = d->fields[BD_F_BLOCKLIST]) != NULL)
		table_add(&sum->blocklist, v, bd_summary_cut(v, strlen(v)));
	v = domain_of(recipient != NULL ? recipient :
	    d->fields[BD_F_RECIPIENT], dom, sizeof(dom));
	v = v != NULL ? v : "(none)";
	table_add(&sum->domain, v, strlen(v));
	idlen = strlen(id);
	if (idlen < sizeof(buf) - BD_SUMMARY_TEXT - 2) {
		v = d->text != NULL ? d->text : "";
		n = bd_summary_cut(v, strlen(v));
		memcpy(buf, id, idlen);
		buf[idlen] = SUM_SEP;
		memcpy(buf + idlen + 1, v, n);
		table_add(&sum->text, buf, idlen + 1 + n);
	}
	if (sum->cause.nomem || sum->delayed_cause.nomem ||
	    sum->provider.nomem || sum->blocklist.nomem ||
	    sum->domain.nomem || sum->text.nomem)
		return BD_E_NOMEM;
	return BD_OK;
}

/* Public. */
enum bd_status
bd_summary_add(struct bd_summary *sum, const struct bd_result *res)
{
	size_t	 i;
	enum bd_status st = BD_OK;

	if (sum == NULL)
		return BD_E_INVAL;
	for (i = 0; i < bd_result_count(res); i++)
		if (bd_summary_add_one(sum, bd_result_get(res, i), NULL,
		    NULL) != BD_OK)
			st = BD_E_NOMEM;
	return st;
}

/* Public. */
size_t
bd_summary_count(const struct bd_summary *sum, const char *cause)
{
	if (sum == NULL)
		return 0;
	return cause == NULL ? sum->total - sum->delayed :
	    table_get(&sum->cause, cause);
}

/* Public. */
size_t
bd_summary_delayed(const struct bd_summary *sum, const char *cause)
{
	if (sum == NULL)
		return 0;
	return cause == NULL ? sum->delayed :
	    table_get(&sum->delayed_cause, cause);
}

/* Public. */
void
bd_summary_free(struct bd_summary *sum)
{
	if (sum == NULL)
		return;
	table_free(&sum->cause);
	table_free(&sum->delayed_cause);
	table_free(&sum->provider);
	table_free(&sum->blocklist);
	table_free(&sum->domain);
	table_free(&sum->text);
	free(sum);
}

/* "  KEY  COUNT  PCT%  ####" for one row. */
static void
text_row(struct bd_buf *b, const char *key, size_t len, size_t count,
    size_t total, size_t max)
{
	struct bd_buf k;
	size_t	 bar, i;

	bd_buf_init(&k, 0);
	(void)bd_printable_append(&k, key, len);
	bar = max > 0 ? (count * SUM_BAR + max - 1) / max : 0;
	(void)bd_buf_printf(b, "  %-34s %8zu %5.1f%%  ", k.data != NULL ?
	    k.data : "", count, total > 0 ? 100.0 * (double)count /
	    (double)total : 0.0);
	for (i = 0; i < bar; i++)
		(void)bd_buf_putc(b, '#');
	(void)bd_buf_putc(b, '\n');
	bd_buf_free(&k);
}

/* One table as text, top SUM_TOP rows. */
static void
text_table(struct bd_buf *b, const char *title, const struct sum_table *t,
    size_t total)
{
	const struct sum_entry **v;
	size_t	 n, i, max;

	(void)bd_buf_printf(b, "\n%s\n", title);
	v = table_sorted(t, &n);
	if (n == 0 && t->other == 0)
		(void)bd_buf_puts(b, "  (none)\n");
	max = n > 0 ? v[0]->count : t->other;
	if (t->other > max)
		max = t->other;
	for (i = 0; i < n && i < SUM_TOP; i++)
		text_row(b, v[i]->key, v[i]->len, v[i]->count, total, max);
	if (n > SUM_TOP) {
		size_t	 rest = 0;
		char	 more[40];

		for (; i < n; i++)
			rest += v[i]->count;
		(void)snprintf(more, sizeof(more), "(%zu more)", n - SUM_TOP);
		(void)bd_buf_printf(b, "  %-34s %8zu %5.1f%%\n", more, rest,
		    total > 0 ? 100.0 * (double)rest / (double)total : 0.0);
	}
	if (t->other > 0)
		text_row(b, "(other)", 7, t->other, total, max);
	free(v);
}

/* The texts of cause id, most frequent first, into out (at most max). */
static size_t
texts_of(const struct sum_entry **v, size_t n, const char *id,
    const struct sum_entry **out, size_t max)
{
	size_t	 i, k = 0, idlen = strlen(id);

	for (i = 0; i < n && k < max; i++)
		if (v[i]->len > idlen && v[i]->key[idlen] == SUM_SEP &&
		    memcmp(v[i]->key, id, idlen) == 0)
			out[k++] = v[i];
	return k;
}

/* The text rendering. */
static char *
render_text(const struct bd_summary *s)
{
	struct bd_buf b, t;
	const struct sum_entry **causes, **texts, *top[SUM_TOP_TEXTS];
	size_t	 nc, nt, i, k, j, idlen;

	bd_buf_init(&b, 0);
	bd_buf_init(&t, 0);
	(void)bd_buf_printf(&b, "Summary: %zu record%s: %zu permanent, %zu "
	    "transient", s->total, s->total == 1 ? "" : "s", s->permanent,
	    s->total - s->permanent);
	if (s->delayed > 0)
		(void)bd_buf_printf(&b, "; %zu failed, %zu delayed (still "
		    "retrying)", s->total - s->delayed, s->delayed);
	if (s->truncated > 0)
		(void)bd_buf_printf(&b, ", %zu truncated", s->truncated);
	(void)bd_buf_putc(&b, '\n');
	text_table(&b, s->delayed > 0 ? "Failed, by cause" : "By cause",
	    &s->cause, s->total - s->delayed);
	if (s->delayed > 0)
		text_table(&b, "Delayed (still retrying), by cause",
		    &s->delayed_cause, s->delayed);
	text_table(&b, "By receiving provider", &s->provider, s->total);
	text_table(&b, "By blocklist", &s->blocklist, s->total);
	text_table(&b, "By recipient domain", &s->domain, s->total);
	causes = table_sorted(&s->cause, &nc);
	texts = table_sorted(&s->text, &nt);
	if (nc > 0)
		(void)bd_buf_puts(&b, "\nTop texts per cause\n");
	for (i = 0; i < nc && i < SUM_TOP; i++) {
		(void)bd_buf_printf(&b, "  %s\n", causes[i]->key);
		k = texts_of(texts, nt, causes[i]->key, top, SUM_TOP_TEXTS);
		idlen = strlen(causes[i]->key);
		for (j = 0; j < k; j++) {
			bd_buf_reset(&t);
			(void)bd_printable_append(&t, top[j]->key + idlen + 1,
			    top[j]->len - idlen - 1);
			(void)bd_buf_printf(&b, "    %8zu  %s\n",
			    top[j]->count, t.data != NULL && t.len > 0 ?
			    t.data : "(no text)");
		}
	}
	free(causes);
	free(texts);
	bd_buf_free(&t);
	return bd_buf_steal(&b);
}

/* One table as a JSON array of {"key":..,"count":..}. */
static void
json_table(struct bd_buf *b, const char *name, const struct sum_table *t)
{
	const struct sum_entry **v;
	size_t	 n, i;

	(void)bd_buf_printf(b, ",\"%s\":[", name);
	v = table_sorted(t, &n);
	for (i = 0; i < n; i++) {
		(void)bd_buf_puts(b, i > 0 ? ",{\"key\":" : "{\"key\":");
		bd_json_string(b, v[i]->key);
		(void)bd_buf_printf(b, ",\"count\":%zu}", v[i]->count);
	}
	(void)bd_buf_printf(b, "],\"%s_other\":%zu", name, t->other);
	free(v);
}

/* The JSON rendering: one object and a newline. */
static char *
render_json(const struct bd_summary *s)
{
	struct bd_buf b;
	const struct sum_entry **causes, **texts, *top[SUM_JSON_TEXTS];
	size_t	 nc, nt, i, k, j, idlen;

	bd_buf_init(&b, 0);
	(void)bd_buf_printf(&b, "{\"total\":%zu,\"permanent\":%zu,"
	    "\"transient\":%zu,\"truncated\":%zu,\"failed\":%zu,"
	    "\"delayed\":%zu", s->total, s->permanent,
	    s->total - s->permanent, s->truncated, s->total - s->delayed,
	    s->delayed);
	json_table(&b, "by_cause", &s->cause);
	json_table(&b, "by_cause_delayed", &s->delayed_cause);
	json_table(&b, "by_provider", &s->provider);
	json_table(&b, "by_blocklist", &s->blocklist);
	json_table(&b, "by_recipient_domain", &s->domain);
	(void)bd_buf_puts(&b, ",\"top_texts\":{");
	causes = table_sorted(&s->cause, &nc);
	texts = table_sorted(&s->text, &nt);
	for (i = 0; i < nc; i++) {
		if (i > 0)
			(void)bd_buf_putc(&b, ',');
		bd_json_string(&b, causes[i]->key);
		(void)bd_buf_puts(&b, ":[");
		k = texts_of(texts, nt, causes[i]->key, top, SUM_JSON_TEXTS);
		idlen = strlen(causes[i]->key);
		for (j = 0; j < k; j++) {
			(void)bd_buf_puts(&b, j > 0 ? ",{\"text\":" :
			    "{\"text\":");
			bd_json_string(&b, top[j]->key + idlen + 1);
			(void)bd_buf_printf(&b, ",\"count\":%zu}",
			    top[j]->count);
		}
		(void)bd_buf_putc(&b, ']');
	}
	(void)bd_buf_puts(&b, "}}\n");
	free(causes);
	free(texts);
	return bd_buf_steal(&b);
}

/* Public. */
char *
bd_summary_render(const struct bd_summary *sum, enum bd_format fmt,
    unsigned flags)
{
	(void)flags;
	if (sum == NULL)
		return NULL;
	return fmt == BD_FORMAT_JSON ? render_json(sum) : render_text(sum);
}

/* Append " label" + the safe form of s when s is set. */
static void
brief_part(struct bd_buf *b, const char *label, const char *s)
{
	if (s == NULL)
		return;
	(void)bd_buf_puts(b, label);
	(void)bd_printable_append(b, s, strlen(s));
}

/* Public: one line per diagnosis. */
char *
bd_render_brief(const struct bd_result *res, unsigned flags)
{
	struct bd_buf b;
	const struct bd_diagnosis *d;
	size_t	 i;

	(void)flags;
	bd_buf_init(&b, 0);
	for (i = 0; i < bd_result_count(res); i++) {
		d = bd_result_get(res, i);
		brief_part(&b, "", d->source);
		brief_part(&b, ": ", d->cause->id);
		if (d->code != 0)
			(void)bd_buf_printf(&b, " %d", d->code);
		brief_part(&b, " ", d->enhanced);
		brief_part(&b, " ", d->fields[BD_F_RECIPIENT]);
		brief_part(&b, " via ", d->fields[BD_F_REMOTE_HOST]);
		if (d->truncated)
			(void)bd_buf_puts(&b, " (truncated)");
		brief_part(&b, ": ", d->text != NULL && *d->text != '\0' ?
		    d->text : "(no text)");
		(void)bd_buf_putc(&b, '\n');
	}
	if (b.nomem) {
		bd_buf_free(&b);
		return NULL;
	}
	if (b.data == NULL)
		return strdup("");
	return bd_buf_steal(&b);
}
