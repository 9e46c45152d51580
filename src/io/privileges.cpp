#include "leasedns/io/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace leasedns::io {

namespace {

constexpr std::array<int, 3> kKept = {CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_NET_ADMIN};

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// Directories that other programs share: never handed to the service user, whatever the
// configuration says (a lease file in /var/lib/misc must not give away /var/lib/misc).
bool shared_directory(const std::filesystem::path& dir) {
    static const std::array<const char*, 22> kShared = {
        "/home",      "/root",    "/run/lock",     "/run/user",  "/usr/local", "/var",
        "/var/cache", "/var/lib", "/var/lib/misc", "/var/local", "/var/lock",  "/var/log",
        "/var/opt",   "/var/run", "/var/spool",    "/var/tmp",   "/var/mail",  "/var/backups",
        "/srv",       "/opt",     "/media",        "/mnt"};
    std::string s = dir.string();
    if (std::count(s.begin(), s.end(), '/') <= 1) return true;  // "/" and "/etc", "/tmp" ...
    for (const char* prefix : {"/usr/", "/etc/", "/boot/", "/proc/", "/sys/", "/dev/"})
        if (s.rfind(prefix, 0) == 0) return true;
    return std::find(kShared.begin(), kShared.end(), s) != kShared.end();
}

void give_directory(const std::string& path, const ServiceUser& user, const Log& log) {
    std::error_code ec;
    auto dir = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
    if (ec) return;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
    if (st.st_uid == user.uid) return;
    // Only a directory that is plainly leasedns's own: root's, not shared, not a
    // world-writable one with the sticky bit (a /tmp-like directory stays as it is; the
    // check after the drop says whether the user can work in it).
    if (st.st_uid != 0 || (st.st_mode & S_ISVTX) || shared_directory(dir)) {
        log.warning("USER-DIRECTORY", "not giving " + dir.string() + " to user " + user.name +
                                          " (shared or not root's)");
        return;
    }
    if (::chown(dir.c_str(), user.uid, user.gid) != 0)
        throw std::runtime_error(errno_text("cannot give " + dir.string() + " to " + user.name));
    log.info("USER-DIRECTORY", dir.string() + " now belongs to " + user.name);
}

void give_file(const std::string& path, const ServiceUser& user) {
    struct stat st {};
    // lstat + AT_SYMLINK_NOFOLLOW: a symlink planted in a directory the user could write
    // to earlier must not make root give away what it points to.
    if (::lstat(path.c_str(), &st) != 0) return;
    if (!S_ISREG(st.st_mode) && !S_ISSOCK(st.st_mode)) return;
    if (st.st_uid == user.uid) return;
    if (::fchownat(AT_FDCWD, path.c_str(), user.uid, user.gid, AT_SYMLINK_NOFOLLOW) != 0)
        throw std::runtime_error(errno_text("cannot give " + path + " to " + user.name));
}

struct CapSets {
    uint64_t effective = 0, permitted = 0, inheritable = 0;
};

// capget/capset through the raw system calls (version 3: two 32-bit words per set), so
// that leasedns needs no libcap.
CapSets get_caps() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, 2> data{};
    if (::syscall(SYS_capget, &header, data.data()) != 0)
        throw std::runtime_error(errno_text("capget"));
    auto join = [&](auto field) {
        return static_cast<uint64_t>(data[0].*field) |
               (static_cast<uint64_t>(data[1].*field) << 32);
    };
    return {join(&__user_cap_data_struct::effective), join(&__user_cap_data_struct::permitted),
            join(&__user_cap_data_struct::inheritable)};
}

void set_caps(uint64_t effective, uint64_t permitted) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, 2> data{};
    data[0].effective = static_cast<uint32_t>(effective);
    data[1].effective = static_cast<uint32_t>(effective >> 32);
    data[0].permitted = static_cast<uint32_t>(permitted);
    data[1].permitted = static_cast<uint32_t>(permitted >> 32);
    if (::syscall(SYS_capset, &header, data.data()) != 0)
        throw std::runtime_error(errno_text("capset"));
}

// Removes every capability but the kept ones from the bounding set (needs CAP_SETPCAP:
// done while still root), so that exec'ing a set-user-ID program cannot restore them.
void limit_bounding_set() {
    uint64_t keep = kept_capabilities_mask();
    for (int cap = 0; cap < 64; ++cap) {
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // past the kernel's last
        if (keep & (uint64_t{1} << cap)) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            throw std::runtime_error(errno_text("cannot drop capability " + std::to_string(cap) +
                                                " from the bounding set"));
    }
}

