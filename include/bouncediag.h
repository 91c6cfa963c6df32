/*
 * bouncediag.h - public API of libbouncediag.
 *
 * libbouncediag turns a bounce (a pasted SMTP reply, a bounce email, a
 * line of a mail log) into a diagnosis: the SMTP reply split into its
 * codes and text, the cause of the failure taken from a PCRE2 rule table,
 * and the fix steps for that cause.
 *
 * Conventions:
 *  - The library never prints, exits or keeps global state.  Errors come
 *    back as enum bd_status; rule-file problems are also reported, each
 *    with its FILE:LINE:COL, through a caller-supplied bd_diag_fn.
 *  - Ownership: every function that returns a pointer says who frees it.
 *    All _free() functions accept NULL.
 *  - A struct bd_result refers to strings owned by the struct bd_rules it
 *    was made with: free results before the rules.
 *  - A struct bd_rules is read-only once loaded: several threads may
 *    diagnose with the same rules at once, except that bd_rules_jit()
 *    must not run concurrently with anything else.
 */
#ifndef BOUNCEDIAG_H
#define BOUNCEDIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BD_VERSION "0.1.0"

/* Status codes returned by every fallible function. */
enum bd_status {
	BD_OK = 0,
	BD_E_NOMEM,		/* out of memory */
	BD_E_IO,		/* a file could not be read; errno is kept */
	BD_E_SYNTAX,		/* a rules file has errors (reported via bd_diag_fn) */
	BD_E_RANGE,		/* a bounded buffer or limit was exceeded */
	BD_E_INVAL,		/* bad argument (caller bug or unknown name) */
	BD_E_NOTFOUND		/* no such cause, code or file */
};

/* Returns a static, human-readable description of st. */
const char	*bd_strerror(enum bd_status st);

/* Returns the library version, e.g. "0.1.0". */
const char	*bd_version(void);

/*
 * A problem found while loading rules or reading input, with its place.
 * line and col are 1-based; 0 means "not known".
 */
enum bd_severity {
	BD_SEV_ERROR,
	BD_SEV_WARNING
};

struct bd_diag {
	enum bd_severity severity;
	const char	*file;
	unsigned	 line;
	unsigned	 col;
	const char	*msg;
};

/* Called once per problem; the strings live only during the call. */
typedef void	 bd_diag_fn(const struct bd_diag *d, void *arg);

/*
 * Rules.
 *
 * bd_rules_new() returns an empty table owned by the caller; free it with
 * bd_rules_free().  Add files or directories of *.rules files (loaded in
 * name order) with bd_rules_add_path(); every error is reported through
 * fn (which may be NULL) and loading goes on to the end of the file so
 * that all errors are seen.  bd_rules_finish() checks the table as a
 * whole (every rule names a known cause, ...) and must be called once,
 * after the last add and before the first diagnosis.  Any error makes the
 * table unusable: the caller must not diagnose with it.
 *
 * A later entry with the same id as an earlier one replaces it (this is
 * how site rules override shipped ones).
 */
struct bd_rules;

struct bd_rules	*bd_rules_new(void);
enum bd_status	 bd_rules_add_path(struct bd_rules *rules, const char *path,
		    bd_diag_fn *fn, void *arg);
enum bd_status	 bd_rules_add_buffer(struct bd_rules *rules, const char *name,
		    const char *buf, size_t len, bd_diag_fn *fn, void *arg);
enum bd_status	 bd_rules_finish(struct bd_rules *rules, bd_diag_fn *fn,
		    void *arg);
/*
 * Optional, before bd_rules_finish(): keep the compiled patterns in the
 * file at path between runs (the caller picks a private directory).  The
 * cache is used only when it was built from exactly the same patterns,
 * and only when it is a regular file owned by the caller and writable by
 * nobody else; a missing, stale or unusable cache is silently rebuilt.
 */
enum bd_status	 bd_rules_set_cache(struct bd_rules *rules, const char *path);

/*
 * JIT-compile every pattern.  Worth it before diagnosing many inputs;
 * for a single paste the interpreter is faster than the compile.
 * Failure to JIT is not an error: the interpreter is used instead.
 */
void		 bd_rules_jit(struct bd_rules *rules);
void		 bd_rules_free(struct bd_rules *rules);

/*
 * Lint the loaded table: every rule's examples are diagnosed by that very
 * rule, and rules without examples.  Problems go to fn.  Returns the
 * number of errors (0 = clean); warnings are not counted.
 */
size_t		 bd_rules_check(const struct bd_rules *rules, bd_diag_fn *fn,
		    void *arg);

/* Counts, for --check-rules and tests. */
size_t		 bd_rules_count(const struct bd_rules *rules);
size_t		 bd_rules_cause_count(const struct bd_rules *rules);

