/*
 * rules_load.c - read rule files into a struct bd_rules (format:
 * rules/README.md and bouncediag-rules(5)).
 *
 * Loading is strict: an unknown kind or key, a missing required key, a
 * pattern PCRE2 refuses, a placeholder naming no field, a rule naming an
 * unknown cause all are errors, reported as FILE:LINE:COL through the
 * caller's bd_diag_fn.  Loading goes on to the end so every error is seen
 * in one run, but a table with errors must not be used: a silently
 * skipped rule would change diagnoses (model: Postfix dict_pcre, pcre2grep).
 *
 * Patterns are compiled once, here, with PCRE2_CASELESS | PCRE2_UTF |
 * PCRE2_MATCH_INVALID_UTF (bounces are not always valid UTF-8).  JIT is
 * left to bd_rules_jit(): compiling hundreds of patterns to machine code
 * costs more than a single paste saves.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>	/* RUNNING_ON_VALGRIND: bd_rules_jit() */
#endif
#endif

#include "limits.h"
#include "rules.h"

#define PATTERN_OPTIONS	(PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

enum entry_kind {
	ENTRY_NONE,
	ENTRY_CAUSE,
	ENTRY_RULE,
	ENTRY_EXTRACT,
	ENTRY_STATUS,
	ENTRY_REPLY,
	ENTRY_WRAPPER,
	ENTRY_BOILERPLATE
};

/* State while one file is read. */
struct load {
	struct bd_rules	*rules;
	const char	*file;		/* interned */
	bd_diag_fn	*fn;
	void		*arg;
	unsigned	 line;
	unsigned	 errors;
	enum entry_kind	 kind;
	unsigned	 entry_line;
	int		 entry_bad;	/* an error inside the current entry */
	int		 match_lines;	/* `match` lines seen, good or bad */
	struct bd_cause_entry *cause;
	struct bd_rule	*rule;
	struct bd_extractor *ext;
	struct bd_code_entry *code;
	struct bd_wrapper *wrap;
	struct bd_boilerplate *boil;
};

static void	 report(bd_diag_fn *, void *, enum bd_severity, const char *,
		    unsigned, unsigned, const char *, ...)
		    __attribute__((format(printf, 7, 8)));
static void	 load_error(struct load *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Hand one problem to the caller's callback. */
static void
report(bd_diag_fn *fn, void *arg, enum bd_severity sev, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	struct bd_diag d;
	char	 msg[512];
	va_list	 ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d.severity = sev;
	d.file = file;
	d.line = line;
	d.col = col;
	d.msg = msg;
	fn(&d, arg);
}

/* An error in the line being read; spoils the current entry. */
static void
load_error(struct load *ld, unsigned col, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ld->fn, ld->arg, BD_SEV_ERROR, ld->file, ld->line, col,
	    "%s", msg);
	ld->errors++;
	ld->entry_bad = 1;
	ld->rules->failed = 1;
}

/*
 * Grow an array by one element; 0 or -1.  Capacity doubles at powers of
 * two (so it is derived from n, not stored): amortised O(1) appends.
 */
static int
grow(void *arrp, size_t *n, size_t size)
{
	void	**p = arrp, *q;
	size_t	 cap;

	if (*n >= SIZE_MAX / size / 4)
		return -1;
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0) || *n < 4) {
		cap = *n < 4 ? 4 : *n * 2;
		if ((q = realloc(*p, cap * size)) == NULL)
			return -1;
		*p = q;
	}
	(*n)++;
	return 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long	 era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* "YYYY-MM-DD" to days since the epoch, or -1. */
long
bd_parse_date(const char *s)
{
	unsigned y = 0, m, d;
	int	 i;

	/* Digits only: sscanf("%4u") would take "-001" as a huge year. */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)
		    s[i]))
			return -1;
	if (s[10] != '\0')
		return -1;
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return days_from_civil((long)y, m, d);
}

/* Free one compiled pattern's storage. */
static void
pattern_free(struct bd_pattern *p)
{
	pcre2_code_free(atomic_load(&p->re));
	free(p->src);
	free(p->lit);
	atomic_store(&p->re, NULL);
	p->src = NULL;
	p->lit = NULL;
}

static void
patterns_free(struct bd_pattern *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		pattern_free(&p[i]);
	free(p);
}

static void
strings_free(char **s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static void
settings_free(struct bd_setting *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(s[i].value);
	free(s);
}

static void
cause_free(struct bd_cause_entry *c)
{
	if (c == NULL)
		return;
	free((char *)c->pub.id);
	free((char *)c->pub.title);
	free((char *)c->pub.actor);
	free((char *)c->pub.retry);
	free((char *)c->pub.explain);
	free((char *)c->pub.prevent);
	free((char *)c->pub.delayed);
	strings_free(c->fix, c->pub.nfix);
	free(c);
}

static void
rule_free(struct bd_rule *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	free(r->id);
	free(r->cause_id);
	patterns_free(r->match, r->nmatch);
	patterns_free(r->also, r->nalso);
	patterns_free(r->unless, r->nunless);
	pattern_free(&r->host);
	free(r->code);
	free(r->status);
	settings_free(r->set, r->nset);
	for (i = 0; i < r->nalt; i++)
		free(r->alt[i]);
	free(r->tell);
	free(r->hint);
	strings_free(r->example, r->nexample);
	free(r->example_line);
	free(r);
}

static void
extractor_free(struct bd_extractor *e)
{
	if (e == NULL)
		return;
	free(e->id);
	patterns_free(e->match, e->nmatch);
	patterns_free(e->when, e->nwhen);
	settings_free(e->set, e->nset);
	strings_free(e->example, e->nexample);
	free(e);
}

static void
code_entry_free(struct bd_code_entry *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	free(c->code);
	free(c->title);
	free(c->cause_id);
	for (i = 0; i < c->nalt; i++)
		free(c->alt[i]);
	free(c);
}

static void
wrapper_free(struct bd_wrapper *w)
{
	if (w == NULL)
		return;
	free(w->id);
	patterns_free(w->match, w->nmatch);
	strings_free(w->form, w->nform);
	strings_free(w->example, w->nexample);
	free(w->example_line);
	free(w);
}

static void
boilerplate_free(struct bd_boilerplate *b)
{
	if (b == NULL)
		return;
	free(b->id);
	patterns_free(b->match, b->nmatch);
	strings_free(b->example, b->nexample);
	free(b->example_line);
	free(b);
}

/* Empty table. */
struct bd_rules *
bd_rules_new(void)
{
	struct bd_rules *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->mctx = pcre2_match_context_create(NULL)) == NULL) {
		free(r);
		return NULL;
	}
	/* Bounded work whatever the pattern and the input (limits.h). */
	pcre2_set_match_limit(r->mctx, BD_PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, BD_PCRE_DEPTH_LIMIT);
	pcre2_set_heap_limit(r->mctx, BD_PCRE_HEAP_LIMIT);
	return r;
}

