// decode_query and decode_message on arbitrary bytes (ROBUSTNESS E1-E3, E5). Every input
// either fails with the error the server acts on or yields values whose invariants hold:
// names within RFC 1035 limits, counts matching the sections, rdata of the types the server
// reads well-formed. Replies built from what was decoded (the FORMERR echo included)
// always fit a 512-octet datagram and decode again.
#include <array>
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

bool name_ok(const Name& n) {
    if (n.wire_size() == 0 || n.wire_size() > Name::kMaxWire) return false;
    // The wire form must parse back to the same name (labels ≤ 63, terminated).
    auto again = Name::from_wire(n.wire());
    return again && again->wire_size() == n.wire_size();
}

// The length of the uncompressed name at the start of b, or 0.
size_t name_length(Bytes b) {
    for (size_t pos = 0; pos < b.size(); pos += 1 + size_t{b[pos]}) {
        if (b[pos] == 0) return Name::from_wire(b.first(pos + 1)) ? pos + 1 : 0;
    }
    return 0;
}

// decode_message promises self-contained rdata for the types the server looks into.
void check_rdata(const Record& r) {
    Bytes d(r.rdata);
    auto names_then = [&](size_t before, size_t names, size_t after) {
        check(d.size() >= before);
        size_t pos = before;
        for (size_t i = 0; i < names; ++i) {
            size_t n = name_length(d.subspan(pos));
            check(n != 0);
            pos += n;
        }
        check(d.size() == pos + after);
    };
    switch (r.type) {
        case rrtype::A:
            check(d.size() == 4);
            break;
        case rrtype::AAAA:
            check(d.size() == 16);
            break;
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            names_then(0, 1, 0);
            break;
        case rrtype::MX:
            names_then(2, 1, 0);
            break;
        case rrtype::SOA:
            names_then(0, 2, 20);
            break;
        case rrtype::SRV:
            names_then(6, 1, 0);
            break;
        default:
            check(r.type != rrtype::OPT);  // moved into edns
            break;
    }
}

// What the server does with a query: a reply echoing the question (in the client's case),
// one answer, OPT when the client sent one. It always fits 512 octets and decodes.
void check_reply(const Header& request, const Question& q, const Name& as_sent, bool edns,
                 Rcode rcode) {
    std::array<uint8_t, kPlainUdpLimit> buf;
    MessageBuilder b(buf, buf.size());
    Header h = request;
    h.flags = static_cast<uint16_t>(h.flags | Header::kQr);
    b.set_header(h);
    b.set_rcode(rcode);
    if (edns) b.reserve_tail(MessageBuilder::kOptSize);
    check(b.add_question(as_sent, q.qtype, q.qclass));
    if (rcode == Rcode::NoError) {
        const std::array<uint8_t, 4> addr{192, 0, 2, 1};
        check(b.add_raw(Section::Answer, q.name, rrtype::A, kClassIn, 60, Bytes(addr)));
    }
    if (edns) check(b.add_opt(Edns{}));
    Bytes out = b.finish();
    check(out.size() <= kPlainUdpLimit);
    auto m = decode_message(out);
    check(m.ok());
    check(m->header.id == request.id && m->header.qr());
    check(m->questions.size() == 1 && m->questions[0] == q);
    check(m->edns.has_value() == edns);
    const unsigned full = (m->edns ? unsigned{m->edns->ext_rcode} << 4 : 0u) | m->header.rcode();
    check(full == static_cast<unsigned>(rcode) || (!edns && full == (unsigned(rcode) & 0xF)));
}

void check_query(Bytes packet) {
    auto q = decode_query(packet);
    if (packet.size() < kHeaderSize) {
        check(!q.ok() && q.error().error == QueryError::TooShort);
        return;
    }
    const uint16_t id = static_cast<uint16_t>((packet[0] << 8) | packet[1]);
    if (!q.ok()) {
        const QueryFailure& f = q.error();
        check(f.error != QueryError::TooShort);
        check(f.header.id == id);
        check(f.error != QueryError::NotQuery || f.header.qr());
        if (f.question) {
            check(name_ok(f.question->name));
            check(Name::from_wire(f.question_case.wire()) == f.question->name);
            Rcode rcode = f.error == QueryError::BadVers  ? Rcode::BadVers
                          : f.error == QueryError::NotImp ? Rcode::NotImp
                                                          : Rcode::FormErr;
            if (f.error != QueryError::NotQuery) {
                check_reply(f.header, *f.question, f.question_case, f.had_edns, rcode);
            }
        }
        return;
    }
    check(q->header.id == id && !q->header.qr() && q->header.opcode() == Opcode::Query);
    check(q->header.qdcount == 1);
    check(q->size == packet.size());
    check(name_ok(q->question.name));
    check(Name::from_wire(q->question_case.wire()) == q->question.name);
    check(!q->edns || q->edns->version == 0);
    check_reply(q->header, q->question, q->question_case, q->edns.has_value(), Rcode::NoError);
}

void check_message(Bytes packet) {
    auto m = decode_message(packet);
    if (packet.size() < kHeaderSize) check(!m.ok());
    if (!m.ok()) {
        check(!m.error().empty());
        return;
    }
    check(m->questions.size() == m->header.qdcount);
    check(m->answers.size() == m->header.ancount);
    check(m->authority.size() == m->header.nscount);
    check(m->additional.size() + (m->edns ? 1 : 0) == m->header.arcount);
    for (const auto& q : m->questions) check(name_ok(q.name));
    for (const auto* list : {&m->answers, &m->authority, &m->additional}) {
        for (const auto& r : *list) {
            check(name_ok(r.name));
            check_rdata(r);
        }
    }
    // Re-encoding what was decoded (a forwarder rewriting a reply) gives a message that
    // decodes again, whatever part of it fits.
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    b.set_header(m->header);
    for (const auto& q : m->questions) b.add_question(q.name, q.qtype, q.qclass);
    const Section sections[] = {Section::Answer, Section::Authority, Section::Additional};
    const std::vector<Record>* lists[] = {&m->answers, &m->authority, &m->additional};
    for (size_t s = 0; s < 3; ++s) {
        for (const auto& r : *lists[s]) {
            if (r.type != rrtype::TSIG) b.add_record(sections[s], r);
        }
    }
    if (m->edns) b.add_opt(*m->edns);
    auto again = decode_message(b.finish());
    check(again.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy, so ASan sees any read past the datagram.
    std::vector<uint8_t> packet(data, data + size);
    check_query(Bytes(packet));
    check_message(Bytes(packet));
    return 0;
}
