#include "leasedns/io/system_clock.hpp"

#include <ctime>

namespace leasedns::io {
namespace {

int64_t read_ms(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

SystemClock::SystemClock()
    : anchor_wall_ms_(read_ms(CLOCK_REALTIME)), anchor_mono_ms_(read_ms(CLOCK_MONOTONIC)) {}

WallSeconds SystemClock::now() const {
    int64_t ms = anchor_wall_ms_ + (monotonic_ms() - anchor_mono_ms_);
    return ms / 1000;
}

int64_t SystemClock::monotonic_ms() const {
    return read_ms(CLOCK_MONOTONIC);
}

int64_t SystemClock::follow_wall_clock() {
    int64_t mono = monotonic_ms();
    int64_t ours_ms = anchor_wall_ms_ + (mono - anchor_mono_ms_);
    int64_t system_ms = read_ms(CLOCK_REALTIME);
    int64_t diff_ms = system_ms - ours_ms;
    if (diff_ms > -kStepSeconds * 1000 && diff_ms < kStepSeconds * 1000) return 0;
    // Whole seconds, as lease times are kept: the sub-second rest stays in the anchor.
    int64_t step = diff_ms / 1000;
    anchor_wall_ms_ += step * 1000;
    return step;
}

}  // namespace leasedns::io
