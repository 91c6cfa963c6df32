/*
 * log_opensmtpd.c - one OpenSMTPD delivery line into a record.
 *
 * smtpd(8) logs one line per envelope and delivery attempt, after the
 * syslog header, in one of these forms (OpenSMTPD source: mta_log() in
 * mta.c, mda_log() in mda.c, queue_log() in queue.c):
 *
 *   SESS mta delivery evpid=EVP from=<S> to=<D> rcpt=<R> source="SRC"
 *       relay="RELAY" delay=D result="RESULT" stat="TEXT"    (6.4 on)
 *   SESS mda delivery evpid=EVP from=<S> to=<D> [rcpt=<R> ]user=U
 *       delay=D result=RESULT stat=TEXT
 *   SESS mta event=delivery evpid=EVP ... result=RESULT stat=TEXT (6.0)
 *   smtp-out: session SESS: evpid=EVP, status=RESULT, from=<S>,
 *       to=<D>, rcpt=<R>, source=SRC, relay=RELAY, delay=D,
 *       stat=TEXT                                              (5.7)
 *   relay: RESULT for EVP: [session=SESS, ]from=<S>, to=<D>, ...,
 *       stat=TEXT                      (5.x; queue_log() still today)
 *   delivery: RESULT for EVP: from=<S>, to=<D>, user=U, ...,
 *       stat=TEXT                                              (5.x)
 *
 * RESULT PermFail (and Expire, a queue lifetime run out) is a bounce,
 * action failed; TempFail a delay; Ok, Remove and the rest are no
 * records.  TEXT is the remote reply ("550 5.1.1 <a@b>: Recipient
 * address rejected: User unknown") or smtpd's own reason ("Network
 * error on destination MXs", "Envelope expired"); the reply parser finds
 * the codes in it.  RELAY is "IP (PTR name)", an IP, or the destination
 * domain when no server was reached; the remote host is the name, else
 * the IP, else none.  The recipient is to= (the destination address).
 *
 * A line of one of these forms is claimed, whatever its RESULT: the
 * Sendmail row after this one would read its " stat=" as a bounce.
 *
 * Limits: fields are cut to the BD_LOG_* sizes; TEXT is the rest of the
 * line (without its quotes), so a '"' inside it is kept.
 */
#include <string.h>

#include "log_format.h"
#include "log_line.h"

/* An envelope or session id: 16 hex digits (%016" PRIx64 "). */
#define ID_LEN	16

static int	 confirm_stat(const char *, const char *, const char *);
static int	 parse(const struct bd_log_out *, const char *, size_t);

/* " stat=", which every delivery line holds: the needle "stat" is
 * shared with the other syslog formats (one search pass for all). */
static const struct bd_log_marker markers[] = {
	{ "stat", confirm_stat }, { NULL, NULL }
};

const struct bd_log_format bd_log_format_opensmtpd = {
	"opensmtpd", BD_LOG_SYSLOG, markers, bd_log_is_syslog, parse
};

/* "stat" at hit: " stat="? */
static int
confirm_stat(const char *hit, const char *lo, const char *end)
{
	return end - hit >= 5 && hit[4] == '=' && hit > lo && hit[-1] == ' ';
}

/* ID_LEN lowercase hex digits at s, then the byte c (any byte when c
 * is NUL)? */
