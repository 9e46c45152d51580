#include "leasedns/io/interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace leasedns::io {

std::vector<config::InterfaceAddress> list_interfaces() {
    std::vector<config::InterfaceAddress> out;
    ifaddrs* head = nullptr;
    if (getifaddrs(&head) != 0) return out;
    for (ifaddrs* i = head; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask) continue;
        auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
        auto* m = reinterpret_cast<sockaddr_in*>(i->ifa_netmask);
        config::InterfaceAddress ia;
        ia.name = i->ifa_name;
        ia.index = static_cast<int>(if_nametoindex(i->ifa_name));
        ia.addr = Ipv4(ntohl(a->sin_addr.s_addr));
        auto len = Prefix::length_of_mask(Ipv4(ntohl(m->sin_addr.s_addr)));
        ia.prefix = Prefix::of(ia.addr, len.value_or(32));
        ia.loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
        out.push_back(ia);
    }
    freeifaddrs(head);
    return out;
}

}  // namespace leasedns::io
