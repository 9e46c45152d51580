// Domain names (RFC 1035 §3.1): kept in canonical form — uncompressed wire format,
// lower case — inline, without heap allocation, so that the query path allocates nothing.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "leasedns/core/bytes.hpp"

namespace leasedns::dns {

class Name {
public:
    static constexpr size_t kMaxWire = 255;  // RFC 1035 §2.3.4, including the root octet
    static constexpr size_t kMaxLabel = 63;

    Name();  // the root

    // Presentation form "host.lan" or "host.lan." ("." or "" = the root). Lower-cased.
    // Rejects empty labels, labels over 63 octets, names over 255 wire octets. Any octet
    // other than '.' is allowed inside a label ("_sip._tcp" works); no '\' escapes.
    static std::optional<Name> parse(std::string_view text);
    // Uncompressed wire form ending in the root label; lower-cased. Rejects anything else.
    static std::optional<Name> from_wire(Bytes wire);
    // Reads a possibly compressed name at r's position inside `message` (r must read
    // `message`, whose first 12 octets are the header). RFC 1035 §4.1.4 / RFC 9267: every
    // pointer must point before the start of the run of labels it ends (so strictly
    // backwards: no loops, no forward pointers), never into the header (offset < 12);
    // at most 128 pointers; labels ≤ 63 octets, label types 0x40/0x80 rejected, total ≤ 255;
    // work bounded per name. r ends after the first pointer or the terminator; on error r
    // fails. The name as sent (not lower-cased: not canonical, only for echoing it back,
    // 0x20) is stored in `original_case` when given.
    static std::optional<Name> read(Bytes message, Reader& r, Name* original_case = nullptr);

    Bytes wire() const { return Bytes(wire_.data(), size_); }
    size_t wire_size() const { return size_; }
    std::string text() const;  // "host.lan", the root is "."
    bool is_root() const { return size_ == 1; }
    size_t label_count() const;
    std::string_view label(size_t index) const;  // 0 = leftmost
    Name parent() const;                         // the root's parent is the root
    // A child "label.<this>"; nullopt if the label is empty, > 63, or the name too long.
    std::optional<Name> child(std::string_view label) const;
    // True when this name equals `ancestor` or lies below it.
    bool is_subdomain_of(const Name& ancestor) const;

    bool operator==(const Name& o) const;
    size_t hash() const;

private:
    std::array<uint8_t, kMaxWire> wire_;
    uint8_t size_ = 1;
};

}  // namespace leasedns::dns

template <>
struct std::hash<leasedns::dns::Name> {
    size_t operator()(const leasedns::dns::Name& n) const noexcept { return n.hash(); }
};
