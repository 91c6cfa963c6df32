/*
 * log_formats.h - the table of log formats (log_formats.c).
 */
#ifndef BD_LOG_FORMATS_H
#define BD_LOG_FORMATS_H

#include "log_format.h"

/* Every format, in dispatch order, ended by NULL. */
extern const struct bd_log_format *const bd_log_formats[];

#endif /* BD_LOG_FORMATS_H */
