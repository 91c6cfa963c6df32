/*
 * log.c - diagnose a mail log as a stream: read it in large chunks
 * (inflating gzip with zlib), find the lines that can be bounces with a
 * literal prefilter run over whole buffers, hand only those lines to the
 * per-format parsers (log_*.c), and classify each record they find.
 *
 * Contract (see bd_diagnose_log() in bouncediag.h):
 *  - One record per bounce line (per bounced recipient of a JSON event),
 *    in input order, with source "SOURCE:LINE"; line numbers count every
 *    '\n' of the (decompressed) input, so they are exact.
 *  - A candidate line that its parser cannot split still yields a record
 *    with the raw line as text; a line longer than BD_MAX_LINE is cut to
 *    BD_MAX_LINE bytes and its record marked truncated, never dropped.
 *    Bytes are not decoded: NUL, CR and invalid UTF-8 pass through to
 *    the classifier, which copes with any bytes.
 *  - Memory is constant: one chunk buffer (BD_LOG_CHUNK + BD_MAX_LINE),
 *    the gzip input buffer, one BD_MAX_LINE buffer for an over-long line
 *    and a bounded classification cache.  Nothing grows with the input.
 *
 * Speed: the prefilter searches whole chunks for a few needles (SSE2,
 * sixteen positions at a time, see find()) and newlines are counted
 * sixteen bytes at a time, so lines that are not bounces cost well under
 * an instruction per byte.  The rule table costs ~100 us per text; when
 * no per-record result is wanted (a summary), each distinct (status,
 * reply text) is classified once and
 * kept in a cache of at most BD_LOG_CACHE_ENTRIES entries and
 * BD_LOG_CACHE_BYTES bytes, emptied whole when full.
 *
 * Limits: BD_MAX_LINE per line; a source name too long for BD_LOG_SOURCE
 * is replaced by "(name too long)".
 * XXX: a Postfix "connect to ...: Connection refused" warning line on its
 * own is not a record: the status=deferred line that follows carries it.
 */
#define _GNU_SOURCE	/* memmem(3), memrchr(3) */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "diagnose.h"
#include "hash.h"
#include "limits.h"
#include "log.h"
#include "summary.h"

/* Bytes read (or inflated) at a time: large enough that the prefilter
 * runs over long stretches, small enough to stay in the cache. */
#define BD_LOG_CHUNK		(1024u * 1024)
/* Compressed bytes read at a time. */
#define BD_LOG_GZ_IN		(256u * 1024)
/* The classification cache (summary only): entries, slots (a power of
 * two, twice the entries) and key bytes. */
#define BD_LOG_CACHE_ENTRIES	4096
#define BD_LOG_CACHE_SLOTS	8192
#define BD_LOG_CACHE_BYTES	(4u * 1024 * 1024)
/* Lines looked at to tell what log an input is. */
#define BD_LOG_SNIFF_LINES	5
/* Bytes inflated from a gzip head to sniff it. */
#define BD_LOG_SNIFF_BYTES	(16u * 1024)
/* Bytes kept across the seams of an over-long line so that no marker
 * (with the bytes its check looks at) is cut: longer than any. */
#define BD_LOG_MAX_MARKER	32

/* "FILE:LINE" of a record; longer file names are replaced. */
#define BD_LOG_SOURCE		4200

/*
 * The prefilter: needles searched over whole buffers, each hit confirmed
 * by a check of its neighbourhood.  Syslog has one needle, "stat", that
 * covers Postfix's "status=bounced|deferred|expired" and Sendmail's
 * " stat=": one memmem(3) pass instead of four.
 */
struct marker {
	const char	*needle;
	size_t		 len;
	int		(*confirm)(const char *hit, const char *lo,
			    const char *end);
};

static int	 confirm_stat(const char *, const char *, const char *);

static const struct marker syslog_markers[] = {
	{ "stat", 4, confirm_stat }, { NULL, 0, NULL }
};
static const struct marker exim_markers[] = {
	{ " ** ", 4, NULL }, { " == ", 4, NULL }, { NULL, 0, NULL }
};
/* JSON: the event names, and "reason" for SendGrid's bounce export,
 * whose objects name no event. */
