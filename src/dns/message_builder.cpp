// Writing DNS messages with name compression (RFC 1035 §4.1.4) into a caller-owned buffer
// under a size limit. A record is written completely or not at all, so the caller can stop
// at the first one that does not fit and set TC (RFC 2181 §9).
#include <algorithm>
#include <cstring>

#include "leasedns/dns/message.hpp"

namespace leasedns::dns {

namespace {

// Offsets a compression pointer can reach are 14 bits; ROBUSTNESS E5 keeps the last
// one out as well.
constexpr size_t kMaxTargetOffset = 0x3FFF;

constexpr uint8_t lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* p, uint32_t v) {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}

// The length of the uncompressed wire name at the start of `b`, or 0 when there is none
// (a caller-built rdata that is not what its type says).
size_t wire_name_length(Bytes b) {
    size_t pos = 0;
    while (pos < b.size() && pos < Name::kMaxWire) {
        const uint8_t len = b[pos];
        if (len == 0) return pos + 1;
        if (len > Name::kMaxLabel) return 0;
        pos += 1 + size_t{len};
    }
    return 0;
}

// Whether the name written at `offset` in our own buffer (pointers in it are ours, hence
// valid and backwards) equals `wire`, ignoring ASCII case.
bool same_name_at(const uint8_t* buf, size_t offset, const uint8_t* wire) {
    while (true) {
        uint8_t len = buf[offset];
        if ((len & 0xC0) == 0xC0) {
            offset = (size_t{len & 0x3Fu} << 8) | buf[offset + 1];
            len = buf[offset];
        }
        if (len != *wire) return false;
        if (len == 0) return true;
        for (size_t i = 1; i <= len; ++i) {
            if (lower(buf[offset + i]) != lower(wire[i])) return false;
        }
        offset += 1 + size_t{len};
        wire += 1 + size_t{len};
    }
}

}  // namespace

MessageBuilder::MessageBuilder(std::span<uint8_t> buffer, size_t limit)
    : buf_(buffer), limit_(std::clamp(limit, kHeaderSize, std::max(buffer.size(), kHeaderSize))) {}

void MessageBuilder::set_header(const Header& h) {
    header_ = h;
    header_.qdcount = header_.ancount = header_.nscount = header_.arcount = 0;
}

void MessageBuilder::set_rcode(Rcode rcode) {
    const auto code = static_cast<uint16_t>(rcode);
    header_.flags = static_cast<uint16_t>((header_.flags & ~0xFu) | (code & 0xFu));
    ext_rcode_ = static_cast<uint8_t>(code >> 4);
    ext_rcode_set_ = true;
}

size_t MessageBuilder::record_limit() const {
    if (buf_.size() < kHeaderSize) return 0;
    return tail_reserve_ >= limit_ - kHeaderSize ? kHeaderSize : limit_ - tail_reserve_;
}

size_t MessageBuilder::write_name(Bytes wire, size_t at, size_t end) {
    uint8_t* const buf = buf_.data();
    // The longest suffix already in the message; the first spelling written wins, which
    // echoes the client's case when an owner equals the question (0x20).
    size_t literal = wire.size() - 1;  // octets written as labels before the pointer/root
    size_t target = 0;
    for (size_t s = 0; wire[s] != 0 && target == 0; s += 1 + size_t{wire[s]}) {
        const size_t suffix_size = wire.size() - s;
        for (size_t t = 0; t < target_count_; ++t) {
            if (target_lengths_[t] == suffix_size &&
                same_name_at(buf, target_offsets_[t], &wire[s])) {
                literal = s;
                target = target_offsets_[t];
                break;
            }
        }
    }
    const size_t needed = literal + (target ? 2 : 1);
    if (at > end || end - at < needed) return 0;
    std::memcpy(&buf[at], wire.data(), literal);
    if (target) {
        put16(&buf[at + literal], static_cast<uint16_t>(0xC000 | target));
    } else {
        buf[at + literal] = 0;
    }
    // Every label run written literally becomes a target for later names.
    for (size_t s = 0; s < literal; s += 1 + size_t{wire[s]}) {
        if (at + s >= kMaxTargetOffset || target_count_ == kMaxTargets) break;
        target_offsets_[target_count_] = static_cast<uint16_t>(at + s);
        target_lengths_[target_count_] = static_cast<uint8_t>(wire.size() - s);
        ++target_count_;
    }
    return at + needed;
}

size_t MessageBuilder::write_record_head(const Name& owner, uint16_t type, uint16_t klass,
                                         uint32_t ttl, size_t end) {
    size_t at = write_name(owner.wire(), pos_, end);
    if (at == 0 || end - at < 10) return 0;
    put16(&buf_[at], type);
    put16(&buf_[at + 2], klass);
    put32(&buf_[at + 4], ttl);
    return at + 10;  // RDLENGTH is patched by commit()
}

bool MessageBuilder::commit(Section section, size_t record_end, size_t rdata_start) {
    const size_t rdlength = record_end - rdata_start;
    if (rdlength > 0xFFFF) return false;
    put16(&buf_[rdata_start - 2], static_cast<uint16_t>(rdlength));
    pos_ = record_end;
    ++counts_[1 + static_cast<size_t>(section)];
    return true;
}

