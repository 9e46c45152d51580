// The configuration while it is being read: every value optional, every value carrying
// where it came from, so that an error found late (an overlapping range, a reservation
// outside every subnet) still names the flag, the file line or the TOML key that set it.
// One Draft per source (TOML file, dnsmasq conf-files, command line); merge() lays them
// over each other, then assemble/resolve/validate turn the result into a Config.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::config {

// Where a value came from. Formats error messages the way each source is read:
//   flag:          "--dhcp-range: MESSAGE"
//   dnsmasq file:  "FILE:LINE: dhcp-range: MESSAGE"
//   TOML file:     "FILE:LINE:COLUMN: dhcp.ranges[0].start: MESSAGE"
//   derived:       "default range for -i eth0: MESSAGE"
struct Origin {
    enum class Kind : uint8_t { Default, Flag, DnsmasqFile, TomlFile, Derived };
    struct FieldPosition {  // TOML only: where each key of a table was written
        std::string name;
        uint32_t line = 0, column = 0;
    };

    Kind kind = Kind::Default;
    std::string file;
    uint32_t line = 0, column = 0;
    std::string key;  // "--dhcp-range", "dhcp-range", "dhcp.ranges[0]", "-i eth0"
    std::vector<FieldPosition> fields;

    static Origin flag(std::string_view long_name);
    static Origin dnsmasq_file(std::string_view file, uint32_t line, std::string_view option);
    static Origin toml(std::string_view file, uint32_t line, uint32_t column,
                       std::string_view key_path);
    static Origin derived(std::string_view what);

    // "PREFIX: message", where the prefix names the source; `field` refines a TOML key
    // ("start" -> "dhcp.ranges[0].start" at the position of that key when known).
    std::string error(std::string_view message, std::string_view field = {}) const;
    // A short human form for "also set at ..." notes.
    std::string describe() const;
};

template <typename T>
struct Setting {
    T value{};
    Origin origin;
};

// A list option. `set` distinguishes "given, possibly empty" (TOML `interfaces = []`)
// from "not given", so that a later source replaces the list only when it set it.
template <typename T>
struct ListSetting {
    bool set = false;
    std::vector<Setting<T>> items;

    void add(T value, Origin origin) {
        set = true;
        items.push_back(Setting<T>{std::move(value), std::move(origin)});
    }
};

// --dhcp-range before it is resolved against the interfaces.
struct RangeDraft {
    Ipv4 start, end;
    std::optional<Ipv4> netmask;
    std::optional<Ipv4> broadcast;  // dnsmasq allows it; must match the subnet's
    std::optional<uint32_t> lease_time;
    std::string domain;  // TOML `domain`: the domain of the range's subnet; empty = none
};

// --dhcp-option before its value is encoded.
struct OptionDraft {
    uint8_t code = 0;
    std::vector<std::string> values;          // dnsmasq-style, quotes kept
    std::optional<std::vector<uint8_t>> raw;  // TOML `hex`: bytes sent as they are
    std::optional<Prefix> subnet;
    bool force = false;
};

struct Draft {
    // interfaces and sockets
    ListSetting<std::string> interfaces;
    ListSetting<std::string> except_interfaces;
    ListSetting<Ipv4> listen_addresses;
    std::optional<Setting<bool>> bind_interfaces;

    // DHCP
    std::optional<Setting<bool>> dhcp_enabled;  // TOML [dhcp] enabled
    ListSetting<RangeDraft> ranges;
    ListSetting<Reservation> reservations;  // hostname still as written
    ListSetting<OptionDraft> options;       // --dhcp-option and --dhcp-option-force
    std::optional<Setting<std::string>> domain;
    ListSetting<SubnetDomain> subnet_domains;  // --domain=DOMAIN,RANGE; [[dns.domains]]
    std::optional<Setting<bool>> authoritative;
    std::optional<Setting<bool>> rapid_commit;
    std::optional<Setting<bool>> ping;
    std::optional<Setting<uint32_t>> ping_timeout_ms;
    std::optional<Setting<uint32_t>> lease_max;
    std::optional<Setting<uint32_t>> offer_hold_seconds;
    std::optional<Setting<uint32_t>> decline_seconds;
    std::optional<Setting<uint32_t>> min_lease_seconds;

    // files and process
    std::optional<Setting<std::string>> state_dir;
    std::optional<Setting<std::string>> lease_file;
    std::optional<Setting<std::string>> control_socket;
    std::optional<Setting<std::string>> pid_file;
    std::optional<Setting<std::string>> user;
    std::optional<Setting<std::string>> dhcp_script;
    std::optional<Setting<std::string>> import_leases;

    // logging
    std::optional<Setting<bool>> log_queries;
    std::optional<Setting<bool>> log_dhcp;
    std::optional<Setting<bool>> quiet_dhcp;
    std::optional<Setting<std::string>> log_facility;

    // DNS
    std::optional<Setting<uint16_t>> dns_port;
    ListSetting<UpstreamServer> servers;
    std::optional<Setting<bool>> no_resolv;
    std::optional<Setting<std::string>> resolv_file;
    std::optional<Setting<bool>> no_hosts;
    ListSetting<std::string> addn_hosts;
    ListSetting<std::string> local_domains;
    ListSetting<AddressRecord> addresses;
    ListSetting<HostRecord> host_records;
    ListSetting<CnameRecord> cnames;
    ListSetting<MxRecord> mx_records;
    ListSetting<SrvRecord> srv_records;
    ListSetting<TxtRecord> txt_records;
    ListSetting<PtrRecord> ptr_records;
    std::optional<Setting<uint32_t>> cache_size;
    std::optional<Setting<uint32_t>> local_ttl;
    std::optional<Setting<uint32_t>> dhcp_ttl;
    std::optional<Setting<bool>> no_negcache;
    std::optional<Setting<bool>> domain_needed;
    std::optional<Setting<bool>> bogus_priv;
    std::optional<Setting<bool>> stop_dns_rebind;
    ListSetting<std::string> rebind_domain_ok;

    // metrics
    std::optional<Setting<LoopbackEndpoint>> metrics_listen;
};

// Lays `over` on top of `base`: a scalar set in `over` replaces the base's; a list set
// in `over` replaces the base's list as a whole (command-line --dhcp-host options
// replace the file's dhcp-host list; they are not appended to it).
void merge(Draft& base, const Draft& over);

}  // namespace leasedns::config