static const struct marker json_markers[] = {
	{ "ounce", 5, NULL }, { "failed", 6, NULL }, { "dropped", 7, NULL },
	{ "deferred", 8, NULL }, { "elay", 4, NULL }, { "rejection", 9, NULL },
	{ "reason", 6, NULL }, { NULL, 0, NULL }
};
static const struct marker all_markers[] = {
	{ "stat", 4, confirm_stat }, { " ** ", 4, NULL }, { " == ", 4, NULL },
	{ "ounce", 5, NULL }, { "failed", 6, NULL }, { "dropped", 7, NULL },
	{ "deferred", 8, NULL }, { "elay", 4, NULL }, { "rejection", 9, NULL },
	{ "reason", 6, NULL }, { NULL, 0, NULL }
};
#define BD_LOG_MAX_MARKERS	16

/* "stat" at hit: "status=bounced|deferred|expired" or " stat=". */
static int
confirm_stat(const char *hit, const char *lo, const char *end)
{
	size_t	 n = (size_t)(end - hit);

	if (n >= 5 && hit[4] == '=')
		return hit > lo && hit[-1] == ' ';
	if (n < 14 || memcmp(hit + 4, "us=", 3) != 0)
		return 0;
	return memcmp(hit + 7, "bounced", 7) == 0 || (n >= 15 &&
	    memcmp(hit + 7, "deferred", 8) == 0) || memcmp(hit + 7,
	    "expired", 7) == 0;
}

/* One cached classification (summary path). */
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

/* The input: head bytes first, then fd; gzip inflated when it is. */
struct input {
	const char	*head;
	size_t		 headlen;
	int		 fd;
	int		 raw_eof;
	int		 gz;
	int		 gz_init;
	int		 gz_end;	/* the last member ended cleanly */
	z_stream	 z;
	unsigned char	*zin;		/* BD_LOG_GZ_IN bytes */
	size_t		 pre_off;	/* plain input prefetched into zin */
	size_t		 pre_len;
	const char	*error;		/* what went wrong, for diag */
	int		 saved_errno;
};

struct bd_log_ctx {
	const struct bd_rules *rules;
	const struct bd_options *opts;
	const struct bd_log_sink *sink;
	const char	*source;
	size_t		 lineno;	/* lines before the current one */
	int		 tail;		/* the input ended inside a line */
	int		 truncated;	/* the current line was cut */
	int		 stop;		/* the caller asked to stop */
	int		 nomem;
	char		 src[BD_LOG_SOURCE];
	char		*scratch;	/* BD_MAX_LINE, for parsers */
	char		*norm;		/* BD_MAX_LINE, for cache keys */
	struct cache_entry **cache;	/* BD_LOG_CACHE_SLOTS, or NULL */
	size_t		 ncache;
	size_t		 cache_bytes;
};

