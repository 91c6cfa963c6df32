/*
 * genlog.c - write a realistic Postfix maillog for `make bench`.
 *
 * usage: genlog MEGABYTES TEXTS-FILE > maillog
 *
 * Each message gets the lines a real Postfix 3.x relay writes for it
 * (smtpd connect/client, cleanup message-id, qmgr from=, one smtp to=
 * line per recipient, qmgr removed, smtpd disconnect), formatted as in
 * Postfix's own logs (see the examples in Postfix's
 * README_FILES/DEBUG_README and postlogd(8)).  About 2% of all lines are
 * status=bounced lines whose reply text is a line of TEXTS-FILE (the
 * corpus's real Diagnostic-Code texts) wrapped the way Postfix's smtp(8)
 * wraps a remote reply: "host H[IP] said: TEXT (in reply to RCPT TO
 * command)"; a few more are status=deferred and status=expired lines.
 * Each text keeps the same receiving host (as real provider texts come
 * from that provider's MX), with the IP varying.
 *
 * Deterministic (fixed seed): the same arguments give the same bytes.
 * On stderr it prints the counts of lines of each kind.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXTS	4096
#define MAX_TEXT	2048
#define OUTBUF		(1u << 20)

static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;
static char	*texts[MAX_TEXTS];
static size_t	 ntexts;
static char	 out[OUTBUF + 8192];
static size_t	 outlen;
static unsigned long long total;

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const domains[] = { "gmail.com", "outlook.com",
    "yahoo.com", "example.net", "example.org", "mail.example.jp",
    "web.de", "icloud.com", "gmx.net", "aol.com", "example.co.uk",
    "orange.fr", "comcast.net", "qq.com", "yandex.ru", "example.edu" };
#define NDOMAINS (sizeof(domains) / sizeof(domains[0]))
static const char *const mx[] = { "gmail-smtp-in.l.google.com",
    "alt1.gmail-smtp-in.l.google.com",
    "example-com.mail.protection.outlook.com",
    "mta5.am0.yahoodns.net", "mx.example.net", "mx1.example.org",
    "mx.mail.example.jp", "mx-ha03.web.de", "mx01.mail.icloud.com",
    "mx00.gmx.net", "mx-aol.mail.gm0.yahoodns.net", "mx.example.co.uk",
    "smtp-in.orange.fr", "mx2.comcast.net", "mx3.qq.com",
    "mx.yandex.ru", "mx.example.edu" };
#define NMX (sizeof(mx) / sizeof(mx[0]))
static const char *const names[] = { "alice", "bob", "carol", "dave",
    "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
    "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* xorshift64*: fast, deterministic. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)((rnd() >> 33) % n);
}

static void
flush_out(void)
{
	if (outlen > 0 && fwrite(out, 1, outlen, stdout) != outlen) {
		perror("genlog: write");
		exit(1);
	}
	total += outlen;
	outlen = 0;
}

static void	 emit(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out + outlen, sizeof(out) - outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(out) - outlen) {
		fputs("genlog: line too long\n", stderr);
		exit(1);
	}
	outlen += (size_t)n;
	if (outlen >= OUTBUF)
		flush_out();
}

static void
load_texts(const char *path)
{
	FILE	*f;
	char	 line[MAX_TEXT], *nl;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	while (ntexts < MAX_TEXTS && fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		else if (!feof(f)) {
			int	 c;

			while ((c = getc(f)) != EOF && c != '\n')
				;	/* too long for a bench line: cut */
		}
		if (line[0] == '\0')
			continue;
		if ((texts[ntexts] = strdup(line)) == NULL)
			exit(1);
		ntexts++;
	}
	fclose(f);
	if (ntexts == 0) {
		fprintf(stderr, "genlog: %s: no texts\n", path);
		exit(1);
	}
}

/* The FNV-1a hash of s: ties a text to its host. */
static unsigned
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The enhanced code after the reply code, as Postfix logs it in dsn=;
 * 5.0.0 when the text has none. */
static void
dsn(const char *text, char *esc, size_t size)
{
	size_t	 n;

	(void)snprintf(esc, size, "5.0.0");
	if (strlen(text) < 9 || text[0] != '5' || (text[3] != ' ' &&
	    text[3] != '-') || text[4] != '5' || text[5] != '.')
		return;
	n = strspn(text + 4, "0123456789.");
	if (n >= 5 && n < size)
		(void)snprintf(esc, size, "%.*s", (int)n, text + 4);
}

