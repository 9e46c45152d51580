// The files the DNS half reads at start and on SIGHUP: resolv.conf (upstream servers)
// and the hosts files (/etc/hosts unless --no-hosts, every --addn-hosts). A file that
// cannot be read is a warning, never fatal (dnsmasq logs and continues).
#pragma once
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dns/forwarder.hpp"
#include "leasedns/dns/zone.hpp"

namespace leasedns::io {

// Empty when --no-resolv or the file cannot be read.
std::vector<dns::Endpoint> read_resolv_servers(const config::Config& config, const Log& log);
std::vector<dns::HostsFile> read_hosts_files(const config::Config& config, const Log& log,
                                             const std::string& etc_hosts = "/etc/hosts");

}  // namespace leasedns::io
