/*
 * test_metamorphic.c - every example of every rule, transformed the ways
 * real pastes differ, keeps its cause, its reply code and its enhanced
 * code.  The variants are generated, never listed by hand: wrapped in
 * every `form` of every wrapper, re-glued as a multi-line reply with
 * "NNN-X.Y.Z" continuation prefixes at several word boundaries, wrapped
 * at 76 columns, with IPs, host names, queue and tracking ids, addresses
 * and domains replaced, in upper and lower case, with trailing ids and
 * URLs added or removed, with white space doubled.  Each example gives
 * at least MIN_VARIANTS variants.
 *
 * A failing variant prints the rule, where it is, the kind of variant,
 * the variant and what it gave.  Links the library's internals openly
 * (the rule table's examples and wrapper forms are not public).
 */
#define _GNU_SOURCE	/* memrchr(3) */

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bouncediag.h"
#include "buf.h"
#include "rules.h"
#include "unwrap.h"

#include "shipped_rules.h"

#define MIN_VARIANTS	30
#define MAX_REPORTED	60	/* failures printed; METAMORPHIC_REPORT=N
				   in the environment changes it */

/* What a variant carries of the codes, so only that is compared. */
#define CARRIES_CODE	0x01
#define CARRIES_ESC	0x02

/* What an example gave before it was transformed. */
struct want {
	const struct bd_rule *rule;
	unsigned line;
	const char *cause;
	int	 code;
	char	 esc[16];
	char	 text[4096];	/* the reply text, codes removed */
	long	 now;
};

struct tally {
	size_t	 report;		/* failures to print */
	size_t	 variants;
	size_t	 failed;
	size_t	 examples;
	size_t	 short_examples;	/* fewer than MIN_VARIANTS */
};

/* ----------------------------------------------------------------------
 * Checking one variant
 */

static void
check_only(struct tally *t, const struct want *w, const char *kind,
    const char *variant, int carries)
{
	struct bd_options o;
	struct bd_result *res = NULL;
	const struct bd_diagnosis *d;
	int	 ok;

	t->variants++;
	bd_options_init(&o);
	o.mode = BD_MODE_TEXT;
	o.now = w->now;
	if (bd_diagnose(rules, &o, "variant", variant, strlen(variant),
	    &res) != BD_OK || (d = bd_result_get(res, 0)) == NULL) {
		bd_result_free(res);
		fail_msg("bd_diagnose failed on a variant");
		return;
	}
	ok = strcmp(d->cause->id, w->cause) == 0 &&
	    (!(carries & CARRIES_CODE) || d->code == w->code) &&
	    (!(carries & CARRIES_ESC) || w->esc[0] == '\0' ||
	    strcmp(d->enhanced != NULL ? d->enhanced : "", w->esc) == 0);
	if (!ok && ++t->failed <= t->report)
		print_message("rule %s (%s:%u), %s:\n  variant: %s\n  got "
		    "%s %d %s (rule %s), want %s %d %s\n", w->rule->id,
		    w->rule->file, w->line, kind, variant, d->cause->id,
		    d->code, d->enhanced != NULL ? d->enhanced : "-",
		    d->rule != NULL ? d->rule : "-", w->cause, w->code,
		    w->esc[0] ? w->esc : "-");
	bd_result_free(res);
}

static void
check(struct tally *t, const struct want *w, const char *kind,
    const char *variant)
{
	check_only(t, w, kind, variant, CARRIES_CODE | CARRIES_ESC);
}

/* ----------------------------------------------------------------------
 * Transformations.  Each writes the variant into b (reset first) and
 * returns 1 when it changed anything, 0 when it does not apply.
 */

