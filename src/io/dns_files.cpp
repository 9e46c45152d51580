#include "dns_files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace leasedns::io {

namespace {

constexpr size_t kMaxWarningsLogged = 20;  // per file: a broken file must not flood the log
constexpr std::streamoff kMaxFileSize = 256 << 20;

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    if (size > kMaxFileSize) {
        error = "larger than 256 MiB";
        return std::nullopt;
    }
    in.seekg(0);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

std::vector<dns::Endpoint> read_resolv_servers(const config::Config& config, const Log& log) {
    if (config.no_resolv) return {};
    std::string error;
    auto text = read_file(config.resolv_file, error);
    if (!text) {
        log.warning("DNS-RESOLV-UNREADABLE", "cannot read " + config.resolv_file + ": " + error +
                                                 "; no upstream servers from it");
        return {};
    }
    auto servers = dns::parse_resolv_conf(*text);
    if (servers.empty())
        log.warning("DNS-RESOLV-EMPTY", "no IPv4 nameserver in " + config.resolv_file);
    return servers;
}

std::vector<dns::HostsFile> read_hosts_files(const config::Config& config, const Log& log,
                                             const std::string& etc_hosts) {
    std::vector<std::string> paths;
    if (!config.no_hosts) paths.push_back(etc_hosts);
    paths.insert(paths.end(), config.addn_hosts.begin(), config.addn_hosts.end());
    std::vector<dns::HostsFile> files;
    for (const auto& path : paths) {
        std::string error;
        auto text = read_file(path, error);
        if (!text) {
            log.warning("DNS-HOSTS-UNREADABLE", "cannot read hosts file " + path + ": " + error);
            continue;
        }
        dns::HostsFile f = dns::parse_hosts_file(path, *text);
        size_t names = 0;
        for (const auto& e : f.entries) names += e.names.size();
        for (size_t i = 0; i < f.warnings.size() && i < kMaxWarningsLogged; ++i)
            log.warning("DNS-HOSTS-LINE", f.warnings[i]);
        if (f.warnings.size() > kMaxWarningsLogged)
            log.warning("DNS-HOSTS-LINE",
                        path + ": " + std::to_string(f.warnings.size() - kMaxWarningsLogged) +
                            " more lines skipped");
        log.info("DNS-HOSTS", "read " + path + " - " + std::to_string(names) + " names");
        files.push_back(std::move(f));
    }
    return files;
}

}  // namespace leasedns::io
