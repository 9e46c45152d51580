// ROBUSTNESS.md D3: the lease journal's record codec and replay. A torn last record (a
// crash during an append) loses only that record, which was never synced and so never
// ACKed; garbage after the records is reported, never applied; nothing a client sends can
// make a record unloadable. Compaction writes one record per live entry.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "lease_test_support.hpp"
#include "leasedns/core/crc32.hpp"
#include "leasedns/leases/journal.hpp"
#include "leasedns/leases/table.hpp"

using namespace leasedns;
using namespace leasedns::leases;
using namespace leasedns::leases::test;

namespace {

struct Applied {
    RecordKind kind;
    Row row;
};

std::vector<uint8_t> magic() {
    return std::vector<uint8_t>(kJournalMagic.begin(), kJournalMagic.end());
}

std::vector<Applied> replay_all(Bytes file, ReplayReport* report = nullptr) {
    std::vector<Applied> out;
    ReplayReport r = replay_journal(file, [&](RecordKind k, const Lease& l) {
        out.push_back({k, row_of(l)});
    });
    if (report) *report = r;
    return out;
}

// What the daemon does with a replay (io/journal_writer.cpp).
void replay_into(LeaseTable& t, Bytes file, ReplayReport* report = nullptr) {
    ReplayReport r = replay_journal(file, [&](RecordKind k, const Lease& l) {
        if (k == RecordKind::Remove)
            t.remove(l.addr);
        else
            t.restore(l);
    });
    if (report) *report = r;
}

// A journal of three records; `ends` receives each record's end offset.
std::vector<uint8_t> three_records(std::vector<size_t>& ends) {
    std::vector<uint8_t> file = magic();
    ends.clear();
    append_record(RecordKind::Upsert, bound_lease(addr(0, 11), 1, "alpha", kNow + 3600), file);
    ends.push_back(file.size());
    append_record(RecordKind::Upsert, bound_lease(addr(0, 12), 2, "beta", kNow + 3600), file);
    ends.push_back(file.size());
    append_record(RecordKind::Remove, bound_lease(addr(0, 11), 1, "alpha", kNow + 3600), file);
    ends.push_back(file.size());
    return file;
}

}  // namespace

// ---------------------------------------------------------------- the record codec

TEST_CASE("a record round-trips every field of a lease") {
    Lease l = bound_lease(addr(0, 11), 7, "laptop", kNow + 3600, kNow - 5);
    std::vector<uint8_t> file = magic();
    append_record(RecordKind::Upsert, l, file);
    ReplayReport report;
    auto applied = replay_all(file, &report);
    REQUIRE(applied.size() == 1);
    CHECK(applied[0].kind == RecordKind::Upsert);
    CHECK(applied[0].row == row_of(l));
    CHECK(report.records == 1);
    CHECK(report.valid_bytes == file.size());
    CHECK(report.discarded_bytes == 0);
    CHECK(report.problem.empty());
    CHECK(!report.bad_magic);
}

TEST_CASE("the record layout is length, CRC-32 of the payload, then the payload (persisted)") {
    Lease l;
    l.addr = Ipv4::from_octets(198, 18, 0, 11);
    l.state = LeaseState::Bound;
    const std::vector<uint8_t> id{0x01, 0xaa};
    l.client = ClientId::from_option61(id);
    l.mac = Mac{{1, 2, 3, 4, 5, 6}};
    l.hostname = "pc";
    l.expires = 0x0102030405060708;
    l.granted = -1;
    std::vector<uint8_t> rec;
    append_record(RecordKind::Upsert, l, rec);
    const std::vector<uint8_t> payload{
        1,    1,    2,                                   // version, Upsert, Bound
        198,  18,   0,    11,                            // address
        2,    0x01, 0xaa,                                // client id
        6,    1,    2,    3,    4,    5,    6,           // MAC
        2,    'p',  'c',                                 // host name
        1,    2,    3,    4,    5,    6,    7,    8,     // expires
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // granted (-1)
    };
    REQUIRE(rec.size() == 8 + payload.size());
    CHECK(rec[0] == 0);
    CHECK(rec[1] == 0);
    CHECK(rec[2] == 0);
    CHECK(rec[3] == payload.size());
    uint32_t crc = crc32(Bytes(payload));
    CHECK(rec[4] == uint8_t(crc >> 24));
    CHECK(rec[7] == uint8_t(crc));
    CHECK(std::vector<uint8_t>(rec.begin() + 8, rec.end()) == payload);
}

