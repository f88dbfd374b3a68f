/*
 * fuzz_departments.c - the departments file loader and its lookups.
 *
 * Input: a departments.conf.  When it loads, each department's id finds it
 * again, and look-ups of a spread of addresses and every VLAN id, and of
 * devices by MAC and DHCP host name, return a department or -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "departments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const struct departments *t, const struct netaddr *a, uint16_t vlan)
{
    int i = departments_lookup(t, a, vlan);
    if (i < -1 || (i >= 0 && !departments_get(t, i)))
        abort();
    departments_is_internal(t, a);
}

static void devices(const struct departments *t)
{
    static const uint8_t macs[][6] = {{0x00, 0x1b, 0x63, 0x84, 0x45, 0xe6},
                                      {0x02, 0, 0, 0, 0, 1},
                                      {0, 0, 0, 0, 0, 0},
                                      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    static const char *const names[] = {NULL,          "",      "FIN-laptop",
                                        "bob-acct-eu", "lab3y", "ws-b7",
                                        "a-b.c_d",     "*?[]",  "\xc3\xa9t\xc3\xa9"};
    for (size_t m = 0; m <= sizeof(macs) / sizeof(macs[0]); m++) {
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
            enum department_source how;
            const uint8_t *mac = m < sizeof(macs) / sizeof(macs[0]) ? macs[m] : NULL;
            int i = departments_match_device(t, names[n], mac, &how);
            if (i < -1 || (i >= 0 && !departments_get(t, i)) ||
                (i < 0) != (how == DEPARTMENT_SOURCE_NONE))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct diag d;
    diag_init(&d);
    struct departments *t = departments_load_buffer("departments.conf", buf, size, &d);
    if (t) {
        if (d.errors)
            abort();
        for (size_t i = 0; i < departments_count(t); i++) {
            const struct department *dep = departments_get(t, (int)i);
            if (!dep || !dep->name || departments_find(t, dep->id) != (int)i)
                abort();
        }
        static const uint8_t v4[][4] = {{10, 0, 0, 1},       {10, 1, 2, 3}, {192, 168, 1, 1},
                                        {172, 16, 0, 1},     {8, 8, 8, 8},  {0, 0, 0, 0},
                                        {255, 255, 255, 255}};
        struct netaddr a;
        for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
            netaddr_from_v4(&a, v4[i]);
            lookup(t, &a, 0);
        }
        uint8_t v6[16] = {0xfd, 0, 0, 1};
        netaddr_from_v6(&a, v6);
        for (unsigned vlan = 0; vlan <= 4096; vlan += 7)
            lookup(t, &a, (uint16_t)vlan);
        lookup(t, &a, 0xffff);
        devices(t);
        departments_free(t);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    free(buf);
    return 0;
}
