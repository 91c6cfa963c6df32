/*
 * test_log.c - the log reader through the public API: one record per
 * bounce line for Postfix, Exim, Sendmail and ESP JSON events, the facts
 * of each record, exact FILE:LINE across chunk seams, over-long lines,
 * bad bytes, gzip (whole, multi-member, cut short), the summary and its
 * classification cache, and log sniffing.
 *
 * Sources of the sample lines:
 *  - Postfix: the delivery status format of postfix/src/global/
 *    log_adhoc.c ("to=<>, relay=, delay=, delays=, dsn=, status= (...)")
 *    and qmgr's "status=expired, returned to sender"; Gmail's 550-5.1.1
 *    text as published at https://support.google.com/mail/answer/6596
 *    and quoted in ../shared/corpus/diagnostic-texts.txt.
 *  - Exim: the mainlog format of the Exim specification, chapter "Log
 *    files" (flags "**" and "=="); lines shaped after public exim_mainlog
 *    excerpts (pastebin.com/kgBuU3vc, pastebin.com/bBhvj37U), with
 *    addresses replaced by example domains.
 *  - Sendmail: the "to=, delay=, xdelay=, mailer=, pri=, relay=, dsn=,
 *    stat=" line of the Sendmail Installation and Operation Guide.
 *  - OpenSMTPD: the delivery lines of OpenSMTPD's mta_log() (mta.c),
 *    mda_log() (mda.c) and queue_log() (queue.c), as of 7.8 and of the
 *    5.x and 6.0 releases; stat= texts from the Sisimai lhost-opensmtpd
 *    bounces (see tests/data/log/SOURCES).
 *  - Amazon SES and SendGrid: ../shared/corpus/sisimai/obsoleted/
 *    json-amazonses-01.json and json-sendgrid-02.json/-12.json (Sisimai
 *    set-of-emails, BSD-2-Clause).
 *  - Mailgun, Postmark, SparkPost: the example payloads of
 *    documentation.mailgun.com (webhooks, "failed"),
 *    postmarkapp.com/developer/webhooks/bounce-webhook and
 *    developers.sparkpost.com/api/webhooks (message_event "bounce").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "bouncediag.h"

#define MAX_RECS	64

struct rec {
	char	 source[64];
	char	 recipient[128];
	char	 queue_id[128];
	char	 remote_host[128];
	char	 timestamp[64];
	char	 cause[40];
	char	 text[256];
	char	 action[16];
	int	 truncated;
};

struct got {
	struct rec r[MAX_RECS];
	size_t	 n;
	size_t	 diags;
	int	 stop_after;	/* stop reading after this many, 0 = never */
};

#include "shipped_rules.h"

static void
put(char *dst, size_t size, const char *s)
{
	(void)snprintf(dst, size, "%s", s != NULL ? s : "");
}

/* bd_record_fn: keep a copy of what the test checks. */
static int
collect(const struct bd_result *res, void *arg)
{
	struct got *g = arg;
	const struct bd_diagnosis *d;
	struct rec *r;

	assert_int_equal(bd_result_count(res), 1);
	d = bd_result_get(res, 0);
	if (g->n < MAX_RECS) {
		r = &g->r[g->n];
		put(r->source, sizeof(r->source), d->source);
		put(r->recipient, sizeof(r->recipient),
		    d->fields[BD_F_RECIPIENT]);
		put(r->queue_id, sizeof(r->queue_id), d->fields[BD_F_QUEUE_ID]);
		put(r->remote_host, sizeof(r->remote_host),
		    d->fields[BD_F_REMOTE_HOST]);
		put(r->timestamp, sizeof(r->timestamp),
		    d->fields[BD_F_TIMESTAMP]);
		put(r->cause, sizeof(r->cause), d->cause->id);
		put(r->text, sizeof(r->text), d->text);
		put(r->action, sizeof(r->action), d->fields[BD_F_ACTION]);
		r->truncated = d->truncated;
	}
	g->n++;
	return g->stop_after > 0 && g->n >= (size_t)g->stop_after;
}

static void
count_diag(const struct bd_diag *d, void *arg)
{
	struct got *g = arg;

	assert_non_null(d->msg);
	g->diags++;
}

/* Run the reader over buf (fd -1: the head is all). */
static enum bd_status
run(const char *buf, size_t len, struct got *g, struct bd_summary *sum)
{
	struct bd_log_sink sink;

	memset(&sink, 0, sizeof(sink));
	sink.record = collect;
	sink.record_arg = g;
	sink.summary = sum;
	sink.diag = count_diag;
	sink.diag_arg = g;
	return bd_diagnose_log(rules, NULL, "t.log", buf, len, -1, &sink);
}