TEST_CASE("D3: host names and client ids with any octets load back exactly") {
    std::vector<uint8_t> file = magic();
    Lease l = bound_lease(addr(0, 11), 1, std::string("a\0b\n\xff;\"DROP", 11), kNow + 1);
    std::vector<uint8_t> id(32, 0xff);
    l.client = ClientId::from_option61(id);
    append_record(RecordKind::Upsert, l, file);
    Lease quarantined;
    quarantined.addr = addr(0, 12);
    quarantined.state = LeaseState::Declined;
    append_record(RecordKind::Upsert, quarantined, file);
    auto applied = replay_all(file);
    REQUIRE(applied.size() == 2);
    CHECK(applied[0].row == row_of(l));
    CHECK(applied[1].row == row_of(quarantined));
}

TEST_CASE("D3: a host name over 255 octets is cut to 255, and the record still loads") {
    std::vector<uint8_t> file = magic();
    append_record(RecordKind::Upsert, bound_lease(addr(0, 11), 1, std::string(300, 'x'), 0), file);
    auto applied = replay_all(file);
    REQUIRE(applied.size() == 1);
    CHECK(std::get<4>(applied[0].row) == std::string(255, 'x'));
}

// ---------------------------------------------------------------- replay

TEST_CASE("an empty file is an empty journal; magic alone is a journal with no records") {
    ReplayReport empty;
    CHECK(replay_all({}, &empty).empty());
    CHECK(empty.problem.empty());
    CHECK(!empty.bad_magic);
    ReplayReport just_magic;
    auto m = magic();
    CHECK(replay_all(m, &just_magic).empty());
    CHECK(just_magic.problem.empty());
    CHECK(just_magic.valid_bytes == 8);
}

TEST_CASE("a file that is not a journal is refused whole") {
    const std::vector<uint8_t> other{'l', 'e', 'a', 's', 'e', ' ', '1', '2', '3', '\n'};
    ReplayReport r;
    CHECK(replay_all(other, &r).empty());
    CHECK(r.bad_magic);
    CHECK(r.discarded_bytes == other.size());
    CHECK(!r.problem.empty());
}

TEST_CASE("a torn journal header (the creating write cut short) is not bad magic") {
    auto m = magic();
    for (size_t n = 1; n < m.size(); ++n) {
        ReplayReport r;
        CHECK(replay_all(Bytes(m.data(), n), &r).empty());
        CHECK(!r.bad_magic);
        CHECK(r.problem == "torn journal header");
        CHECK(r.discarded_bytes == n);
    }
}

TEST_CASE("records are applied in order") {
    std::vector<size_t> ends;
    auto file = three_records(ends);
    auto applied = replay_all(file);
    REQUIRE(applied.size() == 3);
    CHECK(applied[0].kind == RecordKind::Upsert);
    CHECK(std::get<0>(applied[0].row) == addr(0, 11).value);
    CHECK(std::get<0>(applied[1].row) == addr(0, 12).value);
    CHECK(applied[2].kind == RecordKind::Remove);
    LeaseTable t;
    replay_into(t, file);
    CHECK(t.entry_count() == 1);
    CHECK(t.find_by_name("beta"));
}

TEST_CASE("D3: the last record torn at every byte loses only that record") {
    std::vector<size_t> ends;
    auto file = three_records(ends);
    for (size_t cut = ends[1]; cut <= ends[2]; ++cut) {
        CAPTURE(cut);
        ReplayReport r;
        auto applied = replay_all(Bytes(file.data(), cut), &r);
        if (cut == ends[2]) {
            CHECK(applied.size() == 3);
            CHECK(r.problem.empty());
            continue;
        }
        CHECK(applied.size() == 2);
        CHECK(r.records == 2);
        CHECK(r.valid_bytes == ends[1]);
        CHECK(r.discarded_bytes == cut - ends[1]);
        CHECK(r.problem.empty() == (cut == ends[1]));
        CHECK(!r.bad_magic);
    }
}

TEST_CASE("D3: every truncation of a longer journal applies exactly the whole records before it") {
    std::vector<uint8_t> file = magic();
    std::vector<size_t> ends{file.size()};
    for (uint32_t i = 0; i < 20; ++i) {
        append_record(
            RecordKind::Upsert,
            bound_lease(addr(1, static_cast<uint8_t>(i)), i, std::string(i, 'n'), kNow + i), file);
        ends.push_back(file.size());
    }
    size_t whole = 0;
    for (size_t cut = ends[0]; cut <= file.size(); ++cut) {
        while (whole + 1 < ends.size() && ends[whole + 1] <= cut) ++whole;
        ReplayReport r;
        auto applied = replay_all(Bytes(file.data(), cut), &r);
        CAPTURE(cut);
        CHECK(applied.size() == whole);
        CHECK(r.valid_bytes == ends[whole]);
        CHECK(r.valid_bytes + r.discarded_bytes == cut);
    }
}

