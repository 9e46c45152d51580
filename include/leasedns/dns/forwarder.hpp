// The forwarding decisions, free of sockets (ARCHITECTURE.md habit 1): a pending-query
// table that merges identical questions in flight (ROBUSTNESS F3, DNSpooq CVE-2020-25686),
// the choice of upstream group by domain (--server=/domain/ADDR), and the validation of
// upstream replies (question compared in full, F2; out-of-bailiwick records dropped, F5;
// private addresses removed for --stop-dns-rebind, F8). io/upstream sends what this module
// asks for through c-ares and hands back what comes in.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/net.hpp"
#include "leasedns/dns/message.hpp"

namespace leasedns::dns {

struct Endpoint {
    Ipv4 addr;
    uint16_t port = 53;
    bool operator==(const Endpoint&) const = default;
};

// Servers for a domain (empty domain = the default group). A group with no servers and
// local_only set answers NXDOMAIN locally (--local, --server=/d/).
struct UpstreamGroup {
    Name domain;  // root = default
    std::vector<Endpoint> servers;
    bool local_only = false;
};

// Parses resolv.conf text: the "nameserver" IPv4 lines (others ignored). Pure.
std::vector<Endpoint> parse_resolv_conf(std::string_view text);
// The groups from --server/--local and, for the default group when no --server without
// domain is given and --no-resolv is off, the resolv.conf servers. Our own listening
// addresses on our DNS port are removed from every group (F7: never forward to ourselves);
// an own endpoint 0.0.0.0:port (wildcard socket) also removes 127.0.0.0/8 on that port.
// The default group (root) is always first, possibly without servers.
std::vector<UpstreamGroup> build_upstream_groups(const config::Config& config,
                                                 std::span<const Endpoint> resolv_servers,
                                                 std::span<const Endpoint> own_endpoints);

// Who is waiting for an answer: filled in by io/, opaque to this module except for the
// fields it needs to write the reply.
struct Waiter {
    uint64_t reply_handle = 0;  // io/'s token: which socket / TCP connection, client address
    uint16_t client_id = 0;
    bool rd = true;
    Name question_case;                  // echoed in the reply
    std::optional<Edns> client_edns;     // whether to add OPT, and the client's UDP size
    size_t size_limit = kPlainUdpLimit;  // min(client size, 1232) for UDP; 65535 for TCP
};

struct ForwarderLimits {
    size_t max_pending = 4096;          // distinct upstream queries in flight (F6)
    size_t max_waiters_per_query = 64;  // clients merged onto one upstream query
};

// forwarded/merged/dropped_full count submits; replies and servfail count completed
// upstream queries (relayed / answered SERVFAIL to all waiters); rejected_question counts
// replies that did not decode or asked another question; the last two count records.
struct ForwarderCounters {
    uint64_t forwarded = 0, merged = 0, replies = 0, servfail = 0, dropped_full = 0,
             rejected_question = 0, rebind_filtered = 0, out_of_bailiwick = 0;
};

class Forwarder {
public:
    Forwarder(std::vector<UpstreamGroup> groups, const config::Config& config,
              ForwarderLimits limits = {});
    ~Forwarder();

    // Longest-suffix match of the question name against the groups; nullptr if no group
    // applies (no default servers): the query path answers SERVFAIL... or REFUSED.
    const UpstreamGroup* route(const Name& name) const;

    struct Send {
        uint64_t token;  // identifies the pending query; given back in complete()
        const UpstreamGroup* group;
        std::vector<uint8_t> query;  // the query to send (io/upstream writes a random id:
                                     // c-ares 1.18 sends the id it is given)
    };
    enum class SubmitResult : uint8_t { Sent, Merged, Full };
    // Starts an upstream query for `question` (filling `send`) or joins the one in flight.
    // Full: the pending table or the waiter list is at its cap (counted): answer SERVFAIL.
    SubmitResult submit(const Question& question, const UpstreamGroup& group, const Waiter& waiter,
                        Send& send);

    // The upstream query `token` finished: `reply` is the upstream's message, or nullptr on
    // failure (timeout, refused, unreachable): every waiter gets SERVFAIL. A reply whose
    // question differs from the one asked is treated as a failure (counted). Valid replies
    // are filtered, passed to `cache_insert`, and written per waiter through `deliver`
    // (each with its own id, its question case, its size limit and TC). The bytes given
    // to `deliver` are valid only during that call. An unknown token is ignored.
    void complete(uint64_t token, const Bytes* reply,
                  const std::function<void(const Question&, const Message&)>& cache_insert,
                  const std::function<void(const Waiter&, Bytes reply)>& deliver);

    size_t pending() const;
    const ForwarderCounters& counters() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Removes from `reply` the records a forwarder must not pass on or cache: answers outside
// the question's CNAME chain, authority/additional records outside the question's zone
// (F5), and — when `stop_rebind` and the name is not under a rebind_domain_ok domain —
// A/AAAA records in private address space (F8). Returns how many were removed.
struct FilterResult {
    size_t out_of_bailiwick = 0;
    size_t rebind = 0;
};
FilterResult filter_reply(const Question& question, Message& reply, bool stop_rebind,
                          std::span<const Name> rebind_ok_domains);
// RFC 1918, loopback, link-local, CGNAT, 0/8 (and the IPv6 equivalents in filter_reply).
bool is_private_ipv4(Ipv4 addr);

// A reply without records for `waiter` (SERVFAIL, REFUSED, NXDOMAIN...): its id, RD, QR
// RA, the question in the waiter's case, OPT (udp 1232) if the client used EDNS; at most
// min(waiter.size_limit, out.size()) bytes. Returns a view into `out`.
Bytes write_error_reply(const Waiter& waiter, const Question& question, Rcode rcode,
                        std::span<uint8_t> out);

}  // namespace leasedns::dns
