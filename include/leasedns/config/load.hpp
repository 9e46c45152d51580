// Turning flags, a TOML file and/or a dnsmasq conf-file into one validated Config.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/result.hpp"

namespace leasedns::config {

// Error text names the source precisely: "leasedns.toml:12:5: dhcp.ranges[0].start: ...",
// "--dhcp-range: ...", "dnsmasq.conf:7: ...". One error at a time, the first found.
struct ConfigError {
    std::string message;
};

// What the command line asked the program to do, besides configuring it.
struct Invocation {
    bool test_only = false;     // --test
    bool print_config = false;  // --print-config
    bool show_help = false;     // --help
    bool show_version = false;  // --version
    std::string config_file;    // --config, empty = default if present
};

struct Loaded {
    Invocation invocation;
    Config config;
};

// Reads everything: argv (without argv[0]) is parsed; the TOML file (--config, or
// /etc/leasedns/leasedns.toml if it exists and no --config given), and any --conf-file
// (dnsmasq syntax) are read; flags override the files; then the result is resolved
// against `interfaces` (derives subnets, default range for `-i IFACE` alone) and
// validated. `default_config_path` is a parameter so tests do not read /etc.
Result<Loaded, ConfigError> load(
    const std::vector<std::string>& args, const std::vector<InterfaceAddress>& interfaces,
    const std::string& default_config_path = "/etc/leasedns/leasedns.toml");

// One source given as text, resolved and validated (unit tests and fuzz targets).
Result<Config, ConfigError> load_toml_text(std::string_view text, const std::string& file_name,
                                           const std::vector<InterfaceAddress>& interfaces);
Result<Config, ConfigError> load_dnsmasq_text(std::string_view text, const std::string& file_name,
                                              const std::vector<InterfaceAddress>& interfaces);

// The effective configuration as TOML that load() accepts back (--print-config).
std::string to_toml(const Config& config);

// --help text: every flag, one line each.
std::string help_text();

}  // namespace leasedns::config