/*
 * One table: an input of one or more lines, the records wanted, and the
 * facts of the first record ("" = absent, NULL = not checked).
 */
static const struct lcase {
	const char	*name;
	const char	*in;
	size_t		 nrec;
	const char	*source;
	const char	*recipient;
	const char	*queue_id;
	const char	*remote_host;
	const char	*timestamp;
	const char	*cause;
	const char	*action;
} cases[] = {
	{ "postfix bounced, said",
	    "Jan 12 03:14:16 mx1 postfix/smtp[4129]: 4F9D195432: "
	    "to=<bob@example.net>, relay=gmail-smtp-in.l.google.com"
	    "[142.250.27.26]:25, delay=1.3, delays=0.1/0/0.5/0.7, dsn=5.1.1, "
	    "status=bounced (host gmail-smtp-in.l.google.com[142.250.27.26] "
	    "said: 550-5.1.1 The email account that you tried to reach does "
	    "not exist. Please try 550-5.1.1 double-checking the recipient's "
	    "email address for typos or 550-5.1.1 unnecessary spaces. Learn "
	    "more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
	    "a1si2 - gsmtp (in reply to RCPT TO command))\n",
	    1, "t.log:1", "bob@example.net", "4F9D195432",
	    "gmail-smtp-in.l.google.com", "Jan 12 03:14:16", "unknown-user",
	    NULL },
	{ "postfix orig_to does not become the recipient",
	    "Jan 12 03:14:17 mx1 postfix/smtp[4129]: 4F9D195432: "
	    "to=<carol@example.org>, orig_to=<carol@lists.example.com>, "
	    "relay=mx1.example.org[203.0.113.25]:25, delay=2.1, "
	    "delays=0.1/0/1/1, dsn=5.7.1, status=bounced (host "
	    "mx1.example.org[203.0.113.25] said: 554 5.7.1 Service "
	    "unavailable; Client host [192.0.2.10] blocked using "
	    "zen.spamhaus.org (in reply to RCPT TO command))\n",
	    1, "t.log:1", "carol@example.org", "4F9D195432",
	    "mx1.example.org", NULL, "blocklist", NULL },
	{ "postfix deferred, suspended",
	    "Jan 12 03:25:40 mx1 postfix/smtp[4132]: 6B2C3D4E5F: "
	    "to=<erin@example.co.uk>, relay=none, delay=338, "
	    "delays=338/0.01/0/0, dsn=4.4.1, status=deferred (delivery "
	    "temporarily suspended: connect to mx.example.co.uk"
	    "[198.51.100.99]:25: Connection timed out)\n",
	    1, "t.log:1", "erin@example.co.uk", "6B2C3D4E5F", NULL, NULL,
	    "network", NULL },
	{ "postfix expired",
	    "Jan 12 03:35:00 mx1 postfix/qmgr[1234]: C18C9DAEBF: "
	    "from=<news@example.com>, status=expired, returned to sender\n",
	    1, "t.log:1", "", "C18C9DAEBF", "", NULL, NULL, NULL },
	{ "postfix RFC 3339 stamp",
	    "2024-01-12T03:37:00.123456+00:00 mx1 postfix/smtp[4139]: "
	    "E3AEBFC0D1: to=<niaj@example.com>, relay=mx.example.com"
	    "[192.0.2.50]:25, delay=0.2, dsn=5.2.2, status=bounced (host "
	    "mx.example.com[192.0.2.50] said: 552 5.2.2 Mailbox full (in "
	    "reply to RCPT TO command))\n",
	    1, "t.log:1", "niaj@example.com", "E3AEBFC0D1", "mx.example.com",
	    "2024-01-12T03:37:00.123456+00:00", "mailbox-full", NULL },
	{ "postfix sent, deliverable and the rest are no bounces",
	    "Jan 12 03:14:16 mx1 postfix/smtp[4129]: 4F9D195432: "
	    "to=<alice@example.net>, relay=mx.example.net[198.51.100.7]:25, "
	    "delay=1.2, dsn=2.0.0, status=sent (250 2.0.0 OK)\n"
	    "Jan 12 03:38:00 mx1 postfix/smtp[4140]: F4BFC0D1E2: "
	    "to=<olivia@example.com>, relay=mx.example.com[192.0.2.50]:25, "
	    "dsn=2.1.5, status=deliverable (250 2.1.5 Ok)\n"
	    "Jan 12 03:14:15 mx1 postfix/qmgr[1234]: 4F9D195432: "
	    "from=<news@example.com>, size=2345, nrcpt=3 (queue active)\n",
	    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "postfix bounced without a text: raw line, cause unknown",
	    "Jan 12 03:34:00 mx1 postfix/smtp[4137]: B07B8C9DAE: "
	    "to=<judy@example.net>, relay=mx.example.net[198.51.100.7]:25, "
	    "delay=0.3, dsn=5.0.0, status=bounced\n",
	    1, "t.log:1", NULL, "", NULL, "", "unknown", NULL },
	{ "postfix line numbers count every line",
	    "Jan 12 03:14:15 mx1 postfix/smtpd[4127]: connect from x\n"
	    "\n"
	    "Jan 12 03:14:15 mx1 postfix/smtpd[4127]: disconnect from x\n"
	    "Jan 12 03:33:00 mx1 postfix/local[4136]: AF6A7B8C9D: "
	    "to=<ivan@mx1.example.com>, relay=local, delay=0.01, dsn=5.1.1, "
	    "status=bounced (unknown user: \"ivan\")",
	    1, "t.log:4", "ivan@mx1.example.com", "AF6A7B8C9D", "local",
	    NULL, "unknown-user", NULL },
	{ "exim ** with H=",
	    "2015-10-19 09:47:35 1Zo722-001wKm-7T ** hitendra@example.org "
	    "R=lookuphost T=remote_smtp H=mail1.example.org [198.51.100.12]: "
	    "SMTP error from remote mail server after RCPT "
	    "TO:<hitendra@example.org>: 550 #5.1.0 Address rejected.\n",
	    1, "t.log:1", "hitendra@example.org", "1Zo722-001wKm-7T",
	    "mail1.example.org", "2015-10-19 09:47:35", "unknown-user", NULL },
	{ "exim == defer, 4.97 id, ms, zone and pid",
	    "2024-03-01 10:00:00.123 +0100 [12345] 1rfXyz-000000004Ab-1cDe "
	    "== slow@example.net R=dnslookup T=remote_smtp defer (-44) "
	    "H=mx.example.net [192.0.2.77]: SMTP error from remote mail "
	    "server after RCPT TO:<slow@example.net>: 451 4.7.1 Greylisted, "
	    "please try again later\n",
	    1, "t.log:1", "slow@example.net", "1rfXyz-000000004Ab-1cDe",
	    "mx.example.net", "2024-03-01 10:00:00.123 +0100", "greylist",
	    NULL },
	{ "exim local failure, deliveries skipped",
	    "2009-07-25 10:15:48 1MUiyS-0002Mt-Jr <= daniel@example.com "
	    "U=daniel P=local S=388\n"
	    "2009-07-25 10:15:48 1MUiyS-0002Mt-Jr ** dan@gmail.example "
	    "R=nonlocal: Mailing to remote domains not supported\n"
	    "2019-06-11 14:26:41 1haaEv-000EiQ-0m => louis@example.com "
	    "R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.9]\n",
	    1, "t.log:2", "dan@gmail.example", "1MUiyS-0002Mt-Jr", "", NULL,
	    NULL, NULL },
	{ "exim multi-line reply written as \\n",
	    "2011-05-31 17:08:25 1QRQYT-00033F-G2 ** dan@example.net "
	    "<em@example.com> F=<apache@web.example.com> R=lookuphost "
	    "T=remote_smtp: SMTP error from remote mail server after RCPT "
	    "TO:<dan@example.net>: host mx.example.net [192.0.2.3]: "
	    "550-Verification failed for <apache@web.example.com>\\n550 "
	    "Sender verify failed\n",
	    1, "t.log:1", "dan@example.net", "1QRQYT-00033F-G2", NULL, NULL,
	    NULL, NULL },
	{ "sendmail user unknown",
	    "Jul  7 13:53:01 mail sm-mta[12346]: x67BqwKx012345: "
	    "to=<nobody@example.net>, delay=00:00:02, xdelay=00:00:01, "
	    "mailer=esmtp, pri=120379, relay=mx.example.net. [192.0.2.25], "
	    "dsn=5.1.1, stat=User unknown\n",
	    1, "t.log:1", "nobody@example.net", "x67BqwKx012345",
	    "mx.example.net", "Jul  7 13:53:01", "unknown-user", NULL },
	{ "sendmail reply= and Sent",
	    "Jul  7 13:55:00 mail sm-mta[12401]: x67BtAKx012401: "
	    "to=<carol@example.com>, delay=00:00:01, mailer=esmtp, "
	    "relay=mx.example.com. [192.0.2.26], dsn=2.0.0, stat=Sent (Ok)\n"
	    "Jul  7 13:56:00 mail sm-mta[12402]: x67BuAKx012402: "
	    "to=<dave@example.com>, delay=00:00:01, mailer=esmtp, "
	    "relay=mx.example.com. [192.0.2.26], dsn=5.7.1, reply=550 5.7.1 "
	    "Message rejected as spam by Content Filtering., stat=Service "
	    "unavailable\n",
	    1, "t.log:2", "dave@example.com", "x67BuAKx012402",
	    "mx.example.com", NULL, "content", NULL },
	{ "opensmtpd mta PermFail is a bounce",
	    "Jun 14 17:15:08 mail smtpd[17422]: 0661f430a4c4e2f1 mta delivery "
	    "evpid=67a9a85fd2772c0f from=<alice@example.com> "
	    "to=<userunknown@example.org> rcpt=<-> source=\"192.0.2.1\" "
	    "relay=\"198.51.100.25 (mx.example.org)\" delay=2s "
	    "result=\"PermFail\" stat=\"550 5.1.1 <userunknown@example.org>: "
	    "Recipient address rejected: User unknown\"\n",
	    1, "t.log:1", "userunknown@example.org", "67a9a85fd2772c0f",
	    "mx.example.org", "Jun 14 17:15:08", "unknown-user", "failed" },
	{ "opensmtpd mta TempFail is a delay; a domain relay is no host",
	    "Jun 14 17:21:30 mail smtpd[17422]: 0000000000000000 mta delivery "
	    "evpid=2f3e4d5c6b7a8990 from=<alice@example.com> "
	    "to=<dave@example.co.jp> rcpt=<-> source=\"-\" "
	    "relay=\"example.co.jp\" delay=10m result=\"TempFail\" "
	    "stat=\"Network error on destination MXs\"\n",
	    1, "t.log:1", "dave@example.co.jp", "2f3e4d5c6b7a8990", "", NULL,
	    "network", "delayed" },
	{ "opensmtpd Ok is no record (and not Sendmail's either)",
	    "Jun 14 17:15:09 mail smtpd[17422]: 0661f430a4c4e2f1 mta delivery "
	    "evpid=67a9a85f90c2d17e from=<alice@example.com> "
	    "to=<bob@example.org> rcpt=<-> source=\"192.0.2.1\" "
	    "relay=\"198.51.100.25 (mx.example.org)\" delay=3s "
	    "result=\"Ok\" stat=\"250 2.0.0 Ok: queued as 4F9D195432\"\n"
	    "Jun 14 17:15:09 mail smtpd[17422]: 0661f430a4c4e2f1 mta "
	    "disconnected reason=quit messages=1\n",
	    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "opensmtpd mda, unquoted, TempFail with a 550 inside",
	    "Jun 14 17:25:03 mail smtpd[17422]: 1e722991167e2b80 mda delivery "
	    "evpid=f9293a5cb336a379 from=<erin@example.org> "
	    "to=<list@forge.example.org> rcpt=<list@forge.example.org> "
	    "user=forge delay=40s result=TempFail stat=Error (temporary "
	    "failure: \"mail.lmtp: LMTP server error: 550 5.7.1 "
	    "<list@forge.example.org> Permanent failure: unrecognized patch "
	    "header format\")\n",
	    1, "t.log:1", "list@forge.example.org", "f9293a5cb336a379", "",
	    NULL, NULL, "delayed" },
	{ "opensmtpd 6.0 event=delivery, relay with a blank unquoted",
	    "Jul 23 10:43:38 mail smtpd[5542]: 2b4e6a8c0d1f3a5b mta "
	    "event=delivery evpid=c0ffee00deadbeef from=<alice@example.com> "
	    "to=<heidi@example.net> rcpt=<-> source=192.0.2.1 "
	    "relay=203.0.113.9 (mx.example.net) delay=3s result=PermFail "
	    "stat=554 5.7.1 Service unavailable; Client host [192.0.2.1] "
	    "blocked using zen.spamhaus.org\n",
	    1, "t.log:1", "heidi@example.net", "c0ffee00deadbeef",
	    "mx.example.net", NULL, "blocklist", "failed" },
	{ "opensmtpd 5.7 smtp-out status=PermFail",
	    "Oct 24 10:50:33 mail smtpd[2301]: smtp-out: session "
	    "3a5e1fd2c4b6a890: evpid=a6bdcb6d1f2e3d4c, status=PermFail, "
	    "from=<shironeko@example.jp>, to=<userunknown@example.jp>, "
	    "rcpt=<->, source=192.0.2.1, relay=192.0.2.25 (mx.example.jp), "
	    "delay=1s, stat=550 5.1.1 <userunknown@example.jp>... User "
	    "Unknown\n",
	    1, "t.log:1", "userunknown@example.jp", "a6bdcb6d1f2e3d4c",
	    "mx.example.jp", "Oct 24 10:50:33", "unknown-user", "failed" },
	{ "opensmtpd 5.x relay: PermFail for, IP-only relay",
	    "Oct 24 10:51:02 mail smtpd[2301]: relay: PermFail for "
	    "6430369adcce4408: session=7818378a988ca63b, "
	    "from=<alice@example.com>, to=<kanzer@example.mx>, rcpt=<->, "
	    "source=127.0.0.1, relay=192.0.2.26, delay=0s, stat=550 Invalid "
	    "recipient\n",
	    1, "t.log:1", "kanzer@example.mx", "6430369adcce4408", "192.0.2.26",
	    NULL, NULL, "failed" },
	{ "opensmtpd queue Expire is a bounce, Remove is not",
	    "Jun 14 17:30:00 mail smtpd[17422]: relay: Remove for "
	    "0b1c2d3e4f5a6b7d: from=<alice@example.com>, "
	    "to=<frank@example.co.jp>, rcpt=<->, delay=1d, stat=Removed by "
	    "administrator\n"
	    "Jun 14 17:30:00 mail smtpd[17422]: relay: Expire for "
	    "0b1c2d3e4f5a6b7c: from=<alice@example.com>, "
	    "to=<frank@example.co.jp>, rcpt=<->, delay=4d, stat=Envelope "
	    "expired\n",
	    1, "t.log:2", "frank@example.co.jp", "0b1c2d3e4f5a6b7c", "", NULL,
	    "expired", "failed" },
	{ "opensmtpd PermFail without a text: the raw line",
	    "Jun 14 17:15:08 mail smtpd[17422]: 0661f430a4c4e2f1 mta delivery "
	    "evpid=67a9a85fd2772c0f from=<alice@example.com> "
	    "to=<x@example.org> rcpt=<-> source=\"192.0.2.1\" "
	    "relay=\"198.51.100.25\" delay=2s result=\"PermFail\" "
	    "stat=\"\"\n",
	    1, "t.log:1", NULL, "", NULL, "", NULL, NULL },
	{ "SES bounce (sisimai json-amazonses-01)",
	    "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":"
	    "\"Permanent\",\"bounceSubType\":\"General\",\"bouncedRecipients\""
	    ":[{\"emailAddress\":\"bounce@simulator.amazonses.com\",\"action\""
	    ":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 "
	    "5.1.1 user unknown\"}],\"timestamp\":\"2016-10-21T00:06:40.502Z\","
	    "\"reportingMTA\":\"dsn; a27-23.smtp-out.us-west-2.amazonses.com\""
	    "},\"mail\":{\"messageId\":\"01010157e48f9b9b-891e9a0e-9c9d-4773-"
	    "9bfe-608f2ef4756d-000000\"}}\n",
	    1, "t.log:1", "bounce@simulator.amazonses.com",
	    "01010157e48f9b9b-891e9a0e-9c9d-4773-9bfe-608f2ef4756d-000000", "",
	    "2016-10-21T00:06:40.502Z", "unknown-user", NULL },
	{ "SES complaint is no bounce",
	    "{\"notificationType\":\"Complaint\",\"complaint\":{"
	    "\"complainedRecipients\":[{\"emailAddress\":\"c@example.com\"}],"
	    "\"complaintFeedbackType\":\"abuse\"},\"bounce\":null}\n",
	    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "SendGrid export array: one record each (json-sendgrid-02)",
	    "[{\"status\": \"550\", \"created\": \"2011-10-08 12:39:14\", "
	    "\"reason\": \"550 Unknown user kijitora@example.ne.jp \", "
	    "\"email\": \"kijitora@example.ne.jp\"},{\"status\": \"5.2.2\", "
	    "\"created\": \"2011-10-08 13:57:43\", \"reason\": \"550 5.2.2 "
	    "<kijitora@example.co.jp>... Mailbox Full \", \"email\": "
	    "\"kijitora@example.co.jp\"}]\n",
	    2, "t.log:1", "kijitora@example.ne.jp", "", "",
	    "2011-10-08 12:39:14", "unknown-user", NULL },
	{ "SendGrid event bounce (json-sendgrid-12)",
	    "{\"ip\":\"192.0.2.22\",\"status\":\"5.2.2\",\"reason\":\"550 "
	    "5.2.2 <mailboxfull@example.jp>... Mailbox Full \","
	    "\"sg_message_id\":\"03_Wof6nRbqqzxRvLpZbfw.filter0017p3mdw1-"
	    "11399-59ADB335-16.0\",\"event\":\"bounce\",\"email\":"
	    "\"mailboxfull@example.jp\",\"timestamp\":1504555832,"
	    "\"type\":\"blocked\"}\n",
	    1, "t.log:1", "mailboxfull@example.jp",
	    "03_Wof6nRbqqzxRvLpZbfw.filter0017p3mdw1-11399-59ADB335-16.0", "",
	    "1504555832", "mailbox-full", NULL },
	{ "Mailgun failed, temporary",
	    "{\"event-data\":{\"event\":\"failed\",\"timestamp\":1521233196,"
	    "\"severity\":\"temporary\",\"recipient\":\"bob@example.org\","
	    "\"delivery-status\":{\"message\":\"4.2.2 The email account that "
	    "you tried to reach is over quota.\",\"code\":452,\"mx-host\":"
	    "\"aspmx.l.google.com\"},\"message\":{\"headers\":{\"message-id\":"
	    "\"20180316.1@sandbox.mailgun.org\"}}}}\n",
	    1, "t.log:1", "bob@example.org", "20180316.1@sandbox.mailgun.org",
	    "aspmx.l.google.com", "1521233196", "mailbox-full", NULL },
	{ "Postmark bounce",
	    "{\"RecordType\":\"Bounce\",\"Type\":\"HardBounce\",\"MessageID\":"
	    "\"883953f4-6105-42a2-a16a-77a8eac79483\",\"Description\":\"The "
	    "server was unable to deliver your message (ex: unknown user, "
	    "mailbox not found).\",\"Details\":\"smtp;550 5.1.1 The email "
	    "account that you tried to reach does not exist.\",\"Email\":"
	    "\"john@example.com\",\"BouncedAt\":\"2019-11-05T16:33:54.9070259Z"
	    "\"}\n",
	    1, "t.log:1", "john@example.com",
	    "883953f4-6105-42a2-a16a-77a8eac79483", "",
	    "2019-11-05T16:33:54.9070259Z", "unknown-user", NULL },
	{ "SparkPost bounce batch",
	    "[{\"msys\":{\"message_event\":{\"type\":\"bounce\","
	    "\"bounce_class\":\"10\",\"error_code\":\"550\",\"message_id\":"
	    "\"0e0d94b7-9085-4e3c-ab30-e3f2cd9c273e\",\"raw_reason\":\"550 "
	    "5.1.1 <recipient@example.com>: Recipient address rejected: User "
	    "unknown\",\"rcpt_to\":\"recipient@example.com\",\"timestamp\":"
	    "\"1460989507\"}}}]\n",
	    1, "t.log:1", "recipient@example.com",
	    "0e0d94b7-9085-4e3c-ab30-e3f2cd9c273e", "", "1460989507",
	    "unknown-user", NULL },
	{ "JSON with a bad byte still yields its record",
	    "{\"event\":\"bounce\",\"email\":\"bad@example.net\",\"status\":"
	    "\"5.1.1\",\"reason\":\"550 5.1.1 User unknown \xff\xfe\"}\n",
	    1, "t.log:1", "bad@example.net", "", "", "", "unknown-user", NULL },
	{ "JSON cut short: the raw line",
	    "{\"event\":\"bounce\",\"email\":\"t@example.net\",\"reason\":"
	    "\"550 5.1.1 unterminated\n",
	    1, "t.log:1", "", "", NULL, "", NULL, NULL },
};

