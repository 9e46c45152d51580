// Option 81 (RFC 4702) from arbitrary bytes (ROBUSTNESS C5): the bounded parser, then
// what the engine does with a parsed value: clean the name (sanitize_hostname) and build
// our reply. Checked: parsed names stay within DNS limits, flags are sane, the reply has
// exactly one of S/N, O exactly when our S differs from the client's, both RCODEs 255,
// and a client reading our reply gets the name we put there.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "leasedns/dhcp/hostname.hpp"

using namespace leasedns;
using dhcp::ClientFqdn;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Our own name as the engine would build it: label + "." + domain.
void check_reply(const ClientFqdn& request, const std::string& fqdn, bool updates) {
    std::vector<uint8_t> reply = dhcp::build_client_fqdn_reply(request, fqdn, updates);
    check(reply.size() >= 3);
    uint8_t f = reply[0];
    bool s = f & ClientFqdn::kFlagS, n = f & ClientFqdn::kFlagN, o = f & ClientFqdn::kFlagO;
    check(s != n);  // RFC 4702 §2.1: N=1 requires S=0; we always take one side
    check(s == updates);
    check(o == (s != static_cast<bool>(request.flags & ClientFqdn::kFlagS)));
    check((f & ClientFqdn::kFlagE) == (request.flags & ClientFqdn::kFlagE));
    check((f & 0xf0) == 0);
    check(reply[1] == 255 && reply[2] == 255);
    // The client parses our reply back to the same name (or none, if it could not be
    // encoded: then nothing follows the RCODEs).
    auto back = dhcp::parse_client_fqdn(reply);
    check(back.has_value());
    if (reply.size() > 3) {
        check(back->name == fqdn);
        check(!back->partial);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> value(data, data + size);
    auto parsed = dhcp::parse_client_fqdn(value);
    if (!parsed) return 0;
    const ClientFqdn& f = *parsed;
    check(size >= 3);
    // O and the MBZ bits are never taken from a client; S with N is refused.
    check((f.flags & ~(ClientFqdn::kFlagS | ClientFqdn::kFlagE | ClientFqdn::kFlagN)) == 0);
    check(!((f.flags & ClientFqdn::kFlagS) && (f.flags & ClientFqdn::kFlagN)));
    check(f.name.size() <= 255);
    if (f.flags & ClientFqdn::kFlagE) {
        // Wire names: labels of 1..63 octets, no dots inside a label, no empty label.
        size_t start = 0;
        while (!f.name.empty()) {
            size_t dot = f.name.find('.', start);
            size_t len = (dot == std::string::npos ? f.name.size() : dot) - start;
            check(len >= 1 && len <= 63);
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
    } else {
        check(!f.partial);
    }

    // What the engine does next: clean the name, then answer with label.domain.
    for (const char* domain : {"lan", "home.arpa"}) {
        auto label = dhcp::sanitize_hostname(f.name, domain, nullptr);
        std::string fqdn = label ? *label + "." + domain : std::string();
        check_reply(f, fqdn, true);
        check_reply(f, fqdn, false);
    }
    // And with the client's own name echoed (a name we could not vet is never put on the
    // wire broken: either it encodes or it is left out).
    if (f.name.size() <= 253) check_reply(f, f.name, data[0] & 1);
    return 0;
}
