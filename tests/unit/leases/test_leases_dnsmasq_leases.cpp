// dnsmasq's lease file (src/lease.c): parsed for --import-leases and a dnsmasq
// --dhcp-leasefile, printed for `leasectl leases --format dnsmasq`. A bad line costs only
// itself; IPv6 leases are skipped; what we print parses back to the same leases.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lease_test_support.hpp"
#include "leasedns/leases/dnsmasq_leases.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;
using namespace leasedns::leases;
using namespace leasedns::leases::test;

namespace {

Bytes bytes_of(std::string_view s) {
    return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Written by dnsmasq 2.90 with DHCPv4 and DHCPv6 leases.
constexpr std::string_view kDnsmasqFile =
    "1700003600 02:00:00:00:00:01 198.18.0.10 laptop *\n"
    "0 02:00:00:00:00:02 198.18.0.11 * 01:02:00:00:00:00:02\n"
    "1700007200 02:00:00:00:00:03 198.18.0.12 printer ff:00:00:00:01:00:01:2a:1b:3c:4d\n"
    "duid 00:01:00:01:2c:5f:1a:2b:52:54:00:12:34:56\n"
    "1700003600 1234567 fd00::10 laptop 00:01:00:01:2c:5f:1a:2b:02:00:00:00:00:01\n"
    "1700003600 T99 fd00::11 * 00:01:00:01:2c:5f:1a:2b:02:00:00:00:00:01\n";

}  // namespace

TEST_CASE("a dnsmasq lease file's IPv4 lines become Bound leases with dnsmasq's identities") {
    auto parsed = parse_dnsmasq_leases(kDnsmasqFile);
    CHECK(parsed.error_count == 0);
    CHECK(parsed.has_duid);
    CHECK(parsed.ipv6_skipped == 2);
    REQUIRE(parsed.leases.size() == 3);

    const Lease& laptop = parsed.leases[0];
    CHECK(laptop.expires == 1'700'003'600);
    CHECK(laptop.addr == addr(0, 10));
    CHECK(laptop.mac == mac_of(1));
    CHECK(laptop.hostname == "laptop");
    CHECK(laptop.state == LeaseState::Bound);
    // "*": the client sent no option 61, so the engine knows it by (htype 1, chaddr).
    CHECK(laptop.client == client_of(1));

    const Lease& nameless = parsed.leases[1];
    CHECK(nameless.expires == 0);  // infinite
    CHECK(nameless.hostname.empty());
    const uint8_t id61[] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    CHECK(nameless.client == ClientId::from_option61(Bytes(id61)));
    CHECK_FALSE(nameless.client == client_of(2));  // B8: option 61 is its own identity

    CHECK(parsed.leases[2].client.str() == "ff:00:00:00:01:00:01:2a:1b:3c:4d");
}

TEST_CASE("a bad line is reported with its number and costs only itself") {
    std::string text =
        "1700003600 02:00:00:00:00:01 198.18.0.10 a *\n"
        "soon 02:00:00:00:00:02 198.18.0.11 b *\n"           // 2: expiry not a number
        "1700003600 02:00:00:00:00:03 198.18.0.300 c *\n"    // 3: address
        "1700003600 02:00:00:00:00:zz 198.18.0.13 d *\n"     // 4: MAC
        "1700003600 02:00:00:00:00:05 198.18.0.14 e 01:0\n"  // 5: client id
        "1700003600 02:00:00:00:00:06 198.18.0.15\n"         // 6: too few fields
        "1700003600 02:00:00:00:00:07 198.18.0.16 g * x\n"   // 7: too many
        "-5 02:00:00:00:00:08 198.18.0.17 h *\n"             // 8: negative expiry
        "\n"                                                 // blank: ignored
        "1700003600 02:00:00:00:00:09 198.18.0.18 i *\r\n";  // CRLF tolerated
    auto parsed = parse_dnsmasq_leases(text);
    REQUIRE(parsed.leases.size() == 2);
    CHECK(parsed.leases[0].hostname == "a");
    CHECK(parsed.leases[1].hostname == "i");
    CHECK(parsed.error_count == 7);
    std::vector<size_t> lines;
    for (const auto& e : parsed.errors) lines.push_back(e.line);
    CHECK(lines == std::vector<size_t>{2, 3, 4, 5, 6, 7, 8});
    CHECK(parsed.errors[0].message.find("expiry") != std::string::npos);
}

TEST_CASE("errors beyond the kept ones are still counted") {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "garbage line\n";
    auto parsed = parse_dnsmasq_leases(text);
    CHECK(parsed.error_count == 100);
    CHECK(parsed.errors.size() == DnsmasqLeaseFile::kMaxKeptErrors);
    CHECK(parsed.leases.empty());
}

TEST_CASE("a non-Ethernet hardware address keeps its type in the client identity") {
    auto parsed = parse_dnsmasq_leases("1700003600 20-01:02:03:04:05:06:07:08 198.18.0.9 ib *\n");
    REQUIRE(parsed.leases.size() == 1);
    const uint8_t chaddr[] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(parsed.leases[0].client == ClientId::from_hardware(0x20, Bytes(chaddr)));
}

TEST_CASE("a lease file is told from our journal by its content, never its name") {
    std::string journal(kJournalMagic);
    journal += "\x10\x00";
    CHECK(classify_lease_file(bytes_of(journal)) == LeaseFileKind::LeasednsJournal);
    CHECK(classify_lease_file(bytes_of(kDnsmasqFile)) == LeaseFileKind::DnsmasqLeases);
    // dnsmasq creates its file empty; our journal always holds at least the magic.
    CHECK(classify_lease_file(bytes_of("")) == LeaseFileKind::DnsmasqLeases);
    // Only IPv6 leases: starts with the duid line.
    CHECK(classify_lease_file(bytes_of("duid 00:01:00:01\n")) == LeaseFileKind::DnsmasqLeases);
    CHECK(classify_lease_file(bytes_of("hello world\n")) == LeaseFileKind::Unknown);
    CHECK(classify_lease_file(bytes_of(std::string("LDNSJ1\n", 7))) == LeaseFileKind::Unknown);
}

TEST_CASE("leases print in dnsmasq's format: one line per live Bound lease, by address") {
    LeaseTable table;
    table.bind(bound_lease(addr(0, 20), 2, "", 0));
    table.bind(bound_lease(addr(0, 10), 1, "laptop", kNow + 3600));
    table.bind(bound_lease(addr(0, 30), 3, "gone", kNow - 1));  // expired, not yet swept
    Lease with_id = bound_lease(addr(0, 40), 4, "phone", kNow + 60);
    const uint8_t id61[] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04};
    with_id.client = ClientId::from_option61(Bytes(id61));
    table.bind(with_id);
    table.decline(addr(0, 50), kNow + 600);
    table.hold_offer(addr(0, 60), client_of(6), mac_of(6), kNow + 30);

    CHECK(format_dnsmasq_leases(table, kNow) ==
          "1700003600 02:00:00:00:00:01 198.18.0.10 laptop *\n"
          "0 02:00:00:00:00:02 198.18.0.20 * *\n"
          "1700000060 02:00:00:00:00:04 198.18.0.40 phone 01:02:00:00:00:00:04\n");
}

TEST_CASE("what we print parses back to the same leases") {
    std::vector<Lease> leases = {bound_lease(addr(0, 1), 1, "a", kNow + 10),
                                 bound_lease(addr(0, 2), 2, "", 0)};
    Lease long_id = bound_lease(addr(0, 3), 3, "c", kNow + 20);
    std::vector<uint8_t> id(20, 0xab);
    long_id.client = ClientId::from_option61(Bytes(id));
    leases.push_back(long_id);
    const uint8_t chaddr[] = {9, 8, 7, 6, 5, 4, 3, 2};
    Lease infiniband = bound_lease(addr(0, 4), 4, "d", kNow + 30);
    infiniband.client = ClientId::from_hardware(0x20, Bytes(chaddr));
    leases.push_back(infiniband);

    auto parsed = parse_dnsmasq_leases(format_dnsmasq_leases(std::span<const Lease>(leases), kNow));
    CHECK(parsed.error_count == 0);
    REQUIRE(parsed.leases.size() == leases.size());
    for (size_t i = 0; i < leases.size(); ++i) {
        CAPTURE(i);
        CHECK(parsed.leases[i].addr == leases[i].addr);
        CHECK(parsed.leases[i].client == leases[i].client);
        CHECK(parsed.leases[i].hostname == leases[i].hostname);
        CHECK(parsed.leases[i].expires == leases[i].expires);
    }
    CHECK(parsed.leases[0].mac == leases[0].mac);
}

TEST_CASE("importing binds free unexpired leases and never overwrites the table's own") {
    LeaseTable table;
    EventLog events;
    table.bind(bound_lease(addr(0, 10), 1, "laptop", kNow + 7200));  // ours, renewed since
    table.bind(bound_lease(addr(0, 99), 2, "", kNow + 7200));        // client 2 moved here
    table.bind(bound_lease(addr(0, 12), 9, "other", kNow + 7200));   // another client at .12
    table.bind(bound_lease(addr(0, 40), 7, "taken", kNow + 7200));
    table.subscribe(&events);

    std::vector<Lease> imported = {
        bound_lease(addr(0, 10), 1, "laptop", kNow + 3600),  // already present
        bound_lease(addr(0, 11), 2, "", kNow + 3600),        // client has another lease
        bound_lease(addr(0, 12), 3, "", kNow + 3600),        // address held by another
        bound_lease(addr(0, 13), 4, "tv", kNow - 1),         // expired
        bound_lease(addr(0, 14), 5, "nas", 0),               // infinite: imported
        bound_lease(addr(0, 15), 6, "taken", kNow + 3600),   // imported without its name
        bound_lease(addr(0, 16), 8, "far", kNow + 3600),     // refused by the predicate
    };
    auto report = merge_imported_leases(table, imported, kNow,
                                        [](const Lease& l) { return l.addr != addr(0, 16); });
    CHECK(report.imported == 2);
    CHECK(report.already_present == 1);
    CHECK(report.conflicting == 2);
    CHECK(report.expired == 1);
    CHECK(report.refused == 1);
    CHECK(report.names_dropped == 1);

    CHECK(events.kinds() == std::vector<EventKind>{EventKind::Granted, EventKind::Granted});
    const Lease* nas = table.find_by_client(client_of(5));
    REQUIRE(nas != nullptr);
    CHECK(nas->addr == addr(0, 14));
    CHECK(nas->hostname == "nas");
    CHECK(nas->granted == kNow);
    CHECK(table.find_by_name("nas") == nas);
    CHECK(table.find_by_addr(addr(0, 10))->expires == kNow + 7200);  // ours kept
    CHECK(table.find_by_client(client_of(2))->addr == addr(0, 99));
    check_invariants(table);
}