void switch_user(const ServiceUser& user) {
    // Keep the permitted set across setuid (capabilities(7) "Effect of user ID changes").
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        throw std::runtime_error(errno_text("prctl(PR_SET_KEEPCAPS)"));
    gid_t groups[1] = {user.gid};
    if (::setgroups(1, groups) != 0) throw std::runtime_error(errno_text("setgroups"));
    if (::setresgid(user.gid, user.gid, user.gid) != 0)
        throw std::runtime_error(errno_text("setresgid"));
    if (::setresuid(user.uid, user.uid, user.uid) != 0)
        throw std::runtime_error(errno_text("setresuid"));
    uint64_t keep = kept_capabilities_mask();
    set_caps(keep, keep);  // inheritable: none
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

void verify(const ServiceUser& user, const HandOver& what) {
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    ::getresuid(&ruid, &euid, &suid);
    ::getresgid(&rgid, &egid, &sgid);
    if (ruid != user.uid || euid != user.uid || suid != user.uid || rgid != user.gid ||
        egid != user.gid || sgid != user.gid)
        throw std::runtime_error("still running with another user or group ID after the switch");
    if (user.uid != 0 && ::setuid(0) == 0)
        throw std::runtime_error("could become root again after the switch");
    CapSets caps = get_caps();
    uint64_t keep = kept_capabilities_mask();
    if (caps.effective != keep || caps.permitted != keep || caps.inheritable != 0)
        throw std::runtime_error(
            "capabilities are not exactly NET_BIND_SERVICE, NET_RAW, "
            "NET_ADMIN after the switch");
    for (const auto& dir : what.directories) {
        if (::access(dir.c_str(), W_OK | X_OK) != 0)
            throw std::runtime_error(errno_text("user " + user.name + " cannot write to " + dir) +
                                     " (give it a directory of its own: --state-dir, "
                                     "--dhcp-leasefile, --control-socket)");
    }
}

}  // namespace

uint64_t kept_capabilities_mask() {
    uint64_t mask = 0;
    for (int cap : kKept) mask |= uint64_t{1} << cap;
    return mask;
}

bool running_as_root() {
    return ::geteuid() == 0;
}

ServiceUser lookup_user(const std::string& name) {
    passwd pw{};
    passwd* found = nullptr;
    std::array<char, 4096> buf{};
    errno = 0;
    int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (!found && rc == 0 && !name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        rc =
            ::getpwuid_r(static_cast<uid_t>(std::stoul(name)), &pw, buf.data(), buf.size(), &found);
    }
    if (!found) {
        throw std::runtime_error("unknown user '" + name + "' (-u/--user)" +
                                 (rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
    }
    return ServiceUser{.name = pw.pw_name, .uid = pw.pw_uid, .gid = pw.pw_gid};
}

std::optional<ServiceUser> user_to_become(const std::string& name, const Log& log) {
    if (name.empty()) {
        if (running_as_root())
            log.notice("ROOT",
                       "running as root; -u USER (or systemd's User=) runs it as an "
                       "unprivileged user with only the network capabilities it needs");
        return std::nullopt;
    }
    ServiceUser user = lookup_user(name);
    if (user.uid == 0) {
        log.notice("ROOT", "running as root (--user=" + name + ")");
        return std::nullopt;
    }
    if (::geteuid() == user.uid && ::getuid() == user.uid) return std::nullopt;
    if (!running_as_root())
        throw std::runtime_error("cannot switch to user " + user.name +
                                 " (-u/--user): only root can, and this is uid " +
                                 std::to_string(::geteuid()));
    return user;
}

HandOver hand_over_for(const config::Config& config, const std::string& journal_path) {
    HandOver h;
    auto directory_of = [](const std::string& file) {
        auto dir = std::filesystem::path(file).parent_path();
        return dir.empty() ? std::string(".") : dir.string();
    };
    if (!journal_path.empty()) {
        h.directories.push_back(directory_of(journal_path));
        h.files.push_back(journal_path);
        h.files.push_back(journal_path + ".tmp");  // left by a compaction cut short
    }
    if (!config.control_socket.empty()) {
        std::string dir = directory_of(config.control_socket);
        struct stat st {};
        if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            h.directories.push_back(dir);
            h.files.push_back(config.control_socket);
        }
    }
    return h;
}

void drop_privileges(const ServiceUser& user, const HandOver& what, const Log& log) {
    if (!running_as_root())
        throw std::runtime_error("cannot switch to user " + user.name + ": not started as root");
    for (const auto& dir : what.directories) give_directory(dir, user, log);
    for (const auto& file : what.files) give_file(file, user);
    limit_bounding_set();
    switch_user(user);
    verify(user, what);
    log.notice("USER", "running as " + user.name + " (uid " + std::to_string(user.uid) + ", gid " +
                           std::to_string(user.gid) +
                           ") with CAP_NET_BIND_SERVICE, CAP_NET_RAW and CAP_NET_ADMIN only");
}

}  // namespace leasedns::io
