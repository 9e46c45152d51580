// LRU answer cache (RFC 1035 §7.4, negative answers RFC 2308). An entry keeps the
// records as decoded plus their TTLs at insertion; a hit rewrites the TTLs in place
// (remaining = stored - elapsed) and hands the records to the builder, so the hit path
// allocates nothing.
#include "leasedns/dns/cache.hpp"

#include <algorithm>
#include <list>
#include <unordered_map>

namespace leasedns::dns {

namespace {

// RFC 2181 §8 allows 2^31-1; like dnsmasq's max-cache-ttl we keep answers at most a day.
constexpr uint32_t kMaxPositiveTtl = 86400;
// RFC 2308 §5: "values of one to three hours have been found to work well" as a maximum.
constexpr uint32_t kMaxNegativeTtl = 10800;

struct QuestionHash {
    size_t operator()(const Question& q) const noexcept {
        return q.name.hash() ^ (size_t{q.qtype} << 16 | q.qclass) * 0x9E3779B97F4A7C15ull;
    }
};

// The SOA MINIMUM field: the last 32 bits of the rdata (RFC 1035 §3.3.13).
std::optional<uint32_t> soa_minimum(const Record& soa) {
    constexpr size_t kFixedFields = 20;  // serial, refresh, retry, expire, minimum
    if (soa.rdata.size() < kFixedFields + 2) return std::nullopt;
    Reader r(Bytes(soa.rdata).subspan(soa.rdata.size() - 4));
    return r.u32();
}

// The TTL to cache `reply` for, or 0 when it must not be cached.
uint32_t cache_ttl(const Message& reply, bool negative) {
    auto rcode = static_cast<Rcode>(reply.header.rcode());
    uint32_t answers_min = UINT32_MAX;
    for (const auto& r : reply.answers) answers_min = std::min(answers_min, r.ttl);

    if (rcode == Rcode::NoError && !reply.answers.empty()) {
        return std::min(answers_min, kMaxPositiveTtl);
    }
    if (!negative || (rcode != Rcode::NoError && rcode != Rcode::NxDomain)) return 0;
    // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM) and only
    // when the SOA is there to say so (§5: "negative responses without SOA ... SHOULD NOT
    // be cached").
    auto soa = std::find_if(reply.authority.begin(), reply.authority.end(),
                            [](const Record& r) { return r.type == rrtype::SOA; });
    if (soa == reply.authority.end()) return 0;
    auto minimum = soa_minimum(*soa);
    if (!minimum) return 0;
    return std::min({soa->ttl, *minimum, answers_min, kMaxNegativeTtl});
}

}  // namespace

struct Cache::Impl {
    struct Entry {
        Question question;
        uint8_t rcode = 0;
        int64_t inserted_ms = 0, expires_ms = 0;
        std::vector<Record> records;  // answers, then authority, then additional
        std::vector<uint32_t> ttls;   // the TTLs at insertion, one per record
        size_t answer_count = 0, authority_count = 0;
    };
    using Lru = std::list<Entry>;  // front = most recently used

    size_t capacity;
    bool negative;
    Lru lru;
    std::unordered_map<Question, Lru::iterator, QuestionHash> index;
    CacheCounters counters;

    void erase(std::unordered_map<Question, Lru::iterator, QuestionHash>::iterator it) {
        lru.erase(it->second);
        index.erase(it);
    }

