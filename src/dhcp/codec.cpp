// DHCPv4 wire codec (RFC 2131 §2, RFC 2132, RFC 3396). decode() is the server's hot path:
// it walks the packet twice with bounded loops and fixed-size tables on the stack, and
// writes options into reused storage, so it never allocates once warmed up.
#include "leasedns/dhcp/codec.hpp"

#include <algorithm>
#include <array>

namespace leasedns::dhcp {

namespace {

// RFC 2131 §2 field layout.
constexpr size_t kSnameOffset = 44;
constexpr size_t kSnameSize = 64;
constexpr size_t kFileOffset = kSnameOffset + kSnameSize;
constexpr size_t kFileSize = 128;
constexpr std::array<uint8_t, 4> kMagicCookie{99, 130, 83, 99};  // RFC 2131 §3

// RFC 2132 §9.3 option overload values.
constexpr uint8_t kOverloadFile = 1;
constexpr uint8_t kOverloadSname = 2;

// Every option instance takes at least two octets (code, length), so this bounds the
// instances of the largest accepted packet, overloaded fields included.
constexpr size_t kMaxInstances = (kMaxPacketSize - kMinPacketSize + kFileSize + kSnameSize) / 2 + 1;
constexpr uint16_t kNone = 0xffff;

// The option instances of one packet, chained per code in packet order so that RFC 3396
// concatenation can append each code's pieces in a row (contiguous in Options storage).
// Positions are offsets of the code octet within the packet.
struct Instances {
    std::array<uint16_t, kMaxInstances> pos;
    std::array<uint16_t, kMaxInstances> next;
    std::array<uint16_t, 256> head;
    std::array<uint16_t, 256> tail;
    std::array<uint8_t, 256> order;  // codes by first appearance
    size_t codes = 0;
    size_t count = 0;

    Instances() { head.fill(kNone); }

