/*
 * test_log_formats.c - the table of log formats (src/log_formats.c)
 * row by row, through the internal header openly: every row is complete
 * and fits the reader's prefilter bounds, and every row has a sample in
 * tests/data/log whose first line its sniff() takes, whose bounce lines
 * its markers find, whose lines no earlier row claims, and that yields
 * the records wanted.  A new format without a sample fails here (see
 * HACKING.md, "Add a log or event format").
 */
#define _GNU_SOURCE	/* memmem(3) */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "limits.h"
#include "log_format.h"
#include "log_formats.h"

#define DATA		"tests/data/log/"
#define MAX_SAMPLE	(256u * 1024)

/* Each row's sample and the records it yields (its lines that are
 * bounces, one record per bounced recipient of a JSON event). */
static const struct sample {
	const char	*format;
	const char	*file;
	size_t		 records;
} samples[] = {
	{ "json",	"events.jsonl",	15 },
	{ "exim",	"exim.log",	6 },
	{ "postfix",	"postfix.log",	12 },
	{ "opensmtpd",	"opensmtpd.log", 13 },
	{ "sendmail",	"sendmail.log",	3 },
};

struct counts {
	size_t		 emitted;
	const char	*name;
};

/* The emit of the test's handle: check and count. */
static void
count_emit(void *arg, const struct bd_log_rec *r)
{
	struct counts *k = arg;

	if (r->text == NULL || r->text_len == 0)
		fail_msg("%s: a record without text", k->name);
	if (r->action == NULL || (strcmp(r->action, "failed") != 0 &&
	    strcmp(r->action, "delayed") != 0))
		fail_msg("%s: action '%s', want failed or delayed", k->name,
		    r->action != NULL ? r->action : "(null)");
	k->emitted++;
}

/* The whole file, NUL-ended; *lenp its length. */
static char *
slurp(const char *name, size_t *lenp)
{
	char	 path[256];
	FILE	*f;
	char	*buf;
	size_t	 n;

	(void)snprintf(path, sizeof(path), DATA "%s", name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	buf = malloc(MAX_SAMPLE + 1);
	assert_non_null(buf);
	n = fread(buf, 1, MAX_SAMPLE, f);
	assert_true(feof(f));
	fclose(f);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/* Does a marker of fmt confirm a hit in [s, s + n)? */
static int
markers_hit(const struct bd_log_format *fmt, const char *s, size_t n)
{
	const struct bd_log_marker *m;
	const char *p, *end = s + n;
	size_t	 len;

	for (m = fmt->markers; m->needle != NULL; m++) {
		len = strlen(m->needle);
		for (p = s; (p = memmem(p, (size_t)(end - p), m->needle,
		    len)) != NULL; p++)
			if (m->confirm == NULL || m->confirm(p, s, end))
				return 1;
	}
	return 0;
}

/* Is the C string s in list[0..n)? */
static int
seen(const char *const *list, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Every row is complete, named once, and fits the prefilter. */
static void
test_rows(void **state)
{
	const struct bd_log_format *const *f;
	const struct bd_log_marker *m;
	const char *names[64], *needles[BD_LOG_MAX_NEEDLES];
	size_t	 nrows = 0, nneedles = 0, i, users, k;
	const char *p;

	(void)state;
	for (f = bd_log_formats; *f != NULL; f++, nrows++) {
		const struct bd_log_format *fmt = *f;

		assert_true(nrows < 64);
		assert_non_null(fmt->name);
		if (fmt->name[0] == '\0')
			fail_msg("row %zu: empty name", nrows);
		for (p = fmt->name; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' &&
			    *p <= '9') || *p == '_'))
				fail_msg("%s: name not [a-z0-9_]", fmt->name);
		if (seen(names, nrows, fmt->name))
			fail_msg("%s: two rows of that name", fmt->name);
		names[nrows] = fmt->name;
		if (fmt->family == BD_LOG_NONE)
			fail_msg("%s: no family", fmt->name);
		if (fmt->sniff == NULL || fmt->parse == NULL)
			fail_msg("%s: a function is missing", fmt->name);
		if (fmt->markers == NULL || fmt->markers[0].needle == NULL)
			fail_msg("%s: no prefilter marker", fmt->name);
		for (m = fmt->markers; m->needle != NULL; m++) {
			if (m->needle[0] == '\0' || strlen(m->needle) >=
			    BD_LOG_MAX_MARKER)
				fail_msg("%s: needle '%s' empty or longer "
				    "than BD_LOG_MAX_MARKER", fmt->name,
				    m->needle);
			if (seen(needles, nneedles, m->needle))
				continue;
			if (nneedles == BD_LOG_MAX_NEEDLES)
				fail_msg("more needles than "
				    "BD_LOG_MAX_NEEDLES");
			needles[nneedles++] = m->needle;
		}
	}
	assert_true(nrows > 0);
	/* Rows sharing a needle: each adds one check to it. */
	for (i = 0; i < nneedles; i++) {
		users = 0;
		for (f = bd_log_formats; *f != NULL; f++)
			for (k = 0; (*f)->markers[k].needle != NULL; k++)
				if (strcmp((*f)->markers[k].needle,
				    needles[i]) == 0)
					users++;
		if (users > BD_LOG_MAX_CONFIRMS)
			fail_msg("needle '%s': more rows than "
			    "BD_LOG_MAX_CONFIRMS", needles[i]);
	}
}

/* The sample of a row, or NULL. */
static const struct sample *
sample_of(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].format, name) == 0)
			return &samples[i];
	return NULL;
}

