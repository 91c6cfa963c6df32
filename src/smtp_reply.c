/*
 * smtp_reply.c - find the SMTP reply in pasted text and split it into
 * reply code, enhanced status code and text.
 *
 * The input is whatever a user pasted or a bounce carried: any bytes, not
 * NUL-terminated, often wrapped by the MTA that gave up (Postfix "host
 * X[ip] said: ... (in reply to RCPT TO command)", Exim "SMTP error from
 * remote mail server after RCPT TO:<a>: host X [ip]: ...", sendmail "<<<",
 * qmail "Remote host said:", Exchange "Remote Server returned '...'", a
 * DSN "Diagnostic-Code: smtp; ..."), with a multi-line reply either on
 * its own lines or glued onto one ("550-5.7.1 a 550-5.7.1 b 550 5.7.1 c").
 *
 * Contract (see smtp_reply.h):
 *  - code is the RFC 5321 §4.2 reply code (2yz-5yz, y 0-5) of the reply
 *    found, 0 when there is none.  A failure (4yz/5yz) is preferred over
 *    an earlier success or greeting ("220-... 421 4.2.1 ...").
 *  - esc is the RFC 3463 §2 code (class 2/4/5, then 1-3 and 1-3 digits)
 *    right after the reply code or, failing that, one marked as such
 *    ("#5.1.1", "(5.7.1)").  A class that disagrees with the reply code
 *    (450 5.7.1) is kept as given: which of the two is right is a
 *    judgement for the classifier, not for the parser.
 *  - text is the reply text after the codes: repeated prefixes of the
 *    same reply dropped (only the same code, and the same esc if there is
 *    one, so numbers in prose survive), white space, NUL and other
 *    control bytes collapsed to single spaces, MTA wrappers and Postfix's
 *    "(in reply to ... command)" removed.  Otherwise the bytes are kept as
 *    they are: no decoding, no case change (rendering sanitises).  With no
 *    reply code, text is what follows a recognised wrapper, else the
 *    whole input cleaned the same way.
 *  - ip is the first bracketed IPv4/IPv6 literal (RFC 5321 §4.1.3) that
 *    is not the remote host's own "host X[ip]"; remote_host, stage and
 *    recipient are taken only from the forms MTAs print for them.
 *
 * Limits: text stops at BD_MAX_REPLY_TEXT bytes (cut on a UTF-8 boundary)
 * and at BD_MAX_REPLY_LINES joined lines; either sets truncated.  Every
 * scan is linear in the input or bounded by a constant; nothing recurses.
 * No globals, no output, no exit: the only failure is running out of
 * memory.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"

#define NPOS		((size_t)-1)

/* Bytes of white space and openers skipped to decide "line start". */
#define MAX_INDENT	64
/* Wrapper, host and recipient candidates tried; real input has a few,
 * the bound keeps a hostile paste linear. */
#define MAX_TRIES	256
/* An Exim wrapper's "after RCPT TO:<a> SIZE=n:" fits in this. */
#define MAX_EXIM_TAIL	1024
/* RFC 5321 §4.5.3.1.3: a path is at most 256 octets; take a little
 * more since pastes add quoting. */
#define MAX_ADDR	320
/* Phrases in one table (scan() chains them in bytes). */
#define MAX_PHRASES	64

enum stage {
	ST_NONE, ST_CONNECT, ST_HELO, ST_MAIL, ST_RCPT, ST_DATA
};

/* A phrase to look for: lower case, ' ' matches a run of white space. */
struct phrase {
	const char	*pat;
	int		 tag;
	int		 flags;
};
#define PH_BOUND	0x01	/* must start a token */
#define PH_LAST		0x02	/* transcript line: the last one counts */

/* Where the reply starts and what its first line says. */
struct anchor {
	int	 found;
	size_t	 pos;		/* first byte of the code (or of the esc) */
	size_t	 text;		/* first byte after the codes */
	int	 code;		/* 0 for an esc-only anchor */
	char	 sep;		/* ' ', '-', ':' or '\0' (end of input) */
	char	 open;		/* quote, bracket or '#' just before it */
	int	 transcript;	/* sendmail "<<< " line */
	char	 esc[BD_ESC_SIZE];
};

enum wrap {
	W_PLAIN, W_DIAG, W_EXIM, W_TRANSCRIPT
};

/*
 * Text that introduces the remote server's reply, per MTA.  Postfix
 * bounce(8) and smtp(8) "said:" and "refused to talk to me:", Exim's
 * "SMTP error from remote mail server after ...", sendmail's "<<<"
 * transcript, Gmail's and Exchange's NDR wording, RFC 3464 §2.3.6
 * Diagnostic-Code with its diagnostic-type.
 */
static const struct phrase wrappers[] = {
	{ "said:",				W_PLAIN,	0 },
	{ "diagnostic-code:",			W_DIAG,		PH_BOUND },
	{ "smtp;",				W_PLAIN,	PH_BOUND },
	{ "x-postfix;",				W_PLAIN,	PH_BOUND },
	{ "x-unix;",				W_PLAIN,	PH_BOUND },
	{ "remote server returned",		W_PLAIN,	0 },
	{ "the response from the remote server was:", W_PLAIN,	0 },
	{ "the response was:",			W_PLAIN,	0 },
	{ "refused to talk to me:",		W_PLAIN,	0 },
	{ "smtp error from remote mail server after", W_EXIM,	0 },
	{ "smtp error from remote mailer after", W_EXIM,	0 },
	{ "smtp error from remote server after", W_EXIM,	0 },
	{ "<<<",				W_TRANSCRIPT,	PH_BOUND },
	{ "reported error:",			W_PLAIN,	0 },
	{ "failed with:",			W_PLAIN,	0 },
	{ "responded with failure:",		W_PLAIN,	0 },
	{ "responded as follows:",		W_PLAIN,	0 },
};

/*
 * The SMTP command the reply answered.  Postfix "(in reply to X
 * command)" and "while sending X"/"while performing the EHLO handshake",
 * Exim "after X", qmail's "does not like recipient." family, sendmail
 * transcripts (">>> X", where the command before the reply counts).
 */
