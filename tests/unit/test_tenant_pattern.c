/*
 * test_tenant_pattern.c - host-name templates with a tenant placeholder: what
 * compiles and the reason for what does not, matching anchored at both ends
 * ({tenant} in a whole label and in part of one, {tenant+} over labels, '*' as
 * a label and as the rest of one, a literal head), case, the edges (a name
 * equal to the fixed suffix, an empty tenant, the longest names), and each
 * template's own example.
 */
#include "tenant_pattern.h"

#include "test.h"

static struct tenant_pattern pat;

static int compiles(const char *text)
{
    char why[160] = "";
    int ok = tenant_pattern_compile(text, &pat, why, sizeof(why));
    if (!ok)
        fprintf(stderr, "    %s: %s\n", text, why);
    return ok;
}

/* The reason text does not compile, or "" when it does. */
static const char *refused(const char *text)
{
    static char why[160];
    struct tenant_pattern p;
    why[0] = '\0';
    if (tenant_pattern_compile(text, &p, why, sizeof(why)))
        return "";
    return why;
}

/* The tenant host gives under pat, or NULL when it does not match. */
static const char *tenant(const char *host)
{
    static char out[HOSTNAME_MAX + 1];
    size_t start = 0, n = 0;
    if (!tenant_pattern_match(&pat, host, strlen(host), &start, &n))
        return NULL;
    memcpy(out, host + start, n);
    out[n] = '\0';
    return out;
}

#define CHECK_REFUSED(text, part)                                                                  \
    do {                                                                                           \
        const char *why_ = refused(text);                                                          \
        CHECK(why_[0] != '\0' && strstr(why_, part) != NULL);                                      \
        if (!why_[0] || !strstr(why_, part))                                                       \
            fprintf(stderr, "    %s: \"%s\", wanted ...%s...\n", text, why_, part);                \
    } while (0)

TEST(syntax_errors_each_with_its_reason)
{
    CHECK_REFUSED("", "is empty");
    CHECK_REFUSED("sharepoint.com", "has no {tenant} or {tenant+}");
    CHECK_REFUSED("{tenant}.{tenant}.example.com", "has more than one {tenant} or {tenant+}");
    CHECK_REFUSED("{tenant}.{tenant+}.example.com", "has more than one");
    CHECK_REFUSED("{tenant}..example.com", "has an empty label");
    CHECK_REFUSED(".{tenant}.example.com", "has an empty label");
    CHECK_REFUSED("{tenant}.example.com.", "has an empty label");
    CHECK_REFUSED("{tenant}.Example.com", "has 'E', which is not allowed");
    CHECK_REFUSED("{tenant}.exa mple.com", "has ' ', which is not allowed");
    CHECK_REFUSED("{tenant}.ex/ample.com", "has '/'");
    CHECK_REFUSED("{tenantx}.example.com", "has '{'");
    CHECK_REFUSED("{Tenant}.example.com", "has '{'");
    CHECK_REFUSED("{tenant}}.example.com", "has '}'");
    CHECK_REFUSED("{tenant}.ex\x01mple.com", "has byte 0x01");
    CHECK_REFUSED("*.{tenant}.example.com", "has {tenant} after a '*'");
    CHECK_REFUSED("s3-*.{tenant+}.example.com", "has {tenant} after a '*'");
    CHECK_REFUSED("x*{tenant}.example.com", "has {tenant} after a '*'");
    CHECK_REFUSED("{tenant}-*.example.com", "a '*' in the tenant's own label");
    CHECK_REFUSED("{tenant}.a*b.example.com", "neither a whole label nor the end of one");
    CHECK_REFUSED("{tenant}.*a.example.com", "neither a whole label nor the end of one");
    CHECK_REFUSED("{tenant}.**.example.com", "neither a whole label nor the end of one");
    CHECK_REFUSED("x{tenant+}.example.com", "has {tenant+} inside a label");
    CHECK_REFUSED("{tenant+}-my.example.com", "has {tenant+} inside a label");
    /* too long: a label of 64, a name of 254 */
    char text[300];
    snprintf(text, sizeof(text), "{tenant}.%064d.com", 0);
    CHECK_REFUSED(text, "has a label longer than 63 characters");
    /* the longest that compiles: 253 characters, labels of 63; one more is too long */
    size_t n = (size_t)snprintf(text, sizeof(text), "{tenant}");
    while (n < 253) {
        size_t label = 253 - n - 1 < 63 ? 253 - n - 1 : 63;
        text[n++] = '.';
        memset(text + n, 'a', label);
        n += label;
    }
    text[n] = '\0';
    CHECK_INT(strlen(text), 253);
    CHECK(compiles(text));
    strcat(text, "a");
    CHECK_REFUSED(text, "is longer than 253 characters");
}

