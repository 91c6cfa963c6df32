/*
 * summary.h - counting diagnoses for --summary (summary.c); the public
 * half is in bouncediag.h.
 */
#ifndef BD_SUMMARY_H
#define BD_SUMMARY_H

#include <stddef.h>

#include "bouncediag.h"

/* Bytes of a text kept as a "top texts" key: a summary line shows about
 * this much, and it bounds the memory per key. */
#define BD_SUMMARY_TEXT	160

/* n cut to at most BD_SUMMARY_TEXT bytes on a UTF-8 boundary of s. */
size_t		bd_summary_cut(const char *s, size_t n);

/*
 * Count one diagnosis.  recipient and remote_host, when not NULL,
 * replace the diagnosis's own fields: the log reader classifies a
 * repeated reply text once and counts each record with its own facts.
 */
enum bd_status	bd_summary_add_one(struct bd_summary *sum,
		    const struct bd_diagnosis *d, const char *recipient,
		    const char *remote_host);

#endif /* BD_SUMMARY_H */
