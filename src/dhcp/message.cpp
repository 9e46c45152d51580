// Options storage and Message helpers. Values live back to back in one byte vector that
// keeps its capacity across clear(), so decoding a packet allocates nothing once the
// vector has grown to the largest packet seen (ARCHITECTURE.md: no per-packet heap churn).
#include "leasedns/dhcp/message.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace leasedns::dhcp {

const char* name_of(MessageType t) {
    // dnsmasq's spelling, which operators grep their logs for.
    switch (t) {
        case MessageType::Discover:
            return "DHCPDISCOVER";
        case MessageType::Offer:
            return "DHCPOFFER";
        case MessageType::Request:
            return "DHCPREQUEST";
        case MessageType::Decline:
            return "DHCPDECLINE";
        case MessageType::Ack:
            return "DHCPACK";
        case MessageType::Nak:
            return "DHCPNAK";
        case MessageType::Release:
            return "DHCPRELEASE";
        case MessageType::Inform:
            return "DHCPINFORM";
    }
    return "DHCPUNKNOWN";
}

namespace {

// True when `v` points inside `s` (then it must be copied by offset, since growing `s`
// may move it). std::less gives a total order even across unrelated arrays.
bool aliases(const std::vector<uint8_t>& s, Bytes v) {
    if (v.empty() || s.empty()) return false;
    std::less<const uint8_t*> lt;
    return !lt(v.data(), s.data()) && lt(v.data(), s.data() + s.size());
}

// Appends `v` to the end of `s` and returns where it starts; safe when `v` aliases `s`.
uint32_t push_tail(std::vector<uint8_t>& s, Bytes v) {
    size_t at = s.size();
    if (v.empty()) return static_cast<uint32_t>(at);
    if (aliases(s, v)) {
        size_t from = static_cast<size_t>(v.data() - s.data());
        s.resize(at + v.size());
        std::memmove(s.data() + at, s.data() + from, v.size());
    } else {
        s.insert(s.end(), v.begin(), v.end());
    }
    return static_cast<uint32_t>(at);
}

// Values replaced by set() or moved by append() leave dead bytes behind. When they
// outweigh the live ones, slide the live values down in offset order (in place, no
// allocation). Templated so it can take the private slot array without naming its type.
template <typename Slots>
void compact_if_wasteful(std::vector<uint8_t>& storage, Slots& slots,
                         const std::vector<uint8_t>& order) {
    constexpr size_t kSlack = 512;
    if (storage.size() <= kSlack) return;
    size_t live = 0;
    for (uint8_t code : order) live += slots[code].length;
    if (storage.size() <= 2 * live + kSlack) return;
    std::array<uint8_t, 256> by_offset{};
    size_t n = order.size();
    std::copy(order.begin(), order.end(), by_offset.begin());
    std::sort(by_offset.begin(), by_offset.begin() + static_cast<std::ptrdiff_t>(n),
              [&](uint8_t a, uint8_t b) { return slots[a].offset < slots[b].offset; });
    size_t to = 0;
    for (size_t i = 0; i < n; ++i) {
        auto& s = slots[by_offset[i]];
        if (s.length) std::memmove(storage.data() + to, storage.data() + s.offset, s.length);
        s.offset = static_cast<uint32_t>(to);
        to += s.length;
    }
    storage.resize(to);
}

void erase_code(std::vector<uint8_t>& order, uint8_t code) {
    auto it = std::find(order.begin(), order.end(), code);
    if (it != order.end()) order.erase(it);
}

}  // namespace

void Options::clear() {
    for (uint8_t code : order_) slots_[code] = Slot{};
    order_.clear();
    storage_.clear();  // keeps capacity
}

std::optional<Bytes> Options::get(uint8_t code) const {
    const Slot& s = slots_[code];
    if (!s.present) return std::nullopt;
    if (s.length == 0) return Bytes();
    return Bytes(storage_.data() + s.offset, s.length);
}

