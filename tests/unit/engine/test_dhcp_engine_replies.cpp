// Reply contents and addressing: RFC 2131 §4.1, RFC 2132 §9.8, RFC 3046, RFC 6842.
#include "engine_fixture.hpp"

#include "leasedns/dhcp/codec.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::Destination;
using dhcp::MessageType;

TEST_CASE("options follow the client's parameter request list order") {
    EngineFixture f;
    config::OptionSetting router{dhcp::opt::kRouter, {198, 18, 0, 1}, std::nullopt, false};
    config::OptionSetting ntp{dhcp::opt::kNtpServers, {198, 18, 0, 2}, std::nullopt, false};
    f.cfg.options = {router, ntp};
    f.rebuild();
    TestClient a(1);
    a.parameter_list = {42, 15, 3, 1};
    const auto& d = f.send(a.discover());
    std::vector<uint8_t> codes = d.reply.options.codes();
    auto pos = [&](uint8_t c) { return std::find(codes.begin(), codes.end(), c) - codes.begin(); };
    CHECK(codes[0] == dhcp::opt::kMessageType);
    CHECK(pos(1) < pos(42));  // the subnet mask always leads (RFC 2132 §3.3)
    CHECK(pos(42) < pos(15));
    CHECK(pos(15) < pos(3));
    CHECK(d.reply.options.get_ipv4(dhcp::opt::kRouter) == ip("198.18.0.1"));
    auto domain = d.reply.options.get(dhcp::opt::kDomainName);
    REQUIRE(domain);
    CHECK(std::string(domain->begin(), domain->end()) == "lan");
    CHECK(d.reply.options.get_u32(dhcp::opt::kRenewalTime) == 1800u);
    CHECK(d.reply.options.get_u32(dhcp::opt::kRebindingTime) == 3150u);
}

TEST_CASE("no router is handed out unless configured; DNS server is us only when DNS runs") {
    EngineFixture f;
    TestClient a(1);
    a.parameter_list = {1, 3, 6};
    const auto& d = f.send(a.discover());
    CHECK_FALSE(d.reply.options.has(dhcp::opt::kRouter));
    CHECK_FALSE(d.reply.options.has(dhcp::opt::kDnsServers));
    f.cfg.dns_port = 53;
    f.rebuild();
    CHECK(f.send(a.discover()).reply.options.get_ipv4(dhcp::opt::kDnsServers) == f.server);
}

TEST_CASE("reply addressing: relay, ciaddr, broadcast bit, unicast to chaddr (RFC 2131 §4.1)") {
    EngineFixture f;
    TestClient plain(1);
    const auto& d1 = f.send(plain.discover());
    CHECK(d1.destination == Destination::UnicastHardware);
    CHECK(d1.destination_addr == d1.reply.yiaddr);
    CHECK(d1.destination_mac == plain.mac);

    TestClient bcast(2);
    bcast.broadcast = true;
    CHECK(f.send(bcast.discover()).destination == Destination::Broadcast);

    TestClient relayed(3);
    relayed.giaddr = ip("198.18.0.254");
    const auto& d3 = f.send(relayed.discover());
    CHECK(d3.destination == Destination::Relay);
    CHECK(d3.destination_addr == ip("198.18.0.254"));
    CHECK(d3.reply.giaddr == ip("198.18.0.254"));
}

TEST_CASE("a relayed request is served from the range matching giaddr; option 82 echoed last") {
    EngineFixture f;
    config::Range far;
    far.start = ip("198.19.5.10");
    far.end = ip("198.19.5.20");
    far.subnet = *Prefix::parse("198.19.5.0/24");
    far.lease_time = 600;
    f.cfg.ranges.push_back(far);
    f.rebuild();
    TestClient c(4);
    c.giaddr = ip("198.19.5.1");
    auto m = c.discover();
    const uint8_t info[] = {1, 4, 'p', 'o', 'r', 't', 2, 2, 'r', '1'};
    m.options.set(dhcp::opt::kRelayAgent, Bytes(info));
    const auto& d = f.send(m);
    CHECK(d.reply.yiaddr >= ip("198.19.5.10"));
    CHECK(d.reply.yiaddr <= ip("198.19.5.20"));
    CHECK(d.reply.options.get_u32(dhcp::opt::kLeaseTime) == 600u);
    CHECK(d.reply.options.get_ipv4(dhcp::opt::kSubnetMask) == ip("255.255.255.0"));
    auto echoed = d.reply.options.get(dhcp::opt::kRelayAgent);
    REQUIRE(echoed);
    CHECK(std::vector<uint8_t>(echoed->begin(), echoed->end()) ==
          std::vector<uint8_t>(std::begin(info), std::end(info)));
    CHECK(d.reply.options.codes().back() == dhcp::opt::kRelayAgent);
}

TEST_CASE("a NAK through a relay sets the broadcast bit; a direct NAK is broadcast") {
    EngineFixture f(true);
    TestClient c(5);
    const auto& d = f.send(c.request_init_reboot(ip("10.0.0.5")));
    CHECK(d.destination == Destination::Broadcast);
    TestClient r(6);
    r.giaddr = ip("198.18.0.254");
    const auto& d2 = f.send(r.request_init_reboot(ip("10.0.0.5")));
    CHECK(type_of(d2) == MessageType::Nak);
    CHECK(d2.destination == Destination::Relay);
    CHECK(d2.reply.broadcast_flag());
}

TEST_CASE("replies fit in the client's maximum message size; option 57 below 576 counts as 576") {
    EngineFixture f;
    std::vector<uint8_t> big(250, 'x');
    for (uint8_t code = 224; code < 240; ++code)
        f.cfg.options.push_back({code, big, std::nullopt, true});
    f.rebuild();
    TestClient a(1);
    auto m = a.discover();
    m.options.set(dhcp::opt::kMaxMessageSize, std::vector<uint8_t>{0x01, 0x00});  // 256
    const auto& d = f.send(m);
    CHECK(d.max_reply_size == 576);
    std::vector<uint8_t> buf(dhcp::kMaxPacketSize);
    size_t n = dhcp::encode(d.reply, buf, d.max_reply_size);
    CHECK(n <= 576);
    CHECK(n >= 300);
    dhcp::Message back;
    REQUIRE(dhcp::decode(Bytes(buf.data(), n), back) == dhcp::DecodeError::None);
    // The essentials always make it.
    CHECK(back.type() == MessageType::Offer);
    CHECK(back.options.has(dhcp::opt::kServerId));
    CHECK(back.options.has(dhcp::opt::kLeaseTime));
    CHECK(back.options.has(dhcp::opt::kSubnetMask));
}

TEST_CASE("option 81 gets an RFC 4702 answer naming the FQDN") {
    EngineFixture f;
    f.cfg.dns_port = 53;
    f.rebuild();
    TestClient a(1);
    auto m = a.discover();
    // flags S=1 E=1, rcodes 0, name "pc" in wire form, not fully qualified
    const uint8_t fqdn[] = {0x05, 0, 0, 2, 'p', 'c'};
    m.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    Ipv4 addr = f.send(m).reply.yiaddr;
    auto req = a.request_selecting(f.server, addr);
    req.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    const auto& d = f.send(req);
    auto reply81 = d.reply.options.get(dhcp::opt::kClientFqdn);
    REQUIRE(reply81);
    REQUIRE(reply81->size() >= 3);
    CHECK(((*reply81)[0] & 0x01) == 0x01);  // S: we update the A record
    CHECK((*reply81)[1] == 255);
    CHECK((*reply81)[2] == 255);
    CHECK(f.table.find_by_addr(addr)->hostname == "pc");
}