static void
test_cases(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lcase *t = &cases[i];
		struct got *g = calloc(1, sizeof(*g));

		assert_non_null(g);
		assert_int_equal(run(t->in, strlen(t->in), g, NULL), BD_OK);
		if (g->n != t->nrec)
			fail_msg("%s: got %zu records, want %zu", t->name,
			    g->n, t->nrec);
#define CHECK(field) \
		if (t->field != NULL && strcmp(g->r[0].field, t->field) != 0) \
			fail_msg("%s: " #field ": got '%s', want '%s'", \
			    t->name, g->r[0].field, t->field)
		if (t->nrec > 0) {
			CHECK(source);
			CHECK(recipient);
			CHECK(queue_id);
			CHECK(remote_host);
			CHECK(timestamp);
			CHECK(cause);
			CHECK(action);
		}
#undef CHECK
		free(g);
	}
}

/* A Postfix bounce line for line n. */
static int
bounce_line(char *buf, size_t size, unsigned n)
{
	return snprintf(buf, size, "Jan 12 03:14:16 mx1 postfix/smtp[1]: "
	    "Q%06u: to=<u%u@example.net>, relay=mx.example.net[192.0.2.1]:25, "
	    "dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: "
	    "550 5.1.1 user unknown (in reply to RCPT TO command))\n", n, n);
}

