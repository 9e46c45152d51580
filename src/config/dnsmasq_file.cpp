// dnsmasq's conf-file syntax (dnsmasq(8), "CONFIG FILE"): one option per line, written
// as its long name without the dashes, "name=value" or "name" alone; blank lines and
// comments ('#' at the start of a line or after a blank, outside quotes) are skipped.
// conf-file= includes another file at that point.

#include "option_table.hpp"
#include "sources.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

constexpr int kMaxIncludeDepth = 16;

// The line without its comment. Quotes are kept: the option's reader unquotes.
std::string_view strip_comment(std::string_view line) {
    bool quoted = false, after_blank = true;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\\' && quoted && i + 1 < line.size()) {
            ++i;
            continue;
        }
        if (c == '"') quoted = !quoted;
        if (c == '#' && !quoted && after_blank) return line.substr(0, i);
        after_blank = (c == ' ' || c == '\t');
    }
    return line;
}

std::optional<std::string> read_file_at_depth(const std::string& path, Draft& draft, int depth);

std::optional<std::string> read_text_at_depth(std::string_view text, const std::string& file_name,
                                              Draft& draft, const IncludeReader& include) {
    ApplyContext ctx{draft, nullptr, include};
    uint32_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view raw =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++line_no;
        std::string_view line = trim(strip_comment(raw));
        if (line.empty()) continue;
        std::string_view name = line;
        std::optional<std::string_view> value;
        size_t eq = line.find('=');
        if (eq != std::string_view::npos) {
            name = trim(line.substr(0, eq));
            value = trim(line.substr(eq + 1));
        }
        // dnsmasq accepts "--name" in files too.
        if (name.substr(0, 2) == "--") name.remove_prefix(2);
        Origin origin = Origin::dnsmasq_file(file_name, line_no, name);
        const OptionSpec* spec = find_long_option(name);
        if (!spec) {
            if (auto why = check_text(name)) return origin.error("option name " + *why);
            if (is_unsupported_dnsmasq_option(name))
                return origin.error("this dnsmasq option is not supported by leasedns");
            return origin.error("unknown option (see leasedns --help)");
        }
        if (auto e = apply_option(*spec, value, origin, ctx)) return origin.error(*e);
    }
    return std::nullopt;
}

std::optional<std::string> read_file_at_depth(const std::string& path, Draft& draft, int depth) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    IncludeReader include = [&draft, depth](const std::string& nested, const Origin& origin) {
        if (depth >= kMaxIncludeDepth)
            return std::optional<std::string>("conf-file nesting deeper than 16 (a loop?)");
        (void)origin;  // the caller prefixes the including line
        return read_file_at_depth(nested, draft, depth + 1);
    };
    return read_text_at_depth(*text, path, draft, include);
}

}  // namespace

std::optional<std::string> read_dnsmasq_text(std::string_view text, const std::string& file_name,
                                             Draft& draft, const IncludeReader& include) {
    return read_text_at_depth(text, file_name, draft, include);
}

std::optional<std::string> read_dnsmasq_file(const std::string& path, Draft& draft) {
    return read_file_at_depth(path, draft, 0);
}

}  // namespace leasedns::config