/* Empty the cache (when full, and at the end). */
static void
cache_clear(struct bd_log_ctx *c)
{
	size_t	 i;

	if (c->cache == NULL)
		return;
	for (i = 0; i < BD_LOG_CACHE_SLOTS; i++) {
		free(c->cache[i]);
		c->cache[i] = NULL;
	}
	c->ncache = 0;
	c->cache_bytes = 0;
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

/*
 * The summary path: classify (status, text) once, count each record
 * with its own recipient and remote host.  The key leaves out the
 * remote IP of a Postfix wrapper (see wrapper_ip()).
 */
static void
emit_cached(struct bd_log_ctx *c, const struct bd_log_rec *in)
{
	struct bd_log_rec rr = *in, *r = &rr;
	size_t	 ipoff = 0, iplen;
	char	*norm;
	struct bd_diagnosis d;
	struct bd_record_facts kx;
	struct bd_result *res;
	struct cache_entry *e;
	const char *st = r->status != NULL ? r->status : "";
	uint64_t h;
	size_t	 slot, stlen = strlen(st), keylen;

	if ((c->cache == NULL && (c->cache = calloc(BD_LOG_CACHE_SLOTS,
	    sizeof(*c->cache))) == NULL) || (c->norm == NULL &&
	    (c->norm = malloc(BD_MAX_LINE)) == NULL)) {
		c->nomem = 1;
		return;
	}
	if ((iplen = wrapper_ip(r->text, r->text_len, &ipoff)) > 0 &&
	    (norm = c->norm) != NULL) {
		memcpy(norm, r->text, ipoff);
		memcpy(norm + ipoff, r->text + ipoff + iplen, r->text_len -
		    ipoff - iplen);
		r->text = norm;
		r->text_len -= iplen;
	}
	keylen = stlen + 1 + r->text_len;
	h = bd_hash(BD_HASH_INIT, st, stlen + 1);
	h = bd_hash(h, r->text, r->text_len);
	slot = (size_t)h & (BD_LOG_CACHE_SLOTS - 1);
	while ((e = c->cache[slot]) != NULL) {
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->key, st, stlen + 1) == 0 &&
		    memcmp(e->key + stlen + 1, r->text, r->text_len) == 0)
			break;
		slot = (slot + 1) & (BD_LOG_CACHE_SLOTS - 1);
	}
	if (e == NULL) {
		/* Classify with the status alone: only it and the text
		 * decide the cause (see classify() in diagnose.c). */
		memset(&kx, 0, sizeof(kx));
		kx.status = r->status;
		if (bd_diagnose_record(c->rules, c->opts, c->src, r->text,
		    r->text_len, &kx, &res) != BD_OK) {
			c->nomem = 1;
			return;
		}
		if (c->ncache >= BD_LOG_CACHE_ENTRIES || c->cache_bytes +
		    keylen > BD_LOG_CACHE_BYTES) {
			cache_clear(c);
			slot = (size_t)h & (BD_LOG_CACHE_SLOTS - 1);
		}
		e = entry_new(h, st, stlen, r->text, r->text_len,
		    bd_result_get(res, 0));
		bd_result_free(res);
		if (e == NULL) {
			c->nomem = 1;
			return;
		}
		c->cache[slot] = e;
		c->ncache++;
		c->cache_bytes += keylen;
	}
	memset(&d, 0, sizeof(d));
	d.source = c->src;
	d.cause = e->cause;
	d.permanent = e->permanent;
	d.text = e->text;
	d.fields[BD_F_PROVIDER] = e->provider;
	d.fields[BD_F_BLOCKLIST] = e->blocklist;
	d.fields[BD_F_REMOTE_HOST] = e->remote_host;
	d.final = r->action == NULL || strcmp(r->action, "delayed") != 0;
	if (bd_summary_add_one(c->sink->summary, &d, r->recipient,
	    r->remote_host) != BD_OK)
		c->nomem = 1;
}

/* Public to the parsers: classify and deliver one record. */
void
bd_log_emit(struct bd_log_ctx *c, const struct bd_log_rec *r)
{
	struct bd_record_facts x;
	struct bd_result *res;
	const struct bd_log_sink *k = c->sink;

	if (c->stop)
		return;
	memset(&x, 0, sizeof(x));
	x.recipient = r->recipient;
	x.status = r->status;
	x.remote_host = r->remote_host;
	x.timestamp = r->timestamp;
	x.queue_id = r->queue_id;
	x.action = r->action;
	x.truncated = c->truncated;
	if (k->record == NULL) {
		if (k->summary != NULL)
			emit_cached(c, r);
		return;
	}
	if (bd_diagnose_record(c->rules, c->opts, c->src, r->text,
	    r->text_len, &x, &res) != BD_OK) {
		c->nomem = 1;
		return;
	}
	if (k->summary != NULL && bd_summary_add(k->summary, res) != BD_OK)
		c->nomem = 1;
	if (k->record(res, k->record_arg) != 0)
		c->stop = 1;
	bd_result_free(res);
}

/* Public to the parsers: a scratch buffer, made on first use. */
char *
bd_log_scratch(struct bd_log_ctx *c)
{
	if (c->scratch == NULL && (c->scratch = malloc(BD_MAX_LINE)) == NULL)
		c->nomem = 1;
	return c->scratch;
}

