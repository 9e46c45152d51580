// Upstream replies for the cache, filter and forwarder tests: records with typed rdata
// and whole messages written through MessageBuilder, so tests state their data as names
// and addresses rather than bytes.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/net.hpp"
#include "leasedns/dns/message.hpp"

namespace leasedns::dns::test {

inline Name name(std::string_view text) {
    return Name::parse(text).value();
}

inline void append_name(std::vector<uint8_t>& out, std::string_view text) {
    const Name n = name(text);  // wire() is a view into the Name
    out.insert(out.end(), n.wire().begin(), n.wire().end());
}

inline void append_u32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

inline Record a_record(std::string_view owner, std::string_view addr, uint32_t ttl = 300) {
    uint32_t v = Ipv4::parse(addr).value().value;
    Record r{name(owner), rrtype::A, kClassIn, ttl, {}};
    append_u32(r.rdata, v);
    return r;
}

inline Record aaaa_record(std::string_view owner, std::array<uint8_t, 16> addr,
                          uint32_t ttl = 300) {
    return Record{name(owner), rrtype::AAAA, kClassIn, ttl, {addr.begin(), addr.end()}};
}

// NS, CNAME or PTR: the rdata is one name.
inline Record name_record(uint16_t type, std::string_view owner, std::string_view target,
                          uint32_t ttl = 300) {
    Record r{name(owner), type, kClassIn, ttl, {}};
    append_name(r.rdata, target);
    return r;
}

inline Record mx_record(std::string_view owner, std::string_view exchange, uint32_t ttl = 300) {
    Record r{name(owner), rrtype::MX, kClassIn, ttl, {0, 10}};
    append_name(r.rdata, exchange);
    return r;
}

// RFC 1035 §3.3.13; `minimum` is the negative-caching TTL (RFC 2308 §4).
inline Record soa_record(std::string_view zone, uint32_t ttl, uint32_t minimum) {
    Record r{name(zone), rrtype::SOA, kClassIn, ttl, {}};
    append_name(r.rdata, std::string("ns1.") + std::string(zone));
    append_name(r.rdata, std::string("hostmaster.") + std::string(zone));
    for (uint32_t v : {2026112701u, 7200u, 900u, 1209600u}) append_u32(r.rdata, v);
    append_u32(r.rdata, minimum);
    return r;
}

// A reply as an upstream resolver sends it: QR RD RA, the question, the records.
inline Message reply_message(const Question& q, Rcode rcode, std::vector<Record> answers,
                             std::vector<Record> authority = {},
                             std::vector<Record> additional = {}) {
    Message m;
    m.header.flags = Header::kQr | Header::kRd | Header::kRa | static_cast<uint16_t>(rcode);
    m.questions = {q};
    m.answers = std::move(answers);
    m.authority = std::move(authority);
    m.additional = std::move(additional);
    return m;
}

// The wire form of `m` (question names as given; the id is `id`).
inline std::vector<uint8_t> encode(const Message& m, uint16_t id = 0x1234) {
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    Header h = m.header;
    h.id = id;
    b.set_header(h);
    for (const auto& q : m.questions) b.add_question(q.name, q.qtype, q.qclass);
    for (const auto& r : m.answers) b.add_record(Section::Answer, r);
    for (const auto& r : m.authority) b.add_record(Section::Authority, r);
    for (const auto& r : m.additional) b.add_record(Section::Additional, r);
    if (m.edns) b.add_opt(*m.edns);
    Bytes wire = b.finish();
    return {wire.begin(), wire.end()};
}

inline Message decode(Bytes wire) {
    return decode_message(wire).value();
}

}  // namespace leasedns::dns::test
