// ROBUSTNESS.md C1-C5, C8: client host names (option 12, option 81 / RFC 4702) reduced to
// one LDH label before they can reach DNS, and the server's option 81 reply flags.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "leasedns/dhcp/hostname.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;

namespace {

constexpr std::string_view kDomain = "lan";

std::optional<std::string> clean(std::string_view raw, std::string_view domain = kDomain) {
    std::string reason;
    auto out = sanitize_hostname(raw, domain, &reason);
    if (!out) CHECK(!reason.empty());  // a rejection always says why (for the log line)
    return out;
}

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) {
    return std::vector<uint8_t>(b);
}

// Built with push_back: g++ 12 -O3 warns falsely (-Warray-bounds) on a vector insert here.
std::vector<uint8_t> fqdn_option(uint8_t flags, std::string_view name_part) {
    std::vector<uint8_t> v{flags, 0, 0};
    for (char c : name_part) v.push_back(static_cast<uint8_t>(c));
    return v;
}

// "host.lan" in wire form with the root label.
const std::vector<uint8_t> kWireHostLan{4, 'h', 'o', 's', 't', 3, 'l', 'a', 'n', 0};

std::vector<uint8_t> wire_option(uint8_t flags, const std::vector<uint8_t>& name) {
    std::vector<uint8_t> v{flags, 0, 0};
    for (uint8_t c : name) v.push_back(c);
    return v;
}

// A rooted wire name made of labels of the given sizes ('a' repeated).
std::vector<uint8_t> wire_labels(std::initializer_list<size_t> sizes) {
    std::vector<uint8_t> v;
    for (size_t n : sizes) {
        v.push_back(static_cast<uint8_t>(n));
        for (size_t i = 0; i < n; ++i) v.push_back('a');
    }
    v.push_back(0);
    return v;
}

constexpr uint8_t S = ClientFqdn::kFlagS;
constexpr uint8_t O = ClientFqdn::kFlagO;
constexpr uint8_t E = ClientFqdn::kFlagE;
constexpr uint8_t N = ClientFqdn::kFlagN;

}  // namespace

// ---------------------------------------------------------------- sanitize_hostname

TEST_CASE("a plain LDH label is kept as is") {
    CHECK(clean("laptop") == "laptop");
    CHECK(clean("pc-42") == "pc-42");
    CHECK(clean("7") == "7");
}

TEST_CASE("C8: case and a trailing dot do not make a different name") {
    CHECK(clean("LapTop") == "laptop");
    CHECK(clean("laptop.") == "laptop");
    CHECK(clean("LAPTOP.LAN.") == "laptop");
    CHECK(clean("laptop.lan", "LAN.") == "laptop");
}

TEST_CASE("C1: a dotted name in our domain keeps only its first label") {
    CHECK(clean("laptop.lan") == "laptop");
    CHECK(clean("laptop.home.arpa", "home.arpa") == "laptop");
}

TEST_CASE("C1: a dotted name outside our domain gives no name at all, not even its first label") {
    std::string reason;
    CHECK(!sanitize_hostname("evil.example.com", kDomain, &reason));
    CHECK(reason == "name outside our domain");
    CHECK(!clean("a.b.lan"));          // the rest is b.lan, not lan
    CHECK(!clean("laptop.lan.evil"));  // our domain as a prefix is not ours
    CHECK(!clean("laptop.xlan"));
    CHECK(!clean("laptop.lan", ""));  // no domain configured: no dotted name is ours
    CHECK(!clean("www.google.com"));
}

TEST_CASE("C2: space, NUL, control characters, UTF-8 and punctuation reject the name") {
    for (std::string_view bad :
         {std::string_view("my host"), std::string_view("host\0x", 6), std::string_view("ho\tst"),
          std::string_view("host\n"), std::string_view("host\r"), std::string_view("caf\xc3\xa9"),
          std::string_view("\"host\""), std::string_view("ho\\st"), std::string_view("$host"),
          std::string_view("host;rm"), std::string_view("ho*st"), std::string_view("ho/st"),
          std::string_view("host_1"), std::string_view("host@lan"), std::string_view("\x7f"),
          std::string_view("\xff\xfe")}) {
        CAPTURE(std::string(bad));
        CHECK(!clean(bad));
    }
}

TEST_CASE("trailing NULs are deleted as RFC 2132 section 2 requires; other NULs reject") {
    CHECK(clean(std::string_view("laptop\0", 7)) == "laptop");
    CHECK(clean(std::string_view("laptop.lan\0\0", 12)) == "laptop");
    CHECK(!clean(std::string_view("\0laptop", 7)));
    CHECK(!clean(std::string_view("lap\0top", 7)));
    CHECK(!clean(std::string_view("\0", 1)));
}

