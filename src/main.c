/*
 * main.c - the bouncediag command: options, inputs, output, exit status.
 * A thin layer over libbouncediag (bouncediag.h is all it uses).
 *
 * Exit status (bouncediag(1) EXIT STATUS):
 *   0  every input was diagnosed (an `unknown` cause included)
 *   1  a --fail-on gate tripped
 *   2  usage error, or the rules failed to load or check
 *   3  some input could not be read, or was skipped or degraded under
 *      --strict; the rest was still processed
 *   4  standard output could not be written
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bouncediag.h"

#ifndef BD_RULES_DIR
#define BD_RULES_DIR "/usr/local/share/bouncediag/rules"
#endif
/* Site rules, loaded after the shipped ones (then the user's). */
#ifndef BD_SITE_RULES_DIR
#define BD_SITE_RULES_DIR "/etc/bouncediag/rules.d"
#endif

/* Largest input read whole (the library bounds it again). */
#define CLI_MAX_INPUT	(32u * 1024 * 1024)
/* Inputs after which a batch JIT-compiles the rules (see diagnose_buffer). */
#define JIT_AFTER_INPUTS 2000
/* Causes named by --fail-on at most. */
#define MAX_FAIL_ON	64
/* Bytes read to tell a log from a message or paste. */
#define SNIFF_SIZE	(64u * 1024)
/* At most this many lines, read whole, make a paste rather than a log
 * file: people paste a few log lines, a log file has many. */
#define PASTE_MAX_LINES	20
/* --rules given at most this often. */
#define MAX_RULES_DIRS	16
/* Deepest directory tree walked (Maildir++ folders are 2-3 deep). */
#define MAX_WALK_DEPTH	16

enum exit_status {
	EXIT_DIAGNOSED = 0,
	EXIT_GATE = 1,
	EXIT_USAGE = 2,
	EXIT_UNREADABLE = 3,
	EXIT_OUTPUT = 4
};

enum opt_id {
	OPT_CHECK_RULES = 256,
	OPT_COLOR,
	OPT_EXPLAIN,
	OPT_FAIL_ON,
	OPT_FAIL_ON_DELAYED,
	OPT_FORMAT,
	OPT_LIST_CAUSES,
	OPT_MODE,
	OPT_NO_CACHE,
	OPT_RULES,
	OPT_STRICT,
	OPT_SUMMARY,
	OPT_TRUST_RULES
};

