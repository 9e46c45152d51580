// The DNS message codec: queries decoded to typed values or the exact error the server
// answers with (RFC 1035 §4.1, RFC 6891; ROBUSTNESS E1-E5), whole replies decoded with
// their rdata names made self-contained, and replies built with compression under a limit.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "leasedns/dns/message.hpp"

using namespace leasedns;
using namespace leasedns::dns;

namespace {

// Hand-written wire messages, so that the decoder is not only tested against the builder.
struct Wire {
    std::vector<uint8_t> b;

    Wire& u8(uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Wire& u16(uint16_t v) { return u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
    Wire& u32(uint32_t v) { return u16(uint16_t(v >> 16)).u16(uint16_t(v)); }
    Wire& raw(std::vector<uint8_t> v) {
        b.insert(b.end(), v.begin(), v.end());
        return *this;
    }
    // Uncompressed name from text, case kept.
    Wire& name(std::string_view text) {
        while (!text.empty() && text != ".") {
            size_t dot = text.find('.');
            std::string_view label = text.substr(0, dot);
            u8(uint8_t(label.size()));
            for (char c : label) u8(uint8_t(c));
            text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
        }
        return u8(0);
    }
    Wire& pointer(uint16_t offset) { return u16(uint16_t(0xC000 | offset)); }
    Wire& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    Wire& question(std::string_view n, uint16_t type, uint16_t klass = kClassIn) {
        return name(n).u16(type).u16(klass);
    }
    // An OPT record (RFC 6891 §6.1.2) with the given TTL fields and rdata.
    Wire& opt(uint16_t udp, uint8_t version = 0, bool dnssec_ok = false,
              std::vector<uint8_t> options = {}) {
        u8(0).u16(rrtype::OPT).u16(udp);
        u32((uint32_t(version) << 16) | (dnssec_ok ? 0x8000u : 0u));
        return u16(uint16_t(options.size())).raw(options);
    }
    // Record head with an rdata length; the caller appends the rdata.
    Wire& rr(std::string_view owner, uint16_t type, uint32_t ttl, uint16_t rdlength) {
        return name(owner).u16(type).u16(kClassIn).u32(ttl).u16(rdlength);
    }
    Bytes bytes() const { return Bytes(b); }
};

Wire query(std::string_view qname, uint16_t qtype, uint16_t ar = 0) {
    Wire w;
    w.header(0x1234, Header::kRd, 1, 0, 0, ar).question(qname, qtype);
    return w;
}

QueryError error_of(const Wire& w) {
    auto r = decode_query(w.bytes());
    REQUIRE_FALSE(r.ok());
    return r.error().error;
}

std::vector<uint8_t> v(Bytes b) {
    return {b.begin(), b.end()};
}

Record record(std::string_view owner, uint16_t type, std::vector<uint8_t> rdata,
              uint32_t ttl = 60) {
    Record r;
    r.name = *Name::parse(owner);
    r.type = type;
    r.ttl = ttl;
    r.rdata = std::move(rdata);
    return r;
}

std::vector<uint8_t> wire_name(std::string_view text) {
    Wire w;
    w.name(text);
    return w.b;
}

}  // namespace

// ---- decode_query ------------------------------------------------------------------------

TEST_CASE("decode_query reads a plain query: header, question in both cases, no EDNS") {
    auto w = query("WwW.Lan", rrtype::A);
    auto q = decode_query(w.bytes());
    REQUIRE(q.ok());
    CHECK(q->header.id == 0x1234);
    CHECK(q->header.rd());
    CHECK(q->question.name == *Name::parse("www.lan"));
    CHECK(q->question.qtype == rrtype::A);
    CHECK(q->question.qclass == kClassIn);
    CHECK(q->question_case.text() == "WwW.Lan");
    CHECK_FALSE(q->edns);
    CHECK(q->size == w.b.size());
}

TEST_CASE("decode_query reads a query exactly as dig 9.18 sends it (AD, EDNS, COOKIE)") {
    // Captured from `dig @127.0.0.1 Host.LAN AAAA` (tests/fuzz/corpus/dns_decode).
    const std::vector<uint8_t> dig = {0x1d, 0xa8, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x01, 0x04, 0x48, 0x6f, 0x73, 0x74, 0x03, 0x4c, 0x41,
                                      0x4e, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04,
                                      0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00,
                                      0x08, 0x0a, 0xde, 0xb6, 0x00, 0xbb, 0x74, 0x99, 0xb9};
    auto q = decode_query(Bytes(dig));
    REQUIRE(q.ok());
    CHECK(q->header.id == 0x1da8);
    CHECK(q->header.rd());
    CHECK((q->header.flags & Header::kAd) != 0);
    CHECK(q->question.name == *Name::parse("host.lan"));
    CHECK(q->question_case.text() == "Host.LAN");
    CHECK(q->question.qtype == rrtype::AAAA);
    REQUIRE(q->edns);
    CHECK(q->edns->udp_size == kDefaultEdnsPayload);
    CHECK_FALSE(q->edns->dnssec_ok);
}

TEST_CASE("decode_query reads the EDNS payload size, version and DO bit from the OPT") {
    auto w = query("host.lan", rrtype::AAAA, 1);
    w.opt(4096, 0, true, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // a COOKIE option
    auto q = decode_query(w.bytes());
    REQUIRE(q.ok());
    REQUIRE(q->edns);
    CHECK(q->edns->udp_size == 4096);
    CHECK(q->edns->version == 0);
    CHECK(q->edns->dnssec_ok);
}

TEST_CASE("decode_query: fewer than 12 octets is TooShort, QR set is NotQuery") {
    for (size_t n = 0; n < kHeaderSize; ++n) {
        std::vector<uint8_t> b(n, 0);
        auto r = decode_query(Bytes(b));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().error == QueryError::TooShort);
    }
    Wire w;
    w.header(1, Header::kQr, 1, 0, 0, 0).question("a.lan", rrtype::A);
    CHECK(error_of(w) == QueryError::NotQuery);
}

TEST_CASE("decode_query: an opcode other than QUERY is NotImp with header and question kept") {
    Wire w;
    w.header(7, uint16_t(5 << 11), 1, 0, 0, 0).question("Lan", rrtype::SOA);  // UPDATE
    auto r = decode_query(w.bytes());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().error == QueryError::NotImp);
    CHECK(r.error().header.id == 7);
    CHECK(r.error().header.opcode() == Opcode::Update);
    REQUIRE(r.error().question);
    CHECK(r.error().question->qtype == rrtype::SOA);
    CHECK(r.error().question_case.text() == "Lan");
}

TEST_CASE("decode_query: zero or two questions are FormErr (E3)") {
    Wire none;
    none.header(1, 0, 0, 0, 0, 0);
    CHECK(error_of(none) == QueryError::FormErr);
    Wire two;
    two.header(1, 0, 2, 0, 0, 0).question("a.lan", rrtype::A).question("b.lan", rrtype::A);
    CHECK(error_of(two) == QueryError::FormErr);
}

TEST_CASE("decode_query: a FormErr after a readable question echoes it") {
    auto w = query("Host.lan", rrtype::A, 1);
    w.u8(0);  // a truncated additional record
    auto r = decode_query(w.bytes());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().error == QueryError::FormErr);
    REQUIRE(r.error().question);
    CHECK(r.error().question->name == *Name::parse("host.lan"));
    CHECK(r.error().question_case.text() == "Host.lan");
    CHECK(r.error().header.id == 0x1234);
}