/* Free everything the table owns. */
void
bd_rules_free(struct bd_rules *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncauses; i++)
		cause_free(r->causes[i]);
	for (i = 0; i < r->nrules; i++)
		rule_free(r->rules[i]);
	for (i = 0; i < r->ncodes; i++)
		code_entry_free(r->codes[i]);
	for (i = 0; i < r->nextract; i++)
		extractor_free(r->extract[i]);
	for (i = 0; i < r->nwrappers; i++)
		wrapper_free(r->wrappers[i]);
	for (i = 0; i < r->nboilerplate; i++)
		boilerplate_free(r->boilerplate[i]);
	strings_free(r->files, r->nfiles);
	free(r->cache_path);
	free(r->rule_index.slot);
	free(r->causes);
	free(r->rules);
	free(r->codes);
	free(r->extract);
	free(r->wrappers);
	free(r->boilerplate);
	pcre2_match_context_free(r->mctx);
	free(r);
}

/* Keep one copy of each file name; results point at it. */
static const char *
intern_file(struct bd_rules *r, const char *name)
{
	size_t	 i;
	char	*s;

	for (i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i], name) == 0)
			return r->files[i];
	if ((s = strdup(name)) == NULL)
		return NULL;
	if (grow(&r->files, &r->nfiles, sizeof(*r->files)) == -1) {
		free(s);
		return NULL;
	}
	r->files[r->nfiles - 1] = s;
	return s;
}

/* Is c allowed in an id? */
static int
id_char(int c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return !first && (c == '.' || c == '_' || c == '-');
}

/* Check an entry id; 0 or -1 (error reported). */
static int
check_id(struct load *ld, const char *id, unsigned col)
{
	size_t	 i;

	for (i = 0; id[i] != '\0'; i++)
		if (!id_char((unsigned char)id[i], i == 0)) {
			load_error(ld, col + (unsigned)i,
			    "invalid character in id '%.60s' "
			    "(use a-z, 0-9, '.', '_', '-')", id);
			return -1;
		}
	if (i == 0 || i > 100) {
		load_error(ld, col, "id must be 1 to 100 characters");
		return -1;
	}
	return 0;
}

/* Check a status code id: C.S.D with C in 245X, S and D 1-3 digits or X. */
static int
valid_status_id(const char *s)
{
	int	 part, n;

	if (!(*s == '2' || *s == '4' || *s == '5' || *s == 'X'))
		return 0;
	s++;
	for (part = 0; part < 2; part++) {
		if (*s++ != '.')
			return 0;
		if (*s == 'X') {
			s++;
			continue;
		}
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n < 1 || n > 3)
			return 0;
	}
	return *s == '\0';
}

