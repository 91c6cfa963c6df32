/*
 * test_rules_load.c - the rule loader: good entries load, and every kind
 * of broken file gives exactly the FILE:LINE:COL message we promise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bouncediag.h"

/* A minimal valid cause table the cases build on. */
#define CAUSES \
	"cause unknown\n\ttitle T\n\tpermanent no\n\tactor you\n" \
	"\tretry R\n\texplain E\n\tfix F\n\tprevent P\n" \
	"cause not-bounce\n\ttitle T\n\tpermanent no\n\tactor nobody\n" \
	"\tretry R\n\texplain E\n\tfix F\n\tprevent P\n" \
	"cause blocklist\n\ttitle Listed\n\tpermanent yes\n\tactor you\n" \
	"\tretry R\n\texplain E\n\tfix Look up {ip|your IP}.\n\tprevent P\n"

struct collect {
	char	 text[4096];
};

/* Gather every diagnostic as FILE:LINE:COL: msg lines. */
static void
collect(const struct bd_diag *d, void *arg)
{
	struct collect *c = arg;
	size_t	 n = strlen(c->text);

	(void)snprintf(c->text + n, sizeof(c->text) - n, "%s:%u:%u: %s%s\n",
	    d->file, d->line, d->col, d->severity == BD_SEV_WARNING ?
	    "warning: " : "", d->msg);
}

/* Load CAUSES then text as "t.rules"; return the diagnostics. */
static enum bd_status
load(const char *text, struct collect *c, struct bd_rules **out)
{
	struct bd_rules *r;
	enum bd_status st;

	memset(c, 0, sizeof(*c));
	r = bd_rules_new();
	assert_non_null(r);
	st = bd_rules_add_buffer(r, "causes.rules", CAUSES, strlen(CAUSES),
	    collect, c);
	assert_int_equal(st, BD_OK);
	st = bd_rules_add_buffer(r, "t.rules", text, strlen(text), collect,
	    c);
	if (bd_rules_finish(r, collect, c) != BD_OK && st == BD_OK)
		st = BD_E_SYNTAX;
	*out = r;
	return st;
}

