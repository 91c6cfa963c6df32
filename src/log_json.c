/*
 * log_json.c - JSON Lines events of email service providers into
 * records, read with jansson (strict RFC 8259 and UTF-8).
 *
 * A line holds one event object, or an array of them (SendGrid and
 * SparkPost post batches).  Bounce events, per provider:
 *
 *  - Amazon SES notifications (docs.aws.amazon.com/ses, "Amazon SNS
 *    notification contents"): notificationType or eventType "Bounce",
 *    one record per bounce.bouncedRecipients[] (emailAddress, status,
 *    diagnosticCode); "DeliveryDelay" likewise with delayedRecipients.
 *    An SNS envelope ({"Type":"Notification","Message":"{...}"}) is
 *    opened.
 *  - SendGrid Event Webhook: event "bounce", "dropped", "deferred",
 *    "blocked" (email, reason or response, status); the older bounce
 *    list export has no event but reason and email.
 *  - Mailgun (webhook "event-data" or Events API item): event "failed"
 *    (recipient, delivery-status code/message/description/mx-host,
 *    severity).
 *  - Postmark bounce webhook: RecordType "Bounce" (Email, Type, Details,
 *    Description, BouncedAt, MessageID).
 *  - SparkPost webhook: msys.message_event of type bounce, out_of_band,
 *    delay, policy_rejection, generation_rejection (rcpt_to, raw_reason,
 *    reason, error_code).
 *
 * Other events (deliveries, opens, complaints) are no records.  A line
 * with invalid UTF-8 is parsed again with the bad bytes replaced by
 * U+FFFD, so a bad byte never loses a record; a line jansson still
 * refuses is returned as unsplit (the raw line becomes the record).
 * A line that starts (after blanks) with '{' or '[' is claimed: no other
 * row sees it.
 *
 * Limits: jansson bounds nesting depth (2048); lines are at most
 * BD_MAX_LINE bytes; at most BD_LOG_JSON_EVENTS events per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "limits.h"
#include "log_format.h"
#include "log_line.h"
#include "utf8.h"

/* Events taken from one line (a batch). */
#define BD_LOG_JSON_EVENTS	10000

struct jctx {
	const struct bd_log_out *out;
	size_t		 records;
	size_t		 events;
};

static int	 sniff(const char *, size_t);
static int	 parse(const struct bd_log_out *, const char *, size_t);

/* The event names, and "reason" for SendGrid's bounce export, whose
 * objects name no event. */
static const struct bd_log_marker markers[] = {
	{ "ounce", NULL }, { "failed", NULL }, { "dropped", NULL },
	{ "deferred", NULL }, { "elay", NULL }, { "rejection", NULL },
	{ "reason", NULL }, { NULL, NULL }
};

const struct bd_log_format bd_log_format_json = {
	"json", BD_LOG_JSON, markers, sniff, parse
};

/* An object or an array starts the line. */
static int
sniff(const char *line, size_t len)
{
	return len > 0 && (*line == '{' || *line == '[');
}

/* The string member key of o, or NULL. */
static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A string or number member as text (timestamps, codes); NULL if
 * neither. */
