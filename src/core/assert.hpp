// MERIDIAN_ASSERT: a broken invariant logs where and why, then aborts; startup is the recovery
// path.
#pragma once

namespace meridian::core::detail {

/// Prints "file:line: assertion failed: expr: why" to stderr and aborts. Never returns.
[[noreturn]] void assert_fail(const char* expr, const char* why, const char* file,
                              int line) noexcept;

}  // namespace meridian::core::detail

#define MERIDIAN_ASSERT(cond, why)                                                   \
    do {                                                                             \
        if (!(cond)) [[unlikely]]                                                    \
            ::meridian::core::detail::assert_fail(#cond, (why), __FILE__, __LINE__); \
    } while (false)
