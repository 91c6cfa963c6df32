/*
 * hash.h - the one non-cryptographic 64-bit hash of the library (cache
 * keys, summary tables, the rules cache checksum).
 */
#ifndef BD_HASH_H
#define BD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define BD_HASH_INIT	0xcbf29ce484222325ULL

/* Hash n bytes of p into h; chain calls to hash several pieces. */
uint64_t	bd_hash(uint64_t h, const void *p, size_t n);

#endif /* BD_HASH_H */
