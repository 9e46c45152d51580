// loadgen: a DHCPv4 load generator that acts as a relay agent (RFC 1542 §4), for the
// benchmarks in bench/ and the fault tests in tests/fault/.
//
// It binds UDP port 67 on the relay address, sends every message to the server with
// giaddr = relay address and hops = 1, so the server answers the relay port (RFC 2131
// §4.1) and thousands of simulated clients need no interface of their own. It keeps a
// window of exchanges outstanding, each with a unique xid, its own timeout and a bounded
// number of retransmissions, and measures DORA latency from the first DISCOVER to the ACK.
//
// Deliberately standalone: it shares no code with leasedns, so a codec bug in the server
// cannot hide behind the same bug in the load generator. Packets are crafted and parsed
// here, minimally and with every read bounds-checked.
//
// Modes:
//   dora          DISCOVER -> OFFER -> REQUEST (SELECTING) -> ACK for fresh clients
//   verify FILE   INIT-REBOOT REQUEST for every client in a --record file; the ACK must
//                 carry the recorded address (RFC 2131 §4.3.2); exit 1 on any NAK,
//                 mismatch or address recorded for two clients, 3 on timeouts only
//   renew FILE    RENEWING-style REQUEST (ciaddr set, no 50/54) through the relay
//
// Paced (open-loop) dora, for capacity runs (bench/capacity.sh, ROBUSTNESS J1, ISC
// perfdhcp's method): --paced --rate R starts R exchanges per second whatever the server
// answers; the window is sized so that a slow server never holds new exchanges back, and
// --deadline-ms ends every exchange that many ms after its first message. The JSON line
// then counts "unanswered": exchanges with no ACK (or NAK) within 1 s of their first
// DISCOVER; as in perfdhcp, a NAK is an answer, and is counted under "naks".
//
// Everything is bounded: count, duration, window, timeouts and retries have hard caps,
// and the run ends at a wall-clock limit whatever the server does.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace loadgen {
namespace {

constexpr uint32_t kMagicCookie = 0x63825363;  // RFC 2131 §3
constexpr size_t kFixedHeader = 236;           // op .. file (RFC 2131 §2)
constexpr size_t kOptionsStart = kFixedHeader + 4;
constexpr size_t kMinBootp = 300;  // RFC 1542 §2.1: pad requests to the BOOTP size
constexpr size_t kPacketBuf = 1500;
constexpr size_t kBatch = 64;

// Hard caps: a typo on the command line cannot make a run unbounded.
constexpr uint64_t kMaxCount = 50'000'000;
constexpr double kMaxDuration = 3600.0;
constexpr uint32_t kMaxWindow = 262'144;
constexpr uint32_t kMaxTimeoutMs = 60'000;
constexpr uint32_t kMaxRetries = 20;
constexpr uint32_t kMaxDeadlineMs = 600'000;
constexpr uint64_t kAnsweredWithinNs = 1'000'000'000ULL;  // J1: "answered within 1 s"
constexpr uint64_t kPaceQuantumNs = 200'000;              // paced: wake-up granularity
constexpr uint32_t kMaxBackoffFactor = 64;
constexpr double kMaxRate = 10'000'000.0;
constexpr size_t kMaxSamples = 20'000'000;         // latency samples / ACKed addresses kept
constexpr uint64_t kClientSpace = 0x100000000ULL;  // client numbers are 32-bit

enum MsgType : uint8_t {
    kDiscover = 1,
    kOffer = 2,
    kRequest = 3,
    kAck = 5,
    kNak = 6,
};

enum class Mode { kDora, kVerify, kRenew };

struct Config {
    Mode mode = Mode::kDora;
    std::string file;    // verify/renew input
    uint32_t relay = 0;  // network byte order
    uint32_t server = 0;
    uint16_t server_port = 67;
    uint16_t bind_port = 67;
    uint32_t window = 64;
    uint64_t count = 0;     // 0 = until duration
    double duration = 0.0;  // 0 = until count
    double rate = 0.0;      // exchanges started per second, 0 = as fast as the window allows
    uint32_t timeout_ms = 500;
    uint32_t retries = 3;
    bool backoff = false;      // double the timeout at each retransmission (RFC 2131 §4.1)
    bool paced = false;        // open loop: start exchanges at `rate` whatever the replies
    uint32_t deadline_ms = 0;  // give an exchange up this long after its start, 0 = never
    uint32_t seed = 0;
    uint64_t first_client = 0;
    uint64_t clients = 0;  // > 0: exchange i uses client first_client + i % clients
    bool hostnames = false;
    bool client_id = false;
    std::string record;  // append "chaddr addr cid name" for each ACK
    bool quiet = false;
};

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

volatile sig_atomic_t g_signals = 0;
void on_signal(int) {
    g_signals = g_signals + 1;
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "loadgen: %s\n", msg.c_str());
    std::exit(2);
}

// ---- command line -----------------------------------------------------------------

bool parse_u64(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || end == nullptr || *end != '\0' || !(v >= 0.0)) return false;
    out = v;
    return true;
}

bool parse_ipv4(const std::string& s, uint32_t& out) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
    out = a.s_addr;
    return true;
}

