/*
 * rules.h - one consistent set of rules: catalog, departments and policy.
 *
 * The three files of a rules folder (services.conf, departments.conf,
 * policy.conf) are loaded together because the policy refers to the other two.
 * A rule set is immutable once loaded and reference-counted: on reload the
 * sensor loads a new set beside the old one, hands it to every worker, and the
 * old set is freed when the last worker lets go of it.
 */
#ifndef SHADOWTAP_RULES_H
#define SHADOWTAP_RULES_H

#include <stdatomic.h>

#include "catalog.h"
#include "departments.h"
#include "diag.h"
#include "policy.h"
#include "resolvers.h"

#define RULES_SERVICES_FILE    "services.conf"
#define RULES_DEPARTMENTS_FILE "departments.conf"
#define RULES_POLICY_FILE      "policy.conf"
#define RULES_RESOLVERS_FILE   "resolvers.conf" /* optional (resolvers.h) */

struct rules {
    struct catalog *catalog;
    struct departments *departments;
    struct policy *policy;
    struct resolvers *resolvers;
    char *dir;
    atomic_int refs;
};

/* Loads the files of dir (the resolvers file may be absent).  Returns NULL if any file has an
 * error; every error is recorded in d.  The new set holds one reference. */
struct rules *rules_load(const char *dir, struct diag *d);
struct rules *rules_retain(struct rules *r);
/* Drops a reference; frees the set with the last one.  Accepts NULL. */
void rules_release(struct rules *r);

#endif
