// Per-subnet domains (--domain=DOMAIN,RANGE): a client's domain follows its address, as
// dnsmasq's get_domain() does — option 15, the name in the option 81 reply, and the
// domain a dotted host name must end in to keep its first label.
#include <string>

#include "engine_fixture.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::MessageType;

namespace {

// The fixture's lan subnet (198.18.0.0/24, default domain "lan") plus a relayed subnet
// 198.19.5.0/24 named far.example.
struct TwoDomains : EngineFixture {
    TwoDomains() {
        config::Range far;
        far.start = ip("198.19.5.10");
        far.end = ip("198.19.5.20");
        far.subnet = *Prefix::parse("198.19.5.0/24");
        far.lease_time = 600;
        cfg.ranges.push_back(far);
        cfg.subnet_domains.push_back({"far.example", ip("198.19.5.0"), ip("198.19.5.255")});
        cfg.dns_port = 53;
        rebuild();
    }
    static TestClient relayed(uint8_t n) {
        TestClient c(n);
        c.giaddr = ip("198.19.5.1");
        return c;
    }
};

std::string option_text(const dhcp::Decision& d, uint8_t code) {
    auto v = d.reply.options.get(code);
    return v ? std::string(v->begin(), v->end()) : std::string("<none>");
}

// RFC 4702 §2.3.1 wire form of a name, as option 81 carries it with E set.
std::vector<uint8_t> wire(std::initializer_list<std::string_view> labels) {
    std::vector<uint8_t> out;
    for (auto l : labels) {
        out.push_back(static_cast<uint8_t>(l.size()));
        out.insert(out.end(), l.begin(), l.end());
    }
    out.push_back(0);
    return out;
}

}  // namespace

TEST_CASE("a client relayed from a subnet with its own domain gets it in option 15") {
    TwoDomains f;
    TestClient far = TwoDomains::relayed(1);
    const auto& offer = f.send(far.discover());
    REQUIRE(type_of(offer) == MessageType::Offer);
    CHECK(offer.reply.yiaddr >= ip("198.19.5.10"));
    CHECK(option_text(offer, dhcp::opt::kDomainName) == "far.example");
    Ipv4 addr = offer.reply.yiaddr;
    const auto& ack = f.send(far.request_selecting(f.server, addr));
    REQUIRE(type_of(ack) == MessageType::Ack);
    CHECK(option_text(ack, dhcp::opt::kDomainName) == "far.example");

    TestClient local(2);
    const auto& local_offer = f.send(local.discover());
    REQUIRE(type_of(local_offer) == MessageType::Offer);
    CHECK(option_text(local_offer, dhcp::opt::kDomainName) == "lan");
}

TEST_CASE("DHCPINFORM gets the domain of the client's own address") {
    TwoDomains f;
    TestClient far = TwoDomains::relayed(3);
    const auto& ack = f.send(far.inform(ip("198.19.5.77")));
    REQUIRE(type_of(ack) == MessageType::Ack);
    CHECK(option_text(ack, dhcp::opt::kDomainName) == "far.example");
}

TEST_CASE("a dotted host name keeps its first label only in the domain of its subnet") {
    TwoDomains f;
    TestClient tab = TwoDomains::relayed(4);
    tab.hostname = "Tab.Far.Example";
    Ipv4 tab_addr = f.bind(tab);
    CHECK(f.table.find_by_addr(tab_addr)->hostname == "tab");

    TestClient stray = TwoDomains::relayed(5);
    stray.hostname = "pc.lan";  // the other subnet's domain: not registered here
    Ipv4 stray_addr = f.bind(stray);
    CHECK(f.table.find_by_addr(stray_addr)->hostname.empty());

    TestClient home(6);
    home.hostname = "pc.lan";
    Ipv4 home_addr = f.bind(home);
    CHECK(f.table.find_by_addr(home_addr)->hostname == "pc");

    TestClient wrong(7);
    wrong.hostname = "nas.far.example";
    Ipv4 wrong_addr = f.bind(wrong);
    CHECK(f.table.find_by_addr(wrong_addr)->hostname.empty());
}

TEST_CASE("the option 81 reply carries the name in the domain of the client's subnet") {
    TwoDomains f;
    TestClient far = TwoDomains::relayed(8);
    // flags S=1 E=1, rcodes 0, "pc" in wire form, not fully qualified
    const uint8_t fqdn[] = {0x05, 0, 0, 2, 'p', 'c'};
    auto discover = far.discover();
    discover.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    Ipv4 addr = f.send(discover).reply.yiaddr;
    auto req = far.request_selecting(f.server, addr);
    req.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    const auto& ack = f.send(req);
    REQUIRE(type_of(ack) == MessageType::Ack);
    auto reply81 = ack.reply.options.get(dhcp::opt::kClientFqdn);
    REQUIRE(reply81);
    REQUIRE(reply81->size() > 3);
    CHECK(std::vector<uint8_t>(reply81->begin() + 3, reply81->end()) ==
          wire({"pc", "far", "example"}));
    CHECK(f.table.find_by_addr(addr)->hostname == "pc");
}

TEST_CASE("with one domain every client gets it, whatever its subnet") {
    EngineFixture f;
    config::Range far;
    far.start = ip("198.19.5.10");
    far.end = ip("198.19.5.20");
    far.subnet = *Prefix::parse("198.19.5.0/24");
    f.cfg.ranges.push_back(far);
    f.rebuild();
    TestClient c = TwoDomains::relayed(9);
    CHECK(option_text(f.send(c.discover()), dhcp::opt::kDomainName) == "lan");
}
