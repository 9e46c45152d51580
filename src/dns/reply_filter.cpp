// What a forwarder must not pass on or cache from an upstream reply (ROBUSTNESS F5, F8):
// records outside the question's CNAME chain and zone (the cache-poisoning vector of
// Kaminsky-style attacks, RFC 5452 §9.1 and RFC 2181 §5.4.1 ranking), and private
// addresses given for public names (DNS rebinding, dnsmasq --stop-dns-rebind).
#include <algorithm>
#include <unordered_set>

#include "leasedns/dns/forwarder.hpp"

namespace leasedns::dns {

namespace {

// The name carried at the end of an NS/CNAME/PTR/MX/SRV rdata (decompressed by the codec).
std::optional<Name> rdata_target(const Record& r) {
    size_t skip = 0;
    switch (r.type) {
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::PTR:
            break;
        case rrtype::MX:
            skip = 2;  // preference
            break;
        case rrtype::SRV:
            skip = 6;  // priority, weight, port
            break;
        default:
            return std::nullopt;
    }
    if (r.rdata.size() <= skip) return std::nullopt;
    return Name::from_wire(Bytes(r.rdata).subspan(skip));
}

// Resolvers stop following aliases after a handful of hops (Unbound: 11, BIND: 16); a
// longer chain is broken or hostile, and its tail is dropped.
constexpr size_t kMaxCnameHops = 16;

// The question name and the names its CNAME chain leads to, in any record order. A name
// has at most one CNAME (RFC 2181 §10.1): the first one found is followed.
std::vector<Name> cname_chain(const Name& qname, const std::vector<Record>& answers) {
    std::vector<Name> chain{qname};
    for (size_t hop = 0; hop < kMaxCnameHops; ++hop) {
        const Name& current = chain.back();
        auto alias = std::find_if(answers.begin(), answers.end(), [&](const Record& r) {
            return r.type == rrtype::CNAME && r.name == current;
        });
        if (alias == answers.end()) break;
        auto target = rdata_target(*alias);
        if (!target || std::find(chain.begin(), chain.end(), *target) != chain.end()) break;
        chain.push_back(*target);
    }
    return chain;
}

bool in_chain(const std::vector<Name>& chain, const Name& name) {
    return std::find(chain.begin(), chain.end(), name) != chain.end();
}

bool is_private_ipv6(Bytes a) {
    static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool first15_zero = std::all_of(a.begin(), a.begin() + 15, [](uint8_t b) { return b == 0; });
    if (first15_zero && (a[15] == 1 || a[15] == 0)) return true;  // ::1 and ::
    if ((a[0] & 0xfe) == 0xfc) return true;                       // fc00::/7 (RFC 4193)
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;       // fe80::/10
    if (std::equal(a.begin(), a.begin() + 12, kMappedPrefix)) {   // ::ffff:a.b.c.d
        return is_private_ipv4(Ipv4::from_octets(a[12], a[13], a[14], a[15]));
    }
    return false;
}

bool is_private_address(const Record& r) {
    if (r.type == rrtype::A && r.rdata.size() == 4) {
        return is_private_ipv4(Ipv4::from_octets(r.rdata[0], r.rdata[1], r.rdata[2], r.rdata[3]));
    }
    if (r.type == rrtype::AAAA && r.rdata.size() == 16) return is_private_ipv6(Bytes(r.rdata));
    return false;
}

bool under_any(const Name& name, std::span<const Name> domains) {
    return std::any_of(domains.begin(), domains.end(),
                       [&](const Name& d) { return name.is_subdomain_of(d); });
}

template <typename Pred>
size_t remove_records(std::vector<Record>& records, Pred drop) {
    size_t before = records.size();
    std::erase_if(records, drop);
    return before - records.size();
}

}  // namespace

bool is_private_ipv4(Ipv4 addr) {
    static constexpr struct {
        uint32_t net;
        uint8_t len;
    } kPrivate[] = {
        {0x00000000u, 8},   // 0/8 "this network" (RFC 1122)
        {0x0a000000u, 8},   // 10/8 (RFC 1918)
        {0x7f000000u, 8},   // 127/8 loopback
        {0x64400000u, 10},  // 100.64/10 CGNAT (RFC 6598)
        {0xa9fe0000u, 16},  // 169.254/16 link-local (RFC 3927)
        {0xac100000u, 12},  // 172.16/12 (RFC 1918)
        {0xc0a80000u, 16},  // 192.168/16 (RFC 1918)
    };
    return std::any_of(std::begin(kPrivate), std::end(kPrivate), [&](const auto& p) {
        return (addr.value & Prefix::mask_for(p.len)) == p.net;
    });
}

FilterResult filter_reply(const Question& question, Message& reply, bool stop_rebind,
                          std::span<const Name> rebind_ok_domains) {
    FilterResult result;
    const auto chain = cname_chain(question.name, reply.answers);

    // Answers: only about the question name or the names its CNAME chain leads to.
    result.out_of_bailiwick +=
        remove_records(reply.answers, [&](const Record& r) { return !in_chain(chain, r.name); });

    // Authority: the zone cut or SOA of a name in the chain, i.e. an owner at or above one
    // of them (RFC 2308 §2.1 places the SOA of the final name's zone there).
    result.out_of_bailiwick += remove_records(reply.authority, [&](const Record& r) {
        return std::none_of(chain.begin(), chain.end(),
                            [&](const Name& n) { return n.is_subdomain_of(r.name); });
    });

    // Additional: only the addresses of names the kept records point at (glue for NS,
    // MX and SRV targets, RFC 1035 §4.1 "additional section processing").
    std::unordered_set<Name> mentioned;
    for (const auto* section : {&reply.answers, &reply.authority}) {
        for (const auto& r : *section) {
            if (r.type == rrtype::CNAME || r.type == rrtype::PTR) continue;
            if (auto target = rdata_target(r)) mentioned.insert(*target);
        }
    }
    result.out_of_bailiwick += remove_records(
        reply.additional, [&](const Record& r) { return !mentioned.contains(r.name); });

    // F8: a public name must not resolve into our private networks.
    if (stop_rebind && !under_any(question.name, rebind_ok_domains)) {
        result.rebind += remove_records(reply.answers, is_private_address);
        result.rebind += remove_records(reply.additional, is_private_address);
    }
    return result;
}

}  // namespace leasedns::dns
