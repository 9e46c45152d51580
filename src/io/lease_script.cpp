// The --dhcp-script runner. Each run owns four libuv handles (the process, two output
// pipes, a timer); the next run starts only after all four are closed, so runs never
// overlap and their order is the order of the lease events.
#include "leasedns/io/lease_script.hpp"

#include <signal.h>

#include <algorithm>
#include <cstring>

#include "leasedns/leases/dnsmasq_leases.hpp"

extern char** environ;

namespace leasedns::io {

using leases::Lease;

namespace {

constexpr size_t kMaxLoggedLines = 50;   // per run; the rest is counted
constexpr size_t kMaxLineLength = 1000;  // a longer line is cut
constexpr uint64_t kDrainGraceMs = 200;  // after exit, for output still in the pipes
constexpr int64_t kWarningPeriodMs = 60'000;
constexpr uint64_t kStopGraceMs = 2'000;  // at shutdown, for the running script

const char* action_for(leases::EventKind kind) {
    switch (kind) {
        case leases::EventKind::Granted:
            return "add";
        case leases::EventKind::Renewed:
            return "old";
        case leases::EventKind::Released:
        case leases::EventKind::Expired:
        case leases::EventKind::Declined:
            return "del";
    }
    return "old";
}

bool is_ours(const char* entry) {
    return std::strncmp(entry, "DNSMASQ_", 8) == 0;
}

}  // namespace

struct LeaseScript::Run {
    LeaseScript* owner = nullptr;
    uv_process_t process{};
    uv_pipe_t out{}, err{};
    uv_timer_t timer{};
    int open_handles = 0;
    bool spawned = false;
    bool exited = false;
    bool closing = false;
    bool timed_out = false;
    int eof_count = 0;
    int64_t exit_status = 0;
    int term_signal = 0;
    std::string label;  // "add 198.18.0.10", for the log
    std::string partial[2];
    size_t lines_logged = 0, lines_skipped = 0;