TEST_CASE("D3: garbage appended after the records is reported and never applied") {
    std::vector<size_t> ends;
    auto clean = three_records(ends);
    std::mt19937 rng(3);
    for (size_t garbage : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{100}, size_t{5000}}) {
        auto file = clean;
        for (size_t i = 0; i < garbage; ++i) file.push_back(static_cast<uint8_t>(rng()));
        ReplayReport r;
        auto applied = replay_all(file, &r);
        CAPTURE(garbage);
        CHECK(applied.size() == 3);
        CHECK(r.valid_bytes == clean.size());
        CHECK(r.discarded_bytes == garbage);
        CHECK(!r.problem.empty());
    }
}

TEST_CASE("D3: a zero-filled tail (preallocated space) is not a record") {
    std::vector<size_t> ends;
    auto file = three_records(ends);
    file.resize(file.size() + 64, 0);  // length 0 with CRC 0 is the CRC of nothing
    ReplayReport r;
    CHECK(replay_all(file, &r).size() == 3);
    CHECK(r.discarded_bytes == 64);
    CHECK(r.problem.find("bad record payload") != std::string::npos);
}

TEST_CASE("D3 policy: damage in the middle stops replay there and reports the rest") {
    std::vector<size_t> ends;
    auto clean = three_records(ends);
    for (size_t at = ends[0]; at < ends[1]; ++at) {
        auto file = clean;
        file[at] ^= 0x20;
        ReplayReport r;
        auto applied = replay_all(file, &r);
        CAPTURE(at);
        CHECK(applied.size() == 1);
        CHECK(r.valid_bytes == ends[0]);
        CHECK(r.discarded_bytes == file.size() - ends[0]);
        CHECK(!r.problem.empty());
    }
}

