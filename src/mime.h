/*
 * mime.h - the MIME layer under message.c: header blocks (RFC 5322 §2.2,
 * unfolding §2.2.3), RFC 2047 encoded words, Content-Type parameters
 * (RFC 2045 §5.1, RFC 2231 §3-4 basics), multipart walking (RFC 2046
 * §5.1) bounded by BD_MAX_MIME_DEPTH and BD_MAX_MIME_PARTS, and the
 * base64 / quoted-printable transfer encodings (RFC 2045 §6.7-6.8).
 *
 * Everything here works on text whose line ends are already LF only
 * (bd_mime_lf() makes such a copy).  Nothing prints, nothing is global,
 * and nothing is NUL-terminated on input: every range is (pointer,
 * length).
 */
#ifndef BD_MIME_H
#define BD_MIME_H

#include <stddef.h>

#include "buf.h"

/*
 * Copy len bytes of in with CRLF and bare CR turned into LF, NUL
 * terminated; *outlen gets the new length.  Caller frees; NULL when out
 * of memory.
 */
char	*bd_mime_lf(const char *in, size_t len, size_t *outlen);

/* One raw header field: both ranges point into the parsed text; value
 * still holds its folds (LF followed by blanks). */
struct bd_mime_field {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

struct bd_mime_headers {
	struct bd_mime_field *f;
	size_t		 n;
	size_t		 cap;
	int		 truncated;	/* more than BD_MAX_HEADERS fields */
	int		 oom;
};

void	bd_mime_headers_init(struct bd_mime_headers *h);
void	bd_mime_headers_free(struct bd_mime_headers *h);
/*
 * Read the header block at the start of p (LF line ends).  Stops at an
 * empty line (consumed) or at the first line that is neither a field nor
 * a continuation (kept, lenient).  Returns the offset of the body.
 */
size_t	bd_mime_headers_parse(const char *p, size_t len,
	    struct bd_mime_headers *h);
/* The first field called name (ASCII case-insensitive), or NULL. */
const struct bd_mime_field *bd_mime_header(const struct bd_mime_headers *h,
	    const char *name);
/*
 * Unfold a field value into out (outsz > 0): folds removed, runs of
 * blanks collapsed to one space, controls turned into spaces, leading and
 * trailing blanks removed; cut at outsz - 1.  Returns the length.
 */
size_t	bd_mime_unfold(const char *v, size_t len, char *out, size_t outsz);
/* Same, into a new string (cut at BD_MAX_HEADER); NULL when out of
 * memory.  Caller frees. */
char	*bd_mime_unfold_dup(const char *v, size_t len);
/* Unfold, then decode RFC 2047 encoded words to UTF-8; caller frees. */
char	*bd_mime_header_decode(const char *v, size_t len);

/* Content-Type, RFC 2045 §5.1; everything lower-cased but boundary. */
struct bd_mime_ctype {
	char	type[32];		/* "multipart", "" when absent */
	char	subtype[64];
	char	charset[48];
	char	report_type[48];	/* RFC 6522 §3 */
	char	boundary[256];		/* RFC 2046 allows 70 */
};

/* Parse an unfolded Content-Type value (or default to text/plain). */
void	bd_mime_ctype_parse(const char *v, size_t len,
	    struct bd_mime_ctype *ct);
/*
 * Copy the value of parameter name of an unfolded structured field
 * (Content-Type, Content-Disposition, DKIM-Signature tags use
 * bd_mime_tag) into out: quoted strings unquoted, RFC 2231 continuations
 * (name*0, name*1, ...) joined and %XX of name* decoded.  Returns 1 when
 * found, 0 when not.
 */
int	bd_mime_param(const char *v, size_t len, const char *name, char *out,
	    size_t outsz);

/* Content-Transfer-Encoding. */
enum bd_mime_enc {
	BD_ENC_IDENTITY,		/* 7bit, 8bit, binary, unknown */
	BD_ENC_BASE64,
	BD_ENC_QP
};

enum bd_mime_enc bd_mime_enc_parse(const char *v, size_t len);
/*
 * Decode len bytes of in into out, appending at most max bytes (lenient:
 * bytes outside the alphabet are skipped, broken =XX kept literally).
 */
void	bd_mime_decode(enum bd_mime_enc enc, const char *in, size_t len,
	    struct bd_buf *out);

/* One leaf part found by bd_mime_walk(). */
struct bd_mime_part {
	const struct bd_mime_headers *headers;	/* the part's own */
	const struct bd_mime_ctype *ctype;
	const char	*parent_subtype;	/* "report", "alternative" */
	enum bd_mime_enc enc;
	const char	*body;			/* raw (still encoded) */
	size_t		 body_len;
	unsigned	 depth;			/* 0 = the message itself */
	unsigned	 index;			/* leaf number, from 0 */
};

/* Return nonzero to stop the walk. */
typedef int	bd_mime_part_fn(void *arg, const struct bd_mime_part *p);

/*
 * Walk the message whose headers h were read from text, body at body.
 * Multiparts are entered (message/rfc822 is a leaf: the caller decides
 * whether to read it); every leaf goes to fn in order.  A multipart with
 * no delimiter line at all is handed over as one text/plain leaf.
 * Returns 1 when a limit (depth, parts) cut the walk, 0 otherwise, -1
 * when out of memory.
 */
int	bd_mime_walk(const struct bd_mime_headers *h, const char *body,
	    size_t body_len, bd_mime_part_fn *fn, void *arg);

/* ASCII helpers shared with dsn.c and message.c. */
int	bd_mime_ncaseeq(const char *a, size_t alen, const char *b);
const char *bd_mime_memcasemem(const char *h, size_t hlen, const char *n);

#endif /* BD_MIME_H */
