#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "leasedns/leases/events.hpp"
#include "leasedns/leases/lease.hpp"

using namespace leasedns;
using namespace leasedns::leases;

namespace {
const std::vector<uint8_t> kMac{0xaa, 0xbb, 0xcc, 0x00, 0x11, 0x22};
}

TEST_CASE("An option 61 client id is kept exactly as sent") {
    const std::vector<uint8_t> sent{0x01, 0xaa, 0xbb, 0xcc, 0x00, 0x11, 0x22};
    ClientId id = ClientId::from_option61(sent);
    CHECK(std::vector<uint8_t>(id.bytes().begin(), id.bytes().end()) == sent);
    CHECK(id.str() == "01:aa:bb:cc:00:11:22");
}

TEST_CASE("A hardware identity is 0xff, htype, chaddr and never equals option 61 = 01:MAC") {
    ClientId hw = ClientId::from_hardware(1, kMac);
    CHECK(hw.str() == "ff:01:aa:bb:cc:00:11:22");
    std::vector<uint8_t> type1{0x01};
    type1.insert(type1.end(), kMac.begin(), kMac.end());
    ClientId opt = ClientId::from_option61(type1);
    CHECK(!(hw == opt));
    CHECK(hw == ClientId::from_hardware(1, kMac));
    CHECK(!(hw == ClientId::from_hardware(6, kMac)));  // htype is part of the identity
}

TEST_CASE("A hardware identity keeps at most the 16 octets of the chaddr field") {
    std::vector<uint8_t> long_chaddr(20, 0x5a);
    ClientId id = ClientId::from_hardware(1, long_chaddr);
    CHECK(id.bytes().size() == 18);
}

TEST_CASE("Ids longer than 32 octets keep 24 octets plus a hash of the whole value") {
    std::vector<uint8_t> a(40, 0x11), b(40, 0x11);
    b[39] = 0x12;  // differs only past the kept prefix
    ClientId ia = ClientId::from_option61(a), ib = ClientId::from_option61(b);
    CHECK(ia.bytes().size() == ClientId::kInline);
    CHECK(ib.bytes().size() == ClientId::kInline);
    CHECK(!(ia == ib));
    CHECK(ia == ClientId::from_option61(a));
    CHECK(std::equal(a.begin(), a.begin() + 24, ia.bytes().begin()));
}

TEST_CASE("The reduction of long ids is stable across runs (it is persisted)") {
    // FNV-1a 64 of 40 x 0x11, appended big-endian; a change here breaks existing journals.
    std::vector<uint8_t> a(40, 0x11);
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t byte : a) h = (h ^ byte) * 0x100000001b3ull;
    ClientId id = ClientId::from_option61(a);
    for (size_t i = 0; i < 8; ++i) CHECK(id.bytes()[24 + i] == uint8_t(h >> (56 - 8 * i)));
}

TEST_CASE("str and parse are inverses") {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{32}}) {
        std::vector<uint8_t> v;
        for (size_t i = 0; i < n; ++i) v.push_back(uint8_t(i * 37 + 5));
        ClientId id = ClientId::from_option61(v), back;
        REQUIRE(ClientId::parse(id.str(), back));
        CHECK(back == id);
    }
    ClientId upper;
    REQUIRE(ClientId::parse("FF:01:AA", upper));
    CHECK(upper.str() == "ff:01:aa");
}

TEST_CASE("parse rejects malformed text and leaves the output untouched") {
    ClientId out = ClientId::from_hardware(1, kMac);
    const ClientId before = out;
    std::string too_long;
    for (int i = 0; i < 33; ++i) too_long += i ? ":00" : "00";
    for (std::string_view bad : std::initializer_list<std::string_view>{
             "a", "aa:", ":aa", "aa::bb", "zz", "aab", "aa-bb", "a:bb", too_long}) {
        CAPTURE(bad);
        CHECK(!ClientId::parse(bad, out));
        CHECK(out == before);
    }
}

TEST_CASE("Equal ids hash equally and different ids almost never do") {
    std::set<size_t> hashes;
    for (uint32_t n = 0; n < 1000; ++n) {
        uint8_t m[6] = {2, 0, 0, 0, uint8_t(n >> 8), uint8_t(n)};
        ClientId id = ClientId::from_hardware(1, m);
        CHECK(id.hash() == ClientId::from_hardware(1, m).hash());
        CHECK(std::hash<ClientId>{}(id) == id.hash());
        hashes.insert(id.hash());
    }
    CHECK(hashes.size() == 1000);
}

TEST_CASE("Every event kind has its own lower-case name") {
    std::set<std::string> names;
    for (EventKind k : {EventKind::Granted, EventKind::Renewed, EventKind::Released,
                        EventKind::Expired, EventKind::Declined})
        names.insert(name_of(k));
    CHECK(names == std::set<std::string>{"declined", "expired", "granted", "released", "renewed"});
}