void Options::set(uint8_t code, Bytes value) {
    Slot& s = slots_[code];
    if (s.present) {
        erase_code(order_, code);
        if (value.size() <= s.length) {
            // Reuse the old bytes in place; memmove because `value` may overlap them.
            if (!value.empty())
                std::memmove(storage_.data() + s.offset, value.data(), value.size());
            s.length = static_cast<uint32_t>(value.size());
            order_.push_back(code);
            return;
        }
    }
    uint32_t at = push_tail(storage_, value);
    s = Slot{at, static_cast<uint32_t>(value.size()), true};
    order_.push_back(code);
    compact_if_wasteful(storage_, slots_, order_);
}

void Options::append(uint8_t code, Bytes value) {
    Slot& s = slots_[code];
    if (!s.present) return set(code, value);
    // `value` may be a value of this very Options (append(a, *get(b))). Moving the old
    // value below can reallocate storage_ and leave `value` dangling, so remember where it
    // lives by offset and re-point it afterwards.
    bool inside = aliases(storage_, value);
    size_t from = inside ? static_cast<size_t>(value.data() - storage_.data()) : 0;
    if (s.offset + s.length != storage_.size()) {
        // Not the last value: move it to the end first so the result stays contiguous.
        // decode() never takes this path (it appends each code's instances in a row).
        uint32_t at = push_tail(storage_, Bytes(storage_.data() + s.offset, s.length));
        s.offset = at;
    }
    if (inside) value = Bytes(storage_.data() + from, value.size());
    push_tail(storage_, value);
    s.length += static_cast<uint32_t>(value.size());
    compact_if_wasteful(storage_, slots_, order_);
}

void Options::remove(uint8_t code) {
    if (!slots_[code].present) return;
    slots_[code] = Slot{};
    erase_code(order_, code);
}

std::optional<uint8_t> Options::get_u8(uint8_t code) const {
    auto v = get(code);
    if (!v || v->size() != 1) return std::nullopt;
    return (*v)[0];
}

std::optional<uint16_t> Options::get_u16(uint8_t code) const {
    auto v = get(code);
    if (!v || v->size() != 2) return std::nullopt;
    Reader r(*v);
    return r.u16();
}

std::optional<uint32_t> Options::get_u32(uint8_t code) const {
    auto v = get(code);
    if (!v || v->size() != 4) return std::nullopt;
    Reader r(*v);
    return r.u32();
}

std::optional<Ipv4> Options::get_ipv4(uint8_t code) const {
    auto v = get_u32(code);
    if (!v) return std::nullopt;
    return Ipv4(*v);
}

void Options::set_u8(uint8_t code, uint8_t v) {
    set(code, Bytes(&v, 1));
}

void Options::set_u32(uint8_t code, uint32_t v) {
    std::array<uint8_t, 4> b{};
    Writer w{std::span<uint8_t>(b)};
    w.u32(v);
    set(code, Bytes(b));
}

void Options::set_ipv4(uint8_t code, Ipv4 v) {
    set_u32(code, v.value);
}

void Options::set_ipv4_list(uint8_t code, const std::vector<Ipv4>& list) {
    // Built in place: the list may be longer than one option instance (RFC 3396).
    set(code, Bytes());
    for (Ipv4 a : list) {
        std::array<uint8_t, 4> b{};
        Writer w{std::span<uint8_t>(b)};
        w.u32(a.value);
        append(code, Bytes(b));
    }
}

// Equal when the same codes appear in the same order with the same values: the order is
// part of the value because encode() writes options in codes() order.
bool Options::operator==(const Options& other) const {
    if (order_ != other.order_) return false;
    for (uint8_t code : order_) {
        Bytes a = *get(code);
        Bytes b = *other.get(code);
        if (a.size() != b.size()) return false;
        if (!a.empty() && std::memcmp(a.data(), b.data(), a.size()) != 0) return false;
    }
    return true;
}

std::optional<MessageType> Message::type() const {
    auto v = options.get_u8(opt::kMessageType);
    if (!v || *v < 1 || *v > 8) return std::nullopt;
    return static_cast<MessageType>(*v);
}

Mac Message::mac() const {
    Mac m;
    std::copy_n(chaddr.begin(), m.octets.size(), m.octets.begin());
    return m;
}

void Message::set_mac(const Mac& m) {
    chaddr.fill(0);
    std::copy(m.octets.begin(), m.octets.end(), chaddr.begin());
}

}  // namespace leasedns::dhcp
