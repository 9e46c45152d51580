// Engine::reconfigure (SIGHUP, leasectl reload): leases survive, and the documented rule
// for a lease the new configuration no longer covers (leasedns(8), RELOAD).
#include "engine_fixture.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::MessageType;
using dhcp::Verdict;

namespace {

void reconfigure(EngineFixture& f) {
    std::vector<Ipv4> own{f.server};
    f.engine->reconfigure(f.cfg, own);
}

config::Reservation reservation(const TestClient& c, const char* addr) {
    config::Reservation r;
    r.mac = c.mac;
    r.addr = ip(addr);
    return r;
}

}  // namespace

TEST_CASE("after a reload that keeps its range, a lease renews to the same address") {
    EngineFixture f;
    TestClient c(1);
    Ipv4 addr = f.bind(c);
    f.cfg.ranges[0].end = ip("198.18.0.150");  // range grown
    f.cfg.ranges[0].lease_time = 7200;
    reconfigure(f);
    const auto& ack = f.send(c.request_renewing(addr));
    REQUIRE(ack.verdict == Verdict::Reply);
    CHECK(type_of(ack) == MessageType::Ack);
    CHECK(ack.reply.yiaddr == addr);
    CHECK(ack.reply.options.get_u32(dhcp::opt::kLeaseTime) == 7200u);
}

TEST_CASE("a reload shrinking the range keeps the lease outside it until the client renews") {
    EngineFixture f;
    TestClient c(1);
    Ipv4 addr = f.bind(c);
    f.cfg.ranges[0].start = ip("198.18.0.200");
    f.cfg.ranges[0].end = ip("198.18.0.209");
    f.events.events.clear();
    reconfigure(f);
    // Nothing deleted by the reload itself.
    CHECK(f.events.events.empty());
    REQUIRE(f.table.find_by_addr(addr) != nullptr);
    CHECK(f.table.find_by_addr(addr)->state == leases::LeaseState::Bound);

    // The renewal is NAKed, the lease still stands; the next DISCOVER moves the client.
    const auto& nak = f.send(c.request_renewing(addr));
    REQUIRE(nak.verdict == Verdict::Reply);
    CHECK(type_of(nak) == MessageType::Nak);
    CHECK(f.table.find_by_addr(addr) != nullptr);
    Ipv4 moved = f.bind(c);
    CHECK(moved >= ip("198.18.0.200"));
    CHECK(moved <= ip("198.18.0.209"));
    CHECK(f.table.find_by_addr(addr) == nullptr);  // ended by the move (a Released event)
}

TEST_CASE("a lease outside the new range is NAKed on renewal even when not authoritative") {
    EngineFixture f(false);
    TestClient c(1);
    Ipv4 addr = f.bind(c);
    f.cfg.ranges[0].start = ip("198.18.0.200");
    f.cfg.ranges[0].end = ip("198.18.0.209");
    reconfigure(f);
    const auto& nak = f.send(c.request_renewing(addr));
    REQUIRE(nak.verdict == Verdict::Reply);
    CHECK(type_of(nak) == MessageType::Nak);
}

TEST_CASE("a reservation added by a reload moves its client to the reserved address") {
    EngineFixture f;
    TestClient c(1);
    Ipv4 addr = f.bind(c);
    f.cfg.reservations.push_back(reservation(c, "198.18.0.50"));
    reconfigure(f);
    const auto& nak = f.send(c.request_renewing(addr));
    REQUIRE(nak.verdict == Verdict::Reply);
    CHECK(type_of(nak) == MessageType::Nak);
    CHECK(f.bind(c) == ip("198.18.0.50"));
}

TEST_CASE("a reservation whose address another client holds leaves its client where it is") {
    EngineFixture f;
    TestClient holder(1), reserved(2);
    Ipv4 held = f.bind(holder);
    Ipv4 mine = f.bind(reserved);
    f.cfg.reservations.push_back(reservation(reserved, held.str().c_str()));
    reconfigure(f);
    // The reserved client keeps renewing its address while the other lease lasts...
    const auto& ack = f.send(reserved.request_renewing(mine));
    REQUIRE(ack.verdict == Verdict::Reply);
    CHECK(type_of(ack) == MessageType::Ack);
    CHECK(ack.reply.yiaddr == mine);
    // ...and the holder, whose address is now reserved for someone else, is moved.
    const auto& nak = f.send(holder.request_renewing(held));
    REQUIRE(nak.verdict == Verdict::Reply);
    CHECK(type_of(nak) == MessageType::Nak);
    Ipv4 moved = f.bind(holder);
    CHECK(moved != held);
    CHECK(f.bind(reserved) == held);
}
