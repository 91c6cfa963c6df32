/*
 * log_cache.h - the log reader's classification cache for summaries
 * (log_cache.c): each distinct (status, reply text) is classified once
 * and every record counted with its own recipient and remote host.
 */
#ifndef BD_LOG_CACHE_H
#define BD_LOG_CACHE_H

#include "bouncediag.h"
#include "log_format.h"

struct bd_log_cache;

/* A new, empty cache owned by the caller (free with
 * bd_log_cache_free()); NULL when out of memory. */
struct bd_log_cache *bd_log_cache_new(void);

/* Free the cache and what it holds; NULL is a no-op. */
void		 bd_log_cache_free(struct bd_log_cache *k);

/*
 * Count record r of source (FILE:LINE) in sum, classifying its status
 * and text with rules and opts unless an equal pair was classified
 * before.  Returns BD_OK, or BD_E_NOMEM (the record may be uncounted).
 */
enum bd_status	 bd_log_cache_count(struct bd_log_cache *k,
		    const struct bd_rules *rules,
		    const struct bd_options *opts, const char *source,
		    const struct bd_log_rec *r, struct bd_summary *sum);

#endif /* BD_LOG_CACHE_H */
