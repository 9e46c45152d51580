// Answers from the zone: static data by one hash lookup, lease names straight from the
// lease table (so a name answers exactly while its lease is Bound and unexpired), and
// authoritative negative answers with the zone's SOA (RFC 2308). The hot path — an A
// query for a lease name — does two hash lookups and allocates nothing.
#include <algorithm>
#include <cctype>
#include <map>

#include "zone_data.hpp"

namespace leasedns::dns {

namespace {

using detail::StaticNode;
using detail::StaticRecord;

constexpr int kMaxCnameChain = 8;  // dnsmasq and BIND both stop around here
constexpr uint16_t kReplyEdnsSize = kDefaultEdnsPayload;

// What a name is in our data.
enum class Found : uint8_t {
    Nothing,    // not a name we hold (NXDOMAIN inside our zones, else not ours)
    Static,     // a node of static records
    AddressA,   // below --address=/d/ADDR
    AddressNx,  // below --address=/d/ (no address): NXDOMAIN
    LeaseA,     // a lease name (bare or in the local domain of its address)
    LeasePtr,   // the reverse name of a leased address in a served subnet
};

struct Lookup {
    Found kind = Found::Nothing;
    const StaticNode* node = nullptr;
    Ipv4 addr;
    const leases::Lease* lease = nullptr;
};

// The zone a name lies in (for the SOA of negative answers) and whether it is ours.
struct Authority {
    const Name* zone_apex = nullptr;
    bool ours = false;
};

struct Reply {
    size_t answers = 0;
    bool fits = true;
    bool lease_used = false;
};

}  // namespace

struct Zone::Impl {
    detail::StaticData data;
    const leases::LeaseTable& table;
    uint32_t serial = 1;
    std::vector<StaticRecord*> soa_records;
    mutable ZoneCounters counters;
    // One reusable record for add_record (owner in the client's case, rdata copied in):
    // it keeps its capacity, so answering does not allocate. The loop is single-threaded.
    mutable Record scratch;

    Impl(const ZoneInputs& in, const leases::LeaseTable& t)
        : data(detail::build_static_data(in)), table(t) {
        for (const Name& apex : data.zone_apexes)
            for (auto& r : data.nodes[apex].records)
                if (r.type == rrtype::SOA) soa_records.push_back(&r);
        scratch.rdata.reserve(512);
    }

    // A Bound, unexpired lease holding `label`, unless the label is a static name
    // (static data always wins; such a lease is ignored by the zone).
    const leases::Lease* live_lease_named(std::string_view label, WallSeconds now) const {
        if (data.static_labels.find(label) != data.static_labels.end()) return nullptr;
        const leases::Lease* l = table.find_by_name(label);
        return l && live(*l, now) ? l : nullptr;
    }
    static bool live(const leases::Lease& l, WallSeconds now) {
        return l.state == leases::LeaseState::Bound && (l.expires == 0 || l.expires > now);
    }
    // Never beyond the remaining lease: a resolver must not keep a name past its lease.
    uint32_t lease_ttl(const leases::Lease& l, WallSeconds now) const {
        if (l.expires == 0) return data.lease_ttl;
        return static_cast<uint32_t>(
            std::min<int64_t>(data.lease_ttl, std::max<int64_t>(0, l.expires - now)));
    }
    bool in_served_subnet(Ipv4 addr) const {
        for (const Prefix& p : data.served_subnets)
            if (p.contains(addr)) return true;
        return false;
    }

    Lookup lookup(const Name& name, WallSeconds now) const {
        Lookup out;
        if (auto it = data.nodes.find(name); it != data.nodes.end()) {
            out.kind = Found::Static;
            out.node = &it->second;
            return out;
        }
        if (!data.address_domains.empty()) {
            // The longest matching --address domain wins (dnsmasq).
            for (Name n = name; !n.is_root(); n = n.parent()) {
                auto it = data.address_domains.find(n);
                if (it == data.address_domains.end()) continue;
                out.kind = it->second ? Found::AddressA : Found::AddressNx;
                if (it->second) out.addr = *it->second;
                return out;
            }
        }
        bool bare = name.label_count() == 1;
        size_t domain = bare ? detail::StaticData::kNoDomain : data.parent_domain(name);
        if (bare || domain != detail::StaticData::kNoDomain) {
            // A lease answers bare and in the domain of its address, never in another
            // local domain (--domain=D,RANGE): one hash lookup, then a short range scan.
            const auto* l = live_lease_named(name.label(0), now);
            if (l && (bare || data.domain_index_for(l->addr) == domain)) {
                out.kind = Found::LeaseA;
                out.lease = l;
            }
            return out;
        }
        if (auto addr = detail::parse_reverse_name(name); addr && in_served_subnet(*addr)) {
            const leases::Lease* l = table.find_by_addr(*addr);
            if (l && live(*l, now) && !l->hostname.empty() &&
                data.static_labels.find(l->hostname) == data.static_labels.end()) {
                out.kind = Found::LeasePtr;
                out.lease = l;
            }
        }
        return out;
    }

