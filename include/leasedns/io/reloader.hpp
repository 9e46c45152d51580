// Configuration reload (SIGHUP, `leasectl reload`): the command line given at start-up is
// read again (TOML file, conf-files, hosts files), validated as at start-up, and what can
// change while running is applied to the DHCP server and the DNS service without losing a
// lease or a query in flight. An invalid configuration is refused whole: the running one
// stays. Settings bound to sockets and files opened at start-up (interfaces, listen
// addresses, ports, lease file, state directory, control socket, user...) keep their
// running values, with a RELOAD-RESTART-NEEDED line for each one that changed.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/log.hpp"

namespace leasedns::io {

class DhcpServer;
class DnsService;

// What a reload applies: `applied` is the new configuration with the restart-only
// settings put back to their running values; `restart_needed` names those that differed
// ("interfaces", "dns-port", ...). Pure.
struct ReloadPlan {
    config::Config applied;
    std::vector<std::string> restart_needed;
};
ReloadPlan plan_reload(const config::Config& running, const config::Config& loaded);

class Reloader {
public:
    using ListInterfaces = std::function<std::vector<config::InterfaceAddress>()>;

    // `args`: argv without argv[0], as given at start-up. `dhcp` and `dns` may be null
    // (not running); they must outlive the Reloader.
    Reloader(std::vector<std::string> args, const config::Config& running, DhcpServer* dhcp,
             DnsService* dns, const Log& log, ListInterfaces list_interfaces);

    // Re-reads and applies. Returns "" on success, else the error, which is also logged
    // as RELOAD-FAILED (the running configuration is untouched then).
    std::string reload();

    // Called after each successful reload with the configuration now in force, for those
    // that keep a reference to it (the control socket's backend): the previous one is
    // freed right after.
    void on_applied(std::function<void(const config::Config&)> fn) { on_applied_ = std::move(fn); }

    // The configuration in force (the start-up one until a reload succeeds); valid until
    // the next successful reload.
    const config::Config& current() const { return *current_; }
    uint64_t reloads() const { return reloads_; }

private:
    std::vector<std::string> args_;
    std::shared_ptr<const config::Config> current_;
    DhcpServer* dhcp_;
    DnsService* dns_;
    Log log_;
    ListInterfaces list_interfaces_;
    std::function<void(const config::Config&)> on_applied_;
    uint64_t reloads_ = 0;
};

}  // namespace leasedns::io
