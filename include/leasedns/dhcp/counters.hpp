// Per-reason counters for the DHCP path: every dropped packet increments exactly one.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace leasedns::dhcp {

enum class DropReason : uint8_t {
    None = 0,
    Malformed,           // did not decode (reason in decode_errors)
    NotRequest,          // BOOTREPLY on the server port
    NoMessageType,       // BOOTP or missing option 53
    UnexpectedType,      // OFFER/ACK/NAK sent to a server
    NoSubnet,            // arrived on / relayed from a subnet we do not serve
    RelayInfoUnrelayed,  // option 82 without giaddr (RFC 3046 §2.1)
    IgnoredHost,         // a reservation says ignore
    PoolExhausted,       // no free address (or lease-max reached)
    OtherServer,         // REQUEST/RELEASE/DECLINE for another server
    NotOwner,            // RELEASE/DECLINE/RENEW of an address the sender does not hold
    NoRecord,            // INIT-REBOOT/RENEW for an address we know nothing of (silent)
    WrongAddress,        // non-authoritative: request for an address we cannot give (silent)
    MissingField,        // e.g. SELECTING REQUEST without option 50
    DeclineStorm,        // too many addresses in quarantine
    kCount
};
const char* name_of(DropReason r);

struct Counters {
    std::array<uint64_t, 9> received_by_type{};  // index = MessageType (1..8)
    std::array<uint64_t, static_cast<std::size_t>(DropReason::kCount)> dropped{};
    std::array<uint64_t, 16> decode_errors{};  // index = DecodeError
    uint64_t offers = 0, acks = 0, naks = 0, informs = 0;
    uint64_t releases = 0, declines = 0, conflicts = 0;
};

}  // namespace leasedns::dhcp
