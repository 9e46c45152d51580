// Time is a parameter of the protocol core, never read inside it (ARCHITECTURE.md habit 2).
#pragma once
#include <cstdint>

namespace leasedns {

// Wall-clock seconds since the Unix epoch: lease expiry times are persisted in this unit.
using WallSeconds = int64_t;

class Clock {
public:
    virtual ~Clock() = default;
    virtual WallSeconds now() const = 0;
    // Monotonic milliseconds, for timeouts and rate limits that must not jump.
    virtual int64_t monotonic_ms() const = 0;
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(WallSeconds start = 1'700'000'000) : wall_(start) {}
    WallSeconds now() const override { return wall_; }
    int64_t monotonic_ms() const override { return mono_ms_; }
    void advance(int64_t seconds) {
        wall_ += seconds;
        mono_ms_ += seconds * 1000;
    }
    void jump_wall(int64_t seconds) { wall_ += seconds; }

private:
    WallSeconds wall_;
    int64_t mono_ms_ = 0;
};

}  // namespace leasedns
