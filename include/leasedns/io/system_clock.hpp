#pragma once
#include "leasedns/core/clock.hpp"

namespace leasedns::io {

class SystemClock final : public Clock {
public:
    WallSeconds now() const override;
    int64_t monotonic_ms() const override;
};

}  // namespace leasedns::io