/* One table feeds getopt_long() and --help (STYLE 13). */
static const struct option_doc {
	const char	*name;
	int		 has_arg;
	int		 id;
	const char	*arg;
	const char	*help;
} options[] = {
	{ "expr", required_argument, 'e', "TEXT",
	    "diagnose TEXT instead of reading files" },
	{ "format", required_argument, OPT_FORMAT, "FMT",
	    "output format: text (default), json or jsonl" },
	{ "mode", required_argument, OPT_MODE, "MODE",
	    "input kind: auto (default), text, eml, mbox or log" },
	{ "summary", no_argument, OPT_SUMMARY, NULL,
	    "counts by cause, provider, blocklist, domain" },
	{ "fail-on", required_argument, OPT_FAIL_ON, "CAUSE[,...]",
	    "exit 1 if a failure has one of these causes" },
	{ "fail-on-delayed", no_argument, OPT_FAIL_ON_DELAYED, NULL,
	    "--fail-on counts delays (still retrying) too" },
	{ "rules", required_argument, OPT_RULES, "PATH",
	    "only the rules in PATH (dir or file); repeatable" },
	{ "color", required_argument, OPT_COLOR, "WHEN",
	    "colour text output: auto (default), always or never" },
	{ "list-causes", no_argument, OPT_LIST_CAUSES, NULL,
	    "list the cause ids and their titles" },
	{ "explain", required_argument, OPT_EXPLAIN, "CAUSE|CODE",
	    "the page of a cause, enhanced code or reply code" },
	{ "check-rules", no_argument, OPT_CHECK_RULES, NULL,
	    "load and check the rule table, then exit" },
	{ "strict", no_argument, OPT_STRICT, NULL,
	    "exit 3 if an input was skipped or read only in part" },
	{ "trust-rules", no_argument, OPT_TRUST_RULES, NULL,
	    "load rules others may write to (see bouncediag(1))" },
	{ "no-cache", no_argument, OPT_NO_CACHE, NULL,
	    "don't keep compiled rules in ~/.cache/bouncediag" },
	{ "help", no_argument, 'h', NULL, "show this help and exit" },
	{ "version", no_argument, 'V', NULL, "show the version and exit" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

#define USAGE_LINE "usage: bouncediag [-hV] [-e TEXT] [--format FMT] " \
	"[--mode MODE] [--rules PATH]\n" \
	"                  [--summary] [--fail-on CAUSE[,CAUSE...]] " \
	"[--fail-on-delayed]\n" \
	"                  [--color WHEN] [--list-causes] " \
	"[--explain CAUSE|CODE]\n" \
	"                  [--check-rules] [--strict] [--trust-rules] " \
	"[--no-cache]\n" \
	"                  [FILE ...]\n"

struct cli {
	enum bd_format	 format;
	struct bd_options opts;
	const char	*rules_dirs[MAX_RULES_DIRS];
	size_t		 nrules_dirs;
	const char	*explain;
	const char	*expr;
	unsigned	 render_flags;
	int		 list_causes;
	int		 check_rules;
	int		 no_cache;
	int		 strict;	/* --strict */
	int		 trust_rules;	/* --trust-rules */
	int		 degraded;	/* an input was skipped or cut */
	struct seen {			/* files and directories visited */
		dev_t	*dev;
		ino_t	*ino;
		size_t	 n, cap;	/* cap: a power of two, or 0 */
	}		 seen;
	int		 summary_wanted;	/* --summary */
	int		 unreadable;	/* some input could not be read */
	struct bd_rules	*rules;
	struct bd_summary *summary;	/* --summary, else NULL */
	const char	*fail_on;	/* --fail-on list, checked after load */
	int		 fail_on_delayed; /* delays count for the gate */
	const struct bd_cause *gate[MAX_FAIL_ON];
	size_t		 ngate;
	int		 tripped;	/* a --fail-on cause was seen */
	int		 jit;		/* bd_rules_jit() done */
	int		 in_log;	/* records come from a log */
	int		 paste;		/* the input is a short paste */
	size_t		 records;	/* records taken so far */
	int		 limit_warned;	/* PCRE2 limit said for this input */
	int		 lost;		/* a rendering failed (out of memory) */
	size_t		 printed;	/* results printed so far */
};

static void	 warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* "bouncediag: message" on stderr. */
static void
warnx(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048], *safe;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* File names, arguments and rule texts reach the terminal here:
	 * the same sanitiser as stdout (STYLE 12). */
	safe = bd_printable(msg, strlen(msg));
	fprintf(stderr, "bouncediag: %s%s\n", safe != NULL ? safe :
	    "(unprintable message)", (size_t)n >= sizeof(msg) ? "..." : "");
	free(safe);
}

/* --help text, from the option table. */
static void
usage(FILE *f)
{
	size_t	 i;
	char	 left[64];

	fputs(USAGE_LINE, f);
	if (f == stderr)
		return;
	fputs("\nDiagnose a bounced email: paste the bounce, pipe a bounce "
	    "message or an\nmbox in, or name files and Maildir "
	    "directories.\n\noptions:\n", f);
	for (i = 0; i < NOPTIONS; i++) {
		const struct option_doc *o = &options[i];

		if (o->id < 256)
			(void)snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->id, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			(void)snprintf(left, sizeof(left), "    --%s%s%s",
			    o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
	fputs("\nexit status: 0 diagnosed, 1 a --fail-on cause was seen, "
	    "2 usage or rules error,\n3 some input unreadable (the rest "
	    "was still processed)\n", f);
}

/* Print a rules problem as FILE:LINE:COL: message. */
static void
print_diag(const struct bd_diag *d, void *arg)
{
	char	 place[64] = "";

	(void)arg;
	if (d->line > 0 && d->col > 0)
		(void)snprintf(place, sizeof(place), ":%u:%u", d->line, d->col);
	else if (d->line > 0)
		(void)snprintf(place, sizeof(place), ":%u", d->line);
	warnx("%s%s: %s%s", d->file, place, d->severity == BD_SEV_WARNING ?
	    "warning: " : "", d->msg);
}

/* Does dir/00-causes.rules exist?  Marks a usable rules directory. */
static int
rules_dir_ok(const char *dir)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/00-causes.rules", dir) >=
	    sizeof(path))
		return 0;
	return access(path, R_OK) == 0;
}

/*
 * The shipped rules: beside the binary when run from the source tree
 * (./bouncediag after make), else the installed BD_RULES_DIR.
 */
static const char *
default_rules_dir(char *buf, size_t size)
{
	char	 exe[PATH_MAX], *slash;
	ssize_t	 n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/rules", exe) <
			    size && rules_dir_ok(buf))
				return buf;
		}
	}
	return BD_RULES_DIR;
}

/* Is path a directory?  Missing site or user rules are not an error. */
static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The site's and the user's rules, loaded after the shipped ones so that
 * they can replace a shipped rule or cause by id, or add their own:
 * BD_SITE_RULES_DIR, then $XDG_CONFIG_HOME/bouncediag/rules.d (default
 * ~/.config; a relative XDG_CONFIG_HOME is ignored, as the XDG Base
 * Directory spec says).  Only directories that exist are added.
 */
static void
add_local_rules(const char **dirs, size_t *ndirs, char *buf, size_t size)
{
	const char *base = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int	 n = -1;

	if (is_dir(BD_SITE_RULES_DIR))
		dirs[(*ndirs)++] = BD_SITE_RULES_DIR;
	if (base != NULL && *base == '/')
		n = snprintf(buf, size, "%s/bouncediag/rules.d", base);
	else if (home != NULL && *home == '/')
		n = snprintf(buf, size, "%s/.config/bouncediag/rules.d", home);
	if (n > 0 && (size_t)n < size && is_dir(buf))
		dirs[(*ndirs)++] = buf;
}

/*
 * The compiled-rules cache for this set of rule paths:
 * $XDG_CACHE_HOME/bouncediag/rules-HASH.cache (default ~/.cache), the
 * directory made private.  NULL when there is no usable place.
 */