TEST_CASE("decode_query: an unreadable question is FormErr without a question") {
    Wire w;
    w.header(1, 0, 1, 0, 0, 0).name("a.lan").u8(0);  // qtype cut short
    auto r = decode_query(w.bytes());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().error == QueryError::FormErr);
    CHECK_FALSE(r.error().question);
}

TEST_CASE("decode_query: two OPT records, OPT outside additional, OPT not at the root: FormErr") {
    auto two = query("a.lan", rrtype::A, 2);
    two.opt(1232).opt(1232);
    CHECK(error_of(two) == QueryError::FormErr);

    Wire in_answer;
    in_answer.header(1, 0, 1, 1, 0, 0).question("a.lan", rrtype::A).opt(1232);
    CHECK(error_of(in_answer) == QueryError::FormErr);

    Wire in_authority;
    in_authority.header(1, 0, 1, 0, 1, 0).question("a.lan", rrtype::A).opt(1232);
    CHECK(error_of(in_authority) == QueryError::FormErr);

    auto not_root = query("a.lan", rrtype::A, 1);
    not_root.name("a.lan").u16(rrtype::OPT).u16(1232).u32(0).u16(0);
    CHECK(error_of(not_root) == QueryError::FormErr);

    auto bad_options = query("a.lan", rrtype::A, 1);
    bad_options.opt(1232, 0, false, {0, 10, 0, 9, 1});  // option longer than the rdata
    CHECK(error_of(bad_options) == QueryError::FormErr);
}

