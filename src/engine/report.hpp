// report.html: one self-contained page of a backtest (charts as inline SVG, no scripts).
#pragma once

#include <string>

#include "engine/backtest.hpp"

namespace meridian::engine {

/// Equity and drawdown charts, the statistics, per-strategy and per-symbol P&L, and the
/// fills. Long curves are reduced to at most 2 x `max_buckets` points (each bucket keeps its
/// lowest and highest equity, so drawdowns stay visible); at most `max_fills` fills are listed.
std::string report_html(const BacktestResult& result, const std::string& title,
                        std::size_t max_buckets = 800, std::size_t max_fills = 500);

}  // namespace meridian::engine
