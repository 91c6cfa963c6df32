/*
 * rules.h - the loaded rule table (private).  rules_load.c reads and
 * compiles it (format: rules/README.md); rules_match.c runs it.
 */
#ifndef BD_RULES_H
#define BD_RULES_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "bouncediag.h"

/*
 * A pattern and where it was written.  bd_rules_finish() compiles it, or,
 * when the cache vouches for the sources, leaves re NULL for
 * bd_pattern_code() to compile on first use: the one field that changes
 * after loading, published atomically.
 */
struct bd_pattern {
	_Atomic(pcre2_code *) re;
	char		*src;
	const char	*file;
	unsigned	 line;
	unsigned	 col;
	int		 kind;		/* enum bd_pattern_kind: which
					   capture names it may use */
	char		*lit;		/* the prefilter: literals in ASCII
					   lower case, one of which every
					   match contains, each a length byte
					   and the bytes; NULL = none */
	size_t		 litlen;	/* bytes of lit */
};

/* What a pattern belongs to, for its allowed capture names. */
enum bd_pattern_kind {
	BD_PAT_RULE,		/* field names (ip, recipient, ...) */
	BD_PAT_EXTRACT,		/* recipient, reply */
	BD_PAT_WRAPPER,		/* reply, code, esc and field names */
	BD_PAT_BOILERPLATE	/* none */
};

/* `set FIELD VALUE` */
struct bd_setting {
	int		 field;		/* enum bd_field */
	char		*value;
};

/* One comma-separated item of a `code` or `status` constraint; -1 is a
 * wildcard.  code: digits[0..2]; status: class, subject, detail. */
struct bd_code_pat {
	int		 part[3];
};

struct bd_rule {
	char		*id;
	const char	*file;		/* interned in struct bd_rules */
	unsigned	 line;
	char		*cause_id;
	unsigned	 cause_line;
	const struct bd_cause *cause;	/* resolved by bd_rules_finish() */
	struct bd_pattern *match, *also, *unless;
	size_t		 nmatch, nalso, nunless;
	struct bd_pattern host;		/* re == NULL: any host */
	struct bd_code_pat *code, *status;
	size_t		 ncode, nstatus;
	struct bd_setting *set;
	size_t		 nset;
	char		*alt[BD_MAX_ALTERNATIVES];
	const struct bd_cause *alt_cause[BD_MAX_ALTERNATIVES];
	size_t		 nalt;
	unsigned	 alt_line;
	char		*tell, *hint;
	enum bd_confidence confidence;	/* high (default) or medium */
	int		 specific;	/* names its receiver (set provider,
					   set blocklist or host): its reading
					   is not second-guessed by generic
					   rules */
	char		**example;
	unsigned	*example_line;
	size_t		 nexample;
	long		 since, until;	/* days since 1970-01-01, 0 = open */
	const char	*replaced_file;	/* where the rule with this id that */
	unsigned	 replaced_line;	/* this one replaced was, or NULL */
};

/* `status CODE` / `reply CODE` */
struct bd_code_entry {
	char		*code;		/* "X.7.1", "5.7.26", "55X" ... */
	int		 is_status;
	char		*title;
	char		*cause_id;
	unsigned	 cause_line;
	const struct bd_cause *cause;
	char		*alt[BD_MAX_ALTERNATIVES];	/* causes the code */
	const struct bd_cause *alt_cause[BD_MAX_ALTERNATIVES]; /* also */
	size_t		 nalt;				/* covers */
	unsigned	 alt_line;
	const char	*file;
	unsigned	 line;
};

/*
 * `wrapper ID`: a form that wraps the reply (an application's error
 * line, an MTA log line).  The first `match` that matches gives the
 * reply (capture `reply`) and, when captured, the code, enhanced code
 * and fields; `unescape` says how the reply was quoted.
 */
#define BD_UNESCAPE_C		0x01	/* \n \t \' \xHH ... (Python, JSON) */
#define BD_UNESCAPE_UNDERSCORE	0x02	/* qmail-send logs: '_' for ' ' */

struct bd_wrapper {
	char		*id;
	const char	*file;
	unsigned	 line;
	struct bd_pattern *match;
	size_t		 nmatch;
	unsigned	 unescape;
	char		**form;		/* templates for the metamorphic test */
	size_t		 nform;
	char		**example;
	unsigned	*example_line;
	size_t		 nexample;
};

/*
 * `boilerplate ID`: sentences a receiver appends to every reply ("To
 * reduce the amount of spam sent to Gmail, ..."); blanked out before
 * the text rules run, so they can neither trigger nor veto one.
 */
struct bd_boilerplate {
	char		*id;
	const char	*file;
	unsigned	 line;
	struct bd_pattern *match;
	size_t		 nmatch;
	char		**example;
	unsigned	*example_line;
	size_t		 nexample;
};

struct bd_extractor {
	char		*id;
	const char	*file;
	unsigned	 line;
	struct bd_pattern *match, *when;
	size_t		 nmatch, nwhen;
	struct bd_setting *set;
	size_t		 nset;
	char		**example;
	size_t		 nexample;
};

/* Owned storage of a struct bd_cause (the public view is `pub`). */
struct bd_cause_entry {
	struct bd_cause	 pub;
	char		**fix;
	unsigned	 line;
	const char	*replaced_file;	/* the cause this one replaced, or NULL */
	unsigned	 replaced_line;
};

