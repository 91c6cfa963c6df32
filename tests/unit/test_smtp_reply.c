/*
 * test_smtp_reply.c - table-driven tests for smtp_reply.c.
 *
 * Each case is {name, input, want code, esc, text (exact, or a substring
 * where the text is long), ip, remote host, stage, recipient}; an empty
 * or omitted field wants "".  Failures print got/want per field and the
 * group fails once at the end, so one run shows every broken case.
 *
 * Sources of the reply texts, cited per case:
 *  - "corpus": sisimai set-of-emails corpus, BSD-2-Clause (Copyright (C)
 *    2014-2026 azumakuniyuki and the Sisimai development team), as
 *    collected in shared/corpus/diagnostic-texts.txt; copied verbatim.
 *  - provider help pages, cited by URL; addresses replaced by RFC 5737 /
 *    RFC 3849 documentation addresses and example.com names.
 *  - MTA formats (Postfix bounce(8)/smtp(8), Exim, sendmail, qmail,
 *    RFC 3464 DSN fields), written the way those programs print them.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Last: with -DUNIT_TESTING it redefines malloc and free. */
#include <cmocka.h>

#include "smtp_reply.h"

struct reply_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 code;
	const char	*esc;
	const char	*text;		/* exact text, or NULL */
	const char	*has;		/* substring of the text, or NULL */
	const char	*ip;
	const char	*host;
	const char	*stage;
	const char	*rcpt;
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* An input with NUL bytes in it: its length comes from the literal. */
#define BIN(s)		.in = (s), .len = sizeof(s) - 1

static int	 check_str(const char *, const char *, const char *,
		    const char *);
static int	 check_case(const struct reply_case *);
static void	 run_table(const struct reply_case *, size_t);
static int	 esc_valid(const char *);
static void	 check_invariants(const struct bd_smtp_reply *, const char *);
static uint32_t	 rnd(uint32_t *);

/*
 * The seed from the brief: a Gmail-style reply glued onto one line,
 * and the same reply on its own lines.
 */
static const struct reply_case seed_cases[] = {
	{ .name = "seed glued",
	  .in = "550 5.7.1 Message rejected due to local policy 550-5.7.1 "
	    "[203.0.113.5] Our system has detected that this message 550 "
	    "5.7.1 does not meet IP/domain reputation standards",
	  .code = 550, .esc = "5.7.1",
	  .text = "Message rejected due to local policy [203.0.113.5] Our "
	    "system has detected that this message does not meet "
	    "IP/domain reputation standards",
	  .ip = "203.0.113.5" },
	{ .name = "seed on lines",
	  .in = "550 5.7.1 Message rejected due to local policy\n"
	    "550-5.7.1 [203.0.113.5] Our system has detected that this "
	    "message\n"
	    "550 5.7.1 does not meet IP/domain reputation standards\n",
	  .code = 550, .esc = "5.7.1",
	  .text = "Message rejected due to local policy [203.0.113.5] Our "
	    "system has detected that this message does not meet "
	    "IP/domain reputation standards",
	  .ip = "203.0.113.5" },
};

