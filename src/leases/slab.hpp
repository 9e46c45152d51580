// Private to src/leases: where the table's entries live. Fixed-size chunks, so growing
// never moves an entry (a `const Lease*` from a lookup stays valid until that entry is
// removed) and the slack is at most one chunk, not the half-empty tail of a doubled
// vector. Freed slots are chained through `link` and reused first.
//
// A slot's bookkeeping (its expiry heap position and its link) is kept apart from its
// lease, in an 8-byte SlotMeta packed at the end of the chunk: the expiry heap rewrites the
// positions of every item it moves, and with them in the 96-byte leases each of those
// writes touched a lease's cache line (one per heap level, a cache miss each on a large
// table); packed, eight slots share a line and the whole set is 8 bytes per lease.
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
};

struct SlotMeta {
    uint32_t heap_pos = kNoSlot;  // position in the expiry heap
    // In use: the same client's other entry (its offer beside its lease), or kNoSlot.
    // Free: the next free slot.
    uint32_t link = kNoSlot;
};

class Slab {
public:
    explicit Slab(uint32_t max_slots) : max_slots_(max_slots) {}

    Entry& operator[](uint32_t slot) {
        return chunks_[slot >> kChunkBits]->entries[slot & kChunkMask];
    }
    const Entry& operator[](uint32_t slot) const {
        return chunks_[slot >> kChunkBits]->entries[slot & kChunkMask];
    }
    SlotMeta& meta(uint32_t slot) { return chunks_[slot >> kChunkBits]->meta[slot & kChunkMask]; }
    const SlotMeta& meta(uint32_t slot) const {
        return chunks_[slot >> kChunkBits]->meta[slot & kChunkMask];
    }
    // Slots below this have been used at least once (for_each walks them).
    uint32_t high_water() const { return high_water_; }
    bool full() const { return free_head_ == kNoSlot && high_water_ >= max_slots_; }

    // A free slot (state kFreeSlot, empty strings), or kNoSlot when full.
    uint32_t allocate() {
        if (free_head_ != kNoSlot) {
            uint32_t slot = free_head_;
            free_head_ = meta(slot).link;
            meta(slot).link = kNoSlot;
            return slot;
        }
        if (high_water_ >= max_slots_) return kNoSlot;
        if ((high_water_ >> kChunkBits) == chunks_.size()) {
            chunks_.push_back(std::make_unique<Chunk>());
            for (auto& e : chunks_.back()->entries) e.lease.state = kFreeSlot;
        }
        return high_water_++;
    }
    // The caller has already cleared the entry's strings.
    void release(uint32_t slot) {
        (*this)[slot].lease.state = kFreeSlot;
        meta(slot).heap_pos = kNoSlot;
        meta(slot).link = free_head_;
        free_head_ = slot;
    }

    size_t memory_bytes() const {
        return chunks_.size() * sizeof(Chunk) + chunks_.capacity() * sizeof(std::unique_ptr<Chunk>);
    }

private:
    // 64 entries (6.5 KiB) per chunk: at 1,000 leases the unused tail of the last chunk is
    // at most 6.7 bytes per lease, at 10,000 at most 0.7; the chunk table costs 1/8 byte.
    static constexpr unsigned kChunkBits = 6;
    static constexpr size_t kChunk = size_t{1} << kChunkBits;
    static constexpr uint32_t kChunkMask = kChunk - 1;

    struct Chunk {
        Entry entries[kChunk];
        SlotMeta meta[kChunk];
    };

    std::vector<std::unique_ptr<Chunk>> chunks_;
    uint32_t high_water_ = 0;
    uint32_t free_head_ = kNoSlot;
    uint32_t max_slots_;
};

}  // namespace leasedns::leases::detail