static const struct bad_case {
	const char	*name;
	const char	*text;
	const char	*want;
} bad_cases[] = {
	{ "regex error has PCRE2's message and the column",
	  "rule r\n\tcause blocklist\n\tmatch (foo\n",
	  "t.rules:3:12: regex error at offset 4: missing closing "
	  "parenthesis\n" },
	{ "unknown kind",
	  "widget w\n",
	  "t.rules:1:1: unknown entry kind 'widget' (want cause, rule, "
	  "extract, wrapper, boilerplate, status or reply)\n" },
	{ "unknown key",
	  "rule r\n\tcause blocklist\n\tmatch x\n\tfrobnicate 1\n",
	  "t.rules:4:2: unknown key 'frobnicate' in rule\n" },
	{ "bad id character",
	  "rule Bad\n\tcause blocklist\n\tmatch x\n",
	  "t.rules:1:6: invalid character in id 'Bad' (use a-z, 0-9, '.', "
	  "'_', '-')\n" },
	{ "missing cause and match",
	  "rule r\n\texample x\n",
	  "t.rules:1:1: rule 'r' has no 'cause'\n"
	  "t.rules:1:1: rule 'r' has no 'match'\n" },
	{ "unknown cause is found at finish",
	  "rule r\n\tcause nosuch\n\tmatch x\n",
	  "t.rules:2:1: unknown cause 'nosuch'\n" },
	{ "unknown alternative",
	  "rule r\n\tcause blocklist\n\tmatch x\n\talt nosuch\n",
	  "t.rules:4:1: unknown cause 'nosuch'\n" },
	{ "capture must name a field",
	  "rule r\n\tcause blocklist\n\tmatch (?<colour>x)\n",
	  "t.rules:3:8: unknown capture name 'colour' (captures must name "
	  "a field)\n" },
	{ "bad code list",
	  "rule r\n\tcause blocklist\n\tmatch x\n\tcode 6XX\n",
	  "t.rules:4:7: bad code list '6XX' (e.g. 550, 55X, 5XX)\n" },
	{ "bad status list",
	  "rule r\n\tcause blocklist\n\tmatch x\n\tstatus 5.7\n",
	  "t.rules:4:9: bad status list '5.7' (e.g. 5.7.1, 5.7.*, X.7.*)\n" },
	{ "bad date",
	  "rule r\n\tcause blocklist\n\tmatch x\n\tsince 2024-13-01\n",
	  "t.rules:4:8: bad date '2024-13-01' (want YYYY-MM-DD)\n" },
	{ "unknown placeholder",
	  "rule r\n\tcause blocklist\n\tmatch x\n\thint see {colour}\n",
	  "t.rules:4:12: unknown placeholder '{colour}'\n" },
	{ "unclosed placeholder",
	  "rule r\n\tcause blocklist\n\tmatch x\n\thint see {ip\n",
	  "t.rules:4:11: '{' without '}'\n" },
	{ "field before any entry",
	  "\tmatch x\n",
	  "t.rules:1:2: field outside an entry (entries start in column 1)\n" },
	{ "text after the id",
	  "rule r extra\n\tcause blocklist\n\tmatch x\n",
	  "t.rules:1:8: unexpected text after the id (fields go on indented "
	  "lines)\n" },
	{ "cause lacks its texts",
	  "cause c\n\ttitle C\n\tpermanent maybe\n",
	  "t.rules:3:12: permanent must be yes or no\n"
	  "t.rules:1:1: cause 'c' has no 'actor'\n"
	  "t.rules:1:1: cause 'c' has no 'retry'\n"
	  "t.rules:1:1: cause 'c' has no 'explain'\n"
	  "t.rules:1:1: cause 'c' has no 'fix'\n"
	  "t.rules:1:1: cause 'c' has no 'prevent'\n" },
	{ "bad status code id",
	  "status 9.1.1\n\ttitle x\n",
	  "t.rules:1:8: bad status code '9.1.1' (e.g. 5.7.1, X.7.1, X.7.X)\n" },
	{ "single-valued key twice",
	  "rule r\n\tcause blocklist\n\tcause blocklist\n\tmatch x\n",
	  "t.rules:3:8: 'cause' given twice\n" },
	{ "every error in the file is reported",
	  "rule a\n\tcause blocklist\n\tmatch (\nrule b\n\tcause blocklist\n"
	  "\tmatch [\n",
	  "t.rules:3:9: regex error at offset 1: missing closing "
	  "parenthesis\n"
	  "t.rules:6:9: regex error at offset 1: missing terminating ] for "
	  "character class\n" },
};

/* Each broken file: the exact diagnostics and BD_E_SYNTAX. */
static void
test_bad_files(void **state)
{
	struct collect c;
	struct bd_rules *r;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		enum bd_status st = load(bad_cases[i].text, &c, &r);

		if (st != BD_E_SYNTAX || strcmp(c.text, bad_cases[i].want)
		    != 0)
			fail_msg("%s:\n got (%d):\n%s want:\n%s",
			    bad_cases[i].name, st, c.text, bad_cases[i].want);
		bd_rules_free(r);
	}
}

/* A good rule loads, overrides by id keep their place, CRLF works. */
static void
test_good_rules(void **state)
{
	struct collect c;
	struct bd_rules *r;
	const char *text =
	    "# comment\r\n"
	    "rule first\r\n"
	    "\tcause blocklist\r\n"
	    "\tmatch listed\r\n"
	    "\t# a comment inside an entry\r\n"
	    "\tcode 5XX, 4XX\r\n"
	    "\tstatus X.7.*\r\n"
	    "\tset provider Example\r\n"
	    "\texample 550 5.7.1 listed\r\n"
	    "\r\n"
	    "rule second\n\tcause blocklist\n\tmatch other\n"
	    "rule first\n\tcause unknown\n\tmatch replaced\n"
	    "status X.7.1\n\ttitle Delivery not authorized\n"
	    "\tcause blocklist\n";

	(void)state;
	assert_int_equal(load(text, &c, &r), BD_OK);
	assert_string_equal(c.text, "");
	assert_int_equal(bd_rules_count(r), 2);
	assert_int_equal(bd_rules_cause_count(r), 3);
	assert_string_equal(bd_rules_code_title(r, "5.7.1"),
	    "Delivery not authorized");
	assert_string_equal(bd_rules_code_cause(r, "4.7.1")->id,
	    "blocklist");
	assert_null(bd_rules_code_title(r, "5.1.1"));
	bd_rules_free(r);
}