/* Texts providers publish for their rejections. */
static const struct reply_case provider_cases[] = {
	/* Gmail's reply as Python's smtplib prints it once peeled: the
	 * continuation lines carry the enhanced code without the reply
	 * code.  (A "5.1.1" inside a line stays: only a line start is a
	 * prefix.) */
	{ .name = "esc-only continuation lines",
	  .in = "550 5.1.1 The email account that you tried to reach does "
	    "not exist. Please try\n5.1.1 double-checking the recipient's "
	    "email address for typos or\n5.1.1 unnecessary spaces. See "
	    "5.1.1 of the guide.",
	  .code = 550, .esc = "5.1.1",
	  .text = "The email account that you tried to reach does not "
	    "exist. Please try double-checking the recipient's email "
	    "address for typos or unnecessary spaces. See 5.1.1 of the "
	    "guide." },
	/* https://support.google.com/a/answer/3726730 (5.7.26) */
	{ .name = "gmail 550-5.7.26 dmarc multi-line",
	  .in = "550-5.7.26 Unauthenticated email from example.com is not "
	    "accepted due to domain's\r\n"
	    "550-5.7.26 DMARC policy. Please contact the administrator of "
	    "example.com domain if\r\n"
	    "550-5.7.26 this was a legitimate mail. Please visit\r\n"
	    "550-5.7.26  https://support.google.com/mail/answer/2451690 to "
	    "learn about the\r\n"
	    "550 5.7.26 DMARC initiative. d75a77b69052e-43dfb9a1f5bsi12345"
	    "6cf.12 - gsmtp\r\n",
	  .code = 550, .esc = "5.7.26",
	  .text = "Unauthenticated email from example.com is not accepted "
	    "due to domain's DMARC policy. Please contact the "
	    "administrator of example.com domain if this was a legitimate "
	    "mail. Please visit https://support.google.com/mail/answer/"
	    "2451690 to learn about the DMARC initiative. d75a77b69052e-"
	    "43dfb9a1f5bsi123456cf.12 - gsmtp" },
	/* https://support.google.com/a/answer/3726730 (4.7.28) */
	{ .name = "gmail 421-4.7.28 rate limited",
	  .in = "421-4.7.28 [203.0.113.5      15] Our system has detected "
	    "an unusual rate of\n"
	    "421-4.7.28 unsolicited mail originating from your IP address. "
	    "To protect our\n"
	    "421-4.7.28 users from spam, mail sent from your IP address has "
	    "been temporarily\n"
	    "421-4.7.28 rate limited. Please visit\n"
	    "421-4.7.28  https://support.google.com/mail/?p=UnsolicitedRate"
	    "LimitError to\n"
	    "421 4.7.28 review our Bulk Email Senders Guidelines. "
	    "a1si123456qkb.123 - gsmtp\n",
	  .code = 421, .esc = "4.7.28",
	  .text = "[203.0.113.5 15] Our system has detected an unusual "
	    "rate of unsolicited mail originating from your IP address. To "
	    "protect our users from spam, mail sent from your IP address "
	    "has been temporarily rate limited. Please visit https://"
	    "support.google.com/mail/?p=UnsolicitedRateLimitError to review "
	    "our Bulk Email Senders Guidelines. a1si123456qkb.123 - gsmtp",
	  .ip = "203.0.113.5" },
	/* https://support.google.com/a/answer/3726730 (5.7.1) */
	{ .name = "gmail 550-5.7.1 ip not authorized",
	  .in = "550-5.7.1 [203.0.113.5] The IP you're using to send mail is "
	    "not authorized to\n"
	    "550-5.7.1 send email directly to our servers. Please use the "
	    "SMTP relay at your\n"
	    "550-5.7.1 service provider instead. Learn more at\n"
	    "550 5.7.1  https://support.google.com/mail/?p=NotAuthorizedError"
	    " a1si1234567qkb.99 - gsmtp\n",
	  .code = 550, .esc = "5.7.1",
	  .text = "[203.0.113.5] The IP you're using to send mail is not "
	    "authorized to send email directly to our servers. Please use "
	    "the SMTP relay at your service provider instead. Learn more "
	    "at https://support.google.com/mail/?p=NotAuthorizedError "
	    "a1si1234567qkb.99 - gsmtp",
	  .ip = "203.0.113.5" },
	/* https://support.google.com/a/answer/3726730 (4.2.2) */
	{ .name = "gmail 452-4.2.2 over quota",
	  .in = "452-4.2.2 The recipient's inbox is out of storage space. "
	    "Please direct the\n452-4.2.2 recipient to\n"
	    "452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp "
	    "x12si345.67 - gsmtp",
	  .code = 452, .esc = "4.2.2",
	  .text = "The recipient's inbox is out of storage space. Please "
	    "direct the recipient to https://support.google.com/mail/"
	    "?p=OverQuotaTemp x12si345.67 - gsmtp" },
	/* https://support.google.com/a/answer/3726730 (5.1.1), as the
	 * Gmail web NDR shows it */
	{ .name = "gmail ndr response was",
	  .in = "Address not found\n\nYour message wasn't delivered to "
	    "bob@example.com because the address couldn't be found, or is "
	    "unable to receive mail.\n\nThe response was:\n\n"
	    "550 5.1.1 The email account that you tried to reach does not "
	    "exist. Please try double-checking the recipient's email "
	    "address for typos or unnecessary spaces. For more information, "
	    "go to https://support.google.com/mail/?p=NoSuchUser "
	    "a1si1234567qkb.99 - gsmtp\n",
	  .code = 550, .esc = "5.1.1",
	  .has = "The email account that you tried to reach does not exist.",
	  .rcpt = "bob@example.com" },
	/*
	 * https://learn.microsoft.com/en-us/exchange/mail-flow-best-
	 * practices/non-delivery-reports-in-exchange-online/fix-error-code-
	 * 550-5-7-606-649-in-exchange-online
	 */
	{ .name = "microsoft 5.7.606 exchange ndr",
	  .in = "Diagnostic information for administrators:\r\n\r\n"
	    "Generating server: BN8PR12MB1234.namprd12.prod.outlook.com\r\n"
	    "\r\nbob@example.com\r\n"
	    "Remote Server returned '550 5.7.606 Access denied, banned "
	    "sending IP [203.0.113.5]. To request removal from this list "
	    "please visit https://sender.office.com/ and follow the "
	    "directions. For more information please go to "
	    "http://go.microsoft.com/fwlink/?LinkID=526655 (AS16012609)'\r\n"
	    "\r\nOriginal message headers:\r\n",
	  .code = 550, .esc = "5.7.606",
	  .text = "Access denied, banned sending IP [203.0.113.5]. To "
	    "request removal from this list please visit https://"
	    "sender.office.com/ and follow the directions. For more "
	    "information please go to http://go.microsoft.com/fwlink/"
	    "?LinkID=526655 (AS16012609)",
	  .ip = "203.0.113.5" },
	/* https://sendersupport.olc.protection.outlook.com/pm/
	 * troubleshooting.aspx (S3150) */
	{ .name = "outlook.com S3150 block list",
	  .in = "550 5.7.1 Unfortunately, messages from [203.0.113.5] "
	    "weren't sent. Please contact your Internet service provider "
	    "since part of their network is on our block list (S3150). You "
	    "can also refer your provider to http://mail.live.com/mail/"
	    "troubleshooting.aspx#errors. [DM6NAM12FT012.eop-nam12.prod."
	    "protection.outlook.com]",
	  .code = 550, .esc = "5.7.1",
	  .has = "is on our block list (S3150).", .ip = "203.0.113.5" },
	/*
	 * https://learn.microsoft.com/en-us/exchange/mail-flow-best-
	 * practices/non-delivery-reports-in-exchange-online/fix-error-code-
	 * 5-7-700-through-5-7-750
	 */
	{ .name = "microsoft 5.7.708 traffic not accepted",
	  .in = "host example-com.mail.protection.outlook.com[192.0.2.40] "
	    "said: 550 5.7.708 Service unavailable. Access denied, traffic "
	    "not accepted from this IP. For more information please go to "
	    "http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
	    "[SN1NAM02FT012.eop-nam02.prod.protection.outlook.com] (in "
	    "reply to MAIL FROM command)",
	  .code = 550, .esc = "5.7.708",
	  .text = "Service unavailable. Access denied, traffic not accepted "
	    "from this IP. For more information please go to http://"
	    "go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
	    "[SN1NAM02FT012.eop-nam02.prod.protection.outlook.com]",
	  .host = "example-com.mail.protection.outlook.com",
	  .stage = "MAIL" },
	/* corpus (Microsoft 4.7.650, S3113) */
	{ .name = "microsoft 451 4.7.650 postfix",
	  .in = "host outlook-com.olc.protection.outlook.com[52.101.68.1] "
	    "said: 451 4.7.650 The mail server [192.0.2.25] has been "
	    "temporarily rate limited due to IP reputation. For e-mail "
	    "delivery information, see https://postmaster.live.com (S3113) "
	    "[5NY1SSJFSTZJRJBG.eurprd02.prod.outlook.com 2024-05-09T23:34:45"
	    ".000Z GLXTWVLGZHZNHVXY] (in reply to MAIL FROM command)",
	  .code = 451, .esc = "4.7.650",
	  .has = "temporarily rate limited due to IP reputation.",
	  .ip = "192.0.2.25", .host = "outlook-com.olc.protection.outlook.com",
	  .stage = "MAIL" },
	/* corpus (Exchange 2007+ DSN diagnostic) */
	{ .name = "exchange #550 resolver",
	  .in = "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##",
	  .code = 550, .esc = "5.1.1",
	  .text = "RESOLVER.ADR.RecipNotFound; not found" },
	/* corpus */
	{ .name = "exchange ## rfc822 recipient",
	  .in = "#550 5.7.1 RESOLVER.RST.AuthRequired; authentication "
	    "required ##rfc822;neko-nyaan@cat.example.jp",
	  .code = 550, .esc = "5.7.1",
	  .text = "RESOLVER.RST.AuthRequired; authentication required",
	  .rcpt = "neko-nyaan@cat.example.jp" },
	/* https://senders.yahooinc.com/smtp-error-codes/ (TSS04); corpus */
	{ .name = "yahoo 421 4.7.0 TSS04 postfix",
	  .in = "host mta6.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 "
	    "[TSS04] Messages from 192.0.2.192 temporarily deferred due to "
	    "unexpected volume or user complaints - 4.16.55.1; see "
	    "https://postmaster.verizonmedia.com/error-codes (in reply to "
	    "MAIL FROM command)",
	  .code = 421, .esc = "4.7.0",
	  .text = "[TSS04] Messages from 192.0.2.192 temporarily deferred "
	    "due to unexpected volume or user complaints - 4.16.55.1; see "
	    "https://postmaster.verizonmedia.com/error-codes",
	  .host = "mta6.am0.yahoodns.net", .stage = "MAIL" },
	/* https://senders.yahooinc.com/smtp-error-codes/ (TSS09) */
	{ .name = "yahoo 553 5.7.2 TSS09",
	  .in = "553 5.7.2 [TSS09] All messages from 203.0.113.5 will be "
	    "permanently deferred; Retrying will NOT succeed. See "
	    "https://postmaster.yahooinc.com/error-codes",
	  .code = 553, .esc = "5.7.2",
	  .text = "[TSS09] All messages from 203.0.113.5 will be "
	    "permanently deferred; Retrying will NOT succeed. See "
	    "https://postmaster.yahooinc.com/error-codes" },
	/* corpus (Yahoo/AOL 5.7.9) */
	{ .name = "yahoo 554 5.7.9 policy",
	  .in = "host mx-aol.mail.gm0.yahoodns.net[67.195.228.84] said: 554 "
	    "5.7.9 Message not accepted for policy reasons. See https://"
	    "postmaster.verizonmedia.com/error-codes (in reply to end of "
	    "DATA command)",
	  .code = 554, .esc = "5.7.9",
	  .text = "Message not accepted for policy reasons. See https://"
	    "postmaster.verizonmedia.com/error-codes",
	  .host = "mx-aol.mail.gm0.yahoodns.net", .stage = "DATA" },
	/*
	 * Spamhaus listing as Postfix's reject_rbl_client words it
	 * (https://www.postfix.org/postconf.5.html#reject_rbl_client,
	 * https://www.spamhaus.org/zen/); the bracketed client is us.
	 */
	{ .name = "spamhaus zen via postfix",
	  .in = "host mx.example.net[192.0.2.10] said: 554 5.7.1 Service "
	    "unavailable; Client host [203.0.113.5] blocked using "
	    "zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
	    "203.0.113.5 (in reply to RCPT TO command)",
	  .code = 554, .esc = "5.7.1",
	  .text = "Service unavailable; Client host [203.0.113.5] blocked "
	    "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
	    "203.0.113.5",
	  .ip = "203.0.113.5", .host = "mx.example.net", .stage = "RCPT" },
	/* corpus (SORBS, glued continuation) */
	{ .name = "sorbs 521-5.7.1 glued",
	  .in = "521-5.7.1 Service unavailable; client [203.0.113.225] "
	    "blocked using dnsbl.sorbs.net 521 5.7.1 Please see http://"
	    "support.mailhostbox.com/email-administrators-guide-error-"
	    "codes/ for explanation of the problem.",
	  .code = 521, .esc = "5.7.1",
	  .text = "Service unavailable; client [203.0.113.225] blocked using "
	    "dnsbl.sorbs.net Please see http://support.mailhostbox.com/"
	    "email-administrators-guide-error-codes/ for explanation of the "
	    "problem.",
	  .ip = "203.0.113.225" },
	/* corpus (iCloud) */
	{ .name = "icloud dmarc",
	  .in = "host mx01.mail.icloud.com[17.57.152.9] said: 554 5.7.1 Your "
	    "message was rejected due to libsisimai.org's DMARC policy. See "
	    "https://support.apple.com/en-us/HT204137 for info (in reply to "
	    "end of DATA command)",
	  .code = 554, .esc = "5.7.1",
	  .text = "Your message was rejected due to libsisimai.org's DMARC "
	    "policy. See https://support.apple.com/en-us/HT204137 for info",
	  .host = "mx01.mail.icloud.com", .stage = "DATA" },
	/* corpus (mail.ru) */
	{ .name = "mail.ru dmarc",
	  .in = "host mxs.mail.ru[94.100.180.31] said: 550 5.7.1 This "
	    "message was not accepted due to domain (libsisimai.org) owner "
	    "DMARC policy (RFC 7489) https://help.mail.ru/mail-help/"
	    "postmaster/dmarc (in reply to end of DATA command)",
	  .code = 550, .esc = "5.7.1",
	  .text = "This message was not accepted due to domain "
	    "(libsisimai.org) owner DMARC policy (RFC 7489) https://"
	    "help.mail.ru/mail-help/postmaster/dmarc",
	  .host = "mxs.mail.ru", .stage = "DATA" },
	/* corpus (QQ) */
	{ .name = "qq frequency limited",
	  .in = "host mx3.qq.com[103.7.30.40] said: 550 Ip frequency limited "
	    "[V2VkIEFwciAgMyAxNjozNjo1OSBKU1QgMjAxOQo=/RkNGMjlFQTVEQ0E "
	    "Blocked IP 192.0.2.22]. http://service.mail.qq.com/cgi-bin/"
	    "help?subtype=1&&id=20022&&no=1000725 (in reply to end of DATA "
	    "command)",
	  .code = 550,
	  .has = "Ip frequency limited [V2VkIEFwciAgMyAxNjozNjo1OSBKU1Qg",
	  .host = "mx3.qq.com", .stage = "DATA" },
	/* corpus (Orange, greeting after a 220-) */
	{ .name = "laposte 220- then 421",
	  .in = "host smtpz4.laposte.net[194.117.213.1] refused to talk to "
	    "me: 220-laposte 421 4.2.1 Service refuse. Veuillez essayer plus "
	    "tard. Service refused, please try later. LPN006_107",
	  .code = 421, .esc = "4.2.1",
	  .text = "Service refuse. Veuillez essayer plus tard. Service "
	    "refused, please try later. LPN006_107",
	  .host = "smtpz4.laposte.net", .stage = "CONNECT" },
	/* corpus (Zoho) */
	{ .name = "zoho user does not exist",
	  .in = "host smtpin.zoho.com[204.141.33.23] said: 550 5.1.1 User "
	    "does not exist - <kijitora@zoho.example.com> (in reply to RCPT "
	    "TO command)",
	  .code = 550, .esc = "5.1.1",
	  .text = "User does not exist - <kijitora@zoho.example.com>",
	  .host = "smtpin.zoho.com", .stage = "RCPT",
	  .rcpt = "kijitora@zoho.example.com" },
	/* corpus (Cloudflare Email Routing) */
	{ .name = "cloudflare upstream",
	  .in = "host route3.mx.cloudflare.net[162.159.205.25] said: 421 "
	    "4.3.0 Upstream error, please check https://developers."
	    "cloudflare.com/email-routing/postmaster for possible reasons "
	    "why. RsrUEMk60942 (in reply to end of DATA command)",
	  .code = 421, .esc = "4.3.0",
	  .text = "Upstream error, please check https://developers."
	    "cloudflare.com/email-routing/postmaster for possible reasons "
	    "why. RsrUEMk60942",
	  .host = "route3.mx.cloudflare.net", .stage = "DATA" },
	/* corpus (Amazon SES) */
	{ .name = "amazon ses not verified",
	  .in = "554 Message rejected: Email address is not verified. The "
	    "following identities failed the check in region "
	    "AP-NORTHEAST-1: nekochan@example.jp (in reply to end of DATA "
	    "command)",
	  .code = 554,
	  .text = "Message rejected: Email address is not verified. The "
	    "following identities failed the check in region "
	    "AP-NORTHEAST-1: nekochan@example.jp",
	  .stage = "DATA" },
	/* corpus (GMX, glued "554-" lines without esc) */
	{ .name = "gmx 554- glued no esc",
	  .in = "554-mail.com (mxgmxus002) Nemesis ESMTP Service not "
	    "available 554-No SMTP service 554-Bad DNS PTR resource record. "
	    "554 For explanation visit http://postmaster.gmx.com/en/error-"
	    "messages?ip=192.0.2.22&c=rdns",
	  .code = 554,
	  .text = "mail.com (mxgmxus002) Nemesis ESMTP Service not "
	    "available No SMTP service Bad DNS PTR resource record. For "
	    "explanation visit http://postmaster.gmx.com/en/error-"
	    "messages?ip=192.0.2.22&c=rdns" },
};