    Authority authority(const Name& name) const {
        Authority out;
        for (Name n = name; !n.is_root(); n = n.parent()) {
            auto it = data.authorities.find(n);
            if (it == data.authorities.end()) continue;
            out.ours = true;
            if (it->second.zone_apex) {
                // Point at the stored apex, which outlives this loop's copy.
                for (const Name& apex : data.zone_apexes)
                    if (apex == n) out.zone_apex = &apex;
                return out;
            }
        }
        return out;
    }

    // Inside our zones, a name with nothing of its own but names below it exists
    // (RFC 8020: NXDOMAIN would deny everything below): NODATA.
    bool is_empty_non_terminal(const Name& name) const {
        if (data.empty_non_terminals.count(name)) return true;
        if (name.label_count() >= 6) return false;
        auto prefix = detail::parse_reverse_prefix(name);
        if (!prefix) return false;
        for (const Prefix& p : data.served_subnets) {
            uint8_t shorter = std::min(p.length, prefix->length);
            if ((p.network.value & Prefix::mask_for(shorter)) ==
                (prefix->network.value & Prefix::mask_for(shorter)))
                return true;
        }
        return false;
    }

    bool emit(MessageBuilder& out, Section section, const Name& owner, uint16_t type, uint32_t ttl,
              Bytes rdata) const {
        if (!detail::rdata_has_names(type))
            return out.add_raw(section, owner, type, kClassIn, ttl, rdata);
        scratch.name = owner;
        scratch.type = type;
        scratch.klass = kClassIn;
        scratch.ttl = ttl;
        scratch.rdata.assign(rdata.begin(), rdata.end());
        return out.add_record(section, scratch);
    }
    void emit_into(MessageBuilder& out, Reply& reply, Section section, const Name& owner,
                   uint16_t type, uint32_t ttl, Bytes rdata) const {
        if (!reply.fits) return;
        if (!emit(out, section, owner, type, ttl, rdata)) {
            reply.fits = false;
            return;
        }
        if (section == Section::Answer) ++reply.answers;
    }
    void emit_lease_a(MessageBuilder& out, Reply& reply, const Name& owner, const leases::Lease& l,
                      WallSeconds now) const {
        uint8_t rdata[4] = {uint8_t(l.addr.value >> 24), uint8_t(l.addr.value >> 16),
                            uint8_t(l.addr.value >> 8), uint8_t(l.addr.value)};
        emit_into(out, reply, Section::Answer, owner, rrtype::A, lease_ttl(l, now), rdata);
        reply.lease_used = true;
    }

    // RFC 8482 §4.2: ANY gets one RRset; A when the name has one.
    static uint16_t any_choice(const StaticNode& node) {
        if (node.has(rrtype::A)) return rrtype::A;
        return node.records.empty() ? rrtype::A : node.records.front().type;
    }

    // Answers `qtype` at a static node; follows a CNAME (RFC 1034 §4.3.2 step 3a)
    // through our own data, at most kMaxCnameChain links, which also stops loops.
    void answer_static(MessageBuilder& out, Reply& reply, const StaticNode& node, const Name& owner,
                       uint16_t qtype, WallSeconds now, int depth) const {
        uint16_t type = qtype == rrtype::ANY ? any_choice(node) : qtype;
        bool any_of_type = false;
        for (const StaticRecord& r : node.records) {
            if (r.type != type) continue;
            any_of_type = true;
            emit_into(out, reply, Section::Answer, owner, r.type, r.ttl, r.rdata);
        }
        if (any_of_type || type == rrtype::CNAME || !node.has(rrtype::CNAME)) return;
        for (const StaticRecord& r : node.records) {
            if (r.type != rrtype::CNAME) continue;
            emit_into(out, reply, Section::Answer, owner, r.type, r.ttl, r.rdata);
            if (depth + 1 >= kMaxCnameChain) return;
            auto target = Name::from_wire(r.rdata);
            if (!target) return;
            Lookup next = lookup(*target, now);
            switch (next.kind) {
                case Found::Static:
                    answer_static(out, reply, *next.node, *target, type, now, depth + 1);
                    break;
                case Found::LeaseA:
                    if (type == rrtype::A) emit_lease_a(out, reply, *target, *next.lease, now);
                    break;
                case Found::AddressA:
                    if (type == rrtype::A) emit_address(out, reply, *target, next.addr);
                    break;
                default:
                    break;  // the resolver follows the target itself
            }
            return;  // one CNAME per name (RFC 2181 §10.1)
        }
    }
    void emit_address(MessageBuilder& out, Reply& reply, const Name& owner, Ipv4 addr) const {
        uint8_t rdata[4] = {uint8_t(addr.value >> 24), uint8_t(addr.value >> 16),
                            uint8_t(addr.value >> 8), uint8_t(addr.value)};
        emit_into(out, reply, Section::Answer, owner, rrtype::A, data.local_ttl, rdata);
    }

