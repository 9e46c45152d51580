// Errors are values on the protocol path (ARCHITECTURE.md). A minimal expected<T, E>,
// since g++ 12 has no std::expected.
#pragma once
#include <utility>
#include <variant>

namespace leasedns {

template <typename E>
struct Err {
    // A constructor, not an aggregate: clang 14 has no parenthesised aggregate init.
    explicit Err(E e) : error(std::move(e)) {}
    E error;
};
template <typename E>
Err(E) -> Err<E>;

template <typename T, typename E>
class Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Err<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const E& error() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

}  // namespace leasedns
