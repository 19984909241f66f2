package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// freeSuffix marks OpenRouter's free catalog variants; only ids carrying it
// draw on the free-model quota instead of credits.
const freeSuffix = ":free"

// routerPrefix names OpenRouter's meta-models (openrouter/auto, openrouter/free):
// they pick a model themselves, so Freelane could not promise which one, or
// that it is free, if it sent them.
const routerPrefix = "openrouter/"

// Model is one free model as Freelane routes to it.
type Model struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	ContextLength       int    `json:"context_length"`
	MaxCompletionTokens int    `json:"max_completion_tokens"`
	Tools               bool   `json:"tools"`     // supported_parameters has "tools"
	Vision              bool   `json:"vision"`    // input_modalities has "image"
	Reasoning           bool   `json:"reasoning"` // "reasoning" parameter or a reasoning object
	Created             int64  `json:"created"`   // Unix seconds
	Expires             string `json:"expires,omitempty"`
}

// IsFreeID reports whether id has the shape of a free variant: it ends in
// ":free" and is not a router meta-model. Pricing is checked separately by
// ParseFree; this is the cheap guard callers can apply to any id.
func IsFreeID(id string) bool {
	return strings.HasSuffix(id, freeSuffix) && len(id) > len(freeSuffix) &&
		!strings.HasPrefix(id, routerPrefix)
}

// upstreamModel holds only the fields of an OpenRouter /models entry that the
// free filter and Model need; decoding less keeps an odd value in an unrelated
// field from hiding a model.
type upstreamModel struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Created       int64  `json:"created"`
	ContextLength int    `json:"context_length"`
	Architecture  struct {
		Modality         string   `json:"modality"`
		InputModalities  []string `json:"input_modalities"`
		OutputModalities []string `json:"output_modalities"`
	} `json:"architecture"`
	Pricing struct {
		Prompt     json.RawMessage `json:"prompt"`
		Completion json.RawMessage `json:"completion"`
	} `json:"pricing"`
	TopProvider struct {
		ContextLength       int `json:"context_length"`
		MaxCompletionTokens int `json:"max_completion_tokens"`
	} `json:"top_provider"`
	SupportedParameters []string        `json:"supported_parameters"`
	Reasoning           json.RawMessage `json:"reasoning"`
	ExpirationDate      string          `json:"expiration_date"`
}

// ParseFree decodes an OpenRouter /models envelope ({"data":[...]}) and
// returns the free models sorted by ID. A model is free only when its id ends
// in ":free", both prompt and completion prices are the string zero, it
// produces text, and it is not a router. Entries that fail to decode are
// skipped: a model whose pricing cannot be read cannot be proven free.
func ParseFree(body []byte) ([]Model, error) {
	var envelope struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return nil, fmt.Errorf("decoding model list: %w", err)
	}
	if envelope.Data == nil {
		return nil, errors.New("decoding model list: no data array")
	}

	models := make([]Model, 0, len(envelope.Data)/4)
	for _, raw := range envelope.Data {
		var entry upstreamModel
		if err := json.Unmarshal(raw, &entry); err != nil {
			continue
		}
		if !entry.isFree() {
			continue
		}
		models = append(models, entry.model())
	}
	slices.SortFunc(models, func(a, b Model) int { return strings.Compare(a.ID, b.ID) })
	// A duplicated id would make Lookup ambiguous; keep the first.
	models = slices.CompactFunc(models, func(a, b Model) bool { return a.ID == b.ID })
	return models, nil
}

func (m *upstreamModel) isFree() bool {
	return IsFreeID(m.ID) &&
		isZeroPrice(m.Pricing.Prompt) && isZeroPrice(m.Pricing.Completion) &&
		m.producesText()
}

// producesText prefers the explicit output_modalities list and falls back to
// the older "input->output" modality string when the list is absent.
func (m *upstreamModel) producesText() bool {
	if m.Architecture.OutputModalities != nil {
		return slices.Contains(m.Architecture.OutputModalities, "text")
	}
	return strings.HasSuffix(m.Architecture.Modality, "->text")
}

func (m *upstreamModel) model() Model {
	contextLength := m.ContextLength
	if contextLength <= 0 {
		contextLength = m.TopProvider.ContextLength
	}
	hasReasoningObject := len(m.Reasoning) > 0 && !bytes.Equal(m.Reasoning, []byte("null"))
	return Model{
		ID:                  m.ID,
		Name:                m.Name,
		ContextLength:       max(contextLength, 0),
		MaxCompletionTokens: max(m.TopProvider.MaxCompletionTokens, 0),
		Tools:               slices.Contains(m.SupportedParameters, "tools"),
		Vision:              slices.Contains(m.Architecture.InputModalities, "image"),
		Reasoning:           hasReasoningObject || slices.Contains(m.SupportedParameters, "reasoning"),
		Created:             m.Created,
		Expires:             m.ExpirationDate,
	}
}

// isZeroPrice reports whether a raw pricing value is a JSON string holding a
// plain decimal zero ("0", "0.0", "0.000"). Prices are strings upstream;
// numbers, signs, exponents and the router sentinel "-1" are not accepted,
// because anything not clearly zero must be treated as paid.
func isZeroPrice(raw json.RawMessage) bool {
	var price string
	if err := json.Unmarshal(raw, &price); err != nil {
		return false
	}
	digits, dots := 0, 0
	for _, r := range price {
		switch r {
		case '0':
			digits++
		case '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