bool MessageBuilder::add_question(const Name& name, uint16_t qtype, uint16_t qclass) {
    if (counts_[1] + counts_[2] + counts_[3] != 0 || counts_[0] == 0xFFFF) return false;
    const size_t targets = target_count_;
    const size_t end = record_limit();
    size_t at = write_name(name.wire(), pos_, end);
    if (at == 0 || end - at < 4) {
        target_count_ = targets;
        return false;
    }
    put16(&buf_[at], qtype);
    put16(&buf_[at + 2], qclass);
    pos_ = at + 4;
    ++counts_[0];
    return true;
}

bool MessageBuilder::add_raw(Section section, const Name& owner, uint16_t type, uint16_t klass,
                             uint32_t ttl, Bytes rdata) {
    const size_t targets = target_count_;
    const size_t end = record_limit();
    size_t at = write_record_head(owner, type, klass, ttl, end);
    if (at == 0 || end - at < rdata.size() || rdata.size() > 0xFFFF ||
        counts_[1 + static_cast<size_t>(section)] == 0xFFFF) {
        target_count_ = targets;
        return false;
    }
    if (!rdata.empty()) std::memcpy(&buf_[at], rdata.data(), rdata.size());
    return commit(section, at + rdata.size(), at);
}

bool MessageBuilder::add_record(Section section, const Record& record) {
    // Layout of the rdata types whose names are compressed (RFC 1035 §3.3, RFC 2782):
    // fixed octets before the names, the number of names, fixed octets after them.
    size_t before = 0, names = 0, after = 0;
    switch (record.type) {
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            names = 1;
            break;
        case rrtype::MX:
            before = 2, names = 1;
            break;
        case rrtype::SOA:
            names = 2, after = 20;
            break;
        case rrtype::SRV:
            before = 6, names = 1;
            break;
        default:
            break;
    }
    const Bytes rdata(record.rdata);
    // Check the layout first; rdata that does not match its type is written as it is.
    size_t name_len[2] = {0, 0};
    size_t scan = before;
    for (size_t i = 0; i < names && scan <= rdata.size(); ++i) {
        name_len[i] = wire_name_length(rdata.subspan(scan));
        if (name_len[i] == 0) names = 0;
        scan += name_len[i];
    }
    if (names == 0 || scan + after != rdata.size()) {
        return add_raw(section, record.name, record.type, record.klass, record.ttl, rdata);
    }

    const size_t targets = target_count_;
    const size_t end = record_limit();
    auto give_up = [&] {
        target_count_ = targets;
        return false;
    };
    if (counts_[1 + static_cast<size_t>(section)] == 0xFFFF) return give_up();
    const size_t rdata_start =
        write_record_head(record.name, record.type, record.klass, record.ttl, end);
    if (rdata_start == 0 || end - rdata_start < before) return give_up();
    std::memcpy(&buf_[rdata_start], rdata.data(), before);
    size_t at = rdata_start + before;
    size_t from = before;
    for (size_t i = 0; i < names; ++i) {
        at = write_name(rdata.subspan(from, name_len[i]), at, end);
        if (at == 0) return give_up();
        from += name_len[i];
    }
    if (end - at < after) return give_up();
    if (after) std::memcpy(&buf_[at], &rdata[from], after);
    if (!commit(section, at + after, rdata_start)) return give_up();
    return true;
}

bool MessageBuilder::add_opt(const Edns& edns) {
    // The OPT record may use the reserved tail: that is what the reserve is for.
    if (opt_pos_ != 0 || buf_.size() < kHeaderSize || limit_ - pos_ < kOptSize ||
        counts_[3] == 0xFFFF) {
        return false;
    }
    uint8_t* p = &buf_[pos_];
    p[0] = 0;  // owner: the root (RFC 6891 §6.1.2)
    put16(p + 1, rrtype::OPT);
    put16(p + 3, edns.udp_size);
    const uint8_t ext = ext_rcode_set_ ? ext_rcode_ : edns.ext_rcode;
    put32(p + 5,
          (uint32_t{ext} << 24) | (uint32_t{edns.version} << 16) | (edns.dnssec_ok ? 0x8000u : 0u));
    put16(p + 9, 0);  // no options
    opt_pos_ = pos_;
    pos_ += kOptSize;
    tail_reserve_ = tail_reserve_ > kOptSize ? tail_reserve_ - kOptSize : 0;
    ++counts_[3];
    return true;
}

void MessageBuilder::reserve_tail(size_t bytes) {
    tail_reserve_ = bytes;
}

Bytes MessageBuilder::finish() {
    if (buf_.size() < kHeaderSize) return {};
    uint8_t* p = buf_.data();
    put16(p, header_.id);
    put16(p + 2, header_.flags);
    for (size_t i = 0; i < 4; ++i) put16(p + 4 + 2 * i, counts_[i]);
    // set_rcode() after add_opt(): the extended bits still reach the OPT TTL.
    if (opt_pos_ != 0 && ext_rcode_set_) p[opt_pos_ + 5] = ext_rcode_;
    return Bytes(p, pos_);
}

size_t MessageBuilder::size() const {
    return buf_.size() < kHeaderSize ? 0 : pos_;
}

size_t MessageBuilder::count(Section s) const {
    return counts_[1 + static_cast<size_t>(s)];
}

}  // namespace leasedns::dns
