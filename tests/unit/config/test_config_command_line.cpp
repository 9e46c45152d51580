#include "config_test_support.hpp"

using namespace leasedns;
using namespace leasedns::testing;

TEST_CASE("-i IFACE alone serves the upper half of the interface's subnet for 12 hours") {
    auto cfg = load_ok({"-i", "lan0"});
    REQUIRE(cfg.ranges.size() == 1);
    CHECK(cfg.ranges[0].start.str() == "198.18.0.128");
    CHECK(cfg.ranges[0].end.str() == "198.18.0.254");
    CHECK(cfg.ranges[0].subnet.str() == "198.18.0.0/24");
    CHECK(cfg.ranges[0].interface == "lan0");
    CHECK(cfg.ranges[0].lease_time == 43200);
    CHECK(cfg.domain == "lan");
    CHECK(cfg.dns_port == 53);
    CHECK(cfg.dhcp_enabled);
}

TEST_CASE("an interface that does not exist is named in the error") {
    CHECK(load_error({"-i", "eth9"}) == "--interface: interface eth9 has no IPv4 address");
}

TEST_CASE("no interface and no range means DNS only") {
    auto cfg = load_ok({});
    CHECK_FALSE(cfg.dhcp_enabled);
    CHECK(cfg.ranges.empty());
}

TEST_CASE("both --flag=value and --flag value are accepted, as are short options") {
    auto a = load_ok({"--dhcp-range=198.18.0.100,198.18.0.150,2m"});
    auto b = load_ok({"--dhcp-range", "198.18.0.100,198.18.0.150,2m"});
    auto c = load_ok({"-F", "198.18.0.100,198.18.0.150,2m"});
    auto d = load_ok({"-F198.18.0.100,198.18.0.150,2m"});
    for (const auto* cfg : {&a, &b, &c, &d}) {
        REQUIRE(cfg->ranges.size() == 1);
        CHECK(cfg->ranges[0].lease_time == 120);
        CHECK(cfg->ranges[0].interface == "lan0");
    }
}

TEST_CASE("bundled short flags are read one by one, as getopt does") {
    auto cfg = load_ok({"-kdK", "-i", "lan0"});
    CHECK(cfg.authoritative);
}

TEST_CASE("a dnsmasq command line keeps working") {
    auto cfg = load_ok({"--interface=lan0", "--dhcp-range=198.18.0.50,198.18.0.60,255.255.255.0,1h",
                        "--dhcp-host=02:00:00:00:00:07,198.18.0.7,Printer,infinite",
                        "--dhcp-option=option:router,198.18.0.1", "--dhcp-authoritative",
                        "--dhcp-rapid-commit", "--domain=home.arpa", "-p", "0", "--no-ping",
                        "--pid-file=", "--log-facility=-", "-k"});
    CHECK(cfg.authoritative);
    CHECK(cfg.rapid_commit);
    CHECK_FALSE(cfg.ping);
    CHECK(cfg.dns_port == 0);
    CHECK(cfg.domain == "home.arpa");
    CHECK(cfg.pid_file.empty());
    REQUIRE(cfg.reservations.size() == 1);
    CHECK(cfg.reservations[0].hostname == "printer");  // folded to lower case
    CHECK(cfg.reservations[0].lease_time == config::kInfiniteLease);
    REQUIRE(cfg.options.size() == 1);
    CHECK(cfg.options[0].code == 3);
    CHECK(cfg.options[0].value == std::vector<uint8_t>{198, 18, 0, 1});
}

TEST_CASE("unknown and unsupported options are errors that name them") {
    CHECK(load_error({"--frobnicate"}) == "unknown option --frobnicate (see leasedns --help)");
    CHECK(load_error({"--dhcp-boot=pxelinux.0"})
              .find("--dhcp-boot: this dnsmasq option is not "
                    "supported") == 0);
    CHECK(load_error({"-E"}).find("-E (--expand-hosts)") == 0);
    CHECK(load_error({"eth0"}).find("unexpected argument 'eth0'") == 0);
    CHECK(load_error({"--dhcp-range"}).find("--dhcp-range: needs a value") == 0);
    CHECK(load_error({"--no-ping=yes"}) == "--no-ping: takes no value");
}

TEST_CASE("bad values say what is wrong and what is allowed") {
    CHECK(load_error({"--dhcp-range=198.18.0.100"}) ==
          "--dhcp-range: needs an end address: START,END");
    CHECK(load_error({"--dhcp-range=198.18.0.150,198.18.0.100"}).find("before it starts") !=
          std::string::npos);
    CHECK(load_error({"--dhcp-range=10.9.0.1,10.9.0.9"}).find("give the netmask") !=
          std::string::npos);
    CHECK(load_error({"-p", "70000"}) == "--port: expected a number from 0 to 65535, got '70000'");
    CHECK(load_error({"-i", "lan0", "--dhcp-host=02:00:00:00:00:07,198.19.9.9"})
              .find("not in a served subnet") != std::string::npos);
    CHECK(load_error({"-i", "lan0", "--dhcp-host=02:00:00:00:00:07,bad_name!"}).find("host name") !=
          std::string::npos);
}

TEST_CASE("overlapping ranges are refused, naming the other one") {
    auto e = load_error(
        {"--dhcp-range=198.18.0.100,198.18.0.150", "--dhcp-range=198.18.0.140,198.18.0.160"});
    CHECK(e.find("overlaps the range 198.18.0.100-198.18.0.150 set at --dhcp-range") !=
          std::string::npos);
}

TEST_CASE("a relayed subnet needs its netmask and gets no interface") {
    auto cfg = load_ok({"--dhcp-range=198.19.7.10,198.19.7.20,255.255.255.0,1h"});
    REQUIRE(cfg.ranges.size() == 1);
    CHECK(cfg.ranges[0].subnet.str() == "198.19.7.0/24");
    CHECK(cfg.ranges[0].interface.empty());
}

TEST_CASE("lease times below two minutes are raised to two minutes, as dnsmasq does") {
    auto cfg = load_ok({"--dhcp-range=198.18.0.100,198.18.0.150,30s"});
    CHECK(cfg.ranges[0].lease_time == 120);
}

TEST_CASE("--help, --test and --print-config are invocations, not settings") {
    auto help = load_args({"--help"});
    REQUIRE(help.ok());
    CHECK(help->invocation.show_help);
    auto test = load_args({"--test", "-i", "lan0"});
    REQUIRE(test.ok());
    CHECK(test->invocation.test_only);
    CHECK(config::help_text().find("--dhcp-range=START,END[,NETMASK][,LEASETIME]") !=
          std::string::npos);
}

TEST_CASE("every option in --help is accepted by the parser") {
    // The help text and the parser come from one table; a listed option is never unknown.
    std::string help = config::help_text();
    size_t pos = 0;
    int seen = 0;
    while (pos < help.size()) {
        size_t eol = help.find('\n', pos);
        std::string line = help.substr(pos, eol - pos);
        pos = eol == std::string::npos ? help.size() : eol + 1;
        size_t dashes = line.find("--");
        if (line.rfind("  ", 0) != 0 || dashes == std::string::npos || dashes > 8) continue;
        std::string name = line.substr(dashes, line.find_first_of("=[ ", dashes) - dashes);
        auto r = load_args({name});
        if (!r) CHECK_MESSAGE(r.error().message.find("unknown option") == std::string::npos, name);
        ++seen;
    }
    CHECK(seen > 40);
}