static int
is_word(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Does s (n bytes) look like a dotted IPv4 address at its start? */
static size_t
ipv4_at(const char *s, size_t n)
{
	size_t	 i = 0, digits;
	int	 part;

	for (part = 0; part < 4; part++) {
		for (digits = 0; i < n && isdigit((unsigned char)s[i]) &&
		    digits < 3; i++)
			digits++;
		if (digits == 0)
			return 0;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && (isdigit((unsigned char)s[i]) || (s[i] == '.' &&
	    i + 1 < n && isdigit((unsigned char)s[i + 1]))))
		return 0;
	return i;
}

/* Every IPv4 address replaced by another of the documentation ranges. */
static int
replace_ips(struct bd_buf *b, const char *s, const char *ip)
{
	size_t	 i, n = strlen(s), len;
	int	 changed = 0;

	bd_buf_reset(b);
	for (i = 0; i < n; ) {
		if ((i == 0 || !isalnum((unsigned char)s[i - 1])) &&
		    (len = ipv4_at(s + i, n - i)) > 0) {
			bd_buf_puts(b, ip);
			i += len;
			changed = 1;
		} else
			bd_buf_putc(b, s[i++]);
	}
	return changed;
}

/* Length of an address (local@domain.tld) at s, or 0. */
static size_t
address_at(const char *s, size_t n, size_t *at)
{
	size_t	 i = 0, dots = 0;

	while (i < n && (isalnum((unsigned char)s[i]) ||
	    strchr("._%+-", s[i]) != NULL))
		i++;
	if (i == 0 || i >= n || s[i] != '@')
		return 0;
	*at = i++;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    (s[i] == '.' && i + 1 < n && isalnum((unsigned char)s[i + 1])))) {
		if (s[i] == '.')
			dots++;
		i++;
	}
	return dots > 0 ? i : 0;
}

/* Addresses replaced whole (whole = 1) or their domains only. */
static int
replace_addresses(struct bd_buf *b, const char *s, int whole)
{
	size_t	 i, n = strlen(s), len, at;
	int	 changed = 0;

	bd_buf_reset(b);
	for (i = 0; i < n; ) {
		if ((i == 0 || !(isalnum((unsigned char)s[i - 1]) ||
		    strchr("._%+-", s[i - 1]) != NULL)) &&
		    (len = address_at(s + i, n - i, &at)) > 0) {
			if (whole)
				bd_buf_puts(b, "carol.smith@example.org");
			else {
				bd_buf_append(b, s + i, at + 1);
				bd_buf_puts(b, "mail.example.net");
			}
			i += len;
			changed = 1;
		} else
			bd_buf_putc(b, s[i++]);
	}
	return changed;
}

/*
 * A host name: three or more dot-separated labels, the last alphabetic,
 * not part of an address or a URL's path.  Its first label is replaced,
 * so the organisation that names the host stays.
 */
static size_t
host_at(const char *s, size_t n, size_t *first)
{
	size_t	 i = 0, labels = 1, last = 0;

	if (n == 0 || !isalpha((unsigned char)s[0]))
		return 0;	/* "554-mx.example.com" is a code, then a host */
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    (s[i] == '.' && i + 1 < n && isalnum((unsigned char)s[i + 1])))) {
		if (s[i] == '.') {
			if (labels == 1)
				*first = i;
			labels++;
			last = i + 1;
		}
		i++;
	}
	if (labels < 3 || i - last < 2 || i - last > 6)
		return 0;
	/* "xx.xx.xx.xx" is a publisher's placeholder for an IP. */
	if (strspn(s, "xX.") >= i)
		return 0;
	for (; last < i; last++)
		if (!isalpha((unsigned char)s[last]))
			return 0;
	if (i < n && (s[i] == '@' || s[i] == '/'))
		return 0;
	return i;
}

static int
replace_hosts(struct bd_buf *b, const char *s)
{
	size_t	 i, n = strlen(s), len, first = 0;
	int	 changed = 0;

	bd_buf_reset(b);
	for (i = 0; i < n; ) {
		if ((i == 0 || !(isalnum((unsigned char)s[i - 1]) ||
		    strchr(".@/:-_", s[i - 1]) != NULL)) &&
		    (len = host_at(s + i, n - i, &first)) > 0) {
			bd_buf_puts(b, "relay7");
			bd_buf_append(b, s + i + first, len - first);
			i += len;
			changed = 1;
		} else
			bd_buf_putc(b, s[i++]);
	}
	return changed;
}

/*
 * Queue and tracking ids: tokens of ten or more letters and digits with
 * at least three digits and two letters.  Each character is moved to
 * another of its class, so the shape stays.
 */
