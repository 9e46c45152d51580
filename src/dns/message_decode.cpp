// Decoding DNS messages (RFC 1035 §4.1, EDNS0 RFC 6891 §6). Two entry points: decode_query
// for the hot path (no heap allocation; records other than the question and OPT are only
// checked for bounds) and decode_message for whole replies.
#include <string>

#include "leasedns/dns/message.hpp"

namespace leasedns::dns {

namespace {

Header read_header(Reader& r) {
    Header h;
    h.id = r.u16();
    h.flags = r.u16();
    h.qdcount = r.u16();
    h.ancount = r.u16();
    h.nscount = r.u16();
    h.arcount = r.u16();
    return h;
}

Section section_of(const Header& h, size_t index) {
    if (index < h.ancount) return Section::Answer;
    if (index < size_t{h.ancount} + h.nscount) return Section::Authority;
    return Section::Additional;
}

// The fixed part after a record's owner name (RFC 1035 §4.1.3).
struct RecordHead {
    uint16_t type = 0;
    uint16_t klass = 0;
    uint32_t ttl = 0;
    Bytes rdata;
    size_t rdata_pos = 0;
};

// Reads type, class, TTL and RDLENGTH and takes the rdata; r fails when it overruns.
RecordHead read_record_head(Reader& r) {
    RecordHead h;
    h.type = r.u16();
    h.klass = r.u16();
    h.ttl = r.u32();
    const uint16_t rdlength = r.u16();
    h.rdata_pos = r.pos();
    h.rdata = r.bytes(rdlength);
    return h;
}

// RFC 6891 §6.1.3: the OPT CLASS is the sender's UDP payload size, the TTL carries the
// extended rcode, the version and the DO bit.
Edns edns_from(const RecordHead& opt) {
    Edns e;
    e.udp_size = opt.klass;
    e.ext_rcode = static_cast<uint8_t>(opt.ttl >> 24);
    e.version = static_cast<uint8_t>(opt.ttl >> 16);
    e.dnssec_ok = (opt.ttl & 0x8000) != 0;
    return e;
}

// RFC 6891 §6.1.2: the OPT rdata is a sequence of {code, length, data} that must fill it.
bool opt_options_well_formed(Bytes rdata) {
    Reader o(rdata);
    while (!o.at_end()) {
        o.u16();
        o.skip(o.u16());
    }
    return o.ok();
}

// The checks both decoders share for OPT and TSIG placement (RFC 6891 §6.1.1,
// RFC 8945 §5.1: TSIG only as the very last additional record).
const char* placement_error(uint16_t type, Section section, bool is_last, bool owner_is_root,
                            bool seen_opt) {
    if (type == rrtype::OPT) {
        if (section != Section::Additional) return "OPT outside the additional section";
        if (seen_opt) return "more than one OPT record";
        if (!owner_is_root) return "OPT owner is not the root";
    }
    if (type == rrtype::TSIG && (section != Section::Additional || !is_last)) {
        return "TSIG is not the last record";
    }
    return nullptr;
}

}  // namespace

Result<Query, QueryFailure> decode_query(Bytes packet) {
    QueryFailure fail{QueryError::TooShort, Header{}, std::nullopt, Name(), false};
    if (packet.size() < kHeaderSize) return Err(fail);

    Reader r(packet);
    Query q;
    q.header = read_header(r);
    q.size = packet.size();
    fail.header = q.header;
    auto failed = [&](QueryError e) {
        fail.error = e;
        return Err(fail);
    };
    if (q.header.qr()) return failed(QueryError::NotQuery);

    // Read the question first even for an opcode we do not implement, so that the
    // NOTIMP or FORMERR reply can echo it.
    if (q.header.qdcount == 1) {
        auto name = Name::read(packet, r, &q.question_case);
        q.question.qtype = r.u16();
        q.question.qclass = r.u16();
        if (!name || !r.ok()) {
            const bool query = q.header.opcode() == Opcode::Query;
            return failed(query ? QueryError::FormErr : QueryError::NotImp);
        }
        q.question.name = *name;
        fail.question = q.question;
        fail.question_case = q.question_case;
    }
    if (q.header.opcode() != Opcode::Query) return failed(QueryError::NotImp);
    if (q.header.qdcount != 1) return failed(QueryError::FormErr);

    const size_t records = size_t{q.header.ancount} + q.header.nscount + q.header.arcount;
    for (size_t i = 0; i < records; ++i) {
        auto owner = Name::read(packet, r);
        RecordHead head = read_record_head(r);
        if (!owner || !r.ok()) return failed(QueryError::FormErr);
        const Section section = section_of(q.header, i);
        if (placement_error(head.type, section, i + 1 == records, owner->is_root(),
                            q.edns.has_value())) {
            return failed(QueryError::FormErr);
        }
        if (head.type == rrtype::OPT) {
            if (!opt_options_well_formed(head.rdata)) return failed(QueryError::FormErr);
            q.edns = edns_from(head);
            fail.had_edns = true;
        }
    }
    if (!r.at_end()) return failed(QueryError::FormErr);  // bytes after the counted records
    if (q.edns && q.edns->version != 0) return failed(QueryError::BadVers);
    return q;
}

namespace {

// Rewrites rdata whose names may be compressed into self-contained rdata (names
// uncompressed, case as sent). The names must fill the rdata exactly together with the
// fixed fields: `fixed_before` octets, names, `fixed_after` octets.
bool decompress_rdata(Bytes packet, const RecordHead& head, size_t fixed_before, size_t names,
                      size_t fixed_after, std::vector<uint8_t>& out) {
    Reader r(packet);
    r.skip(head.rdata_pos);
    const Bytes before = r.bytes(fixed_before);
    out.assign(before.begin(), before.end());
    for (size_t i = 0; i < names; ++i) {
        Name as_sent;
        if (!Name::read(packet, r, &as_sent)) return false;
        const Bytes wire = as_sent.wire();
        out.insert(out.end(), wire.begin(), wire.end());
    }
    const Bytes after = r.bytes(fixed_after);
    out.insert(out.end(), after.begin(), after.end());
    return r.ok() && r.pos() == head.rdata_pos + head.rdata.size();
}

// Checks the rdata of the types whose layout the server relies on and decompresses the
// names in it (RFC 1035 §3.3, RFC 3596, RFC 2782). Other types are kept as sent.
const char* convert_rdata(Bytes packet, const RecordHead& head, std::vector<uint8_t>& out) {
    bool ok = true;
    switch (head.type) {
        case rrtype::A:
            ok = head.rdata.size() == 4;
            break;
        case rrtype::AAAA:
            ok = head.rdata.size() == 16;
            break;
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            return decompress_rdata(packet, head, 0, 1, 0, out) ? nullptr : "bad name in rdata";
        case rrtype::MX:
            return decompress_rdata(packet, head, 2, 1, 0, out) ? nullptr : "bad MX rdata";
        case rrtype::SOA:
            return decompress_rdata(packet, head, 0, 2, 20, out) ? nullptr : "bad SOA rdata";
        case rrtype::SRV:
            return decompress_rdata(packet, head, 6, 1, 0, out) ? nullptr : "bad SRV rdata";
        default:
            break;
    }
    if (!ok) return "wrong rdata length for the type";
    out.assign(head.rdata.begin(), head.rdata.end());
    return nullptr;
}

const char* section_label(Section s) {
    switch (s) {
        case Section::Answer:
            return "answer";
        case Section::Authority:
            return "authority";
        case Section::Additional:
            return "additional";
    }
    return "?";
}

}  // namespace

Result<Message, std::string> decode_message(Bytes packet) {
    using E = Err<std::string>;
    if (packet.size() < kHeaderSize) return E("shorter than a DNS header");
    Reader r(packet);
    Message m;
    m.header = read_header(r);
    m.questions.reserve(m.header.qdcount < 16 ? m.header.qdcount : 16);
    for (size_t i = 0; i < m.header.qdcount; ++i) {
        auto name = Name::read(packet, r);
        Question q;
        q.qtype = r.u16();
        q.qclass = r.u16();
        if (!name || !r.ok()) return E("question " + std::to_string(i + 1) + " is malformed");
        q.name = *name;
        m.questions.push_back(q);
    }
    const size_t records = size_t{m.header.ancount} + m.header.nscount + m.header.arcount;
    for (size_t i = 0; i < records; ++i) {
        const Section section = section_of(m.header, i);
        auto where = [&] {
            return std::string(section_label(section)) + " record " + std::to_string(i + 1);
        };
        auto owner = Name::read(packet, r);
        RecordHead head = read_record_head(r);
        if (!owner || !r.ok()) return E(where() + " is malformed or missing");
        if (const char* e = placement_error(head.type, section, i + 1 == records, owner->is_root(),
                                            m.edns.has_value())) {
            return E(where() + ": " + e);
        }
        if (head.type == rrtype::OPT) {
            if (!opt_options_well_formed(head.rdata)) return E(where() + ": bad OPT options");
            m.edns = edns_from(head);
            continue;
        }
        Record rec;
        rec.name = *owner;
        rec.type = head.type;
        rec.klass = head.klass;
        rec.ttl = head.ttl;
        if (const char* e = convert_rdata(packet, head, rec.rdata)) return E(where() + ": " + e);
        auto& list = section == Section::Answer      ? m.answers
                     : section == Section::Authority ? m.authority
                                                     : m.additional;
        list.push_back(std::move(rec));
    }
    if (!r.at_end()) return E("trailing bytes after the last record");
    return m;
}

std::string type_name(uint16_t type) {
    switch (type) {
        case rrtype::A:
            return "A";
        case rrtype::NS:
            return "NS";
        case rrtype::CNAME:
            return "CNAME";
        case rrtype::SOA:
            return "SOA";
        case rrtype::PTR:
            return "PTR";
        case rrtype::MX:
            return "MX";
        case rrtype::TXT:
            return "TXT";
        case rrtype::AAAA:
            return "AAAA";
        case rrtype::SRV:
            return "SRV";
        case rrtype::OPT:
            return "OPT";
        case rrtype::DS:
            return "DS";
        case rrtype::RRSIG:
            return "RRSIG";
        case rrtype::NSEC:
            return "NSEC";
        case rrtype::DNSKEY:
            return "DNSKEY";
        case rrtype::TSIG:
            return "TSIG";
        case rrtype::IXFR:
            return "IXFR";
        case rrtype::AXFR:
            return "AXFR";
        case rrtype::ANY:
            return "ANY";
        default:
            return "TYPE" + std::to_string(type);  // RFC 3597 §5
    }
}

}  // namespace leasedns::dns
