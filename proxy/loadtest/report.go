package loadtest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/freelane/freelane/proxy/internal/truncate"
)

// WriteTable prints the report as aligned text tables (Markdown-compatible
// rows, so they paste into docs).
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	fmt.Fprintf(w, "Machine: %s\n\n", r.Machine)

	p("load\ttarget\treq/s\tvs direct\tp50\tp99\tadded p50\tadded p99\tfirst byte p50\tadded first byte\tCPU/req\terrors")
	var direct float64
	for _, res := range r.Results {
		if res.Target == "direct" {
			direct = res.PerSecond
		}
		ratio := "-"
		if direct > 0 && res.Target != "direct" {
			ratio = fmt.Sprintf("%.2fx", res.PerSecond/direct)
		}
		firstByte, addedFirst := "-", "-"
		if res.Load.Stream {
			firstByte, addedFirst = ms(res.FirstByteP50), signedMs(res.AddedFirstByte)
		}
		cpu := "-"
		if res.CPUPerRequest > 0 {
			cpu = fmt.Sprintf("%.0f µs", float64(res.CPUPerRequest)/float64(time.Microsecond))
		}
		errs := fmt.Sprint(res.Errors)
		if res.FirstErr != "" {
			errs += " (" + truncate.Marked(res.FirstErr, 80) + ")"
		}
		p("%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", res.Load, res.Target, res.PerSecond, ratio,
			ms(res.P50), ms(res.P99), signedMs(res.AddedP50), signedMs(res.AddedP99), firstByte, addedFirst, cpu, errs)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	ratios := r.throughputRatios()
	if len(ratios) > 0 {
		fmt.Fprintln(w)
		for _, line := range ratios {
			fmt.Fprintln(w, line)
		}
	}
	if s := r.Streams; s != nil {
		fmt.Fprintf(w, "\n%d open slow streams through Freelane: ", s.Streams)
		if s.RSSOpen > 0 {
			fmt.Fprintf(w, "RSS %s before, %s open: %.1f KB per stream\n", mb(s.RSSBefore), mb(s.RSSOpen), float64(s.PerStream())/1024)
		} else {
			fmt.Fprintln(w, "all relayed (memory not measurable in process)")
		}
	}
	for _, idle := range r.Idle {
		fmt.Fprintf(w, "Idle RSS (%s): %s\n", idle.Mode, mb(idle.RSS))
	}
	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "Start to first /health (cached catalog, %d runs): min %s, p50 %s, max %s\n", s.Runs, ms(s.Min), ms(s.P50), ms(s.Max))
	}
	return nil
}

// throughputRatios compares Freelane's throughput with the other proxies'
// under each load.
func (r *Report) throughputRatios() []string {
	var lines []string
	byLoad := map[Load]map[string]float64{}
	var order []Load
	for _, res := range r.Results {
		if byLoad[res.Load] == nil {
			byLoad[res.Load] = map[string]float64{}
			order = append(order, res.Load)
		}
		byLoad[res.Load][res.Target] = res.PerSecond
	}
	for _, load := range order {
		m := byLoad[load]
		fl := m["freelane"]
		var parts []string
		for _, other := range []string{"freelane-before", "reverseproxy", "floor", "nginx"} {
			if m[other] > 0 {
				parts = append(parts, fmt.Sprintf("%.2fx %s", fl/m[other], other))
			}
		}
		if len(parts) > 0 {
			lines = append(lines, fmt.Sprintf("Freelane throughput at %s: %s", load, strings.Join(parts, ", ")))
		}
	}
	return lines
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func signedMs(d time.Duration) string {
	return fmt.Sprintf("%+.3f ms", float64(d)/float64(time.Millisecond))
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
