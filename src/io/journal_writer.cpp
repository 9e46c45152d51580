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
    bool compact = false;
    std::vector<uint8_t> data;
    Done done;
    bool ok = false;
    std::string error;
};

namespace {

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
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
// at any step leaves either the old complete file or the new complete file.
bool replace_file(const std::string& path, const std::vector<uint8_t>& bytes, int& new_fd,
                  std::string& error) {
    std::string tmp = path + ".tmp";
    // The directory may belong to the service user (-u): never follow a link planted there,
    // never reuse a file someone else made (root would truncate its target).
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = errno_text("cannot create", tmp);
        return false;
    }
    if (!write_all(fd, bytes.data(), bytes.size()) || ::fdatasync(fd) != 0) {
        error = errno_text("cannot write", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = errno_text("cannot rename over", path);
        ::close(fd);
        return false;
    }
    if (!fsync_directory(directory_of(path))) {
        error = errno_text("cannot sync directory of", path);
        ::close(fd);
        return false;
    }
    // Keep appending through the new file (opened O_APPEND by reopening).
    ::close(fd);
    new_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (new_fd < 0) {
        error = errno_text("cannot reopen", path);
        return false;
    }
    return true;
}

}  // namespace

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
    if (!replace_file(path_, snapshot, new_fd, error)) throw std::runtime_error(error);
    fd_ = new_fd;
    file_size_ = snapshot.size();
    return report;
}

bool JournalWriter::do_append(const std::vector<uint8_t>& data, std::string& error) {
    if (!write_all(fd_, data.data(), data.size())) {
        error = errno_text("cannot append to", path_);
        return false;
    }
    if (::fdatasync(fd_) != 0) {
        // ROBUSTNESS D6: after a failed fsync the page cache state is unknown; never
        // retry and assume success.
        error = errno_text("fdatasync failed on", path_);
        return false;
    }
    return true;
}

bool JournalWriter::do_compact(const std::vector<uint8_t>& snapshot, std::string& error) {
    int new_fd = -1;
    if (!replace_file(path_, snapshot, new_fd, error)) return false;
    ::close(fd_);
    fd_ = new_fd;
    return true;
}

void JournalWriter::run_job(uv_work_t* req) {
    auto* job = static_cast<Job*>(req->data);
    JournalWriter* self = job->self;
    job->ok = job->compact ? self->do_compact(job->data, job->error)
                           : self->do_append(job->data, job->error);
}

void JournalWriter::after_job(uv_work_t* req, int) {
    auto* job = static_cast<Job*>(req->data);
    JournalWriter* self = job->self;
    self->job_ = nullptr;
    if (job->ok) {
        ++self->syncs_;
        self->file_size_ = job->compact ? job->data.size() : self->file_size_ + job->data.size();
    } else {
        self->failed_ = true;
        self->log_.error("JOURNAL-FAILED", job->error);
    }
    Done done = std::move(job->done);
    bool ok = job->ok;
    delete job;
    if (done) done(ok);
}

void JournalWriter::append_async(std::vector<uint8_t> data, Done done) {
    auto* job = new Job;
    job->self = this;
    job->data = std::move(data);
    job->done = std::move(done);
    job->req.data = job;
    job_ = job;
    uv_queue_work(loop_, &job->req, &JournalWriter::run_job, &JournalWriter::after_job);
}

void JournalWriter::compact_async(std::vector<uint8_t> snapshot, Done done) {
    auto* job = new Job;
    job->self = this;
    job->compact = true;
    job->data = std::move(snapshot);
    job->done = std::move(done);
    job->req.data = job;
    job_ = job;
    uv_queue_work(loop_, &job->req, &JournalWriter::run_job, &JournalWriter::after_job);
}

bool JournalWriter::append_sync(const std::vector<uint8_t>& data) {
    std::string error;
    if (!do_append(data, error)) {
        log_.error("JOURNAL-FAILED", error);
        return false;
    }
    file_size_ += data.size();
    return true;
}

}  // namespace leasedns::io
