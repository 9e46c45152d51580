// The answer cache for forwarded queries (RFC 2308 for negative answers): LRU of bounded
// size, entries keyed by question, TTLs counted down in the answers it serves. Pure.
#pragma once
#include <cstdint>
#include <memory>

#include "leasedns/core/clock.hpp"
#include "leasedns/dns/message.hpp"

namespace leasedns::dns {

struct CacheCounters {
    uint64_t hits = 0, misses = 0, inserted = 0, evicted = 0, expired = 0;
};

class Cache {
public:
    // capacity 0 disables caching (dnsmasq --cache-size=0). negative: cache NXDOMAIN and
    // NODATA for the SOA minimum (RFC 2308 §5); false for --no-negcache.
    Cache(size_t capacity, bool negative);
    ~Cache();

    // Stores an upstream reply already validated and filtered by the forwarder. Only
    // NOERROR and NXDOMAIN replies are stored; TTL = min over the records (answers) or the
    // SOA minimum / SOA TTL (negative); TTL 0 is not stored.
    void insert(const Question& question, const Message& reply, int64_t now_ms);
    // On a hit writes the whole reply: header (id and RD from the query, QR RA, the
    // cached rcode), the question in the client's case, records with remaining TTLs, OPT if
    // the query had EDNS. TC is set when it does not fit the builder's limit (then
    // header, question and OPT only). The builder is finished (finish() may be called
    // again by the caller to get the bytes). An expired entry is a miss and is removed.
    bool answer(const Query& query, int64_t now_ms, MessageBuilder& out);

    size_t size() const;
    const CacheCounters& counters() const;
    void clear();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace leasedns::dns
