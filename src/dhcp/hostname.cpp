// Client host names: option 12 (RFC 2132 §3.14) and option 81 (RFC 4702) reduced to one
// LDH label (RFC 1123 §2.1) before they can reach DNS (ROBUSTNESS C1-C8).
#include "leasedns/dhcp/hostname.hpp"

#include <algorithm>
#include <array>

#include "wire_names.hpp"

namespace leasedns::dhcp {

namespace {

// Names a DHCP client must never claim: WPAD/ISATAP hijacking and loopback confusion.
constexpr std::array<std::string_view, 3> kReserved{"wpad", "isatap", "localhost"};

char fold(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ldh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (fold(a[i]) != fold(b[i])) return false;
    return true;
}

std::optional<std::string> reject(std::string* reason, const char* why) {
    if (reason) *reason = why;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> sanitize_hostname(std::string_view raw, std::string_view domain,
                                             std::string* reason) {
    // RFC 2132 §2: NVT ASCII options "SHOULD NOT include a trailing NULL; however, the
    // receiver of such options MUST be prepared to delete trailing nulls if they exist"
    // (Windows and some embedded clients send them). A NUL anywhere else still rejects.
    while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    // C8: "Host." and "host" are the same name.
    if (!raw.empty() && raw.back() == '.') raw.remove_suffix(1);
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (raw.empty()) return reject(reason, "empty name");

    std::string_view label = raw;
    if (size_t dot = raw.find('.'); dot != std::string_view::npos) {
        // C1: a dotted name is ours only when everything after the first label is our
        // domain; "evil.example.com" never yields a record, not even "evil".
        std::string_view rest = raw.substr(dot + 1);
        if (domain.empty() || !iequals(rest, domain))
            return reject(reason, "name outside our domain");
        label = raw.substr(0, dot);
    }
    if (label.empty()) return reject(reason, "empty label");
    if (label.size() > wire::kMaxLabel) return reject(reason, "label longer than 63 octets");
    // C4: the record we publish is label.domain, which must stay a valid name: at most 253
    // octets in text form (RFC 1035 §2.3.4: 255 in wire form, with the length octets and
    // the root). The caller never sees a label that only fits without its domain.
    if (!domain.empty() && label.size() + 1 + domain.size() > wire::kMaxName - 2)
        return reject(reason, "name longer than 253 octets with our domain");

    std::string out(label.size(), '\0');
    for (size_t i = 0; i < label.size(); ++i) {
        char c = fold(label[i]);
        // C2: no mapping of odd octets (space, NUL, controls, UTF-8, punctuation) to
        // something else: a mapped name could collide with a legitimate one.
        if (!ldh(c)) return reject(reason, "character not allowed in a host name");
        out[i] = c;
    }
    if (out.front() == '-' || out.back() == '-')
        return reject(reason, "label starts or ends with '-'");
    for (std::string_view r : kReserved)
        if (out == r) return reject(reason, "reserved name");
    return out;
}

std::optional<ClientFqdn> parse_client_fqdn(Bytes value) {
    // RFC 4702 §2: flags, RCODE1, RCODE2, then the name.
    if (value.size() < 3) return std::nullopt;
    ClientFqdn out;
    // §2.1: the MBZ bits must be ignored; O is only meaningful from a server.
    out.flags = value[0] & (ClientFqdn::kFlagS | ClientFqdn::kFlagE | ClientFqdn::kFlagN);
    // §2.1: "If the N bit is 1, the S bit MUST be 0." Kea refuses the combination; so do
    // we (the caller falls back to option 12).
    if ((out.flags & ClientFqdn::kFlagS) && (out.flags & ClientFqdn::kFlagN)) return std::nullopt;
    Bytes name = value.subspan(3);
    if (out.flags & ClientFqdn::kFlagE) {
        // §2.3.1: canonical wire format, without compression; a name without the root
        // label is partial. Nothing may follow the root label.
        if (name.empty()) return out;
        size_t pos = 0;
        auto read = wire::read_name(name, pos, false, true);
        if (!read || pos != name.size()) return std::nullopt;
        out.name = std::move(read->dotted);
        out.partial = !read->rooted;
        return out;
    }
    // §2.3.1: the deprecated ASCII form. Bounded like a wire name.
    if (name.size() > wire::kMaxName) return std::nullopt;
    out.name.assign(name.begin(), name.end());
    return out;
}

std::vector<uint8_t> build_client_fqdn_reply(const ClientFqdn& request, std::string_view fqdn,
                                             bool server_updates_a) {
    uint8_t flags = request.flags & ClientFqdn::kFlagE;
    if (server_updates_a) {
        // §4.1: S=1 when we do the A update; O=1 when the client asked us not to (S=0).
        flags |= ClientFqdn::kFlagS;
        if (!(request.flags & ClientFqdn::kFlagS)) flags |= ClientFqdn::kFlagO;
    } else {
        // §4.1: N=1 (and S=0) when we will not update DNS at all.
        flags |= ClientFqdn::kFlagN;
        // §2.1: "A server MUST set [O] to 1 if the 'S' bit in its reply to the client does
        // not match the 'S' bit received from the client" -- that holds here too, when the
        // client asked for S=1 and we answer N=1, S=0 (Kea sets O the same way).
        if (request.flags & ClientFqdn::kFlagS) flags |= ClientFqdn::kFlagO;
    }
    // §2.2: a server sets both RCODE fields to 255.
    std::vector<uint8_t> out{flags, 255, 255};
    if (fqdn.empty()) return out;
    if (flags & ClientFqdn::kFlagE) {
        // Fully qualified, so with the root label; a name that cannot be encoded is left
        // out rather than sent malformed.
        if (auto labels = wire::split_name(fqdn)) {
            wire::NameWriter writer(out, false);
            writer.write(*labels);
        }
    } else {
        // resize + copy rather than insert: g++ 12 -O3 warns falsely on the insert.
        out.resize(3 + fqdn.size());
        std::copy(fqdn.begin(), fqdn.end(), out.begin() + 3);
    }
    return out;
}

}  // namespace leasedns::dhcp
