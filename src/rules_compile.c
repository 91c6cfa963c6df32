/*
 * rules_compile.c - compile and check every pattern of a loaded table,
 * or learn from a cache file that exactly these patterns were compiled
 * and checked before; and compile a pattern lazily on its first use.
 *
 * Why: a one-shot paste pays for loading the whole table, and
 * pcre2_compile() of ~1000 caseless UTF patterns costs several
 * milliseconds (and, on a virtual machine, hundreds of page faults for
 * the compiled code) while the prefilter lets only a few dozen of them
 * ever run for one reply.  So the cache records that every pattern
 * compiled cleanly, with its prefilter literal and the largest capture
 * count; on a hit nothing is compiled up front, and each pattern is
 * compiled the first time the prefilter lets it run (bd_pattern_code()).
 * The cache is keyed by a hash of every pattern source, its kind, the
 * PCRE2 version and our compile options, so any edit to any rule file
 * makes it stale and the table is compiled and checked afresh: loading
 * stays strict.  The file is trusted only when it is a regular file
 * owned by the caller and writable by nobody else, and its checksum
 * matches; otherwise it is ignored.  Failing to read or write a cache is
 * never an error.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <stdatomic.h>
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
#define CACHE_MAGIC	"BDRCACH4"	/* 8 bytes; bump on format change */
#define CACHE_MAX	(64u * 1024 * 1024)

/* The file: header, then the prefilter literals (one length byte and
 * the bytes, per pattern, in collect() order). */
struct cache_header {
	char		 magic[8];
	uint64_t	 key;		/* hash of the sources */
	uint64_t	 count;		/* patterns */
	uint64_t	 len;		/* payload bytes */
	uint64_t	 ovector;	/* most capture pairs of any pattern */
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
	for (i = 0; i < r->nwrappers; i++)
		cap += r->wrappers[i]->nmatch;
	for (i = 0; i < r->nboilerplate; i++)
		cap += r->boilerplate[i]->nmatch;
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
	for (i = 0; i < r->nwrappers; i++)
		for (j = 0; j < r->wrappers[i]->nmatch; j++)
			v[n++] = &r->wrappers[i]->match[j];
	for (i = 0; i < r->nboilerplate; i++)
		for (j = 0; j < r->boilerplate[i]->nmatch; j++)
			v[n++] = &r->boilerplate[i]->match[j];
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
		kind = (unsigned char)v[i]->kind;
		h = bd_hash(h, &kind, 1);
		h = bd_hash(h, v[i]->src, strlen(v[i]->src) + 1);
	}
	return h;
}

/* Is name an allowed capture name for this kind of pattern? */
static int
capture_name_ok(int kind, const char *name)
{
	switch (kind) {
	case BD_PAT_EXTRACT:
		return strcmp(name, "recipient") == 0 ||
		    strcmp(name, "reply") == 0;
	case BD_PAT_WRAPPER:
		return strcmp(name, "reply") == 0 ||
		    strcmp(name, "code") == 0 || strcmp(name, "esc") == 0 ||
		    bd_field_lookup(name) >= 0;
	case BD_PAT_BOILERPLATE:
		return 0;
	default:
		return bd_field_lookup(name) >= 0;
	}
}

/* What capture names a kind of pattern allows, for the message. */
static const char *
capture_names(int kind)
{
	switch (kind) {
	case BD_PAT_EXTRACT:
		return " (extract captures are recipient and reply)";
	case BD_PAT_WRAPPER:
		return " (wrapper captures are reply, code, esc and fields)";
	case BD_PAT_BOILERPLATE:
		return " (boilerplate patterns capture nothing by name)";
	default:
		return " (captures must name a field)";
	}
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
	uint32_t count, size, i, captures;
	PCRE2_SPTR table;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)p->src, PCRE2_ZERO_TERMINATED,
	    PATTERN_OPTIONS, &err, &off, NULL);
	if (re == NULL) {
		(void)pcre2_get_error_message(err, emsg, sizeof(emsg));
		(void)snprintf(msg, sizeof(msg), "regex error at offset %zu: "
		    "%s", (size_t)off, (const char *)emsg);
		pattern_error(r, p, p->col + (unsigned)off, fn, arg, msg);
		return -1;
	}
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const char *name = (const char *)table + i * size + 2;

		if (!capture_name_ok(p->kind, name)) {
			(void)snprintf(msg, sizeof(msg), "unknown capture "
			    "name '%.40s'%s", name, capture_names(p->kind));
			pattern_error(r, p, p->col, fn, arg, msg);
			pcre2_code_free(re);
			return -1;
		}
	}
	if (p->kind == BD_PAT_WRAPPER && pcre2_substring_number_from_name(re,
	    (PCRE2_SPTR)"reply") < 0) {
		pattern_error(r, p, p->col, fn, arg, "a wrapper pattern needs "
		    "a (?<reply>...) capture");
		pcre2_code_free(re);
		return -1;
	}
	(void)pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &captures);
	if (captures + 1 > r->max_ovector)
		r->max_ovector = captures + 1;
	atomic_store(&p->re, re);
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
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE |
	    MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	*lenp = (size_t)st.st_size;
	return map;
}

