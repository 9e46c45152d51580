// Builds raw DHCPv4 packets byte by byte, independently of the codec under test, so the
// tests state the wire format themselves (RFC 2131 §2 offsets).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "leasedns/core/bytes.hpp"

namespace leasedns::dhcp::test {

class PacketBuilder {
public:
    static constexpr size_t kSname = 44;
    static constexpr size_t kFile = 108;
    static constexpr size_t kOptions = 240;

    // A BOOTREQUEST from Ethernet MAC 02:00:00:00:00:01, xid 0x12345678, with the cookie.
    PacketBuilder() : bytes_(kOptions, 0) {
        bytes_[0] = 1;  // BOOTREQUEST
        bytes_[1] = 1;  // Ethernet
        bytes_[2] = 6;
        bytes_[4] = 0x12;
        bytes_[5] = 0x34;
        bytes_[6] = 0x56;
        bytes_[7] = 0x78;
        bytes_[28] = 0x02;
        bytes_[33] = 0x01;
        bytes_[236] = 99;
        bytes_[237] = 130;
        bytes_[238] = 83;
        bytes_[239] = 99;
    }

    PacketBuilder& at(size_t offset, uint8_t v) {
        bytes_[offset] = v;
        return *this;
    }
    // One option instance in the options field.
    PacketBuilder& option(uint8_t code, std::vector<uint8_t> value) {
        bytes_.push_back(code);
        bytes_.push_back(static_cast<uint8_t>(value.size()));
        bytes_.insert(bytes_.end(), value.begin(), value.end());
        return *this;
    }
    PacketBuilder& message_type(uint8_t t) { return option(53, {t}); }
    PacketBuilder& raw(std::initializer_list<uint8_t> b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
        return *this;
    }
    PacketBuilder& raw(const std::vector<uint8_t>& b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
        return *this;
    }
    PacketBuilder& end() { return raw({255}); }
    PacketBuilder& pad_to(size_t size) {
        if (bytes_.size() < size) bytes_.resize(size, 0);
        return *this;
    }
    // Raw bytes written into the sname (44..107) or file (108..235) field.
    PacketBuilder& in_sname(std::initializer_list<uint8_t> b) { return place(kSname, b); }
    PacketBuilder& in_file(std::initializer_list<uint8_t> b) { return place(kFile, b); }

    const std::vector<uint8_t>& bytes() const { return bytes_; }
    Bytes view() const { return Bytes(bytes_); }

private:
    PacketBuilder& place(size_t offset, std::initializer_list<uint8_t> b) {
        size_t i = offset;
        for (uint8_t v : b) bytes_[i++] = v;
        return *this;
    }
    std::vector<uint8_t> bytes_;
};

inline std::vector<uint8_t> text(std::string_view s) {
    return std::vector<uint8_t>(s.begin(), s.end());
}

inline std::vector<uint8_t> to_vector(std::optional<Bytes> b) {
    if (!b) return {};
    return std::vector<uint8_t>(b->begin(), b->end());
}

}  // namespace leasedns::dhcp::test
