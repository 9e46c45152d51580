#include "option_table.hpp"

#include <algorithm>
#include <array>

#include "metrics_values.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

using Opt = std::optional<std::string>;

template <std::optional<Setting<bool>> Draft::*Field>
Opt set_true(ApplyContext& ctx, std::string_view, const Origin& origin) {
    ctx.draft.*Field = Setting<bool>{true, origin};
    return std::nullopt;
}

template <std::optional<Setting<bool>> Draft::*Field>
Opt set_false(ApplyContext& ctx, std::string_view, const Origin& origin) {
    ctx.draft.*Field = Setting<bool>{false, origin};
    return std::nullopt;
}

template <auto Field, uint64_t Min, uint64_t Max>
Opt set_number(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto n = parse_uint(value, Max);
    if (!n || *n < Min) {
        return "expected a number from " + std::to_string(Min) + " to " + std::to_string(Max) +
               ", got '" + std::string(value) + "'";
    }
    using T = typename std::remove_reference_t<decltype(ctx.draft.*Field)>::value_type;
    using V = decltype(T::value);
    ctx.draft.*Field = T{static_cast<V>(*n), origin};
    return std::nullopt;
}

// A path or name that must not be empty.
template <std::optional<Setting<std::string>> Draft::*Field>
Opt set_string(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    if (value.empty()) return std::string("needs a value");
    ctx.draft.*Field = Setting<std::string>{std::string(value), origin};
    return std::nullopt;
}

Opt ignore(ApplyContext&, std::string_view, const Origin&) {
    return std::nullopt;
}

Opt not_yet(std::string_view what) {
    return "not supported yet: " + std::string(what) + " is not built in this version";
}
Opt tsig_not_yet(ApplyContext&, std::string_view, const Origin&) {
    return not_yet("RFC 2136 dynamic update with TSIG");
}
Opt dyndns_not_yet(ApplyContext&, std::string_view, const Origin&) {
    return not_yet("the dyndns2 HTTP endpoint");
}

Opt check_interface_name(std::string_view name) {
    // IFNAMSIZ is 16 with the NUL; dnsmasq allows one trailing '*' as a wildcard.
    if (name.empty()) return std::string("empty interface name");
    if (name.size() > 15) return "interface name '" + std::string(name) + "' is too long";
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '/' || c == ' ' || c == '\t' || (c == '*' && i + 1 != name.size()))
            return "'" + std::string(name) + "' is not an interface name";
    }
    return std::nullopt;
}

template <ListSetting<std::string> Draft::*Field>
Opt add_interfaces(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    // dnsmasq accepts comma lists here: --interface=eth0,eth1.
    auto names = split_fields(value);
    if (names.empty()) return std::string("needs an interface name");
    for (const auto& name : names) {
        if (auto e = check_interface_name(name)) return e;
        (ctx.draft.*Field).add(name, origin);
    }
    return std::nullopt;
}

Opt add_listen_address(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs an address");
    for (const auto& f : fields) {
        auto addr = Ipv4::parse(f);
        if (!addr) {
            if (f.find(':') != std::string::npos) return std::string("IPv6 is not supported yet");
            return "'" + f + "' is not an IPv4 address";
        }
        ctx.draft.listen_addresses.add(*addr, origin);
    }
    return std::nullopt;
}

Opt set_pid_file(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    // dnsmasq: a missing or empty value means no pid file at all.
    ctx.draft.pid_file = Setting<std::string>{std::string(value), origin};
    return std::nullopt;
}

Opt set_log_queries(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    if (value == "extra") return std::string("'extra' is not supported yet");
    if (!value.empty()) return "unexpected value '" + std::string(value) + "'";
    ctx.draft.log_queries = Setting<bool>{true, origin};
    return std::nullopt;
}

Opt set_log_facility(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    // leasedns logs to stderr (journald under systemd); syslog facilities and log
    // files are not built, and accepting them would silently log elsewhere.
    if (value != "-") {
        return "only '-' (stderr) is supported; leasedns logs to stderr, which systemd "
               "sends to the journal";
    }
    ctx.draft.log_facility = Setting<std::string>{std::string(value), origin};
    return std::nullopt;
}

