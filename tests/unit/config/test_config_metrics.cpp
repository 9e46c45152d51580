// --metrics-listen=ADDR#PORT and [metrics] listen = "ADDR:PORT": off by default, loopback
// only, errors naming the flag or the file position, and the --print-config round trip.
#include <doctest/doctest.h>

#include "config_test_support.hpp"

using namespace leasedns;
using namespace leasedns::testing;

namespace {

config::Config from_toml(const std::string& text) {
    auto r = config::load_toml_text(text, "leasedns.toml", lan_interfaces());
    if (!r) FAIL_CHECK(r.error().message);
    REQUIRE(r.ok());
    return *r;
}

std::string toml_error(const std::string& text) {
    auto r = config::load_toml_text(text, "leasedns.toml", lan_interfaces());
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("metrics are off unless asked for") {
    CHECK_FALSE(load_ok({"-i", "lan0"}).metrics_listen);
    CHECK(config::to_toml(load_ok({"-i", "lan0"})).find("[metrics]") == std::string::npos);
}

TEST_CASE("--metrics-listen takes a loopback ADDR#PORT") {
    auto c = load_ok({"-i", "lan0", "--metrics-listen=127.0.0.1#9153"});
    REQUIRE(c.metrics_listen);
    CHECK(c.metrics_listen->address == "127.0.0.1");
    CHECK(c.metrics_listen->port == 9153);
    c = load_ok({"-i", "lan0", "--metrics-listen", "127.10.0.3#80"});
    CHECK(c.metrics_listen->address == "127.10.0.3");
    c = load_ok({"-i", "lan0", "--metrics-listen=::1#9153"});
    CHECK(c.metrics_listen->address == "::1");
}

TEST_CASE("--metrics-listen refuses what is not a loopback ADDR#PORT, saying why") {
    std::string e = load_error({"-i", "lan0", "--metrics-listen=198.18.0.1#9153"});
    CHECK(e.rfind("--metrics-listen: '198.18.0.1' is not a loopback address", 0) == 0);
    CHECK(e.find("127.0.0.0/8 and ::1") != std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=0.0.0.0#9153"}).find("not a loopback") !=
          std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=fe80::1#9153"}).find("not a loopback") !=
          std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=127.0.0.1:9153"})
              .find("expected ADDR#PORT, like 127.0.0.1#9153") != std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=127.0.0.1#0"})
              .find("expected a port from 1 to 65535, got '0'") != std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=127.0.0.1#65536"}).find("port") !=
          std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen=localhost#9153"}).find("not an IP address") !=
          std::string::npos);
    CHECK(load_error({"-i", "lan0", "--metrics-listen"}).find("needs a value") !=
          std::string::npos);
}

TEST_CASE("[metrics] listen in TOML, and errors at the key's position") {
    auto c = from_toml("[metrics]\nlisten = \"127.0.0.1:9153\"\n");
    REQUIRE(c.metrics_listen);
    CHECK(c.metrics_listen->port == 9153);
    c = from_toml("[metrics]\nlisten = \"[::1]:9100\"\n");
    CHECK(c.metrics_listen->address == "::1");
    CHECK(c.metrics_listen->port == 9100);
    CHECK(toml_error("[metrics]\nlisten = \"198.18.0.1:9153\"\n")
              .rfind("leasedns.toml:2:1: metrics.listen: '198.18.0.1' is not a loopback", 0) == 0);
    CHECK(toml_error("[metrics]\nlisten = \"127.0.0.1#9153\"\n").find("127.0.0.1:PORT") !=
          std::string::npos);
    CHECK(toml_error("[metrics]\nlisten = \"::1:9153\"\n").find("[::1]:PORT") != std::string::npos);
    CHECK(toml_error("[metrics]\nlisten = 9153\n").find("expected a string") != std::string::npos);
    CHECK(
        toml_error("[metrics]\nport = 9153\n").find("unknown key (allowed in [metrics]: listen)") !=
        std::string::npos);
}

TEST_CASE("the flag overrides the file; --print-config writes [metrics] that reads back") {
    for (const char* flag : {"--metrics-listen=127.0.0.2#9153", "--metrics-listen=::1#9154"}) {
        auto c = load_ok({"-i", "lan0", flag});
        std::string printed = config::to_toml(c);
        CHECK(printed.find("\n[metrics]\nlisten = ") != std::string::npos);
        auto again = config::load_toml_text(printed, "printed.toml", lan_interfaces());
        REQUIRE(again.ok());
        CHECK(again->metrics_listen == c.metrics_listen);
        CHECK(config::to_toml(*again) == printed);
    }
}
