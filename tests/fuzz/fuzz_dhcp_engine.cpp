// decode -> Engine::handle on a seeded lease table with a fixed clock (ROBUSTNESS K).
// The first byte picks the arrival (local/relayed, authoritative or not); the rest is the
// packet. Invariants checked after each packet: every reply encodes within its size limit,
// and the table never holds more bound leases than the pool has addresses.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "leasedns/dhcp/codec.hpp"
#include "leasedns/dhcp/engine.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;

namespace {

config::Config make_config(bool authoritative) {
    config::Config cfg;
    config::Range r;
    r.start = Ipv4::from_octets(198, 18, 0, 100);
    r.end = Ipv4::from_octets(198, 18, 0, 131);
    r.subnet = Prefix::of(Ipv4::from_octets(198, 18, 0, 0), 24);
    r.lease_time = 3600;
    cfg.ranges.push_back(r);
    config::Range relayed = r;
    relayed.start = Ipv4::from_octets(198, 19, 1, 10);
    relayed.end = Ipv4::from_octets(198, 19, 1, 20);
    relayed.subnet = Prefix::of(Ipv4::from_octets(198, 19, 1, 0), 24);
    cfg.ranges.push_back(relayed);
    config::Reservation res;
    res.mac = Mac{{0x02, 0, 0, 0, 0, 0x07}};
    res.addr = Ipv4::from_octets(198, 18, 0, 7);
    res.hostname = "printer";
    cfg.reservations.push_back(res);
    cfg.authoritative = authoritative;
    cfg.rapid_commit = true;
    cfg.ping = false;
    cfg.dns_port = 53;
    cfg.log_dhcp = true;  // A7: the logging path runs too
    return cfg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    uint8_t selector = data[0];
    Bytes packet(data + 1, size - 1);
    dhcp::Message msg;
    if (dhcp::decode(packet, msg) != dhcp::DecodeError::None) return 0;

    leases::LeaseTable table;
    std::vector<Ipv4> own{Ipv4::from_octets(198, 18, 0, 1)};
    dhcp::Engine engine(make_config(selector & 1), own, table);
    dhcp::Arrival arrival;
    arrival.ifindex = 2;
    arrival.local_addr = own[0];
    arrival.to_broadcast = (selector & 2) != 0;
    WallSeconds now = 1'700'000'000;

    // Seed: a few bound leases, among them one for this very packet's MAC when asked.
    for (uint8_t i = 0; i < 4; ++i) {
        leases::Lease l;
        l.addr = Ipv4::from_octets(198, 18, 0, static_cast<uint8_t>(100 + i));
        l.mac = Mac{{0x02, 0, 0, 0, 1, i}};
        l.client = leases::ClientId::from_hardware(1, Bytes(l.mac.octets));
        l.expires = now + 100 * i;
        l.granted = now - 10;
        table.restore(l);
    }
    if (selector & 4) {
        leases::Lease mine;
        mine.addr = Ipv4::from_octets(198, 18, 0, 110);
        mine.mac = msg.mac();
        mine.client = leases::ClientId::from_hardware(msg.htype, Bytes(msg.chaddr.data(), 6));
        mine.expires = now + 50;
        table.restore(mine);
    }

    std::vector<uint8_t> out(dhcp::kMaxPacketSize);
    for (int round = 0; round < 2; ++round) {
        const dhcp::Decision& d = engine.handle(msg, arrival, now + round * 60);
        if (d.verdict == dhcp::Verdict::Reply) {
            size_t n = dhcp::encode(d.reply, out, d.max_reply_size);
            if (n > d.max_reply_size || n > out.size()) std::abort();
            dhcp::Message back;
            if (dhcp::decode(Bytes(out.data(), n), back) != dhcp::DecodeError::None) std::abort();
        }
        table.expire_due(now + round * 60, 1000);
    }
    if (table.bound_count() > 32 + 11 + 1) std::abort();
    return 0;
}
