// leasedns: wiring only. Configuration -> lease table + journal -> DHCP server and DNS
// service -> loop.
#include <signal.h>
#include <sys/stat.h>
#include <uv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "leasedns/config/load.hpp"
#include "leasedns/io/dhcp_server.hpp"
#include "leasedns/io/dns_service.hpp"
#include "leasedns/io/interfaces.hpp"
#include "leasedns/io/journal_writer.hpp"
#include "leasedns/io/stderr_log.hpp"
#include "leasedns/io/system_clock.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;

namespace {

struct Daemon {
    uv_loop_t* loop = nullptr;
    io::DhcpServer* dhcp = nullptr;
    io::DnsService* dns = nullptr;
    Log log;
    std::vector<uv_signal_t*> signals;
    bool stopping = false;
};

void close_signals(Daemon& d) {
    for (auto* s : d.signals) {
        uv_signal_stop(s);
        uv_close(reinterpret_cast<uv_handle_t*>(s),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
    }
    d.signals.clear();
}

void on_signal(uv_signal_t* handle, int signum) {
    auto* d = static_cast<Daemon*>(handle->data);
    if (signum == SIGUSR1) {
        if (d->dhcp) d->dhcp->log_statistics();
        if (d->dns) d->dns->log_statistics();
        return;
    }
    if (signum == SIGHUP) {
        // As dnsmasq: re-read the hosts files and empty the cache; the configuration
        // itself is not reloaded in this version.
        if (d->dns) {
            try {
                d->dns->reload();
            } catch (const std::exception& e) {
                d->log.error("DNS-RELOAD-FAILED", e.what());
            }
        } else {
            d->log.notice("RELOAD-UNSUPPORTED",
                          "SIGHUP received; configuration reload is not available in this "
                          "version");
        }
        return;
    }
    if (d->stopping) return;
    d->stopping = true;
    d->log.notice("STOPPING", std::string("received ") + strsignal(signum) + ", stopping");
    if (d->dns) d->dns->stop();
    if (d->dhcp) {
        d->dhcp->stop([d] { close_signals(*d); });
    } else {
        close_signals(*d);
    }
}

void add_signal(Daemon& d, int signum) {
    auto* s = new uv_signal_t;
    uv_signal_init(d.loop, s);
    s->data = &d;
    uv_signal_start(s, &on_signal, signum);
    d.signals.push_back(s);
}

void ensure_directory_of(const std::string& file) {
    auto dir = std::filesystem::path(file).parent_path();
    if (dir.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto interfaces = io::list_interfaces();
    auto loaded = config::load(args, interfaces);
    if (!loaded) {
        std::fprintf(stderr, "leasedns: %s\n", loaded.error().message.c_str());
        return 1;
    }
    const auto& inv = loaded->invocation;
    const config::Config& cfg = loaded->config;
    if (inv.show_help) {
        std::fputs(config::help_text().c_str(), stdout);
        return 0;
    }
    if (inv.show_version) {
        std::puts("leasedns 0.1.0");
        return 0;
    }
    if (inv.print_config) {
        std::fputs(config::to_toml(cfg).c_str(), stdout);
        return 0;
    }
    if (inv.test_only) {
        std::puts("leasedns: configuration OK");
        return 0;
    }

    io::StderrLogSink sink;
    Daemon d;
    d.log = Log(&sink, cfg.log_dhcp ? LogLevel::Debug : LogLevel::Info);
    io::SystemClock clock;
    d.loop = uv_default_loop();
    signal(SIGPIPE, SIG_IGN);

    try {
        if (!cfg.pid_file.empty()) {
            ensure_directory_of(cfg.pid_file);
            std::ofstream(cfg.pid_file) << getpid() << "\n";
        }
        leases::LeaseTable table;
        leases::JournalRecorder recorder;
        std::unique_ptr<io::JournalWriter> journal;
        std::unique_ptr<io::DhcpServer> dhcp;
        if (cfg.dhcp_enabled) {
            std::string path = cfg.effective_lease_file();
            ensure_directory_of(path);
            journal = std::make_unique<io::JournalWriter>(d.loop, path, d.log);
            // Pools first, so restored leases mark their addresses used.
            dhcp = std::make_unique<io::DhcpServer>(d.loop, cfg, interfaces, table, *journal,
                                                    recorder, d.log, clock);
            auto report = journal->load(table, clock.now());
            table.subscribe(&recorder);
            d.log.info("LEASES-LOADED",
                       std::to_string(table.bound_count()) + " leases loaded from " + path);
            dhcp->start();
            d.dhcp = dhcp.get();
            for (const auto& r : cfg.ranges)
                d.log.info("DHCP-RANGE", "serving " + r.start.str() + " - " + r.end.str() + " on " +
                                             r.subnet.str() +
                                             (r.interface.empty() ? "" : " (" + r.interface + ")"));
        } else {
            d.log.warning("DHCP-DISABLED",
                          "no DHCP range configured and none could be derived (give -i IFACE or "
                          "--dhcp-range)");
        }
        std::unique_ptr<io::DnsService> dns;
        if (cfg.dns_port != 0) {
            // After the journal load: the zone subscribes to lease events from here on.
            dns = std::make_unique<io::DnsService>(d.loop, cfg, interfaces, table, d.log, clock);
            dns->start();
            d.dns = dns.get();
            if (dhcp)
                dhcp->set_name_guard([svc = dns.get()](std::string_view label) {
                    return svc->is_static_label(label);
                });
        }
        add_signal(d, SIGTERM);
        add_signal(d, SIGINT);
        add_signal(d, SIGHUP);
        add_signal(d, SIGUSR1);
        uv_run(d.loop, UV_RUN_DEFAULT);
        if (!cfg.pid_file.empty()) std::remove(cfg.pid_file.c_str());
    } catch (const std::exception& e) {
        d.log.error("STARTUP-FAILED", e.what());
        std::fprintf(stderr, "leasedns: %s\n", e.what());
        return 1;
    }
    return 0;
}
