/*
 * log_postfix.c - one Postfix delivery status line into a record.
 *
 * Postfix's delivery agents (smtp(8), lmtp(8), local(8), ...) log one
 * line per recipient and attempt (postfix/src/global/log_adhoc.c):
 *
 *   QID: to=<rcpt>[, orig_to=<addr>], relay=HOST[IP]:PORT, delay=D,
 *       delays=a/b/c/d, dsn=X.Y.Z, status=STATUS (TEXT)
 *
 * and qmgr(8) logs "QID: from=<sender>, status=expired, returned to
 * sender" when a message times out.  STATUS bounced, deferred and
 * expired are bounces; sent, deliverable, undeliverable (address
 * verification) and the rest are not.  TEXT is the remote reply wrapped
 * as "host H[IP] said: REPLY (in reply to CMD command)", or a local
 * reason ("delivery temporarily suspended: connect to ...: Connection
 * timed out", "Host or domain name not found. ...", "unknown user").
 * It is handed over whole: the reply parser takes the remote host and
 * the SMTP stage from the wrapper.
 *
 * A line that is no Postfix bounce (no "status=", or another status) is
 * not claimed: the rows after this one in log_formats.c still see it.
 *
 * Limits: fields are cut to the BD_LOG_* sizes.  The line may hold any
 * bytes; everything is length-bounded, nothing is NUL-terminated.
 */
#include <string.h>

#include "log_format.h"
#include "log_line.h"

static int	 confirm_status(const char *, const char *, const char *);
static int	 parse(const struct bd_log_out *, const char *, size_t);

/* The prefilter needle "stat" is shared with the other syslog formats
 * (one search pass for all of them); this check keeps Postfix's. */
static const struct bd_log_marker markers[] = {
	{ "stat", confirm_status }, { NULL, NULL }
};

const struct bd_log_format bd_log_format_postfix = {
	"postfix", BD_LOG_SYSLOG, markers, bd_log_is_syslog, parse
};

/* "stat" at hit: "status=bounced|deferred|expired"? */
static int
confirm_status(const char *hit, const char *lo, const char *end)
{
	size_t	 n = (size_t)(end - hit);

	(void)lo;
	if (n < 14 || memcmp(hit + 4, "us=", 3) != 0)
		return 0;
	return memcmp(hit + 7, "bounced", 7) == 0 || (n >= 15 &&
	    memcmp(hit + 7, "deferred", 8) == 0) || memcmp(hit + 7,
	    "expired", 7) == 0;
}

/* The value after key (e.g. "relay=") in [s, end), up to a ',' or the
 * end; NULL when absent.  Stores its length. */
static const char *
field(const char *s, const char *end, const char *key, size_t *lenp)
{
	const char *p, *v, *e;
	size_t	 klen = strlen(key);

	for (p = s; (p = bd_log_find(p, (size_t)(end - p), key)) != NULL;
	    p += klen) {
		/* Whole keys only: "to=" must not match "orig_to=". */
		if (p > s && p[-1] != ' ')
			continue;
		v = p + klen;
		e = memchr(v, ',', (size_t)(end - v));
		*lenp = (size_t)((e != NULL ? e : end) - v);
		return v;
	}
	return NULL;
}

/* The queue id that starts the message: [0-9A-Za-z]+ then ':'. */
static const char *
queue_id(const char *msg, const char *end, char *qid, size_t size)
{
	const char *p;

	for (p = msg; p < end && ((*p >= '0' && *p <= '9') || (*p >= 'A' &&
	    *p <= 'Z') || (*p >= 'a' && *p <= 'z')); p++)
		;
	if (p == msg || p >= end || *p != ':' || p - msg < 5)
		return NULL;
	return bd_log_copy(qid, size, msg, (size_t)(p - msg));
}

/* Postfix: see the top of the file. */
static int
parse(const struct bd_log_out *out, const char *line, size_t len)
{
	struct bd_log_rec r;
	char	 ts[BD_LOG_TS], qid[BD_LOG_QID], rcpt[BD_LOG_ADDR];
	char	 host[BD_LOG_HOST], dsn[BD_LOG_WORD];
	const char *end = line + len, *msg, *st, *word, *p, *v;
	size_t	 off, wlen, vlen, n;

	if (bd_log_find(line, len, "status=") == NULL)
		return BD_LOG_NOT_MINE;
	off = bd_log_syslog_split(line, len, ts, sizeof(ts));
	msg = line + off;
	if ((st = bd_log_find(msg, (size_t)(end - msg), "status=")) == NULL)
		return BD_LOG_NOT_MINE;
	word = st + 7;
	for (p = word; p < end && *p >= 'a' && *p <= 'z'; p++)
		;
	wlen = (size_t)(p - word);
	memset(&r, 0, sizeof(r));
	if (wlen == 7 && (memcmp(word, "bounced", 7) == 0 ||
	    memcmp(word, "expired", 7) == 0))
		r.action = "failed";
	else if (wlen == 8 && memcmp(word, "deferred", 8) == 0)
		r.action = "delayed";
	else
		return BD_LOG_NOT_MINE;
	r.timestamp = ts[0] != '\0' ? ts : NULL;
	r.queue_id = queue_id(msg, st, qid, sizeof(qid));
	if ((v = field(msg, st, "to=<", &vlen)) != NULL) {
		/* Up to the '>' (an address may hold ','). */
		const char *gt = memchr(v, '>', (size_t)(st - v));

		r.recipient = bd_log_copy(rcpt, sizeof(rcpt), v, gt != NULL ?
		    (size_t)(gt - v) : vlen);
	}
	if ((v = field(msg, st, "relay=", &vlen)) != NULL) {
		/* HOST[IP]:PORT -> HOST; "none" is no host. */
		for (n = 0; n < vlen && v[n] != '[' && v[n] != ':'; n++)
			;
		if (!(n == 4 && memcmp(v, "none", 4) == 0))
			r.remote_host = bd_log_copy(host, sizeof(host), v, n);
	}
	if ((v = field(msg, st, "dsn=", &vlen)) != NULL)
		r.status = bd_log_copy(dsn, sizeof(dsn), v, vlen);
	/* The text: "(...)" to the end, or what follows the word. */
	while (p < end && (*p == ' ' || *p == ','))
		p++;
	if (p < end && *p == '(') {
		p++;
		n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0 && p[n - 1] == ')')
			n--;
		r.text = p;
		r.text_len = n;
	} else if (r.action[0] == 'f' && word[0] == 'e') {
		/* "status=expired, returned to sender" */
		r.text = word;
		r.text_len = (size_t)(end - word);
	}
	if (r.text == NULL || r.text_len == 0)
		return BD_LOG_UNSPLIT;
	out->emit(out->arg, &r);
	return BD_LOG_DONE;
}
