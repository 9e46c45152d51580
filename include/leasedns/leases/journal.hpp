// The lease journal's record format and replay. Pure: bytes in, bytes/leases out;
// the file I/O and fdatasync live in io/journal_writer.
//
// File = magic "LDNSJ1\n\0" then records; record = u32 payload length, u32 CRC-32 of the
// payload, payload. A torn or corrupt record ends replay (everything after it is
// ignored and reported); nothing a client sends can make a record unloadable because
// every field is length-prefixed binary.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/leases/events.hpp"
#include "leasedns/leases/lease.hpp"

namespace leasedns::leases {

constexpr std::string_view kJournalMagic{"LDNSJ1\n\0", 8};

enum class RecordKind : uint8_t {
    Upsert = 1,  // the entry at lease.addr is now `lease` (Bound or Declined)
    Remove = 2,  // the entry at lease.addr is gone
};

void append_record(RecordKind kind, const Lease& lease, std::vector<uint8_t>& out);

struct ReplayReport {
    size_t records = 0;          // valid records applied
    size_t valid_bytes = 0;      // prefix of the file that parsed (including magic)
    size_t discarded_bytes = 0;  // bytes after the first bad record
    bool bad_magic = false;      // not a journal at all (file refused)
    std::string problem;         // what was wrong with the first bad record, if any
};

// Replays `file`, calling `apply` for each record in order. Stops at the first record
// whose length runs past the end (torn tail) or whose CRC/payload is bad.
ReplayReport replay_journal(Bytes file, const std::function<void(RecordKind, const Lease&)>& apply);

// Subscribes to the table and turns events into records in a pending buffer that the
// writer takes once per loop iteration. Offers are never journaled.
class JournalRecorder final : public LeaseListener {
public:
    void on_lease_event(const LeaseEvent& event) override;
    bool has_pending() const { return !pending_.empty(); }
    // Moves the pending bytes out (swap, so no copy; `into` should be empty).
    void take_pending(std::vector<uint8_t>& into);
    uint64_t records_written() const { return records_; }

private:
    std::vector<uint8_t> pending_;
    uint64_t records_ = 0;
};

// A compacted journal image: magic + one Upsert per live Bound/Declined entry.
std::vector<uint8_t> snapshot_journal(const class LeaseTable& table, WallSeconds now);

}  // namespace leasedns::leases
