package catalog

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return body
}

func TestParseFree_KeepsOnlyFreeTextModels(t *testing.T) {
	t.Parallel()
	got, err := ParseFree(readFixture(t, "models.json"))
	if err != nil {
		t.Fatalf("ParseFree: %v", err)
	}
	want := []Model{
		{
			ID: "deepseek/deepseek-r1:free", Name: "DeepSeek: R1 (free)",
			ContextLength: 163840, Reasoning: true, Created: 1737381095, Expires: "2026-12-31",
		},
		{
			// No output_modalities: the "->text" modality decides; context
			// falls back to top_provider; "0.0" is a zero price.
			ID: "google/gemma-3-27b-it:free", Name: "Google: Gemma 3 27B (free)",
			ContextLength: 96000, MaxCompletionTokens: 8192, Created: 1741756359,
		},
		{
			ID: "meta-llama/llama-3.3-70b-instruct:free", Name: "Meta: Llama 3.3 70B Instruct (free)",
			ContextLength: 131072, MaxCompletionTokens: 8192, Tools: true, Created: 1733506137,
		},
		{
			ID: "qwen/qwen3-vl-235b-a22b-thinking:free", Name: "Qwen: Qwen3 VL 235B A22B Thinking (free)",
			ContextLength: 131072, MaxCompletionTokens: 32768, Tools: true, Vision: true, Reasoning: true,
			Created: 1758668687,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseFree mismatch\n got: %+v\nwant: %+v", got, want)
	}
}

func TestParseFree_Excludes(t *testing.T) {
	t.Parallel()
	models, err := ParseFree(readFixture(t, "models.json"))
	if err != nil {
		t.Fatalf("ParseFree: %v", err)
	}
	tests := []struct {
		name string
		id   string
	}{
		{"paid_twin", "meta-llama/llama-3.3-70b-instruct"},
		{"auto_router_sentinel_price", "openrouter/auto"},
		{"free_router_without_suffix", "openrouter/free"},
		{"router_with_free_suffix", "openrouter/bodybuilder:free"},
		{"decisions_output", "respan/span-01-lite:free"},
		{"image_output", "google/gemini-2.5-flash-image-preview:free"},
		{"stealth_zero_price_router_prefix", "openrouter/cypher-alpha"},
		{"stealth_zero_price_no_suffix", "stealth/horizon-beta"},
		{"word_price", "broken/word-price:free"},
		{"number_price", "broken/number-price:free"},
		{"missing_price", "broken/no-price:free"},
		{"paid_completion", "broken/paid-completion:free"},
		{"sentinel_price_with_suffix", "broken/sentinel:free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, m := range models {
				if m.ID == tt.id {
					t.Errorf("ParseFree kept %q", tt.id)
				}
			}
		})
	}
}

func TestParseFree_Envelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantErr   string
		wantCount int
	}{
		{name: "invalid_json", body: `{"data":[`, wantErr: "decoding model list"},
		{name: "not_an_object", body: `[]`, wantErr: "decoding model list"},
		{name: "missing_data", body: `{"models":[]}`, wantErr: "no data array"},
		{name: "null_data", body: `{"data":null}`, wantErr: "no data array"},
		{name: "data_not_array", body: `{"data":{"id":"a:free"}}`, wantErr: "decoding model list"},
		{name: "empty_data", body: `{"data":[]}`},
		{
			name: "duplicate_ids_kept_once",
			body: `{"data":[
				{"id":"a/b:free","name":"first","pricing":{"prompt":"0","completion":"0"},"architecture":{"output_modalities":["text"]}},
				{"id":"a/b:free","name":"second","pricing":{"prompt":"0","completion":"0"},"architecture":{"output_modalities":["text"]}}]}`,
			wantCount: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFree([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFree error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFree: %v", err)
			}
			if len(got) != tt.wantCount {
				t.Errorf("ParseFree returned %d models, want %d", len(got), tt.wantCount)
			}
		})
	}
}

func TestIsZeroPrice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		{"zero", `"0"`, true},
		{"zero_point_zero", `"0.0"`, true},
		{"many_zero_decimals", `"0.000000"`, true},
		{"double_zero", `"00"`, true},
		{"router_sentinel", `"-1"`, false},
		{"negative_zero", `"-0"`, false},
		{"exponent", `"0e0"`, false},
		{"two_dots", `"0.0.0"`, false},
		{"lone_dot", `"."`, false},
		{"empty_string", `""`, false},
		{"tiny_price", `"0.0000001"`, false},
		{"nan", `"NaN"`, false},
		{"leading_space", `" 0"`, false},
		{"json_number", `0`, false},
		{"json_null", `null`, false},
		{"missing", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := isZeroPrice(json.RawMessage(tt.raw)); got != tt.want {
				t.Errorf("isZeroPrice(%s) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestIsFreeID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"free_variant", "meta-llama/llama-3.3-70b-instruct:free", true},
		{"paid_twin", "meta-llama/llama-3.3-70b-instruct", false},
		{"free_router", "openrouter/free", false},
		{"router_with_suffix", "openrouter/bodybuilder:free", false},
		{"suffix_only", ":free", false},
		{"empty", "", false},
		{"bare_openai_name", "gpt-4o", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsFreeID(tt.id); got != tt.want {
				t.Errorf("IsFreeID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func BenchmarkParseFree(b *testing.B) {
	body := readFixture(b, "models.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFree(body); err != nil {
			b.Fatal(err)
		}
	}
}
