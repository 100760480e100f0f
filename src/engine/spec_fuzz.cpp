// libFuzzer target: the little languages of the command line (indicator, commission, grid,
// timeframe, time zone and walk-forward specs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/aggregate.hpp"
#include "engine/calendar.hpp"
#include "engine/indicator_spec.hpp"
#include "engine/optimize.hpp"
#include "engine/sim_broker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    using namespace meridian::engine;  // NOLINT(google-build-using-namespace): a fuzz entry point
    if (auto ind = make_indicator(text)) {
        Bar bar;
        bar.open = bar.high = bar.low = bar.close = meridian::core::Price::from_units(10);
        std::optional<double> out[3];
        (*ind)->update(bar, std::span<std::optional<double>>{out, (*ind)->names().size()});
    }
    (void)Commission::parse(text);
    if (auto axis = parse_grid_axis(text)) (void)grid_combinations({*axis}, {});
    (void)Timeframe::parse(text);
    (void)TimeZone::parse(text);
    if (auto wf = parse_walk_forward(text)) (void)walk_forward_windows(1000, *wf);
    return 0;
}