/* The wrappers MTAs put around the reply they were given. */
static const struct reply_case wrapper_cases[] = {
	/* Postfix bounce(8) body: folded, then a MIME boundary */
	{ .name = "postfix folded multi-line",
	  .in = "<bob@example.com>: host mx.example.com[192.0.2.1] said: "
	    "550-5.7.1\n"
	    "    [203.0.113.5] The IP you're using to send mail is not "
	    "authorized to\n"
	    "    550-5.7.1 send email directly to our servers. 550 5.7.1\n"
	    "    https://support.google.com/mail/?p=NotAuthorizedError (in "
	    "reply to end of\n    DATA command)\n\n--ABC.123/mx.example.org\n",
	  .code = 550, .esc = "5.7.1",
	  .text = "[203.0.113.5] The IP you're using to send mail is not "
	    "authorized to send email directly to our servers. https://"
	    "support.google.com/mail/?p=NotAuthorizedError",
	  .ip = "203.0.113.5", .host = "mx.example.com", .stage = "DATA" },
	/* corpus (Postfix "said:", recipient in the text) */
	{ .name = "postfix said rcpt",
	  .in = "host mx.example.jp[192.0.2.22] said: 550 5.2.2 "
	    "<noraneko@example.jp>... Mailbox Full (in reply to RCPT TO "
	    "command)",
	  .code = 550, .esc = "5.2.2",
	  .text = "<noraneko@example.jp>... Mailbox Full",
	  .host = "mx.example.jp", .stage = "RCPT",
	  .rcpt = "noraneko@example.jp" },
	/* corpus (Postfix, sender rejected: no recipient from the text) */
	{ .name = "postfix mail from sender",
	  .in = "host mx.cubicroot.jp[192.0.2.22] said: 553 5.1.8 "
	    "<root@vagrant-centos65.vagrantup.com>... Domain of sender "
	    "address root@vagrant-centos65.vagrantup.com does not exist (in "
	    "reply to MAIL FROM command)",
	  .code = 553, .esc = "5.1.8",
	  .has = "Domain of sender address", .host = "mx.cubicroot.jp",
	  .stage = "MAIL" },
	/* corpus (Postfix greeting) */
	{ .name = "postfix refused to talk",
	  .in = "delivery temporarily suspended: host "
	    "mfsmax.example.net[203.0.113.127] refused to talk to me: 421 "
	    "Service not available, closing transmission channel",
	  .code = 421,
	  .text = "Service not available, closing transmission channel",
	  .host = "mfsmax.example.net", .stage = "CONNECT" },
	/* corpus (Postfix, no reply at all) */
	{ .name = "postfix lost connection helo",
	  .in = "lost connection with mx2.qq.com[184.105.206.86] while "
	    "performing the HELO handshake",
	  .text = "lost connection with mx2.qq.com[184.105.206.86] while "
	    "performing the HELO handshake",
	  .host = "mx2.qq.com", .stage = "HELO" },
	/* Exim bounce body, folded over indented lines */
	{ .name = "exim rcpt folded",
	  .in = "A message that you sent could not be delivered to one or "
	    "more of its\nrecipients. This is a permanent error. The "
	    "following address(es) failed:\n\n  x@example.net\n"
	    "    SMTP error from remote mail server after RCPT "
	    "TO:<x@example.net>:\n"
	    "    host mx.example.net [192.0.2.2]: 550 5.1.1 <x@example.net>: "
	    "Recipient\n    address rejected: User unknown in virtual alias "
	    "table\n\n------ This is a copy of the message ------\n",
	  .code = 550, .esc = "5.1.1",
	  .text = "<x@example.net>: Recipient address rejected: User "
	    "unknown in virtual alias table",
	  .host = "mx.example.net", .stage = "RCPT",
	  .rcpt = "x@example.net" },
	/* corpus (Exim, one line) */
	{ .name = "exim rcpt one line",
	  .in = "SMTP error from remote mail server after RCPT "
	    "TO:<kijitora@example.jp>: host mx.example.jp [192.0.2.222]: 550 "
	    "5.2.2 <kijitora@example.jp>... Mailbox Full",
	  .code = 550, .esc = "5.2.2",
	  .text = "<kijitora@example.jp>... Mailbox Full",
	  .host = "mx.example.jp", .stage = "RCPT",
	  .rcpt = "kijitora@example.jp" },
	/* corpus (Exim, "RCPT TO: <a>" with a space) */
	{ .name = "exim remote mailer rcpt space",
	  .in = "SMTP error from remote mailer after RCPT TO: "
	    "<kijitora@neko.example.co.jp>: host mx49.neko.example.co.jp "
	    "[192.0.2.82]: 553 5.1.1 unknown or illegal user: "
	    "kijitora@neko.example.co.jp",
	  .code = 553, .esc = "5.1.1",
	  .text = "unknown or illegal user: kijitora@neko.example.co.jp",
	  .host = "mx49.neko.example.co.jp", .stage = "RCPT",
	  .rcpt = "kijitora@neko.example.co.jp" },
	/* corpus (Exim end of data, "ultimately generated from") */
	{ .name = "exim end of data",
	  .in = "(ultimately generated from nyaan@example.com) SMTP error "
	    "from remote mail server after end of data: host "
	    "neko2.example.de [192.0.2.222]: 500 Line limit exceeded",
	  .code = 500, .text = "Line limit exceeded",
	  .host = "neko2.example.de", .stage = "DATA" },
	/* corpus (Exim MAIL FROM with SIZE=) */
	{ .name = "exim mail from size",
	  .in = "host mail.example.org [192.0.2.222] SMTP error from remote "
	    "mail server after MAIL FROM:<sironeko-nyaan@neko.example.com> "
	    "SIZE=1024: 551 Server access mta.example.org forbidden by "
	    "invalid RDNS record of your mail server (203.0.113.2).",
	  .code = 551,
	  .text = "Server access mta.example.org forbidden by invalid RDNS "
	    "record of your mail server (203.0.113.2).",
	  .host = "mail.example.org", .stage = "MAIL" },
	/* corpus (Exim initial connection, "550-" then an IP) */
	{ .name = "exim initial connection",
	  .in = "host mta-n2.neko.example.net [203.0.113.2] SMTP error from "
	    "remote mail server after initial connection: 550-192.0.2.222 "
	    "blocked by ldap:ou=nekochan,dc=example,dc=net 550 Error - "
	    "Blocked for abuse. See http://example.net/nyaan",
	  .code = 550,
	  .text = "192.0.2.222 blocked by ldap:ou=nekochan,dc=example,dc=net "
	    "Error - Blocked for abuse. See http://example.net/nyaan",
	  .host = "mta-n2.neko.example.net", .stage = "CONNECT" },
	/* corpus (Exim after EHLO) */
	{ .name = "exim after ehlo",
	  .in = "host example.com.nekochan.example.net [203.0.113.222] SMTP "
	    "error from remote mail server after EHLO neko.example.com: 550 "
	    "Rejected",
	  .code = 550, .text = "Rejected",
	  .host = "example.com.nekochan.example.net", .stage = "HELO" },
	/* RFC 3464 DSN part, Diagnostic-Code folded (RFC 5322 §2.2.3) */
	{ .name = "dsn diagnostic-code folded",
	  .in = "Reporting-MTA: dns; mail.example.org\n\n"
	    "Final-Recipient: rfc822; bob@example.com\n"
	    "Original-Recipient: rfc822;bob@example.com\n"
	    "Action: failed\nStatus: 5.7.26\n"
	    "Remote-MTA: dns; gmail-smtp-in.l.google.com\n"
	    "Diagnostic-Code: smtp; 550-5.7.26 Unauthenticated email from "
	    "example.org is not\n    accepted due to domain's DMARC "
	    "policy. Please contact the administrator\n    of example.org "
	    "domain if this was a legitimate mail.\n"
	    "Last-Attempt-Date: Fri, 10 May 2024 10:00:00 +0000\n",
	  .code = 550, .esc = "5.7.26",
	  .text = "Unauthenticated email from example.org is not accepted "
	    "due to domain's DMARC policy. Please contact the administrator "
	    "of example.org domain if this was a legitimate mail.",
	  .host = "gmail-smtp-in.l.google.com", .rcpt = "bob@example.com" },
	/* RFC 3464 §2.3.6 with Postfix's own diagnostic-type */
	{ .name = "dsn x-postfix no reply",
	  .in = "Diagnostic-Code: X-Postfix; connect to "
	    "mx.example.com[192.0.2.1]:25: Connection timed out",
	  .text = "connect to mx.example.com[192.0.2.1]:25: Connection "
	    "timed out",
	  .host = "mx.example.com" },
	/* sendmail "Transcript of session follows" */
	{ .name = "sendmail transcript",
	  .in = "   ----- Transcript of session follows -----\n"
	    "... while talking to mx.example.com.:\n"
	    ">>> MAIL From:<alice@example.org> SIZE=123\n"
	    "<<< 250 2.1.0 <alice@example.org>... Sender ok\n"
	    ">>> RCPT To:<bob@example.com>\n"
	    "<<< 550 5.1.1 <bob@example.com>... User unknown\n"
	    "550 5.1.1 <bob@example.com>... User unknown\n"
	    ">>> DATA\n<<< 503 5.0.0 Need RCPT (recipient)\n",
	  .code = 550, .esc = "5.1.1",
	  .text = "<bob@example.com>... User unknown",
	  .host = "mx.example.com", .stage = "RCPT",
	  .rcpt = "bob@example.com" },
	/* corpus (sendmail "... User unknown") */
	{ .name = "sendmail user unknown",
	  .in = "550 5.1.1 <kijitora@example.net>... User unknown",
	  .code = 550, .esc = "5.1.1",
	  .text = "<kijitora@example.net>... User unknown",
	  .rcpt = "kijitora@example.net" },
	/* corpus (qmail-remote) */
	{ .name = "qmail remote host said",
	  .in = "192.0.2.1 does not like recipient. Remote host said: 552 "
	    "Error: disk quota exceeded Giving up on 192.0.2.20.",
	  .code = 552,
	  .text = "Error: disk quota exceeded Giving up on 192.0.2.20.",
	  .host = "192.0.2.1", .stage = "RCPT" },
	/* corpus (qmail-remote, DATA) */
	{ .name = "qmail failed after data",
	  .in = "203.0.113.225 does not like recipient. Remote host said: "
	    "550 5.7.606 Access denied, banned sending IP [192.0.2.225]. To "
	    "request removal from this list please visit "
	    "https://sender.office.com and follow the directions.",
	  .code = 550, .esc = "5.7.606",
	  .has = "banned sending IP [192.0.2.225].", .ip = "192.0.2.225",
	  .host = "203.0.113.225", .stage = "RCPT" },
	/* corpus (qmail "#5.1.1" only) */
	{ .name = "qmail hash esc only",
	  .in = "Sorry, no mailbox here by that name. (#5.1.1)",
	  .esc = "5.1.1",
	  .text = "Sorry, no mailbox here by that name. (#5.1.1)" },
	/* corpus (vpopmail chkusr: esc after the text) */
	{ .name = "qmail code then (#esc)",
	  .in = "553 sorry, your envelope recipient is in my badrcptto list "
	    "(#5.7.1)",
	  .code = 553, .esc = "5.7.1",
	  .text = "sorry, your envelope recipient is in my badrcptto list "
	    "(#5.7.1)" },
	/* corpus (qmail, Biglobe-style stage tag) */
	{ .name = "remote host said stage tag",
	  .in = "Remote host said: 550 5.1.1 <kijitora@example.org>... User "
	    "Unknown [RCPT_TO]",
	  .code = 550, .esc = "5.1.1",
	  .text = "<kijitora@example.org>... User Unknown [RCPT_TO]",
	  .stage = "RCPT", .rcpt = "kijitora@example.org" },
	/* corpus (Exchange NDR "Remote Server returned") */
	{ .name = "exchange remote server returned",
	  .in = "Diagnostic information for administrators: "
	    "kijitora@cr.neko.nyaan.jp nijo.cr.neko.nyaan.jp Remote Server "
	    "returned '550 5.2.2 <kijitora@cr.neko.nyaan.jp>... Mailbox "
	    "Full'",
	  .code = 550, .esc = "5.2.2",
	  .text = "<kijitora@cr.neko.nyaan.jp>... Mailbox Full",
	  .rcpt = "kijitora@cr.neko.nyaan.jp" },
	/* corpus (Exchange 2010 "Server at X returned '...'", two of them) */
	{ .name = "exchange server at returned",
	  .in = "Diagnostic information for administrators: Receiving "
	    "server: SG2APC01HT226.eop-APC01.prod.protection.outlook.com "
	    "neko@libsisimai.org 5/25/2018 8:21:10 AM - Server at "
	    "SG2APC01HT226.eop-APC01.prod.protection.outlook.com returned "
	    "'550 5.4.312 Message expired, DNS query failed(InfoNoRecords)' "
	    "5/25/2018 8:11:10 AM - Server at libsisimai.org "
	    "(25.152.252.27) returned '450 4.4.312 DNS query failed "
	    "[Message=InfoNoRecords]'",
	  .code = 550, .esc = "5.4.312",
	  .text = "Message expired, DNS query failed(InfoNoRecords)" },
	/* corpus (Gmail relaying a reply, "#esc" after the code) */
	{ .name = "gmail response from remote server",
	  .in = "** Address not found ** Your message wasn't delivered to "
	    "kijitora@example.de because the address couldn't be found. "
	    "Check for typos or unnecessary spaces and try again.The "
	    "response from the remote server was: 550 #5.1.0 Address "
	    "rejected.",
	  .code = 550, .esc = "5.1.0", .text = "Address rejected.",
	  .rcpt = "kijitora@example.de" },
	/* corpus (Gmail relaying a reply that had no code) */
	{ .name = "postfix said no code",
	  .in = "host aspmx.l.google.com[108.177.97.26] said: The email "
	    "account that you tried to reach does not exist. (in reply to "
	    "RCPT TO command)",
	  .text = "The email account that you tried to reach does not "
	    "exist.",
	  .host = "aspmx.l.google.com", .stage = "RCPT" },
	/* corpus ("It responded as follows: [...]") */
	{ .name = "bracketed reply",
	  .in = "SMTP Server <smtpd.libsisimai.org> rejected recipient "
	    "<kijitora@libsisimai.org> (Error following RCPT command). It "
	    "responded as follows: [550 5.1.1 User unknown]",
	  .code = 550, .esc = "5.1.1", .text = "User unknown",
	  .stage = "RCPT", .rcpt = "kijitora@libsisimai.org" },
	/* corpus (amavisd relaying Postfix) */
	{ .name = "amavis nested same code",
	  .in = "550 5.1.1 Failed, id=02022-02, from MTA([127.0.0.1]:10025): "
	    "550 5.1.1 <neko@example.co.jp>: Recipient address rejected: "
	    "User unknown in virtual mailbox table",
	  .code = 550, .esc = "5.1.1",
	  .text = "Failed, id=02022-02, from MTA([127.0.0.1]:10025): "
	    "<neko@example.co.jp>: Recipient address rejected: User unknown "
	    "in virtual mailbox table",
	  .rcpt = "neko@example.co.jp" },
	/* corpus (sender then recipient in one text) */
	{ .name = "from and to addresses",
	  .in = "554 5.4.6 Too many hops 26 (25 max): from "
	    "<shironeko@example.jp> via localhost, to <kijitora@example.com>",
	  .code = 554, .esc = "5.4.6",
	  .text = "Too many hops 26 (25 max): from <shironeko@example.jp> "
	    "via localhost, to <kijitora@example.com>",
	  .rcpt = "kijitora@example.com" },
	/* corpus (Postfix client reject: the name[ip] is the sender) */
	{ .name = "postfix client host rejected",
	  .in = "450 4.7.1 <c135.kyoto.example.ne.jp[192.0.2.56]>: Client "
	    "host rejected: may not be mail exchanger",
	  .code = 450, .esc = "4.7.1",
	  .text = "<c135.kyoto.example.ne.jp[192.0.2.56]>: Client host "
	    "rejected: may not be mail exchanger",
	  .ip = "192.0.2.56" },
	/* corpus (Gmail's own NDR: "by mx. [ip]" is the remote MX) */
	{ .name = "gmail rejected by mx ip",
	  .in = "Delivery to the following recipient failed permanently: "
	    "Technical details of permanent failure: Google tried to "
	    "deliver your message, but it was rejected by the server for "
	    "the recipient domain example.jp by mx.example.jp. "
	    "[192.0.2.153]. The error that the other server returned was: "
	    "550 5.1.1 <userunknown@example.jp>... User Unknown",
	  .code = 550, .esc = "5.1.1",
	  .text = "<userunknown@example.jp>... User Unknown",
	  .rcpt = "userunknown@example.jp" },
};

