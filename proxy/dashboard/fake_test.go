package dashboard

import (
	"fmt"
	"sync"
	"time"
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
	failSet     error
	subs        map[int]chan struct{}
	nextSub     int
	subscribed  chan struct{} // receives after each Subscribe, if non-nil
	today       DayCounts
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
		id := fmt.Sprintf("20260310-%06d-%04x", 143000-i*100, 0xa1b0+i)
		outcome := outcomes[i%len(outcomes)]
		status := 200
		switch outcome {
		case "failed":
			status = 502
		case "timeout":
			status = 504
		}
		f.captures = append(f.captures, CaptureSummary{
			ID: id, Time: now.Add(-time.Duration(i) * 7 * time.Minute), RequestedModel: "auto",
			Model: models[i%len(models)], Outcome: outcome, Status: status,
			DurationMs: int64(800 + 370*i), Attempts: 1 + i%3, Stream: i%2 == 0, Bytes: int64(4200 + 310*i),
		})
		f.captureBody[id] = fmt.Appendf(nil, `{"id":%q,"request":{"model":"auto","messages":[{"role":"user","content":"Summarise the release notes"}]},`+
			`"attempts":[{"model":%q,"status":%d,"duration_ms":%d,"error":"%s"}],"response_text":"Here is a summary…","reasoning":"The user wants a summary."}`,
			id, models[i%len(models)], status, 800+370*i, map[bool]string{true: "", false: "upstream 502: Provider returned error"}[status == 200])
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
	for _, c := range f.captures[:6] {
		recent = append(recent, RecentCall{Time: c.Time, Model: c.Model, Outcome: c.Outcome, DurationMs: c.DurationMs,
			Attempts: c.Attempts, Stream: c.Stream, Status: c.Status})
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
			Health: HealthView{Successes: 19, Failures: 2, LatencyMs: 1840}},
		{ID: "qwen/qwen3-coder:free", Name: "Qwen: Qwen3 Coder 480B A35B (free)", ContextLength: 262144, Tools: true,
			Health: HealthView{Successes: 9, Failures: 2, LatencyMs: 2630, CooldownUntil: f.now.Add(90 * time.Second), LastError: "429 Provider returned error (rate-limited upstream)"}},
		{ID: "meta-llama/llama-3.3-70b-instruct:free", Name: "Meta: Llama 3.3 70B Instruct (free)", ContextLength: 65536, Tools: true,
			Health: HealthView{Successes: 3, LatencyMs: 960}},
		{ID: "google/gemma-3-27b-it:free", Name: "Google: Gemma 3 27B (free)", ContextLength: 96000, Vision: true},
	}
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
	return append([]CaptureSummary(nil), f.captures[:min(limit, len(f.captures))]...), nil
}

func (f *fakeSource) Capture(id string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
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
