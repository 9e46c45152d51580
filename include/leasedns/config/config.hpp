// The one validated, immutable configuration. Built by config::load (TOML file + flags,
// or a dnsmasq-syntax conf-file) and resolved against the machine's interfaces.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leasedns/core/net.hpp"

namespace leasedns::config {

constexpr uint32_t kInfiniteLease = 0xffffffffu;

// One dhcp-range, resolved to the subnet it serves.
struct Range {
    Ipv4 start, end;
    Prefix subnet;                // from the netmask given, or the interface's prefix
    uint32_t lease_time = 43200;  // seconds; kInfiniteLease for "infinite"
    std::string interface;        // local interface on that subnet, empty if relayed-only
};

struct Reservation {
    std::optional<Mac> mac;
    std::vector<uint8_t> client_id;  // "id:..." form; empty if by MAC
    std::optional<Ipv4> addr;
    std::string hostname;  // one label, lower case; empty if none
    std::optional<uint32_t> lease_time;
    bool ignore = false;  // dnsmasq "ignore": never answer this client
};

// A DHCP option to send, already encoded to wire bytes.
struct OptionSetting {
    uint8_t code = 0;
    std::vector<uint8_t> value;
    std::optional<Prefix> subnet;  // only for clients on this subnet (tag:/set: not supported)
    bool force = false;            // dhcp-option-force: send even if not requested
};

// --domain=DOMAIN,RANGE (dnsmasq): DHCP clients whose address lies in first..last are
// named in `domain` (option 15, option 81, their DNS records) instead of the default one.
// ADDR/LEN is kept as its network..broadcast, so a range and a prefix compare alike.
struct SubnetDomain {
    std::string domain;  // normalised like Config::domain
    Ipv4 first, last;    // inclusive, first <= last

    bool contains(Ipv4 a) const { return a >= first && a <= last; }
    uint32_t size() const { return last.value - first.value; }  // one less than the count
};

// DNS settings (used by the DNS issue; parsed and validated already).
struct UpstreamServer {
    std::string domain;        // empty = default upstream; else only for this domain
    std::optional<Ipv4> addr;  // none = this domain is answered locally only
    uint16_t port = 53;
};
struct AddressRecord {  // --address=/domain/ADDR
    std::string domain;
    std::optional<Ipv4> addr;  // none = NXDOMAIN ("#" or empty)
};
struct HostRecord {  // --host-record=name[,name...],addr
    std::vector<std::string> names;
    Ipv4 addr;
};
struct CnameRecord {
    std::vector<std::string> aliases;
    std::string target;
};
struct MxRecord {
    std::string name, target;
    uint16_t preference = 1;
};
struct SrvRecord {
    std::string name, target;
    uint16_t port = 0, priority = 0, weight = 0;
};
struct TxtRecord {
    std::string name;
    std::vector<std::string> texts;
};
struct PtrRecord {
    std::string name, target;
};

// A TCP address on loopback: 127.0.0.0/8 or ::1. The metrics endpoint has no
// authentication, so configuration accepts no other address for it.
struct LoopbackEndpoint {
    std::string address;  // "127.0.0.1" (any of 127.0.0.0/8) or "::1"
    uint16_t port = 0;    // 1..65535
    bool operator==(const LoopbackEndpoint&) const = default;
};

struct Config {
    // --- interfaces and sockets ---
    std::vector<std::string> interfaces;         // -i (empty: all but loopback)
    std::vector<std::string> except_interfaces;  // --except-interface
    std::vector<Ipv4> listen_addresses;          // --listen-address
    bool bind_interfaces = false;

    // --- DHCP ---
    std::vector<Range> ranges;
    std::vector<Reservation> reservations;
    std::vector<OptionSetting> options;
    std::string domain = "lan";                // the default domain
    std::vector<SubnetDomain> subnet_domains;  // --domain=DOMAIN,RANGE
    bool authoritative = false;
    bool rapid_commit = false;
    bool ping = true;  // ICMP probe before offering (--no-ping disables)
    uint32_t ping_timeout_ms = 500;
    uint32_t lease_max = 1'000'000;    // --dhcp-lease-max
    uint32_t offer_hold_seconds = 30;  // how long an OFFERed address is held
    uint32_t decline_seconds = 600;    // quarantine after DECLINE (dnsmasq: 10 min)
    uint32_t min_lease_seconds = 120;  // clamp for requested lease times (RFC 2131 B9)
    bool dhcp_enabled = true;          // false when no range could be derived (DNS only)

    // --- files and process ---
    std::string state_dir = "/var/lib/leasedns";
    std::string lease_file;  // --dhcp-leasefile; default state_dir/leases.journal
    std::string control_socket = "/run/leasedns/control.sock";
    std::string pid_file;  // empty: none
    std::string user;      // -u
    std::string dhcp_script;
    std::string import_leases;  // --import-leases (dnsmasq lease file)

    // --- logging ---
    bool log_queries = false;
    bool log_dhcp = false;
    bool quiet_dhcp = false;
    std::string log_facility;  // "-" = stderr (the only sink for now)

    // --- DNS ---
    uint16_t dns_port = 53;  // 0 disables DNS
    std::vector<UpstreamServer> servers;
    bool no_resolv = false;
    std::string resolv_file = "/etc/resolv.conf";
    bool no_hosts = false;
    std::vector<std::string> addn_hosts;
    std::vector<std::string> local_domains;  // --local=/domain/
    std::vector<AddressRecord> addresses;
    std::vector<HostRecord> host_records;
    std::vector<CnameRecord> cnames;
    std::vector<MxRecord> mx_records;
    std::vector<SrvRecord> srv_records;
    std::vector<TxtRecord> txt_records;
    std::vector<PtrRecord> ptr_records;
    uint32_t cache_size = 150;
    uint32_t local_ttl = 0;
    std::optional<uint32_t> dhcp_ttl;
    bool no_negcache = false;
    bool domain_needed = false;
    bool bogus_priv = false;
    bool stop_dns_rebind = false;
    std::vector<std::string> rebind_domain_ok;

    // --- metrics ---
    // --metrics-listen / [metrics] listen: Prometheus text on loopback; none = off.
    std::optional<LoopbackEndpoint> metrics_listen;

    // The domain of the client at `addr`: the smallest --domain range holding it (the first
    // given among equal ones), else the default domain. A few entries: a linear scan.
    const std::string& domain_for(Ipv4 addr) const {
        const SubnetDomain* best = nullptr;
        for (const auto& d : subnet_domains)
            if (d.contains(addr) && (!best || d.size() < best->size())) best = &d;
        return best ? best->domain : domain;
    }

    std::string effective_lease_file() const {
        return lease_file.empty() ? state_dir + "/leases.journal" : lease_file;
    }
};

// What the machine has: IPv4 addresses per interface (gathered by io/, passed in, so
// that configuration stays pure and testable).
struct InterfaceAddress {
    std::string name;
    int index = 0;
    Ipv4 addr;
    Prefix prefix;
    bool loopback = false;
};

}  // namespace leasedns::config
