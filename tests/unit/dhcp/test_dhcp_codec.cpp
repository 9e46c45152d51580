// ROBUSTNESS.md A1-A6: the DHCPv4 wire codec, bytes <-> Message. Packets are built byte
// by byte (dhcp_packet_builder.hpp) so the tests state the wire format independently of
// the codec. Every decoded buffer is an exact-size heap vector, so a read past its end is
// caught by ASan in the sanitizer build.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dhcp_packet_builder.hpp"
#include "leasedns/dhcp/codec.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;
using leasedns::dhcp::test::PacketBuilder;
using leasedns::dhcp::test::text;
using leasedns::dhcp::test::to_vector;

namespace {

DecodeError decode_bytes(const std::vector<uint8_t>& bytes, Message& m) {
    return decode(Bytes(bytes), m);
}

DecodeError decode_bytes(const std::vector<uint8_t>& bytes) {
    Message m;
    return decode(Bytes(bytes), m);
}

std::vector<uint8_t> encode_to_vector(const Message& m, size_t max_size = kDefaultMaxReply,
                                      size_t buffer = 65536) {
    std::vector<uint8_t> buf(buffer);
    size_t n = encode(m, buf, max_size);
    buf.resize(n);
    return buf;
}

std::vector<uint8_t> filled(size_t n, uint8_t v) {
    return std::vector<uint8_t>(n, v);
}

// A DISCOVER as dhclient sends it: type, client id, requested address, host name and a
// parameter request list.
Message typical_discover() {
    Message m;
    m.xid = 0xdeadbeef;
    m.secs = 3;
    m.flags = Message::kBroadcastFlag;
    m.set_mac(Mac{{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}});
    m.options.set_u8(opt::kMessageType, 1);
    const std::vector<uint8_t> client_id{0x01, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    m.options.set(opt::kClientId, client_id);
    m.options.set_ipv4(opt::kRequestedAddress, Ipv4::from_octets(198, 18, 0, 50));
    m.options.set(opt::kHostName, as_bytes("laptop"));
    const std::vector<uint8_t> prl{1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42};
    m.options.set(opt::kParameterList, prl);
    return m;
}

}  // namespace

// ---------------------------------------------------------------- A1: sizes and cookie

TEST_CASE("A1: every length 0-300 of all-zero or all-0xFF octets is refused, never read past") {
    for (size_t n = 0; n <= 300; ++n) {
        CAPTURE(n);
        for (uint8_t fill : {uint8_t{0x00}, uint8_t{0xff}}) {
            CAPTURE(int(fill));
            DecodeError e = decode_bytes(filled(n, fill));
            if (n < kMinPacketSize)
                CHECK(e == DecodeError::TooShort);
            else
                CHECK(e == DecodeError::BadCookie);  // 0.0.0.0 or 255.255.255.255, not 99.130.83.99
        }
    }
}

TEST_CASE("A1: a header shorter than 236 octets, or without the whole cookie, is too short") {
    PacketBuilder p;
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{235}, size_t{236}, size_t{239}}) {
        std::vector<uint8_t> cut(p.bytes().begin(), p.bytes().begin() + static_cast<long>(n));
        CAPTURE(n);
        CHECK(decode_bytes(cut) == DecodeError::TooShort);
    }
}

TEST_CASE("A1: a wrong magic cookie is refused, whichever octet is wrong") {
    for (size_t i = 236; i < 240; ++i) {
        PacketBuilder p;
        p.message_type(1).end();
        p.at(i, static_cast<uint8_t>(p.bytes()[i] ^ 0x01));
        CAPTURE(i);
        CHECK(decode_bytes(p.bytes()) == DecodeError::BadCookie);
    }
}

TEST_CASE("A1: a plain BOOTP request (no cookie, 300 octets) is not DHCP") {
    PacketBuilder p;
    p.at(236, 0).at(237, 0).at(238, 0).at(239, 0).pad_to(300);
    CHECK(decode_bytes(p.bytes()) == DecodeError::BadCookie);
}

