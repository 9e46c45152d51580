// A lease and the identity of the client holding it.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/net.hpp"

namespace leasedns::leases {

// RFC 2131 §4.2: the client is identified by option 61 if present, else by
// (htype, chaddr). Stored inline (no heap) for the common sizes; longer ids are
// reduced to their first 24 bytes plus a 64-bit hash of the whole, still unique in practice.
class ClientId {
public:
    static constexpr size_t kInline = 32;
    ClientId() = default;
    static ClientId from_option61(Bytes value);
    static ClientId from_hardware(uint8_t htype, Bytes chaddr);
    Bytes bytes() const { return Bytes(data_.data(), size_); }
    bool empty() const { return size_ == 0; }
    std::string str() const;  // hex "01:aa:bb:..."
    // Inverse of str(), for the journal and the control socket.
    static bool parse(std::string_view hex, ClientId& out);
    bool operator==(const ClientId& o) const {
        return size_ == o.size_ &&
               std::equal(data_.begin(), data_.begin() + size_, o.data_.begin());
    }
    size_t hash() const;

private:
    uint8_t size_ = 0;
    std::array<uint8_t, kInline> data_{};
};

enum class LeaseState : uint8_t {
    Offered = 1,   // held for a client between OFFER and REQUEST; never journaled
    Bound = 2,     // acknowledged
    Declined = 3,  // quarantined after DECLINE or a ping conflict; no client
};

struct Lease {
    Ipv4 addr;
    LeaseState state = LeaseState::Bound;
    ClientId client;
    Mac mac;
    std::string hostname;     // sanitised label, empty when none
    WallSeconds expires = 0;  // absolute; 0 = never (infinite lease)
    WallSeconds granted = 0;  // when last bound/renewed
};

}  // namespace leasedns::leases

template <>
struct std::hash<leasedns::leases::ClientId> {
    size_t operator()(const leasedns::leases::ClientId& c) const noexcept { return c.hash(); }
};
