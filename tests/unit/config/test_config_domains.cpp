// Per-subnet domains (dnsmasq's --domain=DOMAIN,RANGE): the flag and conf-file forms,
// the TOML keys ([[dns.domains]], a range's `domain`), Config::domain_for, and the
// --print-config round trip.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config_test_support.hpp"

using namespace leasedns;
using namespace leasedns::testing;

namespace {

Ipv4 ip(const char* text) {
    return *Ipv4::parse(text);
}

Result<config::Config, config::ConfigError> toml(const std::string& text) {
    return config::load_toml_text(text, "leasedns.toml", lan_interfaces());
}

std::string toml_error(const std::string& text) {
    auto r = toml(text);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    bool found = text.find(part) != std::string::npos;
    if (!found) MESSAGE(text);
    return found;
}

const std::string kRange = "--dhcp-range=198.18.0.100,198.18.0.150";

}  // namespace

TEST_CASE(
    "--domain=D,ADDR/LEN and --domain=D,START,END name ranges; a plain --domain the default") {
    auto cfg = load_ok({kRange, "--domain=Guest.Example.,198.18.1.7/24,local", "--domain=home.arpa",
                        "--domain=lab.example,198.18.2.10,198.18.2.20"});
    CHECK(cfg.domain == "home.arpa");
    REQUIRE(cfg.subnet_domains.size() == 2);
    CHECK(cfg.subnet_domains[0].domain == "guest.example");
    CHECK(cfg.subnet_domains[0].first == ip("198.18.1.0"));  // host bits cleared (dnsmasq)
    CHECK(cfg.subnet_domains[0].last == ip("198.18.1.255"));
    CHECK(cfg.subnet_domains[1].domain == "lab.example");
    CHECK(cfg.subnet_domains[1].first == ip("198.18.2.10"));
    CHECK(cfg.subnet_domains[1].last == ip("198.18.2.20"));

    CHECK(cfg.domain_for(ip("198.18.1.200")) == "guest.example");
    CHECK(cfg.domain_for(ip("198.18.2.10")) == "lab.example");
    CHECK(cfg.domain_for(ip("198.18.2.20")) == "lab.example");
    CHECK(cfg.domain_for(ip("198.18.2.21")) == "home.arpa");
    CHECK(cfg.domain_for(ip("198.18.0.100")) == "home.arpa");
}

TEST_CASE("one --domain alone keeps today's configuration: no subnet domains") {
    auto cfg = load_ok({kRange, "--domain=home.arpa"});
    CHECK(cfg.domain == "home.arpa");
    CHECK(cfg.subnet_domains.empty());
    CHECK(cfg.domain_for(ip("198.18.0.100")) == "home.arpa");
    auto plain = load_ok({kRange});
    CHECK(plain.domain == "lan");
    CHECK(plain.subnet_domains.empty());
}

TEST_CASE("domain_for picks the smallest range holding the address, the first of equal ones") {
    config::Config cfg;
    cfg.domain = "lan";
    cfg.subnet_domains = {{"site.example", ip("198.18.0.0"), ip("198.18.255.255")},
                          {"lab.site.example", ip("198.18.1.0"), ip("198.18.1.255")},
                          {"first.example", ip("198.18.2.0"), ip("198.18.2.127")},
                          {"second.example", ip("198.18.2.128"), ip("198.18.2.255")}};
    CHECK(cfg.domain_for(ip("198.18.1.9")) == "lab.site.example");
    CHECK(cfg.domain_for(ip("198.18.7.9")) == "site.example");
    CHECK(cfg.domain_for(ip("198.18.2.127")) == "first.example");
    CHECK(cfg.domain_for(ip("198.18.2.128")) == "second.example");
    CHECK(cfg.domain_for(ip("198.19.0.1")) == "lan");
}

