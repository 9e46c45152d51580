#include "leasedns/io/journal_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace leasedns::io {

struct JournalWriter::Job {
    uv_work_t req{};
    JournalWriter* self = nullptr;
    bool rewrite = false;
    std::vector<uint8_t> data;  // for an append: the backlog first, then the new bytes
    int64_t cut_to = -1;        // append after a failed one: the last synced size
    Done done;
    bool ok = false;
    JournalHealth failure = JournalHealth::Failed;  // what a failure means for the journal
    bool renamed = false;  // rewrite: the new file replaced the journal (the old fd is stale)
    std::string error;
};

namespace {

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

// A write() that found the disk full: nothing synced is harmed, space may come back.
bool out_of_space(int err) {
    return err == ENOSPC || err == EDQUOT;
}

bool write_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

bool fsync_directory(const std::string& dir) {
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return false;
    bool ok = ::fsync(d) == 0;
    ::close(d);
    return ok;
}

// Writes `bytes` to PATH.tmp, fsyncs, renames over PATH, fsyncs the directory: a crash
// at any step leaves either the old complete file or the new complete file. A failure
// before the rename leaves the old file as it was (the temporary one is removed: on a full
// disk it must not keep holding the space); `renamed` tells the caller which file PATH is.
bool replace_file(const std::string& path, const std::vector<uint8_t>& bytes, int& new_fd,
                  bool& renamed, int& err, std::string& error) {
    std::string tmp = path + ".tmp";
    renamed = false;
    auto fail = [&](const std::string& what, const std::string& name) {
        err = errno;
        error = errno_text(what, name);
        return false;
    };
    // The directory may belong to the service user (-u): never follow a link planted there,
    // never reuse a file someone else made (root would truncate its target).
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) return fail("cannot create", tmp);
    if (!write_all(fd, bytes.data(), bytes.size()) || ::fdatasync(fd) != 0) {
        fail("cannot write", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        fail("cannot rename over", path);
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    renamed = true;
    if (!fsync_directory(directory_of(path))) {
        fail("cannot sync directory of", path);
        ::close(fd);
        return false;
    }
    // Keep appending through the new file (opened O_APPEND by reopening).
    ::close(fd);
    new_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (new_fd < 0) return fail("cannot reopen", path);
    return true;
}

}  // namespace

const char* name_of(JournalHealth health) {
    switch (health) {
        case JournalHealth::Ok:
            return "ok";
        case JournalHealth::Degraded:
            return "degraded";
        case JournalHealth::Failed:
            return "failed";
    }
    return "?";
}

JournalWriter::JournalWriter(uv_loop_t* loop, std::string path, const Log& log)
    : loop_(loop), path_(std::move(path)), log_(log) {}

JournalWriter::~JournalWriter() {
    if (fd_ >= 0) ::close(fd_);
}

leases::ReplayReport JournalWriter::load(leases::LeaseTable& table, WallSeconds now) {
    std::vector<uint8_t> content;
    int fd = ::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) throw std::runtime_error(errno_text("cannot open", path_));
    if (fd >= 0) {
        uint8_t buf[1 << 16];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                ::close(fd);
                throw std::runtime_error(errno_text("cannot read", path_));
            }
            if (n == 0) break;
            content.insert(content.end(), buf, buf + n);
        }
        ::close(fd);
    }

    leases::ReplayReport report;
    if (!content.empty()) {
        report = leases::replay_journal(Bytes(content),
                                        [&](leases::RecordKind kind, const leases::Lease& lease) {
                                            if (kind == leases::RecordKind::Remove) {
                                                table.remove(lease.addr);
                                            } else {
                                                table.restore(lease);
                                            }
                                        });
        if (report.bad_magic || report.discarded_bytes > 0) {
            // Keep the evidence: the bad file is set aside, never silently overwritten.
            std::string aside = path_ + ".corrupt-" + std::to_string(now);
            int out =
                ::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
            if (out >= 0) {
                write_all(out, content.data(), content.size());
                ::fdatasync(out);
                ::close(out);
            }
            log_.warning(
                "JOURNAL-TAIL",
                path_ + ": " + (report.bad_magic ? "not a leasedns journal" : report.problem) +
                    "; " + std::to_string(report.discarded_bytes) +
                    " bytes after the last good record ignored (copy kept in " + aside + ")");
        }
    }
    // Expired entries are dropped now, silently (no events: nobody is subscribed yet
    // that needs them, and they were never re-acknowledged).
    while (table.expire_due(now, 1 << 20) > 0) {
    }

    auto snapshot = leases::snapshot_journal(table, now);
    std::string error;
    int new_fd = -1;
    bool renamed = false;
    int err = 0;
    if (replace_file(path_, snapshot, new_fd, renamed, err, error)) {
        fd_ = new_fd;
        file_size_ = snapshot.size();
        return report;
    }
    // ROBUSTNESS D5: a full disk at start-up. The old journal is intact and its leases are
    // loaded: serve them (DNS answers, nothing new is ACKed) rather than refuse to start,
    // with the torn tail (if any) cut off so later records are not hidden behind it, and
    // rewrite the whole journal once there is space.
    if (renamed || !out_of_space(err) || content.empty() || report.bad_magic)
        throw std::runtime_error(error);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(report.valid_bytes)) != 0)
        throw std::runtime_error(error);
    file_size_ = report.valid_bytes;
    rewrite_wanted_ = true;
    enter(JournalHealth::Degraded, error);
    return report;
}

bool JournalWriter::retry_due() const {
    return uv_now(loop_) >= retry_at_ms_;
}

bool JournalWriter::needs_rewrite() const {
    return health_ == JournalHealth::Failed || rewrite_wanted_ || backlog_.size() > kMaxBacklog;
}

