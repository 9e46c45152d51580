// The control socket's protocol (leasectl(1)): one request per line of UTF-8 text, one
// response per request as one JSON object on one line:
//   {"ok":true,"result":...}   or   {"ok":false,"error":"..."}
// The daemon never trusts a request: anything it does not understand gets an error that
// says why, and the connection stays usable for the next line. Pure: no I/O.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "leasedns/core/net.hpp"
#include "leasedns/core/result.hpp"

namespace leasedns::control {

// A longer line is answered "request too long" and skipped up to its newline.
constexpr size_t kMaxRequestBytes = 4096;

enum class Command : uint8_t {
    Help,          // help
    Version,       // version
    Leases,        // leases
    LeaseRelease,  // lease release ADDR
    Hosts,         // hosts
    Records,       // records
    Stats,         // stats
    Reload,        // reload
};

struct Request {
    Command command = Command::Help;
    Ipv4 addr;  // LeaseRelease
};

// One line, without its newline (a trailing CR is allowed). Words are separated by spaces
// or tabs. The error text is meant for the person at the other end; it quotes at most a
// few bytes of the input, with anything unprintable escaped.
Result<Request, std::string> parse_request(std::string_view line);

// The commands, one per line ("lease release ADDR" ...), for `help` and error messages.
std::string_view command_summary();

// Response lines, each ending in '\n'. `result_json` is a JSON value.
std::string ok_response(std::string_view result_json);
std::string error_response(std::string_view message);

// `text` made safe to quote in a message: at most `max` bytes, printable ASCII kept,
// everything else as \xNN.
std::string quote_untrusted(std::string_view text, size_t max = 40);

}  // namespace leasedns::control
