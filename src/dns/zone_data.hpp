// The zone's static data, built once from the configuration and the hosts files
// (zone_static.cpp) and read by the query path (zone.cpp). Private to src/dns.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "leasedns/dns/zone.hpp"

namespace leasedns::dns::detail {

using Ipv6 = std::array<uint8_t, 16>;

// RFC 4291 §2.2 text forms: eight groups, "::" once, an IPv4 tail. No zone ids.
std::optional<Ipv6> parse_ipv6(std::string_view text);
// RFC 5952 form (lower case, longest run of zero groups as "::").
std::string format_ipv6(const Ipv6& addr);

// Types whose rdata holds domain names (RFC 1035 §3.3): the builder compresses them,
// so they go through add_record; the others go through add_raw.
bool rdata_has_names(uint16_t type);

struct StaticRecord {
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::vector<uint8_t> rdata;  // names inside in canonical uncompressed wire form
    std::string source;          // "static", "zone", "server", "reservation", "hosts:PATH"
};

// Every record of one owner name.
struct StaticNode {
    std::vector<StaticRecord> records;
    bool has(uint16_t type) const {
        for (const auto& r : records)
            if (r.type == type) return true;
        return false;
    }
};

// What a name in the authority map is: a zone apex (SOA and NS there), a local-only
// domain (--local, --server=/d/), or both.
struct AuthorityMark {
    bool zone_apex = false;
    bool local = false;
};

// Hashing for label sets, looked up by string_view without building a string.
struct LabelHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

struct StaticData {
    std::unordered_map<Name, StaticNode> nodes;
    // --address=/d/[ADDR]: d and every name below it; nullopt = NXDOMAIN.
    std::unordered_map<Name, std::optional<Ipv4>> address_domains;
    // Names strictly above a static name (e.g. "_tcp.lan" for "_sip._tcp.lan"): they
    // exist without data, so inside our zones they are NODATA, not NXDOMAIN.
    std::unordered_set<Name> empty_non_terminals;
    std::unordered_map<Name, AuthorityMark> authorities;
    std::vector<Name> zone_apexes;  // the local domains first, then the reverse zones
    // Labels DHCP clients may not take (C6), lower case.
    std::unordered_set<std::string, LabelHash, std::equal_to<>> static_labels;

    bool has_domain = false;
    Name domain;  // the default local domain ("lan")
    size_t domain_labels = 0;

    // Every local domain, each a zone: the default one first (when there is one), then
    // each --domain=D,RANGE domain once. A lease name lives in the domain of its address.
    struct LocalDomain {
        Name name;
        size_t labels = 0;
    };
    struct DomainRange {
        Ipv4 first, last;
        size_t domain = 0;  // index into local_domains
    };
    static constexpr size_t kNoDomain = static_cast<size_t>(-1);
    std::vector<LocalDomain> local_domains;
    std::vector<DomainRange> domain_ranges;  // smallest first: the first match wins
    size_t default_domain = kNoDomain;

    // The domain of `addr` (Config::domain_for, precomputed): kNoDomain = bare names only.
    size_t domain_index_for(Ipv4 addr) const {
        for (const DomainRange& r : domain_ranges)
            if (addr >= r.first && addr <= r.last) return r.domain;
        return default_domain;
    }
    // The name a label takes at `addr`: label.<its domain>, or the bare label.
    std::optional<Name> name_at(std::string_view label, Ipv4 addr) const {
        size_t i = domain_index_for(addr);
        return i == kNoDomain ? Name::parse(label) : local_domains[i].name.child(label);
    }
    // The local domain `name` sits directly below, or kNoDomain.
    size_t parent_domain(const Name& name) const {
        size_t labels = name.label_count();
        for (size_t i = 0; i < local_domains.size(); ++i)
            if (labels == local_domains[i].labels + 1 &&
                name.is_subdomain_of(local_domains[i].name))
                return i;
        return kNoDomain;
    }
    Name mname;  // "<server_hostname>.<domain>": SOA MNAME, NS target
    std::vector<Prefix> served_subnets;
    uint32_t local_ttl = 0;  // static records, SOA, negative answers (RFC 2308 §5)
    uint32_t lease_ttl = 0;  // lease names and reservations: --dhcp-ttl, else --local-ttl
};

StaticData build_static_data(const ZoneInputs& inputs);

// The reverse zones covering `subnets` (octet-aligned: a /24 -> "c.b.a.in-addr.arpa";
// other lengths: the /24s, /16s or /8s that tile the prefix), deduplicated, at most 256.
std::vector<Name> reverse_zone_apexes(std::span<const Prefix> subnets);
// "d.c.b.a.in-addr.arpa" for a.b.c.d (RFC 1035 §3.5).
Name reverse_name(Ipv4 addr);
// The address of a full "d.c.b.a.in-addr.arpa" name (decimal octets, no leading zeros).
std::optional<Ipv4> parse_reverse_name(const Name& name);
// The prefix a partial reverse name stands for ("18.198.in-addr.arpa" -> 198.18.0.0/16).
std::optional<Prefix> parse_reverse_prefix(const Name& name);

// Presentation form of rdata for describe_records ("198.18.0.7", "10 mail.lan").
std::string format_rdata(uint16_t type, std::span<const uint8_t> rdata);

}  // namespace leasedns::dns::detail
