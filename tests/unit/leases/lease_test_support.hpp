// Shared helpers for the lease table tests: ids, leases, an event recorder and a check of
// the table's invariants from the outside (every lookup agrees with for_each).
#pragma once
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "leasedns/leases/table.hpp"

namespace leasedns::leases::test {

constexpr WallSeconds kNow = 1'700'000'000;

inline Ipv4 addr(uint8_t c, uint8_t d) {
    return Ipv4::from_octets(198, 18, c, d);
}

inline Mac mac_of(uint32_t n) {
    Mac m;
    m.octets = {0x02, 0x00, uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    return m;
}

inline ClientId client_of(uint32_t n) {
    Mac m = mac_of(n);
    return ClientId::from_hardware(1, Bytes(m.octets));
}

inline Lease bound_lease(Ipv4 a, uint32_t client, std::string name, WallSeconds expires,
                         WallSeconds granted = kNow) {
    Lease l;
    l.addr = a;
    l.state = LeaseState::Bound;
    l.client = client_of(client);
    l.mac = mac_of(client);
    l.hostname = std::move(name);
    l.expires = expires;
    l.granted = granted;
    return l;
}

struct SeenEvent {
    EventKind kind;
    Ipv4 addr;
    LeaseState state;
    ClientId client;
    std::string hostname;
    std::string old_hostname;
};

class EventLog final : public LeaseListener {
public:
    void on_lease_event(const LeaseEvent& e) override {
        events.push_back({e.kind, e.lease.addr, e.lease.state, e.lease.client, e.lease.hostname,
                          std::string(e.old_hostname)});
    }
    std::vector<EventKind> kinds() const {
        std::vector<EventKind> out;
        for (const auto& e : events) out.push_back(e.kind);
        return out;
    }
    std::vector<SeenEvent> events;
};

// A comparable image of one entry.
using Row =
    std::tuple<uint32_t, int, std::string, std::string, std::string, WallSeconds, WallSeconds>;

inline Row row_of(const Lease& l) {
    return Row{l.addr.value, int(l.state), l.client.str(), l.mac.str(),
               l.hostname,   l.expires,    l.granted};
}

inline std::set<Row> rows_of(const LeaseTable& t, bool with_offers = true) {
    std::set<Row> rows;
    t.for_each([&](const Lease& l) {
        if (with_offers || l.state != LeaseState::Offered) rows.insert(row_of(l));
    });
    return rows;
}

// Checks, from the public interface only, that every index agrees with the entries.
inline void check_invariants(const LeaseTable& t) {
    size_t entries = 0, bound = 0;
    std::map<std::string, int> bound_per_client, offers_per_client;
    std::set<std::string> names;
    t.for_each([&](const Lease& l) {
        ++entries;
        CHECK(t.find_by_addr(l.addr) == &l);
        CHECK(!t.is_free(l.addr));
        for (size_t i = 0; i < t.pool_count(); ++i)
            if (t.pool(i).contains(l.addr)) CHECK(!t.pool(i).is_free(l.addr));
        switch (l.state) {
            case LeaseState::Bound: {
                ++bound;
                CHECK(!l.client.empty());
                CHECK(++bound_per_client[l.client.str()] == 1);
                CHECK(t.find_by_client(l.client) == &l);
                if (!l.hostname.empty()) {
                    CHECK(names.insert(l.hostname).second);
                    CHECK(t.find_by_name(l.hostname) == &l);
                }
                break;
            }
            case LeaseState::Offered: {
                CHECK(++offers_per_client[l.client.str()] == 1);
                const Lease* found = t.find_by_client(l.client);
                REQUIRE(found != nullptr);
                CHECK((found == &l || found->state == LeaseState::Bound));
                CHECK(l.hostname.empty());
                break;
            }
            case LeaseState::Declined:
                CHECK(l.client.empty());
                CHECK(l.hostname.empty());
                break;
        }
    });
    CHECK(t.entry_count() == entries);
    CHECK(t.bound_count() == bound);
}

}  // namespace leasedns::leases::test
