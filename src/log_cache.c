/*
 * log_cache.c - classify each distinct (status, reply text) of a log
 * once, for summaries (log_cache.h).
 *
 * The rule table costs ~100 us per text; a summary of a large log sees
 * the same few hundred texts millions of times.  When no per-record
 * result is wanted, the reader counts records through this cache: the
 * first record of a (status, text) pair is classified with the status
 * alone (only it and the text decide the cause, see classify() in
 * diagnose.c), later ones reuse that classification with their own
 * recipient and remote host.  A Postfix wrapper's "[IP]" is left out of
 * the key (see wrapper_ip()).
 *
 * Limits: at most BD_LOG_CACHE_ENTRIES entries and BD_LOG_CACHE_BYTES
 * key bytes; when full the cache is emptied whole (cheap, and a log's
 * texts come in runs).  Stored texts are cut as summaries cut them
 * (bd_summary_cut()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "hash.h"
#include "limits.h"
#include "log_cache.h"
#include "log_line.h"
#include "summary.h"

/* Entries, slots (a power of two, twice the entries) and key bytes. */
#define BD_LOG_CACHE_ENTRIES	4096
#define BD_LOG_CACHE_SLOTS	8192
#define BD_LOG_CACHE_BYTES	(4u * 1024 * 1024)

/* One cached classification. */
struct cache_entry {
	uint64_t	 hash;
	size_t		 keylen;
	const struct bd_cause *cause;
	int		 permanent;
	const char	*text;		/* all strings live after the key */
	const char	*provider;
	const char	*blocklist;
	const char	*remote_host;
	char		 key[];
};

struct bd_log_cache {
	struct cache_entry **slot;	/* BD_LOG_CACHE_SLOTS */
	size_t		 n;
	size_t		 bytes;
	char		*norm;		/* BD_MAX_LINE, for keys */
};

/* Empty the cache (when full, and at the end). */
static void
cache_clear(struct bd_log_cache *k)
{
	size_t	 i;

	for (i = 0; i < BD_LOG_CACHE_SLOTS; i++) {
		free(k->slot[i]);
		k->slot[i] = NULL;
	}
	k->n = 0;
	k->bytes = 0;
}

/* Append s (NULL ok) after *p in an entry; returns the copy or NULL. */
static const char *
entry_put(char **p, const char *s, size_t n)
{
	char	*q = *p;

	if (s == NULL)
		return NULL;
	memcpy(q, s, n);
	q[n] = '\0';
	*p = q + n + 1;
	return q;
}

/* A new entry: key (status NUL text) and the classification d; NULL
 * when out of memory. */
static struct cache_entry *
entry_new(uint64_t h, const char *st, size_t stlen, const char *text,
    size_t textlen, const struct bd_diagnosis *d)
{
	struct cache_entry *e;
	const char *s[4];
	size_t	 n[4], keylen = stlen + 1 + textlen, total, i;
	char	*p;

	s[0] = d->text;
	s[1] = d->fields[BD_F_PROVIDER];
	s[2] = d->fields[BD_F_BLOCKLIST];
	s[3] = d->fields[BD_F_REMOTE_HOST];
	total = keylen + 1;
	for (i = 0; i < 4; i++) {
		/* Summaries cut there. */
		n[i] = s[i] != NULL ? bd_summary_cut(s[i], strlen(s[i])) : 0;
		total += n[i] + 1;
	}
	if ((e = malloc(sizeof(*e) + total)) == NULL)
		return NULL;
	e->hash = h;
	e->keylen = keylen;
	e->cause = d->cause;
	e->permanent = d->permanent;
	memcpy(e->key, st, stlen + 1);
	memcpy(e->key + stlen + 1, text, textlen);
	e->key[keylen] = '\0';
	p = e->key + keylen + 1;
	e->text = entry_put(&p, s[0], n[0]);
	e->provider = entry_put(&p, s[1], n[1]);
	e->blocklist = entry_put(&p, s[2], n[2]);
	e->remote_host = entry_put(&p, s[3], n[3]);
	return e;
}

/*
 * The bytes of a Postfix "host NAME[IP] said: " wrapper's "[IP]", which
 * change between the MX addresses of one provider but never change a
 * diagnosis: the reply parser takes NAME as the remote host and skips
 * that IP (smtp_reply.h).  Returns its length, 0 when there is none, and
 * its offset in *off.
 */
