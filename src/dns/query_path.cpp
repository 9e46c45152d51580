// The query path: one client message in, one outcome out. The order of the checks is the
// policy: who may ask (G1), whether the message is a query we can answer at all (RFC 1035
// §4.1.1, RFC 6891), what we know ourselves (the zone), what must never leave the machine
// (localhost, RFC 6303 private reverse space, bare names: F9), what we remember (the
// cache), and only then the upstream servers.
#include "leasedns/dns/query_path.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace leasedns::dns {

namespace {

constexpr size_t kTcpLimit = 65535;
constexpr uint16_t kOpcodeMask = 0x7800;

// --- RFC 6303 private reverse space ------------------------------------------------------

struct V4Zone {
    uint32_t network;
    uint8_t length;
};
// RFC 6303 §4.1 (RFC 1918), §4.2 (RFC 5735 special use) and RFC 7793 (RFC 6598 shared
// address space, 100.64/10): zones a resolver serves locally, empty.
constexpr std::array<V4Zone, 11> kPrivateV4Zones{{
    {0x00000000, 8},   // 0.0.0.0/8 "this network"
    {0x0A000000, 8},   // 10.0.0.0/8
    {0x64400000, 10},  // 100.64.0.0/10
    {0x7F000000, 8},   // 127.0.0.0/8
    {0xA9FE0000, 16},  // 169.254.0.0/16
    {0xAC100000, 12},  // 172.16.0.0/12
    {0xC0000200, 24},  // 192.0.2.0/24 TEST-NET-1
    {0xC0A80000, 16},  // 192.168.0.0/16
    {0xC6336400, 24},  // 198.51.100.0/24 TEST-NET-2
    {0xCB007100, 24},  // 203.0.113.0/24 TEST-NET-3
    {0xFFFFFFFF, 32},  // 255.255.255.255
}};

// The same for ip6.arpa, as nibbles from the most significant one: RFC 6303 §4.3 (::,
// ::1), §4.4 (ULA; fc00::/8 is not allocated, but fc00::/7 is what filter_reply calls
// private, so both halves stay home), §4.5 (fe80::/10), §4.6 (2001:db8::/32).
constexpr std::array<std::string_view, 9> kPrivateV6Zones{{
    "fc",
    "fd",
    "fe8",
    "fe9",
    "fea",
    "feb",
    "20010db8",
    "00000000000000000000000000000000",
    "00000000000000000000000000000001",
}};

// A decimal octet label as written in in-addr.arpa names (no leading zeros).
std::optional<uint8_t> octet_label(std::string_view s) {
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    unsigned value = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return std::nullopt;
    return static_cast<uint8_t>(value);
}

bool is_nibble_label(std::string_view s) {
    return s.size() == 1 && ((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f'));
}

// `count` = label_count(); the labels nearest ".in-addr.arpa" are the address's first
// octets. The name lies in a private zone when the octets read before the first label
// that is not one cover that zone's prefix ("x.10.in-addr.arpa" lies in 10.in-addr.arpa).
bool in_private_v4_zone(const Name& name, size_t count) {
    uint32_t addr = 0;
    unsigned octets = 0;
    for (; octets < 4 && octets + 2 < count; ++octets) {
        auto o = octet_label(name.label(count - 3 - octets));
        if (!o) break;
        addr |= uint32_t{*o} << (24 - 8 * octets);
    }
    const unsigned known_bits = 8 * octets;
    return std::any_of(kPrivateV4Zones.begin(), kPrivateV4Zones.end(), [&](const V4Zone& z) {
        return known_bits >= z.length && (addr & Prefix::mask_for(z.length)) == z.network;
    });
}

bool in_private_v6_zone(const Name& name, size_t count) {
    std::array<char, 32> nibbles{};
    size_t known = 0;
    for (; known < nibbles.size() && known + 2 < count; ++known) {
        std::string_view label = name.label(count - 3 - known);
        if (!is_nibble_label(label)) break;
        nibbles[known] = label[0];
    }
    const std::string_view have(nibbles.data(), known);
    return std::any_of(kPrivateV6Zones.begin(), kPrivateV6Zones.end(),
                       [&](std::string_view z) { return have.substr(0, z.size()) == z; });
}

// --- replies without records -------------------------------------------------------------

// RFC 1035 §4.1.1: the id, the opcode and RD are copied from the query; RA because we
// offer recursion (through the upstream servers).
Header reply_header(const Header& query) {
    Header h;
    h.id = query.id;
    h.flags = Header::kQr | Header::kRa | (query.flags & (kOpcodeMask | Header::kRd));
    return h;
}

// The question echoed when there is one; OPT (our payload size, DO copied per RFC 3225 §3)
// when the client spoke EDNS. Such a reply is at most 12 + 255 + 4 + 11 bytes, so it
// always fits the 512-byte minimum.
Bytes bare_reply(const Header& query_header, const Name* question_case, uint16_t qtype,
                 uint16_t qclass, Rcode rcode, std::optional<Edns> edns, size_t limit,
                 std::span<uint8_t> out) {
    MessageBuilder b(out, limit);
    b.set_header(reply_header(query_header));
    b.set_rcode(rcode);
    if (edns) b.reserve_tail(MessageBuilder::kOptSize);
    if (question_case && !b.add_question(*question_case, qtype, qclass)) {
        b.header().flags |= Header::kTc;
    }
    if (edns) b.add_opt(*edns);
    return b.finish();
}

Edns our_edns(bool dnssec_ok) {
    Edns e;
    e.udp_size = kDefaultEdnsPayload;
    e.dnssec_ok = dnssec_ok;
    return e;
}

}  // namespace

size_t reply_size_limit(bool tcp, const std::optional<Edns>& edns) {
    if (tcp) return kTcpLimit;
    if (!edns) return kPlainUdpLimit;
    // RFC 6891 §6.2.5: values below 512 are treated as 512.
    return std::clamp<size_t>(edns->udp_size, kPlainUdpLimit, kDefaultEdnsPayload);
}

bool is_private_reverse(const Name& name) {
    const size_t count = name.label_count();
    if (count < 2 || name.label(count - 1) != "arpa") return false;
    const std::string_view zone = name.label(count - 2);
    if (zone == "in-addr") return in_private_v4_zone(name, count);
    if (zone == "ip6") return in_private_v6_zone(name, count);
    return false;
}

QueryPath::QueryPath(const config::Config& config, Zone& zone, Cache& cache, Forwarder& forwarder,
                     std::vector<Prefix> local_networks)
    : config_(config),
      zone_(zone),
      cache_(cache),
      forwarder_(forwarder),
      local_networks_(std::move(local_networks)) {}

const QueryCounters& QueryPath::counters() const {
    return counters_;
}

bool QueryPath::client_allowed(Ipv4 addr) const {
    if ((addr.value >> 24) == 127) return true;  // loopback, 127.0.0.0/8
    return std::any_of(local_networks_.begin(), local_networks_.end(),
                       [&](const Prefix& p) { return p.contains(addr); });
}

Bytes QueryPath::local_error(const Query& query, Rcode rcode, size_t limit,
                             std::span<uint8_t> out) {
    std::optional<Edns> edns;
    if (query.edns) edns = our_edns(query.edns->dnssec_ok);
    return bare_reply(query.header, &query.question_case, query.question.qtype,
                      query.question.qclass, rcode, edns, limit, out);
}

QueryResult QueryPath::handle(Bytes packet, const ClientInfo& client, WallSeconds now,
                              int64_t now_ms, std::span<uint8_t> out) {
    QueryResult result;
    ++counters_.queries;
    ++(client.tcp ? counters_.tcp : counters_.udp);

    // G1 first, before any parsing: a source outside our networks gets nothing, not even
    // a FORMERR, so that we are never an open resolver nor a reflector (dnsmasq's
    // --local-service behaviour, which is its default).
    if (!client_allowed(client.addr)) {
        ++counters_.refused_acl;
        return result;
    }

    auto reply = [&](Bytes bytes) {
        result.outcome = Outcome::Reply;
        result.reply = bytes;
        return result;
    };

    auto decoded = decode_query(packet);
    if (!decoded) {
        const QueryFailure& f = decoded.error();
        Rcode rcode = Rcode::FormErr;
        switch (f.error) {
            case QueryError::TooShort:
                ++counters_.dropped_short;  // no header: nothing to answer with
                return result;
            case QueryError::NotQuery:
                ++counters_.dropped_response;  // never answer a response (no ping-pong)
                return result;
            case QueryError::FormErr:
                ++counters_.formerr;
                break;
            case QueryError::NotImp:
                ++counters_.notimp;
                rcode = Rcode::NotImp;
                break;
            case QueryError::BadVers:
                // RFC 6891 §6.1.3: BADVERS (16) needs the OPT's extended rcode, and the
                // OPT carries the version we do speak (0).
                ++counters_.badvers;
                rcode = Rcode::BadVers;
                break;
        }
        std::optional<Edns> edns;
        if (f.had_edns || f.error == QueryError::BadVers) edns = our_edns(false);
        const size_t limit = std::min(reply_size_limit(client.tcp, std::nullopt), out.size());
        const Name* qname = f.question ? &f.question_case : nullptr;
        const uint16_t qtype = f.question ? f.question->qtype : 0;
        const uint16_t qclass = f.question ? f.question->qclass : 0;
        return reply(bare_reply(f.header, qname, qtype, qclass, rcode, edns, limit, out));
    }

    const Query& query = *decoded;
    const Question& q = query.question;
    const size_t client_limit = reply_size_limit(client.tcp, query.edns);
    const size_t limit = std::min(client_limit, out.size());
    auto error = [&](Rcode rcode) { return reply(local_error(query, rcode, limit, out)); };

    // Classes: IN, and ANY for our own names (the zone answers it with its IN data).
    // CHAOS (version.bind and friends) and the rest are refused, never forwarded.
    if (q.qclass != kClassIn && q.qclass != kClassAny) {
        ++counters_.refused;
        return error(Rcode::Refused);
    }
    // Meta types (RFC 6895 §3.1). Zone transfers come with a later issue: AXFR is not
    // defined over UDP (RFC 5936 §4.2) -> FORMERR; over TCP, and IXFR (which RFC 1995 §2
    // allows over UDP), are refused until then. OPT and TSIG are only ever records in the
    // additional section (RFC 6891 §6.1.1, RFC 8945 §5), never something to ask for.
    if (q.qtype == rrtype::AXFR && !client.tcp) {
        ++counters_.formerr;
        return error(Rcode::FormErr);
    }
    if (q.qtype == rrtype::AXFR || q.qtype == rrtype::IXFR) {
        ++counters_.refused;
        return error(Rcode::Refused);
    }
    if (q.qtype == rrtype::OPT || q.qtype == rrtype::TSIG) {
        ++counters_.formerr;
        return error(Rcode::FormErr);
    }

    {
        MessageBuilder b(out, limit);
        if (zone_.answer(query, now, b) == ZoneVerdict::Answered) {
            ++counters_.answered_local;
            return reply(b.finish());
        }
    }
    if (q.qclass == kClassAny) {  // not ours: class ANY is not worth an upstream query
        ++counters_.refused;
        return error(Rcode::Refused);
    }

    const size_t labels = q.name.label_count();
    // RFC 6761 §6.3: localhost names never leave the machine. The zone answers them; this
    // catches what it does not know (a type it has no data for is its NODATA already).
    if (labels > 0 && q.name.label(labels - 1) == "localhost") {
        ++counters_.answered_local;
        return error(Rcode::NxDomain);
    }
    // --bogus-priv (F9): private reverse space the zone does not serve is answered "no
    // such domain" here, as dnsmasq does, and never asked upstream (RFC 6303 §3).
    if (config_.bogus_priv && is_private_reverse(q.name)) {
        ++counters_.blocked_private;
        return error(Rcode::NxDomain);
    }
    // --domain-needed (F9): a bare name the zone does not know is NXDOMAIN for A, AAAA
    // and ANY, exactly dnsmasq's rule (forward.c: "don't forward A or AAAA queries for
    // simple names, except the empty name"; it answers NXDOMAIN since 2.87). Other types
    // of a single label are top-level domains ("com NS", "org DS" from a validating stub)
    // and are forwarded.
    if (config_.domain_needed && labels == 1 &&
        (q.qtype == rrtype::A || q.qtype == rrtype::AAAA || q.qtype == rrtype::ANY)) {
        ++counters_.blocked_bare;
        return error(Rcode::NxDomain);
    }

    {
        MessageBuilder b(out, limit);
        if (cache_.answer(query, now_ms, b)) {
            ++counters_.answered_cache;
            return reply(b.finish());
        }
    }

    const UpstreamGroup* group = forwarder_.route(q.name);
    if (group && group->local_only) {
        // --local=/domain/ and --server=/domain/ without an address: answered from local
        // data only, which the zone had none of.
        ++counters_.local_only;
        return error(Rcode::NxDomain);
    }
    if (!group || group->servers.empty()) {
        // No upstream server for this name: dnsmasq answers REFUSED ("nowhere to forward
        // to", forward.c), not SERVFAIL, so that a stub tries its next server at once
        // instead of treating the name as broken.
        ++counters_.refused;
        return error(Rcode::Refused);
    }

    // RD clear is forwarded as well (as dnsmasq does): we only ever ask recursive servers.
    Waiter waiter;
    waiter.reply_handle = client.reply_handle;
    waiter.client_id = query.header.id;
    waiter.rd = query.header.rd();
    waiter.question_case = query.question_case;
    waiter.client_edns = query.edns;
    waiter.size_limit = client_limit;
    switch (forwarder_.submit(q, *group, waiter, result.send)) {
        case Forwarder::SubmitResult::Sent:
            ++counters_.forwarded;
            result.outcome = Outcome::Forward;
            return result;
        case Forwarder::SubmitResult::Merged:
            ++counters_.merged;
            result.outcome = Outcome::Waiting;
            return result;
        case Forwarder::SubmitResult::Full:
            break;
    }
    // F6: the pending table (or this question's waiter list) is full: fail fast.
    ++counters_.servfail;
    return error(Rcode::ServFail);
}

void QueryPath::upstream_done(uint64_t token, const Bytes* reply, int64_t now_ms,
                              const std::function<void(const Waiter&, Bytes reply)>& deliver) {
    forwarder_.complete(
        token, reply,
        [&](const Question& question, const Message& message) {
            cache_.insert(question, message, now_ms);
        },
        [&](const Waiter& waiter, Bytes bytes) {
            ++counters_.relayed;
            if (bytes.size() >= 4 && (bytes[3] & 0xf) == static_cast<uint8_t>(Rcode::ServFail))
                ++counters_.servfail;
            deliver(waiter, bytes);
        });
}

}  // namespace leasedns::dns
