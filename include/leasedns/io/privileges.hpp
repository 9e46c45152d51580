// -u/--user: started as root, leasedns binds what needs root (DHCP port 67, DNS port 53,
// the raw ICMP socket), opens the lease journal, then becomes USER and keeps only the
// capabilities serving needs afterwards:
//   CAP_NET_ADMIN         the ARP entry (SIOCSARP) that lets a reply be unicast to a
//                         client that has no address yet (RFC 2131 §4.1)
//   CAP_NET_RAW           the raw ICMP socket of the ping probe, if it is reopened
//   CAP_NET_BIND_SERVICE  binding port 53/67 again (a reload that adds an address)
// Everything else (CAP_SETUID, CAP_DAC_OVERRIDE, CAP_CHOWN ...) is gone, from the bounding
// set too, so no child (a --dhcp-script) can get it back. A drop that does not verify is
// fatal: leasedns never goes on as root when a user was asked for.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/log.hpp"

namespace leasedns::io {

struct ServiceUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// The three capabilities above, as a capability bit mask (CapEff in /proc/PID/status).
uint64_t kept_capabilities_mask();

// Looks USER up (a name, or a numeric uid) in the password database. Throws with a
// message naming the user when there is no such user. Call before binding anything.
ServiceUser lookup_user(const std::string& name);

// What -u/--user asks for, decided before anything is bound (an unknown user fails the
// start-up at once, with a message naming it):
//   empty       nobody to become: run as the invoking user (a notice suggests -u to root);
//   root / 0    stay root, as told;
//   the invoking user already (systemd's User= and the same name in the file): nothing;
//   another user when not root: an error (only root can switch).
// Returns the user to switch to after binding, or nothing.
std::optional<ServiceUser> user_to_become(const std::string& name, const Log& log);

// What the process must be able to write after the drop.
struct HandOver {
    std::vector<std::string> directories;  // the lease journal's, the control socket's
    std::vector<std::string> files;        // the lease journal, the control socket
};

// The journal's directory and file (`journal_path`, empty when DHCP is off), and the
// control socket's directory and socket when they exist.
HandOver hand_over_for(const config::Config& config, const std::string& journal_path);

// Runs as root, after every socket is bound and the journal is open:
//  1. gives the directories and files of `what` to the user (only directories leasedns
//     can call its own: never /, /etc, /var/lib, /tmp or another shared directory;
//     symlinks are not followed);
//  2. setgroups/setgid/setuid to the user, keeping the three capabilities, dropping the
//     rest from the effective, permitted, inheritable and bounding sets;
//  3. verifies: not root any more (and cannot become root again), the capabilities are
//     exactly the three, and every directory of `what` is writable.
// Throws with the reason on any failure.
void drop_privileges(const ServiceUser& user, const HandOver& what, const Log& log);

// Whether this process runs with uid 0.
bool running_as_root();

}  // namespace leasedns::io
