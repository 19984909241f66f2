package fakeopenrouter

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ModelSpec describes one catalog entry. Prices are strings, as on the wire:
// "0" is free, "-1" is the router sentinel.
type ModelSpec struct {
	ID, Name                     string
	PromptPrice, CompletionPrice string
	Context                      int
	Tools, Vision, Reasoning     bool
	Output                       []string // output modalities; nil means ["text"]
}

// free reports whether calls to the model cost nothing (it may still be a
// router or stealth id without the :free suffix).
func (m ModelSpec) free() bool { return m.PromptPrice == "0" && m.CompletionPrice == "0" }

// countsAsFree reports whether a call draws on the account-wide free daily
// counter: :free variants, and the free router that routes to them.
func countsAsFree(id string) bool { return strings.HasSuffix(id, ":free") || id == freeRouterID }

const (
	freeRouterID = "openrouter/free"
	autoRouterID = "openrouter/auto"
)

// DefaultModels is a realistic catalog: five free text models (one with
// tools, one with vision, one reasoning model, contexts from 8k to 163k),
// their paid twins, a paid openai/gpt-4o, the routers openrouter/auto
// (priced "-1") and openrouter/free (priced "0", no :free suffix), a :free
// model whose output is not text, and a zero-priced stealth id without :free.
func DefaultModels() []ModelSpec {
	type family struct {
		id, name                 string
		prompt, completion       string
		context                  int
		tools, vision, reasoning bool
	}
	families := []family{
		{"meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", "0.00000013", "0.0000004", 131072, true, false, false},
		{"qwen/qwen2.5-vl-72b-instruct", "Qwen: Qwen2.5 VL 72B Instruct", "0.00000025", "0.00000075", 32768, false, true, false},
		{"deepseek/deepseek-r1-0528", "DeepSeek: R1 0528", "0.0000005", "0.00000215", 163840, false, false, true},
		{"mistralai/mistral-small-3.2-24b-instruct", "Mistral: Mistral Small 3.2 24B", "0.00000005", "0.0000001", 96000, false, false, false},
		{"google/gemma-3-12b-it", "Google: Gemma 3 12B", "0.00000003", "0.0000001", 8192, false, false, false},
	}
	var models []ModelSpec
	for _, f := range families {
		models = append(models, ModelSpec{
			ID: f.id + ":free", Name: f.name + " (free)", PromptPrice: "0", CompletionPrice: "0",
			Context: f.context, Tools: f.tools, Vision: f.vision, Reasoning: f.reasoning,
		})
	}
	for _, f := range families {
		models = append(models, ModelSpec{
			ID: f.id, Name: f.name, PromptPrice: f.prompt, CompletionPrice: f.completion,
			Context: f.context, Tools: f.tools, Vision: f.vision, Reasoning: f.reasoning,
		})
	}
	return append(models,
		ModelSpec{ID: "openai/gpt-4o", Name: "OpenAI: GPT-4o", PromptPrice: "0.0000025", CompletionPrice: "0.00001", Context: 128000, Tools: true, Vision: true},
		ModelSpec{ID: autoRouterID, Name: "Auto Router", PromptPrice: "-1", CompletionPrice: "-1", Context: 2000000, Tools: true, Vision: true},
		ModelSpec{ID: freeRouterID, Name: "Free Models Router", PromptPrice: "0", CompletionPrice: "0", Context: 200000, Tools: true, Vision: true},
		ModelSpec{ID: "respan/span-01-lite:free", Name: "Respan: Span-01 Lite (free)", PromptPrice: "0", CompletionPrice: "0", Context: 0, Output: []string{"decisions"}},
		ModelSpec{ID: "openrouter/horizon-beta", Name: "Horizon Beta", PromptPrice: "0", CompletionPrice: "0", Context: 256000, Tools: true, Vision: true},
	)
}

