// ROBUSTNESS.md B: what a misbehaving or hostile client cannot do.
#include "engine_fixture.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::DropReason;
using dhcp::MessageType;
using dhcp::Verdict;

TEST_CASE("B1: more clients than addresses: no OFFER when empty, counted; holds expire") {
    EngineFixture f;
    int offers = 0;
    for (int i = 1; i <= 30; ++i) {
        TestClient c(static_cast<uint8_t>(i));
        const auto& d = f.send(c.discover());
        if (d.verdict == Verdict::Reply)
            ++offers;
        else
            CHECK(d.drop == DropReason::PoolExhausted);
    }
    CHECK(offers == 10);
    CHECK(f.engine->counters().dropped[static_cast<size_t>(DropReason::PoolExhausted)] == 20);
    // An OFFER hold lasts seconds: after it, the pool is free again for real clients.
    f.clock.advance(f.cfg.offer_hold_seconds + 1);
    f.table.expire_due(f.clock.now(), 100);
    TestClient late(200);
    CHECK(f.send(late.discover()).verdict == Verdict::Reply);
}

TEST_CASE("B1: lease-max caps bound leases; existing clients still renew") {
    EngineFixture f;
    f.cfg.lease_max = 2;
    f.rebuild();
    TestClient a(1), b(2), c(3);
    Ipv4 addr_a = f.bind(a);
    f.bind(b);
    CHECK(f.send(c.discover()).drop == DropReason::PoolExhausted);
    CHECK(type_of(f.send(a.request_renewing(addr_a))) == MessageType::Ack);
}

TEST_CASE("B5: RELEASE of another client's address, or without our server id, is ignored") {
    EngineFixture f;
    TestClient owner(1), other(2);
    Ipv4 addr = f.bind(owner);
    CHECK(f.send(other.release(f.server, addr)).drop == DropReason::NotOwner);
    CHECK(f.send(owner.release(ip("198.18.0.2"), addr)).drop == DropReason::OtherServer);
    auto m = owner.release(f.server, addr);
    m.options.remove(dhcp::opt::kServerId);
    CHECK(f.send(m).drop == DropReason::OtherServer);
    CHECK(f.table.find_by_addr(addr) != nullptr);
    CHECK(f.table.find_by_addr(addr)->state == leases::LeaseState::Bound);
}

TEST_CASE("B6: DECLINE with a wrong server id or for an address not held is ignored") {
    EngineFixture f;
    TestClient owner(1), other(2);
    Ipv4 addr = f.bind(owner);
    CHECK(f.send(owner.decline(ip("198.18.0.2"), addr)).drop == DropReason::OtherServer);
    CHECK(f.send(other.decline(f.server, addr)).drop == DropReason::NotOwner);
    CHECK(f.table.find_by_addr(addr)->state == leases::LeaseState::Bound);
}

TEST_CASE("B7: option 82 from a client (giaddr 0) is dropped and counted") {
    EngineFixture f;
    TestClient a(1);
    auto m = a.discover();
    const uint8_t info[] = {1, 3, 'p', 'o', 'e'};
    m.options.set(dhcp::opt::kRelayAgent, Bytes(info));
    CHECK(f.send(m).drop == DropReason::RelayInfoUnrelayed);
}

TEST_CASE("B8: same MAC with different client ids gets separate leases; option 61 echoed") {
    EngineFixture f;
    TestClient a(1), b(1);
    a.client_id = {0xff, 1, 2, 3, 4};
    b.client_id = {0xff, 9, 9, 9, 9};
    Ipv4 addr_a = f.bind(a);
    Ipv4 addr_b = f.bind(b);
    CHECK(addr_a != addr_b);
    CHECK(f.table.bound_count() == 2);
    const auto& d = f.send(a.discover());
    auto echoed = d.reply.options.get(dhcp::opt::kClientId);
    REQUIRE(echoed);
    CHECK(std::vector<uint8_t>(echoed->begin(), echoed->end()) == a.client_id);
}

TEST_CASE("B9: requested lease time 0 or 2^32-1 is clamped to [minimum, configured]") {
    EngineFixture f;
    TestClient a(1), b(2);
    auto m = a.discover();
    m.options.set_u32(dhcp::opt::kLeaseTime, 0);
    CHECK(f.send(m).reply.options.get_u32(dhcp::opt::kLeaseTime) == f.cfg.min_lease_seconds);
    auto n = b.discover();
    n.options.set_u32(dhcp::opt::kLeaseTime, 0xffffffffu);
    CHECK(f.send(n).reply.options.get_u32(dhcp::opt::kLeaseTime) == 3600u);
}

TEST_CASE("B11: a request relayed from a subnet we do not serve is refused cleanly") {
    EngineFixture f;
    TestClient a(1);
    a.giaddr = ip("10.20.30.1");
    CHECK(f.send(a.discover()).drop == DropReason::NoSubnet);
    TestClient b(2);
    auto m = b.request_renewing(ip("10.20.30.40"));
    dhcp::Arrival arr = f.arrival();
    arr.local_addr = ip("10.99.0.1");  // arrived on an interface we do not serve
    CHECK(f.engine->handle(m, arr, f.clock.now()).drop == DropReason::NoSubnet);
}

TEST_CASE("server messages sent to the server port are dropped") {
    EngineFixture f;
    TestClient a(1);
    auto m = a.discover();
    m.op = dhcp::Message::kBootReply;
    CHECK(f.send(m).drop == DropReason::NotRequest);
    auto o = a.base(MessageType::Offer);
    CHECK(f.send(o).drop == DropReason::UnexpectedType);
    auto bootp = a.discover();
    bootp.options.remove(dhcp::opt::kMessageType);
    CHECK(f.send(bootp).drop == DropReason::NoMessageType);
}

TEST_CASE("C7: a name held by another live lease is not taken over; freed names are reusable") {
    EngineFixture f;
    TestClient a(1), b(2);
    a.hostname = "laptop";
    b.hostname = "Laptop";
    Ipv4 addr_a = f.bind(a);
    Ipv4 addr_b = f.bind(b);
    CHECK(f.table.find_by_addr(addr_a)->hostname == "laptop");
    CHECK(f.table.find_by_addr(addr_b)->hostname.empty());
    f.send(a.release(f.server, addr_a));
    f.send(b.request_renewing(addr_b));
    CHECK(f.table.find_by_addr(addr_b)->hostname == "laptop");
}

TEST_CASE("C6: a DHCP client cannot take a name reserved for another host") {
    EngineFixture f;
    config::Reservation r;
    r.mac = TestClient(50).mac;
    r.addr = ip("198.18.0.50");
    r.hostname = "nas";
    f.cfg.reservations.push_back(r);
    f.rebuild();
    TestClient a(1);
    a.hostname = "nas";
    Ipv4 addr = f.bind(a);
    CHECK(f.table.find_by_addr(addr)->hostname.empty());
}

TEST_CASE("an invalid host name does not stop the lease") {
    EngineFixture f;
    TestClient a(1);
    a.hostname = "bad name;rm";
    Ipv4 addr = f.bind(a);
    CHECK(f.table.find_by_addr(addr)->hostname.empty());
}
