// leasectl's side: a response line taken apart, and results printed for people. Pure.
#pragma once
#include <string>
#include <string_view>

#include "leasedns/control/json.hpp"
#include "leasedns/leases/lease.hpp"

namespace leasedns::control {

struct Response {
    bool ok = false;
    std::string error;  // when !ok
    JsonValue result;   // when ok
};

// One response line (without its newline). A line that is not a response of ours becomes
// an error response saying so.
Response parse_response(std::string_view line);

// Tables for people. Each takes the `result` of its command; unexpected shapes print what
// they can and never fail.
std::string format_leases(const JsonValue& result);
std::string format_records(const JsonValue& result);
std::string format_hosts(const JsonValue& result);
std::string format_stats(const JsonValue& result);
// "2h03m", "45s", "never" (infinite), "expired".
std::string format_duration(const JsonValue& seconds);

// One element of a `leases` result back as a Lease (for leases::format_dnsmasq_leases,
// `leasectl leases --format dnsmasq`); false when a field is missing or malformed.
bool lease_from_json(const JsonValue& row, leases::Lease& out);

}  // namespace leasedns::control
