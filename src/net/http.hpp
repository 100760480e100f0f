// HTTP requests and responses as services see them: plain structs, no Beast.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace meridian::net {

struct Route;

/// A request: the method, the decoded path and query, headers (names lower-cased), the body and
/// the route parameters the router matched ({id} -> "abc").
struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;
    std::string body;
    std::map<std::string, std::string> params;
    std::string remote;  // the client's address
    /// Set by the gateway once the credentials are checked: who is asking, and their role.
    std::string principal;
    int role = 0;
    /// The route matched when the request was admitted (null: none); reused by handle().
    const Route* route = nullptr;
    int match_status = 0;  // 404 or 405 when no route matched

    /// The header's value, or empty.
    std::string_view header(std::string_view name) const;
    /// The query parameter, or nothing.
    std::optional<std::string_view> query_param(std::string_view name) const;
};

/// JSON text as Boost.JSON writes it, except doubles: the shortest decimal that reads back the
/// same (0.0123 and 0, where Boost.JSON writes 1.23E-2 and 0E0); not finite: null.
std::string to_json_text(const boost::json::value& body);

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    bool close = false;  // close the connection after answering
    bool drop = false;   // close it without answering (a test server losing an answer)

    /// A JSON body.
    static Response json(int status, const boost::json::value& body);
    /// The error shape every route answers with: {"code": <int>, "message": "..."}. `code` is
    /// Alpaca's 8 digits, the HTTP status then 10000 (403 -> 40310000), unless given.
    static Response error(int status, std::string_view message, int code = 0);
    static Response text(int status, std::string body, std::string content_type);
};

/// Percent-decodes a URL component ('+' is a space in queries); nothing if malformed.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);
/// Percent-encodes everything but RFC 3986's unreserved characters (and '/' when `keep_slash`).
std::string url_encode(std::string_view text, bool keep_slash = false);
/// The encoded target of a request: its path and query, as a client would send them.
std::string request_target(const Request& request);
/// Splits a request target into its decoded path and query parameters; nothing if malformed.
bool parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

}  // namespace meridian::net
