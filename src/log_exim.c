/*
 * log_exim.c - one Exim mainlog failure or deferral line into a record.
 *
 * Exim's mainlog (Exim specification, chapter "Log files", "Logging
 * message reception" and the flags table) writes, per failed or deferred
 * address:
 *
 *   DATE TIME [.ms] [+zone] [[pid]] MSGID ** ADDR [<orig>] [F=<s>]
 *       R=router T=transport [H=host [ip]] [X=tls] [CV=..]: TEXT
 *   DATE TIME ... MSGID == ADDR ... defer (errno): TEXT
 *
 * where TEXT is e.g. "SMTP error from remote mail server after RCPT
 * TO:<a>: 550 ..." (the reply parser understands that wrapper) or a
 * local reason ("Unrouteable address", "mailbox is full").  Exim writes
 * the line breaks of a multi-line reply as the two characters "\n"; they
 * become spaces here, so the reply parser sees "550-a 550 b".
 *
 * A line that starts (after blanks) with an Exim date is claimed: no
 * other row sees it.
 *
 * Limits: fields are cut to the BD_LOG_* sizes.
 */
#include <string.h>

#include "limits.h"
#include "log_format.h"
#include "log_line.h"

static int	 parse(const struct bd_log_out *, const char *, size_t);

/* The flags of a failed ("**") and a deferred ("==") address. */
static const struct bd_log_marker markers[] = {
	{ " ** ", NULL }, { " == ", NULL }, { NULL, NULL }
};

const struct bd_log_format bd_log_format_exim = {
	"exim", BD_LOG_EXIM, markers, bd_log_is_datetime, parse
};

/* Skip "YYYY-MM-DD hh:mm:ss[.fff][ +zzzz][ [pid]] "; returns the offset
 * of what follows and copies the stamp. */
static size_t
skip_stamp(const char *line, size_t len, char *ts, size_t size)
{
	size_t	 i = 19;

	if (i < len && line[i] == '.')
		for (i++; i < len && line[i] >= '0' && line[i] <= '9'; i++)
			;
	if (i + 5 < len && line[i] == ' ' && (line[i + 1] == '+' ||
	    line[i + 1] == '-') && line[i + 2] >= '0' && line[i + 2] <= '9')
		i += 6;
	(void)bd_log_copy(ts, size, line, i);
	while (i < len && line[i] == ' ')
		i++;
	if (i < len && line[i] == '[') {
		const char *rb = memchr(line + i, ']', len - i);

		if (rb != NULL)
			i = (size_t)(rb - line) + 1;
		while (i < len && line[i] == ' ')
			i++;
	}
	return i;
}

/* Exim: see the top of the file. */
static int
parse(const struct bd_log_out *o, const char *line, size_t len)
{
	struct bd_log_rec r;
	char	 ts[BD_LOG_TS], qid[BD_LOG_QID], rcpt[BD_LOG_ADDR];
	char	 host[BD_LOG_HOST], *out;
	const char *end = line + len, *p, *id, *a, *h, *t;
	size_t	 i, n, k;

	p = bd_log_skip_blanks(line, len, &n);
	if (!bd_log_is_datetime(p, n))
		return BD_LOG_NOT_MINE;
	/* XXX: with blanks before the date, the stamp is still read
	 * from the start of the line. */
	p = line + skip_stamp(line, len, ts, sizeof(ts));
	/* MSGID: 16ZCW1-0005MB-00 or (4.97+) 1rNXXX-000000ABCD-1D */
	for (id = p; p < end && *p != ' '; p++)
		;
	if (p - id < 10 || memchr(id, '-', (size_t)(p - id)) == NULL ||
	    end - p < 4 || p[0] != ' ' || p[3] != ' ' ||
	    !((p[1] == '*' && p[2] == '*') || (p[1] == '=' && p[2] == '=')))
		return BD_LOG_NOT_BOUNCE;
	memset(&r, 0, sizeof(r));
	r.action = p[1] == '*' ? "failed" : "delayed";
	r.timestamp = ts;
	r.queue_id = bd_log_copy(qid, sizeof(qid), id, (size_t)(p - id));
	/* ADDR: up to a blank, or a ':' that ends it. */
	for (a = p += 4; p < end && *p != ' '; p++)
		;
	n = (size_t)(p - a);
	if (n > 0 && a[n - 1] == ':') {
		n--;
		p--;
	}
	r.recipient = bd_log_copy(rcpt, sizeof(rcpt), a, n);
	/* H=host [ip] before the text. */
	if ((t = bd_log_find(p, (size_t)(end - p), ": ")) == NULL)
		return BD_LOG_UNSPLIT;
	if ((h = bd_log_find(p, (size_t)(t - p), " H=")) != NULL) {
		h += 3;
		for (n = 0; h + n < t && h[n] != ' ' && h[n] != ':'; n++)
			;
		r.remote_host = bd_log_copy(host, sizeof(host), h, n);
	}
	t += 2;
	/* "\n" (backslash, n) -> " ". */
	out = o->scratch;
	for (i = 0, k = 0; t + i < end && k < BD_MAX_LINE; i++) {
		if (t[i] == '\\' && t + i + 1 < end && t[i + 1] == 'n') {
			out[k++] = ' ';
			i++;
		} else
			out[k++] = t[i];
	}
	if (k == 0)
		return BD_LOG_UNSPLIT;
	r.text = out;
	r.text_len = k;
	o->emit(o->arg, &r);
	return BD_LOG_DONE;
}
