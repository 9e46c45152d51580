// leasedns: wiring only. Configuration -> lease table + journal -> DHCP server and DNS
// service -> loop.
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>  // malloc_trim
#endif
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
#include "leasedns/io/control_server.hpp"
#include "leasedns/io/dhcp_server.hpp"
#include "leasedns/io/dns_service.hpp"
#include "leasedns/io/interfaces.hpp"
#include "leasedns/io/journal_writer.hpp"
#include "leasedns/io/lease_import.hpp"
#include "leasedns/io/lease_script.hpp"
#include "leasedns/io/metrics_server.hpp"
#include "leasedns/io/privileges.hpp"
#include "leasedns/io/reloader.hpp"
#include "leasedns/io/service_notify.hpp"
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
    io::LeaseScript* script = nullptr;
    Log log;
    std::vector<uv_signal_t*> signals;
    bool stopping = false;
    io::ControlServer* control = nullptr;
    io::MetricsServer* metrics = nullptr;
    io::ServiceNotifier* notifier = nullptr;
    io::Reloader* reloader = nullptr;
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
        // Configuration, hosts files and static records re-read (io/reloader; an error is
        // logged as RELOAD-FAILED and the running configuration stays).
        if (d->reloader && !d->stopping) d->reloader->reload();
        return;
    }
    if (d->stopping) return;
    d->stopping = true;
    if (d->notifier) d->notifier->stopping();
    d->log.notice("STOPPING", std::string("received ") + strsignal(signum) + ", stopping");
    if (d->control) d->control->stop();
    if (d->metrics) d->metrics->stop();
    if (d->dns) d->dns->stop();
    if (d->script) d->script->stop([] {});
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
        // Before binding anything: an unknown -u user fails the start-up at once.
        auto service_user = io::user_to_become(cfg.user, d.log);
        if (!cfg.pid_file.empty()) {
            ensure_directory_of(cfg.pid_file);
            std::ofstream(cfg.pid_file) << getpid() << "\n";
        }
        leases::LeaseTable table;
        leases::JournalRecorder recorder;
        std::unique_ptr<io::JournalWriter> journal;
        std::unique_ptr<io::DhcpServer> dhcp;
        std::string journal_path;  // -u hands its directory to the user
        std::unique_ptr<io::LeaseScript> script;
        if (cfg.dhcp_enabled) {
            // A -l naming a dnsmasq lease file: imported, never written (io/lease_import).
            auto lease_files = io::plan_lease_files(cfg, d.log);
            std::string path = lease_files.journal_path;
            journal_path = path;
            ensure_directory_of(path);
            journal = std::make_unique<io::JournalWriter>(d.loop, path, d.log);
            // Pools first, so restored leases mark their addresses used.
            dhcp = std::make_unique<io::DhcpServer>(d.loop, cfg, interfaces, table, *journal,
                                                    recorder, d.log, clock);
            auto report = journal->load(table, clock.now());
            table.subscribe(&recorder);
            io::import_dnsmasq_lease_files(lease_files, cfg, interfaces, table, recorder, *journal,
                                           clock.now(), d.log);
            d.log.info("LEASES-LOADED",
                       std::to_string(table.bound_count()) + " leases loaded from " + path);
            dhcp->correct_clock_behind();
            dhcp->follow_clock_steps([&clock] { return clock.follow_wall_clock(); });
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
        io::Reloader reloader(args, cfg, dhcp.get(), dns.get(), d.log, &io::list_interfaces);
        d.reloader = &reloader;
        // The control socket (leasectl): bound before privileges are dropped.
        io::DaemonBackend control_backend(cfg, table, clock);
        control_backend.set_dhcp(dhcp.get(), journal.get());
        if (dns)
            control_backend.hooks().records = [svc = dns.get(), &clock](auto& out) {
                out = svc->describe_records(clock.now());
                return true;
            };
        if (dns)
            control_backend.hooks().dns_counters = [svc = dns.get()](auto& out) {
                io::append_dns_counters(out, svc->query_counters(), svc->cache_counters(),
                                        svc->forwarder_counters());
            };
        if (dhcp)
            control_backend.hooks().commit = [svc = dhcp.get()](auto done) {
                svc->commit(std::move(done));
            };
        reloader.on_applied([&](const config::Config& c) { control_backend.set_config(c); });
        control_backend.hooks().reload = [&reloader](control::Completion done) {
            done(reloader.reload());
        };
        std::unique_ptr<io::ControlServer> control;
        if (!cfg.control_socket.empty()) {
            control = std::make_unique<io::ControlServer>(d.loop, control_backend, d.log);
            try {
                control->start(cfg.control_socket, cfg.user);
                d.control = control.get();
            } catch (const std::exception& e) {
                // DHCP and DNS go on without it (another daemon holds the path, /run is
                // read-only...): leasectl says it cannot connect.
                d.log.error("CONTROL-UNAVAILABLE", e.what());
            }
        }
        // --metrics-listen (off by default): the same figures as leasectl stats, over HTTP.
        std::unique_ptr<io::MetricsServer> metrics;
        if (cfg.metrics_listen) {
            metrics = std::make_unique<io::MetricsServer>(d.loop, control_backend, d.log);
            try {
                metrics->start(*cfg.metrics_listen);
                d.metrics = metrics.get();
            } catch (const std::exception& e) {
                d.log.error("METRICS-UNAVAILABLE", e.what());  // DHCP and DNS go on
            }
        }
        add_signal(d, SIGTERM);
        add_signal(d, SIGINT);
        add_signal(d, SIGHUP);
        add_signal(d, SIGUSR1);
        // Everything is bound and the journal open: drop root (-u), then tell systemd.
        if (service_user)
            io::drop_privileges(*service_user, io::hand_over_for(cfg, journal_path), d.log);
        if (dhcp && !cfg.dhcp_script.empty()) {
            // After the privilege drop, so every run has the same rights.
            script = io::make_lease_script(d.loop, cfg, d.log, clock);
            script->announce_existing(table);  // dnsmasq's start-up `old` pass
            table.subscribe(script.get());
            d.script = script.get();
        }
#ifdef __GLIBC__
        // Start-up (configuration, journal replay) leaves freed heap pages behind: give
        // them back before idling (about 25 bytes per lease loaded; issue 4).
        malloc_trim(0);
#endif
        io::ServiceNotifier notifier(d.loop, d.log);
        d.notifier = &notifier;
        notifier.ready([&table, &d, &control_backend] {
            std::string s = "leases: " + std::to_string(table.bound_count());
            if (d.dhcp) s += ", DHCP ACKs: " + std::to_string(d.dhcp->counters().acks);
            for (const auto& c : control_backend.counters())  // leasectl stats' figures
                if (c.section == "dns" && c.name == "queries")
                    s += ", DNS queries: " + std::to_string(c.value);
                else if (c.section == "journal" && c.name == "state" && c.text != "ok")
                    s += ", journal: " + c.text + " (no new leases acknowledged)";
            return s;
        });
        uv_run(d.loop, UV_RUN_DEFAULT);
        d.notifier = nullptr;
        if (!cfg.pid_file.empty()) std::remove(cfg.pid_file.c_str());
    } catch (const std::exception& e) {
        d.log.error("STARTUP-FAILED", e.what());
        std::fprintf(stderr, "leasedns: %s\n", e.what());
        return 1;
    }
    return 0;
}
