// Hierarchical free bitmap: see pool.hpp. A summary bit is set exactly when the word it
// stands for is non-zero, so a search never enters a word without a free address.
#include "leasedns/leases/pool.hpp"

#include <bit>

namespace leasedns::leases {

namespace {
constexpr unsigned kWordBits = 64;
uint64_t words_for(uint64_t bits) {
    return (bits + kWordBits - 1) / kWordBits;
}
}  // namespace

AddressPool::AddressPool(Ipv4 first, Ipv4 last) : first_(first), last_(last) {
    if (last < first) return;  // an empty range: contains() is false for every address
    size_ = uint64_t{last.value} - first.value + 1;
    free_ = size_;
    // Every level starts all free: whole words of ones, then the partial tail word.
    for (uint64_t bits = size_;; bits = words_for(bits)) {
        std::vector<uint64_t> level(words_for(bits), ~uint64_t{0});
        if (bits % kWordBits != 0) level.back() = (uint64_t{1} << (bits % kWordBits)) - 1;
        levels_.push_back(std::move(level));
        if (levels_.back().size() == 1) break;
    }
}

bool AddressPool::bit(uint64_t offset) const {
    return (levels_[0][offset / kWordBits] >> (offset % kWordBits)) & 1;
}

void AddressPool::set_free(uint64_t offset) {
    for (auto& level : levels_) {
        uint64_t& word = level[offset / kWordBits];
        const bool was_empty = word == 0;
        word |= uint64_t{1} << (offset % kWordBits);
        if (!was_empty) return;  // the levels above already say "has a free address"
        offset /= kWordBits;
    }
}

void AddressPool::set_used(uint64_t offset) {
    for (auto& level : levels_) {
        uint64_t& word = level[offset / kWordBits];
        word &= ~(uint64_t{1} << (offset % kWordBits));
        if (word != 0) return;  // still a free address below: the summary bit stays
        offset /= kWordBits;
    }
}

uint64_t AddressPool::find_from(uint64_t from) const {
    // Climb: at each level look for a set bit at or after `pos` in its word; if there is
    // none, the next candidate is the next word, i.e. the next bit one level up.
    size_t depth = 0;
    uint64_t pos = from;
    for (;;) {
        if (depth == levels_.size()) return kNone;
        const auto& level = levels_[depth];
        const uint64_t w = pos / kWordBits;
        if (w >= level.size()) return kNone;
        const uint64_t bits = level[w] & (~uint64_t{0} << (pos % kWordBits));
        if (bits != 0) {
            pos = w * kWordBits + static_cast<unsigned>(std::countr_zero(bits));
            break;
        }
        pos = w + 1;
        ++depth;
    }
    // Descend: a set bit names a non-zero word one level down; take its first free bit.
    while (depth > 0) {
        --depth;
        pos = pos * kWordBits + static_cast<unsigned>(std::countr_zero(levels_[depth][pos]));
    }
    return pos;
}

bool AddressPool::is_free(Ipv4 a) const {
    return contains(a) && bit(a.value - first_.value);
}

bool AddressPool::take(Ipv4 a) {
    if (!is_free(a)) return false;
    set_used(a.value - first_.value);
    --free_;
    return true;
}

void AddressPool::give_back(Ipv4 a) {
    if (!contains(a) || is_free(a)) return;
    set_free(a.value - first_.value);
    ++free_;
}

std::optional<Ipv4> AddressPool::pick(uint64_t hint) const {
    if (free_ == 0) return std::nullopt;
    const uint64_t preferred = hint % size_;
    if (bit(preferred)) return Ipv4(first_.value + static_cast<uint32_t>(preferred));
    // The preferred address is taken: the first free one after a point derived from the
    // rest of the hint, so that different clients spread over the free set; wrap once.
    uint64_t found = find_from((hint / size_) % size_);
    if (found == kNone) found = find_from(0);
    return Ipv4(first_.value + static_cast<uint32_t>(found));
}

size_t AddressPool::memory_bytes() const {
    size_t bytes = levels_.capacity() * sizeof(levels_[0]);
    for (const auto& level : levels_) bytes += level.capacity() * sizeof(uint64_t);
    return bytes;
}

}  // namespace leasedns::leases
