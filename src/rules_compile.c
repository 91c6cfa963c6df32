/*
 * rules_compile.c - compile every pattern of a loaded table, or take the
 * compiled patterns from a cache file when it was made from exactly the
 * same pattern sources.
 *
 * Why a cache: a one-shot paste pays for loading the whole table, and
 * pcre2_compile() of ~1000 caseless UTF patterns costs several
 * milliseconds; pcre2_serialize_decode() of the same patterns costs a
 * fifth of that.  The cache is keyed by a hash of every pattern source,
 * its kind, the PCRE2 version and our compile options, so any edit to
 * any rule file makes it stale and the table is compiled (and checked)
 * afresh: loading stays strict.  The file is trusted only when it is a
 * regular file owned by the caller and writable by nobody else, and its
 * payload checksum matches; otherwise it is ignored.  Failing to read or
 * write a cache is never an error.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "limits.h"
#include "rules.h"

#define PATTERN_OPTIONS	(PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
#define CACHE_MAGIC	"BDRCACH2"	/* 8 bytes; bump on format change */
#define CACHE_MAX	(64u * 1024 * 1024)

/* The file: header, then PCRE2's serialised codes (blob bytes), then
 * the prefilter literals (one length byte and the bytes, per pattern). */
struct cache_header {
	char		 magic[8];
	uint64_t	 key;		/* hash of the sources */
	uint64_t	 count;		/* patterns */
	uint64_t	 len;		/* payload bytes: blob + literals */
	uint64_t	 blob;		/* serialised codes' bytes */
	uint64_t	 sum;		/* hash of the payload */
};


