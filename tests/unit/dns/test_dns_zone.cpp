// The zone: lease names answered straight from a real lease table (a record exists
// exactly while its lease does), static data from configuration and hosts files, and
// authoritative replies — AA, the client's case echoed, SOA with NXDOMAIN and NODATA
// (RFC 2308), minimal ANY (RFC 8482), TC when the answer does not fit. Queries are real
// wire bytes through dns::decode_query; replies are decoded with dns::decode_message.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../leases/lease_test_support.hpp"
#include "leasedns/dns/zone.hpp"

using namespace leasedns;
using namespace leasedns::dns;
using leasedns::leases::test::addr;
using leasedns::leases::test::bound_lease;
using leasedns::leases::test::client_of;
using leasedns::leases::test::kNow;

namespace {

constexpr uint16_t kId = 0xbeef;

// A query as a client sends it: the name exactly as written (case kept), RD set.
std::vector<uint8_t> query_wire(std::string_view name, uint16_t qtype, bool edns = false,
                                uint16_t qclass = kClassIn) {
    std::vector<uint8_t> w = {kId >> 8, kId & 0xff, 0x01, 0x00, 0, 1,
                              0,        0,          0,    0,    0, uint8_t(edns ? 1 : 0)};
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        w.push_back(uint8_t(dot - start));
        for (size_t i = start; i < dot; ++i) w.push_back(uint8_t(name[i]));
        start = dot + 1;
    }
    w.push_back(0);
    w.insert(w.end(), {uint8_t(qtype >> 8), uint8_t(qtype), uint8_t(qclass >> 8), uint8_t(qclass)});
    if (edns) w.insert(w.end(), {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0});  // 4096, no DO
    return w;
}

struct Reply {
    ZoneVerdict verdict = ZoneVerdict::NotOurs;
    std::vector<uint8_t> bytes;
    Message msg;
    uint8_t rcode() const { return msg.header.rcode(); }
    bool aa() const { return msg.header.flags & Header::kAa; }
};

Ipv4 a_of(const Record& r) {
    REQUIRE(r.rdata.size() == 4);
    return Ipv4((uint32_t{r.rdata[0]} << 24) | (uint32_t{r.rdata[1]} << 16) |
                (uint32_t{r.rdata[2]} << 8) | r.rdata[3]);
}
// The uncompressed name starting at `skip` inside rdata (decoded rdata holds names
// uncompressed), up to and including its root label.
std::string name_of(const std::vector<uint8_t>& wire, size_t skip = 0) {
    size_t end = skip;
    while (end < wire.size() && wire[end] != 0) end += wire[end] + 1u;
    REQUIRE(end < wire.size());
    auto n = Name::from_wire(Bytes(wire).subspan(skip, end + 1 - skip));
    REQUIRE(n.has_value());
    return n->text();
}
std::vector<uint16_t> types_of(const std::vector<Record>& rs) {
    std::vector<uint16_t> out;
    for (const auto& r : rs) out.push_back(r.type);
    return out;
}
uint32_t u32_at(const std::vector<uint8_t>& v, size_t at) {
    return (uint32_t{v[at]} << 24) | (uint32_t{v[at + 1]} << 16) | (uint32_t{v[at + 2]} << 8) |
           v[at + 3];
}

struct Fixture {
    config::Config cfg;
    ZoneInputs inputs;
    leases::LeaseTable table;
    std::unique_ptr<Zone> zone_;

    Fixture() {
        cfg.domain = "lan";
        cfg.local_ttl = 0;
        inputs.config = &cfg;
        inputs.served_subnets = {*Prefix::parse("198.18.0.0/24")};
        inputs.own_addresses = {addr(0, 1)};
        inputs.server_hostname = "gw";
        leases::PoolRange range{addr(0, 10), addr(0, 200)};
        table.set_pools(std::span<const leases::PoolRange>(&range, 1), {});
    }
    ~Fixture() {
        if (zone_) table.unsubscribe(zone_.get());
    }
    // Built on first use, after the test has set up configuration and hosts files.
    Zone& zone() {
        if (!zone_) {
            zone_ = std::make_unique<Zone>(inputs, table);
            table.subscribe(zone_.get());
        }
        return *zone_;
    }
    void grant(uint8_t host, uint32_t client, const std::string& name,
               WallSeconds expires = kNow + 3600) {
        REQUIRE(table.bind(bound_lease(addr(0, host), client, name, expires)));
    }
    Reply ask(std::string_view name, uint16_t qtype, WallSeconds now = kNow, size_t limit = 512,
              bool edns = false, uint16_t qclass = kClassIn) {
        auto wire = query_wire(name, qtype, edns, qclass);
        auto q = decode_query(wire);
        REQUIRE(q.ok());
        std::vector<uint8_t> buf(65535);
        MessageBuilder b(buf, limit);
        Reply r;
        r.verdict = zone().answer(*q, now, b);
        if (r.verdict == ZoneVerdict::NotOurs) return r;
        Bytes out = b.finish();
        r.bytes.assign(out.begin(), out.end());
        CHECK(r.bytes.size() <= limit);
        auto m = decode_message(r.bytes);
        REQUIRE(m.ok());
        r.msg = *m;
        CHECK(r.msg.header.id == kId);
        CHECK(r.msg.header.qr());
        REQUIRE(r.msg.questions.size() == 1);
        CHECK(r.msg.questions[0].qtype == qtype);
        return r;
    }
    // The answer's A addresses, in order.
    std::vector<Ipv4> addresses(std::string_view name, WallSeconds now = kNow) {
        Reply r = ask(name, rrtype::A, now);
        std::vector<Ipv4> out;
        for (const auto& rec : r.msg.answers)
            if (rec.type == rrtype::A) out.push_back(a_of(rec));
        return out;
    }
};

