#include "leasedns/http/fields.hpp"

#include <cstdint>

namespace leasedns::http {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool has_control(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;  // fewer than two digits left
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return std::nullopt;
            out.push_back(decoded);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<std::vector<QueryParam>> parse_query(std::string_view query) {
    std::vector<QueryParam> out;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (piece.empty()) continue;
        size_t eq = piece.find('=');
        auto name = percent_decode(piece.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
        if (!name || !value) return std::nullopt;
        out.push_back(QueryParam{std::move(*name), std::move(*value)});
    }
    return out;
}

const std::string* find_param(const std::vector<QueryParam>& params, std::string_view name) {
    for (const auto& p : params)
        if (p.name == name) return &p.value;
    return nullptr;
}

std::optional<Authorization> parse_authorization(std::string_view value) {
    value = trim_blanks(value);
    size_t end = 0;
    // The scheme is a token (RFC 9110 §11.1).
    while (end < value.size() && value[end] != ' ' && value[end] != '\t') ++end;
    std::string_view scheme = value.substr(0, end);
    if (scheme.empty()) return std::nullopt;
    Authorization a;
    for (char c : scheme) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!ok) return std::nullopt;
        a.scheme.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    a.credentials = std::string(trim_blanks(value.substr(end)));
    return a;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) return std::nullopt;  // data after padding
            v[k] = base64_value(c);
            if (v[k] < 0) return std::nullopt;
        }
        uint32_t bits = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) |
                        uint32_t(v[3]);
        // RFC 4648 §3.5: the bits a padded group does not use must be zero.
        if ((pad == 1 && (bits & 0xff) != 0) || (pad == 2 && (bits & 0xffff) != 0))
            return std::nullopt;
        out.push_back(static_cast<char>(bits >> 16));
        if (pad < 2) out.push_back(static_cast<char>((bits >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(bits & 0xff));
    }
    return out;
}

std::optional<BasicCredentials> decode_basic(std::string_view credentials) {
    auto decoded = base64_decode(credentials);
    if (!decoded) return std::nullopt;
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    BasicCredentials c{decoded->substr(0, colon), decoded->substr(colon + 1)};
    if (has_control(c.user) || has_control(c.password)) return std::nullopt;
    return c;
}

}  // namespace leasedns::http
