// The zone's static data: SOA and NS at every apex, the server's own name, and every
// record the configuration and the hosts files define, built once at start-up into
// hash maps keyed by name so that a query costs one lookup. Insertion order is
// priority order where dnsmasq has one: the first PTR for an address wins (explicit
// --ptr-record, then --host-record, reservations, hosts files, localhost, our own).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include "zone_data.hpp"

namespace leasedns::dns::detail {

namespace {

// RFC 1912 §2.2 suggestions, as dnsmasq uses them for its own SOA.
constexpr uint32_t kSoaRefresh = 1200, kSoaRetry = 180, kSoaExpire = 1209600;
constexpr uint32_t kInitialSerial = 1;

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
    put_u16(out, static_cast<uint16_t>(v >> 16));
    put_u16(out, static_cast<uint16_t>(v));
}
void put_name(std::vector<uint8_t>& out, const Name& name) {
    auto wire = name.wire();
    out.insert(out.end(), wire.begin(), wire.end());
}
std::vector<uint8_t> a_rdata(Ipv4 addr) {
    std::vector<uint8_t> out;
    put_u32(out, addr.value);
    return out;
}
std::vector<uint8_t> name_rdata(const Name& name) {
    std::vector<uint8_t> out;
    put_name(out, name);
    return out;
}

// A one-label name from a host name, or nullopt when it is not one valid label.
std::optional<Name> single_label(std::string_view label) {
    if (label.empty() || label.find('.') != std::string_view::npos) return std::nullopt;
    auto name = Name::parse(label);
    if (!name || name->label_count() != 1) return std::nullopt;
    return name;
}

class Builder {
public:
    Builder(StaticData& data) : d_(data) {}

