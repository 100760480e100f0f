// Statistics of an equity curve: returns, risk, drawdowns and round-trip figures.
#include "engine/statistics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace meridian::engine {

std::string format_double(double v) {
    if (!std::isfinite(v)) return "null";
    if (v == 0) return "0";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
}

Summary summarize(const std::vector<EquityPoint>& curve, const std::vector<bool>& exposed,
                  const std::vector<RoundTrip>& trips, core::Money starting_cash,
                  std::uint64_t num_fills, double risk_free_rate, core::Money traded_notional) {
    std::vector<CurvePoint> points;
    points.reserve(curve.size());
    for (const auto& p : curve) {
        points.push_back(CurvePoint{p.ts, p.equity.to_double()});
    }
    const EquityPoint last = curve.empty()
                                 ? EquityPoint{core::Timestamp{}, starting_cash, {}, starting_cash}
                                 : curve.back();
    return summarize(points, last, exposed, trips, starting_cash, num_fills, risk_free_rate,
                     traded_notional);
}

Summary summarize(const std::vector<CurvePoint>& curve, const EquityPoint& last,
                  const std::vector<bool>& exposed, const std::vector<RoundTrip>& trips,
                  core::Money starting_cash, std::uint64_t num_fills, double risk_free_rate,
                  core::Money traded_notional) {
    Summary s;
    s.starting_cash = starting_cash;
    s.final_equity = curve.empty() ? starting_cash : last.equity;
    s.cash = curve.empty() ? starting_cash : last.cash;
    s.num_fills = num_fills;
    s.num_round_trips = trips.size();
    if (curve.empty()) return s;

    const double start = starting_cash.to_double();
    const double final_value = s.final_equity.to_double();
    s.total_return = start > 0 ? final_value / start - 1 : 0;

    // Periods per year from the median spacing: daily or slower counts 252 trading days;
    // intraday counts 252 sessions of 6.5 hours.
    std::vector<std::int64_t> gaps;
    // The median of (at most) the first 10,000 spacings: enough to tell the bar interval.
    for (std::size_t i = 1; i < std::min<std::size_t>(curve.size(), 10'001); ++i) {
        gaps.push_back((curve[i].ts - curve[i - 1].ts).ns);
    }
    double ppy = 252;
    if (!gaps.empty()) {
        std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                         gaps.end());
        const double median_s = static_cast<double>(gaps[gaps.size() / 2]) / 1e9;
        if (median_s > 0 && median_s < 20 * 3600) ppy = 252 * 23400 / median_s;
    }
    s.periods_per_year = ppy;

    const double years =
        static_cast<double>((curve.back().ts - curve.front().ts).ns) / 1e9 / (365.25 * 86400);
    if (years > 0 && start > 0) {
        s.cagr = final_value > 0 ? std::pow(final_value / start, 1 / years) - 1 : -1;
    }

    // The period returns in two passes (their mean, then the deviations), each return computed
    // again in the second rather than kept: a long curve is large, and no division is carried
    // from one point to the next as a running mean would.
    auto period_return = [&](std::size_t i) {
        const double prev = i == 0 ? start : curve[i - 1].equity;
        return prev != 0 ? curve[i].equity / prev - 1 : 0;
    };
    double equity_sum = 0;
    double return_sum = 0;
    for (std::size_t i = 0; i < curve.size(); ++i) {
        equity_sum += curve[i].equity;
        return_sum += period_return(i);
    }
    const double n = static_cast<double>(curve.size());
    const double mean = return_sum / n;
    double m2 = 0;
    double down = 0;
    for (std::size_t i = 0; i < curve.size(); ++i) {
        const double r = period_return(i);
        m2 += (r - mean) * (r - mean);
        if (r < 0) down += r * r;
    }
    const double sd = curve.size() > 1 ? std::sqrt(m2 / (n - 1)) : 0;
    const double dd = std::sqrt(down / n);
    s.volatility = sd * std::sqrt(ppy);
    const double excess = mean - risk_free_rate / ppy;
    s.sharpe = sd > 0 ? excess / sd * std::sqrt(ppy) : 0;
    s.sortino = dd > 0 ? excess / dd * std::sqrt(ppy) : 0;

    // Peaks compared as doubles: two amounts a double cannot tell apart (a billionth of a
    // dollar at ten million) count as the same peak.
    double peak = start;
    core::Timestamp peak_ts = curve.front().ts;
    std::int64_t longest_ns = 0;
    for (const auto& p : curve) {
        if (p.equity >= peak) {
            longest_ns = std::max(longest_ns, (p.ts - peak_ts).ns);
            peak = p.equity;
            peak_ts = p.ts;
        } else if (peak > 0) {
            s.max_drawdown = std::max(s.max_drawdown, 1 - p.equity / peak);
        }
    }
    if (curve.back().equity < peak) {
        longest_ns = std::max(longest_ns, (curve.back().ts - peak_ts).ns);
    }
    s.max_drawdown_duration = static_cast<double>(longest_ns) / 1e9 / 86400;
    if (s.max_drawdown > 0) s.calmar = s.cagr / s.max_drawdown;

    std::size_t open_periods = 0;
    for (bool e : exposed) {
        open_periods += e ? 1 : 0;
    }
    s.exposure = static_cast<double>(open_periods) / n;

    const double mean_equity = equity_sum / n;
    if (mean_equity > 0) {
        const double total = traded_notional.to_double() / mean_equity;
        s.turnover = years > 0 ? total / years : total;
    }
    const TripStats t = trip_stats(trips);
    s.win_rate = t.win_rate;
    s.profit_factor = t.profit_factor;
    s.expectancy = t.expectancy;
    return s;
}

