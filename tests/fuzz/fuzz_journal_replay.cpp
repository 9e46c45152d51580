// Journal replay (ROBUSTNESS D3), two ways.
// 1. The input is a journal file: replay it into a table as the daemon does (Upsert ->
//    restore, Remove -> remove), whatever it holds. The report must account for every
//    byte, the table's indices must agree with its entries, and the compaction of the
//    result must replay cleanly to the same entries.
// 2. The input is a script of table operations (offers, binds with client-chosen names,
//    releases, declines, expiry) recorded by a JournalRecorder: replaying the journal
//    rebuilds the live table exactly (offers aside), and cutting the journal at any byte
//    applies exactly the whole records before the cut.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;
using namespace leasedns::leases;

namespace {

constexpr WallSeconds kNow = 1'700'000'000;

void check(bool ok) {
    if (!ok) std::abort();
}

using Row =
    std::tuple<uint32_t, int, std::string, std::string, std::string, WallSeconds, WallSeconds>;

Row row_of(const Lease& l) {
    return Row{l.addr.value, int(l.state), l.client.str(), l.mac.str(),
               l.hostname,   l.expires,    l.granted};
}

std::set<Row> rows_of(const LeaseTable& t) {
    std::set<Row> rows;
    t.for_each([&](const Lease& l) {
        if (l.state != LeaseState::Offered) rows.insert(row_of(l));
    });
    return rows;
}

void check_table(const LeaseTable& t) {
    size_t entries = 0, bound = 0;
    t.for_each([&](const Lease& l) {
        ++entries;
        check(t.find_by_addr(l.addr) == &l);
        check(!t.is_free(l.addr));
        if (l.state == LeaseState::Bound) {
            ++bound;
            check(!l.client.empty());
            check(t.find_by_client(l.client) == &l);
            if (!l.hostname.empty()) check(t.find_by_name(l.hostname) == &l);
        } else if (l.state == LeaseState::Declined) {
            check(l.client.empty() && l.hostname.empty());
        }
    });
    check(entries == t.entry_count());
    check(bound == t.bound_count());
}

ReplayReport replay_into(LeaseTable& t, Bytes file) {
    return replay_journal(file, [&](RecordKind kind, const Lease& l) {
        if (kind == RecordKind::Remove)
            t.remove(l.addr);
        else
            t.restore(l);
    });
}

void set_pool(LeaseTable& t) {
    PoolRange range{Ipv4::from_octets(198, 18, 0, 0), Ipv4::from_octets(198, 18, 0, 31)};
    t.set_pools(std::span<const PoolRange>(&range, 1), {});
}

void compact(LeaseTable& t);

void as_file(Bytes file) {
    LeaseTable t;
    set_pool(t);
    ReplayReport r = replay_into(t, file);
    if (r.bad_magic) {
        check(r.records == 0 && r.discarded_bytes == file.size());
        return;
    }
    check(r.valid_bytes + r.discarded_bytes == file.size() || file.size() < kJournalMagic.size());
    check(r.problem.empty() == (r.discarded_bytes == 0));
    check_table(t);
    // The valid prefix alone replays without a problem, to the same table.
    if (r.discarded_bytes == 0) return compact(t);
    LeaseTable prefix;
    set_pool(prefix);
    ReplayReport again = replay_into(prefix, file.first(r.valid_bytes));
    check(again.records == r.records && again.problem.empty());
    check(rows_of(prefix) == rows_of(t));
    compact(t);
}

// Compaction: the snapshot replays cleanly to the entries that are not yet due.
void compact(LeaseTable& t) {
    t.expire_due(kNow, SIZE_MAX);
    std::vector<uint8_t> snap = snapshot_journal(t, kNow);
    LeaseTable compacted;
    set_pool(compacted);
    ReplayReport s = replay_into(compacted, snap);
    check(s.problem.empty() && s.valid_bytes == snap.size());
    check(rows_of(compacted) == rows_of(t));
    check_table(compacted);
}

struct Script {
    Bytes in;
    size_t pos = 0;
    uint8_t u8() { return pos < in.size() ? in[pos++] : 0; }
    bool done() const { return pos >= in.size(); }
};

ClientId client(uint8_t n) {
    std::vector<uint8_t> id{0x01, 0x02, 0, 0, 0, 0, n};
    return ClientId::from_option61(id);
}

void as_script(Bytes input) {
    LeaseTable live;
    set_pool(live);
    JournalRecorder rec;
    live.subscribe(&rec);
    Script s{input};
    WallSeconds now = kNow;
    for (int step = 0; step < 200 && !s.done(); ++step) {
        uint8_t op = s.u8();
        Ipv4 a = Ipv4::from_octets(198, 18, 0, s.u8() % 40);  // some outside the pool
        uint8_t c = s.u8() % 16;
        WallSeconds until = (op & 0x80) ? 0 : now + s.u8();
        switch (op % 6) {
            case 0:
                live.hold_offer(a, client(c), Mac{{2, 0, 0, 0, 0, c}}, until);
                break;
            case 1: {
                Lease l;
                l.addr = a;
                l.client = client(c);
                l.mac = Mac{{2, 0, 0, 0, 0, c}};
                // Any octets a client could send as its name (the table stores what the
                // engine passes; the journal must carry it whatever it is).
                size_t len = s.u8() % 8;
                for (size_t i = 0; i < len; ++i) l.hostname.push_back(static_cast<char>(s.u8()));
                l.expires = until;
                l.granted = now;
                live.bind(l);
                break;
            }
            case 2:
                live.release(a, client(c));
                break;
            case 3: {
                // Only a bound lease is declined (the engine checks the sender holds it);
                // that is the case the journal records.
                const Lease* l = live.find_by_addr(a);
                if (l && l->state == LeaseState::Bound) live.decline(a, until);
                break;
            }
            case 4:
                now += s.u8();
                live.expire_due(now, 1 + s.u8() % 8);
                break;
            case 5:
                if (const Lease* l = live.find_by_addr(a); l && l->state != LeaseState::Offered)
                    live.remove(a);
                break;
        }
    }
    std::vector<uint8_t> journal(kJournalMagic.begin(), kJournalMagic.end());
    std::vector<uint8_t> pending;
    rec.take_pending(pending);
    journal.insert(journal.end(), pending.begin(), pending.end());

    LeaseTable replayed;
    set_pool(replayed);
    ReplayReport r = replay_into(replayed, journal);
    check(r.problem.empty() && r.records == rec.records_written());
    check_table(replayed);
    // Quarantines end silently in the live table: expire both sides at the same time.
    live.unsubscribe(&rec);
    live.expire_due(now, SIZE_MAX);
    replayed.expire_due(now, SIZE_MAX);
    check(rows_of(replayed) == rows_of(live));

    // A cut at any byte applies exactly the whole records before it.
    size_t cut =
        kJournalMagic.size() + (journal.size() > kJournalMagic.size()
                                    ? (static_cast<size_t>(input[0]) * 131 + input.size()) %
                                          (journal.size() - kJournalMagic.size() + 1)
                                    : 0);
    size_t whole = 0, end = kJournalMagic.size();
    while (end + 8 <= cut) {
        size_t len = (size_t{journal[end]} << 24) | (size_t{journal[end + 1]} << 16) |
                     (size_t{journal[end + 2]} << 8) | journal[end + 3];
        if (end + 8 + len > cut) break;
        end += 8 + len;
        ++whole;
    }
    ReplayReport torn = replay_journal(Bytes(journal.data(), cut), [](RecordKind, const Lease&) {});
    check(torn.records == whole && torn.valid_bytes == end && torn.discarded_bytes == cut - end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> copy(data, data + size);
    as_file(Bytes(copy));
    if (size > 0) as_script(Bytes(copy));
    return 0;
}
