// File helpers for the commands: read and write whole files, load bars from CSV files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "engine/bar.hpp"
#include "engine/bars_csv.hpp"

namespace meridian::app {

/// The whole file; an error names the path and the reason.
core::Result<std::string> read_file(const std::string& path);
/// Writes (replaces) the file; an error names the path and the reason.
core::Result<void> write_file(const std::filesystem::path& path, const std::string& text);
/// A file mapped read-only into memory, for reading large inputs without a copy; a pipe or
/// other stream (`--data <(zcat bars.csv.gz)`) is read whole instead. Move-only.
class MappedFile {
public:
    /// Errors name the path and the reason. An empty file maps to empty text.
    static core::Result<MappedFile> open(const std::string& path);
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();
    std::string_view text() const noexcept {
        return data_ != nullptr ? std::string_view{data_, size_} : std::string_view{read_};
    }

private:
    MappedFile(const char* data, std::size_t size) : data_{data}, size_{size} {}
    explicit MappedFile(std::string read) : read_{std::move(read)} {}
    const char* data_ = nullptr;  // mapped, or null when read_ holds the text
    std::size_t size_ = 0;
    std::string read_;
};

/// A file written through a buffer, for outputs made row by row: `buffer()` collects text that
/// flush() (called now and then, and by close()) writes out. Move-only.
class OutputFile {
public:
    /// Creates (truncates) the file.
    static core::Result<OutputFile> create(const std::filesystem::path& path);
    OutputFile(OutputFile&& other) noexcept;
    OutputFile& operator=(OutputFile&& other) noexcept;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();

    std::string& buffer() noexcept { return buffer_; }
    /// Writes the buffer out once it holds `at_least` bytes; the first error is kept for close().
    void flush(std::size_t at_least = 0);
    /// Writes what is left and closes: the first error, naming the path.
    core::Result<void> close();

private:
    OutputFile(int fd, std::string path) : fd_{fd}, path_{std::move(path)} {}
    int fd_ = -1;
    std::string path_;
    std::string buffer_;
    int error_ = 0;  // errno of the first failed write
};

/// Lets the heap grow in huge pages (Linux, transparent huge pages on request): for commands
/// that build hundreds of megabytes of orders and curves, where faulting memory in 4 KB pages is
/// a tenth of the run. Reserves `bytes` of address space above the heap (nothing is touched) and
/// asks for huge pages there; later growth beyond it is ordinary. A hint: errors are ignored.
void prefer_huge_pages(std::size_t bytes);

/// Parses every file and merges their bars in time order (stable: file order breaks ties).
core::Result<std::vector<engine::Bar>> load_bars(const std::vector<std::string>& paths,
                                                 const engine::BarsCsvOptions& options);

}  // namespace meridian::app