TEST_CASE("every decode error has a description") {
    for (DecodeError e :
         {DecodeError::None, DecodeError::TooShort, DecodeError::TooLong, DecodeError::BadCookie,
          DecodeError::BadHardwareLen, DecodeError::OptionOverrun, DecodeError::BadOverload,
          DecodeError::BadMessageType}) {
        CHECK(std::string(describe(e)).size() > 1);
    }
}

// ---------------------------------------------------------------- header fields

TEST_CASE("a 240-octet packet with the cookie and no options decodes with no options") {
    PacketBuilder p;
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.op == Message::kBootRequest);
    CHECK(m.xid == 0x12345678);
    CHECK(m.mac() == Mac{{0x02, 0, 0, 0, 0, 0x01}});
    CHECK(m.options.codes().empty());
    CHECK(!m.type());
}

TEST_CASE("header fields are read at their RFC 2131 section 2 offsets, in network order") {
    PacketBuilder p;
    p.at(0, 2).at(1, 6).at(2, 16).at(3, 4);               // op htype hlen hops
    p.at(8, 0x01).at(9, 0x02).at(10, 0x80).at(11, 0x00);  // secs, flags
    p.at(12, 198).at(13, 18).at(14, 0).at(15, 9);         // ciaddr
    p.at(16, 198).at(17, 18).at(18, 0).at(19, 10);        // yiaddr
    p.at(20, 198).at(21, 18).at(22, 0).at(23, 1);         // siaddr
    p.at(24, 198).at(25, 19).at(26, 1).at(27, 1);         // giaddr
    p.at(43, 0x99).in_sname({'s', 'r', 'v'}).in_file({'p', 'x', 'e'});
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.op == 2);
    CHECK(m.htype == 6);
    CHECK(m.hlen == 16);
    CHECK(m.hops == 4);
    CHECK(m.secs == 0x0102);
    CHECK(m.flags == 0x8000);
    CHECK(m.broadcast_flag());
    CHECK(m.ciaddr == Ipv4::from_octets(198, 18, 0, 9));
    CHECK(m.yiaddr == Ipv4::from_octets(198, 18, 0, 10));
    CHECK(m.siaddr == Ipv4::from_octets(198, 18, 0, 1));
    CHECK(m.giaddr == Ipv4::from_octets(198, 19, 1, 1));
    CHECK(m.chaddr[15] == 0x99);
    CHECK(m.sname[0] == 's');
    CHECK(m.file[2] == 'e');
}

TEST_CASE("decoding into a used Message leaves nothing of the previous packet") {
    PacketBuilder first;
    first.message_type(3).option(12, text("first-host")).option(61, {1, 2, 3}).end();
    PacketBuilder second;
    second.message_type(1).option(50, {198, 18, 0, 7}).end();
    Message reused, fresh;
    REQUIRE(decode_bytes(first.bytes(), reused) == DecodeError::None);
    REQUIRE(decode_bytes(second.bytes(), reused) == DecodeError::None);
    REQUIRE(decode_bytes(second.bytes(), fresh) == DecodeError::None);
    CHECK(reused == fresh);
    CHECK(!reused.options.has(12));
}

// ---------------------------------------------------------------- A2: option framing

TEST_CASE("A2: an option whose length runs past the end of the packet is an overrun") {
    PacketBuilder p;
    p.message_type(1).raw({12, 10, 'a', 'b', 'c'});
    CHECK(decode_bytes(p.bytes()) == DecodeError::OptionOverrun);
}

TEST_CASE("A2: a code octet as the very last octet, without its length, is an overrun") {
    PacketBuilder p;
    p.message_type(1).raw({12});
    CHECK(decode_bytes(p.bytes()) == DecodeError::OptionOverrun);
}

