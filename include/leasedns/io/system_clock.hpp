// The daemon's clock (ROBUSTNESS D8). Wall time is read once, at start, and then advanced
// by the monotonic clock, so a step of the system clock (NTP setting the time of a
// Raspberry Pi, which has no real-time clock, or an operator's `date -s`) never makes
// leases expire early or live longer than granted. follow_wall_clock() notices such a
// step and moves this clock to the new time; the caller moves the times it keeps (lease
// expiries) by the same amount, so each lease keeps its remaining lifetime.
#pragma once
#include "leasedns/core/clock.hpp"

namespace leasedns::io {

class SystemClock final : public Clock {
public:
    // Smaller differences (NTP slewing: milliseconds a minute) are not steps.
    static constexpr int64_t kStepSeconds = 5;

    SystemClock();
    WallSeconds now() const override;
    int64_t monotonic_ms() const override;

    // If the system's wall clock and this clock differ by kStepSeconds or more: this clock
    // takes the system's time and the difference (system minus ours, seconds) is returned.
    // Otherwise 0.
    int64_t follow_wall_clock();

private:
    int64_t anchor_wall_ms_;
    int64_t anchor_mono_ms_;
};

}  // namespace leasedns::io
