/*
 * shipped_rules.h - cmocka group fixture shared by the unit tests that
 * diagnose with the shipped rule table (run from the top of the tree).
 */
#ifndef BD_TEST_SHIPPED_RULES_H
#define BD_TEST_SHIPPED_RULES_H

#include "bouncediag.h"

static struct bd_rules *rules;

/* Load rules/ once for the group; a broken table fails the group. */
static int
setup(void **state)
{
	(void)state;
	rules = bd_rules_new();
	if (bd_rules_add_path(rules, "rules", NULL, NULL) != BD_OK ||
	    bd_rules_finish(rules, NULL, NULL) != BD_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	bd_rules_free(rules);
	return 0;
}

#endif /* BD_TEST_SHIPPED_RULES_H */