/* Corpus lines with little wrapping: code, esc and text as they come. */
static const struct reply_case corpus_cases[] = {
	/* corpus */
	{ .name = "corpus 250 success",
	  .in = "250 2.1.5 Ok", .code = 250, .esc = "2.1.5", .text = "Ok" },
	/* corpus */
	{ .name = "corpus 5.1.351 nested 550",
	  .in = "550 5.1.351 Remote server returned unknown recipient or "
	    "mailbox unavailable -> 550 : User unknown",
	  .code = 550, .esc = "5.1.351",
	  .text = "Remote server returned unknown recipient or mailbox "
	    "unavailable -> 550 : User unknown" },
	/* corpus */
	{ .name = "corpus second reply kept",
	  .in = "550 5.1.1 <kijitora@example.com>... User unknown 503 5.0.0 "
	    "Need RCPT (recipient)",
	  .code = 550, .esc = "5.1.1",
	  .text = "<kijitora@example.com>... User unknown 503 5.0.0 Need "
	    "RCPT (recipient)",
	  .rcpt = "kijitora@example.com" },
	/* corpus */
	{ .name = "corpus esc 5.7.25 gmail ptr glued",
	  .in = "550-5.7.25 [192.0.2.202] The IP address sending this "
	    "message does not have a 550-5.7.25 PTR record setup, or the "
	    "corresponding forward DNS entry does not 550-5.7.25 point to "
	    "the sending IP. As a policy, Gmail does not accept messages "
	    "550-5.7.25 from IPs with missing PTR records.",
	  .code = 550, .esc = "5.7.25",
	  .text = "[192.0.2.202] The IP address sending this message does "
	    "not have a PTR record setup, or the corresponding forward DNS "
	    "entry does not point to the sending IP. As a policy, Gmail "
	    "does not accept messages from IPs with missing PTR records.",
	  .ip = "192.0.2.202" },
	/* corpus */
	{ .name = "corpus spf hard fail ip",
	  .in = "550 5.7.26 The MAIL FROM domain [email.example.jp] has an "
	    "SPF record with a hard fail policy (-all) but it fails to pass "
	    "SPF checks with the ip: [203.0.113.22].",
	  .code = 550, .esc = "5.7.26", .has = "with the ip: [203.0.113.22]",
	  .ip = "203.0.113.22" },
	/* corpus */
	{ .name = "corpus 5.7.509 dmarc",
	  .in = "550 5.7.509 Access denied, sending domain [EXAMPLE.JP] does "
	    "not pass DMARC verification and has a DMARC policy of reject.",
	  .code = 550, .esc = "5.7.509",
	  .text = "Access denied, sending domain [EXAMPLE.JP] does not pass "
	    "DMARC verification and has a DMARC policy of reject." },
	/* corpus */
	{ .name = "corpus esc without code line start",
	  .in = "5.2.2 <sabineko@example.co.jp>... Mailbox Full",
	  .esc = "5.2.2", .text = "<sabineko@example.co.jp>... Mailbox Full",
	  .rcpt = "sabineko@example.co.jp" },
	/* corpus */
	{ .name = "corpus code colon",
	  .in = "550: 5.1.1 <userunknown@cubicroot.jp>... User Unknown",
	  .code = 550, .esc = "5.1.1",
	  .text = "<userunknown@cubicroot.jp>... User Unknown",
	  .rcpt = "userunknown@cubicroot.jp" },
	/* corpus */
	{ .name = "corpus error message below",
	  .in = "Error: Invalid user address Error message below: 550 - "
	    "Requested action not taken: no such user here",
	  .code = 550,
	  .text = "- Requested action not taken: no such user here" },
	/* corpus */
	{ .name = "corpus because of 550",
	  .in = "Could not be delivered because of 550 5.1.1 User unknown",
	  .code = 550, .esc = "5.1.1", .text = "User unknown" },
	/* corpus */
	{ .name = "corpus no code at all",
	  .in = "Host or domain name not found. Name service error for "
	    "name=example.jp type=A: Host not found",
	  .text = "Host or domain name not found. Name service error for "
	    "name=example.jp type=A: Host not found" },
	/* corpus */
	{ .name = "corpus response code with comma",
	  .in = "Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.",
	  .text = "Error, ERROR_CODE :421, ERROR_CODE :, Host not "
	    "reachable." },
	/* corpus */
	{ .name = "corpus esc after colon no code",
	  .in = "Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 "
	    "<kijitora@example.co.jp>... User Unknown",
	  .esc = "5.1.1",
	  .text = "Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 "
	    "<kijitora@example.co.jp>... User Unknown",
	  .rcpt = "kijitora@example.co.jp" },
	/* corpus */
	{ .name = "corpus mimecast",
	  .in = "554 Host network not allowed - https://community.mimecast."
	    "com/docs/DOC-1369#554 [z7qZw5BPd1zlDYHka4589ru.us222] (in "
	    "reply to RCPT TO command)",
	  .code = 554,
	  .text = "Host network not allowed - https://community.mimecast."
	    "com/docs/DOC-1369#554 [z7qZw5BPd1zlDYHka4589ru.us222]",
	  .stage = "RCPT" },
	/* corpus */
	{ .name = "corpus 4.4.7 in 5xx",
	  .in = "554 4.4.7 Message expired: unable to deliver in 840 "
	    "minutes.<421 4.4.2 Connection timed out>",
	  .code = 554, .esc = "4.4.7",
	  .text = "Message expired: unable to deliver in 840 minutes.<421 "
	    "4.4.2 Connection timed out>" },
	/* corpus */
	{ .name = "corpus qmail most progress",
	  .in = "Sorry, no SMTP connection got far enough; most progress "
	    "was RCPT TO response; remote host 192.0.2.32 said: Unknown "
	    "user kijitora@example.ne.jp . (#5.5.0)",
	  .esc = "5.5.0",
	  .text = "Unknown user kijitora@example.ne.jp . (#5.5.0)",
	  .host = "192.0.2.32", .stage = "RCPT" },
	/* corpus */
	{ .name = "corpus connected but sender rejected",
	  .in = "Connected to 192.0.2.225 but sender was rejected. Remote "
	    "host said: 550 5.7.1 <root@nijo.example.jp>... Access denied",
	  .code = 550, .esc = "5.7.1",
	  .text = "<root@nijo.example.jp>... Access denied",
	  .host = "192.0.2.225", .stage = "MAIL" },
	/* corpus */
	{ .name = "corpus failed with",
	  .in = "Delivery failed for the following reason: Server "
	    "mx22.example.org[192.0.2.222] failed with: 550 "
	    "<kijitora@example.org> No such user here",
	  .code = 550, .text = "<kijitora@example.org> No such user here",
	  .host = "mx22.example.org", .rcpt = "kijitora@example.org" },
	/* corpus */
	{ .name = "corpus ipv6 remote host",
	  .in = "host gmail-smtp-in.l.google.com[2404:6800:4008:c05::1a] "
	    "said: [2401:2500:102:3032:192.0.2.222 13] Messages with "
	    "multiple addresses in From: header are not accepted. "
	    "v14si1155795plk.134 - gsmtp (in reply to end of DATA command)",
	  .text = "[2401:2500:102:3032:192.0.2.222 13] Messages with "
	    "multiple addresses in From: header are not accepted. "
	    "v14si1155795plk.134 - gsmtp",
	  .host = "gmail-smtp-in.l.google.com", .stage = "DATA" },
	/* corpus */
	{ .name = "corpus transcript in text",
	  .in = "Each of the following recipients was rejected by a remote "
	    "mail server. <<< 550 <this-local-part-does-not-exist@ezweb.ne."
	    "jp>: User unknown",
	  .code = 550,
	  .text = "<this-local-part-does-not-exist@ezweb.ne.jp>: User "
	    "unknown",
	  .rcpt = "this-local-part-does-not-exist@ezweb.ne.jp" },
	/* corpus (japanese ISO-2022-JP bytes, no reply) */
	{ .name = "corpus iso-2022-jp bytes",
	  .in = "\033$B%f!<%6!<\033(BNeko (kijitora@example.co.jp)",
	  .text = "$B%f!<%6!< (BNeko (kijitora@example.co.jp)" },
};

