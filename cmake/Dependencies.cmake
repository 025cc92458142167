# Every dependency comes from a Debian package (scripts/bootstrap installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(RPM REQUIRED IMPORTED_TARGET rpm)
find_package(yaml-cpp REQUIRED)
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
find_package(simdjson REQUIRED)
# Lockfiles in TOML (poetry.lock, uv.lock, Cargo.lock) and XML (pom.xml,
# packages.config): Debian's compiled toml++ and expat's streaming parser.
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(EXPAT REQUIRED IMPORTED_TARGET expat)
# CEL's matches() and the secret rules: RE2 (linear time, no backtracking).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
