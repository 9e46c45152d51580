#include "leasedns/io/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace leasedns::io {

namespace {

// sd_notify(3) without libsystemd: the protocol is one datagram on a Unix socket whose
// address systemd puts in $NOTIFY_SOCKET, either a path or, with a leading '@', a name in
// the abstract namespace. Like sd_notify(0, ...) the variable is left set (a reload or a
// later READY=1 still needs it); without it, or with an address we cannot use (systemd's
// vsock: form, a name too long for sun_path), the call does nothing.
bool notify_address(sockaddr_un& sa, socklen_t& len) {
    const char* env = std::getenv("NOTIFY_SOCKET");
    if (!env || (env[0] != '/' && env[0] != '@') || env[1] == '\0') return false;
    size_t n = std::strlen(env);
    if (n > sizeof sa.sun_path - (env[0] == '/')) return false;  // a path needs its NUL
    sa = {};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, env, n);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';  // abstract: no terminating NUL
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + (env[0] == '/'));
    return true;
}

void send(const std::string& state) {
    sockaddr_un sa;
    socklen_t len = 0;
    if (!notify_address(sa, len)) return;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    // Blocking and best effort, as in libsystemd: systemd not listening is no reason to
    // stop serving.
    while (::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&sa), len) < 0 &&
           errno == EINTR) {
    }
    ::close(fd);
}

// A decimal number, the whole string (no sign, no spaces); false otherwise.
bool parse_u64(const char* text, uint64_t& value) {
    const char* end = text + std::strlen(text);
    auto [ptr, ec] = std::from_chars(text, end, value);
    return text != end && ec == std::errc() && ptr == end;
}

// systemd >= 253 (Type=notify-reload) wants the CLOCK_MONOTONIC time of the reload
// next to RELOADING=1; older versions ignore the field.
std::string monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::to_string(static_cast<uint64_t>(ts.tv_sec) * 1'000'000u +
                          static_cast<uint64_t>(ts.tv_nsec) / 1000u);
}

// sd_watchdog_enabled(0, &usec): WATCHDOG_USEC set to a period other than 0 and
// infinity, and WATCHDOG_PID, when set, naming this process (a watchdog meant for the
// parent that exec'd us through a shell wrapper is not ours). Both variables stay set.
uint64_t watchdog_period_usec() {
    const char* usec_text = std::getenv("WATCHDOG_USEC");
    uint64_t usec = 0;
    if (!usec_text || !parse_u64(usec_text, usec)) return 0;
    if (usec == 0 || usec == UINT64_MAX) return 0;  // systemd's USEC_INFINITY
    if (const char* pid_text = std::getenv("WATCHDOG_PID")) {
        uint64_t pid = 0;
        if (!parse_u64(pid_text, pid) || pid == 0) return 0;
        if (pid != static_cast<uint64_t>(::getpid())) return 0;
    }
    return usec;
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
