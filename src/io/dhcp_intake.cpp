#include "leasedns/io/dhcp_intake.hpp"

namespace leasedns::io {

DhcpIntake::DhcpIntake(uv_loop_t* loop, Handle handle, TurnEnd turn_end)
    : loop_(loop),
      handle_(std::move(handle)),
      turn_end_(std::move(turn_end)),
      queue_(kCapacity, kSlotSize, kMaxAgeMs) {}

DhcpIntake::~DhcpIntake() {
    close();
}

uint64_t DhcpIntake::now_ns() {
    return uv_hrtime();
}

void DhcpIntake::push(Bytes packet, const PacketInfo& info) {
    if (packet.size() > kSlotSize) {
        handle_(packet, info);
        return;
    }
    queue_.push(packet, info, now_ns() / 1'000'000);
}

void DhcpIntake::arrived() {
    if (queue_.empty()) {
        // Only oversized datagrams (handled at once) or none: their replies may wait.
        if (turn_end_) turn_end_();
        return;
    }
    keep_turning(true);
}

void DhcpIntake::turn() {
    // Newest first, in small steps until the count or the time budget is spent.
    constexpr size_t kStep = 16;
    const uint64_t start = now_ns();
    uint64_t now = start;
    size_t served = 0;
    while (!queue_.empty() && served < kServeBudget && now - start < kTurnNs) {
        served += queue_.serve(now / 1'000'000, kStep,
                               [this](Bytes packet, const PacketInfo& info, uint64_t age_ms) {
                                   waited_ms_ += age_ms;
                                   handle_(packet, info);
                               });
        now = now_ns();
    }
    served_ += served;
    keep_turning(!queue_.empty());
    if (turn_end_) turn_end_();
}

void DhcpIntake::keep_turning(bool more) {
    if (more && !idle_) {
        idle_ = new uv_idle_t;
        uv_idle_init(loop_, idle_);
        idle_->data = this;
    }
    if (more == idle_active_) return;
    idle_active_ = more;
    if (more)
        uv_idle_start(idle_, [](uv_idle_t* h) { static_cast<DhcpIntake*>(h->data)->turn(); });
    else
        uv_idle_stop(idle_);
}

void DhcpIntake::close() {
    queue_.clear();
    if (idle_) {
        uv_idle_stop(idle_);
        uv_close(reinterpret_cast<uv_handle_t*>(idle_),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
        idle_ = nullptr;
    }
    idle_active_ = false;
}

}  // namespace leasedns::io
