/*
 * charset.c - convert MIME text to UTF-8 with iconv(3).
 *
 * Contract: bd_charset_to_utf8() appends to a bounded struct bd_buf
 * and never fails on content.  Names are mapped to the superset that
 * mail software really writes (WHATWG Encoding Standard practice):
 * ISO-8859-1 and US-ASCII with 8-bit bytes are read as Windows-1252,
 * Shift_JIS as CP932, EUC-JP as EUC-JP-MS, ISO-2022-JP as ISO-2022-JP-2
 * (which also reads plain ISO-2022-JP).  An invalid or unmappable byte
 * becomes U+FFFD and conversion restarts after it.  An unknown charset
 * name is treated as UTF-8 (checked).  No state is kept between calls:
 * each call opens and closes its own iconv descriptor.
 *
 * Limits: output is bounded by the buffer's max; the input is read once.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mime.h"
#include "utf8.h"

static const char	*charset_iconv_name(const char *cs);
static size_t		 utf8_seq_len(const unsigned char *p, size_t n);
static int		 has_iso2022_escape(const char *in, size_t len);
static int		 utf8_valid(const char *in, size_t len);

static const char	 replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Map a MIME charset name to the iconv name to use; NULL = UTF-8. */
static const char *
charset_iconv_name(const char *cs)
{
	static const struct {
		const char	*mime;
		const char	*iconv;
	} map[] = {
		{ "iso-2022-jp", "ISO-2022-JP-2" },
		{ "iso-2022-jp-2", "ISO-2022-JP-2" },
		{ "csiso2022jp", "ISO-2022-JP-2" },
		{ "iso-2022-jp-3", "ISO-2022-JP-3" },
		{ "shift_jis", "CP932" },
		{ "shift-jis", "CP932" },
		{ "sjis", "CP932" },
		{ "x-sjis", "CP932" },
		{ "ms_kanji", "CP932" },
		{ "csshiftjis", "CP932" },
		{ "windows-31j", "CP932" },
		{ "cp932", "CP932" },
		{ "euc-jp", "EUC-JP-MS" },
		{ "x-euc-jp", "EUC-JP-MS" },
		{ "eucjp", "EUC-JP-MS" },
		{ "iso-8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" },
		{ "us-ascii", "WINDOWS-1252" },
		{ "ascii", "WINDOWS-1252" },
		{ "ks_c_5601-1987", "CP949" },
		{ "euc-kr", "CP949" },
		{ "gb2312", "GB18030" },
		{ "gbk", "GB18030" },
		{ "x-gbk", "GB18030" },
	};
	size_t	 i;

	if (cs == NULL || *cs == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0)
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(cs, map[i].mime) == 0)
			return map[i].iconv;
	return cs;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 §4), 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	uint32_t cp;

	return bd_utf8_decode(p, n, &cp);
}

/* Is all of in valid UTF-8? */
static int
utf8_valid(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t	 i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seq_len(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Append in with invalid UTF-8 replaced by U+FFFD; NULs become spaces. */
void
bd_charset_utf8_clean(const char *in, size_t len, struct bd_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t	 i = 0, start = 0, n;

	while (i < len) {
		if (p[i] != 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		n = p[i] == 0 ? 0 : utf8_seq_len(p + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		bd_buf_append(out, in + start, i - start);
		if (p[i] == 0)
			bd_buf_putc(out, ' ');
		else
			bd_buf_append(out, replacement, 3);
		i++;
		start = i;
		if (out->truncated || out->nomem)
			return;
	}
	bd_buf_append(out, in + start, len - start);
}

/* Nonzero when in holds an ISO-2022-JP designation (ESC $ B / ESC $ @). */
static int
has_iso2022_escape(const char *in, size_t len)
{
	const char *p = in, *end = in + len;

	while ((p = memchr(p, 0x1b, end - p)) != NULL) {
		if (end - p >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
			return 1;
		p++;
	}
	return 0;
}

/* Append in (charset cs) to out as UTF-8; see charset.h. */
void
bd_charset_to_utf8(const char *cs, const char *in, size_t len,
    struct bd_buf *out)
{
	const char *name;
	iconv_t	 cd;
	char	 tmp[4096], *ip, *op;
	size_t	 il, ol, r, i;
	int	 ascii = 1;

	if (len == 0)
		return;
	name = charset_iconv_name(cs);
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80) {
			ascii = 0;
			break;
		}
	if (name == NULL || strcmp(name, "WINDOWS-1252") == 0) {
		if (has_iso2022_escape(in, len))
			name = "ISO-2022-JP-2";
		else if (ascii) {
			bd_buf_append(out, in, len);
			return;
		}
	}
	/*
	 * Text that is valid UTF-8 with 8-bit bytes is UTF-8 whatever the
	 * label says: a 7-bit charset (ISO-2022-JP) cannot hold 8-bit
	 * bytes, and gateways that recode mail often keep the old label.
	 */
	if (name == NULL || (!ascii && utf8_valid(in, len))) {
		bd_charset_utf8_clean(in, len, out);
		return;
	}
	/* (iconv_t)-1 is iconv_open(3)'s error value. */
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {	/* NOLINT(performance-no-int-to-ptr) */
		bd_charset_utf8_clean(in, len, out);
		return;
	}
	ip = (char *)in;	/* iconv(3) takes char **, never writes */
	il = len;
	while (il > 0 && !out->truncated && !out->nomem) {
		op = tmp;
		ol = sizeof(tmp);
		r = iconv(cd, &ip, &il, &op, &ol);
		bd_buf_append(out, tmp, op - tmp);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated input): replace one byte. */
		bd_buf_append(out, replacement, 3);
		ip++;
		il--;
	}
	/* Flush the shift state (ISO-2022-JP back to ASCII). */
	op = tmp;
	ol = sizeof(tmp);
	(void)iconv(cd, NULL, NULL, &op, &ol);
	bd_buf_append(out, tmp, op - tmp);
	iconv_close(cd);
}
