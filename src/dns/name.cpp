// Domain names in canonical form (RFC 1035 §3.1, §4.1.4; RFC 9267 for safe decompression).
#include "leasedns/dns/name.hpp"

#include <cstring>

namespace leasedns::dns {

namespace {

// A legitimate compressor never emits a pointer to a pointer, so a name needs at most one
// pointer per label (127 labels fit in 255 octets) plus one. Together with the 255-octet
// cap this bounds the work per name whatever the message holds (RFC 9267 §2).
constexpr unsigned kMaxPointers = 128;

constexpr uint8_t lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

// Copies a label's octets, folding ASCII upper case (RFC 4343: DNS names compare
// case-insensitively for ASCII only).
void copy_lower(uint8_t* out, const uint8_t* in, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = lower(in[i]);
}

}  // namespace

Name::Name() {
    wire_[0] = 0;
}

std::optional<Name> Name::parse(std::string_view text) {
    Name out;
    if (text == "." || text.empty()) return out;
    if (text.back() == '.') text.remove_suffix(1);
    size_t n = 0;
    while (true) {
        size_t dot = text.find('.');
        std::string_view label = text.substr(0, dot);
        if (label.empty() || label.size() > kMaxLabel) return std::nullopt;
        if (n + 1 + label.size() + 1 > kMaxWire) return std::nullopt;  // + the root octet
        out.wire_[n] = static_cast<uint8_t>(label.size());
        copy_lower(&out.wire_[n + 1], reinterpret_cast<const uint8_t*>(label.data()), label.size());
        n += 1 + label.size();
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    out.wire_[n++] = 0;
    out.size_ = static_cast<uint8_t>(n);
    return out;
}

std::optional<Name> Name::from_wire(Bytes wire) {
    if (wire.empty() || wire.size() > kMaxWire) return std::nullopt;
    Name out;
    size_t pos = 0;
    while (true) {
        uint8_t len = wire[pos];
        if (len == 0) break;
        if (len > kMaxLabel) return std::nullopt;  // pointers and label types 0x40/0x80
        if (wire.size() - pos < size_t{len} + 2) return std::nullopt;  // label + a terminator
        out.wire_[pos] = len;
        copy_lower(&out.wire_[pos + 1], &wire[pos + 1], len);
        pos += 1 + len;
    }
    if (pos + 1 != wire.size()) return std::nullopt;  // bytes after the root label
    out.wire_[pos] = 0;
    out.size_ = static_cast<uint8_t>(wire.size());
    return out;
}

std::optional<Name> Name::read(Bytes message, Reader& r, Name* original_case) {
    if (!r.ok()) return std::nullopt;
    const size_t start = r.pos();
    size_t pos = start;
    // Every pointer must land before the start of the run of labels it ends, which is
    // stricter than "before the pointer itself" and makes loops impossible: the runs'
    // starts strictly decrease.
    size_t run_start = start;
    size_t resume = 0;  // where r continues: after the first pointer or the terminator
    unsigned pointers = 0;
    Name out;
    size_t n = 0;
    while (true) {
        if (pos >= message.size()) {
            r.fail();
            return std::nullopt;
        }
        const uint8_t len = message[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= message.size()) {
                r.fail();
                return std::nullopt;
            }
            const size_t target = (size_t{len & 0x3Fu} << 8) | message[pos + 1];
            if (target >= run_start || target < 12 || ++pointers > kMaxPointers) {
                r.fail();
                return std::nullopt;
            }
            if (resume == 0) resume = pos + 2;
            pos = run_start = target;
            continue;
        }
        if (len > kMaxLabel) {  // 0x40 (RFC 6891 extended) and 0x80: reserved, unsupported
            r.fail();
            return std::nullopt;
        }
        if (len == 0) break;
        if (message.size() - pos < size_t{len} + 1 || n + 1 + len + 1 > kMaxWire) {
            r.fail();
            return std::nullopt;
        }
        out.wire_[n] = len;
        if (original_case) {
            original_case->wire_[n] = len;
            std::memcpy(&original_case->wire_[n + 1], &message[pos + 1], len);
        }
        copy_lower(&out.wire_[n + 1], &message[pos + 1], len);
        n += 1 + len;
        pos += 1 + len;
    }
    if (resume == 0) resume = pos + 1;
    out.wire_[n++] = 0;
    out.size_ = static_cast<uint8_t>(n);
    if (original_case) {
        original_case->wire_[n - 1] = 0;
        original_case->size_ = out.size_;
    }
    r.skip(resume - start);
    return out;
}

std::string Name::text() const {
    if (is_root()) return ".";
    std::string out;
    out.reserve(size_);
    for (size_t pos = 0; wire_[pos] != 0; pos += 1 + wire_[pos]) {
        if (!out.empty()) out.push_back('.');
        out.append(reinterpret_cast<const char*>(&wire_[pos + 1]), wire_[pos]);
    }
    return out;
}

size_t Name::label_count() const {
    size_t count = 0;
    for (size_t pos = 0; wire_[pos] != 0; pos += 1 + wire_[pos]) ++count;
    return count;
}

std::string_view Name::label(size_t index) const {
    size_t pos = 0;
    for (; wire_[pos] != 0; pos += 1 + wire_[pos]) {
        if (index-- == 0) return {reinterpret_cast<const char*>(&wire_[pos + 1]), wire_[pos]};
    }
    return {};
}

Name Name::parent() const {
    if (is_root()) return *this;
    Name out;
    const size_t skip = 1 + size_t{wire_[0]};
    out.size_ = static_cast<uint8_t>(size_ - skip);
    std::memcpy(out.wire_.data(), &wire_[skip], out.size_);
    return out;
}

std::optional<Name> Name::child(std::string_view label) const {
    if (label.empty() || label.size() > kMaxLabel) return std::nullopt;
    if (size_t{size_} + 1 + label.size() > kMaxWire) return std::nullopt;
    Name out;
    out.wire_[0] = static_cast<uint8_t>(label.size());
    copy_lower(&out.wire_[1], reinterpret_cast<const uint8_t*>(label.data()), label.size());
    std::memcpy(&out.wire_[1 + label.size()], wire_.data(), size_);
    out.size_ = static_cast<uint8_t>(size_ + 1 + label.size());
    return out;
}

bool Name::is_subdomain_of(const Name& ancestor) const {
    if (ancestor.size_ > size_) return false;
    // Walk label boundaries so that "xlan" is not taken to lie below "lan".
    size_t pos = 0;
    while (size_ - pos > ancestor.size_) pos += 1 + size_t{wire_[pos]};
    return size_ - pos == ancestor.size_ &&
           std::memcmp(&wire_[pos], ancestor.wire_.data(), ancestor.size_) == 0;
}

bool Name::operator==(const Name& o) const {
    return size_ == o.size_ && std::memcmp(wire_.data(), o.wire_.data(), size_) == 0;
}

size_t Name::hash() const {
    // Names are already case-folded, so a plain byte hash is consistent with ==.
    // Eight octets per step (FNV-style mix), then the tail.
    uint64_t h = 0xcbf29ce484222325ull ^ size_;
    size_t i = 0;
    for (; i + 8 <= size_; i += 8) {
        uint64_t w;
        std::memcpy(&w, &wire_[i], 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < size_; ++i) h = (h ^ wire_[i]) * 0x100000001b3ull;
    return static_cast<size_t>(h ^ (h >> 32));
}

}  // namespace leasedns::dns
