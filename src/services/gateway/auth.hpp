// Credentials: API keys (random, kept as SHA-256) and short-lived JWTs (HS256).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "services/common/role.hpp"

namespace meridian::services {

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);
/// `bytes` random bytes from the OS, as lower-case hex.
std::string random_hex(std::size_t bytes);

/// A new API key: "mk_" and 256 random bits; the key id and the hash to keep.
struct NewKey {
    std::string id;
    std::string secret;  // shown once, never stored
    std::string hash;
};
NewKey generate_key();

/// Who a verified token speaks for.
struct Claims {
    std::string subject;  // the key id
    Role role = Role::Viewer;
    core::Timestamp expires;
};

/// A compact JWT, HS256-signed with `secret`.
std::string sign_jwt(const Claims& claims, core::Timestamp issued, std::string_view secret);
/// Checks the signature, the algorithm and the expiry. Errors (InvalidArgument) say why.
core::Result<Claims> verify_jwt(std::string_view token, std::string_view secret,
                                core::Timestamp now);

}  // namespace meridian::services
