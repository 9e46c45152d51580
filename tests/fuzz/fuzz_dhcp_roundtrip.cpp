// Round trips (ROBUSTNESS A6): for every packet that decodes, m1 = decode(b) and
// b1 = encode(m1) must give decode(b1) == m1 whenever every option fits, and
// encode(decode(b1)) == b1 byte for byte always (encoding is stable). The input is also
// read a second way, as a script that builds a Message through the Options API (long
// values, appends, replacements), which must survive decode(encode(m)) unchanged.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "leasedns/dhcp/codec.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Octets encode() needs for one option value (RFC 3396 splitting).
size_t encoded_size(size_t len) {
    return len == 0 ? 2 : len + 2 * ((len + 254) / 255);
}

size_t options_size(const Message& m) {
    size_t n = 0;
    for (uint8_t code : m.options.codes()) n += encoded_size(m.options.get(code)->size());
    return n;
}

void from_packet(Bytes packet) {
    Message m1;
    if (decode(packet, m1) != DecodeError::None) return;
    std::array<uint8_t, kMaxPacketSize> b1{}, b2{};
    size_t n1 = encode(m1, b1, b1.size());
    check(n1 >= kMinReplySize && n1 <= b1.size());
    Message m2;
    check(decode(Bytes(b1.data(), n1), m2) == DecodeError::None);
    if (kMinPacketSize + options_size(m1) + 1 <= b1.size()) check(m2 == m1);
    size_t n2 = encode(m2, b2, b2.size());
    check(n2 == n1);
    check(std::equal(b1.begin(), b1.begin() + static_cast<long>(n1), b2.begin()));
}

// A tiny reader over the fuzz input for the script mode.
struct Script {
    Bytes in;
    size_t pos = 0;
    uint8_t u8() { return pos < in.size() ? in[pos++] : 0; }
    bool done() const { return pos >= in.size(); }
};

void from_script(Bytes input) {
    Script s{input};
    Message m;
    m.op = s.u8() & 1 ? Message::kBootReply : Message::kBootRequest;
    m.hlen = s.u8() % 17;
    m.htype = m.hlen == 0 ? 0 : static_cast<uint8_t>(s.u8() | 1);
    m.xid = static_cast<uint32_t>(s.u8()) << 24 | s.u8();
    m.flags = static_cast<uint16_t>(s.u8() << 8);
    m.yiaddr = Ipv4(static_cast<uint32_t>(s.u8()) << 24 | s.u8());
    for (size_t i = 0; i < m.hlen; ++i) m.chaddr[i] = s.u8();
    m.sname[0] = s.u8();
    m.file[0] = s.u8();
    std::vector<uint8_t> value;
    for (int step = 0; step < 64 && !s.done(); ++step) {
        uint8_t op = s.u8();
        uint8_t code = s.u8();
        if (code == opt::kPad || code == opt::kEnd || code == opt::kOverload) code = 43;
        if (code == opt::kMessageType) {
            m.options.set_u8(code, static_cast<uint8_t>(1 + op % 8));
            continue;
        }
        // Lengths up to 4 * 255 + 3: values that need several instances.
        size_t len = static_cast<size_t>(s.u8()) * (op & 3) + (op >> 6);
        value.assign(len, 0);
        for (size_t i = 0; i < len; ++i) value[i] = static_cast<uint8_t>(s.u8() + i);
        switch ((op >> 2) & 3) {
            case 0:
            case 1:
                m.options.set(code, value);
                break;
            case 2:
                m.options.append(code, value);
                break;
            case 3:
                m.options.remove(code);
                break;
        }
    }
    std::array<uint8_t, kMaxPacketSize> buf{};
    size_t n = encode(m, buf, buf.size());
    check(n >= kMinReplySize && n <= buf.size());
    Message back;
    check(decode(Bytes(buf.data(), n), back) == DecodeError::None);
    if (kMinPacketSize + options_size(m) + 1 <= buf.size()) check(back == m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> copy(data, data + size);
    from_packet(Bytes(copy));
    from_script(Bytes(copy));
    return 0;
}