TEST(compiled_form)
{
    CHECK(compiles("{tenant}-my.sharepoint.com"));
    CHECK(!pat.multi);
    CHECK_INT(pat.head_len, 0);
    CHECK_INT(pat.post_len, 3);
    CHECK_STR(pat.text + pat.suffix_off, "sharepoint.com");
    CHECK_INT(pat.nlabels, 2);
    CHECK_INT(pat.fixed, 18);

    CHECK(compiles("{tenant+}.s3.*.amazonaws.com"));
    CHECK(pat.multi);
    CHECK_INT(pat.nlabels, 4);
    CHECK_INT(pat.labels[1].kind, TENANT_LABEL_ANY);
    CHECK_STR(pat.text + pat.suffix_off, "amazonaws.com");
    CHECK_INT(pat.fixed, 18); /* ".s3." ".amazonaws.com" */

    CHECK(compiles("{tenant+}.s3-*.amazonaws.com"));
    CHECK_INT(pat.labels[0].kind, TENANT_LABEL_PREFIX);
    CHECK_INT(pat.labels[0].len, 3);

    CHECK(compiles("api.{tenant}.ghe.com"));
    CHECK_INT(pat.head_len, 4);
    CHECK_STR(pat.text + pat.suffix_off, "ghe.com");

    /* a '*' last: no fixed suffix */
    CHECK(compiles("{tenant}.example.*"));
    CHECK_STR(pat.text + pat.suffix_off, "");
}

TEST(one_label_tenant)
{
    CHECK(compiles("{tenant}.sharepoint.com"));
    CHECK_STR(tenant("contoso.sharepoint.com"), "contoso");
    CHECK_STR(tenant("contoso-my.sharepoint.com"), "contoso-my");
    CHECK_STR(tenant("CONTOSO.SharePoint.COM"), "CONTOSO"); /* the caller lower-cases */
    CHECK_STR(tenant("a_b-1.sharepoint.com"), "a_b-1");
    /* anchored at both ends */
    CHECK(tenant("a.contoso.sharepoint.com") == NULL);
    CHECK(tenant("contoso.sharepoint.com.evil.example") == NULL);
    CHECK(tenant("contoso.notsharepoint.com") == NULL);
    CHECK(tenant("contoso.sharepoint.co") == NULL);
    CHECK(tenant("contososharepoint.com") == NULL);
    /* the suffix itself, an empty tenant, empty labels */
    CHECK(tenant("sharepoint.com") == NULL);
    CHECK(tenant(".sharepoint.com") == NULL);
    CHECK(tenant("..sharepoint.com") == NULL);
    CHECK(tenant("") == NULL);
    CHECK(tenant("com") == NULL);
    /* characters no host name has */
    CHECK(tenant("con*oso.sharepoint.com") == NULL);
    CHECK(tenant("con toso.sharepoint.com") == NULL);
    /* no '-' at either end */
    CHECK(tenant("-my.sharepoint.com") == NULL);
    CHECK(tenant("my-.sharepoint.com") == NULL);
}

TEST(part_of_a_label)
{
    CHECK(compiles("{tenant}-my.sharepoint.com"));
    CHECK_STR(tenant("contoso-my.sharepoint.com"), "contoso");
    CHECK_STR(tenant("con-my-my.sharepoint.com"), "con-my");
    CHECK(tenant("-my.sharepoint.com") == NULL); /* empty tenant */
    CHECK(tenant("contoso.sharepoint.com") == NULL);
    CHECK(tenant("contoso-myx.sharepoint.com") == NULL);
    CHECK(tenant("a.contoso-my.sharepoint.com") == NULL);

    CHECK(compiles("x-{tenant}.example.com"));
    CHECK_STR(tenant("x-acme.example.com"), "acme");
    CHECK(tenant("x-.example.com") == NULL);
    CHECK(tenant("x--a.example.com") == NULL);
    CHECK(tenant("y-acme.example.com") == NULL);

    CHECK(compiles("api.{tenant}.ghe.com"));
    CHECK_STR(tenant("api.octo.ghe.com"), "octo");
    CHECK(tenant("octo.ghe.com") == NULL);
    CHECK(tenant("api.a.b.ghe.com") == NULL);
    CHECK(tenant("api..ghe.com") == NULL);
}

TEST(several_labels)
{
    CHECK(compiles("{tenant+}.s3.amazonaws.com"));
    CHECK_STR(tenant("my.bucket.s3.amazonaws.com"), "my.bucket");
    CHECK_STR(tenant("bucket.s3.amazonaws.com"), "bucket");
    CHECK_STR(tenant("a.b.c.d.s3.amazonaws.com"), "a.b.c.d");
    CHECK(tenant("s3.amazonaws.com") == NULL);
    CHECK(tenant(".s3.amazonaws.com") == NULL);
    CHECK(tenant("a..b.s3.amazonaws.com") == NULL);
    CHECK(tenant(".a.s3.amazonaws.com") == NULL);
    CHECK(tenant("a-.b.s3.amazonaws.com") == NULL);
    CHECK(tenant("a.-b.s3.amazonaws.com") == NULL);
    CHECK_STR(tenant("a-b.c-d.s3.amazonaws.com"), "a-b.c-d");
    CHECK(tenant("bucket.s3.eu-west-1.amazonaws.com") == NULL);

    /* a single {tenant} never spans a dot */
    CHECK(compiles("{tenant}.s3.amazonaws.com"));
    CHECK(tenant("my.bucket.s3.amazonaws.com") == NULL);
}

