// Private to src/leases: a compact open-addressing hash index from a key (address, client
// id or host name) to a 32-bit slot of the lease slab. Why not std::unordered_map: its
// nodes cost ~40 bytes per entry plus the bucket array; this costs 4 bytes per cell and
// the keys stay in the slab.
//
// A cell is (7-bit tag from the hash << 25 | slot); the tag skips most foreign cells
// without touching the slab. Linear probing with backward-shift deletion (no tombstones,
// so probe lengths never degrade under churn). The cell count is not a power of two: a
// key's home cell is the high half of its hash scaled to the table (Lemire's fastrange),
// so the table can grow by 1.5x instead of 2x. The maximum load stays 3/4 (probe lengths
// as before: about 2.5 cells per hit, 8.5 per miss, in one or two cache lines), the load
// just after a growth step is 1/2 instead of 3/8: 5.3 to 8 bytes per entry instead of
// 5.3 to 10.7.
//
// The cells keep no hash, so erasing (backward shift) and growing need the stored keys'
// hashes, i.e. a look at their slab entries: cache misses on a large table. Both know the
// cells they will visit in advance, so they ask for those entries first (`prefetch`) and
// the misses overlap instead of coming one after the other.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace leasedns::leases::detail {

inline uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

class SlotIndex {
public:
    static constexpr uint32_t kNone = 0xffffffffu;
    static constexpr unsigned kSlotBits = 25;
    static constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
    // kSlotMask itself would make the empty cell pattern; slots stay below it.
    static constexpr uint32_t kMaxSlots = kSlotMask;

    SlotIndex() : cells_(kInitialCells, kEmpty) {}

    size_t size() const { return size_; }
    size_t memory_bytes() const { return cells_.capacity() * sizeof(uint32_t); }

    // The slot whose key `matches`, or kNone. `hash` must be the key's hash.
    template <class Match>
    uint32_t find(uint64_t hash, Match&& matches) const {
        uint32_t tag = tag_of(hash);
        for (size_t i = home_of(hash);; i = next(i)) {
            uint32_t cell = cells_[i];
            if (cell == kEmpty) return kNone;
            if ((cell >> kSlotBits) == tag && matches(cell & kSlotMask)) return cell & kSlotMask;
        }
    }

    // Adds `slot` (whose key must not be present). `hash_of(slot)` gives any stored
    // slot's key hash, needed when the table grows.
    template <class HashOf, class Prefetch>
    void insert(uint32_t slot, uint64_t hash, HashOf&& hash_of, Prefetch&& prefetch) {
        if ((size_ + 1) * kMaxLoadDen > cells_.size() * kMaxLoadNum) grow(hash_of, prefetch);
        place(make_cell(slot, hash), hash);
        ++size_;
    }

    // Removes `slot`, stored under `hash`. The keys of the other slots must be intact.
    // `prefetch(slot)` hints that hash_of(slot) will be needed soon.
    template <class HashOf, class Prefetch>
    void erase(uint32_t slot, uint64_t hash, HashOf&& hash_of, Prefetch&& prefetch) {
        size_t i = position_of(slot, hash);
        if (i == kNoPosition) return;
        --size_;
        // The cells that may move are the rest of the cluster: announce the first few.
        size_t ahead = next(i);
        for (unsigned k = 0; k < kPrefetchCells && cells_[ahead] != kEmpty;
             ++k, ahead = next(ahead))
            prefetch(cells_[ahead] & kSlotMask);
        // Backward shift: pull later cells of the cluster into the hole when their home
        // position allows it, so that every remaining key stays reachable from its home.
        for (size_t j = next(i);; j = next(j)) {
            uint32_t cell = cells_[j];
            if (cell == kEmpty) break;
            size_t home = home_of(hash_of(cell & kSlotMask));
            if (distance(home, j) >= distance(i, j)) {
                cells_[i] = cell;
                i = j;
            }
        }
        cells_[i] = kEmpty;
    }

    // The key stored for `old_slot` now belongs to `new_slot` (same key, same hash).
    void replace(uint32_t old_slot, uint32_t new_slot, uint64_t hash) {
        size_t i = position_of(old_slot, hash);
        if (i != kNoPosition) cells_[i] = make_cell(new_slot, hash);
    }

private:
    static constexpr size_t kInitialCells = 16;
    // Maximum load 3/4; growth multiplies the cell count by 3/2.
    static constexpr size_t kMaxLoadNum = 3, kMaxLoadDen = 4;
    static constexpr uint32_t kEmpty = 0xffffffffu;
    static constexpr size_t kNoPosition = ~size_t{0};
    // How far ahead erase and grow announce slab entries: enough to cover the typical
    // cluster at 3/4 load and the memory latency of one cell's worth of work.
    static constexpr unsigned kPrefetchCells = 8;

    // The tag comes from the low bits: the home comes from the high ones, so neighbouring
    // cells would otherwise share their tags.
    static uint32_t tag_of(uint64_t hash) { return static_cast<uint32_t>(hash) & 0x7f; }
    size_t home_of(uint64_t hash) const {
        return static_cast<size_t>(((hash >> 32) * cells_.size()) >> 32);
    }
    size_t next(size_t i) const { return i + 1 == cells_.size() ? 0 : i + 1; }
    // Steps from cell `from` forward (with wrap-around) to cell `to`.
    size_t distance(size_t from, size_t to) const {
        return to >= from ? to - from : to + cells_.size() - from;
    }
    static uint32_t make_cell(uint32_t slot, uint64_t hash) {
        return (tag_of(hash) << kSlotBits) | slot;
    }

    size_t position_of(uint32_t slot, uint64_t hash) const {
        for (size_t i = home_of(hash);; i = next(i)) {
            uint32_t cell = cells_[i];
            if (cell == kEmpty) return kNoPosition;
            if ((cell & kSlotMask) == slot) return i;
        }
    }

    void place(uint32_t cell, uint64_t hash) {
        size_t i = home_of(hash);
        while (cells_[i] != kEmpty) i = next(i);
        cells_[i] = cell;
    }

    template <class HashOf, class Prefetch>
    void grow(HashOf&& hash_of, Prefetch&& prefetch) {
        std::vector<uint32_t> old(cells_.size() + cells_.size() / 2, kEmpty);
        old.swap(cells_);
        for (size_t k = 0; k < old.size(); ++k) {
            if (k + kPrefetchCells < old.size() && old[k + kPrefetchCells] != kEmpty)
                prefetch(old[k + kPrefetchCells] & kSlotMask);
            if (old[k] != kEmpty) place(old[k], hash_of(old[k] & kSlotMask));
        }
    }

    std::vector<uint32_t> cells_;  // at most 2^32 cells (fastrange), far above kMaxSlots
    size_t size_ = 0;
};

}  // namespace leasedns::leases::detail