static const struct phrase stages[] = {
	{ "in reply to rcpt to",		ST_RCPT,	0 },
	{ "in reply to mail from",		ST_MAIL,	0 },
	{ "in reply to end of data",		ST_DATA,	0 },
	{ "in reply to data",			ST_DATA,	0 },
	{ "in reply to bdat",			ST_DATA,	0 },
	{ "in reply to ehlo",			ST_HELO,	0 },
	{ "in reply to helo",			ST_HELO,	0 },
	{ "in reply to lhlo",			ST_HELO,	0 },
	{ "after rcpt to",			ST_RCPT,	0 },
	{ "after pipelined rcpt to",		ST_RCPT,	0 },
	{ "after mail from",			ST_MAIL,	0 },
	{ "after pipelined mail from",		ST_MAIL,	0 },
	{ "after end of data",			ST_DATA,	0 },
	{ "after data",				ST_DATA,	0 },
	{ "after pipelined data",		ST_DATA,	0 },
	{ "after initial connection",		ST_CONNECT,	0 },
	{ "after ehlo",				ST_HELO,	0 },
	{ "after helo",				ST_HELO,	0 },
	{ "refused to talk to me",		ST_CONNECT,	0 },
	{ "while receiving the initial server greeting", ST_CONNECT, 0 },
	{ "while performing the ehlo handshake", ST_HELO,	0 },
	{ "while performing the helo handshake", ST_HELO,	0 },
	{ "while performing the lhlo handshake", ST_HELO,	0 },
	{ "while sending mail from",		ST_MAIL,	0 },
	{ "while sending rcpt to",		ST_RCPT,	0 },
	{ "while sending end of data",		ST_DATA,	0 },
	{ "while sending data command",		ST_DATA,	0 },
	{ "while sending message body",		ST_DATA,	0 },
	{ "does not like recipient",		ST_RCPT,	0 },
	{ "failed after i sent the message",	ST_DATA,	0 },
	{ "but sender was rejected",		ST_MAIL,	0 },
	{ "but my name was rejected",		ST_HELO,	0 },
	{ "but greeting failed",		ST_CONNECT,	0 },
	{ "most progress was rcpt to response",	ST_RCPT,	0 },
	{ "error following rcpt command",	ST_RCPT,	0 },
	{ "[rcpt_to]",				ST_RCPT,	0 },
	{ "[mail_from]",			ST_MAIL,	0 },
	{ ">>> rcpt to",			ST_RCPT,	PH_LAST },
	{ ">>> mail from",			ST_MAIL,	PH_LAST },
	{ ">>> data",				ST_DATA,	PH_LAST },
	{ ">>> .",				ST_DATA,	PH_LAST },
	{ ">>> ehlo",				ST_HELO,	PH_LAST },
	{ ">>> helo",				ST_HELO,	PH_LAST },
};

static const char *const stage_names[] = {
	"", "CONNECT", "HELO", "MAIL", "RCPT", "DATA"
};

enum rhost {
	RH_HOST, RH_BRACKET, RH_COLON, RH_DSN, RH_BLANK, RH_BEFORE
};

/* How MTAs name the server they talked to. */
static const struct phrase rhosts[] = {
	{ "host ",				RH_HOST,	PH_BOUND },
	{ "connect to ",			RH_BRACKET,	PH_BOUND },
	{ "lost connection with ",		RH_BRACKET,	PH_BOUND },
	{ "conversation with ",			RH_BRACKET,	PH_BOUND },
	{ "server ",				RH_BRACKET,	PH_BOUND },
	{ "while talking to ",			RH_COLON,	0 },
	{ "remote-mta:",			RH_DSN,		PH_BOUND },
	{ "remote server at ",			RH_BLANK,	0 },
	{ "connected to ",			RH_BLANK,	PH_BOUND },
	{ "does not like recipient",		RH_BEFORE,	0 },
	{ "failed after i sent the message",	RH_BEFORE,	0 },
};

enum rcpt {
	RC_ANGLE, RC_TYPED, RC_BARE
};

/* Where the recipient is named, best first. */
static const struct phrase rcpts[] = {
	{ "rcpt to:",				RC_ANGLE,	PH_BOUND },
	{ "rcpt:",				RC_ANGLE,	PH_BOUND },
	{ "final-recipient:",			RC_TYPED,	PH_BOUND },
	{ "original-recipient:",		RC_TYPED,	PH_BOUND },
	{ "##rfc822;",				RC_BARE,	0 },
	{ "wasn't delivered to",		RC_BARE,	0 },
	{ "recipient",				RC_ANGLE,	PH_BOUND },
};