/* Public to the parsers: bounded copy. */
const char *
bd_log_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n == 0 || size == 0)
		return NULL;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return dst;
}

/* Public to the parsers: memmem(3). */
const char *
bd_log_find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* n digits at s? */
static int
digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "Mmm dd hh:mm:ss" (RFC 3164 §4.1.2 TIMESTAMP) at s? */
static int
is_bsd_stamp(const char *s, size_t len)
{
	return len >= 16 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' &&
	    s[1] <= 'z' && s[2] >= 'a' && s[2] <= 'z' && s[3] == ' ' &&
	    (s[4] == ' ' || digits(s + 4, 1)) && digits(s + 5, 1) &&
	    s[6] == ' ' && digits(s + 7, 2) && s[9] == ':' &&
	    digits(s + 10, 2) && s[12] == ':' && digits(s + 13, 2) &&
	    s[15] == ' ';
}

/* "YYYY-MM-DD" then c at s? */
static int
is_date(const char *s, size_t len, char c)
{
	return len >= 11 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
	    s[7] == '-' && digits(s + 8, 2) && s[10] == c;
}

/* Exim mainlog: "YYYY-MM-DD hh:mm:ss " (Exim spec, "Log files"). */
static int
is_exim_stamp(const char *s, size_t len)
{
	return len >= 20 && is_date(s, len, ' ') && digits(s + 11, 2) &&
	    s[13] == ':' && digits(s + 14, 2) && s[16] == ':' &&
	    digits(s + 17, 2);
}

/* Public to the parsers: split a syslog header (see log.h). */
size_t
bd_log_syslog_split(const char *line, size_t len, char *ts, size_t tssize)
{
	size_t	 i, tslen, host;
	const char *colon;

	ts[0] = '\0';
	if (is_bsd_stamp(line, len))
		tslen = 15;
	else if (is_date(line, len, 'T')) {
		/* RFC 5424 / rsyslog RFC 3339 stamp: up to the space. */
		for (tslen = 11; tslen < len && line[tslen] != ' '; tslen++)
			;
	} else
		return 0;
	(void)bd_log_copy(ts, tssize, line, tslen);
	/* HOST, then "PROG[PID]: " or "PROG: ". */
	for (host = tslen + 1; host < len && line[host] == ' '; host++)
		;
	for (i = host; i < len && line[i] != ' '; i++)
		;
	if (i >= len)
		return len;
	i++;
	colon = memchr(line + i, ':', len - i);
	if (colon == NULL || memchr(line + i, ' ', (size_t)(colon -
	    (line + i))) != NULL)
		return i;
	i = (size_t)(colon - line) + 1;
	return i < len && line[i] == ' ' ? i + 1 : i;
}

/* Public: the family of a log from its first lines. */
enum bd_log_family
bd_log_family_sniff(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t	 n, i;

	for (i = 0; i < BD_LOG_SNIFF_LINES && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r')) {
			p++;
			n--;
		}
		if (n == 0) {
			i++;	/* blank lines: at most BD_LOG_SNIFF_LINES */
			continue;
		}
		/* The first non-blank line decides. */
		if (*p == '{' || *p == '[')
			return BD_LOG_JSON;
		if (is_exim_stamp(p, n))
			return BD_LOG_EXIM;
		if ((is_bsd_stamp(p, n) || is_date(p, n, 'T')) &&
		    bd_log_syslog_split(p, n, (char [BD_LOG_TS]){ 0 },
		    BD_LOG_TS) > 0)
			return BD_LOG_SYSLOG;
		/* Anything else on the first line: not a log. */
		return BD_LOG_NONE;
	}
	return BD_LOG_NONE;
}

/* Inflate the start of a gzip head into out; bytes produced. */
static size_t
gunzip_head(const char *head, size_t len, char *out, size_t size)
{
	z_stream z;
	size_t	 n;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)head;	/* zlib never writes input */
	z.avail_in = (uInt)(len > BD_MAX_INPUT ? BD_MAX_INPUT : len);
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)size;
	(void)inflate(&z, Z_SYNC_FLUSH);
	n = size - z.avail_out;
	inflateEnd(&z);
	return n;
}

