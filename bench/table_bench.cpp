// table_bench: microbenchmark of the lease table and the address allocator, from 1k to
// 1M leases. For each size it measures, per operation and in nanoseconds:
//   offer   pick_free + hold_offer (the DISCOVER path) for a new client
//   bind    bind of the offered address (the REQUEST path: Offered -> Bound, Granted)
//   lookup  find_by_client, find_by_addr and find_by_name on random existing leases
//   renew   bind of the same client and address with a later expiry (Renewed)
//   expire  expire_due over the whole table in slices of 1024 (Expired, address freed)
// and the memory the table holds per lease: the table's own accounting
// (LeaseTable::memory_bytes) and the growth of the malloc heap (mallinfo2: bytes in use,
// including mmap'd blocks) while the table was filled. The address pool is sized 1.25 x
// the lease count, so its bitmap is included. Bytes per lease depend on where the count
// falls between two growth steps of the indices and the heap, so max_B/l is the worst
// LeaseTable::memory_bytes() / leases seen after any insert while filling a fresh table
// from max(n/10, 1000) to n leases (the decade ending at the row's size, just-after-growth
// points included; below 1,000 leases fixed costs dominate), in a separate untimed fill,
// and max_at the lease count where it was seen.
//
// Pure: no sockets, no files. Addresses are plain integers counted up from 198.18.0.0;
// nothing is sent anywhere. A listener counts events so the publish path is included.
//
// Each size is first run once to warm up, then --repeat times (default 3), and the fastest
// time of each operation is kept: the machine is shared, and interference only ever adds
// time. The warm-up matters: a first fill writes memory the process has never touched,
// and each new page costs a page fault (several microseconds in a VM, one every ~40
// leases), a one-time cost of the process that would otherwise swamp the table's own
// per-operation cost (it made offer at 10k look 4x dearer than at 1k). malloc is told
// to keep freed memory (no trimming, no mmap for large blocks), so the timed runs reuse
// the warm-up's pages. The warm-up's offer + bind time per lease is still reported
// (`cold`), and rss_B/l is measured on it.
//
// Usage: table_bench [--sizes 1000,10000,...] [--repeat N] [--no-hostnames] [--json]
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/leases/events.hpp"
#include "leasedns/leases/lease.hpp"
#include "leasedns/leases/pool.hpp"
#include "leasedns/leases/table.hpp"

