/*
 * plaintext.c - header lines of HTTP-like text protocols, read within bounds.
 */
#include "plaintext.h"

#include <string.h>
#include <strings.h>

#include "hostname.h"

static int starts_with(const uint8_t *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

size_t plaintext_ssdp_host(const uint8_t *payload, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!starts_with(payload, len, "M-SEARCH * HTTP/1.") &&
        !starts_with(payload, len, "NOTIFY * HTTP/1."))
        return 0;
    size_t pos = 0;
    while (pos < len) {
        const uint8_t *line = payload + pos;
        const uint8_t *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + 1;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* end of the headers */
        if (n > 5 && strncasecmp((const char *)line, "host:", 5) == 0) {
            size_t i = 5;
            while (i < n && (line[i] == ' ' || line[i] == '\t'))
                i++;
            return hostname_printable((const char *)line + i, n - i, out, outsz);
        }
    }
    return 0;
}