/* Exact FILE:LINE over several 1 MB chunks, CRLF lines included. */
static void
test_line_numbers(void **state)
{
	char	*buf, line[512], want[64];
	size_t	 len = 0, cap = 4u << 20, nb = 0;
	unsigned n;
	struct got *g;

	(void)state;
	buf = malloc(cap);
	g = calloc(1, sizeof(*g));
	assert_non_null(buf);
	assert_non_null(g);
	for (n = 1; len + 1024 < cap; n++) {
		int	 k;

		if (n % 4999 == 0 && nb < MAX_RECS) {
			k = bounce_line(line, sizeof(line), n);
			nb++;
		} else
			k = snprintf(line, sizeof(line), "Jan 12 03:14:16 mx1 "
			    "postfix/smtp[1]: Q%06u: to=<u@example.net>, "
			    "dsn=2.0.0, status=sent (250 ok)%s\n", n,
			    n % 3 ? "" : "\r");
		memcpy(buf + len, line, (size_t)k);
		len += (size_t)k;
	}
	assert_int_equal(run(buf, len, g, NULL), BD_OK);
	assert_int_equal(g->n, nb);
	for (n = 0; n < nb; n++) {
		(void)snprintf(want, sizeof(want), "t.log:%u", (n + 1) * 4999);
		assert_string_equal(g->r[n].source, want);
	}
	free(g);
	free(buf);
}

