#include "leasedns/control/protocol.hpp"

#include <vector>

#include "leasedns/control/json.hpp"

namespace leasedns::control {

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
        if (words.size() > 8) break;  // enough to say "too many arguments"
    }
    return words;
}

bool has_control_bytes(std::string_view line) {
    for (char c : line) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F) return true;
    }
    return false;
}

struct Simple {
    std::string_view word;
    Command command;
};
constexpr Simple kSimple[] = {
    {"help", Command::Help},     {"version", Command::Version}, {"leases", Command::Leases},
    {"hosts", Command::Hosts},   {"records", Command::Records}, {"stats", Command::Stats},
    {"reload", Command::Reload},
};

Err<std::string> error(std::string message) {
    return Err<std::string>(std::move(message));
}

}  // namespace

std::string quote_untrusted(std::string_view text, size_t max) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    size_t n = std::min(text.size(), max);
    for (size_t i = 0; i < n; ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (u >= 0x20 && u < 0x7F && u != '\\') {
            out += static_cast<char>(u);
        } else {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    if (text.size() > max) out += "...";
    return out;
}

std::string_view command_summary() {
    return "leases, lease release ADDR, hosts, records, stats, reload, version, help";
}

Result<Request, std::string> parse_request(std::string_view line) {
    if (line.size() > kMaxRequestBytes) return error("request too long");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (has_control_bytes(line)) return error("request contains control characters");
    auto words = split_words(line);
    if (words.empty())
        return error("empty request (commands: " + std::string(command_summary()) + ")");
    std::string_view verb = words[0];
    for (const auto& s : kSimple) {
        if (verb != s.word) continue;
        if (words.size() > 1) return error("'" + std::string(s.word) + "' takes no arguments");
        Request r;
        r.command = s.command;
        return r;
    }
    if (verb == "lease") {
        if (words.size() < 2) return error("'lease' needs a subcommand: lease release ADDR");
        if (words[1] != "release")
            return error("unknown lease subcommand '" + quote_untrusted(words[1]) +
                         "' (use: lease release ADDR)");
        if (words.size() < 3) return error("'lease release' needs an IPv4 address");
        if (words.size() > 3) return error("'lease release' takes one address");
        auto addr = Ipv4::parse(words[2]);
        if (!addr) return error("not an IPv4 address: '" + quote_untrusted(words[2]) + "'");
        Request r;
        r.command = Command::LeaseRelease;
        r.addr = *addr;
        return r;
    }
    return error("unknown command '" + quote_untrusted(verb) +
                 "' (commands: " + std::string(command_summary()) + ")");
}

std::string ok_response(std::string_view result_json) {
    std::string out = "{\"ok\":true,\"result\":";
    out += result_json;
    out += "}\n";
    return out;
}

std::string error_response(std::string_view message) {
    std::string out = "{\"ok\":false,\"error\":";
    append_json_string(out, message);
    out += "}\n";
    return out;
}

}  // namespace leasedns::control