TEST_CASE("A2: a missing END is tolerated (RFC 2131 section 4.1 interoperability)") {
    PacketBuilder p;
    p.message_type(1).option(12, text("host"));
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.type() == MessageType::Discover);
    CHECK(to_vector(m.options.get(12)) == text("host"));
}

TEST_CASE("A2: only PAD after the cookie is a packet without options") {
    PacketBuilder p;
    p.pad_to(548);
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.codes().empty());
}

TEST_CASE("A2: PAD between options is skipped and nothing after END is read") {
    PacketBuilder p;
    p.raw({0, 0}).message_type(1).raw({0}).option(12, text("h")).end();
    p.raw({12, 200});  // would overrun, but lies after END
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.codes() == std::vector<uint8_t>{53, 12});
    CHECK(to_vector(m.options.get(12)) == text("h"));
}

TEST_CASE("A2: a zero-length option is kept as present and empty") {
    PacketBuilder p;
    p.message_type(1).option(80, {}).end();
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.has(80));
    CHECK(m.options.get(80)->empty());
}

TEST_CASE("A2: message type 53 with length 0 or 2, or a value outside 1..8, drops the packet") {
    for (const std::vector<uint8_t>& value :
         {std::vector<uint8_t>{}, std::vector<uint8_t>{1, 1}, std::vector<uint8_t>{0},
          std::vector<uint8_t>{9}, std::vector<uint8_t>{255}}) {
        PacketBuilder p;
        p.option(53, value).end();
        CAPTURE(value.size());
        CHECK(decode_bytes(p.bytes()) == DecodeError::BadMessageType);
    }
    // Two one-octet instances concatenate (RFC 3396) into a two-octet value: also bad.
    PacketBuilder twice;
    twice.message_type(1).message_type(3).end();
    CHECK(decode_bytes(twice.bytes()) == DecodeError::BadMessageType);
}

TEST_CASE("A2: each message type 1..8 decodes to its name") {
    for (uint8_t t = 1; t <= 8; ++t) {
        PacketBuilder p;
        p.message_type(t).end();
        Message m;
        REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
        REQUIRE(m.type());
        CHECK(static_cast<uint8_t>(*m.type()) == t);
        CHECK(std::string(name_of(*m.type())).rfind("DHCP", 0) == 0);
    }
}

TEST_CASE("A2: wrong fixed lengths (50 len 3, 54 len 5, 51 len 2) decode but read as absent") {
    // Documented policy: the packet is kept (the option is just unusable); the typed
    // getters insist on the exact length, so the engine sees no requested address, no
    // server id and no lease time.
    PacketBuilder p;
    p.message_type(3)
        .option(50, {198, 18, 0})
        .option(54, {198, 18, 0, 1, 9})
        .option(51, {0x0e, 0x10})
        .end();
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.has(50));
    CHECK(!m.options.get_ipv4(50));
    CHECK(!m.options.get_ipv4(54));
    CHECK(!m.options.get_u32(51));
    CHECK(m.options.get_u16(51) == uint16_t{0x0e10});
}

// ---------------------------------------------------------------- A3: overload, RFC 3396

TEST_CASE("option overload 52=1 reads options from file; sname stays the server name") {
    PacketBuilder p;
    p.message_type(1).option(52, {1}).end();
    p.in_file({12, 4, 'f', 'i', 'l', 'e', 255});
    p.in_sname({'b', 'o', 'o', 't', 's', 'r', 'v'});
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(to_vector(m.options.get(12)) == text("file"));
    CHECK(!m.options.has(52));  // consumed: re-encoding never overloads
    CHECK(m.file == std::array<uint8_t, 128>{});
    CHECK(m.sname[0] == 'b');
}

TEST_CASE("option overload 52=2 reads options from sname; file stays the boot file") {
    PacketBuilder p;
    p.message_type(1).option(52, {2}).end();
    p.in_sname({15, 3, 'l', 'a', 'n', 255});
    p.in_file({'p', 'x', 'e'});
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(to_vector(m.options.get(15)) == text("lan"));
    CHECK(m.sname == std::array<uint8_t, 64>{});
    CHECK(m.file[0] == 'p');
}