Opt add_addn_hosts(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    if (value.empty()) return std::string("needs a file name");
    ctx.draft.addn_hosts.add(std::string(value), origin);
    return std::nullopt;
}

Opt conf_file(ApplyContext& ctx, std::string_view value, const Origin& origin) {
    if (value.empty()) return std::nullopt;  // dnsmasq: "no file"
    if (value == "-") return std::string("reading options from stdin is not supported");
    if (!ctx.conf_file) return std::string("not allowed here");
    return ctx.conf_file(std::string(value), origin);
}

template <bool Invocation::*Field>
Opt invocation_flag(ApplyContext& ctx, std::string_view, const Origin&) {
    ctx.invocation->*Field = true;
    return std::nullopt;
}

Opt config_file(ApplyContext& ctx, std::string_view value, const Origin&) {
    if (value.empty()) return std::string("needs a file name");
    if (!ctx.invocation->config_file.empty()) return std::string("given more than once");
    ctx.invocation->config_file = value;
    return std::nullopt;
}

constexpr uint64_t kMaxTtl = 2147483647;  // RFC 2181 §8: TTLs are 31-bit

// clang-format off
constexpr std::array kSpecs = {
    // interfaces and sockets
    OptionSpec{"interface", 'i', ArgKind::Required, add_interfaces<&Draft::interfaces>,
               "IFACE[,IFACE...]", "serve on IFACE (repeatable; a trailing * matches a prefix)"},
    OptionSpec{"except-interface", 'I', ArgKind::Required,
               add_interfaces<&Draft::except_interfaces>, "IFACE", "never serve on IFACE"},
    OptionSpec{"listen-address", 'a', ArgKind::Required, add_listen_address, "ADDR",
               "answer DNS on this IPv4 address (repeatable)"},
    OptionSpec{"bind-interfaces", 'z', ArgKind::None, set_true<&Draft::bind_interfaces>, "",
               "bind only the served interfaces and addresses, not the wildcard"},
    // DHCP
    OptionSpec{"dhcp-range", 'F', ArgKind::Required, apply_dhcp_range,
               "START,END[,NETMASK][,LEASETIME]",
               "serve START..END; lease time 45s, 2m, 12h, 1d, 1w or infinite (default 12h)"},
    OptionSpec{"dhcp-host", 'G', ArgKind::Required, apply_dhcp_host,
               "MAC|id:CLIENTID[,ADDR][,NAME][,LEASETIME][,ignore]",
               "reserve an address and/or a name for one client"},
    OptionSpec{"dhcp-option", 'O', ArgKind::Required, apply_dhcp_option,
               "[option:]NAME|CODE[,VALUE...]",
               "send a DHCP option; no value suppresses a default one"},
    OptionSpec{"dhcp-option-force", 0, ArgKind::Required, apply_dhcp_option_force,
               "[option:]NAME|CODE[,VALUE...]",
               "as --dhcp-option, sent even when the client did not ask for it"},
    OptionSpec{"domain", 's', ArgKind::Required, apply_domain,
               "DOMAIN[,ADDR/PREFIXLEN[,local]|,START,END]",
               "local domain of DHCP names (default lan); with a range: for clients there"},
    OptionSpec{"dhcp-leasefile", 'l', ArgKind::Required, set_string<&Draft::lease_file>,
               "PATH", "lease journal (default STATE_DIR/leases.journal)"},
    OptionSpec{"dhcp-authoritative", 'K', ArgKind::None, set_true<&Draft::authoritative>, "",
               "the only DHCP server here: NAK requests for addresses that are not ours"},
    OptionSpec{"dhcp-rapid-commit", 0, ArgKind::None, set_true<&Draft::rapid_commit>, "",
               "answer DISCOVER with ACK when the client asks for rapid commit (RFC 4039)"},
    OptionSpec{"dhcp-lease-max", 'X', ArgKind::Required,
               set_number<&Draft::lease_max, 1, 16777216>, "N",
               "at most N leases (default 1000000)"},
    OptionSpec{"no-ping", '5', ArgKind::None, set_false<&Draft::ping>, "",
               "do not probe an address with ICMP echo before offering it"},
    OptionSpec{"dhcp-script", '6', ArgKind::Required, set_string<&Draft::dhcp_script>,
               "PATH", "run PATH when a lease is added, renewed or deleted"},
    OptionSpec{"dhcp-ttl", 0, ArgKind::Required, set_number<&Draft::dhcp_ttl, 0, kMaxTtl>,
               "SECONDS", "TTL of DNS answers from leases (default: --local-ttl)"},
    // DNS
    OptionSpec{"port", 'p', ArgKind::Required, set_number<&Draft::dns_port, 0, 65535>,
               "PORT", "DNS port (default 53; 0 disables DNS)"},
    OptionSpec{"server", 'S', ArgKind::Required, apply_server, "[/DOMAIN/]ADDR[#PORT]",
               "upstream server, only for DOMAIN if given; /DOMAIN/ alone: answer locally"},
    OptionSpec{"local", 0, ArgKind::Required, apply_local, "/DOMAIN/",
               "answer DOMAIN from local data only, never forward it"},
    OptionSpec{"address", 'A', ArgKind::Required, apply_address, "/DOMAIN/[ADDR]",
               "answer DOMAIN and its subdomains with ADDR ('#' 0.0.0.0, none NXDOMAIN)"},
    OptionSpec{"host-record", 0, ArgKind::Required, apply_host_record,
               "NAME[,NAME...],ADDR", "A records and a PTR record for ADDR"},
    OptionSpec{"cname", 0, ArgKind::Required, apply_cname, "ALIAS[,ALIAS...],TARGET",
               "CNAME records pointing to a local name"},
    OptionSpec{"mx-host", 'm', ArgKind::Required, apply_mx_host, "NAME,TARGET[,PREFERENCE]",
               "an MX record (preference 1 by default)"},
    OptionSpec{"srv-host", 'W', ArgKind::Required, apply_srv_host,
               "_SERVICE._PROTO[.DOMAIN][,TARGET[,PORT[,PRIORITY[,WEIGHT]]]]",
               "an SRV record (the domain defaults to --domain)"},
    OptionSpec{"txt-record", 'Y', ArgKind::Required, apply_txt_record, "NAME[,TEXT...]",
               "a TXT record; quote a text to put commas in it"},
    OptionSpec{"ptr-record", 0, ArgKind::Required, apply_ptr_record, "NAME,TARGET",
               "a PTR record"},
    OptionSpec{"addn-hosts", 'H', ArgKind::Required, add_addn_hosts, "PATH",
               "read PATH as a hosts file too (repeatable)"},
    OptionSpec{"no-hosts", 'h', ArgKind::None, set_true<&Draft::no_hosts>, "",
               "do not read /etc/hosts"},
    OptionSpec{"no-resolv", 'R', ArgKind::None, set_true<&Draft::no_resolv>, "",
               "do not take upstream servers from the resolv file"},
    OptionSpec{"resolv-file", 'r', ArgKind::Required, set_string<&Draft::resolv_file>,
               "PATH", "upstream servers from PATH (default /etc/resolv.conf)"},
    OptionSpec{"cache-size", 'c', ArgKind::Required,
               set_number<&Draft::cache_size, 0, 10000000>, "N",
               "DNS cache entries (default 150; 0 disables the cache)"},
    OptionSpec{"local-ttl", 'T', ArgKind::Required, set_number<&Draft::local_ttl, 0, kMaxTtl>,
               "SECONDS", "TTL of answers from local data (default 0)"},
    OptionSpec{"no-negcache", 'N', ArgKind::None, set_true<&Draft::no_negcache>, "",
               "do not cache negative answers"},
    OptionSpec{"domain-needed", 'D', ArgKind::None, set_true<&Draft::domain_needed>, "",
               "never forward names without a dot"},
    OptionSpec{"bogus-priv", 'b', ArgKind::None, set_true<&Draft::bogus_priv>, "",
               "never forward reverse lookups of private addresses (RFC 6303)"},
    OptionSpec{"stop-dns-rebind", 0, ArgKind::None, set_true<&Draft::stop_dns_rebind>, "",
               "drop upstream answers that carry private addresses"},
    OptionSpec{"rebind-domain-ok", 0, ArgKind::Required, apply_rebind_domain_ok,
               "DOMAIN|/DOMAIN/[DOMAIN/...]", "exempt DOMAIN from --stop-dns-rebind"},
    // files and process
    OptionSpec{"conf-file", 'C', ArgKind::Required, conf_file, "FILE",
               "read dnsmasq-syntax options from FILE (repeatable)"},
    OptionSpec{"config", 0, ArgKind::Required, config_file, "FILE.toml",
               "TOML configuration (default /etc/leasedns/leasedns.toml if it exists)", true},
    OptionSpec{"state-dir", 0, ArgKind::Required, set_string<&Draft::state_dir>, "DIR",
               "lease journal and snapshot directory (default /var/lib/leasedns)"},
    OptionSpec{"control-socket", 0, ArgKind::Required, set_string<&Draft::control_socket>,
               "PATH", "leasectl socket (default /run/leasedns/control.sock)"},
    OptionSpec{"import-leases", 0, ArgKind::Required, set_string<&Draft::import_leases>,
               "FILE", "import a dnsmasq lease file at start-up"},
    OptionSpec{"pid-file", 'x', ArgKind::Optional, set_pid_file, "[PATH]",
               "write the process id to PATH (empty or absent: no pid file)"},
    OptionSpec{"user", 'u', ArgKind::Required, set_string<&Draft::user>, "USER",
               "drop privileges to USER after start-up"},
    OptionSpec{"keep-in-foreground", 'k', ArgKind::None, ignore, "",
               "accepted for dnsmasq compatibility: leasedns always stays in the foreground"},
    OptionSpec{"no-daemon", 'd', ArgKind::None, ignore, "",
               "accepted for dnsmasq compatibility: leasedns always stays in the foreground"},
    // logging
    OptionSpec{"log-queries", 'q', ArgKind::Optional, set_log_queries, "",
               "log every DNS query"},
    OptionSpec{"log-dhcp", 0, ArgKind::None, set_true<&Draft::log_dhcp>, "",
               "log DHCP exchanges in detail"},
    OptionSpec{"quiet-dhcp", 0, ArgKind::None, set_true<&Draft::quiet_dhcp>, "",
               "do not log routine DHCP exchanges"},
    OptionSpec{"log-facility", '8', ArgKind::Required, set_log_facility, "-",
               "log to stderr ('-', the only sink; systemd sends it to the journal)"},
    // observation
    OptionSpec{"metrics-listen", 0, ArgKind::Required, apply_metrics_listen, "ADDR#PORT",
               "serve Prometheus metrics over HTTP on this loopback address (default: off)"},
    // dynamic DNS (accepted by name so that the error is precise)
    OptionSpec{"tsig-keyfile", 0, ArgKind::Required, tsig_not_yet, "FILE",
               "BIND-format TSIG key file for RFC 2136 updates (not available yet)"},
    OptionSpec{"update-grant", 0, ArgKind::Required, tsig_not_yet, "KEY:ZONE",
               "let KEY update ZONE (not available yet)"},
    OptionSpec{"dyndns-listen", 0, ArgKind::Required, dyndns_not_yet, "ADDR#PORT",
               "dyndns2 HTTP endpoint address (not available yet)"},
    OptionSpec{"dyndns-user", 0, ArgKind::Required, dyndns_not_yet,
               "USER:CRYPT_HASH:NAME[,NAME...]", "dyndns2 account (not available yet)"},
    // what to do
    OptionSpec{"test", 0, ArgKind::None, invocation_flag<&Invocation::test_only>, "",
               "check the configuration and exit", true},
    OptionSpec{"print-config", 0, ArgKind::None, invocation_flag<&Invocation::print_config>,
               "", "print the effective configuration as TOML and exit", true},
    OptionSpec{"help", 'w', ArgKind::None, invocation_flag<&Invocation::show_help>, "",
               "show this help and exit", true},
    OptionSpec{"version", 'v', ArgKind::None, invocation_flag<&Invocation::show_version>, "",
               "show the version and exit", true},
};
// clang-format on

