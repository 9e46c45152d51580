#include "leasedns/io/reloader.hpp"

#include <exception>
#include <utility>

#include "leasedns/config/load.hpp"
#include "leasedns/io/dhcp_server.hpp"
#include "leasedns/io/dns_service.hpp"
#include "leasedns/io/service_notify.hpp"

namespace leasedns::io {

namespace {

// Puts the running value of one restart-only setting back, noting it when it differed.
template <typename T>
void keep_running(const T& running, T& loaded, const char* name, std::vector<std::string>& out) {
    if (running == loaded) return;
    loaded = running;
    out.emplace_back(name);
}

}  // namespace

ReloadPlan plan_reload(const config::Config& running, const config::Config& loaded) {
    ReloadPlan plan{loaded, {}};
    config::Config& next = plan.applied;
    auto& out = plan.restart_needed;
    // The sockets: bound at start-up (and possibly as root, before -u dropped privileges).
    keep_running(running.interfaces, next.interfaces, "interface", out);
    keep_running(running.except_interfaces, next.except_interfaces, "except-interface", out);
    keep_running(running.listen_addresses, next.listen_addresses, "listen-address", out);
    keep_running(running.bind_interfaces, next.bind_interfaces, "bind-interfaces", out);
    keep_running(running.dns_port, next.dns_port, "port", out);
    keep_running(running.control_socket, next.control_socket, "control-socket", out);
    keep_running(running.metrics_listen, next.metrics_listen, "metrics-listen", out);
    // The files and the process: opened or applied once.
    if (running.effective_lease_file() != next.effective_lease_file() ||
        running.state_dir != next.state_dir) {
        next.lease_file = running.lease_file;
        next.state_dir = running.state_dir;
        out.emplace_back("dhcp-leasefile/state-dir");
    }
    keep_running(running.pid_file, next.pid_file, "pid-file", out);
    keep_running(running.user, next.user, "user", out);
    keep_running(running.dhcp_script, next.dhcp_script, "dhcp-script", out);
    keep_running(running.log_facility, next.log_facility, "log-facility", out);
    keep_running(running.ping_timeout_ms, next.ping_timeout_ms, "ping-timeout", out);
    // Imported once at start-up; a different file now means nothing to a running server.
    next.import_leases = running.import_leases;
    // DHCP started without any range has no socket: ranges cannot be added live.
    if (!running.dhcp_enabled && next.dhcp_enabled) {
        next.ranges.clear();
        next.dhcp_enabled = false;
        out.emplace_back("dhcp-range (DHCP was off at start-up)");
    }
    return plan;
}

Reloader::Reloader(std::vector<std::string> args, const config::Config& running, DhcpServer* dhcp,
                   DnsService* dns, const Log& log, ListInterfaces list_interfaces)
    : args_(std::move(args)),
      current_(std::make_shared<const config::Config>(running)),
      dhcp_(dhcp),
      dns_(dns),
      log_(log),
      list_interfaces_(std::move(list_interfaces)) {}

std::string Reloader::reload() {
    notify_reloading();
    log_.notice("RELOADING", "re-reading the configuration");
    auto loaded = config::load(args_, list_interfaces_());
    if (!loaded) {
        std::string error = loaded.error().message;
        log_.error("RELOAD-FAILED", error + " (the running configuration stays)");
        notify_ready();
        return error;
    }
    ReloadPlan plan = plan_reload(*current_, loaded->config);
    for (const auto& setting : plan.restart_needed)
        log_.warning("RELOAD-RESTART-NEEDED", setting + " changed; restart to apply");
    auto next = std::make_shared<const config::Config>(std::move(plan.applied));
    try {
        if (dhcp_) dhcp_->reconfigure(*next);
        if (dns_) dns_->reconfigure(*next);
    } catch (const std::exception& e) {
        // Whatever was applied goes back to the running configuration.
        std::string error = std::string("applying it failed: ") + e.what();
        log_.error("RELOAD-FAILED", error + " (the running configuration stays)");
        try {
            if (dhcp_) dhcp_->reconfigure(*current_);
            if (dns_) dns_->reconfigure(*current_);
        } catch (const std::exception& again) {
            log_.error("RELOAD-ROLLBACK-FAILED", again.what());
        }
        notify_ready();
        return error;
    }
    std::swap(current_, next);  // `next` holds the previous configuration until the end
    if (on_applied_) on_applied_(*current_);
    ++reloads_;
    const config::Config& c = *current_;
    log_.notice("RELOADED",
                "configuration applied: " + std::to_string(c.ranges.size()) + " ranges, " +
                    std::to_string(c.reservations.size()) + " reservations, " +
                    std::to_string(c.host_records.size()) + " host records; leases kept" +
                    (plan.restart_needed.empty() ? "" : "; some settings need a restart"));
    notify_ready();
    return {};
}

}  // namespace leasedns::io