/* RFC 3464 §2.2-2.3 fields: a line starting with one ends the reply. */
static const char *const dsn_fields[] = {
	"final-recipient:", "original-recipient:", "action:", "status:",
	"remote-mta:", "reporting-mta:", "diagnostic-code:",
	"last-attempt-date:", "will-retry-until:", "arrival-date:",
	"received-from-mta:", "x-postfix-sender:", "x-postfix-queue-id:",
	"x-actual-recipient:", "original-envelope-id:", "content-type:",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

_Static_assert(NELEM(wrappers) <= MAX_PHRASES, "wrappers too long");
_Static_assert(NELEM(stages) <= MAX_PHRASES, "stages too long");
_Static_assert(NELEM(rhosts) <= MAX_PHRASES, "rhosts too long");
_Static_assert(NELEM(rcpts) <= MAX_PHRASES, "rcpts too long");

static int	 is_blank(unsigned char);
static int	 is_hblank(unsigned char);
static int	 is_eol(unsigned char);
static int	 is_digit(unsigned char);
static int	 is_alnum(unsigned char);
static int	 is_opener(unsigned char);
static int	 is_host_char(unsigned char);
static int	 lower(unsigned char);
static size_t	 match_at(const char *, size_t, size_t, const char *);
static size_t	 scan(const char *, size_t, size_t, const struct phrase *,
		    size_t, size_t *, size_t *);
static int	 code_boundary(unsigned char);
static int	 esc_boundary(unsigned char);
static int	 parse_code(const char *, size_t, size_t, int, int *, char *);
static size_t	 parse_esc(const char *, size_t, size_t, char *);
static int	 at_line_start(const char *, size_t);
static int	 after_transcript(const char *, size_t);
static void	 anchor_code(const char *, size_t, size_t, int, char,
		    struct anchor *);
static void	 anchor_esc(const char *, size_t, size_t, size_t,
		    struct anchor *);
static int	 weak_ok(const char *, size_t, size_t, char);
static int	 find_code(const char *, size_t, int, struct anchor *);
static int	 find_esc_line(const char *, size_t, struct anchor *);
static int	 find_esc(const char *, size_t, size_t, int, char *);
static size_t	 exim_end(const char *, size_t, size_t);
static size_t	 wrapper_end(const char *, size_t, size_t, int);
static void	 find_anchor(const char *, size_t, struct anchor *,
		    size_t *);
static size_t	 line_end(const char *, size_t, size_t);
static size_t	 next_line(const char *, size_t, size_t);
static int	 line_blank(const char *, size_t, size_t);
static int	 line_code(const char *, size_t, size_t, int, int *, char *,
		    int *);
static int	 line_is_header(const char *, size_t, size_t);
static size_t	 reply_end(const char *, size_t, const struct anchor *,
		    size_t, int *);
static int	 is_repeat(const char *, size_t, size_t,
		    const struct anchor *, int, int, size_t *, int *);
static size_t	 utf8_cut(const char *, size_t);
static size_t	 text_tail(char *, size_t, char, int);
static int	 build_text(const char *, size_t, size_t,
		    const struct anchor *, struct bd_smtp_reply *);
static int	 ip_literal(const char *, size_t, size_t, char *);
static int	 bracket_is_remote(const char *, size_t, size_t);
static void	 find_ip(const char *, size_t, struct bd_smtp_reply *);
static size_t	 host_token(const char *, size_t, size_t, char *, size_t);
static void	 find_remote_host(const char *, size_t,
		    struct bd_smtp_reply *);
static void	 find_stage(const char *, size_t, size_t,
		    struct bd_smtp_reply *);
static int	 addr_copy(const char *, size_t, size_t, char *);
static int	 addr_angle(const char *, size_t, size_t, char *);
static int	 addr_bare(const char *, size_t, size_t, char *);
static int	 near_sender(const char *, size_t, size_t, size_t);
static void	 find_recipient(const char *, size_t, size_t, size_t,
		    struct bd_smtp_reply *);

/* White space for our purposes: NUL, every C0 control, SP and DEL. */
static int
is_blank(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/* White space that does not end a line. */
static int
is_hblank(unsigned char c)
{
	return is_blank(c) && c != '\n' && c != '\r';
}

/* A line ends at LF, CRLF or a bare CR (old Mac mail). */
static int
is_eol(unsigned char c)
{
	return c == '\n' || c == '\r';
}

/* ASCII digit, whatever the locale. */
static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letter or digit, whatever the locale. */
static int
is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* What people and MTAs put right before a quoted reply. */
static int
is_opener(unsigned char c)
{
	return c == '\'' || c == '"' || c == '(' || c == '[' || c == '<' ||
	    c == '#';
}

/* RFC 1035 label characters, plus '_' seen in real names. */
static int
is_host_char(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* ASCII lower case, whatever the locale. */
static int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* End of pat matched at in[i], or NPOS.  ' ' in pat takes 1+ blanks. */
static size_t
match_at(const char *in, size_t len, size_t i, const char *pat)
{
	const unsigned char *s = (const unsigned char *)in;
	const unsigned char *p = (const unsigned char *)pat;

	for (; *p != '\0'; p++) {
		if (*p == ' ') {
			if (i >= len || !is_blank(s[i]))
				return NPOS;
			while (i < len && is_blank(s[i]))
				i++;
			continue;
		}
		if (i >= len || lower(s[i]) != *p)
			return NPOS;
		i++;
	}
	/* "after data" must not match "after database". */
	if (is_alnum(p[-1]) && i < len && is_alnum(s[i]))
		return NPOS;
	return i;
}

/* First match of any phrase at or after from: its start, or NPOS. */
static size_t
scan(const char *in, size_t len, size_t from, const struct phrase *tab,
    size_t ntab, size_t *which, size_t *end)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char	 head[256], link[MAX_PHRASES];
	size_t		 i, k, e;

	/* Chain the phrases by first byte: one look-up per input byte. */
	memset(head, 0xff, sizeof(head));
	for (k = ntab; k-- > 0;) {
		link[k] = head[(unsigned char)tab[k].pat[0]];
		head[(unsigned char)tab[k].pat[0]] = (unsigned char)k;
	}
	for (i = from; i < len; i++) {
		for (k = head[lower(s[i])]; k != 0xff; k = link[k]) {
			if ((tab[k].flags & PH_BOUND) && i > 0 &&
			    !is_blank(s[i - 1]) && !is_opener(s[i - 1]) &&
			    s[i - 1] != ':' && s[i - 1] != ';')
				continue;
			if ((e = match_at(in, len, i, tab[k].pat)) != NPOS) {
				*which = k;
				*end = e;
				return i;
			}
		}
	}
	return NPOS;
}

/* May a reply code start right after c? */
static int
code_boundary(unsigned char c)
{
	return is_blank(c) || is_opener(c) || c == ':' || c == ';' ||
	    c == '=' || c == '>';
}

/* May an enhanced status code start right after c? */
static int
esc_boundary(unsigned char c)
{
	return is_blank(c) || is_opener(c) || c == ':' || c == ';' ||
	    c == '=' || c == ',';
}

/*
 * A reply code at in[i]: RFC 5321 §4.2 "2yz".."5yz" with y in 0-5,
 * followed by SP, "-" (a continuation line), the end, or ":" where
 * colon_ok (gateways print "550: 5.1.1 ..." at the start of a line).
 */
static int
parse_code(const char *in, size_t len, size_t i, int colon_ok, int *code,
    char *sep)
{
	const unsigned char *s = (const unsigned char *)in;

	if (len < 3 || i > len - 3)
		return 0;
	if (s[i] < '2' || s[i] > '5' || s[i + 1] < '0' || s[i + 1] > '5' ||
	    !is_digit(s[i + 2]))
		return 0;
	if (i + 3 == len)
		*sep = '\0';
	else if (is_blank(s[i + 3]))
		*sep = ' ';
	else if (s[i + 3] == '-')
		*sep = '-';
	else if (colon_ok && s[i + 3] == ':' &&
	    (i + 4 == len || is_blank(s[i + 4])))
		*sep = ':';
	else
		return 0;
	*code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	return 1;
}

/*
 * An enhanced status code at in[i] (RFC 3463 §2: class "." 1*3digit "."
 * 1*3digit, class 2, 4 or 5); copies it to esc, returns its end or 0.
 */
static size_t
parse_esc(const char *in, size_t len, size_t i, char *esc)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, n;
	int	 part;

	if (i >= len || (s[i] != '2' && s[i] != '4' && s[i] != '5'))
		return 0;
	j = i + 1;
	for (part = 0; part < 2; part++) {
		if (j >= len || s[j] != '.')
			return 0;
		for (j++, n = 0; j < len && is_digit(s[j]) && n < 4; j++)
			n++;
		if (n == 0 || n > 3)
			return 0;
	}
	/* "4.16.55.1" and "2.0.1a" are something else. */
	if (j < len && (is_alnum(s[j]) ||
	    (s[j] == '.' && j + 1 < len && is_digit(s[j + 1]))))
		return 0;
	memcpy(esc, in + i, j - i);
	esc[j - i] = '\0';
	return j;
}

/* Is in[i] the first thing on its line, bar indent and openers? */
static int
at_line_start(const char *in, size_t i)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 n;

	for (n = 0; i > 0 && n < MAX_INDENT; i--, n++)
		if (!is_hblank(s[i - 1]) && !is_opener(s[i - 1]))
			break;
	return i == 0 || is_eol(s[i - 1]);
}

