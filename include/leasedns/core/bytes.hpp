// Bounds-checked byte cursors with a sticky error (the shape of Knot's wire_ctx):
// a parser reads freely and checks ok() once at the end; no read ever leaves the span.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace leasedns {

using Bytes = std::span<const uint8_t>;

class Reader {
public:
    explicit Reader(Bytes data) : data_(data) {}

    bool ok() const { return ok_; }
    size_t pos() const { return pos_; }
    size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
    bool at_end() const { return remaining() == 0; }
    void fail() { ok_ = false; }

    uint8_t u8() {
        if (!need(1)) return 0;
        return data_[pos_++];
    }
    uint16_t u16() {
        if (!need(2)) return 0;
        uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t v = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
                     (uint32_t{data_[pos_ + 2]} << 8) | uint32_t{data_[pos_ + 3]};
        pos_ += 4;
        return v;
    }
    // Returns an empty span (and fails) if fewer than n bytes remain.
    Bytes bytes(size_t n) {
        if (!need(n)) return {};
        Bytes out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    void skip(size_t n) {
        if (need(n)) pos_ += n;
    }

private:
    bool need(size_t n) {
        if (!ok_ || data_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    Bytes data_;
    size_t pos_ = 0;
    bool ok_ = true;
};

// Writes into a caller-owned buffer; overflowing sets a sticky error instead of writing.
class Writer {
public:
    explicit Writer(std::span<uint8_t> buf) : buf_(buf) {}

    bool ok() const { return ok_; }
    size_t size() const { return pos_; }
    size_t remaining() const { return ok_ ? buf_.size() - pos_ : 0; }
    Bytes written() const { return Bytes(buf_.data(), pos_); }
    std::span<uint8_t> buffer() { return buf_; }

    void u8(uint8_t v) {
        if (need(1)) buf_[pos_++] = v;
    }
    void u16(uint16_t v) {
        if (!need(2)) return;
        buf_[pos_++] = static_cast<uint8_t>(v >> 8);
        buf_[pos_++] = static_cast<uint8_t>(v);
    }
    void u32(uint32_t v) {
        if (!need(4)) return;
        buf_[pos_++] = static_cast<uint8_t>(v >> 24);
        buf_[pos_++] = static_cast<uint8_t>(v >> 16);
        buf_[pos_++] = static_cast<uint8_t>(v >> 8);
        buf_[pos_++] = static_cast<uint8_t>(v);
    }
    void bytes(Bytes b) {
        if (b.empty() || !need(b.size())) return;
        std::memcpy(buf_.data() + pos_, b.data(), b.size());
        pos_ += b.size();
    }
    void zeros(size_t n) {
        if (!need(n)) return;
        std::memset(buf_.data() + pos_, 0, n);
        pos_ += n;
    }
    // Overwrites a byte already written (for length fields filled in afterwards).
    void patch_u8(size_t at, uint8_t v) {
        if (at < pos_) buf_[at] = v;
    }

private:
    bool need(size_t n) {
        if (!ok_ || buf_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    std::span<uint8_t> buf_;
    size_t pos_ = 0;
    bool ok_ = true;
};

inline Bytes as_bytes(std::string_view s) {
    return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace leasedns
