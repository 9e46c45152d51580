// The DHCPv4 message (RFC 2131 §2) as a typed value, with its options decoded.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::dhcp {

enum class MessageType : uint8_t {
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
};
const char* name_of(MessageType t);

// Option codes used by name in the code (RFC 2132 and later).
namespace opt {
constexpr uint8_t kPad = 0;
constexpr uint8_t kSubnetMask = 1;
constexpr uint8_t kRouter = 3;
constexpr uint8_t kDnsServers = 6;
constexpr uint8_t kHostName = 12;
constexpr uint8_t kDomainName = 15;
constexpr uint8_t kInterfaceMtu = 26;
constexpr uint8_t kBroadcastAddress = 28;
constexpr uint8_t kNtpServers = 42;
constexpr uint8_t kRequestedAddress = 50;
constexpr uint8_t kLeaseTime = 51;
constexpr uint8_t kOverload = 52;
constexpr uint8_t kMessageType = 53;
constexpr uint8_t kServerId = 54;
constexpr uint8_t kParameterList = 55;
constexpr uint8_t kMessage = 56;
constexpr uint8_t kMaxMessageSize = 57;
constexpr uint8_t kRenewalTime = 58;
constexpr uint8_t kRebindingTime = 59;
constexpr uint8_t kVendorClass = 60;
constexpr uint8_t kClientId = 61;
constexpr uint8_t kRapidCommit = 80;
constexpr uint8_t kClientFqdn = 81;
constexpr uint8_t kRelayAgent = 82;
constexpr uint8_t kDomainSearch = 119;
constexpr uint8_t kClasslessRoutes = 121;
constexpr uint8_t kEnd = 255;
}  // namespace opt

// Decoded options. Each code appears once; its value is the concatenation of every
// instance in the packet, in order (RFC 3396), so values may exceed 255 bytes.
// Storage is reused across decodes: clear() keeps capacity (no per-packet heap churn).
class Options {
public:
    Options() { clear(); }

    void clear();
    bool has(uint8_t code) const { return slots_[code].present; }
    std::optional<Bytes> get(uint8_t code) const;
    // Replaces any previous value; the option moves to the end of codes().
    void set(uint8_t code, Bytes value);
    // Appends to an existing value (RFC 3396 concatenation), or adds the option.
    void append(uint8_t code, Bytes value);
    void remove(uint8_t code);
    // Codes in order of first appearance (decode) or insertion (set).
    const std::vector<uint8_t>& codes() const { return order_; }

    std::optional<uint8_t> get_u8(uint8_t code) const;    // exactly 1 byte
    std::optional<uint16_t> get_u16(uint8_t code) const;  // exactly 2 bytes
    std::optional<uint32_t> get_u32(uint8_t code) const;  // exactly 4 bytes
    std::optional<Ipv4> get_ipv4(uint8_t code) const;     // exactly 4 bytes
    void set_u8(uint8_t code, uint8_t v);
    void set_u32(uint8_t code, uint32_t v);
    void set_ipv4(uint8_t code, Ipv4 v);
    void set_ipv4_list(uint8_t code, const std::vector<Ipv4>& list);

    bool operator==(const Options& other) const;

private:
    struct Slot {
        uint32_t offset = 0;
        uint32_t length = 0;
        bool present = false;
    };
    std::vector<uint8_t> storage_;
    std::array<Slot, 256> slots_{};
    std::vector<uint8_t> order_;
};

struct Message {
    static constexpr uint8_t kBootRequest = 1;
    static constexpr uint8_t kBootReply = 2;
    static constexpr uint16_t kBroadcastFlag = 0x8000;

    uint8_t op = kBootRequest;
    uint8_t htype = 1;  // Ethernet
    uint8_t hlen = 6;
    uint8_t hops = 0;
    uint32_t xid = 0;
    uint16_t secs = 0;
    uint16_t flags = 0;
    Ipv4 ciaddr, yiaddr, siaddr, giaddr;
    std::array<uint8_t, 16> chaddr{};
    std::array<uint8_t, 64> sname{};
    std::array<uint8_t, 128> file{};
    Options options;

    std::optional<MessageType> type() const;
    bool broadcast_flag() const { return (flags & kBroadcastFlag) != 0; }
    // The first six chaddr octets (meaningful when htype 1, hlen 6).
    Mac mac() const;
    void set_mac(const Mac& m);

    bool operator==(const Message& other) const = default;
};

}  // namespace leasedns::dhcp