TEST_CASE("--domain with a bad range or a bad domain is refused with the reason") {
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.0/33"}),
                   "--domain: '198.18.1.0/33' is not a subnet"));
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.20,198.18.1.10"}),
                   "--domain: the range ends (198.18.1.10) before it starts (198.18.1.20)"));
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.1"}),
                   "'198.18.1.1' alone is not a range"));
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.0,nope"}),
                   "'nope' is not an IPv4 address"));
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.0,198.18.1.9,local"}),
                   "'local' is only allowed after ADDR/PREFIXLEN"));
    CHECK(contains(load_error({kRange, "--domain=x.example,198.18.1.0/24,remote"}),
                   "unexpected 'remote'"));
    CHECK(contains(load_error({kRange, "--domain=x.example,eth1"}),
                   "a domain per interface (DOMAIN,INTERFACE) is not supported yet"));
    CHECK(contains(load_error({kRange, "--domain=,198.18.1.0/24"}), "needs a name"));
    CHECK(load_error({kRange, "--domain=bad!name,198.18.1.0/24"}).find("--domain: ") == 0);
    CHECK(load_error({kRange, "--domain=" + std::string(64, 'a') + ",198.18.1.0/24"})
              .find("--domain: ") == 0);
    CHECK(contains(load_error({kRange, "--domain=a.example,198.18.1.0/24",
                               "--domain=b.example,198.18.1.0,198.18.1.255"}),
                   "already has the domain a.example"));
}

TEST_CASE("a reservation's dotted name is cleaned against the domain of its address") {
    auto cfg = load_ok({kRange, "--domain=guest.example,198.18.0.128/25",
                        "--dhcp-host=02:00:00:00:00:01,198.18.0.140,tab.guest.example",
                        "--dhcp-host=02:00:00:00:00:02,198.18.0.20,pc.lan"});
    REQUIRE(cfg.reservations.size() == 2);
    CHECK(cfg.reservations[0].hostname == "tab");
    CHECK(cfg.reservations[1].hostname == "pc");
    CHECK(contains(load_error({kRange, "--domain=guest.example,198.18.0.128/25",
                               "--dhcp-host=02:00:00:00:00:01,198.18.0.140,tab.lan"}),
                   "host name 'tab.lan'"));
}

TEST_CASE("a conf-file takes domain=D,RANGE lines like the flag") {
    auto cfg = config::load_dnsmasq_text(
        "dhcp-range=198.18.0.100,198.18.0.150\n"
        "domain=guest.example,198.18.1.0/24,local\n"
        "domain=home.arpa\n",
        "dnsmasq.conf", lan_interfaces());
    if (!cfg) FAIL_CHECK(cfg.error().message);
    REQUIRE(cfg.ok());
    CHECK(cfg->domain == "home.arpa");
    REQUIRE(cfg->subnet_domains.size() == 1);
    CHECK(cfg->domain_for(ip("198.18.1.1")) == "guest.example");
    auto bad = config::load_dnsmasq_text("domain=x.example,198.18.1.0/40\n", "dnsmasq.conf",
                                         lan_interfaces());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("dnsmasq.conf:1: domain: ") == 0);
}

TEST_CASE("TOML: [[dns.domains]] by subnet or start/end, and a range's own domain") {
    auto cfg = toml(R"(
[dhcp]
domain = "home.arpa"

[[dhcp.ranges]]
start = "198.18.0.100"
end = "198.18.0.150"

[[dhcp.ranges]]
start = "198.18.5.10"
end = "198.18.5.20"
netmask = "255.255.255.0"
domain = "Far.Example"

[dns]
[[dns.domains]]
domain = "guest.example"
subnet = "198.18.1.0/24"

[[dns.domains]]
domain = "lab.example"
start = "198.18.2.10"
end = "198.18.2.20"
)");
    if (!cfg) FAIL_CHECK(cfg.error().message);
    REQUIRE(cfg.ok());
    CHECK(cfg->domain == "home.arpa");
    REQUIRE(cfg->subnet_domains.size() == 3);
    CHECK(cfg->domain_for(ip("198.18.1.9")) == "guest.example");
    CHECK(cfg->domain_for(ip("198.18.2.15")) == "lab.example");
    // A range's domain covers its whole subnet, reservations outside the pool too.
    CHECK(cfg->domain_for(ip("198.18.5.200")) == "far.example");
    CHECK(cfg->domain_for(ip("198.18.0.120")) == "home.arpa");
}

