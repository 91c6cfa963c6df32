/*
 * render.h - the renderers behind bd_render() and bd_render_cause().
 */
#ifndef BD_RENDER_H
#define BD_RENDER_H

#include "bouncediag.h"
#include "buf.h"

char	*bd_render_text(const struct bd_result *res, unsigned flags);
char	*bd_render_json(const struct bd_result *res);
char	*bd_render_cause_text(const struct bd_cause *c, unsigned flags);
char	*bd_render_cause_json(const struct bd_cause *c);

/* Append tmpl with each {field|default} replaced by its default, or by
 * <field> when it has none (for pages that have no diagnosis). */
void	 bd_template_defaults(struct bd_buf *b, const char *tmpl);

/* Append s as a JSON string literal (quotes included): controls
 * escaped, invalid UTF-8 replaced by U+FFFD, so the output is always
 * valid UTF-8 JSON.  NULL appends null. */
void	 bd_json_string(struct bd_buf *b, const char *s);

#endif /* BD_RENDER_H */
