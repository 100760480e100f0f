// ISO-8601 parsing and printing for Timestamp; civil-date arithmetic (Hinnant's algorithms).
#include "core/timestamp.hpp"

#include <cstdio>
#include <limits>
#include <optional>
#include <ostream>

namespace meridian::core {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;
constexpr std::int64_t ns_per_day = 86'400 * ns_per_second;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

/// A cursor over the text that reads fixed-width digit fields.
class Reader {
public:
    explicit Reader(std::string_view text) : text_{text} {}

    bool digits(int width, int& out) {
        if (pos_ + static_cast<std::size_t>(width) > text_.size()) return false;
        int v = 0;
        for (int i = 0; i < width; ++i) {
            const char c = text_[pos_ + static_cast<std::size_t>(i)];
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        pos_ += static_cast<std::size_t>(width);
        out = v;
        return true;
    }
    bool literal(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool done() const { return pos_ == text_.size(); }
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    std::size_t pos() const { return pos_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

int days_in_month(int year, int month) noexcept {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

std::int64_t days_from_civil(CivilDate date) noexcept {
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;
    const std::int64_t m = date.month;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) noexcept {
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp + (mp < 10 ? 3 : -9);
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(std::int64_t days) noexcept {
    const std::int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
    return static_cast<int>(w < 0 ? w + 7 : w);
}

Timestamp Timestamp::from_date(CivilDate date) noexcept {
    return Timestamp{days_from_civil(date) * ns_per_day};
}

namespace {

/// The commonest form, "2024-03-01T14:30:00Z" (bars), read without the general parser; empty
/// when the text is anything else (the general parser then reads it or words the error).
std::optional<Timestamp> parse_plain_utc(std::string_view t) {
    if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t[19] != 'Z') {
        return std::nullopt;
    }
    int v[6];
    static constexpr std::size_t at[6] = {0, 5, 8, 11, 14, 17};
    for (std::size_t k = 0; k < 6; ++k) {
        const std::size_t i = at[k];
        const std::size_t width = k == 0 ? 4 : 2;
        int n = 0;
        for (std::size_t j = i; j < i + width; ++j) {
            const char c = t[j];
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
        v[k] = n;
    }
    const CivilDate d{v[0], v[1], v[2]};
    if (d.year < 1678 || d.year > 2261 || d.month < 1 || d.month > 12 || d.day < 1 ||
        d.day > days_in_month(d.year, d.month) || v[3] > 23 || v[4] > 59 || v[5] > 59) {
        return std::nullopt;
    }
    return Timestamp::from_ns((days_from_civil(d) * 86'400 +
                               static_cast<std::int64_t>(v[3]) * 3600 + std::int64_t{v[4]} * 60 +
                               v[5]) *
                              ns_per_second);
}

}  // namespace

Result<Timestamp> Timestamp::parse(std::string_view text) {
    if (auto fast = parse_plain_utc(text)) return *fast;
    auto fail = [&](std::string_view why) {
        std::string shown{text.substr(0, 40)};
        if (text.size() > 40) shown += "...";
        return invalid("timestamp '" + shown + "': " + std::string{why});
    };
    if (text.empty()) return invalid("timestamp is empty");
    if (text.size() > 40) return fail("longer than 40 characters");

    Reader r{text};
    CivilDate date;
    if (!r.digits(4, date.year) || !r.literal('-') || !r.digits(2, date.month) || !r.literal('-') ||
        !r.digits(2, date.day)) {
        return fail("expected YYYY-MM-DD");
    }
    if (date.month < 1 || date.month > 12) return fail("month out of range");
    if (date.day < 1 || date.day > days_in_month(date.year, date.month)) {
        return fail("day out of range");
    }
    // int64 nanoseconds reach from 1677-09-21 to 2262-04-11; keep to whole years inside.
    if (date.year < 1678 || date.year > 2261) return fail("year outside 1678..2261");
    const std::int64_t day_ns = days_from_civil(date) * ns_per_day;
    if (r.done()) return Timestamp{day_ns};

    if (!(r.literal('T') || r.literal('t') || r.literal(' '))) {
        return fail("expected 'T' after the date");
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!r.digits(2, hour) || !r.literal(':') || !r.digits(2, minute) || !r.literal(':') ||
        !r.digits(2, second)) {
        return fail("expected hh:mm:ss after the date");
    }
    if (hour > 23) return fail("hour out of range");
    if (minute > 59) return fail("minute out of range");
    if (second > 59) return fail("second out of range (leap seconds are not supported)");

    std::int64_t frac_ns = 0;
    if (r.literal('.') || r.literal(',')) {
        int n = 0;
        int digit = 0;
        while (r.digits(1, digit)) {
            if (++n > 9) return fail("more than 9 fractional digits");
            frac_ns = frac_ns * 10 + digit;
        }
        if (n == 0) return fail("a digit must follow '.'");
        for (int i = n; i < 9; ++i) {
            frac_ns *= 10;
        }
    }

    std::int64_t offset_ns = 0;
    if (r.literal('Z') || r.literal('z')) {
        // UTC
    } else if (r.peek() == '+' || r.peek() == '-') {
        const bool negative = r.peek() == '-';
        r.literal(r.peek());
        int oh = 0;
        int om = 0;
        if (!r.digits(2, oh) || !r.literal(':') || !r.digits(2, om)) {
            return fail("expected an offset +hh:mm or -hh:mm");
        }
        if (oh > 23 || om > 59) return fail("offset out of range");
        offset_ns = (static_cast<std::int64_t>(oh) * 3600 + std::int64_t{om} * 60) * ns_per_second;
        if (negative) offset_ns = -offset_ns;
    } else if (r.done()) {
        return fail("missing time zone: add 'Z' or an offset such as -04:00");
    } else {
        return fail("unexpected character after the time");
    }
    if (!r.done()) return fail("unexpected text after the time zone");

    const std::int64_t local =
        day_ns +
        (static_cast<std::int64_t>(hour) * 3600 + std::int64_t{minute} * 60 + second) *
            ns_per_second +
        frac_ns;
    return Timestamp{local - offset_ns};
}

CivilDate Timestamp::date() const noexcept {
    return civil_from_days(floor_div(ns_, ns_per_day));
}

std::int64_t Timestamp::time_of_day_ns() const noexcept {
    return ns_ - floor_div(ns_, ns_per_day) * ns_per_day;
}

namespace {

/// Writes the time with `digits` fractional digits into buf (at least 31 bytes); its length.
std::size_t write_iso8601(const Timestamp& t, int digits, char* buf) {
    MERIDIAN_ASSERT(digits >= 0 && digits <= 9, "to_iso8601 digits out of range");
    const CivilDate d = t.date();
    const std::int64_t tod = t.time_of_day_ns();
    const std::int64_t secs = tod / ns_per_second;
    auto put2 = [](char* p, std::int64_t v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    const int year = d.year;
    buf[0] = static_cast<char>('0' + year / 1000);
    buf[1] = static_cast<char>('0' + year / 100 % 10);
    put2(buf + 2, year % 100);
    buf[4] = '-';
    put2(buf + 5, d.month);
    buf[7] = '-';
    put2(buf + 8, d.day);
    buf[10] = 'T';
    put2(buf + 11, secs / 3600);
    buf[13] = ':';
    put2(buf + 14, secs / 60 % 60);
    buf[16] = ':';
    put2(buf + 17, secs % 60);
    std::size_t n = 19;
    if (digits > 0) {
        buf[n++] = '.';
        std::int64_t f = tod % ns_per_second;
        for (int i = 8; i >= 0; --i) {
            if (i < digits) buf[n + static_cast<std::size_t>(i)] = static_cast<char>('0' + f % 10);
            f /= 10;
        }
        n += static_cast<std::size_t>(digits);
    }
    buf[n++] = 'Z';
    return n;
}

/// As many fractional digits as the time needs (0..9).
int needed_digits(const Timestamp& t) {
    std::int64_t frac = t.time_of_day_ns() % ns_per_second;
    if (frac == 0) return 0;
    int digits = 9;
    while (frac % 10 == 0) {
        frac /= 10;
        --digits;
    }
    return digits;
}

}  // namespace

std::string Timestamp::to_iso8601(int digits) const {
    char buf[32];
    return std::string(buf, write_iso8601(*this, digits, buf));
}

std::string Timestamp::to_iso8601() const {
    return to_iso8601(needed_digits(*this));
}

void Timestamp::append_iso8601(std::string& out) const {
    char buf[32];
    out.append(buf, write_iso8601(*this, needed_digits(*this), buf));
}

std::ostream& operator<<(std::ostream& os, const Timestamp& t) {
    return os << t.to_iso8601();
}

}  // namespace meridian::core
