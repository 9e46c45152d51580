// The lease table. Every entry lives in one slab slot; three SlotIndex tables map address,
// client id and host name to slots; an indexed heap orders slots by expiry. Invariants
// (checked by tests/unit/leases/test_leases_table.cpp):
// - one entry per address; its address is taken in every pool containing it;
// - a client has at most one Bound and one Offered entry; the client index points at the
//   Bound one if any, and the two are linked through SlotMeta::link;
// - Declined entries carry no client and no host name (the address is nobody's);
// - a name belongs to at most one Bound entry (case-insensitive). The first holder keeps
//   it (RFC 4703 spirit, ROBUSTNESS C7): a lease bound with a name held by another
//   Bound lease is stored without a name;
// - every entry with an expiry is in the heap exactly once.
// Events are published after the indices are updated and before a removed entry's slot
// is reused, so `event.lease` is valid for the whole callback. Listeners must not change
// the table from inside a callback.
#include "leasedns/leases/table.hpp"

#include <algorithm>

#include "expiry_heap.hpp"
#include "slab.hpp"
#include "slot_index.hpp"

namespace leasedns::leases {

using detail::Entry;
using detail::kFreeSlot;
using detail::kNoSlot;
using detail::mix64;
using detail::SlotIndex;

namespace {

uint64_t hash_addr(Ipv4 a) {
    return mix64(a.value);
}
uint64_t hash_client(const ClientId& c) {
    return mix64(c.hash());
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// Host names compare without regard to ASCII case (RFC 4343; ROBUSTNESS C8).
uint64_t hash_name(std::string_view s) {
    uint64_t h = 0x243f6a8885a308d3ull ^ s.size();
    uint64_t word = 0;
    unsigned k = 0;
    for (char c : s) {
        word |= uint64_t{static_cast<uint8_t>(lower(c))} << (8 * k);
        if (++k == 8) {
            h = mix64(h ^ word);
            word = 0;
            k = 0;
        }
    }
    return mix64(h ^ word);
}

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// Heap bytes held by a string outside its own object (0 while it fits the SSO buffer).
size_t heap_cost(const std::string& s) {
    static const size_t kSso = std::string().capacity();
    return s.capacity() > kSso ? s.capacity() + 1 : 0;
}

}  // namespace

struct LeaseTable::Impl {
    struct HeapPosition {
        detail::Slab* slab;
        uint32_t& operator()(uint32_t slot) const { return slab->meta(slot).heap_pos; }
    };

    detail::Slab slab{SlotIndex::kMaxSlots};
    SlotIndex by_addr, by_client, by_name;
    detail::ExpiryHeap<HeapPosition> schedule{HeapPosition{&slab}};
    std::vector<AddressPool> pools;
    std::vector<Ipv4> excluded;  // sorted
    std::vector<LeaseListener*> listeners;
    size_t bound = 0, entries = 0;
    size_t string_bytes = 0;  // host names longer than the SSO buffer
    std::string old_name;     // reused for Renewed/Declined events (no per-event allocation)

    Lease& lease(uint32_t s) { return slab[s].lease; }

    auto addr_hash() {
        return [this](uint32_t s) { return hash_addr(slab[s].lease.addr); };
    }
    auto client_hash() {
        return [this](uint32_t s) { return hash_client(slab[s].lease.client); };
    }
    auto name_hash() {
        return [this](uint32_t s) { return hash_name(slab[s].lease.hostname); };
    }
    // For the indices: the entry of `s` (both of the cache lines a 96-byte lease may
    // span) will be read soon.
    auto prefetch_entry() {
        return [this](uint32_t s) {
            const char* p = reinterpret_cast<const char*>(&slab[s].lease);
            __builtin_prefetch(p);
            __builtin_prefetch(p + sizeof(Lease) - 1);
        };
    }

