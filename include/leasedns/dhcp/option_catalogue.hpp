// The DHCP option catalogue: code, dnsmasq's name (as in `--dhcp-option=option:router,...`)
// and value type, and the conversion of a textual value list into wire bytes.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/result.hpp"

namespace leasedns::dhcp {

enum class OptionType : uint8_t {
    Ipv4,      // one address
    Ipv4List,  // one or more addresses
    U8,
    U16,
    U32,
    Bool,             // 0/1, true/false
    String,           // text, written as is
    DomainList,       // RFC 1035 names, compressed as RFC 3397 asks (option 119)
    ClasslessRoutes,  // RFC 3442: "dest/len,router,dest/len,router..." (option 121)
    Hex,              // raw bytes "01:02:ab" (anything unknown by number)
};

struct OptionInfo {
    uint8_t code;
    std::string_view name;  // dnsmasq's name, e.g. "router", "dns-server"
    OptionType type;
};

const OptionInfo* find_option(uint8_t code);
const OptionInfo* find_option(std::string_view name);
std::span<const OptionInfo> all_options();

// Converts dnsmasq-style values (already split on commas) for `code` into option bytes.
// Unknown codes take a single hex string ("01:02:03") or a quoted/plain string.
// Errors say what was expected, e.g. "option 3 (router) wants IPv4 addresses, got 'x'".
Result<std::vector<uint8_t>, std::string> encode_option_value(uint8_t code,
                                                              std::span<const std::string> values);

// The inverse, for --print-config and leasectl: wire bytes -> dnsmasq-style text.
std::string format_option_value(uint8_t code, Bytes value);

}  // namespace leasedns::dhcp