TEST_CASE("an implausible record length is refused before anything is read") {
    std::vector<uint8_t> file = magic();
    const std::vector<uint8_t> header{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    file.insert(file.end(), header.begin(), header.end());
    ReplayReport r;
    CHECK(replay_all(file, &r).empty());
    CHECK(r.problem.find("implausible record length") != std::string::npos);
}

TEST_CASE("records with a good CRC but a bad payload are refused") {
    auto with_payload = [](std::vector<uint8_t> payload) {
        std::vector<uint8_t> file = magic();
        uint32_t n = static_cast<uint32_t>(payload.size());
        uint32_t crc = crc32(Bytes(payload));
        for (int s = 24; s >= 0; s -= 8) file.push_back(uint8_t(n >> s));
        for (int s = 24; s >= 0; s -= 8) file.push_back(uint8_t(crc >> s));
        file.insert(file.end(), payload.begin(), payload.end());
        ReplayReport r;
        CHECK(replay_all(file, &r).empty());
        return r.problem;
    };
    // A valid payload to start from.
    std::vector<uint8_t> rec;
    append_record(RecordKind::Upsert, bound_lease(addr(0, 11), 1, "a", 5), rec);
    const std::vector<uint8_t> good(rec.begin() + 8, rec.end());
    auto mutate = [&](size_t at, uint8_t v) {
        auto p = good;
        p[at] = v;
        return p;
    };
    CHECK(with_payload(mutate(0, 2)).find("unknown record version") != std::string::npos);
    CHECK(with_payload(mutate(1, 3)).find("unknown record kind") != std::string::npos);
    CHECK(with_payload(mutate(2, 0)).find("unknown lease state") != std::string::npos);
    CHECK(with_payload(mutate(2, 1)).find("upsert of an offer") != std::string::npos);
    auto trailing = good;
    trailing.push_back(0);
    CHECK(with_payload(trailing).find("trailing bytes") != std::string::npos);
    CHECK(with_payload({good.begin(), good.end() - 1}).find("shorter") != std::string::npos);
    // MAC length octet (after 3 + 4 + 1 + client id) set to 5.
    size_t mac_len_at = 3 + 4 + 1 + good[7];
    auto short_mac = good;
    short_mac[mac_len_at] = 5;
    short_mac.erase(short_mac.begin() + static_cast<long>(mac_len_at) + 1);
    CHECK(with_payload(short_mac).find("MAC length") != std::string::npos);
}

// ---------------------------------------------------------------- recorder and compaction

TEST_CASE("the recorder journals every published change and no offer") {
    LeaseTable t;
    JournalRecorder rec;
    t.subscribe(&rec);
    REQUIRE(t.hold_offer(addr(0, 10), client_of(1), mac_of(1), kNow + 30));
    CHECK(!rec.has_pending());
    REQUIRE(t.bind(bound_lease(addr(0, 10), 1, "one", kNow + 3600)));  // Granted
    REQUIRE(t.bind(bound_lease(addr(0, 10), 1, "one", kNow + 7200)));  // Renewed
    REQUIRE(t.bind(bound_lease(addr(0, 11), 2, "two", kNow + 3600)));  // Granted
    t.decline(addr(0, 11), kNow + 86400);                              // Declined
    REQUIRE(t.bind(bound_lease(addr(0, 12), 3, "three", kNow + 10)));  // Granted
    CHECK(t.expire_due(kNow + 10, 10) == 1);                           // Expired
    REQUIRE(t.release(addr(0, 10), client_of(1)));                     // Released
    CHECK(rec.records_written() == 7);
    std::vector<uint8_t> batch;
    rec.take_pending(batch);
    CHECK(!rec.has_pending());
    std::vector<uint8_t> file = magic();
    file.insert(file.end(), batch.begin(), batch.end());
    auto applied = replay_all(file);
    REQUIRE(applied.size() == 7);
    std::vector<RecordKind> kinds;
    for (const auto& a : applied) kinds.push_back(a.kind);
    using K = RecordKind;
    CHECK(kinds == std::vector<K>{K::Upsert, K::Upsert, K::Upsert, K::Upsert, K::Upsert, K::Remove,
                                  K::Remove});
    CHECK(std::get<1>(applied[3].row) == int(LeaseState::Declined));
    // Replaying it rebuilds the same table.
    LeaseTable back;
    replay_into(back, file);
    CHECK(rows_of(back) == rows_of(t));
    check_invariants(back);
}

TEST_CASE("take_pending hands over the buffer and the recorder starts afresh") {
    LeaseTable t;
    JournalRecorder rec;
    t.subscribe(&rec);
    REQUIRE(t.bind(bound_lease(addr(0, 10), 1, "", kNow + 3600)));
    std::vector<uint8_t> first;
    rec.take_pending(first);
    REQUIRE(t.bind(bound_lease(addr(0, 11), 2, "", kNow + 3600)));
    std::vector<uint8_t> second;
    rec.take_pending(second);
    CHECK(first.size() == second.size());
    CHECK(first != second);
    std::vector<uint8_t> none{1, 2, 3};
    rec.take_pending(none);
    CHECK(none.empty());
}

TEST_CASE("the compaction plan: one Upsert per live lease or quarantine, nothing else") {
    LeaseTable t;
    JournalRecorder rec;
    t.subscribe(&rec);
    for (uint32_t round = 0; round < 50; ++round)
        for (uint32_t c = 0; c < 10; ++c)
            REQUIRE(t.bind(bound_lease(addr(0, static_cast<uint8_t>(c)), c, "h" + std::to_string(c),
                                       kNow + 1000 + round)));
    t.decline(addr(0, 3), kNow + 86400);
    REQUIRE(t.hold_offer(addr(0, 20), client_of(20), mac_of(20), kNow + 30));  // never written
    REQUIRE(t.bind(bound_lease(addr(0, 21), 21, "soon", kNow + 5)));           // due at kNow + 5
    REQUIRE(t.bind(bound_lease(addr(0, 22), 22, "forever", 0)));               // never expires

    std::vector<uint8_t> journal = magic();
    std::vector<uint8_t> batch;
    rec.take_pending(batch);
    journal.insert(journal.end(), batch.begin(), batch.end());

    auto snapshot = snapshot_journal(t, kNow + 5);
    ReplayReport r;
    auto applied = replay_all(snapshot, &r);
    CHECK(r.problem.empty());
    CHECK(applied.size() == 11);  // 9 bound + 1 declined + forever; not the offer, not "soon"
    for (const auto& a : applied) CHECK(a.kind == RecordKind::Upsert);
    CHECK(snapshot.size() * 10 < journal.size());

    // Loading the snapshot or the whole journal gives the same leases, once due ones expire.
    LeaseTable from_snapshot, from_journal;
    replay_into(from_snapshot, snapshot);
    replay_into(from_journal, journal);
    from_journal.expire_due(kNow + 5, 1000);
    CHECK(rows_of(from_snapshot) == rows_of(from_journal));
    t.expire_due(kNow + 5, 1000);
    CHECK(rows_of(from_snapshot) == rows_of(t, false));
    check_invariants(from_snapshot);
}

TEST_CASE("a snapshot of an empty table is the magic alone") {
    LeaseTable t;
    CHECK(snapshot_journal(t, kNow) == magic());
}