    uint32_t slot_of_addr(Ipv4 a) const {
        return by_addr.find(hash_addr(a), [&](uint32_t s) { return slab[s].lease.addr == a; });
    }
    uint32_t slot_of_client(const ClientId& c) const {
        return by_client.find(hash_client(c),
                              [&](uint32_t s) { return slab[s].lease.client == c; });
    }
    uint32_t slot_of_name(std::string_view n) const {
        if (n.empty()) return kNoSlot;
        return by_name.find(hash_name(n),
                            [&](uint32_t s) { return same_name(slab[s].lease.hostname, n); });
    }
    uint32_t bound_of(const ClientId& c) {
        uint32_t p = slot_of_client(c);
        return (p != kNoSlot && lease(p).state == LeaseState::Bound) ? p : kNoSlot;
    }
    uint32_t offer_of(const ClientId& c) {
        uint32_t p = slot_of_client(c);
        if (p == kNoSlot || lease(p).state == LeaseState::Offered) return p;
        return slab.meta(p).link;  // the offer beside the lease, if any
    }
    // The name a lease may carry: `wanted` unless another Bound entry holds it.
    std::string_view name_for(std::string_view wanted, uint32_t self) const {
        uint32_t holder = slot_of_name(wanted);
        return (holder == kNoSlot || holder == self) ? wanted : std::string_view{};
    }

    bool is_excluded(Ipv4 a) const {
        return std::binary_search(excluded.begin(), excluded.end(), a);
    }
    void take(Ipv4 a) {
        for (auto& p : pools) p.take(a);
    }
    void give_back(Ipv4 a) {
        if (is_excluded(a)) return;
        for (auto& p : pools) p.give_back(a);
    }

    void set_hostname(Entry& e, std::string_view name) {
        string_bytes -= heap_cost(e.lease.hostname);
        if (name.empty())
            std::string().swap(e.lease.hostname);
        else
            e.lease.hostname.assign(name.data(), name.size());
        string_bytes += heap_cost(e.lease.hostname);
    }
    void reschedule(uint32_t s) {
        if (lease(s).expires == 0)
            schedule.remove(s);
        else
            schedule.set(s, lease(s).expires);
    }

    void attach_client(uint32_t s) {
        uint64_t h = hash_client(lease(s).client);
        uint32_t p = slot_of_client(lease(s).client);
        if (p == kNoSlot) {
            by_client.insert(s, h, client_hash(), prefetch_entry());
            return;
        }
        // The client's other entry (callers keep one Bound and one Offered at most).
        slab.meta(p).link = s;
        slab.meta(s).link = p;
        if (lease(s).state == LeaseState::Bound) by_client.replace(p, s, h);
    }
    void detach_client(uint32_t s) {
        uint64_t h = hash_client(lease(s).client);
        uint32_t p = slot_of_client(lease(s).client);
        uint32_t other = slab.meta(s).link;
        if (p == s) {
            if (other != kNoSlot) {
                by_client.replace(s, other, h);
                slab.meta(other).link = kNoSlot;
            } else {
                by_client.erase(s, h, client_hash(), prefetch_entry());
            }
        } else if (p != kNoSlot) {
            slab.meta(p).link = kNoSlot;
        }
        slab.meta(s).link = kNoSlot;
    }
    void attach_name(uint32_t s) {
        const Lease& l = lease(s);
        if (l.state == LeaseState::Bound && !l.hostname.empty())
            by_name.insert(s, hash_name(l.hostname), name_hash(), prefetch_entry());
    }
    void detach_name(uint32_t s) {
        const Lease& l = lease(s);
        if (l.state == LeaseState::Bound && !l.hostname.empty())
            by_name.erase(s, hash_name(l.hostname), name_hash(), prefetch_entry());
    }

    // Adds an entry for `src` with the given state and name (already checked free).
    uint32_t insert(const Lease& src, LeaseState state, std::string_view name) {
        uint32_t s = slab.allocate();
        if (s == kNoSlot) return kNoSlot;
        Entry& e = slab[s];
        e.lease.addr = src.addr;
        e.lease.state = state;
        e.lease.client = state == LeaseState::Declined ? ClientId{} : src.client;
        e.lease.mac = src.mac;
        set_hostname(e, state == LeaseState::Bound ? name : std::string_view{});
        e.lease.expires = src.expires;
        e.lease.granted = src.granted;
        by_addr.insert(s, hash_addr(src.addr), addr_hash(), prefetch_entry());
        if (state != LeaseState::Declined) attach_client(s);
        if (state == LeaseState::Bound) {
            attach_name(s);
            ++bound;
        }
        reschedule(s);
        take(src.addr);
        ++entries;
        return s;
    }

