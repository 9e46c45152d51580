// The readers of the three configuration sources and the step that turns their merged
// Draft into a Config. load.cpp strings them together; the fuzz targets and the unit
// tests call them on text, without touching the file system.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "draft.hpp"
#include "leasedns/config/load.hpp"

namespace leasedns::config {

// The command line: options into a Draft, the rest into the Invocation; --conf-file
// paths are collected (read after the TOML file, so that flags still win).
struct CommandLine {
    Draft draft;
    Invocation invocation;
    std::vector<std::pair<std::string, Origin>> conf_files;
};
Result<CommandLine, ConfigError> parse_command_line(const std::vector<std::string>& args);

// dnsmasq's conf-file syntax: "option=value" or "option" per line, '#' comments.
// `include` reads a nested conf-file= (null: nesting is an error). Returns the first
// error, already prefixed with "FILE:LINE: option: ".
using IncludeReader =
    std::function<std::optional<std::string>(const std::string& path, const Origin& origin)>;
std::optional<std::string> read_dnsmasq_text(std::string_view text, const std::string& file_name,
                                             Draft& draft, const IncludeReader& include);
// Reads a file (and the files it includes, at most 16 deep).
std::optional<std::string> read_dnsmasq_file(const std::string& path, Draft& draft);

// The TOML file (leasedns.toml(5)). Errors carry "FILE:LINE:COLUMN: key: ".
Result<Draft, ConfigError> read_toml_text(std::string_view text, const std::string& file_name);

// Draft -> Config: defaults, the ranges resolved against the machine's interfaces (or a
// default range derived for `-i IFACE` alone), reservation names cleaned, options
// encoded, and everything checked against everything else.
Result<Config, ConfigError> assemble(const Draft& draft,
                                     const std::vector<InterfaceAddress>& interfaces);

}  // namespace leasedns::config
