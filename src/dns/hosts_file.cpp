// /etc/hosts format (hosts(5)): "ADDRESS NAME [ALIAS...]", '#' starts a comment, fields
// separated by blanks. Parsing never fails as a whole: a bad line or a bad name is
// skipped with a "path:line: reason" warning, as dnsmasq does, so that one typo in a
// hosts file cannot take the DNS service down.
#include <cctype>
#include <string>
#include <vector>

#include "zone_data.hpp"

namespace leasedns::dns {

namespace detail {

namespace {

std::optional<uint16_t> hex_group(std::string_view text) {
    if (text.empty() || text.size() > 4) return std::nullopt;
    uint16_t v = 0;
    for (char c : text) {
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        v = static_cast<uint16_t>(v * 16 + digit);
    }
    return v;
}

// Groups of one side of "::" (or of the whole address), appended to `out`; a dotted
// IPv4 tail counts as two groups and is only allowed as the very last field.
bool parse_groups(std::string_view text, bool tail_allowed, std::vector<uint16_t>& out) {
    if (text.empty()) return true;
    size_t start = 0;
    while (true) {
        size_t colon = text.find(':', start);
        std::string_view field = text.substr(
            start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        bool last = colon == std::string_view::npos;
        if (last && tail_allowed && field.find('.') != std::string_view::npos) {
            auto v4 = Ipv4::parse(field);
            if (!v4) return false;
            out.push_back(static_cast<uint16_t>(v4->value >> 16));
            out.push_back(static_cast<uint16_t>(v4->value & 0xffff));
            return true;
        }
        auto group = hex_group(field);
        if (!group) return false;
        out.push_back(*group);
        if (last) return true;
        start = colon + 1;
    }
}

}  // namespace

std::optional<Ipv6> parse_ipv6(std::string_view text) {
    if (text.empty() || text.size() > 45) return std::nullopt;
    std::vector<uint16_t> head, tail;
    size_t gap = text.find("::");
    bool compressed = gap != std::string_view::npos;
    if (compressed) {
        if (text.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
        if (!parse_groups(text.substr(0, gap), false, head)) return std::nullopt;
        if (!parse_groups(text.substr(gap + 2), true, tail)) return std::nullopt;
        if (head.size() + tail.size() > 7) return std::nullopt;
    } else {
        if (!parse_groups(text, true, head) || head.size() != 8) return std::nullopt;
    }
    Ipv6 out{};
    for (size_t i = 0; i < head.size(); ++i) {
        out[2 * i] = static_cast<uint8_t>(head[i] >> 8);
        out[2 * i + 1] = static_cast<uint8_t>(head[i]);
    }
    size_t at = 8 - tail.size();
    for (size_t i = 0; i < tail.size(); ++i) {
        out[2 * (at + i)] = static_cast<uint8_t>(tail[i] >> 8);
        out[2 * (at + i) + 1] = static_cast<uint8_t>(tail[i]);
    }
    return out;
}

std::string format_ipv6(const Ipv6& addr) {
    uint16_t groups[8];
    for (size_t i = 0; i < 8; ++i)
        groups[i] = static_cast<uint16_t>(addr[2 * i] << 8 | addr[2 * i + 1]);
    // RFC 5952 §4.2: the longest run of two or more zero groups (the first if tied).
    int best_start = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) best_start = i, best_len = j - i;
        i = j;
    }
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        uint16_t g = groups[i];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (g >> shift) & 0xf;
            if (digit == 0 && !started && shift != 0) continue;
            started = true;
            out += kHex[digit];
        }
    }
    return out;
}

}  // namespace detail

namespace {

// LDH-ish (RFC 952/1123, plus '_' which real hosts files contain): labels of 1-63
// octets, not starting or ending with '-', at most 253 octets in all. A trailing dot
// is accepted and dropped. Returns the reason when the name is not acceptable.
std::optional<std::string> check_host_name(std::string_view name) {
    if (name.size() > 253) return std::string("name longer than 253 octets");
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        std::string_view label = name.substr(start, dot - start);
        if (label.empty()) return std::string("empty label");
        if (label.size() > 63) return std::string("label longer than 63 octets");
        if (label.front() == '-' || label.back() == '-')
            return std::string("label starts or ends with '-'");
        for (char c : label) {
            auto u = static_cast<unsigned char>(c);
            if (!std::isalnum(u) && c != '-' && c != '_')
                return std::string("character not allowed in a host name");
        }
        start = dot + 1;
    }
    return std::nullopt;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i])) ++i;
        size_t start = i;
        while (i < line.size() && !is_blank(line[i])) ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

}  // namespace

HostsFile parse_hosts_file(std::string_view path, std::string_view text) {
    HostsFile file;
    file.path = std::string(path);
    size_t line_start = 0;
    for (size_t line_number = 1; line_start < text.size(); ++line_number) {
        size_t end = text.find('\n', line_start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(line_start, end - line_start);
        line_start = end + 1;
        if (size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        auto fields = split_fields(line);
        if (fields.empty()) continue;

        auto warn = [&](const std::string& reason) {
            file.warnings.push_back(file.path + ":" + std::to_string(line_number) + ": " + reason);
        };
        std::string_view address = fields[0];
        bool v4 = Ipv4::parse(address).has_value();
        // A zone id ("fe80::1%eth0") has no meaning for a DNS answer.
        if (!v4 && !detail::parse_ipv6(address)) {
            warn("'" + std::string(address) + "' is not an IPv4 or IPv6 address");
            continue;
        }
        HostsEntry entry;
        entry.address = std::string(address);
        for (size_t i = 1; i < fields.size(); ++i) {
            std::string_view name = fields[i];
            if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
            if (auto why = check_host_name(name)) {
                warn("'" + std::string(fields[i]) + "': " + *why);
                continue;
            }
            entry.names.emplace_back(name);
        }
        if (entry.names.empty()) {
            if (fields.size() == 1) warn("no host name after the address");
            continue;
        }
        file.entries.push_back(std::move(entry));
    }
    return file;
}

}  // namespace leasedns::dns