TEST_CASE("option overload 52=3 reads options from file and sname") {
    PacketBuilder p;
    p.message_type(1).option(52, {3}).end();
    p.in_file({12, 4, 'h', 'o', 's', 't', 255});
    p.in_sname({15, 3, 'l', 'a', 'n', 255});
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(to_vector(m.options.get(12)) == text("host"));
    CHECK(to_vector(m.options.get(15)) == text("lan"));
    CHECK(m.options.codes() == std::vector<uint8_t>{53, 12, 15});
}

TEST_CASE("RFC 3396 section 5: an option split over options, file and sname joins in that order") {
    PacketBuilder p;
    p.message_type(1).option(52, {3}).option(12, text("ab")).end();
    p.in_file({12, 2, 'c', 'd', 255});
    p.in_sname({12, 2, 'e', 'f', 255});
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(to_vector(m.options.get(12)) == text("abcdef"));
}

TEST_CASE("without option 52, options-looking bytes in sname and file are ignored") {
    PacketBuilder p;
    p.message_type(1).end();
    p.in_file({12, 4, 'e', 'v', 'i', 'l', 255});
    p.in_sname({12, 200, 1, 2, 3});  // garbage that would overrun if it were read
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(!m.options.has(12));
    CHECK(m.file[0] == 12);
}

TEST_CASE("overload inside overload: a 52 inside file is ignored, so there is no recursion") {
    PacketBuilder p;
    p.message_type(1).option(52, {1}).end();
    p.in_file({52, 1, 3, 12, 4, 'h', 'o', 's', 't', 255});
    p.in_sname({15, 3, 'l', 'a', 'n', 255});  // would be read only if the inner 52 counted
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(to_vector(m.options.get(12)) == text("host"));
    CHECK(!m.options.has(15));
    CHECK(!m.options.has(52));
    CHECK(m.sname[0] == 15);
}

TEST_CASE("option 52 with a value outside 1..3 or a length other than 1 drops the packet") {
    for (const std::vector<uint8_t>& value :
         {std::vector<uint8_t>{0}, std::vector<uint8_t>{4}, std::vector<uint8_t>{255},
          std::vector<uint8_t>{}, std::vector<uint8_t>{1, 1}}) {
        PacketBuilder p;
        p.message_type(1).option(52, value).end();
        CAPTURE(value.size());
        CHECK(decode_bytes(p.bytes()) == DecodeError::BadOverload);
    }
}

TEST_CASE("garbage in an overloaded file field is an overrun bounded by the field") {
    // The option in file claims 10 octets starting 3 before the end of file: the bytes
    // after it (the cookie, the options) exist in the packet but are not part of file.
    PacketBuilder p;
    p.message_type(1).option(52, {1}).end();
    p.at(PacketBuilder::kFile + 125, 12).at(PacketBuilder::kFile + 126, 10);
    CHECK(decode_bytes(p.bytes()) == DecodeError::OptionOverrun);

    PacketBuilder q;
    q.message_type(1).option(52, {2}).end();
    q.at(PacketBuilder::kSname + 63, 12);  // a code octet without room for its length
    CHECK(decode_bytes(q.bytes()) == DecodeError::OptionOverrun);
}

TEST_CASE("an overloaded field without END ends at the field's end") {
    PacketBuilder p;
    p.message_type(1).option(52, {1}).end();
    // 126 octets: code, length 124, value — exactly fills the 128-octet file field.
    p.at(PacketBuilder::kFile, 43).at(PacketBuilder::kFile + 1, 126);
    for (size_t i = 0; i < 126; ++i) p.at(PacketBuilder::kFile + 2 + i, 0x42);
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.get(43)->size() == 126);
}

