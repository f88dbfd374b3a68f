/*
 * pcap_split.c - split a capture in two, as two mirror ports would see it.
 *
 *     pcap-split IN OUT_A OUT_B [PREFIX...]
 *
 * With prefixes, a packet goes to OUT_A when either address is in one of them
 * (the clients behind one switch, with their DNS look-ups), else to OUT_B.
 * Without, every packet of a flow goes to the output chosen by the flow's
 * symmetric key.  Packets that are not IP go to OUT_A.  Used by the test where
 * two sensors, each seeing half the traffic, must add up to one sensor seeing
 * all of it.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "flow.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pcap-split IN OUT_A OUT_B [PREFIX...]\n");
        return 2;
    }
    size_t nprefixes = (size_t)argc - 4;
    struct netprefix *prefixes = calloc(nprefixes + 1, sizeof(*prefixes));
    for (size_t i = 0; i < nprefixes; i++) {
        const char *why = NULL;
        if (!netprefix_parse(argv[4 + i], &prefixes[i], &why)) {
            fprintf(stderr, "pcap-split: %s: %s\n", argv[4 + i], why);
            return 2;
        }
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(argv[1], err);
    if (!in) {
        fprintf(stderr, "pcap-split: %s\n", err);
        return 1;
    }
    pcap_dumper_t *out[2] = {pcap_dump_open(in, argv[2]), pcap_dump_open(in, argv[3])};
    if (!out[0] || !out[1]) {
        fprintf(stderr, "pcap-split: %s\n", pcap_geterr(in));
        return 1;
    }
    flow_hash_seed();
    unsigned long count[2] = {0, 0};
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
        struct packet p;
        int part = 0;
        if (decode_packet(pcap_datalink(in), data, h->caplen, &p) == DECODE_OK) {
            if (nprefixes) {
                part = 1;
                for (size_t i = 0; i < nprefixes; i++) {
                    if (netprefix_contains(&prefixes[i], &p.src) ||
                        netprefix_contains(&prefixes[i], &p.dst))
                        part = 0;
                }
            } else {
                struct flow_key k;
                bool from_1;
                flow_key_make(&k, &p.src, &p.dst, p.sport, p.dport, p.l4_proto, p.vlan, &from_1);
                part = (int)(flow_key_hash(&k) & 1);
            }
        }
        pcap_dump((u_char *)out[part], h, data);
        count[part]++;
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "pcap-split: %s\n", pcap_geterr(in));
    pcap_dump_close(out[0]);
    pcap_dump_close(out[1]);
    pcap_close(in);
    free(prefixes);
    printf("%lu %lu\n", count[0], count[1]);
    return rc == PCAP_ERROR ? 1 : 0;
}
