/*
 * tenant_pattern.c - compile host-name templates with a tenant placeholder, and
 * match names against them.
 *
 * A compiled template is the literal head before the placeholder, the literal
 * text after it within its label, and the labels after the tenant's own, each
 * literal, '*' or "prefix*".  Matching walks the name's labels from the right,
 * one per template label (a '*' never spans a dot, so each label is found by
 * the previous dot), then checks the head and the text around the tenant on
 * what is left.  The cost is one pass over the name at most, with no
 * allocation.
 */
#include "tenant_pattern.h"

#include <stdio.h>
#include <string.h>

#define PLACEHOLDER      "{tenant}"
#define PLACEHOLDER_MANY "{tenant+}"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* host[0..n) equals the lower-case literal lit[0..n), ignoring the host's case. */
static bool same_text(const char *host, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower(host[i]) != lit[i])
            return false;
    }
    return true;
}

/* Finds the one placeholder; false with a reason if there is none, more than
 * one, or a character the syntax does not allow. */
static bool find_placeholder(const char *text, size_t *at, size_t *plen, bool *multi, char *why,
                             size_t whysz)
{
    size_t found = 0;
    for (size_t i = 0; text[i];) {
        char c = text[i];
        if (c == '{') {
            size_t n = 0;
            if (strncmp(text + i, PLACEHOLDER, strlen(PLACEHOLDER)) == 0)
                n = strlen(PLACEHOLDER);
            else if (strncmp(text + i, PLACEHOLDER_MANY, strlen(PLACEHOLDER_MANY)) == 0)
                n = strlen(PLACEHOLDER_MANY);
            if (n) {
                if (found++) {
                    snprintf(why, whysz, "has more than one {tenant} or {tenant+}");
                    return false;
                }
                *at = i;
                *plen = n;
                *multi = n == strlen(PLACEHOLDER_MANY);
                i += n;
                continue;
            }
        }
        if (!label_char(c) && c != '.' && c != '*') {
            if (c >= ' ' && c < 0x7f)
                snprintf(why, whysz,
                         "has '%c', which is not allowed (lower-case letters, digits, '-', '_', "
                         "'.', '*' and one {tenant} or {tenant+})",
                         c);
            else
                snprintf(why, whysz,
                         "has byte 0x%02x, which is not allowed (lower-case letters, digits, '-', "
                         "'_', '.', '*' and one {tenant} or {tenant+})",
                         (unsigned char)c);
            return false;
        }
        i++;
    }
    if (!found) {
        snprintf(why, whysz, "has no {tenant} or {tenant+}");
        return false;
    }
    return true;
}

/* Classifies the labels after the tenant's label, text[from..len), into p. */
static bool compile_tail(const char *text, size_t from, size_t len, struct tenant_pattern *p,
                         char *why, size_t whysz)
{
    p->nlabels = 0;
    for (size_t s = from; s < len;) {
        const char *dot = memchr(text + s, '.', len - s);
        size_t e = dot ? (size_t)(dot - text) : len;
        const char *star = memchr(text + s, '*', e - s);
        struct tenant_label *l = &p->labels[p->nlabels++];
        l->off = (uint8_t)s;
        l->len = (uint8_t)(e - s);
        l->kind = TENANT_LABEL_LITERAL;
        if (star) {
            if ((size_t)(star - text) != e - 1) {
                snprintf(why, whysz,
                         "has a '*' that is neither a whole label nor the end of one (like "
                         "s3-*.amazonaws.com)");
                return false;
            }
            l->len = (uint8_t)(e - 1 - s);
            l->kind = l->len ? TENANT_LABEL_PREFIX : TENANT_LABEL_ANY;
        }
        s = e + 1;
    }
    /* The fixed suffix: the trailing labels without a '*'. */
    size_t k = p->nlabels;
    while (k > 0 && p->labels[k - 1].kind == TENANT_LABEL_LITERAL)
        k--;
    p->suffix_off = k < p->nlabels ? p->labels[k].off : (uint8_t)len;
    return true;
}

/* Checks the label structure: no empty label, none longer than 63 characters. */
static bool check_labels(const char *text, size_t len, size_t at, size_t plen, char *why,
                         size_t whysz)
{
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == at) { /* the placeholder counts as one character of its label */
            i += plen - 1;
            label++;
            continue;
        }
        if (i == len || text[i] == '.') {
            if (label == 0) {
                snprintf(why, whysz, "has an empty label");
                return false;
            }
            label = 0;
        } else if (++label > 63) {
            snprintf(why, whysz, "has a label longer than 63 characters");
            return false;
        }
    }
    return true;
}