/* An over-long line: one record, truncated; the next line's number. */
static void
test_long_line(void **state)
{
	size_t	 big = 300u * 1024, len;
	char	*buf, *p;
	struct got *g;
	int	 k;

	(void)state;
	buf = malloc(big + 2048);
	g = calloc(1, sizeof(*g));
	assert_non_null(buf);
	assert_non_null(g);
	p = buf;
	k = sprintf(p, "Jan 12 03:14:16 mx1 postfix/smtp[1]: AAAAAA1: "
	    "to=<long@example.net>, dsn=5.1.1, status=bounced (host "
	    "mx.example.net[192.0.2.1] said: 550 5.1.1 user unknown ");
	p += k;
	memset(p, 'x', big);
	p += big;
	p += sprintf(p, ")\nnoise\n");
	p += bounce_line(p, 1024, 3);
	len = (size_t)(p - buf);
	assert_int_equal(run(buf, len, g, NULL), BD_OK);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->r[0].source, "t.log:1");
	assert_string_equal(g->r[0].recipient, "long@example.net");
	assert_true(g->r[0].truncated);
	assert_string_equal(g->r[1].source, "t.log:3");
	assert_false(g->r[1].truncated);
	free(g);
	free(buf);
}

/* NUL bytes and invalid UTF-8 in a line: the record is there. */
static void
test_bad_bytes(void **state)
{
	static const char in[] = "Jan 12 03:14:16 mx1 postfix/smtp[1]: "
	    "BBBBBB1: to=<nul@example.net>, dsn=5.1.1, status=bounced (host "
	    "mx.example.net[192.0.2.1] said: 550 5.1.1 us\0er \xc3\x28 "
	    "unknown (in reply to RCPT TO command))\n";
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	assert_int_equal(run(in, sizeof(in) - 1, g, NULL), BD_OK);
	assert_int_equal(g->n, 1);
	assert_string_equal(g->r[0].recipient, "nul@example.net");
	free(g);
}