/* Is it gzip (RFC 1952 §2.3.1 ID1 ID2)? */
static int
is_gzip(const char *s, size_t len)
{
	return len >= 2 && (unsigned char)s[0] == 0x1f &&
	    (unsigned char)s[1] == 0x8b;
}

/* Public: does the head look like a mail log? */
int
bd_log_sniff(const char *head, size_t len)
{
	char	*out;
	size_t	 n;
	int	 yes;

	if (head == NULL)
		return 0;
	if (!is_gzip(head, len))
		return bd_log_family_sniff(head, len) != BD_LOG_NONE;
	if ((out = malloc(BD_LOG_SNIFF_BYTES)) == NULL)
		return 0;
	n = gunzip_head(head, len, out, BD_LOG_SNIFF_BYTES);
	yes = bd_log_family_sniff(out, n) != BD_LOG_NONE;
	free(out);
	return yes;
}

/* Newlines in [p, end): SSE2 sixteen bytes at a time, byte counters
 * summed every 255 rounds before they can overflow. */
static size_t
count_nl(const char *p, const char *end)
{
	size_t	 n = 0;
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i	 acc;
	size_t	 blocks, i;

	while (end - p >= 16) {
		blocks = (size_t)(end - p) / 16;
		if (blocks > 255)
			blocks = 255;
		acc = zero;
		for (i = 0; i < blocks; i++, p += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(
			    (const __m128i *)(const void *)p), nl));
		acc = _mm_sad_epu8(acc, zero);
		n += (size_t)_mm_extract_epi16(acc, 0) +
		    (size_t)_mm_extract_epi16(acc, 4);
	}
#endif
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

/* Which parser a candidate line goes to, by its shape. */
static int
parse_line(struct bd_log_ctx *c, const char *line, size_t len)
{
	const char *p = line;
	size_t	 n = len;
	int	 rc;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n > 0 && (*p == '{' || *p == '['))
		return bd_log_json(c, line, len);
	if (is_exim_stamp(p, n))
		return bd_log_exim(c, line, len);
	if (memmem(line, len, "status=", 7) != NULL &&
	    (rc = bd_log_postfix(c, line, len)) != BD_LOG_NOT_BOUNCE)
		return rc;
	if (memmem(line, len, " stat=", 6) != NULL)
		return bd_log_sendmail(c, line, len);
	return BD_LOG_NOT_BOUNCE;
}

/* One candidate line: line number c->lineno + 1. */
static void
handle_line(struct bd_log_ctx *c, const char *line, size_t len, int cut)
{
	struct bd_log_rec r;
	int	 n;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	c->truncated = cut;
	if (len > BD_MAX_LINE) {
		len = BD_MAX_LINE;
		c->truncated = 1;
	}
	n = snprintf(c->src, sizeof(c->src), "%s:%zu", c->source,
	    c->lineno + 1);
	if (n < 0 || (size_t)n >= sizeof(c->src))
		(void)snprintf(c->src, sizeof(c->src), "(name too long):%zu",
		    c->lineno + 1);
	if (parse_line(c, line, len) == BD_LOG_UNSPLIT) {
		memset(&r, 0, sizeof(r));
		r.text = line;
		r.text_len = len;
		bd_log_emit(c, &r);
	}
}

/*
 * memmem(3) for the prefilter.  With SSE2, sixteen positions at a time
 * are tested for the needle's first and last bytes together (the
 * "generic SIMD" substring search described by Wojciech Mula); only
 * positions where both match are compared whole.  Pairs such as 's'
 * and 't' three bytes apart are rare in logs, so this runs near memory
 * speed where glibc's memmem() does a few instructions per byte.
 */
