// Value types for IPv4 addresses, MAC addresses and prefixes. Addresses are kept in
// host byte order so that arithmetic over ranges is plain integer arithmetic.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace leasedns {

struct Ipv4 {
    uint32_t value = 0;  // host byte order

    constexpr Ipv4() = default;
    constexpr explicit Ipv4(uint32_t v) : value(v) {}
    static constexpr Ipv4 from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return Ipv4((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
    }
    // Dotted quad only ("198.18.0.1"); no shorthand forms, no leading/trailing junk.
    static std::optional<Ipv4> parse(std::string_view text);
    std::string str() const;
    constexpr bool is_zero() const { return value == 0; }
    constexpr auto operator<=>(const Ipv4&) const = default;
};

struct Mac {
    std::array<uint8_t, 6> octets{};
    // "aa:bb:cc:dd:ee:ff" or with '-' separators, case-insensitive.
    static std::optional<Mac> parse(std::string_view text);
    std::string str() const;
    constexpr auto operator<=>(const Mac&) const = default;
};

struct Prefix {
    Ipv4 network;        // already masked
    uint8_t length = 0;  // 0..32

    static constexpr uint32_t mask_for(uint8_t len) {
        return len == 0 ? 0 : (len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1));
    }
    static Prefix of(Ipv4 addr, uint8_t len) {
        return Prefix{Ipv4(addr.value & mask_for(len)), len};
    }
    // Netmask must be contiguous; returns nullopt otherwise.
    static std::optional<uint8_t> length_of_mask(Ipv4 mask);
    // "198.18.0.0/24"
    static std::optional<Prefix> parse(std::string_view text);

    Ipv4 mask() const { return Ipv4(mask_for(length)); }
    Ipv4 broadcast() const { return Ipv4(network.value | ~mask_for(length)); }
    bool contains(Ipv4 a) const { return (a.value & mask_for(length)) == network.value; }
    std::string str() const;
    auto operator<=>(const Prefix&) const = default;
};

}  // namespace leasedns

template <>
struct std::hash<leasedns::Ipv4> {
    size_t operator()(const leasedns::Ipv4& a) const noexcept {
        return std::hash<uint32_t>{}(a.value * 0x9E3779B1u);
    }
};
