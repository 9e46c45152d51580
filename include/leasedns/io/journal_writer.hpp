// The lease journal's file side: load at start-up, then group commit — the bytes a loop
// iteration produced are written and fdatasync'd on libuv's thread pool (never on the
// loop thread), one job at a time, and the caller is told when they are durable.
// Compaction writes a fresh snapshot to a temporary file, fsyncs it, renames it over the
// journal and fsyncs the directory: the journal is never rewritten in place.
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
    bool failed() const { return failed_; }
    uint64_t file_size() const { return file_size_; }
    uint64_t syncs() const { return syncs_; }

    // Appends `data` and fdatasyncs, off the loop thread. `done` runs on the loop thread.
    // Precondition: !busy().
    void append_async(std::vector<uint8_t> data, Done done);
    // Replaces the journal with `snapshot` (magic + records). Precondition: !busy().
    void compact_async(std::vector<uint8_t> snapshot, Done done);
    // For shutdown: write and sync on the calling thread (the loop is stopping).
    bool append_sync(const std::vector<uint8_t>& data);

private:
    struct Job;
    static void run_job(uv_work_t* req);
    static void after_job(uv_work_t* req, int status);
    bool do_append(const std::vector<uint8_t>& data, std::string& error);
    bool do_compact(const std::vector<uint8_t>& snapshot, std::string& error);

    uv_loop_t* loop_;
    std::string path_;
    Log log_;
    int fd_ = -1;
    uint64_t file_size_ = 0;
    uint64_t syncs_ = 0;
    bool failed_ = false;
    Job* job_ = nullptr;
};

}  // namespace leasedns::io
