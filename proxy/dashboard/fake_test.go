package dashboard

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/capture"
)

// fakeSource is an in-memory Source with realistic numbers. Tests change its
// fields under mu and call notify to fire subscriptions.
type fakeSource struct {
	mu          sync.Mutex
	now         time.Time
	debug       bool
	preferred   []string
	captures    []CaptureSummary
	captureBody map[string][]byte
	failSet     error    // returned by SetPreferred and SetDebug when set
	failList    error    // returned by Captures when set
	failCapture error    // returned by Capture when set
	asked       []string // ids passed to Capture, in order
	subs        map[int]chan struct{}
	nextSub     int
	subscribed  chan struct{} // receives after each Subscribe, if non-nil
	today       DayCounts
	extraModels []ModelView // appended to the fixed catalog
}

func newFakeSource(now time.Time) *fakeSource {
	f := &fakeSource{
		now:         now,
		debug:       true,
		preferred:   []string{"deepseek/deepseek-chat-v3.1:free"},
		captureBody: map[string][]byte{},
		subs:        map[int]chan struct{}{},
		today: DayCounts{
			Date: now.UTC().Format("2006-01-02"), Total: 37, Success: 31, Failed: 3, Timeout: 1, Retry: 2,
			LastUpdated: now.Add(-42 * time.Second),
		},
	}
	outcomes := []string{"success", "success", "failed", "success", "timeout", "success"}
	models := []string{"deepseek/deepseek-chat-v3.1:free", "qwen/qwen3-coder:free", "meta-llama/llama-3.3-70b-instruct:free"}
	for i := range 12 {
		id := fmt.Sprintf("20260310-%06d-%012x", 143000-i*100, 0xa1b0+i)
		rec := captureFixture(id, now.Add(-time.Duration(i)*7*time.Minute), outcomes[i%len(outcomes)], models[i%len(models)], i%2 == 0, 1+i%3)
		body, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			panic(fmt.Sprintf("encoding capture fixture: %v", err))
		}
		f.captureBody[id] = body
		f.captures = append(f.captures, CaptureSummary{
			ID: id, Time: rec.Time, Model: rec.Model, Outcome: rec.Outcome, DurationMs: rec.DurationMs,
			Attempts: len(rec.Attempts), Stream: rec.Stream, Bytes: int64(len(body)),
		})
	}
	return f
}

func (f *fakeSource) Stats(days int) StatsView {
	f.mu.Lock()
	defer f.mu.Unlock()
	var history []DayCounts
	for i := days - 1; i >= 1; i-- {
		day := f.now.AddDate(0, 0, -i)
		total := 10 + (i*37)%60
		if i%9 == 4 {
			total = 0
		}
		failed, timeout := total/9, total/17
		history = append(history, DayCounts{
			Date: day.UTC().Format("2006-01-02"), Total: total, Success: total - failed - timeout,
			Failed: failed, Timeout: timeout, Retry: total / 7, LastUpdated: day,
		})
	}
	history = append(history, f.today)
	return StatsView{
		DayCounts: f.today,
		History:   history,
		Models: []ModelStats{
			{Model: "deepseek/deepseek-chat-v3.1:free", Calls: 21, Success: 19, Failed: 2, SuccessRate: 19.0 / 21, P50Ms: 1840, P95Ms: 5210},
			{Model: "qwen/qwen3-coder:free", Calls: 11, Success: 9, Failed: 1, Timeout: 1, SuccessRate: 9.0 / 11, P50Ms: 2630, P95Ms: 9870},
			{Model: "meta-llama/llama-3.3-70b-instruct:free", Calls: 5, Success: 3, SuccessRate: 3.0 / 5, P50Ms: 960, P95Ms: 1420},
		},
		Quota: QuotaView{Used: 37, Limit: 50, Remaining: 13, Source: QuotaSourceEstimate, Estimated: true},
	}
}

func (f *fakeSource) Concurrency() ConcurrencyView {
	f.mu.Lock()
	defer f.mu.Unlock()
	var recent []RecentCall
	statusOf := map[string]int{"success": 200, "failed": 502, "timeout": 504}
	for _, c := range f.captures[:6] {
		recent = append(recent, RecentCall{Time: c.Time, Model: c.Model, Outcome: c.Outcome, DurationMs: c.DurationMs,
			Attempts: c.Attempts, Stream: c.Stream, Status: statusOf[c.Outcome]})
	}
	return ConcurrencyView{Limit: 4, InFlight: 1, Queued: 0, Recent: recent}
}

func (f *fakeSource) Status() StatusView {
	f.mu.Lock()
	defer f.mu.Unlock()
	return StatusView{
		Version: "0.3.0", Running: true, Debug: f.debug, KeyPresent: true, KeyFingerprint: "sk-…9f3a",
		ListenAddr: "127.0.0.1:5000", UptimeSeconds: 3*3600 + 12*60,
		Catalog: CatalogView{Count: 4, FetchedAt: f.now.Add(-37 * time.Minute), Source: "network"},
		Dumps:   DumpsView{Files: len(f.captures), Bytes: 1_843_200},
	}
}