    bool add(uint8_t code, size_t at) {
        if (count == kMaxInstances) return false;
        auto i = static_cast<uint16_t>(count++);
        pos[i] = static_cast<uint16_t>(at);
        next[i] = kNone;
        if (head[code] == kNone) {
            head[code] = i;
            order[codes++] = code;
        } else {
            next[tail[code]] = i;
        }
        tail[code] = i;
        return true;
    }
};

Bytes value_at(Bytes packet, uint16_t pos) {
    return packet.subspan(pos + 2u, packet[pos + 1u]);
}

size_t total_length(Bytes packet, const Instances& in, uint8_t code) {
    size_t n = 0;
    for (uint16_t i = in.head[code]; i != kNone; i = in.next[i]) n += packet[in.pos[i] + 1u];
    return n;
}

// Collects the options of one field (RFC 2132 §2): PAD skipped, END stops the field, a
// missing END is tolerated (RFC 2131 §4.1 interop). In file/sname (`main` false) option 52
// is ignored: overload cannot nest, so there is no recursion (RFC 2131 §4.1).
DecodeError scan_field(Bytes packet, size_t begin, size_t end, bool main, Instances& out) {
    Reader r(packet.subspan(begin, end - begin));
    while (!r.at_end()) {
        size_t at = begin + r.pos();
        uint8_t code = r.u8();
        if (code == opt::kPad) continue;
        if (code == opt::kEnd) break;
        uint8_t len = r.u8();
        r.skip(len);
        if (!r.ok()) return DecodeError::OptionOverrun;
        if (code == opt::kOverload && !main) continue;
        if (!out.add(code, at)) return DecodeError::OptionOverrun;  // unreachable by kMaxInstances
    }
    return DecodeError::None;
}

size_t encoded_size(size_t len) {
    // RFC 3396 §6: a value longer than 255 octets goes out as several instances.
    return len == 0 ? 2 : len + 2 * ((len + 254) / 255);
}

void write_option(Writer& w, uint8_t code, Bytes value) {
    if (value.empty()) {
        w.u8(code);
        w.u8(0);
        return;
    }
    while (!value.empty()) {
        size_t n = std::min<size_t>(value.size(), 255);
        w.u8(code);
        w.u8(static_cast<uint8_t>(n));
        w.bytes(value.first(n));
        value = value.subspan(n);
    }
}

}  // namespace

const char* describe(DecodeError e) {
    switch (e) {
        case DecodeError::None:
            return "ok";
        case DecodeError::TooShort:
            return "shorter than the 240-octet DHCP header";
        case DecodeError::TooLong:
            return "larger than the largest accepted packet";
        case DecodeError::BadCookie:
            return "bad magic cookie (not DHCP)";
        case DecodeError::BadHardwareLen:
            return "bad hardware address length";
        case DecodeError::OptionOverrun:
            return "option runs past the end of its field";
        case DecodeError::BadOverload:
            return "bad option overload (52)";
        case DecodeError::BadMessageType:
            return "bad message type (53)";
    }
    return "unknown decode error";
}

DecodeError decode(Bytes packet, Message& out) {
    if (packet.size() < kMinPacketSize) return DecodeError::TooShort;
    if (packet.size() > kMaxPacketSize) return DecodeError::TooLong;

    Reader r(packet);
    out.op = r.u8();
    out.htype = r.u8();
    out.hlen = r.u8();
    out.hops = r.u8();
    out.xid = r.u32();
    out.secs = r.u16();
    out.flags = r.u16();
    out.ciaddr = Ipv4(r.u32());
    out.yiaddr = Ipv4(r.u32());
    out.siaddr = Ipv4(r.u32());
    out.giaddr = Ipv4(r.u32());
    Bytes chaddr = r.bytes(out.chaddr.size());
    Bytes sname = r.bytes(out.sname.size());
    Bytes file = r.bytes(out.file.size());
    Bytes cookie = r.bytes(kMagicCookie.size());
    if (!r.ok()) return DecodeError::TooShort;  // unreachable after the size check
    std::copy(chaddr.begin(), chaddr.end(), out.chaddr.begin());
    std::copy(sname.begin(), sname.end(), out.sname.begin());
    std::copy(file.begin(), file.end(), out.file.begin());
    if (!std::equal(cookie.begin(), cookie.end(), kMagicCookie.begin()))
        return DecodeError::BadCookie;
    // dnsmasq drops hlen > 16 (chaddr is 16 octets); htype 0 means "no hardware address".
    if (out.hlen > out.chaddr.size() || (out.htype == 0 && out.hlen != 0))
        return DecodeError::BadHardwareLen;

    Instances in;
    if (auto e = scan_field(packet, kMinPacketSize, packet.size(), true, in);
        e != DecodeError::None)
        return e;

    // RFC 2132 §9.3; RFC 3396 §5: the aggregate buffer is options, then file, then sname.
    uint8_t overload = 0;
    if (in.head[opt::kOverload] != kNone) {
        if (total_length(packet, in, opt::kOverload) != 1) return DecodeError::BadOverload;
        overload = packet[in.pos[in.head[opt::kOverload]] + 2u];
        if (overload < 1 || overload > 3) return DecodeError::BadOverload;
    }
    if (overload & kOverloadFile) {
        if (auto e = scan_field(packet, kFileOffset, kFileOffset + kFileSize, false, in);
            e != DecodeError::None)
            return e;
    }
    if (overload & kOverloadSname) {
        if (auto e = scan_field(packet, kSnameOffset, kSnameOffset + kSnameSize, false, in);
            e != DecodeError::None)
            return e;
    }

    // RFC 2132 §9.6: one octet, 1..8. Anything else cannot be answered sensibly.
    if (in.head[opt::kMessageType] != kNone) {
        if (total_length(packet, in, opt::kMessageType) != 1) return DecodeError::BadMessageType;
        uint8_t t = packet[in.pos[in.head[opt::kMessageType]] + 2u];
        if (t < 1 || t > 8) return DecodeError::BadMessageType;
    }

    // RFC 3396 §7: instances of one code are concatenated in the order they appear.
    out.options.clear();
    for (size_t k = 0; k < in.codes; ++k) {
        uint8_t code = in.order[k];
        // Option 52 is consumed here: the message now holds the options it pointed to,
        // and re-encoding never overloads, so keeping it would re-read file/sname.
        if (code == opt::kOverload) continue;
        uint16_t i = in.head[code];
        out.options.set(code, value_at(packet, in.pos[i]));
        for (i = in.next[i]; i != kNone; i = in.next[i])
            out.options.append(code, value_at(packet, in.pos[i]));
    }
    // Fields that carried options hold no server or file name.
    if (overload & kOverloadFile) out.file.fill(0);
    if (overload & kOverloadSname) out.sname.fill(0);
    return DecodeError::None;
}

size_t encode(const Message& m, std::span<uint8_t> buf, size_t max_size) {
    if (buf.size() < kMinReplySize) return 0;
    size_t limit = std::clamp(max_size, kMinReplySize, buf.size());
    Writer w(buf.first(limit));
    w.u8(m.op);
    w.u8(m.htype);
    w.u8(m.hlen);
    w.u8(m.hops);
    w.u32(m.xid);
    w.u16(m.secs);
    w.u16(m.flags);
    w.u32(m.ciaddr.value);
    w.u32(m.yiaddr.value);
    w.u32(m.siaddr.value);
    w.u32(m.giaddr.value);
    w.bytes(m.chaddr);
    w.bytes(m.sname);
    w.bytes(m.file);
    w.bytes(kMagicCookie);

    for (uint8_t code : m.options.codes()) {
        // PAD and END carry no length; we never overload (a stray 52 would make the
        // receiver read sname/file as options).
        if (code == opt::kPad || code == opt::kEnd || code == opt::kOverload) continue;
        Bytes value = *m.options.get(code);
        // Skip whole rather than truncate, and always keep one octet for END.
        if (encoded_size(value.size()) + 1 > w.remaining()) continue;
        write_option(w, code, value);
    }
    w.u8(opt::kEnd);
    if (w.size() < kMinReplySize) w.zeros(kMinReplySize - w.size());
    return w.ok() ? w.size() : 0;
}

}  // namespace leasedns::dhcp
