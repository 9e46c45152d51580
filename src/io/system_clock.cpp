#include "leasedns/io/system_clock.hpp"

#include <ctime>

namespace leasedns::io {

WallSeconds SystemClock::now() const {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

int64_t SystemClock::monotonic_ms() const {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace leasedns::io
