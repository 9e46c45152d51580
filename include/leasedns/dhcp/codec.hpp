// Pure DHCPv4 wire codec: bytes <-> Message. No I/O, bounds-checked through core::Reader.
#pragma once
#include <cstddef>
#include <span>

#include "leasedns/core/bytes.hpp"
#include "leasedns/dhcp/message.hpp"

namespace leasedns::dhcp {

// Fixed header (236) + magic cookie (4).
constexpr size_t kHeaderSize = 236;
constexpr size_t kMinPacketSize = kHeaderSize + 4;
// Largest packet accepted (ROBUSTNESS A4): bigger datagrams are dropped, not parsed.
constexpr size_t kMaxPacketSize = 4096;
// RFC 2131: every client must accept 576-byte messages; BOOTP relays expect >= 300.
constexpr size_t kMinReplySize = 300;
constexpr size_t kDefaultMaxReply = 576;

enum class DecodeError : uint8_t {
    None = 0,
    TooShort,        // < 240 bytes
    TooLong,         // > kMaxPacketSize
    BadCookie,       // magic cookie != 99.130.83.99
    BadHardwareLen,  // hlen > 16, or htype 0 with hlen != 0
    OptionOverrun,   // an option's length runs past the end of its field
    BadOverload,     // option 52 with a length != 1 or a value outside 1..3
    BadMessageType,  // option 53 present with length != 1 or value outside 1..8
};
const char* describe(DecodeError e);

// Decodes into `out`, reusing its option storage. `out` is unspecified on error.
// Per RFC 2131 §4.1 a missing END option is tolerated (many relays and old clients
// omit it); PAD runs are skipped; option 52 pulls options from file/sname (each at
// most once, no recursion).
DecodeError decode(Bytes packet, Message& out);

// Encodes `m` into `buf`, never writing more than `max_size` bytes (clamped to
// [kMinReplySize, buf.size()]). Options are written in m.options.codes() order; values
// longer than 255 are split into several instances (RFC 3396). An option that does not
// fit is skipped whole (never truncated), later ones are still tried, END always fits.
// The packet is zero-padded to kMinReplySize. Returns bytes written (0 if buf < 300).
size_t encode(const Message& m, std::span<uint8_t> buf, size_t max_size = kDefaultMaxReply);

}  // namespace leasedns::dhcp
