// Request and Response helpers.
#include "net/http.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace meridian::net {

namespace {

bool has_double(const boost::json::value& v) {
    if (v.is_double()) return true;
    if (const auto* a = v.if_array()) {
        for (const auto& e : *a) {
            if (has_double(e)) return true;
        }
    } else if (const auto* o = v.if_object()) {
        for (const auto& kv : *o) {
            if (has_double(kv.value())) return true;
        }
    }
    return false;
}

/// Boost.JSON's writer, but for doubles: the shortest text that reads back the same number.
void write_readable(std::string& out, const boost::json::value& v) {
    if (v.is_double()) {
        const double d = v.get_double();
        if (!std::isfinite(d)) {
            out += "null";
            return;
        }
        char buf[32];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, ec == std::errc{} ? end : buf);
    } else if (const auto* a = v.if_array()) {
        out += '[';
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (i > 0) out += ',';
            write_readable(out, (*a)[i]);
        }
        out += ']';
    } else if (const auto* o = v.if_object()) {
        out += '{';
        bool first = true;
        for (const auto& kv : *o) {
            if (!first) out += ',';
            first = false;
            out += boost::json::serialize(boost::json::string{kv.key()});
            out += ':';
            write_readable(out, kv.value());
        }
        out += '}';
    } else {
        out += boost::json::serialize(v);
    }
}

}  // namespace

std::string to_json_text(const boost::json::value& body) {
    if (!has_double(body)) return boost::json::serialize(body);
    std::string out;
    write_readable(out, body);
    return out;
}

std::string_view Request::header(std::string_view name) const {
    auto it = headers.find(std::string{name});
    return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    auto it = query.find(std::string{name});
    if (it == query.end()) return std::nullopt;
    return std::string_view{it->second};
}

Response Response::json(int status, const boost::json::value& body) {
    Response r;
    r.status = status;
    r.body = to_json_text(body);
    return r;
}

Response Response::error(int status, std::string_view message, int code) {
    boost::json::object o;
    o["code"] = code == 0 ? status * 100'000 + 10'000 : code;
    o["message"] = message;
    return json(status, o);
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

namespace {
int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string url_encode(std::string_view text, bool keep_slash) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
            (keep_slash && c == '/')) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string request_target(const Request& request) {
    std::string target = url_encode(request.path, true);
    char sep = '?';
    for (const auto& [key, value] : request.query) {
        target += sep;
        target += url_encode(key) + "=" + url_encode(value);
        sep = '&';
    }
    return target;
}

std::optional<std::string> url_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex(text[i + 1]);
            const int lo = hex(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query) {
    const auto q = target.find('?');
    auto p = url_decode(target.substr(0, q), false);
    if (!p || p->empty() || p->front() != '/') return false;
    path = std::move(*p);
    if (q == std::string_view::npos) return true;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto key = url_decode(pair.substr(0, eq), true);
        auto value = url_decode(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value) return false;
        query[std::move(*key)] = std::move(*value);
    }
    return true;
}

}  // namespace meridian::net
