// What the control socket answers: a request line goes in, a response line comes out, built
// from what the daemon's Backend reports. The socket (io/control_server) only moves bytes;
// the tests drive this with a fake Backend. Pure: no I/O.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leasedns/control/protocol.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/leases/lease.hpp"

namespace leasedns::control {

// A --dhcp-host line as `hosts` shows it.
struct ReservationRow {
    std::string mac;        // empty when by client id
    std::string client_id;  // hex, empty when by MAC
    std::string address;    // empty: none fixed
    std::string hostname;
    int64_t lease_time = -1;  // seconds; -1: the range's
    bool ignore = false;
};

// One counter for `stats`, grouped by section ("dhcp", "dns", "cache", "journal"...).
struct Counter {
    Counter() = default;
    Counter(std::string s, std::string n, uint64_t v, std::string t = {})
        : section(std::move(s)), name(std::move(n)), value(v), text(std::move(t)) {}
    std::string section;
    std::string name;
    uint64_t value = 0;
    std::string text;  // a state rather than a count ("journal.state ok"): shown instead
};

// Called with "" once the change is done (for a release: on disk), or with the error.
using Completion = std::function<void(std::string error)>;

class Backend {
public:
    virtual ~Backend() = default;
    virtual WallSeconds now() const = 0;
    virtual std::string version() const = 0;
    // Every entry of the lease table (Bound, Declined; Offered ones are holds).
    virtual std::vector<leases::Lease> leases() const = 0;
    // dns::Zone::describe_records lines ("owner ttl IN TYPE data ; source"); false when the
    // DNS half is not running or cannot say.
    virtual bool records(std::vector<std::string>& lines) const = 0;
    virtual std::vector<ReservationRow> reservations() const = 0;
    virtual std::vector<Counter> counters() const = 0;
    // Operator removal of the lease at `addr` (a Released event: its names leave DNS).
    // `done` runs once the journal holds the removal, or with why not ("no lease for ...").
    virtual void release(Ipv4 addr, Completion done) = 0;
    virtual void reload(Completion done) = 0;
};

// Answers one request line (without its newline). `reply` gets one response line ending in
// '\n': at once for most commands, later for `lease release` and `reload`.
void answer(std::string_view line, Backend& backend, const std::function<void(std::string)>& reply);

// The JSON results, also used by the tests and by leasectl's own checks.
std::string leases_json(const std::vector<leases::Lease>& leases, WallSeconds now);
std::string records_json(const std::vector<std::string>& lines);
std::string hosts_json(const std::vector<ReservationRow>& reservations,
                       const std::vector<std::string>& record_lines);
std::string counters_json(const std::vector<Counter>& counters);

// One describe_records line taken apart; false if it is not of that form.
struct RecordRow {
    std::string name, type, data, source;
    uint32_t ttl = 0;
};
bool parse_record_line(std::string_view line, RecordRow& out);

}  // namespace leasedns::control
