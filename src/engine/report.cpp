// The HTML report: SVG charts drawn here, statistics and tables, all in one page.
#include "engine/report.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

namespace meridian::engine {
namespace {

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string pct(double v) {
    return fixed(v * 100, 2) + " %";
}

struct Point {
    double t;  // seconds
    double v;
};

/// The points to draw of n values, each read once and in order by value(i) (so a running
/// drawdown can be computed as it goes): every point of a short curve; of a long one, the
/// lowest and highest of each bucket, in time order.
template <typename Value>
std::vector<std::pair<std::size_t, double>> reduce(std::size_t n, std::size_t buckets,
                                                   Value value) {
    std::vector<std::pair<std::size_t, double>> keep;
    if (n <= 2 * buckets) {
        for (std::size_t i = 0; i < n; ++i) {
            keep.emplace_back(i, value(i));
        }
        return keep;
    }
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::size_t from = b * n / buckets;
        const std::size_t to = (b + 1) * n / buckets;
        std::pair<std::size_t, double> lo{from, value(from)};
        std::pair<std::size_t, double> hi = lo;
        for (std::size_t i = from + 1; i < to; ++i) {
            const double v = value(i);
            if (v < lo.second) lo = {i, v};
            if (v > hi.second) hi = {i, v};
        }
        keep.push_back(lo.first <= hi.first ? lo : hi);
        if (lo.first != hi.first) keep.push_back(lo.first <= hi.first ? hi : lo);
    }
    return keep;
}

/// An SVG line (or area) chart of `points` with a y axis labelled by `label`.
std::string chart(const std::vector<Point>& points, const std::string& color, bool area,
                  const std::function<std::string(double)>& label) {
    constexpr double width = 900;
    constexpr double height = 260;
    constexpr double left = 80;
    constexpr double bottom = 24;
    if (points.empty()) return "<p>No data.</p>";
    double t0 = points.front().t, t1 = points.back().t;
    double lo = points.front().v, hi = lo;
    for (const auto& p : points) {
        lo = std::min(lo, p.v);
        hi = std::max(hi, p.v);
    }
    if (area) hi = std::max(hi, 0.0);
    if (hi == lo) {
        hi += 1;
        lo -= 1;
    }
    if (t1 == t0) t1 = t0 + 1;
    auto x = [&](double t) { return left + (t - t0) / (t1 - t0) * (width - left - 10); };
    auto y = [&](double v) { return 10 + (hi - v) / (hi - lo) * (height - bottom - 10); };
    std::string svg = "<svg viewBox=\"0 0 900 260\" role=\"img\" preserveAspectRatio=\"none\">";
    for (int k = 0; k <= 4; ++k) {
        const double v = lo + (hi - lo) * k / 4;
        svg += "<line x1=\"" + fixed(left, 1) + "\" x2=\"890\" y1=\"" + fixed(y(v), 1) +
               "\" y2=\"" + fixed(y(v), 1) + "\" class=\"grid\"/><text x=\"" + fixed(left - 6, 1) +
               "\" y=\"" + fixed(y(v) + 4, 1) + "\" class=\"axis\" text-anchor=\"end\">" +
               escape(label(v)) + "</text>";
    }
    std::string path;
    for (const auto& p : points) {
        path += fixed(x(p.t), 1) + "," + fixed(y(p.v), 1) + " ";
    }
    if (area) {
        svg += "<polygon fill=\"" + color + "\" fill-opacity=\"0.35\" stroke=\"" + color +
               "\" points=\"" + fixed(x(t0), 1) + "," + fixed(y(0), 1) + " " + path +
               fixed(x(points.back().t), 1) + "," + fixed(y(0), 1) + "\"/>";
    } else {
        svg += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"" +
               path + "\"/>";
    }
    svg += "</svg>";
    return svg;
}

std::string row(const std::string& label, const std::string& value) {
    return "<tr><th>" + escape(label) + "</th><td>" + escape(value) + "</td></tr>";
}

}  // namespace