/* Edge cases: hostile, empty, conflicting, numbers in prose. */
static const struct reply_case edge_cases[] = {
	{ .name = "empty", .in = "", .text = "" },
	{ .name = "only white space", .in = " \t\r\n \n\t ", .text = "" },
	{ .name = "nul and controls inside",
	  BIN("550 5.1.1\0<bob@example.com>:\0User\0\001unknown\177\n"),
	  .code = 550, .esc = "5.1.1",
	  .text = "<bob@example.com>: User unknown",
	  .rcpt = "bob@example.com" },
	{ .name = "nul before the code",
	  BIN("\0\0\0" "550 5.7.1 go away"), .code = 550,
	  .esc = "5.7.1", .text = "go away" },
	{ .name = "invalid utf-8 kept",
	  .in = "550 5.7.1 caf\xe9 \xff\xfe ok \xc3\xa9", .code = 550,
	  .esc = "5.7.1", .text = "caf\xe9 \xff\xfe ok \xc3\xa9" },
	/* RFC 3463 class and RFC 5321 first digit disagree: keep both */
	{ .name = "conflict 450 with 5.7.1",
	  .in = "450 5.7.1 Client host rejected: try again", .code = 450,
	  .esc = "5.7.1", .text = "Client host rejected: try again" },
	{ .name = "conflict 550 with 4.4.7",
	  .in = "550 4.4.7 QUEUE.Expired; message expired", .code = 550,
	  .esc = "4.4.7", .text = "QUEUE.Expired; message expired" },
	{ .name = "esc only in parentheses",
	  .in = "Message rejected by content filter (5.7.1)", .esc = "5.7.1",
	  .text = "Message rejected by content filter (5.7.1)" },
	{ .name = "code then esc in parentheses",
	  .in = "550 Message rejected by content filter (5.7.1)",
	  .code = 550, .esc = "5.7.1",
	  .text = "Message rejected by content filter (5.7.1)" },
	{ .name = "no code, prose numbers",
	  .in = "Your mailbox will be deleted in 550 days. Connect to port "
	    "25 before 2024-05-10 12:00:01.",
	  .text = "Your mailbox will be deleted in 550 days. Connect to "
	    "port 25 before 2024-05-10 12:00:01." },
	{ .name = "prose number after code kept",
	  .in = "550 mailbox over quota, retry in 550 minutes", .code = 550,
	  .text = "mailbox over quota, retry in 550 minutes" },
	{ .name = "log line date then reply",
	  .in = "2024-05-10 12:00:01 1abcDE-000123-Xy ** bob@example.com "
	    "R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.7]: SMTP "
	    "error from remote mail server after RCPT TO:<bob@example.com>: "
	    "550 5.1.1 User unknown",
	  .code = 550, .esc = "5.1.1", .text = "User unknown",
	  .stage = "RCPT", .rcpt = "bob@example.com" },
	{ .name = "port 465 and phone not codes",
	  .in = "Connection to port 465 refused, call 555-0100 at 10:30",
	  .text = "Connection to port 465 refused, call 555-0100 at 10:30" },
	{ .name = "second digit 6-9 is not a code",
	  .in = "599 5.7.1 nope\n", .esc = "5.7.1", .text = "599 5.7.1 nope" },
	{ .name = "class 3 esc is not an esc",
	  .in = "550 3.1.1 odd", .code = 550, .text = "3.1.1 odd" },
	{ .name = "four-part number is not an esc",
	  .in = "550 4.16.55.1 odd", .code = 550, .text = "4.16.55.1 odd" },
	{ .name = "esc with 3-digit parts",
	  .in = "550 5.999.999 widest", .code = 550, .esc = "5.999.999",
	  .text = "widest" },
	{ .name = "esc subject too long",
	  .in = "550 5.1000.1 x", .code = 550, .text = "5.1000.1 x" },
	{ .name = "different esc in glued repeat kept",
	  .in = "550-5.7.1 first part 550 5.7.2 second part", .code = 550,
	  .esc = "5.7.1", .text = "first part 550 5.7.2 second part" },
	{ .name = "success before failure",
	  .in = "250 2.1.0 Sender ok\n550 5.1.1 No such user\n", .code = 550,
	  .esc = "5.1.1", .text = "No such user" },
	{ .name = "ipv6 tag",
	  .in = "450 4.7.1 Client host rejected: cannot find your hostname, "
	    "[IPv6:2001:db8::1]", .code = 450, .esc = "4.7.1",
	  .has = "cannot find your hostname", .ip = "2001:db8::1" },
	{ .name = "bare ipv6",
	  .in = "550 5.7.1 [2001:db8::25] blocked", .code = 550,
	  .esc = "5.7.1", .text = "[2001:db8::25] blocked",
	  .ip = "2001:db8::25" },
	{ .name = "loopback and bad ips skipped",
	  .in = "554 5.7.1 [127.0.0.1] [999.1.1.1] [::1] [192.0.2.300] "
	    "[198.51.100.7]", .code = 554, .esc = "5.7.1",
	  .has = "[999.1.1.1]", .ip = "198.51.100.7" },
	{ .name = "remote host ip is not the sender",
	  .in = "host mx.example.com[192.0.2.1] said: 550 5.7.1 rejected "
	    "(in reply to RCPT TO command)", .code = 550, .esc = "5.7.1",
	  .text = "rejected", .host = "mx.example.com", .stage = "RCPT" },
	{ .name = "cut in reply to",
	  .in = "550 5.1.1 Address rejected kijitora@example.co.jp (in reply "
	    "to", .code = 550, .esc = "5.1.1",
	  .text = "Address rejected kijitora@example.co.jp" },
	/* 370 octets: more than RFC 5321 §4.5.3.1 allows in a path. */
	{ .name = "overlong address ignored",
	  .in = "550 5.1.1 <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@example.com>... User unknown", .code = 550, .esc = "5.1.1",
	  .has = "... User unknown" },
	{ .name = "wrapper with nothing after",
	  .in = "Check those settings and try resending. The response was:",
	  .text = "Check those settings and try resending. The response "
	    "was:" },
	{ .name = "bare cr line ends",
	  .in = "550-5.7.1 one\r550-5.7.1 two\r550 5.7.1 three\rnext",
	  .code = 550, .esc = "5.7.1", .text = "one two three" },
	{ .name = "blank line ends the reply",
	  .in = "550 5.1.1 User unknown\n\nThanks,\nThe postmaster\n",
	  .code = 550, .esc = "5.1.1", .text = "User unknown" },
};

