// One client query through QueryPath::handle with a real Zone (a lease table with a lease),
// Cache and Forwarder, all built afresh per input with a fixed clock (ROBUSTNESS K).
// The first byte selects the transport, the client (local or not), --bogus-priv,
// --domain-needed and what the upstream answers; the rest is the query. Invariants:
// a non-local client gets silence; every reply decodes, carries the query's id, has QR
// and fits the client's limit (E4); a forwarded query asks exactly the client's question,
// an identical second query merges onto it (F3), and completing it answers both clients
// with their id within their limit and leaves nothing pending.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "leasedns/dns/query_path.hpp"

using namespace leasedns;
using namespace leasedns::dns;

namespace {

constexpr WallSeconds kNow = 1'700'000'000;
constexpr int64_t kNowMs = 1'000'000;

void check(bool ok) {
    if (!ok) std::abort();
}

// What the upstream does (selector bits 4-5).
enum class Upstream : uint8_t { Small, Big, Failure, NxDomain };

std::vector<uint8_t> canned_reply(const Question& q, Upstream kind) {
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, buf.size());
    Header h;
    h.flags = Header::kQr | Header::kRd | Header::kRa;
    if (kind == Upstream::NxDomain) h.flags |= static_cast<uint16_t>(Rcode::NxDomain);
    b.set_header(h);
    b.add_question(q.name, q.qtype, q.qclass);
    const size_t records = kind == Upstream::Small ? 1 : kind == Upstream::Big ? 90 : 0;
    for (size_t i = 0; i < records; ++i) {
        const uint8_t a[4] = {93, 184, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
        b.add_raw(Section::Answer, q.name, rrtype::A, kClassIn, 300, Bytes(a));
    }
    Bytes out = b.finish();
    return {out.begin(), out.end()};
}

// A reply as a client would receive it: decodable, its id, QR, within `limit`.
void check_reply(Bytes reply, uint16_t id, size_t limit) {
    check(reply.size() >= kHeaderSize && reply.size() <= limit);
    auto m = decode_message(reply);
    check(m.ok());
    check(m->header.id == id && m->header.qr());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t selector = data[0];
    const Bytes packet(data + 1, size - 1);
    const bool tcp = selector & 1;
    const bool local = !(selector & 2);
    const auto upstream = static_cast<Upstream>((selector >> 4) & 3);

    config::Config cfg;
    cfg.domain = "lan";
    cfg.bogus_priv = selector & 4;
    cfg.domain_needed = selector & 8;
    cfg.local_domains = {"corp.example"};

    leases::LeaseTable table;
    leases::PoolRange range{Ipv4::from_octets(198, 18, 0, 10), Ipv4::from_octets(198, 18, 0, 200)};
    table.set_pools(std::span<const leases::PoolRange>(&range, 1), {});
    leases::Lease lease;
    lease.addr = Ipv4::from_octets(198, 18, 0, 50);
    lease.state = leases::LeaseState::Bound;
    lease.mac = Mac{{0x02, 0, 0, 0, 0, 0x50}};
    lease.client = leases::ClientId::from_hardware(1, Bytes(lease.mac.octets));
    lease.hostname = "laptop";
    lease.granted = kNow - 10;
    lease.expires = kNow + 3600;
    table.bind(lease);

    ZoneInputs in;
    in.config = &cfg;
    in.served_subnets = {Prefix::of(Ipv4::from_octets(198, 18, 0, 0), 24)};
    in.own_addresses = {Ipv4::from_octets(198, 18, 0, 1)};
    in.server_hostname = "gw";
    Zone zone(in, table);
    Cache cache(16, true);
    UpstreamGroup def;
    def.servers.push_back(Endpoint{Ipv4::from_octets(198, 19, 0, 53), 53});
    UpstreamGroup corp;
    corp.domain = *Name::parse("corp.example");
    corp.local_only = true;
    Forwarder forwarder({def, corp}, cfg);
    QueryPath path(cfg, zone, cache, forwarder, {Prefix::of(Ipv4::from_octets(198, 18, 0, 0), 24)});

    ClientInfo client;
    client.addr = local ? Ipv4::from_octets(198, 18, 0, 7) : Ipv4::from_octets(203, 0, 113, 9);
    client.port = 40000;
    client.tcp = tcp;
    client.reply_handle = 7;

    // The limit the client is owed, worked out independently of the query path.
    auto decoded = decode_query(packet);
    size_t limit = tcp ? 65535 : 512;
    if (!tcp && decoded && decoded->edns) {
        limit = decoded->edns->udp_size > 1232 ? 1232 : decoded->edns->udp_size;
        if (limit < 512) limit = 512;
    }
    const uint16_t id = packet.size() >= 2 ? static_cast<uint16_t>(packet[0] << 8 | packet[1]) : 0;

    std::vector<uint8_t> out(65535);
    QueryResult first = path.handle(packet, client, kNow, kNowMs, out);
    if (!local) {
        check(first.outcome == Outcome::Drop && path.counters().refused_acl == 1);
        return 0;
    }
    check(first.outcome != Outcome::Waiting);  // nothing was in flight
    if (first.outcome == Outcome::Reply) check_reply(first.reply, id, limit);
    if (first.outcome != Outcome::Forward) {
        check(forwarder.pending() == 0);
        return 0;
    }

    // Forwarded: only a well-formed query gets this far, asking exactly its question.
    check(decoded.ok());
    auto sent = decode_message(first.send.query);
    check(sent.ok() && sent->questions.size() == 1);
    check(sent->questions[0] == decoded->question);
    check(first.send.group != nullptr && !first.send.group->servers.empty());

    QueryResult second = path.handle(packet, client, kNow, kNowMs, out);
    check(second.outcome == Outcome::Waiting);
    check(forwarder.pending() == 1);

    auto reply = canned_reply(decoded->question, upstream);
    Bytes reply_bytes(reply);
    size_t delivered = 0;
    path.upstream_done(first.send.token, upstream == Upstream::Failure ? nullptr : &reply_bytes,
                       kNowMs + 50, [&](const Waiter& w, Bytes bytes) {
                           check(w.client_id == id && w.reply_handle == 7);
                           check(w.size_limit == limit);
                           check_reply(bytes, id, limit);
                           ++delivered;
                       });
    check(delivered == 2);
    check(forwarder.pending() == 0);

    // Asked again: from the cache, or upstream once more; never stuck waiting.
    QueryResult third = path.handle(packet, client, kNow, kNowMs + 100, out);
    check(third.outcome == Outcome::Reply || third.outcome == Outcome::Forward);
    if (third.outcome == Outcome::Reply) check_reply(third.reply, id, limit);
    return 0;
}