std::string ipv4_str(uint32_t net) {
    char buf[INET_ADDRSTRLEN] = {};
    in_addr a{};
    a.s_addr = net;
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

void usage() {
    std::fputs(
        "usage: loadgen [dora | verify FILE | renew FILE] --relay ADDR --server ADDR[:PORT]\n"
        "  --window N        outstanding exchanges (default 64, max 262144)\n"
        "  --count N         exchanges to run (max 50M; verify/renew: default all)\n"
        "  --duration S      stop starting exchanges after S seconds (max 3600)\n"
        "  --rate R          start at most R exchanges per second (ISC perfdhcp style)\n"
        "  --timeout-ms T    per-message timeout (default 500, max 60000)\n"
        "  --retries N       retransmissions per message (default 3, max 20)\n"
        "  --backoff         double the timeout at each retransmission\n"
        "  --paced           open loop (needs --rate): start R exchanges per second\n"
        "                    whatever the server answers; the window is sized to fit\n"
        "  --deadline-ms D   end an exchange D ms after its first message (max 600000)\n"
        "  --seed S          0..255, part of every chaddr (fresh clients per run)\n"
        "  --first-client N  first client number (chaddr 02:SS:NN:NN:NN:NN)\n"
        "  --clients N       reuse N clients in turn (default: a fresh one per exchange)\n"
        "  --hostnames       send option 12 \"h<N>\"\n"
        "  --client-id       send option 61 (type 1 + chaddr)\n"
        "  --record FILE     append \"chaddr address cid|- name|-\" per ACK\n"
        "  --bind-port P     relay port to bind (default 67)\n"
        "  --quiet           JSON line only\n"
        "Prints one JSON line on stdout and a human summary on stderr.\n",
        stderr);
}

Config parse_args(int argc, char** argv) {
    Config c;
    bool have_relay = false;
    bool have_server = false;
    bool count_given = false;
    std::vector<std::string> args(argv + 1, argv + argc);
    size_t i = 0;
    if (i < args.size() && !args[i].starts_with("-")) {
        const std::string m = args[i++];
        if (m == "dora") {
            c.mode = Mode::kDora;
        } else if (m == "verify" || m == "renew") {
            c.mode = m == "verify" ? Mode::kVerify : Mode::kRenew;
            if (i >= args.size()) die(m + " needs a FILE");
            c.file = args[i++];
        } else {
            usage();
            die("unknown mode '" + m + "'");
        }
    }
    for (; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool has_value = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        auto need = [&]() -> std::string {
            if (has_value) return value;
            if (i + 1 >= args.size()) die(name + " needs a value");
            return args[++i];
        };
        auto need_u64 = [&](uint64_t max) -> uint64_t {
            const std::string v = need();
            uint64_t out = 0;
            if (!parse_u64(v, out) || out > max) die("bad value for " + name + ": " + v);
            return out;
        };
        auto need_double = [&](double max) -> double {
            const std::string v = need();
            double out = 0;
            if (!parse_double(v, out) || out > max) die("bad value for " + name + ": " + v);
            return out;
        };
        if (name == "--relay") {
            if (!parse_ipv4(need(), c.relay)) die("bad --relay address");
            have_relay = true;
        } else if (name == "--server") {
            std::string v = need();
            if (const auto colon = v.find(':'); colon != std::string::npos) {
                uint64_t port = 0;
                if (!parse_u64(v.substr(colon + 1), port) || port == 0 || port > 65535)
                    die("bad --server port");
                c.server_port = static_cast<uint16_t>(port);
                v = v.substr(0, colon);
            }
            if (!parse_ipv4(v, c.server)) die("bad --server address");
            have_server = true;
        } else if (name == "--window") {
            c.window = static_cast<uint32_t>(need_u64(kMaxWindow));
            if (c.window == 0) die("--window must be at least 1");
        } else if (name == "--count") {
            c.count = need_u64(kMaxCount);
            count_given = true;
        } else if (name == "--duration") {
            c.duration = need_double(kMaxDuration);
        } else if (name == "--rate") {
            c.rate = need_double(kMaxRate);
        } else if (name == "--timeout-ms") {
            c.timeout_ms = static_cast<uint32_t>(need_u64(kMaxTimeoutMs));
            if (c.timeout_ms == 0) die("--timeout-ms must be at least 1");
        } else if (name == "--retries") {
            c.retries = static_cast<uint32_t>(need_u64(kMaxRetries));
        } else if (name == "--backoff") {
            c.backoff = true;
        } else if (name == "--paced") {
            c.paced = true;
        } else if (name == "--deadline-ms") {
            c.deadline_ms = static_cast<uint32_t>(need_u64(kMaxDeadlineMs));
            if (c.deadline_ms == 0) die("--deadline-ms must be at least 1");
        } else if (name == "--seed") {
            c.seed = static_cast<uint32_t>(need_u64(255));
        } else if (name == "--first-client") {
            c.first_client = need_u64(0xFFFFFFFFULL);
        } else if (name == "--clients") {
            c.clients = need_u64(0xFFFFFFFFULL);
        } else if (name == "--hostnames") {
            c.hostnames = true;
        } else if (name == "--client-id") {
            c.client_id = true;
        } else if (name == "--record") {
            c.record = need();
        } else if (name == "--bind-port") {
            const uint64_t p = need_u64(65535);
            if (p == 0) die("--bind-port must be 1..65535");
            c.bind_port = static_cast<uint16_t>(p);
        } else if (name == "--quiet") {
            c.quiet = true;
        } else if (name == "--help" || name == "-h") {
            usage();
            std::exit(0);
        } else {
            usage();
            die("unknown option " + name);
        }
    }
    if (!have_relay || !have_server) {
        usage();
        die("--relay and --server are required");
    }
    if (c.mode == Mode::kDora && c.count == 0 && c.duration == 0.0)
        die("dora needs --count or --duration");
    if (c.mode == Mode::kDora && c.first_client + c.count > kClientSpace)
        die("--first-client + --count exceed the 32-bit client number space");
    if (!count_given && c.mode != Mode::kDora) c.count = 0;  // all entries of the file
    if (c.paced) {
        if (c.rate <= 0.0) die("--paced needs --rate");
        if (c.count == 0 && c.duration == 0.0) die("--paced needs --count or --duration");
        // Every exchange lives at most its lifetime, and at most rate * lifetime + 1 start
        // in any such span (bursts included: starts never run ahead of rate * elapsed + 1),
        // so this window never holds a start back. Beyond kMaxWindow a start finding no
        // free slot is counted as skipped (unanswered).
        double life_s = 0.0;
        uint64_t factor = 1;
        for (uint32_t t = 1; t <= c.retries + 1; ++t) {
            life_s += c.timeout_ms / 1000.0 * static_cast<double>(factor);
            if (c.backoff && factor < kMaxBackoffFactor) factor *= 2;
        }
        life_s *= 2;
        if (c.deadline_ms != 0) life_s = std::min(life_s, c.deadline_ms / 1000.0);
        const double need = c.rate * (life_s + 0.05) + 1100.0;
        c.window = static_cast<uint32_t>(
            std::min<double>(kMaxWindow, std::max<double>(c.window, std::ceil(need))));
    }
    return c;
}

// ---- clients ----------------------------------------------------------------------

struct Client {
    std::array<uint8_t, 6> chaddr{};
    bool client_id = false;
    uint32_t addr = 0;  // recorded address (verify/renew), network order
    std::string name;   // option 12, empty = none
};

// chaddr 02:SS:NN:NN:NN:NN — locally administered, unique per (seed, number).
Client make_client(const Config& c, uint64_t number) {
    Client cl;
    cl.chaddr = {0x02,
                 static_cast<uint8_t>(c.seed),
                 static_cast<uint8_t>(number >> 24),
                 static_cast<uint8_t>(number >> 16),
                 static_cast<uint8_t>(number >> 8),
                 static_cast<uint8_t>(number)};
    cl.client_id = c.client_id;
    if (c.hostnames) {
        const uint64_t id = (static_cast<uint64_t>(c.seed) << 32) | number;
        cl.name = "h" + std::to_string(id);
    }
    return cl;
}

std::string mac_str(const std::array<uint8_t, 6>& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return buf;
}

bool parse_mac(std::string_view s, std::array<uint8_t, 6>& out) {
    if (s.size() != 17) return false;
    for (size_t i = 0; i < 6; ++i) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; ++k) {
            const char ch = s[i * 3 + k];
            unsigned d = 0;
            if (ch >= '0' && ch <= '9')
                d = static_cast<unsigned>(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                d = static_cast<unsigned>(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F')
                d = static_cast<unsigned>(ch - 'A' + 10);
            else
                return false;
            v = v * 16 + d;
        }
        if (i < 5 && s[i * 3 + 2] != ':') return false;
        out[i] = static_cast<uint8_t>(v);
    }
    return true;
}

struct RecordFile {
    std::vector<Client> clients;  // the last record of each client, in file order
    uint64_t lines = 0;
    uint64_t malformed = 0;
    uint64_t superseded = 0;  // same client recorded again with a different address
    uint64_t conflicts = 0;   // one address recorded for two different clients
    std::vector<std::string> conflict_examples;
};

std::string client_key(const Client& c) {
    return mac_str(c.chaddr) + (c.client_id ? "+" : "-");
}

// Reads a --record file. A torn last line (no newline) is ignored: the recorder may have
// been killed mid-write, and that ACK was then never fully recorded.
RecordFile read_records(const std::string& path) {
    RecordFile rf;
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) die("cannot open " + path + ": " + std::strerror(errno));
    std::unordered_map<std::string, size_t> by_client;
    std::unordered_map<uint32_t, std::string> by_addr;
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
        std::string_view l(line);
        if (l.empty() || l.back() != '\n') {
            ++rf.malformed;
            continue;
        }
        l.remove_suffix(1);
        ++rf.lines;
        std::vector<std::string> tok;
        size_t p = 0;
        while (p < l.size() && tok.size() < 5) {
            const size_t q = l.find(' ', p);
            const size_t e = q == std::string_view::npos ? l.size() : q;
            if (e > p) tok.emplace_back(l.substr(p, e - p));
            p = e + 1;
        }
        Client c;
        if (tok.size() != 4 || !parse_mac(tok[0], c.chaddr) || !parse_ipv4(tok[1], c.addr) ||
            (tok[2] != "cid" && tok[2] != "-") || tok[3].size() > 63) {
            ++rf.malformed;
            continue;
        }
        c.client_id = tok[2] == "cid";
        if (tok[3] != "-") c.name = tok[3];
        const std::string key = client_key(c);
        if (auto [it, fresh] = by_addr.emplace(c.addr, key); !fresh && it->second != key) {
            ++rf.conflicts;
            if (rf.conflict_examples.size() < 5)
                rf.conflict_examples.push_back(ipv4_str(c.addr) + " to " + it->second + " and " +
                                               key);
        }
        if (auto it = by_client.find(key); it != by_client.end()) {
            if (rf.clients[it->second].addr != c.addr) ++rf.superseded;
            rf.clients[it->second] = c;
        } else {
            by_client.emplace(key, rf.clients.size());
            rf.clients.push_back(std::move(c));
        }
    }
    std::fclose(f);
    return rf;
}