/* Does a sendmail transcript marker "<<<" come right before in[i]? */
static int
after_transcript(const char *in, size_t i)
{
	size_t	 n;

	for (n = 0; i > 0 && n < 8 && is_hblank((unsigned char)in[i - 1]);
	    n++)
		i--;
	return i >= 3 && memcmp(in + i - 3, "<<<", 3) == 0;
}

/* Fill *a for the code at in[i]; an esc right after it is taken too. */
static void
anchor_code(const char *in, size_t len, size_t i, int code, char sep,
    struct anchor *a)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, k, e;

	memset(a, 0, sizeof(*a));
	a->found = 1;
	a->pos = i;
	a->code = code;
	a->sep = sep;
	a->open = i > 0 && is_opener(s[i - 1]) ? (char)s[i - 1] : '\0';
	a->transcript = after_transcript(in, i);
	j = i + 3 + (sep != '\0');
	for (k = j; k < len && is_hblank(s[k]); k++)
		continue;
	/* qmail and Gmail relay "550 #5.1.0 Address rejected". */
	if (k < len && s[k] == '#')
		k++;
	if ((e = parse_esc(in, len, k, a->esc)) != 0)
		j = e;
	a->text = j;
}

/* Fill *a for an esc with no reply code, at in[i..end). */
static void
anchor_esc(const char *in, size_t i, size_t end, size_t len,
    struct anchor *a)
{
	memset(a, 0, sizeof(*a));
	a->found = 1;
	a->pos = i;
	a->text = end;
	a->open = i > 0 && is_opener((unsigned char)in[i - 1]) ?
	    in[i - 1] : '\0';
	(void)parse_esc(in, len, i, a->esc);
}

/*
 * May a bare "NNN" in the middle of a line be a reply code?  Only when
 * it is introduced like one ("error: 550 ...", "-> 550 ..."), never
 * after a word ("in 550 days", "port 465 "), and "NNN-digit" there is a
 * date, a phone number or an id.
 */
static int
weak_ok(const char *in, size_t len, size_t i, char sep)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j;

	if (sep == '-' && (i + 4 >= len || is_digit(s[i + 4])))
		return 0;
	for (j = i; j > 0 && is_hblank(s[j - 1]); j--)
		continue;
	if (j == 0 || is_eol(s[j - 1]))
		return 1;
	return strchr(":;([<'\"=>", s[j - 1]) != NULL && s[j - 1] != '\0';
}

/*
 * The first reply code in the input that is at a line start, is followed
 * by an esc, or is introduced like one; fail picks 4yz/5yz, else 2yz/3yz.
 */
static int
find_code(const char *in, size_t len, int fail, struct anchor *a)
{
	const unsigned char *s = (const unsigned char *)in;
	struct anchor c;
	size_t	 i;
	int	 code, ls;
	char	 sep;

	for (i = 0; i < len; i++) {
		if (s[i] < '2' || s[i] > '5')
			continue;
		if (i > 0 && !code_boundary(s[i - 1]))
			continue;
		ls = at_line_start(in, i);
		if (!parse_code(in, len, i, ls, &code, &sep))
			continue;
		if ((code >= 400) != fail)
			continue;
		anchor_code(in, len, i, code, sep, &c);
		if (ls || (c.esc[0] != '\0' && sep != '\0') ||
		    weak_ok(in, len, i, sep)) {
			*a = c;
			return 1;
		}
	}
	return 0;
}

/* The first esc at a line start ("5.1.1 <a>... User Unknown"). */
static int
find_esc_line(const char *in, size_t len, struct anchor *a)
{
	const unsigned char *s = (const unsigned char *)in;
	char	 esc[BD_ESC_SIZE];
	size_t	 i, e;

	for (i = 0; i < len; i++) {
		if (s[i] != '2' && s[i] != '4' && s[i] != '5')
			continue;
		if (i > 0 && !esc_boundary(s[i - 1]))
			continue;
		if (!at_line_start(in, i))
			continue;
		if ((e = parse_esc(in, len, i, esc)) != 0) {
			/* qmail's "(#5.7.1)" wrapped onto a line of its own
			 * is the tag of the text before it, not a reply
			 * that starts there (find_esc() still takes it). */
			if (e < len && (s[e] == ')' || s[e] == ']'))
				continue;
			anchor_esc(in, i, e, len, a);
			return 1;
		}
	}
	return 0;
}

/*
 * An esc somewhere in in[from..to): one marked as such first (qmail
 * "(#5.7.1)", "[#4.1.9]", "(5.7.1)"), then, if bare_ok, a bare 4.x.x or
 * 5.x.x at a token start.
 */
static int
find_esc(const char *in, size_t from, size_t to, int bare_ok, char *esc)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 i;
	int	 pass;

	for (pass = 0; pass < (bare_ok ? 2 : 1); pass++) {
		for (i = from; i < to; i++) {
			if (s[i] != '2' && s[i] != '4' && s[i] != '5')
				continue;
			if (i == 0)
				continue;
			if (pass == 0 && s[i - 1] != '#' && s[i - 1] != '(' &&
			    s[i - 1] != '[')
				continue;
			if (pass == 1 && (s[i] == '2' ||
			    !esc_boundary(s[i - 1])))
				continue;
			if (parse_esc(in, to, i, esc) != 0)
				return 1;
		}
	}
	esc[0] = '\0';
	return 0;
}

/*
 * End of Exim's "after RCPT TO:<a>: host X [ip]:" or "after MAIL
 * FROM:<a> SIZE=n:" or "after end of data:", from just past "after".
 */
static size_t
exim_end(const char *in, size_t len, size_t i)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, k, lim, e;
	char	 name[256];

	lim = len - i > MAX_EXIM_TAIL ? i + MAX_EXIM_TAIL : len;
	for (j = i; j < lim; j++) {
		if (s[j] == '<') {
			while (j < lim && s[j] != '>' && !is_eol(s[j]))
				j++;
			continue;
		}
		if (s[j] != ':' || (j + 1 < len && !is_blank(s[j + 1])))
			continue;
		/* "RCPT TO: <a>:" puts a space before the address. */
		for (k = j + 1; k < lim && is_blank(s[k]); k++)
			continue;
		if (k < lim && s[k] == '<')
			continue;
		break;
	}
	if (j >= lim)
		return i;
	j++;
	/* Exim names the host after the colon: "host X [ip]:". */
	for (k = j; k < len && is_blank(s[k]); k++)
		continue;
	if ((e = match_at(in, len, k, "host ")) == NPOS ||
	    (e = host_token(in, len, e, name, sizeof(name))) == 0)
		return j;
	for (k = e; k < len && is_hblank(s[k]); k++)
		continue;
	if (k < len && s[k] == '[') {
		for (lim = k + 64; k < len && k < lim && s[k] != ']'; k++)
			continue;
		if (k < len && s[k] == ']')
			k++;
	}
	if (k < len && s[k] == ':')
		return k + 1;
	return j;
}

