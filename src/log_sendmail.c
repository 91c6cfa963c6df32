/*
 * log_sendmail.c - one Sendmail delivery line into a record.
 *
 * Sendmail logs one line per delivery attempt (sendmail/deliver.c
 * logdelivery(); "Log file" in the Sendmail Installation and Operation
 * Guide):
 *
 *   QID: to=<rcpt>[,<rcpt>...], [ctladdr=..., ]delay=HH:MM:SS,
 *       xdelay=..., mailer=esmtp, pri=N, relay=HOST. [IP], dsn=X.Y.Z,
 *       [reply=CODE TEXT, ]stat=TEXT
 *
 * A bounce is a line whose dsn= is not 2.x.x and whose stat= is not
 * "Sent"; "Deferred: ..." stats are transient failures.  The reply text
 * is reply= when logged, else the stat= text with dsn= as the status.
 *
 * Any line holding " stat=" is claimed (this row is the last of the
 * syslog family in log_formats.c).
 *
 * Limits: a line naming several recipients yields one record, for the
 * first (XXX: Sendmail joins recipients of one delivery into one line).
 */
#include <string.h>

#include "log_format.h"
#include "log_line.h"

static int	 confirm_stat(const char *, const char *, const char *);
static int	 parse(const struct bd_log_out *, const char *, size_t);

/* The prefilter needle "stat" is shared with the other syslog formats
 * (one search pass for all of them); this check keeps " stat=". */
static const struct bd_log_marker markers[] = {
	{ "stat", confirm_stat }, { NULL, NULL }
};

const struct bd_log_format bd_log_format_sendmail = {
	"sendmail", BD_LOG_SYSLOG, markers, bd_log_is_syslog, parse
};

/* "stat" at hit: " stat="? */
static int
confirm_stat(const char *hit, const char *lo, const char *end)
{
	return end - hit >= 5 && hit[4] == '=' && hit > lo && hit[-1] == ' ';
}

/* The value of " key" in [s, end) up to ", " or the end; NULL if none. */
static const char *
field(const char *s, const char *end, const char *key, size_t *lenp)
{
	const char *p, *v, *e;

	if ((p = bd_log_find(s, (size_t)(end - s), key)) == NULL)
		return NULL;
	v = p + strlen(key);
	for (e = v; e + 1 < end && !(e[0] == ',' && e[1] == ' '); e++)
		;
	if (e + 1 >= end)
		e = end;
	*lenp = (size_t)(e - v);
	return v;
}

/* Sendmail: see the top of the file. */
static int
parse(const struct bd_log_out *out, const char *line, size_t len)
{
	struct bd_log_rec r;
	char	 ts[BD_LOG_TS], qid[BD_LOG_QID], rcpt[BD_LOG_ADDR];
	char	 host[BD_LOG_HOST], dsn[BD_LOG_WORD];
	const char *end = line + len, *msg, *stat, *v, *colon;
	size_t	 off, slen, vlen, n;

	if (bd_log_find(line, len, " stat=") == NULL)
		return BD_LOG_NOT_MINE;
	off = bd_log_syslog_split(line, len, ts, sizeof(ts));
	msg = line + off;
	if ((stat = bd_log_find(msg, (size_t)(end - msg), " stat=")) == NULL)
		return BD_LOG_NOT_BOUNCE;
	stat += 6;
	slen = (size_t)(end - stat);
	memset(&r, 0, sizeof(r));
	if ((v = field(msg, stat, " dsn=", &vlen)) != NULL)
		r.status = bd_log_copy(dsn, sizeof(dsn), v, vlen);
	if ((r.status != NULL && r.status[0] == '2') ||
	    (slen >= 4 && memcmp(stat, "Sent", 4) == 0) ||
	    (slen >= 6 && memcmp(stat, "queued", 6) == 0))
		return BD_LOG_NOT_BOUNCE;
	r.action = slen >= 8 && memcmp(stat, "Deferred", 8) == 0 ?
	    "delayed" : "failed";
	r.timestamp = ts[0] != '\0' ? ts : NULL;
	colon = memchr(msg, ':', (size_t)(end - msg));
	if (colon != NULL && colon - msg >= 5 &&
	    memchr(msg, ' ', (size_t)(colon - msg)) == NULL)
		r.queue_id = bd_log_copy(qid, sizeof(qid), msg,
		    (size_t)(colon - msg));
	if ((v = field(msg, stat, " to=", &vlen)) != NULL) {
		/* The first of "<a>,<b>" or "a,b". */
		for (n = 0; n < vlen && v[n] != ','; n++)
			;
		if (n > 0 && v[0] == '<') {
			v++;
			n--;
		}
		if (n > 0 && v[n - 1] == '>')
			n--;
		r.recipient = bd_log_copy(rcpt, sizeof(rcpt), v, n);
	}
	if ((v = field(msg, stat, " relay=", &vlen)) != NULL) {
		/* "mx.example.com. [192.0.2.1]" -> the name */
		for (n = 0; n < vlen && v[n] != ' '; n++)
			;
		if (n > 0 && v[n - 1] == '.')
			n--;
		if (n > 0 && v[0] == '[')	/* only an IP literal */
			for (v++, n = 0; n < vlen - 1 && v[n] != ']'; n++)
				;
		r.remote_host = bd_log_copy(host, sizeof(host), v, n);
	}
	if ((v = field(msg, stat, " reply=", &vlen)) != NULL && vlen > 0) {
		r.text = v;
		r.text_len = vlen;
	} else {
		r.text = stat;
		r.text_len = slen;
	}
	if (r.text_len == 0)
		return BD_LOG_UNSPLIT;
	out->emit(out->arg, &r);
	return BD_LOG_DONE;
}
