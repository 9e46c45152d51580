// The dnsmasq-style options leasedns understands: one table read by the command-line
// parser, the conf-file parser and --help, so the three cannot disagree.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "draft.hpp"
#include "leasedns/config/load.hpp"

namespace leasedns::config {

enum class ArgKind : uint8_t {
    None,      // --no-ping
    Required,  // --interface=eth0 or --interface eth0
    Optional,  // --pid-file (empty: no pid file), --pid-file=PATH
};

struct ApplyContext {
    Draft& draft;
    Invocation* invocation = nullptr;  // null while reading a conf-file
    // --conf-file: the command line collects paths (read once flags are parsed); a
    // conf-file includes the named file at that point, as dnsmasq does.
    std::function<std::optional<std::string>(const std::string& path, const Origin& origin)>
        conf_file;
};

// Returns an error message without the origin prefix (the caller adds it).
using OptionHandler = std::optional<std::string> (*)(ApplyContext& ctx, std::string_view value,
                                                     const Origin& origin);

struct OptionSpec {
    std::string_view name;  // long name, as in dnsmasq
    char short_name;        // 0 if none
    ArgKind arg;
    OptionHandler handler;
    std::string_view metavar;  // for --help
    std::string_view help;     // one line
    bool command_line_only = false;
};

std::span<const OptionSpec> option_specs();
const OptionSpec* find_long_option(std::string_view name);
const OptionSpec* find_short_option(char c);

// Options dnsmasq has and leasedns does not implement, so the error can say so.
bool is_unsupported_dnsmasq_option(std::string_view long_name);
std::optional<std::string_view> unsupported_dnsmasq_short(char c);

// Checks the value's text, then runs the handler. `value` is nullopt when none was
// given (only valid for ArgKind::None and ArgKind::Optional).
std::optional<std::string> apply_option(const OptionSpec& spec,
                                        std::optional<std::string_view> value, const Origin& origin,
                                        ApplyContext& ctx);

// Handlers that parse structured values (dhcp_values.cpp, dns_values.cpp).
std::optional<std::string> apply_dhcp_range(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_domain(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_dhcp_host(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_dhcp_option(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_dhcp_option_force(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_server(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_local(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_address(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_host_record(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_cname(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_mx_host(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_srv_host(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_txt_record(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_ptr_record(ApplyContext&, std::string_view, const Origin&);
std::optional<std::string> apply_rebind_domain_ok(ApplyContext&, std::string_view, const Origin&);

// The address range of --domain=DOMAIN,RANGE, split into fields: ADDR/LEN[,local] (host
// bits cleared, as dnsmasq does) or START,END. The domain is left empty.
Result<SubnetDomain, std::string> parse_domain_range(std::span<const std::string> fields);

}  // namespace leasedns::config