// dnsmasq options (dnsmasq 2.89's man page) that leasedns does not implement.
constexpr std::string_view kDnsmasqOnly[] = {"add-cpe-id",
                                             "add-mac",
                                             "add-subnet",
                                             "alias",
                                             "all-servers",
                                             "auth-peer",
                                             "auth-sec-servers",
                                             "auth-server",
                                             "auth-soa",
                                             "auth-ttl",
                                             "auth-zone",
                                             "bind-dynamic",
                                             "bogus-nxdomain",
                                             "bootp-dynamic",
                                             "bridge-interface",
                                             "caa-record",
                                             "cache-rr",
                                             "clear-on-reload",
                                             "conf-dir",
                                             "conf-script",
                                             "connmark-allowlist",
                                             "connmark-allowlist-enable",
                                             "conntrack",
                                             "dhcp-alternate-port",
                                             "dhcp-boot",
                                             "dhcp-broadcast",
                                             "dhcp-circuitid",
                                             "dhcp-client-update",
                                             "dhcp-duid",
                                             "dhcp-fqdn",
                                             "dhcp-generate-names",
                                             "dhcp-hostsdir",
                                             "dhcp-hostsfile",
                                             "dhcp-ignore",
                                             "dhcp-ignore-clid",
                                             "dhcp-ignore-names",
                                             "dhcp-luascript",
                                             "dhcp-mac",
                                             "dhcp-match",
                                             "dhcp-name-match",
                                             "dhcp-no-override",
                                             "dhcp-optsdir",
                                             "dhcp-optsfile",
                                             "dhcp-proxy",
                                             "dhcp-pxe-vendor",
                                             "dhcp-relay",
                                             "dhcp-remoteid",
                                             "dhcp-reply-delay",
                                             "dhcp-scriptuser",
                                             "dhcp-sequential-ip",
                                             "dhcp-subscrid",
                                             "dhcp-userclass",
                                             "dhcp-vendorclass",
                                             "dns-forward-max",
                                             "dns-loop-detect",
                                             "dns-rr",
                                             "dnssec",
                                             "dnssec-check-unsigned",
                                             "dnssec-debug",
                                             "dnssec-limits",
                                             "dnssec-no-timecheck",
                                             "dnssec-timestamp",
                                             "dumpfile",
                                             "dumpmask",
                                             "dynamic-host",
                                             "edns-packet-max",
                                             "enable-dbus",
                                             "enable-ra",
                                             "enable-tftp",
                                             "enable-ubus",
                                             "expand-hosts",
                                             "fast-dns-retry",
                                             "filter-A",
                                             "filter-AAAA",
                                             "filter-rr",
                                             "filterwin2k",
                                             "group",
                                             "hostsdir",
                                             "ignore-address",
                                             "interface-name",
                                             "ipset",
                                             "leasefile-ro",
                                             "local-service",
                                             "localise-queries",
                                             "localmx",
                                             "log-async",
                                             "log-debug",
                                             "max-cache-ttl",
                                             "max-port",
                                             "max-tcp-connections",
                                             "max-ttl",
                                             "min-cache-ttl",
                                             "min-port",
                                             "mx-target",
                                             "naptr-record",
                                             "neg-ttl",
                                             "nftset",
                                             "no-dhcp-interface",
                                             "no-dhcpv4-interface",
                                             "no-dhcpv6-interface",
                                             "no-ident",
                                             "no-poll",
                                             "no-round-robin",
                                             "port-limit",
                                             "proxy-dnssec",
                                             "pxe-prompt",
                                             "pxe-service",
                                             "query-port",
                                             "quiet-dhcp6",
                                             "quiet-ra",
                                             "quiet-tftp",
                                             "ra-param",
                                             "read-ethers",
                                             "rebind-localhost-ok",
                                             "rev-server",
                                             "script-arp",
                                             "script-on-renewal",
                                             "selfmx",
                                             "servers-file",
                                             "shared-network",
                                             "strict-order",
                                             "strip-mac",
                                             "strip-subnet",
                                             "synth-domain",
                                             "tag-if",
                                             "tftp-lowercase",
                                             "tftp-max",
                                             "tftp-mtu",
                                             "tftp-no-blocksize",
                                             "tftp-no-fail",
                                             "tftp-port-range",
                                             "tftp-root",
                                             "tftp-secure",
                                             "tftp-single-port",
                                             "tftp-unique-root",
                                             "trust-anchor",
                                             "umbrella",
                                             "use-stale-cache"};