/* Where the reply introduced by wrapper w (matched up to e) starts. */
static size_t
wrapper_end(const char *in, size_t len, size_t e, int w)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, n;

	switch (w) {
	case W_EXIM:
		return exim_end(in, len, e);
	case W_DIAG:
		/* RFC 3464 §2.3.6: diagnostic-type ";" text. */
		for (j = e; j < len && is_hblank(s[j]); j++)
			continue;
		for (n = 0; j < len && n < 32 && (is_alnum(s[j]) ||
		    s[j] == '-' || s[j] == '_' || s[j] == '.'); n++)
			j++;
		return n > 0 && j < len && s[j] == ';' ? j + 1 : e;
	default:
		return e;
	}
}

/*
 * Find the reply: first a code right after a known wrapper, then an esc
 * that starts the input, then the first failure code anywhere, then a
 * success code, then an esc at a wrapper or line start.  *wend gets where the first wrapper ends.
 */
static void
find_anchor(const char *in, size_t len, struct anchor *a, size_t *wend)
{
	const unsigned char *s = (const unsigned char *)in;
	struct anchor ok, escw;
	size_t	 from, st, e, w, j, tries;
	int	 code;
	char	 sep, esc[BD_ESC_SIZE];

	memset(a, 0, sizeof(*a));
	memset(&ok, 0, sizeof(ok));
	memset(&escw, 0, sizeof(escw));
	*wend = NPOS;
	for (from = 0, tries = 0; tries < MAX_TRIES; tries++) {
		st = scan(in, len, from, wrappers, NELEM(wrappers), &w, &e);
		if (st == NPOS)
			break;
		from = st + 1;
		e = wrapper_end(in, len, e, wrappers[w].tag);
		if (*wend == NPOS)
			*wend = e;
		for (j = e; j < len && j - e < MAX_INDENT &&
		    (is_blank(s[j]) || is_opener(s[j])); j++)
			continue;
		if (parse_code(in, len, j, 1, &code, &sep)) {
			if (code >= 400) {
				anchor_code(in, len, j, code, sep, a);
				return;
			}
			if (!ok.found)
				anchor_code(in, len, j, code, sep, &ok);
		} else if (!escw.found && (e = parse_esc(in, len, j, esc)))
			anchor_esc(in, j, e, len, &escw);
	}
	/* A paste that starts with an enhanced code is that reply (.NET's
	 * "The server response was: 5.7.1 ...", once peeled), even when a
	 * quoted earlier reply with a code follows in its text. */
	for (j = 0; j < len && j < MAX_INDENT && is_blank(s[j]); j++)
		continue;
	if (!escw.found && (e = parse_esc(in, len, j, esc)) != 0) {
		/* ... unless its text quotes the full reply ("5.4.6 ...
		 * [554 5.4.6 Hop count exceeded]"): that has the code. */
		if (find_code(in, len, 1, a) && strcmp(a->esc, esc) == 0)
			return;
		anchor_esc(in, j, e, len, a);
		return;
	}
	if (find_code(in, len, 1, a))
		return;
	if (ok.found) {
		*a = ok;
		return;
	}
	if (find_code(in, len, 0, a))
		return;
	if (escw.found) {
		*a = escw;
		return;
	}
	(void)find_esc_line(in, len, a);
}

/* Index of the line break ending the line that holds in[i], or len. */
static size_t
line_end(const char *in, size_t len, size_t i)
{
	while (i < len && !is_eol((unsigned char)in[i]))
		i++;
	return i;
}

/* Start of the line after the break at in[i] (CRLF is one break). */
static size_t
next_line(const char *in, size_t len, size_t i)
{
	if (i < len && in[i] == '\r') {
		i++;
		if (i < len && in[i] == '\n')
			i++;
	} else if (i < len)
		i++;
	return i;
}

/* Is in[ls..le) only white space? */
static int
line_blank(const char *in, size_t ls, size_t le)
{
	for (; ls < le; ls++)
		if (!is_blank((unsigned char)in[ls]))
			return 0;
	return 1;
}

/*
 * Does the line in[ls..le) start with a reply code (after indent and,
 * in a sendmail transcript, the "<<<" it then must have)?
 */
static int
line_code(const char *in, size_t ls, size_t le, int transcript, int *code,
    char *sep, int *indented)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 i, e;

	for (i = ls; i < le && is_hblank(s[i]); i++)
		continue;
	*indented = i > ls;
	if ((e = match_at(in, le, i, "<<<")) != NPOS) {
		for (i = e; i < le && is_hblank(s[i]); i++)
			continue;
	} else if (transcript)
		return -1;
	return parse_code(in, le, i, 1, code, sep);
}

/* Does the line start with an RFC 3464 field, a MIME boundary or ">>>"? */
static int
line_is_header(const char *in, size_t ls, size_t le)
{
	size_t	 k;

	if (match_at(in, le, ls, "--") != NPOS ||
	    match_at(in, le, ls, ">>>") != NPOS)
		return 1;
	for (k = 0; k < NELEM(dsn_fields); k++)
		if (match_at(in, le, ls, dsn_fields[k]) != NPOS)
			return 1;
	return 0;
}

/*
 * Where the reply that starts at a->text ends.  Its first line always
 * belongs to it; later lines do while they carry the same code (RFC 5321
 * §4.2.1 continuation lines, however the paste mangled "-" and " "), are
 * folded (indented), or are plain text before the reply was seen to end.
 * A blank line, another code, a DSN field or a MIME boundary ends it;
 * so does a non-indented line after a "NNN " that closed "NNN-" lines.
 */
