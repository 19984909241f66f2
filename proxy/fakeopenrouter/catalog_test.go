package fakeopenrouter

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestModels_EnvelopeAndFieldSet(t *testing.T) {
	s := New(t)
	resp := doRequest(t, s, http.MethodGet, "/models", "", "") // public, no key
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := decodeBody(t, resp)
	data, _ := body["data"].([]any)
	if len(data) != len(DefaultModels()) {
		t.Fatalf("len(data) = %d, want %d", len(data), len(DefaultModels()))
	}
	if got := body["total_count"]; got != float64(len(data)) {
		t.Errorf("total_count = %v, want %d", got, len(data))
	}
	links, ok := body["links"].(map[string]any)
	if !ok || links["next"] != nil {
		t.Errorf("links = %v, want {next: null}", body["links"])
	}
	required := []string{"id", "canonical_slug", "hugging_face_id", "name", "created", "description",
		"context_length", "architecture", "pricing", "top_provider", "per_request_limits",
		"supported_parameters", "default_parameters", "supported_voices", "knowledge_cutoff",
		"expiration_date", "links"}
	for _, entry := range data {
		m := entry.(map[string]any)
		for _, field := range required {
			if _, ok := m[field]; !ok {
				t.Errorf("%v lacks %q", m["id"], field)
			}
		}
		pricing := m["pricing"].(map[string]any)
		for _, k := range []string{"prompt", "completion"} {
			if _, isString := pricing[k].(string); !isString {
				t.Errorf("%v pricing.%s = %#v, want a string", m["id"], k, pricing[k])
			}
		}
		arch := m["architecture"].(map[string]any)
		for _, k := range []string{"modality", "input_modalities", "output_modalities", "tokenizer", "instruct_type"} {
			if _, ok := arch[k]; !ok {
				t.Errorf("%v architecture lacks %q", m["id"], k)
			}
		}
	}
}

func TestModels_CatalogHasTheTraps(t *testing.T) {
	s := New(t)
	byID := map[string]map[string]any{}
	for _, e := range decodeBody(t, doRequest(t, s, http.MethodGet, "/models", "", ""))["data"].([]any) {
		m := e.(map[string]any)
		byID[m["id"].(string)] = m
	}
	pricing := func(id string) (string, string) {
		p := byID[id]["pricing"].(map[string]any)
		return p["prompt"].(string), p["completion"].(string)
	}
	tests := []struct {
		name, id                 string
		wantPrompt, wantComplete string
	}{
		{"auto_router_sentinel", "openrouter/auto", "-1", "-1"},
		{"free_router_zero_without_suffix", "openrouter/free", "0", "0"},
		{"stealth_zero_without_suffix", "openrouter/horizon-beta", "0", "0"},
		{"paid_gpt4o", "openai/gpt-4o", "0.0000025", "0.00001"},
		{"free_variant", "meta-llama/llama-3.3-70b-instruct:free", "0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := byID[tt.id]; !ok {
				t.Fatalf("%s missing from catalog", tt.id)
			}
			if p, c := pricing(tt.id); p != tt.wantPrompt || c != tt.wantComplete {
				t.Errorf("pricing = %s/%s, want %s/%s", p, c, tt.wantPrompt, tt.wantComplete)
			}
		})
	}

	t.Run("free_and_paid_twins_share_canonical_slug", func(t *testing.T) {
		free, paid := byID["deepseek/deepseek-r1-0528:free"], byID["deepseek/deepseek-r1-0528"]
		if free["canonical_slug"] != paid["canonical_slug"] {
			t.Errorf("canonical_slug %v != %v", free["canonical_slug"], paid["canonical_slug"])
		}
		if !strings.HasSuffix(free["name"].(string), "(free)") {
			t.Errorf("free name = %v, want a (free) suffix", free["name"])
		}
	})
	t.Run("reasoning_object_only_on_reasoning_models", func(t *testing.T) {
		if _, ok := byID["deepseek/deepseek-r1-0528:free"]["reasoning"]; !ok {
			t.Error("reasoning model lacks the reasoning object")
		}
		for _, id := range []string{"openrouter/free", "openrouter/auto", "google/gemma-3-12b-it:free"} {
			if _, ok := byID[id]["reasoning"]; ok {
				t.Errorf("%s has a reasoning object", id)
			}
		}
	})
	t.Run("non_text_free_model", func(t *testing.T) {
		out := byID["respan/span-01-lite:free"]["architecture"].(map[string]any)["output_modalities"].([]any)
		if slices.Contains(out, any("text")) {
			t.Errorf("output_modalities = %v, want no text", out)
		}
	})
	t.Run("free_text_models_vary", func(t *testing.T) {
		var tools, vision, contexts = 0, 0, map[float64]bool{}
		for id, m := range byID {
			if !strings.HasSuffix(id, ":free") {
				continue
			}
			params := m["supported_parameters"].([]any)
			if slices.Contains(params, any("tools")) {
				tools++
			}
			if slices.Contains(m["architecture"].(map[string]any)["input_modalities"].([]any), any("image")) {
				vision++
			}
			contexts[m["context_length"].(float64)] = true
		}
		if tools == 0 || vision == 0 || len(contexts) < 4 {
			t.Errorf("free models: %d with tools, %d with vision, %d context lengths", tools, vision, len(contexts))
		}
	})
}

