/*
 * trailer.h - where the words of a reply end and the trailing noise
 * receivers append begins: tracking ids, "- gsmtp", bracketed server
 * names, help URLs.
 */
#ifndef BD_TRAILER_H
#define BD_TRAILER_H

#include <stddef.h>

/*
 * The length of text (len bytes) without its trailing noise; len when
 * there is none.  Never 0 for a text that has words.
 */
size_t	bd_trailer_start(const char *text, size_t len);

#endif /* BD_TRAILER_H */