static size_t
wrapper_ip(const char *t, size_t n, size_t *off)
{
	const char *lb, *rb;

	if (n < 12 || memcmp(t, "host ", 5) != 0)
		return 0;
	lb = memchr(t + 5, '[', n - 5 < BD_LOG_HOST ? n - 5 : BD_LOG_HOST);
	if (lb == NULL || memchr(t + 5, ' ', (size_t)(lb - t - 5)) != NULL)
		return 0;
	rb = memchr(lb, ']', (size_t)(t + n - lb) < 64 ? (size_t)(t + n - lb) :
	    64);
	if (rb == NULL || t + n - rb < 7 || memcmp(rb + 1, " said:", 6) != 0)
		return 0;
	*off = (size_t)(lb - t);
	return (size_t)(rb + 1 - lb);
}

/* A new cache. */
struct bd_log_cache *
bd_log_cache_new(void)
{
	struct bd_log_cache *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->slot = calloc(BD_LOG_CACHE_SLOTS, sizeof(*k->slot))) == NULL ||
	    (k->norm = malloc(BD_MAX_LINE)) == NULL) {
		free(k->slot);
		free(k);
		return NULL;
	}
	return k;
}

/* Free the cache. */
void
bd_log_cache_free(struct bd_log_cache *k)
{
	if (k == NULL)
		return;
	cache_clear(k);
	free(k->slot);
	free(k->norm);
	free(k);
}

/* The entry of (status, text), classified now if it is new; NULL when
 * out of memory. */
static const struct cache_entry *
lookup(struct bd_log_cache *k, const struct bd_rules *rules,
    const struct bd_options *opts, const char *source, const char *status,
    const char *text, size_t textlen)
{
	struct bd_record_facts kx;
	struct bd_result *res;
	struct cache_entry *e;
	const char *st = status != NULL ? status : "";
	uint64_t h;
	size_t	 slot, stlen = strlen(st), keylen = stlen + 1 + textlen;

	h = bd_hash(BD_HASH_INIT, st, stlen + 1);
	h = bd_hash(h, text, textlen);
	slot = (size_t)h & (BD_LOG_CACHE_SLOTS - 1);
	while ((e = k->slot[slot]) != NULL) {
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->key, st, stlen + 1) == 0 &&
		    memcmp(e->key + stlen + 1, text, textlen) == 0)
			return e;
		slot = (slot + 1) & (BD_LOG_CACHE_SLOTS - 1);
	}
	/* Classify with the status alone: only it and the text decide
	 * the cause (see classify() in diagnose.c). */
	memset(&kx, 0, sizeof(kx));
	kx.status = status;
	if (bd_diagnose_record(rules, opts, source, text, textlen, &kx,
	    &res) != BD_OK)
		return NULL;
	if (k->n >= BD_LOG_CACHE_ENTRIES || k->bytes + keylen >
	    BD_LOG_CACHE_BYTES) {
		cache_clear(k);
		slot = (size_t)h & (BD_LOG_CACHE_SLOTS - 1);
	}
	e = entry_new(h, st, stlen, text, textlen, bd_result_get(res, 0));
	bd_result_free(res);
	if (e == NULL)
		return NULL;
	k->slot[slot] = e;
	k->n++;
	k->bytes += keylen;
	return e;
}

/* Count one record (see log_cache.h). */
enum bd_status
bd_log_cache_count(struct bd_log_cache *k, const struct bd_rules *rules,
    const struct bd_options *opts, const char *source,
    const struct bd_log_rec *r, struct bd_summary *sum)
{
	const struct cache_entry *e;
	struct bd_diagnosis d;
	const char *text = r->text;
	size_t	 textlen = r->text_len, ipoff = 0, iplen;

	if ((iplen = wrapper_ip(text, textlen, &ipoff)) > 0) {
		memcpy(k->norm, text, ipoff);
		memcpy(k->norm + ipoff, text + ipoff + iplen, textlen -
		    ipoff - iplen);
		text = k->norm;
		textlen -= iplen;
	}
	e = lookup(k, rules, opts, source, r->status, text, textlen);
	if (e == NULL)
		return BD_E_NOMEM;
	memset(&d, 0, sizeof(d));
	d.source = source;
	d.cause = e->cause;
	d.permanent = e->permanent;
	d.text = e->text;
	d.fields[BD_F_PROVIDER] = e->provider;
	d.fields[BD_F_BLOCKLIST] = e->blocklist;
	d.fields[BD_F_REMOTE_HOST] = e->remote_host;
	d.final = r->action == NULL || strcmp(r->action, "delayed") != 0;
	return bd_summary_add_one(sum, &d, r->recipient, r->remote_host);
}