TEST_CASE("decode_query: EDNS version 1 is BadVers, with the question and had_edns") {
    auto w = query("a.lan", rrtype::A, 1);
    w.opt(1232, 1);
    auto r = decode_query(w.bytes());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().error == QueryError::BadVers);
    CHECK(r.error().had_edns);
    REQUIRE(r.error().question);
    CHECK(r.error().question->name == *Name::parse("a.lan"));
}

TEST_CASE("decode_query: malformed records win over a bad EDNS version") {
    auto w = query("a.lan", rrtype::A, 2);
    w.opt(1232, 1).u8(0xC0);
    CHECK(error_of(w) == QueryError::FormErr);
}

TEST_CASE("decode_query: TSIG anywhere but last is FormErr") {
    auto w = query("a.lan", rrtype::A, 2);
    w.rr("key.", rrtype::TSIG, 0, 0).opt(1232);
    CHECK(error_of(w) == QueryError::FormErr);
    auto last = query("a.lan", rrtype::A, 2);
    last.opt(1232).rr("key.", rrtype::TSIG, 0, 0);
    CHECK(decode_query(last.bytes()).ok());
}

TEST_CASE("decode_query: records in answer and authority are skipped when well-formed") {
    Wire w;
    w.header(1, 0, 1, 1, 1, 0).question("a.lan", rrtype::A);
    w.rr("a.lan", rrtype::A, 1, 4).raw({1, 2, 3, 4});
    w.pointer(12).u16(rrtype::NS).u16(kClassIn).u32(1).u16(2).pointer(12);
    CHECK(decode_query(w.bytes()).ok());
}

TEST_CASE("decode_query: counts larger than the records, RDLENGTH past the end: FormErr") {
    auto missing = query("a.lan", rrtype::A, 1);
    CHECK(error_of(missing) == QueryError::FormErr);
    Wire rdlength;
    rdlength.header(1, 0, 1, 1, 0, 0).question("a.lan", rrtype::A);
    rdlength.rr("a.lan", rrtype::A, 1, 5).raw({1, 2, 3, 4});
    CHECK(error_of(rdlength) == QueryError::FormErr);
}

TEST_CASE("decode_query: bytes after the counted records are FormErr") {
    auto w = query("a.lan", rrtype::A);
    w.u8(0);
    CHECK(error_of(w) == QueryError::FormErr);
}

TEST_CASE("decode_query: hostile names in the question are FormErr (E2)") {
    const std::vector<std::vector<uint8_t>> names = {
        {0xC0, 12},          // a pointer to itself
        {0xC0, 2},           // into the header
        {0xC0, 40},          // forward, past the end
        {0x41, 'a', 0},      // label type 0x40
        {0x81, 'a', 0},      // label type 0x80
        {3, 'l', 'a', 'n'},  // no terminator
    };
    for (const auto& n : names) {
        Wire w;
        w.header(1, 0, 1, 0, 0, 0).raw(n).u16(rrtype::A).u16(kClassIn);
        CHECK(error_of(w) == QueryError::FormErr);
    }
}

TEST_CASE("decode_query: every length 0..17 of zeros and of 0xFF is handled (E1)") {
    for (uint8_t fill : {uint8_t{0}, uint8_t{0xFF}}) {
        for (size_t n = 0; n <= 17; ++n) {
            std::vector<uint8_t> b(n, fill);
            auto r = decode_query(Bytes(b));
            REQUIRE_FALSE(r.ok());
            if (n < kHeaderSize) {
                CHECK(r.error().error == QueryError::TooShort);
            } else if (fill == 0xFF) {
                CHECK(r.error().error == QueryError::NotQuery);  // QR is set
            } else {
                CHECK(r.error().error == QueryError::FormErr);  // no question
            }
            // Only an all-zero bare header is a valid (empty) message.
            CHECK(decode_message(Bytes(b)).ok() == (n == kHeaderSize && fill == 0));
        }
    }
}

TEST_CASE("decode_query: a question of the root name is valid") {
    Wire w;
    w.header(1, 0, 1, 0, 0, 0).question(".", rrtype::NS);
    auto q = decode_query(w.bytes());
    REQUIRE(q.ok());
    CHECK(q->question.name.is_root());
}

// ---- decode_message ----------------------------------------------------------------------

