// Result<T> and Error: how fallible operations report failure without exceptions (STYLE.md section
// 4).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/assert.hpp"

namespace meridian::core {

/// What went wrong, coarse enough for a caller to decide what to do next.
enum class Errc {
    InvalidArgument,  // bad outside input: unparsable, out of range, inconsistent
    NotFound,
    Duplicate,     // already applied or already exists
    IllegalState,  // the operation is not legal in the object's current state
    Rejected,      // a venue or broker said no
    Unavailable,   // network, server or database unreachable; may succeed later
    Timeout,       // outcome unknown
    Internal,
};

/// Stable lower-case name of an error code: "invalid_argument", "not_found", ...
std::string_view to_string(Errc code) noexcept;

/// An error code with a message for a human. Value type.
struct Error {
    Errc code = Errc::Internal;
    std::string message;

    friend bool operator==(const Error&, const Error&) = default;
};

/// Holds either a T or an Error; shaped like std::expected<T, Error> (C++23).
/// Invariants: value() on an error and error() on a value abort.
template <typename T>
class [[nodiscard]] Result {
public:
    // Implicit on purpose, as std::expected: `return value;` and `return error;` both work.
    // NOLINTBEGIN(google-explicit-constructor,bugprone-forwarding-reference-overload)
    Result(const T& value) : state_{std::in_place_index<0>, value} {}
    Result(T&& value) : state_{std::in_place_index<0>, std::move(value)} {}
    Result(Error error) : state_{std::in_place_index<1>, std::move(error)} {}
    template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Result>)
        Result(U&& value)
        : state_{std::in_place_index<0>, T(std::forward<U>(value))} {}
    // NOLINTEND(google-explicit-constructor,bugprone-forwarding-reference-overload)

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        MERIDIAN_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    const T& value() const& {
        MERIDIAN_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    T&& value() && {
        MERIDIAN_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(std::move(state_));
    }
    const Error& error() const& {
        MERIDIAN_ASSERT(!has_value(), "Result::error() on a value");
        return std::get<1>(state_);
    }
    Error&& error() && {
        MERIDIAN_ASSERT(!has_value(), "Result::error() on a value");
        return std::get<1>(std::move(state_));
    }
    template <typename U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, Error> state_;
};

/// Result of an operation with no value: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_{std::move(error)} {}  // NOLINT(google-explicit-constructor)

    bool has_value() const noexcept { return !error_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { MERIDIAN_ASSERT(has_value(), "Result<void>::value() on an error"); }
    const Error& error() const& {
        MERIDIAN_ASSERT(!has_value(), "Result::error() on a value");
        return *error_;
    }

private:
    std::optional<Error> error_;
};

/// Shorthand for the common "bad outside input" error.
inline Error invalid(std::string message) {
    return Error{Errc::InvalidArgument, std::move(message)};
}

}  // namespace meridian::core
