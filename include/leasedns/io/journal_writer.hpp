// The lease journal's file side: load at start-up, then group commit — the bytes a loop
// iteration produced are written and fdatasync'd on libuv's thread pool (never on the
// loop thread), one job at a time, and the caller is told when they are durable.
// Compaction writes a fresh snapshot to a temporary file, fsyncs it, renames it over the
// journal and fsyncs the directory: the journal is never rewritten in place.
//
// When the disk refuses (ROBUSTNESS D5, D6) the journal's health says how bad it is:
//   Ok        every change handed over so far is on disk.
//   Degraded  a write() found no space (ENOSPC/EDQUOT). What was synced before is intact;
//             the unwritten bytes are kept (the backlog) and go first in the next attempt,
//             after the file is cut back to its last synced size (a partial record is never
//             left in front of later ones).
//   Failed    an fdatasync/fsync failed (EIO, or ENOSPC from a file system that allocates
//             late) or another I/O error: what the kernel kept of the unsynced pages is
//             unknown, and a second fdatasync of that file could report success for pages
//             it already dropped ("fsyncgate"). That file is never synced again: the only
//             way back is a rewrite of the whole table from memory into a new file.
// The caller (io/dhcp_server) sends no reply whose change is not on disk, and retries
// once retry_due(): an append when degraded, a rewrite (needs_rewrite()) when failed.
//
// Why a rewrite in place of exiting for systemd to restart us (ROBUSTNESS D6): both lose
// nothing acknowledged (every ACKed change was synced before the failure, and the table in
// memory holds all of them), but a restart reads the same file back through the same page
// cache, stops DNS meanwhile, and on a disk that stays broken turns into a restart loop
// with DNS down (the start-up rewrite would fail too). Staying up keeps DNS and the leases
// answering, refuses only what cannot be made durable, and comes back by itself as soon as
// a new file can be written and synced.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

enum class JournalHealth { Ok, Degraded, Failed };
// "ok", "degraded", "failed": leasectl stats, sd_notify STATUS=, the log.
const char* name_of(JournalHealth health);

class JournalWriter {
public:
    using Done = std::function<void(bool ok)>;

    JournalWriter(uv_loop_t* loop, std::string path, const Log& log);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Start-up (synchronous, before the loop runs): replays the file into `table`, drops
    // expired entries, keeps a corrupt file aside as PATH.corrupt-TIME, then rewrites the
    // journal compactly so a torn tail is gone before anything is appended.
    // Throws std::runtime_error when the file cannot be read or written.
    leases::ReplayReport load(leases::LeaseTable& table, WallSeconds now);

    bool busy() const { return job_ != nullptr; }
    JournalHealth health() const { return health_; }
    // No change can be made durable now (degraded or failed): no ACK, no operator release.
    bool failed() const { return health_ != JournalHealth::Ok; }
    uint64_t file_size() const { return file_size_; }
    uint64_t syncs() const { return syncs_; }
    uint64_t faults() const { return faults_; }  // jobs that failed, since start-up
    // Bytes that a failed append could not write; the next append writes them first.
    bool has_backlog() const { return !backlog_.empty(); }

    // While failed(): whether the next attempt may start (one a second, monotonic, from
    // the loop's clock), and when (uv_now milliseconds) for the caller's timer.
    bool retry_due() const;
    uint64_t retry_at_ms() const { return retry_at_ms_; }
    // The next attempt must be rewrite_async (an fsync failed, the start-up rewrite did
    // not fit, or the backlog outgrew kMaxBacklog); else append_async.
    bool needs_rewrite() const;
    // A compaction that failed before its rename is not tried again for a while (the old
    // journal is intact; a full disk would fail it again at once).
    bool may_compact() const;

    // Appends (backlog +) `data` and fdatasyncs, off the loop thread. `done` runs on the
    // loop thread. Preconditions: !busy(), !needs_rewrite().
    void append_async(std::vector<uint8_t> data, Done done);
    // Replaces the journal with `snapshot` (magic + records): compaction when healthy,
    // recovery when not. Success makes the journal Ok again. A failure before the rename
    // leaves the old journal in place and the health as it was. Precondition: !busy().
    void rewrite_async(std::vector<uint8_t> snapshot, Done done);
    void compact_async(std::vector<uint8_t> snapshot, Done done) {
        rewrite_async(std::move(snapshot), std::move(done));
    }
    // For shutdown and the start-up import: write and sync on the calling thread. False
    // (and nothing written) when the journal is not healthy.
    bool append_sync(const std::vector<uint8_t>& data);

    static constexpr uint64_t kRetryMs = 1000;
    static constexpr size_t kMaxBacklog = 4u << 20;

private:
    struct Job;
    static void run_job(uv_work_t* req);
    static void after_job(uv_work_t* req, int status);
    void do_append(Job& job);
    void do_rewrite(Job& job);
    void enter(JournalHealth health, const std::string& error);

    uv_loop_t* loop_;
    std::string path_;
    Log log_;
    int fd_ = -1;
    uint64_t file_size_ = 0;
    uint64_t syncs_ = 0;
    uint64_t faults_ = 0;
    JournalHealth health_ = JournalHealth::Ok;
    std::vector<uint8_t> backlog_;
    bool rewrite_wanted_ = false;    // the start-up rewrite found no space
    uint64_t retry_at_ms_ = 0;       // uv_now() of the next attempt while failed()
    uint64_t compact_after_ms_ = 0;  // uv_now() before which no compaction is tried
    Job* job_ = nullptr;
};

}  // namespace leasedns::io