/* The family the reader gives an input whose first line is [s, s+n):
 * the first row whose sniff() takes it. */
static enum bd_log_family
family_of(const char *s, size_t n)
{
	const struct bd_log_format *const *f;

	for (f = bd_log_formats; *f != NULL; f++)
		if ((*f)->sniff(s, n))
			return (*f)->family;
	return BD_LOG_NONE;
}

/* One row over its own sample. */
static void
check_sample(const struct bd_log_format *fmt, const struct sample *sm)
{
	const struct bd_log_format *const *f;
	struct bd_log_out out;
	struct counts k;
	char	*buf, *line, *nl;
	size_t	 len, n, lineno = 0, hits = 0, unsplit = 0;
	int	 rc, first = 1;

	buf = slurp(sm->file, &len);
	memset(&k, 0, sizeof(k));
	k.name = fmt->name;
	out.emit = count_emit;
	out.arg = &k;
	out.scratch = malloc(BD_MAX_LINE);
	assert_non_null(out.scratch);
	for (line = buf; line < buf + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) ==
		    NULL)
			nl = buf + len;
		n = (size_t)(nl - line);
		if (n == 0)
			continue;
		if (first && family_of(line, n) != fmt->family)
			fail_msg("%s: the first line of %s is not sniffed "
			    "as its family", fmt->name, sm->file);
		first = 0;
		/* No earlier row claims this format's lines. */
		for (f = bd_log_formats; *f != fmt; f++)
			if ((*f)->parse(&out, line, n) != BD_LOG_NOT_MINE)
				fail_msg("%s:%zu: claimed by %s, an earlier "
				    "row", sm->file, lineno, (*f)->name);
		rc = fmt->parse(&out, line, n);
		if (markers_hit(fmt, line, n))
			hits++;
		else if (rc == BD_LOG_DONE || rc == BD_LOG_UNSPLIT)
			fail_msg("%s:%zu: a bounce the markers of %s miss",
			    sm->file, lineno, fmt->name);
		if (rc == BD_LOG_UNSPLIT)
			unsplit++;
	}
	if (hits == 0)
		fail_msg("%s: the markers of %s find nothing in it",
		    sm->file, fmt->name);
	if (k.emitted + unsplit != sm->records)
		fail_msg("%s: %s gives %zu records, want %zu", sm->file,
		    fmt->name, k.emitted + unsplit, sm->records);
	free(out.scratch);
	free(buf);
}

/* Every row has a sample, and passes it. */
static void
test_samples(void **state)
{
	const struct bd_log_format *const *f;
	const struct sample *sm;

	(void)state;
	for (f = bd_log_formats; *f != NULL; f++) {
		if ((sm = sample_of((*f)->name)) == NULL)
			fail_msg("%s: no sample in tests/data/log (add one "
			    "to samples[])", (*f)->name);
		check_sample(*f, sm);
	}
}

/* A line of no format is claimed by no row. */
static void
test_no_claim(void **state)
{
	static const char *const lines[] = {
		"",
		"hello",
		"Jan 12 03:14:15 mx1 postfix/smtpd[4127]: connect from x",
		"Jan 12 03:14:16 mx1 postfix/smtp[4129]: 4F9D195432: "
		    "to=<a@example.net>, relay=mx.example.net[192.0.2.7]:25, "
		    "dsn=2.0.0, status=sent (250 2.0.0 OK)",
		"Jun 14 17:15:00 mail smtpd[17422]: 0661f42ce59882bb smtp "
		    "connected address=192.0.2.10 host=client.example.com",
		"Jun 14 17:15:00 mail smtpd[17422]: relay: PermFail for "
		    "0661f42ce59882b: from=<a@b>, stat=550 short id",
	};
	const struct bd_log_format *const *f;
	struct bd_log_out out;
	struct counts k;
	size_t	 i;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.name = "no claim";
	out.emit = count_emit;
	out.arg = &k;
	out.scratch = malloc(BD_MAX_LINE);
	assert_non_null(out.scratch);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		for (f = bd_log_formats; *f != NULL; f++) {
			if (strcmp((*f)->name, "sendmail") == 0)
				continue;	/* takes any " stat=" */
			if ((*f)->parse(&out, lines[i], strlen(lines[i])) !=
			    BD_LOG_NOT_MINE)
				fail_msg("line %zu claimed by %s", i,
				    (*f)->name);
		}
	assert_int_equal(k.emitted, 0);
	free(out.scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_no_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