int
main(int argc, char **argv)
{
	unsigned long long limit, lines = 0, bounced = 0, deferred = 0,
	    expired = 0, sent = 0;
	unsigned long t = 0, qid = 0x1A2B3C4D5ULL & 0xfffffffff, pid = 2000;
	char	 ts[32], q[16], esc[16];
	const char *text, *host;
	unsigned r, ti, ip3;

	if (argc != 3) {
		fputs("usage: genlog MEGABYTES TEXTS-FILE\n", stderr);
		return 2;
	}
	limit = strtoull(argv[1], NULL, 10) * 1024 * 1024;
	load_texts(argv[2]);
	while (total + outlen < limit) {
		t += 1 + pick(3);
		(void)snprintf(ts, sizeof(ts), "%s %2lu %02lu:%02lu:%02lu",
		    months[(t / 86400 / 31) % 12], 1 + (t / 86400) % 28,
		    (t / 3600) % 24, (t / 60) % 60, t % 60);
		qid += 1 + pick(977);
		(void)snprintf(q, sizeof(q), "%09lX", qid & 0xfffffffffUL);
		pid = 2000 + pick(30000);
		ip3 = pick(254) + 1;
		emit("%s mx1 postfix/smtpd[%lu]: connect from "
		    "client%u.example.com[192.0.2.%u]\n", ts, pid, ip3, ip3);
		emit("%s mx1 postfix/smtpd[%lu]: %s: client=client%u."
		    "example.com[192.0.2.%u], sasl_method=PLAIN, "
		    "sasl_username=%s\n", ts, pid, q, ip3, ip3,
		    names[pick(NNAMES)]);
		emit("%s mx1 postfix/cleanup[%lu]: %s: message-id=<%lu.%s@"
		    "example.com>\n", ts, pid + 1, q, t, q);
		emit("%s mx1 postfix/qmgr[1234]: %s: from=<news@example.com>, "
		    "size=%u, nrcpt=1 (queue active)\n", ts, q,
		    1000 + pick(90000));
		lines += 4;
		r = pick(1000);
		if (r < 142) {
			/* status=bounced with a corpus reply text */
			ti = pick((unsigned)ntexts);
			text = texts[ti];
			host = mx[hash(text) % NMX];
			dsn(text, esc, sizeof(esc));
			emit("%s mx1 postfix/smtp[%lu]: %s: to=<%s@%s>, "
			    "relay=%s[198.51.100.%u]:25, delay=%u.%u, "
			    "delays=0.1/0/0.%u/0.2, dsn=%s, status=bounced "
			    "(host %s[198.51.100.%u] said: %s%s (in reply to "
			    "RCPT TO command))\n", ts, pid + 2, q,
			    names[pick(NNAMES)], domains[pick(NDOMAINS)],
			    host, ip3, pick(9), pick(10), pick(10), esc, host, ip3,
			    text[0] >= '2' && text[0] <= '5' ? "" : "550 ",
			    text);
			emit("%s mx1 postfix/bounce[%lu]: %s: sender "
			    "non-delivery notification: %09lX\n", ts,
			    pid + 3, q, (qid + 1) & 0xfffffffffUL);
			bounced++;
			lines += 2;
		} else if (r < 152) {
			emit("%s mx1 postfix/smtp[%lu]: %s: to=<%s@%s>, "
			    "relay=none, delay=%u, delays=%u/0/30/0, dsn=4.4.1, "
			    "status=deferred (connect to mx.%s[203.0.113.%u]:25: "
			    "Connection timed out)\n", ts, pid + 2, q,
			    names[pick(NNAMES)], domains[pick(NDOMAINS)],
			    30 + pick(9000), pick(9000), domains[pick(NDOMAINS)],
			    ip3);
			deferred++;
			lines++;
		} else if (r < 154) {
			emit("%s mx1 postfix/qmgr[1234]: %s: from=<news@"
			    "example.com>, status=expired, returned to sender\n",
			    ts, q);
			expired++;
			lines++;
		} else {
			host = mx[pick(NMX)];
			emit("%s mx1 postfix/smtp[%lu]: %s: to=<%s@%s>, "
			    "relay=%s[198.51.100.%u]:25, delay=0.%u, "
			    "delays=0.1/0/0.%u/0.2, dsn=2.0.0, status=sent "
			    "(250 2.0.0 OK  %lu %s.%u - gsmtp)\n", ts, pid + 2,
			    q, names[pick(NNAMES)], domains[pick(NDOMAINS)],
			    host, ip3, pick(10), pick(10), 1700000000 + t, q,
			    pick(1000));
			sent++;
			lines++;
		}
		emit("%s mx1 postfix/qmgr[1234]: %s: removed\n", ts, q);
		emit("%s mx1 postfix/smtpd[%lu]: disconnect from client%u."
		    "example.com[192.0.2.%u] ehlo=1 mail=1 rcpt=1 data=1 "
		    "quit=1 commands=5\n", ts, pid, ip3, ip3);
		lines += 2;
	}
	flush_out();
	fprintf(stderr, "genlog: %llu bytes, %llu lines: %llu sent, "
	    "%llu bounced (%.2f%%), %llu deferred, %llu expired\n", total,
	    lines, sent, bounced, 100.0 * (double)bounced / (double)lines,
	    deferred, expired);
	return 0;
}
