#pragma once
#include <cstdint>

#include "leasedns/core/bytes.hpp"

namespace leasedns {
// CRC-32 (IEEE 802.3 polynomial, as zlib computes it): detects torn or corrupted records.
uint32_t crc32(Bytes data, uint32_t seed = 0);
}  // namespace leasedns