static int
replace_ids(struct bd_buf *b, const char *s)
{
	size_t	 i, j, n = strlen(s), digits, letters;
	int	 changed = 0;
	char	 c;

	bd_buf_reset(b);
	for (i = 0; i < n; ) {
		if (i > 0 && is_word((unsigned char)s[i - 1])) {
			bd_buf_putc(b, s[i++]);
			continue;
		}
		for (j = i, digits = letters = 0; j < n &&
		    isalnum((unsigned char)s[j]); j++) {
			if (isdigit((unsigned char)s[j]))
				digits++;
			else
				letters++;
		}
		if (j - i >= 10 && digits >= 3 && letters >= 2 && (j == n ||
		    !is_word((unsigned char)s[j]))) {
			for (; i < j; i++) {
				c = s[i];
				if (isdigit((unsigned char)c))
					c = (char)('0' + (c - '0' + 3) % 10);
				else if (islower((unsigned char)c))
					c = (char)('a' + (c - 'a' + 5) % 26);
				else
					c = (char)('A' + (c - 'A' + 5) % 26);
				bd_buf_putc(b, c);
			}
			changed = 1;
		} else
			bd_buf_putc(b, s[i++]);
	}
	return changed;
}

static int
change_case(struct bd_buf *b, const char *s, int upper)
{
	size_t	 i;
	int	 changed = 0;
	char	 c;

	bd_buf_reset(b);
	for (i = 0; s[i] != '\0'; i++) {
		c = (char)(upper ? toupper((unsigned char)s[i]) :
		    tolower((unsigned char)s[i]));
		changed |= c != s[i];
		bd_buf_putc(b, c);
	}
	return changed;
}

/* Every space doubled, or every space a tab. */
static int
change_blanks(struct bd_buf *b, const char *s, const char *blank)
{
	size_t	 i;
	int	 changed = 0;

	bd_buf_reset(b);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == ' ') {
			bd_buf_puts(b, blank);
			changed = 1;
		} else
			bd_buf_putc(b, s[i]);
	return changed;
}

/* Lines broken at spaces before column 76, continuation indented. */
static int
wrap76(struct bd_buf *b, const char *s, const char *indent)
{
	size_t	 i, col = 0, n = strlen(s), word;
	int	 changed = 0;

	bd_buf_reset(b);
	for (i = 0; i < n; i++) {
		if (s[i] == ' ') {
			word = strcspn(s + i + 1, " ");
			if (col + 1 + word > 76 && col > 0) {
				bd_buf_putc(b, '\n');
				bd_buf_puts(b, indent);
				col = strlen(indent);
				changed = 1;
				continue;
			}
		}
		bd_buf_putc(b, s[i]);
		col = s[i] == '\n' ? 0 : col + 1;
	}
	return changed;
}

static int
append(struct bd_buf *b, const char *s, const char *tail)
{
	bd_buf_reset(b);
	bd_buf_puts(b, s);
	bd_buf_puts(b, tail);
	return 1;
}

/* Just past the first reply code ("554 ") in s[0, n), or 0. */
static size_t
reply_start(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i + 4 <= n; i++)
		if (s[i] >= '2' && s[i] <= '5' && isdigit((unsigned char)
		    s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
		    (s[i + 3] == ' ' || s[i + 3] == '-') && (i == 0 ||
		    !isalnum((unsigned char)s[i - 1])))
			return i + 4;
	return 0;
}

/* Words (runs of letters) in s[0, n). */
static size_t
count_words(const char *s, size_t n)
{
	size_t	 i, words = 0;

	for (i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) && (i == 0 ||
		    !isalpha((unsigned char)s[i - 1])))
			words++;
	return words;
}

/*
 * The example without a trailing URL or bracketed id, when one ends it
 * and at least five words stay after the reply code (a URL that is the
 * only evidence, as in "553 http://www.spamhaus.org/query/...", is not
 * a trailer).
 */
static int
drop_trailer(struct bd_buf *b, const char *s)
{
	size_t	 n = strlen(s), k, from;
	const char *sp;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	if (n == 0 || (sp = memrchr(s, ' ', n)) == NULL)
		return 0;
	k = (size_t)(sp - s);
	from = reply_start(s, k);
	/* A URL, or a bracketed id ("[AM6PR10MB4312.EURPRD10...]"), not a
	 * bracketed text ("[Message=UntrustedRoot]") nor the end of a
	 * quoted string ("...see http://x')"). */
	if (!((strncmp(sp + 1, "http", 4) == 0 && strchr("'\")]>", s[n - 1])
	    == NULL) || (sp[1] == '[' && s[n - 1] == ']' &&
	    memchr(sp, '=', (size_t)(s + n - sp)) == NULL)) ||
	    count_words(s + from, k - from) < 5)
		return 0;
	bd_buf_reset(b);
	bd_buf_append(b, s, k);
	return 1;
}