/*
 * Where the table came from, for --check-rules.  The files read, in load
 * order, index 0 to bd_rules_file_count() - 1.  Rule i (0 to
 * bd_rules_count() - 1, in match order): its id is returned and *file,
 * *line say where it is defined (file and line may be NULL).  When a rule
 * or cause replaced an earlier one with the same id (a site rule
 * overriding a shipped one), bd_rules_rule_replaced() and
 * bd_rules_cause_replaced() return the file that held the earlier one and
 * set *line; else NULL.  Every string is owned by the rules; out of range
 * gives NULL.
 */
size_t		 bd_rules_file_count(const struct bd_rules *rules);
const char	*bd_rules_file_at(const struct bd_rules *rules, size_t i);
const char	*bd_rules_rule_at(const struct bd_rules *rules, size_t i,
		    const char **file, unsigned *line);
const char	*bd_rules_rule_replaced(const struct bd_rules *rules,
		    size_t i, unsigned *line);
const char	*bd_rules_cause_replaced(const struct bd_rules *rules,
		    size_t i, unsigned *line);

/*
 * Cause descriptions, for --list-causes and --explain.  The cause is
 * owned by the rules.  Index from 0 to bd_rules_cause_count() - 1.
 */
struct bd_cause {
	const char	*id;		/* "auth", "blocklist", ... */
	const char	*title;
	int		 permanent;	/* 1 permanent, 0 transient */
	const char	*actor;		/* you, recipient, admin, nobody */
	const char	*retry;		/* whether and when to retry */
	const char	*explain;	/* What's actually happening */
	const char *const *fix;		/* How to fix it, nfix steps */
	size_t		 nfix;
	const char	*prevent;	/* Stop it recurring */
	const char	*file;		/* where it was defined */
	unsigned	 line;
	const char	*delayed;	/* for a delay notice: what to do while
					   the message is still queued, or
					   NULL (then retry says it) */
};

const struct bd_cause *bd_rules_cause_at(const struct bd_rules *rules,
		    size_t i);
const struct bd_cause *bd_rules_cause(const struct bd_rules *rules,
		    const char *id);
/*
 * The registered meaning of an enhanced status code ("5.7.1") or a basic
 * reply code ("550"), or NULL.  Owned by the rules.
 */
const char	*bd_rules_code_title(const struct bd_rules *rules,
		    const char *code);
/* The cause a code alone points to (registry fallback), or NULL. */
const struct bd_cause *bd_rules_code_cause(const struct bd_rules *rules,
		    const char *code);

/*
 * Options for a diagnosis.  Initialise with bd_options_init() and then
 * change what you need; passed by const pointer, never kept.
 */
enum bd_mode {
	BD_MODE_AUTO,		/* sniff: message, mbox or pasted text */
	BD_MODE_TEXT,		/* pasted reply / free text */
	BD_MODE_EML,		/* one RFC 5322 message */
	BD_MODE_MBOX,		/* "From " separated messages */
	BD_MODE_LOG		/* mail log lines */
};

struct bd_options {
	enum bd_mode	 mode;
	long		 now;		/* time_t for since/until, 0 = now */
	int		 truncated;	/* the caller cut the input at a size
					   limit: mark every diagnosis */
};

void		 bd_options_init(struct bd_options *opts);

/*
 * The fields a diagnosis carries besides its codes.  Named captures in
 * rules fill them by name (see bd_field_name()).
 */
enum bd_field {
	BD_F_IP,		/* the sending IP the receiver complains about */
	BD_F_RECIPIENT,
	BD_F_REMOTE_HOST,	/* the host that gave the reply */
	BD_F_STAGE,		/* connect, HELO, MAIL, RCPT, DATA */
	BD_F_PROVIDER,		/* receiving system: Gmail, Microsoft, ... */
	BD_F_BLOCKLIST,		/* the DNSBL or block list named */
	BD_F_DOMAIN,		/* a domain the text names (DKIM, SPF, ...) */
	BD_F_ACTION,		/* RFC 3464 Action: failed, delayed */
	BD_F_REMOTE_MTA,
	BD_F_REPORTING_MTA,
	BD_F_ARRIVAL_DATE,
	BD_F_KIND,		/* not-bounce kind: auto-reply, feedback, ... */
	BD_F_TIMESTAMP,		/* log time stamp */
	BD_F_QUEUE_ID,		/* log queue id */
	BD_F_RETRY_UNTIL,	/* a delay notice: when the sender gives
				   up (RFC 3464 Will-Retry-Until) */
	BD_F__COUNT
};

/* "ip", "recipient", ...; NULL when f is out of range. */
const char	*bd_field_name(enum bd_field f);
/* The field called name, or -1. */
int		 bd_field_lookup(const char *name);