    void log_line(std::string_view line) {
        if (lines_logged >= kMaxLoggedLines) {
            ++lines_skipped;
            return;
        }
        ++lines_logged;
        if (line.size() > kMaxLineLength) line = line.substr(0, kMaxLineLength);
        owner->log_.info("SCRIPT-OUTPUT", label + ": " + std::string(line));
    }
    void take_output(int stream, const char* data, size_t n) {
        std::string& buf = partial[stream];
        for (size_t i = 0; i < n; ++i) {
            if (data[i] == '\n') {
                log_line(buf);
                buf.clear();
            } else if (buf.size() <= kMaxLineLength) {
                buf.push_back(data[i]);
            }
        }
    }
    void flush_output() {
        for (auto& buf : partial)
            if (!buf.empty()) {
                log_line(buf);
                buf.clear();
            }
        if (lines_skipped)
            owner->log_.info("SCRIPT-OUTPUT", label + ": " + std::to_string(lines_skipped) +
                                                  " more lines not logged");
    }
    static void on_timeout(uv_timer_t* t) {
        auto* r = static_cast<Run*>(t->data);
        r->timed_out = true;
        // Negative pid: the whole process group (UV_PROCESS_DETACHED made one).
        uv_kill(-r->process.pid, SIGKILL);
    }
    void close_all() {
        if (closing) return;
        closing = true;
        flush_output();
        auto on_closed = [](uv_handle_t* h) {
            auto* run = static_cast<Run*>(h->data);
            if (--run->open_handles == 0) run->owner->finish_run();
        };
        uv_timer_stop(&timer);
        for (uv_handle_t* h :
             {reinterpret_cast<uv_handle_t*>(&process), reinterpret_cast<uv_handle_t*>(&out),
              reinterpret_cast<uv_handle_t*>(&err), reinterpret_cast<uv_handle_t*>(&timer)})
            uv_close(h, on_closed);
    }
};

LeaseScript::LeaseScript(uv_loop_t* loop, Options options, const Log& log, const Clock& clock)
    : loop_(loop),
      options_(std::move(options)),
      log_(log),
      limited_(log, kWarningPeriodMs, 1),
      clock_(clock) {}

LeaseScript::~LeaseScript() {
    // The loop has stopped; a run still open (stop() not awaited) is abandoned to the OS.
}

std::vector<std::string> LeaseScript::arguments_of(const Call& call) {
    std::vector<std::string> args = {call.action, leases::dnsmasq_hardware_text(call.lease),
                                     call.lease.addr.str()};
    if (call.names_old_only) return args;  // the old name is in DNSMASQ_OLD_HOSTNAME
    // A declined lease has lost its name; the script knew it by the old one.
    const std::string& name = call.lease.hostname.empty() ? call.old_hostname : call.lease.hostname;
    if (!name.empty()) args.push_back(name);
    return args;
}

std::vector<std::string> LeaseScript::environment_of(const Call& call) const {
    std::vector<std::string> env;
    const Lease& l = call.lease;
    env.push_back("DNSMASQ_LEASE_EXPIRES=" + std::to_string(l.expires));
    WallSeconds now = clock_.now();
    // dnsmasq sets the remaining time only for a live, finite lease.
    if (call.action != "del" && l.expires != 0 && l.expires > now)
        env.push_back("DNSMASQ_TIME_REMAINING=" + std::to_string(l.expires - now));
    const std::string& name = l.hostname.empty() ? call.old_hostname : l.hostname;
    if (!name.empty() && options_.domain_of) {
        std::string domain = options_.domain_of(l.addr);
        if (!domain.empty()) env.push_back("DNSMASQ_DOMAIN=" + domain);
    }
    if (std::string id = leases::dnsmasq_client_id_text(l); !id.empty())
        env.push_back("DNSMASQ_CLIENT_ID=" + id);
    if (options_.interface_of) {
        std::string ifname = options_.interface_of(l.addr);
        if (!ifname.empty()) env.push_back("DNSMASQ_INTERFACE=" + ifname);
    }
    if (call.names_old_only) env.push_back("DNSMASQ_OLD_HOSTNAME=" + call.old_hostname);
    return env;
}

void LeaseScript::on_lease_event(const leases::LeaseEvent& event) {
    const Lease& l = event.lease;
    if (event.kind != leases::EventKind::Renewed) {
        enqueue(Call{action_for(event.kind), l, std::string(event.old_hostname), false, false});
        return;
    }
    // dnsmasq (lease.c do_script_run): a lease with an old_hostname is announced with it
    // first, then as the changed lease it is.
    if (event.old_hostname != l.hostname && !event.old_hostname.empty())
        enqueue(Call{"old", l, std::string(event.old_hostname), false, true});
    enqueue(Call{"old", l, {}, false, false});
}

void LeaseScript::announce_existing(const leases::LeaseTable& table) {
    table.for_each([&](const Lease& l) {
        if (l.state == leases::LeaseState::Bound) enqueue(Call{"old", l, {}, true, false});
    });
}

void LeaseScript::enqueue(Call call) {
    if (stopping_) return;
    if (!call.startup && queue_.size() >= options_.max_queue + startup_queued_) {
        ++dropped_;
        limited_.write(clock_.monotonic_ms(), LogLevel::Warning, "SCRIPT-QUEUE-FULL",
                       std::to_string(queue_.size()) + " lease script runs queued; dropped " +
                           std::to_string(dropped_) + " so far (" + call.action + " " +
                           call.lease.addr.str() + ")");
        return;
    }
    if (call.startup) ++startup_queued_;
    queue_.push_back(std::move(call));
    if (!running_) start_next();
}

void LeaseScript::start_next() {
    if (running_ || queue_.empty() || stopping_) return;
    Call call = std::move(queue_.front());
    queue_.pop_front();
    if (call.startup) --startup_queued_;

    auto* run = new Run;
    run->owner = this;
    run->label = "script " + call.action + " " + call.lease.addr.str();
    running_ = run;

    std::vector<std::string> args = arguments_of(call);
    args.insert(args.begin(), options_.path);
    std::vector<std::string> env = environment_of(call);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (char** e = environ; e && *e; ++e)
        if (!is_ours(*e)) envp.push_back(*e);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    uv_pipe_init(loop_, &run->out, 0);
    uv_pipe_init(loop_, &run->err, 0);
    uv_timer_init(loop_, &run->timer);
    run->process.data = run->out.data = run->err.data = run->timer.data = run;
    run->open_handles = 4;

    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;  // /dev/null
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&run->out);
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&run->err);

    uv_process_options_t opts{};
    opts.file = options_.path.c_str();
    opts.args = argv.data();
    opts.env = envp.data();
    opts.stdio = stdio;
    opts.stdio_count = 3;
    // Its own process group, so a timeout kills the script and whatever it started.
    opts.flags = UV_PROCESS_DETACHED;
    opts.exit_cb = [](uv_process_t* p, int64_t status, int term_signal) {
        auto* r = static_cast<Run*>(p->data);
        r->exited = true;
        r->exit_status = status;
        r->term_signal = term_signal;
        if (r->eof_count == 2) {
            r->close_all();
            return;
        }
        // Output written just before exit may still be in the pipes: read it briefly.
        uv_timer_start(
            &r->timer, [](uv_timer_t* t) { static_cast<Run*>(t->data)->close_all(); },
            kDrainGraceMs, 0);
    };

    ++runs_;
    int rc = uv_spawn(loop_, &run->process, &opts);
    if (rc != 0) {
        ++failures_;
        limited_.write(clock_.monotonic_ms(), LogLevel::Error, "SCRIPT-SPAWN-FAILED",
                       "cannot run " + options_.path + ": " + uv_strerror(rc));
        run->close_all();  // libuv: a process handle is closed even when spawn failed
        return;
    }
    run->spawned = true;

    auto on_alloc = [](uv_handle_t*, size_t, uv_buf_t* buf) {
        static char chunk[4096];  // consumed synchronously in on_read, one read at a time
        *buf = uv_buf_init(chunk, sizeof chunk);
    };
    auto on_read = [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* r = static_cast<Run*>(s->data);
        if (n > 0) {
            r->take_output(s == reinterpret_cast<uv_stream_t*>(&r->out) ? 0 : 1, buf->base,
                           static_cast<size_t>(n));
            return;
        }
        if (n < 0) {  // EOF or error: this stream is done
            uv_read_stop(s);
            if (++r->eof_count == 2 && r->exited) r->close_all();
        }
    };
    uv_read_start(reinterpret_cast<uv_stream_t*>(&run->out), on_alloc, on_read);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&run->err), on_alloc, on_read);
    uv_timer_start(&run->timer, &Run::on_timeout, options_.timeout_ms, 0);
}