/* Every pattern of the table, in a fixed order. */
static struct bd_pattern **
collect(const struct bd_rules *r, size_t *np)
{
	struct bd_pattern **v;
	size_t	 n = 0, i, j, cap = 0;

	for (i = 0; i < r->nrules; i++)
		cap += r->rules[i]->nmatch + r->rules[i]->nalso +
		    r->rules[i]->nunless + 1;
	for (i = 0; i < r->nextract; i++)
		cap += r->extract[i]->nmatch + r->extract[i]->nwhen;
	if ((v = calloc(cap + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < r->nrules; i++) {
		struct bd_rule *ru = r->rules[i];

		for (j = 0; j < ru->nmatch; j++)
			v[n++] = &ru->match[j];
		for (j = 0; j < ru->nalso; j++)
			v[n++] = &ru->also[j];
		for (j = 0; j < ru->nunless; j++)
			v[n++] = &ru->unless[j];
		if (ru->host.src != NULL)
			v[n++] = &ru->host;
	}
	for (i = 0; i < r->nextract; i++) {
		struct bd_extractor *e = r->extract[i];

		for (j = 0; j < e->nmatch; j++)
			v[n++] = &e->match[j];
		for (j = 0; j < e->nwhen; j++)
			v[n++] = &e->when[j];
	}
	*np = n;
	return v;
}

/* The cache key: sources, kinds, PCRE2 version, options. */
static uint64_t
cache_key(struct bd_pattern **v, size_t n)
{
	char	 version[64] = "";
	uint64_t h = BD_HASH_INIT, opts = PATTERN_OPTIONS;
	size_t	 i;
	unsigned char kind;

	(void)pcre2_config(PCRE2_CONFIG_VERSION, version);
	h = bd_hash(h, CACHE_MAGIC, 8);
	h = bd_hash(h, version, strlen(version));
	h = bd_hash(h, &opts, sizeof(opts));
	for (i = 0; i < n; i++) {
		kind = (unsigned char)v[i]->extract;
		h = bd_hash(h, &kind, 1);
		h = bd_hash(h, v[i]->src, strlen(v[i]->src) + 1);
	}
	return h;
}

/* Is name an allowed capture name for this kind of pattern? */
static int
capture_name_ok(int extract, const char *name)
{
	if (extract)
		return strcmp(name, "recipient") == 0 ||
		    strcmp(name, "reply") == 0;
	return bd_field_lookup(name) >= 0;
}

/* Report a compile problem at the pattern's place. */
static void
pattern_error(struct bd_rules *r, const struct bd_pattern *p, unsigned col,
    bd_diag_fn *fn, void *arg, const char *msg)
{
	struct bd_diag d;

	r->failed = 1;
	if (fn == NULL)
		return;
	d.severity = BD_SEV_ERROR;
	d.file = p->file;
	d.line = p->line;
	d.col = col;
	d.msg = msg;
	fn(&d, arg);
}

/* Compile one pattern; checks capture names.  0 or -1 (reported). */
static int
compile_one(struct bd_rules *r, struct bd_pattern *p, bd_diag_fn *fn,
    void *arg)
{
	int	 err;
	PCRE2_SIZE off;
	PCRE2_UCHAR emsg[256];
	char	 msg[400];
	uint32_t count, size, i;
	PCRE2_SPTR table;

	p->re = pcre2_compile((PCRE2_SPTR)p->src, PCRE2_ZERO_TERMINATED,
	    PATTERN_OPTIONS, &err, &off, NULL);
	if (p->re == NULL) {
		(void)pcre2_get_error_message(err, emsg, sizeof(emsg));
		(void)snprintf(msg, sizeof(msg), "regex error at offset %zu: "
		    "%s", (size_t)off, (const char *)emsg);
		pattern_error(r, p, p->col + (unsigned)off, fn, arg, msg);
		return -1;
	}
	(void)pcre2_pattern_info(p->re, PCRE2_INFO_NAMECOUNT, &count);
	(void)pcre2_pattern_info(p->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	(void)pcre2_pattern_info(p->re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const char *name = (const char *)table + i * size + 2;

		if (!capture_name_ok(p->extract, name)) {
			(void)snprintf(msg, sizeof(msg), "unknown capture "
			    "name '%.40s'%s", name, p->extract ?
			    " (extract captures are recipient and reply)" :
			    " (captures must name a field)");
			pattern_error(r, p, p->col, fn, arg, msg);
			pcre2_code_free(p->re);
			p->re = NULL;
			return -1;
		}
	}
	return 0;
}

/* Map a trusted cache file; NULL when absent or not trusted. */
static unsigned char *
cache_map(const char *path, size_t *lenp)
{
	struct stat st;
	void	*map;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_size < (off_t)sizeof(struct cache_header) ||
	    st.st_size > (off_t)CACHE_MAX) {
		close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	*lenp = (size_t)st.st_size;
	return map;
}

/* Read the literal table of a cache; 0, or -1 when it is malformed. */
static int
cache_literals(struct bd_pattern **v, size_t n, const unsigned char *p,
    size_t len)
{
	size_t	 i, off = 0, l;

	for (i = 0; i < n; i++) {
		if (off >= len)
			return -1;
		l = p[off];
		off++;
		if (l > len - off)
			return -1;
		free(v[i]->lit);
		v[i]->lit = NULL;
		v[i]->litlen = l;
		if (l > 0) {
			if ((v[i]->lit = malloc(l + 1)) == NULL)
				return -1;
			memcpy(v[i]->lit, p + off, l);
			v[i]->lit[l] = '\0';
		}
		off += l;
	}
	return off == len ? 0 : -1;
}

/* Take every pattern from the cache; 0, or -1 to compile instead. */
static int
cache_load(struct bd_rules *r, struct bd_pattern **v, size_t n,
    uint64_t key)
{
	struct cache_header h;
	unsigned char *buf;
	pcre2_code **codes;
	size_t	 len, i;
	int	 rc = -1;

	if (n == 0 || (buf = cache_map(r->cache_path, &len)) == NULL)
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.key != key ||
	    h.count != n || h.len != len - sizeof(h) || h.blob > h.len ||
	    h.sum != bd_hash(bd_hash(BD_HASH_INIT, buf + sizeof(h), h.blob),
	    buf + sizeof(h) + h.blob, h.len - h.blob) ||
	    pcre2_serialize_get_number_of_codes(buf + sizeof(h)) != (int)n ||
	    (codes = calloc(n, sizeof(*codes))) == NULL) {
		(void)munmap(buf, len);
		return -1;
	}
	if (pcre2_serialize_decode(codes, (int32_t)n, buf + sizeof(h),
	    NULL) == (int32_t)n && cache_literals(v, n, buf + sizeof(h) +
	    h.blob, h.len - h.blob) == 0) {
		for (i = 0; i < n; i++)
			v[i]->re = codes[i];
		rc = 0;
	} else
		for (i = 0; i < n; i++)
			pcre2_code_free(codes[i]);
	free(codes);
	(void)munmap(buf, len);
	return rc;
}

/* Write the cache atomically (temporary file, then rename). */
static void
cache_store(const struct bd_rules *r, struct bd_pattern **v, size_t n,
    uint64_t key)
{
	struct cache_header h;
	const pcre2_code **codes;
	uint8_t	*blob = NULL;
	PCRE2_SIZE blen;
	char	 tmp[4096];
	unsigned char *lits;
	size_t	 i, llen, off;
	int	 fd, ok;

	if (n == 0 || (codes = calloc(n, sizeof(*codes))) == NULL)
		return;
	for (i = 0; i < n; i++)
		codes[i] = v[i]->re;
	ok = pcre2_serialize_encode(codes, (int32_t)n, &blob, &blen, NULL) ==
	    (int32_t)n;
	free(codes);
	if (!ok || (size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp",
	    r->cache_path, (long)getpid()) >= sizeof(tmp)) {
		pcre2_serialize_free(blob);
		return;
	}
	for (i = 0, llen = 0; i < n; i++)
		llen += 1 + v[i]->litlen;
	if ((lits = malloc(llen + 1)) == NULL) {
		pcre2_serialize_free(blob);
		return;
	}
	for (i = 0, off = 0; i < n; i++) {
		lits[off++] = (unsigned char)v[i]->litlen;
		if (v[i]->litlen > 0)
			memcpy(lits + off, v[i]->lit, v[i]->litlen);
		off += v[i]->litlen;
	}
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.key = key;
	h.count = n;
	h.blob = blen;
	h.len = blen + llen;
	h.sum = bd_hash(BD_HASH_INIT, blob, blen);
	h.sum = bd_hash(h.sum, lits, llen);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) != -1) {
		ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		    write(fd, blob, blen) == (ssize_t)blen &&
		    write(fd, lits, llen) == (ssize_t)llen;
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, r->cache_path) == -1)
			(void)unlink(tmp);
	}
	free(lits);
	pcre2_serialize_free(blob);
}

