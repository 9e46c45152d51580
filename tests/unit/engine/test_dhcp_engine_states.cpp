// RFC 2131 §4.3: the server's answer in every client state.
#include "engine_fixture.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::MessageType;
using dhcp::Verdict;

TEST_CASE("DISCOVER gets an OFFER from the pool, held for that client") {
    EngineFixture f;
    TestClient a(1);
    const auto& d = f.send(a.discover());
    REQUIRE(d.verdict == Verdict::Reply);
    CHECK(type_of(d) == MessageType::Offer);
    Ipv4 offered = d.reply.yiaddr;
    CHECK(offered >= ip("198.18.0.100"));
    CHECK(offered <= ip("198.18.0.109"));
    CHECK(d.reply.options.get_ipv4(dhcp::opt::kServerId) == f.server);
    CHECK(d.reply.options.get_u32(dhcp::opt::kLeaseTime) == 3600u);
    CHECK_FALSE(d.needs_durability);
    // Another client is never offered the held address.
    TestClient b(2);
    CHECK(f.send(b.discover()).reply.yiaddr != offered);
    // An offer publishes nothing (it is not a lease).
    CHECK(f.events.events.empty());
}

TEST_CASE("REQUEST in SELECTING for the offered address is ACKed, durably, with a Granted event") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 offered = f.send(a.discover()).reply.yiaddr;
    const auto& d = f.send(a.request_selecting(f.server, offered));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.yiaddr == offered);
    CHECK(d.needs_durability);
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == leases::EventKind::Granted);
    CHECK(f.table.find_by_addr(offered)->state == leases::LeaseState::Bound);
}

TEST_CASE("REQUEST in SELECTING naming another server is silent and frees our offer (B2)") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 offered = f.send(a.discover()).reply.yiaddr;
    const auto& d = f.send(a.request_selecting(ip("198.18.0.2"), offered));
    CHECK(d.verdict == Verdict::Drop);
    CHECK(d.drop == dhcp::DropReason::OtherServer);
    CHECK(f.table.find_by_addr(offered) == nullptr);
    CHECK(f.table.is_free(offered));
}

TEST_CASE("REQUEST in INIT-REBOOT for the client's own lease is ACKed") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    f.clock.advance(100);
    const auto& d = f.send(a.request_init_reboot(addr));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.yiaddr == addr);
    CHECK(f.table.find_by_addr(addr)->expires == f.clock.now() + 3600);
}

TEST_CASE("REQUEST in INIT-REBOOT for a foreign subnet is NAKed when authoritative") {
    EngineFixture f(true);
    TestClient a(1);
    const auto& d = f.send(a.request_init_reboot(ip("10.1.2.3")));
    CHECK(type_of(d) == MessageType::Nak);
    CHECK(d.destination == dhcp::Destination::Broadcast);
    CHECK(d.reply.yiaddr.is_zero());
}

TEST_CASE("REQUEST in INIT-REBOOT for a foreign subnet is silent when not authoritative") {
    EngineFixture f(false);
    TestClient a(1);
    CHECK(f.send(a.request_init_reboot(ip("10.1.2.3"))).verdict == Verdict::Drop);
}

TEST_CASE("INIT-REBOOT for an address leased to someone else: NAK, owner untouched (B3)") {
    EngineFixture f(true);
    TestClient owner(1), thief(2);
    Ipv4 addr = f.bind(owner);
    auto before = f.table.find_by_addr(addr)->expires;
    CHECK(type_of(f.send(thief.request_init_reboot(addr))) == MessageType::Nak);
    CHECK(f.table.find_by_addr(addr)->client ==
          f.table.find_by_client(leases::ClientId::from_hardware(1, Bytes(owner.mac.octets)))
              ->client);
    CHECK(f.table.find_by_addr(addr)->expires == before);

    EngineFixture g(false);
    Ipv4 addr2 = g.bind(owner);
    CHECK(g.send(thief.request_init_reboot(addr2)).verdict == Verdict::Drop);
    CHECK(g.table.bound_count() == 1);
}

TEST_CASE("INIT-REBOOT with no record: authoritative gives the free address back, else silent") {
    // The journal was lost: a client that asks for its old, free address keeps it.
    EngineFixture f(true);
    TestClient a(1);
    const auto& d = f.send(a.request_init_reboot(ip("198.18.0.105")));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.yiaddr == ip("198.18.0.105"));

    EngineFixture g(false);
    CHECK(g.send(a.request_init_reboot(ip("198.18.0.105"))).drop == dhcp::DropReason::NoRecord);
}

TEST_CASE("RENEWING extends the lease and replies to ciaddr") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    f.clock.advance(1800);  // T1
    const auto& d = f.send(a.request_renewing(addr));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.destination == dhcp::Destination::Client);
    CHECK(d.destination_addr == addr);
    CHECK(d.needs_durability);
    CHECK(f.events.events.back().first == leases::EventKind::Renewed);
    CHECK(f.table.find_by_addr(addr)->expires == f.clock.now() + 3600);
}

TEST_CASE("REBINDING (broadcast, ciaddr set) for the client's own lease is ACKed") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    a.broadcast = true;
    f.clock.advance(3150);  // T2
    const auto& d = f.send(a.request_renewing(addr));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.yiaddr == addr);
}

