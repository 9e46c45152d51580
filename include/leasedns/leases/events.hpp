// Lease events, published synchronously by the table to its subscribers (the journal now,
// the DNS zone, the lease script and the DDNS pusher later).
#pragma once
#include "leasedns/leases/lease.hpp"

namespace leasedns::leases {

enum class EventKind : uint8_t {
    Granted,   // a client newly bound this address
    Renewed,   // same client, same address, new expiry (host name may have changed)
    Released,  // client released it, or it was superseded/removed by the operator
    Expired,   // expiry time passed without renewal
    Declined,  // client declined it (or a ping conflict): now quarantined
};
const char* name_of(EventKind k);

struct LeaseEvent {
    EventKind kind;
    const Lease& lease;             // state after the change (for Released/Expired: the last state)
    std::string_view old_hostname;  // Renewed: the name before (may equal lease.hostname)
};

class LeaseListener {
public:
    virtual ~LeaseListener() = default;
    virtual void on_lease_event(const LeaseEvent& event) = 0;
};

}  // namespace leasedns::leases