/* gzip in memory; multi-member when twice. */
static size_t
gzip_buf(const char *in, size_t len, unsigned char *out, size_t size)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)size;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return size - z.avail_out;
}

static void
test_gzip(void **state)
{
	char	 line[512];
	unsigned char gz[4096];
	size_t	 n, len;
	struct got *g = calloc(1, sizeof(*g));
	int	 k;

	(void)state;
	assert_non_null(g);
	k = bounce_line(line, sizeof(line), 1);
	n = gzip_buf(line, (size_t)k, gz, sizeof(gz));
	assert_true(bd_log_sniff((char *)gz, n));
	assert_int_equal(run((char *)gz, n, g, NULL), BD_OK);
	assert_int_equal(g->n, 1);
	assert_string_equal(g->r[0].recipient, "u1@example.net");

	/* Two members (cat a.gz b.gz): both read, lines go on counting. */
	memset(g, 0, sizeof(*g));
	len = n + gzip_buf(line, (size_t)k, gz + n, sizeof(gz) - n);
	assert_int_equal(run((char *)gz, len, g, NULL), BD_OK);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->r[1].source, "t.log:2");

	/* Cut short: what was read is kept, and the error reported. */
	memset(g, 0, sizeof(*g));
	assert_int_equal(run((char *)gz, n - 10, g, NULL), BD_E_IO);
	assert_int_equal(g->diags, 1);
	free(g);
}