struct ShortAlias {
    char c;
    std::string_view name;
};
constexpr std::array kDnsmasqOnlyShort = {
    ShortAlias{'E', "expand-hosts"},
    ShortAlias{'g', "group"},
    ShortAlias{'P', "edns-packet-max"},
    ShortAlias{'Q', "query-port"},
    ShortAlias{'2', "no-dhcp-interface"},
    ShortAlias{'y', "localise-queries"},
    ShortAlias{'V', "alias"},
    ShortAlias{'B', "bogus-nxdomain"},
    ShortAlias{'f', "filterwin2k"},
    ShortAlias{'1', "enable-dbus"},
    ShortAlias{'o', "strict-order"},
    ShortAlias{'n', "no-poll"},
    ShortAlias{'t', "mx-target"},
    ShortAlias{'e', "selfmx"},
    ShortAlias{'L', "localmx"},
    ShortAlias{'0', "dns-forward-max"},
    ShortAlias{'Z', "read-ethers"},
    ShortAlias{'j', "dhcp-userclass"},
    ShortAlias{'4', "dhcp-mac"},
    ShortAlias{'J', "dhcp-ignore"},
    ShortAlias{'3', "bootp-dynamic"},
    ShortAlias{'9', "leasefile-ro"},
    ShortAlias{'7', "conf-dir"},
    ShortAlias{'M', "dhcp-boot"},
    ShortAlias{'U', "dhcp-vendorclass"},
};

}  // namespace

