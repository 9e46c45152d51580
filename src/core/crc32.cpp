#include "leasedns/core/crc32.hpp"

#include <array>

namespace leasedns {

static constexpr std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
static constexpr auto kTable = make_table();

uint32_t crc32(Bytes data, uint32_t seed) {
    uint32_t c = seed ^ 0xFFFFFFFFu;
    for (uint8_t b : data) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

}  // namespace leasedns