/* The summary path (cached classification) counts what the record
 * path sees, record for record. */
static void
test_summary(void **state)
{
	char	 buf[16384], *out;
	size_t	 len = 0, i;
	struct bd_summary *a, *b;
	struct bd_log_sink sink;
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 n = strlen(cases[i].in);

		if (cases[i].in[0] == '{' || cases[i].in[0] == '[' ||
		    len + n + 1 >= sizeof(buf))
			continue;	/* one family: syslog and Exim mix */
		memcpy(buf + len, cases[i].in, n);
		len += n;
		if (buf[len - 1] != '\n')
			buf[len++] = '\n';
	}
	a = bd_summary_new();
	b = bd_summary_new();
	assert_int_equal(run(buf, len, g, a), BD_OK);
	memset(&sink, 0, sizeof(sink));
	sink.summary = b;
	assert_int_equal(bd_diagnose_log(rules, NULL, "t.log", buf, len, -1,
	    &sink), BD_OK);
	/* Failures and delays (status=deferred, Exim ==) add up to the
	 * records, the same whether each record or the cache counts. */
	assert_int_equal(bd_summary_count(a, NULL) + bd_summary_delayed(a,
	    NULL), g->n);
	assert_int_equal(bd_summary_count(b, NULL) + bd_summary_delayed(b,
	    NULL), g->n);
	assert_true(bd_summary_delayed(b, NULL) > 0);
	for (i = 0; i < g->n && i < MAX_RECS; i++) {
		assert_int_equal(bd_summary_count(a, g->r[i].cause),
		    bd_summary_count(b, g->r[i].cause));
		assert_int_equal(bd_summary_delayed(a, g->r[i].cause),
		    bd_summary_delayed(b, g->r[i].cause));
	}
	assert_int_equal(bd_summary_count(b, "no-such-cause"), 0);
	out = bd_summary_render(b, BD_FORMAT_TEXT, 0);
	assert_non_null(strstr(out, "Failed, by cause\n"));
	assert_non_null(strstr(out, "Delayed (still retrying), by cause\n"));
	assert_non_null(strstr(out, "By recipient domain\n"));
	free(out);
	out = bd_summary_render(b, BD_FORMAT_JSON, 0);
	assert_memory_equal(out, "{\"total\":", 9);
	free(out);
	bd_summary_free(a);
	bd_summary_free(b);
	bd_summary_free(NULL);
	free(g);
}