    // Adds a record unless the same (type, rdata) is already there (hosts files and
    // --host-record often repeat each other).
    void add(const Name& owner, uint16_t type, uint32_t ttl, std::vector<uint8_t> rdata,
             const std::string& source) {
        StaticNode& node = d_.nodes[owner];
        for (const auto& r : node.records)
            if (r.type == type && r.rdata == rdata) return;
        node.records.push_back(StaticRecord{type, ttl, std::move(rdata), source});
    }
    // The first PTR for an address wins, like dnsmasq's "only the first address creates a
    // PTR record" for hosts files and --host-record.
    void add_ptr_if_absent(Ipv4 addr, const Name& target, uint32_t ttl, const std::string& source) {
        if (addr.is_zero() || addr.value == 0xffffffffu) return;
        Name owner = reverse_name(addr);
        auto it = d_.nodes.find(owner);
        if (it != d_.nodes.end() && it->second.has(rrtype::PTR)) return;
        add(owner, rrtype::PTR, ttl, name_rdata(target), source);
    }

private:
    StaticData& d_;
};

std::string server_label(std::string_view hostname) {
    std::string label(hostname.substr(0, hostname.find('.')));
    std::transform(label.begin(), label.end(), label.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return single_label(label) ? label : std::string("leasedns");
}

// An SRV owner written without a domain ("_ldap._tcp") is in the local domain
// (dnsmasq: "if the domain part is not given, it defaults to --domain").
std::optional<Name> srv_owner(const std::string& text, const StaticData& d) {
    auto name = Name::parse(text);
    if (!name) return std::nullopt;
    bool only_service_labels = true;
    for (size_t i = 0; i < name->label_count(); ++i)
        if (name->label(i).empty() || name->label(i).front() != '_') only_service_labels = false;
    if (only_service_labels && d.has_domain) return Name::parse(text + "." + d.domain.text());
    return name;
}

// The default domain, then each --domain=D,RANGE domain once; the ranges sorted smallest
// first (stable: among equal sizes the first given wins, as in Config::domain_for).
void add_local_domains(const config::Config& cfg, StaticData& d) {
    auto index_of = [&](const Name& name) {
        for (size_t i = 0; i < d.local_domains.size(); ++i)
            if (d.local_domains[i].name == name) return i;
        d.local_domains.push_back({name, name.label_count()});
        return d.local_domains.size() - 1;
    };
    if (d.has_domain) d.default_domain = index_of(d.domain);
    for (const auto& sd : cfg.subnet_domains) {
        auto name = Name::parse(sd.domain);
        if (!name || name->is_root()) continue;
        d.domain_ranges.push_back({sd.first, sd.last, index_of(*name)});
    }
    std::stable_sort(d.domain_ranges.begin(), d.domain_ranges.end(),
                     [](const auto& a, const auto& b) {
                         return a.last.value - a.first.value < b.last.value - b.first.value;
                     });
}

void add_zone_apexes(const ZoneInputs& in, StaticData& d, Builder& b) {
    const config::Config& cfg = *in.config;
    if (auto domain = Name::parse(cfg.domain); domain && !domain->is_root()) {
        d.has_domain = true;
        d.domain = *domain;
        d.domain_labels = domain->label_count();
    }
    std::string label = server_label(in.server_hostname);
    Name rname = *Name::parse("hostmaster");
    if (d.has_domain) {
        d.mname = d.domain.child(label).value_or(d.domain);
        rname = d.domain.child("hostmaster").value_or(d.domain);
    } else {
        d.mname = *Name::parse(label);
    }

    add_local_domains(cfg, d);
    for (const auto& local : d.local_domains) d.zone_apexes.push_back(local.name);
    for (const Name& apex : reverse_zone_apexes(in.served_subnets))
        if (std::find(d.zone_apexes.begin(), d.zone_apexes.end(), apex) == d.zone_apexes.end())
            d.zone_apexes.push_back(apex);
    for (const Name& apex : d.zone_apexes) {
        // RFC 1035 §3.3.13; MINIMUM is the negative-caching TTL (RFC 2308 §4).
        std::vector<uint8_t> soa;
        put_name(soa, d.mname);
        put_name(soa, rname);
        for (uint32_t v : {kInitialSerial, kSoaRefresh, kSoaRetry, kSoaExpire, d.local_ttl})
            put_u32(soa, v);
        b.add(apex, rrtype::SOA, d.local_ttl, std::move(soa), "zone");
        b.add(apex, rrtype::NS, d.local_ttl, name_rdata(d.mname), "zone");
        d.authorities[apex].zone_apex = true;
    }
    for (Ipv4 own : in.own_addresses)
        b.add(d.mname, rrtype::A, d.local_ttl, a_rdata(own), "server");

    auto mark_local = [&](const std::string& text) {
        if (auto name = Name::parse(text); name && !name->is_root())
            d.authorities[*name].local = true;
    };
    for (const auto& domain : cfg.local_domains) mark_local(domain);
    for (const auto& server : cfg.servers)
        if (!server.domain.empty() && !server.addr) mark_local(server.domain);
}

void add_configured_records(const config::Config& cfg, StaticData& d, Builder& b) {
    const uint32_t ttl = d.local_ttl;
    const std::string src = "static";
    for (const auto& p : cfg.ptr_records) {
        auto owner = Name::parse(p.name);
        auto target = Name::parse(p.target);
        if (owner && target) b.add(*owner, rrtype::PTR, ttl, name_rdata(*target), src);
    }
    for (const auto& h : cfg.host_records) {
        std::optional<Name> first;
        for (const auto& text : h.names) {
            auto name = Name::parse(text);
            if (!name || name->is_root()) continue;
            b.add(*name, rrtype::A, ttl, a_rdata(h.addr), src);
            if (!first) first = name;
        }
        if (first) b.add_ptr_if_absent(h.addr, *first, ttl, src);
    }
    // A reservation with both an address and a name is in the DNS from start-up, lease
    // or no lease, under the same two names a lease would have.
    for (const auto& r : cfg.reservations) {
        if (r.ignore || !r.addr || r.hostname.empty()) continue;
        auto bare = single_label(r.hostname);
        if (!bare) continue;
        auto fqdn = d.name_at(bare->label(0), *r.addr);
        if (!fqdn) continue;
        b.add(*fqdn, rrtype::A, d.lease_ttl, a_rdata(*r.addr), "reservation");
        b.add(*bare, rrtype::A, d.lease_ttl, a_rdata(*r.addr), "reservation");
        b.add_ptr_if_absent(*r.addr, *fqdn, d.lease_ttl, "reservation");
    }
    for (const auto& c : cfg.cnames) {
        auto target = Name::parse(c.target);
        if (!target) continue;
        for (const auto& alias : c.aliases)
            if (auto owner = Name::parse(alias); owner && !(*owner == *target))
                b.add(*owner, rrtype::CNAME, ttl, name_rdata(*target), src);
    }
    for (const auto& m : cfg.mx_records) {
        auto owner = Name::parse(m.name);
        auto target = Name::parse(m.target);
        if (!owner || !target) continue;
        std::vector<uint8_t> rdata;
        put_u16(rdata, m.preference);
        put_name(rdata, *target);
        b.add(*owner, rrtype::MX, ttl, std::move(rdata), src);
    }
    for (const auto& s : cfg.srv_records) {
        auto owner = srv_owner(s.name, d);
        // RFC 2782: target "." = the service is decidedly not available here.
        auto target = s.target.empty() ? std::optional<Name>(Name()) : Name::parse(s.target);
        if (!owner || !target) continue;
        std::vector<uint8_t> rdata;
        put_u16(rdata, s.priority);
        put_u16(rdata, s.weight);
        put_u16(rdata, s.port);
        put_name(rdata, *target);
        b.add(*owner, rrtype::SRV, ttl, std::move(rdata), src);
    }
    for (const auto& t : cfg.txt_records) {
        auto owner = Name::parse(t.name);
        if (!owner) continue;
        // RFC 1035 §3.3.14: one or more <character-string>s of at most 255 octets.
        std::vector<uint8_t> rdata;
        for (const auto& text : t.texts) {
            size_t at = 0;
            do {
                size_t n = std::min<size_t>(255, text.size() - at);
                rdata.push_back(static_cast<uint8_t>(n));
                rdata.insert(rdata.end(), text.begin() + at, text.begin() + at + n);
                at += n;
            } while (at < text.size());
        }
        if (t.texts.empty()) rdata.push_back(0);  // TXT rdata holds at least one string
        b.add(*owner, rrtype::TXT, ttl, std::move(rdata), src);
    }
}

// Names exactly as written: a name without a dot answers as a bare name only (dnsmasq
// without --expand-hosts).
void add_hosts_file(const HostsFile& file, StaticData& d, Builder& b) {
    const std::string src = "hosts:" + file.path;
    for (const auto& entry : file.entries) {
        auto v4 = Ipv4::parse(entry.address);
        auto v6 = v4 ? std::nullopt : parse_ipv6(entry.address);
        if (!v4 && !v6) continue;
        std::optional<Name> first;
        for (const auto& text : entry.names) {
            auto name = Name::parse(text);
            if (!name || name->is_root()) continue;
            if (v4) {
                b.add(*name, rrtype::A, d.local_ttl, a_rdata(*v4), src);
            } else {
                b.add(*name, rrtype::AAAA, d.local_ttl,
                      std::vector<uint8_t>(v6->begin(), v6->end()), src);
            }
            if (!first) first = name;
        }
        if (v4 && first) b.add_ptr_if_absent(*v4, *first, d.local_ttl, src);
    }
}

void add_fixed_records(const ZoneInputs& in, StaticData& d, Builder& b) {
    // RFC 6761 §6.3: localhost is the loopback address, never looked up elsewhere.
    Name localhost = *Name::parse("localhost");
    b.add(localhost, rrtype::A, d.local_ttl, a_rdata(Ipv4::from_octets(127, 0, 0, 1)), "static");
    Ipv6 loopback{};
    loopback[15] = 1;
    b.add(localhost, rrtype::AAAA, d.local_ttl,
          std::vector<uint8_t>(loopback.begin(), loopback.end()), "static");
    b.add_ptr_if_absent(Ipv4::from_octets(127, 0, 0, 1), localhost, d.local_ttl, "static");
    for (Ipv4 own : in.own_addresses) b.add_ptr_if_absent(own, d.mname, d.local_ttl, "server");
}

void add_address_domains(const config::Config& cfg, StaticData& d) {
    for (const auto& a : cfg.addresses)
        if (auto name = Name::parse(a.domain); name && !name->is_root())
            d.address_domains.emplace(*name, a.addr);
}

// The label a name takes in the local domains: itself if it is bare, its first label
// if it sits directly below one of them.
std::optional<std::string> local_label(const Name& name, const StaticData& d) {
    size_t labels = name.label_count();
    if (labels == 1 || d.parent_domain(name) != StaticData::kNoDomain)
        return std::string(name.label(0));
    return std::nullopt;
}

void index_names(StaticData& d, std::string_view server) {
    for (const auto& [name, node] : d.nodes) {
        if (auto label = local_label(name, d)) d.static_labels.insert(*label);
        Name above = name.parent();
        while (!above.is_root()) {
            d.empty_non_terminals.insert(above);
            above = above.parent();
        }
    }
    for (const auto& [name, addr] : d.address_domains)
        if (auto label = local_label(name, d)) d.static_labels.insert(*label);
    // C6: names a client must never take over.
    for (const char* reserved : {"wpad", "isatap", "localhost"}) d.static_labels.insert(reserved);
    d.static_labels.insert(std::string(server));
    for (const auto& local : d.local_domains)
        d.static_labels.insert(std::string(local.name.label(0)));
}

std::string name_text_at(std::span<const uint8_t> rdata, size_t& pos) {
    std::string out;
    while (pos < rdata.size()) {
        uint8_t len = rdata[pos++];
        if (len == 0) return out.empty() ? "." : out;
        if (len > 63 || pos + len > rdata.size()) break;
        if (!out.empty()) out += '.';
        out.append(reinterpret_cast<const char*>(rdata.data() + pos), len);
        pos += len;
    }
    return out.empty() ? "." : out;
}

uint32_t u32_at(std::span<const uint8_t> rdata, size_t pos) {
    if (pos + 4 > rdata.size()) return 0;
    return uint32_t{rdata[pos]} << 24 | uint32_t{rdata[pos + 1]} << 16 |
           uint32_t{rdata[pos + 2]} << 8 | rdata[pos + 3];
}
uint16_t u16_at(std::span<const uint8_t> rdata, size_t pos) {
    if (pos + 2 > rdata.size()) return 0;
    return static_cast<uint16_t>(rdata[pos] << 8 | rdata[pos + 1]);
}

}  // namespace

bool rdata_has_names(uint16_t type) {
    switch (type) {
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::SOA:
        case rrtype::PTR:
        case rrtype::MX:
        case rrtype::SRV:
            return true;
        default:
            return false;
    }
}

Name reverse_name(Ipv4 addr) {
    char text[32];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u.in-addr.arpa", addr.value & 0xff,
                  (addr.value >> 8) & 0xff, (addr.value >> 16) & 0xff, addr.value >> 24);
    return *Name::parse(text);
}