TEST_CASE("decode_message decompresses names inside NS, CNAME, PTR, MX, SOA and SRV rdata") {
    Wire w;
    w.header(9, Header::kQr | Header::kAa, 1, 5, 1, 1).question("Svc.Lan", rrtype::ANY);
    w.pointer(12).u16(rrtype::CNAME).u16(kClassIn).u32(60).u16(4).u8(1).u8('X').pointer(16);
    w.pointer(12).u16(rrtype::MX).u16(kClassIn).u32(60).u16(4).u16(10).pointer(12);
    w.pointer(12).u16(rrtype::SRV).u16(kClassIn).u32(60).u16(8).u16(1).u16(2).u16(53);
    w.pointer(12);
    w.pointer(16).u16(rrtype::NS).u16(kClassIn).u32(60).u16(5).u8(2).u8('n').u8('s').pointer(16);
    w.pointer(12).u16(rrtype::PTR).u16(kClassIn).u32(60).u16(2).pointer(12);
    w.pointer(16).u16(rrtype::SOA).u16(kClassIn).u32(60).u16(24).pointer(12).pointer(16);
    w.u32(1).u32(2).u32(3).u32(4).u32(5);
    w.opt(1232, 0, true);
    auto m = decode_message(w.bytes());
    REQUIRE(m.ok());
    CHECK(m->header.id == 9);
    REQUIRE(m->questions.size() == 1);
    CHECK(m->questions[0].name == *Name::parse("svc.lan"));
    REQUIRE(m->answers.size() == 5);
    CHECK(m->answers[0].name == *Name::parse("svc.lan"));
    CHECK(m->answers[0].rdata == wire_name("X.Lan"));  // case as sent
    std::vector<uint8_t> mx{0, 10};
    auto svc = wire_name("Svc.Lan");
    mx.insert(mx.end(), svc.begin(), svc.end());
    CHECK(m->answers[1].rdata == mx);
    std::vector<uint8_t> srv{0, 1, 0, 2, 0, 53};
    srv.insert(srv.end(), svc.begin(), svc.end());
    CHECK(m->answers[2].rdata == srv);
    CHECK(m->answers[3].rdata == wire_name("ns.Lan"));
    CHECK(m->answers[4].rdata == svc);
    REQUIRE(m->authority.size() == 1);
    CHECK(m->authority[0].type == rrtype::SOA);
    CHECK(m->authority[0].rdata.size() == svc.size() + 5 + 20);
    CHECK(m->additional.empty());  // the OPT went into edns
    REQUIRE(m->edns);
    CHECK(m->edns->dnssec_ok);
}

TEST_CASE("decode_message requires A to be 4 octets, AAAA 16 and names to fill the rdata") {
    auto one = [](uint16_t type, std::vector<uint8_t> rdata) {
        Wire w;
        w.header(1, Header::kQr, 0, 1, 0, 0).rr("a.lan", type, 1, uint16_t(rdata.size()));
        w.raw(rdata);
        return decode_message(w.bytes()).ok();
    };
    CHECK(one(rrtype::A, {1, 2, 3, 4}));
    CHECK_FALSE(one(rrtype::A, {1, 2, 3}));
    CHECK_FALSE(one(rrtype::A, {1, 2, 3, 4, 5}));
    CHECK(one(rrtype::AAAA, std::vector<uint8_t>(16, 1)));
    CHECK_FALSE(one(rrtype::AAAA, std::vector<uint8_t>(4, 1)));
    CHECK(one(rrtype::CNAME, wire_name("b.lan")));
    auto extra = wire_name("b.lan");
    extra.push_back(0);
    CHECK_FALSE(one(rrtype::CNAME, extra));
    CHECK_FALSE(one(rrtype::MX, wire_name("lan")));     // "\3l" taken as preference, rest no name
    CHECK_FALSE(one(rrtype::SOA, wire_name("b.lan")));  // one name, no numbers
    CHECK(one(rrtype::TXT, {3, 'a', 'b', 'c'}));
    CHECK(one(rrtype::TXT, {}));
}

TEST_CASE("decode_message: a name in rdata may not run past the RDLENGTH") {
    Wire w;
    w.header(1, Header::kQr, 0, 1, 0, 0).rr("a.lan", rrtype::CNAME, 1, 2).raw(wire_name("b.lan"));
    CHECK_FALSE(decode_message(w.bytes()).ok());
}