    // NS answers carry the A records of the name servers we hold (glue). Additional
    // data that does not fit is simply left out (RFC 2181 §9: no TC for it).
    void add_ns_glue(MessageBuilder& out, const StaticNode& node) const {
        for (const StaticRecord& ns : node.records) {
            if (ns.type != rrtype::NS) continue;
            auto target = Name::from_wire(ns.rdata);
            if (!target) continue;
            auto it = data.nodes.find(*target);
            if (it == data.nodes.end()) continue;
            for (const StaticRecord& a : it->second.records)
                if (a.type == rrtype::A &&
                    !emit(out, Section::Additional, *target, a.type, a.ttl, a.rdata))
                    return;
        }
    }

    // The answer section for what `lookup` found; the owner is the question name in
    // the client's case, which the builder compresses to a pointer at offset 12.
    void write_answers(MessageBuilder& out, Reply& reply, const Lookup& found, const Query& query,
                       WallSeconds now) const {
        const Name& owner = query.question_case;
        uint16_t qtype = query.question.qtype;
        bool want_a = qtype == rrtype::A || qtype == rrtype::ANY;
        switch (found.kind) {
            case Found::Static:
                answer_static(out, reply, *found.node, owner, qtype, now, 0);
                if (qtype == rrtype::NS && reply.answers > 0 && reply.fits)
                    add_ns_glue(out, *found.node);
                break;
            case Found::AddressA:
                if (want_a) emit_address(out, reply, owner, found.addr);
                break;
            case Found::LeaseA:
                if (want_a) emit_lease_a(out, reply, owner, *found.lease, now);
                break;
            case Found::LeasePtr:
                if (qtype == rrtype::PTR || qtype == rrtype::ANY) {
                    const std::string& label = found.lease->hostname;
                    auto target = data.name_at(label, found.lease->addr);
                    if (!target) break;
                    emit_into(out, reply, Section::Answer, owner, rrtype::PTR,
                              lease_ttl(*found.lease, now), target->wire());
                    reply.lease_used = true;
                }
                break;
            case Found::AddressNx:
            case Found::Nothing:
                break;
        }
    }

    // RFC 2308 §2.1/§2.2: NXDOMAIN when the name does not exist, NODATA (NOERROR, no
    // answer) when it exists with other types; either way the zone's SOA in authority,
    // its TTL min(SOA TTL, MINIMUM) (§5) — both are local_ttl here.
    Rcode write_negative(MessageBuilder& out, Reply& reply, const Lookup& found, const Name& name,
                         const Authority& auth) const {
        bool exists = found.kind != Found::AddressNx &&
                      (found.kind != Found::Nothing || is_empty_non_terminal(name));
        if (auth.zone_apex)
            if (const StaticRecord* soa = soa_of(*auth.zone_apex))
                emit_into(out, reply, Section::Authority, *auth.zone_apex, rrtype::SOA, soa->ttl,
                          soa->rdata);
        return exists ? Rcode::NoError : Rcode::NxDomain;
    }

