// Role names.
#include "services/common/role.hpp"

namespace meridian::services {

std::string_view to_string(Role r) noexcept {
    switch (r) {
        case Role::Public:
            return "public";
        case Role::Viewer:
            return "viewer";
        case Role::Trader:
            return "trader";
        case Role::Admin:
            return "admin";
    }
    return "?";
}

std::optional<Role> parse_role(std::string_view text) noexcept {
    if (text == "viewer") return Role::Viewer;
    if (text == "trader") return Role::Trader;
    if (text == "admin") return Role::Admin;
    return std::nullopt;
}

}  // namespace meridian::services
