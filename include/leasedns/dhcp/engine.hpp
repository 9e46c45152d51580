// The RFC 2131 server state machine: a decoded request and the time in, a Decision out
// (a reply and where to send it, whether a lease change must reach the disk first, or a
// reason for silence). Lease changes go to the LeaseTable, which publishes events.
// No sockets, no clock reads, no files: the io/ layer does all of that.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dhcp/counters.hpp"
#include "leasedns/dhcp/message.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::dhcp {

// Where a request came in (filled by io/ from IP_PKTINFO).
struct Arrival {
    int ifindex = 0;
    Ipv4 local_addr;   // our address the request was addressed to or arrived on
    Ipv4 source_addr;  // IP source of the datagram
    uint16_t source_port = 68;
    bool to_broadcast = false;  // destination was a broadcast address
};

// RFC 2131 §4.1 reply addressing.
enum class Destination : uint8_t {
    Relay,            // giaddr, port 67
    Client,           // ciaddr, port 68
    Broadcast,        // 255.255.255.255, port 68, out of the arrival interface
    UnicastHardware,  // yiaddr at chaddr, port 68: needs an ARP entry (client has no address)
};

enum class Verdict : uint8_t {
    Drop,   // nothing to send (reason in `drop`)
    Reply,  // send `reply`
};

struct Decision {
    Verdict verdict = Verdict::Drop;
    DropReason drop = DropReason::None;
    Message reply;
    Destination destination = Destination::Broadcast;
    Ipv4 destination_addr;  // meaningful for Relay, Client, UnicastHardware
    Mac destination_mac;    // for UnicastHardware
    size_t max_reply_size = 576;
    // A lease change was made by this request: the reply may leave only after the journal
    // holding that change is on disk.
    bool needs_durability = false;
    // Before sending this OFFER, check that nobody answers an ICMP echo for the address
    // (a conflict is reported back with Engine::report_conflict).
    bool probe_first = false;
    std::string log_line;  // "DHCPACK(198.18.0.5) aa:bb:.. name" when a log is wanted
};

class Engine {
public:
    // `own_addresses`: the server's addresses (never handed out; a server id must be one).
    Engine(const config::Config& config, std::span<const Ipv4> own_addresses,
           leases::LeaseTable& table);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Applies a new configuration (reload): pools and reservations are rebuilt, leases kept.
    void reconfigure(const config::Config& config, std::span<const Ipv4> own_addresses);

    // The returned Decision is owned by the engine and valid until the next call.
    const Decision& handle(const Message& request, const Arrival& arrival, WallSeconds now);

    // ROBUSTNESS C6: static names always win over DHCP. `is_reserved_elsewhere(label)` says
    // whether the DNS side answers `label` statically (configuration, hosts files, the
    // server's own name, the zone apex: dns::Zone::is_static_label); such a name is never
    // registered for a client, except a reservation's own name for that reservation's
    // client. A std::function keeps this module free of any dependency on dns/. The guard
    // survives reconfigure(); an empty function removes it.
    using NameGuard = std::function<bool(std::string_view label)>;
    void set_name_guard(NameGuard is_reserved_elsewhere);

    // An ICMP probe found `addr` in use: quarantine it like a DECLINE (ROBUSTNESS B12).
    void report_conflict(Ipv4 addr, WallSeconds now);

    const Counters& counters() const { return counters_; }
    Counters& counters() { return counters_; }

private:
    friend class EngineLogic;
    struct State;
    std::unique_ptr<State> state_;
    Counters counters_;
};

}  // namespace leasedns::dhcp