static const char *
find(const char *p, const char *end, const char *needle, size_t len)
{
#ifdef __SSE2__
	__m128i	 first, last, b0, b1;
	unsigned mask, bit;

	if (len >= 2) {
		first = _mm_set1_epi8(needle[0]);
		last = _mm_set1_epi8(needle[len - 1]);
		while ((size_t)(end - p) >= 16 + len - 1) {
			b0 = _mm_loadu_si128((const __m128i *)(const void *)p);
			b1 = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + len - 1));
			mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(b0, first), _mm_cmpeq_epi8(b1,
			    last)));
			while (mask != 0) {
				bit = (unsigned)__builtin_ctz(mask);
				if (memcmp(p + bit + 1, needle + 1, len - 2) ==
				    0)
					return p + bit;
				mask &= mask - 1;
			}
			p += 16;
		}
	}
#endif
	if (p >= end)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, len);
}

/* The next confirmed hit of m in [p, end), or NULL. */
static const char *
next_hit(const struct marker *m, const char *lo, const char *p,
    const char *end)
{
	while (p < end && (p = find(p, end, m->needle, m->len)) != NULL) {
		if (m->confirm == NULL || m->confirm(p, lo, end))
			return p;
		p++;
	}
	return NULL;
}

/*
 * The prefilter over complete lines [buf, end) (end follows a '\n', or
 * is the end of input): the next hit of every marker, the earliest one's
 * line handed on, markers inside that line skipped.  Newlines are
 * counted up to each candidate so its number is exact.
 */
static void
scan(struct bd_log_ctx *c, const struct marker *markers, const char *buf,
    const char *end)
{
	const char *next[BD_LOG_MAX_MARKERS], *counted = buf, *hit, *ls, *le;
	size_t	 nm, i;

	for (nm = 0; nm < BD_LOG_MAX_MARKERS && markers[nm].needle != NULL;
	    nm++)
		next[nm] = next_hit(&markers[nm], buf, buf, end);
	while (!c->stop) {
		hit = NULL;
		for (i = 0; i < nm; i++)
			if (next[i] != NULL && (hit == NULL || next[i] < hit))
				hit = next[i];
		if (hit == NULL)
			break;
		ls = memrchr(counted, '\n', (size_t)(hit - counted));
		ls = ls != NULL ? ls + 1 : counted;
		le = memchr(hit, '\n', (size_t)(end - hit));
		if (le == NULL)
			le = end;
		c->lineno += count_nl(counted, ls);
		counted = ls;
		handle_line(c, ls, (size_t)(le - ls), 0);
		if (le == end)
			break;
		for (i = 0; i < nm; i++)
			if (next[i] != NULL && next[i] < le + 1)
				next[i] = next_hit(&markers[i], buf, le + 1,
				    end);
	}
	c->lineno += count_nl(counted, end);
}

/* Does [s, s + n) hold a marker? */
static int
has_marker(const struct marker *markers, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; markers[i].needle != NULL; i++)
		if (next_hit(&markers[i], s, s, s + n) != NULL)
			return 1;
	return 0;
}

/* Plain bytes: head, then what was prefetched into zin, then fd. */
static ssize_t
raw_read(struct input *in, char *dst, size_t n)
{
	ssize_t	 r;
	size_t	 k;

	if (in->headlen > 0) {
		k = in->headlen < n ? in->headlen : n;
		memcpy(dst, in->head, k);
		in->head += k;
		in->headlen -= k;
		return (ssize_t)k;
	}
	if (in->pre_len > 0) {
		k = in->pre_len < n ? in->pre_len : n;
		memcpy(dst, in->zin + in->pre_off, k);
		in->pre_off += k;
		in->pre_len -= k;
		return (ssize_t)k;
	}
	if (in->fd < 0 || in->raw_eof)
		return 0;
	for (;;) {
		r = read(in->fd, dst, n);
		if (r >= 0)
			break;
		if (errno != EINTR) {
			in->saved_errno = errno;
			in->error = "read error";
			return -1;
		}
	}
	if (r == 0)
		in->raw_eof = 1;
	return r;
}