static int
is_id(const char *s, const char *end, char c)
{
	size_t	 i;

	if (end - s < ID_LEN + (c != '\0'))
		return 0;
	for (i = 0; i < ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return c == '\0' || s[ID_LEN] == c;
}

/* Does [s, end) start with the C string w?  Returns what follows, or
 * NULL. */
static const char *
skip(const char *s, const char *end, const char *w)
{
	size_t	 n = strlen(w);

	return (size_t)(end - s) >= n && memcmp(s, w, n) == 0 ? s + n : NULL;
}

/* A lowercase key and '=' at s ("delay=")? */
static int
is_key(const char *s, const char *end)
{
	const char *p;

	for (p = s; p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'); p++)
		;
	return p > s && p < end && *p == '=';
}

/*
 * The value of key (e.g. "relay=") in [s, end): a whole key (a blank
 * before it), its value "..." or <...> without the quotes, else up to
 * ", " or " KEY=" or the end.  NULL when absent; its length in *lenp.
 */
static const char *
value(const char *s, const char *end, const char *key, size_t *lenp)
{
	const char *p, *v, *e;
	size_t	 klen = strlen(key);

	for (p = s; (p = bd_log_find(p, (size_t)(end - p), key)) != NULL;
	    p += klen) {
		if (p == s || p[-1] != ' ')
			continue;
		v = p + klen;
		if (v < end && (*v == '"' || *v == '<')) {
			e = memchr(v + 1, *v == '"' ? '"' : '>', (size_t)(end -
			    v - 1));
			v++;
			if (e == NULL)
				e = end;
		} else
			for (e = v; e < end && !(e + 1 < end && ((e[0] == ',' &&
			    e[1] == ' ') || (e[0] == ' ' && is_key(e + 1,
			    end)))); e++)
				;
		*lenp = (size_t)(e - v);
		return v;
	}
	return NULL;
}

/* RESULT -> the record's action; NULL when it is no bounce. */
static const char *
action_of(const char *w, size_t n)
{
	if ((n == 8 && memcmp(w, "PermFail", 8) == 0) || (n == 6 &&
	    memcmp(w, "Expire", 6) == 0))
		return "failed";
	if (n == 8 && memcmp(w, "TempFail", 8) == 0)
		return "delayed";
	return NULL;
}

/* RELAY -> the remote host: "IP (name)" gives name, "IP" or "[IPv6]"
 * the address, a domain (no server reached) nothing. */
static const char *
relay_host(const char *v, size_t n, char *host, size_t size)
{
	const char *lp;

	if (n > 3 && v[n - 1] == ')' && (lp = memchr(v, '(', n)) != NULL &&
	    lp > v && lp[-1] == ' ')
		return bd_log_copy(host, size, lp + 1, (size_t)(v + n - 1 -
		    (lp + 1)));
	if (n > 2 && v[0] == '[' && v[n - 1] == ']')
		return bd_log_copy(host, size, v + 1, n - 2);
	if (n > 0 && v[0] >= '0' && v[0] <= '9')
		return bd_log_copy(host, size, v, n);
	return NULL;
}

/*
 * Which form msg is in: the offsets of RESULT and of the envelope id,
 * and where the KEY=VALUE fields start; 0 when it is no delivery line.
 */
static int
form(const char *msg, const char *end, const char **res, size_t *reslen,
    const char **evp, const char **fields)
{
	const char *p, *q;

	if (is_id(msg, end, ' ')) {
		/* SESS m[dt]a [event=]delivery evpid=EVP ... result=R */
		p = msg + ID_LEN + 1;
		if ((q = skip(p, end, "mta ")) == NULL &&
		    (q = skip(p, end, "mda ")) == NULL)
			return 0;
		if ((p = skip(q, end, "delivery ")) == NULL &&
		    (p = skip(q, end, "event=delivery ")) == NULL)
			return 0;
		if ((q = skip(p, end, "evpid=")) == NULL ||
		    !is_id(q, end, '\0'))
			return 0;
		*evp = q;
		*fields = p - 1;
		*res = value(p - 1, end, "result=", reslen);
		return 1;
	}
	if ((p = skip(msg, end, "smtp-out: session ")) != NULL) {
		/* smtp-out: session SESS: evpid=EVP, status=R, ... */
		if (!is_id(p, end, ':') || (q = skip(p + ID_LEN, end,
		    ": evpid=")) == NULL || !is_id(q, end, '\0'))
			return 0;
		*evp = q;
		*fields = q - 7;
		*res = value(q - 7, end, "status=", reslen);
		return 1;
	}
	if ((p = skip(msg, end, "relay: ")) != NULL ||
	    (p = skip(msg, end, "delivery: ")) != NULL) {
		/* relay: R for EVP: ... */
		for (q = p; q < end && ((*q >= 'A' && *q <= 'Z') ||
		    (*q >= 'a' && *q <= 'z')); q++)
			;
		*res = p;
		*reslen = (size_t)(q - p);
		if ((q = skip(q, end, " for ")) == NULL ||
		    !is_id(q, end, ':'))
			return 0;
		*evp = q;
		*fields = q + ID_LEN + 1;
		return 1;
	}
	return 0;
}

/* OpenSMTPD: see the top of the file. */
static int
parse(const struct bd_log_out *out, const char *line, size_t len)
{
	struct bd_log_rec r;
	char	 ts[BD_LOG_TS], qid[BD_LOG_QID], rcpt[BD_LOG_ADDR];
	char	 host[BD_LOG_HOST];
	const char *end = line + len, *msg, *res = NULL, *evp, *fields, *st;
	const char *v;
	size_t	 reslen = 0, vlen, n;

	msg = line + bd_log_syslog_split(line, len, ts, sizeof(ts));
	if (!form(msg, end, &res, &reslen, &evp, &fields))
		return BD_LOG_NOT_MINE;
	memset(&r, 0, sizeof(r));
	if (res == NULL || (r.action = action_of(res, reslen)) == NULL)
		return BD_LOG_NOT_BOUNCE;
	r.timestamp = ts[0] != '\0' ? ts : NULL;
	r.queue_id = bd_log_copy(qid, sizeof(qid), evp, ID_LEN);
	/* The fields end where stat= starts: TEXT is the rest. */
	if ((st = bd_log_find(fields, (size_t)(end - fields), " stat=")) ==
	    NULL)
		return BD_LOG_UNSPLIT;
	if ((v = value(fields, st, "to=", &vlen)) != NULL)
		r.recipient = bd_log_copy(rcpt, sizeof(rcpt), v, vlen);
	if ((v = value(fields, st, "relay=", &vlen)) != NULL)
		r.remote_host = relay_host(v, vlen, host, sizeof(host));
	v = st + 6;
	n = (size_t)(end - v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 0)
		return BD_LOG_UNSPLIT;
	r.text = v;
	r.text_len = n;
	out->emit(out->arg, &r);
	return BD_LOG_DONE;
}
