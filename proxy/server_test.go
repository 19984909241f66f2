package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

func TestStream_FirstEventArrivesBeforeUpstreamFinishes(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	release := make(chan struct{})
	defer close(release)
	p.fake.Script(gemma, fakeopenrouter.Gate(release, fakeopenrouter.Answer("first chunk, then the rest")))

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.front.URL+"/v1/chat/completions",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	resp, err := p.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type = %q", ct)
	}
	// The upstream is blocked after its first chunk: reading one content
	// event here proves Freelane flushed it instead of buffering.
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ": ") {
			continue
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"content"`) {
			return
		}
	}
	t.Fatalf("no content event before the upstream finished: %v", sc.Err())
}

func TestStream_CommentsAreNeverWrappedInData(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Comments(2, fakeopenrouter.Drip(time.Millisecond, "abc")))
	_, _, body := p.post("/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "data: :") || strings.HasPrefix(line, "data: : ") {
			t.Fatalf("a comment was wrapped in data: %q", line)
		}
		if rest, ok := strings.CutPrefix(line, "data: "); ok && rest != "[DONE]" && !json.Valid([]byte(rest)) {
			t.Fatalf("invalid JSON event %q", line)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(string(body)), "data: [DONE]") {
		t.Errorf("stream did not end with [DONE]: %q", body)
	}
}

func TestStream_ClientDisconnectCancelsUpstream(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Hang())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions",
			strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
		resp, err := p.front.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	if err := p.fake.WaitCalls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-p.fake.Cancelled():
	case <-time.After(10 * time.Second):
		t.Fatal("upstream request was not cancelled after the client left")
	}
	<-done
	eventually(t, "the departed call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
	if p.srv.health.CoolingDown(gemma) {
		t.Error("a client disconnect was blamed on the model")
	}
}

func TestStream_StalledModelTimesOutAndFailsOver(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"PREFERRED_MODELS": gemma + "," + mistral, "FIRST_TOKEN_TIMEOUT": "1"})
	p.fake.Script(gemma, fakeopenrouter.Hang())
	p.fake.Script(mistral, fakeopenrouter.Answer("awake"))
	status, h, body := p.post("/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if status != http.StatusOK || h.Get(headerModel) != mistral || !strings.Contains(string(body), "awake") {
		t.Fatalf("status %d model %q: %s", status, h.Get(headerModel), body)
	}
}

func TestLimiter_CapQueueAndTimeout(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_CONCURRENT_REQUESTS": "1", "QUEUE_TIMEOUT": "1", "PREFERRED_MODELS": gemma})
	p.fake.Script(gemma, fakeopenrouter.Hang())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions", strings.NewReader(helloBody))
		if resp, err := p.front.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if err := p.fake.WaitCalls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if _, inFlight, _ := p.srv.limiter.Snapshot(); inFlight != 1 {
		t.Fatalf("in flight = %d", inFlight)
	}
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(string(body), "MAX_CONCURRENT_REQUESTS") {
		t.Fatalf("queued call: %d %v %s", status, h, body)
	}
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls; the cap is 1", n)
	}
	_, _, conc := p.get("/debug/concurrency")
	if !strings.Contains(string(conc), `"limit": 1`) && !strings.Contains(string(conc), `"limit":1`) {
		t.Errorf("/debug/concurrency = %s", conc)
	}
}

func TestGuard_RefusesForeignHostsAndOrigins(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	cases := []struct {
		name               string
		header             []string
		wantDebug, wantAPI int
	}{
		{"dns_rebinding_host", []string{"Host", "evil.example:5000"}, 403, 403},
		{"cross_site_origin", []string{"Origin", "https://evil.example"}, 403, 403},
		{"null_origin", []string{"Origin", "null"}, 403, 403},
		{"cross_site_fetch", []string{"Sec-Fetch-Site", "cross-site"}, 403, 403},
		{"localhost_host", []string{"Host", "localhost:5000"}, 200, 200},
		{"same_origin", []string{"Origin", p.front.URL}, 200, 200},
		{"same_origin_other_case", []string{"Origin", strings.ToUpper(p.front.URL)}, 200, 200},
		// A page of another local server (a dev server, another tool) may
		// use the API, not the dashboard.
		{"other_local_port", []string{"Origin", "http://127.0.0.1:1"}, 403, 200},
		{"other_local_name", []string{"Origin", strings.Replace(p.front.URL, "127.0.0.1", "localhost", 1)}, 403, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for path, want := range map[string]int{"/debug/stats": tc.wantDebug, "/v1/models": tc.wantAPI} {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.front.URL+path, nil)
				for i := 0; i < len(tc.header); i += 2 {
					if tc.header[i] == "Host" {
						req.Host = tc.header[i+1]
					} else {
						req.Header.Set(tc.header[i], tc.header[i+1])
					}
				}
				status, _, body := p.do(req)
				if status != want {
					t.Errorf("%s: status %d, want %d: %s", path, status, want, body)
				}
			}
		})
	}
	// A cross-site page must not spend quota either.
	status, _, _ := p.post("/v1/chat/completions", helloBody, "Origin", "https://evil.example")
	if status != http.StatusForbidden || len(p.fake.Requests()) != 0 {
		t.Errorf("cross-site chat: status %d, upstream calls %d", status, len(p.fake.Requests()))
	}
}

func TestGuard_TokenRequiredWhenConfigured(t *testing.T) {
	const token = "a-long-enough-test-token-1234"
	p := newTestProxy(t, nil, map[string]string{"FREELANE_TOKEN": token})
	if status, _, _ := p.get("/v1/models"); status != http.StatusUnauthorized {
		t.Errorf("without token: %d", status)
	}
	if status, _, _ := p.get("/v1/models", "Authorization", "Bearer wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	if status, _, _ := p.get("/v1/models", "Authorization", "Bearer "+token); status != http.StatusOK {
		t.Errorf("right token: %d", status)
	}
	status, h, _ := p.get("/debug/status?token=" + token)
	if status != http.StatusOK || !strings.Contains(h.Get("Set-Cookie"), tokenCookie) {
		t.Errorf("dashboard token link: %d, cookie %q", status, h.Get("Set-Cookie"))
	}
}

func TestModels_ListsOnlyFreeModelsAndAuto(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	status, _, body := p.get("/v1/models")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	var list struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object string }
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range list.Data {
		ids[m.ID] = true
		if m.ID != AutoModel && !strings.HasSuffix(m.ID, ":free") {
			t.Errorf("non-free model listed: %s", m.ID)
		}
	}
	for _, want := range []string{AutoModel, gemma, mistral, llama, qwenVL, r1} {
		if !ids[want] {
			t.Errorf("%s missing from /v1/models", want)
		}
	}
	if ids["respan/span-01-lite:free"] || ids["openrouter/free"] || ids["openrouter/auto"] {
		t.Errorf("non-text or router models listed: %v", ids)
	}
	if status, _, _ := p.get("/v1/models/" + gemma); status != http.StatusOK {
		t.Errorf("GET /v1/models/%s = %d", gemma, status)
	}
	if status, _, _ := p.get("/v1/models/openai/gpt-4o"); status != http.StatusNotFound {
		t.Errorf("GET a paid model = %d, want 404", status)
	}
}

func TestKeyNeverLeaks(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	if err := p.srv.SetDebug(true); err != nil {
		t.Fatal(err)
	}
	p.fake.Script(gemma, fakeopenrouter.ServerError(500))
	var seen []string
	for _, req := range [][2]string{
		{"/v1/chat/completions", helloBody},
		{"/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"` + testKey + `"}]}`},
		{"/v1/chat/completions", `{"messages":[`},
	} {
		_, h, body := p.post(req[0], req[1], "Authorization", "Bearer "+testKey)
		seen = append(seen, string(body), headerText(h))
	}
	for _, path := range []string{"/health", "/debug/stats", "/debug/status", "/debug/concurrency", "/debug/requests", "/debug/models"} {
		_, h, body := p.get(path)
		seen = append(seen, string(body), headerText(h))
	}
	_ = p.srv.Close()
	seen = append(seen, p.logs.String())
	err := filepath.WalkDir(p.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		seen = append(seen, string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seen {
		if strings.Contains(s, testKey) {
			t.Errorf("the API key leaked (item %d): %.300s", i, s)
		}
	}
	files, _, _ := p.srv.captures.Usage()
	if files < 2 {
		t.Errorf("debug mode saved %d captures, want at least 2", files)
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}

func TestListen_StartStopFreesThePort(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	if err := p.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	addr := p.srv.Addr()
	if _, _, err := net.SplitHostPort(addr); err != nil || !p.srv.Status().Running {
		t.Fatalf("addr %q running %v", addr, p.srv.Status().Running)
	}
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := p.srv.Unlisten(t.Context()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not freed after stop: %v", err)
	}
	// Now the port is taken: starting reports it, and Status says so.
	p.srv.config().ListenAddr = addr
	err = p.srv.Listen()
	ln.Close()
	if err == nil {
		t.Fatal("listening on a taken port succeeded")
	}
	if st := p.srv.Status(); st.Problem != ProblemPortInUse || !strings.Contains(st.Detail, "in use") {
		t.Errorf("status = %+v", st)
	}
}

func TestUnlisten_EndsDashboardEventStreams(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	if err := p.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + p.srv.Addr() + "/debug/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	// Shutdown must not wait for the never-ending stream until its deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := p.srv.Unlisten(ctx); err != nil {
		t.Fatalf("stopping with an open event stream: %v", err)
	}
}

func TestHealth_NamesTheFolderAndSettingsFileInUse(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	status, _, body := p.get("/health")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var h struct {
		Home    string `json:"home"`
		EnvFile string `json:"env_file"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Home != p.home || h.EnvFile != filepath.Join(p.home, ".env") {
		t.Errorf("home %q, env_file %q; want %q and its .env", h.Home, h.EnvFile, p.home)
	}
}

// An unknown path, under /v1 or not, is answered with the endpoints that
// exist, so a client configured with a wrong URL learns the right one.
func TestUnknownPathNamesTheEndpoints(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	for _, path := range []string{"/v1/completions", "/v1/v1/chat/completions", "/api/chat"} {
		status, _, body := p.post(path, helloBody)
		if status != http.StatusNotFound || checkErrorEnvelope(t, body) != "unknown_url" {
			t.Fatalf("POST %s: status %d, want 404 unknown_url: %s", path, status, body)
		}
		for _, want := range append([]string{path}, endpoints...) {
			if !strings.Contains(string(body), want) {
				t.Errorf("POST %s: the answer does not name %q: %s", path, want, body)
			}
		}
	}
}
