/*
 * fuzz.h - helpers shared by the fuzz harnesses (fuzz/fuzz_*.c): the
 * libFuzzer entry points, an invariant check that aborts (so libFuzzer
 * and the standalone replayer both report it as a crash), the shipped
 * rule table loaded once, and the output checks behind the terminal-
 * safety promise (bouncediag.h: bd_render, bd_printable).
 *
 * Everything here is static inline: each harness is one translation unit plus
 * fuzz/standalone.c when built without libFuzzer.
 */
#ifndef BD_FUZZ_H
#define BD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncediag.h"

/* Where the shipped rules are: $BD_FUZZ_RULES, else the path compiled in
 * by mk/fuzz.mk (the source tree's rules/). */
#ifndef BD_FUZZ_RULES_DIR
#define BD_FUZZ_RULES_DIR "rules"
#endif

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the API contract was broken: report it and crash. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* Rule errors are expected for arbitrary rule text: read every string
 * (so ASan sees a bad pointer) and drop the message. */
static inline void
fuzz_diag_sink(const struct bd_diag *d, void *arg)
{
	size_t	*count = arg;

	FUZZ_CHECK(d->msg != NULL);
	FUZZ_CHECK(strlen(d->msg) < 4096);
	if (d->file != NULL)
		(void)strlen(d->file);
	if (count != NULL)
		(*count)++;
}

/* Print rule problems while loading the shipped table: they are real. */
static inline void
fuzz_diag_print(const struct bd_diag *d, void *arg)
{
	(void)arg;
	fprintf(stderr, "fuzz: %s:%u:%u: %s\n", d->file ? d->file : "-",
	    d->line, d->col, d->msg);
}

static struct bd_rules *fuzz_rules_table __attribute__((unused));

static inline void
fuzz_rules_release(void)
{
	bd_rules_free(fuzz_rules_table);
	fuzz_rules_table = NULL;
}

/*
 * The shipped rule table, loaded on first use and kept for the process
 * (freed at exit so leak checkers stay quiet).  With files NULL the whole
 * rules directory is loaded; else only the named files of it (a harness
 * aimed at a parser may skip the text rules, which cost ~100 us a
 * record).  A table that fails to load is a broken build, not a finding:
 * exit rather than crash.
 */
static inline const struct bd_rules *
fuzz_rules_files(const char *const *files)
{
	const char *dir;
	char	 path[4096];
	int	 ok = 1;

	if (fuzz_rules_table != NULL)
		return fuzz_rules_table;
	if ((dir = getenv("BD_FUZZ_RULES")) == NULL)
		dir = BD_FUZZ_RULES_DIR;
	if ((fuzz_rules_table = bd_rules_new()) == NULL)
		ok = 0;
	else if (files == NULL)
		ok = bd_rules_add_path(fuzz_rules_table, dir, fuzz_diag_print,
		    NULL) == BD_OK;
	else
		for (; ok && *files != NULL; files++)
			ok = (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    *files) < sizeof(path) &&
			    bd_rules_add_path(fuzz_rules_table, path,
			    fuzz_diag_print, NULL) == BD_OK;
	if (!ok || bd_rules_finish(fuzz_rules_table, fuzz_diag_print,
	    NULL) != BD_OK) {
		fprintf(stderr, "fuzz: cannot load the rules in %s (set "
		    "BD_FUZZ_RULES)\n", dir);
		exit(2);
	}
	atexit(fuzz_rules_release);
	return fuzz_rules_table;
}

/* The whole shipped table. */
static inline const struct bd_rules *
fuzz_shipped_rules(void)
{
	return fuzz_rules_files(NULL);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static inline size_t
fuzz_utf8_len(const unsigned char *s, size_t n, uint32_t *cpp)
{
	uint32_t cp, min;
	size_t	 len, i;

	if (s[0] < 0x80) {
		*cpp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpp = cp;
	return len;
}

/*
 * Text for a terminal (issue 6, item 4): valid UTF-8 with no ESC, no
 * other C0 control but newline, no DEL, no C1 control and no bidi
 * override or isolate (U+202A-U+202E, U+2066-U+2069).
 */
static inline void
fuzz_check_terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 n = strlen(s), i = 0, k;
	uint32_t cp = 0;

	while (i < n) {
		k = fuzz_utf8_len(p + i, n - i, &cp);
		FUZZ_CHECK(k != 0);
		FUZZ_CHECK(cp == '\n' || (cp >= 0x20 && cp != 0x7f));
		FUZZ_CHECK(cp < 0x80 || cp > 0x9f);
		FUZZ_CHECK(cp < 0x202a || cp > 0x202e);
		FUZZ_CHECK(cp < 0x2066 || cp > 0x2069);
		i += k;
	}
}

/*
 * A minimal strict JSON (RFC 8259) validator for one value; returns the
 * position after it, or NULL.  Depth-bounded: the renderer nests a few
 * levels only.
 */
static inline const char *fuzz_json_value(const char *p, int depth);

static inline const char *
fuzz_json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static inline const char *
fuzz_json_string(const char *p)
{
	const unsigned char *u;
	uint32_t cp;
	size_t	 k;
	int	 i;

	if (*p++ != '"')
		return NULL;
	for (;;) {
		u = (const unsigned char *)p;
		if (*u == '"')
			return p + 1;
		if (*u < 0x20)			/* includes the final NUL */
			return NULL;
		if (*u == '\\') {
			p++;
			if (*p == 'u') {
				for (i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF",
					    p[i]) == NULL || p[i] == '\0')
						return NULL;
				p += 5;
			} else if (*p != '\0' && strchr("\"\\/bfnrt", *p) !=
			    NULL)
				p++;
			else
				return NULL;
			continue;
		}
		/* The NUL ends any sequence early: 4 is safe. */
		if ((k = fuzz_utf8_len(u, 4, &cp)) == 0)
			return NULL;
		p += k;
	}
}

static inline const char *
fuzz_json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static inline const char *
fuzz_json_value(const char *p, int depth)
{
	char	 close;

	if (depth > 32)
		return NULL;
	p = fuzz_json_ws(p);
	switch (*p) {
	case '{':
	case '[':
		close = *p == '{' ? '}' : ']';
		p = fuzz_json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if ((p = fuzz_json_string(p)) == NULL)
					return NULL;
				p = fuzz_json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if ((p = fuzz_json_value(p, depth + 1)) == NULL)
				return NULL;
			p = fuzz_json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = fuzz_json_ws(p);
		}
	case '"':
		return fuzz_json_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return fuzz_json_number(p);
	}
}

/* JSON Lines: every line one valid JSON value (issue 6, item 4). */
static inline void
fuzz_check_json_lines(const char *s)
{
	const char *p = s, *end;

	while (*p != '\0') {
		end = fuzz_json_value(p, 0);
		FUZZ_CHECK(end != NULL);
		FUZZ_CHECK(*end == '\n');
		p = end + 1;
	}
}

#endif /* BD_FUZZ_H */