static const char *
scalar(const json_t *o, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		(void)snprintf(buf, size, "%lld",
		    (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		(void)snprintf(buf, size, "%.6f", json_real_value(v));
		return buf;
	}
	return NULL;
}

/* "smtp; 550 ..." (RFC 3464 diagnostic-type) -> "550 ...". */
static const char *
strip_type(const char *s)
{
	if (s != NULL && strncasecmp(s, "smtp;", 5) == 0)
		for (s += 5; *s == ' '; s++)
			;
	return s;
}

/* An RFC 3463-looking status ("5.1.1"), or NULL (SendGrid puts "550"
 * there too). */
static const char *
esc_or_null(const char *s)
{
	return s != NULL && (s[0] == '4' || s[0] == '5') && s[1] == '.' ?
	    s : NULL;
}

/* Emit a record whose text is code + " " + msg unless msg starts with
 * a code already. */
static void
emit(struct jctx *j, struct bd_log_rec *r, const char *code, const char *msg)
{
	char	*buf;
	int	 n;

	if (msg == NULL || *msg == '\0')
		msg = code != NULL ? code : "";
	r->text = msg;
	/* Only an SMTP reply code (RFC 5321 §4.2: 4yz, 5yz) is prefixed;
	 * Mailgun's 6xx codes are its own. */
	if (code != NULL && (code[0] == '4' || code[0] == '5') &&
	    strlen(code) == 3 && msg != code && strncmp(msg, code,
	    strlen(code)) != 0 && (buf = j->out->scratch) != NULL) {
		n = snprintf(buf, BD_MAX_LINE, "%s %s", code, msg);
		if (n > 0)
			r->text = buf;
	}
	if (*r->text == '\0')
		r->text = "(no reason given)";
	r->text_len = strlen(r->text);
	j->out->emit(j->out->arg, r);
	j->records++;
}

/* Amazon SES: Bounce and DeliveryDelay. */
static void
ses(struct jctx *j, const json_t *o, const char *type)
{
	struct bd_log_rec r;
	const json_t *b, *list, *rc, *mail;
	const char *sub, *reason;
	char	 text[256];
	size_t	 i;
	int	 delay = strcmp(type, "DeliveryDelay") == 0;

	b = json_object_get(o, delay ? "deliveryDelay" : "bounce");
	list = json_object_get(b, delay ? "delayedRecipients" :
	    "bouncedRecipients");
	mail = json_object_get(o, "mail");
	for (i = 0; i < json_array_size(list); i++) {
		rc = json_array_get(list, i);
		memset(&r, 0, sizeof(r));
		r.recipient = str(rc, "emailAddress");
		r.status = esc_or_null(str(rc, "status"));
		r.timestamp = str(b, "timestamp");
		r.queue_id = str(mail, "messageId");
		r.remote_host = str(b, "remoteMtaIp");
		r.action = delay ? "delayed" : "failed";
		reason = strip_type(str(rc, "diagnosticCode"));
		if (reason == NULL || *reason == '\0') {
			/* No reply: SES's own words. */
			sub = str(b, delay ? "delayType" : "bounceSubType");
			(void)snprintf(text, sizeof(text), "Amazon SES: %s "
			    "%s", delay ? "delivery delay" : str(b,
			    "bounceType") != NULL ? str(b, "bounceType") :
			    "bounce", sub != NULL ? sub : "");
			reason = text;
		}
		emit(j, &r, NULL, reason);
	}
}

/* SendGrid Event Webhook, and the old bounce export. */
static void
sendgrid(struct jctx *j, const json_t *o, const char *ev)
{
	struct bd_log_rec r;
	const char *reason, *status;
	char	 ts[32];

	memset(&r, 0, sizeof(r));
	r.recipient = str(o, "email");
	status = str(o, "status");
	r.status = esc_or_null(status);
	r.timestamp = scalar(o, "timestamp", ts, sizeof(ts));
	if (r.timestamp == NULL)
		r.timestamp = str(o, "created");
	r.queue_id = str(o, "sg_message_id");
	r.action = ev != NULL && strcmp(ev, "deferred") == 0 ? "delayed" :
	    "failed";
	reason = str(o, "reason");
	if (reason == NULL)
		reason = str(o, "response");
	emit(j, &r, r.status == NULL ? status : NULL, reason);
}

/* Mailgun: event "failed". */
static void
mailgun(struct jctx *j, const json_t *o)
{
	struct bd_log_rec r;
	const json_t *ds, *hdr;
	const char *msg, *sev;
	char	 code[32], ts[32];

	memset(&r, 0, sizeof(r));
	ds = json_object_get(o, "delivery-status");
	hdr = json_object_get(json_object_get(o, "message"), "headers");
	r.recipient = str(o, "recipient");
	r.timestamp = scalar(o, "timestamp", ts, sizeof(ts));
	r.queue_id = str(hdr, "message-id");
	r.remote_host = str(ds, "mx-host");
	r.status = esc_or_null(str(ds, "enhanced-code"));
	sev = str(o, "severity");
	r.action = sev != NULL && strcmp(sev, "temporary") == 0 ? "delayed" :
	    "failed";
	msg = str(ds, "message");
	if (msg == NULL || *msg == '\0')
		msg = str(ds, "description");
	if (msg == NULL || *msg == '\0')
		msg = str(o, "reason");
	emit(j, &r, scalar(ds, "code", code, sizeof(code)), msg);
}

/* Postmark: RecordType "Bounce". */
static void
postmark(struct jctx *j, const json_t *o)
{
	struct bd_log_rec r;
	const char *msg, *type;

	memset(&r, 0, sizeof(r));
	r.recipient = str(o, "Email");
	r.timestamp = str(o, "BouncedAt");
	r.queue_id = str(o, "MessageID");
	type = str(o, "Type");
	r.action = type != NULL && (strcmp(type, "Transient") == 0 ||
	    strcmp(type, "SoftBounce") == 0 || strcmp(type, "DnsError") ==
	    0) ? "delayed" : "failed";
	msg = strip_type(str(o, "Details"));
	if (msg == NULL || *msg == '\0')
		msg = str(o, "Description");
	emit(j, &r, NULL, msg != NULL ? msg : type);
}

/* SparkPost: msys.message_event. */
static void
sparkpost(struct jctx *j, const json_t *o, const char *type)
{
	struct bd_log_rec r;
	const char *msg;
	char	 ts[32];

	memset(&r, 0, sizeof(r));
	r.recipient = str(o, "rcpt_to");
	r.timestamp = scalar(o, "timestamp", ts, sizeof(ts));
	r.queue_id = str(o, "message_id");
	r.action = strcmp(type, "delay") == 0 ? "delayed" : "failed";
	msg = str(o, "raw_reason");
	if (msg == NULL || *msg == '\0')
		msg = str(o, "reason");
	/* "000 554 5.7.1 ...": SparkPost's own code 000 leads. */
	if (msg != NULL && strncmp(msg, "000 ", 4) == 0)
		msg += 4;
	emit(j, &r, str(o, "error_code"), msg);
}

static void	 event(struct jctx *, const json_t *, int);

/* Is s one of the NULL-ended list? */
static int
one_of(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* One event object: which provider, then its parser. */
static void
event(struct jctx *j, const json_t *o, int depth)
{
	static const char *const sg[] = { "bounce", "dropped", "deferred",
	    "blocked", NULL };
	static const char *const sp[] = { "bounce", "out_of_band", "delay",
	    "policy_rejection", "generation_rejection", NULL };
	const json_t *inner;
	const char *t;

	if (!json_is_object(o) || j->events++ >= BD_LOG_JSON_EVENTS ||
	    depth > 2)
		return;
	if ((t = str(o, "notificationType")) != NULL ||
	    (t = str(o, "eventType")) != NULL) {
		if (strcmp(t, "Bounce") == 0 || strcmp(t, "DeliveryDelay") == 0)
			ses(j, o, t);
		return;
	}
	if ((t = str(o, "Type")) != NULL && strcmp(t, "Notification") == 0 &&
	    (t = str(o, "Message")) != NULL) {
		/* SNS envelope: the notification is a JSON string. */
		json_t	*m = json_loads(t, 0, NULL);

		event(j, m, depth + 1);
		json_decref(m);
		return;
	}
	if ((inner = json_object_get(o, "event-data")) != NULL) {
		event(j, inner, depth + 1);
		return;
	}
	if ((inner = json_object_get(json_object_get(o, "msys"),
	    "message_event")) != NULL) {
		if (one_of(str(inner, "type"), sp))
			sparkpost(j, inner, str(inner, "type"));
		return;
	}
	if ((t = str(o, "RecordType")) != NULL) {
		if (strcmp(t, "Bounce") == 0)
			postmark(j, o);
		return;
	}
	if ((t = str(o, "event")) != NULL) {
		if (strcmp(t, "failed") == 0)
			mailgun(j, o);
		else if (one_of(t, sg))
			sendgrid(j, o, t);
		return;
	}
	if (str(o, "reason") != NULL && str(o, "email") != NULL)
		sendgrid(j, o, NULL);
}

/* A copy of line with each invalid UTF-8 byte replaced by U+FFFD;
 * malloc'd, NULL when out of memory. */
static char *
fix_utf8(const char *line, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)line;
	char	*out;
	size_t	 i = 0, k = 0, n;
	uint32_t cp;

	if ((out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		n = bd_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			memcpy(out + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		} else {
			memcpy(out + k, line + i, n);
			k += n;
			i += n;
		}
	}
	out[k] = '\0';
	*outlen = k;
	return out;
}

/* JSON Lines: see the top of the file. */
static int
parse(const struct bd_log_out *out, const char *line, size_t len)
{
	struct jctx j;
	json_error_t err;
	json_t	*root;
	const char *p;
	char	*fixed = NULL;
	size_t	 i, flen, n;

	p = bd_log_skip_blanks(line, len, &n);
	if (!sniff(p, n))
		return BD_LOG_NOT_MINE;
	root = json_loadb(line, len, 0, &err);
	if (root == NULL && json_error_code(&err) == json_error_invalid_utf8 &&
	    (fixed = fix_utf8(line, len, &flen)) != NULL)
		root = json_loadb(fixed, flen, 0, &err);
	free(fixed);
	if (root == NULL)
		return BD_LOG_UNSPLIT;
	memset(&j, 0, sizeof(j));
	j.out = out;
	if (json_is_array(root))
		for (i = 0; i < json_array_size(root); i++)
			event(&j, json_array_get(root, i), 0);
	else
		event(&j, root, 0);
	json_decref(root);
	return j.records > 0 ? BD_LOG_DONE : BD_LOG_NOT_BOUNCE;
}