/* Check a reply code id: [2-5] then two of digit or X. */
static int
valid_reply_id(const char *s)
{
	int	 i;

	if (strlen(s) != 3 || s[0] < '2' || s[0] > '5')
		return 0;
	for (i = 1; i < 3; i++)
		if (!(s[i] == 'X' || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* Record a pattern for bd_rules_finish() to compile. */
static int
record_pattern(struct load *ld, const char *src, unsigned col,
    struct bd_pattern *p, enum entry_kind kind)
{
	memset(p, 0, sizeof(*p));
	if ((p->src = strdup(src)) == NULL) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	p->file = ld->file;
	p->line = ld->line;
	p->col = col;
	p->kind = kind == ENTRY_EXTRACT ? BD_PAT_EXTRACT :
	    kind == ENTRY_WRAPPER ? BD_PAT_WRAPPER :
	    kind == ENTRY_BOILERPLATE ? BD_PAT_BOILERPLATE : BD_PAT_RULE;
	return 0;
}

/* Append a pattern to an array. */
static int
add_pattern(struct load *ld, struct bd_pattern **arr, size_t *n,
    const char *src, unsigned col, enum entry_kind kind)
{
	struct bd_pattern p;

	if (record_pattern(ld, src, col, &p, kind) == -1)
		return -1;
	if (grow(arr, n, sizeof(**arr)) == -1) {
		pattern_free(&p);
		load_error(ld, col, "out of memory");
		return -1;
	}
	(*arr)[*n - 1] = p;
	return 0;
}

/* Check {field} and {field|default} placeholders in text. */
static int
check_placeholders(struct load *ld, const char *text, unsigned col)
{
	const char *p, *end, *bar;
	char	 name[64];
	size_t	 n;

	for (p = text; (p = strchr(p, '{')) != NULL; p = end + 1) {
		if ((end = strchr(p, '}')) == NULL) {
			load_error(ld, col + (unsigned)(p - text),
			    "'{' without '}'");
			return -1;
		}
		bar = memchr(p, '|', (size_t)(end - p));
		n = (size_t)((bar != NULL ? bar : end) - p - 1);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		if (bd_field_lookup(name) < 0 && strcmp(name, "code") != 0 &&
		    strcmp(name, "enhanced") != 0) {
			load_error(ld, col + (unsigned)(p - text) + 1,
			    "unknown placeholder '{%s}'", name);
			return -1;
		}
	}
	return 0;
}

/* Join value onto a text key that may span several lines. */
static int
join_text(struct load *ld, char **dst, const char *value, unsigned col,
    int placeholders)
{
	size_t	 old, n;
	char	*s;

	if (placeholders && check_placeholders(ld, value, col) == -1)
		return -1;
	old = *dst != NULL ? strlen(*dst) : 0;
	n = strlen(value);
	if ((s = realloc(*dst, old + n + 2)) == NULL) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	if (old > 0)
		s[old++] = ' ';
	memcpy(s + old, value, n + 1);
	*dst = s;
	return 0;
}

/* Parse a comma list of code or status patterns. */
static int
parse_code_list(struct load *ld, const char *value, unsigned col,
    int is_status, struct bd_code_pat **out, size_t *nout)
{
	const char *p = value, *item = value;
	struct bd_code_pat cp;
	int	 part, n, v;

	if (*nout > 0) {
		load_error(ld, col, "'%s' given twice", is_status ? "status" :
		    "code");
		return -1;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		item = p;
		for (part = 0; part < 3; part++) {
			if (is_status && part > 0 && *p++ != '.')
				goto bad;
			if (*p == 'X' || *p == 'x' || *p == '*') {
				cp.part[part] = -1;
				p++;
				continue;
			}
			for (n = v = 0; *p >= '0' && *p <= '9' &&
			    n < (is_status ? 3 : 1); p++, n++)
				v = v * 10 + (*p - '0');
			if (n == 0)
				goto bad;
			cp.part[part] = v;
		}
		if (cp.part[0] != -1 && (cp.part[0] < 2 || cp.part[0] > 5))
			goto bad;
		if (grow(out, nout, sizeof(**out)) == -1)
			goto bad;
		(*out)[*nout - 1] = cp;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	load_error(ld, col + (unsigned)(item - value), "bad %s list '%.60s' "
	    "(e.g. %s)", is_status ? "status" : "code", value,
	    is_status ? "5.7.1, 5.7.*, X.7.*" : "550, 55X, 5XX");
	return -1;
}

/* `set FIELD VALUE` */
static int
parse_setting(struct load *ld, const char *value, unsigned col,
    struct bd_setting **arr, size_t *n)
{
	const char *sp;
	char	 name[64];
	size_t	 len;
	int	 f;

	sp = value + strcspn(value, " \t");
	len = (size_t)(sp - value);
	if (*sp == '\0' || len >= sizeof(name)) {
		load_error(ld, col, "'set' needs a field and a value");
		return -1;
	}
	memcpy(name, value, len);
	name[len] = '\0';
	if ((f = bd_field_lookup(name)) < 0) {
		load_error(ld, col, "unknown field '%s'", name);
		return -1;
	}
	sp += strspn(sp, " \t");
	if (grow(arr, n, sizeof(**arr)) == -1 ||
	    ((*arr)[*n - 1].value = strdup(sp)) == NULL) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	(*arr)[*n - 1].field = f;
	return 0;
}

/* Append a plain string to an array. */
static int
add_string(struct load *ld, char ***arr, size_t *n, const char *value,
    unsigned col)
{
	char	*s;

	if ((s = strdup(value)) == NULL || grow(arr, n, sizeof(**arr)) == -1) {
		free(s);
		load_error(ld, col, "out of memory");
		return -1;
	}
	(*arr)[*n - 1] = s;
	return 0;
}

/* Append an example and the line it is on. */
static int
add_example(struct load *ld, char ***arr, unsigned **lines, size_t *n,
    const char *value, unsigned col)
{
	size_t	 nl = *n;

	if (add_string(ld, arr, n, value, col) == -1)
		return -1;
	if (grow(lines, &nl, sizeof(**lines)) == -1) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	(*lines)[nl - 1] = ld->line;
	return 0;
}

/* `alt CAUSE`, at most BD_MAX_ALTERNATIVES of them. */
static int
add_alt(struct load *ld, char **alt, size_t *nalt, unsigned *alt_line,
    const char *value, unsigned col)
{
	if (*nalt >= BD_MAX_ALTERNATIVES) {
		load_error(ld, col, "at most %d 'alt'", BD_MAX_ALTERNATIVES);
		return -1;
	}
	if ((alt[*nalt] = strdup(value)) == NULL) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	(*nalt)++;
	*alt_line = ld->line;
	return 0;
}

/* Set a single-valued key once. */
static int
set_once(struct load *ld, char **dst, const char *key, const char *value,
    unsigned col)
{
	if (*dst != NULL) {
		load_error(ld, col, "'%s' given twice", key);
		return -1;
	}
	if ((*dst = strdup(value)) == NULL) {
		load_error(ld, col, "out of memory");
		return -1;
	}
	return 0;
}

/* One field of a cause entry. */
static void
cause_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_cause_entry *c = ld->cause;
	struct bd_cause *p = &c->pub;

	if (strcmp(key, "title") == 0)
		(void)set_once(ld, (char **)&p->title, key, value, col);
	else if (strcmp(key, "permanent") == 0) {
		if (strcmp(value, "yes") == 0)
			p->permanent = 1;
		else if (strcmp(value, "no") == 0)
			p->permanent = 0;
		else
			load_error(ld, col, "permanent must be yes or no");
	} else if (strcmp(key, "actor") == 0) {
		if (strcmp(value, "you") != 0 && strcmp(value, "recipient")
		    != 0 && strcmp(value, "admin") != 0 &&
		    strcmp(value, "nobody") != 0)
			load_error(ld, col, "actor must be you, recipient, "
			    "admin or nobody");
		else
			(void)set_once(ld, (char **)&p->actor, key, value,
			    col);
	} else if (strcmp(key, "retry") == 0)
		(void)join_text(ld, (char **)&p->retry, value, col, 0);
	else if (strcmp(key, "explain") == 0)
		(void)join_text(ld, (char **)&p->explain, value, col, 0);
	else if (strcmp(key, "prevent") == 0)
		(void)join_text(ld, (char **)&p->prevent, value, col, 0);
	else if (strcmp(key, "delayed") == 0)
		(void)join_text(ld, (char **)&p->delayed, value, col, 0);
	else if (strcmp(key, "fix") == 0) {
		if (check_placeholders(ld, value, col) == 0)
			(void)add_string(ld, &c->fix, &p->nfix, value, col);
		p->fix = (const char *const *)c->fix;
	} else
		load_error(ld, 2, "unknown key '%.40s' in cause", key);
}

/* One field of a rule entry. */
static void
rule_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_rule *r = ld->rule;
	long	 d;

	if (strcmp(key, "cause") == 0) {
		if (set_once(ld, &r->cause_id, key, value, col) == 0)
			r->cause_line = ld->line;
	} else if (strcmp(key, "match") == 0 && ++ld->match_lines)
		(void)add_pattern(ld, &r->match, &r->nmatch, value, col,
		    ENTRY_RULE);
	else if (strcmp(key, "also") == 0)
		(void)add_pattern(ld, &r->also, &r->nalso, value, col,
		    ENTRY_RULE);
	else if (strcmp(key, "unless") == 0)
		(void)add_pattern(ld, &r->unless, &r->nunless, value, col,
		    ENTRY_RULE);
	else if (strcmp(key, "host") == 0) {
		if (r->host.src != NULL)
			load_error(ld, col, "'host' given twice");
		else
			(void)record_pattern(ld, value, col, &r->host,
			    ENTRY_RULE);
	} else if (strcmp(key, "code") == 0)
		(void)parse_code_list(ld, value, col, 0, &r->code, &r->ncode);
	else if (strcmp(key, "status") == 0)
		(void)parse_code_list(ld, value, col, 1, &r->status,
		    &r->nstatus);
	else if (strcmp(key, "set") == 0)
		(void)parse_setting(ld, value, col, &r->set, &r->nset);
	else if (strcmp(key, "alt") == 0)
		(void)add_alt(ld, r->alt, &r->nalt, &r->alt_line, value, col);
	else if (strcmp(key, "tell") == 0)
		(void)join_text(ld, &r->tell, value, col, 1);
	else if (strcmp(key, "hint") == 0)
		(void)join_text(ld, &r->hint, value, col, 1);
	else if (strcmp(key, "example") == 0)
		(void)add_example(ld, &r->example, &r->example_line,
		    &r->nexample, value, col);
	else if (strcmp(key, "confidence") == 0) {
		if (strcmp(value, "high") == 0)
			r->confidence = BD_CONF_HIGH;
		else if (strcmp(value, "medium") == 0)
			r->confidence = BD_CONF_MEDIUM;
		else
			load_error(ld, col, "confidence must be high or "
			    "medium");
	} else if (strcmp(key, "source") == 0)
		;	/* for people; not kept */
	else if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
		if ((d = bd_parse_date(value)) < 0)
			load_error(ld, col, "bad date '%.20s' (want "
			    "YYYY-MM-DD)", value);
		else if (key[0] == 's')
			r->since = d;
		else
			r->until = d;
	} else
		load_error(ld, 2, "unknown key '%.40s' in rule", key);
}

/* One field of an extract entry. */
static void
extract_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_extractor *e = ld->ext;

	if (strcmp(key, "match") == 0 && ++ld->match_lines)
		(void)add_pattern(ld, &e->match, &e->nmatch, value, col,
		    ENTRY_EXTRACT);
	else if (strcmp(key, "when") == 0)
		(void)add_pattern(ld, &e->when, &e->nwhen, value, col,
		    ENTRY_RULE);
	else if (strcmp(key, "set") == 0)
		(void)parse_setting(ld, value, col, &e->set, &e->nset);
	else if (strcmp(key, "example") == 0)
		(void)add_string(ld, &e->example, &e->nexample, value, col);
	else if (strcmp(key, "source") != 0)
		load_error(ld, 2, "unknown key '%.40s' in extract", key);
}