std::optional<Prefix> parse_reverse_prefix(const Name& name) {
    static const Name kInAddrArpa = *Name::parse("in-addr.arpa");
    size_t labels = name.label_count();
    if (labels < 2 || labels > 6 || !name.is_subdomain_of(kInAddrArpa)) return std::nullopt;
    size_t octets = labels - 2;
    uint32_t value = 0;
    // The leftmost label is the last octet: "d.c.b.a" -> a.b.c.d.
    for (size_t i = 0; i < octets; ++i) {
        std::string_view label = name.label(octets - 1 - i);
        if (label.empty() || label.size() > 3 || (label.size() > 1 && label[0] == '0'))
            return std::nullopt;
        uint32_t octet = 0;
        for (char c : label) {
            if (c < '0' || c > '9') return std::nullopt;
            octet = octet * 10 + static_cast<uint32_t>(c - '0');
        }
        if (octet > 255) return std::nullopt;
        value |= octet << (24 - 8 * i);
    }
    return Prefix{Ipv4(value), static_cast<uint8_t>(8 * octets)};
}

std::optional<Ipv4> parse_reverse_name(const Name& name) {
    if (name.label_count() != 6) return std::nullopt;
    auto prefix = parse_reverse_prefix(name);
    if (!prefix) return std::nullopt;
    return prefix->network;
}

