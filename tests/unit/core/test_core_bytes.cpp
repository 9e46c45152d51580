#include <doctest/doctest.h>

#include <array>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/crc32.hpp"

using namespace leasedns;

TEST_CASE("Reader reads big-endian fields and its error sticks past the end") {
    const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7};
    Reader r{Bytes(data)};
    CHECK(r.u8() == 1);
    CHECK(r.u16() == 0x0203);
    CHECK(r.u32() == 0x04050607u);
    CHECK(r.ok());
    CHECK(r.at_end());
    CHECK(r.u8() == 0);
    CHECK(!r.ok());
    CHECK(r.bytes(1).empty());
}

TEST_CASE("Reader refuses a length that runs past the end without reading") {
    const uint8_t data[] = {1, 2};
    Reader r{Bytes(data)};
    CHECK(r.bytes(3).empty());
    CHECK(!r.ok());
    CHECK(r.remaining() == 0);
}

TEST_CASE("Writer stops at the end of its buffer and reports it") {
    std::array<uint8_t, 5> buf{};
    Writer w{std::span<uint8_t>(buf)};
    w.u32(0xdeadbeef);
    CHECK(w.ok());
    w.u16(1);
    CHECK(!w.ok());
    CHECK(w.size() == 4);
    CHECK(buf[0] == 0xde);
}

TEST_CASE("CRC-32 matches the standard check value") {
    CHECK(crc32(as_bytes("123456789")) == 0xCBF43926u);
}
