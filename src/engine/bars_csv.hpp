// Parsing bars from CSV text: Yahoo-style daily files and Alpaca-style bar files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "engine/bar.hpp"
#include "engine/calendar.hpp"

namespace meridian::engine {

struct BarsCsvOptions {
    /// Used when the file has no `symbol` column; else the symbol comes from the file name.
    std::optional<core::Symbol> symbol;
    /// How to read dates and Date,Time wall-clock times (New York by default).
    TimeZone time_zone;
    /// Scale open, high, low and close by Adj Close / Close (Yahoo files).
    bool adjust = false;
    /// Read common rows (plain decimals, `...Z` times, the symbol of the row before) in one
    /// pass. false: every row by the general reader. Same bars and errors either way (tested).
    bool fast_rows = true;
};

/// The symbol a file name implies: its leading letters, upper-cased
/// ("data/orcl-1995-2014.csv" -> ORCL); empty when the name starts otherwise.
std::optional<core::Symbol> symbol_from_file_name(std::string_view path);

/// Parses bars from CSV text read from `source` (a path, used in messages and for the symbol).
/// The header names the format, in any case and column order:
///   - `Date,Open,High,Low,Close[,Adj Close],Volume` (Yahoo daily; Date is YYYY-MM-DD and the
///     bar is stamped at midnight of that date in options.time_zone, New York by default, as
///     Alpaca stamps daily bars: 1995-01-03 is 1995-01-03T05:00:00Z);
///   - `timestamp,open,high,low,close,volume[,trade_count,vwap][,symbol]` (Alpaca; any
///     ISO-8601 time with a zone);
///   - `Date,Time,Open,High,Low,Close,Volume[,...]` (intraday; the wall-clock time read in
///     options.time_zone).
/// Prices are kept exactly as written (or scaled by Adj Close / Close with options.adjust). Errors
/// stop the load and read `source:line: what`: a missing column, an unparsable number, a negative
/// or zero price, high below low or an open/close outside [low, high], time not increasing within a
/// symbol, a row with too few or too many cells, no rows at all.
core::Result<std::vector<Bar>> parse_bars_csv(std::string_view text, std::string_view source,
                                              const BarsCsvOptions& options = {});

/// Reads bars one row at a time from CSV text (the formats and errors of parse_bars_csv), for
/// files streamed through a backtest instead of held. The text outlives the reader.
class BarsCsvReader {
public:
    /// Reads the header. Errors: no header, a missing column, no way to tell the symbol.
    static core::Result<BarsCsvReader> open(std::string_view text, std::string_view source,
                                            const BarsCsvOptions& options = {});
    BarsCsvReader(BarsCsvReader&&) noexcept;
    BarsCsvReader& operator=(BarsCsvReader&&) noexcept;
    ~BarsCsvReader();

    /// The next row into `bar`: true, or false at the end of the text. Errors name the line.
    core::Result<bool> next(Bar& bar);
    /// Whether every row so far came at or after the one before, whatever its symbol (rows
    /// need only be in time order within a symbol).
    bool in_time_order() const noexcept;
    std::size_t rows() const noexcept;
    /// Bytes of the text read so far.
    std::size_t offset() const noexcept;
    /// An error about the current line: `source:line: what`.
    core::Error error(const std::string& what) const;

private:
    struct State;
    explicit BarsCsvReader(std::unique_ptr<State> state);
    bool fast_row(std::string_view line, Bar& bar);
    core::Result<bool> finish_row(const Bar& bar);
    std::unique_ptr<State> state_;
};

/// Parses quotes: `timestamp,bid,ask[,bid_size,ask_size][,symbol]` (Alpaca's short names
/// t, bp, ap, bs, as, S also work), times ISO-8601 with a zone. The symbol as for bars. Errors
/// read `source:line: what`: bad numbers, a negative bid, an ask not above zero, a crossed
/// quote (bid above ask), time going backwards within a symbol, no rows.
core::Result<std::vector<Quote>> parse_quotes_csv(std::string_view text, std::string_view source,
                                                  const BarsCsvOptions& options = {});

/// Alpaca-style CSV of bars, readable by parse_bars_csv:
/// `timestamp,open,high,low,close,volume,trade_count,vwap,symbol`.
std::string bars_to_csv(const std::vector<Bar>& bars);

}  // namespace meridian::engine
