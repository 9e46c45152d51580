// Builds the messages a DHCP client sends in each RFC 2131 state, in-process, no sockets.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "leasedns/dhcp/message.hpp"

namespace leasedns::testing {

using dhcp::Message;
using dhcp::MessageType;
namespace opt = dhcp::opt;

struct TestClient {
    Mac mac;
    uint32_t xid = 0x1000;
    std::vector<uint8_t> client_id;  // option 61, empty = none
    std::string hostname;            // option 12, empty = none
    std::vector<uint8_t> parameter_list{1, 3, 6, 15, 28, 51, 58, 59};
    bool broadcast = false;
    Ipv4 giaddr;  // set to act as if relayed

    explicit TestClient(uint8_t last_octet) {
        mac = Mac{{0x02, 0x00, 0x00, 0x00, 0x00, last_octet}};
        xid = 0x1000u + last_octet;
    }

    Message base(MessageType type) const {
        Message m;
        m.op = Message::kBootRequest;
        m.xid = xid;
        m.set_mac(mac);
        m.giaddr = giaddr;
        if (!giaddr.is_zero()) m.hops = 1;
        if (broadcast) m.flags = Message::kBroadcastFlag;
        m.options.set_u8(opt::kMessageType, static_cast<uint8_t>(type));
        if (!client_id.empty()) m.options.set(opt::kClientId, Bytes(client_id));
        if (!hostname.empty()) m.options.set(opt::kHostName, as_bytes(hostname));
        if (type != MessageType::Release && type != MessageType::Decline)
            m.options.set(opt::kParameterList, Bytes(parameter_list));
        return m;
    }
    Message discover() const { return base(MessageType::Discover); }
    // SELECTING: server id + requested address, ciaddr 0.
    Message request_selecting(Ipv4 server, Ipv4 addr) const {
        Message m = base(MessageType::Request);
        m.options.set_ipv4(opt::kServerId, server);
        m.options.set_ipv4(opt::kRequestedAddress, addr);
        return m;
    }
    // INIT-REBOOT: requested address, no server id, ciaddr 0.
    Message request_init_reboot(Ipv4 addr) const {
        Message m = base(MessageType::Request);
        m.options.set_ipv4(opt::kRequestedAddress, addr);
        return m;
    }
    // RENEWING (unicast) and REBINDING (broadcast) look the same on the wire: ciaddr set.
    Message request_renewing(Ipv4 ciaddr) const {
        Message m = base(MessageType::Request);
        m.ciaddr = ciaddr;
        return m;
    }
    Message release(Ipv4 server, Ipv4 addr) const {
        Message m = base(MessageType::Release);
        m.ciaddr = addr;
        m.options.set_ipv4(opt::kServerId, server);
        return m;
    }
    Message decline(Ipv4 server, Ipv4 addr) const {
        Message m = base(MessageType::Decline);
        m.options.set_ipv4(opt::kServerId, server);
        m.options.set_ipv4(opt::kRequestedAddress, addr);
        return m;
    }
    Message inform(Ipv4 ciaddr) const {
        Message m = base(MessageType::Inform);
        m.ciaddr = ciaddr;
        return m;
    }
};

inline Ipv4 ip(const char* text) {
    return *Ipv4::parse(text);
}

}  // namespace leasedns::testing
