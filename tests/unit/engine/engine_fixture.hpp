// A served subnet 198.18.0.0/24 (server 198.18.0.1, pool .100-.109, 1 h leases) with a
// fake clock, driven in-process.
#pragma once
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "leasedns/dhcp/engine.hpp"
#include "leasedns/leases/table.hpp"
#include "test_client.hpp"

namespace leasedns::testing {

struct RecordingListener : leases::LeaseListener {
    std::vector<std::pair<leases::EventKind, Ipv4>> events;
    void on_lease_event(const leases::LeaseEvent& e) override {
        events.emplace_back(e.kind, e.lease.addr);
    }
};

struct EngineFixture {
    config::Config cfg;
    leases::LeaseTable table;
    FakeClock clock;
    Ipv4 server = ip("198.18.0.1");
    std::unique_ptr<dhcp::Engine> engine;
    RecordingListener events;

    explicit EngineFixture(bool authoritative = true) {
        config::Range r;
        r.start = ip("198.18.0.100");
        r.end = ip("198.18.0.109");
        r.subnet = *Prefix::parse("198.18.0.0/24");
        r.lease_time = 3600;
        r.interface = "lan0";
        cfg.ranges.push_back(r);
        cfg.authoritative = authoritative;
        cfg.ping = false;
        cfg.dns_port = 0;
        cfg.domain = "lan";
        rebuild();
        table.subscribe(&events);
    }
    void rebuild() {
        std::vector<Ipv4> own{server};
        engine = std::make_unique<dhcp::Engine>(cfg, own, table);
    }
    dhcp::Arrival arrival() const {
        dhcp::Arrival a;
        a.ifindex = 2;
        a.local_addr = server;
        a.to_broadcast = true;
        return a;
    }
    const dhcp::Decision& send(const dhcp::Message& m) {
        return engine->handle(m, arrival(), clock.now());
    }
    // Full DORA; returns the address bound.
    Ipv4 bind(const TestClient& c) {
        const auto& offer = send(c.discover());
        REQUIRE(offer.verdict == dhcp::Verdict::Reply);
        Ipv4 addr = offer.reply.yiaddr;
        const auto& ack = send(c.request_selecting(server, addr));
        REQUIRE(ack.reply.type() == dhcp::MessageType::Ack);
        return addr;
    }
};

inline dhcp::MessageType type_of(const dhcp::Decision& d) {
    return *d.reply.type();
}

}  // namespace leasedns::testing
