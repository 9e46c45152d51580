// dhcp::decode on arbitrary bytes (ROBUSTNESS A1-A5, A7). Every input either fails with a
// described error or yields a message whose invariants hold; decoded messages are printed
// the way the daemon logs them (format_option_value), re-encoded within every size limit,
// and decoding into a reused Message gives the same result as into a fresh one.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "leasedns/dhcp/codec.hpp"
#include "leasedns/dhcp/option_catalogue.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy, so ASan sees any read past the datagram.
    std::vector<uint8_t> packet(data, data + size);
    Message m;
    DecodeError e = decode(Bytes(packet), m);
    check(describe(e) != nullptr);
    if (size < kMinPacketSize) check(e == DecodeError::TooShort);
    if (size > kMaxPacketSize) check(e == DecodeError::TooLong);
    if (e != DecodeError::None) return 0;

    // Header invariants the engine relies on (A5).
    check(m.hlen <= m.chaddr.size());
    check(m.htype != 0 || m.hlen == 0);
    // 53, when present, is one octet 1..8; 52 is consumed by the decoder.
    if (m.options.has(opt::kMessageType)) check(m.type().has_value());
    check(!m.options.has(opt::kOverload));
    check(!m.options.has(opt::kPad));
    check(!m.options.has(opt::kEnd));

    // A7: the logging path formats every option of a hostile packet.
    size_t total = 0;
    for (uint8_t code : m.options.codes()) {
        auto v = m.options.get(code);
        check(v.has_value());
        total += v->size();
        std::string text = format_option_value(code, *v);
        check(text.size() <= 3 * v->size() + 4096);
        (void)name_of(m.type().value_or(MessageType::Discover));
    }
    // Concatenated values never hold more than the packet carried.
    check(total <= size);

    // Reusing a Message (the server's hot path) gives the same result as a fresh one.
    Message reused;
    reused.options.set(12, as_bytes("stale"));
    reused.sname.fill(0x55);
    check(decode(Bytes(packet), reused) == DecodeError::None);
    check(reused == m);

    // Re-encoding respects every size limit and decodes again.
    std::array<uint8_t, kMaxPacketSize> buf{};
    for (size_t max : {size_t{0}, kMinReplySize, size_t{548}, kDefaultMaxReply, size_t{1500},
                       kMaxPacketSize, size_t{65507}}) {
        size_t n = encode(m, buf, max);
        size_t limit = max < kMinReplySize ? kMinReplySize : (max > buf.size() ? buf.size() : max);
        check(n >= kMinReplySize && n <= limit);
        check(buf[n - 1] == opt::kEnd || buf[n - 1] == opt::kPad);
        Message back;
        check(decode(Bytes(buf.data(), n), back) == DecodeError::None);
        // Options can only be dropped (did not fit), never altered.
        for (uint8_t code : back.options.codes()) {
            auto a = back.options.get(code);
            auto b = m.options.get(code);
            check(b.has_value() && a->size() == b->size() &&
                  std::equal(a->begin(), a->end(), b->begin()));
        }
    }
    return 0;
}
