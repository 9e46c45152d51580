// dnsmasq's lease-file format, both ways. Pure: text in, leases out, and back.
//
// dnsmasq (src/lease.c, lease_update_file) writes one line per DHCPv4 lease:
//   EXPIRY MAC IP HOSTNAME CLIENTID
// EXPIRY is absolute Unix seconds (0 = infinite); MAC is "aa:bb:cc:dd:ee:ff" for Ethernet
// or "HT-xx:xx..." (hardware type in hex, then the address) for anything else; HOSTNAME
// and CLIENTID are "*" when unknown; CLIENTID is option 61 (RFC 2132 §9.14) in
// colon-separated hex. Then, when DHCPv6 is on, a "duid ..." line and the IPv6 leases
// ("EXPIRY [T]IAID IPV6 HOSTNAME CLIENTID"), which leasedns skips: it serves DHCPv4 only.
#pragma once
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/leases/lease.hpp"

namespace leasedns::leases {

class LeaseTable;

struct DnsmasqLeaseError {
    size_t line = 0;  // 1-based
    std::string message;
};

struct DnsmasqLeaseFile {
    // The IPv4 leases in file order: state Bound, client from CLIENTID (option 61) or, for
    // "*", from (htype 1, MAC) exactly as the engine identifies such a client; hostname as
    // written (not yet sanitised: the importer does that with the lease's domain);
    // granted = 0 (dnsmasq does not record it).
    std::vector<Lease> leases;
    size_t ipv6_skipped = 0;  // IPv6 lease lines (after the duid line, or with an IPv6 address)
    bool has_duid = false;
    size_t error_count = 0;                 // every bad line
    std::vector<DnsmasqLeaseError> errors;  // the first kMaxKeptErrors of them
    static constexpr size_t kMaxKeptErrors = 20;
};

// Parses a whole lease file. Never fails as a whole: a bad line is reported and skipped.
// Blank lines are ignored.
DnsmasqLeaseFile parse_dnsmasq_leases(std::string_view text);

// What a file at a lease-file path holds, judged by content (never by name): our
// journal starts with kJournalMagic; a dnsmasq lease file is text whose first line is a
// lease or duid line. An empty file is dnsmasq's (dnsmasq creates it empty at start-up;
// our journal always has at least its magic).
enum class LeaseFileKind { LeasednsJournal, DnsmasqLeases, Unknown };
LeaseFileKind classify_lease_file(Bytes content);

// The MAC column: "aa:bb:cc:dd:ee:ff", or "HT-xx:..." for a non-Ethernet client known by
// its hardware address. Also the MAC argument of --dhcp-script.
std::string dnsmasq_hardware_text(const Lease& lease);
// The CLIENTID column without the "*": option 61 in hex, empty for a client known by its
// hardware address. Also DNSMASQ_CLIENT_ID.
std::string dnsmasq_client_id_text(const Lease& lease);

// One line (with '\n') for a Bound lease, in dnsmasq's format. The CLIENTID column is
// "*" for a client identified by its hardware address (it sent no option 61).
std::string format_dnsmasq_lease(const Lease& lease);

// The table's Bound leases not yet expired at `now`, in dnsmasq's lease-file format,
// ordered by address: what `leasectl leases --format dnsmasq` prints, so tools that read
// /var/lib/misc/dnsmasq.leases (Pi-hole-style dashboards, scripts) keep working.
std::string format_dnsmasq_leases(const LeaseTable& table, WallSeconds now);
std::string format_dnsmasq_leases(std::span<const Lease> leases, WallSeconds now);

// Merging imported leases into the table (after the journal load, before serving).
struct LeaseImportReport {
    size_t imported = 0;
    size_t already_present = 0;  // same client at the same address in the table
    size_t conflicting = 0;      // the address or the client already has another entry
    size_t expired = 0;          // expiry passed
    size_t refused = 0;          // `acceptable` said no (outside our subnets, reserved...)
    size_t names_dropped = 0;    // imported without its name (held by another lease)
};

// Binds every lease that is unexpired at `now`, acceptable, and free (no entry at its
// address, no entry for its client): the table publishes Granted, so subscribers (the
// journal recorder) record it. Entries already in the table are never overwritten: they
// are at least as recent as the imported file. `acceptable` may be empty (accept all).
LeaseImportReport merge_imported_leases(LeaseTable& table, std::span<const Lease> leases,
                                        WallSeconds now,
                                        const std::function<bool(const Lease&)>& acceptable);

}  // namespace leasedns::leases
