// leasectl: talks to a running leasedns over its control socket (leasectl(1)), and checks
// configurations without one. Wiring only: the protocol and the tables are in control/.
// Exit status: 0 ok, 1 the daemon (or the check) said no, 2 usage, 3 cannot connect.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "leasedns/config/load.hpp"
#include "leasedns/control/present.hpp"
#include "leasedns/control/protocol.hpp"
#include "leasedns/io/interfaces.hpp"
#include "leasedns/leases/dnsmasq_leases.hpp"

using namespace leasedns;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitNoConnection = 3;
constexpr int kResponseTimeoutMs = 30'000;       // a release waits for an fdatasync
constexpr size_t kMaxResponseBytes = 64u << 20;  // far above any real table

const char kUsage[] =
    "usage: leasectl [--control-socket PATH] [--json] COMMAND\n"
    "commands:\n"
    "  leases [--format table|json|dnsmasq]  the lease table\n"
    "  lease release ADDR                    remove a lease (its names leave DNS)\n"
    "  hosts                                 reservations and hosts-file names\n"
    "  records                               what DNS answers locally, and why\n"
    "  stats                                 DHCP, DNS, cache and journal counters\n"
    "  reload                                re-read the configuration\n"
    "  version                               the daemon's version\n"
    "  check [--config FILE | FLAGS...]      validate a configuration (no daemon)\n"
    "options:\n"
    "  -s, --control-socket PATH  default /run/leasedns/control.sock\n"
    "  --json                     print the daemon's JSON response\n"
    "  -h, --help                 this text\n"
    "  --version                  leasectl's version\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "leasectl: %s\n(leasectl --help lists the commands and options)\n",
                 message.c_str());
    return kExitUsage;
}

struct Options {
    std::string socket_path = config::Config{}.control_socket;
    bool json = false;
    std::string format = "table";
    std::vector<std::string> words;       // the command and its arguments
    std::vector<std::string> check_args;  // everything after "check"
};

// Sends one request line, returns the response line (without '\n'). On failure returns
// the exit status and prints why.
int exchange(const std::string& path, const std::string& request, std::string& response) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        std::fprintf(stderr, "leasectl: control socket path too long: %s\n", path.c_str());
        return kExitUsage;
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::fprintf(stderr,
                     "leasectl: cannot connect to the control socket %s: %s (is leasedns "
                     "running? see --control-socket)\n",
                     path.c_str(), std::strerror(errno));
        if (fd >= 0) ::close(fd);
        return kExitNoConnection;
    }
    std::string line = request + "\n";
    size_t sent = 0;
    while (sent < line.size()) {
        ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::fprintf(stderr, "leasectl: sending to %s: %s\n", path.c_str(),
                         std::strerror(errno));
            ::close(fd);
            return kExitNoConnection;
        }
        sent += static_cast<size_t>(n);
    }
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kResponseTimeoutMs);
    char buf[65536];
    while (true) {
        size_t nl = response.find('\n');
        if (nl != std::string::npos) {
            response.resize(nl);
            ::close(fd);
            return kExitOk;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        pollfd p{fd, POLLIN, 0};
        int ready = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            std::fprintf(stderr, "leasectl: no answer from %s within %d s\n", path.c_str(),
                         kResponseTimeoutMs / 1000);
            ::close(fd);
            return kExitFailed;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || response.size() > kMaxResponseBytes) {
            std::fprintf(stderr, "leasectl: the daemon closed the connection without an answer\n");
            ::close(fd);
            return kExitFailed;
        }
        response.append(buf, static_cast<size_t>(n));
    }
}

int run_check(const std::vector<std::string>& args) {
    auto loaded = config::load(args, io::list_interfaces());
    if (!loaded) {
        std::fprintf(stderr, "leasectl: check: %s\n", loaded.error().message.c_str());
        return kExitFailed;
    }
    const auto& inv = loaded->invocation;
    std::printf("configuration OK%s%s\n", inv.config_file.empty() ? "" : ": ",
                inv.config_file.c_str());
    return kExitOk;
}

