// Hosts files (hosts(5)): what a line yields, and that a bad line or name costs only
// itself, with a "path:line: reason" warning.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "leasedns/dns/zone.hpp"

using namespace leasedns::dns;

namespace {

bool has_warning(const HostsFile& f, const std::string& prefix) {
    for (const auto& w : f.warnings)
        if (w.rfind(prefix, 0) == 0) return true;
    return false;
}

}  // namespace

TEST_CASE("a hosts file yields one entry per line with its address and names in order") {
    auto f = parse_hosts_file("/etc/hosts",
                              "127.0.0.1\tlocalhost\n"
                              "198.18.0.5  nas.lan nas   backup\n"
                              "::1 localhost ip6-localhost\n");
    REQUIRE(f.entries.size() == 3);
    CHECK(f.path == "/etc/hosts");
    CHECK(f.entries[0].address == "127.0.0.1");
    CHECK(f.entries[0].names == std::vector<std::string>{"localhost"});
    CHECK(f.entries[1].address == "198.18.0.5");
    CHECK(f.entries[1].names == std::vector<std::string>{"nas.lan", "nas", "backup"});
    CHECK(f.entries[2].address == "::1");
    CHECK(f.entries[2].names == std::vector<std::string>{"localhost", "ip6-localhost"});
    CHECK(f.warnings.empty());
}

TEST_CASE("comments, blank lines, CRLF line ends and a missing final newline are handled") {
    auto f = parse_hosts_file("h",
                              "# a comment line\r\n"
                              "\r\n"
                              "   \t  \n"
                              "198.18.0.7 printer # the printer upstairs\r\n"
                              "198.18.0.8 scanner#glued comment\n"
                              "198.18.0.9 last");
    REQUIRE(f.entries.size() == 3);
    CHECK(f.entries[0].names == std::vector<std::string>{"printer"});
    CHECK(f.entries[1].names == std::vector<std::string>{"scanner"});
    CHECK(f.entries[2].address == "198.18.0.9");
    CHECK(f.entries[2].names == std::vector<std::string>{"last"});
    CHECK(f.warnings.empty());
}

TEST_CASE("a line with a bad address is skipped with a path:line warning") {
    auto f = parse_hosts_file("/etc/hosts",
                              "198.18.0.1 good\n"
                              "198.18.0.300 bad\n"
                              "myhost 198.18.0.2\n"
                              "fe80::1%eth0 linklocal\n"
                              "198.18.0.3 alsogood\n");
    REQUIRE(f.entries.size() == 2);
    CHECK(f.entries[0].names[0] == "good");
    CHECK(f.entries[1].names[0] == "alsogood");
    CHECK(f.warnings.size() == 3);
    CHECK(has_warning(f, "/etc/hosts:2: "));
    CHECK(has_warning(f, "/etc/hosts:3: "));
    CHECK(has_warning(f, "/etc/hosts:4: "));
}

TEST_CASE("an address without a name is skipped with a warning") {
    auto f = parse_hosts_file("x", "198.18.0.1\n198.18.0.2 ok\n");
    REQUIRE(f.entries.size() == 1);
    CHECK(f.entries[0].address == "198.18.0.2");
    CHECK(has_warning(f, "x:1: "));
}

TEST_CASE("a bad name is dropped with a warning while the line's other names stay") {
    std::string label64(64, 'a');
    std::string long_name;
    for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";
    long_name += "c";  // 306 octets
    auto f = parse_hosts_file("x", "198.18.0.1 good " + label64 + " bad!name " + long_name +
                                       " a..b -dash dash- under_score ok.\n");
    REQUIRE(f.entries.size() == 1);
    CHECK(f.entries[0].names == std::vector<std::string>{"good", "under_score", "ok"});
    CHECK(f.warnings.size() == 6);
    for (const auto& w : f.warnings) CHECK(w.rfind("x:1: ", 0) == 0);
}

TEST_CASE("a line whose every name is bad is skipped") {
    auto f = parse_hosts_file("x", "198.18.0.1 bad/name\n");
    CHECK(f.entries.empty());
    CHECK(f.warnings.size() == 1);
}

TEST_CASE("names of exactly 63-octet labels and 253 octets are accepted") {
    std::string label63(63, 'a');
    std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'd');
    REQUIRE(name253.size() == 253);
    auto f = parse_hosts_file("x", "198.18.0.1 " + label63 + " " + name253 + "\n");
    REQUIRE(f.entries.size() == 1);
    CHECK(f.entries[0].names.size() == 2);
    CHECK(f.warnings.empty());
}

TEST_CASE("IPv6 addresses in every RFC 4291 text form are accepted, malformed ones are not") {
    for (const char* good : {"::1", "::", "fe80::1", "2001:db8::", "2001:db8:0:0:0:0:0:1",
                             "2001:DB8::abcd:1", "::ffff:198.18.0.1", "64:ff9b::198.18.0.1"}) {
        CAPTURE(good);
        auto f = parse_hosts_file("x", std::string(good) + " host\n");
        CHECK(f.entries.size() == 1);
        CHECK(f.warnings.empty());
    }
    for (const char* bad : {"1::2::3", "12345::1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::g",
                            ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8", "::1.2.3", "1.2.3.4::"}) {
        CAPTURE(bad);
        auto f = parse_hosts_file("x", std::string(bad) + " host\n");
        CHECK(f.entries.empty());
        CHECK(f.warnings.size() == 1);
    }
}

TEST_CASE("an empty or comment-only file yields nothing and no warning") {
    CHECK(parse_hosts_file("x", "").entries.empty());
    auto f = parse_hosts_file("x", "# nothing here\n\n#\n");
    CHECK(f.entries.empty());
    CHECK(f.warnings.empty());
}
