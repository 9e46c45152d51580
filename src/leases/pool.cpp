// Indexed free set: free_ holds the free offsets densely, position_ maps each offset to
// its index in free_ (or kUsed). Taking swaps the last free offset into the hole, so
// take, give_back and pick are O(1) and the range is never scanned.
#include "leasedns/leases/pool.hpp"

#include <stdexcept>

namespace leasedns::leases {

AddressPool::AddressPool(Ipv4 first, Ipv4 last) : first_(first), last_(last) {
    if (last < first) return;  // an empty range: contains() is false for every address
    uint64_t size = uint64_t{last.value} - first.value + 1;
    // Offsets and positions are 32-bit with kUsed reserved: 0.0.0.0-255.255.255.255 is
    // the one range that cannot be represented (and would need 32 GiB anyway).
    if (size > kUsed) throw std::invalid_argument("address pool larger than 2^32 - 1");
    free_.resize(size);
    position_.resize(size);
    for (uint32_t i = 0; i < size; ++i) free_[i] = position_[i] = i;
}

bool AddressPool::is_free(Ipv4 a) const {
    return contains(a) && position_[a.value - first_.value] != kUsed;
}

bool AddressPool::take(Ipv4 a) {
    if (!contains(a)) return false;
    uint32_t offset = a.value - first_.value;
    uint32_t pos = position_[offset];
    if (pos == kUsed) return false;
    uint32_t moved = free_.back();
    free_[pos] = moved;
    position_[moved] = pos;
    free_.pop_back();
    position_[offset] = kUsed;
    return true;
}

void AddressPool::give_back(Ipv4 a) {
    if (!contains(a)) return;
    uint32_t offset = a.value - first_.value;
    if (position_[offset] != kUsed) return;
    position_[offset] = static_cast<uint32_t>(free_.size());
    free_.push_back(offset);
}

std::optional<Ipv4> AddressPool::pick(uint64_t hint) const {
    if (free_.empty()) return std::nullopt;
    uint32_t preferred = static_cast<uint32_t>(hint % position_.size());
    if (position_[preferred] != kUsed) return Ipv4(first_.value + preferred);
    // The preferred address is taken: any free one will do; derive the choice from the
    // hint so that different clients spread over the free set.
    return Ipv4(first_.value + free_[(hint / position_.size()) % free_.size()]);
}

}  // namespace leasedns::leases
