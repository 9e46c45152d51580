// Randomness is a parameter of the protocol core (ARCHITECTURE.md habit 2).
#pragma once
#include <cstdint>

namespace leasedns {

class Rng {
public:
    virtual ~Rng() = default;
    virtual uint64_t next() = 0;
};

// Deterministic generator for tests and fuzzers (splitmix64).
class SeededRng final : public Rng {
public:
    explicit SeededRng(uint64_t seed) : state_(seed) {}
    uint64_t next() override {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

private:
    uint64_t state_;
};

}  // namespace leasedns
