// The Prometheus page: every `stats` counter the daemon reports appears under its metric
// family, with # HELP and # TYPE once per family, samples of a family together, label
// values escaped, and counters this file does not know still exported.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "leasedns/control/metrics_text.hpp"

using namespace leasedns::control;

namespace {

Counter counter(std::string section, std::string name, uint64_t value) {
    Counter c;
    c.section = std::move(section);
    c.name = std::move(name);
    c.value = value;
    return c;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        REQUIRE(nl != std::string::npos);  // every line ends in LF, the last one too
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

// Checks the 0.0.4 text format's structure: HELP then TYPE before a family's samples,
// each family once, every sample line "name[{labels}] value" of a declared family.
std::map<std::string, std::string> check_format(const std::string& text) {
    std::map<std::string, std::string> types;
    std::string current;
    for (const auto& line : lines_of(text)) {
        if (line.rfind("# HELP ", 0) == 0) {
            std::string name = line.substr(7, line.find(' ', 7) - 7);
            CHECK_MESSAGE(types.count(name) == 0, "family twice: " << name);
            current = name;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            std::string rest = line.substr(7);
            std::string name = rest.substr(0, rest.find(' '));
            CHECK(name == current);
            types[name] = rest.substr(rest.find(' ') + 1);
            continue;
        }
        std::string name = line.substr(0, line.find_first_of("{ "));
        CHECK_MESSAGE(name == current, "sample outside its family: " << line);
        std::string value = line.substr(line.rfind(' ') + 1);
        CHECK(!value.empty());
        CHECK(value.find_first_not_of("0123456789") == std::string::npos);
    }
    return types;
}

}  // namespace

TEST_CASE("the daemon's stats become labelled Prometheus families") {
    std::vector<Counter> stats = {
        counter("leases", "bound", 1),
        counter("leases", "entries", 3),
        counter("dhcp", "received_discover", 4),
        counter("dhcp", "received_request", 2),
        counter("dhcp", "sent_offer", 4),
        counter("dhcp", "sent_ack", 2),
        counter("dhcp", "dropped_not_owner", 7),
        counter("dhcp", "dropped_pool_exhausted", 0),
        counter("journal", "syncs", 5),
        counter("dns", "queries", 9),
        counter("dns", "udp", 8),
        counter("dns", "tcp", 1),
        counter("dns", "answered_cache", 3),
        counter("cache", "hits", 3),
        counter("forwarder", "rebind_filtered", 2),
    };
    std::string text = metrics_text(stats);
    auto types = check_format(text);
    CHECK(types["leasedns_leases"] == "gauge");
    CHECK(types["leasedns_dhcp_packets_received_total"] == "counter");
    CHECK(types["leasedns_dhcp_drops_total"] == "counter");
    CHECK(types["leasedns_journal_syncs_total"] == "counter");
    CHECK(types["leasedns_dns_cache_hits_total"] == "counter");
    for (const char* sample : {
             "leasedns_leases{state=\"bound\"} 1\n",
             "leasedns_lease_table_entries 3\n",
             "leasedns_dhcp_packets_received_total{type=\"discover\"} 4\n",
             "leasedns_dhcp_packets_received_total{type=\"request\"} 2\n",
             "leasedns_dhcp_packets_sent_total{type=\"ack\"} 2\n",
             "leasedns_dhcp_drops_total{reason=\"not_owner\"} 7\n",
             "leasedns_dhcp_drops_total{reason=\"pool_exhausted\"} 0\n",
             "leasedns_journal_syncs_total 5\n",
             "leasedns_dns_queries_total 9\n",
             "leasedns_dns_queries_by_transport_total{transport=\"udp\"} 8\n",
             "leasedns_dns_answers_total{source=\"cache\"} 3\n",
             "leasedns_dns_cache_hits_total 3\n",
             "leasedns_upstream_rejected_total{reason=\"rebind\"} 2\n",
         })
        CHECK_MESSAGE(text.find(sample) != std::string::npos, sample << " in\n" << text);
    CHECK(text.find("# HELP leasedns_dhcp_packets_received_total DHCP requests received") !=
          std::string::npos);
}

TEST_CASE("a family's samples stay together when its counters are apart in the list") {
    std::string text = metrics_text(
        {counter("dns", "tcp", 1), counter("dns", "queries", 2), counter("dns", "udp", 3)});
    check_format(text);
    CHECK(text.find("leasedns_dns_queries_by_transport_total{transport=\"tcp\"} 1\n"
                    "leasedns_dns_queries_by_transport_total{transport=\"udp\"} 3\n") !=
          std::string::npos);
    // The family's HELP comes from its first rule even when a later sample came first.
    CHECK(text.find("# HELP leasedns_dns_queries_by_transport_total DNS queries received, by "
                    "transport.\n") != std::string::npos);
}

TEST_CASE("counters without a rule are exported as untyped, names made valid") {
    std::string text = metrics_text({counter("upstream", "latency-p99.ms", 12)});
    check_format(text);
    CHECK(text ==
          "# HELP leasedns_upstream_latency_p99_ms leasectl stats: upstream.latency-p99.ms.\n"
          "# TYPE leasedns_upstream_latency_p99_ms untyped\n"
          "leasedns_upstream_latency_p99_ms 12\n");
}

TEST_CASE("a state counter is a gauge with the state as a label, escaped") {
    Counter c = counter("journal", "state", 0);
    c.text = "degraded \"disk\\full\"\n";
    std::string text = metrics_text({c});
    CHECK(text.find("# TYPE leasedns_journal_state gauge\n") != std::string::npos);
    CHECK(text.find("leasedns_journal_state{state=\"degraded \\\"disk\\\\full\\\"\\n\"} 1\n") !=
          std::string::npos);
}

TEST_CASE("no counters: an empty page") {
    CHECK(metrics_text({}).empty());
}