static const char *
cache_path(const char *const *paths, size_t npaths, char *buf, size_t size)
{
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char	 dir[PATH_MAX], real[PATH_MAX];
	unsigned long long h = 0xcbf29ce484222325ULL;
	size_t	 i, n;
	const char *s;

	if (base == NULL || *base != '/') {
		if (home == NULL || *home != '/')
			return NULL;
		if ((size_t)snprintf(dir, sizeof(dir), "%s/.cache", home) >=
		    sizeof(dir))
			return NULL;
	} else if ((size_t)snprintf(dir, sizeof(dir), "%s", base) >=
	    sizeof(dir))
		return NULL;
	(void)mkdir(dir, 0700);
	n = strlen(dir);
	if ((size_t)snprintf(dir + n, sizeof(dir) - n, "/bouncediag") >=
	    sizeof(dir) - n)
		return NULL;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return NULL;
	for (i = 0; i < npaths; i++) {
		s = realpath(paths[i], real) != NULL ? real : paths[i];
		for (; *s != '\0'; s++) {
			h ^= (unsigned char)*s;
			h *= 0x100000001b3ULL;
		}
		h ^= '\n';
		h *= 0x100000001b3ULL;
	}
	if ((size_t)snprintf(buf, size, "%s/rules-%016llx.cache", dir, h) >=
	    size)
		return NULL;
	return buf;
}

/* Load and finish the rule table; NULL after printing the errors. */
/*
 * May the rules at path (a file, or a directory and its *.rules files)
 * be loaded?  Rules decide what users are told to do, so, as sshd's
 * StrictModes does for its files, a file or directory that someone other
 * than the user (or root) owns or may write to is refused unless
 * --trust-rules says otherwise.  A *.rules entry that is not a regular
 * file (a FIFO would block the load forever) is refused always.  Missing
 * paths are the loader's to report.  Returns 0 or -1 (reported).
 */