/* Compare one string field; print got/want on mismatch. */
static int
check_str(const char *name, const char *field, const char *got,
    const char *want)
{
	if (want == NULL)
		want = "";
	if (strcmp(got, want) == 0)
		return 0;
	print_error("%s: %s\n    got  \"%s\"\n    want \"%s\"\n", name, field,
	    got, want);
	return 1;
}

/* Parse one case and compare every field; returns the mismatches. */
static int
check_case(const struct reply_case *c)
{
	struct bd_smtp_reply r;
	size_t	 len;
	int	 bad = 0;

	len = c->len != 0 ? c->len : strlen(c->in);
	bd_smtp_reply_init(&r);
	if (bd_smtp_reply_parse(c->in, len, &r) != 0) {
		print_error("%s: parse failed\n", c->name);
		return 1;
	}
	check_invariants(&r, c->name);
	if (r.code != c->code) {
		print_error("%s: code\n    got  %d\n    want %d\n", c->name,
		    r.code, c->code);
		bad++;
	}
	bad += check_str(c->name, "esc", r.esc, c->esc);
	if (c->text != NULL || c->has == NULL)
		bad += check_str(c->name, "text", r.text, c->text);
	if (c->has != NULL && strstr(r.text, c->has) == NULL) {
		print_error("%s: text\n    got  \"%s\"\n    want it to hold "
		    "\"%s\"\n", c->name, r.text, c->has);
		bad++;
	}
	bad += check_str(c->name, "ip", r.ip, c->ip);
	bad += check_str(c->name, "remote_host", r.remote_host, c->host);
	bad += check_str(c->name, "stage", r.stage, c->stage);
	bad += check_str(c->name, "recipient", r.recipient, c->rcpt);
	if (r.truncated) {
		print_error("%s: truncated set\n", c->name);
		bad++;
	}
	bd_smtp_reply_reset(&r);
	return bad;
}

