// --dhcp-script, as dnsmasq defines it (dnsmasq(8), --dhcp-script; src/lease.c
// do_script_run and src/helper.c, checked against dnsmasq 2.90 by tests/e2e/
// test_dhcp_script.py): the script runs as `SCRIPT add|old|del MAC IP [HOSTNAME]` with
// DNSMASQ_LEASE_EXPIRES, DNSMASQ_TIME_REMAINING, DNSMASQ_DOMAIN, DNSMASQ_CLIENT_ID,
// DNSMASQ_INTERFACE and DNSMASQ_OLD_HOSTNAME in its environment (each only when known):
// - `add` for a new lease, `del` when it is released, expires or is declined;
// - `old` for every existing lease at start-up and for every renewal; a renewal that
//   changes the host name is announced first by `old MAC IP` with
//   DNSMASQ_OLD_HOSTNAME=the old name (when there was one), then `old MAC IP NEWNAME`
//   (what dnsmasq 2.90 does: its lease.c checks old_hostname before LEASE_CHANGED).
//
// Runs never block the loop: each is a uv_spawn'd child, one at a time and in event order
// (dnsmasq runs its helper serially too), from a bounded queue (overflow: dropped and
// counted, with a rate-limited warning), killed with SIGKILL after a timeout; its stdout
// and stderr lines go to our log.
#pragma once
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/leases/events.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

class LeaseScript final : public leases::LeaseListener {
public:
    struct Options {
        std::string path;
        size_t max_queue = 1000;
        uint64_t timeout_ms = 10'000;
        // Domain and interface of the lease at an address (for DNSMASQ_DOMAIN and
        // DNSMASQ_INTERFACE); empty = unknown, the variable is not set.
        std::function<std::string(Ipv4)> domain_of;
        std::function<std::string(Ipv4)> interface_of;
    };

    // One script invocation, before it becomes argv and environment.
    struct Call {
        std::string action;  // add, old, del
        leases::Lease lease;
        std::string old_hostname;
        bool startup = false;         // from announce_existing
        bool names_old_only = false;  // dnsmasq's rename notice: `old MAC IP`, old name in env
    };

    LeaseScript(uv_loop_t* loop, Options options, const Log& log, const Clock& clock);
    ~LeaseScript() override;
    LeaseScript(const LeaseScript&) = delete;
    LeaseScript& operator=(const LeaseScript&) = delete;

    // Granted -> add; Renewed -> old (see above); Released/Expired/Declined -> del.
    void on_lease_event(const leases::LeaseEvent& event) override;
    // dnsmasq's start-up pass: `old` for every Bound lease in the table. These are not
    // subject to the queue bound (the table bounds them).
    void announce_existing(const leases::LeaseTable& table);

    // Shutdown: drops what is queued, lets the running script finish (or its timeout
    // kill it), then calls `done` once every handle is closed.
    void stop(std::function<void()> done);

    uint64_t runs() const { return runs_; }
    uint64_t dropped() const { return dropped_; }
    uint64_t failures() const { return failures_; }  // non-zero exit, signal, timeout, spawn error
    size_t queued() const { return queue_.size(); }

    // The argv (after the program) and the DNSMASQ_* environment for one call: exposed
    // for tests.
    static std::vector<std::string> arguments_of(const Call& call);
    std::vector<std::string> environment_of(const Call& call) const;

private:
    struct Run;
    void enqueue(Call call);
    void start_next();
    void finish_run();
    void maybe_done();

    uv_loop_t* loop_;
    Options options_;
    Log log_;
    RateLimitedLog limited_;
    const Clock& clock_;
    std::deque<Call> queue_;
    size_t startup_queued_ = 0;  // start-up `old` calls still in the queue
    Run* running_ = nullptr;
    bool stopping_ = false;
    std::function<void()> stopped_;
    uint64_t runs_ = 0, dropped_ = 0, failures_ = 0;
};

// The runner for cfg.dhcp_script: DNSMASQ_DOMAIN from the lease's domain (--domain, per
// subnet) and DNSMASQ_INTERFACE from the range serving the address (when it names one).
// Keeps its own copy of what it needs from `cfg`.
std::unique_ptr<LeaseScript> make_lease_script(uv_loop_t* loop, const config::Config& cfg,
                                               const Log& log, const Clock& clock);

}  // namespace leasedns::io
