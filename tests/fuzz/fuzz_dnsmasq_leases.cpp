// dnsmasq lease files (--import-leases, a dnsmasq --dhcp-leasefile): any text parses
// without crashing; every parsed lease prints back in dnsmasq's format and parses again to
// the same identity, address, name and expiry; merging the leases into a table keeps its
// indices consistent; the file-kind judgement never fails.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "leasedns/leases/dnsmasq_leases.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;
using namespace leasedns::leases;

namespace {

constexpr WallSeconds kNow = 1'700'000'000;

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)classify_lease_file(Bytes(data, size));
    auto parsed = parse_dnsmasq_leases(text);
    check(parsed.errors.size() <= parsed.error_count);
    check(parsed.errors.size() <= DnsmasqLeaseFile::kMaxKeptErrors);

    for (const Lease& l : parsed.leases) {
        // Names the format cannot carry (spaces, line breaks) never come out of the parser.
        check(l.hostname.find_first_of(" \t\n") == std::string::npos);
        auto again = parse_dnsmasq_leases(format_dnsmasq_lease(l));
        check(again.error_count == 0 && again.leases.size() == 1);
        const Lease& r = again.leases[0];
        check(r.addr == l.addr && r.client == l.client && r.hostname == l.hostname &&
              r.expires == l.expires);
    }

    LeaseTable table;
    PoolRange range{Ipv4::from_octets(198, 18, 0, 0), Ipv4::from_octets(198, 18, 0, 255)};
    table.set_pools(std::span<const PoolRange>(&range, 1), {});
    auto report = merge_imported_leases(table, parsed.leases, kNow, {});
    check(report.imported + report.already_present + report.conflicting + report.expired +
              report.refused ==
          parsed.leases.size());
    check(table.bound_count() == report.imported);
    table.for_each([&](const Lease& l) {
        check(table.find_by_addr(l.addr) == &l);
        check(table.find_by_client(l.client) == &l);
        if (!l.hostname.empty()) check(table.find_by_name(l.hostname) == &l);
    });
    return 0;
}
