#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <charconv>

#include "leasedns/config/config.hpp"
#include "leasedns/core/utf8.hpp"

namespace leasedns::config {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<std::string, std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Err{path + ": cannot read: " + std::strerror(errno)};
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::vector<std::string> split_fields(std::string_view text) {
    std::vector<std::string> fields;
    if (trim(text).empty()) return fields;
    bool quoted = false;
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted && c == '\\' && i + 1 < text.size()) {
            ++i;  // an escaped character never ends the quote
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.emplace_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    fields.emplace_back(trim(text.substr(start)));
    return fields;
}

Result<std::string, std::string> unquote(std::string_view text) {
    std::string out;
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted && c == '\\' && i + 1 < text.size()) {
            char e = text[++i];
            switch (e) {
                case 't':
                    out += '\t';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'e':
                    out += '\x1b';
                    break;
                case 'b':
                    out += '\b';
                    break;
                default:
                    out += e;
                    break;  // \\ and \" and anything else: the character
            }
            continue;
        }
        out += c;
    }
    if (quoted) return Err{std::string("unterminated quote")};
    return out;
}

std::optional<std::string> check_text(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return std::string("contains a control character");
            ++i;
            continue;
        }
        auto [len, cp] = decode_utf8(text, i);
        if (len == 0) return std::string("is not valid UTF-8");
        if (cp >= 0x80 && cp <= 0x9f) return std::string("contains a control character");
        i += len;
    }
    return std::nullopt;
}

bool looks_like_lease_time(std::string_view text) {
    if (to_lower(text) == "infinite") return true;
    if (text.empty() || !is_digit(text[0])) return false;
    size_t i = 0;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == text.size()) return true;
    return i + 1 == text.size() &&
           std::string_view("smhdwSMHDW").find(text[i]) != std::string_view::npos;
}

Result<uint32_t, std::string> parse_lease_time(std::string_view text) {
    auto bad = [&] {
        return Err{"'" + std::string(text) +
                   "' is not a lease time (use seconds, 45s, 2m, 12h, 1d, 1w or infinite)"};
    };
    if (to_lower(text) == "infinite") return kInfiniteLease;
    if (!looks_like_lease_time(text)) return bad();
    uint64_t unit = 1;
    std::string_view digits = text;
    switch (text.back()) {
        case 's':
        case 'S':
            unit = 1;
            break;
        case 'm':
        case 'M':
            unit = 60;
            break;
        case 'h':
        case 'H':
            unit = 3600;
            break;
        case 'd':
        case 'D':
            unit = 86400;
            break;
        case 'w':
        case 'W':
            unit = 604800;
            break;
        default:
            unit = 0;
            break;
    }
    if (unit != 0) {
        digits.remove_suffix(1);
    } else {
        unit = 1;
    }
    auto n = parse_uint(digits, 0xffffffffull);
    if (!n || *n * unit >= kInfiniteLease) {
        return Err{"lease time '" + std::string(text) +
                   "' is too long (the longest finite one is 4294967294 seconds; "
                   "use infinite)"};
    }
    return static_cast<uint32_t>(*n * unit);
}

std::string format_lease_time(uint32_t seconds) {
    if (seconds == kInfiniteLease) return "infinite";
    if (seconds == 0) return "0";
    struct Unit {
        uint32_t size;
        char suffix;
    };
    for (Unit u : {Unit{604800, 'w'}, Unit{86400, 'd'}, Unit{3600, 'h'}, Unit{60, 'm'}}) {
        if (seconds % u.size == 0) return std::to_string(seconds / u.size) + u.suffix;
    }
    return std::to_string(seconds) + "s";
}

std::optional<uint64_t> parse_uint(std::string_view text, uint64_t max) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
    }
    uint64_t value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

Result<std::string, std::string> normalize_domain(std::string_view text) {
    std::string name = to_lower(trim(text));
    if (!name.empty() && name.back() == '.') name.pop_back();
    auto bad = [&](const std::string& why) {
        return Err{"'" + std::string(text) + "' is not a valid domain name: " + why};
    };
    if (name.empty()) return bad("empty");
    // RFC 1035 §2.3.4: 255 octets on the wire, so 253 characters in text form.
    if (name.size() > 253) return bad("longer than 253 characters");
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        std::string_view label(name.data() + start, dot - start);
        if (label.empty()) return bad("empty label");
        if (label.size() > 63) return bad("label longer than 63 characters");
        for (char c : label) {
            bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
            if (!ok) return bad("only letters, digits, '-' and '_' are allowed in labels");
        }
        if (label.front() == '-' || label.back() == '-')
            return bad("a label cannot start or end with '-'");
        start = dot + 1;
    }
    return name;
}

std::optional<std::vector<uint8_t>> parse_hex_bytes(std::string_view text) {
    std::vector<uint8_t> out;
    if (text.empty()) return std::nullopt;
    size_t i = 0;
    while (true) {
        size_t digits = 0;
        int value = 0;
        while (i < text.size() && digits < 3 && hex_value(text[i]) >= 0) {
            value = value * 16 + hex_value(text[i]);
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 2) return std::nullopt;
        out.push_back(static_cast<uint8_t>(value));
        if (i == text.size()) return out;
        if (text[i] != ':') return std::nullopt;
        ++i;
    }
}

std::string format_hex(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += ':';
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0xf];
    }
    return out;
}

Result<std::vector<uint8_t>, std::string> parse_client_id(std::string_view text) {
    if (text.empty()) return Err{std::string("empty client identifier")};
    if (text == "*") {
        return Err{
            std::string("id:* (ignore client identifiers for this host) is not supported yet")};
    }
    // RFC 2132 §9.14: the option is at most 255 octets, type included.
    if (auto hex = parse_hex_bytes(text)) {
        if (hex->size() > 255) return Err{std::string("client identifier longer than 255 bytes")};
        return *hex;
    }
    if (text.size() > 255) return Err{std::string("client identifier longer than 255 bytes")};
    return std::vector<uint8_t>(text.begin(), text.end());
}

Result<SlashedDomains, std::string> parse_slashed_domains(std::string_view text) {
    SlashedDomains out;
    if (text.empty() || text.front() != '/') {
        out.rest = text;
        return out;
    }
    size_t last = text.rfind('/');
    if (last == 0) return Err{"'" + std::string(text) + "': missing the closing '/'"};
    std::string_view inner = text.substr(1, last - 1);
    size_t start = 0;
    while (true) {
        size_t slash = inner.find('/', start);
        if (slash == std::string_view::npos) {
            out.domains.emplace_back(inner.substr(start));
            break;
        }
        out.domains.emplace_back(inner.substr(start, slash - start));
        start = slash + 1;
    }
    out.rest = text.substr(last + 1);
    return out;
}

}  // namespace leasedns::config
