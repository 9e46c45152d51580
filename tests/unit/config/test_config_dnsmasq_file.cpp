#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config_test_support.hpp"

using namespace leasedns;
using namespace leasedns::testing;

namespace {

Result<config::Config, config::ConfigError> conf(const std::string& text) {
    return config::load_dnsmasq_text(text, "dnsmasq.conf", lan_interfaces());
}

}  // namespace

TEST_CASE("a dnsmasq conf-file is read line by line, comments and blanks skipped") {
    auto cfg = conf(
        "# home\n"
        "\n"
        "interface=lan0\n"
        "dhcp-range=198.18.0.100,198.18.0.150,1h   # pool\n"
        "  dhcp-authoritative  \n"
        "txt-record=lan,\"has # inside\"\n"
        "address=/ads.example/#\n");
    if (!cfg) FAIL_CHECK(cfg.error().message);
    REQUIRE(cfg.ok());
    CHECK(cfg->authoritative);
    CHECK(cfg->ranges.at(0).lease_time == 3600);
    CHECK(cfg->txt_records.at(0).texts.at(0) == "has # inside");
    CHECK(cfg->addresses.at(0).addr->is_zero());
}

TEST_CASE("conf-file errors name the file and line") {
    auto r = conf("interface=lan0\n\ndhcp-range=198.18.0.100\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "dnsmasq.conf:3: dhcp-range: needs an end address: START,END");
    auto u = conf("enable-tftp\n");
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().message ==
          "dnsmasq.conf:1: enable-tftp: this dnsmasq option is not supported by leasedns");
    auto cl = conf("test\n");
    REQUIRE_FALSE(cl.ok());
    CHECK(cl.error().message == "dnsmasq.conf:1: test: only valid on the command line");
}

TEST_CASE("--conf-file on the command line reads a dnsmasq file; flags still win") {
    char path[] = "/tmp/leasedns-test-XXXXXX.conf";
    int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << "dhcp-range=198.18.0.100,198.18.0.150,12h\ndomain=file.example\n";
    auto cfg = load_ok({"-C", path, "--domain=flag.example"});
    CHECK(cfg.domain == "flag.example");
    REQUIRE(cfg.ranges.size() == 1);
    std::ofstream(path) << "conf-file=" << path << "\n";  // includes itself
    auto loop = load_args({"--conf-file", path});
    REQUIRE_FALSE(loop.ok());
    CHECK(loop.error().message.find("nesting deeper than 16") != std::string::npos);
    std::remove(path);
}