TEST_CASE("decode_message rejects truncation, excess counts, trailing bytes and bad OPTs") {
    Wire ok;
    ok.header(1, Header::kQr, 1, 1, 0, 0).question("a.lan", rrtype::A);
    ok.pointer(12).u16(rrtype::A).u16(kClassIn).u32(5).u16(4).raw({1, 2, 3, 4});
    CHECK(decode_message(ok.bytes()).ok());
    for (size_t n = 0; n < ok.b.size(); ++n) {
        CHECK_FALSE(decode_message(Bytes(ok.b.data(), n)).ok());
    }
    auto trailing = ok;
    trailing.u8(0);
    CHECK_FALSE(decode_message(trailing.bytes()).ok());
    Wire two_opt;
    two_opt.header(1, Header::kQr, 0, 0, 0, 2).opt(512).opt(512);
    CHECK_FALSE(decode_message(two_opt.bytes()).ok());
    Wire opt_answer;
    opt_answer.header(1, Header::kQr, 0, 1, 0, 0).opt(512);
    CHECK_FALSE(decode_message(opt_answer.bytes()).ok());
}

TEST_CASE("2000 records each pointing at the previous name decode in well under 100 ms") {
    // Every owner is one label plus a pointer to the previous owner, the shape that makes
    // naive decompressors slow (RFC 9267 §2); chains stop growing at 100 labels so that
    // the names stay within 255 octets. As a reply (decode_message) and, in the
    // additional section, as a query (decode_query).
    const size_t count = 2000;
    for (bool as_query : {false, true}) {
        Wire w;
        if (as_query) {
            w.header(1, 0, 1, 0, 0, uint16_t(count)).question("lan", rrtype::A);
        } else {
            w.header(1, Header::kQr, 0, uint16_t(count), 0, 0).name("lan");
            w.u16(rrtype::A).u16(kClassIn).u32(1).u16(4).raw({1, 2, 3, 4});
        }
        uint16_t prev = 12;
        for (size_t i = as_query ? 0 : 1; i < count; ++i) {
            uint16_t here = uint16_t(w.b.size());
            w.u8(1).u8('a').pointer(prev).u16(rrtype::A).u16(kClassIn).u32(1).u16(4);
            w.raw({1, 2, 3, 4});
            prev = i < 100 ? here : prev;
        }
        auto start = std::chrono::steady_clock::now();
        if (as_query) {
            CHECK(decode_query(w.bytes()).ok());
        } else {
            auto m = decode_message(w.bytes());
            REQUIRE(m.ok());
            CHECK(m->answers.size() == count);
            CHECK(m->answers.back().name.label_count() == 101);
        }
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
    }
}

TEST_CASE("decode_message of pointer-to-pointer chains is linear and rejects long chains") {
    // 5000 records whose owners are each a single pointer to the previous owner.
    Wire w;
    const size_t count = 5000;
    w.header(1, Header::kQr, 0, uint16_t(count), 0, 0);
    w.name("lan").u16(rrtype::TXT).u16(kClassIn).u32(1).u16(0);
    uint16_t prev = 12;
    for (size_t i = 1; i < count; ++i) {
        uint16_t here = uint16_t(w.b.size());
        w.pointer(prev).u16(rrtype::TXT).u16(kClassIn).u32(1).u16(0);
        prev = here;
    }
    auto start = std::chrono::steady_clock::now();
    auto m = decode_message(w.bytes());
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(m.ok());
    CHECK(elapsed < std::chrono::milliseconds(100));
}

// ---- MessageBuilder ----------------------------------------------------------------------

TEST_CASE("a reply with one question, one A record and OPT decodes to what was built") {
    std::array<uint8_t, 512> buf{};
    MessageBuilder b(buf, buf.size());
    Header h;
    h.id = 0xBEEF;
    h.flags = Header::kQr | Header::kAa | Header::kRd | Header::kRa;
    b.set_header(h);
    b.reserve_tail(MessageBuilder::kOptSize);
    auto qname = *Name::parse("host.lan");
    REQUIRE(b.add_question(qname, rrtype::A, kClassIn));
    REQUIRE(b.add_raw(Section::Answer, qname, rrtype::A, kClassIn, 300,
                      Bytes(std::vector<uint8_t>{192, 168, 1, 10})));
    REQUIRE(b.add_opt(Edns{1232, 0, 0, true}));
    Bytes out = b.finish();
    // 12 header + 14 question + (2 + 10 + 4) answer + 11 OPT.
    CHECK(out.size() == 12 + 14 + 16 + 11);
    CHECK(b.size() == out.size());
    CHECK(b.count(Section::Answer) == 1);
    CHECK(b.count(Section::Additional) == 1);
    auto m = decode_message(out);
    REQUIRE(m.ok());
    CHECK(m->header.id == 0xBEEF);
    CHECK(m->header.flags == h.flags);
    REQUIRE(m->answers.size() == 1);
    CHECK(m->answers[0].name == qname);
    CHECK(m->answers[0].ttl == 300);
    CHECK(m->answers[0].rdata == std::vector<uint8_t>{192, 168, 1, 10});
    REQUIRE(m->edns);
    CHECK(m->edns->udp_size == 1232);
    CHECK(m->edns->dnssec_ok);
}

