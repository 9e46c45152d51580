#include "leasedns/io/lease_import.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include "leasedns/dhcp/hostname.hpp"

namespace leasedns::io {

using leases::Lease;

namespace {

constexpr size_t kMaxImportBytes = 64u << 20;  // dnsmasq writes ~70 bytes a lease
constexpr size_t kSniffBytes = 4096;           // enough for the first line

enum class ReadStatus { Ok, Missing };

// Reads at most `limit` bytes of `path`. Throws on errors other than a missing file.
ReadStatus read_prefix(const std::string& path, size_t limit, std::string& out) {
    out.clear();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return ReadStatus::Missing;
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    char buf[1 << 16];
    while (out.size() < limit) {
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit - out.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(e));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return ReadStatus::Ok;
}

Bytes bytes_of(const std::string& s) {
    return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

bool reservation_matches(const config::Reservation& r, const Lease& l) {
    if (r.mac && *r.mac == l.mac) return true;
    return !r.client_id.empty() && leases::ClientId::from_option61(Bytes(r.client_id)) == l.client;
}

// May an imported lease enter our table? Only on a subnet we serve, never on a
// network, broadcast or server address, and never against a reservation (the
// reservation wins: the engine would otherwise keep handing out the imported address).
bool acceptable(const Lease& l, const config::Config& cfg,
                const std::vector<config::InterfaceAddress>& interfaces, std::string& why) {
    const config::Range* range = nullptr;
    for (const auto& r : cfg.ranges)
        if (r.subnet.contains(l.addr)) range = &r;
    if (!range) {
        why = "outside every served subnet";
        return false;
    }
    if (l.addr == range->subnet.network || l.addr == range->subnet.broadcast()) {
        why = "the subnet's network or broadcast address";
        return false;
    }
    for (const auto& i : interfaces)
        if (i.addr == l.addr) {
            why = "an address of this server";
            return false;
        }
    for (const auto& r : cfg.reservations) {
        bool mine = reservation_matches(r, l);
        if (mine && r.ignore) {
            why = "the client is ignored (dhcp-host ...,ignore)";
            return false;
        }
        if (r.addr && *r.addr == l.addr && !mine) {
            why = "reserved for another client";
            return false;
        }
        if (mine && r.addr && *r.addr != l.addr) {
            why = "the client has a reservation at " + r.addr->str();
            return false;
        }
    }
    return true;
}

}  // namespace

LeaseFilePlan plan_lease_files(const config::Config& cfg, const Log& log) {
    LeaseFilePlan plan;
    plan.journal_path = cfg.effective_lease_file();
    if (!cfg.lease_file.empty()) {
        std::string head;
        if (read_prefix(cfg.lease_file, kSniffBytes, head) == ReadStatus::Ok &&
            leases::classify_lease_file(bytes_of(head)) == leases::LeaseFileKind::DnsmasqLeases) {
            std::string fallback = cfg.state_dir + "/leases.journal";
            if (fallback == cfg.lease_file)
                throw std::runtime_error(cfg.lease_file +
                                         " holds dnsmasq leases, and it is also where our "
                                         "journal would go: move it or give another "
                                         "--dhcp-leasefile");
            log.notice("LEASEFILE-DNSMASQ",
                       cfg.lease_file +
                           " is a dnsmasq lease file: importing it (it is never written) and "
                           "keeping our journal in " +
                           fallback);
            plan.journal_path = fallback;
            plan.imports.push_back(cfg.lease_file);
        }
    }
    if (!cfg.import_leases.empty() &&
        (plan.imports.empty() || plan.imports.front() != cfg.import_leases))
        plan.imports.push_back(cfg.import_leases);
    return plan;
}

std::optional<leases::LeaseImportReport> import_dnsmasq_lease_file(
    const std::string& path, const config::Config& cfg,
    const std::vector<config::InterfaceAddress>& interfaces, leases::LeaseTable& table,
    WallSeconds now, const Log& log) {
    std::string text;
    if (read_prefix(path, kMaxImportBytes + 1, text) == ReadStatus::Missing) return std::nullopt;
    if (text.size() > kMaxImportBytes)
        throw std::runtime_error(path + " is over " + std::to_string(kMaxImportBytes >> 20) +
                                 " MiB: not a dnsmasq lease file");
    if (leases::classify_lease_file(bytes_of(text)) == leases::LeaseFileKind::LeasednsJournal)
        throw std::runtime_error(path + " is a leasedns journal, not a dnsmasq lease file");

    auto parsed = leases::parse_dnsmasq_leases(text);
    for (const auto& e : parsed.errors)
        log.warning("IMPORT-BAD-LINE", path + ":" + std::to_string(e.line) + ": " + e.message);
    if (parsed.error_count > parsed.errors.size())
        log.warning("IMPORT-BAD-LINE",
                    path + ": " + std::to_string(parsed.error_count - parsed.errors.size()) +
                        " more bad lines");

    // Names as the engine would have them: one lower-case label in the lease's domain.
    size_t names_refused = 0;
    for (auto& l : parsed.leases) {
        if (l.hostname.empty()) continue;
        std::string reason;
        auto label = dhcp::sanitize_hostname(l.hostname, cfg.domain_for(l.addr), &reason);
        if (!label) {
            log.debug("IMPORT-NAME-REFUSED", l.addr.str() + " '" + l.hostname + "': " + reason);
            ++names_refused;
        }
        l.hostname = label.value_or(std::string());
    }

    auto report = leases::merge_imported_leases(table, parsed.leases, now, [&](const Lease& l) {
        std::string why;
        if (acceptable(l, cfg, interfaces, why)) return true;
        log.info("IMPORT-SKIPPED", l.addr.str() + " (" + l.mac.str() + "): " + why);
        return false;
    });
    report.names_dropped += names_refused;
    log.notice("LEASES-IMPORTED",
               std::to_string(report.imported) + " leases imported from " + path +
                   "; skipped: " + std::to_string(report.already_present) + " already present, " +
                   std::to_string(report.conflicting) + " conflicting with newer leases, " +
                   std::to_string(report.expired) + " expired, " + std::to_string(report.refused) +
                   " not acceptable here, " + std::to_string(parsed.ipv6_skipped) + " IPv6, " +
                   std::to_string(parsed.error_count) + " bad lines; " +
                   std::to_string(report.names_dropped) + " imported without their name");
    return report;
}

namespace {

// A dnsmasq file is imported once per content: the journal's ".imported" file lists the
// files taken in with their size and modification time, so a lease that ends in leasedns
// (released, expired) does not come back from the old file at the next start.
std::string fingerprint(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

std::map<std::string, std::string> read_import_marks(const std::string& marks_path) {
    std::map<std::string, std::string> marks;
    std::ifstream in(marks_path);
    std::string print, path;
    while (in >> print && std::getline(in >> std::ws, path)) marks[path] = print;
    return marks;
}

void write_import_marks(const std::string& marks_path,
                        const std::map<std::string, std::string>& marks, const Log& log) {
    std::string tmp = marks_path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& [path, print] : marks) out << print << ' ' << path << '\n';
        if (!out) {
            log.warning("IMPORT-MARK", "cannot write " + tmp);
            return;
        }
    }
    if (std::rename(tmp.c_str(), marks_path.c_str()) != 0)
        log.warning("IMPORT-MARK", "cannot rename " + tmp + " to " + marks_path);
}

}  // namespace

void import_dnsmasq_lease_files(const LeaseFilePlan& plan, const config::Config& cfg,
                                const std::vector<config::InterfaceAddress>& interfaces,
                                leases::LeaseTable& table, leases::JournalRecorder& recorder,
                                JournalWriter& journal, WallSeconds now, const Log& log) {
    const std::string marks_path = plan.journal_path + ".imported";
    auto marks = read_import_marks(marks_path);
    bool marks_changed = false;
    for (const auto& path : plan.imports) {
        std::string print = fingerprint(path);
        if (!print.empty() && marks.count(path) && marks[path] == print) {
            log.info("IMPORT-DONE-BEFORE",
                     path + " was imported before and has not changed since: not read again");
            continue;
        }
        if (!import_dnsmasq_lease_file(path, cfg, interfaces, table, now, log)) {
            log.warning("IMPORT-MISSING", path + " does not exist: nothing imported");
            continue;
        }
        marks[path] = print;
        marks_changed = true;
    }
    if (recorder.has_pending()) {
        // Durable before the first packet is answered: a restart keeps what was imported
        // even once the dnsmasq file is gone.
        std::vector<uint8_t> batch;
        recorder.take_pending(batch);
        if (!journal.append_sync(batch))
            throw std::runtime_error("cannot write the imported leases to the journal");
    }
    // Only once the leases are on disk: a crash before this imports the file again, which
    // the merge rules make harmless (nothing newer is overwritten).
    if (marks_changed) write_import_marks(marks_path, marks, log);
}

}  // namespace leasedns::io