/* One field of a status or reply entry. */
static void
code_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_code_entry *c = ld->code;

	if (strcmp(key, "title") == 0)
		(void)set_once(ld, &c->title, key, value, col);
	else if (strcmp(key, "cause") == 0) {
		if (set_once(ld, &c->cause_id, key, value, col) == 0)
			c->cause_line = ld->line;
	} else if (strcmp(key, "alt") == 0)
		(void)add_alt(ld, c->alt, &c->nalt, &c->alt_line, value, col);
	else if (strcmp(key, "source") != 0)
		load_error(ld, 2, "unknown key '%.40s' in %s", key,
		    c->is_status ? "status" : "reply");
}

/* One field of a wrapper entry. */
static void
wrapper_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_wrapper *w = ld->wrap;

	if (strcmp(key, "match") == 0 && ++ld->match_lines)
		(void)add_pattern(ld, &w->match, &w->nmatch, value, col,
		    ENTRY_WRAPPER);
	else if (strcmp(key, "unescape") == 0) {
		if (strcmp(value, "c") == 0)
			w->unescape |= BD_UNESCAPE_C;
		else if (strcmp(value, "underscore") == 0)
			w->unescape |= BD_UNESCAPE_UNDERSCORE;
		else
			load_error(ld, col, "unescape must be c or "
			    "underscore");
	} else if (strcmp(key, "form") == 0) {
		if (strstr(value, "{reply}") == NULL &&
		    strstr(value, "{rest}") == NULL &&
		    strstr(value, "{text}") == NULL)
			load_error(ld, col, "a form needs {reply}, {rest} or "
			    "{text}");
		else
			(void)add_string(ld, &w->form, &w->nform, value, col);
	} else if (strcmp(key, "example") == 0)
		(void)add_example(ld, &w->example, &w->example_line,
		    &w->nexample, value, col);
	else if (strcmp(key, "source") != 0)
		load_error(ld, 2, "unknown key '%.40s' in wrapper", key);
}

/* One field of a boilerplate entry. */
static void
boilerplate_field(struct load *ld, const char *key, const char *value,
    unsigned col)
{
	struct bd_boilerplate *b = ld->boil;

	if (strcmp(key, "match") == 0 && ++ld->match_lines)
		(void)add_pattern(ld, &b->match, &b->nmatch, value, col,
		    ENTRY_BOILERPLATE);
	else if (strcmp(key, "example") == 0)
		(void)add_example(ld, &b->example, &b->example_line,
		    &b->nexample, value, col);
	else if (strcmp(key, "source") != 0)
		load_error(ld, 2, "unknown key '%.40s' in boilerplate", key);
}

/* Report a required key the finished entry lacks. */
static void
missing(struct load *ld, const char *kind, const char *id, const char *key)
{
	report(ld->fn, ld->arg, BD_SEV_ERROR, ld->file, ld->entry_line, 1,
	    "%s '%s' has no '%s'", kind, id, key);
	ld->errors++;
	ld->entry_bad = 1;
	ld->rules->failed = 1;
}

/*
 * Put a finished entry in its array: replace an entry with the same id
 * (keeping its place, so an override keeps the shipped rule's priority)
 * or append.  Takes ownership; frees it on failure.
 */
