// Free addresses of one dynamic range, with constant-time take/give-back/pick.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "leasedns/core/net.hpp"

namespace leasedns::leases {

// A hierarchical bitmap over [first, last]: level 0 has one bit per address (set = free),
// each higher level one bit per word of the level below (set = that word has a free
// address). Taking, returning and testing an address touch one word per level; finding the
// next free address climbs and descends at most every level once. With 64-bit words a
// 2^32-address range has 6 levels, so every operation is bounded by a constant, and the
// whole set costs about 1/8 byte per address (the former free list + position array cost 8).
class AddressPool {
public:
    AddressPool(Ipv4 first, Ipv4 last);

    Ipv4 first() const { return first_; }
    Ipv4 last() const { return last_; }
    bool contains(Ipv4 a) const { return size_ != 0 && a >= first_ && a <= last_; }
    size_t capacity() const { return static_cast<size_t>(size_); }
    size_t free_count() const { return static_cast<size_t>(free_); }
    bool is_free(Ipv4 a) const;
    // Marks `a` used; false if it was not free or not in the range.
    bool take(Ipv4 a);
    // Marks `a` free again (no-op if already free or outside).
    void give_back(Ipv4 a);
    // A free address, preferring first + (hint mod capacity) so a client tends to get the
    // same address each time (as dnsmasq hashes the MAC); nullopt when the range is full.
    // Does not take it.
    std::optional<Ipv4> pick(uint64_t hint) const;
    // Heap bytes held by the bitmap (for LeaseTable::memory_bytes).
    size_t memory_bytes() const;

private:
    static constexpr uint64_t kNone = ~uint64_t{0};
    bool bit(uint64_t offset) const;
    void set_free(uint64_t offset);
    void set_used(uint64_t offset);
    // The first free offset >= from, or kNone.
    uint64_t find_from(uint64_t from) const;

    Ipv4 first_, last_;
    uint64_t size_ = 0;  // addresses in the range
    uint64_t free_ = 0;  // of which free
    // levels_[0]: a bit per address; levels_[k + 1]: a bit per word of levels_[k]. The
    // last level is one word. Bits past the end of a level are always 0.
    std::vector<std::vector<uint64_t>> levels_;
};

}  // namespace leasedns::leases
