// The served subnets, built from the configured ranges: which pools (by index into the
// lease table's pool list) and lease times belong to each.
#pragma once
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"

namespace leasedns::dhcp {

struct Subnet {
    Prefix prefix;
    std::vector<size_t> pools;          // indices into config ranges == table pools
    std::vector<config::Range> ranges;  // same order as pools
    uint32_t default_lease_time = 43200;

    std::optional<size_t> pool_containing(Ipv4 a) const {
        for (size_t i = 0; i < ranges.size(); ++i)
            if (a >= ranges[i].start && a <= ranges[i].end) return pools[i];
        return std::nullopt;
    }
    uint32_t lease_time_for(Ipv4 a) const {
        for (const auto& r : ranges)
            if (a >= r.start && a <= r.end) return r.lease_time;
        return default_lease_time;
    }
};

class SubnetMap {
public:
    SubnetMap() = default;
    explicit SubnetMap(const std::vector<config::Range>& ranges) {
        for (size_t i = 0; i < ranges.size(); ++i) {
            const auto& r = ranges[i];
            Subnet* s = nullptr;
            for (auto& existing : subnets_)
                if (existing.prefix == r.subnet) s = &existing;
            if (!s) {
                subnets_.push_back(Subnet{r.subnet, {}, {}, r.lease_time});
                s = &subnets_.back();
            }
            s->pools.push_back(i);
            s->ranges.push_back(r);
        }
        // Most specific prefix first, so a /24 inside a /16 wins.
        std::stable_sort(subnets_.begin(), subnets_.end(), [](const Subnet& a, const Subnet& b) {
            return a.prefix.length > b.prefix.length;
        });
    }
    // Few subnets on a home LAN: a linear scan is the fastest structure here.
    const Subnet* find(Ipv4 a) const {
        for (const auto& s : subnets_)
            if (s.prefix.contains(a)) return &s;
        return nullptr;
    }
    const std::vector<Subnet>& all() const { return subnets_; }

private:
    std::vector<Subnet> subnets_;
};

}  // namespace leasedns::dhcp
