/*
 * hash.c - bd_hash(): eight bytes at a time, multiply and xorshift in the
 * manner of FNV and wyhash.  Good enough to tell keys apart in a table
 * and to notice a changed rule or a damaged cache file; about eight times
 * cheaper than byte-wise FNV-1a, which mattered when hashing ~300 kB was a
 * fifth of a one-shot paste.  Not for anything an attacker must not be
 * able to collide on purpose: callers compare keys after the hash.
 */
#include <string.h>

#include "hash.h"

#define PRIME	0x100000001b3ULL

/* Hash n bytes of p into h. */
uint64_t
bd_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t w;
	size_t	 i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * PRIME;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ s[i]) * PRIME;
	return h ^ n;
}