static int
insert(void *arrp, size_t *n, void *entry, const char *id,
    size_t id_offset, size_t max, void (*freefn)(void *))
{
	void	***arr = arrp;
	size_t	 i;

	for (i = 0; i < *n; i++) {
		const char *other = *(const char **)((char *)(*arr)[i] +
		    id_offset);

		if (strcmp(other, id) == 0) {
			freefn((*arr)[i]);
			(*arr)[i] = entry;
			return 0;
		}
	}
	if (*n >= max || grow(arr, n, sizeof(void *)) == -1) {
		freefn(entry);
		return -1;
	}
	(*arr)[*n - 1] = entry;
	return 0;
}

/* Hash of an id for the rule index. */
static size_t
id_hash(const char *s)
{
	size_t	 h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Rebuild the open-addressing index at twice the rule count. */
static int
index_grow(struct bd_rules *r)
{
	size_t	 cap = r->rule_index.cap ? r->rule_index.cap * 2 : 256, i, h;
	size_t	*slot;

	if ((slot = calloc(cap, sizeof(*slot))) == NULL)
		return -1;
	for (i = 0; i < r->nrules; i++) {
		for (h = id_hash(r->rules[i]->id) & (cap - 1); slot[h] != 0;
		    h = (h + 1) & (cap - 1))
			;
		slot[h] = i + 1;
	}
	free(r->rule_index.slot);
	r->rule_index.slot = slot;
	r->rule_index.cap = cap;
	return 0;
}

/* Insert a rule, replacing one with the same id in place: O(1) with
 * the index, where the generic insert() is linear (fine for the few
 * causes and codes, not for thousands of rules). */
static int
rule_insert(struct bd_rules *r, struct bd_rule *rule)
{
	size_t	 h, mask;

	if ((r->nrules + 1) * 2 > r->rule_index.cap && index_grow(r) == -1) {
		rule_free(rule);
		return -1;
	}
	mask = r->rule_index.cap - 1;
	for (h = id_hash(rule->id) & mask; r->rule_index.slot[h] != 0;
	    h = (h + 1) & mask) {
		size_t	 i = r->rule_index.slot[h] - 1;

		if (strcmp(r->rules[i]->id, rule->id) == 0) {
			rule->replaced_file = r->rules[i]->file;
			rule->replaced_line = r->rules[i]->line;
			rule_free(r->rules[i]);
			r->rules[i] = rule;
			return 0;
		}
	}
	if (r->nrules >= BD_MAX_RULES || grow(&r->rules, &r->nrules,
	    sizeof(*r->rules)) == -1) {
		rule_free(rule);
		return -1;
	}
	r->rules[r->nrules - 1] = rule;
	r->rule_index.slot[h] = r->nrules;
	return 0;
}

static void free_cause_v(void *p) { cause_free(p); }
static void free_ext_v(void *p) { extractor_free(p); }
static void free_code_v(void *p) { code_entry_free(p); }
static void free_wrapper_v(void *p) { wrapper_free(p); }
static void free_boil_v(void *p) { boilerplate_free(p); }

/* Validate the entry being built and move it into the table. */
static void
finish_entry(struct load *ld)
{
	struct bd_rules *r = ld->rules;
	int	 rc = 0;

	switch (ld->kind) {
	case ENTRY_NONE:
		return;
	case ENTRY_CAUSE: {
		struct bd_cause *p = &ld->cause->pub;

		if (p->title == NULL)
			missing(ld, "cause", p->id, "title");
		if (p->actor == NULL)
			missing(ld, "cause", p->id, "actor");
		if (p->retry == NULL)
			missing(ld, "cause", p->id, "retry");
		if (p->explain == NULL)
			missing(ld, "cause", p->id, "explain");
		if (p->nfix == 0)
			missing(ld, "cause", p->id, "fix");
		if (p->prevent == NULL)
			missing(ld, "cause", p->id, "prevent");
		if (ld->entry_bad)
			cause_free(ld->cause);
		else {
			const struct bd_cause *old = bd_rules_cause(r, p->id);

			if (old != NULL) {
				ld->cause->replaced_file = old->file;
				ld->cause->replaced_line = old->line;
			}
			rc = insert(&r->causes, &r->ncauses, ld->cause, p->id,
			    offsetof(struct bd_cause_entry, pub.id),
			    BD_MAX_CAUSES, free_cause_v);
		}
		ld->cause = NULL;
		break;
	}
	case ENTRY_RULE:
		if (ld->rule->cause_id == NULL)
			missing(ld, "rule", ld->rule->id, "cause");
		if (ld->match_lines == 0)
			missing(ld, "rule", ld->rule->id, "match");
		if (ld->entry_bad)
			rule_free(ld->rule);
		else
			rc = rule_insert(r, ld->rule);
		ld->rule = NULL;
		break;
	case ENTRY_EXTRACT:
		if (ld->match_lines == 0)
			missing(ld, "extract", ld->ext->id, "match");
		if (ld->entry_bad)
			extractor_free(ld->ext);
		else
			rc = insert(&r->extract, &r->nextract, ld->ext,
			    ld->ext->id, offsetof(struct bd_extractor, id),
			    BD_MAX_RULES, free_ext_v);
		ld->ext = NULL;
		break;
	case ENTRY_STATUS:
	case ENTRY_REPLY:
		if (ld->code->title == NULL)
			missing(ld, ld->code->is_status ? "status" : "reply",
			    ld->code->code, "title");
		if (ld->entry_bad)
			code_entry_free(ld->code);
		else
			rc = insert(&r->codes, &r->ncodes, ld->code,
			    ld->code->code, offsetof(struct bd_code_entry,
			    code), BD_MAX_RULES, free_code_v);
		ld->code = NULL;
		break;
	case ENTRY_WRAPPER:
		if (ld->match_lines == 0)
			missing(ld, "wrapper", ld->wrap->id, "match");
		if (ld->wrap->nexample == 0)
			missing(ld, "wrapper", ld->wrap->id, "example");
		if (ld->entry_bad)
			wrapper_free(ld->wrap);
		else
			rc = insert(&r->wrappers, &r->nwrappers, ld->wrap,
			    ld->wrap->id, offsetof(struct bd_wrapper, id),
			    BD_MAX_RULES, free_wrapper_v);
		ld->wrap = NULL;
		break;
	case ENTRY_BOILERPLATE:
		if (ld->match_lines == 0)
			missing(ld, "boilerplate", ld->boil->id, "match");
		if (ld->boil->nexample == 0)
			missing(ld, "boilerplate", ld->boil->id, "example");
		if (ld->entry_bad)
			boilerplate_free(ld->boil);
		else
			rc = insert(&r->boilerplate, &r->nboilerplate,
			    ld->boil, ld->boil->id,
			    offsetof(struct bd_boilerplate, id), BD_MAX_RULES,
			    free_boil_v);
		ld->boil = NULL;
		break;
	}
	if (rc == -1) {
		report(ld->fn, ld->arg, BD_SEV_ERROR, ld->file,
		    ld->entry_line, 1, "too many entries or out of memory");
		ld->errors++;
		r->failed = 1;
	}
	ld->kind = ENTRY_NONE;
}

/* `KIND ID` in column 1 starts an entry. */
static void
start_entry(struct load *ld, char *line)
{
	char	*kind = line, *id, *rest;
	unsigned idcol;

	finish_entry(ld);
	ld->entry_line = ld->line;
	ld->entry_bad = 0;
	ld->match_lines = 0;
	id = kind + strcspn(kind, " \t");
	if (*id != '\0')
		*id++ = '\0';
	id += strspn(id, " \t");
	idcol = (unsigned)(id - line) + 1;
	rest = id + strcspn(id, " \t");
	if (*rest != '\0') {
		*rest++ = '\0';
		rest += strspn(rest, " \t");
	}
	if (*id == '\0') {
		load_error(ld, idcol, "'%.20s' needs an id", kind);
		ld->kind = ENTRY_NONE;
		return;
	}
	if (*rest != '\0') {
		load_error(ld, (unsigned)(rest - line) + 1,
		    "unexpected text after the id (fields go on indented "
		    "lines)");
	}
	if (strcmp(kind, "cause") == 0) {
		ld->kind = ENTRY_CAUSE;
		if ((ld->cause = calloc(1, sizeof(*ld->cause))) == NULL ||
		    (ld->cause->pub.id = strdup(id)) == NULL)
			goto nomem;
		ld->cause->pub.file = ld->file;
		ld->cause->pub.line = ld->line;
		ld->cause->line = ld->line;
		(void)check_id(ld, id, idcol);
	} else if (strcmp(kind, "rule") == 0) {
		ld->kind = ENTRY_RULE;
		if ((ld->rule = calloc(1, sizeof(*ld->rule))) == NULL ||
		    (ld->rule->id = strdup(id)) == NULL)
			goto nomem;
		ld->rule->file = ld->file;
		ld->rule->line = ld->line;
		ld->rule->confidence = BD_CONF_HIGH;
		(void)check_id(ld, id, idcol);
	} else if (strcmp(kind, "extract") == 0) {
		ld->kind = ENTRY_EXTRACT;
		if ((ld->ext = calloc(1, sizeof(*ld->ext))) == NULL ||
		    (ld->ext->id = strdup(id)) == NULL)
			goto nomem;
		ld->ext->file = ld->file;
		ld->ext->line = ld->line;
		(void)check_id(ld, id, idcol);
	} else if (strcmp(kind, "status") == 0 || strcmp(kind, "reply") == 0) {
		int	 is_status = kind[0] == 's';

		ld->kind = is_status ? ENTRY_STATUS : ENTRY_REPLY;
		if ((ld->code = calloc(1, sizeof(*ld->code))) == NULL ||
		    (ld->code->code = strdup(id)) == NULL)
			goto nomem;
		ld->code->is_status = is_status;
		ld->code->file = ld->file;
		ld->code->line = ld->line;
		if (is_status ? !valid_status_id(id) : !valid_reply_id(id))
			load_error(ld, idcol, "bad %s code '%.20s' (e.g. %s)",
			    kind, id, is_status ? "5.7.1, X.7.1, X.7.X" :
			    "550, 55X, 5XX");
	} else if (strcmp(kind, "wrapper") == 0) {
		ld->kind = ENTRY_WRAPPER;
		if ((ld->wrap = calloc(1, sizeof(*ld->wrap))) == NULL ||
		    (ld->wrap->id = strdup(id)) == NULL)
			goto nomem;
		ld->wrap->file = ld->file;
		ld->wrap->line = ld->line;
		(void)check_id(ld, id, idcol);
	} else if (strcmp(kind, "boilerplate") == 0) {
		ld->kind = ENTRY_BOILERPLATE;
		if ((ld->boil = calloc(1, sizeof(*ld->boil))) == NULL ||
		    (ld->boil->id = strdup(id)) == NULL)
			goto nomem;
		ld->boil->file = ld->file;
		ld->boil->line = ld->line;
		(void)check_id(ld, id, idcol);
	} else {
		load_error(ld, 1, "unknown entry kind '%.40s' (want cause, "
		    "rule, extract, wrapper, boilerplate, status or reply)",
		    kind);
		ld->kind = ENTRY_NONE;
	}
	return;
nomem:
	load_error(ld, 1, "out of memory");
}

/* An indented `KEY VALUE` line. */
static void
entry_field(struct load *ld, char *line)
{
	char	*key, *value, *end;
	unsigned col;

	key = line + strspn(line, " \t");
	value = key + strcspn(key, " \t");
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t");
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	col = (unsigned)(value - line) + 1;
	if (ld->kind == ENTRY_NONE) {
		if (!ld->entry_bad)
			load_error(ld, (unsigned)(key - line) + 1,
			    "field outside an entry (entries start in "
			    "column 1)");
		return;
	}
	if (*value == '\0') {
		load_error(ld, (unsigned)(key - line) + 1, "'%.40s' has no "
		    "value", key);
		return;
	}
	switch (ld->kind) {
	case ENTRY_CAUSE:
		cause_field(ld, key, value, col);
		break;
	case ENTRY_RULE:
		rule_field(ld, key, value, col);
		break;
	case ENTRY_EXTRACT:
		extract_field(ld, key, value, col);
		break;
	case ENTRY_STATUS:
	case ENTRY_REPLY:
		code_field(ld, key, value, col);
		break;
	case ENTRY_WRAPPER:
		wrapper_field(ld, key, value, col);
		break;
	case ENTRY_BOILERPLATE:
		boilerplate_field(ld, key, value, col);
		break;
	case ENTRY_NONE:
		break;
	}
}

/* The first C0 control or DEL in a line, tabs aside: an invisible
 * byte in a pattern or a text is always a mistake. */
static const char *
control_char(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return p + i;
	return NULL;
}

/* Load rules from a buffer that holds a whole file. */
enum bd_status
bd_rules_add_buffer(struct bd_rules *rules, const char *name,
    const char *buf, size_t len, bd_diag_fn *fn, void *arg)
{
	struct load ld;
	const char *p = buf, *end = buf + len, *nl, *bad;
	char	*line = NULL;
	size_t	 n, cap = 0;

	if (rules->finished)
		return BD_E_INVAL;
	memset(&ld, 0, sizeof(ld));
	ld.rules = rules;
	ld.fn = fn;
	ld.arg = arg;
	if ((ld.file = intern_file(rules, name)) == NULL)
		return BD_E_NOMEM;
	if (len > BD_MAX_RULES_FILE) {
		report(fn, arg, BD_SEV_ERROR, ld.file, 0, 0, "file larger "
		    "than %u bytes", (unsigned)BD_MAX_RULES_FILE);
		rules->failed = 1;
		return BD_E_SYNTAX;
	}
	while (p < end) {
		ld.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL) {
			load_error(&ld, 1, "NUL byte in line");
			p = nl != NULL ? nl + 1 : end;
			continue;
		}
		if ((bad = control_char(p, n)) != NULL) {
			load_error(&ld, (unsigned)(bad - p) + 1, "control "
			    "character 0x%02x in line (write \\x%02x in a "
			    "pattern)", (unsigned char)*bad, (unsigned char)*bad);
			p = nl != NULL ? nl + 1 : end;
			continue;
		}
		/* One line buffer, reused: the tokenisers write NULs in it. */
		if (line == NULL || n + 1 > cap) {
			char	*q;

			cap = n + 1 < 256 ? 256 : n + 1;
			if ((q = realloc(line, cap)) == NULL) {
				free(line);
				return BD_E_NOMEM;
			}
			line = q;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl != NULL ? nl + 1 : end;
		if (line[strspn(line, " \t")] == '\0' ||
		    line[strspn(line, " \t")] == '#')
			;	/* blank or comment */
		else if (line[0] == ' ' || line[0] == '\t')
			entry_field(&ld, line);
		else
			start_entry(&ld, line);
	}
	free(line);
	finish_entry(&ld);
	return ld.errors ? BD_E_SYNTAX : BD_OK;
}

/*
 * Map a whole rules file (bounded) and load it.  mmap rather than read:
 * no copy, and the kernel maps page-cache pages many at a time, which
 * matters for a one-shot paste that loads every file.
 */
static enum bd_status
add_file(struct bd_rules *rules, const char *path, bd_diag_fn *fn,
    void *arg)
{
	struct stat st;
	void	*map;
	int	 fd;
	enum bd_status rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		report(fn, arg, BD_SEV_ERROR, path, 0, 0, "%s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		rules->failed = 1;
		return BD_E_IO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)BD_MAX_RULES_FILE) {
		report(fn, arg, BD_SEV_ERROR, path, 0, 0, S_ISREG(st.st_mode) ?
		    "file larger than %u bytes" : "not a regular file",
		    (unsigned)BD_MAX_RULES_FILE);
		close(fd);
		rules->failed = 1;
		return BD_E_SYNTAX;
	}
	if (st.st_size == 0) {
		close(fd);
		return bd_rules_add_buffer(rules, path, "", 0, fn, arg);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE |
	    MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		report(fn, arg, BD_SEV_ERROR, path, 0, 0, "%s",
		    strerror(errno));
		rules->failed = 1;
		return BD_E_IO;
	}
	rc = bd_rules_add_buffer(rules, path, map, (size_t)st.st_size, fn,
	    arg);
	(void)munmap(map, (size_t)st.st_size);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load a *.rules file, or every *.rules file of a directory in name
 * order. */
enum bd_status
bd_rules_add_path(struct bd_rules *rules, const char *path, bd_diag_fn *fn,
    void *arg)
{
	struct stat st;
	DIR	*dir;
	struct dirent *de;
	char	**names = NULL, full[4096];
	size_t	 n = 0, i, len;
	enum bd_status rc = BD_OK, one;

	if (rules->finished)
		return BD_E_INVAL;
	if (stat(path, &st) == -1) {
		report(fn, arg, BD_SEV_ERROR, path, 0, 0, "%s",
		    strerror(errno));
		rules->failed = 1;
		return errno == ENOENT ? BD_E_NOTFOUND : BD_E_IO;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(rules, path, fn, arg);
	if ((dir = opendir(path)) == NULL) {
		report(fn, arg, BD_SEV_ERROR, path, 0, 0, "%s",
		    strerror(errno));
		rules->failed = 1;
		return BD_E_IO;
	}
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		if (n >= BD_MAX_RULE_FILES || grow(&names, &n,
		    sizeof(*names)) == -1 ||
		    (names[n - 1] = strdup(de->d_name)) == NULL) {
			rc = BD_E_NOMEM;
			break;
		}
	}
	closedir(dir);
	if (names != NULL && rc == BD_OK)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && rc != BD_E_NOMEM; i++) {
		if (names[i] == NULL)
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    names[i]) >= sizeof(full)) {
			report(fn, arg, BD_SEV_ERROR, names[i], 0, 0,
			    "path too long");
			rules->failed = 1;
			rc = BD_E_RANGE;
			continue;
		}
		if ((one = add_file(rules, full, fn, arg)) != BD_OK)
			rc = one;
	}
	strings_free(names, n);
	return rc;
}