bool tenant_pattern_compile(const char *text, struct tenant_pattern *p, char *why, size_t whysz)
{
    memset(p, 0, sizeof(*p));
    size_t len = strlen(text);
    if (len == 0 || len > HOSTNAME_MAX) {
        snprintf(why, whysz, "is %s", len ? "longer than 253 characters" : "empty");
        return false;
    }
    size_t at = 0, plen = 0;
    bool multi = false;
    if (!find_placeholder(text, &at, &plen, &multi, why, whysz) ||
        !check_labels(text, len, at, plen, why, whysz))
        return false;
    if (memchr(text, '*', at)) {
        snprintf(why, whysz,
                 "has {tenant} after a '*' (a '*' may stand only in the fixed part after the "
                 "tenant's label)");
        return false;
    }
    size_t post = at + plen;
    const char *dot = memchr(text + post, '.', len - post);
    size_t label_end = dot ? (size_t)(dot - text) : len;
    if (memchr(text + post, '*', label_end - post)) {
        snprintf(why, whysz,
                 "has a '*' in the tenant's own label (a '*' may stand only in the labels after "
                 "it)");
        return false;
    }
    if (multi && ((at > 0 && text[at - 1] != '.') || post != label_end)) {
        snprintf(why, whysz,
                 "has {tenant+} inside a label (it stands for whole labels, like "
                 "{tenant+}.s3.amazonaws.com)");
        return false;
    }
    memcpy(p->text, text, len + 1);
    p->multi = multi;
    p->head_len = (uint8_t)at;
    p->post_off = (uint8_t)post;
    p->post_len = (uint8_t)(label_end - post);
    if (!compile_tail(text, label_end + 1, len, p, why, whysz))
        return false;
    size_t stars = 0;
    for (size_t i = 0; i < len; i++)
        stars += text[i] == '*';
    p->fixed = (uint16_t)(len - plen - stars);
    return true;
}

/* Matches label host[s..e) against one template label. */
static bool label_matches(const struct tenant_pattern *p, const struct tenant_label *l,
                          const char *host, size_t s, size_t e)
{
    size_t n = e - s;
    switch ((enum tenant_label_kind)l->kind) {
    case TENANT_LABEL_LITERAL:
        return n == l->len && same_text(host + s, p->text + l->off, n);
    case TENANT_LABEL_ANY:
        return n > 0;
    case TENANT_LABEL_PREFIX:
        return n > l->len && same_text(host + s, p->text + l->off, l->len);
    }
    return false;
}

bool tenant_pattern_match(const struct tenant_pattern *p, const char *host, size_t len,
                          size_t *start, size_t *tenant_len)
{
    size_t end = len;
    for (size_t i = p->nlabels; i-- > 0;) {
        size_t s = end;
        while (s > 0 && host[s - 1] != '.')
            s--;
        if (s == 0 || !label_matches(p, &p->labels[i], host, s, end))
            return false; /* (s == 0: no label left for the tenant) */
        end = s - 1;
    }
    /* host[0..end) is head, tenant, post. */
    if (end < (size_t)p->head_len + p->post_len + 1 || !same_text(host, p->text, p->head_len) ||
        !same_text(host + end - p->post_len, p->text + p->post_off, p->post_len))
        return false;
    /* The tenant: label characters, no '-' at either end of it or of a label
     * in it (as in host names: "-my.sharepoint.com" names no tenant). */
    size_t ts = p->head_len, te = end - p->post_len;
    if (host[ts] == '-' || host[te - 1] == '-')
        return false;
    for (size_t i = ts; i < te; i++) {
        char c = lower(host[i]);
        if (c == '.') {
            if (!p->multi || i == ts || i + 1 == te || host[i + 1] == '.' || host[i - 1] == '-' ||
                host[i + 1] == '-')
                return false;
        } else if (!label_char(c)) {
            return false;
        }
    }
    *start = ts;
    *tenant_len = te - ts;
    return true;
}

size_t tenant_pattern_example(const struct tenant_pattern *p, char *out, size_t outsz)
{
    size_t n = 0;
    for (const char *t = p->text; *t; t++) {
        char c = *t;
        if (c == '{') {
            t = strchr(t, '}');
            c = 'x';
        } else if (c == '*') {
            c = 'x';
        }
        if (n + 1 >= outsz)
            return 0;
        out[n++] = c;
    }
    if (outsz)
        out[n] = '\0';
    return n;
}