enum bd_confidence {
	BD_CONF_NONE,		/* nothing to go on: cause unknown */
	BD_CONF_LOW,		/* from a code alone (enhanced or basic) */
	BD_CONF_MEDIUM,		/* a text rule matched, but it goes by a
				   single telling word, or another rule
				   reads the text as another cause */
	BD_CONF_HIGH		/* a text rule matched, unopposed */
};

/* "none", "low", "medium", "high". */
const char	*bd_confidence_name(enum bd_confidence c);

#define BD_MAX_ALTERNATIVES 4

/*
 * What the returned original message (message/rfc822 or
 * text/rfc822-headers part of a bounce) says about authentication, and
 * our DMARC alignment verdict.  Strings are NULL when not found.
 */
struct bd_evidence {
	const char	*from_domain;	/* RFC 5322 From: */
	const char	*return_path_domain;
	const char	*dkim_domain;	/* DKIM-Signature d= */
	const char	*spf_domain;	/* smtp.mailfrom / Received-SPF */
	const char	*spf;		/* pass, fail, softfail, ... */
	const char	*dkim;
	const char	*dmarc;
	int		 dkim_aligned;	/* -1 unknown, 0 no, 1 yes */
	int		 spf_aligned;
	const char	*verdict;	/* one line for people */
};

/*
 * One diagnosis: one failed recipient of a bounce, one pasted reply, one
 * log record.  Read-only; every string is owned by the struct bd_result
 * (or by the rules, which must outlive it).  Absent strings are NULL.
 * New members may be added at the end: never allocate one yourself.
 */
struct bd_diagnosis {
	const char	*source;	/* "-", "FILE", "FILE:LINE", "FILE#3" */
	int		 code;		/* RFC 5321 reply code, 0 when absent */
	const char	*enhanced;	/* RFC 3463 "5.7.1", or NULL */
	const char	*code_title;	/* registry meaning of the codes */
	const char	*text;		/* the reply text, prefixes removed */
	const struct bd_cause *cause;	/* never NULL */
	const char	*alternatives[BD_MAX_ALTERNATIVES];
	size_t		 nalternatives;
	const char	*tell;		/* how to tell cause from alternatives */
	enum bd_confidence confidence;
	const char	*rule;		/* id of the rule that decided */
	const char	*rule_file;	/* and where it lives */
	unsigned	 rule_line;
	const char	*matched;	/* the words the rule matched */
	int		 permanent;	/* 1 permanent, 0 transient */
	const char	*hint;		/* rule-specific advice, filled in */
	const char *const *fix;		/* the cause's steps, filled in */
	size_t		 nfix;
	const char	*fields[BD_F__COUNT];
	int		 truncated;	/* input was cut at a limit */
	const struct bd_evidence *evidence; /* NULL when no original */
	size_t		 message;	/* 1-based message number in the input
					   (mbox), 0 for a paste */
	unsigned	 limit_hits;	/* patterns stopped by a PCRE2 limit,
					   counted as no match */
	const char	*conflict;	/* id of a later text rule that read
					   the text as another cause (which
					   is then an alternative and makes
					   confidence medium), or NULL */
	const char	*wrapper;	/* id of the outermost wrapper peeled
					   off the paste, or NULL */
	int		 final;		/* 1: the message failed for good (a
					   bounce, a log's status=bounced);
					   0: delayed, the sender is still
					   retrying (fields[BD_F_KIND] is
					   "delayed"); -1: not known (a
					   pasted reply) */
};

/*
 * The diagnoses of one input (a paste, a message, a log line): owned by
 * the caller, freed with bd_result_free().
 */
struct bd_result;

enum bd_status	 bd_diagnose(const struct bd_rules *rules,
		    const struct bd_options *opts, const char *source,
		    const char *buf, size_t len, struct bd_result **out);
/*
 * Like bd_diagnose(), but hands each message's result to fn as soon as it
 * is ready (an mbox holds many), so memory stays bounded by one message
 * whatever the input.  The result is freed when fn returns; fn returns
 * nonzero to stop early.  Returns BD_OK, or the first error.
 */
typedef int	 bd_result_fn(const struct bd_result *res, void *arg);
enum bd_status	 bd_diagnose_each(const struct bd_rules *rules,
		    const struct bd_options *opts, const char *source,
		    const char *buf, size_t len, bd_result_fn *fn, void *arg);
size_t		 bd_result_count(const struct bd_result *res);
const struct bd_diagnosis *bd_result_get(const struct bd_result *res,
		    size_t i);
void		 bd_result_free(struct bd_result *res);

/*
 * Rendering.  Each returns a NUL-terminated string owned by the caller
 * (free with free()), or NULL when out of memory.  Every piece of input
 * text is made safe for a terminal (text) or escaped (JSON) first.
 */
