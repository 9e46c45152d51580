// The machine's IPv4 interface addresses (getifaddrs), for configuration defaults and
// for knowing which of our addresses a request arrived on.
#pragma once
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"

namespace leasedns::io {

std::vector<config::InterfaceAddress> list_interfaces();

}  // namespace leasedns::io