TEST_CASE("the owner equal to the question becomes a pointer to 12, echoing the client's case") {
    auto w = query("HoSt.LaN", rrtype::A);
    auto q = decode_query(w.bytes());
    REQUIRE(q.ok());
    std::array<uint8_t, 512> buf{};
    MessageBuilder b(buf, buf.size());
    b.set_header(q->header);
    REQUIRE(b.add_question(q->question_case, q->question.qtype, q->question.qclass));
    REQUIRE(b.add_raw(Section::Answer, q->question.name, rrtype::A, kClassIn, 1,
                      Bytes(std::vector<uint8_t>{10, 0, 0, 1})));
    Bytes out = b.finish();
    CHECK(out[12 + 10 + 4] == 0xC0);  // the owner: a pointer
    CHECK(out[12 + 10 + 5] == 12);
    CHECK(v(out.subspan(12, 10)) == wire_name("HoSt.LaN"));
}

TEST_CASE("names in rdata are compressed and decode back to the same records") {
    std::vector<uint8_t> buf(4096);
    MessageBuilder b(buf, buf.size());
    REQUIRE(b.add_question(*Name::parse("lan"), rrtype::SOA, kClassIn));
    std::vector<uint8_t> soa = wire_name("ns.lan");
    auto rname = wire_name("hostmaster.lan");
    soa.insert(soa.end(), rname.begin(), rname.end());
    for (int i = 0; i < 20; ++i) soa.push_back(uint8_t(i));
    std::vector<uint8_t> mx{0, 5};
    auto mail = wire_name("mail.lan");
    mx.insert(mx.end(), mail.begin(), mail.end());
    std::vector<uint8_t> srv{0, 1, 0, 2, 0x13, 0xC4};
    auto target = wire_name("host.lan");
    srv.insert(srv.end(), target.begin(), target.end());
    const std::vector<Record> records = {
        record("lan", rrtype::SOA, soa),
        record("lan", rrtype::NS, wire_name("ns.lan")),
        record("lan", rrtype::MX, mx),
        record("_sip._tcp.lan", rrtype::SRV, srv),
        record("www.lan", rrtype::CNAME, wire_name("host.lan")),
        record("10.1.168.192.in-addr.arpa", rrtype::PTR, wire_name("host.lan")),
        record("www.lan", rrtype::TXT, {5, 'h', 'e', 'l', 'l', 'o'}),
    };
    for (const auto& r : records) REQUIRE(b.add_record(Section::Answer, r));
    Bytes out = b.finish();
    size_t uncompressed = 12 + 4 + 5;
    for (const auto& r : records) uncompressed += r.name.wire_size() + 10 + r.rdata.size();
    CHECK(out.size() < uncompressed - 40);
    auto m = decode_message(out);
    REQUIRE(m.ok());
    REQUIRE(m->answers.size() == records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        CHECK(m->answers[i].name == records[i].name);
        CHECK(m->answers[i].type == records[i].type);
        CHECK(m->answers[i].rdata == records[i].rdata);
    }
}

TEST_CASE("compression matches case-insensitively and the first spelling written wins") {
    std::vector<uint8_t> buf(512);
    MessageBuilder b(buf, buf.size());
    Name as_sent;
    auto w = query("WWW.lan", rrtype::CNAME);
    Reader r(w.bytes());
    r.skip(12);
    REQUIRE(Name::read(w.bytes(), r, &as_sent));
    REQUIRE(b.add_question(as_sent, rrtype::CNAME, kClassIn));
    REQUIRE(b.add_record(Section::Answer, record("x.lan", rrtype::CNAME, wire_name("www.LAN"))));
    auto m = decode_message(b.finish());
    REQUIRE(m.ok());
    REQUIRE(m->answers.size() == 1);
    CHECK(m->answers[0].rdata == wire_name("WWW.lan"));
}

