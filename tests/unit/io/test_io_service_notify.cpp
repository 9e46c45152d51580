// systemd's notification protocol as leasedns speaks it without libsystemd: one datagram
// per message to $NOTIFY_SOCKET (a path, or an abstract name written with '@'), nothing
// without it, and the watchdog period taken from WATCHDOG_USEC only when WATCHDOG_PID
// (if set) is this process, as sd_watchdog_enabled(3) decides.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "leasedns/io/service_notify.hpp"

using namespace leasedns;

namespace {

// systemd's end: a datagram socket bound to `address` ('@' = abstract), non-blocking.
class Listener {
public:
    explicit Listener(const std::string& address) : address_(address) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::memcpy(sa.sun_path, address.data(), address.size());
        if (address[0] == '@') sa.sun_path[0] = '\0';
        if (address[0] == '/') ::unlink(address.c_str());
        auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) == 0);
        ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
    }
    ~Listener() {
        ::close(fd_);
        if (address_[0] == '/') ::unlink(address_.c_str());
        ::unsetenv("NOTIFY_SOCKET");
    }
    // The next datagram, if one is waiting (the sender has returned: it is queued).
    std::optional<std::string> next() {
        char buf[512];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<size_t>(n));
    }

private:
    std::string address_;
    int fd_ = -1;
};

std::string unique(const char* what) {
    return std::string(what) + "-" + std::to_string(::getpid());
}

// The watchdog period a ServiceNotifier sets up under the current environment.
uint64_t watchdog_ms() {
    uv_loop_t loop;
    uv_loop_init(&loop);
    uint64_t ms = 0;
    {
        io::ServiceNotifier notifier(&loop, Log());
        notifier.ready(nullptr);
        ms = notifier.watchdog_interval_ms();
    }
    uv_run(&loop, UV_RUN_NOWAIT);  // the closed timers' callbacks free them
    uv_loop_close(&loop);
    return ms;
}

}  // namespace

TEST_CASE("service notify: messages reach an abstract NOTIFY_SOCKET and a path one") {
    for (std::string address : {"@leasedns-test-" + unique("notify"),
                                "/tmp/leasedns-test-" + unique("notify") + ".sock"}) {
        CAPTURE(address);
        Listener systemd(address);
        io::notify_ready();
        CHECK(systemd.next() == "READY=1");
        io::notify_status("3 leases\nsecond line");
        CHECK(systemd.next() == "STATUS=3 leases second line");
        io::notify_reloading();
        auto reloading = systemd.next();
        REQUIRE(reloading);
        CHECK(reloading->rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
        io::notify_stopping();
        CHECK(systemd.next() == "STOPPING=1");
        CHECK(!systemd.next());
        // The variable stays set: a later READY=1 (after a reload) still reaches systemd.
        CHECK(std::getenv("NOTIFY_SOCKET") != nullptr);
    }
}

TEST_CASE("service notify: nothing is sent, and nothing fails, without a usable socket") {
    ::unsetenv("NOTIFY_SOCKET");
    io::notify_ready();
    ::setenv("NOTIFY_SOCKET", "relative/path", 1);
    io::notify_ready();
    ::setenv("NOTIFY_SOCKET", "/nonexistent/leasedns/notify", 1);
    io::notify_ready();
    ::setenv("NOTIFY_SOCKET", ("@" + std::string(200, 'x')).c_str(), 1);
    io::notify_ready();
    ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("service notify: the watchdog period follows WATCHDOG_USEC and WATCHDOG_PID") {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    CHECK(watchdog_ms() == 0);

    ::setenv("WATCHDOG_USEC", "2000000", 1);
    CHECK(watchdog_ms() == 1000);  // keep-alives at half the period
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    CHECK(watchdog_ms() == 1000);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    CHECK(watchdog_ms() == 0);  // another process's watchdog
    ::setenv("WATCHDOG_PID", "junk", 1);
    CHECK(watchdog_ms() == 0);
    ::unsetenv("WATCHDOG_PID");

    for (const char* bad : {"0", "", "-5", "12abc", " 7", "18446744073709551615"}) {
        CAPTURE(bad);
        ::setenv("WATCHDOG_USEC", bad, 1);
        CHECK(watchdog_ms() == 0);
    }
    ::setenv("WATCHDOG_USEC", "1000", 1);
    CHECK(watchdog_ms() == 1);  // never a 0 ms timer
    ::unsetenv("WATCHDOG_USEC");
}