static size_t
reply_end(const char *in, size_t len, const struct anchor *a, size_t from,
    int *truncated)
{
	size_t	 le, ls, lec, nb;
	unsigned lines = 1;
	int	 c, ind, multi, final, r;
	char	 sep;

	multi = a->sep == '-';
	final = 0;
	le = line_end(in, len, from);
	for (;;) {
		if ((ls = next_line(in, len, le)) >= len)
			return le;
		lec = line_end(in, len, ls);
		if (line_blank(in, ls, lec)) {
			/* A paste may put blank lines between "550-" lines. */
			for (nb = lec; nb < len; nb = lec) {
				ls = next_line(in, len, nb);
				lec = line_end(in, len, ls);
				if (!line_blank(in, ls, lec))
					break;
			}
			if (a->code == 0 || final || ls >= len ||
			    line_code(in, ls, lec, a->transcript, &c, &sep,
			    &ind) != 1 || c != a->code)
				return le;
		}
		r = line_code(in, ls, lec, a->transcript, &c, &sep, &ind);
		/* The reply ends at another code, at a line that cannot
		 * belong to it, or after its final line. */
		if ((r == 1 && c != a->code) || r == -1 || (r != 1 && !ind &&
		    (final || line_is_header(in, ls, lec))))
			return le;
		if (r == 1) {
			if (sep == '-')
				multi = 1;
			else if (multi)
				final = 1;
		}
		if (++lines > BD_MAX_REPLY_LINES) {
			*truncated = 1;
			return le;
		}
		le = lec;
		/* A transcript's "<<< NNN " is the reply's last line. */
		if (a->transcript && r == 1 && sep != '-')
			return le;
	}
}

/*
 * Is in[i] a repeated prefix of the reply (the same code, then the same
 * esc if the reply has one)?  At a line start any same-code prefix is;
 * glued into a line, a prefix with no esc counts only in a reply already
 * seen to be multi-line, so that "in 550 days" keeps its number.
 */
static int
is_repeat(const char *in, size_t to, size_t i, const struct anchor *a,
    int bol, int multi, size_t *next, int *dash)
{
	const unsigned char *s = (const unsigned char *)in;
	char	 esc[BD_ESC_SIZE];
	size_t	 j, k, e;
	int	 code;
	char	 sep;

	/* A line that starts with the reply's own enhanced code and no
	 * reply code: the continuation lines of a reply an application
	 * printed without its codes (Python's b'5.1.1 ...\n5.1.1 ...'). */
	if (bol && a->esc[0] != '\0' && (e = parse_esc(in, to, i, esc)) != 0 &&
	    strcmp(esc, a->esc) == 0 && (e == to || is_blank(s[e]))) {
		*next = e;
		*dash = 0;
		return 1;
	}
	if (a->code == 0 || !parse_code(in, to, i, bol, &code, &sep) ||
	    code != a->code)
		return 0;
	j = i + 3 + (sep != '\0');
	*dash = sep == '-';
	if (a->esc[0] != '\0') {
		for (k = j; k < to && is_hblank(s[k]); k++)
			continue;
		if (k < to && s[k] == '#')
			k++;
		if ((e = parse_esc(in, to, k, esc)) != 0 &&
		    strcmp(esc, a->esc) == 0) {
			*next = e;
			return 1;
		}
		if (!bol)
			return 0;
	} else if (!bol && sep != '-' && !multi)
		return 0;
	*next = j;
	return 1;
}

/* Length of out[0..n) without a UTF-8 sequence cut short at its end. */
static size_t
utf8_cut(const char *out, size_t n)
{
	const unsigned char *s = (const unsigned char *)out;
	size_t	 k, need;

	for (k = 0; k < 4 && k < n && (s[n - 1 - k] & 0xc0) == 0x80; k++)
		continue;
	if (k == n || k == 4)
		return n;	/* not UTF-8; keep the bytes as they are */
	if ((s[n - 1 - k] & 0xe0) == 0xc0)
		need = 2;
	else if ((s[n - 1 - k] & 0xf0) == 0xe0)
		need = 3;
	else if ((s[n - 1 - k] & 0xf8) == 0xf0)
		need = 4;
	else
		return n;
	return k + 1 < need ? n - 1 - k : n;
}

/*
 * Drop what wraps the reply text: the quote or bracket that opened it
 * (Exchange "returned '...'", "[550 ...]"), Exchange's "##" trailer, and
 * Postfix's "(in reply to X command)".  Returns the new length.
 */
static size_t
text_tail(char *out, size_t n, char open, int cut)
{
	static const char irt[] = "(in reply to";
	char	 close;
	size_t	 i, k, depth;

	close = open == '[' ? ']' : open == '(' ? ')' : open == '<' ? '>' :
	    open == '\'' || open == '"' ? open : '\0';
	if (close != '\0' && !cut) {
		if (open == close) {
			/* The first quote ending a word ("doesn't" is not). */
			for (i = 0; i < n; i++)
				if (out[i] == close && (i + 1 == n ||
				    out[i + 1] == ' '))
					break;
			n = i;
		} else {
			for (i = 0, depth = 1; i < n; i++) {
				if (out[i] == open)
					depth++;
				else if (out[i] == close && --depth == 0)
					break;
			}
			n = i;
		}
	}
	if (open == '#') {
		for (i = 0; i + 1 < n; i++)
			if (out[i] == '#' && out[i + 1] == '#' &&
			    (i == 0 || out[i - 1] == ' '))
				break;
		if (i + 1 < n)
			n = i;
	}
	/* Postfix appends it; pastes may cut it short. */
	for (i = n; i-- > 0;) {
		if (out[i] != '(' || n - i < sizeof(irt) - 1)
			continue;
		for (k = 0; k < sizeof(irt) - 1; k++)
			if (lower((unsigned char)out[i + k]) != irt[k])
				break;
		if (k < sizeof(irt) - 1)
			continue;
		for (k = i; k < n && out[k] != ')'; k++)
			continue;
		if (k >= n - 1)
			n = i;
		break;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

/* Copy in[from..to) into r->text, cleaned as the module header says. */
static int
build_text(const char *in, size_t from, size_t to, const struct anchor *a,
    struct bd_smtp_reply *r)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 cap, n, i, next, e, space;
	int	 bol, tok, multi, dash, cut = 0;
	char	*out;

	cap = to - from < BD_MAX_REPLY_TEXT ? to - from : BD_MAX_REPLY_TEXT;
	if ((out = malloc(cap + 1)) == NULL)
		return -1;
	n = 0;
	space = 0;
	bol = a->found && at_line_start(in, from);
	tok = 1;
	multi = a->sep == '-';
	for (i = from; i < to;) {
		if (is_blank(s[i])) {
			if (is_eol(s[i]))
				bol = 1;
			space = n > 0 ? 1 : 0;
			tok = 1;
			i++;
			continue;
		}
		if (tok) {
			e = match_at(in, to, i, "<<< ");
			if (is_repeat(in, to, e != NPOS ? e : i, a, bol, multi,
			    &next, &dash)) {
				multi |= dash;
				i = next;
				continue;
			}
		}
		if (n + space + 1 > cap) {
			cut = 1;
			break;
		}
		if (space)
			out[n++] = ' ';
		out[n++] = (char)s[i++];
		space = 0;
		bol = tok = 0;
	}
	if (cut) {
		r->truncated = 1;
		n = utf8_cut(out, n);
	}
	r->text_len = text_tail(out, n, a->found ? a->open : '\0',
	    r->truncated);
	r->text = out;
	return 0;
}

/* Is in[i..] "[" an IP literal?  Copies its address text to ip. */
static int
ip_literal(const char *in, size_t len, size_t i, char *ip)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char a[sizeof(struct in6_addr)];
	size_t	 j, k;

	j = i + 1;
	/* RFC 5321 §4.1.3 "IPv6:" tag. */
	if (match_at(in, len, j, "ipv6:") != NPOS)
		j += 5;
	for (k = j; k < len && k - j < 46 && (is_digit(s[k]) ||
	    (lower(s[k]) >= 'a' && lower(s[k]) <= 'f') || s[k] == ':' ||
	    s[k] == '.'); k++)
		continue;
	/* Gmail writes "[192.0.2.1 18]": the address, then a score. */
	if (k == j || k - j >= 46 || k >= len ||
	    (s[k] != ']' && s[k] != ' '))
		return 0;
	memcpy(ip, in + j, k - j);
	ip[k - j] = '\0';
	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] != 127 && a[0] != 0;
	if (inet_pton(AF_INET6, ip, a) == 1) {
		for (k = 0; k < 15 && a[k] == 0; k++)
			continue;
		return !(k == 15 && a[15] <= 1);	/* :: and ::1 */
	}
	return 0;
}