/* Is p (n bytes) a well-formed packed literal list? */
static int
packed_ok(const unsigned char *p, size_t n)
{
	size_t	 off = 0;

	while (off < n) {
		if (p[off] == 0 || p[off] > n - off - 1)
			return 0;
		off += 1 + p[off];
	}
	return 1;
}

/* Read the literal table of a cache; 0, or -1 when it is malformed. */
static int
cache_literals(struct bd_pattern **v, size_t n, const unsigned char *p,
    size_t len)
{
	size_t	 i, off = 0, l;

	for (i = 0; i < n; i++) {
		if (len - off < 2)
			return -1;
		l = (size_t)p[off] | (size_t)p[off + 1] << 8;
		off += 2;
		if (l > len - off || !packed_ok(p + off, l))
			return -1;
		free(v[i]->lit);
		v[i]->lit = NULL;
		v[i]->litlen = l;
		if (l > 0) {
			if ((v[i]->lit = malloc(l)) == NULL)
				return -1;
			memcpy(v[i]->lit, p + off, l);
		}
		off += l;
	}
	return off == len ? 0 : -1;
}

/* Learn from the cache that these patterns compiled cleanly: take
 * their literals and capture count.  0, or -1 to compile instead. */
static int
cache_load(struct bd_rules *r, struct bd_pattern **v, size_t n,
    uint64_t key)
{
	struct cache_header h;
	unsigned char *buf;
	size_t	 len;
	int	 rc = -1;

	if (n == 0 || (buf = cache_map(r->cache_path, &len)) == NULL)
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, 8) == 0 && h.key == key &&
	    h.count == n && h.len == len - sizeof(h) && h.ovector > 0 &&
	    h.ovector < 65536 &&
	    h.sum == bd_hash(BD_HASH_INIT, buf + sizeof(h), h.len) &&
	    cache_literals(v, n, buf + sizeof(h), h.len) == 0) {
		r->max_ovector = (uint32_t)h.ovector;
		rc = 0;
	}
	(void)munmap(buf, len);
	return rc;
}

/* Write the cache atomically (temporary file, then rename). */
static void
cache_store(const struct bd_rules *r, struct bd_pattern **v, size_t n,
    uint64_t key)
{
	struct cache_header h;
	char	 tmp[4096];
	unsigned char *lits;
	size_t	 i, llen, off;
	int	 fd, ok;

	if (n == 0 || (size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp",
	    r->cache_path, (long)getpid()) >= sizeof(tmp))
		return;
	for (i = 0, llen = 0; i < n; i++)
		llen += 2 + v[i]->litlen;
	if ((lits = malloc(llen + 1)) == NULL)
		return;
	for (i = 0, off = 0; i < n; i++) {
		lits[off++] = (unsigned char)(v[i]->litlen & 0xff);
		lits[off++] = (unsigned char)(v[i]->litlen >> 8);
		if (v[i]->litlen > 0)
			memcpy(lits + off, v[i]->lit, v[i]->litlen);
		off += v[i]->litlen;
	}
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.key = key;
	h.count = n;
	h.len = llen;
	h.ovector = r->max_ovector;
	h.sum = bd_hash(BD_HASH_INIT, lits, llen);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) != -1) {
		ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		    write(fd, lits, llen) == (ssize_t)llen;
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, r->cache_path) == -1)
			(void)unlink(tmp);
	}
	free(lits);
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