bool JournalWriter::may_compact() const {
    return uv_now(loop_) >= compact_after_ms_;
}

// Runs on a worker thread: touches only the job and fd_ (the loop thread leaves fd_ alone
// while a job is out).
void JournalWriter::do_append(Job& job) {
    // After a failed append the file may end in a partial record: cut it back to what was
    // synced, or the next records would sit behind a torn one that replay stops at.
    if (job.cut_to >= 0 && ::ftruncate(fd_, static_cast<off_t>(job.cut_to)) != 0) {
        job.error = errno_text("cannot cut back", path_);
        return;  // Failed: we cannot tell what the file ends with
    }
    if (!write_all(fd_, job.data.data(), job.data.size())) {
        if (out_of_space(errno)) job.failure = JournalHealth::Degraded;
        job.error = errno_text("cannot append to", path_);
        return;
    }
    if (::fdatasync(fd_) != 0) {
        // ROBUSTNESS D6: after a failed fdatasync the page cache state is unknown; never
        // retry and assume success. Failed whatever errno says (ENOSPC here too).
        job.error = errno_text("fdatasync failed on", path_);
        return;
    }
    job.ok = true;
}

void JournalWriter::do_rewrite(Job& job) {
    int new_fd = -1;
    int err = 0;
    if (!replace_file(path_, job.data, new_fd, job.renamed, err, job.error)) return;
    // The old file (unlinked by the rename) is closed, never synced: after a failed fsync
    // its result would mean nothing, and everything it held is in the snapshot.
    if (fd_ >= 0) ::close(fd_);
    fd_ = new_fd;
    job.ok = true;
}

void JournalWriter::run_job(uv_work_t* req) {
    auto* job = static_cast<Job*>(req->data);
    if (job->rewrite)
        job->self->do_rewrite(*job);
    else
        job->self->do_append(*job);
}

void JournalWriter::enter(JournalHealth health, const std::string& error) {
    ++faults_;
    retry_at_ms_ = uv_now(loop_) + kRetryMs;
    bool news = health != health_;
    health_ = health;
    if (!news) return;  // one line per change of state, not one per retry
    if (health == JournalHealth::Degraded)
        log_.error("JOURNAL-DEGRADED",
                   error +
                       "; leases already on disk are kept and served, but no change is "
                       "acknowledged until it can be written (retrying every second)");
    else
        log_.error("JOURNAL-FAILED",
                   error +
                       "; the journal file is no longer trusted: no change is acknowledged "
                       "until the leases are rewritten from memory into a new file "
                       "(retrying every second)");
}

void JournalWriter::after_job(uv_work_t* req, int) {
    auto* job = static_cast<Job*>(req->data);
    JournalWriter* self = job->self;
    self->job_ = nullptr;
    if (job->ok) {
        ++self->syncs_;
        self->file_size_ = job->rewrite ? job->data.size() : self->file_size_ + job->data.size();
        self->backlog_.clear();
        self->rewrite_wanted_ = false;
        if (self->health_ != JournalHealth::Ok)
            self->log_.notice("JOURNAL-RECOVERED", self->path_ + ": written and synced again (" +
                                                       std::to_string(self->file_size_) +
                                                       " bytes); acknowledging changes again");
        self->health_ = JournalHealth::Ok;
    } else if (job->rewrite && !job->renamed) {
        // The old journal is as it was. A compaction is put off; a recovery stays failed.
        self->compact_after_ms_ = uv_now(self->loop_) + 60'000;
        if (self->health_ == JournalHealth::Ok)
            self->log_.warning("JOURNAL-COMPACT-FAILED",
                               job->error + "; the journal is unchanged, compaction put off");
        else
            self->enter(self->health_, job->error);
    } else if (job->rewrite) {
        // Renamed but the directory or the reopen failed: our descriptor is the old file.
        self->enter(JournalHealth::Failed, job->error);
    } else {
        if (job->failure == JournalHealth::Degraded)
            self->backlog_ = std::move(job->data);
        else
            self->backlog_.clear();  // a rewrite from memory will hold these changes
        self->enter(job->failure, job->error);
    }
    Done done = std::move(job->done);
    bool ok = job->ok;
    delete job;
    if (done) done(ok);
}

void JournalWriter::append_async(std::vector<uint8_t> data, Done done) {
    auto* job = new Job;
    job->self = this;
    if (health_ == JournalHealth::Degraded) {
        job->cut_to = static_cast<int64_t>(file_size_);
        job->data = std::move(backlog_);
        backlog_.clear();
        job->data.insert(job->data.end(), data.begin(), data.end());
    } else {
        job->data = std::move(data);
    }
    job->done = std::move(done);
    job->req.data = job;
    job_ = job;
    uv_queue_work(loop_, &job->req, &JournalWriter::run_job, &JournalWriter::after_job);
}

void JournalWriter::rewrite_async(std::vector<uint8_t> snapshot, Done done) {
    auto* job = new Job;
    job->self = this;
    job->rewrite = true;
    job->data = std::move(snapshot);
    job->done = std::move(done);
    job->req.data = job;
    job_ = job;
    uv_queue_work(loop_, &job->req, &JournalWriter::run_job, &JournalWriter::after_job);
}

bool JournalWriter::append_sync(const std::vector<uint8_t>& data) {
    if (health_ != JournalHealth::Ok) return false;
    Job job;
    job.self = this;
    job.data = data;
    do_append(job);
    if (!job.ok) {
        // Shutdown or start-up: nothing is retried; the next start replays what is there.
        health_ = job.failure;
        log_.error("JOURNAL-FAILED", job.error);
        return false;
    }
    file_size_ += data.size();
    return true;
}

}  // namespace leasedns::io
