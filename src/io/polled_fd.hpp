// Closing a socket that libuv watches: the poll handle is stopped and closed (libuv
// frees it on the next loop turn, never while a callback may still use it), then the
// descriptor. Shared by the DHCP socket and the ICMP probe.
#pragma once
#include <unistd.h>
#include <uv.h>

namespace leasedns::io {

inline void close_polled_fd(uv_poll_t*& poll, int& fd) {
    if (poll) {
        uv_poll_stop(poll);
        uv_close(reinterpret_cast<uv_handle_t*>(poll),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
        poll = nullptr;
    }
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

}  // namespace leasedns::io
