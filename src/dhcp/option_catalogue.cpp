// The option catalogue: dnsmasq's names (dhcp-common.c opttab, so `option:router` and
// friends work unchanged) with the RFC 2132 value types, and the text <-> wire conversion
// of option values for configuration and printing.
// option_catalogue.hpp uses Bytes without including its header (reported to the lead).
#include "leasedns/dhcp/option_catalogue.hpp"
#include "leasedns/core/bytes.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>

#include "leasedns/core/net.hpp"
#include "wire_names.hpp"

namespace leasedns::dhcp {

namespace {

using T = OptionType;

constexpr std::array kCatalogue{
    OptionInfo{1, "netmask", T::Ipv4},
    OptionInfo{2, "time-offset", T::U32},  // signed (RFC 2132 §3.4), see kTimeOffset
    OptionInfo{3, "router", T::Ipv4List}, OptionInfo{6, "dns-server", T::Ipv4List},
    OptionInfo{7, "log-server", T::Ipv4List}, OptionInfo{9, "lpr-server", T::Ipv4List},
    OptionInfo{12, "hostname", T::String}, OptionInfo{13, "boot-file-size", T::U16},
    OptionInfo{15, "domain-name", T::String}, OptionInfo{16, "swap-server", T::Ipv4},
    OptionInfo{17, "root-path", T::String}, OptionInfo{18, "extension-path", T::String},
    OptionInfo{19, "ip-forward-enable", T::Bool},
    OptionInfo{20, "non-local-source-routing", T::Bool},
    OptionInfo{21, "policy-filter", T::Ipv4List},  // address/mask pairs
    OptionInfo{22, "max-datagram-reassembly", T::U16}, OptionInfo{23, "default-ttl", T::U8},
    OptionInfo{26, "mtu", T::U16}, OptionInfo{27, "all-subnets-local", T::Bool},
    OptionInfo{28, "broadcast", T::Ipv4}, OptionInfo{31, "router-discovery", T::Bool},
    OptionInfo{32, "router-solicitation", T::Ipv4},
    OptionInfo{33, "static-route", T::Ipv4List},  // destination/router pairs
    OptionInfo{34, "trailer-encapsulation", T::Bool}, OptionInfo{35, "arp-timeout", T::U32},
    OptionInfo{36, "ethernet-encap", T::Bool}, OptionInfo{37, "tcp-ttl", T::U8},
    OptionInfo{38, "tcp-keepalive", T::U32}, OptionInfo{40, "nis-domain", T::String},
    OptionInfo{41, "nis-server", T::Ipv4List}, OptionInfo{42, "ntp-server", T::Ipv4List},
    OptionInfo{43, "vendor-encap", T::Hex}, OptionInfo{44, "netbios-ns", T::Ipv4List},
    OptionInfo{45, "netbios-dd", T::Ipv4List}, OptionInfo{46, "netbios-nodetype", T::U8},
    OptionInfo{47, "netbios-scope", T::String}, OptionInfo{48, "x-windows-fs", T::Ipv4List},
    OptionInfo{49, "x-windows-dm", T::Ipv4List}, OptionInfo{50, "requested-address", T::Ipv4},
    OptionInfo{51, "lease-time", T::U32}, OptionInfo{52, "option-overload", T::U8},
    OptionInfo{53, "message-type", T::U8}, OptionInfo{54, "server-identifier", T::Ipv4},
    OptionInfo{55, "parameter-request", T::Hex}, OptionInfo{56, "message", T::String},
    OptionInfo{57, "max-message-size", T::U16}, OptionInfo{58, "T1", T::U32},
    OptionInfo{59, "T2", T::U32}, OptionInfo{60, "vendor-class", T::String},
    OptionInfo{61, "client-id", T::Hex}, OptionInfo{64, "nis+-domain", T::String},
    OptionInfo{65, "nis+-server", T::Ipv4List}, OptionInfo{66, "tftp-server", T::String},
    OptionInfo{67, "bootfile-name", T::String}, OptionInfo{68, "mobile-ip-home", T::Ipv4List},
    OptionInfo{69, "smtp-server", T::Ipv4List}, OptionInfo{70, "pop3-server", T::Ipv4List},
    OptionInfo{71, "nntp-server", T::Ipv4List}, OptionInfo{74, "irc-server", T::Ipv4List},
    OptionInfo{77, "user-class", T::String},
    OptionInfo{80, "rapid-commit", T::Hex},  // always empty (RFC 4039 §4)
    OptionInfo{81, "FQDN", T::Hex}, OptionInfo{82, "agent-id", T::Hex},
    OptionInfo{93, "client-arch", T::U16}, OptionInfo{94, "client-interface-id", T::Hex},
    OptionInfo{97, "client-machine-id", T::Hex}, OptionInfo{100, "posix-timezone", T::String},
    OptionInfo{101, "tzdb-timezone", T::String}, OptionInfo{108, "ipv6-only", T::U32},
    OptionInfo{118, "subnet-select", T::Ipv4}, OptionInfo{119, "domain-search", T::DomainList},
    // RFC 3361: names (encoding octet 0) or addresses (1); see the special case below.
    OptionInfo{120, "sip-server", T::DomainList},
    OptionInfo{121, "classless-static-route", T::ClasslessRoutes},
    OptionInfo{125, "vendor-id-encap", T::Hex}, OptionInfo{150, "tftp-server-address", T::Ipv4List},
    // dnsmasq's "server-ip-address" (255) sets siaddr; 255 is END here, so it is left out.
};

constexpr uint8_t kTimeOffset = 2;
constexpr uint8_t kPolicyFilter = 21;
constexpr uint8_t kStaticRoute = 33;
constexpr uint8_t kSipServer = 120;
constexpr uint8_t kRapidCommit = 80;

constexpr std::array<int16_t, 256> kIndexByCode = [] {
    std::array<int16_t, 256> index{};
    index.fill(-1);
    for (size_t i = 0; i < kCatalogue.size(); ++i)
        index[kCatalogue[i].code] = static_cast<int16_t>(i);
    return index;
}();

using Encoded = Result<std::vector<uint8_t>, std::string>;

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// User text inside an error message: control characters escaped, long values cut.
std::string quoted(std::string_view s) {
    constexpr size_t kMaxShown = 64;
    std::string out = "'";
    for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > kMaxShown) out += "...";
    return out + "'";
}

std::string label_of(uint8_t code) {
    std::string out = "option " + std::to_string(code);
    if (const OptionInfo* info = find_option(code)) out += " (" + std::string(info->name) + ")";
    return out;
}

Encoded fail(uint8_t code, std::string_view what) {
    return Err(label_of(code) + " " + std::string(what));
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

std::string join(std::span<const std::string> values) {
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += values[i];
    }
    return out;
}

std::string_view unquote(std::string_view s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// "01:02:ab" (groups of one or two hex digits) -> bytes, as dnsmasq writes raw values.
std::optional<std::vector<uint8_t>> parse_hex(std::string_view s) {
    std::vector<uint8_t> out;
    while (true) {
        size_t colon = s.find(':');
        std::string_view group = s.substr(0, colon);
        if (group.empty() || group.size() > 2) return std::nullopt;
        int v = 0;
        for (char c : group) {
            int d = hex_digit(c);
            if (d < 0) return std::nullopt;
            v = v * 16 + d;
        }
        out.push_back(static_cast<uint8_t>(v));
        if (colon == std::string_view::npos) return out;
        s.remove_prefix(colon + 1);
    }
}

std::optional<uint64_t> parse_unsigned(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

Encoded encode_ipv4s(uint8_t code, std::span<const std::string> values, bool just_one) {
    if (just_one && values.size() != 1)
        return fail(code,
                    "wants one IPv4 address, got " + std::to_string(values.size()) + " values");
    std::vector<uint8_t> out;
    for (const auto& v : values) {
        auto a = Ipv4::parse(v);
        if (!a) return fail(code, "wants IPv4 addresses, got " + quoted(v));
        put_u32(out, a->value);
    }
    // RFC 2132 §5.6, §5.8: these two are lists of pairs.
    if ((code == kPolicyFilter || code == kStaticRoute) && values.size() % 2 != 0)
        return fail(code, "wants pairs of IPv4 addresses, got an odd count");
    return out;
}

Encoded encode_integer(uint8_t code, std::span<const std::string> values, int bytes) {
    if (values.size() != 1)
        return fail(code, "wants one number, got " + std::to_string(values.size()) + " values");
    const std::string& text = values[0];
    uint64_t max = bytes == 4 ? 0xffffffffu : (bytes == 2 ? 0xffffu : 0xffu);
    std::optional<uint64_t> v;
    if (code == kTimeOffset && !text.empty() && text[0] == '-') {
        // RFC 2132 §3.4: a signed offset from UTC in seconds; sent as two's complement.
        auto magnitude = parse_unsigned(std::string_view(text).substr(1));
        if (magnitude && *magnitude <= 0x80000000u)
            v = (0x100000000u - *magnitude) & 0xffffffffu;
        else
            return fail(code, "wants a number from -2147483648 to 2147483647, got " + quoted(text));
    } else {
        v = parse_unsigned(text);
        if (code == kTimeOffset) max = 0x7fffffffu;
        if (!v || *v > max) {
            std::string range = code == kTimeOffset ? "from -2147483648 to 2147483647"
                                                    : "from 0 to " + std::to_string(max);
            return fail(code, "wants a number " + range + ", got " + quoted(text));
        }
    }
    std::vector<uint8_t> out;
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(*v >> shift));
    return out;
}

Encoded encode_bool(uint8_t code, std::span<const std::string> values) {
    if (values.size() == 1) {
        std::string_view v = values[0];
        if (v == "1" || iequals(v, "true")) return std::vector<uint8_t>{1};
        if (v == "0" || iequals(v, "false")) return std::vector<uint8_t>{0};
    }
    return fail(code, "wants 0/1 or true/false, got " + quoted(join(values)));
}

Encoded encode_string(std::span<const std::string> values) {
    // The caller split on commas; a string option keeps them.
    std::string text = join(values);
    std::string_view s = unquote(text);
    return std::vector<uint8_t>(s.begin(), s.end());
}

Encoded encode_domains(uint8_t code, std::span<const std::string> values) {
    std::vector<uint8_t> out;
    wire::NameWriter writer(out, true);
    for (const auto& v : values) {
        std::string why;
        auto labels = wire::split_name(unquote(v), &why);
        if (!labels) return fail(code, "wants domain names, got " + quoted(v) + " (" + why + ")");
        for (std::string_view label : *labels) {
            for (char c : label) {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok) return fail(code, "wants domain names, got " + quoted(v));
            }
        }
        writer.write(*labels);
    }
    return out;
}

Encoded encode_sip_servers(std::span<const std::string> values) {
    // RFC 3361 §3.1/§3.2: all addresses (encoding 1) or all names (encoding 0).
    bool all_addresses = std::all_of(values.begin(), values.end(), [](const std::string& v) {
        return Ipv4::parse(v).has_value();
    });
    Encoded body = all_addresses ? encode_ipv4s(kSipServer, values, false)
                                 : encode_domains(kSipServer, values);
    if (!body) return body;
    std::vector<uint8_t> out{static_cast<uint8_t>(all_addresses ? 1 : 0)};
    out.insert(out.end(), body->begin(), body->end());
    return out;
}

Encoded encode_routes(uint8_t code, std::span<const std::string> values) {
    if (values.size() % 2 != 0)
        return fail(code, "wants 'destination/length,router' pairs, got an odd count");
    std::vector<uint8_t> out;
    for (size_t i = 0; i < values.size(); i += 2) {
        auto dest = Prefix::parse(values[i]);
        if (!dest)
            return fail(code, "wants a destination like 198.18.0.0/15, got " + quoted(values[i]));
        auto router = Ipv4::parse(values[i + 1]);
        if (!router) return fail(code, "wants a router address, got " + quoted(values[i + 1]));
        // RFC 3442 §3: the prefix length, then only its significant octets.
        out.push_back(dest->length);
        for (int k = 0; k < (dest->length + 7) / 8; ++k)
            out.push_back(static_cast<uint8_t>(dest->network.value >> (24 - 8 * k)));
        put_u32(out, router->value);
    }
    return out;
}

// Options dnsmasq knows only as raw data, and codes outside the catalogue.
Encoded encode_raw(uint8_t code, std::span<const std::string> values) {
    std::string text = join(values);
    if (!text.empty() && text.front() == '"') return encode_string(values);
    if (values.size() == 1) {
        if (auto hex = parse_hex(values[0])) return *hex;
    }
    if (std::all_of(values.begin(), values.end(),
                    [](const std::string& v) { return Ipv4::parse(v).has_value(); }))
        return encode_ipv4s(code, values, false);
    return encode_string(values);
}

std::string hex_text(Bytes v) {
    std::string out;
    char buf[4];
    for (size_t i = 0; i < v.size(); ++i) {
        std::snprintf(buf, sizeof buf, i ? ":%02x" : "%02x", v[i]);
        out += buf;
    }
    return out;
}

std::optional<std::string> ipv4_list_text(Bytes v) {
    if (v.empty() || v.size() % 4 != 0) return std::nullopt;
    std::string out;
    Reader r(v);
    while (!r.at_end()) {
        if (!out.empty()) out += ',';
        out += Ipv4(r.u32()).str();
    }
    return out;
}

bool printable(Bytes v) {
    return std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

std::optional<std::string> domains_text(Bytes v) {
    std::string out;
    size_t pos = 0;
    while (pos < v.size()) {
        auto name = wire::read_name(v, pos, true, false);
        if (!name || name->dotted.empty() || !printable(as_bytes(name->dotted)))
            return std::nullopt;
        if (!out.empty()) out += ',';
        out += name->dotted;
    }
    return out;
}

std::optional<std::string> routes_text(Bytes v) {
    std::string out;
    Reader r(v);
    while (!r.at_end()) {
        uint8_t len = r.u8();
        if (len > 32) return std::nullopt;
        uint32_t dest = 0;
        for (int k = 0; k < (len + 7) / 8; ++k) dest |= uint32_t{r.u8()} << (24 - 8 * k);
        uint32_t router = r.u32();
        if (!r.ok()) return std::nullopt;
        if (!out.empty()) out += ',';
        out += Prefix{Ipv4(dest), len}.str() + "," + Ipv4(router).str();
    }
    return out;
}

std::optional<std::string> unsigned_text(uint8_t code, Bytes v, size_t bytes) {
    if (v.size() != bytes) return std::nullopt;
    uint32_t n = 0;
    for (uint8_t b : v) n = (n << 8) | b;
    if (code == kTimeOffset) return std::to_string(static_cast<int32_t>(n));
    return std::to_string(n);
}

std::optional<std::string> typed_text(uint8_t code, OptionType type, Bytes v) {
    switch (type) {
        case T::Ipv4:
            if (v.size() != 4) return std::nullopt;
            return ipv4_list_text(v);
        case T::Ipv4List:
            return ipv4_list_text(v);
        case T::U8:
        case T::Bool:
            return unsigned_text(code, v, 1);
        case T::U16:
            return unsigned_text(code, v, 2);
        case T::U32:
            return unsigned_text(code, v, 4);
        case T::String:
            // Client-supplied text reaches logs: anything unprintable is shown as hex.
            if (!printable(v)) return std::nullopt;
            return std::string(v.begin(), v.end());
        case T::DomainList:
            if (code == kSipServer) {
                if (v.empty()) return std::nullopt;
                return v[0] == 0 ? domains_text(v.subspan(1))
                                 : (v[0] == 1 ? ipv4_list_text(v.subspan(1)) : std::nullopt);
            }
            return domains_text(v);
        case T::ClasslessRoutes:
            return routes_text(v);
        case T::Hex:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

const OptionInfo* find_option(uint8_t code) {
    int16_t i = kIndexByCode[code];
    return i < 0 ? nullptr : &kCatalogue[static_cast<size_t>(i)];
}

const OptionInfo* find_option(std::string_view name) {
    // dnsmasq compares option names without regard to case.
    for (const auto& info : kCatalogue)
        if (iequals(info.name, name)) return &info;
    return nullptr;
}

std::span<const OptionInfo> all_options() {
    return kCatalogue;
}

Result<std::vector<uint8_t>, std::string> encode_option_value(uint8_t code,
                                                              std::span<const std::string> values) {
    if (code == 0 || code == 255) return fail(code, "cannot be configured (PAD/END)");
    // dnsmasq: an option given without a value is sent empty (which is how a
    // configuration says "do not send the default").
    if (values.empty()) return std::vector<uint8_t>{};
    if (code == kRapidCommit) return fail(code, "takes no value");
    const OptionInfo* info = find_option(code);
    switch (info ? info->type : T::Hex) {
        case T::Ipv4:
            return encode_ipv4s(code, values, true);
        case T::Ipv4List:
            return encode_ipv4s(code, values, false);
        case T::U8:
            return encode_integer(code, values, 1);
        case T::U16:
            return encode_integer(code, values, 2);
        case T::U32:
            return encode_integer(code, values, 4);
        case T::Bool:
            return encode_bool(code, values);
        case T::String:
            return encode_string(values);
        case T::DomainList:
            if (code == kSipServer) return encode_sip_servers(values);
            return encode_domains(code, values);
        case T::ClasslessRoutes:
            return encode_routes(code, values);
        case T::Hex:
            return encode_raw(code, values);
    }
    return fail(code, "has an unknown type");
}

std::string format_option_value(uint8_t code, Bytes value) {
    const OptionInfo* info = find_option(code);
    if (info) {
        if (auto text = typed_text(code, info->type, value)) return *text;
    }
    return hex_text(value);
}

}  // namespace leasedns::dhcp