/* Up to n decompressed bytes into dst; 0 at the end, -1 on error. */
static ssize_t
fill(struct input *in, char *dst, size_t n)
{
	ssize_t	 r;
	int	 zr;
	size_t	 got;

	if (!in->gz)
		return raw_read(in, dst, n);
	in->z.next_out = (unsigned char *)dst;
	in->z.avail_out = (uInt)n;
	while (in->z.avail_out == n) {
		if (in->z.avail_in == 0) {
			r = raw_read(in, (char *)in->zin, BD_LOG_GZ_IN);
			if (r < 0)
				return -1;
			if (r == 0) {
				if (!in->gz_end) {
					in->error = "gzip: unexpected end of "
					    "compressed data";
					return -1;
				}
				return 0;
			}
			in->z.next_in = in->zin;
			in->z.avail_in = (uInt)r;
		}
		if (in->gz_end) {
			/* Another member (RFC 1952 §2.2), or trailing
			 * bytes, which gzip(1) too ignores when zero. */
			if (in->z.next_in[0] != 0x1f) {
				in->z.avail_in = 0;
				in->fd = -1;
				in->headlen = 0;
				return 0;
			}
			if (inflateReset(&in->z) != Z_OK) {
				in->error = "gzip: cannot restart";
				return -1;
			}
			in->gz_end = 0;
		}
		zr = inflate(&in->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			in->gz_end = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			in->error = in->z.msg != NULL ? in->z.msg :
			    "gzip: corrupt data";
			return -1;
		}
	}
	got = n - in->z.avail_out;
	return (ssize_t)got;
}

/* Open the input: prefetch the first bytes to see whether it is gzip. */
static int
input_open(struct input *in, const char *head, size_t headlen, int fd)
{
	ssize_t	 r;

	memset(in, 0, sizeof(*in));
	in->head = head;
	in->headlen = head != NULL ? headlen : 0;
	in->fd = fd;
	if ((in->zin = malloc(BD_LOG_GZ_IN)) == NULL)
		return -1;
	if (in->headlen < 2) {
		/* Prefetch into zin, served back by raw_read(). */
		size_t	 have = in->headlen;

		if (have > 0)
			memcpy(in->zin, in->head, have);
		in->headlen = 0;
		while (have < 2) {
			r = raw_read(in, (char *)in->zin + have, BD_LOG_GZ_IN -
			    have);
			if (r <= 0)
				break;
			have += (size_t)r;
		}
		in->pre_off = 0;
		in->pre_len = have;
		if (!is_gzip((char *)in->zin, have))
			return 0;
	} else if (!is_gzip(in->head, in->headlen))
		return 0;
	in->gz = 1;
	if (inflateInit2(&in->z, 15 + 16) != Z_OK)
		return -1;
	in->gz_init = 1;
	return 0;
}

static void
input_close(struct input *in)
{
	if (in->gz_init)
		inflateEnd(&in->z);
	free(in->zin);
}

/* Report an input problem at the current line. */
static void
input_diag(struct bd_log_ctx *c, const struct input *in)
{
	struct bd_diag d;
	char	 msg[256];

	if (c->sink->diag == NULL)
		return;
	if (in->saved_errno != 0)
		(void)snprintf(msg, sizeof(msg), "%s: %s", in->error,
		    strerror(in->saved_errno));
	else
		(void)snprintf(msg, sizeof(msg), "%s", in->error);
	memset(&d, 0, sizeof(d));
	d.severity = BD_SEV_ERROR;
	d.file = c->source;
	d.line = (unsigned)(c->lineno + 1);
	d.msg = msg;
	c->sink->diag(&d, c->sink->diag_arg);
}

/* The markers of a family. */
static const struct marker *
markers_of(enum bd_log_family f)
{
	switch (f) {
	case BD_LOG_SYSLOG:
		return syslog_markers;
	case BD_LOG_EXIM:
		return exim_markers;
	case BD_LOG_JSON:
		return json_markers;
	default:
		return all_markers;
	}
}

/*
 * The read loop.  buf holds [0, len) unprocessed bytes, at most one
 * partial line.  A line that outgrows BD_MAX_LINE moves to longbuf (its
 * first BD_MAX_LINE bytes) and the rest of it is only searched for
 * markers, with an overlap so that no marker is missed at a seam.
 */
