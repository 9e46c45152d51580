// The pending-query table and the checks on what comes back. One upstream query per
// distinct (question, group) in flight, however many clients ask it (ROBUSTNESS F3: the
// birthday attack of DNSpooq, CVE-2020-25686, needs many queries for one name in
// flight); a reply is accepted only for the exact question asked (F2, RFC 5452 §9.1).
#include "leasedns/dns/forwarder.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace leasedns::dns {

namespace {

constexpr size_t kMaxMessage = 65535;

struct PendingKey {
    Question question;
    const UpstreamGroup* group;
    bool operator==(const PendingKey&) const = default;
};
struct PendingKeyHash {
    size_t operator()(const PendingKey& k) const noexcept {
        size_t h = k.question.name.hash();
        h ^= (size_t{k.question.qtype} << 16 | k.question.qclass) * 0x9E3779B97F4A7C15ull;
        return h ^ std::hash<const void*>{}(k.group);
    }
};

struct Pending {
    PendingKey key;
    std::vector<Waiter> waiters;
};

Header reply_header(const Waiter& w, uint8_t rcode) {
    Header h;
    h.id = w.client_id;
    h.flags = Header::kQr | Header::kRa | (w.rd ? Header::kRd : 0) | (rcode & 0xf);
    return h;
}

size_t limit_for(const Waiter& w, std::span<uint8_t> out) {
    return std::min({w.size_limit, out.size(), kMaxMessage});
}

// The upstream reply for one waiter: its id, its case, its size (TC when the records do
// not fit: header, question and OPT only, RFC 2181 §9 / RFC 6891 §7).
Bytes write_forwarded_reply(const Waiter& w, const Question& q, const Message& upstream,
                            std::span<uint8_t> out) {
    MessageBuilder b(out, limit_for(w, out));
    Header h = reply_header(w, upstream.header.rcode());
    // An upstream that could not fit its answer even over TCP: pass the truncation on.
    if (upstream.header.tc()) h.flags |= Header::kTc;
    b.set_header(h);
    if (!b.add_question(w.question_case, q.qtype, q.qclass)) {
        b.header().flags |= Header::kTc;
        return b.finish();
    }
    if (w.client_edns) b.reserve_tail(MessageBuilder::kOptSize);
    MessageBuilder after_question = b;
    bool fits = true;
    for (const auto& r : upstream.answers) fits = fits && b.add_record(Section::Answer, r);
    for (const auto& r : upstream.authority) fits = fits && b.add_record(Section::Authority, r);
    for (const auto& r : upstream.additional) fits = fits && b.add_record(Section::Additional, r);
    if (!fits) {
        b = after_question;
        b.header().flags |= Header::kTc;
    }
    if (w.client_edns) b.add_opt(Edns{kDefaultEdnsPayload, 0, 0, false});
    return b.finish();
}

std::vector<uint8_t> upstream_query(const Question& q) {
    std::array<uint8_t, Name::kMaxWire + kHeaderSize + 4 + MessageBuilder::kOptSize> buf{};
    MessageBuilder b(buf, buf.size());
    Header h;
    h.flags = Header::kRd;  // id 0: c-ares sets a random one (F1)
    b.set_header(h);
    b.add_question(q.name, q.qtype, q.qclass);
    b.add_opt(Edns{kDefaultEdnsPayload, 0, 0, false});
    Bytes wire = b.finish();
    return std::vector<uint8_t>(wire.begin(), wire.end());
}

}  // namespace

Bytes write_error_reply(const Waiter& waiter, const Question& question, Rcode rcode,
                        std::span<uint8_t> out) {
    MessageBuilder b(out, limit_for(waiter, out));
    b.set_header(reply_header(waiter, static_cast<uint8_t>(rcode)));
    if (waiter.client_edns) b.reserve_tail(MessageBuilder::kOptSize);
    b.add_question(waiter.question_case, question.qtype, question.qclass);
    if (waiter.client_edns) b.add_opt(Edns{kDefaultEdnsPayload, 0, 0, false});
    return b.finish();
}

struct Forwarder::Impl {
    std::vector<UpstreamGroup> groups;
    std::unordered_map<Name, size_t> group_by_domain;
    bool stop_rebind = false;
    std::vector<Name> rebind_ok;
    ForwarderLimits limits;
    ForwarderCounters counters;
    uint64_t next_token = 0;
    std::unordered_map<PendingKey, uint64_t, PendingKeyHash> by_key;
    std::unordered_map<uint64_t, Pending> by_token;
    std::vector<uint8_t> reply_buffer;