TEST_CASE("RENEW of an address the sender does not hold: no ACK, nothing changes (B4)") {
    EngineFixture f(true);
    TestClient owner(1), other(2);
    Ipv4 addr = f.bind(owner);
    auto expires = f.table.find_by_addr(addr)->expires;
    size_t events = f.events.events.size();
    const auto& d = f.send(other.request_renewing(addr));
    CHECK((d.verdict == Verdict::Drop || type_of(d) == MessageType::Nak));
    CHECK(f.table.find_by_addr(addr)->expires == expires);
    CHECK(f.events.events.size() == events);
}

TEST_CASE("a returning client gets its previous address") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    CHECK(f.send(a.discover()).reply.yiaddr == addr);
}

TEST_CASE("a client asking for a free address in the pool (option 50 in DISCOVER) gets it") {
    EngineFixture f;
    TestClient a(1);
    auto m = a.discover();
    m.options.set_ipv4(dhcp::opt::kRequestedAddress, ip("198.18.0.107"));
    CHECK(f.send(m).reply.yiaddr == ip("198.18.0.107"));
}

TEST_CASE("RELEASE frees the address with a Released event") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    const auto& d = f.send(a.release(f.server, addr));
    CHECK(d.verdict == Verdict::Drop);  // RELEASE has no reply
    CHECK(d.drop == dhcp::DropReason::None);
    CHECK(f.events.events.back().first == leases::EventKind::Released);
    CHECK(f.table.find_by_addr(addr) == nullptr);
}

TEST_CASE("DECLINE quarantines the address; it is not offered again until quarantine ends") {
    EngineFixture f;
    f.cfg.decline_seconds = 600;
    f.rebuild();
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    const auto& d = f.send(a.decline(f.server, addr));
    CHECK(d.needs_durability);
    CHECK(f.events.events.back().first == leases::EventKind::Declined);
    CHECK(f.table.find_by_addr(addr)->state == leases::LeaseState::Declined);
    TestClient b(2);
    auto m = b.discover();
    m.options.set_ipv4(dhcp::opt::kRequestedAddress, addr);
    CHECK(f.send(m).reply.yiaddr != addr);
    f.clock.advance(601);
    f.table.expire_due(f.clock.now(), 100);
    CHECK(f.table.is_free(addr));
}

TEST_CASE("INFORM gets an ACK with options but no lease and no lease time (B10)") {
    EngineFixture f;
    TestClient a(1);
    const auto& d = f.send(a.inform(ip("198.18.0.50")));
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.yiaddr.is_zero());
    CHECK_FALSE(d.reply.options.has(dhcp::opt::kLeaseTime));
    CHECK(d.destination == dhcp::Destination::Client);
    CHECK(f.table.entry_count() == 0);
    CHECK_FALSE(d.needs_durability);
}

TEST_CASE("INFORM from outside the served subnets gets no reply (B10)") {
    EngineFixture f;
    TestClient a(1);
    CHECK(f.send(a.inform(ip("10.9.9.9"))).verdict == Verdict::Drop);
}

TEST_CASE("rapid commit: DISCOVER with option 80 gets an ACK with option 80 when enabled") {
    EngineFixture f;
    f.cfg.rapid_commit = true;
    f.rebuild();
    TestClient a(1);
    auto m = a.discover();
    m.options.set(dhcp::opt::kRapidCommit, {});
    const auto& d = f.send(m);
    CHECK(type_of(d) == MessageType::Ack);
    CHECK(d.reply.options.has(dhcp::opt::kRapidCommit));
    CHECK(d.needs_durability);

    EngineFixture g;  // disabled: a normal OFFER
    CHECK(type_of(g.send(m)) == MessageType::Offer);
}

TEST_CASE("a reservation by MAC gets its fixed address, name and lease time") {
    EngineFixture f;
    config::Reservation r;
    r.mac = TestClient(7).mac;
    r.addr = ip("198.18.0.20");
    r.hostname = "printer";
    r.lease_time = 7200;
    f.cfg.reservations.push_back(r);
    f.rebuild();
    TestClient c(7);
    const auto& offer = f.send(c.discover());
    CHECK(offer.reply.yiaddr == ip("198.18.0.20"));
    CHECK(offer.reply.options.get_u32(dhcp::opt::kLeaseTime) == 7200u);
    f.send(c.request_selecting(f.server, ip("198.18.0.20")));
    CHECK(f.table.find_by_addr(ip("198.18.0.20"))->hostname == "printer");
    // Nobody else gets a reserved address, even by asking.
    TestClient other(8);
    auto m = other.discover();
    m.options.set_ipv4(dhcp::opt::kRequestedAddress, ip("198.18.0.20"));
    CHECK(f.send(m).reply.yiaddr != ip("198.18.0.20"));
}

TEST_CASE("expiry of a bound lease publishes Expired and frees the address") {
    EngineFixture f;
    TestClient a(1);
    Ipv4 addr = f.bind(a);
    f.clock.advance(3601);
    CHECK(f.table.expire_due(f.clock.now(), 10) == 1);
    CHECK(f.events.events.back().first == leases::EventKind::Expired);
    CHECK(f.table.is_free(addr));
}
