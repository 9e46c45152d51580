#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config_test_support.hpp"

using namespace leasedns;
using namespace leasedns::testing;

namespace {

Result<config::Config, config::ConfigError> toml(const std::string& text) {
    return config::load_toml_text(text, "leasedns.toml", lan_interfaces());
}

std::string toml_error(const std::string& text) {
    auto r = toml(text);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("a TOML file sets ranges, reservations and options") {
    auto cfg = toml(R"(
interfaces = ["lan0"]
[dhcp]
domain = "Home.Arpa."
authoritative = true
[[dhcp.ranges]]
start = "198.18.0.100"
end = "198.18.0.199"
lease_time = "1h"
[[dhcp.hosts]]
mac = ["02:00:00:00:00:08", "02:00:00:00:00:09"]
address = "198.18.0.8"
name = "laptop"
[[dhcp.options]]
name = "router"
value = "198.18.0.1"
[[dhcp.options]]
code = 42
value = ["198.18.0.2", "198.18.0.3"]
)");
    if (!cfg) FAIL_CHECK(cfg.error().message);
    REQUIRE(cfg.ok());
    CHECK(cfg->domain == "home.arpa");
    CHECK(cfg->authoritative);
    REQUIRE(cfg->ranges.size() == 1);
    CHECK(cfg->ranges[0].lease_time == 3600);
    CHECK(cfg->ranges[0].interface == "lan0");
    REQUIRE(cfg->reservations.size() == 2);  // one per MAC, sharing address and name
    CHECK(cfg->reservations[1].addr->str() == "198.18.0.8");
    REQUIRE(cfg->options.size() == 2);
    CHECK(cfg->options[1].value.size() == 8);
}

TEST_CASE("TOML errors name the file, line, column and key") {
    CHECK(toml_error("[dhcp]\nbogus = 1\n").find("leasedns.toml:2:1: dhcp.bogus: unknown key") ==
          0);
    CHECK(toml_error("[dhcp]\nauthoritative = \"yes\"\n") ==
          "leasedns.toml:2:1: dhcp.authoritative: expected true or false");
    CHECK(toml_error("[[dhcp.ranges]]\nstart = \"198.18.0.100\"\nend = \"198.18.0.50\"\n")
              .find("leasedns.toml:1:1: dhcp.ranges[0]: the range ends") == 0);
    CHECK(toml_error("[[dhcp.ranges]]\nstart = \"198.18.0.100\"\nend = \"x\"\n") ==
          "leasedns.toml:3:1: dhcp.ranges[0].end: 'x' is not an IPv4 address");
    CHECK(toml_error("[dns]\nport = 99999\n") ==
          "leasedns.toml:2:1: dns.port: expected an integer from 0 to 65535");
    CHECK(toml_error("[dns]\nservers = [\"/x/nonsense\"]\n").find("dns.servers[0]") !=
          std::string::npos);
    // A syntax error comes from toml++ with its position.
    CHECK(toml_error("[dhcp\n").find("leasedns.toml:1:") == 0);
}

TEST_CASE("--print-config output reads back to the same configuration") {
    auto first =
        load_ok({"-i", "lan0", "--dhcp-host=02:00:00:00:00:07,02:00:00:00:00:08,198.18.0.7,pr",
                 "--dhcp-option=option:domain-search,lan,home.arpa",
                 "--server=/corp.example/198.18.0.54#5353", "--address=/ads.example/#",
                 "--txt-record=lan,\"a, b\",plain", "--dhcp-option=252,\"http://wpad\""});
    std::string printed = config::to_toml(first);
    auto again = toml(printed);
    if (!again) FAIL_CHECK(again.error().message);
    REQUIRE(again.ok());
    CHECK(config::to_toml(*again) == printed);
    CHECK(again->ranges.size() == 1);
    CHECK(again->reservations.size() == 2);
}

TEST_CASE("flags override the TOML file; a flag's list replaces the file's list") {
    char path[] = "/tmp/leasedns-test-XXXXXX.toml";
    int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << "[dhcp]\nauthoritative = true\ndomain = \"file.example\"\n"
                           "[[dhcp.ranges]]\nstart = \"198.18.0.10\"\nend = \"198.18.0.20\"\n";
    auto file_only = load_ok({"--config", path});
    CHECK(file_only.domain == "file.example");
    CHECK(file_only.ranges[0].start.str() == "198.18.0.10");
    auto overridden = load_ok(
        {"--config", path, "--domain=flag.example", "--dhcp-range=198.18.0.30,198.18.0.40"});
    CHECK(overridden.domain == "flag.example");
    CHECK(overridden.authoritative);  // still from the file
    REQUIRE(overridden.ranges.size() == 1);
    CHECK(overridden.ranges[0].start.str() == "198.18.0.30");
    std::remove(path);
    CHECK(load_error({"--config", path}).find("cannot read") != std::string::npos);
}

TEST_CASE("the default file is read when it exists and skipped when it does not") {
    char path[] = "/tmp/leasedns-default-XXXXXX.toml";
    int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << "interfaces = [\"lan0\"]\n[dhcp]\ndomain = \"default.example\"\n";
    auto with_default = config::load({}, lan_interfaces(), path);
    REQUIRE(with_default.ok());
    CHECK(with_default->config.domain == "default.example");
    CHECK(with_default->config.dhcp_enabled);
    std::remove(path);
    auto without = config::load({}, lan_interfaces(), path);
    REQUIRE(without.ok());
    CHECK(without->config.domain == "lan");
    CHECK_FALSE(without->config.dhcp_enabled);
}