namespace {

using leasedns::Ipv4;
using leasedns::Mac;
using leasedns::WallSeconds;
using leasedns::leases::ClientId;
using leasedns::leases::Lease;
using leasedns::leases::LeaseEvent;
using leasedns::leases::LeaseListener;
using leasedns::leases::LeaseTable;
using leasedns::leases::PoolRange;

constexpr size_t kMaxSize = 4'000'000;
constexpr WallSeconds kNow = 1'700'000'000;
constexpr WallSeconds kLeaseTime = 43'200;

class CountingListener final : public LeaseListener {
public:
    void on_lease_event(const LeaseEvent& event) override {
        ++events;
        bytes += event.lease.hostname.size();
    }
    uint64_t events = 0;
    uint64_t bytes = 0;
};

size_t heap_in_use() {
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

size_t rss_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    if (n != 2) return 0;
    return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

using Clock = std::chrono::steady_clock;

double ns_per(Clock::time_point t0, Clock::time_point t1, size_t ops) {
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    return ops == 0 ? 0.0 : ns / static_cast<double>(ops);
}

struct Result {
    size_t n = 0;
    double offer_ns = 0, bind_ns = 0, by_client_ns = 0, by_addr_ns = 0, by_name_ns = 0;
    double renew_ns = 0, expire_ns = 0;
    double table_bytes_per_lease = 0, heap_bytes_per_lease = 0, rss_bytes_per_lease = 0;
    double max_bytes_per_lease = 0;
    double cold_ns = 0;  // offer + bind per lease, run on memory new to the process
    size_t max_at = 0;   // the lease count where max_bytes_per_lease was seen
    size_t failures = 0;
};

// Volatile sink so lookups are not optimised away.
volatile uintptr_t g_sink = 0;

Result run_size(size_t n, bool hostnames) {
    Result r;
    r.n = n;
    // Inputs first, outside the memory measurement.
    std::vector<ClientId> clients(n);
    std::vector<Mac> macs(n);
    std::vector<std::string> names(hostnames ? n : 0);
    for (size_t i = 0; i < n; ++i) {
        Mac m;
        m.octets = {0x02,
                    0x42,
                    static_cast<uint8_t>(i >> 24),
                    static_cast<uint8_t>(i >> 16),
                    static_cast<uint8_t>(i >> 8),
                    static_cast<uint8_t>(i)};
        macs[i] = m;
        clients[i] = ClientId::from_hardware(1, leasedns::Bytes(m.octets.data(), m.octets.size()));
        if (hostnames) names[i] = "host-" + std::to_string(i);
    }
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
    std::mt19937_64 rng(0x5eed + n);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<Ipv4> addr_of(n);

    const size_t heap0 = heap_in_use();
    const size_t rss0 = rss_bytes();
    Clock::time_point fill0{}, fill1{};
    {
        LeaseTable table;
        CountingListener listener;
        table.subscribe(&listener);
        const uint32_t first = Ipv4::from_octets(198, 18, 0, 0).value;
        const size_t pool_size = n + n / 4;
        const PoolRange range{Ipv4(first), Ipv4(first + static_cast<uint32_t>(pool_size - 1))};
        table.set_pools(std::span<const PoolRange>(&range, 1), {});

        // offer: the DISCOVER path for n new clients.
        auto t0 = Clock::now();
        fill0 = t0;
        for (size_t i = 0; i < n; ++i) {
            const auto a = table.pick_free(0, clients[i].hash());
            if (!a || !table.hold_offer(*a, clients[i], macs[i], kNow + 60)) {
                ++r.failures;
                continue;
            }
            addr_of[i] = *a;
        }
        auto t1 = Clock::now();
        r.offer_ns = ns_per(t0, t1, n);

        // bind: REQUEST in SELECTING, the offer becomes the lease.
        Lease l;
        l.state = leasedns::leases::LeaseState::Bound;
        t0 = Clock::now();
        for (size_t i = 0; i < n; ++i) {
            l.addr = addr_of[i];
            l.client = clients[i];
            l.mac = macs[i];
            if (hostnames) l.hostname = names[i];
            // Spread expiries over the lease time so the heap has real work.
            l.expires = kNow + kLeaseTime + static_cast<WallSeconds>(i % 3600);
            l.granted = kNow;
            if (!table.bind(l)) ++r.failures;
        }
        t1 = Clock::now();
        fill1 = t1;
        r.bind_ns = ns_per(t0, t1, n);
        if (table.bound_count() != n) r.failures += n - table.bound_count();

        r.table_bytes_per_lease =
            static_cast<double>(table.memory_bytes()) / static_cast<double>(n);
        r.heap_bytes_per_lease =
            static_cast<double>(heap_in_use() - heap0) / static_cast<double>(n);
        const size_t rss1 = rss_bytes();
        r.rss_bytes_per_lease =
            rss1 > rss0 ? static_cast<double>(rss1 - rss0) / static_cast<double>(n) : 0.0;

        // lookups in random order.
        t0 = Clock::now();
        for (size_t k = 0; k < n; ++k) {
            g_sink = g_sink + reinterpret_cast<uintptr_t>(table.find_by_client(clients[order[k]]));
        }
        t1 = Clock::now();
        r.by_client_ns = ns_per(t0, t1, n);
        t0 = Clock::now();
        for (size_t k = 0; k < n; ++k) {
            g_sink = g_sink + reinterpret_cast<uintptr_t>(table.find_by_addr(addr_of[order[k]]));
        }
        t1 = Clock::now();
        r.by_addr_ns = ns_per(t0, t1, n);
        if (hostnames) {
            t0 = Clock::now();
            for (size_t k = 0; k < n; ++k) {
                const Lease* p = table.find_by_name(names[order[k]]);
                if (p == nullptr) ++r.failures;
                g_sink = g_sink + reinterpret_cast<uintptr_t>(p);
            }
            t1 = Clock::now();
            r.by_name_ns = ns_per(t0, t1, n);
        }

        // renew: same client, same address, later expiry, in random order.
        t0 = Clock::now();
        for (size_t k = 0; k < n; ++k) {
            const size_t i = order[k];
            l.addr = addr_of[i];
            l.client = clients[i];
            l.mac = macs[i];
            if (hostnames) l.hostname = names[i];
            l.expires = kNow + 2 * kLeaseTime + static_cast<WallSeconds>(k % 3600);
            l.granted = kNow + kLeaseTime / 2;
            if (!table.bind(l)) ++r.failures;
        }
        t1 = Clock::now();
        r.renew_ns = ns_per(t0, t1, n);

        // expire: everything is due; bounded slices as the server runs them.
        const uint64_t events_before = listener.events;
        t0 = Clock::now();
        size_t expired = 0;
        for (size_t guard = 0; guard < n / 1024 + 2 && expired < n; ++guard)
            expired += table.expire_due(kNow + 10 * kLeaseTime, 1024);
        t1 = Clock::now();
        r.expire_ns = ns_per(t0, t1, n);
        if (expired != n || table.entry_count() != 0) r.failures += n - expired;
        if (listener.events - events_before != expired) ++r.failures;
        table.unsubscribe(&listener);
    }
    r.cold_ns = ns_per(fill0, fill1, n);
    return r;
}

// Fills a fresh table with n bound leases (host names as requested) and returns the worst
// memory_bytes() / leases after any insert that leaves at least max(n / 10, 1000) leases.
void worst_bytes_per_lease(size_t n, bool hostnames, Result& r) {
    LeaseTable table;
    const uint32_t first = Ipv4::from_octets(198, 18, 0, 0).value;
    const size_t pool_size = n + n / 4;
    const PoolRange range{Ipv4(first), Ipv4(first + static_cast<uint32_t>(pool_size - 1))};
    table.set_pools(std::span<const PoolRange>(&range, 1), {});
    Lease l;
    l.state = leasedns::leases::LeaseState::Bound;
    for (size_t i = 0; i < n; ++i) {
        Mac m;
        m.octets = {0x02,
                    0x43,
                    static_cast<uint8_t>(i >> 24),
                    static_cast<uint8_t>(i >> 16),
                    static_cast<uint8_t>(i >> 8),
                    static_cast<uint8_t>(i)};
        l.mac = m;
        l.client = ClientId::from_hardware(1, leasedns::Bytes(m.octets.data(), m.octets.size()));
        l.addr = Ipv4(first + static_cast<uint32_t>(i));
        if (hostnames) l.hostname = "host-" + std::to_string(i);
        l.expires = kNow + kLeaseTime + static_cast<WallSeconds>(i % 3600);
        if (!table.bind(l)) ++r.failures;
        const size_t count = table.entry_count();
        if (count < std::max<size_t>(n / 10, 1000)) continue;
        const double b = static_cast<double>(table.memory_bytes()) / static_cast<double>(count);
        if (b > r.max_bytes_per_lease) {
            r.max_bytes_per_lease = b;
            r.max_at = count;
        }
    }
}

[[noreturn]] void usage_exit(const char* msg) {
    std::fprintf(stderr,
                 "table_bench: %s\nusage: table_bench [--sizes N,N,...] [--no-hostnames] "
                 "[--repeat N] [--json]\n",
                 msg);
    std::exit(2);
}

std::vector<size_t> parse_sizes(std::string_view s) {
    std::vector<size_t> out;
    while (!s.empty() && out.size() < 16) {
        const size_t comma = s.find(',');
        const std::string_view tok = s.substr(0, comma);
        size_t v = 0;
        if (tok.empty() || tok.size() > 8) usage_exit("bad --sizes");
        for (char c : tok) {
            if (c < '0' || c > '9') usage_exit("bad --sizes");
            v = v * 10 + static_cast<size_t>(c - '0');
        }
        if (v < 16 || v > kMaxSize) usage_exit("sizes must be 16..4000000");
        out.push_back(v);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<size_t> sizes = {1'000, 10'000, 100'000, 1'000'000};
    bool hostnames = true;
    bool json = false;
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--sizes" && i + 1 < argc) {
            sizes = parse_sizes(argv[++i]);
        } else if (a.starts_with("--sizes=")) {
            sizes = parse_sizes(a.substr(8));
        } else if (a == "--repeat" && i + 1 < argc) {
            repeat = std::atoi(argv[++i]);
            if (repeat < 1 || repeat > 20) usage_exit("--repeat must be 1..20");
        } else if (a == "--hostnames") {
            hostnames = true;
        } else if (a == "--no-hostnames") {
            hostnames = false;
        } else if (a == "--json") {
            json = true;
        } else {
            usage_exit("unknown argument");
        }
    }
    if (!json)
        std::printf("%9s %8s %8s %9s %9s %9s %8s %8s %8s %11s %10s %9s %9s %9s %s\n", "leases",
                    "offer", "bind", "by_client", "by_addr", "by_name", "renew", "expire", "cold",
                    "table_B/l", "heap_B/l", "rss_B/l", "max_B/l", "max_at", "fail");
    // Freed memory stays in the process, so the timed runs do not pay page faults again.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    int rc = 0;
    for (size_t n : sizes) {
        const Result warm = run_size(n, hostnames);
        Result r = run_size(n, hostnames);
        r.cold_ns = warm.cold_ns;
        r.rss_bytes_per_lease = warm.rss_bytes_per_lease;
        r.failures += warm.failures;
        for (int k = 1; k < repeat; ++k) {
            const Result o = run_size(n, hostnames);
            r.offer_ns = std::min(r.offer_ns, o.offer_ns);
            r.bind_ns = std::min(r.bind_ns, o.bind_ns);
            r.by_client_ns = std::min(r.by_client_ns, o.by_client_ns);
            r.by_addr_ns = std::min(r.by_addr_ns, o.by_addr_ns);
            r.by_name_ns = std::min(r.by_name_ns, o.by_name_ns);
            r.renew_ns = std::min(r.renew_ns, o.renew_ns);
            r.expire_ns = std::min(r.expire_ns, o.expire_ns);
            r.failures += o.failures;
        }
        worst_bytes_per_lease(n, hostnames, r);
        if (r.failures != 0) rc = 1;
        if (json) {
            std::printf(
                "{\"leases\":%zu,\"hostnames\":%s,\"offer_ns\":%.1f,\"bind_ns\":%.1f,"
                "\"by_client_ns\":%.1f,\"by_addr_ns\":%.1f,\"by_name_ns\":%.1f,"
                "\"renew_ns\":%.1f,\"expire_ns\":%.1f,\"cold_fill_ns\":%.1f,"
                "\"table_bytes_per_lease\":%.1f,"
                "\"heap_bytes_per_lease\":%.1f,\"rss_bytes_per_lease\":%.1f,"
                "\"max_bytes_per_lease\":%.1f,\"max_at\":%zu,\"failures\":%zu}\n",
                r.n, hostnames ? "true" : "false", r.offer_ns, r.bind_ns, r.by_client_ns,
                r.by_addr_ns, r.by_name_ns, r.renew_ns, r.expire_ns, r.cold_ns,
                r.table_bytes_per_lease, r.heap_bytes_per_lease, r.rss_bytes_per_lease,
                r.max_bytes_per_lease, r.max_at, r.failures);
        } else {
            std::printf(
                "%9zu %8.1f %8.1f %9.1f %9.1f %9.1f %8.1f %8.1f %8.1f %11.1f %10.1f %9.1f %9.1f "
                "%9zu "
                "%zu\n",
                r.n, r.offer_ns, r.bind_ns, r.by_client_ns, r.by_addr_ns, r.by_name_ns, r.renew_ns,
                r.expire_ns, r.cold_ns, r.table_bytes_per_lease, r.heap_bytes_per_lease,
                r.rss_bytes_per_lease, r.max_bytes_per_lease, r.max_at, r.failures);
        }
        std::fflush(stdout);
    }
    return rc;
}
