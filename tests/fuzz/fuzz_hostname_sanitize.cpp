// sanitize_hostname on arbitrary names (ROBUSTNESS C1-C4, C6, C8). The first input octet
// picks our domain; the rest is the name as a client sent it in option 12. Whatever comes
// out is one LDH label that stays the same when cleaned again, qualified with our domain,
// upper-cased or given a trailing dot.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "leasedns/dhcp/hostname.hpp"

using namespace leasedns;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::array<std::string_view, 5> kDomains{"", "lan", "home.arpa", "Example.COM.",
                                                   "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s"};

bool ldh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view domain = kDomains[data[0] % kDomains.size()];
    std::string raw(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string reason;
    auto label = dhcp::sanitize_hostname(raw, domain, &reason);
    if (!label) {
        check(!reason.empty());
        return 0;
    }
    const std::string& l = *label;
    // One LDH label of 1..63 octets, not starting or ending with '-' (RFC 1123 §2.1).
    check(!l.empty() && l.size() <= 63);
    for (char c : l) check(ldh(c));
    check(l.front() != '-' && l.back() != '-');
    check(l != "wpad" && l != "isatap" && l != "localhost");
    // With our domain it is a valid name (C4).
    std::string_view bare = domain;
    if (!bare.empty() && bare.back() == '.') bare.remove_suffix(1);
    if (!bare.empty()) check(l.size() + 1 + bare.size() <= 253);
    // Never a name outside our zone (C1): the label is the input's first label.
    std::string folded = raw;
    while (!folded.empty() && folded.back() == '\0') folded.pop_back();  // RFC 2132 §2
    for (char& c : folded)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    check(folded.compare(0, l.size(), l) == 0);
    check(folded.size() == l.size() || folded[l.size()] == '.');
    // Idempotent and insensitive to case and a trailing dot (C8).
    check(dhcp::sanitize_hostname(l, domain, nullptr) == label);
    check(dhcp::sanitize_hostname(upper(l) + ".", domain, nullptr) == label);
    if (!bare.empty())
        check(dhcp::sanitize_hostname(l + "." + upper(bare), domain, nullptr) == label);
    return 0;
}