static int
rules_trusted(const char *path, int trust)
{
	struct stat st;
	DIR	*dir;
	struct dirent *de;
	char	 full[PATH_MAX];
	size_t	 len;
	int	 rc = 0;

	if (stat(path, &st) == -1)
		return 0;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		warnx("%s: not a regular file or directory: rules refused",
		    path);
		return -1;
	}
	if (!trust && ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (st.st_uid != getuid() && st.st_uid != 0))) {
		warnx("%s: rules refused: %s (fix with chmod go-w, or pass "
		    "--trust-rules)", path, (st.st_mode & (S_IWGRP | S_IWOTH))
		    ? "others may write to it" : "owned by another user");
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || (dir = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0 ||
		    (size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    de->d_name) >= sizeof(full))
			continue;
		if (lstat(full, &st) == -1 || (!S_ISREG(st.st_mode) &&
		    !S_ISLNK(st.st_mode)) || (S_ISLNK(st.st_mode) &&
		    (stat(full, &st) == -1 || !S_ISREG(st.st_mode)))) {
			warnx("%s: not a regular file: rules refused", full);
			rc = -1;
		} else if (rules_trusted(full, trust) == -1)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

static struct bd_rules *
load_rules(const char *const *paths, size_t npaths, int use_cache,
    int trust)
{
	struct bd_rules *r;
	enum bd_status st = BD_OK, one;
	size_t	 i;
	char	 cache[PATH_MAX];
	const char *cp;

	for (i = 0; i < npaths; i++)
		if (rules_trusted(paths[i], trust) == -1)
			st = BD_E_INVAL;
	if (st != BD_OK) {
		warnx("rules not loaded (%s)", "untrusted rules");
		return NULL;
	}
	if ((r = bd_rules_new()) == NULL) {
		warnx("out of memory");
		return NULL;
	}
	if (use_cache && (cp = cache_path(paths, npaths, cache,
	    sizeof(cache))) != NULL)
		(void)bd_rules_set_cache(r, cp);
	for (i = 0; i < npaths; i++)
		if ((one = bd_rules_add_path(r, paths[i], print_diag, NULL)) !=
		    BD_OK && st == BD_OK)
			st = one;
	if (bd_rules_finish(r, print_diag, NULL) != BD_OK && st == BD_OK)
		st = BD_E_SYNTAX;
	if (st != BD_OK) {
		warnx("rules not loaded (%s)", bd_strerror(st));
		bd_rules_free(r);
		return NULL;
	}
	return r;
}

/* Print and free a rendered string. */
static int
emit(char *s)
{
	if (s == NULL) {
		warnx("out of memory");
		return -1;
	}
	fputs(s, stdout);
	free(s);
	return 0;
}

/* Note the gate; print res or count it in the summary.  Returns 0
 * (bd_record_fn: go on). */
static int
take_result(const struct bd_result *res, void *arg)
{
	struct cli *cli = arg;
	const struct bd_diagnosis *d;
	size_t	 i, j;

	cli->records += bd_result_count(res);
	for (i = 0; i < bd_result_count(res); i++) {
		d = bd_result_get(res, i);
		for (j = 0; j < cli->ngate; j++)
			if (d->cause == cli->gate[j] && (d->final != 0 ||
			    cli->fail_on_delayed))
				cli->tripped = 1;
	}
	if (cli->summary != NULL) {
		if (bd_summary_add(cli->summary, res) != BD_OK)
			warnx("summary: out of memory: counts are short");
		return 0;
	}
	if (cli->printed++ > 0 && cli->format == BD_FORMAT_TEXT &&
	    !cli->in_log && bd_result_count(res) > 0)
		fputs("\n", stdout);
	if (emit(cli->in_log && !cli->paste && cli->format == BD_FORMAT_TEXT ?
	    bd_render_brief(res, cli->render_flags) :
	    bd_render(res, cli->format, cli->render_flags)) == -1)
		cli->lost = 1;
	return 0;
}

/* Tell once per input that a rule's pattern hit a PCRE2 limit. */
static int
note_limits(const struct bd_result *res, void *arg)
{
	struct cli *cli = arg;
	size_t	 i;

	for (i = 0; i < bd_result_count(res); i++)
		if (bd_result_get(res, i)->limit_hits > 0 &&
		    !cli->limit_warned) {
			warnx("%s: a rule's pattern hit the PCRE2 match limit "
			    "and counted as no match", bd_result_get(res,
			    i)->source);
			cli->limit_warned = 1;
			cli->degraded = 1;
		}
	return take_result(res, arg);
}

/* Diagnose one buffer and print its results, message by message. */
static int
diagnose_buffer(struct cli *cli, const char *source, const char *buf,
    size_t len, int truncated)
{
	enum bd_status st;
	static int inputs;

	/*
	 * JIT-compiling the table costs about as much as matching a
	 * thousand bounces with the interpreter behind the prefilter
	 * (callgrind, 2026-11), so only a long batch is worth it.
	 */
	if (++inputs == JIT_AFTER_INPUTS)
		bd_rules_jit(cli->rules);
	cli->opts.truncated = truncated;
	cli->limit_warned = 0;
	cli->lost = 0;
	st = bd_diagnose_each(cli->rules, &cli->opts, source, buf, len,
	    note_limits, cli);
	cli->opts.truncated = 0;
	if (st != BD_OK) {
		warnx("%s: %s", source, bd_strerror(st));
		return -1;
	}
	if (cli->lost) {
		warnx("%s: some diagnoses could not be printed", source);
		return -1;
	}
	return 0;
}

/*
 * Read the rest of fd after the len bytes already in buf (malloc'd, cap
 * + 1 bytes; may be NULL), up to CLI_MAX_INPUT bytes in all; NULL on
 * error (errno set, buf freed).
 */
static char *
read_all(int fd, char *buf, size_t len, size_t cap, size_t *lenp,
    int *truncated)
{
	char	*p;
	ssize_t	 n;

	*truncated = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= CLI_MAX_INPUT) {
				char	 c;

				/* One more byte tells a cut from an end. */
				if (read(fd, &c, 1) == 1)
					*truncated = 1;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > CLI_MAX_INPUT)
				cap = CLI_MAX_INPUT;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return NULL;
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Exit status after -h or -V: a full or closed stdout is an error. */
static int
flushed(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnx("standard output: %s", strerror(errno));
		return EXIT_OUTPUT;
	}
	return EXIT_DIAGNOSED;
}

/* Print a log-reading problem as FILE:LINE: message. */
static void
log_diag(const struct bd_diag *d, void *arg)
{
	struct cli *cli = arg;

	print_diag(d, NULL);
	cli->unreadable = 1;
}

/*
 * Stream a log through the library: head (headlen bytes) was read from
 * fd already.  Constant memory whatever the size.  Returns the records
 * it gave; the lines read go to *lines.
 */
static size_t
diagnose_log(struct cli *cli, const char *name, const char *head,
    size_t headlen, int fd, size_t *lines)
{
	struct bd_log_sink sink;
	struct bd_options opts = cli->opts;
	enum bd_status st;
	size_t	 before = cli->records;

	if (!cli->jit && !cli->paste) {
		bd_rules_jit(cli->rules);	/* many records to come */
		cli->jit = 1;
	}
	memset(&sink, 0, sizeof(sink));
	/* A summary alone lets the library classify each text once. */
	if (cli->summary == NULL) {
		sink.record = take_result;
		sink.record_arg = cli;
	}
	sink.summary = cli->summary;
	sink.diag = log_diag;
	sink.diag_arg = cli;
	sink.lines_read = lines;
	opts.mode = BD_MODE_LOG;
	cli->in_log = 1;
	if (cli->summary != NULL)
		before = bd_summary_count(cli->summary, NULL);
	st = bd_diagnose_log(cli->rules, &opts, name, head, headlen, fd,
	    &sink);
	cli->in_log = 0;
	if (st != BD_OK && st != BD_E_IO) {
		warnx("%s: %s", name, bd_strerror(st));
		cli->unreadable = 1;
	}
	if (cli->summary != NULL)
		return bd_summary_count(cli->summary, NULL) - before;
	return cli->records - before;
}

/*
 * Is buf (len bytes, all of the input) a paste: a few lines someone
 * copied, rather than a log file?  A pasted log line that holds no
 * bounce record (a Postfix "NOQUEUE: reject:", an Exim deferral) is
 * then diagnosed as a paste, never answered with silence.
 */
