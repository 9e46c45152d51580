// dnsmasq's lease-file format: parse (for --import-leases and a dnsmasq --dhcp-leasefile)
// and format (for `leasectl leases --format dnsmasq`). The column layout follows dnsmasq's
// src/lease.c (lease_update_file / lease_init); see dnsmasq_leases.hpp.
#include "leasedns/leases/dnsmasq_leases.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::leases {

namespace {

constexpr uint8_t kHardwareMarker = 0xff;  // ClientId::from_hardware's first octet
constexpr uint8_t kEthernet = 1;           // ARPHRD_ETHER / RFC 1700 htype 1
constexpr size_t kMaxHardwareLength = 16;  // RFC 2131 §2: chaddr is 16 octets

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size() && fields.size() <= 6) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "aa:bb:cc" (dnsmasq's print_mac); a lone octet has no separator. At most `max` octets.
bool parse_hex_octets(std::string_view text, size_t max, std::vector<uint8_t>& out) {
    out.clear();
    size_t i = 0;
    while (i < text.size()) {
        if (out.size() == max || text.size() - i < 2) return false;
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<uint8_t>(hi * 16 + lo));
        i += 2;
        if (i < text.size()) {
            if (text[i] != ':' || i + 1 == text.size()) return false;
            ++i;
        }
    }
    return !out.empty();
}

bool parse_expiry(std::string_view text, WallSeconds& out) {
    if (text.empty() || text.size() > 19) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

std::string hex_octets(Bytes bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i) out.push_back(':');
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0xf]);
    }
    return out;
}

// A client known by its hardware address only (no option 61): the id is the marker,
// htype and chaddr (lease.cpp). An RFC 4361 option 61 also starts with 0xff but is at
// least 9 octets, so an id of at most 8 octets starting with 0xff is a hardware one
// (Ethernet: 8). A longer hardware id is printed as a client id: parsing that back
// gives the identical ClientId (from_option61 keeps up to 32 octets as they are).
bool is_hardware_id(const ClientId& id) {
    Bytes b = id.bytes();
    return b.size() >= 3 && b.size() <= 8 && b[0] == kHardwareMarker;
}

// Parses one IPv4 lease line's fields into `lease`; returns an error text or empty.
std::string parse_lease_fields(const std::vector<std::string_view>& f, Lease& lease) {
    if (f.size() != 5)
        return "expected 5 fields (EXPIRY MAC IP HOSTNAME CLIENTID), got " +
               std::to_string(f.size());
    if (!parse_expiry(f[0], lease.expires)) return "bad expiry time '" + std::string(f[0]) + "'";
    auto addr = Ipv4::parse(f[2]);
    if (!addr) return "bad IPv4 address '" + std::string(f[2]) + "'";
    lease.addr = *addr;

    // MAC: "aa:bb:cc:dd:ee:ff" for Ethernet, "HT-xx:..." for other hardware types.
    uint8_t htype = kEthernet;
    std::string_view hw = f[1];
    if (hw.size() > 3 && hw[2] == '-') {
        int hi = hex_value(hw[0]), lo = hex_value(hw[1]);
        if (hi < 0 || lo < 0) return "bad hardware type in '" + std::string(f[1]) + "'";
        htype = static_cast<uint8_t>(hi * 16 + lo);
        hw.remove_prefix(3);
    }
    std::vector<uint8_t> chaddr;
    if (!parse_hex_octets(hw, kMaxHardwareLength, chaddr))
        return "bad hardware address '" + std::string(f[1]) + "'";
    if (chaddr.size() == 6) std::copy(chaddr.begin(), chaddr.end(), lease.mac.octets.begin());

    if (f[4] == "*") {
        lease.client = ClientId::from_hardware(htype, Bytes(chaddr));
    } else {
        std::vector<uint8_t> option61;
        // Option 61 is at most 255 octets (one DHCP option).
        if (!parse_hex_octets(f[4], 255, option61))
            return "bad client id '" + std::string(f[4]) + "'";
        lease.client = ClientId::from_option61(Bytes(option61));
    }
    if (f[3] != "*") lease.hostname.assign(f[3]);
    lease.state = LeaseState::Bound;
    return {};
}

bool is_ipv6_line(const std::vector<std::string_view>& f) {
    return f.size() >= 3 && f[2].find(':') != std::string_view::npos;
}

bool expired_at(const Lease& l, WallSeconds now) {
    return l.expires != 0 && l.expires <= now;
}

}  // namespace

