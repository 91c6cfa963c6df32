/*
 * decompress.c - the log reader's input: bytes already read (head), then
 * a file descriptor, inflated with zlib when they are gzip.
 *
 * Contract (decompress.h): bd_decompress_read() gives the plain bytes in
 * order and 0 at the end.  Gzip is found by its magic (RFC 1952 §2.3.1),
 * not by a file name.  Several members follow one another (RFC 1952
 * §2.2, as `cat a.gz b.gz` makes); bytes after a member that do not
 * start another end the input, as gzip(1) ignores trailing zeros.  Data
 * cut short or corrupt is an error, after the bytes inflated so far.
 *
 * Limits: one BD_DZ_IN input buffer; inflate's own window.  A head that
 * holds fewer than two bytes is topped up from fd before deciding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "decompress.h"
#include "limits.h"

/* Compressed bytes read at a time. */
#define BD_DZ_IN	(256u * 1024)

struct bd_decompress {
	const char	*head;
	size_t		 headlen;
	int		 fd;
	int		 raw_eof;
	int		 gz;
	int		 gz_init;
	int		 gz_end;	/* the last member ended cleanly */
	z_stream	 z;
	unsigned char	*zin;		/* BD_DZ_IN bytes */
	size_t		 pre_off;	/* plain input prefetched into zin */
	size_t		 pre_len;
	const char	*error;		/* what went wrong */
	int		 saved_errno;
};

/* Is it gzip (RFC 1952 §2.3.1 ID1 ID2)? */
int
bd_decompress_is_gzip(const char *s, size_t len)
{
	return len >= 2 && (unsigned char)s[0] == 0x1f &&
	    (unsigned char)s[1] == 0x8b;
}

/* Inflate the start of a gzip head into out; bytes produced. */
size_t
bd_decompress_head(const char *head, size_t len, char *out, size_t size)
{
	z_stream z;
	size_t	 n;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)head;	/* zlib never writes input */
	z.avail_in = (uInt)(len > BD_MAX_INPUT ? BD_MAX_INPUT : len);
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)size;
	(void)inflate(&z, Z_SYNC_FLUSH);
	n = size - z.avail_out;
	inflateEnd(&z);
	return n;
}

/* Plain bytes: head, then what was prefetched into zin, then fd. */
static ssize_t
raw_read(struct bd_decompress *in, char *dst, size_t n)
{
	ssize_t	 r;
	size_t	 k;

	if (in->headlen > 0) {
		k = in->headlen < n ? in->headlen : n;
		memcpy(dst, in->head, k);
		in->head += k;
		in->headlen -= k;
		return (ssize_t)k;
	}
	if (in->pre_len > 0) {
		k = in->pre_len < n ? in->pre_len : n;
		memcpy(dst, in->zin + in->pre_off, k);
		in->pre_off += k;
		in->pre_len -= k;
		return (ssize_t)k;
	}
	if (in->fd < 0 || in->raw_eof)
		return 0;
	for (;;) {
		r = read(in->fd, dst, n);
		if (r >= 0)
			break;
		if (errno != EINTR) {
			in->saved_errno = errno;
			in->error = "read error";
			return -1;
		}
	}
	if (r == 0)
		in->raw_eof = 1;
	return r;
}

/* Up to n decompressed bytes into dst; 0 at the end, -1 on error. */
ssize_t
bd_decompress_read(struct bd_decompress *in, char *dst, size_t n)
{
	ssize_t	 r;
	int	 zr;
	size_t	 got;

	if (!in->gz)
		return raw_read(in, dst, n);
	in->z.next_out = (unsigned char *)dst;
	in->z.avail_out = (uInt)n;
	while (in->z.avail_out == n) {
		if (in->z.avail_in == 0) {
			r = raw_read(in, (char *)in->zin, BD_DZ_IN);
			if (r < 0)
				return -1;
			if (r == 0) {
				if (!in->gz_end) {
					in->error = "gzip: unexpected end of "
					    "compressed data";
					return -1;
				}
				return 0;
			}
			in->z.next_in = in->zin;
			in->z.avail_in = (uInt)r;
		}
		if (in->gz_end) {
			/* Another member (RFC 1952 §2.2), or trailing
			 * bytes, which gzip(1) too ignores when zero. */
			if (in->z.next_in[0] != 0x1f) {
				in->z.avail_in = 0;
				in->fd = -1;
				in->headlen = 0;
				return 0;
			}
			if (inflateReset(&in->z) != Z_OK) {
				in->error = "gzip: cannot restart";
				return -1;
			}
			in->gz_end = 0;
		}
		zr = inflate(&in->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			in->gz_end = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			in->error = in->z.msg != NULL ? in->z.msg :
			    "gzip: corrupt data";
			return -1;
		}
	}
	got = n - in->z.avail_out;
	return (ssize_t)got;
}

/* Open the input: prefetch the first bytes to see whether it is gzip. */
struct bd_decompress *
bd_decompress_open(const char *head, size_t headlen, int fd)
{
	struct bd_decompress *in;
	ssize_t	 r;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->head = head;
	in->headlen = head != NULL ? headlen : 0;
	in->fd = fd;
	if ((in->zin = malloc(BD_DZ_IN)) == NULL)
		goto fail;
	if (in->headlen < 2) {
		/* Prefetch into zin, served back by raw_read(). */
		size_t	 have = in->headlen;

		if (have > 0)
			memcpy(in->zin, in->head, have);
		in->headlen = 0;
		while (have < 2) {
			r = raw_read(in, (char *)in->zin + have, BD_DZ_IN -
			    have);
			if (r <= 0)
				break;
			have += (size_t)r;
		}
		in->pre_off = 0;
		in->pre_len = have;
		if (!bd_decompress_is_gzip((char *)in->zin, have))
			return in;
	} else if (!bd_decompress_is_gzip(in->head, in->headlen))
		return in;
	in->gz = 1;
	if (inflateInit2(&in->z, 15 + 16) != Z_OK)
		goto fail;
	in->gz_init = 1;
	return in;
fail:
	bd_decompress_free(in);
	return NULL;
}

/* What went wrong. */
const char *
bd_decompress_error(const struct bd_decompress *in, int *errnop)
{
	*errnop = in->saved_errno;
	return in->error;
}

/* Free the stream. */
void
bd_decompress_free(struct bd_decompress *in)
{
	if (in == NULL)
		return;
	if (in->gz_init)
		inflateEnd(&in->z);
	free(in->zin);
	free(in);
}