TEST_CASE("a record that does not fit writes nothing, returns false, and the builder goes on") {
    std::vector<uint8_t> buf(512);
    // The question (7 + 4), three A records with a pointer owner (16 each), 14 more.
    const size_t limit = 12 + 11 + 3 * 16 + 14;
    MessageBuilder b(buf, limit);
    auto qname = *Name::parse("a.lan");
    REQUIRE(b.add_question(qname, rrtype::A, kClassIn));
    const std::vector<uint8_t> addr{10, 0, 0, 1};
    int added = 0;
    for (int i = 0; i < 10; ++i) {
        if (b.add_raw(Section::Answer, qname, rrtype::A, kClassIn, 1, Bytes(addr))) ++added;
    }
    CHECK(added == 3);
    const size_t before = b.size();
    CHECK_FALSE(b.add_raw(Section::Answer, *Name::parse("long-name-not-compressed.lan"), rrtype::A,
                          kClassIn, 1, Bytes(addr)));
    CHECK(b.size() == before);
    // A smaller record (12 octets) still fits after a failed one: the builder is usable.
    CHECK(b.add_raw(Section::Additional, qname, rrtype::TXT, kClassIn, 1, {}));
    b.header().flags |= Header::kQr | Header::kTc;
    Bytes out = b.finish();
    CHECK(out.size() <= limit);
    auto m = decode_message(out);
    REQUIRE(m.ok());
    CHECK(m->header.tc());
    CHECK(m->answers.size() == 3);
    CHECK(m->additional.size() == 1);
}

TEST_CASE("a failed name write leaves no compression target behind") {
    std::vector<uint8_t> buf(512);
    MessageBuilder b(buf, 12 + 20);
    // "abcdefgh.lan" does not fit as an owner; a later "lan" must not point into it.
    REQUIRE_FALSE(b.add_raw(Section::Answer, *Name::parse("abcdefghijk.lan"), rrtype::A, kClassIn,
                            1, Bytes(std::vector<uint8_t>{1, 2, 3, 4})));
    REQUIRE(b.add_raw(Section::Answer, *Name::parse("lan"), rrtype::TXT, kClassIn, 1, {}));
    auto m = decode_message(b.finish());
    REQUIRE(m.ok());
    CHECK(m->answers[0].name == *Name::parse("lan"));
}

TEST_CASE("assigning a copy of the builder back rolls the message back to that point") {
    std::vector<uint8_t> buf(512);
    MessageBuilder b(buf, buf.size());
    REQUIRE(b.add_question(*Name::parse("a.lan"), rrtype::A, kClassIn));
    const MessageBuilder checkpoint = b;
    REQUIRE(b.add_raw(Section::Answer, *Name::parse("zzz.other"), rrtype::TXT, kClassIn, 1, {}));
    REQUIRE(b.add_raw(Section::Authority, *Name::parse("lan"), rrtype::TXT, kClassIn, 1, {}));
    b = checkpoint;
    CHECK(b.count(Section::Answer) == 0);
    CHECK(b.size() == 12 + 11);
    // "other" was a target after the checkpoint only: it must be written in full again.
    REQUIRE(b.add_raw(Section::Answer, *Name::parse("y.other"), rrtype::TXT, kClassIn, 1, {}));
    auto m = decode_message(b.finish());
    REQUIRE(m.ok());
    REQUIRE(m->answers.size() == 1);
    CHECK(m->answers[0].name == *Name::parse("y.other"));
    CHECK(m->authority.empty());
}

TEST_CASE("reserve_tail keeps room for the OPT record that add_opt then uses") {
    std::vector<uint8_t> buf(512);
    const size_t limit = 12 + 11 + 16 + MessageBuilder::kOptSize;
    MessageBuilder b(buf, limit);
    b.reserve_tail(MessageBuilder::kOptSize);
    auto qname = *Name::parse("a.lan");
    REQUIRE(b.add_question(qname, rrtype::A, kClassIn));
    const std::vector<uint8_t> addr{10, 0, 0, 1};
    CHECK(b.add_raw(Section::Answer, qname, rrtype::A, kClassIn, 1, Bytes(addr)));
    CHECK_FALSE(b.add_raw(Section::Answer, qname, rrtype::A, kClassIn, 1, Bytes(addr)));
    CHECK(b.add_opt(Edns{}));
    CHECK_FALSE(b.add_opt(Edns{}));  // only one
    CHECK(b.finish().size() == limit);
}