TEST_CASE("RFC 3396: long options split into several instances are joined in order (12, 81, 82)") {
    std::vector<uint8_t> name_a(255, 'a'), name_b(45, 'b');
    std::vector<uint8_t> fqdn_1{0x05, 0, 0, 4, 'h', 'o', 's', 't'}, fqdn_2{3, 'l', 'a', 'n', 0};
    std::vector<uint8_t> relay_1{1, 4, 'e', 't', 'h', '0'}, relay_2{2, 3, 0xaa, 0xbb, 0xcc};
    PacketBuilder p;
    p.message_type(3)
        .option(12, name_a)
        .option(81, fqdn_1)
        .option(82, relay_1)
        .option(61, {1, 2, 3, 4, 5, 6, 7})
        .option(12, name_b)
        .option(82, relay_2)
        .option(81, fqdn_2)
        .end();
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    std::vector<uint8_t> joined_name = name_a;
    joined_name.insert(joined_name.end(), name_b.begin(), name_b.end());
    CHECK(to_vector(m.options.get(12)) == joined_name);
    CHECK(to_vector(m.options.get(81)) ==
          std::vector<uint8_t>{0x05, 0, 0, 4, 'h', 'o', 's', 't', 3, 'l', 'a', 'n', 0});
    CHECK(to_vector(m.options.get(82)) ==
          std::vector<uint8_t>{1, 4, 'e', 't', 'h', '0', 2, 3, 0xaa, 0xbb, 0xcc});
    // Order of first appearance.
    CHECK(m.options.codes() == std::vector<uint8_t>{53, 12, 81, 82, 61});
}

TEST_CASE("RFC 3396 section 6: encode splits values over 255 octets into 255-octet pieces") {
    Message m;
    m.options.set_u8(opt::kMessageType, 5);
    std::vector<uint8_t> relay(300);
    for (size_t i = 0; i < relay.size(); ++i) relay[i] = static_cast<uint8_t>(i);
    m.options.set(opt::kRelayAgent, relay);
    auto wire = encode_to_vector(m, 1500);
    // 53 (3 octets) at 240, then 82 with 255 octets, then 82 with 45 octets, then END.
    REQUIRE(wire.size() >= 240 + 3 + 257 + 47 + 1);
    CHECK(wire[243] == 82);
    CHECK(wire[244] == 255);
    CHECK(wire[243 + 257] == 82);
    CHECK(wire[244 + 257] == 45);
    CHECK(wire[243 + 257 + 47] == 255);
    Message back;
    REQUIRE(decode_bytes(wire, back) == DecodeError::None);
    CHECK(to_vector(back.options.get(82)) == relay);
}

TEST_CASE("a value of exactly 255 octets is one instance; 256 is two") {
    for (size_t n : {size_t{255}, size_t{256}, size_t{510}, size_t{511}}) {
        Message m;
        m.options.set(43, filled(n, 0x11));
        auto wire = encode_to_vector(m, 4096);
        Message back;
        REQUIRE(decode_bytes(wire, back) == DecodeError::None);
        CHECK(back.options.get(43)->size() == n);
        size_t instances = 0;
        for (size_t pos = 240; wire[pos] != 255; pos += 2 + wire[pos + 1]) ++instances;
        CAPTURE(n);
        CHECK(instances == (n + 254) / 255);
    }
}

// ---------------------------------------------------------------- A4: packet size caps

TEST_CASE("A4: packets of 548, 576, 1500 and the cap are accepted; 9000 and 65507 are dropped") {
    for (size_t n : {size_t{548}, size_t{576}, size_t{1500}, kMaxPacketSize}) {
        PacketBuilder p;
        p.message_type(1).end().pad_to(n);
        CAPTURE(n);
        CHECK(decode_bytes(p.bytes()) == DecodeError::None);
    }
    for (size_t n : {kMaxPacketSize + 1, size_t{9000}, size_t{65507}}) {
        PacketBuilder p;
        p.message_type(1).end().pad_to(n);
        CAPTURE(n);
        CHECK(decode_bytes(p.bytes()) == DecodeError::TooLong);
    }
}

