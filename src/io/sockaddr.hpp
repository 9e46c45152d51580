// IPv4 socket addresses from our host-order value types (one definition for every socket).
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

#include "leasedns/core/net.hpp"

namespace leasedns::io {

inline sockaddr_in to_sockaddr(Ipv4 addr, uint16_t port) {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    s.sin_addr.s_addr = htonl(addr.value);
    return s;
}

}  // namespace leasedns::io