/*
 * The reply re-glued as a multi-line reply: "CODE-ESC " inserted before
 * the k-th, 2k-th, ... word, each piece on its own line (sep "\r\n") or
 * all on one (sep " "), the last prefix "CODE ESC ".  Only for an
 * example that is a bare reply starting with its codes.
 */
static int
continuation(struct bd_buf *b, const struct want *w, const char *s, int k,
    const char *sep)
{
	char	 head[32], prefix[40], *p, *last = NULL;
	size_t	 hl, i, words = 0, cuts = 0, total = 0;
	const char *text;

	if (w->code == 0 || w->esc[0] == '\0')
		return 0;
	hl = (size_t)snprintf(head, sizeof(head), "%d %s ", w->code, w->esc);
	if (strncmp(s, head, hl) != 0)
		return 0;
	text = s + hl;
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] == ' ' && text[i + 1] != ' ')
			total++;
	if (total < (size_t)k)
		return 0;
	(void)snprintf(prefix, sizeof(prefix), "%d-%s ", w->code, w->esc);
	bd_buf_reset(b);
	bd_buf_puts(b, prefix);
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] == ' ' && text[i + 1] != ' ' &&
		    ++words % (size_t)k == 0 && cuts < 3 && words < total) {
			bd_buf_puts(b, sep);
			bd_buf_puts(b, prefix);
			cuts++;
			continue;
		}
		bd_buf_putc(b, text[i]);
	}
	/* The last line carries the final "CODE ESC": a space after the
	 * three-digit code where the others have '-'. */
	for (p = b->data; (p = strstr(p, prefix)) != NULL; p++)
		last = p;
	if (last != NULL)
		last[3] = ' ';
	return cuts > 0;
}

/* Append s as the wrapper quotes it (the inverse of its unescape). */
static void
put_quoted(struct bd_buf *b, const char *s, unsigned unescape)
{
	for (; *s != '\0'; s++) {
		if ((unescape & BD_UNESCAPE_UNDERSCORE) && *s == ' ')
			bd_buf_putc(b, '_');
		else if ((unescape & BD_UNESCAPE_C) && *s == '\n')
			bd_buf_puts(b, "\\n");
		else if ((unescape & BD_UNESCAPE_C) && *s == '\r')
			bd_buf_puts(b, "\\r");
		else if ((unescape & BD_UNESCAPE_C) && *s == '\t')
			bd_buf_puts(b, "\\t");
		else if ((unescape & BD_UNESCAPE_C) && strchr("\\'\"", *s)) {
			bd_buf_putc(b, '\\');
			bd_buf_putc(b, *s);
		} else
			bd_buf_putc(b, *s);
	}
}

/*
 * A form of a wrapper filled in with the example: {reply} the example,
 * {rest} the example without its reply code, {text} the reply text
 * without codes, {code}, {esc}, {recipient}.  Returns what of the codes
 * the variant carries, or -1 when the form needs a code the example
 * lacks.
 */
static int
fill_form(struct bd_buf *b, const struct bd_wrapper *wr, const char *form,
    const struct want *w, const char *s)
{
	static const char *const names[] = {
		"reply", "rest", "text", "code", "esc", "recipient"
	};
	const char *p, *close, *rest = s;
	char	 num[8];
	size_t	 n, i;
	int	 carries = 0;

	(void)snprintf(num, sizeof(num), "%d", w->code);
	if (w->code != 0 && strncmp(s, num, 3) == 0 && s[3] == ' ')
		rest = s + 4;
	/* A form that states the code needs an example that starts with
	 * it (not an NDR's "#550 ..." or a transcript). */
	if ((strstr(form, "{code}") != NULL && rest == s) ||
	    (strstr(form, "{esc}") != NULL && w->esc[0] == '\0'))
		return -1;
	bd_buf_reset(b);
	for (p = form; *p != '\0'; ) {
		for (i = 0, n = 0; *p == '{' && i < sizeof(names) /
		    sizeof(names[0]); i++) {
			n = strlen(names[i]);
			if (strncmp(p + 1, names[i], n) == 0 && p[n + 1] == '}')
				break;
		}
		if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't')) {
			/* A rules file has no newlines in a value: the
			 * form writes them \n (and tabs \t). */
			bd_buf_putc(b, p[1] == 'n' ? '\n' : '\t');
			p += 2;
			continue;
		}
		if (*p != '{' || i == sizeof(names) / sizeof(names[0])) {
			bd_buf_putc(b, *p++);
			continue;
		}
		close = p + n + 1;
		switch (i) {
		case 0:
			put_quoted(b, s, wr->unescape);
			carries |= CARRIES_CODE | CARRIES_ESC;
			break;
		case 1:
			put_quoted(b, rest, wr->unescape);
			carries |= CARRIES_ESC;
			break;
		case 2:
			put_quoted(b, w->text, wr->unescape);
			break;
		case 3:
			bd_buf_puts(b, num);
			carries |= CARRIES_CODE;
			break;
		case 4:
			bd_buf_puts(b, w->esc);
			carries |= CARRIES_ESC;
			break;
		default:
			bd_buf_puts(b, "dave@example.com");
			break;
		}
		p = close + 1;
	}
	return carries;
}