TEST_CASE("A4: a packet at the cap full of one-octet-value options decodes within bounds") {
    // The most option instances a packet can hold (every instance 2 octets), overload too.
    PacketBuilder p;
    p.option(52, {3});
    while (p.bytes().size() + 2 <= kMaxPacketSize) p.raw({43, 0});
    p.pad_to(kMaxPacketSize);
    for (size_t i = 0; i + 1 < 128; i += 2)
        p.at(PacketBuilder::kFile + i, 44).at(PacketBuilder::kFile + i + 1, 0);
    for (size_t i = 0; i + 1 < 64; i += 2)
        p.at(PacketBuilder::kSname + i, 45).at(PacketBuilder::kSname + i + 1, 0);
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.options.get(43)->empty());
    CHECK(m.options.has(44));
    CHECK(m.options.has(45));
}

TEST_CASE("A4: replies are never larger than the size asked for (548, 576, 1500, 9000, 65507)") {
    Message m = typical_discover();
    m.op = Message::kBootReply;
    for (uint8_t code = 128; code < 200; ++code) m.options.set(code, filled(40, code));
    for (size_t max : {size_t{548}, size_t{576}, size_t{1500}, size_t{9000}, size_t{65507}}) {
        auto wire = encode_to_vector(m, max);
        CAPTURE(max);
        CHECK(wire.size() <= max);
        CHECK(wire.size() >= kMinReplySize);
        CHECK(wire.back() == opt::kEnd);
        Message back;
        CHECK(decode_bytes(wire, back) ==
              (wire.size() <= kMaxPacketSize ? DecodeError::None : DecodeError::TooLong));
    }
}

TEST_CASE("A4: a size limit below 300 is raised to the 300 octets BOOTP relays expect") {
    Message m = typical_discover();
    for (uint8_t code = 128; code < 200; ++code) m.options.set(code, filled(40, code));
    for (size_t max : {size_t{0}, size_t{100}, size_t{299}}) {
        auto wire = encode_to_vector(m, max);
        CHECK(wire.size() == kMinReplySize);
    }
    // The default is the 576 octets every client must accept (RFC 2131 section 2).
    CHECK(encode_to_vector(m).size() == kDefaultMaxReply);
}

TEST_CASE("A4: the buffer size caps the reply too; a buffer under 300 octets encodes nothing") {
    Message m = typical_discover();
    for (uint8_t code = 128; code < 200; ++code) m.options.set(code, filled(40, code));
    CHECK(encode_to_vector(m, 1500, 400).size() <= 400);
    CHECK(encode_to_vector(m, 1500, 299).empty());
}

TEST_CASE("A4: an option that does not fit is skipped whole; later ones still fit; END always") {
    Message m;
    m.options.set_u8(opt::kMessageType, 2);
    m.options.set(43, filled(200, 0x43));
    m.options.set(44, filled(200, 0x44));  // 240 + 3 + 202 + 202 > 576: does not fit
    m.options.set(45, filled(20, 0x45));   // still fits after 44 is skipped
    auto wire = encode_to_vector(m, 576);
    CHECK(wire.size() <= 576);
    Message back;
    REQUIRE(decode_bytes(wire, back) == DecodeError::None);
    CHECK(back.options.get(43)->size() == 200);
    CHECK(!back.options.has(44));
    CHECK(to_vector(back.options.get(45)) == filled(20, 0x45));
}

