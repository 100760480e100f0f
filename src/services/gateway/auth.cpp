// Credentials: OpenSSL's SHA-256, HMAC and random bytes; JWT encoding.
#include "services/gateway/auth.hpp"

#include <array>

#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/assert.hpp"

namespace meridian::services {

namespace json = boost::json;

namespace {

/// SHA-256, fetched once: EVP_sha256() looks the algorithm up again at every use (OpenSSL 3),
/// a third of the cost of hashing a key.
const EVP_MD* sha256() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    MERIDIAN_ASSERT(md != nullptr, "OpenSSL has no SHA-256");
    return md;
}

std::string hex(const unsigned char* data, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    return out;
}

std::string base64url(std::string_view in) {
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) {
        return static_cast<unsigned>(static_cast<unsigned char>(in[k]));
    };
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = byte(i) << 16;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (char c : in) {
        int d = -1;
        if (c >= 'A' && c <= 'Z') d = c - 'A';
        if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
        if (c >= '0' && c <= '9') d = c - '0' + 52;
        if (c == '-') d = 62;
        if (c == '_') d = 63;
        if (d < 0) return std::nullopt;
        v = (v << 6) | static_cast<unsigned>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((v >> bits) & 0xFF));
        }
    }
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string{reinterpret_cast<const char*>(out), len};
}

}  // namespace

std::string sha256_hex(std::string_view text) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), out, &len, sha256(), nullptr);
    return hex(out, len);
}

std::string random_hex(std::size_t bytes) {
    std::string buf(bytes, '\0');
    MERIDIAN_ASSERT(
        RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) == 1,
        "the OS random source failed");
    return hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

NewKey generate_key() {
    NewKey k;
    k.id = "key_" + random_hex(8);
    k.secret = "mk_" + random_hex(32);
    k.hash = sha256_hex(k.secret);
    return k;
}

std::string sign_jwt(const Claims& c, core::Timestamp issued, std::string_view secret) {
    const std::string header = base64url(R"({"alg":"HS256","typ":"JWT"})");
    const json::object payload{{"sub", c.subject},
                               {"role", to_string(c.role)},
                               {"iat", issued.ns() / 1'000'000'000},
                               {"exp", c.expires.ns() / 1'000'000'000}};
    const std::string body = base64url(json::serialize(payload));
    const std::string signing_input = header + "." + body;
    return signing_input + "." + base64url(hmac_sha256(secret, signing_input));
}

core::Result<Claims> verify_jwt(std::string_view token, std::string_view secret,
                                core::Timestamp now) {
    const auto a = token.find('.');
    const auto b = a == std::string_view::npos ? a : token.find('.', a + 1);
    if (b == std::string_view::npos) return core::invalid("not a JWT");
    const std::string_view signing_input = token.substr(0, b);
    auto sig = unbase64url(token.substr(b + 1));
    const std::string expected = hmac_sha256(secret, signing_input);
    if (!sig || sig->size() != expected.size() ||
        CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
        return core::invalid("bad token signature");
    }
    auto header = unbase64url(token.substr(0, a));
    auto payload = unbase64url(token.substr(a + 1, b - a - 1));
    if (!header || !payload) return core::invalid("malformed token");
    boost::system::error_code ec;
    auto h = json::parse(*header, ec);
    if (ec || !h.is_object() || h.as_object().if_contains("alg") == nullptr ||
        h.as_object().at("alg") != "HS256") {
        return core::invalid("token algorithm must be HS256");
    }
    auto p = json::parse(*payload, ec);
    if (ec || !p.is_object()) return core::invalid("malformed token");
    const auto& o = p.as_object();
    const auto* sub = o.if_contains("sub");
    const auto* role = o.if_contains("role");
    const auto* exp = o.if_contains("exp");
    if (!sub || !sub->is_string() || !role || !role->is_string() || !exp || !exp->is_int64()) {
        return core::invalid("malformed token claims");
    }
    auto r = parse_role(role->get_string());
    if (!r) return core::invalid("unknown role in token");
    Claims c{std::string{sub->get_string()}, *r,
             core::Timestamp::from_ns(exp->get_int64() * 1'000'000'000)};
    if (c.expires <= now) return core::invalid("token expired");
    return c;
}

}  // namespace meridian::services
