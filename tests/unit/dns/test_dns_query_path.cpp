// The query path end to end in-process: real wire queries through a real Zone (a lease
// table with a lease), Cache and Forwarder; replies decoded with dns::decode_message.
// ROBUSTNESS E1-E4 (parsing and sizes), F3 (merging), F6 (upstream down or full), F9
// (--bogus-priv, --domain-needed), G1 (local clients only).
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../leases/lease_test_support.hpp"
#include "leasedns/dns/query_path.hpp"

using namespace leasedns;
using namespace leasedns::dns;
using leasedns::leases::test::addr;
using leasedns::leases::test::bound_lease;
using leasedns::leases::test::kNow;

namespace {

constexpr int64_t kNowMs = 5'000'000;

// A query as a client writes it; every header field a test may want to bend.
struct Ask {
    std::string name = "example.com";
    uint16_t qtype = rrtype::A;
    uint16_t qclass = kClassIn;
    uint16_t id = 0x1234;
    bool rd = true;
    uint8_t opcode = 0;
    std::optional<uint16_t> edns_size;  // OPT record with this payload size
    uint8_t edns_version = 0;

    std::vector<uint8_t> wire() const {
        std::vector<uint8_t> w = {uint8_t(id >> 8),
                                  uint8_t(id),
                                  uint8_t((opcode << 3) | (rd ? 1 : 0)),
                                  0,
                                  0,
                                  1,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  uint8_t(edns_size ? 1 : 0)};
        size_t start = 0;
        while (start < name.size()) {
            size_t dot = name.find('.', start);
            if (dot == std::string::npos) dot = name.size();
            w.push_back(uint8_t(dot - start));
            w.insert(w.end(), name.begin() + long(start), name.begin() + long(dot));
            start = dot + 1;
        }
        w.push_back(0);
        w.insert(w.end(),
                 {uint8_t(qtype >> 8), uint8_t(qtype), uint8_t(qclass >> 8), uint8_t(qclass)});
        if (edns_size) {
            w.insert(w.end(), {0, 0, 41, uint8_t(*edns_size >> 8), uint8_t(*edns_size), 0,
                               edns_version, 0, 0, 0, 0});
        }
        return w;
    }
};

ClientInfo lan_client(bool tcp = false, uint64_t handle = 1) {
    ClientInfo c;
    c.addr = addr(0, 7);
    c.port = 40000;
    c.tcp = tcp;
    c.reply_handle = handle;
    return c;
}

Message decode(Bytes bytes) {
    auto m = decode_message(bytes);
    REQUIRE(m.ok());
    return *m;
}

// An upstream's answer to `question` with `count` A records (16 octets each).
std::vector<uint8_t> upstream_reply(const Question& question, size_t count, uint8_t rcode = 0) {
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    Header h;
    h.id = 0x7777;
    h.flags = Header::kQr | Header::kRd | Header::kRa | rcode;
    b.set_header(h);
    REQUIRE(b.add_question(question.name, question.qtype, question.qclass));
    for (size_t i = 0; i < count; ++i) {
        const uint8_t a[4] = {93, 184, uint8_t(i >> 8), uint8_t(i)};
        REQUIRE(b.add_raw(Section::Answer, question.name, rrtype::A, kClassIn, 300, Bytes(a)));
    }
    Bytes out = b.finish();
    return {out.begin(), out.end()};
}

struct Delivery {
    Waiter waiter;
    std::vector<uint8_t> bytes;
};

struct Fixture {
    config::Config cfg;
    leases::LeaseTable table;
    std::vector<UpstreamGroup> groups;
    ForwarderLimits limits;
    std::unique_ptr<Zone> zone;
    std::unique_ptr<Cache> cache;
    std::unique_ptr<Forwarder> forwarder;
    std::unique_ptr<QueryPath> path;
    std::vector<uint8_t> out = std::vector<uint8_t>(65535);

