// The decoded-options store (message.cpp): RFC 3396 concatenation, insertion order, typed
// getters that insist on exact lengths, and storage reuse without stale values.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dhcp_packet_builder.hpp"
#include "leasedns/dhcp/message.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;
using leasedns::dhcp::test::text;
using leasedns::dhcp::test::to_vector;

TEST_CASE("an option set once reads back; an absent one is nullopt") {
    Options o;
    o.set(12, as_bytes("host"));
    CHECK(o.has(12));
    CHECK(to_vector(o.get(12)) == text("host"));
    CHECK(!o.has(15));
    CHECK(!o.get(15));
}

TEST_CASE("set replaces the value and moves the option to the end of codes()") {
    Options o;
    o.set(1, as_bytes("a"));
    o.set(2, as_bytes("b"));
    o.set(1, as_bytes("longer"));
    CHECK(o.codes() == std::vector<uint8_t>{2, 1});
    CHECK(to_vector(o.get(1)) == text("longer"));
    o.set(1, as_bytes("s"));  // shorter: reuses its bytes in place
    CHECK(to_vector(o.get(1)) == text("s"));
    CHECK(to_vector(o.get(2)) == text("b"));
}

TEST_CASE("append concatenates in order (RFC 3396), even when the option is not the last") {
    Options o;
    o.set(12, as_bytes("ab"));
    o.set(15, as_bytes("lan"));
    o.append(12, as_bytes("cd"));
    o.append(15, as_bytes(".x"));
    o.append(12, as_bytes("ef"));
    CHECK(to_vector(o.get(12)) == text("abcdef"));
    CHECK(to_vector(o.get(15)) == text("lan.x"));
    CHECK(o.codes() == std::vector<uint8_t>{12, 15});
    o.append(81, as_bytes("new"));  // append of an absent option adds it
    CHECK(to_vector(o.get(81)) == text("new"));
}

TEST_CASE("set and append accept a value taken from the same Options") {
    Options o;
    o.set(1, as_bytes("one"));
    o.set(2, as_bytes("two-two"));
    o.set(3, *o.get(2));
    CHECK(to_vector(o.get(3)) == text("two-two"));
    o.set(1, *o.get(3));  // longer than the old value: moves to the end
    CHECK(to_vector(o.get(1)) == text("two-two"));
    for (int i = 0; i < 20; ++i) o.append(2, *o.get(3));  // grows storage while aliasing it
    std::string expected = "two-two";
    for (int i = 0; i < 20; ++i) expected += "two-two";
    CHECK(to_vector(o.get(2)) == text(expected));
    o.append(3, *o.get(3));  // doubling itself
    CHECK(to_vector(o.get(3)) == text("two-twotwo-two"));
}

TEST_CASE("remove forgets the option; clear forgets all and the store is reusable") {
    Options o;
    o.set(1, as_bytes("a"));
    o.set(2, as_bytes("b"));
    o.remove(1);
    o.remove(99);  // absent: no-op
    CHECK(!o.has(1));
    CHECK(o.codes() == std::vector<uint8_t>{2});
    o.clear();
    CHECK(o.codes().empty());
    CHECK(!o.has(2));
    o.set(2, as_bytes("again"));
    CHECK(to_vector(o.get(2)) == text("again"));
}

TEST_CASE("many replacements never lose live values (dead bytes are compacted away)") {
    Options o;
    for (int round = 0; round < 2000; ++round) {
        std::string v(static_cast<size_t>(round % 300), static_cast<char>('a' + round % 26));
        o.set(static_cast<uint8_t>(10 + round % 7), as_bytes(v));
        o.append(200, as_bytes("x"));
    }
    for (int code = 10; code < 17; ++code) {
        int last = 1999 - ((1999 - (code - 10)) % 7);
        std::string v(static_cast<size_t>(last % 300), static_cast<char>('a' + last % 26));
        CAPTURE(code);
        CHECK(to_vector(o.get(static_cast<uint8_t>(code))) == text(v));
    }
    CHECK(o.get(200)->size() == 2000);
}

TEST_CASE("typed getters insist on the exact length") {
    Options o;
    o.set_u8(53, 5);
    o.set_u32(51, 3600);
    o.set_ipv4(54, Ipv4::from_octets(198, 18, 0, 1));
    const std::vector<uint8_t> two{0x02, 0x40};
    o.set(57, two);
    CHECK(o.get_u8(53) == uint8_t{5});
    CHECK(o.get_u32(51) == 3600u);
    CHECK(o.get_ipv4(54) == Ipv4::from_octets(198, 18, 0, 1));
    CHECK(o.get_u16(57) == uint16_t{576});
    CHECK(!o.get_u8(51));
    CHECK(!o.get_u16(51));
    CHECK(!o.get_u32(57));
    CHECK(!o.get_ipv4(57));
    CHECK(!o.get_u8(1));
}

TEST_CASE("set_ipv4_list writes network order and may exceed 255 octets") {
    Options o;
    std::vector<Ipv4> list;
    for (uint32_t i = 0; i < 70; ++i) list.push_back(Ipv4(0xc6120000u + i));
    o.set_ipv4_list(6, list);
    auto v = to_vector(o.get(6));
    REQUIRE(v.size() == 280);
    CHECK(v[0] == 198);
    CHECK(v[1] == 18);
    CHECK(v[279] == 69);
    o.set_ipv4_list(3, {});
    CHECK(o.has(3));
    CHECK(o.get(3)->empty());
}

TEST_CASE("Options are equal with the same codes, order and values, whatever the layout") {
    Options a, b;
    a.set(1, as_bytes("x"));
    a.set(2, as_bytes("yy"));
    b.set(2, as_bytes("zzzzzz"));
    b.set(1, as_bytes("x"));
    b.set(2, as_bytes("yy"));  // same order as a now, different storage layout
    CHECK(a == b);
    b.set(1, as_bytes("x"));  // order 2, 1
    CHECK(!(a == b));
    Options c;
    c.set(1, as_bytes("x"));
    c.set(2, as_bytes("yz"));
    CHECK(!(a == c));
}

TEST_CASE("Message type() accepts 1..8 only and mac() is the first six chaddr octets") {
    Message m;
    CHECK(!m.type());
    m.options.set_u8(opt::kMessageType, 8);
    CHECK(m.type() == MessageType::Inform);
    m.options.set_u8(opt::kMessageType, 9);
    CHECK(!m.type());
    m.chaddr.fill(0xee);
    m.set_mac(Mac{{1, 2, 3, 4, 5, 6}});
    CHECK(m.mac() == Mac{{1, 2, 3, 4, 5, 6}});
    CHECK(m.chaddr[6] == 0);  // set_mac clears the rest of chaddr
    CHECK(std::string(name_of(MessageType::Discover)) == "DHCPDISCOVER");
    CHECK(std::string(name_of(static_cast<MessageType>(42))) == "DHCPUNKNOWN");
}