int parse_options(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (!o.words.empty() && o.words[0] == "check") {
            o.check_args.push_back(a);
            continue;
        }
        auto value = [&](const std::string& name, std::string& out) {
            auto eq = a.find('=');
            if (eq != std::string::npos && a.compare(0, eq, name) == 0) {
                out = a.substr(eq + 1);
                return true;
            }
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return -1;
        } else if (a == "--version") {
            std::puts("leasectl 0.1.0");
            return -1;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "-s" || a == "--control-socket" || a.rfind("--control-socket=", 0) == 0) {
            if (!value("--control-socket", o.socket_path) || o.socket_path.empty())
                return usage_error("--control-socket needs a path");
        } else if (a == "--format" || a.rfind("--format=", 0) == 0) {
            if (!value("--format", o.format)) return usage_error("--format needs a value");
            if (o.format != "table" && o.format != "json" && o.format != "dnsmasq")
                return usage_error("--format must be table, json or dnsmasq, not '" + o.format +
                                   "'");
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option " + a);
        } else {
            o.words.push_back(a);
        }
    }
    return kExitOk;
}

// The request line for the command words, or an empty string after a usage error.
std::string request_for(const Options& o, int& status) {
    const auto& w = o.words;
    auto want = [&](size_t n, const char* form) {
        if (w.size() == n) return true;
        status = usage_error(std::string("usage: leasectl ") + form);
        return false;
    };
    const std::string& c = w[0];
    if (c == "leases" || c == "hosts" || c == "records" || c == "stats" || c == "reload" ||
        c == "version")
        return want(1, c.c_str()) ? c : "";
    if (c == "lease") {
        if (w.size() < 2 || w[1] != "release") {
            status = usage_error("usage: leasectl lease release ADDR");
            return "";
        }
        return want(3, "lease release ADDR") ? "lease release " + w[2] : "";
    }
    status = usage_error("unknown command '" + c + "'");
    return "";
}

void print_result(const std::string& command, const control::JsonValue& result,
                  const std::string& format) {
    std::string out;
    if (command == "leases" && format == "dnsmasq") {
        std::vector<leases::Lease> rows;
        for (const auto& item : result.items) {
            leases::Lease l;
            if (control::lease_from_json(item, l)) rows.push_back(std::move(l));
        }
        out = leases::format_dnsmasq_leases(std::span<const leases::Lease>(rows),
                                            static_cast<WallSeconds>(std::time(nullptr)));
    } else if (command == "leases") {
        out = control::format_leases(result);
    } else if (command == "records") {
        out = control::format_records(result);
    } else if (command == "hosts") {
        out = control::format_hosts(result);
    } else if (command == "stats") {
        out = control::format_stats(result);
    } else if (command == "lease") {
        const auto* a = result.find("released");
        out = "released " + (a ? a->text : std::string("?")) + "\n";
    } else if (command == "version") {
        const auto* v = result.find("version");
        out = "leasedns " + (v ? v->text : std::string("?")) + "\n";
    } else if (result.is_string()) {
        out = result.text + "\n";  // reload
    }
    std::fputs(out.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    int status = parse_options(argc, argv, o);
    if (status == -1) return kExitOk;
    if (status != kExitOk) return status;
    if (o.words.empty()) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
    if (o.words[0] == "check") return run_check(o.check_args);
    if (o.format == "json") o.json = true;
    std::string request = request_for(o, status);
    if (request.empty()) return status;

    std::string line;
    status = exchange(o.socket_path, request, line);
    if (status != kExitOk) return status;
    control::Response r = control::parse_response(line);
    if (o.json && o.format != "dnsmasq") {
        std::printf("%s\n", line.c_str());
        return r.ok ? kExitOk : kExitFailed;
    }
    if (!r.ok) {
        std::fprintf(stderr, "leasectl: %s\n", r.error.c_str());
        return kExitFailed;
    }
    print_result(o.words[0], r.result, o.format);
    return kExitOk;
}