TEST_CASE("C2: a label starting or ending with '-' is rejected, not mapped") {
    CHECK(!clean("-host"));
    CHECK(!clean("host-"));
    CHECK(!clean("-"));
    CHECK(!clean("-host.lan"));
    CHECK(clean("h-o-s-t") == "h-o-s-t");
}

TEST_CASE("C3: a name that is empty after cleaning gives no name") {
    CHECK(!clean(""));
    CHECK(!clean("."));
    CHECK(!clean(".lan"));
    CHECK(!clean("..lan"));
    CHECK(!clean("host..lan"));
}

TEST_CASE("C4: a 63-octet label is fine; a 64-octet label is rejected") {
    std::string ok(63, 'a'), too_long(64, 'a');
    CHECK(clean(ok) == ok);
    CHECK(clean(ok + ".lan") == ok);
    CHECK(!clean(too_long));
    CHECK(!clean(too_long + ".lan"));
    CHECK(!clean(std::string(255, 'a')));
}

TEST_CASE("C4: a label that would make the FQDN longer than 253 octets is rejected") {
    // Four 47-octet labels: a 191-octet domain (a configuration can hold one).
    std::string domain;
    for (int i = 0; i < 4; ++i) domain += (i ? "." : "") + std::string(47, 'd');
    REQUIRE(domain.size() == 191);
    std::string fits(61, 'h');  // 61 + 1 + 191 = 253
    CHECK(clean(fits, domain) == fits);
    CHECK(!clean(fits + "h", domain));  // 254
}

TEST_CASE("C6: reserved names are never registered from DHCP") {
    for (std::string_view name : {"wpad", "WPAD", "isatap", "localhost", "localhost.lan"}) {
        CAPTURE(std::string(name));
        CHECK(!clean(name));
    }
    CHECK(clean("wpad2") == "wpad2");
}

TEST_CASE("the reason may be omitted") {
    CHECK(!sanitize_hostname("bad name", kDomain, nullptr));
    CHECK(sanitize_hostname("good", kDomain, nullptr) == "good");
}

// ---------------------------------------------------------------- option 81: parsing

TEST_CASE("C5: option 81 shorter than its three fixed octets is malformed") {
    CHECK(!parse_client_fqdn(bytes({})));
    CHECK(!parse_client_fqdn(bytes({0})));
    CHECK(!parse_client_fqdn(bytes({0, 0})));
    auto empty_name = parse_client_fqdn(bytes({S, 0, 0}));
    REQUIRE(empty_name);
    CHECK(empty_name->name.empty());
    CHECK(empty_name->flags == S);
}

TEST_CASE("C5: option 81 in the deprecated ASCII form keeps the name as sent") {
    auto f = parse_client_fqdn(fqdn_option(S, "host.lan"));
    REQUIRE(f);
    CHECK(f->name == "host.lan");
    CHECK(f->flags == S);
    CHECK(!f->partial);
    // Odd octets are not judged here: sanitize_hostname rejects them afterwards.
    auto odd = parse_client_fqdn(fqdn_option(0, std::string_view("a b\0", 4)));
    REQUIRE(odd);
    CHECK(odd->name == std::string("a b\0", 4));
    CHECK(!sanitize_hostname(odd->name, kDomain, nullptr));
}

TEST_CASE("C5: an ASCII name longer than 255 octets is malformed") {
    CHECK(parse_client_fqdn(fqdn_option(0, std::string(255, 'a'))));
    CHECK(!parse_client_fqdn(fqdn_option(0, std::string(256, 'a'))));
}

TEST_CASE("C5: option 81 in wire form (E) decodes a fully qualified name") {
    auto f = parse_client_fqdn(wire_option(E | S, kWireHostLan));
    REQUIRE(f);
    CHECK(f->name == "host.lan");
    CHECK(!f->partial);
    CHECK(f->flags == (E | S));
    CHECK(sanitize_hostname(f->name, kDomain, nullptr) == "host");
}

TEST_CASE("C5: a wire name without the root label is partial (RFC 4702 section 2.3.1)") {
    auto f = parse_client_fqdn(wire_option(E, {4, 'h', 'o', 's', 't'}));
    REQUIRE(f);
    CHECK(f->name == "host");
    CHECK(f->partial);
    auto root_only = parse_client_fqdn(wire_option(E, {0}));
    REQUIRE(root_only);
    CHECK(root_only->name.empty());
}

TEST_CASE("C5: compression pointers are refused in option 81") {
    CHECK(!parse_client_fqdn(wire_option(E, {4, 'h', 'o', 's', 't', 0xc0, 0x00})));
    CHECK(!parse_client_fqdn(wire_option(E, {0xc0, 0x03})));
    CHECK(!parse_client_fqdn(wire_option(E, {0xc0})));
}

