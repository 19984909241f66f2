package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const (
	testAPIKey = "sk-or-v1-0123456789abcdef0123456789abcdef"
	testToken  = `tok<en>&"quoted"-0123456789`
)

func newTestRecorder(t *testing.T, l Limits, secrets ...string) (*Recorder, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "debug")
	r := New(dir, l, func() []string { return secrets })
	t.Cleanup(func() { r.Close() })
	return r, dir
}

func sampleRecord() *Record {
	rec := &Record{
		Time:       time.Date(2026, 3, 4, 10, 11, 12, 0, time.Local),
		DurationMs: 1234,
		Outcome:    "success",
		Model:      "a/b:free",
		Request:    json.RawMessage(`{"model":"auto","messages":[{"role":"user","content":"hi"}]}`),
		Upstream:   json.RawMessage(`{"model":"a/b:free","messages":[{"role":"user","content":"hi"}]}`),
		Attempts: []Attempt{
			{Model: "c/d:free", Status: 429, Kind: "busy", Error: "rate limited", DurationMs: 20},
			{Model: "a/b:free", Status: 200, DurationMs: 1200, FirstByteMs: 300},
		},
	}
	rec.Client = ClientInfo{Method: "POST", Path: "/v1/chat/completions", RemoteAddr: "127.0.0.1:4242", UserAgent: "test"}
	rec.Response = ResponseInfo{Status: 200, Body: json.RawMessage(`{"choices":[{"message":{"content":"hello"}}]}`)}
	return rec
}

// allFiles returns the content of every file under dir.
func allFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSave_WritesPrivateFileInDayFolder(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{})
	rec := sampleRecord()
	if err := r.Save(rec); err != nil {
		t.Fatal(err)
	}
	if !ValidID(rec.ID) {
		t.Fatalf("Save set id %q", rec.ID)
	}
	path := filepath.Join(dir, "20260304", rec.ID+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("dump not at %s: %v", path, err)
	}
	var back Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("dump is not a record: %v", err)
	}
	if back.Model != "a/b:free" || len(back.Attempts) != 2 || back.Attempts[1].FirstByteMs != 300 ||
		back.Client.Path != "/v1/chat/completions" || !back.Time.Equal(rec.Time) {
		t.Errorf("round trip lost data: %+v", back)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, back.Request); err != nil || compact.String() != string(rec.Request) {
		t.Errorf("request body = %s, want %s", back.Request, rec.Request)
	}

	if runtime.GOOS == "windows" {
		return
	}
	for path, want := range map[string]fs.FileMode{dir: 0o700, filepath.Dir(path): 0o700, path: 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode = %#o, want %#o", path, got, want)
		}
	}
}

func TestSave_NonJSONBodyStoredAsString(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	rec := sampleRecord()
	rec.Request = json.RawMessage("not json {")
	if err := r.Save(rec); err != nil {
		t.Fatal(err)
	}
	data, err := r.Get(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Request) != `"not json {"` {
		t.Errorf("request = %s, want the body as a JSON string", back.Request)
	}
}

func TestSave_RejectsBadID(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{})
	rec := sampleRecord()
	rec.ID = "../escape"
	if err := r.Save(rec); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Save with id %q: %v, want ErrInvalidID", rec.ID, err)
	}
	if files := allFiles(t, filepath.Dir(dir)); len(files) != 0 {
		t.Errorf("files written: %v", files)
	}
}

func TestSave_Redaction(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{}, testAPIKey, testToken, "")
	rec := sampleRecord()
	rec.Client.Headers = map[string]string{
		"Authorization":       "Bearer client-own-secret",
		"proxy-authorization": "Basic dXNlcjpwYXNz",
		"Cookie":              "session=cookie-secret",
		"X-Api-Key":           "xapikey-secret",
		"Api-Key":             "apikey-secret",
		"Content-Type":        "application/json",
	}
	rec.Request = json.RawMessage(`{"model":"x","api_key":"` + testAPIKey + `","note":"Bearer inline-secret"}`)
	rec.Upstream = json.RawMessage(`{"token":` + mustJSON(t, testToken) + `}`)
	rec.Attempts[0].Error = `401 {"error":{"message":"invalid key ` + testAPIKey + `"}}`
	rec.Response.Body = json.RawMessage(`{"error":"other key sk-or-v1-someoneelse99 rejected"}`)
	rec.Response.Text = "token " + testToken
	rec.Response.Reasoning = "authorization: bearer lowercase-secret"
	rec.Response.Events = []string{`{"x":"` + testAPIKey + `"}`}
	if err := r.Save(rec); err != nil {
		t.Fatal(err)
	}

	leaks := []string{
		testAPIKey, testToken, mustJSON(t, testToken)[1 : len(mustJSON(t, testToken))-1],
		"client-own-secret", "dXNlcjpwYXNz", "cookie-secret", "xapikey-secret", "apikey-secret",
		"inline-secret", "sk-or-v1-someoneelse99", "lowercase-secret",
	}
	files := allFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("wrote %d files, want 1", len(files))
	}
	for path, data := range files {
		for _, leak := range leaks {
			if strings.Contains(string(data), leak) {
				t.Errorf("%s contains %q", path, leak)
			}
		}
		var back Record
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("redacted dump is not valid JSON: %v", err)
		}
		for _, name := range []string{"Authorization", "proxy-authorization", "Cookie", "X-Api-Key", "Api-Key"} {
			if got := back.Client.Headers[name]; got != redacted {
				t.Errorf("header %s = %q, want %q", name, got, redacted)
			}
		}
		if back.Client.Headers["Content-Type"] != "application/json" {
			t.Errorf("harmless header changed: %q", back.Client.Headers["Content-Type"])
		}
		if !strings.Contains(back.Attempts[0].Error, "invalid key "+redacted) {
			t.Errorf("upstream error text = %q, want the key replaced in place", back.Attempts[0].Error)
		}
	}
	if rec.Client.Headers["Authorization"] != "Bearer client-own-secret" {
		t.Error("Save modified the caller's headers")
	}
}

func TestSave_RedactsCurrentSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "debug")
	secret := "first-secret-value"
	r := New(dir, Limits{}, func() []string { return []string{secret} })
	t.Cleanup(func() { r.Close() })

	for _, s := range []string{"first-secret-value", "second-secret-value"} {
		secret = s
		rec := sampleRecord()
		rec.Response.Text = "echo " + s
		if err := r.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	for path, data := range allFiles(t, dir) {
		for _, s := range []string{"first-secret-value", "second-secret-value"} {
			if strings.Contains(string(data), s) {
				t.Errorf("%s contains %q", path, s)
			}
		}
	}
}

func mustJSON(t *testing.T, s string) string {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q is not a valid id", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestContainsFold(t *testing.T) {
	tests := []struct {
		data string
		want bool
	}{
		{"Authorization: Bearer x", true},
		{"BEARER", true},
		{"bEaReR", true},
		{"bear", false},
		{"", false},
		{"unbearable", false},
	}
	for _, tt := range tests {
		if got := containsFold([]byte(tt.data), "bearer"); got != tt.want {
			t.Errorf("containsFold(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
}
