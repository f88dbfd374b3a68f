/*
 * report_catalog.c - every service of the catalog with its facts and policy:
 * how it is recognised (domains, nDPI names, ranges, tenant patterns), the use
 * of a generative-AI service (app or api), and what the policy says of it
 * (status, alternative, the organisation's own tenants).
 */
#include "report_catalog.h"

#include "rules.h"

static json_t *strings(char **list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(list[i]));
    return a;
}

json_t *report_catalog(const struct report_request *rq, char *err, size_t errlen)
{
    const struct rules *r = rq->rules;
    json_t *services = json_array();
    size_t n = catalog_count(r->catalog);
    for (size_t i = 0; i < n; i++) {
        const struct service *s = catalog_service(r->catalog, (int)i);
        json_t *reasons = json_array();
        for (int k = 0; k < REASON_COUNT; k++) {
            if (s->reasons & (1u << k))
                json_array_append_new(reasons, json_string(catalog_reason_name(k)));
        }
        json_t *ranges = json_array();
        for (size_t k = 0; k < s->nranges; k++) {
            char buf[64];
            json_array_append_new(ranges,
                                  json_string(netprefix_format(&s->ranges[k], buf, sizeof(buf))));
        }
        int alt = policy_alternative(r->policy, (int)i);
        const struct service *a = catalog_service(r->catalog, alt);
        json_t *o =
            json_pack("{s:s, s:s, s:s?, s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "id", s->id, "name",
                      s->name, "vendor", s->vendor, "category", catalog_category_name(s->category),
                      "risk", catalog_risk_name(s->risk), "reasons", reasons, "domains",
                      strings(s->domains, s->ndomains), "ndpi", strings(s->ndpi, s->nndpi), "ip",
                      ranges, "status", policy_status_name(policy_status(r->policy, (int)i, -1)));
        json_object_set_new(o, "alternative", a ? json_string(a->id) : json_null());
        const char *use = catalog_use_name(s->use);
        if (use) /* generative-AI services only */
            json_object_set_new(o, "use", json_string(use));
        json_object_set_new(o, "tenants", strings(s->tenants, s->ntenants));
        json_object_set_new(o, "not_tenants", strings(s->not_tenants, s->nnot_tenants));
        const char *const *own = NULL;
        size_t nown = policy_own_tenants(r->policy, (int)i, &own);
        json_t *own_tenants = json_array();
        for (size_t k = 0; k < nown; k++)
            json_array_append_new(own_tenants, json_string(own[k]));
        json_object_set_new(o, "own_tenants", own_tenants);
        json_array_append_new(services, o);
    }
    json_t *categories = json_array();
    for (int c = 0; c < CATEGORY_COUNT; c++)
        json_array_append_new(categories, json_string(catalog_category_name(c)));
    return json_pack("{s:s, s:I, s:o, s:o}", "report", "catalog", "count", (json_int_t)n,
                     "categories", categories, "services", services);
}
