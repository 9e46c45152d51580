// The control socket's requests (leasectl(1)): every command, and every way a request can
// be wrong, gets a precise answer; nothing the peer sends is trusted or echoed raw.
#include <doctest/doctest.h>

#include <string>

#include "leasedns/control/json.hpp"
#include "leasedns/control/protocol.hpp"

using namespace leasedns;
using namespace leasedns::control;

namespace {
std::string error_of(std::string_view line) {
    auto r = parse_request(line);
    return r ? std::string("(accepted)") : r.error();
}
}  // namespace

TEST_CASE("every command without arguments is recognised") {
    const std::pair<const char*, Command> cases[] = {
        {"leases", Command::Leases}, {"hosts", Command::Hosts},   {"records", Command::Records},
        {"stats", Command::Stats},   {"reload", Command::Reload}, {"version", Command::Version},
        {"help", Command::Help},
    };
    for (const auto& c : cases) {
        CAPTURE(c.first);
        auto r = parse_request(c.first);
        REQUIRE(r);
        CHECK(r->command == c.second);
    }
}

TEST_CASE("lease release takes one IPv4 address") {
    auto r = parse_request("lease release 198.18.0.5");
    REQUIRE(r);
    CHECK(r->command == Command::LeaseRelease);
    CHECK(r->addr == *Ipv4::parse("198.18.0.5"));
}

TEST_CASE("spaces, tabs and a trailing CR around words are allowed") {
    auto r = parse_request("  lease\trelease   198.18.0.7 \r");
    REQUIRE(r);
    CHECK(r->addr == *Ipv4::parse("198.18.0.7"));
    CHECK(parse_request("stats\r"));
}

TEST_CASE("an unknown command is named in the error with the list of commands") {
    auto e = error_of("frobnicate");
    CHECK(e.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(e.find("lease release ADDR") != std::string::npos);
    CHECK(error_of("LEASES").find("unknown command") != std::string::npos);  // case matters
}

TEST_CASE("commands that take no arguments refuse extra ones") {
    CHECK(error_of("leases now") == "'leases' takes no arguments");
    CHECK(error_of("reload all") == "'reload' takes no arguments");
}

TEST_CASE("lease release with a missing, extra or malformed address is refused") {
    CHECK(error_of("lease") == "'lease' needs a subcommand: lease release ADDR");
    CHECK(error_of("lease renew 1.2.3.4").find("unknown lease subcommand 'renew'") == 0);
    CHECK(error_of("lease release") == "'lease release' needs an IPv4 address");
    CHECK(error_of("lease release 1.2.3.4 5.6.7.8") == "'lease release' takes one address");
    for (const char* bad : {"1.2.3", "1.2.3.256", "host.lan", "::1", "1.2.3.4x", "-1.2.3.4"}) {
        CAPTURE(bad);
        CHECK(error_of(std::string("lease release ") + bad).find("not an IPv4 address") == 0);
    }
}

TEST_CASE("an empty line is an error that lists the commands") {
    CHECK(error_of("").find("empty request") == 0);
    CHECK(error_of(" \t ").find("empty request") == 0);
}

TEST_CASE("control characters and NUL bytes are refused") {
    CHECK(error_of(std::string("leases\0x", 8)) == "request contains control characters");
    CHECK(error_of("stats\x1b[2J") == "request contains control characters");
}

TEST_CASE("a line over 4096 bytes is refused as too long") {
    CHECK(error_of(std::string(kMaxRequestBytes + 1, 'a')) == "request too long");
    // At the limit it is parsed (and is merely unknown).
    CHECK(error_of(std::string(kMaxRequestBytes, 'a')).find("unknown command") == 0);
}

TEST_CASE("untrusted text is quoted short and printable") {
    CHECK(quote_untrusted("abc") == "abc");
    CHECK(quote_untrusted("a\xff\\b") == "a\\xff\\x5cb");
    CHECK(quote_untrusted(std::string(100, 'x')) == std::string(40, 'x') + "...");
    auto e = error_of("\xc3\xa9\xff" + std::string(200, 'z'));
    CHECK(e.find("\\xc3\\xa9\\xff") != std::string::npos);
    CHECK(e.size() < 200);
}

TEST_CASE("responses are one JSON object on one line") {
    CHECK(ok_response("[1,2]") == "{\"ok\":true,\"result\":[1,2]}\n");
    std::string e = error_response("bad \"thing\"\n\xff");
    CHECK(e.back() == '\n');
    CHECK(e.find('\n') == e.size() - 1);
    std::string error;
    auto v = parse_json(std::string_view(e).substr(0, e.size() - 1), error);
    REQUIRE(v);
    CHECK(v->find("ok")->boolean == false);
    CHECK(v->find("error")->text == "bad \"thing\"\n\xef\xbf\xbd");
}
