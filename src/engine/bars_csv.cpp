// CSV bar parsing with header detection and row validation.
#include "engine/bars_csv.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <climits>
#include <cstring>
#include <map>
#include <tuple>

namespace meridian::engine {
namespace {

using core::Price;
using core::Quantity;
using core::Timestamp;

enum Column {
    Time,
    ClockTime,
    Open,
    High,
    Low,
    Close,
    AdjClose,
    Volume,
    TradeCount,
    Vwap,
    SymbolCol,
    Count
};

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '"')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    std::string out{s};
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

/// The lines of CSV text, numbered for `source:line: what` errors ('\r\n' endings too).
class Lines {
public:
    Lines(std::string_view text, std::string_view source) : text_{text}, source_{source} {}
    /// The next line, false at the end.
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        auto end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos_ = end + 1;
        ++line_no_;
        return true;
    }
    /// The first line, false (at line 1) when the text is empty or starts with an empty line.
    bool header(std::string_view& line) {
        if (next(line) && !line.empty()) return true;
        line_no_ = 1;
        return false;
    }
    /// Where the text ends (reading up to there is safe, past a line's end too).
    const char* text_end() const noexcept { return text_.data() + text_.size(); }
    /// Bytes read so far.
    std::size_t offset() const noexcept { return std::min(pos_, text_.size()); }
    /// An error about the current line.
    core::Error error(const std::string& what) const {
        return core::invalid(std::string{source_} + ":" + std::to_string(line_no_) + ": " + what);
    }

private:
    std::string_view text_;
    std::string_view source_;
    std::size_t pos_ = 0;
    std::size_t line_no_ = 0;
};

