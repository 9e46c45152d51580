// Where forwarded queries go: resolv.conf parsing and the grouping of --server/--local
// entries by domain (dnsmasq(8) --server=/domain/addr). Pure: the resolv.conf text and
// our own endpoints are handed in by io/.
#include <algorithm>
#include <string_view>

#include "leasedns/dns/forwarder.hpp"

namespace leasedns::dns {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// The next whitespace-separated word of `line`, consumed from it.
std::string_view next_word(std::string_view& line) {
    size_t start = 0;
    while (start < line.size() && is_space(line[start])) ++start;
    size_t end = start;
    while (end < line.size() && !is_space(line[end])) ++end;
    std::string_view word = line.substr(start, end - start);
    line.remove_prefix(end);
    return word;
}

// An own endpoint 0.0.0.0:port (a wildcard socket) also answers on every loopback address.
bool is_own(const Endpoint& server, std::span<const Endpoint> own_endpoints) {
    constexpr uint32_t kLoopbackNet = 0x7f000000u;
    for (const auto& own : own_endpoints) {
        if (own == server) return true;
        bool loopback = (server.addr.value & 0xff000000u) == kLoopbackNet;
        if (own.addr.is_zero() && own.port == server.port && loopback) return true;
    }
    return false;
}

void add_unique(std::vector<Endpoint>& servers, Endpoint e) {
    if (std::find(servers.begin(), servers.end(), e) == servers.end()) servers.push_back(e);
}

UpstreamGroup& group_for(std::vector<UpstreamGroup>& groups, const Name& domain) {
    for (auto& g : groups) {
        if (g.domain == domain) return g;
    }
    groups.push_back(UpstreamGroup{domain, {}, false});
    return groups.back();
}

}  // namespace

// resolv.conf(5): "nameserver ADDR" lines; '#' and ';' start comments. IPv6 servers and
// anything unparsable are ignored (IPv4 upstreams only for now).
std::vector<Endpoint> parse_resolv_conf(std::string_view text) {
    std::vector<Endpoint> servers;
    while (!text.empty()) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        size_t comment = line.find_first_of("#;");
        if (comment != std::string_view::npos) line = line.substr(0, comment);
        if (next_word(line) != "nameserver") continue;
        std::string_view addr_text = next_word(line);
        if (!next_word(line).empty()) continue;  // trailing junk: not a line we understand
        if (auto addr = Ipv4::parse(addr_text)) add_unique(servers, Endpoint{*addr, 53});
    }
    return servers;
}

std::vector<UpstreamGroup> build_upstream_groups(const config::Config& config,
                                                 std::span<const Endpoint> resolv_servers,
                                                 std::span<const Endpoint> own_endpoints) {
    std::vector<UpstreamGroup> groups;
    groups.push_back(UpstreamGroup{Name(), {}, false});  // the default group, always first

    bool default_given = false;
    for (const auto& s : config.servers) {
        auto domain = s.domain.empty() ? std::optional<Name>(Name()) : Name::parse(s.domain);
        if (!domain) continue;  // config validated it; a name we cannot hold is skipped
        if (s.domain.empty()) default_given = default_given || s.addr.has_value();
        UpstreamGroup& g = group_for(groups, *domain);
        if (s.addr) {
            add_unique(g.servers, Endpoint{*s.addr, s.port});
        } else if (!domain->is_root()) {
            g.local_only = true;  // --server=/domain/ without an address
        }
    }
    for (const auto& d : config.local_domains) {
        if (auto domain = Name::parse(d); domain && !domain->is_root()) {
            group_for(groups, *domain).local_only = true;
        }
    }
    if (!default_given && !config.no_resolv) {
        for (const auto& e : resolv_servers) add_unique(groups.front().servers, e);
    }

    // F7: a server that is one of our own listening endpoints would loop queries back to us.
    for (auto& g : groups) {
        std::erase_if(g.servers, [&](const Endpoint& e) { return is_own(e, own_endpoints); });
    }
    return groups;
}

}  // namespace leasedns::dns