/* Does a variant that carries these codes keep all the example had? */
static int
loses_nothing(const struct want *w, int carries)
{
	return (w->code == 0 || (carries & CARRIES_CODE)) &&
	    (w->esc[0] == '\0' || (carries & CARRIES_ESC));
}

/* ----------------------------------------------------------------------
 * One example
 */

/* Is the example itself wrapped (a log line, an exception)? */
static int
is_wrapped(const char *s)
{
	struct bd_unwrapped u;
	int	 wrapped;

	if (bd_unwrap(rules, s, strlen(s), &u, NULL) == -1)
		return 1;
	wrapped = u.layers > 0;
	bd_unwrapped_free(&u);
	return wrapped;
}

/* The base diagnosis of an example; 0 when it is not its rule's cause
 * (--check-rules reports that). */
static int
baseline(struct want *w, const struct bd_rule *r, size_t j)
{
	struct bd_options o;
	struct bd_result *res = NULL;
	const struct bd_diagnosis *d;
	int	 ok = 0;

	memset(w, 0, sizeof(*w));
	w->rule = r;
	w->line = r->example_line[j];
	bd_options_init(&o);
	o.mode = BD_MODE_TEXT;
	if (r->since != 0)
		o.now = r->since * 86400L + 43200;
	else if (r->until != 0)
		o.now = r->until * 86400L + 43200;
	w->now = o.now;
	if (bd_diagnose(rules, &o, "example", r->example[j],
	    strlen(r->example[j]), &res) == BD_OK &&
	    (d = bd_result_get(res, 0)) != NULL && d->cause == r->cause) {
		w->cause = r->cause->id;
		w->code = d->code;
		(void)snprintf(w->esc, sizeof(w->esc), "%s", d->enhanced ?
		    d->enhanced : "");
		(void)snprintf(w->text, sizeof(w->text), "%s", d->text ?
		    d->text : "");
		ok = 1;
	}
	bd_result_free(res);
	return ok;
}