/* Find a cause by id. */
const struct bd_cause *
bd_rules_cause(const struct bd_rules *rules, const char *id)
{
	size_t	 i;

	for (i = 0; i < rules->ncauses; i++)
		if (strcmp(rules->causes[i]->pub.id, id) == 0)
			return &rules->causes[i]->pub;
	return NULL;
}

/* Resolve a cause id, reporting where it was named when unknown. */
static const struct bd_cause *
resolve(struct bd_rules *rules, const char *id, const char *file,
    unsigned line, bd_diag_fn *fn, void *arg)
{
	const struct bd_cause *c;

	if ((c = bd_rules_cause(rules, id)) == NULL) {
		report(fn, arg, BD_SEV_ERROR, file, line, 1,
		    "unknown cause '%.60s'", id);
		rules->failed = 1;
	}
	return c;
}

/* Cross-entry checks, after the last file. */
enum bd_status
bd_rules_finish(struct bd_rules *rules, bd_diag_fn *fn, void *arg)
{
	size_t	 i, j;
	struct bd_rule *r;
	struct bd_code_entry *c;
	static const char *const needed[] = { "unknown", "not-bounce" };

	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (bd_rules_cause(rules, needed[i]) == NULL) {
			report(fn, arg, BD_SEV_ERROR, "rules", 0, 0,
			    "no cause '%s' defined (the tool needs it)",
			    needed[i]);
			rules->failed = 1;
		}
	for (i = 0; i < rules->nrules; i++) {
		r = rules->rules[i];
		r->cause = resolve(rules, r->cause_id, r->file, r->cause_line,
		    fn, arg);
		r->specific = r->host.src != NULL;
		for (j = 0; j < r->nset; j++)
			if (r->set[j].field == BD_F_PROVIDER ||
			    r->set[j].field == BD_F_BLOCKLIST)
				r->specific = 1;
		for (j = 0; j < r->nalt; j++)
			r->alt_cause[j] = resolve(rules, r->alt[j], r->file,
			    r->alt_line, fn, arg);
		if (r->since && r->until && r->since > r->until) {
			report(fn, arg, BD_SEV_ERROR, r->file, r->line, 1,
			    "rule '%s': since is after until", r->id);
			rules->failed = 1;
		}
	}
	for (i = 0; i < rules->ncodes; i++) {
		c = rules->codes[i];
		if (c->cause_id != NULL)
			c->cause = resolve(rules, c->cause_id, c->file,
			    c->cause_line, fn, arg);
		for (j = 0; j < c->nalt; j++)
			c->alt_cause[j] = resolve(rules, c->alt[j], c->file,
			    c->alt_line, fn, arg);
	}
	/* Patterns last: a table with syntax errors is not compiled (nor
	 * cached), but its regex errors are still all reported. */
	if (bd_rules_compile(rules, fn, arg) == -1)
		rules->failed = 1;
	rules->finished = 1;
	return rules->failed ? BD_E_SYNTAX : BD_OK;
}