TEST_CASE("TOML: per-subnet domain errors name the key") {
    CHECK(toml_error("[[dns.domains]]\nsubnet = \"198.18.1.0/24\"\n") ==
          "leasedns.toml:1:1: dns.domains[0]: needs domain");
    CHECK(contains(toml_error("[[dns.domains]]\ndomain = \"x.example\"\nsubnet = "
                              "\"198.18.1.0/24\"\nstart = \"198.18.1.1\"\n"),
                   "dns.domains[0]: needs either subnet or start and end"));
    CHECK(contains(toml_error("[[dns.domains]]\ndomain = \"x.example\"\nstart = \"198.18.1.1\"\n"),
                   "dns.domains[0]: needs start and end"));
    CHECK(toml_error("[[dns.domains]]\ndomain = \"x.example\"\nsubnet = \"198.18.1.0\"\n") ==
          "leasedns.toml:3:1: dns.domains[0].subnet: '198.18.1.0' is not a subnet like "
          "198.18.1.0/24");
    CHECK(contains(toml_error("[[dns.domains]]\ndomain = \"bad!\"\nsubnet = \"198.18.1.0/24\"\n"),
                   "leasedns.toml:2:1: dns.domains[0].domain: "));
    CHECK(contains(toml_error("[[dns.domains]]\ndomain = \"x.example\"\nstart = \"198.18.1.9\"\n"
                              "end = \"198.18.1.1\"\n"),
                   "the range ends (198.18.1.1) before it starts (198.18.1.9)"));
    CHECK(contains(toml_error("[[dns.domains]]\ndomain = \"x.example\"\nsubnet = "
                              "\"198.18.1.0/24\"\nlocal = true\n"),
                   "dns.domains[0].local: unknown key"));
    CHECK(contains(toml_error("[dhcp]\ndomain = \"x.example,198.18.1.0/24\"\n"),
                   "dhcp.domain: one domain; give a subnet's own domain in [[dns.domains]]"));
    CHECK(contains(toml_error("[[dhcp.ranges]]\nstart = \"198.18.0.100\"\nend = \"198.18.0.150\"\n"
                              "domain = \"-bad\"\n"),
                   "dhcp.ranges[0].domain: "));
}

TEST_CASE("--print-config writes per-subnet domains that read back to the same configuration") {
    auto first =
        load_ok({kRange, "--domain=home.arpa", "--domain=guest.example,198.18.1.0/24",
                 "--domain=lab.example,198.18.2.10,198.18.2.20", "--domain=all.example,0.0.0.0/0"});
    std::string printed = config::to_toml(first);
    CHECK(contains(printed,
                   "[[dns.domains]]\ndomain = \"guest.example\"\nsubnet = "
                   "\"198.18.1.0/24\"\n"));
    CHECK(contains(printed,
                   "[[dns.domains]]\ndomain = \"lab.example\"\nstart = "
                   "\"198.18.2.10\"\nend = \"198.18.2.20\"\n"));
    CHECK(contains(printed, "subnet = \"0.0.0.0/0\""));
    auto again = toml(printed);
    if (!again) FAIL_CHECK(again.error().message);
    REQUIRE(again.ok());
    CHECK(config::to_toml(*again) == printed);
    CHECK(again->domain == "home.arpa");
    REQUIRE(again->subnet_domains.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(again->subnet_domains[i].domain == first.subnet_domains[i].domain);
        CHECK(again->subnet_domains[i].first == first.subnet_domains[i].first);
        CHECK(again->subnet_domains[i].last == first.subnet_domains[i].last);
    }
}

TEST_CASE("the flags' --domain=D,RANGE list replaces the TOML file's [[dns.domains]]") {
    char path[] = "/tmp/leasedns-test-XXXXXX.toml";
    int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path)
        << "[[dhcp.ranges]]\nstart = \"198.18.0.10\"\nend = \"198.18.0.20\"\n"
           "[[dns.domains]]\ndomain = \"file.example\"\nsubnet = \"198.18.1.0/24\"\n";
    auto file_only = load_ok({"--config", path});
    CHECK(file_only.domain_for(ip("198.18.1.1")) == "file.example");
    auto overridden = load_ok({"--config", path, "--domain=flag.example,198.18.2.0/24"});
    REQUIRE(overridden.subnet_domains.size() == 1);
    CHECK(overridden.domain_for(ip("198.18.1.1")) == "lan");
    CHECK(overridden.domain_for(ip("198.18.2.1")) == "flag.example");
    // A plain --domain sets the default only; the file's subnet domains stay.
    auto plain = load_ok({"--config", path, "--domain=flag.example"});
    CHECK(plain.domain == "flag.example");
    CHECK(plain.domain_for(ip("198.18.1.1")) == "file.example");
    std::remove(path);
}