void check_negative(const Reply& r, Rcode rcode, const std::string& zone_apex) {
    CHECK(r.verdict == ZoneVerdict::Answered);
    CHECK(r.rcode() == uint8_t(rcode));
    CHECK(r.aa());
    CHECK(r.msg.answers.empty());
    REQUIRE(r.msg.authority.size() == 1);
    CHECK(r.msg.authority[0].type == rrtype::SOA);
    CHECK(r.msg.authority[0].name.text() == zone_apex);
}

}  // namespace

// ---------------------------------------------------------------- lease names

TEST_CASE("a granted lease answers A for name.domain and PTR for its address") {
    Fixture f;
    f.grant(11, 1, "laptop");
    Reply a = f.ask("laptop.lan", rrtype::A);
    CHECK(a.verdict == ZoneVerdict::Answered);
    CHECK(a.rcode() == 0);
    CHECK(a.aa());
    REQUIRE(a.msg.answers.size() == 1);
    CHECK(a.msg.answers[0].name.text() == "laptop.lan");
    CHECK(a_of(a.msg.answers[0]) == addr(0, 11));
    CHECK(a.msg.authority.empty());

    Reply ptr = f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR);
    CHECK(ptr.rcode() == 0);
    CHECK(ptr.aa());
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(ptr.msg.answers[0].type == rrtype::PTR);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "laptop.lan");
    CHECK(f.zone().counters().lease_answers == 2);
}

TEST_CASE("a lease name answers as a bare label too, as dnsmasq does") {
    Fixture f;
    f.grant(12, 2, "phone");
    CHECK(f.addresses("phone") == std::vector<Ipv4>{addr(0, 12)});
    CHECK(f.addresses("phone.lan") == std::vector<Ipv4>{addr(0, 12)});
}

TEST_CASE("a released lease is NXDOMAIN at once, forward and reverse") {
    Fixture f;
    f.grant(11, 1, "laptop");
    REQUIRE(f.addresses("laptop.lan").size() == 1);
    REQUIRE(f.table.release(addr(0, 11), client_of(1)));
    check_negative(f.ask("laptop.lan", rrtype::A), Rcode::NxDomain, "lan");
    check_negative(f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR), Rcode::NxDomain,
                   "0.18.198.in-addr.arpa");
    CHECK(f.ask("laptop", rrtype::A).verdict == ZoneVerdict::NotOurs);
}

TEST_CASE("a lease whose expiry time has passed is NXDOMAIN even before the table expires it") {
    Fixture f;
    f.grant(11, 1, "laptop", kNow + 100);
    CHECK(f.addresses("laptop.lan", kNow + 99).size() == 1);
    check_negative(f.ask("laptop.lan", rrtype::A, kNow + 100), Rcode::NxDomain, "lan");
    check_negative(f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR, kNow + 100), Rcode::NxDomain,
                   "0.18.198.in-addr.arpa");
}

TEST_CASE("a lease record's TTL never goes beyond the remaining lease") {
    Fixture f;
    f.cfg.dhcp_ttl = 600;
    f.grant(11, 1, "short", kNow + 30);
    f.grant(12, 2, "long", kNow + 86400);
    f.grant(13, 3, "forever", 0);
    CHECK(f.ask("short.lan", rrtype::A).msg.answers.at(0).ttl == 30);
    CHECK(f.ask("short.lan", rrtype::A, kNow + 29).msg.answers.at(0).ttl == 1);
    CHECK(f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR).msg.answers.at(0).ttl == 30);
    CHECK(f.ask("long.lan", rrtype::A).msg.answers.at(0).ttl == 600);
    CHECK(f.ask("forever.lan", rrtype::A).msg.answers.at(0).ttl == 600);
}

TEST_CASE("without --dhcp-ttl lease records carry --local-ttl") {
    Fixture f;
    f.cfg.local_ttl = 5;
    f.grant(11, 1, "laptop");
    CHECK(f.ask("laptop.lan", rrtype::A).msg.answers.at(0).ttl == 5);
}