/*
 * Is the bracket at in[i] the remote host's own address, as in Postfix
 * "host X[ip]", "connect to X[ip]" or Exim "host X [ip]:"?  That is the
 * server that refused, not the sender the reply talks about.  Gmail
 * writes "by mx.example.com. [ip]." and "[(0) mx.example.com. [ip]: ...".
 */
static int
bracket_is_remote(const char *in, size_t len, size_t i)
{
	static const char *const words[] = {
		"host", "to", "with", "server", "by"
	};
	const unsigned char *s = (const unsigned char *)in;
	size_t	 h, w, k, n, b = i;
	char	 name[256];

	if (i > 0 && s[i - 1] == ' ')
		i--;
	for (h = i; h > 0 && i - h < 255 && is_host_char(s[h - 1]); h--)
		continue;
	if (h == i || h == 0)
		return 0;
	/*
	 * Exim and Gmail: "name [ip]: what it said", "name. [ip]:25: ...".
	 * Port 25 is the server's end (RFC 5321 §4.5.4.2 relays to it).
	 */
	while (b < len && s[b] != ']')
		b++;
	if (b + 2 < len && s[b + 1] == ':' && (s[b + 2] == ' ' ||
	    (match_at(in, len, b + 2, "25") != NPOS && (b + 4 >= len ||
	    !is_digit(s[b + 4])))) &&
	    host_token(in, i, h, name, sizeof(name)) != 0)
		return 1;
	if (!is_blank(s[h - 1]))
		return 0;
	for (w = h - 1; w > 0 && is_blank(s[w - 1]); w--)
		continue;
	for (k = 0; k < NELEM(words); k++) {
		n = strlen(words[k]);
		if (w >= n && (w == n || !is_alnum(s[w - n - 1])) &&
		    match_at(in, w, w - n, words[k]) == w)
			return 1;
	}
	return 0;
}

/* The sending IP: the first usable bracketed literal. */
static void
find_ip(const char *in, size_t len, struct bd_smtp_reply *r)
{
	char	 ip[sizeof(r->ip)];
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (in[i] != '[')
			continue;
		if (ip_literal(in, len, i, ip) &&
		    !bracket_is_remote(in, len, i)) {
			memcpy(r->ip, ip, strlen(ip) + 1);
			return;
		}
	}
}

/* A host name or address at in[i] into name; returns its end or 0. */
static size_t
host_token(const char *in, size_t len, size_t i, char *name, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, n;

	for (j = i; j < len && j - i < size && is_host_char(s[j]); j++)
		continue;
	n = j - i;
	/* sendmail writes "mx.example.com.:" */
	if (n > 0 && s[j - 1] == '.')
		n--;
	if (n == 0 || n >= size || memchr(in + i, '.', n) == NULL ||
	    s[i] == '.' || s[i] == '-')
		return 0;
	memcpy(name, in + i, n);
	name[n] = '\0';
	return j;
}

/* The server that refused, from how the MTA named it. */
static void
find_remote_host(const char *in, size_t len, struct bd_smtp_reply *r)
{
	const unsigned char *s = (const unsigned char *)in;
	char	 name[sizeof(r->remote_host)];
	size_t	 from, st, e, w, k, h, tries;
	int	 ok;

	for (from = 0, tries = 0; tries < MAX_TRIES; tries++) {
		st = scan(in, len, from, rhosts, NELEM(rhosts), &w, &e);
		if (st == NPOS)
			return;
		from = st + 1;
		switch (rhosts[w].tag) {
		case RH_DSN:
			/* RFC 3464 §2.3.5: Remote-MTA: dns; name */
			for (k = e; k < len && is_hblank(s[k]); k++)
				continue;
			if ((e = match_at(in, len, k, "dns;")) != NPOS)
				k = e;
			for (; k < len && is_hblank(s[k]); k++)
				continue;
			e = k;
			break;
		case RH_BEFORE:
			/* qmail: "192.0.2.1 does not like recipient." */
			for (k = st; k > 0 && is_hblank(s[k - 1]); k--)
				continue;
			for (h = k; h > 0 && k - h < 255 &&
			    is_host_char(s[h - 1]); h--)
				continue;
			e = h;
			break;
		}
		if ((k = host_token(in, len, e, name, sizeof(name))) == 0)
			continue;
		switch (rhosts[w].tag) {
		case RH_HOST:
			h = k < len && s[k] == ' ' ? k + 1 : k;
			ok = (h < len && s[h] == '[') ||
			    match_at(in, len, k, " said") != NPOS ||
			    match_at(in, len, k, " refused") != NPOS ||
			    (k + 1 < len && s[k] == ':' && is_blank(s[k + 1]));
			break;
		case RH_BRACKET:
			ok = k < len && s[k] == '[';
			break;
		case RH_COLON:
			ok = k < len && (s[k] == ':' ||
			    (s[k] == '.' && k + 1 < len && s[k + 1] == ':'));
			break;
		case RH_BLANK:
			ok = k < len && is_blank(s[k]);
			break;
		default:
			ok = 1;
			break;
		}
		if (ok) {
			memcpy(r->remote_host, name, strlen(name) + 1);
			return;
		}
	}
}

