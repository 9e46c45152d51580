// Migration from dnsmasq at start-up: which file is our journal, which dnsmasq lease files
// to import, and the import itself (file side; the merge rules are in
// leases/dnsmasq_leases.hpp).
//
// Detection lives here, not in config (which never reads files): a --dhcp-leasefile (-l)
// that names an existing file holding dnsmasq's text format rather than our journal's
// magic (leases/journal.hpp) is a dnsmasq command line being migrated. That file is
// imported and never written; our journal goes to its default path,
// state_dir/leases.journal, instead.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/io/journal_writer.hpp"
#include "leasedns/leases/dnsmasq_leases.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

struct LeaseFilePlan {
    std::string journal_path;
    std::vector<std::string> imports;  // dnsmasq lease files, in the order to import them
};

// Reads (only) the start of the file at cfg.lease_file, if any. Throws std::runtime_error
// when a dnsmasq file sits where our journal would have to go.
LeaseFilePlan plan_lease_files(const config::Config& cfg, const Log& log);

// Imports every file of the plan into `table` (already loaded from the journal and
// subscribed by `recorder`), then makes the new leases durable with one synchronous
// journal append before anything is served. A missing file is a warning (the option may
// outlive the migration); an unreadable one, or a failed append, throws.
void import_dnsmasq_lease_files(const LeaseFilePlan& plan, const config::Config& cfg,
                                const std::vector<config::InterfaceAddress>& interfaces,
                                leases::LeaseTable& table, leases::JournalRecorder& recorder,
                                JournalWriter& journal, WallSeconds now, const Log& log);

// One file's import without the journal step; returns nullopt when the file is missing.
std::optional<leases::LeaseImportReport> import_dnsmasq_lease_file(
    const std::string& path, const config::Config& cfg,
    const std::vector<config::InterfaceAddress>& interfaces, leases::LeaseTable& table,
    WallSeconds now, const Log& log);

}  // namespace leasedns::io
