/*
 * log.c - diagnose a mail log as a stream: read it in large chunks
 * (decompress.c inflates gzip), find the lines that can be bounces with
 * a literal prefilter run over whole buffers, hand only those lines to
 * the log formats of the table in log_formats.c, and classify each
 * record they emit (through log_cache.c for a summary).
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
 *    the input's buffers, one BD_MAX_LINE buffer for an over-long line,
 *    one scratch buffer for the parsers and a bounded classification
 *    cache.  Nothing grows with the input.
 *
 * The table: the first non-blank line of an input names its family (the
 * first row whose sniff() takes it); the prefilter searches for the
 * markers of every row of that family (of all rows when none took it),
 * each needle once however many rows share it; a candidate line goes to
 * the rows in table order until one claims it.
 *
 * Speed: the prefilter searches whole chunks for a few needles (SSE2,
 * sixteen positions at a time, see find()) and newlines are counted
 * sixteen bytes at a time, so lines that are not bounces cost well under
 * an instruction per byte.
 *
 * Limits: BD_MAX_LINE per line; a source name too long for BD_LOG_SOURCE
 * is replaced by "(name too long)"; at most BD_LOG_MAX_NEEDLES needles
 * and BD_LOG_MAX_CONFIRMS checks per needle (log_format.h): a table past
 * them makes every call fail with BD_E_RANGE, which the unit tests see.
 * XXX: a Postfix "connect to ...: Connection refused" warning line on its
 * own is not a record: the status=deferred line that follows carries it.
 */
#define _GNU_SOURCE	/* memmem(3), memrchr(3) */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decompress.h"
#include "diagnose.h"
#include "limits.h"
#include "log_cache.h"
#include "log_format.h"
#include "log_formats.h"
#include "summary.h"

/* Bytes read (or inflated) at a time: large enough that the prefilter
 * runs over long stretches, small enough to stay in the cache. */
#define BD_LOG_CHUNK		(1024u * 1024)
/* Lines looked at to tell what log an input is. */
#define BD_LOG_SNIFF_LINES	5
/* Bytes inflated from a gzip head to sniff it. */
#define BD_LOG_SNIFF_BYTES	(16u * 1024)

/* "FILE:LINE" of a record; longer file names are replaced. */
#define BD_LOG_SOURCE		4200

/* A check of a hit (struct bd_log_marker). */
typedef int	 confirm_fn(const char *, const char *, const char *);

/* One needle of the prefilter and the checks of the rows that use it:
 * a hit counts when one check takes it, or always (any) when a row
 * has no check. */
struct needle {
	const char	*s;
	size_t		 len;
	int		 any;
	size_t		 nconfirm;
	confirm_fn	*confirm[BD_LOG_MAX_CONFIRMS];
};

/* The needles of an input's family. */
struct prefilter {
	struct needle	 n[BD_LOG_MAX_NEEDLES];
	size_t		 count;
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
	struct bd_log_out out;		/* what the parsers emit through */
	struct bd_log_cache *cache;	/* summary alone, made on first use */
	struct prefilter pf;
};

/* The emit of struct bd_log_out: classify and deliver one record. */
static void
emit(void *arg, const struct bd_log_rec *r)
{
	struct bd_log_ctx *c = arg;
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
		/* A summary alone: each distinct text classified once. */
		if (k->summary == NULL)
			return;
		if ((c->cache == NULL && (c->cache = bd_log_cache_new()) ==
		    NULL) || bd_log_cache_count(c->cache, c->rules, c->opts,
		    c->src, r, k->summary) != BD_OK)
			c->nomem = 1;
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

/* The family of a log from its first lines: the first non-blank line
 * decides, by the first row whose sniff() takes it. */
static enum bd_log_family
family_sniff(const char *buf, size_t len)
{
	const struct bd_log_format *const *f;
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
		for (f = bd_log_formats; *f != NULL; f++)
			if ((*f)->sniff(p, n))
				return (*f)->family;
		/* Anything else on the first line: not a log. */
		return BD_LOG_NONE;
	}
	return BD_LOG_NONE;
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
	if (!bd_decompress_is_gzip(head, len))
		return family_sniff(head, len) != BD_LOG_NONE;
	if ((out = malloc(BD_LOG_SNIFF_BYTES)) == NULL)
		return 0;
	n = bd_decompress_head(head, len, out, BD_LOG_SNIFF_BYTES);
	yes = family_sniff(out, n) != BD_LOG_NONE;
	free(out);
	return yes;
}

/* Add marker m to the prefilter: a new needle, or one check more for a
 * needle that another row uses. */
static enum bd_status
prefilter_add(struct prefilter *pf, const struct bd_log_marker *m)
{
	struct needle *nd;
	size_t	 i;

	for (i = 0; i < pf->count && strcmp(pf->n[i].s, m->needle) != 0; i++)
		;
	if (i == pf->count) {
		if (pf->count == BD_LOG_MAX_NEEDLES)
			return BD_E_RANGE;
		pf->n[i].s = m->needle;
		pf->n[i].len = strlen(m->needle);
		pf->count++;
	}
	nd = &pf->n[i];
	if (m->confirm == NULL)
		nd->any = 1;
	else if (nd->nconfirm == BD_LOG_MAX_CONFIRMS)
		return BD_E_RANGE;
	else
		nd->confirm[nd->nconfirm++] = m->confirm;
	return BD_OK;
}

/* The prefilter of a family: the markers of its rows (of every row for
 * BD_LOG_NONE). */
