#include "leasedns/core/net.hpp"

#include <charconv>
#include <cstdio>

namespace leasedns {

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
    uint32_t value = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 4; ++i) {
        if (p == end || *p < '0' || *p > '9') return std::nullopt;
        // Reject leading zeros ("010") because inet_aton would read them as octal.
        if (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9') return std::nullopt;
        unsigned octet = 0;
        auto [next, ec] = std::from_chars(p, end, octet);
        if (ec != std::errc() || octet > 255) return std::nullopt;
        value = (value << 8) | octet;
        p = next;
        if (i < 3) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
    }
    if (p != end) return std::nullopt;
    return Ipv4(value);
}

std::string Ipv4::str() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", value >> 24, (value >> 16) & 0xff,
                  (value >> 8) & 0xff, value & 0xff);
    return buf;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<Mac> Mac::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    Mac mac;
    for (size_t i = 0; i < 6; ++i) {
        int hi = hex_value(text[i * 3]);
        int lo = hex_value(text[i * 3 + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
        mac.octets[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return mac;
}

std::string Mac::str() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2],
                  octets[3], octets[4], octets[5]);
    return buf;
}

std::optional<uint8_t> Prefix::length_of_mask(Ipv4 mask) {
    uint32_t inverted = ~mask.value;
    // A contiguous mask inverted is 2^k - 1.
    if ((inverted & (inverted + 1)) != 0) return std::nullopt;
    uint8_t len = 32;
    while (inverted) {
        inverted >>= 1;
        --len;
    }
    return len;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = Ipv4::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    auto len_text = text.substr(slash + 1);
    unsigned len = 0;
    auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc() || p != len_text.data() + len_text.size() || len > 32 || len_text.empty())
        return std::nullopt;
    return Prefix::of(*addr, static_cast<uint8_t>(len));
}

std::string Prefix::str() const {
    return network.str() + "/" + std::to_string(length);
}

}  // namespace leasedns
