#include <doctest/doctest.h>

#include <set>

#include "leasedns/leases/pool.hpp"

using namespace leasedns;
using namespace leasedns::leases;

namespace {
Ipv4 ip(uint8_t c, uint8_t d) {
    return Ipv4::from_octets(198, 18, c, d);
}
}  // namespace

TEST_CASE("A new pool has every address of its inclusive range free") {
    AddressPool pool(ip(0, 10), ip(0, 19));
    CHECK(pool.capacity() == 10);
    CHECK(pool.free_count() == 10);
    for (uint8_t d = 10; d <= 19; ++d) CHECK(pool.is_free(ip(0, d)));
    CHECK(!pool.contains(ip(0, 9)));
    CHECK(!pool.contains(ip(0, 20)));
    CHECK(!pool.is_free(ip(0, 20)));
}

TEST_CASE("Taking an address marks it used once; outside addresses cannot be taken") {
    AddressPool pool(ip(0, 10), ip(0, 19));
    CHECK(pool.take(ip(0, 12)));
    CHECK(!pool.is_free(ip(0, 12)));
    CHECK(pool.free_count() == 9);
    CHECK(!pool.take(ip(0, 12)));
    CHECK(!pool.take(ip(0, 9)));
    CHECK(!pool.take(ip(1, 12)));
    CHECK(pool.free_count() == 9);
}

TEST_CASE("Giving an address back frees it; giving back a free or foreign one changes nothing") {
    AddressPool pool(ip(0, 10), ip(0, 19));
    REQUIRE(pool.take(ip(0, 15)));
    pool.give_back(ip(0, 15));
    CHECK(pool.is_free(ip(0, 15)));
    CHECK(pool.free_count() == 10);
    pool.give_back(ip(0, 15));
    pool.give_back(ip(0, 200));
    CHECK(pool.free_count() == 10);
}

TEST_CASE("pick prefers first + hint mod capacity while that address is free") {
    AddressPool pool(ip(0, 10), ip(0, 19));
    CHECK(pool.pick(3) == ip(0, 13));
    CHECK(pool.pick(13) == ip(0, 13));
    CHECK(pool.pick(3) == ip(0, 13));  // pick does not take
    REQUIRE(pool.take(ip(0, 13)));
    auto other = pool.pick(3);
    REQUIRE(other);
    CHECK(*other != ip(0, 13));
    CHECK(pool.is_free(*other));
}

TEST_CASE("Picking and taking drains the pool to exhaustion, then give-back refills it") {
    AddressPool pool(ip(0, 0), ip(0, 99));
    std::set<uint32_t> seen;
    for (uint64_t hint = 0; hint < 100; ++hint) {
        auto a = pool.pick(hint * 7919);
        REQUIRE(a);
        REQUIRE(pool.contains(*a));
        REQUIRE(pool.take(*a));
        seen.insert(a->value);
    }
    CHECK(seen.size() == 100);
    CHECK(pool.free_count() == 0);
    CHECK(!pool.pick(0));
    CHECK(!pool.pick(12345));
    pool.give_back(ip(0, 42));
    CHECK(pool.pick(0) == ip(0, 42));
    CHECK(pool.pick(99999) == ip(0, 42));
}

TEST_CASE("A range whose last address is below its first is an empty pool") {
    AddressPool pool(ip(0, 20), ip(0, 10));
    CHECK(pool.capacity() == 0);
    CHECK(!pool.contains(ip(0, 15)));
    CHECK(!pool.take(ip(0, 15)));
    CHECK(!pool.pick(0));
}

TEST_CASE("A pool at the top of the address space does not overflow") {
    AddressPool pool(Ipv4(0xfffffffe), Ipv4(0xffffffff));
    CHECK(pool.capacity() == 2);
    CHECK(pool.take(Ipv4(0xffffffff)));
    CHECK(pool.pick(1) == Ipv4(0xfffffffe));
}
