#include "reply_options.hpp"

#include <array>

namespace leasedns::dhcp {

namespace {

// What we can supply ourselves when the client asks (or by default when it sends no 55).
bool add_builtin(uint8_t code, const ReplyOptionInputs& in, Message& reply) {
    switch (code) {
        case opt::kSubnetMask:
            reply.options.set_ipv4(code, in.subnet.mask());
            return true;
        case opt::kBroadcastAddress:
            reply.options.set_ipv4(code, in.subnet.broadcast());
            return true;
        case opt::kDomainName:
            if (in.domain.empty()) return false;
            reply.options.set(code, as_bytes(in.domain));
            return true;
        case opt::kDnsServers:
            if (!in.dns_enabled) return false;
            reply.options.set_ipv4(code, in.server_id);
            return true;
        case opt::kHostName:
            if (in.hostname.empty()) return false;
            reply.options.set(code, as_bytes(in.hostname));
            return true;
        default:
            return false;
    }
}

const config::OptionSetting* find_configured(uint8_t code, const ReplyOptionInputs& in) {
    // A subnet-specific setting beats a global one, whatever the order in the file.
    const config::OptionSetting* global = nullptr;
    for (const auto& o : in.configured) {
        if (o.code != code) continue;
        if (o.subnet) {
            if (*o.subnet == in.subnet) return &o;
        } else if (!global) {
            global = &o;
        }
    }
    return global;
}

bool is_fixed(uint8_t code) {
    switch (code) {
        case opt::kPad:
        case opt::kEnd:
        case opt::kMessageType:
        case opt::kServerId:
        case opt::kLeaseTime:
        case opt::kRenewalTime:
        case opt::kRebindingTime:
        case opt::kOverload:
        case opt::kClientId:
        case opt::kRelayAgent:
        case opt::kClientFqdn:
        case opt::kMessage:
        case opt::kParameterList:
        case opt::kRequestedAddress:
        case opt::kRapidCommit:
        case opt::kMaxMessageSize:
            return true;
        default:
            return false;
    }
}

void add_one(uint8_t code, const ReplyOptionInputs& in, Message& reply) {
    if (is_fixed(code) || reply.options.has(code)) return;
    if (const auto* c = find_configured(code, in)) {
        reply.options.set(code, Bytes(c->value));
        return;
    }
    add_builtin(code, in, reply);
}

}  // namespace

void build_reply_options(const Message& request, const ReplyOptionInputs& in, Message& reply) {
    reply.options.clear();
    reply.options.set_u8(opt::kMessageType, static_cast<uint8_t>(in.type));
    reply.options.set_ipv4(opt::kServerId, in.server_id);

    if (in.type == MessageType::Nak) {
        if (!in.nak_message.empty()) reply.options.set(opt::kMessage, as_bytes(in.nak_message));
    } else {
        if (in.lease_time) {
            uint32_t t = *in.lease_time;
            reply.options.set_u32(opt::kLeaseTime, t);
            if (t != config::kInfiniteLease) {
                // RFC 2131 §4.4.5 defaults: T1 = 0.5, T2 = 0.875 of the lease.
                reply.options.set_u32(opt::kRenewalTime, t / 2);
                reply.options.set_u32(opt::kRebindingTime, static_cast<uint32_t>(t * 7ull / 8));
            }
        }
        if (!in.fqdn_reply.empty()) reply.options.set(opt::kClientFqdn, Bytes(in.fqdn_reply));

        // The subnet mask goes first: RFC 2132 §3.3 asks for it before the router option.
        add_one(opt::kSubnetMask, in, reply);
        auto prl = request.options.get(opt::kParameterList);
        if (prl && !prl->empty()) {
            for (uint8_t code : *prl) add_one(code, in, reply);
        } else {
            // No parameter list (BOOTP-style or minimal clients): the basics.
            for (uint8_t code : {opt::kRouter, opt::kDnsServers, opt::kDomainName,
                                 opt::kBroadcastAddress, opt::kHostName})
                add_one(code, in, reply);
            for (const auto& c : in.configured) add_one(c.code, in, reply);
        }
        for (const auto& c : in.configured)
            if (c.force) add_one(c.code, in, reply);
        // The host name we assigned is worth telling even if not asked for (dnsmasq does).
        if (!in.hostname.empty() && !reply.options.has(opt::kHostName))
            add_builtin(opt::kHostName, in, reply);
    }
    // RFC 6842: echo the client identifier.
    if (auto id = request.options.get(opt::kClientId)) reply.options.set(opt::kClientId, *id);
    // RFC 3046 §2.2: relay agent information echoed unchanged, as the last option.
    if (auto ri = request.options.get(opt::kRelayAgent)) reply.options.set(opt::kRelayAgent, *ri);
}

}  // namespace leasedns::dhcp
