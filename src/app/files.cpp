// Reading and writing whole files; loading bars.
#include "app/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace meridian::app {

core::Result<std::string> read_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary | std::ios::ate};
    if (!in) return core::invalid("cannot read " + path + ": " + std::strerror(errno));
    const auto size = in.tellg();
    std::string text;
    if (size > 0) {
        text.resize(static_cast<std::size_t>(size));
        in.seekg(0);
        in.read(text.data(), size);
    }
    if (!in && !in.eof()) return core::invalid("cannot read " + path + ": " + std::strerror(errno));
    return text;
}

core::Result<void> write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << text;
    out.close();
    if (!out) return core::invalid("cannot write " + path.string() + ": " + std::strerror(errno));
    return {};
}

core::Result<std::vector<engine::Bar>> load_bars(const std::vector<std::string>& paths,
                                                 const engine::BarsCsvOptions& options) {
    std::vector<engine::Bar> bars;
    for (const auto& path : paths) {
        auto text = read_file(path);
        if (!text) return text.error();
        auto loaded = engine::parse_bars_csv(*text, path, options);
        if (!loaded) return loaded.error();
        if (bars.empty()) {
            bars = std::move(*loaded);
        } else {
            bars.insert(bars.end(), loaded->begin(), loaded->end());
        }
    }
    if (paths.size() > 1) {
        std::stable_sort(bars.begin(), bars.end(),
                         [](const engine::Bar& a, const engine::Bar& b) { return a.ts < b.ts; });
    }
    return bars;
}

}  // namespace meridian::app
