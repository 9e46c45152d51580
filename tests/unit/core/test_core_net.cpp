#include <doctest/doctest.h>

#include "leasedns/core/net.hpp"

using namespace leasedns;

TEST_CASE("IPv4 dotted quads parse and print; junk and octal-looking forms are refused") {
    CHECK(Ipv4::parse("198.18.0.1")->value == 0xC6120001u);
    CHECK(Ipv4::parse("198.18.0.1")->str() == "198.18.0.1");
    CHECK(Ipv4::parse("255.255.255.255")->value == 0xffffffffu);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.4 ", "a.b.c.d",
                            "01.2.3.4", "1..2.3", "-1.2.3.4"}) {
        CHECK_MESSAGE(!Ipv4::parse(bad), bad);
    }
}

TEST_CASE("MAC addresses accept colons or dashes in any case") {
    auto m = Mac::parse("AA-bb:cc:00:11:22");
    REQUIRE(m);
    CHECK(m->str() == "aa:bb:cc:00:11:22");
    CHECK(!Mac::parse("aa:bb:cc:00:11"));
    CHECK(!Mac::parse("aa:bb:cc:00:11:zz"));
}

TEST_CASE("prefixes: masks, containment, broadcast") {
    auto p = Prefix::parse("198.18.5.7/16");
    REQUIRE(p);
    CHECK(p->network.str() == "198.18.0.0");
    CHECK(p->broadcast().str() == "198.18.255.255");
    CHECK(p->contains(*Ipv4::parse("198.18.200.1")));
    CHECK(!p->contains(*Ipv4::parse("198.19.0.1")));
    CHECK(Prefix::length_of_mask(*Ipv4::parse("255.255.255.0")) == 24);
    CHECK(Prefix::length_of_mask(*Ipv4::parse("0.0.0.0")) == 0);
    CHECK(!Prefix::length_of_mask(*Ipv4::parse("255.0.255.0")));
    CHECK(!Prefix::parse("1.2.3.4/33"));
    CHECK(!Prefix::parse("1.2.3.4/"));
}