    Fixture() {
        cfg.domain = "lan";
        leases::PoolRange range{addr(0, 10), addr(0, 200)};
        table.set_pools(std::span<const leases::PoolRange>(&range, 1), {});
        REQUIRE(table.bind(bound_lease(addr(0, 50), 1, "laptop", kNow + 3600)));
        UpstreamGroup def;  // the default group (root), one upstream server
        def.servers.push_back(Endpoint{Ipv4::from_octets(198, 19, 0, 53), 53});
        groups.push_back(def);
    }
    ~Fixture() {
        if (zone) table.unsubscribe(zone.get());
    }
    // Built on first use, after the test has adjusted configuration and groups.
    QueryPath& qp() {
        if (!path) {
            ZoneInputs in;
            in.config = &cfg;
            in.served_subnets = {*Prefix::parse("198.18.0.0/24")};
            in.own_addresses = {addr(0, 1)};
            in.server_hostname = "gw";
            zone = std::make_unique<Zone>(in, table);
            table.subscribe(zone.get());
            cache = std::make_unique<Cache>(150, true);
            forwarder = std::make_unique<Forwarder>(groups, cfg, limits);
            path =
                std::make_unique<QueryPath>(cfg, *zone, *cache, *forwarder,
                                            std::vector<Prefix>{*Prefix::parse("198.18.0.0/24")});
        }
        return *path;
    }
    QueryResult handle(const std::vector<uint8_t>& wire, const ClientInfo& client = lan_client()) {
        return qp().handle(wire, client, kNow, kNowMs, out);
    }
    QueryResult handle(const Ask& ask, const ClientInfo& client = lan_client()) {
        return handle(ask.wire(), client);
    }
    // A query that must be answered here and now; the reply decoded.
    Message answer(const Ask& ask, const ClientInfo& client = lan_client()) {
        QueryResult r = handle(ask, client);
        REQUIRE(r.outcome == Outcome::Reply);
        Message m = decode(r.reply);
        CHECK(m.header.id == ask.id);
        CHECK(m.header.qr());
        return m;
    }
    std::vector<Delivery> complete(uint64_t token, const std::vector<uint8_t>* reply,
                                   int64_t now_ms = kNowMs) {
        std::vector<Delivery> got;
        Bytes bytes = reply ? Bytes(*reply) : Bytes();
        qp().upstream_done(token, reply ? &bytes : nullptr, now_ms, [&](const Waiter& w, Bytes b) {
            got.push_back({w, std::vector<uint8_t>(b.begin(), b.end())});
        });
        return got;
    }
};

Ipv4 a_of(const Record& r) {
    REQUIRE(r.rdata.size() == 4);
    return Ipv4::from_octets(r.rdata[0], r.rdata[1], r.rdata[2], r.rdata[3]);
}

Question question_of(std::string_view name, uint16_t qtype = rrtype::A) {
    return Question{*Name::parse(name), qtype, kClassIn};
}

}  // namespace

