// An upstream reply, as hostile as the network can make it, through the forwarder and the
// cache (ROBUSTNESS F2, F5, F8, E1-E5). Two clients wait for one merged question (one with
// EDNS, one without, small limits); whatever the reply, each gets exactly one reply that
// decodes, carries its own id and fits its limit. The same bytes are then cached and
// served from the cache under the same checks. No state survives a run; time is fixed.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/dns/cache.hpp"
#include "leasedns/dns/forwarder.hpp"
#include "leasedns/dns/message.hpp"

using namespace leasedns;
using namespace leasedns::dns;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;

void check(bool ok) {
    if (!ok) std::abort();
}

// "WwW.ExAmPlE.CoM" as a client would write it (0x20), read by the codec.
Name client_case(const Name& lower) {
    std::vector<uint8_t> wire(lower.wire().begin(), lower.wire().end());
    for (size_t i = 0; i < wire.size(); i += 2) {
        if (wire[i] >= 'a' && wire[i] <= 'z') wire[i] = static_cast<uint8_t>(wire[i] - 32);
    }
    Reader r(wire);
    Name original;
    return Name::read(wire, r, &original) ? original : lower;
}

// A delivered or cached reply: decodes, is a response with the expected id, fits.
void check_reply(Bytes reply, uint16_t id, size_t limit, bool edns) {
    check(reply.size() >= kHeaderSize && reply.size() <= limit);
    auto m = decode_message(reply);
    check(m.ok());
    check(m->header.id == id && m->header.qr());
    check(m->edns.has_value() == edns || m->header.tc());
}

// Forwards `question` for two merged clients and completes it with `reply`; every cached
// message goes into `cache`.
void forward_once(const Question& question, Bytes reply, Cache& cache) {
    config::Config config;
    config.servers = {config::UpstreamServer{"", Ipv4::from_octets(198, 18, 0, 1), 53}};
    config.stop_dns_rebind = true;
    config.rebind_domain_ok = {"corp.example"};
    Forwarder forwarder(build_upstream_groups(config, {}, {}), config, ForwarderLimits{4, 4});
    const UpstreamGroup* group = forwarder.route(question.name);
    check(group != nullptr);

    Waiter plain;
    plain.client_id = 0x1111;
    plain.question_case = client_case(question.name);
    plain.size_limit = kPlainUdpLimit;
    Waiter edns = plain;
    edns.client_id = 0x2222;
    edns.client_edns = Edns{700, 0, 0, false};
    edns.size_limit = 700;

    Forwarder::Send send;
    check(forwarder.submit(question, *group, plain, send) == Forwarder::SubmitResult::Sent);
    Forwarder::Send unused;
    check(forwarder.submit(question, *group, edns, unused) == Forwarder::SubmitResult::Merged);
    check(decode_message(send.query).ok());

    size_t delivered = 0;
    forwarder.complete(
        send.token, &reply,
        [&](const Question& q, const Message& m) {
            check(q == question);
            cache.insert(q, m, kNowMs);
        },
        [&](const Waiter& w, Bytes out) {
            ++delivered;
            check_reply(out, w.client_id, w.size_limit, w.client_edns.has_value());
        });
    check(delivered == 2);
    check(forwarder.pending() == 0);
}

void answer_from_cache(Cache& cache, const Question& question) {
    Query query;
    query.header.id = 0x3333;
    query.header.flags = Header::kRd;
    query.question = question;
    query.question_case = client_case(question.name);
    query.edns = Edns{1232, 0, 0, false};
    std::array<uint8_t, 65535> buf{};
    for (size_t limit : {size_t{512}, size_t{1232}}) {
        MessageBuilder b(buf, limit);
        if (cache.answer(query, kNowMs + 1500, b)) check_reply(b.finish(), 0x3333, limit, true);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy, so ASan sees any read past the datagram.
    std::vector<uint8_t> packet(data, data + size);
    Bytes reply(packet);

    Cache cache(8, true);
    const Question fixed{Name::parse("www.example.com").value(), rrtype::A, kClassIn};
    forward_once(fixed, reply, cache);
    answer_from_cache(cache, fixed);

    // The reply's own question too, so that mutated names and types still get past the
    // question check into the filter and the cache.
    auto decoded = decode_message(reply);
    if (decoded && decoded->questions.size() == 1 && !(decoded->questions[0] == fixed)) {
        forward_once(decoded->questions[0], reply, cache);
        answer_from_cache(cache, decoded->questions[0]);
    }
    // And unfiltered into a cache of its own, as a cache must survive any message.
    if (decoded && !decoded->questions.empty()) {
        Cache raw(2, true);
        raw.insert(decoded->questions[0], *decoded, kNowMs);
        answer_from_cache(raw, decoded->questions[0]);
    }
    return 0;
}
