// Free addresses of one dynamic range, with O(1) take/give-back/pick.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "leasedns/core/net.hpp"

namespace leasedns::leases {

// An indexed free set over [first, last]: a dense array of free offsets plus each
// offset's position in it, so taking a specific address, returning one and picking one
// are all O(1). 8 bytes per address in the range.
class AddressPool {
public:
    AddressPool(Ipv4 first, Ipv4 last);

    Ipv4 first() const { return first_; }
    Ipv4 last() const { return last_; }
    bool contains(Ipv4 a) const { return a >= first_ && a <= last_; }
    size_t capacity() const { return position_.size(); }
    size_t free_count() const { return free_.size(); }
    bool is_free(Ipv4 a) const;
    // Marks `a` used; false if it was not free or not in the range.
    bool take(Ipv4 a);
    // Marks `a` free again (no-op if already free or outside).
    void give_back(Ipv4 a);
    // A free address, preferring first + (hint mod capacity) so a client tends to get the
    // same address each time (as dnsmasq hashes the MAC); nullopt when the range is full.
    // Does not take it.
    std::optional<Ipv4> pick(uint64_t hint) const;

private:
    Ipv4 first_, last_;
    std::vector<uint32_t> free_;      // offsets of free addresses
    std::vector<uint32_t> position_;  // offset -> index in free_, or kUsed
    static constexpr uint32_t kUsed = 0xffffffffu;
};

}  // namespace leasedns::leases
