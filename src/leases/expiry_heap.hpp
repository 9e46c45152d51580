// Private to src/leases: the expiry schedule, an indexed 4-ary min-heap of slab slots
// keyed by expiry second. Every entry with an expiry is in it exactly once, so renewing
// moves the entry (O(log n)) instead of leaving stale copies behind, and the due entries
// are always at the top: expiring never scans the table (ROBUSTNESS J4).
//
// An item is (key << 32 | slot) in one 64-bit word: one integer comparison orders it,
// and 8 bytes per lease (8 to 12 with the slack of 1.5x growth). The key is the expiry clamped to
// [0, 2^32 - 1] seconds since the epoch (until 2106-02-07); the table keeps the exact time in the
// lease itself. Ties on the key go to the lower slot, as in any heap of these items.
//
// Four children per node, not two: a renewal or an expiry sifts an item through every
// level (a renewal's new expiry is usually the latest of all), and on a large table each
// level costs a cache miss in the items and one in the slot positions. Half the levels,
// and the four children are 32 contiguous bytes.
#pragma once
#include <cstdint>
#include <vector>

#include "leasedns/core/clock.hpp"

namespace leasedns::leases::detail {

// PositionOf: uint32_t& (uint32_t slot) -> where the heap records the slot's position.
template <class PositionOf>
class ExpiryHeap {
public:
    static constexpr uint32_t kAbsent = 0xffffffffu;

    explicit ExpiryHeap(PositionOf position_of) : position_of_(position_of) {}

    static uint32_t key_of(WallSeconds t) {
        if (t <= 0) return 0;
        if (t >= WallSeconds{0xffffffff}) return 0xffffffffu;
        return static_cast<uint32_t>(t);
    }

    bool empty() const { return items_.empty(); }
    uint32_t top_slot() const { return static_cast<uint32_t>(items_.front()); }
    uint32_t top_key() const { return static_cast<uint32_t>(items_.front() >> 32); }
    size_t memory_bytes() const { return items_.capacity() * sizeof(uint64_t); }

    // Schedules `slot` at `when`, or moves it there if it is already scheduled.
    void set(uint32_t slot, WallSeconds when) {
        uint64_t item = (uint64_t{key_of(when)} << 32) | slot;
        uint32_t& pos = position_of_(slot);
        if (pos == kAbsent) {
            // Grow by 1.5x, not the library's 2x: at most a third of the array is slack.
            if (items_.size() == items_.capacity())
                items_.reserve(items_.capacity() + items_.capacity() / 2 + 16);
            items_.push_back(item);
            pos = static_cast<uint32_t>(items_.size() - 1);
            sift_up(pos);
            return;
        }
        uint64_t before = items_[pos];
        items_[pos] = item;
        if (item < before)
            sift_up(pos);
        else
            sift_down(pos);
    }

    void remove(uint32_t slot) {
        uint32_t& pos_ref = position_of_(slot);
        uint32_t pos = pos_ref;
        if (pos == kAbsent) return;
        pos_ref = kAbsent;
        uint64_t last = items_.back();
        items_.pop_back();
        if (pos == items_.size()) return;
        uint64_t before = items_[pos];
        put(pos, last);
        if (last < before)
            sift_up(pos);
        else
            sift_down(pos);
    }

private:
    void put(size_t pos, uint64_t item) {
        items_[pos] = item;
        position_of_(static_cast<uint32_t>(item)) = static_cast<uint32_t>(pos);
    }
    static constexpr size_t kArity = 4;

    void sift_up(size_t pos) {
        uint64_t item = items_[pos];
        while (pos > 0) {
            size_t parent = (pos - 1) / kArity;
            if (items_[parent] <= item) break;
            put(pos, items_[parent]);
            pos = parent;
        }
        put(pos, item);
    }
    void sift_down(size_t pos) {
        uint64_t item = items_[pos];
        size_t n = items_.size();
        for (;;) {
            const size_t first = kArity * pos + 1;
            if (first >= n) break;
            const size_t end = first + kArity < n ? first + kArity : n;
            size_t child = first;
            for (size_t c = first + 1; c < end; ++c)
                if (items_[c] < items_[child]) child = c;
            if (items_[child] >= item) break;
            put(pos, items_[child]);
            pos = child;
        }
        put(pos, item);
    }

    PositionOf position_of_;
    std::vector<uint64_t> items_;
};

}  // namespace leasedns::leases::detail