DnsmasqLeaseFile parse_dnsmasq_leases(std::string_view text) {
    DnsmasqLeaseFile out;
    size_t line_no = 0;
    auto report = [&](std::string message) {
        ++out.error_count;
        if (out.errors.size() < DnsmasqLeaseFile::kMaxKeptErrors)
            out.errors.push_back({line_no, std::move(message)});
    };
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto f = split_fields(line);
        if (f.empty()) continue;
        if (f[0] == "duid") {
            // dnsmasq writes the server's DUID before its IPv6 leases: all that follows is v6.
            out.has_duid = true;
            continue;
        }
        if (out.has_duid || is_ipv6_line(f)) {
            ++out.ipv6_skipped;
            continue;
        }
        Lease lease;
        std::string problem = parse_lease_fields(f, lease);
        if (!problem.empty()) {
            report(std::move(problem));
            continue;
        }
        out.leases.push_back(std::move(lease));
    }
    return out;
}

LeaseFileKind classify_lease_file(Bytes content) {
    std::string_view text(reinterpret_cast<const char*>(content.data()), content.size());
    if (text.substr(0, kJournalMagic.size()) == kJournalMagic)
        return LeaseFileKind::LeasednsJournal;
    // Only the first line is judged: a later bad line is the importer's to report, but a
    // binary or unrelated file never looks like a lease line.
    size_t nl = text.find('\n');
    std::string_view first = text.substr(0, std::min<size_t>(nl, 4096));
    if (text.empty()) return LeaseFileKind::DnsmasqLeases;
    auto parsed = parse_dnsmasq_leases(first);
    bool recognised = parsed.error_count == 0 &&
                      (!parsed.leases.empty() || parsed.has_duid || parsed.ipv6_skipped > 0);
    return recognised ? LeaseFileKind::DnsmasqLeases : LeaseFileKind::Unknown;
}

std::string dnsmasq_hardware_text(const Lease& lease) {
    if (!is_hardware_id(lease.client)) return lease.mac.str();
    Bytes b = lease.client.bytes();
    uint8_t htype = b[1];
    Bytes chaddr = b.subspan(2);
    if (htype == kEthernet && chaddr.size() == 6) return hex_octets(chaddr);
    char prefix[4];
    std::snprintf(prefix, sizeof prefix, "%02x-", htype);
    return prefix + hex_octets(chaddr);
}

std::string dnsmasq_client_id_text(const Lease& lease) {
    if (lease.client.empty() || is_hardware_id(lease.client)) return {};
    return hex_octets(lease.client.bytes());
}

std::string format_dnsmasq_lease(const Lease& lease) {
    std::string clid = dnsmasq_client_id_text(lease);
    std::string line = std::to_string(lease.expires);
    line += ' ';
    line += dnsmasq_hardware_text(lease);
    line += ' ';
    line += lease.addr.str();
    line += ' ';
    line += lease.hostname.empty() ? std::string_view("*") : std::string_view(lease.hostname);
    line += ' ';
    line += clid.empty() ? std::string_view("*") : std::string_view(clid);
    line += '\n';
    return line;
}

std::string format_dnsmasq_leases(std::span<const Lease> leases, WallSeconds now) {
    std::vector<const Lease*> shown;
    shown.reserve(leases.size());
    for (const auto& l : leases)
        if (l.state == LeaseState::Bound && !expired_at(l, now)) shown.push_back(&l);
    std::sort(shown.begin(), shown.end(),
              [](const Lease* a, const Lease* b) { return a->addr < b->addr; });
    std::string out;
    out.reserve(shown.size() * 64);
    for (const Lease* l : shown) out += format_dnsmasq_lease(*l);
    return out;
}

std::string format_dnsmasq_leases(const LeaseTable& table, WallSeconds now) {
    std::vector<Lease> bound;
    bound.reserve(table.bound_count());
    table.for_each([&](const Lease& l) {
        if (l.state == LeaseState::Bound) bound.push_back(l);
    });
    return format_dnsmasq_leases(std::span<const Lease>(bound), now);
}

LeaseImportReport merge_imported_leases(LeaseTable& table, std::span<const Lease> leases,
                                        WallSeconds now,
                                        const std::function<bool(const Lease&)>& acceptable) {
    LeaseImportReport report;
    for (const Lease& lease : leases) {
        if (expired_at(lease, now)) {
            ++report.expired;
            continue;
        }
        const Lease* at_addr = table.find_by_addr(lease.addr);
        const Lease* of_client = table.find_by_client(lease.client);
        if (at_addr && at_addr == of_client && at_addr->state == LeaseState::Bound) {
            ++report.already_present;
            continue;
        }
        if (at_addr || of_client) {
            ++report.conflicting;
            continue;
        }
        if (acceptable && !acceptable(lease)) {
            ++report.refused;
            continue;
        }
        Lease bound = lease;
        bound.state = LeaseState::Bound;
        bound.granted = now;
        if (!table.bind(bound)) {  // a full table
            ++report.conflicting;
            continue;
        }
        ++report.imported;
        const Lease* stored = table.find_by_addr(lease.addr);
        if (stored && stored->hostname.empty() && !lease.hostname.empty()) ++report.names_dropped;
    }
    return report;
}

}  // namespace leasedns::leases