/*
 * JIT every pattern; failures fall back to the interpreter silently.
 * Not under valgrind: JIT code reads the subject 16 bytes at a time
 * past its end (within the page, by design), which memcheck reports as
 * invalid reads and uninitialised jumps (pcre2jit(3), "valgrind").
 */
void
bd_rules_jit(struct bd_rules *rules)
{
	size_t	 i, j;
	struct bd_rule *r;
	struct bd_extractor *e;

#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return;
#endif
	for (i = 0; i < rules->nrules; i++) {
		r = rules->rules[i];
		for (j = 0; j < r->nmatch; j++)
			(void)pcre2_jit_compile(bd_pattern_code(&r->match[j]),
			    PCRE2_JIT_COMPLETE);
		for (j = 0; j < r->nalso; j++)
			(void)pcre2_jit_compile(bd_pattern_code(&r->also[j]),
			    PCRE2_JIT_COMPLETE);
		for (j = 0; j < r->nunless; j++)
			(void)pcre2_jit_compile(bd_pattern_code(&r->unless[j]),
			    PCRE2_JIT_COMPLETE);
	}
	for (i = 0; i < rules->nextract; i++) {
		e = rules->extract[i];
		for (j = 0; j < e->nmatch; j++)
			(void)pcre2_jit_compile(bd_pattern_code(&e->match[j]),
			    PCRE2_JIT_COMPLETE);
		for (j = 0; j < e->nwhen; j++)
			(void)pcre2_jit_compile(bd_pattern_code(&e->when[j]),
			    PCRE2_JIT_COMPLETE);
	}
	for (i = 0; i < rules->nwrappers; i++)
		for (j = 0; j < rules->wrappers[i]->nmatch; j++)
			(void)pcre2_jit_compile(bd_pattern_code(
			    &rules->wrappers[i]->match[j]), PCRE2_JIT_COMPLETE);
	for (i = 0; i < rules->nboilerplate; i++)
		for (j = 0; j < rules->boilerplate[i]->nmatch; j++)
			(void)pcre2_jit_compile(bd_pattern_code(
			    &rules->boilerplate[i]->match[j]),
			    PCRE2_JIT_COMPLETE);
}