TEST_CASE("A4: a reply that exactly fills the limit still ends with END") {
    Message m;
    // 240 + (2 + 333 split as 255+78 -> 337) ... choose sizes so the options end at 575.
    m.options.set(43, filled(255, 1));  // 257 octets -> 497
    m.options.set(44, filled(76, 2));   // 78 octets -> 575, END at 575
    auto wire = encode_to_vector(m, 576);
    REQUIRE(wire.size() == 576);
    CHECK(wire[575] == opt::kEnd);
    Message back;
    REQUIRE(decode_bytes(wire, back) == DecodeError::None);
    CHECK(back.options.has(44));
    // One octet more and 44 no longer fits (END must keep its octet).
    m.options.set(44, filled(77, 2));
    Message again;
    REQUIRE(decode_bytes(encode_to_vector(m, 576), again) == DecodeError::None);
    CHECK(!again.options.has(44));
}

TEST_CASE("A4: short replies are zero-padded to 300 octets after END") {
    Message m;
    m.options.set_u8(opt::kMessageType, 6);
    auto wire = encode_to_vector(m, 576);
    REQUIRE(wire.size() == kMinReplySize);
    CHECK(wire[243] == opt::kEnd);
    for (size_t i = 244; i < wire.size(); ++i) CHECK(wire[i] == 0);
}

TEST_CASE("encode never writes PAD, END or option overload as options") {
    Message m;
    m.options.set_u8(opt::kMessageType, 2);
    m.options.set(opt::kPad, filled(3, 7));
    m.options.set(opt::kOverload, filled(1, 3));
    m.options.set(opt::kEnd, filled(2, 9));
    auto wire = encode_to_vector(m);
    CHECK(wire[240] == 53);
    CHECK(wire[243] == opt::kEnd);
}

// ---------------------------------------------------------------- A5: hardware address

TEST_CASE("A5: hlen > 16 is dropped (chaddr holds 16 octets); hlen 16 is fine") {
    PacketBuilder ok;
    ok.at(2, 16).message_type(1).end();
    CHECK(decode_bytes(ok.bytes()) == DecodeError::None);
    for (uint8_t hlen : {uint8_t{17}, uint8_t{100}, uint8_t{255}}) {
        PacketBuilder p;
        p.at(2, hlen).message_type(1).end();
        CHECK(decode_bytes(p.bytes()) == DecodeError::BadHardwareLen);
    }
}

TEST_CASE("A5: htype 0 (no hardware address) with hlen != 0 is dropped; with hlen 0 accepted") {
    PacketBuilder bad;
    bad.at(1, 0).at(2, 6).message_type(1).end();
    CHECK(decode_bytes(bad.bytes()) == DecodeError::BadHardwareLen);
    PacketBuilder ok;
    ok.at(1, 0).at(2, 0).message_type(1).option(61, {0, 'i', 'd'}).end();
    CHECK(decode_bytes(ok.bytes()) == DecodeError::None);
}

TEST_CASE("A5: a BOOTREPLY decodes (the engine, not the codec, drops it on port 67)") {
    PacketBuilder p;
    p.at(0, 2).message_type(2).end();
    Message m;
    REQUIRE(decode_bytes(p.bytes(), m) == DecodeError::None);
    CHECK(m.op == Message::kBootReply);
}

// ---------------------------------------------------------------- A6: round trips

TEST_CASE("A6: decode(encode(m)) == m for a typical DISCOVER") {
    Message m = typical_discover();
    auto wire = encode_to_vector(m);
    Message back;
    REQUIRE(decode_bytes(wire, back) == DecodeError::None);
    CHECK(back == m);
}

