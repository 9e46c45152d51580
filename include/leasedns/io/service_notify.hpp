// systemd's service notification protocol (sd_notify(3)) for a Type=notify unit:
// READY=1 once the sockets are bound and the leases loaded, STATUS= refreshed from the
// loop, RELOADING=1 ... READY=1 around a reload, STOPPING=1 on SIGTERM, and WATCHDOG=1
// keep-alives at half of WatchdogSec. The protocol is spoken directly (one datagram to
// the Unix socket named by $NOTIFY_SOCKET, a path or an '@' abstract name), without
// libsystemd; without $NOTIFY_SOCKET (not started by systemd) every call is a no-op.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "leasedns/core/log.hpp"

namespace leasedns::io {

// One-shot messages, usable from anywhere on the loop thread (the reload code calls
// notify_reloading() before and notify_ready() after re-reading the configuration).
void notify_ready();
void notify_reloading();
void notify_stopping();
void notify_status(const std::string& text);

// The periodic part: STATUS= every `status_interval_ms` and, when systemd asked for a
// watchdog (WATCHDOG_USEC set and WATCHDOG_PID ours), WATCHDOG=1 at half its period.
// Both are libuv timers on the main loop, so a loop that is stuck stops the keep-alives
// and systemd restarts the service (ROBUSTNESS D10). The timers are unref'd: they never
// keep the loop alive on their own.
class ServiceNotifier {
public:
    using StatusText = std::function<std::string()>;

    ServiceNotifier(uv_loop_t* loop, const Log& log, uint64_t status_interval_ms = 5000);
    ~ServiceNotifier();
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

    // Sends READY=1 with the first STATUS= and starts the timers. Call once, after every
    // socket is bound and the lease journal is loaded.
    void ready(StatusText status);
    // Sends STOPPING=1 and closes the timers (SIGTERM).
    void stopping();

    // The keep-alive period systemd asked for (0: no watchdog).
    uint64_t watchdog_interval_ms() const { return watchdog_ms_; }

private:
    void send_status();

    uv_loop_t* loop_;
    Log log_;
    uint64_t status_interval_ms_;
    uint64_t watchdog_ms_ = 0;
    StatusText status_;
    uv_timer_t* status_timer_ = nullptr;
    uv_timer_t* watchdog_timer_ = nullptr;
};

}  // namespace leasedns::io
