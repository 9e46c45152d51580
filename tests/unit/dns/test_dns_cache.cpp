// The answer cache: hits with TTLs counted down, expiry, LRU eviction, negative caching
// (RFC 2308) and truncation at the client's size limit.
#include <doctest/doctest.h>

#include "forward_test_support.hpp"
#include "leasedns/dns/cache.hpp"

using namespace leasedns;
using namespace leasedns::dns;
using namespace leasedns::dns::test;

namespace {

constexpr int64_t kStart = 1'000'000;  // monotonic ms at insertion

Question question(std::string_view qname, uint16_t type = rrtype::A) {
    return Question{name(qname), type, kClassIn};
}

// A client's query as decode_query gives it.
Query query_for(const Question& q, uint16_t id = 0xbeef, bool edns = false) {
    Query query;
    query.header.id = id;
    query.header.flags = Header::kRd;
    query.question = q;
    query.question_case = q.name;
    if (edns) query.edns = Edns{4096, 0, 0, false};
    return query;
}

struct Answered {
    bool hit = false;
    Message message;
};

Answered ask(Cache& cache, const Query& query, int64_t now_ms, size_t limit = 512) {
    std::vector<uint8_t> buf(65535);
    MessageBuilder b(buf, limit);
    Answered out;
    out.hit = cache.answer(query, now_ms, b);
    if (out.hit) out.message = decode(b.finish());
    return out;
}

Message positive(const Question& q, uint32_t ttl = 300) {
    return reply_message(q, Rcode::NoError, {a_record(q.name.text(), "93.184.216.34", ttl)});
}

}  // namespace

TEST_CASE("a cached answer is served with the client's id, RD and the cached records") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    CHECK(cache.size() == 1);

    Answered a = ask(cache, query_for(q, 0x4242), kStart);
    REQUIRE(a.hit);
    CHECK(a.message.header.id == 0x4242);
    CHECK(a.message.header.qr());
    CHECK(a.message.header.rd());
    CHECK(a.message.header.rcode() == 0);
    CHECK_FALSE(a.message.header.tc());
    REQUIRE(a.message.questions.size() == 1);
    CHECK(a.message.questions[0] == q);
    REQUIRE(a.message.answers.size() == 1);
    CHECK(a.message.answers[0].ttl == 300);
    CHECK(a.message.answers[0].rdata == std::vector<uint8_t>{93, 184, 216, 34});
    CHECK_FALSE(a.message.edns.has_value());
    CHECK(cache.counters().hits == 1);
}

TEST_CASE("a cached answer echoes the question in the client's case") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    Query query = query_for(q);
    std::vector<uint8_t> wire{3,   'W', 'w', 'W', 7,   'E', 'x', 'A', 'm',
                              'p', 'l', 'e', 3,   'C', 'o', 'M', 0};
    std::vector<uint8_t> packet(kHeaderSize, 0);
    packet.insert(packet.end(), wire.begin(), wire.end());
    Reader r(packet);
    r.skip(kHeaderSize);
    Name original;
    REQUIRE(Name::read(packet, r, &original));
    query.question_case = original;

    std::vector<uint8_t> buf(512);
    MessageBuilder b(buf, buf.size());
    REQUIRE(cache.answer(query, kStart, b));
    Bytes out = b.finish();
    CHECK(std::equal(wire.begin(), wire.end(), out.begin() + kHeaderSize));
}

TEST_CASE("a cached answer adds an OPT record only when the query had EDNS") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    Answered with = ask(cache, query_for(q, 1, true), kStart);
    REQUIRE(with.message.edns.has_value());
    CHECK(with.message.edns->udp_size == kDefaultEdnsPayload);
    CHECK_FALSE(ask(cache, query_for(q, 2, false), kStart).message.edns.has_value());
}

