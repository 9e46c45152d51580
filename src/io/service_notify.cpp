#include "leasedns/io/service_notify.hpp"

#include <time.h>

#include <algorithm>

#ifdef LEASEDNS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace leasedns::io {

namespace {

void send(const std::string& state) {
#ifdef LEASEDNS_HAVE_SYSTEMD
    // unset_environment = 0: a reload or a later READY=1 still needs NOTIFY_SOCKET.
    sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

// systemd >= 253 (Type=notify-reload) wants the CLOCK_MONOTONIC time of the reload
// next to RELOADING=1; older versions ignore the field.
std::string monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::to_string(static_cast<uint64_t>(ts.tv_sec) * 1'000'000u +
                          static_cast<uint64_t>(ts.tv_nsec) / 1000u);
}

uint64_t watchdog_period_usec() {
#ifdef LEASEDNS_HAVE_SYSTEMD
    uint64_t usec = 0;
    // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is this process.
    if (sd_watchdog_enabled(0, &usec) > 0) return usec;
#endif
    return 0;
}

void close_timer(uv_timer_t*& timer) {
    if (!timer) return;
    uv_timer_stop(timer);
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer = nullptr;
}

}  // namespace

void notify_ready() {
    send("READY=1");
}

void notify_reloading() {
    send("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
}

void notify_stopping() {
    send("STOPPING=1");
}

void notify_status(const std::string& text) {
    // One line: a newline would start another assignment.
    std::string line = text;
    std::replace(line.begin(), line.end(), '\n', ' ');
    send("STATUS=" + line);
}

ServiceNotifier::ServiceNotifier(uv_loop_t* loop, const Log& log, uint64_t status_interval_ms)
    : loop_(loop), log_(log), status_interval_ms_(std::max<uint64_t>(status_interval_ms, 1)) {}

ServiceNotifier::~ServiceNotifier() {
    close_timer(status_timer_);
    close_timer(watchdog_timer_);
}

void ServiceNotifier::ready(StatusText status) {
    status_ = std::move(status);
    std::string text = status_ ? status_() : std::string();
    send("READY=1" + (text.empty() ? std::string() : "\nSTATUS=" + text));

    status_timer_ = new uv_timer_t;
    uv_timer_init(loop_, status_timer_);
    status_timer_->data = this;
    uv_timer_start(
        status_timer_, [](uv_timer_t* t) { static_cast<ServiceNotifier*>(t->data)->send_status(); },
        status_interval_ms_, status_interval_ms_);
    uv_unref(reinterpret_cast<uv_handle_t*>(status_timer_));

    uint64_t usec = watchdog_period_usec();
    if (usec == 0) return;
    // sd_watchdog_enabled(3): send the keep-alive at half the period.
    watchdog_ms_ = std::max<uint64_t>(usec / 2000, 1);
    watchdog_timer_ = new uv_timer_t;
    uv_timer_init(loop_, watchdog_timer_);
    uv_timer_start(
        watchdog_timer_, [](uv_timer_t*) { send("WATCHDOG=1"); }, watchdog_ms_, watchdog_ms_);
    uv_unref(reinterpret_cast<uv_handle_t*>(watchdog_timer_));
    log_.info("WATCHDOG",
              "systemd watchdog: keep-alive every " + std::to_string(watchdog_ms_) + " ms");
}

void ServiceNotifier::stopping() {
    notify_stopping();
    close_timer(status_timer_);
    close_timer(watchdog_timer_);
}

void ServiceNotifier::send_status() {
    if (status_) notify_status(status_());
}

}  // namespace leasedns::io