// ---- packets ----------------------------------------------------------------------

// A fixed-capacity writer; any overflow sticks and the packet is not sent.
class Writer {
public:
    Writer(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
    void u8(uint8_t v) {
        if (len_ + 1 > cap_) {
            bad_ = true;
            return;
        }
        buf_[len_++] = v;
    }
    void bytes(const void* p, size_t n) {
        if (len_ + n > cap_) {
            bad_ = true;
            return;
        }
        std::memcpy(buf_ + len_, p, n);
        len_ += n;
    }
    void zeros(size_t n) {
        if (len_ + n > cap_) {
            bad_ = true;
            return;
        }
        std::memset(buf_ + len_, 0, n);
        len_ += n;
    }
    void be32(uint32_t v) {
        const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                              static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
        bytes(b, 4);
    }
    void option(uint8_t code, const void* p, size_t n) {
        if (n > 255) {
            bad_ = true;
            return;
        }
        u8(code);
        u8(static_cast<uint8_t>(n));
        bytes(p, n);
    }
    size_t size() const { return len_; }
    bool ok() const { return !bad_; }

private:
    uint8_t* buf_;
    size_t cap_;
    size_t len_ = 0;
    bool bad_ = false;
};

enum class Kind { kDiscover, kSelecting, kInitReboot, kRenewing };

// Builds a relayed client message. `offered`/`server_id`: SELECTING; `c.addr`: INIT-REBOOT
// (option 50) or RENEWING (ciaddr). Addresses are in network byte order.
size_t build(uint8_t* buf, size_t cap, Kind kind, uint32_t xid, const Client& c, uint32_t relay,
             uint32_t offered, uint32_t server_id) {
    Writer w(buf, cap);
    w.u8(1);  // BOOTREQUEST
    w.u8(1);  // htype ethernet
    w.u8(6);  // hlen
    w.u8(1);  // hops: one relay (RFC 1542 §4.1.1)
    w.be32(xid);
    w.zeros(4);  // secs, flags
    const uint32_t ciaddr = kind == Kind::kRenewing ? c.addr : 0;
    w.bytes(&ciaddr, 4);
    w.zeros(8);          // yiaddr, siaddr
    w.bytes(&relay, 4);  // giaddr
    w.bytes(c.chaddr.data(), 6);
    w.zeros(10 + 64 + 128);  // rest of chaddr, sname, file
    w.be32(kMagicCookie);
    const uint8_t type = kind == Kind::kDiscover ? kDiscover : kRequest;
    w.option(53, &type, 1);
    if (c.client_id) {
        uint8_t cid[7] = {1};  // RFC 2132 §9.14: type 1 + hardware address
        std::memcpy(cid + 1, c.chaddr.data(), 6);
        w.option(61, cid, sizeof cid);
    }
    if (kind == Kind::kSelecting) {
        w.option(50, &offered, 4);  // RFC 2131 §4.3.2 SELECTING: 50 and 54 present
        w.option(54, &server_id, 4);
    } else if (kind == Kind::kInitReboot) {
        w.option(50, &c.addr, 4);  // INIT-REBOOT: 50 present, 54 absent, ciaddr 0
    }
    if (!c.name.empty()) w.option(12, c.name.data(), c.name.size());
    static constexpr uint8_t kParams[] = {1, 3, 6, 15, 28, 51, 54, 58, 59};
    w.option(55, kParams, sizeof kParams);
    w.u8(255);
    if (w.size() < kMinBootp) w.zeros(kMinBootp - w.size());
    return w.ok() ? w.size() : 0;
}

struct Reply {
    uint32_t xid = 0;
    std::array<uint8_t, 6> chaddr{};
    uint32_t yiaddr = 0;
    uint8_t type = 0;
    uint32_t server_id = 0;
    bool has_server_id = false;
};

// Parses a server reply. Options are read from the options field only (servers do not
// need overload for replies this small); every length is checked against the datagram.
bool parse_reply(const uint8_t* p, size_t n, Reply& r) {
    if (n < kOptionsStart || n > kPacketBuf) return false;
    if (p[0] != 2 || p[1] != 1 || p[2] != 6) return false;  // BOOTREPLY, ethernet, hlen 6
    const uint32_t cookie = (static_cast<uint32_t>(p[236]) << 24) |
                            (static_cast<uint32_t>(p[237]) << 16) |
                            (static_cast<uint32_t>(p[238]) << 8) | p[239];
    if (cookie != kMagicCookie) return false;
    r.xid = (static_cast<uint32_t>(p[4]) << 24) | (static_cast<uint32_t>(p[5]) << 16) |
            (static_cast<uint32_t>(p[6]) << 8) | p[7];
    std::memcpy(&r.yiaddr, p + 16, 4);
    std::memcpy(r.chaddr.data(), p + 28, 6);
    size_t i = kOptionsStart;
    while (i < n) {
        const uint8_t code = p[i];
        if (code == 0) {
            ++i;
            continue;
        }
        if (code == 255) break;
        if (i + 1 >= n) return false;
        const size_t len = p[i + 1];
        if (i + 2 + len > n) return false;
        const uint8_t* v = p + i + 2;
        if (code == 53 && len == 1) r.type = v[0];
        if (code == 54 && len == 4) {
            std::memcpy(&r.server_id, v, 4);
            r.has_server_id = true;
        }
        i += 2 + len;
    }
    return r.type != 0;
}

// ---- the exchange engine ----------------------------------------------------------

enum class Phase : uint8_t { kIdle, kDiscover, kRequest };

struct Exchange {
    Phase phase = Phase::kIdle;
    uint8_t tries = 0;  // transmissions of the current message
    uint32_t xid = 0;
    uint32_t uses = 0;         // exchanges this slot has carried (xid generation)
    uint32_t timer_token = 0;  // invalidates older timer entries
    uint32_t offered = 0;
    uint32_t server_id = 0;
    uint64_t t_start = 0;
    uint64_t client_index = 0;
    Client client;
};

struct Timer {
    uint64_t deadline;
    uint32_t slot;
    uint32_t token;
    bool operator>(const Timer& o) const { return deadline > o.deadline; }
};

struct Stats {
    uint64_t started = 0;
    uint64_t acked = 0;
    uint64_t naks = 0;
    uint64_t offers = 0;
    uint64_t lost_no_offer = 0;
    uint64_t lost_no_ack = 0;
    uint64_t aborted = 0;
    uint64_t mismatches = 0;  // ACK for an address other than offered/recorded
    uint64_t dup_addr = 0;    // one address ACKed to two clients in this run
    uint64_t stray = 0;       // replies matching no outstanding exchange (late, duplicate)
    uint64_t malformed = 0;
    uint64_t send_errors = 0;
    uint64_t retransmits = 0;
    uint64_t slow_1s = 0;         // ACKed, but more than 1 s after the first DISCOVER/REQUEST
    uint64_t answered_1s = 0;     // ACK or NAK within 1 s of the exchange's first message
    uint64_t skipped = 0;         // paced: a start found no free slot (counted as started, lost)
    uint64_t start_phase_ns = 0;  // from t0 to the moment the last exchange was started
    uint64_t first_ack_ns = 0;
    uint64_t last_done_ns = 0;
};

class Runner {
public:
    Runner(const Config& cfg, std::vector<Client> file_clients, uint64_t record_conflicts)
        : cfg_(cfg),
          file_clients_(std::move(file_clients)),
          record_conflicts_(record_conflicts),
          slots_(cfg.window) {
        if (cfg_.mode != Mode::kDora) {
            const uint64_t n = file_clients_.size();
            total_ = cfg_.count == 0 ? n : std::min<uint64_t>(cfg_.count, n);
        } else {
            total_ = cfg_.count;  // 0 = until duration
        }
        latencies_.reserve(
            static_cast<size_t>(std::min<uint64_t>(total_ == 0 ? 1'000'000 : total_, 4'000'000)));
        if (cfg_.mode == Mode::kDora)
            acked_addrs_.reserve(static_cast<size_t>(
                std::min<uint64_t>(total_ == 0 ? 1'000'000 : total_, 4'000'000)));
        // xids start at a value derived from the seed and first client, so two runs with
        // different clients do not reuse xids either.
        xid_base_ = static_cast<uint32_t>(0x9E3779B9u * (cfg_.seed + 1) ^
                                          static_cast<uint32_t>(cfg_.first_client * 2654435761u));
        open_socket();
        if (!cfg_.record.empty()) {
            record_fd_ =
                ::open(cfg_.record.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (record_fd_ < 0) die("cannot open " + cfg_.record + ": " + std::strerror(errno));
        }
        for (auto& m : send_msgs_) m = mmsghdr{};
        for (auto& m : recv_msgs_) m = mmsghdr{};
        dest_.sin_family = AF_INET;
        dest_.sin_port = htons(cfg_.server_port);
        dest_.sin_addr.s_addr = cfg_.server;
    }
    ~Runner() {
        if (fd_ >= 0) ::close(fd_);
        if (record_fd_ >= 0) ::close(record_fd_);
    }
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    int run();

private:
    void open_socket();
    void start_exchange(uint64_t now);
    void transmit(uint32_t slot, uint64_t now);
    void on_timer(const Timer& t, uint64_t now);
    void on_reply(const uint8_t* p, size_t n, uint64_t now);
    void finish(uint32_t slot, uint64_t now);
    void queue_send(size_t len);
    uint8_t* send_buffer() { return send_bufs_[send_count_].data(); }
    void flush_sends();
    void flush_record();
    void receive(uint64_t now);
    uint64_t timeout_for(uint8_t tries) const;
    uint64_t max_lifetime_ns() const;
    uint64_t deadline_ns() const { return static_cast<uint64_t>(cfg_.deadline_ms) * 1'000'000ULL; }
    int report(uint64_t t0, uint64_t t_end);

    const Config& cfg_;
    std::vector<Client> file_clients_;
    uint64_t record_conflicts_ = 0;  // verify: addresses recorded for two clients
    std::vector<Exchange> slots_;
    std::vector<uint32_t> free_;  // free slot indices
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
    uint64_t total_ = 0;
    uint32_t outstanding_ = 0;
    uint32_t xid_base_ = 0;
    int fd_ = -1;
    int record_fd_ = -1;
    std::string record_buf_;
    sockaddr_in dest_{};
    Stats st_;
    std::vector<uint32_t> latencies_;                     // microseconds, ACKed exchanges only
    std::unordered_map<uint32_t, uint64_t> acked_addrs_;  // address -> client index

    std::array<std::array<uint8_t, kPacketBuf>, kBatch> send_bufs_{};
    std::array<iovec, kBatch> send_iov_{};
    std::array<mmsghdr, kBatch> send_msgs_{};
    size_t send_count_ = 0;
    std::array<std::array<uint8_t, kPacketBuf>, kBatch> recv_bufs_{};
    std::array<iovec, kBatch> recv_iov_{};
    std::array<mmsghdr, kBatch> recv_msgs_{};
};

void Runner::open_socket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) die(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Large buffers: a burst of replies must not be dropped by us and counted as the
    // server's loss. FORCE needs CAP_NET_ADMIN; fall back to the capped request.
    const int rcv = 16 << 20;
    const int snd = 4 << 20;
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) != 0)
        setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(cfg_.bind_port);
    a.sin_addr.s_addr = cfg_.relay;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        die("bind " + ipv4_str(cfg_.relay) + ":" + std::to_string(cfg_.bind_port) + ": " +
            std::strerror(errno));
}