TEST_CASE("set_rcode splits BADVERS between the header and the OPT extended rcode") {
    for (bool opt_first : {true, false}) {
        std::vector<uint8_t> buf(512);
        MessageBuilder b(buf, buf.size());
        b.header().flags = Header::kQr;
        if (opt_first) REQUIRE(b.add_opt(Edns{}));
        b.set_rcode(Rcode::BadVers);
        if (!opt_first) REQUIRE(b.add_opt(Edns{}));
        auto m = decode_message(b.finish());
        REQUIRE(m.ok());
        CHECK(m->header.rcode() == 0);  // 16 = 0x10: low bits 0
        REQUIRE(m->edns);
        CHECK(m->edns->ext_rcode == 1);
        CHECK(((m->edns->ext_rcode << 4) | m->header.rcode()) == 16);
    }
    std::vector<uint8_t> buf(512);
    MessageBuilder b(buf, buf.size());
    b.set_rcode(Rcode::NxDomain);
    CHECK(b.header().rcode() == 3);
}

TEST_CASE("names past offset 0x3FFF are never compression targets (E5)") {
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    // Fill beyond 0x3FFF with TXT records owned by the root.
    std::vector<uint8_t> txt(255, 'x');
    while (b.size() < 0x4000)
        REQUIRE(b.add_raw(Section::Answer, Name(), rrtype::TXT, kClassIn, 1, Bytes(txt)));
    auto late = *Name::parse("late.lan");
    REQUIRE(b.add_raw(Section::Answer, late, rrtype::TXT, kClassIn, 1, {}));
    REQUIRE(b.add_raw(Section::Answer, late, rrtype::TXT, kClassIn, 1, {}));
    Bytes out = b.finish();
    auto m = decode_message(out);
    REQUIRE(m.ok());
    CHECK(m->answers.back().name == late);
    // The second "late.lan" was written in full: the last name is 10 octets of labels.
    const size_t last_owner = out.size() - 10 - late.wire_size();
    CHECK(v(out.subspan(last_owner, late.wire_size())) == v(late.wire()));
}

TEST_CASE("a builder on a buffer smaller than a header writes nothing") {
    std::array<uint8_t, 8> small{};
    MessageBuilder b(small, 512);
    CHECK_FALSE(b.add_question(Name(), rrtype::A, kClassIn));
    CHECK_FALSE(b.add_opt(Edns{}));
    CHECK(b.finish().empty());
    CHECK(b.size() == 0);
}

TEST_CASE("a limit below the header still yields a header-only message") {
    std::array<uint8_t, 64> buf{};
    MessageBuilder b(buf, 0);
    CHECK_FALSE(b.add_question(Name(), rrtype::A, kClassIn));
    CHECK(b.finish().size() == kHeaderSize);
}

TEST_CASE("a question cannot follow a record") {
    std::array<uint8_t, 512> buf{};
    MessageBuilder b(buf, buf.size());
    REQUIRE(b.add_raw(Section::Answer, Name(), rrtype::TXT, kClassIn, 1, {}));
    CHECK_FALSE(b.add_question(Name(), rrtype::A, kClassIn));
}

TEST_CASE("a reply with a question, an A record and OPT compresses its owner to the question") {
    // The hot path's reply: 12 header + 14 question + 16 answer (owner as a 2-byte pointer)
    // + 11 OPT. Its speed is measured by the benchmark (bench/dns_bench.sh), not here.
    auto w = query("host.lan", rrtype::A, 1);
    w.opt(1232);
    const std::vector<uint8_t> addr{192, 168, 1, 10};
    std::array<uint8_t, 1232> buf;
    auto q = decode_query(w.bytes());
    REQUIRE(q.ok());
    MessageBuilder b(buf, 1232);
    b.set_header(q->header);
    b.reserve_tail(MessageBuilder::kOptSize);
    b.add_question(q->question_case, q->question.qtype, q->question.qclass);
    b.add_raw(Section::Answer, q->question.name, rrtype::A, kClassIn, 60, Bytes(addr));
    b.add_opt(Edns{});
    auto out = b.finish();
    CHECK(out.size() == 12 + 14 + 16 + 11);
    auto m = decode_message(out);
    REQUIRE(m.ok());
    REQUIRE(m->answers.size() == 1);
    CHECK(m->answers[0].name == q->question.name);
    CHECK(m->edns);
}

TEST_CASE("type_name prints known types by mnemonic and others as TYPEnnn") {
    CHECK(type_name(rrtype::A) == "A");
    CHECK(type_name(rrtype::AAAA) == "AAAA");
    CHECK(type_name(rrtype::SRV) == "SRV");
    CHECK(type_name(65280) == "TYPE65280");
}