void LeaseScript::finish_run() {
    Run* run = running_;
    running_ = nullptr;
    if (run->spawned) {
        if (run->timed_out) {
            ++failures_;
            limited_.write(
                clock_.monotonic_ms(), LogLevel::Warning, "SCRIPT-TIMEOUT",
                run->label + " killed after " + std::to_string(options_.timeout_ms / 1000) + " s");
        } else if (run->term_signal != 0 || run->exit_status != 0) {
            ++failures_;
            limited_.write(
                clock_.monotonic_ms(), LogLevel::Warning, "SCRIPT-FAILED",
                run->label + (run->term_signal != 0
                                  ? " killed by signal " + std::to_string(run->term_signal)
                                  : " exited with status " + std::to_string(run->exit_status)));
        }
    }
    delete run;
    if (stopping_) {
        maybe_done();
        return;
    }
    start_next();
}

void LeaseScript::stop(std::function<void()> done) {
    stopping_ = true;
    stopped_ = std::move(done);
    if (!queue_.empty())
        log_.notice("SCRIPT-STOPPING",
                    std::to_string(queue_.size()) + " queued lease script runs not started");
    queue_.clear();
    startup_queued_ = 0;
    // SIGTERM must end us quickly: the running script gets a short grace, not its timeout.
    if (running_ && running_->spawned && !running_->exited)
        uv_timer_start(&running_->timer, &Run::on_timeout,
                       std::min<uint64_t>(options_.timeout_ms, kStopGraceMs), 0);
    maybe_done();
}

void LeaseScript::maybe_done() {
    if (running_ || !stopped_) return;
    auto done = std::move(stopped_);
    stopped_ = nullptr;
    done();
}

std::unique_ptr<LeaseScript> make_lease_script(uv_loop_t* loop, const config::Config& cfg,
                                               const Log& log, const Clock& clock) {
    LeaseScript::Options options;
    options.path = cfg.dhcp_script;
    auto shared = std::make_shared<const config::Config>(cfg);
    options.domain_of = [shared](Ipv4 addr) { return shared->domain_for(addr); };
    options.interface_of = [shared](Ipv4 addr) {
        for (const auto& r : shared->ranges)
            if (r.subnet.contains(addr) && !r.interface.empty()) return r.interface;
        return std::string();
    };
    return std::make_unique<LeaseScript>(loop, std::move(options), log, clock);
}

}  // namespace leasedns::io
