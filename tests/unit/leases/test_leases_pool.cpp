#include <doctest/doctest.h>

#include <random>
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

TEST_CASE("pick finds the one free address of a /16 from any hint, across bitmap words") {
    // 65,536 addresses: three bitmap levels. Every address but one is taken, so pick must
    // climb to the summary words and come back down (or wrap past the end to find it).
    AddressPool pool(Ipv4::from_octets(10, 1, 0, 0), Ipv4::from_octets(10, 1, 255, 255));
    REQUIRE(pool.capacity() == 65536);
    const Ipv4 lone = Ipv4::from_octets(10, 1, 77, 3);
    for (uint32_t i = 0; i < 65536; ++i) {
        Ipv4 a(Ipv4::from_octets(10, 1, 0, 0).value + i);
        if (a != lone) REQUIRE(pool.take(a));
    }
    CHECK(pool.free_count() == 1);
    for (uint64_t hint : {0ull, 1ull, 19715ull, 65535ull, 65536ull * 19715, 65536ull * 65535,
                          0xffffffffffffffffull})
        CHECK(pool.pick(hint) == lone);
    REQUIRE(pool.take(lone));
    CHECK(!pool.pick(12345));
    pool.give_back(Ipv4::from_octets(10, 1, 0, 0));  // only before every search start
    CHECK(pool.pick(65536ull * 65535 + 5) == Ipv4::from_octets(10, 1, 0, 0));
}

TEST_CASE("pick, take and give_back agree with a reference set under random churn") {
    // 5,000 addresses (a partial last word on two levels), 20,000 random operations.
    const Ipv4 first = Ipv4::from_octets(10, 2, 0, 0);
    AddressPool pool(first, Ipv4(first.value + 4999));
    std::set<uint32_t> free_set;
    for (uint32_t i = 0; i < 5000; ++i) free_set.insert(i);
    std::mt19937_64 rng(42);
    for (int step = 0; step < 20000; ++step) {
        const uint64_t r = rng();
        const uint32_t offset = static_cast<uint32_t>(r % 5000);
        const Ipv4 a(first.value + offset);
        switch ((r >> 32) % 3) {
            case 0:
                REQUIRE(pool.take(a) == (free_set.erase(offset) == 1));
                break;
            case 1:
                pool.give_back(a);
                free_set.insert(offset);
                break;
            default: {
                const auto picked = pool.pick(rng());
                REQUIRE(picked.has_value() == !free_set.empty());
                if (picked) {
                    REQUIRE(free_set.count(picked->value - first.value) == 1);
                    REQUIRE(pool.take(*picked));
                    free_set.erase(picked->value - first.value);
                }
            }
        }
        REQUIRE(pool.free_count() == free_set.size());
    }
    for (uint32_t i = 0; i < 5000; ++i)
        CHECK(pool.is_free(Ipv4(first.value + i)) == (free_set.count(i) == 1));
}

TEST_CASE("A /8 pool costs about one bit per address, not 8 bytes") {
    AddressPool pool(Ipv4::from_octets(10, 0, 0, 0), Ipv4::from_octets(10, 255, 255, 255));
    CHECK(pool.capacity() == 16777216);
    CHECK(pool.memory_bytes() < 16777216 / 8 + 16777216 / 8 / 32);
    CHECK(pool.take(Ipv4::from_octets(10, 255, 255, 255)));
    CHECK(pool.pick(16777215) != Ipv4::from_octets(10, 255, 255, 255));
}
