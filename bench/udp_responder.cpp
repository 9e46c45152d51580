// udp_responder: the DNS benchmark's ceiling (bench/dns_bench.sh). A trivial
// single-threaded UDP DNS responder: recvfrom, answer every query with one fixed A record,
// sendto. It does the least any DNS server must do per query (one datagram in, the
// question echoed, one answer out), so its queries per second per core bound what a
// server on the same path can reach.
//
//   udp_responder --addr 198.19.255.1 --port 53 [--answer 198.18.0.53] [--max-seconds 3600]
//
// Stops on SIGTERM/SIGINT or after --max-seconds (a benchmark helper never runs unbounded).
// Shares no code with leasedns on purpose: it must stay the simplest thing that answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

constexpr size_t kHeaderSize = 12;

// Length of the question's QNAME starting at `pos` (labels only: a query's question never
// holds a compression pointer, RFC 1035 §4.1.4 allows them but no resolver sends one
// there); 0 if malformed.
size_t qname_length(const uint8_t* msg, size_t len, size_t pos) {
    size_t start = pos;
    while (pos < len) {
        uint8_t l = msg[pos];
        if (l == 0) return pos + 1 - start;
        if (l > 63) return 0;
        pos += 1 + l;
    }
    return 0;
}

// Turns the query in `buf` (length `len`) into a response in place; returns the response
// length or 0 to drop it. Header flags: QR=1, AA=1, RA=1, RD copied, RCODE 0 (RFC 1035
// §4.1.1); QDCOUNT 1, ANCOUNT 1, NSCOUNT 0, ARCOUNT 0 (any EDNS OPT record is dropped,
// RFC 6891 §7 allows a responder without EDNS to answer without one).
size_t answer(uint8_t* buf, size_t len, size_t cap, uint32_t a_record) {
    if (len < kHeaderSize + 5) return 0;
    if (buf[2] & 0x80) return 0;               // a response: never answer those
    if (buf[4] != 0 || buf[5] != 1) return 0;  // exactly one question
    size_t n = qname_length(buf, len, kHeaderSize);
    if (n == 0) return 0;
    size_t qend = kHeaderSize + n + 4;  // QTYPE, QCLASS
    if (qend > len) return 0;
    constexpr size_t kAnswerSize = 2 + 2 + 2 + 4 + 2 + 4;
    if (qend + kAnswerSize > cap) return 0;
    buf[2] = static_cast<uint8_t>(0x80 | 0x04 | (buf[2] & 0x01));  // QR, AA, RD copied
    buf[3] = 0x80;                                                 // RA, RCODE 0
    buf[6] = 0, buf[7] = 1;                                        // ANCOUNT 1
    buf[8] = buf[9] = buf[10] = buf[11] = 0;                       // NSCOUNT, ARCOUNT 0
    uint8_t* p = buf + qend;
    *p++ = 0xC0, *p++ = kHeaderSize;               // name: pointer to the question's name
    *p++ = 0, *p++ = 1;                            // TYPE A
    *p++ = 0, *p++ = 1;                            // CLASS IN
    *p++ = 0, *p++ = 0, *p++ = 0x0E, *p++ = 0x10;  // TTL 3600
    *p++ = 0, *p++ = 4;
    *p++ = static_cast<uint8_t>(a_record >> 24), *p++ = static_cast<uint8_t>(a_record >> 16);
    *p++ = static_cast<uint8_t>(a_record >> 8), *p++ = static_cast<uint8_t>(a_record);
    return qend + kAnswerSize;
}

int usage() {
    std::fputs("usage: udp_responder --addr IPV4 [--port N] [--answer IPV4] [--max-seconds S]\n",
               stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string addr_text, answer_text = "198.18.0.53";
    long port = 53, max_seconds = 3600;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        if (a == "--addr")
            addr_text = argv[++i];
        else if (a == "--port")
            port = std::strtol(argv[++i], nullptr, 10);
        else if (a == "--answer")
            answer_text = argv[++i];
        else if (a == "--max-seconds")
            max_seconds = std::strtol(argv[++i], nullptr, 10);
        else
            return usage();
    }
    sockaddr_in local{};
    in_addr answer_addr{};
    local.sin_family = AF_INET;
    local.sin_port = htons(static_cast<uint16_t>(port));
    if (addr_text.empty() || inet_pton(AF_INET, addr_text.c_str(), &local.sin_addr) != 1 ||
        inet_pton(AF_INET, answer_text.c_str(), &answer_addr) != 1 || port <= 0 || port > 65535 ||
        max_seconds <= 0)
        return usage();
    uint32_t a_record = ntohl(answer_addr.s_addr);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return std::perror("socket"), 1;
    // A deep receive queue so bursts of the load generator's window are not dropped.
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
        return std::perror("bind"), 1;
    // Wake up once a second to check the stop flag and the time limit.
    timeval tick{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);

    struct sigaction sa {};
    sa.sa_handler = on_signal;  // no SA_RESTART: recvfrom returns EINTR
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    std::time_t deadline = std::time(nullptr) + max_seconds;
    uint8_t buf[4096];
    unsigned long long answered = 0, dropped = 0;
    unsigned iterations_since_clock = 0;
    while (!g_stop) {
        sockaddr_in peer{};
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
        if (++iterations_since_clock >= 65536 || n < 0) {
            iterations_since_clock = 0;
            if (std::time(nullptr) >= deadline) break;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            std::perror("recvfrom");
            break;
        }
        size_t out = answer(buf, static_cast<size_t>(n), sizeof buf, a_record);
        if (out == 0) {
            ++dropped;
            continue;
        }
        if (sendto(fd, buf, out, 0, reinterpret_cast<sockaddr*>(&peer), peer_len) < 0)
            ++dropped;
        else
            ++answered;
    }
    close(fd);
    std::fprintf(stderr, "udp_responder: answered %llu, dropped %llu\n", answered, dropped);
    return 0;
}