struct bd_rules {
	struct bd_cause_entry **causes;
	size_t		 ncauses;
	struct bd_rule	**rules;
	size_t		 nrules;
	struct bd_code_entry **codes;
	size_t		 ncodes;
	struct bd_extractor **extract;
	size_t		 nextract;
	struct bd_wrapper **wrappers;
	size_t		 nwrappers;
	struct bd_boilerplate **boilerplate;
	size_t		 nboilerplate;
	char		**files;
	size_t		 nfiles;
	pcre2_match_context *mctx;
	char		*cache_path;	/* compiled-pattern cache, or NULL */
	int		 cache_used;	/* patterns came from the cache */
	struct id_index {		/* rule id -> index, open addressing */
		size_t	*slot;		/* index + 1; 0 = empty */
		size_t	 cap;
	}		 rule_index;
	uint32_t	 max_ovector;	/* most capture pairs of any pattern */
	int		 failed;	/* an error was reported */
	int		 finished;
};

/*
 * extract entries (rules/80-extract.rules): called once per match of an
 * extract pattern on text, with the captured recipient and reply (either
 * may be NULL with length 0) and the extractor's id.  Return nonzero to
 * stop.  bd_rules_extract() returns the number of matches reported.
 */
typedef int	bd_extract_fn(void *arg, const char *id,
		    const char *recipient, size_t recipient_len,
		    const char *reply, size_t reply_len);

size_t	bd_rules_extract(const struct bd_rules *rules, const char *text,
	    size_t len, bd_extract_fn *fn, void *arg);

/* What a text rule is matched against. */
struct bd_match_in {
	const char	*text;
	size_t		 len;
	const char	*lower;		/* text in ASCII lower case, or NULL
					   (bd_rules_match makes it) */
	const uint64_t	*pairs;		/* BD_PAIR_BITS bitmap of the byte
					   pairs in lower, or NULL */
	int		 code;		/* 0 = none */
	const char	*esc;		/* "" or NULL = none */
	const char	*remote_host;	/* NULL = none */
	long		 today;		/* days since 1970-01-01 */
};

/* Byte-pair bitmap size of the prefilter (see rules_match.c). */
#define BD_PAIR_BITS	4096

/* A captured field: offsets into bd_match_in.text. */
struct bd_capture {
	size_t		 start, end;	/* start == end: not set */
};

struct bd_match_out {
	const struct bd_rule *rule;
	size_t		 matched_start, matched_end;
	struct bd_capture fields[BD_F__COUNT];
	const struct bd_rule *conflict;	/* a later high-confidence rule of
					   another cause (not one of rule's
					   alternatives) that matches too */
};

/*
 * First text rule that applies to in, or NULL (out->rule too); and the
 * first later rule that contradicts it (out->conflict).  Match limits
 * hit count as "no match" and bump *limit_hits when not NULL.
 */
const struct bd_rule *bd_rules_match(const struct bd_rules *rules,
	    const struct bd_match_in *in, struct bd_match_out *out,
	    unsigned *limit_hits);

/* Does rule r alone apply to in (its constraints and patterns)? */
int	bd_rule_applies(const struct bd_rules *rules, const struct bd_rule *r,
	    const struct bd_match_in *in);

/* Where a wrapper matched: offsets into the text it ran on. */
struct bd_unwrap_hit {
	const struct bd_wrapper *wrapper;
	struct bd_capture reply, code, esc;
	struct bd_capture fields[BD_F__COUNT];
};

/* The first wrapper (table order) one of whose patterns matches text;
 * NULL when none does. */
const struct bd_wrapper *bd_rules_wrapper_match(const struct bd_rules *rules,
	    const char *text, size_t len, struct bd_unwrap_hit *hit,
	    unsigned *limit_hits);

/* Overwrite every boilerplate match in buf with spaces (so offsets
 * still point at the same words); returns the bytes blanked. */
size_t	bd_rules_blank_boilerplate(const struct bd_rules *rules, char *buf,
	    size_t len, unsigned *limit_hits);

/* The registry entry for an enhanced or basic code by the lookup chain
 * of rules/README.md: the most specific entry that has a cause when
 * want_cause, else the most specific one at all.  NULL when none. */
const struct bd_code_entry *bd_rules_code_lookup(const struct bd_rules *r,
	    const char *code, int want_cause);

/* Does the code / status constraint list accept this code? */
int	bd_code_pat_accepts(const struct bd_code_pat *p, size_t n,
	    int is_status, int code, const char *esc);

/* The longest literal every match of pattern src must contain (ASCII,
 * lower case), copied into out; its length, 0 when there is none. */
size_t	bd_required_literal(const char *src, char *out, size_t outsz);

/* The literals, one per branch of a top-level alternation, one of
 * which every match must contain, packed (length byte, bytes) into
 * packed; its size, 0 when there is no such set. */
size_t	bd_required_literals(const char *src, unsigned char *packed,
	    size_t size);

/* Compile (or take from the cache) every pattern, reporting errors
 * at their FILE:LINE:COL.  0, or -1 when any pattern failed. */
int	bd_rules_compile(struct bd_rules *rules, bd_diag_fn *fn, void *arg);

/* The compiled code of p (compiled on first use); NULL when out of
 * memory.  Thread-safe. */
pcre2_code *bd_pattern_code(const struct bd_pattern *p);

/* Days since the epoch for "YYYY-MM-DD", or -1. */
long	bd_parse_date(const char *s);

#endif /* BD_RULES_H */
