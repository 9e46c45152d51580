// A machine with one LAN interface (lan0, 198.18.0.1/24) and loopback, for the
// configuration tests; load() is given no default file so nothing is read from /etc.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "leasedns/config/load.hpp"

namespace leasedns::testing {

inline std::vector<config::InterfaceAddress> lan_interfaces() {
    config::InterfaceAddress lo{"lo", 1, Ipv4::from_octets(127, 0, 0, 1), {}, true};
    lo.prefix = Prefix::of(lo.addr, 8);
    config::InterfaceAddress lan{"lan0", 2, Ipv4::from_octets(198, 18, 0, 1), {}, false};
    lan.prefix = Prefix::of(lan.addr, 24);
    return {lo, lan};
}

inline Result<config::Loaded, config::ConfigError> load_args(std::vector<std::string> args) {
    return config::load(args, lan_interfaces(), "");
}

inline config::Config load_ok(std::vector<std::string> args) {
    auto r = load_args(args);
    if (!r) FAIL_CHECK(r.error().message);
    REQUIRE(r.ok());
    return r->config;
}

inline std::string load_error(std::vector<std::string> args) {
    auto r = load_args(args);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace leasedns::testing
