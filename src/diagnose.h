/*
 * diagnose.h - the classifier entry for callers that found the reply
 * themselves (log parsers, message parser): reply text plus the facts
 * that came with it.
 */
#ifndef BD_DIAGNOSE_H
#define BD_DIAGNOSE_H

#include <stddef.h>

#include "bouncediag.h"

/* Facts that override what the reply parser finds.  NULL = unknown.
 * Strings are copied into the result. */
struct bd_record_facts {
	const char	*recipient;
	const char	*action;
	const char	*status;	/* an RFC 3463 code if the source has one */
	const char	*remote_mta;
	const char	*reporting_mta;
	const char	*arrival_date;
	const char	*remote_host;
	const char	*timestamp;
	const char	*queue_id;
	const char	*kind;		/* set: a not-bounce of this kind */
	const char	*retry_until;	/* a delay: when the sender gives up */
	const struct bd_evidence *evidence;
	size_t		 message;
	int		 truncated;
};

/* One diagnosis of text with facts; result owned by the caller. */
enum bd_status	bd_diagnose_record(const struct bd_rules *rules,
		    const struct bd_options *opts, const char *source,
		    const char *text, size_t len,
		    const struct bd_record_facts *facts,
		    struct bd_result **out);

#endif /* BD_DIAGNOSE_H */