/// Splits a line at commas into `cells` (reused across rows: no allocation per row).
void split(std::string_view line, std::vector<std::string_view>& cells) {
    cells.clear();
    std::size_t start = 0;
    for (;;) {
        const auto comma = line.find(',', start);
        cells.push_back(
            line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
}

std::optional<Column> column_of(const std::string& name) {
    static const std::map<std::string, Column> names{
        {"date", Time},
        {"timestamp", Time},
        {"time", Time},
        {"t", Time},
        {"open", Open},
        {"o", Open},
        {"high", High},
        {"h", High},
        {"low", Low},
        {"l", Low},
        {"close", Close},
        {"c", Close},
        {"adj close", AdjClose},
        {"adj_close", AdjClose},
        {"volume", Volume},
        {"v", Volume},
        {"trade_count", TradeCount},
        {"n", TradeCount},
        {"vwap", Vwap},
        {"vw", Vwap},
        {"symbol", SymbolCol},
    };
    auto it = names.find(name);
    if (it == names.end()) return std::nullopt;
    return it->second;
}

}  // namespace

std::optional<core::Symbol> symbol_from_file_name(std::string_view path) {
    const auto slash = path.find_last_of('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    std::string letters;
    for (char c : path) {
        if (!std::isalpha(static_cast<unsigned char>(c))) break;
        letters.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (letters.empty()) return std::nullopt;
    auto s = core::Symbol::parse(letters);
    if (!s) return std::nullopt;
    return *s;
}

struct BarsCsvReader::State {
    State(std::string_view text, std::string_view source, const BarsCsvOptions& options_in)
        : lines{text, source}, options{options_in} {}

    Lines lines;
    BarsCsvOptions options;
    std::array<int, Count> index{};
    std::size_t columns = 0;
    std::optional<core::Symbol> file_symbol;
    std::map<core::Symbol, Timestamp> last_time;
    // The last symbol's entry and text: files of one symbol never search the map or parse the
    // symbol again.
    std::map<core::Symbol, Timestamp>::iterator last = last_time.end();
    std::string last_symbol_text;
    std::vector<std::string_view> cells;
    Timestamp previous;  // the last bar's time, any symbol
    bool in_time_order = true;
    std::size_t rows = 0;
    // The fast path: each column's role, and the last date read with its midnight.
    std::vector<Column> roles;
    bool fast = false;
    char date_text[10] = {};
    std::int64_t date_ns = 0;
};

namespace {

/// The leading decimal digits of the 8 bytes at p (SWAR, after Lemire): how many (0..8) and
/// their value. The caller makes sure 8 bytes can be read.
inline int leading_digits(const char* p, std::uint64_t& value) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    const std::uint64_t x = v - 0x3030303030303030;
    // A byte below '0' wraps (its top bit set); one above '9' reaches 0x80 when 0x76 is added.
    // Borrows and carries only move toward later bytes, so the first flagged byte is right.
    const std::uint64_t flags = (x | (x + 0x7676767676767676)) & 0x8080808080808080;
    const int count = flags == 0 ? 8 : std::countr_zero(flags) / 8;
    if (count == 0) {
        value = 0;
        return 0;
    }
    std::uint64_t d = x << (8 * (8 - count));  // the digits, zeros in front
    d = (d * 10) + (d >> 8);
    d = (((d & 0x000000FF000000FF) * 0x000F424000000064) +
         (((d >> 16) & 0x000000FF000000FF) * 0x0000271000000001)) >>
        32;
    value = d;
    return count;
}

/// An unsigned decimal with at most 10 integer and 9 fractional digits, in units of 10^-9,
/// ending at ',' or `end`: advances `p` past it. False for anything else. Reads up to 16 bytes
/// ahead, within `readable`.
inline bool scan_nano(const char*& p, const char* end, const char* readable, std::int64_t& out) {
    static constexpr std::uint64_t scale_of[] = {
        1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
    if (readable - p >= 17) {
        // The common case: up to 7 digits on each side of the point, eight at a time. A line
        // ends before '\n' or '\r' (not digits), so no count passes its end.
        std::uint64_t whole = 0;
        const int int_digits = leading_digits(p, whole);
        if (int_digits == 0) return false;
        if (int_digits < 8) {
            const char* q = p + int_digits;
            std::uint64_t frac = 0;
            int frac_digits = 0;
            if (*q == '.') {
                frac_digits = leading_digits(q + 1, frac);
                q += 1 + frac_digits;
            }
            if (frac_digits < 8 && (q == end || *q == ',') && (frac_digits > 0 || q[-1] != '.')) {
                out =
                    static_cast<std::int64_t>(whole * 1'000'000'000 + frac * scale_of[frac_digits]);
                p = q;
                return true;
            }
            if (frac_digits < 8) return false;  // "5." or "5.5x"
        }
    }
    std::uint64_t whole = 0;
    int int_digits = 0;
    while (p != end && static_cast<unsigned>(*p - '0') < 10) {
        whole = whole * 10 + static_cast<unsigned>(*p++ - '0');
        ++int_digits;
    }
    if (int_digits == 0 || int_digits > 10) return false;
    std::uint64_t frac = 0;
    int frac_digits = 0;
    if (p != end && *p == '.') {
        ++p;
        while (p != end && static_cast<unsigned>(*p - '0') < 10) {
            frac = frac * 10 + static_cast<unsigned>(*p++ - '0');
            ++frac_digits;
        }
        if (frac_digits == 0 || frac_digits > 9) return false;
    }
    if (p != end && *p != ',') return false;
    const std::uint64_t raw = whole * 1'000'000'000 + frac * scale_of[frac_digits];
    if (raw > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = static_cast<std::int64_t>(raw);
    return true;
}

/// Whether the ten characters at a and b are the same (two loads each, no call).
inline bool same_ten(const char* a, const char* b) {
    std::uint64_t a8 = 0;
    std::uint64_t b8 = 0;
    std::uint16_t a2 = 0;
    std::uint16_t b2 = 0;
    std::memcpy(&a8, a, 8);
    std::memcpy(&b8, b, 8);
    std::memcpy(&a2, a + 8, 2);
    std::memcpy(&b2, b + 8, 2);
    return a8 == b8 && a2 == b2;
}

inline int two_digits(const char* p) {
    const unsigned a = static_cast<unsigned>(p[0] - '0');
    const unsigned b = static_cast<unsigned>(p[1] - '0');
    return a < 10 && b < 10 ? static_cast<int>(a * 10 + b) : -1;
}

}  // namespace

/// The common row of a large file, read in one pass without splitting it first: plain
/// unsigned decimals, a `YYYY-MM-DDTHH:MM:SSZ` time, the same symbol as the row before, every
/// check passed. False for anything else, with `bar` unspecified: the general path then reads
/// the row (and words whatever is wrong with it).
bool BarsCsvReader::fast_row(std::string_view line, Bar& bar) {
    State& st = *state_;
    const char* p = line.data();
    const char* const end = p + line.size();
    const char* const readable = st.lines.text_end();
    bar.vwap.reset();
    bar.adj_close.reset();
    bar.trade_count = 0;
    bar.volume = Quantity{};
    bool symbol_seen = false;
    const std::size_t n = st.roles.size();
    for (std::size_t c = 0; c < n; ++c) {
        if (c > 0) {
            if (p == end || *p != ',') return false;
            ++p;
        }
        std::int64_t raw = 0;
        switch (st.roles[c]) {
            case Time: {
                if (end - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
                    p[16] != ':' || p[19] != 'Z' || (end - p > 20 && p[20] != ',')) {
                    return false;
                }
                if (!same_ten(p, st.date_text)) {
                    const int century = two_digits(p);
                    const int year2 = two_digits(p + 2);
                    const int month = two_digits(p + 5);
                    const int day = two_digits(p + 8);
                    if (century < 0 || year2 < 0 || month < 1 || month > 12 || day < 1 ||
                        day > 31) {
                        return false;
                    }
                    const core::CivilDate date{century * 100 + year2, month, day};
                    const auto days = core::days_from_civil(date);
                    const core::CivilDate back = core::civil_from_days(days);
                    if (back.day != day || back.month != month) return false;  // 2023-02-30
                    std::memcpy(st.date_text, p, 10);
                    st.date_ns = days * 86'400'000'000'000;
                }
                const int h = two_digits(p + 11);
                const int m = two_digits(p + 14);
                const int sec = two_digits(p + 17);
                if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return false;
                bar.ts = Timestamp::from_ns(st.date_ns + (h * 3600 + m * 60 + sec) *
                                                             std::int64_t{1'000'000'000});
                p += 20;
                break;
            }
            case Open:
            case High:
            case Low:
            case Close:
            case Vwap:
            case Volume:
            case TradeCount:
                if ((st.roles[c] == Vwap || st.roles[c] == TradeCount) && (p == end || *p == ',')) {
                    break;  // optional, empty
                }
                if (!scan_nano(p, end, readable, raw)) return false;
                switch (st.roles[c]) {
                    case Open:
                        bar.open = Price::from_raw(raw);
                        break;
                    case High:
                        bar.high = Price::from_raw(raw);
                        break;
                    case Low:
                        bar.low = Price::from_raw(raw);
                        break;
                    case Close:
                        bar.close = Price::from_raw(raw);
                        break;
                    case Vwap:
                        if (raw == 0) return false;
                        bar.vwap = Price::from_raw(raw);
                        break;
                    case Volume:
                        bar.volume = Quantity::from_raw(raw);
                        break;
                    default:
                        if (raw % Quantity::one != 0) return false;
                        bar.trade_count = static_cast<std::uint64_t>(raw / Quantity::one);
                        break;
                }
                break;
            case SymbolCol: {
                const char* start = p;
                while (p != end && *p != ',') {
                    ++p;
                }
                const std::string_view text{start, static_cast<std::size_t>(p - start)};
                if (st.last == st.last_time.end() || text.empty() ||
                    text.size() != st.last_symbol_text.size() ||
                    !std::equal(text.begin(), text.end(), st.last_symbol_text.begin())) {
                    return false;
                }
                if (!(bar.symbol == st.last->first)) bar.symbol = st.last->first;
                symbol_seen = true;
                break;
            }
            default:  // a column nobody reads
                while (p != end && *p != ',') {
                    ++p;
                }
                break;
        }
    }
    if (p != end) return false;  // more cells than the header
    if (!symbol_seen) {
        if (!st.file_symbol) return false;
        if (!(bar.symbol == *st.file_symbol)) bar.symbol = *st.file_symbol;
    }
    const bool positive = bar.open.is_positive() && bar.high.is_positive() &&
                          bar.low.is_positive() && bar.close.is_positive();
    return positive && bar.low <= bar.high && bar.open >= bar.low && bar.open <= bar.high &&
           bar.close >= bar.low && bar.close <= bar.high;
}

BarsCsvReader::BarsCsvReader(std::unique_ptr<State> state) : state_{std::move(state)} {}
BarsCsvReader::BarsCsvReader(BarsCsvReader&&) noexcept = default;
BarsCsvReader& BarsCsvReader::operator=(BarsCsvReader&&) noexcept = default;
BarsCsvReader::~BarsCsvReader() = default;

core::Result<BarsCsvReader> BarsCsvReader::open(std::string_view text, std::string_view source,
                                                const BarsCsvOptions& options) {
    auto state = std::make_unique<State>(text, source, options);
    Lines& lines = state->lines;
    auto fail = [&](const std::string& what) { return lines.error(what); };
    std::string_view header;
    if (!lines.header(header)) {
        return fail("empty file: expected a header such as Date,Open,High,Low,Close,Volume");
    }
    auto& index = state->index;
    index.fill(-1);
    std::vector<std::string_view> names;
    split(header, names);
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string name = lower_trimmed(names[i]);
        if (name == "time" && index[Time] >= 0) {  // Date,Time: the wall-clock time of day
            index[ClockTime] = static_cast<int>(i);
            continue;
        }
        if (auto col = column_of(name)) {
            if (index[*col] >= 0) return fail("column '" + name + "' appears twice");
            index[*col] = static_cast<int>(i);
        }
    }
    state->columns = names.size();
    const char* required_names[] = {"date or timestamp", "open", "high", "low", "close"};
    const Column required[] = {Time, Open, High, Low, Close};
    for (std::size_t i = 0; i < std::size(required); ++i) {
        if (index[required[i]] < 0) {
            return fail("header has no " + std::string{required_names[i]} +
                        " column (found: " + std::string{header} + ")");
        }
    }
    // The fast path reads Alpaca-style rows: no Date,Time pair, no Adj Close, no --adjust.
    state->roles.assign(names.size(), Count);
    for (std::size_t c = 0; c < Count; ++c) {
        if (index[c] >= 0) {
            state->roles[static_cast<std::size_t>(index[c])] = static_cast<Column>(c);
        }
    }
    state->fast =
        options.fast_rows && index[ClockTime] < 0 && index[AdjClose] < 0 && !options.adjust;
    state->file_symbol = options.symbol;
    if (!state->file_symbol && index[SymbolCol] < 0) {
        state->file_symbol = symbol_from_file_name(source);
        if (!state->file_symbol) {
            return fail(
                "cannot tell the symbol: the file has no symbol column and its name does "
                "not start with one; pass --symbol");
        }
    }
    return BarsCsvReader{std::move(state)};
}

bool BarsCsvReader::in_time_order() const noexcept {
    return state_->in_time_order;
}

std::size_t BarsCsvReader::rows() const noexcept {
    return state_->rows;
}

std::size_t BarsCsvReader::offset() const noexcept {
    return state_->lines.offset();
}

core::Error BarsCsvReader::error(const std::string& what) const {
    return state_->lines.error(what);
}

core::Result<bool> BarsCsvReader::next(Bar& bar) {
    State& st = *state_;
    const auto& index = st.index;
    auto fail = [&](const std::string& what) { return st.lines.error(what); };
    std::string_view line;
    for (;;) {
        if (!st.lines.next(line)) return false;
        if (st.fast && fast_row(line, bar)) return finish_row(bar);
        if (line.find_first_not_of(" \t") != std::string_view::npos) break;
    }
    auto& cells = st.cells;
    split(line, cells);
    if (cells.size() != st.columns) {
        return fail("expected " + std::to_string(st.columns) + " cells, found " +
                    std::to_string(cells.size()));
    }
    auto cell = [&](Column c) { return cells[static_cast<std::size_t>(index[c])]; };
    auto price = [&](Column c, const char* name) -> core::Result<Price> {
        auto p = Price::parse(cell(c));
        if (!p) return fail(p.error().message + " in column " + name);
        if (!p->is_positive()) {
            return fail(std::string{name} + " must be positive, not " + p->to_string());
        }
        return p;
    };

    bar = Bar{};
    if (index[SymbolCol] >= 0 && !cell(SymbolCol).empty()) {
        const std::string_view text = cell(SymbolCol);
        if (st.last != st.last_time.end() && text == st.last_symbol_text) {
            bar.symbol = st.last->first;
        } else {
            auto s = core::Symbol::parse(text);
            if (!s) return fail(s.error().message);
            bar.symbol = *s;
        }
    } else if (st.file_symbol) {
        bar.symbol = *st.file_symbol;
    } else {
        return fail("empty symbol and no --symbol");
    }
    auto t = Timestamp::parse(cell(Time));
    if (!t) return fail(t.error().message);
    bar.ts = *t;
    const bool date_only = cell(Time).size() == 10;
    if (date_only && index[ClockTime] < 0) {
        // A daily bar: stamped at midnight of its date in the file's time zone (New York by
        // default, as Alpaca stamps daily bars), so its trading date is its own.
        bar.ts = st.options.time_zone.to_utc(bar.ts.date(), 0);
    }
    if (index[ClockTime] >= 0) {
        // Date,Time in the file's time zone: "09:35" or "09:35:00".
        const std::string_view clock = cell(ClockTime);
        auto two = [&](std::size_t at) {
            return at + 2 <= clock.size() && std::isdigit(static_cast<unsigned char>(clock[at])) &&
                           std::isdigit(static_cast<unsigned char>(clock[at + 1]))
                       ? (clock[at] - '0') * 10 + (clock[at + 1] - '0')
                       : -1;
        };
        const int h = two(0);
        const int m = clock.size() >= 5 && clock[2] == ':' ? two(3) : -1;
        const int sec =
            clock.size() == 8 && clock[5] == ':' ? two(6) : (clock.size() == 5 ? 0 : -1);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) {
            return fail("time '" + std::string{clock} + "' is not HH:MM or HH:MM:SS");
        }
        bar.ts = st.options.time_zone.to_utc(bar.ts.date(), h * 3600 + m * 60 + sec);
    }
    auto o = price(Open, "open");
    if (!o) return o.error();
    auto h = price(High, "high");
    if (!h) return h.error();
    auto l = price(Low, "low");
    if (!l) return l.error();
    auto c = price(Close, "close");
    if (!c) return c.error();
    bar.open = *o;
    bar.high = *h;
    bar.low = *l;
    bar.close = *c;
    if (bar.high < bar.low) {
        return fail("high " + bar.high.to_string() + " is below low " + bar.low.to_string());
    }
    if (bar.open < bar.low || bar.open > bar.high || bar.close < bar.low || bar.close > bar.high) {
        return fail("open or close outside the bar's low-high range");
    }
    if (index[AdjClose] >= 0) {
        auto a = price(AdjClose, "adj close");
        if (!a) return a.error();
        bar.adj_close = *a;
    }
    if (st.options.adjust) {
        if (!bar.adj_close) return fail("--adjust needs an Adj Close column");
        // Scale open, high, low and close by adj_close / close, exactly to 9 decimals.
        const core::Int128 num = bar.adj_close->raw();
        const core::Int128 den = bar.close.raw();
        auto scale = [&](Price p) {
            return Price::from_raw(static_cast<std::int64_t>(core::decimal::div_round(
                core::Int128{p.raw()} * num, den, core::Rounding::HalfEven)));
        };
        bar.open = scale(bar.open);
        bar.high = scale(bar.high);
        bar.low = scale(bar.low);
        bar.close = *bar.adj_close;
    }
    if (index[Volume] >= 0) {
        auto v = Quantity::parse(cell(Volume));
        if (!v) return fail(v.error().message + " in column volume");
        if (v->is_negative()) return fail("volume must not be negative");
        bar.volume = *v;
    }
    if (index[Vwap] >= 0 && !cell(Vwap).empty()) {
        auto vw = price(Vwap, "vwap");
        if (!vw) return vw.error();
        bar.vwap = *vw;
    }
    if (index[TradeCount] >= 0 && !cell(TradeCount).empty()) {
        auto n = Quantity::parse(cell(TradeCount));
        if (!n || n->is_negative() || !n->is_whole()) {
            return fail("trade_count must be a whole number, not '" +
                        std::string{cell(TradeCount)} + "'");
        }
        bar.trade_count = static_cast<std::uint64_t>(n->raw() / Quantity::one);
    }
    return finish_row(bar);
}

core::Result<bool> BarsCsvReader::finish_row(const Bar& bar) {
    State& st = *state_;
    auto fail = [&](const std::string& what) { return st.lines.error(what); };
    bool inserted = false;
    if (st.last == st.last_time.end() || st.last->first != bar.symbol) {
        std::tie(st.last, inserted) = st.last_time.try_emplace(bar.symbol, bar.ts);
        if (st.index[SymbolCol] >= 0) st.last_symbol_text = bar.symbol.str();
    }
    if (!inserted) {
        if (bar.ts <= st.last->second) {
            return fail("time " + bar.ts.to_iso8601() + " does not come after the previous " +
                        bar.symbol.str() + " bar at " + st.last->second.to_iso8601());
        }
        st.last->second = bar.ts;
    }
    if (st.rows > 0 && bar.ts < st.previous) st.in_time_order = false;
    st.previous = bar.ts;
    ++st.rows;
    return true;
}

core::Result<std::vector<Bar>> parse_bars_csv(std::string_view text, std::string_view source,
                                              const BarsCsvOptions& options) {
    auto reader = BarsCsvReader::open(text, source, options);
    if (!reader) return reader.error();
    std::vector<Bar> bars;
    bars.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
    Bar bar;
    for (;;) {
        auto more = reader->next(bar);
        if (!more) return more.error();
        if (!*more) break;
        bars.push_back(std::move(bar));
    }
    if (bars.empty()) return reader->error("no bars: the file has a header but no rows");
    // Rows are in time order per symbol; several symbols interleave into one time order.
    if (!reader->in_time_order()) {
        std::stable_sort(bars.begin(), bars.end(),
                         [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    }
    return bars;
}

core::Result<std::vector<Quote>> parse_quotes_csv(std::string_view text, std::string_view source,
                                                  const BarsCsvOptions& options) {
    Lines lines{text, source};
    auto fail = [&](const std::string& what) { return lines.error(what); };
    auto next_line = [&](std::string_view& line) { return lines.next(line); };
    std::string_view header;
    if (!lines.header(header)) {
        return fail("empty file: expected a header such as timestamp,bid,ask,bid_size,ask_size");
    }
    enum { T, Bid, Ask, BidSize, AskSize, Sym, N };
    std::array<int, N> index;
    index.fill(-1);
    std::vector<std::string_view> names;
    split(header, names);
    const std::map<std::string, int> known{
        {"timestamp", T},      {"t", T},        {"time", T},
        {"bid", Bid},          {"bp", Bid},     {"bid_price", Bid},
        {"ask", Ask},          {"ap", Ask},     {"ask_price", Ask},
        {"bid_size", BidSize}, {"bs", BidSize}, {"ask_size", AskSize},
        {"as", AskSize},       {"symbol", Sym}, {"s", Sym}};
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto it = known.find(lower_trimmed(names[i]));
        if (it != known.end()) index[static_cast<std::size_t>(it->second)] = static_cast<int>(i);
    }
    if (index[T] < 0 || index[Bid] < 0 || index[Ask] < 0) {
        return fail("a quote file needs timestamp, bid and ask columns (found: " +
                    std::string{header} + ")");
    }
    std::optional<core::Symbol> file_symbol = options.symbol;
    if (!file_symbol && index[Sym] < 0) {
        file_symbol = symbol_from_file_name(source);
        if (!file_symbol) {
            return fail(
                "cannot tell the symbol: no symbol column and none in the file name; pass "
                "--symbol");
        }
    }
    std::vector<Quote> quotes;
    std::map<core::Symbol, Timestamp> last_time;
    std::vector<std::string_view> cells;
    std::string_view line;
    while (next_line(line)) {
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        split(line, cells);
        if (cells.size() != names.size()) {
            return fail("expected " + std::to_string(names.size()) + " cells, found " +
                        std::to_string(cells.size()));
        }
        auto cell = [&](int c) {
            return cells[static_cast<std::size_t>(index[static_cast<std::size_t>(c)])];
        };
        Quote q;
        if (index[Sym] >= 0 && !cell(Sym).empty()) {
            auto sym = core::Symbol::parse(cell(Sym));
            if (!sym) return fail(sym.error().message);
            q.symbol = *sym;
        } else if (file_symbol) {
            q.symbol = *file_symbol;
        } else {
            return fail("empty symbol and no --symbol");
        }
        auto t = Timestamp::parse(cell(T));
        if (!t) return fail(t.error().message);
        q.ts = *t;
        auto bid = Price::parse(cell(Bid));
        if (!bid) return fail(bid.error().message + " in column bid");
        auto ask = Price::parse(cell(Ask));
        if (!ask) return fail(ask.error().message + " in column ask");
        if (bid->is_negative()) return fail("bid must not be negative, not " + bid->to_string());
        if (!ask->is_positive()) return fail("ask must be positive, not " + ask->to_string());
        if (*bid > *ask) {
            return fail("crossed quote: bid " + bid->to_string() + " above ask " +
                        ask->to_string());
        }
        q.bid = *bid;
        q.ask = *ask;
        for (auto [col, out] : {std::pair{BidSize, &q.bid_size}, std::pair{AskSize, &q.ask_size}}) {
            if (index[static_cast<std::size_t>(col)] < 0) continue;
            auto size = Quantity::parse(cell(col));
            if (!size || size->is_negative()) {
                return fail("quote size '" + std::string{cell(col)} + "' must be a number >= 0");
            }
            *out = *size;
        }
        auto [it, inserted] = last_time.try_emplace(q.symbol, q.ts);
        if (!inserted) {
            if (q.ts < it->second) {
                return fail("time " + q.ts.to_iso8601() + " comes before the previous " +
                            q.symbol.str() + " quote at " + it->second.to_iso8601());
            }
            it->second = q.ts;
        }
        quotes.push_back(std::move(q));
    }
    if (quotes.empty()) return fail("no quotes: the file has a header but no rows");
    auto by_time = [](const Quote& a, const Quote& b) { return a.ts < b.ts; };
    if (!std::is_sorted(quotes.begin(), quotes.end(), by_time)) {
        std::stable_sort(quotes.begin(), quotes.end(), by_time);
    }
    return quotes;
}

std::string bars_to_csv(const std::vector<Bar>& bars) {
    std::string out = "timestamp,open,high,low,close,volume,trade_count,vwap,symbol\n";
    out.reserve(bars.size() * 80 + out.size());
    for (const auto& b : bars) {
        out += b.ts.to_iso8601();
        for (const core::Price* p : {&b.open, &b.high, &b.low, &b.close}) {
            out += ',';
            out += p->to_string();
        }
        out += ',';
        out += b.volume.to_string();
        out += ',';
        out += std::to_string(b.trade_count);
        out += ',';
        if (b.vwap) out += b.vwap->to_string();
        out += ',';
        out += b.symbol.str();
        out += '\n';
    }
    return out;
}

}  // namespace meridian::engine