TEST_CASE("A6: decode(encode(m)) == m with sname, file, every header field and long options") {
    Message m = typical_discover();
    m.op = Message::kBootReply;
    m.htype = 6;
    m.hlen = 16;
    m.hops = 3;
    m.ciaddr = Ipv4::from_octets(198, 18, 0, 9);
    m.yiaddr = Ipv4::from_octets(198, 18, 0, 10);
    m.siaddr = Ipv4::from_octets(198, 18, 0, 1);
    m.giaddr = Ipv4::from_octets(198, 19, 1, 1);
    for (size_t i = 0; i < 16; ++i) m.chaddr[i] = static_cast<uint8_t>(0xa0 + i);
    m.sname.fill('s');
    m.file.fill('f');
    m.options.set(opt::kClientFqdn, filled(600, 'q'));
    std::vector<Ipv4> many;
    for (uint8_t i = 0; i < 100; ++i) many.push_back(Ipv4::from_octets(198, 18, 1, i));
    m.options.set_ipv4_list(opt::kDnsServers, many);  // 400 octets
    auto wire = encode_to_vector(m, 4096);
    Message back;
    REQUIRE(decode_bytes(wire, back) == DecodeError::None);
    CHECK(back == m);
}

TEST_CASE("A6: encode(decode(b)) is stable: a second round gives the same bytes") {
    PacketBuilder p;
    p.raw({0, 0})
        .message_type(3)
        .option(52, {3})
        .option(12, text("split-"))
        .option(61, {1, 2, 0, 0, 0, 0, 1})
        .option(50, {198, 18, 0, 50})
        .raw({0})
        .end();
    p.in_file({12, 4, 'h', 'o', 's', 't', 255});
    p.in_sname({55, 3, 1, 3, 6, 255});
    Message first;
    REQUIRE(decode_bytes(p.bytes(), first) == DecodeError::None);
    auto once = encode_to_vector(first, 1500);
    Message second;
    REQUIRE(decode_bytes(once, second) == DecodeError::None);
    CHECK(second == first);
    CHECK(encode_to_vector(second, 1500) == once);
    CHECK(to_vector(second.options.get(12)) == text("split-host"));
}

TEST_CASE("A6: random messages survive decode(encode(m)) unchanged (seeded)") {
    std::mt19937 rng(20240601);
    auto byte = [&] { return static_cast<uint8_t>(rng()); };
    for (int round = 0; round < 500; ++round) {
        Message m;
        m.op = byte() & 1 ? Message::kBootRequest : Message::kBootReply;
        m.hlen = static_cast<uint8_t>(rng() % 17);
        m.htype =
            m.hlen == 0 ? static_cast<uint8_t>(rng() % 2) : static_cast<uint8_t>(1 + rng() % 255);
        m.hops = byte();
        m.xid = static_cast<uint32_t>(rng());
        m.secs = static_cast<uint16_t>(rng());
        m.flags = static_cast<uint16_t>(rng());
        m.ciaddr = Ipv4(static_cast<uint32_t>(rng()));
        m.yiaddr = Ipv4(static_cast<uint32_t>(rng()));
        m.siaddr = Ipv4(static_cast<uint32_t>(rng()));
        m.giaddr = Ipv4(static_cast<uint32_t>(rng()));
        for (auto& b : m.chaddr) b = byte();
        for (auto& b : m.sname) b = byte();
        for (auto& b : m.file) b = byte();
        if (rng() % 4) m.options.set_u8(opt::kMessageType, static_cast<uint8_t>(1 + rng() % 8));
        size_t budget = 3000;
        int count = static_cast<int>(rng() % 30);
        for (int i = 0; i < count; ++i) {
            auto code = static_cast<uint8_t>(1 + rng() % 254);
            if (code == opt::kOverload || code == opt::kMessageType) continue;
            size_t len = rng() % 4 == 0 ? rng() % 700 : rng() % 20;
            if (len + 2 * (len / 255 + 2) > budget) continue;
            budget -= len + 2 * (len / 255 + 2);
            std::vector<uint8_t> v(len);
            for (auto& b : v) b = byte();
            if (rng() % 3 == 0 && m.options.has(code))
                m.options.append(code, v);
            else
                m.options.set(code, v);
        }
        auto wire = encode_to_vector(m, 4096, 4096);
        Message back;
        CAPTURE(round);
        REQUIRE(decode_bytes(wire, back) == DecodeError::None);
        CHECK(back == m);
    }
}
