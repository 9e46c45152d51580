// The authoritative data leasedns answers for (ARCHITECTURE.md: "the zone owns answers"):
// the local domain(s) and the reverse zones of the served subnets, each with SOA and NS
// at the apex; static records from configuration and hosts files; and the lease names,
// read straight from the lease table at query time (O(1) by name and by address), so a
// record exists exactly while its lease does — no copy that could go stale. The zone
// subscribes to lease events only to bump its SOA serial. Pure: no I/O, time a parameter.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/dns/message.hpp"
#include "leasedns/dns/name.hpp"
#include "leasedns/leases/events.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::dns {

// One line's worth of a hosts file (/etc/hosts format: ADDR NAME [ALIAS...]).
struct HostsEntry {
    std::string address;  // "198.18.0.7" or an IPv6 literal
    std::vector<std::string> names;
};
struct HostsFile {
    std::string path;  // for messages and for "leasectl records" (why a record exists)
    std::vector<HostsEntry> entries;
    std::vector<std::string> warnings;  // "file:line: reason" for lines that were skipped
};
// Parses hosts-file text; bad lines are skipped with a warning, never fatal.
HostsFile parse_hosts_file(std::string_view path, std::string_view text);

struct ZoneInputs {
    const config::Config* config = nullptr;
    std::vector<Prefix> served_subnets;  // the DHCP ranges' subnets: reverse zones
    std::vector<Ipv4> own_addresses;     // the server's addresses (NS glue, own name)
    std::string server_hostname;         // this machine's host name (one label)
    std::vector<HostsFile> hosts_files;  // /etc/hosts (unless -h) and --addn-hosts
};

enum class ZoneVerdict : uint8_t {
    NotOurs,   // not inside any local zone: the query path may forward it
    Answered,  // the reply was written (NOERROR with data, NODATA or NXDOMAIN, AA set)
};

struct ZoneCounters {
    uint64_t answered = 0, nxdomain = 0, nodata = 0, lease_answers = 0;
};

class Zone final : public leases::LeaseListener {
public:
    Zone(const ZoneInputs& inputs, const leases::LeaseTable& table);
    ~Zone() override;

    // Static names (configuration, hosts files, reservations' names, the server's own
    // name, the zone apex, wpad/isatap/localhost) that DHCP must never register (C6).
    bool is_static_label(std::string_view label) const;

    // Answers `query` if its name lies in one of our zones (local domain, reverse zones,
    // --local/--server=/d/ domains, --address domains, static names anywhere) or is a bare
    // host label known locally. Writes the whole reply (header with AA, question echoed in
    // the client's case, answer, SOA in authority for NXDOMAIN/NODATA per RFC 2308).
    // The builder's limit is the client's UDP size; when the answer does not fit, TC is set
    // and only the header and question (and OPT) are sent. The caller calls out.finish().
    // Classes other than IN and ANY are NotOurs. One thread: answer() reuses scratch space.
    ZoneVerdict answer(const Query& query, WallSeconds now, MessageBuilder& out) const;

    uint32_t serial() const;
    const ZoneCounters& counters() const;

    // Bumps the SOA serial; whoever owns both subscribes the zone: table.subscribe(&zone).
    void on_lease_event(const leases::LeaseEvent& event) override;

    // What the zone answers and why ("lease", "static", "hosts:/etc/hosts",
    // "reservation"), for leasectl records. One line per record in presentation form.
    std::vector<std::string> describe_records(WallSeconds now) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace leasedns::dns
