/*
 * tenant_pattern.h - host-name templates that carry a customer's tenant.
 *
 * Many services put the customer's tenant or account in the host name a client
 * sends in clear: contoso.sharepoint.com, contoso-my.sharepoint.com,
 * my.bucket.s3.eu-west-1.amazonaws.com.  A template says where:
 *
 *     {tenant}.sharepoint.com          {tenant}: one label, or the part of a label
 *     {tenant}-my.sharepoint.com           before or after fixed text
 *     {tenant+}.s3.amazonaws.com       {tenant+}: one or more whole labels
 *     {tenant+}.s3.*.amazonaws.com     '*': exactly one label of any content,
 *     {tenant+}.s3-*.amazonaws.com          or the rest of a label after a prefix
 *
 * Everything else is literal.  A template holds exactly one placeholder, and a
 * '*' may stand only to the right of it, outside the tenant's own label, so that
 * matching from the right end of a name is deterministic: each label after the
 * tenant's is fixed, and what remains on the left is the fixed head, the tenant
 * and the fixed text after it.  Matching is anchored at both ends and ignores
 * case.  A compiled template is a plain value: matching allocates nothing.
 */
#ifndef SHADOWTAP_TENANT_PATTERN_H
#define SHADOWTAP_TENANT_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

#define TENANT_PATTERN_MAX_LABELS 127 /* a 253-character name has at most 127 labels */

enum tenant_label_kind {
    TENANT_LABEL_LITERAL, /* "sharepoint" */
    TENANT_LABEL_ANY,     /* "*": any one label */
    TENANT_LABEL_PREFIX,  /* "s3-*": a label that starts with "s3-" and goes on */
};

struct tenant_label {
    uint8_t off;  /* into text (a template is at most HOSTNAME_MAX characters) */
    uint8_t len;  /* the literal part: the whole label, or the prefix before '*' */
    uint8_t kind; /* enum tenant_label_kind */
};

struct tenant_pattern {
    char text[HOSTNAME_MAX + 1]; /* the template as written */
    bool multi;                  /* {tenant+} rather than {tenant} */
    uint8_t head_len;            /* text[0..head_len) is literal and precedes the tenant */
    uint8_t post_off, post_len;  /* literal text after the tenant within its label */
    uint8_t suffix_off;          /* text + suffix_off: the trailing labels that hold no '*'
                                  * (the fixed suffix, "sharepoint.com"); "" if none */
    uint16_t fixed;              /* characters outside the placeholder and '*': the more,
                                  * the more specific the template */
    uint16_t nlabels;            /* labels after the tenant's own, left to right */
    struct tenant_label labels[TENANT_PATTERN_MAX_LABELS];
};

/* Compiles text into *p.  Returns true on success; otherwise false with a reason
 * in why (a phrase that follows the template in a message: 'has no {tenant} or
 * {tenant+}').  Accepts lower-case letters, digits, '-', '_', '.', '*' and one
 * placeholder; the syntax is above. */
bool tenant_pattern_compile(const char *text, struct tenant_pattern *p, char *why, size_t whysz);

/* Matches host[0..len) (a host name, any case) against p.  On a match returns
 * true with the tenant at host[*start .. *start + *tenant_len): never empty,
 * letters, digits, '-', '_' and, for {tenant+} only, dots between labels. */
bool tenant_pattern_match(const struct tenant_pattern *p, const char *host, size_t len,
                          size_t *start, size_t *tenant_len);

/* Writes the host name p describes with "x" for the placeholder and for each
 * '*' (the template's own example: "x.s3-x.amazonaws.com").  Returns its length,
 * or 0 when outsz is too small. */
size_t tenant_pattern_example(const struct tenant_pattern *p, char *out, size_t outsz);

#endif
