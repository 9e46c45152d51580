// The DHCP intake policy under overload (ROBUSTNESS J3): newest requests first, stale ones
// dropped. The kernel's socket queue is FIFO: a server that cannot keep up serves requests
// whose clients gave up long ago (a DHCP client retransmits after ~4 s, and each request
// answered late is work that helps nobody while fresh ones wait behind it). The I/O layer
// empties the socket into this bounded queue each loop turn and serves it newest first;
// entries older than `max_age_ms` are dropped and counted ("stale"), and when the queue
// is full the oldest entry makes room ("overflow"). Without overload the queue holds one
// turn's packets and the order hardly matters: DHCP clients retransmit, and every message
// of an exchange is answered on its own.
//
// Pure: times are passed in (milliseconds on any monotonic clock), no I/O, no clock.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "leasedns/core/bytes.hpp"

namespace leasedns::dhcp {

template <typename Meta>
class IntakeQueue {
public:
    // capacity (at least 1): entries held at most; slot_size: bytes kept per entry (longer packets
    // are cut to it: the caller marks them as truncated in Meta); max_age_ms: older is stale.
    IntakeQueue(size_t capacity, size_t slot_size, uint64_t max_age_ms)
        : slots_(std::max<size_t>(capacity, 1)),
          // Left uninitialised: a large block's pages stay untouched until used.
          bytes_(new uint8_t[slots_.size() * slot_size]),
          slot_size_(slot_size),
          max_age_ms_(max_age_ms) {}

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    size_t capacity() const { return slots_.size(); }
    uint64_t stale_drops() const { return stale_; }
    uint64_t overflow_drops() const { return overflow_; }

    // Stores a datagram that arrived at `now_ms`. A full queue drops its oldest entry.
    void push(Bytes data, const Meta& meta, uint64_t now_ms) {
        if (count_ == slots_.size()) {
            ++overflow_;
            pop_oldest();
        }
        size_t i = (head_ + count_) % slots_.size();
        Slot& s = slots_[i];
        s.len = std::min(data.size(), slot_size_);
        if (s.len) std::memcpy(bytes_.get() + i * slot_size_, data.data(), s.len);
        s.meta = meta;
        s.arrived_ms = now_ms;
        ++count_;
    }

    // Drops the entries older than max_age at `now_ms` (counted as stale), then hands up
    // to `budget` of the rest to fn(Bytes, const Meta&, age_ms), newest first. The bytes
    // stay valid during the call only. Returns how many were handed over.
    template <typename Fn>
    size_t serve(uint64_t now_ms, size_t budget, Fn&& fn) {
        drop_stale(now_ms);
        size_t served = 0;
        while (served < budget && count_ > 0) {
            size_t i = (head_ + count_ - 1) % slots_.size();
            --count_;  // popped before fn runs: fn may push (it must not, but stay sound)
            const Slot& s = slots_[i];
            uint64_t age = now_ms >= s.arrived_ms ? now_ms - s.arrived_ms : 0;
            fn(Bytes(bytes_.get() + i * slot_size_, s.len), s.meta, age);
            ++served;
        }
        return served;
    }

    // Drops everything older than max_age at `now_ms`; returns how many went.
    size_t drop_stale(uint64_t now_ms) {
        size_t dropped = 0;
        while (count_ > 0) {
            const Slot& oldest = slots_[head_];
            if (now_ms < oldest.arrived_ms || now_ms - oldest.arrived_ms <= max_age_ms_) break;
            pop_oldest();
            ++stale_;
            ++dropped;
        }
        return dropped;
    }

    void clear() {
        head_ = 0;
        count_ = 0;
    }

private:
    struct Slot {
        size_t len = 0;
        Meta meta{};
        uint64_t arrived_ms = 0;
    };

    void pop_oldest() {
        head_ = (head_ + 1) % slots_.size();
        --count_;
    }

    std::vector<Slot> slots_;
    std::unique_ptr<uint8_t[]> bytes_;
    size_t slot_size_;
    uint64_t max_age_ms_;
    size_t head_ = 0;   // the oldest entry
    size_t count_ = 0;  // entries from head_ on, oldest to newest
    uint64_t stale_ = 0;
    uint64_t overflow_ = 0;
};

}  // namespace leasedns::dhcp