/* Generate and check every variant of one example. */
static void
example_variants(struct tally *t, const struct bd_rule *r, size_t j)
{
	struct want w;
	struct bd_buf b, b2;
	const char *s = r->example[j];
	size_t	 before = t->variants, i, k, ntails;
	int	 wrapped, carries;
	static const char *const tails[] = {
		" - gsmtp",
		" (QID 4F9D195432AB)",
		" [AM6PR10MB4312.EURPRD10.PROD.OUTLOOK.COM]",
		" https://support.example.com/smtp-errors?code=42",
		" id=1a2b3c4d5e6f",
		" [S3K2P9Q7W1ZX]",
	};

	if (!baseline(&w, r, j))
		return;		/* --check-rules reports it */
	t->examples++;
	bd_buf_init(&b, 0);
	bd_buf_init(&b2, 0);
	wrapped = is_wrapped(s);

	/* 1. Every form of every wrapper, for a bare reply. */
	for (i = 0; !wrapped && i < rules->nwrappers; i++)
		for (k = 0; k < rules->wrappers[i]->nform; k++) {
			carries = fill_form(&b, rules->wrappers[i],
			    rules->wrappers[i]->form[k], &w, s);
			/* A form that drops the codes cannot keep what a
			 * rule decided by its codes. */
			if (carries < 0 || (!loses_nothing(&w, carries) &&
			    (r->ncode > 0 || r->nstatus > 0)))
				continue;
			check_only(t, &w, rules->wrappers[i]->id, b.data,
			    carries);
		}

	/* 2. Multi-line replies, on separate lines and glued. */
	for (k = 1; k <= 4; k++) {
		if (continuation(&b, &w, s, (int)k, "\r\n"))
			check(t, &w, "continuation lines", b.data);
		if (continuation(&b, &w, s, (int)k + 1, " "))
			check(t, &w, "glued continuation", b.data);
	}

	/* 3. Wrapped at 76 columns, flush or indented. */
	if (wrap76(&b, s, ""))
		check(t, &w, "wrapped at 76", b.data);
	if (wrap76(&b, s, "    "))
		check(t, &w, "wrapped at 76, indented", b.data);

	/* 4. IPs, host names, ids, addresses and domains replaced. */
	if (replace_ips(&b, s, "198.51.100.23"))
		check(t, &w, "IPs replaced", b.data);
	if (replace_ips(&b, s, "203.0.113.250"))
		check(t, &w, "IPs replaced", b.data);
	if (replace_hosts(&b, s))
		check(t, &w, "host names replaced", b.data);
	if (replace_ids(&b, s))
		check(t, &w, "ids replaced", b.data);
	if (replace_addresses(&b, s, 1))
		check(t, &w, "addresses replaced", b.data);
	if (replace_addresses(&b, s, 0))
		check(t, &w, "address domains replaced", b.data);
	if (replace_ips(&b, s, "192.0.2.77") + replace_addresses(&b2,
	    b.data, 1) + replace_ids(&b, b2.data) > 0)
		check(t, &w, "IPs, addresses and ids replaced", b.data);

	/* 5. Letter case. */
	if (change_case(&b, s, 1))
		check(t, &w, "upper case", b.data);
	if (change_case(&b, s, 0))
		check(t, &w, "lower case", b.data);

	/* 6. Trailing ids and URLs added or removed. */
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		append(&b, s, tails[i]);
		check(t, &w, "trailer added", b.data);
	}
	if (drop_trailer(&b, s))
		check(t, &w, "trailer removed", b.data);

	/* 7. White space. */
	if (change_blanks(&b, s, "  "))
		check(t, &w, "spaces doubled", b.data);
	if (change_blanks(&b, s, "\t"))
		check(t, &w, "spaces as tabs", b.data);
	append(&b, "\n  ", s);
	check(t, &w, "leading blank line", b.data);
	append(&b, s, "\n\n");
	check(t, &w, "trailing blank lines", b.data);

	/* Pad to MIN_VARIANTS with combinations of the above: each
	 * trailer, then upper case, lower case, tabs or a paste's
	 * indentation. */
	ntails = sizeof(tails) / sizeof(tails[0]);
	for (k = 0; t->variants - before < MIN_VARIANTS && k < 4 * ntails;
	    k++) {
		append(&b2, s, tails[k % ntails]);
		switch (k / ntails) {
		case 0:
			(void)change_case(&b, b2.data, 1);
			break;
		case 1:
			(void)change_case(&b, b2.data, 0);
			break;
		case 2:
			(void)change_blanks(&b, b2.data, "\t");
			break;
		default:
			(void)wrap76(&b, b2.data, "  ");
			break;
		}
		check(t, &w, "combined", b.data);
	}
	if (t->variants - before < MIN_VARIANTS)
		t->short_examples++;
	bd_buf_free(&b);
	bd_buf_free(&b2);
}

static void
test_metamorphic(void **state)
{
	struct tally t;
	size_t	 i, j;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.report = getenv("METAMORPHIC_REPORT") != NULL ?
	    strtoul(getenv("METAMORPHIC_REPORT"), NULL, 10) : MAX_REPORTED;
	for (i = 0; i < rules->nrules; i++)
		for (j = 0; j < rules->rules[i]->nexample; j++)
			example_variants(&t, rules->rules[i], j);
	print_message("metamorphic: %zu variants of %zu examples, %zu "
	    "changed the diagnosis\n", t.variants, t.examples, t.failed);
	assert_true(t.examples > 0);
	assert_int_equal(t.short_examples, 0);
	if (t.failed > 0)
		fail_msg("%zu variants changed the diagnosis (the first %zu "
		    "are above)", t.failed, t.report);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metamorphic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