    // Takes the entry out of every index; the slot stays intact until free_slot.
    void unlink(uint32_t s) {
        Lease& l = lease(s);
        by_addr.erase(s, hash_addr(l.addr), addr_hash(), prefetch_entry());
        if (l.state != LeaseState::Declined) detach_client(s);
        if (l.state == LeaseState::Bound) {
            detach_name(s);
            --bound;
        }
        schedule.remove(s);
        give_back(l.addr);
        --entries;
    }
    void free_slot(uint32_t s) {
        Entry& e = slab[s];
        set_hostname(e, {});
        e.lease.client = ClientId{};
        slab.release(s);
    }
    void drop(uint32_t s) {  // silent removal (offers, restore, quarantine end)
        unlink(s);
        free_slot(s);
    }
    void remove_with_event(uint32_t s, EventKind kind) {
        unlink(s);
        publish(kind, lease(s), {});
        free_slot(s);
    }
    void publish(EventKind kind, const Lease& l, std::string_view old) {
        LeaseEvent event{kind, l, old};
        for (size_t i = 0; i < listeners.size(); ++i) listeners[i]->on_lease_event(event);
    }
};

LeaseTable::LeaseTable() : impl_(std::make_unique<Impl>()) {}
LeaseTable::~LeaseTable() = default;

void LeaseTable::set_pools(std::span<const PoolRange> ranges, std::span<const Ipv4> excluded) {
    Impl& d = *impl_;
    d.pools.clear();
    d.pools.reserve(ranges.size());
    for (const auto& r : ranges) d.pools.emplace_back(r.first, r.last);
    d.excluded.assign(excluded.begin(), excluded.end());
    std::sort(d.excluded.begin(), d.excluded.end());
    d.excluded.erase(std::unique(d.excluded.begin(), d.excluded.end()), d.excluded.end());
    for (Ipv4 a : d.excluded) d.take(a);
    for (uint32_t s = 0; s < d.slab.high_water(); ++s)
        if (d.lease(s).state != kFreeSlot) d.take(d.lease(s).addr);
}

size_t LeaseTable::pool_count() const {
    return impl_->pools.size();
}
const AddressPool& LeaseTable::pool(size_t index) const {
    return impl_->pools.at(index);
}

const Lease* LeaseTable::find_by_addr(Ipv4 addr) const {
    uint32_t s = impl_->slot_of_addr(addr);
    return s == kNoSlot ? nullptr : &impl_->slab[s].lease;
}
const Lease* LeaseTable::find_by_client(const ClientId& client) const {
    uint32_t s = impl_->slot_of_client(client);
    return s == kNoSlot ? nullptr : &impl_->slab[s].lease;
}
const Lease* LeaseTable::find_by_name(std::string_view label) const {
    uint32_t s = impl_->slot_of_name(label);
    return s == kNoSlot ? nullptr : &impl_->slab[s].lease;
}
size_t LeaseTable::bound_count() const {
    return impl_->bound;
}
size_t LeaseTable::entry_count() const {
    return impl_->entries;
}

void LeaseTable::for_each(const std::function<void(const Lease&)>& fn) const {
    const Impl& d = *impl_;
    for (uint32_t s = 0; s < d.slab.high_water(); ++s)
        if (d.slab[s].lease.state != kFreeSlot) fn(d.slab[s].lease);
}

std::optional<Ipv4> LeaseTable::pick_free(size_t pool_index, uint64_t hint) const {
    if (pool_index >= impl_->pools.size()) return std::nullopt;
    return impl_->pools[pool_index].pick(hint);
}

bool LeaseTable::is_free(Ipv4 addr) const {
    const Impl& d = *impl_;
    for (const auto& p : d.pools)
        if (p.contains(addr)) return p.is_free(addr);
    return d.slot_of_addr(addr) == kNoSlot && !d.is_excluded(addr);
}

bool LeaseTable::hold_offer(Ipv4 addr, const ClientId& client_ref, const Mac& mac,
                            WallSeconds until) {
    Impl& d = *impl_;
    const ClientId client = client_ref;  // may point into an entry dropped below
    if (client.empty()) return false;
    uint32_t s = d.slot_of_addr(addr);
    if (s != kNoSlot &&
        (d.lease(s).state == LeaseState::Declined || !(d.lease(s).client == client)))
        return false;
    uint32_t offer = d.offer_of(client);
    if (s == kNoSlot && offer == kNoSlot && d.slab.full()) return false;
    if (offer != kNoSlot && offer != s) d.drop(offer);  // one offer per client
    if (s == kNoSlot) {
        Lease l;
        l.addr = addr;
        l.client = client;
        l.mac = mac;
        l.expires = until;
        return d.insert(l, LeaseState::Offered, {}) != kNoSlot;
    }
    if (d.lease(s).state == LeaseState::Offered) {
        d.lease(s).mac = mac;
        d.lease(s).expires = until;
        d.reschedule(s);
    }
    return true;  // a Bound entry of this client already holds the address for it
}

bool LeaseTable::bind(const Lease& in) {
    Impl& d = *impl_;
    if (in.client.empty()) return false;
    uint32_t s = d.slot_of_addr(in.addr);
    if (s != kNoSlot &&
        (d.lease(s).state == LeaseState::Declined || !(d.lease(s).client == in.client)))
        return false;
    uint32_t bound = d.bound_of(in.client);
    uint32_t offer = d.offer_of(in.client);

    if (s != kNoSlot && s == bound) {  // same client, same address: a renewal
        if (offer != kNoSlot) d.drop(offer);
        Entry& e = d.slab[s];
        d.old_name.assign(e.lease.hostname);
        if (!same_name(d.old_name, in.hostname)) {
            d.detach_name(s);
            d.set_hostname(e, d.name_for(in.hostname, s));
            d.attach_name(s);
        } else {
            d.set_hostname(e, in.hostname);  // at most a change of case
        }
        e.lease.mac = in.mac;
        e.lease.expires = in.expires;
        e.lease.granted = in.granted;
        d.reschedule(s);
        d.publish(EventKind::Renewed, e.lease, d.old_name);
        return true;
    }

    if (s == kNoSlot && bound == kNoSlot && offer == kNoSlot && d.slab.full()) return false;
    // The client's other entries go first: its lease elsewhere (Released), its offer
    // elsewhere (silently).
    if (bound != kNoSlot) d.remove_with_event(bound, EventKind::Released);
    if (offer != kNoSlot && offer != s) d.drop(offer);
    if (s != kNoSlot) {
        // The client's own offer at this address becomes its lease; with its former
        // lease gone it is already the client's index entry.
        Entry& e = d.slab[s];
        e.lease.state = LeaseState::Bound;
        e.lease.mac = in.mac;
        d.set_hostname(e, d.name_for(in.hostname, s));
        e.lease.expires = in.expires;
        e.lease.granted = in.granted;
        d.attach_name(s);
        ++d.bound;
        d.reschedule(s);
    } else {
        s = d.insert(in, LeaseState::Bound, d.name_for(in.hostname, kNoSlot));
    }
    d.publish(EventKind::Granted, d.lease(s), {});
    return true;
}

bool LeaseTable::release(Ipv4 addr, const ClientId& client) {
    Impl& d = *impl_;
    uint32_t s = d.slot_of_addr(addr);
    if (s == kNoSlot || d.lease(s).state == LeaseState::Declined || !(d.lease(s).client == client))
        return false;
    if (d.lease(s).state == LeaseState::Bound)
        d.remove_with_event(s, EventKind::Released);
    else
        d.drop(s);
    return true;
}

bool LeaseTable::remove(Ipv4 addr) {
    Impl& d = *impl_;
    uint32_t s = d.slot_of_addr(addr);
    if (s == kNoSlot) return false;
    // Offers are never published; a lifted quarantine is (the journal must forget it).
    if (d.lease(s).state == LeaseState::Offered)
        d.drop(s);
    else
        d.remove_with_event(s, EventKind::Released);
    return true;
}

void LeaseTable::decline(Ipv4 addr, WallSeconds until) {
    Impl& d = *impl_;
    uint32_t s = d.slot_of_addr(addr);
    if (s == kNoSlot) {
        Lease l;
        l.addr = addr;
        l.expires = until;
        d.insert(l, LeaseState::Declined, {});  // a full table cannot quarantine: no-op
        return;
    }
    Entry& e = d.slab[s];
    LeaseState was = e.lease.state;
    if (was != LeaseState::Declined) {
        // The address becomes nobody's: out of the client and name indices.
        d.detach_client(s);
        d.detach_name(s);
        d.old_name.assign(e.lease.hostname);
        d.set_hostname(e, {});
        e.lease.client = ClientId{};
        e.lease.state = LeaseState::Declined;
        if (was == LeaseState::Bound) --d.bound;
    }
    e.lease.expires = until;
    d.reschedule(s);
    // old_hostname carries the name the lease had, so the zone can drop it.
    if (was == LeaseState::Bound) d.publish(EventKind::Declined, e.lease, d.old_name);
}

void LeaseTable::restore(const Lease& lease_ref) {
    Impl& d = *impl_;
    const Lease lease = lease_ref;  // may point into an entry dropped below
    if (lease.state != LeaseState::Bound && lease.state != LeaseState::Declined) return;
    if (lease.state == LeaseState::Bound && lease.client.empty()) return;
    // Upsert: the journal's later record for an address replaces the earlier one, and
    // a client's later lease replaces its earlier one.
    uint32_t s = d.slot_of_addr(lease.addr);
    if (s != kNoSlot) d.drop(s);
    if (lease.state == LeaseState::Bound) {
        uint32_t bound = d.bound_of(lease.client);
        if (bound != kNoSlot) d.drop(bound);
    }
    d.insert(lease, lease.state, d.name_for(lease.hostname, kNoSlot));
}

size_t LeaseTable::expire_due(WallSeconds now, size_t max) {
    Impl& d = *impl_;
    uint32_t now_key = decltype(d.schedule)::key_of(now);
    size_t count = 0;
    while (count < max && !d.schedule.empty() && d.schedule.top_key() <= now_key) {
        uint32_t s = d.schedule.top_slot();
        if (d.lease(s).expires > now) break;  // only when clamped keys tie (year 2106+)
        if (d.lease(s).state == LeaseState::Bound)
            d.remove_with_event(s, EventKind::Expired);
        else
            d.drop(s);  // offers and quarantines end silently
        ++count;
    }
    return count;
}

void LeaseTable::shift_times(int64_t delta) {
    Impl& d = *impl_;
    if (delta == 0) return;
    auto moved = [delta](WallSeconds t) {  // 0 (never, or unknown) stays 0
        return t == 0 ? t : std::max<WallSeconds>(1, t + delta);
    };
    // Rare (a clock step) and O(n log n): each entry is moved in the schedule like a renewal.
    for (uint32_t s = 0; s < d.slab.high_water(); ++s) {
        Lease& l = d.lease(s);
        if (l.state == kFreeSlot) continue;
        l.granted = moved(l.granted);
        if (l.expires == 0) continue;
        l.expires = moved(l.expires);
        d.reschedule(s);
    }
}

std::optional<WallSeconds> LeaseTable::next_expiry() const {
    const Impl& d = *impl_;
    if (d.schedule.empty()) return std::nullopt;
    return d.slab[d.schedule.top_slot()].lease.expires;
}

void LeaseTable::subscribe(LeaseListener* listener) {
    auto& l = impl_->listeners;
    if (listener && std::find(l.begin(), l.end(), listener) == l.end()) l.push_back(listener);
}

void LeaseTable::unsubscribe(LeaseListener* listener) {
    auto& l = impl_->listeners;
    l.erase(std::remove(l.begin(), l.end(), listener), l.end());
}

size_t LeaseTable::memory_bytes() const {
    const Impl& d = *impl_;
    size_t bytes = sizeof(Impl) + d.slab.memory_bytes() + d.by_addr.memory_bytes() +
                   d.by_client.memory_bytes() + d.by_name.memory_bytes() +
                   d.schedule.memory_bytes() + d.string_bytes + d.old_name.capacity() +
                   d.pools.capacity() * sizeof(AddressPool) + d.excluded.capacity() * sizeof(Ipv4) +
                   d.listeners.capacity() * sizeof(LeaseListener*);
    for (const auto& p : d.pools) bytes += p.memory_bytes();
    return bytes;
}

}  // namespace leasedns::leases