// catalog is an immutable snapshot of the model list; SetModels swaps it
// atomically so running calls never see a half-updated list.
type catalog struct {
	models []ModelSpec
	byID   map[string]ModelSpec
}

func newCatalog(models []ModelSpec) *catalog {
	c := &catalog{models: slices.Clone(models), byID: make(map[string]ModelSpec, len(models))}
	for _, m := range c.models {
		c.byID[m.ID] = m
	}
	return c
}

// outputs is the model's output modalities, defaulting to text.
func (m ModelSpec) outputs() []string {
	if len(m.Output) == 0 {
		return []string{"text"}
	}
	return m.Output
}

func (m ModelSpec) inputs() []string {
	if m.Vision {
		return []string{"text", "image"}
	}
	return []string{"text"}
}

func (m ModelSpec) outputsText() bool { return slices.Contains(m.outputs(), "text") }

// canonicalSlug is shared by a :free variant and its paid twin, as observed.
func (m ModelSpec) canonicalSlug() string {
	base := strings.TrimSuffix(strings.TrimPrefix(m.ID, "~"), ":free")
	if strings.HasPrefix(base, "openrouter/") {
		return base
	}
	return base + "-20260801"
}

func (m ModelSpec) supportedParameters() []string {
	if !m.outputsText() {
		return []string{}
	}
	params := []string{"frequency_penalty", "max_tokens", "presence_penalty", "seed", "stop", "temperature", "top_p"}
	if m.Tools {
		params = append(params, "tool_choice", "tools")
	}
	if m.Reasoning {
		params = append(params, "include_reasoning", "reasoning")
	}
	return params
}

// The wire shape of one /models entry (OpenAPI "Model" plus the fields seen
// live). Nullable fields are pointers or any so they encode as null.
type modelJSON struct {
	ID                  string            `json:"id"`
	CanonicalSlug       string            `json:"canonical_slug"`
	HuggingFaceID       *string           `json:"hugging_face_id"`
	Name                string            `json:"name"`
	Created             int64             `json:"created"`
	Description         string            `json:"description"`
	ContextLength       int               `json:"context_length"`
	Architecture        architecture      `json:"architecture"`
	Pricing             map[string]string `json:"pricing"`
	TopProvider         topProvider       `json:"top_provider"`
	PerRequestLimits    any               `json:"per_request_limits"`
	SupportedParameters []string          `json:"supported_parameters"`
	DefaultParameters   map[string]any    `json:"default_parameters"`
	SupportedVoices     []string          `json:"supported_voices"`
	KnowledgeCutoff     *string           `json:"knowledge_cutoff"`
	ExpirationDate      *string           `json:"expiration_date"`
	Links               modelLinks        `json:"links"`
	Reasoning           *reasoningInfo    `json:"reasoning,omitempty"`
}

type architecture struct {
	Modality         string   `json:"modality"`
	InputModalities  []string `json:"input_modalities"`
	OutputModalities []string `json:"output_modalities"`
	Tokenizer        string   `json:"tokenizer"`
	InstructType     *string  `json:"instruct_type"`
}

type topProvider struct {
	ContextLength       int  `json:"context_length"`
	MaxCompletionTokens int  `json:"max_completion_tokens"`
	IsModerated         bool `json:"is_moderated"`
}

type modelLinks struct {
	Details string `json:"details"`
}

type reasoningInfo struct {
	SupportedEfforts  []string `json:"supported_efforts"`
	DefaultEffort     string   `json:"default_effort"`
	DefaultEnabled    bool     `json:"default_enabled"`
	Mandatory         bool     `json:"mandatory"`
	SupportsMaxTokens bool     `json:"supports_max_tokens"`
}

// catalogCreated is a fixed "created" so catalogs are byte-for-byte stable.
const catalogCreated = 1785000000

