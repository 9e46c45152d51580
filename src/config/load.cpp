// The configuration pipeline: command line -> TOML file -> dnsmasq conf-files -> merged
// Draft -> Config. Later sources override earlier ones (flags win over files).
#include "leasedns/config/load.hpp"

#include <sys/stat.h>

#include "option_table.hpp"
#include "sources.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

Result<Loaded, ConfigError> load(const std::vector<std::string>& args,
                                 const std::vector<InterfaceAddress>& interfaces,
                                 const std::string& default_config_path) {
    auto cmdline = parse_command_line(args);
    if (!cmdline) return Err{cmdline.error()};
    Loaded out;
    out.invocation = cmdline->invocation;
    if (out.invocation.show_help || out.invocation.show_version) return out;

    Draft merged;
    std::string toml_path = out.invocation.config_file;
    if (toml_path.empty() && !default_config_path.empty() && file_exists(default_config_path))
        toml_path = default_config_path;
    if (!toml_path.empty()) {
        auto text = read_text_file(toml_path);
        if (!text) return Err{ConfigError{text.error()}};
        auto draft = read_toml_text(*text, toml_path);
        if (!draft) return Err{draft.error()};
        merged = std::move(*draft);
    }
    if (!cmdline->conf_files.empty()) {
        Draft from_files;
        for (const auto& [path, origin] : cmdline->conf_files) {
            if (auto e = read_dnsmasq_file(path, from_files))
                return Err{ConfigError{origin.error(*e)}};
        }
        merge(merged, from_files);
    }
    merge(merged, cmdline->draft);
    auto config = assemble(merged, interfaces);
    if (!config) return Err{config.error()};
    out.config = std::move(*config);
    return out;
}

Result<Config, ConfigError> load_toml_text(std::string_view text, const std::string& file_name,
                                           const std::vector<InterfaceAddress>& interfaces) {
    auto draft = read_toml_text(text, file_name);
    if (!draft) return Err{draft.error()};
    return assemble(*draft, interfaces);
}

Result<Config, ConfigError> load_dnsmasq_text(std::string_view text, const std::string& file_name,
                                              const std::vector<InterfaceAddress>& interfaces) {
    Draft draft;
    if (auto e = read_dnsmasq_text(text, file_name, draft, nullptr)) return Err{ConfigError{*e}};
    return assemble(draft, interfaces);
}

std::string help_text() {
    std::string out =
        "Usage: leasedns [OPTION...]\n"
        "DHCPv4 server with an integrated DNS server. Options follow dnsmasq's syntax;\n"
        "--flag=VALUE and --flag VALUE are both accepted. See leasedns(8).\n\n";
    for (const auto& spec : option_specs()) {
        std::string left = "  ";
        left += spec.short_name ? std::string("-") + spec.short_name + ", " : "    ";
        left += "--" + std::string(spec.name);
        if (!spec.metavar.empty())
            left += (spec.arg == ArgKind::Optional ? "[=" : "=") + std::string(spec.metavar) +
                    (spec.arg == ArgKind::Optional ? "]" : "");
        if (left.size() < 40) {
            left.resize(40, ' ');
        } else {
            left += "\n" + std::string(40, ' ');
        }
        out += left + std::string(spec.help) + "\n";
    }
    return out;
}

}  // namespace leasedns::config
