/*
 * report_stanza.c - ids, names and services.conf sections for candidate
 * services.
 *
 * The id is what a person would pick: the registrable domain's first label,
 * which names the vendor or product ("quillboard", "pinecrest-analytics").
 * Only when the catalog (or an earlier candidate of the same report) already
 * has that id does the whole domain stand in, and only then a number, so
 * every stanza of one report can be pasted together.  The text keeps to the
 * catalog's own syntax (docs/rules.md): "# ..." after a space is a comment,
 * so the "to review" marks cost nothing when the section is loaded.
 */
#include "report_stanza.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"

#define ID_CHARS (REPORT_STANZA_ID_MAX - 1)

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool report_stanza_domain_ok(const char *domain)
{
    char norm[HOSTNAME_MAX + 1];
    size_t n = hostname_normalize(domain, strlen(domain), norm, sizeof(norm));
    return n > 0 && strcmp(norm, domain) == 0 && strchr(norm, '.') != NULL;
}

/* The characters of s[0, n) an id may hold, at most max of them, into out:
 * a letter or digit first, then letters, digits, '-' and '_'; dots become
 * dashes.  Returns the length. */
static size_t id_chars(const char *s, size_t n, char *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        char c = s[i] == '.' ? '-' : lower(s[i]);
        if (alnum(c) || (k > 0 && (c == '-' || c == '_')))
            out[k++] = c;
    }
    out[k] = '\0';
    return k;
}

static bool is_taken(report_stanza_taken taken, void *ctx, const char *id)
{
    return taken && taken(ctx, id);
}

int report_stanza_id(const char *domain, report_stanza_taken taken, void *ctx,
                     char buf[REPORT_STANZA_ID_MAX])
{
    const char *dot = strchr(domain, '.');
    size_t label = dot ? (size_t)(dot - domain) : strlen(domain);
    if (id_chars(domain, label, buf, ID_CHARS) > 0 && !is_taken(taken, ctx, buf))
        return 0;
    char whole[REPORT_STANZA_ID_MAX];
    size_t n = id_chars(domain, strlen(domain), whole, ID_CHARS);
    if (n == 0) {
        buf[0] = '\0';
        return -1;
    }
    memcpy(buf, whole, n + 1);
    /* A bound that no catalog reaches, so a caller that calls everything
     * taken still gets an answer. */
    for (unsigned k = 2; is_taken(taken, ctx, buf); k++) {
        if (k > 1000000) {
            buf[0] = '\0';
            return -1;
        }
        char suffix[16];
        int sl = snprintf(suffix, sizeof(suffix), "-%u", k);
        size_t keep = n + (size_t)sl <= ID_CHARS ? n : ID_CHARS - (size_t)sl;
        memcpy(buf, whole, keep);
        memcpy(buf + keep, suffix, (size_t)sl + 1);
    }
    return 0;
}

void report_stanza_name(const char *domain, char *buf, size_t len)
{
    if (len == 0)
        return;
    const char *dot = strchr(domain, '.');
    size_t label = dot ? (size_t)(dot - domain) : strlen(domain);
    size_t k = 0;
    bool word_start = true;
    for (size_t i = 0; i < label && k + 1 < len; i++) {
        char c = lower(domain[i]);
        if (!alnum(c)) {
            word_start = true;
            continue;
        }
        if (word_start && k > 0) {
            if (k + 2 >= len)
                break; /* no room for the space and a letter after it */
            buf[k++] = ' ';
        }
        buf[k++] = word_start && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
        word_start = false;
    }
    buf[k] = '\0';
    if (k == 0)
        snprintf(buf, len, "%s", domain);
}

char *report_stanza_text(const char *domain, const char *id, const char *name)
{
    static const char format[] =
        "# candidate from shadowtap-report: review vendor, category, risk and reasons\n"
        "[%s]\n"
        "name     = %s\n"
        "vendor   = %s    # to review\n"
        "category = other    # to review (docs/rules.md lists the categories)\n"
        "risk     = medium    # to review\n"
        "reasons  = unreviewed    # to review\n"
        "domains  = %s\n";
    int n = snprintf(NULL, 0, format, id, name, name, domain);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text)
        snprintf(text, (size_t)n + 1, format, id, name, name, domain);
    return text;
}