/*
 * The prefilter.  Most rules cannot match a given reply, and proving it
 * with memmem() over the lower-cased text is far cheaper than running
 * the regex (or JIT-compiling it).  The literal is taken conservatively
 * from the pattern's top level: no top-level alternation, nothing inside
 * groups or classes, no escape that stands for a class, no character a
 * quantifier makes optional, ASCII only.  When in doubt: no literal, and
 * the regex always runs.
 * XXX: under PCRE2_CASELESS|PCRE2_UTF, 'k' also matches U+212A and 's'
 * U+017F; a reply spelt with those could skip a rule it would match.
 */
/* Does s start a {n}, {n,} or {n,m} quantifier? */
static int
is_quantifier(const char *s)
{
	size_t	 i = 1;

	if (!isdigit((unsigned char)s[i]))
		return 0;
	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == ',')
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	return s[i] == '}';
}

size_t
bd_required_literal(const char *src, char *out, size_t outsz)
{
	char	 run[256];
	size_t	 rl = 0, best = 0, i, n = strlen(src);
	int	 depth = 0;
	unsigned char c;

#define END_RUN() do {							\
	if (rl > best && rl < outsz) {					\
		memcpy(out, run, rl);					\
		best = rl;						\
	}								\
	rl = 0;								\
} while (0)

	for (i = 0; i < n; i++) {
		c = (unsigned char)src[i];
		if (c == '(' && src[i + 1] == '?') {
			/* (?x) or (?ix...): extended mode changes spaces. */
			size_t	 k = i + 2;

			while (k < n && (isalpha((unsigned char)src[k]) ||
			    src[k] == '-'))
				if (src[k] == 'x' || src[k++] == 'X')
					return 0;
		}
		if (c == '\\') {
			if (i + 1 >= n)
				return 0;
			c = (unsigned char)src[++i];
			if (c == 'Q' || c == 'E')
				return 0;
			if (depth > 0)
				continue;
			if (isalnum(c) || c >= 0x80) {
				END_RUN();
				continue;
			}
			goto literal;
		}
		if (c == '[') {
			/* Skip the class: ']' first (or after '^') is a
			 * member; escapes are skipped pairwise. */
			i++;
			if (i < n && src[i] == '^')
				i++;
			if (i < n && src[i] == ']')
				i++;
			for (; i < n && src[i] != ']'; i++)
				if (src[i] == '\\')
					i++;
			if (depth == 0)
				END_RUN();
			continue;
		}
		if (c == '(') {
			if (depth++ == 0)
				END_RUN();
			continue;
		}
		if (c == ')') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth > 0)
			continue;
		if (c == '|')
			return 0;
		if (c == '{' && !is_quantifier(src + i))
			goto literal;	/* PCRE2: a '{' not opening {n,m} */
		if (c == '?' || c == '*' || c == '{') {
			if (rl > 0)
				rl--;	/* the quantified char is optional */
			END_RUN();
			if (c == '{')
				while (i < n && src[i] != '}')
					i++;
			continue;
		}
		if (c == '+' || c == '.' || c == '^' || c == '$') {
			END_RUN();
			continue;
		}
		if (c >= 0x80) {
			END_RUN();
			continue;
		}