/* Loading the shipped table from the source tree is clean. */
static void
test_shipped_rules(void **state)
{
	struct collect c;
	struct bd_rules *r;

	(void)state;
	memset(&c, 0, sizeof(c));
	r = bd_rules_new();
	assert_int_equal(bd_rules_add_path(r, "rules", collect, &c), BD_OK);
	assert_int_equal(bd_rules_finish(r, collect, &c), BD_OK);
	assert_string_equal(c.text, "");
	assert_true(bd_rules_count(r) > 0);
	assert_non_null(bd_rules_cause(r, "auth"));
	assert_non_null(bd_rules_cause(r, "blocklist"));
	assert_non_null(bd_rules_cause(r, "content"));
	assert_non_null(bd_rules_cause(r, "warmup"));
	assert_non_null(bd_rules_cause(r, "recipient-block"));
	bd_rules_free(r);
}

/* A missing path is reported, not a crash. */
static void
test_missing_path(void **state)
{
	struct collect c;
	struct bd_rules *r;

	(void)state;
	memset(&c, 0, sizeof(c));
	r = bd_rules_new();
	assert_int_equal(bd_rules_add_path(r, "no/such/dir", collect, &c),
	    BD_E_NOTFOUND);
	assert_string_equal(c.text, "no/such/dir:0:0: No such file or "
	    "directory\n");
	bd_rules_free(r);
	bd_rules_free(NULL);
}

/* Load the shipped rules with a cache file; diagnose one text. */
static char *
cached_cause(const char *cache, const char *text)
{
	struct bd_rules *r = bd_rules_new();
	struct bd_result *res;
	char	*cause;

	assert_int_equal(bd_rules_set_cache(r, cache), BD_OK);
	assert_int_equal(bd_rules_add_path(r, "rules", NULL, NULL), BD_OK);
	assert_int_equal(bd_rules_finish(r, NULL, NULL), BD_OK);
	assert_int_equal(bd_diagnose(r, NULL, "-", text, strlen(text), &res),
	    BD_OK);
	cause = strdup(bd_result_get(res, 0)->cause->id);
	bd_result_free(res);
	bd_rules_free(r);
	return cause;
}

/* The compiled-pattern cache: written, reused, and a damaged or
 * foreign one is ignored, never trusted. */
static void
test_cache(void **state)
{
	char	 dir[] = "/tmp/bd-cache-XXXXXX", path[256], *c;
	const char *text = "554 5.7.1 Service unavailable; Client host "
	    "[192.0.2.1] blocked using zen.spamhaus.org";
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/rules.cache", dir);
	c = cached_cause(path, text);		/* builds the cache */
	assert_string_equal(c, "blocklist");
	free(c);
	f = fopen(path, "r");
	assert_non_null(f);
	fclose(f);
	c = cached_cause(path, text);		/* reads it */
	assert_string_equal(c, "blocklist");
	free(c);
	f = fopen(path, "r+");			/* damage the payload */
	assert_non_null(f);
	assert_int_equal(fseek(f, 300, SEEK_SET), 0);
	fputs("damage", f);
	fclose(f);
	c = cached_cause(path, text);		/* ignored and rebuilt */
	assert_string_equal(c, "blocklist");
	free(c);
	assert_int_equal(chmod(path, 0666), 0);	/* writable by others */
	c = cached_cause(path, text);
	assert_string_equal(c, "blocklist");
	free(c);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_good_rules),
		cmocka_unit_test(test_shipped_rules),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