enum bd_format {
	BD_FORMAT_TEXT,
	BD_FORMAT_JSON		/* JSON Lines: one object per diagnosis */
};

#define BD_RENDER_COLOR	0x01	/* ANSI colour in text output */

char		*bd_render(const struct bd_result *res, enum bd_format fmt,
		    unsigned flags);
/* A cause's page for --explain, or NULL when out of memory. */
char		*bd_render_cause(const struct bd_cause *cause,
		    enum bd_format fmt, unsigned flags);

/*
 * Copy src into a new string with terminal control sequences, C0/C1
 * controls, bidi overrides and invalid UTF-8 replaced; owned by the
 * caller.  For CLI messages that quote input.
 */
char		*bd_printable(const char *src, size_t len);

/*
 * Mail logs: Postfix, Exim (mainlog), Sendmail and OpenSMTPD lines, and
 * JSON Lines events of Amazon SES, SendGrid, Mailgun, Postmark and
 * SparkPost; plain or gzip-compressed (found by the 1f 8b magic, not by
 * the file name).
 *
 * bd_log_sniff() says whether the start of an input looks like such a
 * log (a gzip head is inflated first); 1 yes, 0 no.
 *
 * bd_diagnose_log() reads the log to its end in bounded chunks: memory
 * stays constant whatever the size.  head (headlen bytes, may be NULL)
 * holds bytes already read from fd, which come first; fd may be -1 when
 * head is all there is.  Only lines that can be bounces (a literal
 * prefilter) reach the parsers; each bounce line (each bounced recipient
 * of a JSON event) yields one record, in input order, with source
 * "SOURCE:LINE", the timestamp, queue id, recipient and remote host of
 * the line.  A bounce line the parser cannot split still yields a record
 * with the raw line as its text; a line longer than BD_MAX_LINE is cut
 * and its record marked truncated.
 *
 * The sink says where records go.  record, when not NULL, gets each
 * record as a result of one diagnosis that lives only during the call;
 * it returns 0 to go on, anything else to stop reading (not an error).
 * summary, when not NULL, counts every record.  With record NULL the
 * library classifies each distinct reply text once (a bounded cache), so
 * a summary of a large log costs little more than reading it.  Input
 * problems (read errors, corrupt gzip) go to diag with SOURCE:LINE and
 * make the call return BD_E_IO after the records read so far.
 */
int		 bd_log_sniff(const char *head, size_t len);

typedef int	 bd_record_fn(const struct bd_result *res, void *arg);

struct bd_summary;

struct bd_log_sink {
	bd_record_fn	*record;
	void		*record_arg;
	struct bd_summary *summary;
	bd_diag_fn	*diag;
	void		*diag_arg;
	size_t		*lines_read;	/* when not NULL, set to the number
					   of lines read (for "no bounce
					   lines in FILE (N lines read)") */
};

enum bd_status	 bd_diagnose_log(const struct bd_rules *rules,
		    const struct bd_options *opts, const char *source,
		    const char *head, size_t headlen, int fd,
		    const struct bd_log_sink *sink);

/*
 * Summaries: counts by cause, by receiving provider, by blocklist and by
 * recipient domain, and the most frequent texts per cause.  Memory is
 * bounded: past a fixed number of distinct keys per table, new keys are
 * counted as "(other)".  bd_summary_new() returns a summary owned by the
 * caller (free with bd_summary_free()); it copies what it keeps, so the
 * results and rules added may be freed afterwards.
 */
struct bd_summary *bd_summary_new(void);
/* Count every diagnosis of res.  BD_E_NOMEM leaves the counts short. */
enum bd_status	 bd_summary_add(struct bd_summary *sum,
		    const struct bd_result *res);
/*
 * Diagnoses counted; with cause (an id) only those of that cause.
 * bd_summary_count() counts failures (final, or not known to be a
 * delay), bd_summary_delayed() the delays (still retrying).
 */
size_t		 bd_summary_count(const struct bd_summary *sum,
		    const char *cause);
size_t		 bd_summary_delayed(const struct bd_summary *sum,
		    const char *cause);
/* Text with bar charts, or one JSON object; owned by the caller. */
char		*bd_summary_render(const struct bd_summary *sum,
		    enum bd_format fmt, unsigned flags);
void		 bd_summary_free(struct bd_summary *sum);

/*
 * One line per diagnosis, for listings of many (log records):
 * "SOURCE: CAUSE CODE ENHANCED RECIPIENT via HOST: TEXT".  Owned by the
 * caller (free with free()), NULL when out of memory.
 */
char		*bd_render_brief(const struct bd_result *res, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEDIAG_H */