/* Offset just past the class starting at s[i] == '[' (n = strlen). */
static size_t
skip_class(const char *s, size_t i, size_t n)
{
	i++;
	if (i < n && s[i] == '^')
		i++;
	if (i < n && s[i] == ']')
		i++;
	for (; i < n && s[i] != ']'; i++)
		if (s[i] == '\\' && i + 1 < n)
			i++;
	return i;
}

/* Offset of the ')' closing the group opened at s[i], or n. */
static size_t
group_end(const char *s, size_t i, size_t n)
{
	int	 depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '[')
			i = skip_class(s, i, n);
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
	}
	return n;
}

/*
 * The prefilter for a pattern that is an alternation ("a|b", or one
 * group around it: "(?:a|b)", "(?<blocklist>a|b)"): one literal per
 * branch, any of which must be in the text.  packed gets, per branch, a
 * length byte and the literal; returns its size, 0 when a branch has no
 * literal (then nothing can be skipped).  Plain patterns get their one
 * literal the same way.
 */
size_t
bd_required_literals(const char *src, unsigned char *packed, size_t size)
{
	const char *body = src;
	char	 branch[1024], lit[256];
	size_t	 n = strlen(src), start, i, off = 0, l, blen;
	int	 depth = 0, branches = 0;

	/* One capturing, named or non-capturing group around it all. */
	if (n > 2 && src[0] == '(' && group_end(src, 0, n) == n - 1) {
		if (src[1] != '?')
			body = src + 1;
		else if (src[2] == ':')
			body = src + 3;
		else if ((src[2] == '<' && src[3] != '=' && src[3] != '!') ||
		    src[2] == '\'' || (src[2] == 'P' && src[3] == '<')) {
			body = strpbrk(src + 3, ">'");
			body = body != NULL ? body + 1 : src;
		}
		if (body != src)
			n = (size_t)(src + n - 1 - body);
	}
	for (start = 0, i = 0; i <= n; i++) {
		if (i < n && body[i] == '\\') {
			i++;
			continue;
		}
		if (i < n && body[i] == '[') {
			i = skip_class(body, i, n);
			continue;
		}
		if (i < n && body[i] == '(')
			depth++;
		else if (i < n && body[i] == ')')
			depth--;
		if (i < n && (depth != 0 || body[i] != '|'))
			continue;
		/* A branch: body[start, i). */
		if (++branches > 8 || (blen = i - start) >= sizeof(branch))
			return 0;
		memcpy(branch, body + start, blen);
		branch[blen] = '\0';
		if ((l = bd_required_literal(branch, lit, sizeof(lit))) == 0 ||
		    off + 1 + l > size)
			return 0;
		packed[off++] = (unsigned char)l;
		memcpy(packed + off, lit, l);
		off += l;
		start = i + 1;
	}
	return off;
}

/* Give every pattern its prefilter literal. */
static int
literals(struct bd_pattern **v, size_t n)
{
	unsigned char lit[1024];
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		free(v[i]->lit);
		v[i]->lit = NULL;
		v[i]->litlen = 0;
		if ((len = bd_required_literals(v[i]->src, lit,
		    sizeof(lit))) == 0)
			continue;
		if ((v[i]->lit = malloc(len)) == NULL)
			return -1;
		memcpy(v[i]->lit, lit, len);
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
	if (r->cache_path != NULL && !r->cache_used && errors == 0 &&
	    !r->failed)
		cache_store(r, v, n, key);
	free(v);
	return errors ? -1 : 0;
}

/*
 * The compiled code of p, compiling it now if the table came from the
 * cache (its source is known to compile: the cache says so).  Safe from
 * several threads: the first finished compile is published atomically
 * and a loser frees its copy.  NULL only when out of memory.
 */
pcre2_code *
bd_pattern_code(const struct bd_pattern *p)
{
	struct bd_pattern *w = (struct bd_pattern *)p;	/* the lazy slot */
	pcre2_code *re, *expected = NULL;
	PCRE2_SIZE off;
	int	 err;

	if ((re = atomic_load(&w->re)) != NULL)
		return re;
	re = pcre2_compile((PCRE2_SPTR)p->src, PCRE2_ZERO_TERMINATED,
	    PATTERN_OPTIONS, &err, &off, NULL);
	if (re == NULL)
		return NULL;
	if (!atomic_compare_exchange_strong(&w->re, &expected, re)) {
		pcre2_code_free(re);
		re = expected;
	}
	return re;
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