std::span<const OptionSpec> option_specs() {
    return kSpecs;
}

const OptionSpec* find_long_option(std::string_view name) {
    for (const auto& s : kSpecs) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

const OptionSpec* find_short_option(char c) {
    if (c == 0) return nullptr;
    for (const auto& s : kSpecs) {
        if (s.short_name == c) return &s;
    }
    return nullptr;
}

bool is_unsupported_dnsmasq_option(std::string_view long_name) {
    return std::find(std::begin(kDnsmasqOnly), std::end(kDnsmasqOnly), long_name) !=
           std::end(kDnsmasqOnly);
}

std::optional<std::string_view> unsupported_dnsmasq_short(char c) {
    for (const auto& a : kDnsmasqOnlyShort) {
        if (a.c == c) return a.name;
    }
    return std::nullopt;
}

std::optional<std::string> apply_option(const OptionSpec& spec,
                                        std::optional<std::string_view> value, const Origin& origin,
                                        ApplyContext& ctx) {
    if (spec.command_line_only && ctx.invocation == nullptr)
        return std::string("only valid on the command line");
    if (spec.arg == ArgKind::None && value) return std::string("takes no value");
    if (spec.arg == ArgKind::Required && !value) return std::string("needs a value");
    std::string_view text = value.value_or(std::string_view{});
    if (auto why = check_text(text)) return "value " + *why;
    return spec.handler(ctx, text, origin);
}

}  // namespace leasedns::config
