// ROBUSTNESS C6/C7: which host names a DHCP client may register. The engine asks a name
// guard (in the server, dns::Zone::is_static_label) whether DNS answers a label statically;
// here the guard is a plain set of labels, so the engine is tested without the DNS module.
#include <set>
#include <string>

#include "engine_fixture.hpp"

using namespace leasedns;
using namespace leasedns::testing;
using dhcp::MessageType;

namespace {

// A guard over a fixed set of static labels that remembers what it was asked.
struct StaticNames {
    std::set<std::string> labels;
    std::vector<std::string> asked;
    dhcp::Engine::NameGuard guard() {
        return [this](std::string_view label) {
            asked.emplace_back(label);
            return labels.count(std::string(label)) > 0;
        };
    }
};

config::Reservation reservation(uint8_t client, const char* addr, const char* name) {
    config::Reservation r;
    r.mac = TestClient(client).mac;
    r.addr = ip(addr);
    r.hostname = name;
    return r;
}

}  // namespace

TEST_CASE("C6: a client asking for a statically answered name gets its lease without a name") {
    EngineFixture f;
    StaticNames names{{"router"}, {}};
    f.engine->set_name_guard(names.guard());
    TestClient a(1);
    a.hostname = "Router";
    const auto& offer = f.send(a.discover());
    REQUIRE(offer.verdict == dhcp::Verdict::Reply);
    CHECK_FALSE(offer.reply.options.has(dhcp::opt::kHostName));
    Ipv4 addr = offer.reply.yiaddr;
    const auto& ack = f.send(a.request_selecting(f.server, addr));
    REQUIRE(type_of(ack) == MessageType::Ack);
    CHECK(f.table.find_by_addr(addr)->hostname.empty());
    // The guard saw the cleaned label, not the raw option.
    REQUIRE_FALSE(names.asked.empty());
    CHECK(names.asked.back() == "router");
}

TEST_CASE("C6: a guarded name asked for through option 81 is not registered either") {
    EngineFixture f;
    f.cfg.dns_port = 53;
    f.rebuild();
    StaticNames names{{"pc"}, {}};
    f.engine->set_name_guard(names.guard());
    TestClient a(1);
    // flags S=1 E=1, rcodes 0, "pc" in wire form, not fully qualified
    const uint8_t fqdn[] = {0x05, 0, 0, 2, 'p', 'c'};
    auto discover = a.discover();
    discover.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    Ipv4 addr = f.send(discover).reply.yiaddr;
    auto req = a.request_selecting(f.server, addr);
    req.options.set(dhcp::opt::kClientFqdn, Bytes(fqdn));
    const auto& ack = f.send(req);
    REQUIRE(type_of(ack) == MessageType::Ack);
    CHECK(f.table.find_by_addr(addr)->hostname.empty());
    // RFC 4702 §4: with no name registered we must not claim to update the A record.
    auto reply81 = ack.reply.options.get(dhcp::opt::kClientFqdn);
    REQUIRE(reply81);
    REQUIRE_FALSE(reply81->empty());
    CHECK(((*reply81)[0] & 0x01) == 0);
}

TEST_CASE("C6: a name the guard does not know is registered as before") {
    EngineFixture f;
    StaticNames names{{"router"}, {}};
    f.engine->set_name_guard(names.guard());
    TestClient a(1);
    a.hostname = "laptop";
    Ipv4 addr = f.bind(a);
    CHECK(f.table.find_by_addr(addr)->hostname == "laptop");
    CHECK_FALSE(names.asked.empty());
}

TEST_CASE("C6: a reservation's name still goes to its own client though DNS lists it as static") {
    EngineFixture f;
    f.cfg.reservations.push_back(reservation(7, "198.18.0.20", "printer"));
    f.rebuild();
    // The zone lists reservations' names among its static labels.
    StaticNames names{{"printer"}, {}};
    f.engine->set_name_guard(names.guard());

    SUBCASE("when the client sends no name of its own") {
        TestClient c(7);
        CHECK(f.bind(c) == ip("198.18.0.20"));
        CHECK(f.table.find_by_addr(ip("198.18.0.20"))->hostname == "printer");
    }
    SUBCASE("when the client asks for that very name") {
        TestClient c(7);
        c.hostname = "printer";
        CHECK(f.bind(c) == ip("198.18.0.20"));
        CHECK(f.table.find_by_addr(ip("198.18.0.20"))->hostname == "printer");
    }
    SUBCASE("but another client asking for it gets none") {
        TestClient other(8);
        other.hostname = "printer";
        Ipv4 addr = f.bind(other);
        CHECK(f.table.find_by_addr(addr)->hostname.empty());
    }
}

TEST_CASE("C6: a reserved client asking for another static name gets neither that name") {
    EngineFixture f;
    f.cfg.reservations.push_back(reservation(7, "198.18.0.20", "printer"));
    f.rebuild();
    StaticNames names{{"printer", "router"}, {}};
    f.engine->set_name_guard(names.guard());
    TestClient c(7);
    c.hostname = "router";
    CHECK(f.bind(c) == ip("198.18.0.20"));
    // The asked-for name is refused; the reservation's name is not substituted for a name
    // the client chose (the engine only falls back to it when the client sends none).
    CHECK(f.table.find_by_addr(ip("198.18.0.20"))->hostname.empty());
}

TEST_CASE("C7 still holds with a guard installed: the first holder keeps its name") {
    EngineFixture f;
    StaticNames names{{"router"}, {}};
    f.engine->set_name_guard(names.guard());
    TestClient a(1), b(2);
    a.hostname = "laptop";
    b.hostname = "laptop";
    Ipv4 addr_a = f.bind(a);
    Ipv4 addr_b = f.bind(b);
    CHECK(f.table.find_by_addr(addr_a)->hostname == "laptop");
    CHECK(f.table.find_by_addr(addr_b)->hostname.empty());
    // A renews and keeps it; after A releases, B gets it at its next renew.
    f.send(a.request_renewing(addr_a));
    CHECK(f.table.find_by_addr(addr_a)->hostname == "laptop");
    f.send(a.release(f.server, addr_a));
    f.send(b.request_renewing(addr_b));
    CHECK(f.table.find_by_addr(addr_b)->hostname == "laptop");
}

TEST_CASE("the name guard survives a reload and can be removed") {
    EngineFixture f;
    StaticNames names{{"router"}, {}};
    f.engine->set_name_guard(names.guard());
    std::vector<Ipv4> own{f.server};
    f.engine->reconfigure(f.cfg, own);
    TestClient a(1), b(2);
    a.hostname = "router";
    CHECK(f.table.find_by_addr(f.bind(a))->hostname.empty());

    f.engine->set_name_guard({});
    b.hostname = "router";
    CHECK(f.table.find_by_addr(f.bind(b))->hostname == "router");
}