uint64_t Runner::timeout_for(uint8_t tries) const {
    uint64_t factor = 1;
    if (cfg_.backoff) {
        for (uint8_t i = 1; i < tries && factor < kMaxBackoffFactor; ++i) factor *= 2;
    }
    return static_cast<uint64_t>(cfg_.timeout_ms) * 1'000'000ULL * factor;
}

// The longest an exchange can live: two messages, each sent 1 + retries times, or the
// deadline if that is shorter.
uint64_t Runner::max_lifetime_ns() const {
    uint64_t per_message = 0;
    for (uint32_t t = 1; t <= cfg_.retries + 1; ++t)
        per_message += timeout_for(static_cast<uint8_t>(t));
    const uint64_t life = 2 * per_message;
    return cfg_.deadline_ms != 0 ? std::min<uint64_t>(life, deadline_ns()) : life;
}

void Runner::queue_send(size_t len) {
    if (len == 0) {
        ++st_.send_errors;  // could not build (cannot happen with our sizes)
        return;
    }
    send_iov_[send_count_] = iovec{send_bufs_[send_count_].data(), len};
    msghdr& h = send_msgs_[send_count_].msg_hdr;
    h = msghdr{};
    h.msg_name = &dest_;
    h.msg_namelen = sizeof dest_;
    h.msg_iov = &send_iov_[send_count_];
    h.msg_iovlen = 1;
    if (++send_count_ == kBatch) flush_sends();
}