func (f *fakeSource) Models() []ModelView {
	f.mu.Lock()
	defer f.mu.Unlock()
	models := []ModelView{
		{ID: "deepseek/deepseek-chat-v3.1:free", Name: "DeepSeek: DeepSeek V3.1 (free)", ContextLength: 163840, Tools: true, Reasoning: true,
			Health: HealthView{Successes: 19, Failures: 2, SuccessRate: 0.9, LatencyMs: 1840}},
		{ID: "qwen/qwen3-coder:free", Name: "Qwen: Qwen3 Coder 480B A35B (free)", ContextLength: 262144, Tools: true,
			Health: HealthView{Successes: 9, Failures: 2, SuccessRate: 0.74, LatencyMs: 2630, CooldownUntil: f.now.Add(90 * time.Second), LastError: "429 Provider returned error (rate-limited upstream)"}},
		{ID: "meta-llama/llama-3.3-70b-instruct:free", Name: "Meta: Llama 3.3 70B Instruct (free)", ContextLength: 65536, Tools: true,
			Health: HealthView{Successes: 3, SuccessRate: 0.95, LatencyMs: 960}},
		{ID: "google/gemma-3-27b-it:free", Name: "Google: Gemma 3 27B (free)", ContextLength: 96000, Vision: true},
	}
	models = append(models, f.extraModels...)
	for i := range models {
		for rank, id := range f.preferred {
			if id == models[i].ID {
				models[i].Preferred, models[i].PreferredRank = true, rank+1
			}
		}
	}
	return models
}

func (f *fakeSource) SetPreferred(ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSet != nil {
		return f.failSet
	}
	f.preferred = append([]string(nil), ids...)
	return nil
}

func (f *fakeSource) SetDebug(on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSet != nil {
		return f.failSet
	}
	f.debug = on
	return nil
}

func (f *fakeSource) Captures(limit int) ([]CaptureSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failList != nil {
		return nil, f.failList
	}
	return append([]CaptureSummary(nil), f.captures[:min(limit, len(f.captures))]...), nil
}

func (f *fakeSource) Capture(id string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, id)
	if f.failCapture != nil {
		return nil, f.failCapture
	}
	body, ok := f.captureBody[id]
	if !ok {
		return nil, fmt.Errorf("capture %s: %w", id, ErrNotFound)
	}
	return body, nil
}

func (f *fakeSource) Subscribe() (<-chan struct{}, func()) {
	f.mu.Lock()
	ch := make(chan struct{}, 1)
	id := f.nextSub
	f.nextSub++
	f.subs[id] = ch
	announce := f.subscribed
	f.mu.Unlock()
	if announce != nil {
		announce <- struct{}{}
	}
	return ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

// notify fires every subscription without blocking, as a coalescing Source does.
func (f *fakeSource) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (f *fakeSource) subscriberCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// captureFixture builds a saved call exactly as the proxy's capture package
// writes it: failed attempts on other models first, then the last one, which
// answers unless the call failed.
func captureFixture(id string, at time.Time, outcome, model string, stream bool, tries int) capture.Record {
	const question = "Summarise the release notes"
	request := fmt.Appendf(nil, `{"model":"auto","stream":%t,"messages":[{"role":"user","content":%q}]}`, stream, question)
	rec := capture.Record{
		ID: id, Time: at, Outcome: outcome, Stream: stream, Request: request,
		Client: capture.ClientInfo{Method: "POST", Path: "/v1/chat/completions", RemoteAddr: "127.0.0.1:53122",
			UserAgent: "OpenAI/Python 1.109.1", Headers: map[string]string{"Content-Type": "application/json", "Authorization": "[redacted]"}},
	}
	started := at
	for n := range tries - 1 {
		failed := fmt.Sprintf("%s-busy-%d:free", strings.TrimSuffix(model, ":free"), n)
		rec.Attempts = append(rec.Attempts, capture.Attempt{Model: failed, Status: 429, Kind: "model_busy",
			Error: "Provider returned error (rate-limited upstream)", Started: started, DurationMs: 310})
		started = started.Add(310 * time.Millisecond)
	}
	last := capture.Attempt{Model: model, Started: started, DurationMs: 1840, FirstByteMs: 620}
	rec.Upstream = fmt.Appendf(nil, `{"model":%q,"stream":%t,"messages":[{"role":"user","content":%q}]}`, model, stream, question)
	switch outcome {
	case "success":
		rec.Model = model
		last.Status = 200
		rec.Response.Status = 200
		if stream {
			rec.Response.Text = "Here is a summary of the release."
			rec.Response.Reasoning = "The user wants a summary."
			rec.Response.Events = []string{
				`{"choices":[{"index":0,"delta":{"role":"assistant","reasoning":"The user wants a summary."}}]}`,
				`{"choices":[{"index":0,"delta":{"content":"Here is a summary of the release."},"finish_reason":"stop"}]}`,
				"[DONE]",
			}
		} else {
			rec.Response.Body = fmt.Appendf(nil, `{"id":"gen-1","model":%q,"choices":[{"index":0,"message":{"role":"assistant",`+
				`"content":"Here is a summary of the release.","reasoning":"The user wants a summary."},"finish_reason":"stop"}]}`, model)
		}
	case "timeout":
		last.Kind, last.Error, last.DurationMs, last.FirstByteMs = "timeout", "no data from the model within the configured timeout", 30000, 0
		rec.Response.Status = 504
		rec.Response.Body = []byte(`{"error":{"message":"No free model answered in time.","type":"api_error","code":"upstream_timeout"}}`)
	default:
		last.Status, last.Kind, last.Error, last.FirstByteMs = 502, "server_error", "upstream 502: Provider returned error", 0
		rec.Response.Status = 502
		rec.Response.Body = []byte(`{"error":{"message":"Every free model failed; the last said: Provider returned error","type":"api_error","code":"upstream_error"}}`)
	}
	rec.Attempts = append(rec.Attempts, last)
	rec.DurationMs = started.Sub(at).Milliseconds() + last.DurationMs + 4
	return rec
}
