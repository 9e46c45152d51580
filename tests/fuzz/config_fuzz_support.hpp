// Shared by the two configuration fuzz targets: the machine they configure (lan0,
// 198.18.0.1/24) and the invariant both check on an accepted input.
#pragma once
#include <cstdlib>
#include <vector>

#include "leasedns/config/load.hpp"

namespace leasedns::fuzzing {

inline const std::vector<config::InterfaceAddress>& lan_interfaces() {
    static const std::vector<config::InterfaceAddress> ifs = [] {
        config::InterfaceAddress lan;
        lan.name = "lan0";
        lan.index = 2;
        lan.addr = Ipv4::from_octets(198, 18, 0, 1);
        lan.prefix = Prefix::of(lan.addr, 24);
        return std::vector<config::InterfaceAddress>{lan};
    }();
    return ifs;
}

// A refusal says why; an accepted configuration prints (--print-config) to TOML that
// is accepted again and prints identically.
inline void check_outcome(const Result<config::Config, config::ConfigError>& cfg) {
    if (!cfg) {
        if (cfg.error().message.empty()) std::abort();
        return;
    }
    std::string printed = config::to_toml(*cfg);
    auto again = config::load_toml_text(printed, "printed.toml", lan_interfaces());
    if (!again) std::abort();
    if (config::to_toml(*again) != printed) std::abort();
}

}  // namespace leasedns::fuzzing
