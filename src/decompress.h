/*
 * decompress.h - an input stream that inflates gzip (decompress.c): the
 * bytes a caller already read, then a file descriptor; plain input
 * passes through.  Used by the log reader.
 */
#ifndef BD_DECOMPRESS_H
#define BD_DECOMPRESS_H

#include <stddef.h>
#include <sys/types.h>

struct bd_decompress;

/*
 * Open a stream over head (headlen bytes, may be NULL; not copied: it
 * must live as long as the stream), then fd (-1 when head is all).  The
 * first bytes tell whether it is gzip (RFC 1952 §2.3.1 magic).  Returns
 * a stream owned by the caller (free with bd_decompress_free()), NULL
 * when out of memory.
 */
struct bd_decompress *bd_decompress_open(const char *head, size_t headlen,
		    int fd);

/* Up to n bytes of (inflated) input into dst: the count, 0 at the end,
 * -1 on a read error or corrupt gzip (see bd_decompress_error()). */
ssize_t		 bd_decompress_read(struct bd_decompress *z, char *dst,
		    size_t n);

/* What went wrong (valid until the stream is freed; NULL when
 * nothing did), and the errno of a read error in *errnop (0 if none). */
const char	*bd_decompress_error(const struct bd_decompress *z,
		    int *errnop);

/* Free the stream; NULL is a no-op.  Does not close fd. */
void		 bd_decompress_free(struct bd_decompress *z);

/* Does s start with the gzip magic? */
int		 bd_decompress_is_gzip(const char *s, size_t len);

/* Inflate the start of the gzip data in head (len bytes) into out (size
 * bytes); returns the bytes produced, 0 when none. */
size_t		 bd_decompress_head(const char *head, size_t len, char *out,
		    size_t size);

#endif /* BD_DECOMPRESS_H */