static int
is_paste(const char *buf, size_t len)
{
	size_t	 lines = 0, i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n' && ++lines > PASTE_MAX_LINES)
			return 0;
	return 1;
}

/*
 * A log, or something that looks like one: read it as a log; a paste
 * that yields no record is diagnosed as a paste; a log that yields none
 * says so.  pasted says buf holds all of the input and it came from -e
 * or standard input (a named file is a file, whatever its size).  A
 * paste's records are shown as whole pages, a log's one line each.
 */
static void
diagnose_log_or_paste(struct cli *cli, const char *name, const char *buf,
    size_t len, int fd, int pasted)
{
	size_t	 lines = 0;

	cli->paste = pasted && cli->opts.mode == BD_MODE_AUTO &&
	    is_paste(buf, len);
	if (diagnose_log(cli, name, buf, len, fd, &lines) == 0) {
		if (cli->paste) {
			if (diagnose_buffer(cli, name, buf, len, 0) == -1)
				cli->unreadable = 1;
		} else
		{
			warnx("no bounce lines in %s (%zu lines read)", name,
			    lines);
			cli->degraded = 1;
		}
	}
	cli->paste = 0;
}

/* Up to size bytes of fd into buf; -1 on error (errno set). */
static ssize_t
read_head(int fd, char *buf, size_t size)
{
	size_t	 len = 0;
	ssize_t	 n;

	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* Diagnose what one descriptor holds: a log is streamed, anything else
 * read whole. */
static void
diagnose_fd(struct cli *cli, const char *name, int fd)
{
	char	*buf;
	size_t	 len;
	ssize_t	 n;
	int	 truncated;

	if ((buf = malloc(SNIFF_SIZE + 1)) == NULL ||
	    (n = read_head(fd, buf, SNIFF_SIZE)) == -1) {
		warnx("%s: %s", name, strerror(errno));
		free(buf);
		cli->unreadable = 1;
		return;
	}
	if (cli->opts.mode == BD_MODE_LOG || (cli->opts.mode == BD_MODE_AUTO &&
	    bd_log_sniff(buf, (size_t)n))) {
		diagnose_log_or_paste(cli, name, buf, (size_t)n, fd,
		    (size_t)n < SNIFF_SIZE && fd == STDIN_FILENO);
		free(buf);
		return;
	}
	if ((buf = read_all(fd, buf, (size_t)n, SNIFF_SIZE, &len,
	    &truncated)) == NULL) {
		warnx("%s: %s", name, strerror(errno));
		cli->unreadable = 1;
		return;
	}
	if (truncated) {
		warnx("%s: larger than %u MB: only the first %u MB were read",
		    name, CLI_MAX_INPUT >> 20, CLI_MAX_INPUT >> 20);
		cli->degraded = 1;
	}
	if (diagnose_buffer(cli, name, buf, len, truncated) == -1)
		cli->unreadable = 1;
	free(buf);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/*
 * Has this file or directory been visited already (a second path to it,
 * a hard link, a symlink to a file)?  Records it if not.  An
 * open-addressing set of (device, inode), grown by doubling.
 */
static int
seen_before(struct seen *v, dev_t dev, ino_t ino)
{
	size_t	 i, h, cap;
	dev_t	*nd;
	ino_t	*ni;

	if ((v->n + 1) * 2 > v->cap) {
		cap = v->cap ? v->cap * 2 : 1024;
		if ((nd = calloc(cap, sizeof(*nd))) == NULL ||
		    (ni = calloc(cap, sizeof(*ni))) == NULL) {
			free(nd);
			return 0;	/* out of memory: visit again */
		}
		for (i = 0; i < v->cap; i++) {
			if (v->ino[i] == 0)
				continue;
			for (h = (size_t)(v->ino[i] * 31 + v->dev[i]) &
			    (cap - 1); ni[h] != 0; h = (h + 1) & (cap - 1))
				continue;
			nd[h] = v->dev[i];
			ni[h] = v->ino[i];
		}
		free(v->dev);
		free(v->ino);
		v->dev = nd;
		v->ino = ni;
		v->cap = cap;
	}
	for (h = (size_t)(ino * 31 + dev) & (v->cap - 1); v->ino[h] != 0;
	    h = (h + 1) & (v->cap - 1))
		if (v->ino[h] == ino && v->dev[h] == dev)
			return 1;
	v->dev[h] = dev;
	v->ino[h] = ino;	/* never 0 on the file systems we walk */
	v->n++;
	return 0;
}

/* Say why an input is passed over; --strict makes it fail the run. */
static void
skipped(struct cli *cli, const char *path, const char *why)
{
	warnx("%s: %s: skipped", path, why);
	cli->degraded = 1;
}

static void	 diagnose_path(struct cli *, const char *, int);

/*
 * A directory: a Maildir (cur/ and new/) or a tree of messages, walked in
 * name order; dot files are skipped (Maildir tmp/ is not delivered yet).
 */
static void
diagnose_dir(struct cli *cli, const char *path, int depth)
{
	DIR	*dir;
	struct dirent *de;
	char	**names = NULL, **p, full[PATH_MAX];
	size_t	 n = 0, cap = 0, i;

	if (depth > MAX_WALK_DEPTH) {
		warnx("%s: directories nested deeper than %d: skipped", path,
		    MAX_WALK_DEPTH);
		cli->unreadable = 1;
		return;
	}
	if ((dir = opendir(path)) == NULL) {
		warnx("%s: %s", path, strerror(errno));
		cli->unreadable = 1;
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "tmp") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL)
				break;
			names = p;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    names[i]) >= sizeof(full)) {
			warnx("%s/%s: path too long", path, names[i]);
			cli->unreadable = 1;
		} else
			diagnose_path(cli, full, depth + 1);
		free(names[i]);
	}
	free(names);
}