func TestModels_FiltersAndPaging(t *testing.T) {
	s := New(t)
	ids := func(query string) ([]string, map[string]any) {
		body := decodeBody(t, doRequest(t, s, http.MethodGet, "/models"+query, "", ""))
		var out []string
		for _, e := range body["data"].([]any) {
			out = append(out, e.(map[string]any)["id"].(string))
		}
		return out, body
	}
	t.Run("supported_parameters", func(t *testing.T) {
		got, _ := ids("?supported_parameters=tools")
		if !slices.Contains(got, "meta-llama/llama-3.3-70b-instruct:free") || slices.Contains(got, "google/gemma-3-12b-it:free") {
			t.Errorf("tools filter = %v", got)
		}
	})
	t.Run("output_modalities_text", func(t *testing.T) {
		got, _ := ids("?output_modalities=text")
		if slices.Contains(got, "respan/span-01-lite:free") {
			t.Errorf("text filter kept the decisions model: %v", got)
		}
	})
	t.Run("paging", func(t *testing.T) {
		got, body := ids("?offset=2&limit=3")
		want := []string{DefaultModels()[2].ID, DefaultModels()[3].ID, DefaultModels()[4].ID}
		if !slices.Equal(got, want) {
			t.Errorf("page = %v, want %v", got, want)
		}
		if next := body["links"].(map[string]any)["next"]; next != "/api/v1/models?offset=5&limit=3" {
			t.Errorf("links.next = %v", next)
		}
		if body["total_count"] != float64(len(DefaultModels())) {
			t.Errorf("total_count = %v", body["total_count"])
		}
	})
	t.Run("bad_limit", func(t *testing.T) {
		if resp := doRequest(t, s, http.MethodGet, "/models?limit=5000", "", ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", resp.StatusCode)
		}
	})
}

func TestSetModels_ChangesCatalogAndValidIDs(t *testing.T) {
	s := New(t)
	s.SetModels([]ModelSpec{{ID: "only/one:free", Name: "Only One (free)", PromptPrice: "0", CompletionPrice: "0", Context: 4096}})
	body := decodeBody(t, doRequest(t, s, http.MethodGet, "/models", "", ""))
	if data := body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != "only/one:free" {
		t.Errorf("data = %v", data)
	}
	resp := postChat(t, s, chatBody("google/gemma-3-12b-it:free", false))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("removed model: status = %d, want 400", resp.StatusCode)
	}
	if resp := postChat(t, s, chatBody("only/one:free", false)); resp.StatusCode != http.StatusOK {
		t.Errorf("new model: status = %d, want 200", resp.StatusCode)
	}
}