TEST_CASE("C5: wire labels with the 0x40/0x80 type bits, or longer than 63, are refused") {
    CHECK(parse_client_fqdn(wire_option(E, wire_labels({63}))));
    CHECK(!parse_client_fqdn(wire_option(E, wire_labels({64}))));
    CHECK(!parse_client_fqdn(wire_option(E, {0x80, 'a', 0})));
}

TEST_CASE("C5: a wire label running past the data, or bytes after the root, is malformed") {
    CHECK(!parse_client_fqdn(wire_option(E, {5, 'h', 'o'})));
    CHECK(!parse_client_fqdn(wire_option(E, {4, 'h', 'o', 's', 't', 0, 'x'})));
}

TEST_CASE("C5: a wire label containing a dot is refused (it would change meaning once dotted)") {
    CHECK(!parse_client_fqdn(wire_option(E, {3, 'a', '.', 'b', 0})));
}

TEST_CASE("C4/C5: a wire name over 255 octets is refused") {
    CHECK(!parse_client_fqdn(wire_option(E, wire_labels({63, 63, 63, 63}))));  // 257 octets
    CHECK(parse_client_fqdn(wire_option(E, wire_labels({63, 63, 63, 61}))));   // 255 octets
}

TEST_CASE("C5: the O bit and the MBZ bits from a client are ignored; S with N is refused") {
    auto f = parse_client_fqdn(wire_option(0xf0 | O | S | E, kWireHostLan));
    REQUIRE(f);
    CHECK(f->flags == (S | E));
    CHECK(!parse_client_fqdn(wire_option(S | N | E, kWireHostLan)));
    CHECK(!parse_client_fqdn(fqdn_option(S | N, "host")));
    auto n = parse_client_fqdn(fqdn_option(N, "host"));
    REQUIRE(n);
    CHECK(n->flags == N);
}

// ---------------------------------------------------------------- option 81: our reply

TEST_CASE("C5: reply flags for every client S/O/N combination (RFC 4702 sections 2.1, 4.1)") {
    struct Case {
        uint8_t client;
        bool we_update;
        uint8_t reply;
    };
    // O is set exactly when our S differs from the client's; N=1 (S=0) when we do no
    // updates; the client's O is meaningless and ignored.
    const Case cases[] = {
        {0, true, S | O}, {S, true, S},         {N, true, S | O},      {O, true, S | O},
        {S | O, true, S}, {N | O, true, S | O}, {0, false, N},         {S, false, N | O},
        {N, false, N},    {O, false, N},        {S | O, false, N | O}, {N | O, false, N},
    };
    for (const Case& c : cases) {
        CAPTURE(int(c.client));
        CAPTURE(c.we_update);
        ClientFqdn request;
        request.flags = c.client;
        auto reply = build_client_fqdn_reply(request, "", c.we_update);
        REQUIRE(reply.size() == 3);
        CHECK(int(reply[0]) == int(c.reply));
        CHECK(((reply[0] & S) != 0) != ((reply[0] & N) != 0));  // exactly one of S, N
    }
}

TEST_CASE("C5: the reply has both RCODE octets 255 (RFC 4702 section 2.2)") {
    ClientFqdn request;
    auto reply = build_client_fqdn_reply(request, "host.lan", true);
    REQUIRE(reply.size() >= 3);
    CHECK(reply[1] == 255);
    CHECK(reply[2] == 255);
}

TEST_CASE("C5: the reply uses the client's encoding: wire form with the root label when E") {
    ClientFqdn wire;
    wire.flags = E | S;
    auto reply = build_client_fqdn_reply(wire, "host.lan", true);
    std::vector<uint8_t> expected = wire_option(E | S, kWireHostLan);
    expected[1] = expected[2] = 255;
    CHECK(reply == expected);
    // And it parses back (as a client would read it) to the same name.
    auto back = parse_client_fqdn(reply);
    REQUIRE(back);
    CHECK(back->name == "host.lan");
    CHECK(!back->partial);

    ClientFqdn ascii;
    ascii.flags = S;
    auto text_reply = build_client_fqdn_reply(ascii, "host.lan", true);
    std::vector<uint8_t> expected_text = fqdn_option(S, "host.lan");
    expected_text[1] = expected_text[2] = 255;
    CHECK(text_reply == expected_text);
}

TEST_CASE("C5: a name that cannot be wire-encoded is left out of the reply, not sent broken") {
    ClientFqdn wire;
    wire.flags = E;
    auto reply = build_client_fqdn_reply(wire, std::string(64, 'a') + ".lan", true);
    CHECK(reply.size() == 3);
    auto empty_label = build_client_fqdn_reply(wire, "a..lan", true);
    CHECK(empty_label.size() == 3);
}