func (m ModelSpec) wire() modelJSON {
	pricing := map[string]string{"prompt": m.PromptPrice, "completion": m.CompletionPrice}
	switch {
	case m.PromptPrice == "-1":
		// Router meta-models carry the sentinel on every price.
		pricing["request"], pricing["image"] = "-1", "-1"
	case m.free():
		pricing["request"], pricing["image"] = "0", "0"
	}
	maxCompletion := min(m.Context/4, 32768)
	entry := modelJSON{
		ID:            m.ID,
		CanonicalSlug: m.canonicalSlug(),
		Name:          m.Name,
		Created:       catalogCreated,
		Description:   m.Name + " served by the fake OpenRouter.",
		ContextLength: m.Context,
		Architecture: architecture{
			Modality:         strings.Join(m.inputs(), "+") + "->" + strings.Join(m.outputs(), "+"),
			InputModalities:  m.inputs(),
			OutputModalities: m.outputs(),
			Tokenizer:        "Other",
		},
		Pricing:             pricing,
		TopProvider:         topProvider{ContextLength: m.Context, MaxCompletionTokens: maxCompletion},
		SupportedParameters: m.supportedParameters(),
		DefaultParameters:   map[string]any{},
		Links:               modelLinks{Details: "/api/v1/models/" + m.canonicalSlug() + "/endpoints"},
	}
	if m.Reasoning {
		entry.Reasoning = &reasoningInfo{
			SupportedEfforts: []string{"high", "medium", "low"},
			DefaultEffort:    "medium",
			DefaultEnabled:   true,
			Mandatory:        false,
		}
	}
	return entry
}

type modelsPage struct {
	Data       []modelJSON `json:"data"`
	TotalCount int         `json:"total_count"`
	Links      pageLinks   `json:"links"`
}

type pageLinks struct {
	Next *string `json:"next"`
}

// Paging defaults documented for /models once offset or limit is sent.
const (
	defaultPageLimit = 500
	maxPageLimit     = 1000
)

// handleModels serves GET /api/v1/models. It needs no key, like the
// documented curl examples. It honours supported_parameters,
// output_modalities and offset/limit paging. Without output_modalities it
// lists every model, non-text ones included, as in the captured live
// catalog, so that Freelane's own text filter is exercised.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var matched []ModelSpec
	for _, m := range s.catalog.Load().models {
		if matchesModelQuery(m, q.Get("supported_parameters"), q.Get("output_modalities")) {
			matched = append(matched, m)
		}
	}
	page := modelsPage{Data: []modelJSON{}, TotalCount: len(matched)}
	start, end := 0, len(matched)
	if q.Has("offset") || q.Has("limit") {
		offset, errOffset := strconv.Atoi(q.Get("offset"))
		limit, errLimit := strconv.Atoi(q.Get("limit"))
		if !q.Has("offset") {
			offset, errOffset = 0, nil
		}
		if !q.Has("limit") {
			limit, errLimit = defaultPageLimit, nil
		}
		if errOffset != nil || errLimit != nil || offset < 0 || limit < 1 || limit > maxPageLimit {
			writeError(w, badRequest("Invalid pagination parameters"))
			return
		}
		start, end = min(offset, len(matched)), min(offset+limit, len(matched))
		if end < len(matched) {
			next := "/api/v1/models?offset=" + strconv.Itoa(end) + "&limit=" + strconv.Itoa(limit)
			page.Links.Next = &next
		}
	}
	for _, m := range matched[start:end] {
		page.Data = append(page.Data, m.wire())
	}
	writeJSON(w, http.StatusOK, page)
}

func matchesModelQuery(m ModelSpec, params, outputs string) bool {
	if params != "" {
		supported := m.supportedParameters()
		for p := range strings.SplitSeq(params, ",") {
			if !slices.Contains(supported, strings.TrimSpace(p)) {
				return false
			}
		}
	}
	if outputs != "" && outputs != "all" {
		for o := range strings.SplitSeq(outputs, ",") {
			if slices.Contains(m.outputs(), strings.TrimSpace(o)) {
				return true
			}
		}
		return false
	}
	return true
}

// writeJSON writes v as the whole response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
