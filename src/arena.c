/*
 * arena.c - bump allocator backing struct bd_result (see arena.h).
 * Chunks grow geometrically up to 64 kB; a larger request gets a chunk of
 * its own, so no request is ever refused for size alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_MIN_CHUNK	1024
#define ARENA_MAX_CHUNK	(64u * 1024)

struct bd_arena_chunk {
	struct bd_arena_chunk *next;
	size_t	 used;
	size_t	 cap;
	max_align_t data[];
};

/* Start with no chunk: an unused arena costs no allocation. */
void
bd_arena_init(struct bd_arena *a)
{
	a->head = NULL;
}

/* Free every chunk. */
void
bd_arena_free(struct bd_arena *a)
{
	struct bd_arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* Take n bytes from the head chunk, or start a new chunk. */
void *
bd_arena_alloc(struct bd_arena *a, size_t n)
{
	struct bd_arena_chunk *c = a->head;
	size_t	 align = sizeof(max_align_t), cap;
	void	*p;

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (c == NULL || c->cap - c->used < n) {
		cap = c == NULL ? ARENA_MIN_CHUNK : c->cap * 2;
		if (cap > ARENA_MAX_CHUNK)
			cap = ARENA_MAX_CHUNK;
		if (cap < n)
			cap = n;
		if (cap > SIZE_MAX - sizeof(*c))
			return NULL;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

/* Copy len bytes of s and terminate them. */
char *
bd_arena_strndup(struct bd_arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = bd_arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copy a NUL-terminated string. */
char *
bd_arena_strdup(struct bd_arena *a, const char *s)
{
	return bd_arena_strndup(a, s, strlen(s));
}