    const StaticRecord* soa_of(const Name& apex) const {
        auto it = data.nodes.find(apex);
        if (it == data.nodes.end()) return nullptr;
        for (const StaticRecord& r : it->second.records)
            if (r.type == rrtype::SOA) return &r;
        return nullptr;
    }
};

Zone::Zone(const ZoneInputs& inputs, const leases::LeaseTable& table)
    : impl_(std::make_unique<Impl>(inputs, table)) {}

Zone::~Zone() = default;

bool Zone::is_static_label(std::string_view label) const {
    std::string lower(label);
    if (!lower.empty() && lower.back() == '.') lower.pop_back();  // C8
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return impl_->data.static_labels.count(lower) != 0;
}

ZoneVerdict Zone::answer(const Query& query, WallSeconds now, MessageBuilder& out) const {
    const Impl& z = *impl_;
    const Question& q = query.question;
    if (q.qclass != kClassIn && q.qclass != kClassAny) return ZoneVerdict::NotOurs;

    Lookup found = z.lookup(q.name, now);
    Authority auth;
    bool auth_known = false;
    if (found.kind == Found::Nothing) {
        auth = z.authority(q.name);
        auth_known = true;
        if (!auth.ours) return ZoneVerdict::NotOurs;
    }

    Header header;
    header.id = query.header.id;
    header.flags = Header::kQr | Header::kAa | Header::kRa | (query.header.flags & Header::kRd);
    out.set_header(header);
    if (query.edns) out.reserve_tail(MessageBuilder::kOptSize);
    out.add_question(query.question_case, q.qtype, q.qclass);
    const MessageBuilder question_only = out;  // what a truncated reply falls back to

    Reply reply;
    Rcode rcode = Rcode::NoError;
    if (q.qtype == rrtype::AXFR || q.qtype == rrtype::IXFR) {
        rcode = Rcode::Refused;  // zone transfers come with a later issue, over TCP only
    } else {
        z.write_answers(out, reply, found, query, now);
        if (reply.answers == 0 && reply.fits) {
            if (!auth_known) auth = z.authority(q.name);
            rcode = z.write_negative(out, reply, found, q.name, auth);
        }
    }

    if (!reply.fits) {
        // RFC 2181 §9: a reply that cannot hold its answer is the question with TC set.
        out = question_only;
        out.header().flags |= Header::kTc;
    }
    out.set_rcode(rcode);
    if (query.edns) {
        Edns edns;
        edns.udp_size = kReplyEdnsSize;
        edns.dnssec_ok = query.edns->dnssec_ok;  // RFC 3225 §3: DO is copied
        out.add_opt(edns);
    }

    ++z.counters.answered;
    if (rcode == Rcode::NxDomain) {
        ++z.counters.nxdomain;
    } else if (rcode == Rcode::NoError && reply.answers == 0 && reply.fits) {
        ++z.counters.nodata;
    }
    if (reply.lease_used && reply.fits) ++z.counters.lease_answers;
    return ZoneVerdict::Answered;
}

uint32_t Zone::serial() const {
    return impl_->serial;
}

const ZoneCounters& Zone::counters() const {
    return impl_->counters;
}

void Zone::on_lease_event(const leases::LeaseEvent&) {
    // The answers read the table; only the SOA serial changes (RFC 1982 arithmetic
    // wraps, so plain unsigned overflow is right). SERIAL sits 20 octets before the end.
    ++impl_->serial;
    for (StaticRecord* soa : impl_->soa_records) {
        size_t at = soa->rdata.size() - 20;
        for (int i = 0; i < 4; ++i)
            soa->rdata[at + i] = static_cast<uint8_t>(impl_->serial >> (24 - 8 * i));
    }
}

std::vector<std::string> Zone::describe_records(WallSeconds now) const {
    const Impl& z = *impl_;
    // Sorted by name, then in each node's order, so that the listing is stable.
    std::map<std::string, const StaticNode*> sorted;
    for (const auto& [name, node] : z.data.nodes) sorted.emplace(name.text(), &node);
    std::vector<std::string> lines;
    auto line = [&](const std::string& owner, uint32_t ttl, uint16_t type, const std::string& rdata,
                    const std::string& source) {
        lines.push_back(owner + " " + std::to_string(ttl) + " IN " + type_name(type) + " " + rdata +
                        " ; " + source);
    };
    for (const auto& [owner, node] : sorted)
        for (const StaticRecord& r : node->records)
            line(owner, r.ttl, r.type, detail::format_rdata(r.type, r.rdata), r.source);
    for (const auto& [domain, addr] : z.data.address_domains)
        line("*." + domain.text(), z.data.local_ttl, rrtype::A, addr ? addr->str() : "NXDOMAIN",
             "address");

    std::vector<const leases::Lease*> live;
    z.table.for_each([&](const leases::Lease& l) {
        if (!l.hostname.empty() && Impl::live(l, now) && !z.data.static_labels.count(l.hostname))
            live.push_back(&l);
    });
    std::sort(live.begin(), live.end(),
              [](const auto* a, const auto* b) { return a->addr < b->addr; });
    for (const leases::Lease* l : live) {
        uint32_t ttl = z.lease_ttl(*l, now);
        auto fqdn = z.data.name_at(l->hostname, l->addr);
        if (!fqdn) continue;
        line(fqdn->text(), ttl, rrtype::A, l->addr.str(), "lease");
        if (z.in_served_subnet(l->addr))
            line(detail::reverse_name(l->addr).text(), ttl, rrtype::PTR, fqdn->text(), "lease");
    }
    return lines;
}

}  // namespace leasedns::dns
