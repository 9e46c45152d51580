// Private to src/leases: where the table's entries live. Fixed-size chunks, so growing
// never moves an entry (a `const Lease*` from a lookup stays valid until that entry is
// removed) and the slack is at most one chunk, not the half-empty tail of a doubled
// vector. Freed slots are chained through `link` and reused first.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "leasedns/leases/lease.hpp"

namespace leasedns::leases::detail {

constexpr uint32_t kNoSlot = 0xffffffffu;
// A slot not holding an entry (LeaseState values start at 1).
constexpr LeaseState kFreeSlot = static_cast<LeaseState>(0);

struct Entry {
    Lease lease;
    uint32_t heap_pos = kNoSlot;  // position in the expiry heap
    // In use: the same client's other entry (its offer beside its lease), or kNoSlot.
    // Free: the next free slot.
    uint32_t link = kNoSlot;
};

class Slab {
public:
    explicit Slab(uint32_t max_slots) : max_slots_(max_slots) {}

    Entry& operator[](uint32_t slot) { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }
    const Entry& operator[](uint32_t slot) const {
        return chunks_[slot >> kChunkBits][slot & kChunkMask];
    }
    // Slots below this have been used at least once (for_each walks them).
    uint32_t high_water() const { return high_water_; }
    bool full() const { return free_head_ == kNoSlot && high_water_ >= max_slots_; }

    // A free slot (state kFreeSlot, empty strings), or kNoSlot when full.
    uint32_t allocate() {
        if (free_head_ != kNoSlot) {
            uint32_t slot = free_head_;
            free_head_ = (*this)[slot].link;
            (*this)[slot].link = kNoSlot;
            return slot;
        }
        if (high_water_ >= max_slots_) return kNoSlot;
        if ((high_water_ >> kChunkBits) == chunks_.size()) {
            chunks_.push_back(std::make_unique<Entry[]>(kChunk));
            for (size_t i = 0; i < kChunk; ++i) chunks_.back()[i].lease.state = kFreeSlot;
        }
        return high_water_++;
    }
    // The caller has already cleared the entry's strings.
    void release(uint32_t slot) {
        Entry& e = (*this)[slot];
        e.lease.state = kFreeSlot;
        e.heap_pos = kNoSlot;
        e.link = free_head_;
        free_head_ = slot;
    }

    size_t memory_bytes() const {
        return chunks_.size() * kChunk * sizeof(Entry) +
               chunks_.capacity() * sizeof(std::unique_ptr<Entry[]>);
    }

private:
    // 64 entries (6.5 KiB) per chunk: at 1,000 leases the unused tail of the last chunk is
    // at most 6.7 bytes per lease, at 10,000 at most 0.7; the chunk table costs 1/8 byte.
    static constexpr unsigned kChunkBits = 6;
    static constexpr size_t kChunk = size_t{1} << kChunkBits;
    static constexpr uint32_t kChunkMask = kChunk - 1;

    std::vector<std::unique_ptr<Entry[]>> chunks_;
    uint32_t high_water_ = 0;
    uint32_t free_head_ = kNoSlot;
    uint32_t max_slots_;
};

}  // namespace leasedns::leases::detail