std::vector<Name> reverse_zone_apexes(std::span<const Prefix> subnets) {
    constexpr size_t kMaxZones = 256;
    std::vector<Name> out;
    for (const Prefix& subnet : subnets) {
        // The zone boundary: the prefix's own length if it is a multiple of 8, else the
        // next multiple of 8, so that every zone lies inside the prefix or encloses it
        // (never more than 128 zones per prefix); /25 and longer: the enclosing /24.
        uint8_t len = subnet.length;
        uint8_t boundary = static_cast<uint8_t>(std::clamp((len + 7) / 8 * 8, 8, 24));
        uint32_t count = len >= boundary ? 1u : 1u << (boundary - len);
        uint32_t base = subnet.network.value & Prefix::mask_for(std::min(len, boundary));
        for (uint32_t i = 0; i < count && out.size() < kMaxZones; ++i) {
            uint32_t net = base + (i << (32 - boundary));
            std::string text;
            for (int octet = boundary / 8 - 1; octet >= 0; --octet)
                text += std::to_string((net >> (24 - 8 * octet)) & 0xff) + ".";
            text += "in-addr.arpa";
            Name apex = *Name::parse(text);
            if (std::find(out.begin(), out.end(), apex) == out.end()) out.push_back(apex);
        }
    }
    return out;
}