/* Run a table; fail once, after every case has had its say. */
static void
run_table(const struct reply_case *tab, size_t n)
{
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < n; i++)
		bad += check_case(&tab[i]);
	assert_int_equal(bad, 0);
}

/* RFC 3463 §2 grammar, as the parser promises it. */
static int
esc_valid(const char *e)
{
	size_t	 n;
	int	 part;

	if (*e == '\0')
		return 1;
	if (e[0] != '2' && e[0] != '4' && e[0] != '5')
		return 0;
	e++;
	for (part = 0; part < 2; part++) {
		if (*e++ != '.')
			return 0;
		n = strspn(e, "0123456789");
		if (n < 1 || n > 3)
			return 0;
		e += n;
	}
	return *e == '\0';
}

/* What holds for every parse, whatever the input. */
static void
check_invariants(const struct bd_smtp_reply *r, const char *name)
{
	unsigned char addr[sizeof(struct in6_addr)];
	size_t	 i;

	assert_non_null(r->text);
	assert_int_equal(strlen(r->text), r->text_len);
	assert_true(r->text_len <= BD_MAX_REPLY_TEXT);
	assert_true(r->code == 0 || (r->code >= 200 && r->code <= 559));
	if (!esc_valid(r->esc))
		fail_msg("%s: bad esc \"%s\"", name, r->esc);
	if (r->ip[0] != '\0' && inet_pton(AF_INET, r->ip, addr) != 1 &&
	    inet_pton(AF_INET6, r->ip, addr) != 1)
		fail_msg("%s: bad ip \"%s\"", name, r->ip);
	for (i = 0; i < r->text_len; i++) {
		if ((unsigned char)r->text[i] < ' ' || r->text[i] == 0x7f)
			fail_msg("%s: control byte in text", name);
		if (r->text[i] == ' ' && (i == 0 || i + 1 == r->text_len ||
		    r->text[i + 1] == ' '))
			fail_msg("%s: stray space in text", name);
	}
	assert_true(memchr(r->stage, '\0', sizeof(r->stage)) != NULL);
	assert_true(memchr(r->recipient, '\0', sizeof(r->recipient)) != NULL);
}

