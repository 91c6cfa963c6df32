/*
 * trailer.c - find the trailing noise of a reply: what receivers append
 * after the words that say what happened.  Gmail ends every reply with a
 * tracking id and "- gsmtp" ("... j10sm5731558pfn.207 - gsmtp"),
 * Microsoft with the answering server in brackets ("[AM6PR10MB4312.
 * EURPRD10.PROD.OUTLOOK.COM]"), qmail with "(#5.1.1)", many with a help
 * URL or "id=...".  A rule written for a short, whole reply ("^Bounced
 * Address$") must still read it with such a tail; diagnose.c tries the
 * text without its tail when the whole text matched no rule, so the URL
 * is still evidence on the first try.
 *
 * Contract: only the end of the text is looked at, token by token, at
 * most MAX_TAIL_TOKENS of them; nothing in the middle is touched.  A
 * token is noise when it is a URL, "gsmtp", a separator, an id (eight or
 * more letters, digits, dots, dashes or underscores with at least three
 * digits and one letter), a key=value pair holding a digit, or a
 * bracketed group of at most three tokens one of which holds a digit.
 * Linear in the length of the tail; no allocation.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "trailer.h"

#define MAX_TAIL_TOKENS	8
#define MAX_GROUP	120	/* bytes in one bracketed group */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* An id: [A-Za-z0-9._-]{8,}, three or more digits, a letter. */
static int
is_id(const char *s, size_t n)
{
	size_t	 i, digits = 0, letters = 0;

	if (n < 8)
		return 0;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (isalpha((unsigned char)s[i]))
			letters++;
		else if (strchr("._-", s[i]) == NULL)
			return 0;
	}
	return digits >= 3 && letters >= 1;
}

/* key=value with a digit in the value ("id=1a2b3c4d"). */
static int
is_key_value(const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t	 i;

	if (eq == NULL || eq == s || eq == s + n - 1)
		return 0;
	for (i = (size_t)(eq - s) + 1; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return 1;
	return 0;
}

static int
is_url(const char *s, size_t n)
{
	return (n > 7 && strncmp(s, "http://", 7) == 0) ||
	    (n > 8 && strncmp(s, "https://", 8) == 0) ||
	    (n > 4 && strncmp(s, "www.", 4) == 0);
}

/*
 * A bracketed group ending at s[end - 1] (']' or ')'): its start, or -1
 * when it is not noise (too long, four or more tokens, no digit).
 */
static long
group_start(const char *s, size_t end)
{
	char	 open = s[end - 1] == ']' ? '[' : '(';
	size_t	 i, tokens = 1;
	int	 digit = 0;

	for (i = end - 1; i > 0 && end - i < MAX_GROUP; i--) {
		if (s[i - 1] == open) {
			if (!digit || tokens > 3)
				return -1;
			return (long)(i - 1);
		}
		if (s[i - 1] == ']' || s[i - 1] == ')')
			return -1;
		if (isdigit((unsigned char)s[i - 1]))
			digit = 1;
		if (is_space((unsigned char)s[i - 1]) &&
		    !is_space((unsigned char)s[i]))
			tokens++;
	}
	return -1;
}

/* Public. */
size_t
bd_trailer_start(const char *s, size_t len)
{
	size_t	 end = len, ts, k;
	long	 g;

	for (k = 0; k < MAX_TAIL_TOKENS && end > 0; k++) {
		while (end > 0 && (is_space((unsigned char)s[end - 1]) ||
		    strchr(".,;:-", s[end - 1]) != NULL))
			end--;
		if (end == 0)
			break;
		if (s[end - 1] == ']' || s[end - 1] == ')') {
			if ((g = group_start(s, end)) < 0)
				break;
			end = (size_t)g;
			continue;
		}
		for (ts = end; ts > 0 && !is_space((unsigned char)s[ts - 1]);
		    ts--)
			continue;
		if (is_url(s + ts, end - ts) || is_id(s + ts, end - ts) ||
		    is_key_value(s + ts, end - ts) || (end - ts == 5 &&
		    strncasecmp(s + ts, "gsmtp", 5) == 0))
			end = ts;
		else
			break;
	}
	/* Strip the separators before the noise too. */
	while (end > 0 && (is_space((unsigned char)s[end - 1]) ||
	    strchr(",;:-", s[end - 1]) != NULL))
		end--;
	for (k = 0; k < end; k++)
		if (isalpha((unsigned char)s[k]))
			return end;
	return len;	/* nothing but noise: keep it all */
}