/* The stage: the first plain phrase, else the last ">>> X" before pos. */
static void
find_stage(const char *in, size_t len, size_t pos, struct bd_smtp_reply *r)
{
	size_t	 from, st, w, e;
	int	 last = ST_NONE, tag;

	for (from = 0; (st = scan(in, len, from, stages, NELEM(stages), &w,
	    &e)) != NPOS; from = e) {
		tag = stages[w].tag;
		if (!(stages[w].flags & PH_LAST)) {
			last = tag;
			break;
		}
		if (st < pos)
			last = tag;
	}
	memcpy(r->stage, stage_names[last], strlen(stage_names[last]) + 1);
}

/* Copy in[i..j) to out if it looks like local@domain. */
static int
addr_copy(const char *in, size_t i, size_t j, char *out)
{
	const char *at;
	size_t	 n = j - i;

	if (n < 3 || n > MAX_ADDR ||
	    (at = memchr(in + i, '@', n)) == NULL || at == in + i ||
	    at == in + j - 1)
		return 0;
	memcpy(out, in + i, n);
	out[n] = '\0';
	return 1;
}

/* "<local@domain>" at in[i] (after blanks) into out. */
static int
addr_angle(const char *in, size_t len, size_t i, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j;

	while (i < len && is_hblank(s[i]))
		i++;
	if (i >= len || s[i] != '<')
		return 0;
	for (j = ++i; j < len && j - i <= MAX_ADDR && s[j] != '>' &&
	    s[j] != '<' && !is_blank(s[j]); j++)
		continue;
	if (j >= len || s[j] != '>')
		return 0;
	return addr_copy(in, i, j, out);
}

/* A bare "local@domain" at in[i] (after blanks), as in "rfc822;a@b". */
static int
addr_bare(const char *in, size_t len, size_t i, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j;

	while (i < len && is_hblank(s[i]))
		i++;
	for (j = i; j < len && j - i <= MAX_ADDR && !is_blank(s[j]) &&
	    strchr("<>,;()[]\"", s[j]) == NULL; j++)
		continue;
	/* An address at the end of a sentence. */
	while (j > i && s[j - 1] == '.')
		j--;
	return addr_copy(in, i, j, out);
}

/*
 * Is the "<addr>" at in[lt..gt] the sender?  "from <a>", "MAIL FROM:<a>",
 * "<a> sender rejected", "<a>... Domain of sender address".
 */
static int
near_sender(const char *in, size_t len, size_t lt, size_t gt)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 j, k, lim;

	for (j = lt; j > 0 && (is_hblank(s[j - 1]) || s[j - 1] == ':'); j--)
		continue;
	if (j >= 4 && match_at(in, j, j - 4, "from") == j &&
	    (j == 4 || !is_alnum(s[j - 5])))
		return 1;
	lim = len - gt > 40 ? gt + 40 : len;
	for (k = gt; k < lim; k++)
		if (match_at(in, lim, k, "sender") != NPOS)
			return 1;
	return 0;
}

/*
 * The recipient: where an MTA names it (RCPT TO:<a>, Final-Recipient,
 * Exchange "##rfc822;a", Gmail "wasn't delivered to a"), else the first
 * "<a>" in the reply text that is not the sender.
 */
static void
find_recipient(const char *in, size_t len, size_t from, size_t to,
    struct bd_smtp_reply *r)
{
	const unsigned char *s = (const unsigned char *)in;
	char	 addr[sizeof(r->recipient)];
	size_t	 pos, st, w, e, i, j, best = NELEM(rcpts), tries;
	int	 ok;

	for (pos = 0, tries = 0; tries < MAX_TRIES && best > 0; tries++) {
		st = scan(in, len, pos, rcpts, NELEM(rcpts), &w, &e);
		if (st == NPOS)
			break;
		pos = st + 1;
		if (w >= best)
			continue;
		switch (rcpts[w].tag) {
		case RC_ANGLE:
			ok = addr_angle(in, len, e, addr);
			break;
		case RC_TYPED:
			/* RFC 3464 §2.3.2: address-type ";" address */
			for (i = e; i < len && is_hblank(s[i]); i++)
				continue;
			if ((j = match_at(in, len, i, "rfc822;")) != NPOS)
				i = j;
			ok = addr_bare(in, len, i, addr);
			break;
		default:
			ok = addr_bare(in, len, e, addr);
			break;
		}
		if (ok) {
			best = w;
			memcpy(r->recipient, addr, strlen(addr) + 1);
		}
	}
	if (best < NELEM(rcpts) || !strcmp(r->stage, "MAIL") ||
	    !strcmp(r->stage, "HELO") || !strcmp(r->stage, "CONNECT"))
		return;
	for (i = from, tries = 0; i < to && tries < MAX_TRIES; i++) {
		if (s[i] != '<')
			continue;
		tries++;
		if (!addr_angle(in, to, i, addr))
			continue;
		j = i + strlen(addr) + 1;
		if (near_sender(in, to, i, j))
			continue;
		memcpy(r->recipient, addr, strlen(addr) + 1);
		return;
	}
}

/* Zero *r; no allocation. */
void
bd_smtp_reply_init(struct bd_smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
}

/* Free what *r owns and zero it, ready for the next parse. */
void
bd_smtp_reply_reset(struct bd_smtp_reply *r)
{
	free(r->text);
	bd_smtp_reply_init(r);
}

/*
 * Parse len bytes of in into *r, which must have been initialised; what
 * it held is freed first.  Returns 0, or -1 when out of memory.
 */
int
bd_smtp_reply_parse(const char *in, size_t len, struct bd_smtp_reply *r)
{
	struct anchor a;
	size_t	 wend, from, to;
	int	 truncated = 0;

	bd_smtp_reply_reset(r);
	if (in == NULL)
		len = 0;
	find_anchor(in, len, &a, &wend);
	if (a.found) {
		from = a.text;
		to = reply_end(in, len, &a, from, &truncated);
	} else if (wend != NPOS) {
		from = wend;
		to = reply_end(in, len, &a, from, &truncated);
	} else
		from = to = 0;
	/* "The response was:" with nothing after it says nothing. */
	if (!a.found && (wend == NPOS || line_blank(in, from, to))) {
		from = 0;
		to = len;
	}
	r->code = a.code;
	memcpy(r->esc, a.esc, sizeof(r->esc));
	if (r->esc[0] == '\0')
		(void)find_esc(in, a.found ? from : 0, a.found ? to : len,
		    !a.found, r->esc);
	r->truncated = truncated;
	if (build_text(in, from, to, &a, r) == -1) {
		bd_smtp_reply_reset(r);
		return -1;
	}
	find_ip(in, len, r);
	find_remote_host(in, len, r);
	find_stage(in, len, a.found ? a.pos : len, r);
	find_recipient(in, len, from, to, r);
	return 0;
}
