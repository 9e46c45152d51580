// ROBUSTNESS A8: packets captured from real clients (tests/captures/, made by
// tests/captures/capture.sh: dhclient 4.4, udhcpc from busybox 1.35, dhcpcd 9.4 on
// Debian 12) decode, and the engine answers each client's DISCOVER with an OFFER that
// carries what the client asked for, and its REQUEST (SELECTING) with an ACK for the
// address it requested.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "leasedns/dhcp/codec.hpp"
#include "leasedns/dhcp/engine.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;

namespace {

std::vector<uint8_t> capture(const std::string& name) {
    std::ifstream in(std::string(LEASEDNS_SOURCE_ROOT) + "/tests/captures/" + name,
                     std::ios::binary);
    REQUIRE_MESSAGE(in.good(), name);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

dhcp::Message decoded(const std::string& name) {
    auto bytes = capture(name);
    dhcp::Message m;
    REQUIRE(dhcp::decode(Bytes(bytes.data(), bytes.size()), m) == dhcp::DecodeError::None);
    return m;
}

// The capture's server: 198.18.0.1 on 198.18.0.0/24, pool .100-.150, 2 min leases.
struct CaptureServer {
    config::Config cfg;
    leases::LeaseTable table;
    std::vector<Ipv4> own{Ipv4::from_octets(198, 18, 0, 1)};
    std::unique_ptr<dhcp::Engine> engine;
    WallSeconds now = 1'800'000'000;

    CaptureServer() {
        config::Range r;
        r.start = Ipv4::from_octets(198, 18, 0, 100);
        r.end = Ipv4::from_octets(198, 18, 0, 150);
        r.subnet = Prefix::of(r.start, 24);
        r.lease_time = 120;
        r.interface = "lan0";
        cfg.ranges.push_back(r);
        cfg.ping = false;
        engine = std::make_unique<dhcp::Engine>(cfg, own, table);
    }
    const dhcp::Decision& handle(const dhcp::Message& m) {
        dhcp::Arrival a;
        a.ifindex = 2;
        a.local_addr = own[0];
        a.to_broadcast = true;
        return engine->handle(m, a, now);
    }
};

void check_client(const std::string& client, const std::string& hostname) {
    CAPTURE(client);
    auto discover = decoded(client + "-01-1.bin");
    auto request = decoded(client + "-02-3.bin");
    CHECK(discover.type() == dhcp::MessageType::Discover);
    CHECK(request.type() == dhcp::MessageType::Request);
    CHECK(discover.xid != 0);
    CHECK_FALSE(discover.broadcast_flag());  // none of the three asks for a broadcast reply
    auto name = request.options.get(12);
    REQUIRE(name);
    CHECK(std::string(name->begin(), name->end()) == hostname);

    CaptureServer server;
    const auto& offer = server.handle(discover);
    REQUIRE(offer.verdict == dhcp::Verdict::Reply);
    CHECK(offer.reply.type() == dhcp::MessageType::Offer);
    CHECK(offer.reply.xid == discover.xid);
    CHECK(offer.destination == dhcp::Destination::UnicastHardware);
    // Every option the client asked for that we have is in the reply (subnet mask,
    // lease time, server id at least).
    CHECK(offer.reply.options.get_ipv4(1) == Ipv4::from_octets(255, 255, 255, 0));
    CHECK(offer.reply.options.get_u32(51) == 120u);
    CHECK(offer.reply.options.get_ipv4(54) == server.own[0]);

    auto requested = request.options.get_ipv4(50);
    REQUIRE(requested);
    const auto& ack = server.handle(request);
    REQUIRE(ack.verdict == dhcp::Verdict::Reply);
    CHECK(ack.reply.type() == dhcp::MessageType::Ack);
    CHECK(ack.reply.yiaddr == *requested);
    CHECK(ack.needs_durability);
    CHECK(server.table.bound_count() == 1);
}

}  // namespace

TEST_CASE("captured dhclient DISCOVER and REQUEST get an OFFER and an ACK") {
    check_client("dhclient", "capture-dhclient");
}

TEST_CASE("captured udhcpc DISCOVER and REQUEST get an OFFER and an ACK") {
    check_client("udhcpc", "capture-udhcpc");
}

TEST_CASE("captured dhcpcd DISCOVER and REQUEST get an OFFER and an ACK") {
    check_client("dhcpcd", "capture-dhcpcd");
}

TEST_CASE("every captured packet survives decode, encode, decode unchanged") {
    for (const char* name : {"dhclient-01-1.bin", "dhclient-02-3.bin", "udhcpc-01-1.bin",
                             "udhcpc-02-3.bin", "dhcpcd-01-1.bin", "dhcpcd-02-3.bin"}) {
        CAPTURE(name);
        auto first = decoded(name);
        std::vector<uint8_t> out(dhcp::kMaxPacketSize);
        size_t n = dhcp::encode(first, out, out.size());
        REQUIRE(n >= dhcp::kMinReplySize);
        dhcp::Message second;
        REQUIRE(dhcp::decode(Bytes(out.data(), n), second) == dhcp::DecodeError::None);
        CHECK(second.xid == first.xid);
        CHECK(second.chaddr == first.chaddr);
        CHECK(second.options.codes() == first.options.codes());
    }
}
