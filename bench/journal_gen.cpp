// journal_gen: the DNS benchmark's lease tables (bench/dns_bench.sh). Writes the same N
// bound leases with host names in two forms, so leasedns and dnsmasq serve the same names:
//   --journal FILE   a leasedns lease journal (leasedns::leases::append_record, the daemon's
//                    own encoder), read by leasedns --dhcp-leasefile=FILE at start;
//   --dnsmasq FILE   a dnsmasq lease file ("expiry mac ip name client-id" lines);
// and the dnsperf query files over them, names picked at random (fixed seed):
//   --queries-a FILE    "hostI.lan A" lines
//   --queries-ptr FILE  "D.C.B.A.in-addr.arpa PTR" lines
//
//   journal_gen --count N [--first 198.18.1.0] [--domain lan] [--queries 100000]
//               [--seed 1] [--journal F] [--dnsmasq F] [--queries-a F] [--queries-ptr F]
//
// Lease i: address first + i, MAC 02:01:ii:ii:ii:ii, client id from the MAC (htype 1),
// host name "host<i>", bound now, expiring in 12 h. Filling a table this size through DHCP
// takes dnsmasq hours with names (it rewrites its lease file per change): both servers
// start from these files instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "leasedns/core/net.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/lease.hpp"

namespace {

using leasedns::Ipv4;
using leasedns::leases::ClientId;
using leasedns::leases::Lease;
using leasedns::leases::LeaseState;
using leasedns::leases::RecordKind;

struct Options {
    uint32_t count = 0;
    Ipv4 first = Ipv4::from_octets(198, 18, 1, 0);
    std::string domain = "lan";
    uint32_t queries = 100000;
    uint32_t seed = 1;
    std::string journal, dnsmasq, queries_a, queries_ptr;
};

int usage() {
    std::fputs(
        "usage: journal_gen --count N [--first IPV4] [--domain D] [--queries Q] [--seed S]\n"
        "                   [--journal FILE] [--dnsmasq FILE] [--queries-a FILE]\n"
        "                   [--queries-ptr FILE]\n",
        stderr);
    return 2;
}

std::optional<Options> parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return std::nullopt;
        std::string v = argv[++i];
        if (a == "--count")
            o.count = static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--first") {
            auto ip = Ipv4::parse(v);
            if (!ip) return std::nullopt;
            o.first = *ip;
        } else if (a == "--domain")
            o.domain = v;
        else if (a == "--queries")
            o.queries = static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--seed")
            o.seed = static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--journal")
            o.journal = v;
        else if (a == "--dnsmasq")
            o.dnsmasq = v;
        else if (a == "--queries-a")
            o.queries_a = v;
        else if (a == "--queries-ptr")
            o.queries_ptr = v;
        else
            return std::nullopt;
    }
    // The addresses must stay inside 198.18.0.0/15 (RFC 2544's benchmarking range).
    uint64_t last = uint64_t{o.first.value} + o.count;
    if (o.count == 0 || last > Ipv4::from_octets(198, 19, 255, 0).value ||
        o.first.value < Ipv4::from_octets(198, 18, 0, 0).value)
        return std::nullopt;
    return o;
}

Lease make_lease(const Options& o, uint32_t i, int64_t now) {
    Lease l;
    l.addr = Ipv4(o.first.value + i);
    l.state = LeaseState::Bound;
    l.mac.octets = {0x02,
                    0x01,
                    static_cast<uint8_t>(i >> 24),
                    static_cast<uint8_t>(i >> 16),
                    static_cast<uint8_t>(i >> 8),
                    static_cast<uint8_t>(i)};
    l.client = ClientId::from_hardware(1, leasedns::Bytes(l.mac.octets));
    l.hostname = "host" + std::to_string(i);
    l.granted = now;
    l.expires = now + 12 * 3600;
    return l;
}

bool write_file(const std::string& path, const void* data, size_t size) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = parse(argc, argv);
    if (!parsed) return usage();
    const Options& o = *parsed;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));

    if (!o.journal.empty()) {
        std::vector<uint8_t> out(leasedns::leases::kJournalMagic.begin(),
                                 leasedns::leases::kJournalMagic.end());
        for (uint32_t i = 0; i < o.count; ++i)
            leasedns::leases::append_record(RecordKind::Upsert, make_lease(o, i, now), out);
        if (!write_file(o.journal, out.data(), out.size()))
            return std::perror(o.journal.c_str()), 1;
    }
    if (!o.dnsmasq.empty()) {
        std::string text;
        char line[160];
        for (uint32_t i = 0; i < o.count; ++i) {
            Lease l = make_lease(o, i, now);
            const auto& m = l.mac.octets;
            std::snprintf(line, sizeof line, "%lld %02x:%02x:%02x:%02x:%02x:%02x %s %s *\n",
                          static_cast<long long>(l.expires), m[0], m[1], m[2], m[3], m[4], m[5],
                          l.addr.str().c_str(), l.hostname.c_str());
            text += line;
        }
        if (!write_file(o.dnsmasq, text.data(), text.size()))
            return std::perror(o.dnsmasq.c_str()), 1;
    }
    std::mt19937 rng(o.seed);
    std::uniform_int_distribution<uint32_t> pick(0, o.count - 1);
    if (!o.queries_a.empty()) {
        std::string text;
        for (uint32_t q = 0; q < o.queries; ++q)
            text += "host" + std::to_string(pick(rng)) + "." + o.domain + " A\n";
        if (!write_file(o.queries_a, text.data(), text.size()))
            return std::perror(o.queries_a.c_str()), 1;
    }
    if (!o.queries_ptr.empty()) {
        std::string text;
        for (uint32_t q = 0; q < o.queries; ++q) {
            uint32_t a = o.first.value + pick(rng);
            text += std::to_string(a & 255) + "." + std::to_string(a >> 8 & 255) + "." +
                    std::to_string(a >> 16 & 255) + "." + std::to_string(a >> 24) +
                    ".in-addr.arpa PTR\n";
        }
        if (!write_file(o.queries_ptr, text.data(), text.size()))
            return std::perror(o.queries_ptr.c_str()), 1;
    }
    return 0;
}