size_t
bd_rules_count(const struct bd_rules *rules)
{
	return rules->nrules;
}

size_t
bd_rules_cause_count(const struct bd_rules *rules)
{
	return rules->ncauses;
}

const struct bd_cause *
bd_rules_cause_at(const struct bd_rules *rules, size_t i)
{
	return i < rules->ncauses ? &rules->causes[i]->pub : NULL;
}

/* Where the table came from, for --check-rules. */
size_t
bd_rules_file_count(const struct bd_rules *rules)
{
	return rules->nfiles;
}

const char *
bd_rules_file_at(const struct bd_rules *rules, size_t i)
{
	return i < rules->nfiles ? rules->files[i] : NULL;
}

const char *
bd_rules_rule_at(const struct bd_rules *rules, size_t i, const char **file,
    unsigned *line)
{
	const struct bd_rule *r;

	if (i >= rules->nrules)
		return NULL;
	r = rules->rules[i];
	if (file != NULL)
		*file = r->file;
	if (line != NULL)
		*line = r->line;
	return r->id;
}

const char *
bd_rules_rule_replaced(const struct bd_rules *rules, size_t i,
    unsigned *line)
{
	if (i >= rules->nrules || rules->rules[i]->replaced_file == NULL)
		return NULL;
	if (line != NULL)
		*line = rules->rules[i]->replaced_line;
	return rules->rules[i]->replaced_file;
}

const char *
bd_rules_cause_replaced(const struct bd_rules *rules, size_t i,
    unsigned *line)
{
	if (i >= rules->ncauses || rules->causes[i]->replaced_file == NULL)
		return NULL;
	if (line != NULL)
		*line = rules->causes[i]->replaced_line;
	return rules->causes[i]->replaced_file;
}