std::string format_rdata(uint16_t type, std::span<const uint8_t> rdata) {
    size_t pos = 0;
    switch (type) {
        case rrtype::A:
            return rdata.size() == 4 ? Ipv4(u32_at(rdata, 0)).str() : "?";
        case rrtype::AAAA: {
            if (rdata.size() != 16) return "?";
            Ipv6 addr;
            std::copy(rdata.begin(), rdata.end(), addr.begin());
            return format_ipv6(addr);
        }
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            return name_text_at(rdata, pos);
        case rrtype::MX: {
            pos = 2;
            return std::to_string(u16_at(rdata, 0)) + " " + name_text_at(rdata, pos);
        }
        case rrtype::SRV: {
            pos = 6;
            return std::to_string(u16_at(rdata, 0)) + " " + std::to_string(u16_at(rdata, 2)) + " " +
                   std::to_string(u16_at(rdata, 4)) + " " + name_text_at(rdata, pos);
        }
        case rrtype::SOA: {
            std::string mname = name_text_at(rdata, pos);
            std::string rname = name_text_at(rdata, pos);
            std::string out = mname + " " + rname;
            for (int i = 0; i < 5; ++i) out += " " + std::to_string(u32_at(rdata, pos + 4 * i));
            return out;
        }
        case rrtype::TXT: {
            std::string out;
            while (pos < rdata.size()) {
                size_t n = rdata[pos++];
                if (!out.empty()) out += ' ';
                out += '"';
                for (size_t i = 0; i < n && pos < rdata.size(); ++i, ++pos) {
                    char c = static_cast<char>(rdata[pos]);
                    if (c == '"' || c == '\\') out += '\\';
                    out += c;
                }
                out += '"';
            }
            return out;
        }
        default:
            return "\\# " + std::to_string(rdata.size());
    }
}

StaticData build_static_data(const ZoneInputs& in) {
    const config::Config& cfg = *in.config;
    StaticData d;
    d.local_ttl = cfg.local_ttl;
    d.lease_ttl = cfg.dhcp_ttl.value_or(cfg.local_ttl);
    d.served_subnets = in.served_subnets;
    Builder b(d);
    add_zone_apexes(in, d, b);
    add_configured_records(cfg, d, b);
    for (const auto& file : in.hosts_files) add_hosts_file(file, d, b);
    add_fixed_records(in, d, b);
    add_address_domains(cfg, d);
    index_names(d, server_label(in.server_hostname));
    return d;
}

}  // namespace leasedns::dns::detail
