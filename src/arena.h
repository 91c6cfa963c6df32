/*
 * arena.h - a bump allocator for the strings of one result.  Everything
 * allocated from an arena is freed at once by bd_arena_free(); nothing is
 * freed alone.  Keeps per-diagnosis ownership trivial.
 */
#ifndef BD_ARENA_H
#define BD_ARENA_H

#include <stddef.h>

struct bd_arena_chunk;

struct bd_arena {
	struct bd_arena_chunk *head;
};

void	 bd_arena_init(struct bd_arena *a);
void	 bd_arena_free(struct bd_arena *a);
/* n bytes aligned for any object, or NULL when out of memory. */
void	*bd_arena_alloc(struct bd_arena *a, size_t n);
/* A NUL-terminated copy of the first len bytes of s, or NULL. */
char	*bd_arena_strndup(struct bd_arena *a, const char *s, size_t len);
char	*bd_arena_strdup(struct bd_arena *a, const char *s);

#endif /* BD_ARENA_H */
