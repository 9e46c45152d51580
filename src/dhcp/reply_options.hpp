// Chooses and orders the options of a reply (RFC 2131 §4.3.1, RFC 2132 §9.8): the fixed
// ones first (53, 54, lease times), then what the client asked for in option 55 in its
// order, then forced options, the echoed client id (RFC 6842) and relay info (RFC 3046:
// last). The encoder skips whatever does not fit, so this order is also the priority.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/dhcp/message.hpp"

namespace leasedns::dhcp {

struct ReplyOptionInputs {
    MessageType type;
    Ipv4 server_id;
    Prefix subnet;
    std::optional<uint32_t> lease_time;  // none for INFORM and NAK
    std::string_view domain;
    std::string_view hostname;            // option 12 to send, empty = none
    std::span<const uint8_t> fqdn_reply;  // option 81 to send, empty = none
    bool dns_enabled = false;             // send ourselves as option 6 unless configured
    std::span<const config::OptionSetting> configured;
    std::string_view nak_message;
};

// Fills reply.options from `request` (its 55, 61, 82) and `in`.
void build_reply_options(const Message& request, const ReplyOptionInputs& in, Message& reply);

}  // namespace leasedns::dhcp
