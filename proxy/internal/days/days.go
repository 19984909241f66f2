// Package days names the two kinds of day Freelane counts in, so every use
// says which one it means: OpenRouter's quota day, which runs from 00:00 UTC,
// and the user's day in local time (the CALLS_YYYYMMDD.json files, the
// tray's "today", the retry gate's first calls of the day).
package days

import "time"

// QuotaDay is the start of OpenRouter's free-quota day containing t.
func QuotaDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NextQuotaDay is when the free quota next resets after t (00:00 UTC).
func NextQuotaDay(t time.Time) time.Time {
	return QuotaDay(t).AddDate(0, 0, 1)
}

// LocalDay is the start of the user's local day containing t.
func LocalDay(t time.Time) time.Time {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// Local is t in the user's time zone, for showing a time of day.
func Local(t time.Time) time.Time { return t.Local() }