TripStats trip_stats(const std::vector<RoundTrip>& trips) {
    TripStats out;
    if (trips.empty()) return out;
    core::Money wins;
    core::Money losses;
    core::Money total;
    std::size_t won = 0;
    for (const auto& t : trips) {
        total += t.pnl;
        if (t.pnl.is_positive()) {
            wins += t.pnl;
            ++won;
        } else if (t.pnl.is_negative()) {
            losses -= t.pnl;
        }
    }
    out.win_rate = static_cast<double>(won) / static_cast<double>(trips.size());
    if (losses.is_positive()) out.profit_factor = wins.to_double() / losses.to_double();
    out.expectancy = total.to_double() / static_cast<double>(trips.size());
    return out;
}

std::string summary_json(const Summary& s) {
    auto opt = [](const std::optional<double>& v) { return v ? format_double(*v) : "null"; };
    std::string out = "{\n";
    auto field = [&](const char* name, const std::string& value, bool last = false) {
        out += "  \"";
        out += name;
        out += "\": ";
        out += value;
        out += last ? "\n" : ",\n";
    };
    auto money = [](const core::Money& m) { return "\"" + m.to_string() + "\""; };
    field("starting_cash", money(s.starting_cash));
    field("final_equity", money(s.final_equity));
    field("cash", money(s.cash));
    field("total_return", format_double(s.total_return));
    field("cagr", format_double(s.cagr));
    field("volatility", format_double(s.volatility));
    field("sharpe", format_double(s.sharpe));
    field("sortino", format_double(s.sortino));
    field("calmar", opt(s.calmar));
    field("max_drawdown", format_double(s.max_drawdown));
    field("max_drawdown_duration", format_double(s.max_drawdown_duration));
    field("win_rate", format_double(s.win_rate));
    field("profit_factor", opt(s.profit_factor));
    field("expectancy", format_double(s.expectancy));
    field("num_fills", std::to_string(s.num_fills));
    field("num_round_trips", std::to_string(s.num_round_trips));
    field("exposure", format_double(s.exposure));
    field("turnover", format_double(s.turnover));
    field("periods_per_year", format_double(s.periods_per_year));
    auto breakdowns = [&](const std::map<std::string, Breakdown>& m) {
        std::string o = "{";
        bool first = true;
        for (const auto& [key, b] : m) {
            o += first ? "\n" : ",\n";
            first = false;
            o += "    \"" + key + "\": {\"num_fills\": " + std::to_string(b.num_fills) +
                 ", \"num_round_trips\": " + std::to_string(b.num_round_trips) +
                 ", \"realized_pnl\": " + money(b.realized_pnl) +
                 ", \"commissions\": " + money(b.commissions) +
                 ", \"unrealized_pnl\": " + money(b.unrealized_pnl) +
                 ", \"total_pnl\": " + money(b.total_pnl) +
                 ", \"win_rate\": " + format_double(b.trips.win_rate) +
                 ", \"profit_factor\": " + opt(b.trips.profit_factor) +
                 ", \"expectancy\": " + format_double(b.trips.expectancy) + "}";
        }
        o += first ? "}" : "\n  }";
        return o;
    };
    field("by_strategy", breakdowns(s.by_strategy));
    field("by_symbol", breakdowns(s.by_symbol), true);
    out += "}\n";
    return out;
}

}  // namespace meridian::engine
