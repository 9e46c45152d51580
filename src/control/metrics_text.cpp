#include "leasedns/control/metrics_text.hpp"

#include <string_view>

namespace leasedns::control {

namespace {

enum class Type : uint8_t { Counter, Gauge, Untyped };

// How one `stats` counter (section + name) is exported. A rule whose `name` ends in '_'
// matches every counter with that prefix; the rest of the name becomes the label value.
struct Rule {
    std::string_view section, name;
    std::string_view family;
    std::string_view label, label_value;  // label_value empty: from the name's rest
    Type type;
    std::string_view help;
};

// clang-format off
constexpr Rule kRules[] = {
    {"leases", "bound", "leasedns_leases", "state", "bound", Type::Gauge,
     "Leases in the lease table, by state."},
    {"leases", "entries", "leasedns_lease_table_entries", "", "", Type::Gauge,
     "Entries of the lease table: bound leases, held offers and declined addresses."},
    {"dhcp", "received_", "leasedns_dhcp_packets_received_total", "type", "", Type::Counter,
     "DHCP requests received, by message type."},
    {"dhcp", "sent_", "leasedns_dhcp_packets_sent_total", "type", "", Type::Counter,
     "DHCP replies sent, by message type."},
    {"dhcp", "informs", "leasedns_dhcp_informs_answered_total", "", "", Type::Counter,
     "DHCPINFORM requests answered."},
    {"dhcp", "releases", "leasedns_dhcp_releases_total", "", "", Type::Counter,
     "DHCPRELEASE messages that ended a lease."},
    {"dhcp", "declines", "leasedns_dhcp_declines_total", "", "", Type::Counter,
     "DHCPDECLINE messages that put an address in quarantine."},
    {"dhcp", "conflicts", "leasedns_dhcp_ping_conflicts_total", "", "", Type::Counter,
     "Addresses not offered because something answered an ICMP echo for them."},
    {"dhcp", "dropped_", "leasedns_dhcp_drops_total", "reason", "", Type::Counter,
     "DHCP packets dropped without a reply, by reason."},
    {"journal", "syncs", "leasedns_journal_syncs_total", "", "", Type::Counter,
     "fdatasync calls that made lease changes durable."},
    {"journal", "bytes", "leasedns_journal_bytes", "", "", Type::Gauge,
     "Size of the lease journal file in bytes."},
    {"journal", "failed", "leasedns_journal_failed", "", "", Type::Gauge,
     "1 when the lease journal cannot be written and leases are no longer changed."},
    {"journal", "degraded", "leasedns_journal_degraded", "", "", Type::Gauge,
     "1 while the lease journal is degraded (disk full) and leases are not changed."},
    {"journal", "faults", "leasedns_journal_faults_total", "", "", Type::Counter,
     "Lease journal writes or syncs that failed, since start-up."},
    {"dns", "queries", "leasedns_dns_queries_total", "", "", Type::Counter,
     "DNS queries received."},
    {"dns", "udp", "leasedns_dns_queries_by_transport_total", "transport", "udp", Type::Counter,
     "DNS queries received, by transport."},
    {"dns", "tcp", "leasedns_dns_queries_by_transport_total", "transport", "tcp", Type::Counter,
     ""},
    {"dns", "answered_local", "leasedns_dns_answers_total", "source", "local", Type::Counter,
     "DNS queries answered, by where the answer came from."},
    {"dns", "answered_cache", "leasedns_dns_answers_total", "source", "cache", Type::Counter, ""},
    {"dns", "relayed", "leasedns_dns_answers_total", "source", "upstream", Type::Counter, ""},
    {"dns", "forwarded", "leasedns_dns_forwarded_total", "", "", Type::Counter,
     "DNS queries forwarded to an upstream server."},
    {"dns", "merged", "leasedns_dns_merged_total", "", "", Type::Counter,
     "DNS queries that joined an identical one already in flight upstream."},
    {"dns", "servfail", "leasedns_dns_error_responses_total", "rcode", "servfail", Type::Counter,
     "DNS queries answered with an error code."},
    {"dns", "refused", "leasedns_dns_error_responses_total", "rcode", "refused", Type::Counter, ""},
    {"dns", "formerr", "leasedns_dns_error_responses_total", "rcode", "formerr", Type::Counter, ""},
    {"dns", "notimp", "leasedns_dns_error_responses_total", "rcode", "notimp", Type::Counter, ""},
    {"dns", "badvers", "leasedns_dns_error_responses_total", "rcode", "badvers", Type::Counter, ""},
    {"dns", "refused_acl", "leasedns_dns_policy_answers_total", "rule", "not_local_client",
     Type::Counter, "DNS queries answered by a policy instead of being forwarded, by rule."},
    {"dns", "local_only", "leasedns_dns_policy_answers_total", "rule", "local_only",
     Type::Counter, ""},
    {"dns", "blocked_private_reverse", "leasedns_dns_policy_answers_total", "rule",
     "bogus_priv", Type::Counter, ""},
    {"dns", "blocked_bare_name", "leasedns_dns_policy_answers_total", "rule", "domain_needed",
     Type::Counter, ""},
    {"dns", "dropped_", "leasedns_dns_drops_total", "reason", "", Type::Counter,
     "DNS messages dropped without an answer, by reason."},
    {"cache", "hits", "leasedns_dns_cache_hits_total", "", "", Type::Counter,
     "DNS cache lookups that found an answer."},
    {"cache", "misses", "leasedns_dns_cache_misses_total", "", "", Type::Counter,
     "DNS cache lookups that found nothing."},
    {"cache", "inserted", "leasedns_dns_cache_inserts_total", "", "", Type::Counter,
     "Answers stored in the DNS cache."},
    {"cache", "evicted", "leasedns_dns_cache_evictions_total", "", "", Type::Counter,
     "DNS cache entries evicted to make room."},
    {"cache", "expired", "leasedns_dns_cache_expired_total", "", "", Type::Counter,
     "DNS cache entries dropped when their TTL ran out."},
    {"forwarder", "forwarded", "leasedns_upstream_queries_total", "", "", Type::Counter,
     "Queries sent to upstream DNS servers."},
    {"forwarder", "merged", "leasedns_upstream_merged_total", "", "", Type::Counter,
     "Client queries served by a query already sent upstream."},
    {"forwarder", "replies", "leasedns_upstream_replies_total", "", "", Type::Counter,
     "Replies accepted from upstream DNS servers."},
    {"forwarder", "servfail", "leasedns_upstream_failures_total", "", "", Type::Counter,
     "Forwarded queries answered SERVFAIL (upstream failed or timed out)."},
    {"forwarder", "dropped_full", "leasedns_upstream_rejected_total", "reason", "table_full",
     Type::Counter, "Forwarded queries or upstream replies refused, by reason."},
    {"forwarder", "rejected_question", "leasedns_upstream_rejected_total", "reason",
     "wrong_question", Type::Counter, ""},
    {"forwarder", "rebind_filtered", "leasedns_upstream_rejected_total", "reason", "rebind",
     Type::Counter, ""},
    {"forwarder", "out_of_bailiwick", "leasedns_upstream_rejected_total", "reason",
     "out_of_bailiwick", Type::Counter, ""},
    {"metrics", "requests", "leasedns_metrics_requests_total", "", "", Type::Counter,
     "HTTP requests answered by this metrics endpoint."},
    {"metrics", "bad_requests", "leasedns_metrics_bad_requests_total", "", "", Type::Counter,
     "HTTP requests to this endpoint refused as malformed or too large."},
    {"metrics", "rejected_connections", "leasedns_metrics_rejected_connections_total", "", "",
     Type::Counter, "Connections to this endpoint refused because all slots were taken."},
};
// clang-format on

const Rule* rule_for(const Counter& c, std::string_view& label_value) {
    for (const auto& r : kRules) {
        if (r.section != c.section) continue;
        bool prefix = r.name.back() == '_';
        std::string_view name = c.name;
        if (prefix ? name.size() > r.name.size() && name.substr(0, r.name.size()) == r.name
                   : name == r.name) {
            label_value =
                r.label_value.empty() && prefix ? name.substr(r.name.size()) : r.label_value;
            return &r;
        }
    }
    return nullptr;
}

// A family's HELP is written on its first rule.
std::string help_of(std::string_view family) {
    for (const auto& r : kRules)
        if (r.family == family && !r.help.empty()) return std::string(r.help);
    return "";
}

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.
std::string metric_name(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == ':';
        out.push_back(ok ? c : '_');
    }
    return out;
}

// Label values escape backslash, double quote and line feed; HELP text only the first
// and the last (the 0.0.4 format).
std::string escaped(std::string_view text, bool quote) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quote)
            out += "\\\"";
        else
            out.push_back(c);
    }
    return out;
}