    bool write(Entry& e, const Query& query, int64_t now_ms, MessageBuilder& out) {
        Header h;
        h.id = query.header.id;
        h.flags = Header::kQr | Header::kRa | (query.header.rd() ? Header::kRd : 0) | e.rcode;
        out.set_header(h);
        if (!out.add_question(query.question_case, query.question.qtype, query.question.qclass)) {
            out.header().flags |= Header::kTc;  // not even the question fits the limit
            out.finish();
            return true;
        }
        if (query.edns) out.reserve_tail(MessageBuilder::kOptSize);
        // A copy of the builder's state (a span and offsets, no heap) to fall back to
        // header + question when the records do not fit (RFC 2181 §9: set TC).
        MessageBuilder after_question = out;

        const uint32_t elapsed =
            static_cast<uint32_t>(std::max<int64_t>(0, now_ms - e.inserted_ms) / 1000);
        for (size_t i = 0; i < e.records.size(); ++i) {
            e.records[i].ttl = e.ttls[i] > elapsed ? e.ttls[i] - elapsed : 0;
            Section s = i < e.answer_count                       ? Section::Answer
                        : i < e.answer_count + e.authority_count ? Section::Authority
                                                                 : Section::Additional;
            if (!out.add_record(s, e.records[i])) {
                out = after_question;
                out.header().flags |= Header::kTc;
                break;
            }
        }
        if (query.edns) out.add_opt(Edns{kDefaultEdnsPayload, 0, 0, false});
        out.finish();
        return true;
    }
};

Cache::Cache(size_t capacity, bool negative) : impl_(std::make_unique<Impl>()) {
    impl_->capacity = capacity;
    impl_->negative = negative;
}
Cache::~Cache() = default;

void Cache::insert(const Question& question, const Message& reply, int64_t now_ms) {
    if (impl_->capacity == 0 || reply.header.tc()) return;
    uint32_t ttl = cache_ttl(reply, impl_->negative);
    if (ttl == 0) return;

    if (auto old = impl_->index.find(question); old != impl_->index.end()) impl_->erase(old);
    while (impl_->lru.size() >= impl_->capacity) {
        impl_->index.erase(impl_->lru.back().question);
        impl_->lru.pop_back();
        ++impl_->counters.evicted;
    }

    Impl::Entry e;
    e.question = question;
    e.rcode = reply.header.rcode();
    e.inserted_ms = now_ms;
    e.expires_ms = now_ms + int64_t{ttl} * 1000;
    // Meta-records (RFC 6895 §3.1: OPT, TSIG, TKEY, every type 128-255) belong to one
    // message, not to the data, and are never cached: a cached TSIG replayed in another
    // reply would also stand before that reply's OPT, which no resolver accepts.
    auto is_data = [](const Record& r) {
        return r.type != rrtype::OPT && (r.type < 128 || r.type > 255);
    };
    size_t counts[3] = {};
    size_t i = 0;
    for (const auto* section : {&reply.answers, &reply.authority, &reply.additional}) {
        for (const auto& r : *section)
            if (is_data(r)) {
                e.records.push_back(r);
                ++counts[i];
            }
        ++i;
    }
    e.answer_count = counts[0];
    e.authority_count = counts[1];
    // Records show at most the positive cap; in a negative entry the SOA shows the
    // negative TTL itself (RFC 2308 §3), so nothing outlives the entry by its TTLs.
    bool positive = !reply.answers.empty() && reply.header.rcode() == 0;
    uint32_t record_cap = positive ? kMaxPositiveTtl : ttl;
    for (const auto& r : e.records) e.ttls.push_back(std::min(r.ttl, record_cap));
    impl_->lru.push_front(std::move(e));
    impl_->index.emplace(question, impl_->lru.begin());
    ++impl_->counters.inserted;
}

bool Cache::answer(const Query& query, int64_t now_ms, MessageBuilder& out) {
    auto it = impl_->index.find(query.question);
    if (it == impl_->index.end()) {
        ++impl_->counters.misses;
        return false;
    }
    Impl::Entry& e = *it->second;
    if (now_ms >= e.expires_ms) {
        impl_->erase(it);
        ++impl_->counters.expired;
        ++impl_->counters.misses;
        return false;
    }
    impl_->lru.splice(impl_->lru.begin(), impl_->lru, it->second);
    ++impl_->counters.hits;
    return impl_->write(e, query, now_ms, out);
}

size_t Cache::size() const {
    return impl_->lru.size();
}
const CacheCounters& Cache::counters() const {
    return impl_->counters;
}
void Cache::clear() {
    impl_->index.clear();
    impl_->lru.clear();
}

}  // namespace leasedns::dns