TEST_CASE("meta-records (TSIG, TKEY, types 128-255) in a reply are never cached") {
    // Found by fuzz_dns_forward_reply: a TSIG cached in the additional section came
    // back in later replies before their OPT, which decoders refuse (RFC 8945 §5.1).
    Cache cache(16, true);
    Question q = question("www.example.com");
    Message reply = positive(q);
    Record tsig = a_record("key.example.com", "0.0.0.0", 300);
    tsig.type = rrtype::TSIG;
    tsig.klass = 255;
    Record tkey = tsig;
    tkey.type = 249;
    reply.additional = {tkey, tsig};
    cache.insert(q, reply, kStart);
    Answered a = ask(cache, query_for(q, 7, true), kStart);
    REQUIRE(a.hit);
    CHECK(a.message.answers.size() == 1);
    CHECK(a.message.additional.empty());
    CHECK(a.message.edns.has_value());
}

TEST_CASE("cached TTLs count down with the time elapsed since insertion") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    Message m =
        reply_message(q, Rcode::NoError,
                      {name_record(rrtype::CNAME, "www.example.com", "edge.example.net", 3600),
                       a_record("edge.example.net", "93.184.216.34", 300)});
    cache.insert(q, m, kStart);

    Answered later = ask(cache, query_for(q), kStart + 100'000);
    REQUIRE(later.hit);
    CHECK(later.message.answers[0].ttl == 3500);
    CHECK(later.message.answers[1].ttl == 200);

    Answered last = ask(cache, query_for(q), kStart + 299'900);
    REQUIRE(last.hit);
    CHECK(last.message.answers[1].ttl == 1);
}

TEST_CASE("an entry expires with its smallest TTL: a miss, counted, and removed") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    Message m = reply_message(q, Rcode::NoError,
                              {a_record("www.example.com", "93.184.216.34", 300),
                               a_record("www.example.com", "93.184.216.35", 60)});
    cache.insert(q, m, kStart);
    CHECK(ask(cache, query_for(q), kStart + 59'999).hit);
    CHECK_FALSE(ask(cache, query_for(q), kStart + 60'000).hit);
    CHECK(cache.counters().expired == 1);
    CHECK(cache.size() == 0);
}

TEST_CASE("positive TTLs are capped at one day") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q, 604800), kStart);
    CHECK(ask(cache, query_for(q), kStart).message.answers[0].ttl == 86400);
    CHECK_FALSE(ask(cache, query_for(q), kStart + 86400'000).hit);
}

TEST_CASE("the least recently used entry is evicted when the cache is full") {
    Cache cache(2, true);
    Question a = question("a.example.com"), b = question("b.example.com"),
             c = question("c.example.com");
    cache.insert(a, positive(a), kStart);
    cache.insert(b, positive(b), kStart);
    CHECK(ask(cache, query_for(a), kStart).hit);  // a is now the most recently used
    cache.insert(c, positive(c), kStart);

    CHECK(cache.size() == 2);
    CHECK(cache.counters().evicted == 1);
    CHECK(ask(cache, query_for(a), kStart).hit);
    CHECK(ask(cache, query_for(c), kStart).hit);
    CHECK_FALSE(ask(cache, query_for(b), kStart).hit);
}

TEST_CASE("inserting a question again replaces its entry") {
    Cache cache(2, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q, 300), kStart);
    cache.insert(q, positive(q, 100), kStart + 10'000);
    CHECK(cache.size() == 1);
    CHECK(ask(cache, query_for(q), kStart + 10'000).message.answers[0].ttl == 100);
}

TEST_CASE("questions differing in type or class are different entries") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    CHECK_FALSE(ask(cache, query_for(question("www.example.com", rrtype::AAAA)), kStart).hit);
    Question chaos = q;
    chaos.qclass = kClassChaos;
    CHECK_FALSE(ask(cache, query_for(chaos), kStart).hit);
    CHECK(cache.counters().misses == 2);
}

TEST_CASE("capacity 0 disables the cache") {
    Cache cache(0, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    CHECK(cache.size() == 0);
    CHECK_FALSE(ask(cache, query_for(q), kStart).hit);
}

TEST_CASE("NXDOMAIN is cached for min(SOA TTL, SOA minimum) and the SOA TTL counts down") {
    Cache cache(16, true);
    Question q = question("gone.example.com");
    cache.insert(q, reply_message(q, Rcode::NxDomain, {}, {soa_record("example.com", 3600, 60)}),
                 kStart);
    Answered a = ask(cache, query_for(q), kStart + 10'000);
    REQUIRE(a.hit);
    CHECK(a.message.header.rcode() == static_cast<uint8_t>(Rcode::NxDomain));
    REQUIRE(a.message.authority.size() == 1);
    CHECK(a.message.authority[0].ttl == 50);
    CHECK_FALSE(ask(cache, query_for(q), kStart + 60'000).hit);

    SUBCASE("the SOA TTL limits it when smaller than the minimum") {
        cache.insert(q, reply_message(q, Rcode::NxDomain, {}, {soa_record("example.com", 30, 600)}),
                     kStart);
        CHECK(ask(cache, query_for(q), kStart + 29'000).hit);
        CHECK_FALSE(ask(cache, query_for(q), kStart + 30'000).hit);
    }
}

TEST_CASE("NOERROR without answers (NODATA) is cached only with an SOA") {
    Cache cache(16, true);
    Question q = question("www.example.com", rrtype::AAAA);
    cache.insert(q, reply_message(q, Rcode::NoError, {}), kStart);
    CHECK(cache.size() == 0);
    cache.insert(q, reply_message(q, Rcode::NoError, {}, {soa_record("example.com", 3600, 300)}),
                 kStart);
    Answered a = ask(cache, query_for(q), kStart);
    REQUIRE(a.hit);
    CHECK(a.message.answers.empty());
    CHECK(a.message.header.rcode() == 0);
}

TEST_CASE("with --no-negcache NXDOMAIN and NODATA are not cached") {
    Cache cache(16, false);
    Question q = question("gone.example.com");
    cache.insert(q, reply_message(q, Rcode::NxDomain, {}, {soa_record("example.com", 3600, 60)}),
                 kStart);
    cache.insert(question("www.example.com", rrtype::AAAA),
                 reply_message(q, Rcode::NoError, {}, {soa_record("example.com", 3600, 60)}),
                 kStart);
    CHECK(cache.size() == 0);
    Question p = question("www.example.com");
    cache.insert(p, positive(p), kStart);
    CHECK(cache.size() == 1);
}

TEST_CASE("truncated, SERVFAIL, REFUSED and TTL 0 replies are not cached") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    Message truncated = positive(q);
    truncated.header.flags |= Header::kTc;
    cache.insert(q, truncated, kStart);
    cache.insert(q, reply_message(q, Rcode::ServFail, {}), kStart);
    cache.insert(q, reply_message(q, Rcode::Refused, {}, {soa_record("example.com", 60, 60)}),
                 kStart);
    cache.insert(q, positive(q, 0), kStart);
    cache.insert(q, reply_message(q, Rcode::NxDomain, {}, {soa_record("example.com", 60, 0)}),
                 kStart);
    CHECK(cache.size() == 0);
    CHECK(cache.counters().inserted == 0);
}

TEST_CASE("an answer that does not fit the limit is header and question with TC") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    std::vector<Record> many;
    for (int i = 0; i < 40; ++i) {
        many.push_back(a_record("www.example.com", "203.0.113." + std::to_string(i + 1)));
    }
    cache.insert(q, reply_message(q, Rcode::NoError, many), kStart);

    Answered small = ask(cache, query_for(q, 7, true), kStart, 512);
    REQUIRE(small.hit);
    CHECK(small.message.header.tc());
    CHECK(small.message.header.id == 7);
    CHECK(small.message.questions.size() == 1);
    CHECK(small.message.answers.empty());
    CHECK(small.message.edns.has_value());  // the OPT still fits: its room was reserved

    Answered large = ask(cache, query_for(q, 8, true), kStart, 1232);
    CHECK_FALSE(large.message.header.tc());
    CHECK(large.message.answers.size() == 40);
}

TEST_CASE("clear empties the cache") {
    Cache cache(16, true);
    Question q = question("www.example.com");
    cache.insert(q, positive(q), kStart);
    cache.clear();
    CHECK(cache.size() == 0);
    CHECK_FALSE(ask(cache, query_for(q), kStart).hit);
}