TEST_CASE("a renamed lease answers under its new name only") {
    Fixture f;
    f.grant(11, 1, "old");
    f.grant(11, 1, "new");
    CHECK(f.addresses("new.lan") == std::vector<Ipv4>{addr(0, 11)});
    CHECK(f.ask("old.lan", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
}

TEST_CASE("a lease without a host name has no PTR") {
    Fixture f;
    f.grant(11, 1, "");
    check_negative(f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR), Rcode::NxDomain,
                   "0.18.198.in-addr.arpa");
}

TEST_CASE("every lease event bumps the SOA serial, which the negative answers carry") {
    Fixture f;
    CHECK(f.zone().serial() == 1);
    Reply before = f.ask("nobody.lan", rrtype::A);
    REQUIRE(before.msg.authority.size() == 1);
    f.grant(11, 1, "laptop");
    f.grant(11, 1, "laptop", kNow + 7200);  // renewal
    REQUIRE(f.table.release(addr(0, 11), client_of(1)));
    CHECK(f.zone().serial() == 4);
    Reply after = f.ask("nobody.lan", rrtype::A);
    REQUIRE(after.msg.authority.size() == 1);
    const auto& soa = after.msg.authority[0].rdata;
    CHECK(u32_at(soa, soa.size() - 20) == 4);
    CHECK(u32_at(before.msg.authority[0].rdata, soa.size() - 20) == 1);
}

// ---------------------------------------------------------------- SOA, NS, negative answers

TEST_CASE("SOA at the apex: mname server.domain, hostmaster, serial and RFC 2308 minimum") {
    Fixture f;
    f.cfg.local_ttl = 7;
    Reply r = f.ask("lan", rrtype::SOA);
    REQUIRE(r.msg.answers.size() == 1);
    const Record& soa = r.msg.answers[0];
    CHECK(soa.type == rrtype::SOA);
    CHECK(soa.ttl == 7);
    CHECK(name_of(soa.rdata) == "gw.lan");
    size_t mname_len = Name::parse("gw.lan")->wire_size();
    CHECK(name_of(soa.rdata, mname_len) == "hostmaster.lan");
    size_t at = mname_len + Name::parse("hostmaster.lan")->wire_size();
    REQUIRE(soa.rdata.size() == at + 20);
    CHECK(u32_at(soa.rdata, at) == 1);
    CHECK(u32_at(soa.rdata, at + 4) == 1200);
    CHECK(u32_at(soa.rdata, at + 8) == 180);
    CHECK(u32_at(soa.rdata, at + 12) == 1209600);
    CHECK(u32_at(soa.rdata, at + 16) == 7);
}

TEST_CASE("without a host name the SOA names the server 'leasedns'") {
    Fixture f;
    f.inputs.server_hostname = "";
    Reply r = f.ask("lan", rrtype::SOA);
    REQUIRE(r.msg.answers.size() == 1);
    CHECK(name_of(r.msg.answers[0].rdata) == "leasedns.lan");
    CHECK(f.addresses("leasedns.lan") == std::vector<Ipv4>{addr(0, 1)});
}

TEST_CASE("an NS query at an apex gets NS and the server's address as glue") {
    Fixture f;
    for (const char* apex : {"lan", "0.18.198.in-addr.arpa"}) {
        CAPTURE(apex);
        Reply r = f.ask(apex, rrtype::NS);
        CHECK(r.aa());
        REQUIRE(r.msg.answers.size() == 1);
        CHECK(r.msg.answers[0].type == rrtype::NS);
        CHECK(name_of(r.msg.answers[0].rdata) == "gw.lan");
        REQUIRE(r.msg.additional.size() == 1);
        CHECK(r.msg.additional[0].name.text() == "gw.lan");
        CHECK(a_of(r.msg.additional[0]) == addr(0, 1));
    }
    CHECK(f.addresses("gw.lan") == std::vector<Ipv4>{addr(0, 1)});
    Reply ptr = f.ask("1.0.18.198.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "gw.lan");
}

TEST_CASE("a name that exists with other types is NODATA with the SOA, not NXDOMAIN") {
    Fixture f;
    f.grant(11, 1, "laptop");
    check_negative(f.ask("laptop.lan", rrtype::AAAA), Rcode::NoError, "lan");
    check_negative(f.ask("laptop.lan", rrtype::MX), Rcode::NoError, "lan");
    check_negative(f.ask("11.0.18.198.in-addr.arpa", rrtype::A), Rcode::NoError,
                   "0.18.198.in-addr.arpa");
    check_negative(f.ask("lan", rrtype::A), Rcode::NoError, "lan");
    check_negative(f.ask("nobody.lan", rrtype::A), Rcode::NxDomain, "lan");
    check_negative(f.ask("a.b.lan", rrtype::A), Rcode::NxDomain, "lan");
    CHECK(f.zone().counters().nodata == 4);
    CHECK(f.zone().counters().nxdomain == 2);
    CHECK(f.zone().counters().answered == 6);
}

TEST_CASE("an unleased address in a served subnet is NXDOMAIN with the reverse zone's SOA") {
    Fixture f;
    check_negative(f.ask("99.0.18.198.in-addr.arpa", rrtype::PTR), Rcode::NxDomain,
                   "0.18.198.in-addr.arpa");
    // Not a number: still in our reverse zone, still ours.
    check_negative(f.ask("x.0.18.198.in-addr.arpa", rrtype::PTR), Rcode::NxDomain,
                   "0.18.198.in-addr.arpa");
}

TEST_CASE("names outside our zones are not ours and are left to the query path") {
    Fixture f;
    f.grant(11, 1, "laptop");
    CHECK(f.ask("example.com", rrtype::A).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("laptop.example.com", rrtype::A).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("unknown", rrtype::A).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("8.8.8.8.in-addr.arpa", rrtype::PTR).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("5.1.18.198.in-addr.arpa", rrtype::PTR).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("arpa", rrtype::NS).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("laptop.lan", rrtype::A, kNow, 512, false, kClassChaos).verdict ==
          ZoneVerdict::NotOurs);
    CHECK(f.zone().counters().answered == 0);
}

TEST_CASE(
    "reverse zones for prefixes off an octet boundary are the /24s, /16s or /8s that tile them") {
    Fixture f;
    f.inputs.served_subnets = {*Prefix::parse("198.18.0.0/23"), *Prefix::parse("10.0.0.128/25"),
                               *Prefix::parse("172.16.0.0/12")};
    for (const char* apex : {"0.18.198.in-addr.arpa", "1.18.198.in-addr.arpa",
                             "0.0.10.in-addr.arpa", "16.172.in-addr.arpa", "31.172.in-addr.arpa"}) {
        CAPTURE(apex);
        Reply r = f.ask(apex, rrtype::SOA);
        CHECK(r.verdict == ZoneVerdict::Answered);
        CHECK(r.msg.answers.size() == 1);
    }
    CHECK(f.ask("2.18.198.in-addr.arpa", rrtype::SOA).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("32.172.in-addr.arpa", rrtype::SOA).verdict == ZoneVerdict::NotOurs);
    // Inside a /16 zone, a /24 holding served addresses exists (no data of its own).
    check_negative(f.ask("5.20.172.in-addr.arpa", rrtype::PTR), Rcode::NoError,
                   "20.172.in-addr.arpa");
    // In the enclosing /24 but outside the /25: nobody there.
    check_negative(f.ask("5.0.0.10.in-addr.arpa", rrtype::PTR), Rcode::NxDomain,
                   "0.0.10.in-addr.arpa");
}

// ---------------------------------------------------------------- the reply itself

TEST_CASE("0x20: names match without regard to case and the client's case is echoed") {
    Fixture f;
    f.grant(11, 1, "laptop");
    auto wire = query_wire("LaPtOp.LaN", rrtype::A);
    Reply r = f.ask("LaPtOp.LaN", rrtype::A);
    REQUIRE(r.msg.answers.size() == 1);
    CHECK(a_of(r.msg.answers[0]) == addr(0, 11));
    // The question section, byte for byte as sent (case included).
    size_t qlen = wire.size() - kHeaderSize;
    REQUIRE(r.bytes.size() > kHeaderSize + qlen);
    CHECK(std::equal(wire.begin() + kHeaderSize, wire.end(), r.bytes.begin() + kHeaderSize));
    // The answer's owner points at the question name (offset 12).
    CHECK(r.bytes[kHeaderSize + qlen] == 0xc0);
    CHECK(r.bytes[kHeaderSize + qlen + 1] == 12);
}

TEST_CASE("the reply copies the id and RD, sets QR, AA and RA, and opcode 0") {
    Fixture f;
    f.grant(11, 1, "laptop");
    Reply r = f.ask("laptop.lan", rrtype::A);
    CHECK(r.msg.header.rd());
    CHECK((r.msg.header.flags & Header::kRa) != 0);
    CHECK(r.aa());
    CHECK(!r.msg.header.tc());
    CHECK(r.msg.header.opcode() == Opcode::Query);
}

TEST_CASE("EDNS: a query with OPT gets OPT back with a 1232-octet payload size") {
    Fixture f;
    f.grant(11, 1, "laptop");
    Reply r = f.ask("laptop.lan", rrtype::A, kNow, 1232, true);
    REQUIRE(r.msg.edns.has_value());
    CHECK(r.msg.edns->udp_size == 1232);
    CHECK(r.msg.answers.size() == 1);
    CHECK(!f.ask("laptop.lan", rrtype::A).msg.edns.has_value());
}

TEST_CASE("an answer that does not fit is the header and question only, with TC") {
    Fixture f;
    config::TxtRecord txt;
    txt.name = "big.lan";
    for (int i = 0; i < 4; ++i) txt.texts.push_back(std::string(200, 'x'));
    f.cfg.txt_records.push_back(txt);
    Reply fits = f.ask("big.lan", rrtype::TXT, kNow, 1232);
    CHECK(!fits.msg.header.tc());
    CHECK(fits.msg.answers.size() == 1);

    Reply r = f.ask("big.lan", rrtype::TXT, kNow, 512);
    CHECK(r.msg.header.tc());
    CHECK(r.aa());
    CHECK(r.rcode() == 0);
    CHECK(r.msg.answers.empty());
    CHECK(r.msg.authority.empty());
    CHECK(r.bytes.size() == kHeaderSize + Name::parse("big.lan")->wire_size() + 4);

    Reply with_opt = f.ask("big.lan", rrtype::TXT, kNow, 512, true);
    CHECK(with_opt.msg.header.tc());
    CHECK(with_opt.msg.answers.empty());
    CHECK(with_opt.msg.edns.has_value());
}

TEST_CASE("a negative answer whose SOA does not fit is truncated too") {
    Fixture f;
    size_t question = kHeaderSize + Name::parse("nobody.lan")->wire_size() + 4;
    Reply r = f.ask("nobody.lan", rrtype::A, kNow, question + 10);
    CHECK(r.msg.header.tc());
    CHECK(r.msg.authority.empty());
}

TEST_CASE("ANY gets one RRset (RFC 8482): A when the name has one") {
    Fixture f;
    f.cfg.host_records.push_back({{"multi.lan"}, addr(0, 50)});
    f.cfg.txt_records.push_back({"multi.lan", {"hello"}});
    f.cfg.mx_records.push_back({"multi.lan", "mail.lan", 10});
    f.grant(11, 1, "laptop");
    Reply r = f.ask("multi.lan", rrtype::ANY);
    CHECK(types_of(r.msg.answers) == std::vector<uint16_t>{rrtype::A});
    Reply apex = f.ask("lan", rrtype::ANY);
    CHECK(types_of(apex.msg.answers) == std::vector<uint16_t>{rrtype::SOA});
    Reply lease = f.ask("laptop.lan", rrtype::ANY);
    CHECK(types_of(lease.msg.answers) == std::vector<uint16_t>{rrtype::A});
    Reply ptr = f.ask("11.0.18.198.in-addr.arpa", rrtype::ANY);
    CHECK(types_of(ptr.msg.answers) == std::vector<uint16_t>{rrtype::PTR});
}

TEST_CASE("zone transfers are refused for our zones") {
    Fixture f;
    Reply r = f.ask("lan", rrtype::AXFR);
    CHECK(r.verdict == ZoneVerdict::Answered);
    CHECK(r.rcode() == uint8_t(Rcode::Refused));
    CHECK(r.msg.answers.empty());
}

// ---------------------------------------------------------------- static data

TEST_CASE("a reservation with an address and a name answers A and PTR with no lease") {
    Fixture f;
    config::Reservation res;
    res.mac = Mac::parse("02:00:00:00:00:77");
    res.addr = addr(0, 77);
    res.hostname = "printer";
    f.cfg.reservations.push_back(res);
    config::Reservation nameless;
    nameless.mac = Mac::parse("02:00:00:00:00:78");
    nameless.addr = addr(0, 78);
    f.cfg.reservations.push_back(nameless);
    CHECK(f.addresses("printer.lan") == std::vector<Ipv4>{addr(0, 77)});
    CHECK(f.addresses("printer") == std::vector<Ipv4>{addr(0, 77)});
    Reply ptr = f.ask("77.0.18.198.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "printer.lan");
    CHECK(f.ask("78.0.18.198.in-addr.arpa", rrtype::PTR).rcode() == uint8_t(Rcode::NxDomain));
    CHECK(f.zone().is_static_label("printer"));
}

TEST_CASE("static data beats a lease of the same name, which the zone then ignores") {
    Fixture f;
    f.cfg.host_records.push_back({{"nas.lan"}, addr(0, 5)});
    f.grant(11, 1, "nas");
    CHECK(f.addresses("nas.lan") == std::vector<Ipv4>{addr(0, 5)});
    CHECK(f.ask("nas", rrtype::A).verdict == ZoneVerdict::NotOurs);
    CHECK(f.ask("11.0.18.198.in-addr.arpa", rrtype::PTR).rcode() == uint8_t(Rcode::NxDomain));
    Reply ptr = f.ask("5.0.18.198.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "nas.lan");
    CHECK(f.zone().counters().lease_answers == 0);
}

TEST_CASE("a lease named like a reserved label (wpad, the server) is never answered") {
    Fixture f;
    f.grant(11, 1, "wpad");
    f.grant(12, 2, "gw");
    CHECK(f.ask("wpad.lan", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
    CHECK(f.addresses("gw.lan") == std::vector<Ipv4>{addr(0, 1)});
}

TEST_CASE("is_static_label covers every name the zone answers statically in the domain") {
    Fixture f;
    f.cfg.host_records.push_back({{"nas.lan", "files"}, addr(0, 5)});
    f.cfg.host_records.push_back({{"far.example.com"}, addr(0, 6)});
    f.cfg.cnames.push_back({{"www.lan"}, "nas.lan"});
    f.cfg.mx_records.push_back({"mail.lan", "nas.lan", 10});
    f.cfg.srv_records.push_back({"_ldap._tcp", "nas.lan", 389, 0, 0});
    f.cfg.txt_records.push_back({"note.lan", {"x"}});
    f.cfg.addresses.push_back({"ads.lan", std::nullopt});
    f.inputs.hosts_files.push_back(parse_hosts_file("h", "198.18.0.9 router\n198.18.0.8 tv.lan\n"));
    Zone& z = f.zone();
    for (const char* label : {"nas", "files", "www", "mail", "note", "ads", "router", "tv", "gw",
                              "wpad", "isatap", "localhost", "lan", "WPAD", "Nas."}) {
        CAPTURE(label);
        CHECK(z.is_static_label(label));
    }
    for (const char* label : {"laptop", "far", "example", "_ldap", "hostmaster", ""}) {
        CAPTURE(label);
        CHECK(!z.is_static_label(label));
    }
}

TEST_CASE("--host-record answers A for each name and PTR for the first") {
    Fixture f;
    f.cfg.host_records.push_back({{"nas.lan", "files.lan"}, addr(0, 5)});
    f.cfg.host_records.push_back({{"other.lan"}, addr(0, 5)});
    CHECK(f.addresses("nas.lan") == std::vector<Ipv4>{addr(0, 5)});
    CHECK(f.addresses("files.lan") == std::vector<Ipv4>{addr(0, 5)});
    CHECK(f.addresses("other.lan") == std::vector<Ipv4>{addr(0, 5)});
    Reply ptr = f.ask("5.0.18.198.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "nas.lan");
}

TEST_CASE("--address=/d/ADDR answers A for d and every name below; other types are NODATA") {
    Fixture f;
    f.cfg.addresses.push_back({"blocked.test", addr(1, 1)});
    f.cfg.addresses.push_back({"nx.test", std::nullopt});
    f.cfg.addresses.push_back({"inner.blocked.test", std::nullopt});
    CHECK(f.addresses("blocked.test") == std::vector<Ipv4>{addr(1, 1)});
    CHECK(f.addresses("x.y.BLOCKED.test") == std::vector<Ipv4>{addr(1, 1)});
    Reply aaaa = f.ask("www.blocked.test", rrtype::AAAA);
    CHECK(aaaa.rcode() == 0);
    CHECK(aaaa.msg.answers.empty());
    CHECK(aaaa.aa());
    CHECK(f.ask("nx.test", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
    CHECK(f.ask("a.nx.test", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
    // The longest matching domain decides.
    CHECK(f.ask("x.inner.blocked.test", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
    CHECK(f.ask("blockedx.test", rrtype::A).verdict == ZoneVerdict::NotOurs);
}

TEST_CASE("--address inside the local domain gives NODATA and NXDOMAIN with the zone's SOA") {
    Fixture f;
    f.cfg.addresses.push_back({"ads.lan", addr(1, 1)});
    f.cfg.addresses.push_back({"gone.lan", std::nullopt});
    check_negative(f.ask("x.ads.lan", rrtype::TXT), Rcode::NoError, "lan");
    check_negative(f.ask("gone.lan", rrtype::A), Rcode::NxDomain, "lan");
}

TEST_CASE("a CNAME is followed through our own data, chains up to 8 deep, loops stopped") {
    Fixture f;
    f.cfg.host_records.push_back({{"target.lan"}, addr(0, 5)});
    f.cfg.cnames.push_back({{"www.lan"}, "mid.lan"});
    f.cfg.cnames.push_back({{"mid.lan"}, "target.lan"});
    f.cfg.cnames.push_back({{"outside.lan"}, "www.example.com"});
    f.cfg.cnames.push_back({{"ping.lan"}, "pong.lan"});
    f.cfg.cnames.push_back({{"pong.lan"}, "ping.lan"});
    f.cfg.cnames.push_back({{"tolease.lan"}, "laptop.lan"});
    f.grant(11, 1, "laptop");

    Reply r = f.ask("WWW.lan", rrtype::A);
    CHECK(r.rcode() == 0);
    CHECK(types_of(r.msg.answers) ==
          std::vector<uint16_t>{rrtype::CNAME, rrtype::CNAME, rrtype::A});
    CHECK(r.msg.answers[0].name.text() == "www.lan");
    CHECK(name_of(r.msg.answers[0].rdata) == "mid.lan");
    CHECK(r.msg.answers[1].name.text() == "mid.lan");
    CHECK(r.msg.answers[2].name.text() == "target.lan");
    CHECK(a_of(r.msg.answers[2]) == addr(0, 5));

    Reply cname_only = f.ask("www.lan", rrtype::CNAME);
    CHECK(types_of(cname_only.msg.answers) == std::vector<uint16_t>{rrtype::CNAME});

    Reply out = f.ask("outside.lan", rrtype::A);
    CHECK(types_of(out.msg.answers) == std::vector<uint16_t>{rrtype::CNAME});

    Reply loop = f.ask("ping.lan", rrtype::A);
    CHECK(loop.verdict == ZoneVerdict::Answered);
    CHECK(loop.msg.answers.size() == 8);

    Reply lease = f.ask("tolease.lan", rrtype::A);
    CHECK(types_of(lease.msg.answers) == std::vector<uint16_t>{rrtype::CNAME, rrtype::A});
    CHECK(a_of(lease.msg.answers[1]) == addr(0, 11));
}

TEST_CASE("MX, SRV and TXT records answer with their data") {
    Fixture f;
    f.cfg.mx_records.push_back({"lan", "mail.lan", 10});
    f.cfg.srv_records.push_back({"_ldap._tcp", "dc.lan", 389, 1, 2});
    f.cfg.srv_records.push_back({"_none._udp.lan", "", 0, 0, 0});
    std::string long_text(300, 'y');
    f.cfg.txt_records.push_back({"note.lan", {"v=spf1 -all", long_text}});

    Reply mx = f.ask("lan", rrtype::MX);
    REQUIRE(mx.msg.answers.size() == 1);
    CHECK(mx.msg.answers[0].rdata[0] == 0);
    CHECK(mx.msg.answers[0].rdata[1] == 10);
    CHECK(name_of(mx.msg.answers[0].rdata, 2) == "mail.lan");

    Reply srv = f.ask("_ldap._tcp.lan", rrtype::SRV);  // no domain given: in --domain
    REQUIRE(srv.msg.answers.size() == 1);
    const auto& s = srv.msg.answers[0].rdata;
    CHECK(std::vector<uint8_t>(s.begin(), s.begin() + 6) ==
          std::vector<uint8_t>{0, 1, 0, 2, 1, 0x85});
    CHECK(name_of(s, 6) == "dc.lan");
    Reply none = f.ask("_none._udp.lan", rrtype::SRV);
    REQUIRE(none.msg.answers.size() == 1);
    CHECK(name_of(none.msg.answers[0].rdata, 6) == ".");

    Reply txt = f.ask("note.lan", rrtype::TXT);
    REQUIRE(txt.msg.answers.size() == 1);
    const auto& t = txt.msg.answers[0].rdata;
    // "v=spf1 -all", then 300 octets as 255 + 45 (RFC 1035 §3.3.14).
    REQUIRE(t.size() == 1 + 11 + 1 + 255 + 1 + 45);
    CHECK(t[0] == 11);
    CHECK(t[12] == 255);
    CHECK(t[12 + 256] == 45);
}

TEST_CASE("names between the domain and a static name exist without data: NODATA") {
    Fixture f;
    f.cfg.srv_records.push_back({"_sip._tcp.lan", "pbx.lan", 5060, 0, 0});
    check_negative(f.ask("_tcp.lan", rrtype::A), Rcode::NoError, "lan");
    check_negative(f.ask("_udp.lan", rrtype::A), Rcode::NxDomain, "lan");
}

TEST_CASE("--ptr-record answers PTR") {
    Fixture f;
    f.cfg.ptr_records.push_back({"_http._tcp.lan", "web._http._tcp.lan"});
    Reply r = f.ask("_http._tcp.lan", rrtype::PTR);
    REQUIRE(r.msg.answers.size() == 1);
    CHECK(name_of(r.msg.answers[0].rdata) == "web._http._tcp.lan");
}

TEST_CASE("hosts files: IPv4 gives A and PTR, IPv6 gives AAAA, names exactly as written") {
    Fixture f;
    f.inputs.hosts_files.push_back(parse_hosts_file("/etc/hosts",
                                                    "198.18.0.9 router gateway\n"
                                                    "198.18.0.8 TV.lan\n"
                                                    "2001:db8::8 tv.lan\n"
                                                    "203.0.113.5 far.example.com\n"));
    CHECK(f.addresses("router") == std::vector<Ipv4>{addr(0, 9)});
    CHECK(f.addresses("gateway") == std::vector<Ipv4>{addr(0, 9)});
    // A bare name in a hosts file is not expanded with the domain (no --expand-hosts).
    CHECK(f.ask("router.lan", rrtype::A).rcode() == uint8_t(Rcode::NxDomain));
    CHECK(f.addresses("tv.lan") == std::vector<Ipv4>{addr(0, 8)});
    Reply aaaa = f.ask("tv.lan", rrtype::AAAA);
    REQUIRE(aaaa.msg.answers.size() == 1);
    CHECK(aaaa.msg.answers[0].rdata ==
          std::vector<uint8_t>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8});
    Reply ptr = f.ask("9.0.18.198.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "router");
    CHECK(f.addresses("far.example.com") == std::vector<Ipv4>{Ipv4::from_octets(203, 0, 113, 5)});
    Reply far_ptr = f.ask("5.113.0.203.in-addr.arpa", rrtype::PTR);
    REQUIRE(far_ptr.msg.answers.size() == 1);
    CHECK(name_of(far_ptr.msg.answers[0].rdata) == "far.example.com");
    // Above a static name outside our zones: still not ours.
    CHECK(f.ask("example.com", rrtype::A).verdict == ZoneVerdict::NotOurs);
}

TEST_CASE("localhost is 127.0.0.1 and ::1, and 127.0.0.1 points back to localhost") {
    Fixture f;
    CHECK(f.addresses("localhost") == std::vector<Ipv4>{Ipv4::from_octets(127, 0, 0, 1)});
    Reply aaaa = f.ask("LOCALHOST", rrtype::AAAA);
    REQUIRE(aaaa.msg.answers.size() == 1);
    CHECK(aaaa.msg.answers[0].rdata.back() == 1);
    Reply ptr = f.ask("1.0.0.127.in-addr.arpa", rrtype::PTR);
    REQUIRE(ptr.msg.answers.size() == 1);
    CHECK(name_of(ptr.msg.answers[0].rdata) == "localhost");
}

TEST_CASE("--local and --server=/d/ without address: answered locally, NXDOMAIN without SOA") {
    Fixture f;
    f.cfg.local_domains.push_back("corp");
    config::UpstreamServer local_only;
    local_only.domain = "home.arpa";
    f.cfg.servers.push_back(local_only);
    config::UpstreamServer forwarded;
    forwarded.domain = "example.net";
    forwarded.addr = addr(1, 53);
    f.cfg.servers.push_back(forwarded);
    f.cfg.host_records.push_back({{"wiki.corp"}, addr(0, 30)});

    for (const char* name : {"x.corp", "a.b.home.arpa", "home.arpa"}) {
        CAPTURE(name);
        Reply r = f.ask(name, rrtype::A);
        CHECK(r.verdict == ZoneVerdict::Answered);
        CHECK(r.rcode() == uint8_t(Rcode::NxDomain));
        CHECK(r.aa());
        CHECK(r.msg.authority.empty());
    }
    CHECK(f.addresses("wiki.corp") == std::vector<Ipv4>{addr(0, 30)});
    // "corp" holds "wiki.corp": it exists, without data of its own.
    Reply corp = f.ask("corp", rrtype::A);
    CHECK(corp.rcode() == 0);
    CHECK(corp.msg.answers.empty());
    CHECK(corp.msg.authority.empty());
    CHECK(f.ask("x.example.net", rrtype::A).verdict == ZoneVerdict::NotOurs);
}

TEST_CASE("describe_records lists static and lease records with their source") {
    Fixture f;
    f.cfg.host_records.push_back({{"nas.lan"}, addr(0, 5)});
    f.inputs.hosts_files.push_back(parse_hosts_file("/etc/hosts", "198.18.0.9 router\n"));
    f.grant(11, 1, "laptop", kNow + 100);
    auto lines = f.zone().describe_records(kNow);
    auto has = [&](const std::string& line) {
        return std::find(lines.begin(), lines.end(), line) != lines.end();
    };
    CHECK(has("nas.lan 0 IN A 198.18.0.5 ; static"));
    CHECK(has("router 0 IN A 198.18.0.9 ; hosts:/etc/hosts"));
    CHECK(has("laptop.lan 0 IN A 198.18.0.11 ; lease"));
    CHECK(has("11.0.18.198.in-addr.arpa 0 IN PTR laptop.lan ; lease"));
    CHECK(has("lan 0 IN SOA gw.lan hostmaster.lan 1 1200 180 1209600 0 ; zone"));
    CHECK(has("gw.lan 0 IN A 198.18.0.1 ; server"));
    auto later = f.zone().describe_records(kNow + 100);
    CHECK(std::find(later.begin(), later.end(), "laptop.lan 0 IN A 198.18.0.11 ; lease") ==
          later.end());
}

// ---------------------------------------------------------------- per-subnet domains

namespace {

// --domain=guest.example,198.18.1.0/24 next to the default lan (198.18.0.0/24): leases
// in both subnets.
struct TwoDomains : Fixture {
    TwoDomains() {
        cfg.subnet_domains.push_back({"guest.example", addr(1, 0), addr(1, 255)});
        inputs.served_subnets.push_back(*Prefix::parse("198.18.1.0/24"));
        leases::PoolRange ranges[] = {{addr(0, 10), addr(0, 200)}, {addr(1, 10), addr(1, 200)}};
        table.set_pools(ranges, {});
    }
    void grant_guest(uint8_t host, uint32_t client, const std::string& name) {
        REQUIRE(table.bind(bound_lease(addr(1, host), client, name, kNow + 3600)));
    }
    std::string ptr_target(std::string_view reverse) {
        Reply r = ask(reverse, rrtype::PTR);
        REQUIRE(r.msg.answers.size() == 1);
        return name_of(r.msg.answers[0].rdata);
    }
};

}  // namespace

TEST_CASE(
    "a lease answers in the domain of its address, as a bare label, and its PTR points there") {
    TwoDomains f;
    f.grant(11, 1, "laptop");
    f.grant_guest(20, 2, "tablet");
    CHECK(f.addresses("tablet.guest.example") == std::vector<Ipv4>{addr(1, 20)});
    CHECK(f.addresses("TABLET.Guest.Example") == std::vector<Ipv4>{addr(1, 20)});
    CHECK(f.addresses("tablet") == std::vector<Ipv4>{addr(1, 20)});
    CHECK(f.addresses("laptop.lan") == std::vector<Ipv4>{addr(0, 11)});
    CHECK(f.ptr_target("20.1.18.198.in-addr.arpa") == "tablet.guest.example");
    CHECK(f.ptr_target("11.0.18.198.in-addr.arpa") == "laptop.lan");
}

TEST_CASE("a lease asked for under another local domain is NXDOMAIN with that domain's SOA") {
    TwoDomains f;
    f.grant(11, 1, "laptop");
    f.grant_guest(20, 2, "tablet");
    check_negative(f.ask("tablet.lan", rrtype::A), Rcode::NxDomain, "lan");
    check_negative(f.ask("laptop.guest.example", rrtype::A), Rcode::NxDomain, "guest.example");
    check_negative(f.ask("nobody.guest.example", rrtype::A), Rcode::NxDomain, "guest.example");
    // The name exists in its own domain: another type there is NODATA.
    check_negative(f.ask("tablet.guest.example", rrtype::MX), Rcode::NoError, "guest.example");
}

TEST_CASE("every local domain is a zone with its own SOA and NS at the apex") {
    TwoDomains f;
    for (const char* apex : {"lan", "guest.example"}) {
        CAPTURE(apex);
        Reply soa = f.ask(apex, rrtype::SOA);
        CHECK(soa.aa());
        REQUIRE(soa.msg.answers.size() == 1);
        CHECK(soa.msg.answers[0].type == rrtype::SOA);
        CHECK(soa.msg.answers[0].name.text() == apex);
        CHECK(name_of(soa.msg.answers[0].rdata) == "gw.lan");
        Reply ns = f.ask(apex, rrtype::NS);
        REQUIRE(ns.msg.answers.size() == 1);
        CHECK(name_of(ns.msg.answers[0].rdata) == "gw.lan");
    }
    // Names above a per-subnet domain are not ours.
    CHECK(f.ask("example", rrtype::SOA).verdict == ZoneVerdict::NotOurs);
    CHECK(f.zone().is_static_label("guest"));
}

TEST_CASE("a reservation answers in the domain of its address only") {
    TwoDomains f;
    config::Reservation res;
    res.mac = Mac::parse("02:00:00:00:00:77");
    res.addr = addr(1, 77);
    res.hostname = "printer";
    f.cfg.reservations.push_back(res);
    CHECK(f.addresses("printer.guest.example") == std::vector<Ipv4>{addr(1, 77)});
    CHECK(f.addresses("printer") == std::vector<Ipv4>{addr(1, 77)});
    check_negative(f.ask("printer.lan", rrtype::A), Rcode::NxDomain, "lan");
    CHECK(f.ptr_target("77.1.18.198.in-addr.arpa") == "printer.guest.example");
}

TEST_CASE("nested domain ranges: the smallest range holding the address names the lease") {
    Fixture f;
    f.cfg.domain = "";  // no default domain: outside every range, bare names only
    f.cfg.subnet_domains = {{"site.example", addr(0, 0), Ipv4::from_octets(198, 18, 255, 255)},
                            {"lab.site.example", addr(1, 0), addr(1, 255)}};
    leases::PoolRange ranges[] = {{addr(0, 10), addr(0, 200)}, {addr(1, 10), addr(1, 200)}};
    f.table.set_pools(ranges, {});
    f.grant(11, 1, "laptop");
    REQUIRE(f.table.bind(bound_lease(addr(1, 20), 2, "scope", kNow + 3600)));
    CHECK(f.addresses("laptop.site.example") == std::vector<Ipv4>{addr(0, 11)});
    CHECK(f.addresses("scope.lab.site.example") == std::vector<Ipv4>{addr(1, 20)});
    check_negative(f.ask("scope.site.example", rrtype::A), Rcode::NxDomain, "site.example");
    check_negative(f.ask("laptop.lab.site.example", rrtype::A), Rcode::NxDomain,
                   "lab.site.example");
}

TEST_CASE("describe_records lists a lease under the domain of its address") {
    TwoDomains f;
    f.grant_guest(20, 2, "tablet");
    auto lines = f.zone().describe_records(kNow);
    auto has = [&](const std::string& line) {
        return std::find(lines.begin(), lines.end(), line) != lines.end();
    };
    CHECK(has("tablet.guest.example 0 IN A 198.18.1.20 ; lease"));
    CHECK(has("20.1.18.198.in-addr.arpa 0 IN PTR tablet.guest.example ; lease"));
    CHECK(has("guest.example 0 IN SOA gw.lan hostmaster.lan 1 1200 180 1209600 0 ; zone"));
}
