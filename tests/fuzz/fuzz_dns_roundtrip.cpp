// decode_message -> MessageBuilder -> decode_message keeps every section (ROBUSTNESS E2,
// E5): what the forwarder and the cache re-encode is what they decoded. Compression may
// make a later name take the spelling of an earlier one (first spelling wins), so names
// inside rdata compare case-insensitively; everything else compares exactly.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "leasedns/dns/message.hpp"

using namespace leasedns;
using namespace leasedns::dns;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Up to this size every message re-encodes into 64 KiB whatever the compression (each
// name at most 255 octets, at most size / 11 records), so every add must succeed.
constexpr size_t kMustFit = 400;

uint8_t lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}

// The rdata with the ASCII letters of its names folded (names are uncompressed here:
// decode_message promises it for these types).
std::vector<uint8_t> fold_names(uint16_t type, const std::vector<uint8_t>& rdata) {
    size_t before = 0, names = 0;
    switch (type) {
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            names = 1;
            break;
        case rrtype::MX:
            before = 2, names = 1;
            break;
        case rrtype::SOA:
            names = 2;
            break;
        case rrtype::SRV:
            before = 6, names = 1;
            break;
        default:
            return rdata;
    }
    std::vector<uint8_t> out = rdata;
    size_t pos = before;
    for (size_t i = 0; i < names; ++i) {
        while (pos < out.size() && out[pos] != 0) {
            const size_t len = out[pos];
            for (size_t k = 1; k <= len && pos + k < out.size(); ++k) {
                out[pos + k] = lower(out[pos + k]);
            }
            pos += 1 + len;
        }
        ++pos;  // the root octet
    }
    return out;
}

bool same_records(const std::vector<Record>& a, const std::vector<Record>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!(a[i].name == b[i].name) || a[i].type != b[i].type || a[i].klass != b[i].klass ||
            a[i].ttl != b[i].ttl ||
            fold_names(a[i].type, a[i].rdata) != fold_names(b[i].type, b[i].rdata)) {
            return false;
        }
    }
    return true;
}

bool same_edns(const std::optional<Edns>& a, const std::optional<Edns>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->udp_size == b->udp_size && a->ext_rcode == b->ext_rcode &&
                  a->version == b->version && a->dnssec_ok == b->dnssec_ok);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> packet(data, data + size);
    auto m = decode_message(Bytes(packet));
    if (!m.ok()) return 0;

    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    b.set_header(m->header);
    bool all = true;
    for (const auto& q : m->questions) all = b.add_question(q.name, q.qtype, q.qclass) && all;
    // TSIG must stay last (RFC 8945 §5.1), so OPT goes in just before a final TSIG.
    std::vector<Record> additional = m->additional;
    std::optional<Record> tsig;
    if (!additional.empty() && additional.back().type == rrtype::TSIG) {
        tsig = additional.back();
        additional.pop_back();
    }
    for (const auto& r : m->answers) all = b.add_record(Section::Answer, r) && all;
    for (const auto& r : m->authority) all = b.add_record(Section::Authority, r) && all;
    for (const auto& r : additional) all = b.add_record(Section::Additional, r) && all;
    if (m->edns) all = b.add_opt(*m->edns) && all;
    if (tsig) all = b.add_record(Section::Additional, *tsig) && all;
    if (size <= kMustFit) check(all);
    Bytes out = b.finish();
    check(out.size() <= buf.size());

    auto back = decode_message(out);
    check(back.ok());
    if (!all) return 0;  // a prefix was written; it decoded, which is all that is promised
    check(back->header.id == m->header.id && back->header.flags == m->header.flags);
    check(back->questions == m->questions);
    check(same_records(back->answers, m->answers));
    check(same_records(back->authority, m->authority));
    check(same_records(back->additional, m->additional));
    check(same_edns(back->edns, m->edns));
    // Compression never makes the message larger than writing every name in full.
    size_t full = kHeaderSize + (m->edns ? MessageBuilder::kOptSize : 0);
    for (const auto& q : m->questions) full += q.name.wire_size() + 4;
    for (const auto* list : {&m->answers, &m->authority, &m->additional}) {
        for (const auto& r : *list) full += r.name.wire_size() + 10 + r.rdata.size();
    }
    check(out.size() <= full);
    return 0;
}