std::string report_html(const BacktestResult& r, const std::string& title, std::size_t max_buckets,
                        std::size_t max_fills) {
    const Summary& s = r.summary;
    // The curves are read point by point, never copied: a long run's curve is large.
    auto points = [&](const std::vector<std::pair<std::size_t, double>>& kept) {
        std::vector<Point> out;
        out.reserve(kept.size());
        for (const auto& [i, v] : kept) {
            out.push_back(Point{static_cast<double>(r.curve[i].ts.ns()) / 1e9, v});
        }
        return out;
    };
    const auto equity =
        reduce(r.curve.size(), max_buckets, [&](std::size_t i) { return r.curve[i].equity; });
    double peak = s.starting_cash.to_double();
    const auto drawdown = reduce(r.curve.size(), max_buckets, [&](std::size_t i) {
        const double e = r.curve[i].equity;
        peak = std::max(peak, e);
        return peak > 0 ? e / peak - 1 : 0;
    });

    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         escape(title) +
         "</title>\n<style>body{font:14px system-ui,sans-serif;margin:24px "
         "auto;max-width:960px;color:#1d2330}"
         "h1{font-size:22px}h2{font-size:16px;margin-top:28px}svg{width:100%;height:260px;"
         "background:#fafbfd;"
         "border:1px solid #e3e6ee}.grid{stroke:#e3e6ee}.axis{font-size:11px;fill:#6b7280}"
         "table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{padding:3px 12px "
         "3px 0;"
         "text-align:left;border-bottom:1px solid #eef0f4}td.n{text-align:right}.stats{columns:2}"
         ".muted{color:#6b7280}</style></head><body>\n";
    h += "<h1>" + escape(title) + "</h1>\n";
    if (!r.curve.empty()) {
        h += "<p class=\"muted\">" + r.curve.front().ts.to_iso8601() + " to " +
             r.curve.back().ts.to_iso8601() + ", " + std::to_string(r.curve.size()) +
             " points</p>\n";
    }
    h += "<h2>Equity</h2>\n" +
         chart(points(equity), "#2563eb", false, [](double v) { return fixed(v, 0); }) + "\n";
    h += "<h2>Drawdown</h2>\n" +
         chart(points(drawdown), "#dc2626", true, [](double v) { return pct(v); }) + "\n";
    h += "<h2>Statistics</h2>\n<div class=\"stats\"><table>";
    h += row("starting cash", s.starting_cash.to_string(2, core::Rounding::HalfEven));
    h += row("final equity", s.final_equity.to_string(2, core::Rounding::HalfEven));
    h += row("total return", pct(s.total_return));
    h += row("CAGR", pct(s.cagr));
    h += row("volatility", pct(s.volatility));
    h += row("Sharpe", fixed(s.sharpe, 2));
    h += row("Sortino", fixed(s.sortino, 2));
    h += row("Calmar", s.calmar ? fixed(*s.calmar, 2) : "n/a");
    h += row("max drawdown", pct(s.max_drawdown));
    h += row("max drawdown duration", fixed(s.max_drawdown_duration, 0) + " days");
    h += row("fills", std::to_string(s.num_fills));
    h += row("round trips", std::to_string(s.num_round_trips));
    h += row("win rate", pct(s.win_rate));
    h += row("profit factor", s.profit_factor ? fixed(*s.profit_factor, 2) : "n/a");
    h += row("expectancy", fixed(s.expectancy, 2));
    h += row("exposure", pct(s.exposure));
    h += "</table></div>\n";
    auto breakdown_table = [&](const char* heading, const std::map<std::string, Breakdown>& m) {
        if (m.empty()) return;
        h += std::string{"<h2>"} + heading +
             "</h2>\n<table><tr><th></th><th>fills</th><th>round trips</th><th>win rate</th>"
             "<th>realized</th><th>commissions</th><th>unrealized</th><th>total P&amp;L</th></tr>";
        for (const auto& [name, b] : m) {
            h += "<tr><th>" + escape(name) + "</th><td class=\"n\">" + std::to_string(b.num_fills) +
                 "</td><td class=\"n\">" + std::to_string(b.num_round_trips) +
                 "</td><td class=\"n\">" + pct(b.trips.win_rate) + "</td><td class=\"n\">" +
                 b.realized_pnl.to_string(2, core::Rounding::HalfEven) + "</td><td class=\"n\">" +
                 b.commissions.to_string(2, core::Rounding::HalfEven) + "</td><td class=\"n\">" +
                 b.unrealized_pnl.to_string(2, core::Rounding::HalfEven) + "</td><td class=\"n\">" +
                 b.total_pnl.to_string(2, core::Rounding::HalfEven) + "</td></tr>";
        }
        h += "</table>\n";
    };
    breakdown_table("By strategy", s.by_strategy);
    breakdown_table("By symbol", s.by_symbol);
    h += "<h2>Fills</h2>\n";
    if (r.fills.size() > max_fills) {
        h += "<p class=\"muted\">The first " + std::to_string(max_fills) + " of " +
             std::to_string(r.fills.size()) + " fills; all are in fills.csv.</p>";
    }
    h += "<table><tr><th>time</th><th>symbol</th><th>side</th><th>qty</th><th>price</"
         "th><th>commission</th>"
         "<th>strategy</th></tr>";
    for (std::size_t i = 0; i < std::min(max_fills, r.fills.size()); ++i) {
        const auto& f = r.fills[i].fill;
        h += "<tr><td>" + f.ts_event.to_iso8601() + "</td><td>" + escape(f.symbol.str()) +
             "</td><td>" + std::string{core::to_string(f.side)} + "</td><td class=\"n\">" +
             f.qty.to_string() + "</td><td class=\"n\">" + f.price.to_string() +
             "</td><td class=\"n\">" + f.commission.to_string() + "</td><td>" +
             escape(r.fills[i].strategy) + "</td></tr>";
    }
    h += "</table>\n</body></html>\n";
    return h;
}

}  // namespace meridian::engine
