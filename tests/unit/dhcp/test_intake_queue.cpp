// ROBUSTNESS J3: the DHCP intake queue serves the newest requests first, drops the stale
// ones and, when full, the oldest, and counts both.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "leasedns/dhcp/intake_queue.hpp"

using namespace leasedns;
using namespace leasedns::dhcp;

namespace {

struct Tag {
    int id = 0;
};

void push_id(IntakeQueue<Tag>& q, int id, uint64_t now_ms) {
    std::string text = "packet-" + std::to_string(id);
    q.push(Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()), Tag{id}, now_ms);
}

// Serves up to `budget` at `now_ms`; returns the ids in the order they were handed over,
// checking that each entry's bytes came back with it.
std::vector<int> serve(IntakeQueue<Tag>& q, uint64_t now_ms, size_t budget) {
    std::vector<int> ids;
    q.serve(now_ms, budget, [&](Bytes b, const Tag& t, uint64_t) {
        std::string text(b.begin(), b.end());
        CHECK(text == "packet-" + std::to_string(t.id));
        ids.push_back(t.id);
    });
    return ids;
}

}  // namespace

TEST_CASE("intake queue: newest first within the budget, the rest waits") {
    IntakeQueue<Tag> q(8, 64, 1000);
    for (int i = 1; i <= 5; ++i) push_id(q, i, 100 + i);
    CHECK(serve(q, 110, 2) == std::vector<int>{5, 4});
    CHECK(q.size() == 3);
    push_id(q, 6, 120);  // arrives between turns: it goes before the older ones
    CHECK(serve(q, 130, 10) == std::vector<int>{6, 3, 2, 1});
    CHECK(q.empty());
    CHECK(q.stale_drops() == 0);
    CHECK(q.overflow_drops() == 0);
}

TEST_CASE("intake queue: entries older than the maximum age are dropped as stale") {
    IntakeQueue<Tag> q(8, 64, 500);
    push_id(q, 1, 0);
    push_id(q, 2, 300);
    push_id(q, 3, 600);
    // At 900: 1 is 900 ms old (stale), 2 is 600 ms old (stale), 3 is 300 ms old.
    std::vector<uint64_t> ages;
    q.serve(900, 10, [&](Bytes, const Tag& t, uint64_t age) {
        CHECK(t.id == 3);
        ages.push_back(age);
    });
    CHECK(ages == std::vector<uint64_t>{300});
    CHECK(q.stale_drops() == 2);
    // Exactly max_age old still counts as fresh.
    push_id(q, 4, 1000);
    CHECK(q.drop_stale(1500) == 0);
    CHECK(q.drop_stale(1501) == 1);
    CHECK(q.stale_drops() == 3);
}

TEST_CASE("intake queue: a full queue makes room by dropping its oldest entry") {
    IntakeQueue<Tag> q(3, 64, 1000);
    for (int i = 1; i <= 5; ++i) push_id(q, i, 10);
    CHECK(q.size() == 3);
    CHECK(q.overflow_drops() == 2);
    CHECK(serve(q, 10, 10) == std::vector<int>{5, 4, 3});
    // The ring wraps around many times without losing track of order.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 2; ++i) push_id(q, round * 10 + i, 20);
        CHECK(serve(q, 20, 1) == std::vector<int>{round * 10 + 1});
        CHECK(serve(q, 20, 1) == std::vector<int>{round * 10});
    }
    CHECK(q.empty());
}

TEST_CASE("intake queue: long packets are cut to the slot size, a clock step back is age 0") {
    IntakeQueue<Tag> q(2, 4, 1000);
    std::vector<uint8_t> big(10, 0xab);
    q.push(Bytes(big), Tag{7}, 500);
    size_t len = 0;
    uint64_t age = 99;
    q.serve(400, 1, [&](Bytes b, const Tag&, uint64_t a) {
        len = b.size();
        age = a;
    });
    CHECK(len == 4);
    CHECK(age == 0);
}
