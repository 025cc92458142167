// Process-wide settings the CLI and the benchmarks make once at start-up.
#pragma once

namespace bulwark {

// Call once at start-up, before threads. Two process-wide settings that
// otherwise cost most of a jar scan, where libarchive handles each zip entry:
// - TZ: with TZ unset glibc stats /etc/localtime on every mktime() to notice
//   a changed zone, and libarchive calls mktime() for every entry's DOS time
//   (149,000 stats for 344 jars). Naming the same zone explicitly
//   ("TZ=:/etc/localtime", only when TZ is unset) keeps local time as it was
//   and makes glibc read the file once.
// - LC_CTYPE: in the "C" locale libarchive converts every UTF-8 entry name
//   to ASCII through iconv and wide characters; "C.UTF-8" makes that a copy.
//   Names are bytes to Bulwark either way (the same UTF-8 comes out);
//   LC_NUMERIC and the rest stay "C", so number formatting is unchanged.
void prepare_process();

}  // namespace bulwark
