#include "metrics_values.hpp"

#include "text.hpp"

namespace leasedns::config {

namespace {

constexpr const char* kLoopbackOnly =
    " is not a loopback address: the metrics endpoint has no authentication, so only "
    "127.0.0.0/8 and ::1 are accepted (scrape it from this machine, or through an SSH "
    "tunnel)";

// IPv4 in 127.0.0.0/8 or ::1, in its canonical spelling.
Result<std::string, std::string> loopback_address(std::string_view addr) {
    if (addr.empty()) return Err{std::string("needs an address")};
    if (auto v4 = Ipv4::parse(addr)) {
        if ((v4->value >> 24) != 127) return Err{"'" + std::string(addr) + "'" + kLoopbackOnly};
        return v4->str();
    }
    if (addr == "::1" || addr == "0:0:0:0:0:0:0:1") return std::string("::1");
    if (addr.find(':') != std::string_view::npos)
        return Err{"'" + std::string(addr) + "'" + kLoopbackOnly};
    return Err{"'" + std::string(addr) + "' is not an IP address (host names are not looked up)"};
}

Result<uint16_t, std::string> listen_port(std::string_view text) {
    auto n = parse_uint(text, 65535);
    if (!n || *n == 0)
        return Err{"expected a port from 1 to 65535, got '" + std::string(text) + "'"};
    return static_cast<uint16_t>(*n);
}

}  // namespace

std::optional<std::string> apply_metrics_listen(ApplyContext& ctx, std::string_view value,
                                                const Origin& origin) {
    size_t hash = value.rfind('#');
    if (hash == std::string_view::npos)
        return "expected ADDR#PORT, like 127.0.0.1#9153, got '" + std::string(value) + "'";
    auto addr = loopback_address(value.substr(0, hash));
    if (!addr) return addr.error();
    auto port = listen_port(value.substr(hash + 1));
    if (!port) return port.error();
    ctx.draft.metrics_listen = Setting<LoopbackEndpoint>{LoopbackEndpoint{*addr, *port}, origin};
    return std::nullopt;
}

Result<LoopbackEndpoint, std::string> parse_metrics_listen_toml(std::string_view text) {
    std::string_view addr, port;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find("]:");
        if (close == std::string_view::npos)
            return Err{"expected \"[::1]:PORT\" or \"127.0.0.1:PORT\", got '" + std::string(text) +
                       "'"};
        addr = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon)
            return Err{"expected \"127.0.0.1:PORT\" or \"[::1]:PORT\", got '" + std::string(text) +
                       "'"};
        addr = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto a = loopback_address(addr);
    if (!a) return Err{a.error()};
    auto p = listen_port(port);
    if (!p) return Err{p.error()};
    return LoopbackEndpoint{*a, *p};
}

std::string format_metrics_listen_toml(const LoopbackEndpoint& endpoint) {
    bool v6 = endpoint.address.find(':') != std::string::npos;
    return (v6 ? "[" + endpoint.address + "]" : endpoint.address) + ":" +
           std::to_string(endpoint.port);
}

}  // namespace leasedns::config