/*
 * One path: a file is read, a directory walked.  Inside a walk (depth >
 * 0) the type is checked before anything is opened: a symlink to a
 * directory is not followed (links such as "ln -s . x" would make the
 * walk endless), FIFOs, sockets and devices are passed over (opening one
 * blocks), and nothing is visited twice.  A path named on the command
 * line is the user's choice: a FIFO there (a shell's <(zcat log)) is
 * read.  Every open is non-blocking first and checked with fstat().
 */
static void
diagnose_path(struct cli *cli, const char *path, int depth)
{
	struct stat st, lst;
	int	 fd, flags;

	if (depth > 0) {
		if (lstat(path, &lst) == -1) {
			warnx("%s: %s", path, strerror(errno));
			cli->unreadable = 1;
			return;
		}
		if (S_ISLNK(lst.st_mode) && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			skipped(cli, path, "symbolic link to a directory, not "
			    "followed");
			return;
		}
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		warnx("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		cli->unreadable = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && (depth > 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))) {
		skipped(cli, path, S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISSOCK(st.st_mode) ? "a socket" : "a device");
		close(fd);
		return;
	}
	/* A file named twice on the command line is read twice, as
	 * asked; within walks, and for directories, once. */
	if (seen_before(&cli->seen, st.st_dev, st.st_ino) && (depth > 0 ||
	    S_ISDIR(st.st_mode))) {
		skipped(cli, path, "already read by another path");
		close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		diagnose_dir(cli, path, depth);
		return;
	}
	/* Blocking reads from here: the type is known. */
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	diagnose_fd(cli, path, fd);
	close(fd);
}

/*
 * --fail-on CAUSE[,CAUSE...]: every id must name a cause of the loaded
 * rules (a typo must not silently disable the gate).
 */
static int
set_gate(struct cli *cli)
{
	const char *p, *comma;
	char	 id[128];
	size_t	 n;
	const struct bd_cause *c;

	if (cli->fail_on == NULL)
		return 0;
	for (p = cli->fail_on; *p != '\0'; p = *comma ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		n = (size_t)(comma - p);
		if (n == 0)
			continue;
		if (n >= sizeof(id) || cli->ngate == MAX_FAIL_ON) {
			warnx("--fail-on: too long");
			return -1;
		}
		memcpy(id, p, n);
		id[n] = '\0';
		if ((c = bd_rules_cause(cli->rules, id)) == NULL) {
			warnx("--fail-on: no such cause '%.40s' (try "
			    "--list-causes)", id);
			return -1;
		}
		cli->gate[cli->ngate++] = c;
	}
	if (cli->ngate == 0) {
		warnx("--fail-on: no cause given");
		return -1;
	}
	return 0;
}

/* --list-causes */
static void
list_causes(const struct bd_rules *r)
{
	size_t	 i;
	const struct bd_cause *c;

	for (i = 0; i < bd_rules_cause_count(r); i++) {
		c = bd_rules_cause_at(r, i);
		printf("%-17s %-9s %s\n", c->id, c->permanent ? "permanent" :
		    "transient", c->title);
	}
}

/*
 * Is s a cause id ("blocklist"), an enhanced status code ("5.7.26",
 * RFC 3463 §2) or a reply code ("550")?  Nothing else is looked up, so
 * "5.7.26x" is an error rather than the page of 5.7.2x.
 */
static int
explain_arg_ok(const char *s)
{
	size_t	 n = strlen(s), a, b;

	if (n == 3 && s[0] >= '2' && s[0] <= '5' && strspn(s, "0123456789")
	    == 3)
		return 1;
	if (n >= 5 && (s[0] == '2' || s[0] == '4' || s[0] == '5') &&
	    s[1] == '.') {
		a = strspn(s + 2, "0123456789");
		if (a < 1 || a > 3 || s[2 + a] != '.')
			return 0;
		b = strspn(s + 3 + a, "0123456789");
		return b >= 1 && b <= 3 && s[3 + a + b] == '\0';
	}
	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* --explain CAUSE|CODE */
static int
explain(struct cli *cli)
{
	const struct bd_cause *c;
	const char *title;

	if (!explain_arg_ok(cli->explain)) {
		warnx("%.80s: not a cause id, enhanced status code (5.7.26) or "
		    "reply code (550)", cli->explain);
		return -1;
	}

	if ((c = bd_rules_cause(cli->rules, cli->explain)) != NULL)
		return emit(bd_render_cause(c, cli->format,
		    cli->render_flags));
	title = bd_rules_code_title(cli->rules, cli->explain);
	c = bd_rules_code_cause(cli->rules, cli->explain);
	if (title == NULL && c == NULL) {
		warnx("%s: no such cause or registered code (try "
		    "--list-causes)", cli->explain);
		return -1;
	}
	if (cli->format == BD_FORMAT_TEXT) {
		printf("%s: %s\n", cli->explain, title ? title :
		    "(no registered title)");
		if (c == NULL) {
			puts("The code alone does not point to one cause; the "
			    "reply text decides.");
			return 0;
		}
		printf("On its own this code points to the cause "
		    "'%s'.\n\n", c->id);
	}
	return c != NULL ? emit(bd_render_cause(c, cli->format,
	    cli->render_flags)) : 0;
}

/* Print check problems; count the warnings too. */
static void
check_diag(const struct bd_diag *d, void *arg)
{
	size_t	*warnings = arg;

	if (d->severity == BD_SEV_WARNING)
		(*warnings)++;
	print_diag(d, NULL);
}

/*
 * --check-rules: one line per file read, in load order, with the rules
 * and causes the table took from it, and below it those that replaced
 * an earlier one with the same id (a site rule overriding a shipped one).
 */
static void
print_origins(const struct bd_rules *r)
{
	size_t	 f, i, nrules, ncauses;
	const char *name, *file, *id, *old;
	const struct bd_cause *c;
	unsigned line, oline;

	for (f = 0; (name = bd_rules_file_at(r, f)) != NULL; f++) {
		nrules = ncauses = 0;
		for (i = 0; bd_rules_rule_at(r, i, &file, NULL) != NULL; i++)
			if (strcmp(file, name) == 0)
				nrules++;
		for (i = 0; (c = bd_rules_cause_at(r, i)) != NULL; i++)
			if (strcmp(c->file, name) == 0)
				ncauses++;
		printf("%s: %zu rules, %zu causes\n", name, nrules, ncauses);
		for (i = 0; (c = bd_rules_cause_at(r, i)) != NULL; i++)
			if (strcmp(c->file, name) == 0 &&
			    (old = bd_rules_cause_replaced(r, i, &oline)) !=
			    NULL)
				printf("  %s:%u: cause '%s' replaces %s:%u\n",
				    name, c->line, c->id, old, oline);
		for (i = 0; (id = bd_rules_rule_at(r, i, &file, &line)) !=
		    NULL; i++)
			if (strcmp(file, name) == 0 &&
			    (old = bd_rules_rule_replaced(r, i, &oline)) !=
			    NULL)
				printf("  %s:%u: rule '%s' replaces %s:%u\n",
				    name, line, id, old, oline);
	}
}

/* --check-rules: loading already validated syntax; now the examples. */
static int
check_rules(struct cli *cli)
{
	size_t	 errors, warnings = 0;

	print_origins(cli->rules);
	errors = bd_rules_check(cli->rules, check_diag, &warnings);
	printf("rules: %zu rules, %zu causes: %zu errors, %zu warnings\n",
	    bd_rules_count(cli->rules), bd_rules_cause_count(cli->rules),
	    errors, warnings);
	return errors == 0 ? 0 : -1;
}

/* Parse the command line into cli; returns an exit status or -1. */
static int
parse_args(struct cli *cli, int argc, char **argv)
{
	struct option longopts[NOPTIONS + 1];
	const char *color = "auto";
	size_t	 i;
	int	 ch;

	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < NOPTIONS; i++) {
		longopts[i].name = options[i].name;
		longopts[i].has_arg = options[i].has_arg;
		longopts[i].val = options[i].id;
	}
	opterr = 0;	/* our own messages, without argv[0] */
	while ((ch = getopt_long(argc, argv, ":e:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			cli->expr = optarg;
			break;
		case 'h':
			usage(stdout);
			return flushed();
		case 'V':
			printf("bouncediag %s\n", bd_version());
			return flushed();
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				cli->format = BD_FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0 ||
			    strcmp(optarg, "jsonl") == 0)
				cli->format = BD_FORMAT_JSON;
			else {
				warnx("--format: want text, json or jsonl, not "
				    "'%.40s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_MODE:
			if (strcmp(optarg, "auto") == 0)
				cli->opts.mode = BD_MODE_AUTO;
			else if (strcmp(optarg, "text") == 0)
				cli->opts.mode = BD_MODE_TEXT;
			else if (strcmp(optarg, "eml") == 0)
				cli->opts.mode = BD_MODE_EML;
			else if (strcmp(optarg, "mbox") == 0)
				cli->opts.mode = BD_MODE_MBOX;
			else if (strcmp(optarg, "log") == 0)
				cli->opts.mode = BD_MODE_LOG;
			else {
				warnx("--mode: want auto, text, eml, mbox or "
				    "log, not '%.40s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_RULES:
			if (cli->nrules_dirs == MAX_RULES_DIRS) {
				warnx("--rules: at most %d times",
				    MAX_RULES_DIRS);
				return EXIT_USAGE;
			}
			cli->rules_dirs[cli->nrules_dirs++] = optarg;
			break;
		case OPT_COLOR:
			color = optarg;
			if (strcmp(color, "auto") != 0 && strcmp(color,
			    "always") != 0 && strcmp(color, "never") != 0) {
				warnx("--color: want auto, always or never");
				return EXIT_USAGE;
			}
			break;
		case OPT_LIST_CAUSES:
			cli->list_causes = 1;
			break;
		case OPT_EXPLAIN:
			cli->explain = optarg;
			break;
		case OPT_CHECK_RULES:
			cli->check_rules = 1;
			break;
		case OPT_STRICT:
			cli->strict = 1;
			break;
		case OPT_TRUST_RULES:
			cli->trust_rules = 1;
			break;
		case OPT_NO_CACHE:
			cli->no_cache = 1;
			break;
		case OPT_SUMMARY:
			cli->summary_wanted = 1;
			break;
		case OPT_FAIL_ON_DELAYED:
			cli->fail_on_delayed = 1;
			break;
		case OPT_FAIL_ON:
			cli->fail_on = optarg;
			break;
		case ':':
			warnx("%s needs an argument", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		default:
			if (optopt != 0)
				warnx("unknown option '-%c'", optopt);
			else
				warnx("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* Colour only on a terminal, and never against NO_COLOR. */
	if (strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 &&
	    isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	    (getenv("TERM") == NULL || strcmp(getenv("TERM"), "dumb") != 0)))
		cli->render_flags |= BD_RENDER_COLOR;
	return -1;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	char	 dirbuf[PATH_MAX], userbuf[PATH_MAX];
	int	 rc, i;

	memset(&cli, 0, sizeof(cli));
	bd_options_init(&cli.opts);
	if ((rc = parse_args(&cli, argc, argv)) != -1)
		return rc;
	argc -= optind;
	argv += optind;

	if (cli.nrules_dirs == 0) {
		cli.rules_dirs[cli.nrules_dirs++] = default_rules_dir(dirbuf,
		    sizeof(dirbuf));
		add_local_rules(cli.rules_dirs, &cli.nrules_dirs, userbuf,
		    sizeof(userbuf));
	}
	/* --check-rules always compiles afresh: it is the strict path. */
	if ((cli.rules = load_rules(cli.rules_dirs, cli.nrules_dirs,
	    !cli.no_cache && !cli.check_rules, cli.trust_rules)) == NULL)
		return EXIT_USAGE;
	if (set_gate(&cli) == -1 || (cli.summary_wanted &&
	    (cli.summary = bd_summary_new()) == NULL)) {
		if (cli.summary_wanted && cli.summary == NULL)
			warnx("out of memory");
		bd_rules_free(cli.rules);
		return EXIT_USAGE;
	}
	rc = EXIT_DIAGNOSED;
	if (cli.check_rules) {
		if (check_rules(&cli) == -1)
			rc = EXIT_USAGE;
	} else if (cli.list_causes)
		list_causes(cli.rules);
	else if (cli.explain != NULL) {
		if (explain(&cli) == -1)
			rc = EXIT_USAGE;
	} else if (cli.expr != NULL) {
		if (argc > 0) {
			warnx("-e and FILE operands don't mix");
			rc = EXIT_USAGE;
		} else if (cli.opts.mode == BD_MODE_LOG ||
		    (cli.opts.mode == BD_MODE_AUTO &&
		    bd_log_sniff(cli.expr, strlen(cli.expr))))
			diagnose_log_or_paste(&cli, "-e", cli.expr,
			    strlen(cli.expr), -1, 1);
		else if (diagnose_buffer(&cli, "-e", cli.expr,
		    strlen(cli.expr), 0) == -1)
			cli.unreadable = 1;
	} else if (argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0)) {
		if (isatty(STDIN_FILENO))
			fputs("Paste the bounce, then press Ctrl-D.\n",
			    stderr);
		diagnose_fd(&cli, "-", STDIN_FILENO);
	} else
		for (i = 0; i < argc; i++) {
			if (strcmp(argv[i], "-") == 0)
				diagnose_fd(&cli, "-", STDIN_FILENO);
			else
				diagnose_path(&cli, argv[i], 0);
		}
	if (cli.summary != NULL && rc == EXIT_DIAGNOSED) {
		(void)emit(bd_summary_render(cli.summary, cli.format,
		    cli.render_flags));
		for (i = 0; (size_t)i < cli.ngate; i++)
			if (bd_summary_count(cli.summary, cli.gate[i]->id) >
			    0 || (cli.fail_on_delayed && bd_summary_delayed(
			    cli.summary, cli.gate[i]->id) > 0))
				cli.tripped = 1;
	}
	bd_summary_free(cli.summary);
	bd_rules_free(cli.rules);
	free(cli.seen.dev);
	free(cli.seen.ino);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnx("standard output: %s", strerror(errno));
		return EXIT_OUTPUT;
	}
	/* Precedence: usage, unreadable input, then the gate. */
	if (rc == EXIT_DIAGNOSED && (cli.unreadable || (cli.strict &&
	    cli.degraded)))
		rc = EXIT_UNREADABLE;
	else if (rc == EXIT_DIAGNOSED && cli.tripped)
		rc = EXIT_GATE;
	return rc;
}
