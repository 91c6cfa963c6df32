/*
 * render.c - format dispatch and the helpers the renderers share.
 */
#include <string.h>

#include "render.h"

/* Public: render a result. */
char *
bd_render(const struct bd_result *res, enum bd_format fmt, unsigned flags)
{
	if (fmt == BD_FORMAT_JSON)
		return bd_render_json(res);
	return bd_render_text(res, flags);
}

/* Public: render a cause page. */
char *
bd_render_cause(const struct bd_cause *c, enum bd_format fmt,
    unsigned flags)
{
	if (fmt == BD_FORMAT_JSON)
		return bd_render_cause_json(c);
	return bd_render_cause_text(c, flags);
}

/* {field|default} -> default, {field} -> <field>. */
void
bd_template_defaults(struct bd_buf *b, const char *tmpl)
{
	const char *p, *open, *close, *bar;

	for (p = tmpl; (open = strchr(p, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL; p = close + 1) {
		(void)bd_buf_append(b, p, (size_t)(open - p));
		bar = memchr(open, '|', (size_t)(close - open));
		if (bar != NULL)
			(void)bd_buf_append(b, bar + 1,
			    (size_t)(close - bar - 1));
		else {
			(void)bd_buf_putc(b, '<');
			(void)bd_buf_append(b, open + 1,
			    (size_t)(close - open - 1));
			(void)bd_buf_putc(b, '>');
		}
	}
	(void)bd_buf_puts(b, p);
}
