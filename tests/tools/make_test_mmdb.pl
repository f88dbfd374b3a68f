#!/usr/bin/perl
# make_test_mmdb.pl OUTDIR: writes the small MaxMind-format databases the tests
# use, in the record shapes of GeoLite2-Country and GeoLite2-ASN:
#
#   OUTDIR/country.mmdb   country.iso_code (and registered_country, continent)
#   OUTDIR/asn.mmdb       autonomous_system_number, autonomous_system_organization
#   OUTDIR/networks.tsv   what was written: network, country, asn, organisation
#
# The sample office (tests/tools/gen_sample.c) puts its services in the
# documentation ranges: IPv4 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24
# (hosts from .10 up) and IPv6 2001:db8:{100,200,300}:...::/64.  Each range gets
# a country and an autonomous system from the documentation ASNs (RFC 5398).
# Only 203.0.113.0/26 of the third IPv4 block is written: the sample's UDP noise
# (203.0.113.77) and NTP server (203.0.113.123) are in neither database, so the
# tests see flows with and without a country and an ASN.
#
# Needs Debian's libmaxmind-db-writer-perl.  The networks are reserved ones, so
# the writer is told to keep them (remove_reserved_networks => 0).
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: make_test_mmdb.pl OUTDIR\n";
-d $out or die "make_test_mmdb.pl: $out is not a folder\n";

# network, country, continent, ASN, organisation ('' for none)
my @NETWORKS = (
    ['192.0.2.0/24',      'US', 'NA', 64500, 'Example Cloud, Inc.'],
    ['198.51.100.0/24',   'DE', 'EU', 64501, 'Beispiel Hosting GmbH'],
    ['203.0.113.0/26',    'JP', 'AS', 64502, 'Example CDN K.K.'],
    ['2001:db8:100::/40', 'US', 'NA', 64500, 'Example Cloud, Inc.'],
    ['2001:db8:200::/40', 'DE', 'EU', 64501, 'Beispiel Hosting GmbH'],
    ['2001:db8:300::/40', 'IE', 'EU', 64503, 'Example Networks Ltd'],
);

my %GEONAME = (US => 6252001, DE => 2921044, JP => 1861060, IE => 2963597);
my %CONTINENT = (
    NA => [6255149, 'North America'],
    EU => [6255148, 'Europe'],
    AS => [6255147, 'Asia'],
);
my %COUNTRY_NAME =
    (US => 'United States', DE => 'Germany', JP => 'Japan', IE => 'Ireland');

my %TYPES = (
    continent                      => 'map',
    country                        => 'map',
    registered_country             => 'map',
    names                          => 'map',
    code                           => 'utf8_string',
    iso_code                       => 'utf8_string',
    en                             => 'utf8_string',
    geoname_id                     => 'uint32',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type, $description) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $description },
        map_key_type_callback    => sub { $TYPES{ $_[0] } },
        remove_reserved_networks => 0,
    );
}

sub write_db {
    my ($tree, $path) = @_;
    open my $fh, '>:raw', "$path.tmp" or die "make_test_mmdb.pl: $path.tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "make_test_mmdb.pl: $path.tmp: $!\n";
    rename "$path.tmp", $path or die "make_test_mmdb.pl: $path: $!\n";
}

my $country = tree('GeoLite2-Country', 'shadowtap test country database');
my $asn = tree('GeoLite2-ASN', 'shadowtap test ASN database');
open my $tsv, '>', "$out/networks.tsv" or die "make_test_mmdb.pl: $out/networks.tsv: $!\n";
print $tsv "# network\tcountry\tasn\torganisation\n";
for my $n (@NETWORKS) {
    my ($net, $cc, $cont, $as, $org) = @$n;
    my $place = {
        geoname_id => $GEONAME{$cc},
        iso_code   => $cc,
        names      => { en => $COUNTRY_NAME{$cc} },
    };
    $country->insert_network(
        $net,
        {
            continent => {
                code       => $cont,
                geoname_id => $CONTINENT{$cont}[0],
                names      => { en => $CONTINENT{$cont}[1] },
            },
            country            => $place,
            registered_country => $place,
        }
    );
    $asn->insert_network(
        $net,
        {
            autonomous_system_number       => $as,
            autonomous_system_organization => $org,
        }
    );
    print $tsv "$net\t$cc\t$as\t$org\n";
}
close $tsv or die "make_test_mmdb.pl: $out/networks.tsv: $!\n";
write_db($country, "$out/country.mmdb");
write_db($asn, "$out/asn.mmdb");
