// Router: segment-by-segment matching, literal segments before parameters.
#include "net/router.hpp"

#include "core/assert.hpp"

namespace meridian::net {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const auto j = path.find('/', i);
        const auto end = j == std::string_view::npos ? path.size() : j;
        out.push_back(path.substr(i, end - i));
        i = end;
    }
    return out;
}

void Router::add(Route route) {
    for (const auto& r : routes_) {
        MERIDIAN_ASSERT(!(r.method == route.method && r.pattern == route.pattern),
                        "a route is registered twice");
    }
    route.segments.clear();
    for (auto seg : split_path(route.pattern)) {
        route.segments.emplace_back(seg);
    }
    routes_.push_back(std::move(route));
}

namespace {
bool is_param(const std::string& seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}
}  // namespace

Match Router::match(std::string_view method, std::string_view path) const {
    const auto parts = split_path(path);
    Match best;
    best.status = 404;
    int best_literals = -1;
    for (const auto& r : routes_) {
        const auto& pat = r.segments;
        if (pat.size() != parts.size()) continue;
        int literals = 0;
        bool ok = true;
        for (std::size_t i = 0; i < pat.size() && ok; ++i) {
            if (is_param(pat[i])) continue;
            ok = pat[i] == parts[i];
            ++literals;
        }
        if (!ok) continue;
        if (r.method != method) {
            if (best.route == nullptr) best.status = 405;
            continue;
        }
        if (literals <= best_literals) continue;
        best_literals = literals;
        best.route = &r;
        best.status = 0;
        best.params.clear();
        for (std::size_t i = 0; i < pat.size(); ++i) {
            if (is_param(pat[i])) {
                best.params[pat[i].substr(1, pat[i].size() - 2)] = std::string{parts[i]};
            }
        }
    }
    return best;
}

}  // namespace meridian::net
