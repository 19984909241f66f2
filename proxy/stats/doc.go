// Package stats counts Freelane's calls per local calendar day, exactly under
// concurrency and without losing a finished call when the process is killed.
//
// # Files
//
// For each day the store keeps two files in its directory (CACHE_DIR):
//
//   - CALLS_YYYYMMDD.journal: one JSON line per finished call, only ever appended.
//   - CALLS_YYYYMMDD.json: the day's summary in the original Python proxy's
//     format, so its users' files and scripts keep working: date (the file
//     name's digits), total, success, failed, timeout, retry and last_updated
//     (local time without a zone, with microseconds), in its order; then come
//     models (per-model counts and latency percentiles), journal_bytes and,
//     for a day that began before its journal, carried.
//
// Both are created 0600 in a 0700 directory: model names and error texts are
// nobody else's business.
//
// # Durability
//
// The journal is the source of truth and the summary is derived from it.
//
// Record encodes the call into one line and hands it to the kernel with a
// single write(2) on a file opened with O_APPEND before it returns. Once that
// write returns the bytes sit in the kernel's page cache, which outlives the
// process: a panic, the OOM killer or kill -9 cannot lose a finished call.
// Record does not fsync. An fsync costs milliseconds (far more on a busy or
// battery-saving laptop disk) and would be paid by every proxied request, and
// all it adds is protection of the last moments of counts against a power cut
// or kernel crash. For the usage statistics of a desktop app that is the wrong
// price, so the fsync happens off the request path instead: the background
// flush fsyncs the journal before each summary rewrite (bounding a power-cut
// loss to about one FlushDelay), and Close fsyncs both.
//
// The summary is rewritten atomically (temporary file, fsync, rename, fsync of
// the directory) at most once per FlushDelay while calls arrive, at midnight
// for the day that ended, and on Close, so a reader never sees a half-written
// summary. It records in journal_bytes how much of the journal it covers. On
// Open, a day whose journal length differs from journal_bytes, or whose summary
// is missing or unreadable, is rebuilt from the journal. A torn last journal
// line (a write cut short by a full disk or a power cut) is skipped, reported
// and, for today, cut off so that new lines start on a line boundary. A corrupt
// summary with no journal is reported, kept aside as .corrupt and replaced by
// an empty day: damaged files never stop the proxy from starting.
//
// # Files Freelane did not write
//
// A summary is read whether its date is spelled 20261125 (the original proxy,
// and Freelane now) or 2026-11-25 (earlier Freelane versions). Counts that no
// journal stands behind — a day the original proxy counted, or a summary
// whose journal was lost — are carried: they are added to what the journal
// holds and kept in the summary's carried field, so a folder left by the
// original proxy continues where it stopped. Only a file that does not parse,
// holds negative counts or names another day is set aside as corrupt.
//
// # Reading
//
// Today, Recent and Subscribe work from memory only, so the retry gate can ask
// for today's total and the last outcomes on every request. Today rolls over
// at local midnight even when no call arrives, and subscribers are told when
// it does. History reads past days from their summaries.
package stats