void Runner::flush_sends() {
    size_t done = 0;
    int guard = 0;
    while (done < send_count_ && guard++ < 8) {
        const int n =
            ::sendmmsg(fd_, send_msgs_.data() + done, static_cast<unsigned>(send_count_ - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            // EAGAIN/ENOBUFS/ECONNREFUSED: drop this one; its timer retransmits it.
            ++st_.send_errors;
            ++done;
            continue;
        }
        done += static_cast<size_t>(n);
    }
    if (done < send_count_) st_.send_errors += send_count_ - done;
    send_count_ = 0;
}

void Runner::flush_record() {
    if (record_fd_ < 0 || record_buf_.empty()) return;
    size_t off = 0;
    int guard = 0;
    while (off < record_buf_.size() && guard++ < 64) {
        const ssize_t n = ::write(record_fd_, record_buf_.data() + off, record_buf_.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("writing " + cfg_.record + ": " + std::strerror(errno));
        }
        off += static_cast<size_t>(n);
    }
    if (off < record_buf_.size()) die("short write to " + cfg_.record);
    record_buf_.clear();
}

void Runner::start_exchange(uint64_t now) {
    if (free_.empty()) {  // paced only: the window is full, this start is lost
        ++st_.started;
        ++st_.skipped;
        return;
    }
    const uint32_t slot = free_.back();
    free_.pop_back();
    Exchange& e = slots_[slot];
    const uint64_t index = st_.started++;
    // xid = base + gen * window + slot: unique for 2^32 exchanges, and the slot is found
    // from the xid in O(1).
    e.xid = xid_base_ + e.uses++ * cfg_.window + slot;
    e.client_index = index;
    // --clients: a bounded population that repeats (soak and overload runs keep the lease
    // table steady); otherwise every exchange is a fresh client.
    const uint64_t client_no = cfg_.clients ? index % cfg_.clients : index;
    e.client = cfg_.mode == Mode::kDora ? make_client(cfg_, cfg_.first_client + client_no)
                                        : file_clients_[static_cast<size_t>(index)];
    e.phase = cfg_.mode == Mode::kDora ? Phase::kDiscover : Phase::kRequest;
    e.tries = 0;
    e.offered = 0;
    e.server_id = 0;
    e.t_start = now;
    ++outstanding_;
    transmit(slot, now);
}

void Runner::transmit(uint32_t slot, uint64_t now) {
    Exchange& e = slots_[slot];
    Kind kind = Kind::kDiscover;
    if (e.phase == Phase::kRequest) {
        kind = cfg_.mode == Mode::kDora     ? Kind::kSelecting
               : cfg_.mode == Mode::kVerify ? Kind::kInitReboot
                                            : Kind::kRenewing;
    }
    if (e.tries > 0) ++st_.retransmits;
    ++e.tries;
    const size_t len =
        build(send_buffer(), kPacketBuf, kind, e.xid, e.client, cfg_.relay, e.offered, e.server_id);
    queue_send(len);
    ++e.timer_token;
    uint64_t at = now + timeout_for(e.tries);
    if (cfg_.deadline_ms != 0) at = std::min(at, e.t_start + deadline_ns());
    timers_.push(Timer{at, slot, e.timer_token});
}

void Runner::finish(uint32_t slot, uint64_t now) {
    Exchange& e = slots_[slot];
    e.phase = Phase::kIdle;
    ++e.timer_token;
    --outstanding_;
    free_.push_back(slot);
    st_.last_done_ns = now;
}

void Runner::on_timer(const Timer& t, uint64_t now) {
    Exchange& e = slots_[t.slot];
    if (e.phase == Phase::kIdle || e.timer_token != t.token) return;  // superseded
    const bool expired = cfg_.deadline_ms != 0 && now >= e.t_start + deadline_ns();
    if (e.tries <= cfg_.retries && !expired) {
        transmit(t.slot, now);
        return;
    }
    if (e.phase == Phase::kDiscover)
        ++st_.lost_no_offer;
    else
        ++st_.lost_no_ack;
    finish(t.slot, now);
}

void Runner::on_reply(const uint8_t* p, size_t n, uint64_t now) {
    Reply r;
    if (!parse_reply(p, n, r)) {
        ++st_.malformed;
        return;
    }
    const uint32_t rel = r.xid - xid_base_;
    const uint32_t slot = rel % cfg_.window;
    Exchange& e = slots_[slot];
    if (e.phase == Phase::kIdle || e.xid != r.xid || e.client.chaddr != r.chaddr) {
        ++st_.stray;
        return;
    }
    if (e.phase == Phase::kDiscover) {
        if (r.type != kOffer || !r.has_server_id || r.yiaddr == 0) {
            ++st_.stray;
            return;
        }
        ++st_.offers;
        e.offered = r.yiaddr;
        e.server_id = r.server_id;
        e.phase = Phase::kRequest;
        e.tries = 0;
        transmit(slot, now);
        return;
    }
    if (r.type == kNak) {
        ++st_.naks;
        if (now - e.t_start <= kAnsweredWithinNs) ++st_.answered_1s;
        finish(slot, now);
        return;
    }
    if (r.type != kAck) {
        ++st_.stray;  // e.g. a retransmitted DISCOVER's second OFFER
        return;
    }
    const uint32_t expected = cfg_.mode == Mode::kDora ? e.offered : e.client.addr;
    if (r.yiaddr != expected) ++st_.mismatches;
    ++st_.acked;
    if (st_.first_ack_ns == 0) st_.first_ack_ns = now;
    const uint64_t lat_ns = now - e.t_start;
    if (lat_ns > kAnsweredWithinNs)
        ++st_.slow_1s;
    else
        ++st_.answered_1s;
    if (latencies_.size() < kMaxSamples)
        latencies_.push_back(static_cast<uint32_t>(std::min<uint64_t>(lat_ns / 1000, UINT32_MAX)));
    if (cfg_.mode == Mode::kDora && acked_addrs_.size() < kMaxSamples) {
        if (auto [it, fresh] = acked_addrs_.emplace(r.yiaddr, e.client_index);
            !fresh && it->second != e.client_index)
            ++st_.dup_addr;
    }
    if (record_fd_ >= 0) {
        record_buf_ += mac_str(e.client.chaddr);
        record_buf_ += ' ';
        record_buf_ += ipv4_str(r.yiaddr);
        record_buf_ += e.client.client_id ? " cid " : " - ";
        record_buf_ += e.client.name.empty() ? "-" : e.client.name;
        record_buf_ += '\n';
    }
    finish(slot, now);
}

void Runner::receive(uint64_t now) {
    for (int round = 0; round < 16; ++round) {
        for (size_t i = 0; i < kBatch; ++i) {
            recv_iov_[i] = iovec{recv_bufs_[i].data(), kPacketBuf};
            recv_msgs_[i].msg_hdr = msghdr{};
            recv_msgs_[i].msg_hdr.msg_iov = &recv_iov_[i];
            recv_msgs_[i].msg_hdr.msg_iovlen = 1;
            recv_msgs_[i].msg_len = 0;
        }
        const int n = ::recvmmsg(fd_, recv_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        for (int i = 0; i < n; ++i) {
            const auto& h = recv_msgs_[static_cast<size_t>(i)];
            if ((h.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                ++st_.malformed;
                continue;
            }
            on_reply(recv_bufs_[static_cast<size_t>(i)].data(), h.msg_len, now);
        }
        if (static_cast<size_t>(n) < kBatch) return;
    }
}

int Runner::run() {
    free_.reserve(cfg_.window);
    for (uint32_t i = cfg_.window; i > 0; --i) free_.push_back(i - 1);
    const uint64_t t0 = now_ns();
    const uint64_t stop_at =
        cfg_.duration > 0 ? t0 + static_cast<uint64_t>(cfg_.duration * 1e9) : UINT64_MAX;
    // Wall-clock cap: the start phase can last at most the duration (or, without one,
    // count / rate plus the cap), then every exchange ends within its lifetime.
    const double start_phase = cfg_.duration > 0 ? cfg_.duration : kMaxDuration;
    const uint64_t hard_stop =
        t0 + static_cast<uint64_t>(start_phase * 1e9) + max_lifetime_ns() + 2'000'000'000ULL;
    bool stopping = false;
    while (true) {
        uint64_t now = now_ns();
        if (!stopping && ((total_ != 0 && st_.started >= total_) || now >= stop_at ||
                          cfg_.first_client + st_.started >= kClientSpace || g_signals > 0 ||
                          (cfg_.mode != Mode::kDora && total_ == 0))) {
            stopping = true;
            st_.start_phase_ns = now - t0;
        }
        bool more_ready = false;
        if (!stopping) {
            // Paced: not held back by replies (start_exchange counts a start that finds
            // the window full as skipped); the client space still bounds it.
            uint64_t budget = cfg_.paced ? kClientSpace - cfg_.first_client - st_.started
                                         : cfg_.window - outstanding_;
            if (cfg_.rate > 0) {
                const double allowed = cfg_.rate * static_cast<double>(now - t0) / 1e9 + 1.0;
                const uint64_t may = static_cast<uint64_t>(allowed);
                budget = std::min<uint64_t>(budget, may > st_.started ? may - st_.started : 0);
            }
            if (total_ != 0) budget = std::min<uint64_t>(budget, total_ - st_.started);
            const uint64_t burst = std::min<uint64_t>(budget, 1024);
            for (uint64_t i = 0; i < burst; ++i) start_exchange(now);
            more_ready = budget > burst;
        }
        for (int i = 0; i < 100'000 && !timers_.empty() && timers_.top().deadline <= now; ++i) {
            const Timer t = timers_.top();
            timers_.pop();
            on_timer(t, now);
        }
        flush_sends();
        if (stopping && outstanding_ == 0) break;
        if (now >= hard_stop || g_signals > 1) {
            st_.aborted += outstanding_;
            break;
        }
        // Sleep until a reply, the next timer, the next rate slot or the stop time.
        uint64_t wait = 50'000'000;  // 50 ms: re-check signals
        if (!timers_.empty())
            wait = std::min(wait, timers_.top().deadline > now ? timers_.top().deadline - now : 0);
        if (!stopping) {
            if (more_ready) wait = 0;
            if (cfg_.rate > 0 && (cfg_.paced || outstanding_ < cfg_.window)) {
                const double next = (static_cast<double>(st_.started) / cfg_.rate) * 1e9;
                const uint64_t at = t0 + static_cast<uint64_t>(next);
                // Paced at high rates: wake at most every kPaceQuantumNs and start what is
                // due in one burst, rather than one wake-up per exchange.
                uint64_t until = at > now ? at - now : 0;
                if (cfg_.paced && until > 0) until = std::max(until, kPaceQuantumNs);
                wait = std::min(wait, until);
            }
            if (stop_at != UINT64_MAX) wait = std::min(wait, stop_at > now ? stop_at - now : 0);
        }
        pollfd pfd{fd_, POLLIN, 0};
        timespec ts{static_cast<time_t>(wait / 1'000'000'000ULL),
                    static_cast<long>(wait % 1'000'000'000ULL)};
        const int pr = ::ppoll(&pfd, 1, &ts, nullptr);
        if (pr > 0) {
            now = now_ns();
            receive(now);
            flush_sends();
            flush_record();
        }
    }
    flush_sends();
    flush_record();
    return report(t0, now_ns());
}

double percentile_ms(std::vector<uint32_t>& v, double q) {
    if (v.empty()) return 0.0;
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

int Runner::report(uint64_t t0, uint64_t t_end) {
    // Throughput over the time the exchanges took: start to the last finished exchange
    // (so waiting out the timers of lost exchanges does not dilute it).
    const uint64_t span = (st_.last_done_ns > t0 ? st_.last_done_ns : t_end) - t0;
    const double secs = std::max(1e-9, static_cast<double>(span) / 1e9);
    const double wall = static_cast<double>(t_end - t0) / 1e9;
    const double max_ms =
        latencies_.empty() ? 0.0 : *std::max_element(latencies_.begin(), latencies_.end()) / 1000.0;
    const double p50 = percentile_ms(latencies_, 0.50);
    const double p99 = percentile_ms(latencies_, 0.99);
    const uint64_t lost = st_.lost_no_offer + st_.lost_no_ack + st_.aborted;
    const double loss_pct =
        st_.started ? 100.0 * static_cast<double>(lost) / static_cast<double>(st_.started) : 0.0;
    // J1's measure: exchanges without an ACK or NAK within 1 s of their first message
    // (lost, skipped or late), and the rate at which exchanges were really started.
    const uint64_t unanswered = st_.started - std::min(st_.started, st_.answered_1s);
    const double unanswered_pct =
        st_.started ? 100.0 * static_cast<double>(unanswered) / static_cast<double>(st_.started)
                    : 0.0;
    const uint64_t phase_ns = st_.start_phase_ns != 0 ? st_.start_phase_ns : t_end - t0;
    const double offered_per_s =
        static_cast<double>(st_.started) / std::max(1e-9, static_cast<double>(phase_ns) / 1e9);
    // Our own CPU time: if it nears the wall time, the load generator was the bottleneck.
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    const char* mode = cfg_.mode == Mode::kDora     ? "dora"
                       : cfg_.mode == Mode::kVerify ? "verify"
                                                    : "renew";
    std::printf(
        "{\"mode\":\"%s\",\"started\":%llu,\"acked\":%llu,\"naks\":%llu,\"lost\":%llu,"
        "\"lost_no_offer\":%llu,\"lost_no_ack\":%llu,\"aborted\":%llu,\"loss_pct\":%.3f,"
        "\"offers\":%llu,\"mismatches\":%llu,\"dup_addr\":%llu,\"stray\":%llu,\"malformed\":%llu,"
        "\"retransmits\":%llu,\"send_errors\":%llu,\"slow_1s\":%llu,\"elapsed_s\":%.4f,"
        "\"wall_s\":%.4f,\"exchanges_per_s\":%.1f,\"offers_per_s\":%.1f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"window\":%u,\"rate\":%.1f,\"timeout_ms\":%u,"
        "\"retries\":%u,\"seed\":%u,\"first_client\":%llu,\"hostnames\":%s,"
        "\"record_conflicts\":%llu,\"loadgen_cpu_s\":%.3f,\"paced\":%s,\"deadline_ms\":%u,"
        "\"skipped\":%llu,\"unanswered\":%llu,\"unanswered_pct\":%.3f,"
        "\"offered_per_s\":%.1f}\n",
        mode, static_cast<unsigned long long>(st_.started),
        static_cast<unsigned long long>(st_.acked), static_cast<unsigned long long>(st_.naks),
        static_cast<unsigned long long>(lost), static_cast<unsigned long long>(st_.lost_no_offer),
        static_cast<unsigned long long>(st_.lost_no_ack),
        static_cast<unsigned long long>(st_.aborted), loss_pct,
        static_cast<unsigned long long>(st_.offers),
        static_cast<unsigned long long>(st_.mismatches),
        static_cast<unsigned long long>(st_.dup_addr), static_cast<unsigned long long>(st_.stray),
        static_cast<unsigned long long>(st_.malformed),
        static_cast<unsigned long long>(st_.retransmits),
        static_cast<unsigned long long>(st_.send_errors),
        static_cast<unsigned long long>(st_.slow_1s), secs, wall,
        static_cast<double>(st_.acked) / secs, static_cast<double>(st_.offers) / secs, p50, p99,
        max_ms, cfg_.window, cfg_.rate, cfg_.timeout_ms, cfg_.retries, cfg_.seed,
        static_cast<unsigned long long>(cfg_.first_client), cfg_.hostnames ? "true" : "false",
        static_cast<unsigned long long>(record_conflicts_), cpu_s, cfg_.paced ? "true" : "false",
        cfg_.deadline_ms, static_cast<unsigned long long>(st_.skipped),
        static_cast<unsigned long long>(unanswered), unanswered_pct, offered_per_s);
    std::fflush(stdout);
    if (!cfg_.quiet) {
        std::fprintf(stderr,
                     "%s: %llu/%llu ACKed in %.2f s = %.0f/s; NAK %llu, lost %llu (%.2f%%), "
                     "mismatch %llu, dup %llu; latency p50 %.2f ms p99 %.2f ms max %.2f ms; "
                     "%.0f offers/s, %llu retransmits; offered %.0f/s, unanswered within "
                     "1 s %llu (%.2f%%)\n",
                     mode, static_cast<unsigned long long>(st_.acked),
                     static_cast<unsigned long long>(st_.started), secs,
                     static_cast<double>(st_.acked) / secs,
                     static_cast<unsigned long long>(st_.naks),
                     static_cast<unsigned long long>(lost), loss_pct,
                     static_cast<unsigned long long>(st_.mismatches),
                     static_cast<unsigned long long>(st_.dup_addr), p50, p99, max_ms,
                     static_cast<double>(st_.offers) / secs,
                     static_cast<unsigned long long>(st_.retransmits), offered_per_s,
                     static_cast<unsigned long long>(unanswered), unanswered_pct);
    }
    if (cfg_.mode == Mode::kVerify) {
        if (st_.naks > 0 || st_.mismatches > 0 || record_conflicts_ > 0) return 1;
        if (lost > 0) return 3;
    }
    return 0;
}

int main_impl(int argc, char** argv) {
    const Config cfg = parse_args(argc, argv);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<Client> clients;
    RecordFile rf;
    if (cfg.mode != Mode::kDora) {
        rf = read_records(cfg.file);
        clients = rf.clients;
        if (!cfg.quiet)
            std::fprintf(stderr,
                         "%s: %llu records, %zu clients, %llu malformed/torn lines, %llu "
                         "superseded, %llu address conflicts\n",
                         cfg.file.c_str(), static_cast<unsigned long long>(rf.lines),
                         clients.size(), static_cast<unsigned long long>(rf.malformed),
                         static_cast<unsigned long long>(rf.superseded),
                         static_cast<unsigned long long>(rf.conflicts));
        for (const auto& ex : rf.conflict_examples)
            std::fprintf(stderr, "conflict: %s\n", ex.c_str());
    }
    Runner runner(cfg, std::move(clients), rf.conflicts);
    return runner.run();
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) {
    return loadgen::main_impl(argc, argv);
}