static enum bd_status
read_loop(struct bd_log_ctx *c, struct input *in)
{
	const struct marker *markers = NULL;
	char	*buf, *longbuf = NULL, *nl, *last;
	size_t	 cap = BD_LOG_CHUNK + BD_MAX_LINE, len = 0, longlen = 0, rest;
	size_t	 ovl = 0;
	int	 inlong = 0, longcand = 0;
	ssize_t	 r;
	enum bd_status st = BD_OK;

	if ((buf = malloc(cap + 1)) == NULL)
		return BD_E_NOMEM;
	for (;;) {
		if (c->stop || c->nomem)
			break;
		r = fill(in, buf + len, cap - len);
		if (r < 0) {
			input_diag(c, in);
			st = BD_E_IO;
			r = 0;
		}
		if (markers == NULL && (r > 0 || len > 0))
			markers = markers_of(bd_log_family_sniff(buf,
			    len + (size_t)r));
		if (r == 0) {
			/* End: the last line has no newline. */
			if (inlong) {
				if (longcand || has_marker(markers, buf, len))
					handle_line(c, longbuf, longlen, 1);
				c->lineno++;
			} else if (len > 0) {
				scan(c, markers, buf, buf + len);
				c->tail = 1;
			}
			break;
		}
		len += (size_t)r;
		if (inlong) {
			/* The overlap bytes of the last round lead buf. */
			nl = memchr(buf + ovl, '\n', len - ovl);
			if (!longcand && has_marker(markers, buf, nl != NULL ?
			    (size_t)(nl - buf) : len))
				longcand = 1;
			if (nl == NULL) {
				ovl = len < BD_LOG_MAX_MARKER ? len :
				    BD_LOG_MAX_MARKER;
				memmove(buf, buf + len - ovl, ovl);
				len = ovl;
				continue;
			}
			if (longcand)
				handle_line(c, longbuf, longlen, 1);
			c->lineno++;
			inlong = longcand = 0;
			rest = len - (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, rest);
			len = rest;
			ovl = 0;
		}
		last = memrchr(buf, '\n', len);
		if (last != NULL) {
			scan(c, markers, buf, last + 1);
			rest = len - (size_t)(last + 1 - buf);
			memmove(buf, last + 1, rest);
			len = rest;
		}
		if (len > BD_MAX_LINE) {
			/* An over-long line: keep its start, watch the
			 * rest for markers and for its end. */
			if (longbuf == NULL &&
			    (longbuf = malloc(BD_MAX_LINE)) == NULL) {
				st = BD_E_NOMEM;
				break;
			}
			memcpy(longbuf, buf, BD_MAX_LINE);
			longlen = BD_MAX_LINE;
			longcand = has_marker(markers, buf, len);
			inlong = 1;
			ovl = BD_LOG_MAX_MARKER;
			memmove(buf, buf + len - ovl, ovl);
			len = ovl;
		}
	}
	free(longbuf);
	free(buf);
	if (c->nomem && st == BD_OK)
		st = BD_E_NOMEM;
	return st;
}

/* Public entry point. */
enum bd_status
bd_diagnose_log(const struct bd_rules *rules, const struct bd_options *opts,
    const char *source, const char *head, size_t headlen, int fd,
    const struct bd_log_sink *sink)
{
	struct bd_log_ctx c;
	struct bd_options defaults;
	struct input in;
	enum bd_status st;

	if (rules == NULL || sink == NULL)
		return BD_E_INVAL;
	if (opts == NULL) {
		bd_options_init(&defaults);
		opts = &defaults;
	}
	memset(&c, 0, sizeof(c));
	c.rules = rules;
	c.opts = opts;
	c.sink = sink;
	c.source = source != NULL ? source : "-";
	if (input_open(&in, head, headlen, fd) == -1) {
		input_close(&in);
		return BD_E_NOMEM;
	}
	st = read_loop(&c, &in);
	if (sink->lines_read != NULL)
		*sink->lines_read = c.lineno + (size_t)c.tail;
	cache_clear(&c);
	free(c.cache);
	free(c.scratch);
	free(c.norm);
	input_close(&in);
	return st;
}
