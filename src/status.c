/*
 * status.c - the small name tables of the public API: status strings,
 * field names, confidence names, version, option defaults.
 */
#include <string.h>

#include "bouncediag.h"

static const char *const field_names[BD_F__COUNT] = {
	[BD_F_IP] = "ip",
	[BD_F_RECIPIENT] = "recipient",
	[BD_F_REMOTE_HOST] = "remote_host",
	[BD_F_STAGE] = "stage",
	[BD_F_PROVIDER] = "provider",
	[BD_F_BLOCKLIST] = "blocklist",
	[BD_F_DOMAIN] = "domain",
	[BD_F_ACTION] = "action",
	[BD_F_REMOTE_MTA] = "remote_mta",
	[BD_F_REPORTING_MTA] = "reporting_mta",
	[BD_F_ARRIVAL_DATE] = "arrival_date",
	[BD_F_KIND] = "kind",
	[BD_F_TIMESTAMP] = "timestamp",
	[BD_F_QUEUE_ID] = "queue_id",
	[BD_F_RETRY_UNTIL] = "retry_until",
};

/* Text for a status code. */
const char *
bd_strerror(enum bd_status st)
{
	switch (st) {
	case BD_OK:
		return "success";
	case BD_E_NOMEM:
		return "out of memory";
	case BD_E_IO:
		return "input/output error";
	case BD_E_SYNTAX:
		return "rules have errors";
	case BD_E_RANGE:
		return "limit exceeded";
	case BD_E_INVAL:
		return "invalid argument";
	case BD_E_NOTFOUND:
		return "not found";
	}
	return "unknown status";
}

/* Library version. */
const char *
bd_version(void)
{
	return BD_VERSION;
}

/* Name of a field. */
const char *
bd_field_name(enum bd_field f)
{
	if ((int)f < 0 || f >= BD_F__COUNT)
		return NULL;
	return field_names[f];
}

/* Field by name, or -1. */
int
bd_field_lookup(const char *name)
{
	int	 i;

	for (i = 0; i < BD_F__COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

/* Name of a confidence level. */
const char *
bd_confidence_name(enum bd_confidence c)
{
	switch (c) {
	case BD_CONF_LOW:
		return "low";
	case BD_CONF_MEDIUM:
		return "medium";
	case BD_CONF_HIGH:
		return "high";
	case BD_CONF_NONE:
		break;
	}
	return "none";
}

/* Defaults: sniff the input, dates against the clock. */
void
bd_options_init(struct bd_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->mode = BD_MODE_AUTO;
}
