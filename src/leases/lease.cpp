// Client identities and event names.
//
// Identity encoding (chosen so that two different clients never share an id by design):
// - option 61 (RFC 2132 §9.14) is kept exactly as the client sent it ("01:aa:bb:..." for
//   the common Ethernet form, "ff:<IAID>:<DUID>" for RFC 4361 clients);
// - a client without option 61 is identified by (htype, chaddr) (RFC 2131 §4.2), stored as
//   0xff, htype, chaddr[0..hlen). The 0xff marker keeps it apart from a client that sends
//   option 61 = 01:<same MAC> (B8: same MAC, different ids -> separate leases). 0xff is
//   the RFC 4361 type, but a well-formed RFC 4361 id is at least 1 + 4 (IAID) + 4 (the
//   shortest DUID) = 9 octets, longer than an Ethernet hardware id (8 octets), so no
//   honest client can collide with one. (A client able to forge option 61 can forge
//   chaddr too; DHCP identities are not authenticated.)
// Ids longer than kInline octets keep their first 24 octets and a 64-bit FNV-1a hash of
// the whole value. That hash is persisted in the journal: never change it.
#include <algorithm>
#include <cstring>

#include "leasedns/leases/events.hpp"
#include "leasedns/leases/lease.hpp"

namespace leasedns::leases {

namespace {

constexpr size_t kKeptPrefix = 24;
constexpr uint8_t kHardwareMarker = 0xff;
constexpr size_t kMaxChaddr = 16;  // RFC 2131 §2: chaddr is a 16-octet field

uint64_t fnv1a64(Bytes data) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : data) {
        h ^= b;
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser: every input bit reaches every output bit
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

ClientId ClientId::from_option61(Bytes value) {
    ClientId id;
    if (value.size() <= kInline) {
        std::copy(value.begin(), value.end(), id.data_.begin());
        id.size_ = static_cast<uint8_t>(value.size());
        return id;
    }
    std::copy_n(value.begin(), kKeptPrefix, id.data_.begin());
    uint64_t h = fnv1a64(value);
    for (size_t i = 0; i < 8; ++i)
        id.data_[kKeptPrefix + i] = static_cast<uint8_t>(h >> (56 - 8 * i));
    id.size_ = static_cast<uint8_t>(kInline);
    return id;
}

ClientId ClientId::from_hardware(uint8_t htype, Bytes chaddr) {
    ClientId id;
    size_t n = std::min(chaddr.size(), kMaxChaddr);
    id.data_[0] = kHardwareMarker;
    id.data_[1] = htype;
    std::copy_n(chaddr.begin(), n, id.data_.begin() + 2);
    id.size_ = static_cast<uint8_t>(2 + n);
    return id;
}

std::string ClientId::str() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(size_ * 3);
    for (size_t i = 0; i < size_; ++i) {
        if (i) out.push_back(':');
        out.push_back(kHex[data_[i] >> 4]);
        out.push_back(kHex[data_[i] & 0xf]);
    }
    return out;
}

bool ClientId::parse(std::string_view hex, ClientId& out) {
    ClientId id;
    size_t i = 0;
    while (i < hex.size()) {
        if (id.size_ == kInline || hex.size() - i < 2) return false;
        int hi = hex_digit(hex[i]);
        int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        id.data_[id.size_++] = static_cast<uint8_t>(hi * 16 + lo);
        i += 2;
        if (i < hex.size()) {
            // A separator must be followed by another byte ("aa:" is not an id).
            if (hex[i] != ':' || i + 1 == hex.size()) return false;
            ++i;
        }
    }
    out = id;
    return true;
}

size_t ClientId::hash() const {
    // Word-at-a-time mixing; only used for in-memory indices (not persisted).
    uint64_t h = 0x9e3779b97f4a7c15ull ^ size_;
    size_t i = 0;
    for (; i + 8 <= size_; i += 8) {
        uint64_t w;
        std::memcpy(&w, data_.data() + i, 8);
        h = mix64(h ^ w);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i < size_; ++i, ++k) tail |= uint64_t{data_[i]} << (8 * k);
    return static_cast<size_t>(mix64(h ^ tail));
}

const char* name_of(EventKind k) {
    switch (k) {
        case EventKind::Granted:
            return "granted";
        case EventKind::Renewed:
            return "renewed";
        case EventKind::Released:
            return "released";
        case EventKind::Expired:
            return "expired";
        case EventKind::Declined:
            return "declined";
    }
    return "unknown";
}

}  // namespace leasedns::leases