TEST(stars)
{
    CHECK(compiles("{tenant+}.s3.*.amazonaws.com"));
    CHECK_STR(tenant("my.bucket.s3.eu-west-1.amazonaws.com"), "my.bucket");
    CHECK_STR(tenant("b.s3.x.amazonaws.com"), "b");
    CHECK(tenant("b.s3.amazonaws.com") == NULL); /* '*' is exactly one label */
    CHECK(tenant("b.s3.a.b.amazonaws.com") == NULL);
    CHECK(tenant("s3.eu-west-1.amazonaws.com") == NULL); /* path style: no bucket */
    CHECK(tenant("b.s3..amazonaws.com") == NULL);
    CHECK(tenant("b.s4.eu-west-1.amazonaws.com") == NULL);

    CHECK(compiles("{tenant+}.s3-*.amazonaws.com"));
    CHECK_STR(tenant("bucket.s3-eu-west-1.amazonaws.com"), "bucket");
    CHECK_STR(tenant("bucket.s3-accelerate.amazonaws.com"), "bucket");
    CHECK_STR(tenant("BUCKET.S3-Website-us-east-1.amazonaws.com"), "BUCKET");
    CHECK(tenant("bucket.s3-.amazonaws.com") == NULL); /* the rest of the label is not empty */
    CHECK(tenant("bucket.s3.amazonaws.com") == NULL);
    CHECK(tenant("bucket.xs3-eu.amazonaws.com") == NULL);
    CHECK(tenant("s3-eu-west-1.amazonaws.com") == NULL);

    CHECK(compiles("{tenant}.*.*.snowflakecomputing.com"));
    CHECK_STR(tenant("xy12345.ap-northeast-1.aws.snowflakecomputing.com"), "xy12345");
    CHECK(tenant("xy12345.aws.snowflakecomputing.com") == NULL);
}

TEST(long_names)
{
    /* a 63-character tenant, and a 253-character name of {tenant+} labels */
    char host[400], label[64];
    memset(label, 'a', 63);
    label[63] = '\0';
    CHECK(compiles("{tenant}.sharepoint.com"));
    snprintf(host, sizeof(host), "%s.sharepoint.com", label);
    CHECK_STR(tenant(host), label);
    CHECK(compiles("{tenant+}.s3.amazonaws.com"));
    size_t n = 0;
    while (n + 64 + strlen(".s3.amazonaws.com") <= 253) {
        memcpy(host + n, label, 63);
        host[n + 63] = '.';
        n += 64;
    }
    strcpy(host + n - 1, ".s3.amazonaws.com");
    const char *t = tenant(host);
    CHECK(t != NULL);
    CHECK_INT(t ? strlen(t) : 0, n - 1);
    /* a name longer than any host name still matches safely; the catalog
     * refuses those before matching */
    char huge[2000];
    memset(huge, 'b', sizeof(huge));
    strcpy(huge + 1900, ".s3.amazonaws.com");
    size_t start = 1, len = 0;
    CHECK(tenant_pattern_match(&pat, huge, strlen(huge), &start, &len));
    CHECK_INT(start, 0);
    CHECK_INT(len, 1900);
}

TEST(examples)
{
    static const char *const cases[][2] = {
        {"{tenant}.sharepoint.com", "x.sharepoint.com"},
        {"{tenant}-my.sharepoint.com", "x-my.sharepoint.com"},
        {"{tenant+}.s3.*.amazonaws.com", "x.s3.x.amazonaws.com"},
        {"{tenant+}.s3-*.amazonaws.com", "x.s3-x.amazonaws.com"},
        {"api.{tenant}.ghe.com", "api.x.ghe.com"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[HOSTNAME_MAX + 1];
        CHECK(compiles(cases[i][0]));
        CHECK_INT(tenant_pattern_example(&pat, out, sizeof(out)), strlen(cases[i][1]));
        CHECK_STR(out, cases[i][1]);
        CHECK_STR(tenant(out), "x");
    }
    char small[8];
    CHECK(compiles("{tenant}.sharepoint.com"));
    CHECK_INT(tenant_pattern_example(&pat, small, sizeof(small)), 0);
}

int main(void)
{
    RUN(syntax_errors_each_with_its_reason);
    RUN(compiled_form);
    RUN(one_label_tenant);
    RUN(part_of_a_label);
    RUN(several_labels);
    RUN(stars);
    RUN(long_names);
    RUN(examples);
    return test_report();
}