/* Small deterministic generator (xorshift32) for the hostile inputs. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
test_seed(void **state)
{
	(void)state;
	run_table(seed_cases, NELEM(seed_cases));
}

static void
test_providers(void **state)
{
	(void)state;
	run_table(provider_cases, NELEM(provider_cases));
}

static void
test_wrappers(void **state)
{
	(void)state;
	run_table(wrapper_cases, NELEM(wrapper_cases));
}

static void
test_corpus(void **state)
{
	(void)state;
	run_table(corpus_cases, NELEM(corpus_cases));
}

static void
test_edges(void **state)
{
	(void)state;
	run_table(edge_cases, NELEM(edge_cases));
}

/* NULL with no length is an empty paste, not a crash. */
static void
test_null_input(void **state)
{
	struct bd_smtp_reply r;

	(void)state;
	bd_smtp_reply_init(&r);
	assert_int_equal(bd_smtp_reply_parse(NULL, 0, &r), 0);
	assert_string_equal(r.text, "");
	assert_int_equal(r.code, 0);
	bd_smtp_reply_reset(&r);
	assert_null(r.text);
	bd_smtp_reply_reset(&r);	/* twice is fine */
}

/* A struct reused for a second parse keeps nothing of the first. */
static void
test_reuse(void **state)
{
	static const char a[] = "host mx.example.com[192.0.2.1] said: 550 "
	    "5.1.1 <bob@example.com>: [203.0.113.5] (in reply to RCPT TO "
	    "command)";
	static const char b[] = "no reply here";
	struct bd_smtp_reply r;

	(void)state;
	bd_smtp_reply_init(&r);
	assert_int_equal(bd_smtp_reply_parse(a, sizeof(a) - 1, &r), 0);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.ip, "203.0.113.5");
	assert_string_equal(r.recipient, "bob@example.com");
	assert_int_equal(bd_smtp_reply_parse(b, sizeof(b) - 1, &r), 0);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.esc, "");
	assert_string_equal(r.ip, "");
	assert_string_equal(r.remote_host, "");
	assert_string_equal(r.stage, "");
	assert_string_equal(r.recipient, "");
	assert_string_equal(r.text, "no reply here");
	bd_smtp_reply_reset(&r);
}

/* 200 KB of reply text: cut at BD_MAX_REPLY_TEXT, flagged. */
static void
test_truncate_text(void **state)
{
	static const char head[] = "550 5.7.1 ";
	struct bd_smtp_reply r;
	size_t	 len = 200 * 1024, i;
	char	*in;

	(void)state;
	in = malloc(len);
	assert_non_null(in);
	memcpy(in, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < len; i++)
		in[i] = "word "[i % 5];
	bd_smtp_reply_init(&r);
	assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
	check_invariants(&r, "200 KB");
	assert_int_equal(r.code, 550);
	assert_string_equal(r.esc, "5.7.1");
	assert_int_equal(r.truncated, 1);
	assert_true(r.text_len > BD_MAX_REPLY_TEXT - 8);
	assert_true(strncmp(r.text, "word word", 9) == 0);
	bd_smtp_reply_reset(&r);
	free(in);
}

/* The cut never leaves half a UTF-8 sequence at the end. */
static void
test_truncate_utf8(void **state)
{
	static const char head[] = "550 5.7.1 a";
	struct bd_smtp_reply r;
	size_t	 len, i;
	char	*in;

	(void)state;
	len = sizeof(head) - 1 + 2 * BD_MAX_REPLY_TEXT;
	in = malloc(len);
	assert_non_null(in);
	memcpy(in, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i + 1 < len; i += 2) {
		in[i] = '\xc3';		/* U+00E9 */
		in[i + 1] = '\xa9';
	}
	bd_smtp_reply_init(&r);
	assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
	assert_int_equal(r.truncated, 1);
	assert_int_equal(r.text_len, BD_MAX_REPLY_TEXT - 1);
	assert_int_equal((unsigned char)r.text[r.text_len - 1], 0xa9);
	bd_smtp_reply_reset(&r);
	free(in);
}

/* 5000 continuation lines: at most BD_MAX_REPLY_LINES are joined. */
static void
test_many_lines(void **state)
{
	struct bd_smtp_reply r;
	size_t	 cap = 5000 * 24, len = 0;
	char	*in, last[32], next[32];
	int	 i;

	(void)state;
	in = malloc(cap);
	assert_non_null(in);
	for (i = 0; i < 5000; i++)
		len += (size_t)snprintf(in + len, cap - len,
		    "550%c5.7.1 l%d\r\n", i == 4999 ? ' ' : '-', i);
	bd_smtp_reply_init(&r);
	assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
	check_invariants(&r, "5000 lines");
	assert_int_equal(r.code, 550);
	assert_string_equal(r.esc, "5.7.1");
	assert_int_equal(r.truncated, 1);
	assert_true(strncmp(r.text, "l0 l1 l2 ", 9) == 0);
	(void)snprintf(last, sizeof(last), " l%d", BD_MAX_REPLY_LINES - 1);
	(void)snprintf(next, sizeof(next), " l%d", BD_MAX_REPLY_LINES);
	assert_true(r.text_len > strlen(last));
	assert_string_equal(r.text + r.text_len - strlen(last), last);
	assert_null(strstr(r.text, next));
	bd_smtp_reply_reset(&r);

	/* The same reply glued onto one line has no line limit. */
	for (len = 0, i = 0; i < 5000; i++)
		len += (size_t)snprintf(in + len, cap - len, "550%c5.7.1 x ",
		    i == 4999 ? ' ' : '-');
	assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
	assert_int_equal(r.truncated, 0);
	assert_int_equal(r.text_len, 2 * 5000 - 1);
	bd_smtp_reply_reset(&r);
	free(in);
}

/*
 * Hostile input: random bytes drawn from the characters the parser
 * looks at, and long repeats of each phrase it looks for.  Run under
 * ASan/UBSan this is the check; each must also finish quickly (a
 * quadratic scan over these would take minutes).
 */
static void
test_hostile(void **state)
{
	static const char alpha[] = "0123455555.-:;[]<>@#'\"( )\n\r\t\0"
	    "hostsaid:SMTP error from remote mail server after RCPT TO:"
	    "<<< >>> in reply to IPv6:2001:db8::1 \xc3\xa9\xff";
	static const char *const rep[] = {
		"host a.b ", "<<<",
		("SMTP error from remote mail server after "), "550-", "550 5.7.1 ", "[1.2.3.4", "<a@b",
		"said: ", "(in reply to ", "5.1.1 ", "\n\n550-5.1.1 x",
		"((((((((2", "host a.b [1.2.3.4]: ", "RCPT TO:<",
	};
	struct bd_smtp_reply r;
	uint32_t seed = 20240510;
	size_t	 len, i, k, n;
	char	*in;

	(void)state;
	in = malloc(1024 * 1024);
	assert_non_null(in);
	bd_smtp_reply_init(&r);
	for (i = 0; i < 3000; i++) {
		len = rnd(&seed) % 600;
		for (k = 0; k < len; k++)
			in[k] = alpha[rnd(&seed) % (sizeof(alpha) - 1)];
		assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
		check_invariants(&r, "random");
	}
	for (i = 0; i < NELEM(rep); i++) {
		n = strlen(rep[i]);
		for (len = 0; len + n <= 1024 * 1024; len += n)
			memcpy(in + len, rep[i], n);
		assert_int_equal(bd_smtp_reply_parse(in, len, &r), 0);
		check_invariants(&r, rep[i]);
	}
	bd_smtp_reply_reset(&r);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_providers),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_null_input),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_truncate_text),
		cmocka_unit_test(test_truncate_utf8),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