TEST_CASE("a lease name is answered locally, with the client's id and case") {
    Fixture f;
    Ask ask;
    ask.name = "LapTop.lan";
    Message m = f.answer(ask);
    CHECK(m.header.rcode() == 0);
    CHECK((m.header.flags & Header::kAa) != 0);
    REQUIRE(m.answers.size() == 1);
    CHECK(a_of(m.answers[0]) == addr(0, 50));
    REQUIRE(m.questions.size() == 1);
    CHECK(m.questions[0].name == *Name::parse("laptop.lan"));
    CHECK(f.out[12 + 1] == 'L');  // the question's first octet echoed as written (0x20)
    CHECK(f.qp().counters().answered_local == 1);
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("G1: a client outside the local networks gets silence, whatever it sends") {
    Fixture f;
    ClientInfo stranger = lan_client();
    stranger.addr = Ipv4::from_octets(203, 0, 113, 9);
    CHECK(f.handle(Ask{}, stranger).outcome == Outcome::Drop);
    Ask lease;
    lease.name = "laptop.lan";
    CHECK(f.handle(lease, stranger).outcome == Outcome::Drop);
    // Not even a FORMERR: no reflection of garbage either.
    std::vector<uint8_t> garbage(40, 0xff);
    garbage[2] = 0x01;  // QR clear
    CHECK(f.handle(garbage, stranger).outcome == Outcome::Drop);
    CHECK(f.qp().counters().refused_acl == 3);
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("G1: loopback (all of 127/8) and the LAN are answered") {
    Fixture f;
    Ask ask;
    ask.name = "laptop.lan";
    for (Ipv4 a : {Ipv4::from_octets(127, 0, 0, 1), Ipv4::from_octets(127, 5, 5, 5), addr(0, 99)}) {
        ClientInfo c = lan_client();
        c.addr = a;
        CHECK(f.handle(ask, c).outcome == Outcome::Reply);
    }
    CHECK(f.qp().counters().refused_acl == 0);
}

TEST_CASE("E1: fewer than 12 octets, or a response, are dropped and counted") {
    Fixture f;
    for (size_t n = 0; n < 12; ++n) {
        CHECK(f.handle(std::vector<uint8_t>(n, 0)).outcome == Outcome::Drop);
    }
    auto response = Ask{}.wire();
    response[2] |= 0x80;  // QR
    CHECK(f.handle(response).outcome == Outcome::Drop);
    CHECK(f.qp().counters().dropped_short == 12);
    CHECK(f.qp().counters().dropped_response == 1);
}

TEST_CASE("E3: no question is FORMERR with the id, RD copied and QR set") {
    Fixture f;
    auto wire = Ask{}.wire();
    wire.resize(12);
    wire[5] = 0;  // QDCOUNT 0
    QueryResult r = f.handle(wire);
    REQUIRE(r.outcome == Outcome::Reply);
    Message m = decode(r.reply);
    CHECK(m.header.id == 0x1234);
    CHECK(m.header.qr());
    CHECK(m.header.rd());
    CHECK(m.header.rcode() == uint8_t(Rcode::FormErr));
    CHECK(m.questions.empty());
    CHECK(f.qp().counters().formerr == 1);
}

TEST_CASE("E2: a readable question with trailing garbage is FORMERR echoing the question") {
    Fixture f;
    Ask ask;
    ask.rd = false;
    auto wire = ask.wire();
    wire.push_back(0xab);  // bytes after the counted records
    QueryResult r = f.handle(wire);
    REQUIRE(r.outcome == Outcome::Reply);
    Message m = decode(r.reply);
    CHECK(m.header.rcode() == uint8_t(Rcode::FormErr));
    CHECK_FALSE(m.header.rd());
    REQUIRE(m.questions.size() == 1);
    CHECK(m.questions[0] == question_of("example.com"));
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("an opcode other than QUERY is NOTIMP, opcode and question echoed") {
    Fixture f;
    Ask ask;
    ask.opcode = 2;  // STATUS
    QueryResult r = f.handle(ask);
    REQUIRE(r.outcome == Outcome::Reply);
    Message m = decode(r.reply);
    CHECK(m.header.rcode() == uint8_t(Rcode::NotImp));
    CHECK(uint8_t(m.header.opcode()) == 2);
    REQUIRE(m.questions.size() == 1);
    CHECK(f.qp().counters().notimp == 1);
}

TEST_CASE("E3: EDNS version 1 is BADVERS: rcode 16 through the OPT, which says version 0") {
    Fixture f;
    Ask ask;
    ask.edns_size = 4096;
    ask.edns_version = 1;
    QueryResult r = f.handle(ask);
    REQUIRE(r.outcome == Outcome::Reply);
    Message m = decode(r.reply);
    CHECK(m.header.rcode() == 0);  // low 4 bits of 16
    REQUIRE(m.edns.has_value());
    CHECK(m.edns->ext_rcode == 1);  // high 8 bits of 16
    CHECK(m.edns->version == 0);
    CHECK(f.qp().counters().badvers == 1);
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("zone transfers: AXFR over UDP is FORMERR, over TCP REFUSED; never forwarded") {
    Fixture f;
    Ask ask;
    ask.qtype = rrtype::AXFR;
    CHECK(f.answer(ask).header.rcode() == uint8_t(Rcode::FormErr));
    CHECK(f.answer(ask, lan_client(true)).header.rcode() == uint8_t(Rcode::Refused));
    ask.qtype = rrtype::IXFR;
    CHECK(f.answer(ask).header.rcode() == uint8_t(Rcode::Refused));
    ask.name = "lan";
    ask.qtype = rrtype::AXFR;
    CHECK(f.answer(ask).header.rcode() == uint8_t(Rcode::FormErr));
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("OPT or TSIG asked for as a type is FORMERR") {
    Fixture f;
    for (uint16_t t : {rrtype::OPT, rrtype::TSIG}) {
        Ask ask;
        ask.qtype = t;
        CHECK(f.answer(ask).header.rcode() == uint8_t(Rcode::FormErr));
    }
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("classes: CHAOS is REFUSED; ANY is answered for our names and refused for others") {
    Fixture f;
    Ask chaos;
    chaos.name = "version.bind";
    chaos.qtype = 16;
    chaos.qclass = kClassChaos;
    CHECK(f.answer(chaos).header.rcode() == uint8_t(Rcode::Refused));

    Ask any_class;
    any_class.name = "laptop.lan";
    any_class.qclass = kClassAny;
    Message m = f.answer(any_class);
    CHECK(m.header.rcode() == 0);
    REQUIRE(m.answers.size() == 1);
    CHECK(a_of(m.answers[0]) == addr(0, 50));
    CHECK(m.questions[0].qclass == kClassAny);

    any_class.name = "example.com";
    CHECK(f.answer(any_class).header.rcode() == uint8_t(Rcode::Refused));
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("F3: a name not ours is forwarded once; an identical query waits on it") {
    Fixture f;
    Ask first;
    first.name = "WWW.Example.com";
    QueryResult r1 = f.handle(first);
    REQUIRE(r1.outcome == Outcome::Forward);
    REQUIRE(r1.send.group != nullptr);
    CHECK(r1.send.group->domain.is_root());
    Message upstream_query = decode(r1.send.query);
    REQUIRE(upstream_query.questions.size() == 1);
    CHECK(upstream_query.questions[0] == question_of("www.example.com"));
    CHECK(upstream_query.header.rd());
    CHECK_FALSE(upstream_query.header.qr());

    Ask second = first;
    second.id = 0x4321;
    second.name = "www.EXAMPLE.com";
    second.edns_size = 1232;
    QueryResult r2 = f.handle(second, lan_client(false, 2));
    CHECK(r2.outcome == Outcome::Waiting);
    CHECK(f.forwarder->pending() == 1);
    CHECK(f.qp().counters().forwarded == 1);
    CHECK(f.qp().counters().merged == 1);

    SUBCASE("the answer reaches both clients with their own ids and case; then it is cached") {
        auto reply = upstream_reply(question_of("www.example.com"), 1);
        auto got = f.complete(r1.send.token, &reply);
        REQUIRE(got.size() == 2);
        for (const Delivery& d : got) {
            Message m = decode(d.bytes);
            CHECK(m.header.id == d.waiter.client_id);
            CHECK(m.header.rcode() == 0);
            REQUIRE(m.answers.size() == 1);
            CHECK(a_of(m.answers[0]) == Ipv4::from_octets(93, 184, 0, 0));
        }
        CHECK(got[0].waiter.client_id == 0x1234);
        CHECK(got[0].waiter.reply_handle == 1);
        CHECK(got[1].waiter.client_id == 0x4321);
        CHECK(got[1].waiter.reply_handle == 2);
        CHECK(got[0].bytes[12 + 1] == 'W');  // each client's own spelling
        CHECK(got[1].bytes[12 + 1] == 'w');
        CHECK(decode(got[1].bytes).edns.has_value());  // only the EDNS client gets OPT
        CHECK_FALSE(decode(got[0].bytes).edns.has_value());
        CHECK(f.qp().counters().relayed == 2);
        CHECK(f.forwarder->pending() == 0);

        Ask third = first;
        third.id = 0x5555;
        Message cached = f.answer(third);
        REQUIRE(cached.answers.size() == 1);
        CHECK(f.qp().counters().answered_cache == 1);
        CHECK(f.qp().counters().forwarded == 1);
    }
    SUBCASE("F6: an upstream failure is SERVFAIL to every waiting client, and not cached") {
        auto got = f.complete(r1.send.token, nullptr);
        REQUIRE(got.size() == 2);
        for (const Delivery& d : got) {
            Message m = decode(d.bytes);
            CHECK(m.header.id == d.waiter.client_id);
            CHECK(m.header.rcode() == uint8_t(Rcode::ServFail));
        }
        CHECK(f.qp().counters().servfail == 2);
        CHECK(f.handle(first).outcome == Outcome::Forward);  // asked again, not cached
    }
}

TEST_CASE("a query with RD clear is still forwarded, as dnsmasq does") {
    Fixture f;
    Ask ask;
    ask.rd = false;
    QueryResult r = f.handle(ask);
    REQUIRE(r.outcome == Outcome::Forward);
    auto reply = upstream_reply(question_of("example.com"), 1);
    auto got = f.complete(r.send.token, &reply);
    REQUIRE(got.size() == 1);
    CHECK_FALSE(decode(got[0].bytes).header.rd());
}

TEST_CASE("F6: a full pending table answers SERVFAIL at once") {
    Fixture f;
    f.limits.max_pending = 1;
    Ask a, b;
    b.name = "other.example.com";
    CHECK(f.handle(a).outcome == Outcome::Forward);
    CHECK(f.answer(b).header.rcode() == uint8_t(Rcode::ServFail));
    CHECK(f.qp().counters().servfail == 1);
}

TEST_CASE("no upstream server is REFUSED (dnsmasq's answer); a --local domain is NXDOMAIN") {
    Fixture f;
    SUBCASE("no server at all") {
        f.groups.clear();
        CHECK(f.answer(Ask{}).header.rcode() == uint8_t(Rcode::Refused));
    }
    SUBCASE("a local-only group the zone has no data for") {
        UpstreamGroup local;
        local.domain = *Name::parse("corp.example");
        local.local_only = true;
        f.groups.push_back(local);
        Ask ask;
        ask.name = "host.corp.example";
        Message m = f.answer(ask);
        CHECK(m.header.rcode() == uint8_t(Rcode::NxDomain));
        CHECK(f.forwarder->pending() == 0);
        CHECK(f.handle(Ask{}).outcome == Outcome::Forward);  // other names still go out
    }
}

TEST_CASE("F9: with --bogus-priv private reverse names are NXDOMAIN here, never forwarded") {
    Fixture f;
    f.cfg.bogus_priv = true;
    for (const char* name :
         {"5.0.168.192.in-addr.arpa", "1.0.0.10.in-addr.arpa", "16.172.in-addr.arpa",
          "5.4.3.127.in-addr.arpa",
          "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa"}) {
        CAPTURE(std::string(name));
        Ask ask;
        ask.name = name;
        ask.qtype = rrtype::PTR;
        Message m = f.answer(ask);
        CHECK(m.header.rcode() == uint8_t(Rcode::NxDomain));
    }
    CHECK(f.qp().counters().blocked_private == 5);
    CHECK(f.forwarder->pending() == 0);
    CHECK(f.qp().counters().forwarded == 0);

    // Public reverse space still goes out; our own served subnet is the zone's.
    Ask pub;
    pub.name = "8.8.8.8.in-addr.arpa";
    pub.qtype = rrtype::PTR;
    CHECK(f.handle(pub).outcome == Outcome::Forward);
    Ask own;
    own.name = "50.0.18.198.in-addr.arpa";
    own.qtype = rrtype::PTR;
    Message m = f.answer(own);
    CHECK(m.header.rcode() == 0);
    CHECK(m.answers.size() == 1);
    // Private space the zone does serve (127.0.0.1 is localhost) is answered by the zone.
    Ask loopback;
    loopback.name = "1.0.0.127.in-addr.arpa";
    loopback.qtype = rrtype::PTR;
    Message lo = f.answer(loopback);
    CHECK(lo.header.rcode() == 0);
    CHECK(lo.answers.size() == 1);
    CHECK(f.qp().counters().blocked_private == 5);
}

TEST_CASE("without --bogus-priv a private reverse name is forwarded") {
    Fixture f;
    Ask ask;
    ask.name = "5.0.168.192.in-addr.arpa";
    ask.qtype = rrtype::PTR;
    CHECK(f.handle(ask).outcome == Outcome::Forward);
}

TEST_CASE("F9: with --domain-needed a bare name the zone does not know is never forwarded") {
    Fixture f;
    f.cfg.domain_needed = true;
    for (uint16_t t : {rrtype::A, rrtype::AAAA, rrtype::ANY}) {
        Ask ask;
        ask.name = "fileserver";
        ask.qtype = t;
        CHECK(f.answer(ask).header.rcode() == uint8_t(Rcode::NxDomain));
    }
    CHECK(f.qp().counters().blocked_bare == 3);
    CHECK(f.forwarder->pending() == 0);
    // A bare lease name is the zone's, answered as dnsmasq does.
    Ask lease;
    lease.name = "laptop";
    Message m = f.answer(lease);
    REQUIRE(m.answers.size() == 1);
    CHECK(a_of(m.answers[0]) == addr(0, 50));
    // A top-level domain asked for its delegation is not a host name: it goes out.
    Ask tld;
    tld.name = "com";
    tld.qtype = rrtype::NS;
    CHECK(f.handle(tld).outcome == Outcome::Forward);
    // And so do dotted names.
    CHECK(f.handle(Ask{}).outcome == Outcome::Forward);
}

TEST_CASE("without --domain-needed a bare name is forwarded") {
    Fixture f;
    Ask ask;
    ask.name = "fileserver";
    CHECK(f.handle(ask).outcome == Outcome::Forward);
}

TEST_CASE("localhost and names below it never leave the machine (RFC 6761 §6.3)") {
    Fixture f;
    for (const char* name : {"localhost", "printer.localhost"}) {
        for (uint16_t t : {rrtype::A, rrtype::MX}) {
            Ask ask;
            ask.name = name;
            ask.qtype = t;
            CHECK(f.handle(ask).outcome == Outcome::Reply);
        }
    }
    CHECK(f.forwarder->pending() == 0);
}

TEST_CASE("E4: without EDNS a big upstream answer is cut to 512 octets with TC") {
    Fixture f;
    QueryResult r = f.handle(Ask{});
    REQUIRE(r.outcome == Outcome::Forward);
    auto reply = upstream_reply(question_of("example.com"), 100);  // ~1.6 kB
    auto got = f.complete(r.send.token, &reply);
    REQUIRE(got.size() == 1);
    CHECK(got[0].bytes.size() <= 512);
    CHECK(decode(got[0].bytes).header.tc());

    SUBCASE("EDNS 4096 from the cache is capped at 1232, with TC") {
        Ask big;
        big.edns_size = 4096;
        QueryResult hit = f.handle(big);
        REQUIRE(hit.outcome == Outcome::Reply);
        CHECK(hit.reply.size() <= 1232);
        CHECK(decode(hit.reply).header.tc());
    }
    SUBCASE("over TCP the whole answer comes back") {
        QueryResult hit = f.handle(Ask{}, lan_client(true));
        REQUIRE(hit.outcome == Outcome::Reply);
        Message m = decode(hit.reply);
        CHECK_FALSE(m.header.tc());
        CHECK(m.answers.size() == 100);
    }
}

TEST_CASE("E4: an answer between 512 and 1232 octets fits an EDNS client, not a plain one") {
    Fixture f;
    Ask edns;
    edns.edns_size = 4096;
    QueryResult r = f.handle(edns);
    REQUIRE(r.outcome == Outcome::Forward);
    auto reply = upstream_reply(question_of("example.com"), 50);  // ~830 octets
    auto got = f.complete(r.send.token, &reply);
    REQUIRE(got.size() == 1);
    CHECK(got[0].bytes.size() > 512);
    CHECK(got[0].bytes.size() <= 1232);
    Message m = decode(got[0].bytes);
    CHECK_FALSE(m.header.tc());
    CHECK(m.answers.size() == 50);

    QueryResult plain = f.handle(Ask{});
    REQUIRE(plain.outcome == Outcome::Reply);  // from the cache
    CHECK(plain.reply.size() <= 512);
    CHECK(decode(plain.reply).header.tc());
}

TEST_CASE("reply_size_limit: 512 plain, EDNS clamped to [512, 1232], TCP 65535") {
    CHECK(reply_size_limit(false, std::nullopt) == 512);
    CHECK(reply_size_limit(true, std::nullopt) == 65535);
    struct Case {
        uint16_t advertised;
        size_t expected;
    };
    const Case cases[] = {{0, 512},     {100, 512},   {512, 512},   {1000, 1000},
                          {1232, 1232}, {4096, 1232}, {65535, 1232}};
    for (const Case& c : cases) {
        Edns e;
        e.udp_size = c.advertised;
        CAPTURE(c.advertised);
        CHECK(reply_size_limit(false, e) == c.expected);
        CHECK(reply_size_limit(true, e) == 65535);
    }
}

TEST_CASE("is_private_reverse follows RFC 6303's zones, and only them") {
    auto is_private = [](const char* text) { return is_private_reverse(*Name::parse(text)); };
    // Inside private zones, at any depth, and the zones themselves.
    CHECK(is_private("10.in-addr.arpa"));
    CHECK(is_private("4.3.2.10.in-addr.arpa"));
    CHECK(is_private("x.10.in-addr.arpa"));
    CHECK(is_private("168.192.in-addr.arpa"));
    CHECK(is_private("31.172.in-addr.arpa"));
    CHECK(is_private("1.64.100.in-addr.arpa"));
    CHECK(is_private("1.127.100.in-addr.arpa"));
    CHECK(is_private("1.1.254.169.in-addr.arpa"));
    CHECK(is_private("1.2.0.192.in-addr.arpa"));
    CHECK(is_private("255.255.255.255.in-addr.arpa"));
    CHECK(is_private("9.9.9.0.in-addr.arpa"));
    CHECK(is_private("d.f.ip6.arpa"));
    CHECK(is_private("1.0.0.0.8.e.f.ip6.arpa"));
    CHECK(is_private("8.b.d.0.1.0.0.2.ip6.arpa"));
    CHECK(is_private("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"));
    // Not entirely private, public, or not reverse names at all.
    CHECK_FALSE(is_private("in-addr.arpa"));
    CHECK_FALSE(is_private("192.in-addr.arpa"));
    CHECK_FALSE(is_private("172.in-addr.arpa"));
    CHECK_FALSE(is_private("15.172.in-addr.arpa"));
    CHECK_FALSE(is_private("32.172.in-addr.arpa"));
    CHECK_FALSE(is_private("128.100.in-addr.arpa"));
    CHECK_FALSE(is_private("8.8.8.8.in-addr.arpa"));
    CHECK_FALSE(is_private("1.0.18.198.in-addr.arpa"));
    CHECK_FALSE(is_private("010.in-addr.arpa"));  // not an octet as written in reverse names
    CHECK_FALSE(is_private("f.ip6.arpa"));
    CHECK_FALSE(is_private("0.0.0.0.ip6.arpa"));  // only the exact :: and ::1 names
    CHECK_FALSE(is_private("1.0.0.2.ip6.arpa"));
    CHECK_FALSE(is_private("10.example.com"));
    CHECK_FALSE(is_private("arpa"));
    CHECK_FALSE(is_private("."));
}
