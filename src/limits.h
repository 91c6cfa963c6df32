/*
 * limits.h - every bound libbouncediag puts on untrusted input, with the
 * reason for its value.  Input past a limit is truncated and flagged
 * (struct bd_diagnosis.truncated), never a crash and never silently lost.
 */
#ifndef BD_LIMITS_H
#define BD_LIMITS_H

/* One input (paste or message) read whole: real bounces are < 1 MB,
 * a bounce with the original attached rarely passes 25 MB (the common
 * provider message-size limit). */
#define BD_MAX_INPUT		(32u * 1024 * 1024)

/* One log line or one reply line.  RFC 5321 §4.5.3.1.5 allows 512 octets
 * for a reply line; logs quote several of them plus wrappers. */
#define BD_MAX_LINE		(64u * 1024)

/* The reply text kept for matching and printing, after joining a
 * multi-line reply.  Longer texts are cut (and flagged). */
#define BD_MAX_REPLY_TEXT	(16u * 1024)

/* Continuation lines joined into one reply (RFC 5321 sets no limit;
 * real replies have < 20). */
#define BD_MAX_REPLY_LINES	1000

/* One header field after unfolding (RFC 5322 §2.1.1 sets 998 octets per
 * line; folded fields such as Received and DKIM-Signature stay < 8 kB). */
#define BD_MAX_HEADER		(64u * 1024)

/* Header fields in one header block. */
#define BD_MAX_HEADERS		1000

/* MIME nesting and parts: a bounce is report > message > multipart >
 * parts, about 4 deep; 32 leaves room for forwarding chains. */
#define BD_MAX_MIME_DEPTH	32
#define BD_MAX_MIME_PARTS	1000

/* Decoded human-readable text kept from one message for rule matching.
 * Real bounce explanations are a few kB; a megabyte leaves room for
 * verbose transcripts while bounding PCRE2 work on hostile input. */
#define BD_MAX_BODY_TEXT	(1u * 1024 * 1024)

/* Recipients reported from one DSN (RFC 3464 sets no limit). */
#define BD_MAX_RECIPIENTS	1000

/* Wrappers peeled off one paste: an application's error line around a
 * log line around a reply is three; more is a hostile nesting. */
#define BD_MAX_UNWRAP		4

/* Boilerplate spans blanked per pattern in one reply: a receiver
 * appends its sentence once per reply line at most. */
#define BD_MAX_BOILERPLATE_HITS	64

/* Rules and causes in one table: hundreds are shipped; a site adds
 * tens.  Bounds load time and memory against a hostile rules dir. */
#define BD_MAX_RULES		20000
#define BD_MAX_CAUSES		1000
#define BD_MAX_RULE_FILES	1000
#define BD_MAX_RULES_FILE	(8u * 1024 * 1024)

/* Length of an enhanced status code "class.subject.detail" (RFC 3463
 * §2: 1 digit, then 1-3 digits, then 1-3 digits) plus NUL. */
#define BD_ESC_SIZE		sizeof("5.999.999")

/* PCRE2 limits per match (pcre2_set_match_limit, _depth_limit,
 * _heap_limit in KiB).  Rule patterns are simple; these stop a
 * catastrophic pattern such as (a+)+$ from backtracking without bound
 * on a hostile reply.  A limit hit counts as "no match". */
/* (The fuzz build lowers them with -D to find slow patterns sooner.) */
#ifndef BD_PCRE_MATCH_LIMIT
#define BD_PCRE_MATCH_LIMIT	100000
#endif
#ifndef BD_PCRE_DEPTH_LIMIT
#define BD_PCRE_DEPTH_LIMIT	1000
#endif
#ifndef BD_PCRE_HEAP_LIMIT
#define BD_PCRE_HEAP_LIMIT	(4u * 1024)
#endif

#endif /* BD_LIMITS_H */