const char* type_name(Type t) {
    switch (t) {
        case Type::Counter:
            return "counter";
        case Type::Gauge:
            return "gauge";
        case Type::Untyped:
            break;
    }
    return "untyped";
}

struct Family {
    std::string name, help;
    Type type;
    std::string samples;
};

}  // namespace

std::string metrics_text(const std::vector<Counter>& counters) {
    // Families in order of first appearance; a family's samples stay together, as the
    // format requires, even when its counters are not adjacent in the list.
    std::vector<Family> families;
    for (const auto& c : counters) {
        std::string_view label_value;
        const Rule* rule = c.text.empty() ? rule_for(c, label_value) : nullptr;
        std::string name = rule ? std::string(rule->family)
                                : "leasedns_" + metric_name(c.section) + "_" + metric_name(c.name);
        // A state ("journal.state ok") is the usual Prometheus state gauge: one sample,
        // the state as its label, value 1.
        bool state = !c.text.empty();
        Family* family = nullptr;
        for (auto& f : families)
            if (f.name == name) family = &f;
        if (!family) {
            std::string help =
                rule ? help_of(rule->family) : "leasectl stats: " + c.section + "." + c.name + ".";
            families.push_back(Family{name,
                                      help,
                                      rule    ? rule->type
                                      : state ? Type::Gauge
                                              : Type::Untyped,
                                      {}});
            family = &families.back();
        }
        family->samples += name;
        if (state) {
            family->samples += "{state=\"" + escaped(c.text, true) + "\"} 1\n";
            continue;
        }
        if (rule && !rule->label.empty())
            family->samples +=
                "{" + std::string(rule->label) + "=\"" + escaped(label_value, true) + "\"}";
        family->samples += " " + std::to_string(c.value) + "\n";
    }
    std::string out;
    for (const auto& f : families) {
        out += "# HELP " + f.name + " " + escaped(f.help, false) + "\n";
        out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
        out += f.samples;
    }
    return out;
}

}  // namespace leasedns::control
