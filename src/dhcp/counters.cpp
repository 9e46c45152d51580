#include "leasedns/dhcp/counters.hpp"

namespace leasedns::dhcp {

const char* name_of(DropReason r) {
    switch (r) {
        case DropReason::None:
            return "none";
        case DropReason::Malformed:
            return "malformed";
        case DropReason::NotRequest:
            return "not-a-request";
        case DropReason::NoMessageType:
            return "no-message-type";
        case DropReason::UnexpectedType:
            return "unexpected-type";
        case DropReason::NoSubnet:
            return "no-subnet";
        case DropReason::RelayInfoUnrelayed:
            return "relay-info-without-relay";
        case DropReason::IgnoredHost:
            return "ignored-host";
        case DropReason::PoolExhausted:
            return "pool-exhausted";
        case DropReason::OtherServer:
            return "other-server";
        case DropReason::NotOwner:
            return "not-owner";
        case DropReason::NoRecord:
            return "no-record";
        case DropReason::WrongAddress:
            return "wrong-address";
        case DropReason::MissingField:
            return "missing-field";
        case DropReason::DeclineStorm:
            return "decline-storm";
        case DropReason::kCount:
            break;
    }
    return "?";
}

}  // namespace leasedns::dhcp
