// The control socket's request path on arbitrary bytes (ROBUSTNESS K: control_protocol).
// Invariants: it never crashes; every input gets exactly one response, synchronously for
// the fake daemon here; the response is one line of valid JSON with "ok" and either a
// result or a non-empty error message; leasectl's reader takes that line apart again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "leasedns/control/json.hpp"
#include "leasedns/control/present.hpp"
#include "leasedns/control/service.hpp"

using namespace leasedns;

namespace {

struct Backend final : control::Backend {
    WallSeconds now() const override { return 1'700'000'000; }
    std::string version() const override { return "0.1.0"; }
    std::vector<leases::Lease> leases() const override {
        leases::Lease l;
        l.addr = Ipv4(0xC6120064);
        l.hostname = "host";
        l.expires = 1'700'003'600;
        return {l};
    }
    bool records(std::vector<std::string>& lines) const override {
        lines = {"host.lan 60 IN A 198.18.0.100 ; lease"};
        return true;
    }
    std::vector<control::ReservationRow> reservations() const override { return {}; }
    std::vector<control::Counter> counters() const override { return {{"dhcp", "acks", 1}}; }
    void release(Ipv4 addr, control::Completion done) override {
        done(addr.value & 1 ? "" : "no lease for " + addr.str());
    }
    void reload(control::Completion done) override { done("reload not available"); }
};

void check_response(const std::string& r) {
    if (r.empty() || r.back() != '\n' || r.find('\n') != r.size() - 1) std::abort();
    std::string error;
    auto v = control::parse_json(std::string_view(r).substr(0, r.size() - 1), error);
    if (!v || !v->is_object()) std::abort();
    auto parsed = control::parse_response(std::string_view(r).substr(0, r.size() - 1));
    if (!parsed.ok && parsed.error.empty()) std::abort();
    if (parsed.ok != v->find("ok")->boolean) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    Backend backend;
    // Each line as the server would split it (the server refuses lines over the limit
    // before parsing; the parser must refuse them on its own too).
    size_t start = 0;
    int lines = 0;
    while (start <= text.size() && lines < 64) {
        size_t nl = text.find('\n', start);
        std::string_view line =
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        int answers = 0;
        control::answer(line, backend, [&](std::string r) {
            ++answers;
            check_response(r);
        });
        if (answers != 1) std::abort();
        ++lines;
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    // leasectl's reader on the same bytes: never crashes, and whatever it accepts the
    // presenters print.
    auto r = control::parse_response(text);
    if (r.ok) {
        (void)control::format_leases(r.result);
        (void)control::format_records(r.result);
        (void)control::format_hosts(r.result);
        (void)control::format_stats(r.result);
        leases::Lease l;
        for (const auto& item : r.result.items) (void)control::lease_from_json(item, l);
    }
    return 0;
}