/* A record function that says stop: reading stops. */
static void
test_stop(void **state)
{
	char	 buf[2048];
	int	 k;
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	k = bounce_line(buf, sizeof(buf), 1);
	k += bounce_line(buf + k, sizeof(buf) - (size_t)k, 2);
	g->stop_after = 1;
	assert_int_equal(run(buf, (size_t)k, g, NULL), BD_OK);
	assert_int_equal(g->n, 1);
	free(g);
}

static void
test_sniff(void **state)
{
	static const struct {
		const char *in;
		int	 want;
	} t[] = {
		{ "Jan 12 03:14:15 mx1 postfix/smtpd[4127]: connect from x\n",
		    1 },
		{ "2024-01-12T03:37:00.1+00:00 mx1 postfix/smtp[1]: x\n", 1 },
		{ "2011-05-31 17:07:43 1QRQXm-000332-Ob Completed\n", 1 },
		{ "{\"event\":\"bounce\"}\n", 1 },
		{ "550 5.1.1 <bob@example.net>: user unknown\n", 0 },
		{ "From MAILER-DAEMON Mon Apr 05 12:06:16 2010\n", 0 },
		{ "Return-Path: <>\nFrom: Mail Delivery System\n", 0 },
		{ "", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (bd_log_sniff(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("sniff '%.30s': got %d, want %d", t[i].in,
			    !t[i].want, t[i].want);
}

/* The brief listing: one line per record. */
static void
test_brief(void **state)
{
	struct bd_result *res;
	struct bd_options o;
	char	*s;

	(void)state;
	bd_options_init(&o);
	o.mode = BD_MODE_TEXT;
	assert_int_equal(bd_diagnose(rules, &o, "x", "550 5.1.1 user "
	    "unknown\x1b[31m", 24, &res), BD_OK);
	s = bd_render_brief(res, 0);
	assert_non_null(s);
	assert_non_null(strstr(s, "x: unknown-user 550 5.1.1"));
	assert_null(strchr(s, '\x1b'));
	assert_int_equal(strchr(s, '\n')[1], '\0');
	free(s);
	bd_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_brief),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
