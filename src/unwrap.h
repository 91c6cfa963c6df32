/*
 * unwrap.h - peel the forms that wrap an SMTP reply in what people paste
 * (application error lines, MTA log lines), driven by the `wrapper`
 * entries of the rule table.
 */
#ifndef BD_UNWRAP_H
#define BD_UNWRAP_H

#include <stddef.h>

#include "rules.h"

/*
 * The innermost reply found.  text is owned by the struct (free with
 * bd_unwrapped_free()) and NULL when no wrapper matched; fields holds
 * what the wrappers captured (recipient, remote host, ...), each owned
 * too, NULL when not captured.  layers counts the wrappers peeled.
 */
struct bd_unwrapped {
	char		*text;
	size_t		 len;
	char		*fields[BD_F__COUNT];
	const char	*wrapper;	/* id of the outermost wrapper */
	unsigned	 layers;
};

/*
 * Peel wrappers off in (len bytes) while one matches, at most
 * BD_MAX_UNWRAP times.  Returns 0 (u->text NULL when nothing matched)
 * or -1 when out of memory.  Limit hits add to *limit_hits.
 */
int	 bd_unwrap(const struct bd_rules *rules, const char *in, size_t len,
	    struct bd_unwrapped *u, unsigned *limit_hits);
void	 bd_unwrapped_free(struct bd_unwrapped *u);

/*
 * Decode backslash escapes in place (\n \r \t \\ \' \" \/ \xHH
 * \uXXXX, as Python's bytes repr and JSON write them); others stay as
 * they are.  Returns the new length (never longer).
 */
size_t	 bd_unescape_c(char *s, size_t len);

#endif /* BD_UNWRAP_H */
