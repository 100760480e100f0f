// Error code names and the assertion handler.
#include "core/result.hpp"

#include <cstdio>

namespace meridian::core {

std::string_view to_string(Errc code) noexcept {
    switch (code) {
        case Errc::InvalidArgument:
            return "invalid_argument";
        case Errc::NotFound:
            return "not_found";
        case Errc::Duplicate:
            return "duplicate";
        case Errc::IllegalState:
            return "illegal_state";
        case Errc::Rejected:
            return "rejected";
        case Errc::Unavailable:
            return "unavailable";
        case Errc::Timeout:
            return "timeout";
        case Errc::Internal:
            return "internal";
    }
    return "internal";
}

namespace detail {

void assert_fail(const char* expr, const char* why, const char* file, int line) noexcept {
    std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", file, line, expr, why);
    std::fflush(stderr);
    std::abort();
}

}  // namespace detail
}  // namespace meridian::core