    void fail_all(const Pending& p, const std::function<void(const Waiter&, Bytes)>& deliver) {
        ++counters.servfail;
        for (const auto& w : p.waiters) {
            deliver(w, write_error_reply(w, p.key.question, Rcode::ServFail, reply_buffer));
        }
    }
};

Forwarder::Forwarder(std::vector<UpstreamGroup> groups, const config::Config& config,
                     ForwarderLimits limits)
    : impl_(std::make_unique<Impl>()) {
    impl_->groups = std::move(groups);
    for (size_t i = 0; i < impl_->groups.size(); ++i) {
        impl_->group_by_domain.emplace(impl_->groups[i].domain, i);  // first one wins
    }
    impl_->stop_rebind = config.stop_dns_rebind;
    for (const auto& d : config.rebind_domain_ok) {
        if (auto name = Name::parse(d)) impl_->rebind_ok.push_back(*name);
    }
    impl_->limits = limits;
    impl_->reply_buffer.resize(kMaxMessage);
}
Forwarder::~Forwarder() = default;

const UpstreamGroup* Forwarder::route(const Name& name) const {
    // Longest suffix first: walk from the name up to the root (at most 127 lookups).
    Name candidate = name;
    for (;;) {
        auto it = impl_->group_by_domain.find(candidate);
        if (it != impl_->group_by_domain.end()) {
            const UpstreamGroup& g = impl_->groups[it->second];
            return g.servers.empty() && !g.local_only ? nullptr : &g;
        }
        if (candidate.is_root()) return nullptr;
        candidate = candidate.parent();
    }
}

Forwarder::SubmitResult Forwarder::submit(const Question& question, const UpstreamGroup& group,
                                          const Waiter& waiter, Send& send) {
    PendingKey key{question, &group};
    if (auto it = impl_->by_key.find(key); it != impl_->by_key.end()) {
        Pending& p = impl_->by_token.at(it->second);
        if (p.waiters.size() >= impl_->limits.max_waiters_per_query) {
            ++impl_->counters.dropped_full;
            return SubmitResult::Full;
        }
        p.waiters.push_back(waiter);
        ++impl_->counters.merged;
        return SubmitResult::Merged;
    }
    if (impl_->by_token.size() >= impl_->limits.max_pending ||
        impl_->limits.max_waiters_per_query == 0) {
        ++impl_->counters.dropped_full;
        return SubmitResult::Full;
    }
    uint64_t token = ++impl_->next_token;
    impl_->by_key.emplace(key, token);
    impl_->by_token.emplace(token, Pending{key, {waiter}});
    send.token = token;
    send.group = &group;
    send.query = upstream_query(question);
    ++impl_->counters.forwarded;
    return SubmitResult::Sent;
}

void Forwarder::complete(uint64_t token, const Bytes* reply,
                         const std::function<void(const Question&, const Message&)>& cache_insert,
                         const std::function<void(const Waiter&, Bytes reply)>& deliver) {
    auto it = impl_->by_token.find(token);
    if (it == impl_->by_token.end()) return;  // already completed
    // Out of the table before any callback, so a callback may submit the question anew.
    Pending p = std::move(it->second);
    impl_->by_token.erase(it);
    impl_->by_key.erase(p.key);
    const Question& asked = p.key.question;

    if (reply == nullptr) return impl_->fail_all(p, deliver);
    auto decoded = decode_message(*reply);
    // F2: the full question (name, type, class) must be the one asked; never a hash.
    if (!decoded || !decoded->header.qr() || decoded->header.opcode() != Opcode::Query ||
        decoded->questions.size() != 1 || decoded->questions.front() != asked) {
        ++impl_->counters.rejected_question;
        return impl_->fail_all(p, deliver);
    }
    // We ask with EDNS version 0, so an extended rcode (BADVERS) means the upstream
    // could not answer this question: nothing to relay.
    if (decoded->edns && decoded->edns->ext_rcode != 0) return impl_->fail_all(p, deliver);
    Message& message = *decoded;
    FilterResult filtered = filter_reply(asked, message, impl_->stop_rebind, impl_->rebind_ok);
    impl_->counters.out_of_bailiwick += filtered.out_of_bailiwick;
    impl_->counters.rebind_filtered += filtered.rebind;
    ++impl_->counters.replies;

    auto rcode = static_cast<Rcode>(message.header.rcode());
    if ((rcode == Rcode::NoError || rcode == Rcode::NxDomain) && !message.header.tc()) {
        cache_insert(asked, message);
    }
    for (const auto& w : p.waiters) {
        deliver(w, write_forwarded_reply(w, asked, message, impl_->reply_buffer));
    }
}

size_t Forwarder::pending() const {
    return impl_->by_token.size();
}
const ForwarderCounters& Forwarder::counters() const {
    return impl_->counters;
}

}  // namespace leasedns::dns
