// The option catalogue: dnsmasq names, value types, and the text <-> wire conversion used
// by the configuration (--dhcp-option) and by --print-config / leasectl.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "leasedns/dhcp/option_catalogue.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;

namespace {

using Values = std::vector<std::string>;

std::vector<uint8_t> enc(uint8_t code, const Values& values) {
    auto r = encode_option_value(code, values);
    REQUIRE_MESSAGE(r.ok(), r.error());
    return *r;
}

std::string enc_error(uint8_t code, const Values& values) {
    auto r = encode_option_value(code, values);
    REQUIRE(!r.ok());
    return r.error();
}

std::string fmt(uint8_t code, const std::vector<uint8_t>& v) {
    return format_option_value(code, Bytes(v));
}

std::vector<uint8_t> bytes_of(std::string_view s) {
    return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace

// ---------------------------------------------------------------- the catalogue

TEST_CASE("options are found by code and by dnsmasq name, without regard to case") {
    const OptionInfo* router = find_option(uint8_t{3});
    REQUIRE(router);
    CHECK(router->name == "router");
    CHECK(router->type == OptionType::Ipv4List);
    CHECK(find_option("router") == router);
    CHECK(find_option("ROUTER") == router);
    CHECK(find_option("dns-server")->code == 6);
    CHECK(find_option("domain-search")->code == 119);
    CHECK(find_option("classless-static-route")->code == 121);
    CHECK(find_option("no-such-option") == nullptr);
    CHECK(find_option(uint8_t{0}) == nullptr);
    CHECK(find_option(uint8_t{255}) == nullptr);
    CHECK(find_option(uint8_t{254}) == nullptr);
}

TEST_CASE("every catalogue entry has a unique code and name and finds itself both ways") {
    std::set<int> codes;
    std::set<std::string> names;
    for (const OptionInfo& info : all_options()) {
        CAPTURE(int(info.code));
        CHECK(codes.insert(info.code).second);
        CHECK(names.insert(std::string(info.name)).second);
        CHECK(find_option(info.code) == &info);
        CHECK(find_option(info.name) == &info);
    }
    CHECK(all_options().size() > 50);
}

// ---------------------------------------------------------------- encode: each type

TEST_CASE("Ipv4: one address, network order; two values or junk are errors") {
    CHECK(enc(1, {"255.255.255.0"}) == std::vector<uint8_t>{255, 255, 255, 0});
    CHECK(enc_error(1, {"255.255.255.0", "255.0.0.0"}) ==
          "option 1 (netmask) wants one IPv4 address, got 2 values");
    CHECK(enc_error(54, {"198.18.0"}) ==
          "option 54 (server-identifier) wants IPv4 addresses, got '198.18.0'");
}

TEST_CASE("Ipv4List: one or more addresses; the error names the option and the bad value") {
    CHECK(enc(3, {"198.18.0.1"}) == std::vector<uint8_t>{198, 18, 0, 1});
    CHECK(enc(6, {"198.18.0.1", "198.18.0.2"}) ==
          std::vector<uint8_t>{198, 18, 0, 1, 198, 18, 0, 2});
    CHECK(enc_error(3, {"x"}) == "option 3 (router) wants IPv4 addresses, got 'x'");
    CHECK(enc_error(6, {"198.18.0.1", "::1"}) ==
          "option 6 (dns-server) wants IPv4 addresses, got '::1'");
}

TEST_CASE("policy-filter (21) and static-route (33) want pairs") {
    CHECK(enc(33, {"198.18.5.0", "198.18.0.1"}).size() == 8);
    CHECK(enc_error(33, {"198.18.5.0"}) ==
          "option 33 (static-route) wants pairs of IPv4 addresses, got an odd count");
    CHECK(!encode_option_value(21, Values{"1.2.3.4", "255.0.0.0", "5.6.7.8"}).ok());
}

TEST_CASE("U8, U16, U32: one decimal number within range, big-endian") {
    CHECK(enc(23, {"64"}) == std::vector<uint8_t>{64});
    CHECK(enc(23, {"255"}) == std::vector<uint8_t>{255});
    CHECK(enc_error(23, {"256"}) ==
          "option 23 (default-ttl) wants a number from 0 to 255, got '256'");
    CHECK(enc(26, {"1500"}) == std::vector<uint8_t>{0x05, 0xdc});
    CHECK(!encode_option_value(26, Values{"65536"}).ok());
    CHECK(enc(51, {"3600"}) == std::vector<uint8_t>{0, 0, 0x0e, 0x10});
    CHECK(enc(51, {"4294967295"}) == std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff});
    CHECK(!encode_option_value(51, Values{"4294967296"}).ok());
    for (const char* bad : {"-1", "+1", "1.5", "0x10", "", " 1", "1 ", "ten"}) {
        CAPTURE(bad);
        CHECK(!encode_option_value(51, Values{bad}).ok());
    }
    CHECK(enc_error(51, {"1", "2"}) == "option 51 (lease-time) wants one number, got 2 values");
}

TEST_CASE("time-offset (2) is signed: negative offsets are two's complement (RFC 2132 3.4)") {
    CHECK(enc(2, {"3600"}) == std::vector<uint8_t>{0, 0, 0x0e, 0x10});
    CHECK(enc(2, {"-3600"}) == std::vector<uint8_t>{0xff, 0xff, 0xf1, 0xf0});
    CHECK(enc(2, {"-2147483648"}) == std::vector<uint8_t>{0x80, 0, 0, 0});
    CHECK(enc(2, {"2147483647"}) == std::vector<uint8_t>{0x7f, 0xff, 0xff, 0xff});
    CHECK(enc(2, {"-0"}) == std::vector<uint8_t>{0, 0, 0, 0});
    CHECK(enc_error(2, {"2147483648"}) ==
          "option 2 (time-offset) wants a number from -2147483648 to 2147483647, got '2147483648'");
    CHECK(!encode_option_value(2, Values{"-2147483649"}).ok());
    CHECK(!encode_option_value(2, Values{"-"}).ok());
    CHECK(fmt(2, {0xff, 0xff, 0xf1, 0xf0}) == "-3600");
}

TEST_CASE("Bool: 0/1 and true/false in any case; anything else is an error") {
    CHECK(enc(19, {"1"}) == std::vector<uint8_t>{1});
    CHECK(enc(19, {"TRUE"}) == std::vector<uint8_t>{1});
    CHECK(enc(19, {"0"}) == std::vector<uint8_t>{0});
    CHECK(enc(19, {"false"}) == std::vector<uint8_t>{0});
    CHECK(enc_error(19, {"yes"}) ==
          "option 19 (ip-forward-enable) wants 0/1 or true/false, got 'yes'");
    CHECK(!encode_option_value(19, Values{"1", "0"}).ok());
}

TEST_CASE("String: written as is; commas split by the caller are put back; quotes dropped") {
    CHECK(enc(15, {"lan"}) == bytes_of("lan"));
    CHECK(enc(56, {"hello", " world"}) == bytes_of("hello, world"));
    CHECK(enc(17, {"\"/srv/root,1\""}) == bytes_of("/srv/root,1"));
    CHECK(enc(17, {"\"a", "b\""}) == bytes_of("a,b"));
}

TEST_CASE("119 domain search is compressed as RFC 3397 section 2 shows") {
    // The RFC's own example: eng.apple.com. and marketing.apple.com.
    std::vector<uint8_t> expected{3,   'e', 'n', 'g', 5,   'a', 'p', 'p',  'l',
                                  'e', 3,   'c', 'o', 'm', 0,   9,   'm',  'a',
                                  'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04};
    CHECK(enc(119, {"eng.apple.com", "marketing.apple.com."}) == expected);
    CHECK(fmt(119, expected) == "eng.apple.com,marketing.apple.com");
    // A repeated name is one pointer.
    auto twice = enc(119, {"lan", "lan"});
    CHECK(twice == std::vector<uint8_t>{3, 'l', 'a', 'n', 0, 0xc0, 0x00});
    CHECK(fmt(119, twice) == "lan,lan");
}

TEST_CASE("119 domain search rejects empty labels, long labels and odd characters") {
    CHECK(enc_error(119, {"a..b"}) ==
          "option 119 (domain-search) wants domain names, got 'a..b' (empty label)");
    CHECK(!encode_option_value(119, Values{std::string(64, 'a') + ".com"}).ok());
    CHECK(!encode_option_value(119, Values{"bad name.com"}).ok());
    CHECK(!encode_option_value(119, Values{"."}).ok());
    std::string too_long;
    for (int i = 0; i < 5; ++i) too_long += std::string(60, 'x') + ".";
    CHECK(!encode_option_value(119, Values{too_long}).ok());
    CHECK(enc(119, {"_tcp.example"}).size() == 14);  // service labels are allowed
}

TEST_CASE("121 classless routes carry only the significant octets (RFC 3442 section 3)") {
    CHECK(enc(121, {"10.17.0.0/16", "198.18.0.1"}) ==
          std::vector<uint8_t>{16, 10, 17, 198, 18, 0, 1});
    CHECK(enc(121, {"10.27.129.0/24", "198.18.0.1"}) ==
          std::vector<uint8_t>{24, 10, 27, 129, 198, 18, 0, 1});
    CHECK(enc(121, {"10.229.0.128/25", "198.18.0.1"}) ==
          std::vector<uint8_t>{25, 10, 229, 0, 128, 198, 18, 0, 1});
    CHECK(enc(121, {"10.198.122.47/32", "198.18.0.1"}) ==
          std::vector<uint8_t>{32, 10, 198, 122, 47, 198, 18, 0, 1});
    CHECK(enc(121, {"0.0.0.0/0", "198.18.0.254"}) == std::vector<uint8_t>{0, 198, 18, 0, 254});
    // Host bits of the destination are masked off.
    CHECK(enc(121, {"10.1.2.3/8", "198.18.0.1"}) == std::vector<uint8_t>{8, 10, 198, 18, 0, 1});
    auto two = enc(121, {"10.0.0.0/8", "198.18.0.1", "0.0.0.0/0", "198.18.0.254"});
    CHECK(fmt(121, two) == "10.0.0.0/8,198.18.0.1,0.0.0.0/0,198.18.0.254");
}

TEST_CASE("121 classless routes reject odd counts, bad prefixes and bad routers") {
    CHECK(enc_error(121, {"10.0.0.0/8"}) ==
          "option 121 (classless-static-route) wants 'destination/length,router' pairs, got an "
          "odd count");
    CHECK(!encode_option_value(121, Values{"10.0.0.0", "198.18.0.1"}).ok());
    CHECK(!encode_option_value(121, Values{"10.0.0.0/33", "198.18.0.1"}).ok());
    CHECK(!encode_option_value(121, Values{"10.0.0.0/8", "router"}).ok());
}

TEST_CASE("120 SIP servers: all addresses (encoding 1) or all names (encoding 0), RFC 3361") {
    CHECK(enc(120, {"198.18.0.5"}) == std::vector<uint8_t>{1, 198, 18, 0, 5});
    CHECK(enc(120, {"sip.lan"}) == std::vector<uint8_t>{0, 3, 's', 'i', 'p', 3, 'l', 'a', 'n', 0});
    CHECK(fmt(120, {1, 198, 18, 0, 5}) == "198.18.0.5");
    CHECK(fmt(120, {0, 3, 's', 'i', 'p', 0}) == "sip");
    CHECK(fmt(120, {2, 1, 2, 3, 4}) == "02:01:02:03:04");
}

TEST_CASE("codes outside the catalogue take hex, a quoted string, addresses or text") {
    CHECK(enc(224, {"01:02:ab"}) == std::vector<uint8_t>{1, 2, 0xab});
    CHECK(enc(224, {"1:2:AB"}) == std::vector<uint8_t>{1, 2, 0xab});
    CHECK(enc(224, {"\"x,y\""}) == bytes_of("x,y"));
    CHECK(enc(224, {"198.18.0.1", "198.18.0.2"}) ==
          std::vector<uint8_t>{198, 18, 0, 1, 198, 18, 0, 2});
    CHECK(enc(224, {"hello"}) == bytes_of("hello"));
    CHECK(enc(43, {"01:04:c0:a8:00:01"}) == std::vector<uint8_t>{1, 4, 0xc0, 0xa8, 0, 1});
}

TEST_CASE(
    "an option given without a value is sent empty; PAD, END and 80 with a value are errors") {
    CHECK(enc(3, {}).empty());
    CHECK(enc(80, {}).empty());
    CHECK(enc_error(80, {"1"}) == "option 80 (rapid-commit) takes no value");
    CHECK(enc_error(0, {"1"}) == "option 0 cannot be configured (PAD/END)");
    CHECK(enc_error(255, {}) == "option 255 cannot be configured (PAD/END)");
}

TEST_CASE("user text in an error message is escaped and cut") {
    std::string err = enc_error(3, {"bad\nvalue\x01"});
    CHECK(err == "option 3 (router) wants IPv4 addresses, got 'bad\\x0avalue\\x01'");
    std::string long_err = enc_error(3, {std::string(100, 'z')});
    CHECK(long_err.find(std::string(64, 'z') + "...'") != std::string::npos);
    CHECK(long_err.find(std::string(65, 'z')) == std::string::npos);
}

// ---------------------------------------------------------------- format

TEST_CASE("format prints each type the way the configuration writes it") {
    CHECK(fmt(1, {255, 255, 255, 0}) == "255.255.255.0");
    CHECK(fmt(6, {198, 18, 0, 1, 198, 18, 0, 2}) == "198.18.0.1,198.18.0.2");
    CHECK(fmt(23, {64}) == "64");
    CHECK(fmt(26, {0x05, 0xdc}) == "1500");
    CHECK(fmt(51, {0, 0, 0x0e, 0x10}) == "3600");
    CHECK(fmt(19, {1}) == "1");
    CHECK(fmt(15, bytes_of("lan")) == "lan");
    CHECK(fmt(61, {1, 0xaa, 0xbb}) == "01:aa:bb");
    CHECK(fmt(224, {1, 2, 3}) == "01:02:03");
    CHECK(fmt(224, {}).empty());
}

TEST_CASE("format falls back to hex for values of the wrong shape") {
    CHECK(fmt(1, {255, 255, 255}) == "ff:ff:ff");
    CHECK(fmt(1, {1, 2, 3, 4, 5, 6, 7, 8}) == "01:02:03:04:05:06:07:08");
    CHECK(fmt(6, {}).empty());
    CHECK(fmt(6, {1, 2, 3, 4, 5}) == "01:02:03:04:05");
    CHECK(fmt(26, {5}) == "05");
    CHECK(fmt(51, {0, 1}) == "00:01");
    // Client-supplied text reaches logs: anything unprintable is shown as hex.
    CHECK(fmt(12, {'a', '\n', 'b'}) == "61:0a:62");
    CHECK(fmt(12, {'a', 0, 'b'}) == "61:00:62");
    CHECK(fmt(12, {0xc3, 0xa9}) == "c3:a9");
}

TEST_CASE("format of a malformed 119 shows hex: loops, forward pointers, overruns") {
    CHECK(fmt(119, {0xc0, 0x00}) == "c0:00");                                // points at itself
    CHECK(fmt(119, {3, 'a', 'b', 'c', 0xc0, 0x00}) == "03:61:62:63:c0:00");  // into itself
    CHECK(fmt(119, {1, 'a', 0, 0xc0, 0x05, 1, 'b', 0}) == "01:61:00:c0:05:01:62:00");
    CHECK(fmt(119, {5, 'a', 'b'}) == "05:61:62");
    CHECK(fmt(119, {1, 'a'}) == "01:61");  // no terminating root
    CHECK(fmt(119, {0x40, 'a', 0}) == "40:61:00");
    CHECK(fmt(119, {0}) == "00");                                 // the root is not a search domain
    CHECK(fmt(119, {3, 'a', '\n', 'c', 0}) == "03:61:0a:63:00");  // unprintable
}

TEST_CASE("format of a malformed 121 shows hex") {
    CHECK(fmt(121, {33, 1, 2, 3, 4, 5, 6, 7, 8}) == "21:01:02:03:04:05:06:07:08");
    CHECK(fmt(121, {24, 10, 0, 0, 198, 18, 0}) == "18:0a:00:00:c6:12:00");
    CHECK(fmt(121, {}).empty());
}

TEST_CASE("format(encode(text)) gives the text back for every typed catalogue entry") {
    struct Sample {
        uint8_t code;
        Values values;
        std::string text;
    };
    const Sample samples[] = {
        {1, {"255.255.0.0"}, "255.255.0.0"},
        {2, {"-18000"}, "-18000"},
        {3, {"198.18.0.1", "198.18.0.2"}, "198.18.0.1,198.18.0.2"},
        {12, {"printer"}, "printer"},
        {13, {"1024"}, "1024"},
        {19, {"true"}, "1"},
        {23, {"64"}, "64"},
        {42, {"198.18.0.123"}, "198.18.0.123"},
        {46, {"8"}, "8"},
        {51, {"86400"}, "86400"},
        {66, {"tftp.lan"}, "tftp.lan"},
        {93, {"7"}, "7"},
        {108, {"1800"}, "1800"},
        {119, {"lan", "example.com", "corp.example.com"}, "lan,example.com,corp.example.com"},
        {120, {"sip.lan", "sip2.lan"}, "sip.lan,sip2.lan"},
        {121, {"198.51.100.0/24", "198.18.0.1"}, "198.51.100.0/24,198.18.0.1"},
        {150, {"198.18.0.9"}, "198.18.0.9"},
    };
    for (const Sample& s : samples) {
        CAPTURE(int(s.code));
        auto wire = enc(s.code, s.values);
        CHECK(format_option_value(s.code, Bytes(wire)) == s.text);
    }
}
