// Client host names (option 12, option 81 / RFC 4702) cleaned to one DNS label.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/bytes.hpp"

namespace leasedns::dhcp {

// Rules (documented in leasedns(8)):
// - a trailing dot is dropped; case is folded to lower case;
// - a dotted name keeps its first label only when the rest equals `domain`
//   (case-insensitive); any other dotted name is rejected (never a record outside our zone);
// - the label must be 1..63 octets of [a-z0-9-], not starting or ending with '-';
//   any other octet (space, NUL, control, UTF-8, punctuation) rejects the name;
// - reserved names (wpad, isatap, localhost) are rejected.
// Returns the label, or nullopt with `reason` set to a human-readable explanation.
std::optional<std::string> sanitize_hostname(std::string_view raw, std::string_view domain,
                                             std::string* reason);

// RFC 4702 Client FQDN option.
struct ClientFqdn {
    static constexpr uint8_t kFlagS = 0x01;  // server should do A updates
    static constexpr uint8_t kFlagO = 0x02;  // server overrode the client's S choice
    static constexpr uint8_t kFlagE = 0x04;  // canonical wire encoding
    static constexpr uint8_t kFlagN = 0x08;  // server must do no updates

    uint8_t flags = 0;
    std::string name;      // dotted, as sent (not yet sanitised); empty if none
    bool partial = false;  // wire-encoded name without the root label (RFC 4702 §2.3.1)
};

// Parses option 81's value. Bounded name decoder: no compression pointers accepted,
// labels <= 63, total <= 255. Returns nullopt for malformed values.
std::optional<ClientFqdn> parse_client_fqdn(Bytes value);

// Builds the server's option 81 (RFC 4702 §4): flags with S/O/N set as we act, both
// RCODE octets 255, and `fqdn` (fully qualified, no trailing dot) in the encoding the
// client used (E bit).
std::vector<uint8_t> build_client_fqdn_reply(const ClientFqdn& request, std::string_view fqdn,
                                             bool server_updates_a);

}  // namespace leasedns::dhcp
