// UTF-8 validation (RFC 3629 §4), shared by the configuration reader and the control
// protocol's JSON.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace leasedns {

struct Utf8Char {
    size_t length = 0;  // 0: not a valid sequence
    uint32_t code_point = 0;
};

// The sequence at s[i]: no overlong forms, no surrogates, nothing above U+10FFFF.
inline Utf8Char decode_utf8(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    if (c < 0x80) return {1, c};
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return {};
    }
    if (i + len > s.size()) return {};
    for (size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return {};
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return {};
    return {len, cp};
}

}  // namespace leasedns
