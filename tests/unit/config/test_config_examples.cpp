// The shipped examples are configurations users copy: each must load as it is.
#include "config_test_support.hpp"

using namespace leasedns;

namespace {

std::vector<config::InterfaceAddress> router_interfaces() {
    config::InterfaceAddress eth0{"eth0", 2, Ipv4::from_octets(192, 168, 1, 1), {}, false};
    eth0.prefix = Prefix::of(eth0.addr, 24);
    return {eth0};
}

std::string example(const char* name) {
    return std::string(LEASEDNS_SOURCE_ROOT) + "/examples/" + name;
}

}  // namespace

TEST_CASE("examples/minimal.toml serves eth0 with the defaults and a router") {
    auto r = config::load({"--config", example("minimal.toml")}, router_interfaces(), "");
    if (!r) FAIL_CHECK(r.error().message);
    REQUIRE(r.ok());
    REQUIRE(r->config.ranges.size() == 1);
    CHECK(r->config.ranges[0].start.str() == "192.168.1.128");
    CHECK(r->config.authoritative);
}

TEST_CASE("examples/home-router.toml loads: two ranges, reservations, records") {
    auto r = config::load({"--config", example("home-router.toml")}, router_interfaces(), "");
    if (!r) FAIL_CHECK(r.error().message);
    REQUIRE(r.ok());
    CHECK(r->config.ranges.size() == 2);
    CHECK(r->config.reservations.size() == 3);
    CHECK(r->config.domain == "home.arpa");
    REQUIRE(r->config.metrics_listen.has_value());
    CHECK(r->config.metrics_listen->address == "127.0.0.1");
    CHECK(r->config.metrics_listen->port == 9153);
}

TEST_CASE("examples/dnsmasq-migration.conf runs unchanged and prints as TOML") {
    auto r =
        config::load({"--conf-file", example("dnsmasq-migration.conf")}, router_interfaces(), "");
    if (!r) FAIL_CHECK(r.error().message);
    REQUIRE(r.ok());
    CHECK(r->config.ranges.at(0).start.str() == "192.168.1.100");
    auto back =
        config::load_toml_text(config::to_toml(r->config), "printed.toml", router_interfaces());
    CHECK(back.ok());
}