literal:
		if (depth > 0)
			continue;
		/* A quantifier after an escaped char is handled above on
		 * the next round. */
		if (rl < sizeof(run))
			run[rl++] = (char)tolower(c);
	}
	END_RUN();
#undef END_RUN
	return best >= 3 ? best : 0;
}

/* Give every pattern its prefilter literal. */
static int
literals(struct bd_pattern **v, size_t n)
{
	char	 lit[256];
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		free(v[i]->lit);
		v[i]->lit = NULL;
		v[i]->litlen = 0;
		/* At most 255 bytes: the cache stores one length byte. */
		if ((len = bd_required_literal(v[i]->src, lit,
		    sizeof(lit))) == 0)
			continue;
		if ((v[i]->lit = malloc(len + 1)) == NULL)
			return -1;
		memcpy(v[i]->lit, lit, len);
		v[i]->lit[len] = '\0';
		v[i]->litlen = len;
	}
	return 0;
}

/* Compile (or decode) every pattern; 0, or -1 after reporting errors. */
int
bd_rules_compile(struct bd_rules *r, bd_diag_fn *fn, void *arg)
{
	struct bd_pattern **v;
	size_t	 n, i;
	uint64_t key = 0;
	uint32_t captures;
	int	 errors = 0;

	if ((v = collect(r, &n)) == NULL)
		return -1;
	if (r->cache_path != NULL) {
		key = cache_key(v, n);
		r->cache_used = cache_load(r, v, n, key) == 0;
	}
	if (!r->cache_used && literals(v, n) == -1) {
		free(v);
		return -1;
	}
	if (!r->cache_used)
		for (i = 0; i < n; i++)
			if (compile_one(r, v[i], fn, arg) == -1)
				errors++;
	for (i = 0; i < n; i++) {
		if (v[i]->re == NULL)
			continue;
		(void)pcre2_pattern_info(v[i]->re, PCRE2_INFO_CAPTURECOUNT,
		    &captures);
		if (captures + 1 > r->max_ovector)
			r->max_ovector = captures + 1;
	}
	if (r->cache_path != NULL && !r->cache_used && errors == 0 &&
	    !r->failed)
		cache_store(r, v, n, key);
	free(v);
	return errors ? -1 : 0;
}

/* Public: where to keep compiled patterns between runs. */
enum bd_status
bd_rules_set_cache(struct bd_rules *r, const char *path)
{
	char	*p = NULL;

	if (r->finished)
		return BD_E_INVAL;
	if (path != NULL && (p = strdup(path)) == NULL)
		return BD_E_NOMEM;
	free(r->cache_path);
	r->cache_path = p;
	return BD_OK;
}
