// The one in-memory lease table: O(1) lookup by address, client identity and host name,
// an expiry schedule that never scans the table, and synchronous events to subscribers.
// Pure: no I/O, time is a parameter.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "leasedns/leases/events.hpp"
#include "leasedns/leases/lease.hpp"
#include "leasedns/leases/pool.hpp"

namespace leasedns::leases {

struct PoolRange {
    Ipv4 first, last;
};

class LeaseTable {
public:
    LeaseTable();
    ~LeaseTable();
    LeaseTable(const LeaseTable&) = delete;
    LeaseTable& operator=(const LeaseTable&) = delete;

    // Dynamic ranges, indexed by position (the engine refers to them by index), and
    // addresses inside them that are never handed out dynamically (the server's own,
    // reserved ones). Existing entries keep their addresses and stay marked used.
    void set_pools(std::span<const PoolRange> ranges, std::span<const Ipv4> excluded);
    size_t pool_count() const;
    const AddressPool& pool(size_t index) const;

    // --- queries (O(1)) ---
    const Lease* find_by_addr(Ipv4 addr) const;
    // Offered or Bound entry of this client (never Declined ones).
    const Lease* find_by_client(const ClientId& client) const;
    // Bound entry whose hostname equals `label` (lower case).
    const Lease* find_by_name(std::string_view label) const;
    size_t bound_count() const;
    size_t entry_count() const;  // all states
    void for_each(const std::function<void(const Lease&)>& fn) const;

    // A free address in pool `index`, near `hint` (see AddressPool::pick). Free means no
    // entry of any state, not excluded.
    std::optional<Ipv4> pick_free(size_t pool_index, uint64_t hint) const;
    bool is_free(Ipv4 addr) const;  // no entry and not excluded (addresses outside pools: no entry)

    // --- changes ---
    // Holds `addr` for `client` until `until`. Replaces the client's previous offer.
    // Silent: no event, not journaled. Returns false if addr is held by someone else.
    bool hold_offer(Ipv4 addr, const ClientId& client, const Mac& mac, WallSeconds until);
    // Binds `lease` (state forced to Bound). If the same client already has Bound at the
    // same address -> Renewed, else Granted; the client's other entries (an offer, or a
    // lease on another address -> Released event) are removed first. Fails (false) if
    // the address is held by another client's Offered/Bound entry or Declined.
    bool bind(const Lease& lease);
    // Removes a Bound/Offered entry of `client` at `addr` (Released for Bound).
    bool release(Ipv4 addr, const ClientId& client);
    // Operator removal (leasectl lease release): Released event regardless of client.
    bool remove(Ipv4 addr);
    // Quarantines `addr` until `until` (Declined event if a Bound lease was there).
    void decline(Ipv4 addr, WallSeconds until);
    // Restores a journaled entry (Bound or Declined) without publishing events.
    void restore(const Lease& lease);
    // Removes every entry whose expiry <= now (0 = never), at most `max` of them
    // (bounded slices, ROBUSTNESS J4). Expired events for Bound ones. Returns count.
    size_t expire_due(WallSeconds now, size_t max);
    // Moves every expiry and grant time by `delta` seconds (entries that never expire stay
    // so; none is moved to or before the epoch): the wall clock jumped while the leases'
    // lifetimes went on (ROBUSTNESS D8: a Pi without a real-time clock when NTP sets its
    // time), so each entry keeps its remaining lifetime. No events: no entry appears or goes.
    void shift_times(int64_t delta);
    // Earliest expiry among all entries, for arming one timer.
    std::optional<WallSeconds> next_expiry() const;

    void subscribe(LeaseListener* listener);
    void unsubscribe(LeaseListener* listener);

    // Approximate heap bytes used by the table and its indices (for the microbenchmark).
    size_t memory_bytes() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace leasedns::leases
