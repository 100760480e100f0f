// Role: what an API key may do; viewer < trader < admin.
#pragma once

#include <optional>
#include <string_view>

namespace meridian::services {

/// Who may call a route: anyone (health), or a key of at least this role.
enum class Role { Public = 0, Viewer = 1, Trader = 2, Admin = 3 };
std::string_view to_string(Role r) noexcept;
/// "viewer", "trader", "admin"; nothing otherwise.
std::optional<Role> parse_role(std::string_view text) noexcept;

}  // namespace meridian::services