static enum bd_status
prefilter_init(struct prefilter *pf, enum bd_log_family family)
{
	const struct bd_log_format *const *f;
	const struct bd_log_marker *m;
	enum bd_status st;

	memset(pf, 0, sizeof(*pf));
	for (f = bd_log_formats; *f != NULL; f++) {
		if (family != BD_LOG_NONE && (*f)->family != family)
			continue;
		for (m = (*f)->markers; m->needle != NULL; m++)
			if ((st = prefilter_add(pf, m)) != BD_OK)
				return st;
	}
	return BD_OK;
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

/* The next confirmed hit of needle nd in [p, end), or NULL. */
static const char *
next_hit(const struct needle *nd, const char *lo, const char *p,
    const char *end)
{
	size_t	 i;

	while (p < end && (p = find(p, end, nd->s, nd->len)) != NULL) {
		if (nd->any)
			return p;
		for (i = 0; i < nd->nconfirm; i++)
			if (nd->confirm[i](p, lo, end))
				return p;
		p++;
	}
	return NULL;
}

/* Does [s, s + n) hold a confirmed hit? */
static int
has_marker(const struct prefilter *pf, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < pf->count; i++)
		if (next_hit(&pf->n[i], s, s, s + n) != NULL)
			return 1;
	return 0;
}

/* The rows in table order until one claims the line. */
static int
parse_line(struct bd_log_ctx *c, const char *line, size_t len)
{
	const struct bd_log_format *const *f;
	int	 rc;

	for (f = bd_log_formats; *f != NULL; f++)
		if ((rc = (*f)->parse(&c->out, line, len)) != BD_LOG_NOT_MINE)
			return rc;
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
	/* The parsers' scratch buffer, made for the first candidate. */
	if (c->out.scratch == NULL &&
	    (c->out.scratch = malloc(BD_MAX_LINE)) == NULL) {
		c->nomem = 1;
		return;
	}
	if (parse_line(c, line, len) == BD_LOG_UNSPLIT) {
		memset(&r, 0, sizeof(r));
		r.text = line;
		r.text_len = len;
		emit(c, &r);
	}
}

/*
 * The prefilter over complete lines [buf, end) (end follows a '\n', or
 * is the end of input): the next hit of every needle, the earliest one's
 * line handed on, hits inside that line skipped.  Newlines are counted
 * up to each candidate so its number is exact.
 */
static void
scan(struct bd_log_ctx *c, const char *buf, const char *end)
{
	const struct prefilter *pf = &c->pf;
	const char *next[BD_LOG_MAX_NEEDLES], *counted = buf, *hit, *ls, *le;
	size_t	 i;

	for (i = 0; i < pf->count; i++)
		next[i] = next_hit(&pf->n[i], buf, buf, end);
	while (!c->stop) {
		hit = NULL;
		for (i = 0; i < pf->count; i++)
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
		for (i = 0; i < pf->count; i++)
			if (next[i] != NULL && next[i] < le + 1)
				next[i] = next_hit(&pf->n[i], buf, le + 1,
				    end);
	}
	c->lineno += count_nl(counted, end);
}

/* Report an input problem at the current line. */
static void
input_diag(struct bd_log_ctx *c, const struct bd_decompress *in)
{
	struct bd_diag d;
	const char *what;
	char	 msg[256];
	int	 err;

	if (c->sink->diag == NULL)
		return;
	what = bd_decompress_error(in, &err);
	if (err != 0)
		(void)snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	else
		(void)snprintf(msg, sizeof(msg), "%s", what);
	memset(&d, 0, sizeof(d));
	d.severity = BD_SEV_ERROR;
	d.file = c->source;
	d.line = (unsigned)(c->lineno + 1);
	d.msg = msg;
	c->sink->diag(&d, c->sink->diag_arg);
}

/*
 * The read loop.  buf holds [0, len) unprocessed bytes, at most one
 * partial line.  A line that outgrows BD_MAX_LINE moves to longbuf (its
 * first BD_MAX_LINE bytes) and the rest of it is only searched for
 * markers, with an overlap so that no marker is missed at a seam.
 */
static enum bd_status
read_loop(struct bd_log_ctx *c, struct bd_decompress *in)
{
	int	 sniffed = 0;
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
		r = bd_decompress_read(in, buf + len, cap - len);
		if (r < 0) {
			input_diag(c, in);
			st = BD_E_IO;
			r = 0;
		}
		if (!sniffed && (r > 0 || len > 0)) {
			sniffed = 1;
			if ((st = prefilter_init(&c->pf, family_sniff(buf,
			    len + (size_t)r))) != BD_OK)
				break;
		}
		if (r == 0) {
			/* End: the last line has no newline. */
			if (inlong) {
				if (longcand || has_marker(&c->pf, buf, len))
					handle_line(c, longbuf, longlen, 1);
				c->lineno++;
			} else if (len > 0) {
				scan(c, buf, buf + len);
				c->tail = 1;
			}
			break;
		}
		len += (size_t)r;
		if (inlong) {
			/* The overlap bytes of the last round lead buf. */
			nl = memchr(buf + ovl, '\n', len - ovl);
			if (!longcand && has_marker(&c->pf, buf, nl != NULL ?
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
			scan(c, buf, last + 1);
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
			longcand = has_marker(&c->pf, buf, len);
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
	struct bd_decompress *in;
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
	c.out.emit = emit;
	c.out.arg = &c;
	if ((in = bd_decompress_open(head, headlen, fd)) == NULL)
		return BD_E_NOMEM;
	st = read_loop(&c, in);
	if (sink->lines_read != NULL)
		*sink->lines_read = c.lineno + (size_t)c.tail;
	bd_log_cache_free(c.cache);
	free(c.out.scratch);
	bd_decompress_free(in);
	return st;
}
